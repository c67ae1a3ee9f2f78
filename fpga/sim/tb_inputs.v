`timescale 1ns / 1ps
`default_nettype none
// Input-side modules on their own. debounce: glitches shorter than the hold
// time are ignored (9 ticks of a 10-tick hold), a level that holds is
// accepted on the 10th tick and carries the tick its final level began.
// crossing: no event for the first sample, RAIL_RISE at >= rise, RAIL_FALL
// strictly below fall, nothing inside the hysteresis band. sampler: min/max
// per block of block_ticks, blocks on the tick grid from the first sample's
// tick, their full ticks right across a carry above the 20-bit stamps. sniffer: bytes at
// 115 200 Bd (104 clocks per bit) stamped at their start bit, framing errors,
// quiet exactly 20 bit times (2080 clocks) after a byte.
module tb_inputs;
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #41.667 clk = ~clk;

    integer errors = 0;
    task fail(input [8*64:1] what);
        begin
            $display("FAIL: %0s", what);
            errors = errors + 1;
        end
    endtask

    reg [1:0]  div = 2'd0;
    wire       tick = (div == 2'd3);
    // Device time starts 121 ticks before 19 * 2^20, so the sample blocks
    // (from tick 106 on) cross a carry into the bits above the 20-bit stamps.
    reg [47:0] now = 48'h0000_012F_FF87;
    always @(posedge clk) begin
        div <= div + 1'b1;
        if (tick) now <= now + 1'b1;
    end

    // ---- debounce ------------------------------------------------------------
    reg         pin = 1'b0;
    wire        level, edge_valid;
    wire [19:0] edge_ts;
    debounce #(.TS_W(20), .INIT(1'b0)) deb (
        .clk(clk), .rst(rst), .tick(tick), .now(now[19:0]), .hold_ticks(16'd10), .pin(pin),
        .level(level), .edge_valid(edge_valid), .edge_ts(edge_ts)
    );
    integer n_edges = 0;
    reg [19:0] accepted_at;  // tick of the clock that raised edge_valid
    always @(posedge clk) if (edge_valid) begin
        n_edges = n_edges + 1;
        accepted_at = now[19:0];
    end

    // ---- crossing ------------------------------------------------------------
    reg         restart = 1'b0, s_valid = 1'b0;
    reg  [11:0] s_v = 12'd0, s_a = 12'd0;
    reg  [19:0] s_ts = 20'd0;
    reg  [47:0] s_full = 48'd0;
    wire        high, x_valid, x_rise;
    wire [11:0] x_code;
    wire [19:0] x_ts;
    crossing #(.TS_W(20)) u_cross (
        .clk(clk), .rst(rst), .restart(restart), .fall_code(16'd2000), .rise_code(16'd2200),
        .in_valid(s_valid), .in_code(s_v), .in_ts(s_ts), .high(high), .ev_valid(x_valid),
        .ev_rise(x_rise), .ev_code(x_code), .ev_ts(x_ts)
    );
    integer n_x = 0;
    always @(posedge clk) if (x_valid) n_x = n_x + 1;

    // ---- sampler -------------------------------------------------------------
    wire         b_valid;
    wire [111:0] b_rec;
    sampler #(.TS_W(48), .ST_W(20)) samp (
        .clk(clk), .rst(rst), .restart(restart), .enable(1'b1), .block_ticks(20'd10),
        .in_valid(s_valid), .in_v(s_v), .in_a(s_a), .in_ts(s_ts), .now(now),
        .blk_valid(b_valid), .blk_rec(b_rec)
    );
    // The record's high tick bits follow a clock after b_valid (sampler.v),
    // before the record writer reads them: take it then.
    integer n_b = 0;
    reg [111:0] blocks [0:15];
    reg         b_valid_q = 1'b0;
    always @(posedge clk) begin
        b_valid_q <= b_valid;
        if (b_valid_q) begin
            blocks[n_b] = b_rec;
            n_b = n_b + 1;
        end
    end

    task sample(input [11:0] v, input [11:0] a);
        begin
            @(negedge clk);
            s_v = v; s_a = a; s_ts = now[19:0]; s_full = now; s_valid = 1'b1;
            @(negedge clk);
            s_valid = 1'b0;
            repeat (14) @(negedge clk);   // 4 ticks between samples
        end
    endtask

    // ---- sniffer -------------------------------------------------------------
    reg         line = 1'b1;
    wire        byte_valid, err_valid, quiet;
    wire [55:0] byte_rec;
    wire [19:0] err_ts;
    sniffer #(.TS_W(48), .ST_W(20)) sniff (
        .clk(clk), .rst(rst), .now(now), .bit_clocks(16'd104), .rx(line),
        .byte_valid(byte_valid), .byte_rec(byte_rec), .err_valid(err_valid), .err_ts(err_ts),
        .quiet(quiet)
    );
    integer n_bytes = 0, n_err = 0;
    integer cycle = 0, byte_at = 0, quiet_at = 0;  // clock counts
    reg     quiet_q = 1'b1;
    reg [55:0] last_rec;
    always @(posedge clk) begin
        cycle = cycle + 1;
        quiet_q <= quiet;
        if (quiet && !quiet_q) quiet_at = cycle;
        if (byte_valid) begin n_bytes = n_bytes + 1; last_rec = byte_rec; byte_at = cycle; end
        if (err_valid) n_err = n_err + 1;
    end
    reg [47:0] start_at;
    task uart_byte(input [7:0] b, input stop);
        integer i;
        begin
            @(negedge clk);
            line = 1'b0; start_at = now;
            repeat (104) @(negedge clk);
            for (i = 0; i < 8; i = i + 1) begin
                line = b[i];
                repeat (104) @(negedge clk);
            end
            line = stop;
            repeat (104) @(negedge clk);
            line = 1'b1;
            repeat (20) @(negedge clk);
        end
    endtask

    reg [19:0] t_change;
    reg [47:0] t_first;
    integer i;
    initial begin
        repeat (4) @(negedge clk);
        rst = 1'b0;
        // Debounce: a 5-tick glitch is ignored, a 20-tick level is accepted
        // with the tick it began.
        pin = 1'b1; repeat (4 * 5) @(negedge clk); pin = 1'b0;
        repeat (4 * 20) @(negedge clk);
        if (n_edges != 0) fail("glitch passed the debouncer");
        pin = 1'b1; t_change = now[19:0];
        repeat (4 * 20) @(negedge clk);
        if (n_edges != 1 || level !== 1'b1) fail("steady level not accepted");
        else if (edge_ts < t_change || edge_ts > t_change + 1) fail("edge not stamped with its first tick");
        else if (accepted_at - edge_ts != 20'd10) begin
            $display("  accepted %0d ticks after the stamp", accepted_at - edge_ts);
            fail("edge not accepted on the 10th tick of the hold");
        end
        // A low level of 9 ticks is a glitch; one of 10 ticks is accepted.
        pin = 1'b0; repeat (4 * 9) @(negedge clk); pin = 1'b1;
        repeat (4 * 20) @(negedge clk);
        if (n_edges != 1 || level !== 1'b1) fail("a 9-tick level passed the 10-tick hold");
        pin = 1'b0; repeat (4 * 10 + 2) @(negedge clk); pin = 1'b1;
        repeat (4 * 20) @(negedge clk);
        if (n_edges != 3) fail("a 10-tick level was not accepted");
        // Crossing and sampler on the same samples.
        @(negedge clk); restart = 1'b1; @(negedge clk); restart = 1'b0;
        sample(12'd2500, 12'd10);   // first sample: high, no event
        t_first = s_full;
        if (n_x != 0 || high !== 1'b1) fail("first sample produced an event or wrong state");
        sample(12'd2000, 12'd20);   // in the band: nothing
        if (n_x != 0) fail("event inside the hysteresis band");
        sample(12'd1999, 12'd30);   // below fall
        if (n_x != 1 || x_rise || x_code !== 12'd1999 || x_ts !== s_ts) fail("no RAIL_FALL at 1999");
        sample(12'd2199, 12'd40);
        if (n_x != 1) fail("rise below the rise code");
        sample(12'd2200, 12'd50);
        if (n_x != 2 || !x_rise || x_code !== 12'd2200) fail("no RAIL_RISE at 2200");
        for (i = 0; i < 6; i = i + 1) sample(12'd100 + i, 12'd7);
        // Samples every 4 ticks, blocks of 10 ticks starting at the first sample.
        if (n_b < 4) fail("too few sample blocks");
        else begin
            for (i = 0; i < 4; i = i + 1) begin
                if (blocks[i][47:0] !== t_first + 10 * i) begin
                    $display("  block %0d at %h, want %h", i, blocks[i][47:0], t_first + 10 * i);
                    fail("block ticks not 10 apart from the first sample's");
                end
            end
            // Block 0 holds samples 0..2 (ticks +0, +4, +8): v 1999..2500, a 10..30.
            if (blocks[0][63:48] !== 16'd1999 || blocks[0][79:64] !== 16'd2500 ||
                blocks[0][95:80] !== 16'd10 || blocks[0][111:96] !== 16'd30) begin
                $display("  block 0: %h", blocks[0]);
                fail("block 0 min/max wrong");
            end
        end
        // Sniffer.
        uart_byte(8'h4f, 1'b1);
        if (n_bytes != 1 || last_rec[55:48] !== 8'h4f) fail("sniffed byte wrong");
        else if (last_rec[47:0] < start_at || last_rec[47:0] > start_at + 1) fail("byte not stamped at its start bit");
        if (quiet) fail("quiet right after a byte");
        repeat (104 * 22) @(negedge clk);
        if (!quiet) fail("not quiet after two character times");
        else if (quiet_at - byte_at != 20 * 104) begin
            $display("  quiet %0d clocks after the byte", quiet_at - byte_at);
            fail("quiet not exactly 20 bit times after the byte");
        end
        uart_byte(8'h0a, 1'b0);
        if (n_err != 1 || n_bytes != 1) fail("framing error not reported");
        if (errors == 0) $display("PASS");
        $finish;
    end
endmodule
`default_nettype wire
