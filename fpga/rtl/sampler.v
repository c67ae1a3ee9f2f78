`timescale 1ns / 1ps
`default_nettype none
// Min/max decimation of the two ADC channels into sample blocks of
// block_ticks ticks each (the SAMPLES message, docs/protocol.md).
//
// Samples carry the low ST_W bits of their tick, and block starts are kept
// in the same ST_W bits: the first block starts at its first sample's
// stamp, later ones add block_ticks, and a sample's offset into the block
// is taken modulo 2^ST_W. A closed block's full tick is rebuilt from now
// while the record is read, exact because the block started less than
// 2^ST_W ticks before (blocks are at most 10^6 ticks, under 2^20, and the
// record is read within a few ticks of the block's end).
//
// Blocks tile time: the first starts at the tick of the first sample after
// restart, block k covers [t0 + k * block_ticks, t0 + (k + 1) * block_ticks),
// and a sample belongs to the block its own timestamp falls in, however
// late the ADC delivers it. A block closes when the first sample of the next
// one arrives. block_ticks must be at least the ADC sample period (CONFIGURE
// enforces min_block_ticks), so no block is ever empty.
//
// A sample is taken in two clocks: the first decides whether it opens a
// block or falls beyond the open one (a 20-bit subtraction and compare,
// registered, so it does not run on into the enables of every min/max and
// record register), the second closes the block and folds the sample in.
// The sample's codes must stay steady for the clock after in_valid and
// samples must be at least two clocks apart: adc_spi keeps its codes until
// the next conversion 48 clocks later, and the cosimulation gives one
// sample a tick, held for the whole tick.
//
// Block record, in the byte order of the SAMPLES message (least
// significant byte first): tick[47:0], v_min, v_max, a_min, a_max (codes
// zero-extended to 16 bits).
module sampler #(
    parameter integer TS_W = 48,
    parameter integer ST_W = 20  // = the width of block_ticks
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            restart,      // drop the open block, re-align on the next sample
    input  wire            enable,
    input  wire [ST_W-1:0] block_ticks,
    input  wire            in_valid,
    input  wire [11:0]     in_v,
    input  wire [11:0]     in_a,
    input  wire [ST_W-1:0] in_ts,
    input  wire [TS_W-1:0] now,
    output reg             blk_valid,    // one-clock pulse
    output wire [111:0]    blk_rec
);
    reg            open;
    reg [ST_W-1:0] start_lo;
    reg            take;      // the second clock of a sample
    reg            first;     // ... which opened a block
    reg            beyond_q;  // ... which falls beyond the open block
    reg [11:0]     vl, vh, al, ah;
    reg [ST_W-1:0] out_start;
    reg [47:0]     out_codes;  // {a_max, a_min, v_max, v_min}

    // now minus the closed block's age: its start under now's high bits,
    // one less when the low bits wrapped since. Registered, so the compare
    // and the decrement do not run on into the record writer's byte
    // multiplexer: a clock behind now, which is still after the start. The
    // high bits are therefore complete a clock after blk_valid, and first
    // read (in byte 2) on the third: rec_writer takes byte i of the record
    // on the (i + 1)th clock after blk_valid. blk_valid itself is not
    // delayed: the cosimulation shim sees a closed block's bytes reach the
    // FIFO within the tick of its closing sample (fpga/cosim/cosim_hw.cpp).
    wire                 wrapped = out_start > now[ST_W-1:0];
    reg  [TS_W-ST_W-1:0] out_hi;
    always @(posedge clk) begin
        if (rst) out_hi <= {(TS_W - ST_W){1'b0}};
        else out_hi <= now[TS_W-1:ST_W] - {{(TS_W - ST_W - 1){1'b0}}, wrapped};
    end
    wire [TS_W-1:0] out_tick = {out_hi, out_start};

    assign blk_rec = {4'd0, out_codes[47:36], 4'd0, out_codes[35:24],
                      4'd0, out_codes[23:12], 4'd0, out_codes[11:0],
                      out_tick[47:0]};

    // The open block's full start tick, read by name by the cosimulation
    // shim (fpga/cosim/cosim_hw.cpp) to know when the block ends; the
    // gateware itself has no use for it.
    /* verilator lint_off UNUSEDSIGNAL */
    wire            open_wrapped = start_lo > now[ST_W-1:0];
    wire [TS_W-1:0] t_start      = {now[TS_W-1:ST_W] - {{(TS_W - ST_W - 1){1'b0}}, open_wrapped},
                                    start_lo};
    /* verilator lint_on UNUSEDSIGNAL */

    wire [ST_W-1:0] offset = in_ts - start_lo;
    wire            beyond = offset >= block_ticks;

    always @(posedge clk) begin
        blk_valid <= 1'b0;
        take      <= 1'b0;
        if (rst || restart || !enable) begin
            open <= 1'b0;
            if (rst) begin
                first     <= 1'b0;
                beyond_q  <= 1'b0;
                start_lo  <= {ST_W{1'b0}};
                {vl, vh, al, ah} <= 48'd0;
                out_start <= {ST_W{1'b0}};
                out_codes <= 48'd0;
            end
        end else begin
            if (in_valid) begin
                take     <= 1'b1;
                first    <= !open;
                beyond_q <= open && beyond;
                if (!open) begin
                    open     <= 1'b1;
                    start_lo <= in_ts;
                end
            end
            if (take) begin
                if (beyond_q) begin
                    blk_valid <= 1'b1;
                    out_start <= start_lo;
                    out_codes <= {ah, al, vh, vl};
                    start_lo  <= start_lo + block_ticks;
                end
                if (first || beyond_q) begin
                    {vl, vh, al, ah} <= {in_v, in_v, in_a, in_a};
                end else begin
                    if (in_v < vl) vl <= in_v;
                    if (in_v > vh) vh <= in_v;
                    if (in_a < al) al <= in_a;
                    if (in_a > ah) ah <= in_a;
                end
            end
        end
    end
endmodule
`default_nettype wire
