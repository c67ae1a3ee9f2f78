`timescale 1ns / 1ps
`default_nettype none
// railcut gateware core: everything between the pins, with plain ports so
// the board tops (SB_IO, pin names) and the testbenches share it.
//
// Data flow:
//   link rx -> uart_rx -> frame_rx -> ctrl -> segment FIFO -> sequencer
//                                       \-> reply FIFO --\
//   sequencer / man / safe -> output_guard -> rail enable, CH signals, dac_spi
//   adc_spi -> crossing, overload_trip, sampler -> block FIFO --\
//   debounce (alert, CH present), sniffer -> event / byte FIFOs --> reporter
//   reporter -> frame_tx -> uart_tx -> link tx
// Time: tick_gen makes the 1 MHz tick, timestamp counts it (48 bits).
// Outputs of shared modules that this design does not use are left open.
/* verilator lint_off PINCONNECTEMPTY */
module railcut_core #(
    parameter integer CLK_HZ          = 12_000_000,
    parameter integer TICK_HZ         = 1_000_000,
    parameter integer BAUD            = 3_000_000,
    parameter integer ADC_RATE_HZ     = 250_000,
    parameter integer FIFO_DEPTH      = 64,
    parameter integer MIN_BLOCK_TICKS = 10,
    parameter integer TRIP_SAMPLES    = 1,
    parameter integer FLUSH_TICKS     = 20_000,
    parameter [15:0]  MAX_DAC_CODE    = 16'd60000,
    parameter [15:0]  BOARD_ID        = 16'd1,
    parameter [0:0]   SNIFFER         = 1'b1,  // build the CH debug-UART sniffer
    parameter [0:0]   ALERT_ACTIVE    = 1'b1,  // level of an asserted alert input
    parameter [0:0]   CH_PRESENT_ACTIVE = 1'b0, // CH present is active low
    // Cosimulation build (fpga/cosim, docs/cosim.md): link bytes, ADC
    // samples and the DAC code pass through the cosim_* ports instead of the
    // UART and SPI pins. Boards leave it 0 and tie the cosim_* inputs off.
    parameter [0:0]   COSIM           = 1'b0
) (
    input  wire        clk,
    input  wire        rst,
    // Host link.
    input  wire        link_rx,
    output wire        link_tx,
    // Rail and CH signals (see output_guard).
    output wire        rail_en_n,
    output wire        ac_lost_pull,
    output wire        host_present_pull,
    input  wire        ch_present_in,
    input  wire        alert_in,
    input  wire        ch_debug_rx,
    // DAC (AD5541A class).
    output wire        dac_cs_n,
    output wire        dac_sclk,
    output wire        dac_mosi,
    output wire        dac_ldac_n,
    // ADCs (two AD7476A class, shared CS and SCLK).
    output wire        adc_cs_n,
    output wire        adc_sclk,
    input  wire        adc_miso_v,
    input  wire        adc_miso_a,
    // Board LEDs: rail on, any trip.
    output wire        led_rail,
    output wire        led_trip,
    // COSIM = 1 only: one link byte per valid clock each way, one ADC
    // sample pair per valid clock (timed at the current tick), the DAC code
    // as the guard applies it (clamped), and "the sequencer drives the
    // outputs" (RUNNING or DONE).
    input  wire [7:0]  cosim_rx_data,
    input  wire        cosim_rx_valid,
    output wire [7:0]  cosim_tx_data,
    output wire        cosim_tx_valid,
    input  wire        cosim_tx_ready,
    input  wire        cosim_adc_valid,
    input  wire [11:0] cosim_adc_v,
    input  wire [11:0] cosim_adc_a,
    output wire [15:0] cosim_dac_code,
    output wire        cosim_seq_active
);
    localparam integer TS_W      = 48;
    localparam integer ST_W      = 20;  // sample and event stamps: low bits of the tick
    // The event queue keeps 17 of them: its records are exact while their
    // stamps are under 2^17 ticks (131 ms) old, and the oldest are a
    // debounced edge (at most 65 535 ticks when it fires) and a sniffed
    // framing error (its start bit, at most 10 bit times of 65 535 clocks,
    // 54 613 ticks), plus a few ms waiting for room in the event FIFO,
    // which the link drains. The sources' unused high stamp bits fall away.
    localparam integer EV_W      = 17;
    localparam integer LINK_BIT  = CLK_HZ / BAUD;
    localparam integer LDW       = $clog2(LINK_BIT + 1);
    localparam integer CONV_CLKS = CLK_HZ / ADC_RATE_HZ;
    localparam integer SLW       = $clog2(FIFO_DEPTH) + 1;

    generate
        if (LINK_BIT * BAUD != CLK_HZ || LINK_BIT < 4) begin : g_bad_baud
            link_baud_must_divide_clock_by_at_least_4 u_error ();
        end
    endgenerate

    // ---- time ----------------------------------------------------------
    wire            tick;
    wire [TS_W-1:0] now;
    tick_gen #(.CLK_HZ(CLK_HZ), .TICK_HZ(TICK_HZ)) u_tick (.clk(clk), .rst(rst), .tick(tick));
    timestamp #(.WIDTH(TS_W)) u_time (.clk(clk), .rst(rst), .tick(tick), .now(now));

    // ---- link receive --------------------------------------------------
    wire [7:0]   rx_byte;
    wire         rx_valid;
    wire         frame_valid, crc_error, rx_drop;
    wire [7:0]   frame_type, frame_seq;
    wire [6:0]   frame_len;
    wire         rx_pl_valid;
    wire [6:0]   rx_pl_index;
    wire [7:0]   rx_pl_data;

    generate
        if (COSIM) begin : g_cosim_rx
            assign rx_byte  = cosim_rx_data;
            assign rx_valid = cosim_rx_valid;
            wire unused_pins = &{1'b0, link_rx, adc_miso_v, adc_miso_a};
        end else begin : g_link_rx
            wire unused_cosim = &{1'b0, cosim_rx_data, cosim_rx_valid, cosim_tx_ready,
                                  cosim_adc_valid, cosim_adc_v, cosim_adc_a};
            uart_rx #(.DIV_W(LDW)) u_link_rx (
                .clk(clk), .rst(rst), .clks_per_bit(LINK_BIT[LDW-1:0]), .rx(link_rx),
                .data(rx_byte), .valid(rx_valid), .frame_err(), .start()
            );
        end
    endgenerate
    frame_rx #(.TIMEOUT_TICKS(1000)) u_frame_rx (
        .clk(clk), .rst(rst), .tick(tick), .in_data(rx_byte), .in_valid(rx_valid),
        .frame_valid(frame_valid), .frame_type(frame_type), .frame_seq(frame_seq),
        .frame_len(frame_len), .pl_valid(rx_pl_valid), .pl_index(rx_pl_index), .pl_data(rx_pl_data),
        .crc_error(crc_error), .dropped(rx_drop)
    );

    // ---- command layer -------------------------------------------------
    wire [2:0]   state;
    wire         configured;
    wire [19:0]  block_ticks;
    wire [15:0]  fall_code, rise_code, ovp_code, ocp_code, safe_dac_code;
    wire [15:0]  watchdog_ms, debounce_ticks, sniff_bit_clocks;
    wire [1:0]   safe_pins, flags, man_pins;
    wire [15:0]  man_code;
    wire         restart, seq_arm, seq_start, seq_stop, release_hit;
    wire         fifo_clear, fifo_commit, fifo_peek, trip_clear, reply_valid;
    wire [159:0] seg_data;
    wire [33:0]  reply;
    wire [1:0]   seq_state;
    wire [2:0]   seq_wait_on;
    wire [31:0]  seq_seg_id;
    wire         underrun;
    wire         b_valid;  // the sequencer's port B: an entry began or ended
    wire [SLW-1:0] seg_level;
    wire         tripped, new_trip;

    ctrl #(
        .FIFO_DEPTH(FIFO_DEPTH), .LW(SLW), .MAX_DAC_CODE(MAX_DAC_CODE), .SNIFFER(SNIFFER),
        .MIN_BLOCK_TICKS(MIN_BLOCK_TICKS[15:0])
    ) u_ctrl (
        .clk(clk), .rst(rst),
        .frame_valid(frame_valid), .frame_type(frame_type), .frame_seq(frame_seq),
        .frame_len(frame_len), .pl_valid(rx_pl_valid), .pl_index(rx_pl_index), .pl_data(rx_pl_data),
        .staged(seg_data), .seq_state(seq_state), .seq_wait_on(seq_wait_on), .seq_seg_id(seq_seg_id),
        .seq_event(b_valid), .underrun(underrun), .fifo_level(seg_level), .tripped(tripped), .new_trip(new_trip),
        .state(state), .configured(configured),
        .block_ticks(block_ticks), .fall_code(fall_code), .rise_code(rise_code),
        .ovp_code(ovp_code), .ocp_code(ocp_code), .safe_dac_code(safe_dac_code),
        .watchdog_ms(watchdog_ms), .debounce_ticks(debounce_ticks),
        .sniff_bit_clocks(sniff_bit_clocks), .safe_pins(safe_pins), .flags(flags),
        .restart(restart), .seq_arm(seq_arm), .seq_start(seq_start), .seq_stop(seq_stop),
        .release_hit(release_hit), .fifo_clear(fifo_clear), .fifo_commit(fifo_commit),
        .fifo_peek(fifo_peek), .trip_clear(trip_clear), .man_pins(man_pins),
        .man_code(man_code), .reply_valid(reply_valid), .reply(reply)
    );

    // ---- segment FIFO and sequencer ------------------------------------
    // Entries are SEGMENT payloads, staged there a byte at a time as they
    // arrive (seg_fifo.v).
    wire         seg_rd, seg_rvalid, seg_empty;
    seg_fifo #(.DEPTH(FIFO_DEPTH), .BYTES(20)) u_seg_fifo (
        .clk(clk), .rst(rst), .clear(fifo_clear), .lane_wr(rx_pl_valid), .lane(rx_pl_index),
        .lane_data(rx_pl_data), .commit(fifo_commit), .peek(fifo_peek), .rd_en(seg_rd),
        .rd_data(seg_data), .rd_valid(seg_rvalid), .empty(seg_empty), .level(seg_level)
    );

    wire            alert_level, alert_edge, chp_level, chp_edge;
    wire [ST_W-1:0] alert_ts, chp_ts;
    wire            cross_valid, cross_rise;
    wire [11:0]     cross_code;
    wire [ST_W-1:0] cross_ts;

    wire [1:0]      seq_pins;
    wire [15:0]     seq_code;
    wire            a_valid;
    wire [7:0]      a_kind, a_arg, b_kind;
    wire [31:0]     a_value, b_value;
    wire [ST_W-1:0] a_tick, b_tick;

    sequencer #(.TS_W(ST_W), .REC_W(160)) u_seq (
        .clk(clk), .rst(rst), .tick(tick), .now(now[ST_W-1:0]),
        .arm(seq_arm), .start(seq_start), .stop(seq_stop),
        .release_hit(release_hit), .alert_edge(alert_edge && alert_level),
        .ch_present(chp_level), .rail_rise(cross_valid && cross_rise),
        .rail_fall(cross_valid && !cross_rise),
        .fifo_rd(seg_rd), .fifo_data(seg_data), .fifo_valid(seg_rvalid), .fifo_empty(seg_empty),
        .state(seq_state), .pins(seq_pins), .code(seq_code), .seg_id(seq_seg_id),
        .wait_on(seq_wait_on),
        .a_valid(a_valid), .a_kind(a_kind), .a_arg(a_arg), .a_value(a_value), .a_tick(a_tick),
        .b_valid(b_valid), .b_kind(b_kind), .b_value(b_value), .b_tick(b_tick)
    );
    assign underrun = b_valid && b_kind == 8'h09;

    // ---- measurement ---------------------------------------------------
    wire            adc_valid;
    wire [11:0]     adc_v, adc_a;
    wire [ST_W-1:0] adc_ts;
    generate
        if (COSIM) begin : g_cosim_adc
            assign adc_valid = cosim_adc_valid;
            assign adc_v     = cosim_adc_v;
            assign adc_a     = cosim_adc_a;
            assign adc_ts    = now[ST_W-1:0];
            assign adc_cs_n  = 1'b1;
            assign adc_sclk  = 1'b1;
        end else begin : g_adc
            adc_spi #(.TS_W(ST_W), .HALF_CLKS(1), .CONV_CLKS(CONV_CLKS)) u_adc (
                .clk(clk), .rst(rst), .now(now[ST_W-1:0]), .cs_n(adc_cs_n), .sclk(adc_sclk),
                .miso_v(adc_miso_v), .miso_a(adc_miso_a),
                .valid(adc_valid), .volts(adc_v), .amps(adc_a), .ts(adc_ts)
            );
        end
    endgenerate

    crossing #(.TS_W(ST_W)) u_cross (
        .clk(clk), .rst(rst), .restart(restart), .fall_code(fall_code), .rise_code(rise_code),
        .in_valid(adc_valid), .in_code(adc_v), .in_ts(adc_ts),
        .high(), .ev_valid(cross_valid), .ev_rise(cross_rise), .ev_code(cross_code),
        .ev_ts(cross_ts)
    );

    wire            ovp, ocp, ovp_trip, ocp_trip;
    wire [11:0]     ovp_val, ocp_val;
    wire [ST_W-1:0] ovp_ts, ocp_ts;
    overload_trip #(.TS_W(ST_W), .TRIP_SAMPLES(TRIP_SAMPLES)) u_trip (
        .clk(clk), .rst(rst), .clear(trip_clear), .ovp_code(ovp_code), .ocp_code(ocp_code),
        .in_valid(adc_valid && configured), .in_v(adc_v), .in_a(adc_a), .in_ts(adc_ts),
        .ovp(ovp), .ocp(ocp), .ovp_trip(ovp_trip), .ocp_trip(ocp_trip),
        .v_code(ovp_val), .a_code(ocp_val), .v_ts(ovp_ts), .a_ts(ocp_ts)
    );

    wire wd_tripped, wd_trip;
    watchdog #(.TICK_HZ(TICK_HZ)) u_wd (
        .clk(clk), .rst(rst), .tick(tick), .armed(configured), .heartbeat(frame_valid),
        .clear(trip_clear), .timeout_ms(watchdog_ms), .tripped(wd_tripped), .trip_pulse(wd_trip)
    );
    assign tripped  = wd_tripped || ovp || ocp;
    assign new_trip = wd_trip || ovp_trip || ocp_trip;

    wire        blk_valid;
    wire [111:0] blk_rec;
    sampler #(.TS_W(TS_W), .ST_W(ST_W)) u_sampler (
        .clk(clk), .rst(rst), .restart(restart), .enable(configured && flags[0]),
        .block_ticks(block_ticks), .in_valid(adc_valid), .in_v(adc_v), .in_a(adc_a),
        .in_ts(adc_ts), .now(now), .blk_valid(blk_valid), .blk_rec(blk_rec)
    );

    // ---- inputs --------------------------------------------------------
    debounce #(.TS_W(ST_W), .INIT(1'b0)) u_alert (
        .clk(clk), .rst(rst), .tick(tick), .now(now[ST_W-1:0]), .hold_ticks(debounce_ticks),
        .pin(alert_in == ALERT_ACTIVE), .level(alert_level), .edge_valid(alert_edge),
        .edge_ts(alert_ts)
    );
    debounce #(.TS_W(ST_W), .INIT(1'b0)) u_chp (
        .clk(clk), .rst(rst), .tick(tick), .now(now[ST_W-1:0]), .hold_ticks(debounce_ticks),
        .pin(ch_present_in == CH_PRESENT_ACTIVE), .level(chp_level), .edge_valid(chp_edge),
        .edge_ts(chp_ts)
    );

    wire            ch_byte_valid, ch_err_valid, ch_quiet;
    wire [ST_W-1:0] ch_err_ts;

    // ---- outputs -------------------------------------------------------
    wire        rail_on;
    wire [15:0] dac_code;
    wire [15:0] dac_sent;
    wire        dac_clamped;
    output_guard u_guard (
        .clk(clk), .rst(rst), .tripped(tripped), .overload(ovp || ocp),
        .seq_active(seq_state[1]), .seq_pins(seq_pins), .seq_code(seq_code),
        .man_pins(man_pins), .man_code(man_code), .safe_pins(safe_pins),
        .safe_code(safe_dac_code), .rail_on(rail_on), .rail_en_n(rail_en_n),
        .ac_lost_pull(ac_lost_pull), .host_present_pull(host_present_pull),
        .dac_code(dac_code)
    );
    dac_spi #(.HALF_CLKS(1), .MAX_CODE(MAX_DAC_CODE)) u_dac (
        .clk(clk), .rst(rst), .code(dac_code), .cs_n(dac_cs_n), .sclk(dac_sclk),
        .mosi(dac_mosi), .ldac_n(dac_ldac_n), .sent_code(dac_sent), .clamped(dac_clamped)
    );
    assign led_rail = rail_on;
    assign led_trip = tripped;
    assign cosim_dac_code   = (dac_code > MAX_DAC_CODE) ? MAX_DAC_CODE : dac_code;
    assign cosim_seq_active = seq_state[1];

    // ---- f2h streams -----------------------------------------------------
    // Block and byte records through rec_writer (whole records or nothing)
    // into byte-wide block-RAM FIFOs of SW_DEPTH bytes, in wire byte order.
    localparam integer SW_DEPTH = 1024;
    localparam integer SFW      = $clog2(SW_DEPTH) + 1;
    localparam [SFW-1:0] SW_ALL = SW_DEPTH[SFW-1:0];
    wire [SFW-1:0] blk_free, ch_free, ev_free;
    // The levels are read by name by the cosimulation shim
    // (fpga/cosim/cosim_hw.cpp); the writers use the free counts.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SFW-1:0] blk_level, ev_level;
    /* verilator lint_on UNUSEDSIGNAL */
    wire        blk_wr, ch_wr, ev_wr;
    wire [7:0]  blk_wdata, ch_wdata, ev_wdata;
    wire        blk_push, ch_push, ev_push;
    wire        blk_empty;
    wire        blk_over, ch_over;
    wire [15:0] blk_lost, ch_lost;

    rec_writer #(.BYTES(14), .DRAIN(1), .LW(SFW)) u_blk_wr (
        .clk(clk), .rst(rst), .in_valid(blk_valid), .in_rec(blk_rec),
        .fifo_free(blk_free), .fifo_empty(blk_empty),
        .wr_en(blk_wr), .wr_data(blk_wdata), .push(blk_push), .overrun(blk_over),
        .lost(blk_lost)
    );

    // Event sources, lowest index first when several are pending.
    localparam integer NEV = 12;
    reg             dac_clamped_q;
    wire            clamp_ev = dac_clamped && !dac_clamped_q;
    reg [ST_W-1:0]  clamp_ts, blk_over_ts, ch_over_ts;
    reg [15:0]      clamp_req;
    always @(posedge clk) begin
        if (rst) begin
            dac_clamped_q <= 1'b0;
            clamp_ts      <= {ST_W{1'b0}};
            clamp_req     <= 16'd0;
            blk_over_ts   <= {ST_W{1'b0}};
            ch_over_ts    <= {ST_W{1'b0}};
        end else begin
            dac_clamped_q <= dac_clamped;
            if (clamp_ev) begin
                clamp_ts  <= now[ST_W-1:0];
                clamp_req <= dac_code;
            end
            // The writers hold lost until their next overrun.
            if (blk_over) blk_over_ts <= now[ST_W-1:0];
            if (ch_over) ch_over_ts <= now[ST_W-1:0];
        end
    end

    reg clamp_ev_q, blk_over_q, ch_over_q;
    always @(posedge clk) begin
        if (rst) {clamp_ev_q, blk_over_q, ch_over_q} <= 3'b000;
        else {clamp_ev_q, blk_over_q, ch_over_q} <= {clamp_ev, blk_over, ch_over};
    end

    /* verilator lint_off UNUSEDSIGNAL */
    function [EV_W+47:0] ev(input [ST_W-1:0] t, input [7:0] kind, input [7:0] arg,
                            input [31:0] value);
        ev = {value, arg, kind, t[EV_W-1:0]};
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */

    wire [NEV-1:0] ev_valid = {
        ch_err_valid && flags[1],                     // 11 UART_ERROR
        ch_over_q,                                    // 10 OVERRUN bytes
        blk_over_q,                                   //  9 OVERRUN blocks
        clamp_ev_q,                                   //  8 CLAMP
        ocp_trip,                                     //  7 TRIP OCP
        ovp_trip,                                     //  6 TRIP OVP
        wd_trip,                                      //  5 TRIP watchdog
        chp_edge,                                     //  4 CH_PRESENT_EDGE
        alert_edge,                                   //  3 ALERT_EDGE
        cross_valid,                                  //  2 RAIL_RISE / RAIL_FALL
        b_valid,                                      //  1 SEGMENT_START / RUN_END / UNDERRUN
        a_valid                                       //  0 WAIT_DONE / WAIT_TIMEOUT
    };
    // The watchdog trips on a tick and its record is taken within that tick,
    // so its stamp is simply now; the sniffer keeps full timestamps for its
    // byte records and gives its low bits here.
    reg [ST_W-1:0] wd_ts;
    always @(posedge clk) begin
        if (rst) wd_ts <= {ST_W{1'b0}};
        else if (wd_trip) wd_ts <= now[ST_W-1:0];
    end

    wire [NEV*(EV_W+48)-1:0] ev_recs = {
        ev(ch_err_ts, 8'h0D, 8'd0, 32'd0),
        ev(ch_over_ts, 8'h0C, 8'd3, {16'd0, ch_lost}),
        ev(blk_over_ts, 8'h0C, 8'd1, {16'd0, blk_lost}),
        ev(clamp_ts, 8'h0B, 8'd0, {16'd0, clamp_req}),
        ev(ocp_ts, 8'h0A, 8'd3, {20'd0, ocp_val}),
        ev(ovp_ts, 8'h0A, 8'd2, {20'd0, ovp_val}),
        ev(wd_trip ? now[ST_W-1:0] : wd_ts, 8'h0A, 8'd1, 32'd0),
        ev(chp_ts, 8'h04, {7'd0, chp_level}, 32'd0),
        ev(alert_ts, 8'h03, {7'd0, alert_level}, 32'd0),
        ev(cross_ts, cross_rise ? 8'h02 : 8'h01, 8'd0, {20'd0, cross_code}),
        ev(b_tick, b_kind, 8'd0, b_value),
        ev(a_tick, a_kind, a_arg, a_value)
    };

    wire        ev_lost;
    event_queue #(.N(NEV), .TS_W(TS_W), .ST_W(EV_W), .LW(SFW)) u_events (
        .clk(clk), .rst(rst), .now(now), .src_valid(ev_valid), .src_rec(ev_recs),
        .fifo_free(ev_free), .wr_en(ev_wr), .wr_data(ev_wdata), .push(ev_push),
        .lost_one(ev_lost)
    );

    wire        ev_rd, ch_rd, blk_rd, ev_rvalid, ch_rvalid, blk_rvalid;
    wire [7:0]  ev_byte, ch_byte, blk_byte;
    sync_fifo #(.WIDTH(8), .DEPTH(SW_DEPTH)) u_ev_fifo (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(ev_wdata), .wr_en(ev_wr),
        .rd_en(ev_rd), .rd_data(ev_byte), .rd_valid(ev_rvalid), .empty(), .full(),
        .level(ev_level), .free(ev_free), .overflow(), .underflow()
    );

    // The CH debug-UART sniffer and its byte stream; a build without it
    // (SNIFFER = 0, for a smaller device) reports no bytes and clears
    // capability bit 2, and CONFIGURE refuses to switch it on.
    generate
        if (SNIFFER) begin : g_sniffer
            wire [55:0] ch_byte_rec;
            sniffer #(.TS_W(TS_W), .ST_W(ST_W)) u_sniff (
                .clk(clk), .rst(rst), .now(now), .bit_clocks(sniff_bit_clocks), .rx(ch_debug_rx),
                .byte_valid(ch_byte_valid), .byte_rec(ch_byte_rec), .err_valid(ch_err_valid),
                .err_ts(ch_err_ts), .quiet(ch_quiet)
            );
            rec_writer #(.BYTES(7), .DRAIN(0), .LW(SFW)) u_ch_wr (
                .clk(clk), .rst(rst), .in_valid(ch_byte_valid && flags[1]),
                .in_rec(ch_byte_rec), .fifo_free(ch_free), .fifo_empty(1'b0),
                .wr_en(ch_wr), .wr_data(ch_wdata), .push(ch_push), .overrun(ch_over),
                .lost(ch_lost)
            );
            sync_fifo #(.WIDTH(8), .DEPTH(SW_DEPTH)) u_ch_fifo (
                .clk(clk), .rst(rst), .clear(1'b0), .wr_data(ch_wdata), .wr_en(ch_wr),
                .rd_en(ch_rd), .rd_data(ch_byte), .rd_valid(ch_rvalid), .empty(), .full(),
                .level(), .free(ch_free), .overflow(), .underflow()
            );
        end else begin : g_no_sniffer
            assign ch_byte_valid = 1'b0;
            assign ch_err_valid  = 1'b0;
            assign ch_err_ts     = {ST_W{1'b0}};
            assign ch_quiet      = 1'b1;
            assign ch_wr         = 1'b0;
            assign ch_wdata      = 8'd0;
            assign ch_push       = 1'b0;
            assign ch_over       = 1'b0;
            assign ch_lost       = 16'd0;
            assign ch_byte       = 8'd0;
            assign ch_rvalid     = 1'b0;
            assign ch_free       = SW_ALL;
        end
    endgenerate
    sync_fifo #(.WIDTH(8), .DEPTH(SW_DEPTH)) u_blk_fifo (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(blk_wdata), .wr_en(blk_wr),
        .rd_en(blk_rd), .rd_data(blk_byte), .rd_valid(blk_rvalid), .empty(blk_empty), .full(),
        .level(blk_level), .free(blk_free), .overflow(), .underflow()
    );

    // ---- counters for STATUS -------------------------------------------
    // overruns is one running total of blocks, bytes and events lost (the
    // writers report a run of drops at once, the event queue one at a time).
    reg [15:0] underruns, crc_errors, rx_dropped, overruns;
    reg [7:0]  last_rx_seq;
    always @(posedge clk) begin
        if (rst) begin
            underruns      <= 16'd0;
            crc_errors     <= 16'd0;
            rx_dropped     <= 16'd0;
            overruns       <= 16'd0;
            last_rx_seq    <= 8'd0;
        end else begin
            if (underrun) underruns <= underruns + 1'b1;
            if (crc_error) crc_errors <= crc_errors + 1'b1;
            if (rx_drop) rx_dropped <= rx_dropped + 1'b1;
            overruns <= overruns + (blk_over ? blk_lost : 16'd0) + (ch_over ? ch_lost : 16'd0) +
                        {15'd0, ev_lost};
            if (frame_valid) last_rx_seq <= frame_seq;
        end
    end

    // ---- link transmit ---------------------------------------------------
    wire        reply_empty, reply_rd, reply_rvalid;
    wire [33:0] reply_data;
    sync_fifo #(.WIDTH(34), .DEPTH(16)) u_reply_fifo (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(reply), .wr_en(reply_valid),
        .rd_en(reply_rd), .rd_data(reply_data), .rd_valid(reply_rvalid), .empty(reply_empty),
        .full(), .level(), .free(), .overflow(), .underflow()
    );

    wire       send, tx_busy, pl_req, pl_ack;
    wire [7:0] send_type, pl_byte;
    wire [6:0] send_len, pl_index;
    wire [7:0] tx_data;
    wire       tx_valid, tx_ready;

    reporter #(
        .TS_W(TS_W), .FLUSH_TICKS(FLUSH_TICKS), .BOARD_ID(BOARD_ID),
        .CLOCK_HZ(CLK_HZ), .TICK_HZ(TICK_HZ), .ADC_RATE_HZ(ADC_RATE_HZ),
        .MAX_DAC_CODE(MAX_DAC_CODE), .FIFO_DEPTH(FIFO_DEPTH[15:0]),
        .MIN_BLOCK_TICKS(MIN_BLOCK_TICKS[15:0]),
        .CAPS(SNIFFER ? 32'h0000_003f : 32'h0000_003b)
    ) u_reporter (
        .clk(clk), .rst(rst), .tick(tick), .now(now),
        .reply_empty(reply_empty), .reply_rd(reply_rd), .reply_data(reply_data),
        .reply_rvalid(reply_rvalid),
        .state(state), .trips({ocp, ovp, wd_tripped}),
        .fifo_level({{(16 - SLW){1'b0}}, seg_level}), .underruns(underruns),
        .overruns(overruns), .crc_errors(crc_errors),
        .rx_dropped(rx_dropped), .last_rx_seq(last_rx_seq),
        .io({2'b00, chp_level, alert_level, 2'b00, ac_lost_pull, rail_on}),
        .dac_code(dac_sent), .seg_id(seq_seg_id),
        .ev_push(ev_push), .ch_push(ch_push), .blk_push(blk_push), .ch_quiet(ch_quiet),
        .ev_rd(ev_rd), .ch_rd(ch_rd), .blk_rd(blk_rd),
        .ev_byte(ev_byte), .ch_byte(ch_byte), .blk_byte(blk_byte),
        .ev_rvalid(ev_rvalid), .ch_rvalid(ch_rvalid), .blk_rvalid(blk_rvalid),
        .send(send), .send_type(send_type), .send_len(send_len), .tx_busy(tx_busy),
        .pl_req(pl_req), .pl_index(pl_index), .pl_ack(pl_ack), .pl_byte(pl_byte)
    );

    frame_tx u_frame_tx (
        .clk(clk), .rst(rst), .send(send), .type_in(send_type), .len_in(send_len),
        .busy(tx_busy), .pl_req(pl_req), .pl_index(pl_index), .pl_ack(pl_ack),
        .pl_byte(pl_byte), .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready)
    );
    generate
        if (COSIM) begin : g_cosim_tx
            assign cosim_tx_data  = tx_data;
            assign cosim_tx_valid = tx_valid;
            assign tx_ready       = cosim_tx_ready;
            assign link_tx        = 1'b1;
        end else begin : g_link_tx
            uart_tx #(.CLKS_PER_BIT(LINK_BIT)) u_link_tx (
                .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid), .ready(tx_ready),
                .tx(link_tx)
            );
            assign cosim_tx_data  = 8'd0;
            assign cosim_tx_valid = 1'b0;
        end
    endgenerate
endmodule
`default_nettype wire
