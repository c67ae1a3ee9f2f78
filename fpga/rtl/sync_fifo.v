`timescale 1ns / 1ps
`default_nettype none
// Single-clock FIFO in block RAM: DEPTH (a power of two) words of WIDTH bits.
//
// Pointers carry one extra bit so full and empty are told apart without a
// spare slot. Reads are registered, as the iCE40 block RAM needs: rd_en on
// one clock, rd_data valid (and rd_valid high) on the next. Writes to a full
// FIFO and reads from an empty one are ignored and flagged with a one-clock
// overflow / underflow pulse so the owner can count them.
module sync_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 256
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   clear,
    input  wire [WIDTH-1:0]       wr_data,
    input  wire                   wr_en,
    input  wire                   rd_en,
    output reg  [WIDTH-1:0]       rd_data,
    output reg                    rd_valid,
    output wire                   empty,
    output wire                   full,
    output wire [$clog2(DEPTH):0] level,
    output wire [$clog2(DEPTH):0] free,   // DEPTH - level
    output reg                    overflow,
    output reg                    underflow
);
    localparam integer AW = $clog2(DEPTH);

    generate
        if ((1 << AW) != DEPTH) begin : g_bad_depth
            fifo_depth_must_be_a_power_of_two u_error ();
        end
    endgenerate

    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [AW:0]      wr_ptr;
    reg [AW:0]      rd_ptr;

    assign level = wr_ptr - rd_ptr;
    // DEPTH - level in one subtraction (DEPTH is the pointers' top bit), so
    // a writer's room check does not wait on two carry chains.
    assign free  = {~rd_ptr[AW], rd_ptr[AW-1:0]} - wr_ptr;
    assign empty = (wr_ptr == rd_ptr);
    assign full  = (wr_ptr[AW] != rd_ptr[AW]) && (wr_ptr[AW-1:0] == rd_ptr[AW-1:0]);

    wire do_write = wr_en && !full;
    wire do_read  = rd_en && !empty;

    always @(posedge clk) begin
        if (do_write) mem[wr_ptr[AW-1:0]] <= wr_data;
    end

    always @(posedge clk) begin
        if (do_read) rd_data <= mem[rd_ptr[AW-1:0]];
    end

    always @(posedge clk) begin
        overflow  <= 1'b0;
        underflow <= 1'b0;
        rd_valid  <= 1'b0;
        if (rst || clear) begin
            wr_ptr <= {(AW + 1){1'b0}};
            rd_ptr <= {(AW + 1){1'b0}};
        end else begin
            if (do_write) wr_ptr <= wr_ptr + 1'b1;
            if (do_read) rd_ptr <= rd_ptr + 1'b1;
            rd_valid  <= do_read;
            overflow  <= wr_en && full;
            underflow <= rd_en && empty;
        end
    end
endmodule
`default_nettype wire
