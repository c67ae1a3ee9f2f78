`timescale 1ns / 1ps
`default_nettype none
// The safety modules on their own. overload_trip: a sample at the limit
// trips (>=), below does not, the trip latches with its code and stamp until
// clear, each channel separately. watchdog: trips exactly timeout_ms after
// the last heartbeat while armed, never while disarmed, latches until clear.
// output_guard: rail enable active low and off from the start, CH signals
// released whenever the rail is off, the safe state on a trip with the rail
// forced off for an overload.
module tb_safety;
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

    // Tick every 4 clocks (so 4000 clocks per "millisecond" at TICK_HZ 1000 kHz).
    reg [1:0]  div = 2'd0;
    wire       tick = (div == 2'd3);
    reg [19:0] now = 20'd0;
    always @(posedge clk) begin
        div <= div + 1'b1;
        if (tick) now <= now + 1'b1;
    end

    // ---- overload_trip ---------------------------------------------------
    reg         clear = 1'b0, in_valid = 1'b0;
    reg  [11:0] in_v = 12'd0, in_a = 12'd0;
    wire        ovp, ocp, ovp_trip, ocp_trip;
    wire [11:0] v_code, a_code;
    wire [19:0] v_ts, a_ts;
    overload_trip #(.TS_W(20), .TRIP_SAMPLES(1)) trip (
        .clk(clk), .rst(rst), .clear(clear), .ovp_code(16'd3900), .ocp_code(16'd3000),
        .in_valid(in_valid), .in_v(in_v), .in_a(in_a), .in_ts(now),
        .ovp(ovp), .ocp(ocp), .ovp_trip(ovp_trip), .ocp_trip(ocp_trip),
        .v_code(v_code), .a_code(a_code), .v_ts(v_ts), .a_ts(a_ts)
    );
    // Limits just above the 12-bit codes (4096, 0x8FFF): never reached.
    wire hi_ovp, hi_ocp;
    /* verilator lint_off PINCONNECTEMPTY */
    overload_trip #(.TS_W(20), .TRIP_SAMPLES(1)) trip_hi (
        .clk(clk), .rst(rst), .clear(clear), .ovp_code(16'h1000), .ocp_code(16'h8fff),
        .in_valid(in_valid), .in_v(in_v), .in_a(in_a), .in_ts(now),
        .ovp(hi_ovp), .ocp(hi_ocp), .ovp_trip(), .ocp_trip(),
        .v_code(), .a_code(), .v_ts(), .a_ts()
    );
    /* verilator lint_on PINCONNECTEMPTY */
    integer n_ovp = 0, n_ocp = 0;
    always @(posedge clk) begin
        if (ovp_trip) n_ovp = n_ovp + 1;
        if (ocp_trip) n_ocp = n_ocp + 1;
    end
    reg [19:0] sample_ts;
    task sample(input [11:0] v, input [11:0] a);
        begin
            @(negedge clk);
            in_v = v; in_a = a; in_valid = 1'b1; sample_ts = now;
            @(negedge clk);
            in_valid = 1'b0;
            repeat (2) @(negedge clk);
        end
    endtask

    // ---- watchdog ------------------------------------------------------------
    reg        armed = 1'b0, heartbeat = 1'b0, wd_clear = 1'b0;
    wire       wd_tripped, wd_pulse;
    watchdog #(.TICK_HZ(1_000_000)) wd (
        .clk(clk), .rst(rst), .tick(tick), .armed(armed), .heartbeat(heartbeat),
        .clear(wd_clear), .timeout_ms(16'd3), .tripped(wd_tripped), .trip_pulse(wd_pulse)
    );
    integer trip_clock = -1, hb_clock = 0, cycle = 0;
    always @(posedge clk) begin
        cycle <= cycle + 1;
        if (wd_pulse) trip_clock <= cycle;
    end

    // ---- output_guard --------------------------------------------------------
    reg        g_tripped = 1'b0, g_overload = 1'b0, g_seq_active = 1'b0;
    reg  [1:0] seq_pins = 2'b00, man_pins = 2'b00, safe_pins = 2'b00;
    reg [15:0] seq_code = 16'd0, man_code = 16'd0, safe_code = 16'd0;
    wire       rail_on, rail_en_n, ac_lost_pull, host_present_pull;
    wire [15:0] dac_code;
    output_guard guard (
        .clk(clk), .rst(rst), .tripped(g_tripped), .overload(g_overload),
        .seq_active(g_seq_active), .seq_pins(seq_pins), .seq_code(seq_code),
        .man_pins(man_pins), .man_code(man_code), .safe_pins(safe_pins),
        .safe_code(safe_code), .rail_on(rail_on), .rail_en_n(rail_en_n),
        .ac_lost_pull(ac_lost_pull), .host_present_pull(host_present_pull), .dac_code(dac_code)
    );
    task settle;
        begin
            repeat (2) @(negedge clk);
        end
    endtask

    initial begin
        #1;
        if (rail_en_n !== 1'b1) fail("rail enable not high before the first clock");
        repeat (4) @(negedge clk);
        rst = 1'b0;
        if (rail_en_n !== 1'b1 || ac_lost_pull !== 1'b0 || host_present_pull !== 1'b0)
            fail("guard outputs not off after reset");

        // Overload trips.
        sample(12'd4095, 12'd4095);
        if (hi_ovp || hi_ocp) fail("a limit above 4095 tripped");
        clear = 1'b1; @(negedge clk); clear = 1'b0;
        n_ovp = 0; n_ocp = 0;
        sample(12'd3899, 12'd2999);
        if (ovp || ocp || n_ovp != 0) fail("tripped below the limits");
        sample(12'd3900, 12'd100);
        if (!ovp || ocp || n_ovp != 1 || v_code !== 12'd3900 || v_ts !== sample_ts)
            fail("OVP at the limit not latched with its code and stamp");
        sample(12'd100, 12'd100);
        if (!ovp) fail("OVP not latched");
        sample(12'd4000, 12'd100);
        if (n_ovp != 1) fail("a latched OVP tripped again");
        sample(12'd100, 12'd3000);
        if (!ocp || n_ocp != 1 || a_code !== 12'd3000) fail("OCP at the limit not latched");
        @(negedge clk); clear = 1'b1; @(negedge clk); clear = 1'b0;
        if (ovp || ocp) fail("clear did not release the trips");
        sample(12'd3950, 12'd3950);
        if (!ovp || !ocp || n_ovp != 2 || n_ocp != 2) fail("both channels did not trip together");

        // Watchdog: disarmed it never trips.
        repeat (4 * 1000 * 5) @(negedge clk);
        if (wd_tripped) fail("watchdog tripped while disarmed");
        armed = 1'b1;
        repeat (4 * 1000 * 2) @(negedge clk);
        @(negedge clk); heartbeat = 1'b1; hb_clock = cycle; @(negedge clk); heartbeat = 1'b0;
        repeat (4 * 1000 * 2) @(negedge clk);
        if (wd_tripped) fail("watchdog tripped 2 ms after a heartbeat (timeout 3 ms)");
        repeat (4 * 1000 * 2) @(negedge clk);
        if (!wd_tripped) fail("watchdog did not trip after 3 ms");
        else if (trip_clock - hb_clock < 4 * 3000 - 8 || trip_clock - hb_clock > 4 * 3000 + 8) begin
            $display("  tripped %0d clocks after the heartbeat", trip_clock - hb_clock);
            fail("watchdog trip not 3 ms after the heartbeat");
        end
        @(negedge clk); heartbeat = 1'b1; @(negedge clk); heartbeat = 1'b0;
        if (!wd_tripped) fail("a heartbeat cleared a latched watchdog trip");
        @(negedge clk); wd_clear = 1'b1; @(negedge clk); wd_clear = 1'b0;
        if (wd_tripped) fail("clear did not release the watchdog");

        // Output guard.
        man_pins = 2'b11; man_code = 16'd1234; settle();
        if (rail_en_n !== 1'b0 || ac_lost_pull !== 1'b1 || host_present_pull !== 1'b1 || dac_code !== 16'd1234)
            fail("manual outputs not applied");
        man_pins = 2'b10; settle();
        if (rail_en_n !== 1'b1 || ac_lost_pull !== 1'b0 || host_present_pull !== 1'b0)
            fail("CH signals not released with the rail off");
        g_seq_active = 1'b1; seq_pins = 2'b01; seq_code = 16'd777; settle();
        if (rail_en_n !== 1'b0 || ac_lost_pull !== 1'b0 || dac_code !== 16'd777)
            fail("sequencer outputs not applied while active");
        safe_pins = 2'b01; safe_code = 16'd555; g_tripped = 1'b1; settle();
        if (rail_en_n !== 1'b0 || dac_code !== 16'd555) fail("watchdog safe state not applied");
        g_overload = 1'b1; settle();
        if (rail_en_n !== 1'b1 || host_present_pull !== 1'b0) fail("overload did not force the rail off");
        if (errors == 0) $display("PASS");
        $finish;
    end
endmodule
`default_nettype wire
