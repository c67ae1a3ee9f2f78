`timescale 1ns / 1ps
`default_nettype none
// Segment FIFO in block RAM, filled a payload byte at a time.
//
// An entry is a SEGMENT payload as it came off the link: BYTES bytes, byte i
// in bits 8*i +: 8 (the layout sequencer.v reads). The memory has twice
// DEPTH slots, so the slot at the write pointer is never a live entry, even
// with DEPTH entries queued: that slot stages the payload of the frame
// being received, one byte lane per clock as the bytes arrive (the bytes of
// any frame land there; a frame that is not a good SEGMENT is simply never
// committed). commit makes the staged slot the newest entry. No payload
// has to be held in flip-flops and no record is copied.
//
// peek reads the staged slot into rd_data on the next clock instead of the
// oldest entry, without rd_valid: the command layer takes a CONFIGURE's
// fields from there. The caller peeks only while nothing reads entries
// (the sequencer neither armed nor running), as rd_data is the sequencer's
// fetched record otherwise.
//
// Reads are registered (rd_en on one clock, rd_data and rd_valid on the
// next). The caller commits only below DEPTH entries and reads only when
// not empty; a clear drops every entry (the staged bytes of a frame still
// arriving then go partly to the old slot, so a clear must not fall inside
// a SEGMENT that is then committed: trips NAK it).
module seg_fifo #(
    parameter integer DEPTH = 64,  // a power of two
    parameter integer BYTES = 20   // an even number
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   clear,
    input  wire                   lane_wr,    // stage lane_data as byte `lane`
    input  wire [6:0]             lane,       // lanes at or above BYTES are ignored
    input  wire [7:0]             lane_data,
    input  wire                   commit,
    input  wire                   peek,
    input  wire                   rd_en,
    output reg  [8*BYTES-1:0]     rd_data,
    output reg                    rd_valid,
    output wire                   empty,
    output reg  [$clog2(DEPTH):0] level
);
    localparam integer AW    = $clog2(DEPTH) + 1;  // slot address: 2 * DEPTH slots
    localparam integer PAIRS = BYTES / 2;

    generate
        if ((1 << (AW - 1)) != DEPTH || 2 * PAIRS != BYTES) begin : g_bad_shape
            seg_fifo_depth_must_be_a_power_of_two_and_bytes_even u_error ();
        end
    endgenerate

    reg [AW-1:0] wr_ptr;
    reg [AW-1:0] rd_ptr;

    // The level is counted, not taken as the pointers' difference: the
    // command layer's FIFO_FULL check and the free entries in a SEGMENT's
    // ACK start from it, and a subtraction there was the longest path.
    assign empty = (wr_ptr == rd_ptr);

    wire          do_read = rd_en && !empty;
    wire [AW-1:0] rd_addr = peek ? wr_ptr : rd_ptr;

    // One 16-bit column per byte pair, written a byte lane at a time (the
    // iCE40 block RAM's bit mask): ten block RAMs for a 20-byte entry.
    genvar g;
    generate
        for (g = 0; g < PAIRS; g = g + 1) begin : g_col
            (* no_rw_check *) reg [15:0] mem [0:2*DEPTH-1];
            wire hit = lane_wr && lane[6:1] == g;
            always @(posedge clk) begin
                if (hit && !lane[0]) mem[wr_ptr][7:0] <= lane_data;
                if (hit && lane[0]) mem[wr_ptr][15:8] <= lane_data;
            end
            always @(posedge clk) begin
                if (do_read || peek) rd_data[16*g +: 16] <= mem[rd_addr];
            end
        end
    endgenerate

    always @(posedge clk) begin
        rd_valid <= 1'b0;
        if (rst || clear) begin
            wr_ptr <= {AW{1'b0}};
            rd_ptr <= {AW{1'b0}};
            level  <= {AW{1'b0}};
        end else begin
            if (commit) wr_ptr <= wr_ptr + 1'b1;
            if (do_read) rd_ptr <= rd_ptr + 1'b1;
            if (commit && !do_read) level <= level + 1'b1;
            if (do_read && !commit) level <= level - 1'b1;
            rd_valid <= do_read;
        end
    end
endmodule
`default_nettype wire
