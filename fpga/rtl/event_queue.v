`timescale 1ns / 1ps
`default_nettype none
// Collects the gateware's timestamped events into the byte-wide event FIFO,
// as the 12-byte records of the EVENTS message (docs/protocol.md) in wire
// order: tick[47:0], kind, arg, value[31:0], least significant byte first.
//
// Sources stamp their events with the low ST_W bits of the tick counter
// only (a few hundred flip-flops fewer across the design); the full tick is
// rebuilt here as now minus the event's age, which is exact while the event
// is younger than 2^ST_W ticks (131 ms at 1 MHz with the 17 bits the core
// gives it; railcut_core.v says which stamps are the oldest).
//
// Each of the N sources raises a one-clock valid and keeps its record
// {value[31:0], arg[7:0], kind[7:0], stamp[ST_W-1:0]} steady until its next
// event (sources hold their outputs in registers).
// A pending bit per source remembers the event; the lowest pending source
// is copied and written (twelve clocks, one byte each) whenever the FIFO
// has room for a whole record; push pulses once the record is complete.
// The record is loaded with the bare stamp, and its tick's high bits are
// rebuilt from that register on the next clock, before the first byte
// leaves (the picking and the rebuild in one clock were the design's
// longest path).
// While the FIFO is full events wait in their pending bits; only a source
// that fires again while still pending loses its older event. Losses are
// counted, and an OVERRUN record (arg 2, value = events lost) goes in ahead
// of the rest as soon as there is room. A loss is seen on the clock of the
// clash and counted on the next (clash_q), which keeps the pick off the
// path into the counters; until it is counted it already holds back the
// pick like any loss, so the OVERRUN record still comes first.
module event_queue #(
    parameter integer N    = 4,
    parameter integer TS_W = 48,
    parameter integer ST_W = 20,
    parameter integer LW   = 9
) (
    input  wire            clk,
    input  wire            rst,
    input  wire [TS_W-1:0] now,
    input  wire [N-1:0]    src_valid,
    input  wire [N*(48+ST_W)-1:0] src_rec,  // source i: bits [(48+ST_W)*i +: 48+ST_W]
    input  wire [LW-1:0]   fifo_free,
    output reg             wr_en,
    output wire [7:0]      wr_data,
    output reg             push,       // one-clock pulse: a whole record is in
    output wire            lost_one    // one-clock pulse: one more event lost
);
    localparam [7:0] EV_OVERRUN = 8'h0C;
    localparam integer SW = 48 + ST_W;

    reg [N-1:0] pending;
    reg [15:0]  lost;
    reg [95:0]  rec;
    reg [3:0]   left;   // bytes of rec still to write

    // Lowest pending source, one-hot, and its record through an AND-OR
    // multiplexer (cheaper in LUTs than an indexed part-select).
    wire [N-1:0] first = pending & ~(pending - 1'b1);
    wire         any   = (pending != {N{1'b0}});
    reg  [SW-1:0] picked;
    integer       i;
    always @(*) begin
        picked = {SW{1'b0}};
        for (i = 0; i < N; i = i + 1) begin
            picked = picked | (src_rec[SW * i +: SW] & {SW{first[i]}});
        end
    end

    // now minus the age is the stamp under now's high bits, one less when
    // the low bits wrapped since the stamp (a stamp above now's low bits).
    // An OVERRUN record is loaded with now's low bits, which this turns
    // back into the whole tick.
    wire [ST_W-1:0]      stamp   = rec[ST_W-1:0];
    wire                 wrapped = stamp > now[ST_W-1:0];
    wire [TS_W-ST_W-1:0] tick_hi = now[TS_W-1:ST_W] - {{(TS_W - ST_W - 1){1'b0}}, wrapped};

    localparam integer GREATER_W = LW;
    `include "greater.vh"

    // Room for a whole record, registered to keep the FIFO's free count off
    // the path into the pick and the loss count: last clock's free count,
    // less the byte written at its end, is a lower bound for this clock's
    // (reads only add room), so a record never meets a full FIFO.
    reg          room;
    always @(posedge clk) begin
        room <= !rst && !greater(wr_en ? {{(LW - 4){1'b0}}, 4'd13} : {{(LW - 4){1'b0}}, 4'd12},
                                 fifo_free);
    end
    reg          clash_q;  // a source fired again while pending, last clock
    wire         lost_nz  = (lost != 16'd0) || clash_q;
    wire [15:0]  lost_now = (clash_q && lost != 16'hffff) ? lost + 1'b1 : lost;
    wire         start    = (left == 4'd0) && !wr_en && room;
    wire [N-1:0] taken    = (start && !lost_nz) ? first : {N{1'b0}};
    wire         clash    = (src_valid & pending & ~taken) != {N{1'b0}};
    assign lost_one = clash_q;

    assign wr_data = rec[7:0];

    always @(posedge clk) begin
        wr_en <= 1'b0;
        push  <= 1'b0;
        if (rst) begin
            pending    <= {N{1'b0}};
            clash_q    <= 1'b0;
            lost       <= 16'd0;
            rec        <= 96'd0;
            left       <= 4'd0;
        end else begin
            pending <= (pending & ~taken) | src_valid;
            clash_q <= clash;
            if (left != 4'd0) begin
                wr_en <= 1'b1;
                left  <= left - 1'b1;
                if (wr_en) rec <= rec >> 8;
                if (left == 4'd12) rec[TS_W-1:ST_W] <= tick_hi;
            end else if (wr_en) begin
                rec  <= rec >> 8;
                push <= 1'b1;
            end
            if (start && lost_nz) begin
                rec  <= {16'd0, lost_now, 8'd2, EV_OVERRUN, {(TS_W - ST_W){1'b0}}, now[ST_W-1:0]};
                left <= 4'd12;
                lost <= 16'd0;
            end else begin
                if (start && any) begin
                    rec  <= {picked[SW-1:ST_W], {(TS_W - ST_W){1'b0}}, picked[ST_W-1:0]};
                    left <= 4'd12;
                end
                lost <= lost_now;
            end
        end
    end
endmodule
`default_nettype wire
