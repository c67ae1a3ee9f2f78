`timescale 1ns / 1ps
`default_nettype none
// Sequencer timing to the tick (docs/protocol.md, "SEGMENT"): pins and DAC
// code at every tick of a profile with a hold, an up-ramp, an ALERT wait
// ended by its condition, a down-ramp and an overshooting ramp stopped at
// its end code (LAST); then a wait that times out followed by an underrun,
// a HOST wait released by the host, and STOP. Ticks come every 3 clocks.
module tb_sequencer;
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #41.667 clk = ~clk;

    integer errors = 0;
    task fail(input [8*72:1] what);
        begin
            $display("FAIL: %0s (tick %0d)", what, now);
            errors = errors + 1;
        end
    endtask

    // Tick every third clock and the tick counter.
    reg [1:0]  div = 2'd0;
    wire       tick = (div == 2'd2);
    reg [19:0] now = 20'd0;
    always @(posedge clk) begin
        div <= (div == 2'd2) ? 2'd0 : div + 1'b1;
        if (tick) now <= now + 1'b1;
    end

    // Segment FIFO.
    reg  [159:0] wr_data = 160'd0;
    reg          wr_en = 1'b0;
    reg          fifo_clear = 1'b0;
    wire         rd_en, rd_valid, empty;
    wire [159:0] rd_data;
    sync_fifo #(.WIDTH(160), .DEPTH(16)) fifo (
        .clk(clk), .rst(rst), .clear(fifo_clear), .wr_data(wr_data), .wr_en(wr_en),
        .rd_en(rd_en), .rd_data(rd_data), .rd_valid(rd_valid), .empty(empty), .full(),
        .level(), .overflow(), .underflow()
    );

    reg arm = 1'b0, start = 1'b0, stop = 1'b0;
    reg release_hit = 1'b0, alert = 1'b0, chp = 1'b0, rise = 1'b0, fall = 1'b0;
    wire [1:0]  state, pins;
    wire [15:0] code;
    wire [31:0] seg_id;
    wire [2:0]  wait_on;
    wire        a_valid, b_valid;
    wire [7:0]  a_kind, a_arg, b_kind;
    wire [31:0] a_value, b_value;
    wire [19:0] a_tick, b_tick;
    sequencer #(.TS_W(20), .REC_W(160)) dut (
        .clk(clk), .rst(rst), .tick(tick), .now(now), .arm(arm), .start(start), .stop(stop),
        .release_hit(release_hit), .alert_edge(alert), .ch_present(chp), .rail_rise(rise),
        .rail_fall(fall), .fifo_rd(rd_en), .fifo_data(rd_data), .fifo_valid(rd_valid),
        .fifo_empty(empty), .state(state), .pins(pins), .code(code), .seg_id(seg_id),
        .wait_on(wait_on), .a_valid(a_valid), .a_kind(a_kind), .a_arg(a_arg),
        .a_value(a_value), .a_tick(a_tick), .b_valid(b_valid), .b_kind(b_kind),
        .b_value(b_value), .b_tick(b_tick)
    );

    // Event log.
    integer ne = 0;
    reg [7:0]  ev_kind [0:63];
    reg [31:0] ev_val [0:63];
    reg [19:0] ev_tick [0:63];
    always @(posedge clk) begin
        if (a_valid && b_valid) begin
            ev_kind[ne] <= a_kind; ev_val[ne] <= a_value; ev_tick[ne] <= a_tick;
            ev_kind[ne + 1] <= b_kind; ev_val[ne + 1] <= b_value; ev_tick[ne + 1] <= b_tick;
            ne <= ne + 2;
        end else if (a_valid) begin
            ev_kind[ne] <= a_kind; ev_val[ne] <= a_value; ev_tick[ne] <= a_tick;
            ne <= ne + 1;
        end else if (b_valid) begin
            ev_kind[ne] <= b_kind; ev_val[ne] <= b_value; ev_tick[ne] <= b_tick;
            ne <= ne + 1;
        end
    end

    // Outputs as seen during each tick (sampled just before the next tick).
    reg [1:0]  pins_at [0:16383];
    reg [15:0] code_at [0:16383];
    always @(posedge clk) begin
        if (div == 2'd1) begin
            pins_at[now[13:0]] <= pins;
            code_at[now[13:0]] <= code;
        end
    end

    task push(input [31:0] id, input [47:0] dur, input [15:0] s, input [15:0] e,
              input [31:0] slope, input [1:0] p, input last, input [2:0] w);
        begin
            @(negedge clk);
            wr_data = {5'd0, w, last, 5'd0, p, slope, e, s, dur, id};  // the SEGMENT payload
            wr_en = 1'b1;
            @(negedge clk);
            wr_en = 1'b0;
        end
    endtask

    task pulse_start;
        begin
            @(negedge clk); arm = 1'b1; @(negedge clk); arm = 1'b0;
            repeat (5) @(negedge clk);
            start = 1'b1; @(negedge clk); start = 1'b0;
        end
    endtask

    task wait_ticks(input integer n);
        integer i;
        begin
            for (i = 0; i < n; i = i + 1) @(posedge tick);
        end
    endtask

    task check_ev(input integer i, input [7:0] kind, input [31:0] value, input [19:0] t);
        begin
            if (ev_kind[i] !== kind || ev_val[i] !== value || ev_tick[i] !== t) begin
                $display("  event %0d: kind %h value %0d tick %0d; want %h %0d %0d",
                         i, ev_kind[i], ev_val[i], ev_tick[i], kind, value, t);
                fail("event differs");
            end
        end
    endtask

    task check_out(input [19:0] t, input [1:0] p, input [15:0] c);
        begin
            if (pins_at[t[13:0]] !== p || code_at[t[13:0]] !== c) begin
                $display("  tick %0d: pins %b code %0d; want %b %0d", t, pins_at[t[13:0]],
                         code_at[t[13:0]], p, c);
                fail("output differs");
            end
        end
    endtask

    integer i;
    reg [19:0] t0, d;
    initial begin
        repeat (4) @(negedge clk);
        rst = 1'b0;
        if (state !== 2'd0 || pins !== 2'b00) fail("not idle and off after reset");
        // Profile 1.
        push(100, 5, 1000, 1000, 0, 2'b00, 1'b0, 3'd0);
        push(101, 10, 1000, 2000, 32'd1677721600, 2'b01, 1'b0, 3'd0);
        push(102, 100, 2000, 2000, 0, 2'b11, 1'b0, 3'd2);
        push(103, 4, 2000, 1990, -32'sd41943040, 2'b01, 1'b0, 3'd0);
        push(104, 6, 500, 503, 32'd33554432, 2'b01, 1'b1, 3'd0);
        pulse_start();
        wait (ne == 1);
        t0 = ev_tick[0];
        wait_ticks(30);
        // Pulses land between ticks (a condition seen on a tick clock counts
        // for the tick that clock starts).
        @(negedge clk); while (div != 2'd0) @(negedge clk);
        alert = 1'b1; d = now; @(negedge clk); alert = 1'b0;
        wait (state == 2'd3);
        wait_ticks(3);
        if (ne != 7) fail("profile 1: wrong number of events");
        check_ev(0, 8'h05, 100, t0);
        check_ev(1, 8'h05, 101, t0 + 5);
        check_ev(2, 8'h05, 102, t0 + 15);
        check_ev(3, 8'h06, 102, d);
        check_ev(4, 8'h05, 103, d + 1);
        check_ev(5, 8'h05, 104, d + 5);
        check_ev(6, 8'h08, 104, d + 11);
        for (i = 0; i < 5; i = i + 1) check_out(t0 + i, 2'b00, 1000);
        for (i = 0; i < 10; i = i + 1) check_out(t0 + 5 + i, 2'b01, 1000 + 100 * i);
        for (i = 15; i <= d - t0; i = i + 1) check_out(t0 + i, 2'b11, 2000);
        check_out(d + 1, 2'b01, 2000);
        check_out(d + 2, 2'b01, 1997);
        check_out(d + 3, 2'b01, 1995);
        check_out(d + 4, 2'b01, 1992);
        check_out(d + 5, 2'b01, 500);
        check_out(d + 6, 2'b01, 502);
        for (i = 7; i < 14; i = i + 1) check_out(d + i, 2'b01, 503);
        if (state !== 2'd3) fail("not DONE after the LAST entry");

        $display("profile 1 done");
        // Profile 2: a wait that times out, then an underrun.
        @(negedge clk); stop = 1'b1; @(negedge clk); stop = 1'b0;
        if (state !== 2'd0) fail("STOP did not return to IDLE");
        ne = 0;
        push(200, 7, 0, 0, 0, 2'b01, 1'b0, 3'd3);
        pulse_start();
        wait (state == 2'd0);
        wait_ticks(2);
        if (ne != 3) fail("profile 2: wrong number of events");
        t0 = ev_tick[0];
        check_ev(0, 8'h05, 200, t0);
        check_ev(1, 8'h07, 200, t0 + 6);
        check_ev(2, 8'h09, 200, t0 + 7);

        $display("profile 2 done, ne %0d", ne);
        // Profile 3: a HOST wait released, and a CH-present level already
        // true when its wait starts (ends one tick later).
        ne = 0;
        push(300, 1000, 0, 0, 0, 2'b01, 1'b0, 3'd1);
        push(301, 1000, 0, 0, 0, 2'b01, 1'b0, 3'd3);
        push(302, 3, 0, 0, 0, 2'b00, 1'b1, 3'd0);
        pulse_start();
        wait (ne == 1);
        wait_ticks(10);
        chp = 1'b1;
        @(negedge clk); while (div != 2'd0) @(negedge clk);
        release_hit = 1'b1; d = now; @(negedge clk); release_hit = 1'b0;
        wait (state == 2'd3);
        wait_ticks(2);
        chp = 1'b0;
        if (ne != 6) fail("profile 3: wrong number of events");
        check_ev(1, 8'h06, 300, d);
        check_ev(2, 8'h05, 301, d + 1);
        check_ev(3, 8'h06, 301, d + 1);
        check_ev(4, 8'h05, 302, d + 2);
        check_ev(5, 8'h08, 302, d + 5);
        $display("profile 3 done");

        // Profile 4: the ramp of docs/protocol.md, 43690 -> 30000 in 5000
        // ticks (slope -45 936 017): code 30002 at its last tick T + 4999.
        ne = 0;
        push(400, 5000, 43690, 30000, -32'sd45936017, 2'b01, 1'b0, 3'd0);
        push(401, 3, 30000, 30000, 0, 2'b01, 1'b1, 3'd0);
        @(negedge clk); stop = 1'b1; @(negedge clk); stop = 1'b0;
        pulse_start();
        wait (ne == 1);
        t0 = ev_tick[0];
        wait (state == 2'd3);
        wait_ticks(2);
        check_out(t0, 2'b01, 43690);
        check_out(t0 + 1, 2'b01, 43687);
        check_out(t0 + 4999, 2'b01, 30002);
        check_out(t0 + 5000, 2'b01, 30000);
        if (errors == 0) $display("PASS");
        $finish;
    end

    initial begin
        #50_000_000;
        $display("FAIL: time-out");
        $finish;
    end
endmodule
`default_nettype wire
