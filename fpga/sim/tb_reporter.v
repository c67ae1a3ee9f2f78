`timescale 1ns / 1ps
`default_nettype none
// The FPGA-to-host path without the rest of the design: event_queue and two
// rec_writers into byte-wide FIFOs, the reply FIFO, reporter and frame_tx,
// with the frames parsed from frame_tx's bytes. Checks: ACK and NAK bytes;
// STATUS on a state change with every field and the tick of its start;
// answers ahead of STATUS ahead of streams; three events on one clock as
// three EVENTS frames in source order, full ticks rebuilt from 17-bit
// stamps (the core's width) across a carry; a source that fires again while pending and
// the FIFO is full: one lost, then an OVERRUN record (arg 2, value 1) ahead
// of the rest; UART frames with their gaps (a borrow across bytes, 65534,
// saturation at 65536 and when only bits 16..23 or 24..31 differ, then a
// small gap again); SAMPLES: 7
// blocks at once, the rest only after FLUSH_TICKS, each frame's tick that of
// its first block; a block offered to a full FIFO is dropped and counted.
module tb_reporter;
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

    // Tick every 4 clocks; the counter starts just below a carry into bit 20
    // and bit 32 so rebuilt ticks cross both.
    reg  [1:0]  div = 2'd0;
    wire        tick = (div == 2'd3);
    reg  [47:0] now = 48'h0012_FFFF_FF00;
    always @(posedge clk) begin
        div <= div + 1'b1;
        if (tick) now <= now + 1'b1;
    end

    localparam integer FLUSH = 50;

    // ---- event queue (3 sources) into a 32-byte FIFO -----------------------
    reg  [2:0]   src_valid = 3'd0;
    reg  [64:0]  rec0 = 65'd0, rec1 = 65'd0, rec2 = 65'd0;
    wire [5:0]   ev_level;
    wire         ev_wr, ev_push;
    wire [7:0]   ev_wdata;
    wire         ev_lost;
    integer      n_lost = 0;
    always @(posedge clk) if (ev_lost) n_lost = n_lost + 1;
    event_queue #(.N(3), .TS_W(48), .ST_W(17), .LW(6)) u_eq (
        .clk(clk), .rst(rst), .now(now), .src_valid(src_valid), .src_rec({rec2, rec1, rec0}),
        .fifo_free(6'd32 - ev_level), .wr_en(ev_wr), .wr_data(ev_wdata), .push(ev_push),
        .lost_one(ev_lost)
    );
    wire       ev_rd, ev_rvalid;
    wire [7:0] ev_byte;
    /* verilator lint_off PINCONNECTEMPTY */
    sync_fifo #(.WIDTH(8), .DEPTH(32)) u_evf (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(ev_wdata), .wr_en(ev_wr), .rd_en(ev_rd),
        .rd_data(ev_byte), .rd_valid(ev_rvalid), .empty(), .full(), .level(ev_level),
        .overflow(), .underflow()
    );

    // ---- UART byte records (7 bytes) -----------------------------------------
    reg          ch_valid = 1'b0;
    reg  [55:0]  ch_rec = 56'd0;
    wire [10:0]  ch_level;
    wire         ch_wr, ch_push, ch_over;
    wire [7:0]   ch_wdata;
    wire [15:0]  ch_lost;
    rec_writer #(.BYTES(7), .DRAIN(0), .LW(11)) u_chw (
        .clk(clk), .rst(rst), .in_valid(ch_valid), .in_rec(ch_rec),
        .fifo_free(11'd1024 - ch_level), .fifo_empty(1'b0), .wr_en(ch_wr), .wr_data(ch_wdata),
        .push(ch_push), .overrun(ch_over), .lost(ch_lost)
    );
    wire       ch_rd, ch_rvalid;
    wire [7:0] ch_byte;
    sync_fifo #(.WIDTH(8), .DEPTH(1024)) u_chf (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(ch_wdata), .wr_en(ch_wr), .rd_en(ch_rd),
        .rd_data(ch_byte), .rd_valid(ch_rvalid), .empty(), .full(), .level(ch_level),
        .overflow(), .underflow()
    );
    reg ch_quiet = 1'b0;

    // ---- sample blocks (14 bytes) into a 128-byte FIFO (9 blocks) -------------
    reg          blk_valid = 1'b0;
    reg  [111:0] blk_rec = 112'd0;
    wire [7:0]   blk_level;
    wire         blk_wr, blk_push, blk_over, blk_empty;
    wire [7:0]   blk_wdata;
    wire [15:0]  blk_lost;
    rec_writer #(.BYTES(14), .DRAIN(1), .LW(8)) u_bw (
        .clk(clk), .rst(rst), .in_valid(blk_valid), .in_rec(blk_rec),
        .fifo_free(8'd128 - blk_level), .fifo_empty(blk_empty), .wr_en(blk_wr),
        .wr_data(blk_wdata), .push(blk_push), .overrun(blk_over), .lost(blk_lost)
    );
    wire       blk_rd, blk_rvalid;
    wire [7:0] blk_byte;
    sync_fifo #(.WIDTH(8), .DEPTH(128)) u_bf (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(blk_wdata), .wr_en(blk_wr), .rd_en(blk_rd),
        .rd_data(blk_byte), .rd_valid(blk_rvalid), .empty(blk_empty), .full(), .level(blk_level),
        .overflow(), .underflow()
    );

    // ---- answers ---------------------------------------------------------
    reg          reply_wr = 1'b0;
    reg  [33:0]  reply_in = 34'd0;
    wire         reply_empty, reply_rd, reply_rvalid;
    wire [33:0]  reply_data;
    sync_fifo #(.WIDTH(34), .DEPTH(16)) u_rf (
        .clk(clk), .rst(rst), .clear(1'b0), .wr_data(reply_in), .wr_en(reply_wr), .rd_en(reply_rd),
        .rd_data(reply_data), .rd_valid(reply_rvalid), .empty(reply_empty), .full(), .level(),
        .overflow(), .underflow()
    );

    // ---- reporter and frame_tx -----------------------------------------------
    reg  [2:0]  state = 3'd0;
    wire        send, tx_busy, pl_req, pl_ack;
    wire [7:0]  send_type, pl_byte;
    wire [6:0]  send_len, pl_index;
    wire [7:0]  tx_data;
    wire        tx_valid;
    reg         tx_ready = 1'b1;
    reporter #(.TS_W(48), .FLUSH_TICKS(FLUSH)) u_rep (
        .clk(clk), .rst(rst), .tick(tick), .now(now),
        .reply_empty(reply_empty), .reply_rd(reply_rd), .reply_data(reply_data),
        .reply_rvalid(reply_rvalid),
        .state(state), .trips(3'b101), .fifo_level(16'h0102), .underruns(16'h0304),
        .overruns(16'h0506), .crc_errors(16'h0708), .rx_dropped(16'h090a), .last_rx_seq(8'h0b),
        .io(8'h0c), .dac_code(16'h0d0e), .seg_id(32'h1f2f_3f4f),
        .ev_push(ev_push), .ch_push(ch_push), .blk_push(blk_push), .ch_quiet(ch_quiet),
        .ev_rd(ev_rd), .ch_rd(ch_rd), .blk_rd(blk_rd),
        .ev_byte(ev_byte), .ch_byte(ch_byte), .blk_byte(blk_byte),
        .ev_rvalid(ev_rvalid), .ch_rvalid(ch_rvalid), .blk_rvalid(blk_rvalid),
        .send(send), .send_type(send_type), .send_len(send_len), .tx_busy(tx_busy),
        .pl_req(pl_req), .pl_index(pl_index), .pl_ack(pl_ack), .pl_byte(pl_byte)
    );
    frame_tx u_ftx (
        .clk(clk), .rst(rst), .send(send), .type_in(send_type), .len_in(send_len),
        .busy(tx_busy), .pl_req(pl_req), .pl_index(pl_index), .pl_ack(pl_ack),
        .pl_byte(pl_byte), .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready)
    );

    // ---- frames as the host sees them ------------------------------------------
    // Frame i: type, payload length, payload bytes at fb[128 * i + k], and
    // the tick its SYNC0 byte left.
    integer     nf = 0;
    reg  [7:0]  ftype [0:63];
    reg  [7:0]  flen [0:63];
    reg  [47:0] fat [0:63];
    reg  [7:0]  fb [0:8191];
    integer     pos = 0;
    reg  [47:0] sync_at;
    always @(posedge clk) begin
        if (tx_valid && tx_ready) begin
            if (pos == 0 && tx_data == 8'ha5) sync_at = now;
            if (pos == 1 && tx_data != 8'h5a) fail("second sync byte wrong");
            if (pos == 2) ftype[nf] = tx_data;
            if (pos == 4) flen[nf] = tx_data;
            if (pos >= 5 && pos < 5 + flen[nf]) fb[128 * nf + pos - 5] = tx_data;
            if (pos >= 4 && pos == 5 + flen[nf] + 1) begin
                fat[nf] = sync_at;
                nf = nf + 1;
                pos = 0;
            end else begin
                pos = pos + 1;
            end
        end
    end

    function [47:0] u48(input integer f, input integer at);
        integer j;
        begin
            u48 = 48'd0;
            for (j = 5; j >= 0; j = j - 1) u48 = {u48[39:0], fb[128 * f + at + j]};
        end
    endfunction
    function [31:0] u32(input integer f, input integer at);
        u32 = {fb[128 * f + at + 3], fb[128 * f + at + 2], fb[128 * f + at + 1], fb[128 * f + at]};
    endfunction
    function [15:0] u16(input integer f, input integer at);
        u16 = {fb[128 * f + at + 1], fb[128 * f + at]};
    endfunction

    task wait_frames(input integer count);
        integer guard;
        begin
            guard = 0;
            while (nf < count && guard < 200000) begin
                @(negedge clk);
                guard = guard + 1;
            end
            if (nf < count) fail("frames did not come");
        end
    endtask

    task answer(input [1:0] kind, input [7:0] t, input [7:0] s, input [15:0] info);
        begin
            @(negedge clk);
            reply_in = {kind, t, s, info}; reply_wr = 1'b1;
            @(negedge clk);
            reply_wr = 1'b0;
        end
    endtask

    task check_event(input integer f, input [47:0] t, input [7:0] kind, input [7:0] arg,
                     input [31:0] value);
        begin
            if (ftype[f] !== 8'h83 || flen[f] !== 8'd13 || fb[128 * f] !== 8'd1) begin
                fail("not an EVENTS frame with one record");
            end else if (u48(f, 1) !== t || fb[128 * f + 7] !== kind || fb[128 * f + 8] !== arg ||
                         u32(f, 9) !== value) begin
                $display("  event tick %h kind %h arg %h value %h; want %h %h %h %h", u48(f, 1),
                         fb[128 * f + 7], fb[128 * f + 8], u32(f, 9), t, kind, arg, value);
                fail("event record wrong");
            end
        end
    endtask

    task ch_byte_at(input [47:0] t, input [7:0] b);
        begin
            @(negedge clk);
            ch_rec = {b, t}; ch_valid = 1'b1;
            @(negedge clk);
            ch_valid = 1'b0;
            repeat (10) @(negedge clk);
        end
    endtask

    task block(input [47:0] t, input [15:0] k);
        begin
            @(negedge clk);
            blk_rec = {k + 16'd3, k + 16'd2, k + 16'd1, k, t}; blk_valid = 1'b1;
            @(negedge clk);
            blk_valid = 1'b0;
            repeat (16) @(negedge clk);
        end
    endtask

    integer     f0, i;
    reg  [47:0] t0, t1;
    initial begin
        repeat (4) @(negedge clk);
        rst = 1'b0;
        repeat (4) @(negedge clk);

        // ACK then NAK, byte for byte.
        answer(2'd0, 8'h03, 8'h11, 16'h0a3f);
        answer(2'd1, 8'h07, 8'h12, 16'hff06);
        wait_frames(2);
        if (ftype[0] !== 8'h86 || flen[0] !== 8'd4 || fb[0] !== 8'h03 || fb[1] !== 8'h11 ||
            fb[2] !== 8'h3f || fb[3] !== 8'h0a) fail("ACK bytes wrong");
        if (ftype[1] !== 8'h87 || flen[1] !== 8'd4 || fb[128] !== 8'h07 || fb[129] !== 8'h12 ||
            fb[130] !== 8'h06 || fb[131] !== 8'hff) fail("NAK bytes wrong");

        // A state change and an answer queued together: the answer first,
        // then STATUS with every field; its tick is when it was started.
        @(negedge clk);
        reply_in = {2'd0, 8'h08, 8'h13, 16'd0}; reply_wr = 1'b1; state = 3'd3;
        @(negedge clk);
        reply_wr = 1'b0;
        wait_frames(4);
        if (ftype[2] !== 8'h86) fail("answer not ahead of STATUS");
        if (ftype[3] !== 8'h85 || flen[3] !== 8'd26) fail("no STATUS after the state change");
        else begin
            if (u48(3, 0) > fat[3] || u48(3, 0) + 48'd20 < fat[3]) fail("STATUS tick not its start");
            if (fb[3 * 128 + 6] !== 8'd3 || fb[3 * 128 + 7] !== 8'd5 || u16(3, 8) !== 16'h0102 ||
                u16(3, 10) !== 16'h0304 || u16(3, 12) !== 16'h0506 || u16(3, 14) !== 16'h0708 ||
                u16(3, 16) !== 16'h090a || fb[3 * 128 + 18] !== 8'h0b || fb[3 * 128 + 19] !== 8'h0c ||
                u16(3, 20) !== 16'h0d0e || u32(3, 22) !== 32'h1f2f_3f4f)
                fail("STATUS fields wrong");
        end

        // Three events on one clock, stamps 5, 1000 and 70000 ticks old.
        @(negedge clk);
        t0 = now;
        rec0 = {32'hdead_beef, 8'd0, 8'h05, t0[16:0] - 17'd5};
        rec1 = {32'd1999, 8'd0, 8'h01, t0[16:0] - 17'd1000};
        rec2 = {32'd0, 8'd1, 8'h03, t0[16:0] - 17'd70000};
        src_valid = 3'b111;
        @(negedge clk);
        src_valid = 3'b000;
        wait_frames(7);
        check_event(4, t0 - 48'd5, 8'h05, 8'd0, 32'hdead_beef);
        check_event(5, t0 - 48'd1000, 8'h01, 8'd0, 32'd1999);
        check_event(6, t0 - 48'd70000, 8'h03, 8'd1, 32'd0);

        // Stall the link; fill the 32-byte FIFO with two records, keep one
        // pending, and fire that source again: one event lost.
        tx_ready = 1'b0;
        answer(2'd0, 8'h08, 8'h14, 16'd0);  // holds the reporter in a frame
        repeat (20) @(negedge clk);
        for (i = 0; i < 3; i = i + 1) begin
            @(negedge clk);
            rec0 = {32'd100 + i, 8'd0, 8'h05, now[16:0]};
            src_valid = 3'b001;
            @(negedge clk);
            src_valid = 3'b000;
            repeat (30) @(negedge clk);
        end
        @(negedge clk);
        t1 = now;
        rec0 = {32'd200, 8'd0, 8'h05, now[16:0]};
        src_valid = 3'b001;
        @(negedge clk);
        src_valid = 3'b000;
        repeat (30) @(negedge clk);
        if (n_lost != 1) fail("the event fired over a pending one is not counted");
        tx_ready = 1'b1;
        wait_frames(12);
        // Frame 7 is the ACK; then 100, 101, then the OVERRUN record ahead of
        // the waiting 200 (101's successor 102 was the one overwritten).
        if (ftype[7] !== 8'h86) fail("ACK not first after the stall");
        check_event(8, u48(8, 1), 8'h05, 8'd0, 32'd100);
        check_event(9, u48(9, 1), 8'h05, 8'd0, 32'd101);
        if (fb[128 * 10 + 7] !== 8'h0c || fb[128 * 10 + 8] !== 8'd2 || u32(10, 9) !== 32'd1)
            fail("no OVERRUN record with arg 2 and 1 lost");
        check_event(11, t1, 8'h05, 8'd0, 32'd200);

        // UART bytes: gaps 0x20 (low byte borrows), 65534, 65536 (saturated),
        // 0x10005 and 0x1000003 (saturated: only bits 16..23, then only bits
        // 24..31, say so).
        t0 = 48'h00ab_0000_fff0;
        ch_byte_at(t0, 8'h41);
        ch_byte_at(t0 + 48'h20, 8'h42);
        ch_byte_at(t0 + 48'h20 + 48'd65534, 8'h43);
        ch_byte_at(t0 + 48'h20 + 48'd65534 + 48'd65536, 8'h44);
        ch_byte_at(t0 + 48'h20 + 48'd65534 + 48'd65536 + 48'h10005, 8'h45);
        ch_byte_at(t0 + 48'h20 + 48'd65534 + 48'd65536 + 48'h10005 + 48'h0100_0003, 8'h46);
        ch_byte_at(t0 + 48'h20 + 48'd65534 + 48'd65536 + 48'h10005 + 48'h0100_0003 + 48'd7, 8'h47);
        repeat (50) @(negedge clk);
        if (nf != 12) fail("UART frame sent before the line was quiet");
        ch_quiet = 1'b1;
        wait_frames(13);
        ch_quiet = 1'b0;
        if (ftype[12] !== 8'h84 || flen[12] !== 8'd28 || fb[128 * 12 + 6] !== 8'd7) fail("UART frame header wrong");
        else begin
            if (u48(12, 0) !== t0) fail("UART frame tick not the first byte's");
            if (fb[128 * 12 + 7] !== 8'h41 || u16(12, 8) !== 16'd0) fail("UART byte 0 wrong");
            if (fb[128 * 12 + 10] !== 8'h42 || u16(12, 11) !== 16'h20) fail("UART gap with a borrow wrong");
            if (fb[128 * 12 + 13] !== 8'h43 || u16(12, 14) !== 16'd65534) fail("UART gap 65534 wrong");
            if (fb[128 * 12 + 16] !== 8'h44 || u16(12, 17) !== 16'hffff) fail("UART gap 65536 not saturated");
            if (fb[128 * 12 + 19] !== 8'h45 || u16(12, 20) !== 16'hffff) fail("UART gap 0x10005 not saturated");
            if (fb[128 * 12 + 22] !== 8'h46 || u16(12, 23) !== 16'hffff) fail("UART gap 0x1000003 not saturated");
            if (fb[128 * 12 + 25] !== 8'h47 || u16(12, 26) !== 16'd7) fail("UART gap after a saturated one wrong");
        end

        // Seven blocks of 10 ticks go at once; two more only once the
        // first of them has waited FLUSH_TICKS.
        for (i = 0; i < 7; i = i + 1) block(48'h0000_7000_0000 + 10 * i, 16'd100 * i);
        wait_frames(14);
        if (ftype[13] !== 8'h82 || flen[13] !== 8'd63 || fb[128 * 13 + 6] !== 8'd7) fail("7-block SAMPLES frame wrong");
        else begin
            if (u48(13, 0) !== 48'h0000_7000_0000) fail("SAMPLES tick not the first block's");
            for (i = 0; i < 7; i = i + 1)
                if (u16(13, 7 + 8 * i) !== 16'd100 * i || u16(13, 9 + 8 * i) !== 16'd100 * i + 1 ||
                    u16(13, 11 + 8 * i) !== 16'd100 * i + 2 || u16(13, 13 + 8 * i) !== 16'd100 * i + 3)
                    fail("SAMPLES block codes wrong");
        end
        for (i = 7; i < 9; i = i + 1) begin
            block(48'h0000_7000_0000 + 10 * i, 16'd100 * i);
            if (i == 7) t1 = now;
        end
        wait_frames(15);
        if (ftype[14] !== 8'h82 || flen[14] !== 8'd23 || fb[128 * 14 + 6] !== 8'd2) fail("flushed SAMPLES frame wrong");
        else if (u48(14, 0) !== 48'h0000_7000_0000 + 70) fail("flushed SAMPLES tick wrong");
        else if (u16(14, 7) !== 16'd700 || u16(14, 21) !== 16'd803) fail("flushed SAMPLES codes wrong");
        if (fat[14] < t1 + FLUSH - 2) fail("SAMPLES flushed before FLUSH_TICKS");
        if (fat[14] > t1 + FLUSH + 4) fail("SAMPLES not flushed at FLUSH_TICKS");

        // A full block FIFO (9 x 14 of 128 bytes) drops whole blocks and
        // counts them.
        tx_ready = 1'b0;
        answer(2'd0, 8'h08, 8'h15, 16'd0);
        repeat (20) @(negedge clk);
        f0 = nf;
        for (i = 0; i < 11; i = i + 1) block(48'h0000_8000_0000 + 10 * i, 16'd0);
        tx_ready = 1'b1;
        wait_frames(f0 + 3);
        if (flen[f0 + 1] !== 8'd63 || fb[128 * (f0 + 1) + 6] !== 8'd7) fail("first 7 blocks not sent");
        if (flen[f0 + 2] !== 8'd23) fail("blocks 8 and 9 not sent");
        // The drain rule: writing resumes once the FIFO has emptied.
        block(48'h0000_9000_0000, 16'd0);
        if (u_bw.lost !== 16'd2) fail("two dropped blocks not counted");

        if (errors == 0) $display("PASS: reporter, %0d frames", nf);
        $finish;
    end
endmodule
`default_nettype wire
