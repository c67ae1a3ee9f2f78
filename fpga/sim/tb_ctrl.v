`timescale 1ns / 1ps
`default_nettype none
// The command layer with the segment FIFO (seg_fifo), fed decoded frames
// directly: the payload streams past a byte per clock, then frame_valid
// follows as frame_rx gives it (two CRC clocks later); one answer per
// frame with its kind, type, seq and info; the NAK order (unknown type,
// length, state or TRIPPED, then every CONFIGURE / SEGMENT / PINS field
// check in payload order at its boundary, then FIFO_FULL / EMPTY); a good
// CONFIGURE latching every field and applying the safe state; the SEGMENT
// record and the free entries in its ACK; PINS; RELEASE only for the wait
// that is running; a trip that wins over a frame on the same clock; a
// CONFIGURE followed by a SEGMENT at one byte per clock (the cosimulation's
// rate), each applied whole; and a build without the sniffer refusing to
// switch it on.
module tb_ctrl;
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #41.667 clk = ~clk;

    integer errors = 0;
    task fail(input [8*72:1] what);
        begin
            $display("FAIL: %0s (t=%0t)", what, $time);
            errors = errors + 1;
        end
    endtask

    localparam [15:0] MAX = 16'd60000;

    reg          frame_valid = 1'b0;
    reg  [7:0]   frame_type = 8'd0, frame_seq = 8'd0;
    reg  [6:0]   frame_len = 7'd0;
    reg  [175:0] payload = 176'd0;
    reg          pl_valid = 1'b0;
    reg  [6:0]   pl_index = 7'd0;
    reg  [7:0]   pl_data = 8'd0;
    reg  [1:0]   seq_state = 2'd0;
    reg  [2:0]   seq_wait_on = 3'd0;
    reg  [31:0]  seq_seg_id = 32'd0;
    reg          seq_event = 1'b0;
    reg          underrun = 1'b0;
    reg  [6:0]   fifo_level = 7'd0;
    reg          tripped = 1'b0, new_trip = 1'b0;

    wire [2:0]   state;
    wire         configured, restart, seq_arm, seq_start, seq_stop, release_hit;
    wire         fifo_clear, fifo_commit, fifo_peek, trip_clear, reply_valid;
    wire [19:0]  block_ticks;
    wire [15:0]  fall_code, rise_code, ovp_code, ocp_code, safe_dac_code, watchdog_ms;
    wire [15:0]  debounce_ticks, sniff_bit_clocks, man_code;
    wire [1:0]   safe_pins, flags, man_pins;
    wire [33:0]  reply;

    // The segment FIFO; ctrl's own view of the level is set by the bench
    // (fifo_level) to reach FIFO_FULL without 64 frames.
    reg          seg_rd = 1'b0;
    wire [159:0] seg_data;
    wire         seg_rvalid, seg_empty;
    wire [6:0]   seg_level;
    seg_fifo #(.DEPTH(64), .BYTES(20)) fifo (
        .clk(clk), .rst(rst), .clear(fifo_clear), .lane_wr(pl_valid), .lane(pl_index),
        .lane_data(pl_data), .commit(fifo_commit), .peek(fifo_peek), .rd_en(seg_rd),
        .rd_data(seg_data), .rd_valid(seg_rvalid), .empty(seg_empty), .level(seg_level)
    );

    ctrl #(.FIFO_DEPTH(64), .LW(7), .MAX_DAC_CODE(MAX), .MIN_BLOCK_TICKS(16'd10), .SNIFFER(1'b1)) dut (
        .clk(clk), .rst(rst), .frame_valid(frame_valid), .frame_type(frame_type),
        .frame_seq(frame_seq), .frame_len(frame_len), .pl_valid(pl_valid), .pl_index(pl_index),
        .pl_data(pl_data), .staged(seg_data), .seq_state(seq_state), .seq_wait_on(seq_wait_on), .seq_seg_id(seq_seg_id), .seq_event(seq_event),
        .underrun(underrun), .fifo_level(fifo_level), .tripped(tripped), .new_trip(new_trip),
        .state(state), .configured(configured), .block_ticks(block_ticks),
        .fall_code(fall_code), .rise_code(rise_code), .ovp_code(ovp_code), .ocp_code(ocp_code),
        .safe_dac_code(safe_dac_code), .watchdog_ms(watchdog_ms), .debounce_ticks(debounce_ticks),
        .sniff_bit_clocks(sniff_bit_clocks), .safe_pins(safe_pins), .flags(flags),
        .restart(restart), .seq_arm(seq_arm), .seq_start(seq_start), .seq_stop(seq_stop),
        .release_hit(release_hit), .fifo_clear(fifo_clear), .fifo_commit(fifo_commit),
        .fifo_peek(fifo_peek), .trip_clear(trip_clear), .man_pins(man_pins), .man_code(man_code),
        .reply_valid(reply_valid), .reply(reply)
    );

    // The same frames into a build without the sniffer (its answers only).
    wire        ns_valid;
    wire [33:0] ns_reply;
    /* verilator lint_off PINCONNECTEMPTY */
    ctrl #(.FIFO_DEPTH(64), .LW(7), .MAX_DAC_CODE(MAX), .MIN_BLOCK_TICKS(16'd10), .SNIFFER(1'b0)) nosniff (
        .clk(clk), .rst(rst), .frame_valid(frame_valid), .frame_type(frame_type),
        .frame_seq(frame_seq), .frame_len(frame_len), .pl_valid(pl_valid), .pl_index(pl_index),
        .pl_data(pl_data), .staged(160'd0), .seq_state(2'd0), .seq_wait_on(3'd0), .seq_seg_id(32'd0), .seq_event(1'b0), .underrun(1'b0),
        .fifo_level(7'd0), .tripped(1'b0), .new_trip(1'b0),
        .state(), .configured(), .block_ticks(), .fall_code(), .rise_code(), .ovp_code(),
        .ocp_code(), .safe_dac_code(), .watchdog_ms(), .debounce_ticks(), .sniff_bit_clocks(),
        .safe_pins(), .flags(), .restart(), .seq_arm(), .seq_start(), .seq_stop(),
        .release_hit(), .fifo_clear(), .fifo_commit(), .fifo_peek(), .trip_clear(), .man_pins(),
        .man_code(), .reply_valid(ns_valid), .reply(ns_reply)
    );

    // Everything the DUT pulses, counted, and its last answer.
    integer n_reply = 0, n_restart = 0, n_arm = 0, n_start = 0, n_stop = 0, n_release = 0;
    integer n_clear = 0, n_wr = 0, n_tclear = 0, n_ns = 0;
    reg [33:0]  last_reply, ns_last;
    always @(posedge clk) begin
        if (reply_valid) begin n_reply = n_reply + 1; last_reply = reply; end
        if (ns_valid) begin n_ns = n_ns + 1; ns_last = ns_reply; end
        if (restart) n_restart = n_restart + 1;
        if (seq_arm) n_arm = n_arm + 1;
        if (seq_start) n_start = n_start + 1;
        if (seq_stop) n_stop = n_stop + 1;
        if (release_hit) n_release = n_release + 1;
        if (fifo_clear) n_clear = n_clear + 1;
        if (fifo_commit) n_wr = n_wr + 1;
        if (trip_clear) n_tclear = n_tclear + 1;
    end

    // One frame at the link's fastest, one byte per clock, as frame_rx
    // hands it on: the clock after the previous frame_valid (where SYNC0
    // may already be in) and three more header clocks (TYPE on the second),
    // the payload bytes, CRC high and low, then frame_valid, left high.
    integer n0, m0, i;
    task frame_only(input [7:0] t, input [6:0] len);
        begin
            @(negedge clk);
            frame_valid = 1'b0;
            @(negedge clk);
            @(negedge clk);
            frame_type = t; frame_len = len; frame_seq = frame_seq + 8'd1;
            @(negedge clk);
            for (i = 0; i < len; i = i + 1) begin
                @(negedge clk);
                pl_valid = 1'b1; pl_index = i[6:0];
                pl_data = (i < 22) ? payload[8 * i +: 8] : 8'd0;
            end
            @(negedge clk);
            pl_valid = 1'b0;
            @(negedge clk);
            @(negedge clk);
            frame_valid = 1'b1;
            n0 = n_reply;
        end
    endtask

    // One frame; the answer is written on frame_valid's own clock (the
    // monitor above counts it on that clock's edge), and a CONFIGURE is
    // applied three clocks after frame_valid, before the next frame could
    // end.
    task frame(input [7:0] t, input [6:0] len);
        begin
            frame_only(t, len);
            #1;
            if (reply_valid !== 1'b1) fail("no answer on the frame's clock");
            @(negedge clk);
            frame_valid = 1'b0;
            #1;
            if (reply_valid !== 1'b0) fail("answer longer than one clock");
            if (n_reply != n0 + 1) fail("not exactly one answer");
            else if (last_reply[31:24] !== t || last_reply[23:16] !== frame_seq)
                fail("answer type or seq wrong");
            @(negedge clk);
            @(negedge clk);
        end
    endtask

    // The oldest FIFO entry, read as the sequencer reads it.
    task read_entry(input [159:0] want);
        begin
            @(negedge clk);
            seg_rd = 1'b1;
            @(negedge clk);
            seg_rd = 1'b0;
            if (seg_rvalid !== 1'b1 || seg_data !== want) begin
                $display("  entry %h, want %h", seg_data, want);
                fail("FIFO entry wrong");
            end
        end
    endtask

    task expect_ack(input [15:0] info);
        begin
            if (last_reply[33:32] !== 2'd0 || last_reply[15:0] !== info) begin
                $display("  reply %h, want ACK info %h", last_reply, info);
                fail("ACK expected");
            end
        end
    endtask

    task expect_nak(input [7:0] reason, input [7:0] offset);
        begin
            if (last_reply[33:32] !== 2'd1 || last_reply[7:0] !== reason || last_reply[15:8] !== offset) begin
                $display("  reply %h, want NAK reason %0d offset %0d", last_reply, reason, offset);
                fail("NAK expected");
            end
        end
    endtask

    // Little-endian payload fields.
    task put16(input integer at, input [15:0] v);
        payload[8 * at +: 16] = v;
    endtask
    task put32(input integer at, input [31:0] v);
        payload[8 * at +: 32] = v;
    endtask

    // A good CONFIGURE payload: block 1000 ticks, fall 2000, rise 2200, OVP
    // 3900, OCP 3000, safe code 1234, watchdog 500 ms, debounce 100 ticks,
    // sniffer 104 clocks a bit, safe pins 2, flags 3.
    task good_config;
        begin
            payload = 176'd0;
            put32(0, 32'd1000); put16(4, 16'd2000); put16(6, 16'd2200); put16(8, 16'd3900);
            put16(10, 16'd3000); put16(12, 16'd1234); put16(14, 16'd500); put16(16, 16'd100);
            put16(18, 16'd104); payload[8 * 20 +: 8] = 8'd2; payload[8 * 21 +: 8] = 8'd3;
        end
    endtask

    // A good SEGMENT payload: seg_id, dur, start, end, slope, pins/last, wait.
    task good_segment(input [31:0] id);
        begin
            payload = 176'd0;
            put32(0, id); payload[8 * 4 +: 48] = 48'd5000; put16(10, 16'd1000);
            put16(12, MAX); put32(14, 32'hfff0_0000); payload[8 * 18 +: 8] = 8'h83;
            payload[8 * 19 +: 8] = 8'd5;
        end
    endtask

    initial begin
        repeat (4) @(negedge clk);
        rst = 1'b0;
        @(negedge clk);
        if (state !== 3'd0 || configured !== 1'b0) fail("not UNCONFIGURED after reset");
        if (man_pins !== 2'b00 || man_code !== 16'd0) fail("manual outputs not off after reset");

        // Answers that need no state.
        payload = 176'd0;
        frame(8'h01, 7'd0);
        if (last_reply[33:32] !== 2'd2 || last_reply[15:0] !== 16'd0) fail("IDENTIFY not answered with kind 2");
        frame(8'h08, 7'd0);
        if (last_reply[33:32] !== 2'd3) fail("HEARTBEAT not answered with STATUS");
        frame(8'h00, 7'd0);
        expect_nak(8'd1, 8'hff);
        frame(8'h0b, 7'd0);
        expect_nak(8'd1, 8'hff);
        frame(8'h01, 7'd1);
        expect_nak(8'd2, 8'hff);
        // Length before state, state before fields.
        frame(8'h04, 7'd1);
        expect_nak(8'd2, 8'hff);
        frame(8'h04, 7'd0);
        expect_nak(8'd4, 8'hff);
        frame(8'h07, 7'd3);
        expect_nak(8'd4, 8'hff);
        frame(8'h02, 7'd21);
        expect_nak(8'd2, 8'hff);

        // CONFIGURE field checks in payload order, each at its boundary.
        good_config(); put32(0, 32'd9);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd0);
        good_config(); put32(0, 32'd1_000_001);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd0);
        good_config(); put16(4, 16'd2201);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd4);
        // fall_code above rise_code by the high byte alone.
        good_config(); put16(4, 16'h0100); put16(6, 16'h00ff);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd4);
        good_config(); put16(8, 16'd0);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd8);
        good_config(); put16(10, 16'd0);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd10);
        good_config(); put16(12, MAX + 16'd1);
        frame(8'h02, 7'd22); expect_nak(8'd6, 8'd12);
        good_config(); put16(12, {MAX[15:8] + 8'd1, 8'd0});
        frame(8'h02, 7'd22); expect_nak(8'd6, 8'd12);
        good_config(); put16(14, 16'd0);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd14);
        good_config(); put16(18, 16'd3);
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd18);
        good_config(); payload[8 * 20 +: 8] = 8'd4;
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd20);
        good_config(); payload[8 * 21 +: 8] = 8'd4;
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd21);
        // Several bad fields: the first one in payload order.
        good_config(); put16(8, 16'd0); put16(12, 16'hffff); payload[8 * 21 +: 8] = 8'd9;
        frame(8'h02, 7'd22); expect_nak(8'd3, 8'd8);
        if (configured !== 1'b0 || n_restart != 0) fail("a refused CONFIGURE changed the configuration");
        // The build without the sniffer refuses to switch it on.
        good_config(); put16(18, 16'd0);
        frame(8'h02, 7'd22);
        if (ns_last[33:32] !== 2'd1 || ns_last[7:0] !== 8'd3 || ns_last[15:8] !== 8'd21)
            fail("no-sniffer build took flags bit 1");
        good_config();
        frame(8'h02, 7'd22);
        if (ns_last[33:32] !== 2'd1 || ns_last[15:8] !== 8'd18) fail("no-sniffer build took sniff_bit_clocks");
        expect_ack(16'd0);
        // Boundaries that pass: block 10 and 1e6 ticks, fall == rise, code == MAX.
        good_config(); put32(0, 32'd10); put16(4, 16'd2200); put16(12, MAX);
        frame(8'h02, 7'd22); expect_ack(16'd0);
        if (block_ticks !== 20'd10 || man_code !== MAX) fail("boundary CONFIGURE not applied");
        good_config(); put32(0, 32'd1_000_000);
        frame(8'h02, 7'd22); expect_ack(16'd0);
        if (block_ticks !== 20'd1_000_000) fail("block_ticks 1e6 not applied");
        // Decided by the high byte: fall below rise, a code below MAX, a bit
        // time of 256 clocks, each with the larger low byte.
        good_config(); put16(4, 16'h01ff); put16(6, 16'h0200);
        put16(12, {MAX[15:8] - 8'd1, 8'hff}); put16(18, 16'h0100);
        frame(8'h02, 7'd22); expect_ack(16'd0);
        if (fall_code !== 16'h01ff || rise_code !== 16'h0200 || sniff_bit_clocks !== 16'h0100 ||
            safe_dac_code !== {MAX[15:8] - 8'd1, 8'hff})
            fail("high-byte boundary CONFIGURE not applied");
        good_config(); put16(18, 16'd4);
        frame(8'h02, 7'd22); expect_ack(16'd0);
        if (sniff_bit_clocks !== 16'd4) fail("sniff_bit_clocks 4 not applied");

        // The good CONFIGURE: every field, the safe state applied, IDLE.
        good_config();
        m0 = n_restart;
        frame(8'h02, 7'd22); expect_ack(16'd0);
        if (n_restart != m0 + 1) fail("no restart pulse");
        if (block_ticks !== 20'd1000 || fall_code !== 16'd2000 || rise_code !== 16'd2200 ||
            ovp_code !== 16'd3900 || ocp_code !== 16'd3000 || safe_dac_code !== 16'd1234 ||
            watchdog_ms !== 16'd500 || debounce_ticks !== 16'd100 || sniff_bit_clocks !== 16'd104 ||
            safe_pins !== 2'd2 || flags !== 2'd3)
            fail("CONFIGURE fields not latched");
        if (man_pins !== 2'd2 || man_code !== 16'd1234) fail("safe state not applied by CONFIGURE");
        if (!configured || state !== 3'd1) fail("not IDLE after CONFIGURE");

        // ARM with an empty FIFO, then SEGMENT checks.
        payload = 176'd0;
        frame(8'h04, 7'd0); expect_nak(8'd7, 8'hff);
        good_segment(32'h1122_3344); payload[8 * 4 +: 48] = 48'd0;
        frame(8'h03, 7'd20); expect_nak(8'd3, 8'd4);
        good_segment(32'h1122_3344); put16(10, {MAX[15:8] + 8'd1, 8'd0});
        frame(8'h03, 7'd20); expect_nak(8'd6, 8'd10);
        good_segment(32'h1122_3344); put16(10, MAX + 16'd1);
        frame(8'h03, 7'd20); expect_nak(8'd6, 8'd10);
        good_segment(32'h1122_3344); put16(12, MAX + 16'd1);
        frame(8'h03, 7'd20); expect_nak(8'd6, 8'd12);
        good_segment(32'h1122_3344); payload[8 * 18 +: 8] = 8'h04;
        frame(8'h03, 7'd20); expect_nak(8'd3, 8'd18);
        good_segment(32'h1122_3344); payload[8 * 19 +: 8] = 8'd6;
        frame(8'h03, 7'd20); expect_nak(8'd3, 8'd19);
        good_segment(32'h1122_3344);
        fifo_level = 7'd64;
        frame(8'h03, 7'd20); expect_nak(8'd5, 8'hff);
        // Fields come before FIFO_FULL.
        payload[8 * 19 +: 8] = 8'd7;
        frame(8'h03, 7'd20); expect_nak(8'd3, 8'd19);
        if (n_wr != 0 || seg_level !== 7'd0) fail("a refused SEGMENT was written");
        // A good one at level 63: the entry is the payload, 0 entries free
        // after it. Then one whose duration has only its top byte set.
        good_segment(32'h1122_3344);
        fifo_level = 7'd63;
        frame(8'h03, 7'd20); expect_ack(16'd0);
        if (n_wr != 1 || seg_level !== 7'd1) fail("SEGMENT not written once");
        fifo_level = 7'd3;
        good_segment(32'h5566_7788); payload[8 * 4 +: 48] = 48'h0100_0000_0000;
        put16(12, {MAX[15:8] - 8'd1, 8'hff});
        frame(8'h03, 7'd20); expect_ack(16'd60);
        if (seg_level !== 7'd2) fail("second SEGMENT not written");
        read_entry({8'd5, 8'h83, 32'hfff0_0000, MAX, 16'd1000, 48'd5000, 32'h1122_3344});
        read_entry({8'd5, 8'h83, 32'hfff0_0000, MAX[15:8] - 8'd1, 8'hff, 16'd1000,
                    48'h0100_0000_0000, 32'h5566_7788});
        if (seg_empty !== 1'b1) fail("FIFO not empty after two reads");

        // ARM and START in their states.
        payload = 176'd0;
        frame(8'h05, 7'd0); expect_nak(8'd4, 8'hff);
        frame(8'h04, 7'd0); expect_ack(16'd0);
        if (n_arm != 1) fail("no arm pulse");
        seq_state = 2'd1;  // ARMED
        @(negedge clk);
        if (state !== 3'd2) fail("state not ARMED");
        frame(8'h02, 7'd22); expect_nak(8'd4, 8'hff);
        frame(8'h05, 7'd0); expect_ack(16'd0);
        if (n_start != 1) fail("no start pulse");
        seq_state = 2'd2;  // RUNNING, waiting for the host in entry 7
        seq_wait_on = 3'd1;
        seq_seg_id = 32'd7;
        @(negedge clk);
        put32(0, 32'd8);
        frame(8'h09, 7'd4); expect_nak(8'd4, 8'hff);
        put32(0, 32'd7);
        frame(8'h09, 7'd3); expect_nak(8'd2, 8'hff);
        frame(8'h09, 7'd4); expect_ack(16'd0);
        if (n_release != 1) fail("RELEASE of the running wait did not hit");
        // The entry changes on the RELEASE's own clock (host wait 7 ends,
        // host wait 8 begins): the RELEASE for 7 is refused, and one for 8
        // on the next clock is taken.
        frame_only(8'h09, 7'd4);
        seq_seg_id = 32'd8; seq_event = 1'b1;
        @(negedge clk);
        frame_valid = 1'b0; seq_event = 1'b0;
        @(negedge clk);
        expect_nak(8'd4, 8'hff);
        if (n_release != 1) fail("RELEASE hit the entry that began on its clock");
        put32(0, 32'd8);
        frame(8'h09, 7'd4); expect_ack(16'd0);
        if (n_release != 2) fail("RELEASE of the new wait did not hit");
        seq_wait_on = 3'd2;
        @(negedge clk);
        frame(8'h09, 7'd4); expect_nak(8'd4, 8'hff);
        if (n_release != 2) fail("RELEASE hit a wait that is not for the host");
        payload = 176'd0;
        frame(8'h07, 7'd3); expect_nak(8'd4, 8'hff);

        // STOP: sequencer stopped, FIFO cleared, safe state.
        m0 = n_stop;
        frame(8'h06, 7'd0); expect_ack(16'd0);
        if (n_stop != m0 + 1 || n_clear != 1) fail("STOP did not stop and clear");
        seq_state = 2'd0; seq_wait_on = 3'd0;
        @(negedge clk);

        // CONFIGURE, then at once a SEGMENT, one byte per clock: the
        // SEGMENT's payload starts six clocks after the CONFIGURE's
        // frame_valid, in the slot the CONFIGURE's fields are read from.
        good_config(); put16(4, 16'd1500); put16(6, 16'd1600); put16(14, 16'd700);
        m0 = n_restart;
        frame_only(8'h02, 7'd22);
        good_segment(32'h0a0b_0c0d);
        frame_only(8'h03, 7'd20);
        @(negedge clk);
        frame_valid = 1'b0;
        @(negedge clk);
        if (n_reply != n0 + 1 || last_reply[33:32] !== 2'd0 || last_reply[31:24] !== 8'h03)
            fail("back-to-back SEGMENT not ACKed");
        if (n_restart != m0 + 1 || fall_code !== 16'd1500 || rise_code !== 16'd1600 ||
            watchdog_ms !== 16'd700 || safe_dac_code !== 16'd1234 || flags !== 2'd3)
            fail("back-to-back CONFIGURE fields wrong");
        read_entry({8'd5, 8'h83, 32'hfff0_0000, MAX, 16'd1000, 48'd5000, 32'h0a0b_0c0d});
        // A SEGMENT committed on the clock the oldest entry is read: the
        // level stays at 1 and the entries keep their order.
        good_segment(32'd21);
        frame(8'h03, 7'd20);
        good_segment(32'd22);
        frame_only(8'h03, 7'd20);
        @(negedge clk);
        frame_valid = 1'b0;
        if (fifo_commit !== 1'b1) fail("no commit on the clock after frame_valid");
        seg_rd = 1'b1;
        @(negedge clk);
        seg_rd = 1'b0;
        if (seg_data[31:0] !== 32'd21 || seg_level !== 7'd1) fail("commit and read on one clock");
        read_entry({8'd5, 8'h83, 32'hfff0_0000, MAX, 16'd1000, 48'd5000, 32'd22});
        if (seg_level !== 7'd0) fail("level not 0 after the last read");
        frame(8'h06, 7'd0); expect_ack(16'd0);
        if (seg_level !== 7'd0) fail("STOP did not empty the FIFO");

        // PINS: clamp, range, then applied.
        put16(0, MAX + 16'd1); payload[8 * 2 +: 8] = 8'd9;
        frame(8'h07, 7'd3); expect_nak(8'd6, 8'd0);
        put16(0, MAX); payload[8 * 2 +: 8] = 8'd4;
        frame(8'h07, 7'd3); expect_nak(8'd3, 8'd2);
        payload[8 * 2 +: 8] = 8'd3;
        frame(8'h07, 7'd3); expect_ack(16'd0);
        if (man_pins !== 2'd3 || man_code !== MAX) fail("PINS not applied");

        // An underrun re-applies the safe state.
        @(negedge clk); underrun = 1'b1;
        @(negedge clk); underrun = 1'b0;
        if (man_pins !== 2'd2 || man_code !== 16'd1234) fail("underrun did not apply the safe state");

        // A trip on the same clock as PINS: the trip wins.
        put16(0, 16'd777); payload[8 * 2 +: 8] = 8'd1;
        m0 = n_clear;
        frame_only(8'h07, 7'd3);
        new_trip = 1'b1;
        @(negedge clk);
        frame_valid = 1'b0; new_trip = 1'b0; tripped = 1'b1;
        @(negedge clk);
        expect_ack(16'd0);
        if (man_pins !== 2'd2 || man_code !== 16'd1234) fail("a trip did not win over PINS");
        if (n_clear != m0 + 1) fail("a trip did not clear the FIFO");
        @(negedge clk);
        if (state !== 3'd5) fail("state not TRIPPED");
        // While tripped: TRIPPED for what the trip forbids, STATE for the rest.
        frame(8'h07, 7'd3); expect_nak(8'd8, 8'hff);
        frame(8'h02, 7'd22); expect_nak(8'd8, 8'hff);
        put32(0, 32'd7);
        frame(8'h09, 7'd4); expect_nak(8'd4, 8'hff);
        frame(8'h01, 7'd0);
        if (last_reply[33:32] !== 2'd2) fail("IDENTIFY refused while tripped");
        frame(8'h0a, 7'd0); expect_ack(16'd0);
        if (n_tclear != 1) fail("CLEAR_TRIP did not pulse trip_clear");
        tripped = 1'b0;
        @(negedge clk);
        frame(8'h0a, 7'd0); expect_nak(8'd4, 8'hff);
        if (state !== 3'd1) fail("not IDLE after CLEAR_TRIP");

        if (errors == 0) $display("PASS: ctrl, %0d answers", n_reply);
        $finish;
    end
endmodule
`default_nettype wire
