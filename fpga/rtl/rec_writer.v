`timescale 1ns / 1ps
`default_nettype none
// Writes fixed-size records of BYTES bytes into a byte-wide FIFO, one byte
// per clock, least significant byte of in_rec first, and accounts for the
// records that do not fit.
//
// The source keeps its record steady for BYTES clocks after in_valid (the
// sampler and the sniffer hold theirs until their next record, many clocks
// later), so the bytes are read straight from it and nothing is copied. A
// record offered while the FIFO lacks room for all its bytes is dropped
// whole (never half-written) and counted. With DRAIN = 1 writing resumes
// only once the FIFO has emptied, so every run of records in the FIFO is
// unbroken (sample blocks rely on this: a frame of them is consecutive).
// When writing resumes after drops, overrun pulses once with the number of
// records lost, for an OVERRUN event. push pulses once a whole record is in.
module rec_writer #(
    parameter integer BYTES = 7,
    parameter integer DRAIN = 0,
    parameter integer LW    = 11  // width of the FIFO's level
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               in_valid,
    input  wire [8*BYTES-1:0] in_rec,     // byte 0 in the low bits
    input  wire [LW-1:0]      fifo_free,  // bytes the FIFO can take
    input  wire               fifo_empty,
    output wire               wr_en,
    output reg  [7:0]         wr_data,
    output reg                push,       // one-clock pulse
    output reg                overrun,    // one-clock pulse
    output reg  [15:0]        lost        // records lost, valid with overrun
);
    localparam integer CW = $clog2(BYTES + 1);
    localparam [CW-1:0] NB = BYTES[CW-1:0];

    reg [CW-1:0] left;   // bytes still to write
    reg [CW-1:0] index;  // byte being written
    reg          dropping;
    reg [15:0]   dropped;

    assign wr_en = (left != {CW{1'b0}});

    integer i;
    always @(*) begin
        wr_data = 8'd0;
        for (i = 0; i < BYTES; i = i + 1) begin
            if (index == i[CW-1:0]) wr_data = in_rec[8 * i +: 8];
        end
    end

    localparam integer GREATER_W = LW;
    `include "greater.vh"

    wire room   = !greater({{(LW - CW){1'b0}}, NB}, fifo_free);
    wire resume = (DRAIN != 0) ? fifo_empty : room;

    always @(posedge clk) begin
        overrun <= 1'b0;
        push    <= 1'b0;
        if (rst) begin
            left     <= {CW{1'b0}};
            index    <= {CW{1'b0}};
            dropping <= 1'b0;
            dropped  <= 16'd0;
            lost     <= 16'd0;
        end else if (wr_en) begin
            left  <= left - 1'b1;
            index <= index + 1'b1;
            if (left == {{(CW - 1){1'b0}}, 1'b1}) push <= 1'b1;
        end else if (in_valid) begin
            if ((dropping && !resume) || !room) begin
                dropping <= 1'b1;
                dropped  <= (dropped == 16'hffff) ? dropped : dropped + 1'b1;
            end else begin
                left  <= NB;
                index <= {CW{1'b0}};
                if (dropping) begin
                    dropping <= 1'b0;
                    overrun  <= 1'b1;
                    lost     <= dropped;
                    dropped  <= 16'd0;
                end
            end
        end
    end
endmodule
`default_nettype wire
