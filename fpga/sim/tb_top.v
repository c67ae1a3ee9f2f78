`timescale 1ns / 1ps
`default_nettype none
// The whole gateware (railcut_top with the SB_IO model) driven through its
// 3 Mbaud UART like the host would: golden IDENTIFY/CONFIGURE/PINS frames
// from docs/protocol.md, a corrupted frame and a resync, a profile played
// to the tick, the DAC words on the SPI wire, the clamp NAK, rail threshold
// crossings and an alert edge, an over-voltage trip, a watchdog trip, and
// the CH signals released whenever the rail is off. ADC and DAC are
// modelled at the pins (AD7476A, AD5541A).
module tb_top;
    reg clk = 1'b0;
    always #41.667 clk = ~clk;
    reg host_rst = 1'b1;      // the host-side models' reset
    reg checking = 1'b0;      // pin checks start once the FPGA is out of reset

    integer errors = 0;
    task fail(input [8*72:1] what);
        begin
            $display("FAIL: %0s (t=%0t)", what, $time);
            errors = errors + 1;
        end
    endtask

    `include "link_vectors.vh"

    // ---- device under test -------------------------------------------------
    wire host_tx, fpga_tx;
    wire rail_en_n;
    tri  ac_lost_n, host_present_n;   // no pull-ups: a released line reads z
    reg  ch_present_n = 1'b1, alert_in = 1'b0, ch_debug = 1'b1;
    wire dac_cs_n, dac_mosi, dac_ldac_n, dac_sclk, adc_cs_n, adc_sclk;
    wire adc_miso_v, adc_miso_a;
    wire led_rail, led_trip;
    railcut_top #(.BOARD_ID(16'd1), .MAX_DAC_CODE(16'd60000)) dut (
        .clk_12mhz(clk), .ftdi_txd(host_tx), .ftdi_rxd(fpga_tx), .rail_en_n(rail_en_n),
        .ac_lost_n(ac_lost_n), .host_present_n(host_present_n), .ch_present_n(ch_present_n),
        .alert_in(alert_in), .ch_debug_rx(ch_debug), .dac_cs_n(dac_cs_n), .dac_mosi(dac_mosi),
        .dac_ldac_n(dac_ldac_n), .dac_sclk(dac_sclk), .adc_cs_n(adc_cs_n),
        .adc_miso_v(adc_miso_v), .adc_miso_a(adc_miso_a), .adc_sclk(adc_sclk),
        .led_rail(led_rail), .led_trip(led_trip)
    );
    wire [47:0] now = dut.u_core.now;

    // ---- ADC model: AD7476A x2, 4 leading zeros then 12 bits on SCLK falls ----
    reg  [11:0] adc_v = 12'd0, adc_a = 12'd100;
    reg  [15:0] fv, fa;
    integer     abit;
    reg         dv = 1'b0, da = 1'b0;
    assign adc_miso_v = adc_cs_n ? 1'bz : dv;
    assign adc_miso_a = adc_cs_n ? 1'bz : da;
    always @(negedge adc_cs_n) begin
        fv = {4'd0, adc_v}; fa = {4'd0, adc_a}; abit = 0;
        dv = fv[15]; da = fa[15];
    end
    always @(negedge adc_sclk) if (!adc_cs_n) begin
        abit = abit + 1;
        dv = (abit < 16) ? fv[15 - abit] : 1'b0;
        da = (abit < 16) ? fa[15 - abit] : 1'b0;
    end

    // ---- DAC model: AD5541A, 16 bits on SCLK rises, updates on CS rise ----
    reg [15:0] dac_shift = 16'd0, dac_out = 16'hxxxx;
    reg [15:0] dac_top = 16'hxxxx;  // highest ramp word seen (1000..1399)
    integer    dac_bits = 0, dac_words = 0;
    always @(negedge dac_cs_n) dac_bits = 0;
    always @(posedge dac_sclk) if (!dac_cs_n) begin
        dac_shift = {dac_shift[14:0], dac_mosi};
        dac_bits = dac_bits + 1;
    end
    always @(posedge dac_cs_n) if (checking) begin
        if (dac_bits != 16) fail("DAC transfer not 16 bits");
        if (dac_ldac_n !== 1'b0) fail("LDAC not held low");
        dac_out = dac_shift;
        dac_words = dac_words + 1;
        if (dac_shift >= 16'd1000 && dac_shift < 16'd1400 && (dac_top === 16'hxxxx || dac_shift > dac_top))
            dac_top = dac_shift;
    end

    // ---- host side of the link -------------------------------------------
    reg  [7:0] h_data = 8'd0;
    reg        h_valid = 1'b0;
    wire       h_ready;
    uart_tx #(.CLKS_PER_BIT(4)) host_uart_tx (
        .clk(clk), .rst(host_rst), .data(h_data), .valid(h_valid), .ready(h_ready), .tx(host_tx)
    );
    wire [7:0] r_data;
    wire       r_valid;
    uart_rx #(.DIV_W(4)) host_uart_rx (
        .clk(clk), .rst(host_rst), .clks_per_bit(4'd4), .rx(fpga_tx), .data(r_data),
        .valid(r_valid), .frame_err(), .start()
    );
    reg        r_tick = 1'b0;
    wire       f_valid, f_crc, f_drop;
    wire [7:0] f_type, f_seq;
    wire [6:0] f_len;
    wire         f_pl_valid;
    wire [6:0]   f_pl_index;
    wire [7:0]   f_pl_data;
    reg  [511:0] f_payload = 512'd0;
    frame_rx #(.TIMEOUT_TICKS(1000)) host_frame_rx (
        .clk(clk), .rst(host_rst), .tick(r_tick), .in_data(r_data), .in_valid(r_valid),
        .frame_valid(f_valid), .frame_type(f_type), .frame_seq(f_seq), .frame_len(f_len),
        .pl_valid(f_pl_valid), .pl_index(f_pl_index), .pl_data(f_pl_data),
        .crc_error(f_crc), .dropped(f_drop)
    );
    always @(posedge clk) begin
        if (f_pl_valid) f_payload[8 * f_pl_index +: 8] <= f_pl_data;
    end

    // Received frames, by kind: the last of each, and counts.
    integer n_any = 0, n_ack = 0, n_nak = 0, n_status = 0, n_ident = 0, n_samples = 0;
    reg [511:0] last_ack, last_nak, last_status, last_ident, last_samples;
    reg [7:0]   last_ident_seq;
    // Events: every record of every EVENTS frame.
    integer     n_ev = 0;
    reg [47:0]  ev_tick [0:255];
    reg [7:0]   ev_kind [0:255];
    reg [7:0]   ev_arg [0:255];
    reg [31:0]  ev_val [0:255];
    integer     k;
    always @(posedge clk) begin
        if (f_crc) fail("host saw a CRC error on an FPGA frame");
        if (f_valid) begin
            if ($test$plusargs("trace")) $display("%0t frame %h seq %0d len %0d %h", $time, f_type, f_seq, f_len, f_payload[63:0]);
            n_any = n_any + 1;
            case (f_type)
                8'h81: begin n_ident = n_ident + 1; last_ident = f_payload; last_ident_seq = f_seq; end
                8'h82: begin n_samples = n_samples + 1; last_samples = f_payload; end
                8'h83: begin
                    for (k = 0; k < f_payload[7:0]; k = k + 1) begin
                        ev_tick[n_ev] = f_payload[8 + 96*k +: 48];
                        ev_kind[n_ev] = f_payload[56 + 96*k +: 8];
                        ev_arg[n_ev] = f_payload[64 + 96*k +: 8];
                        ev_val[n_ev] = f_payload[72 + 96*k +: 32];
                        n_ev = n_ev + 1;
                    end
                end
                8'h85: begin n_status = n_status + 1; last_status = f_payload; end
                8'h86: begin n_ack = n_ack + 1; last_ack = f_payload; end
                8'h87: begin n_nak = n_nak + 1; last_nak = f_payload; end
                default: ;
            endcase
        end
    end

    task send_byte(input [7:0] b);
        begin
            @(negedge clk);
            h_data = b;
            h_valid = 1'b1;
            @(posedge clk);
            while (!h_ready) @(posedge clk);
            @(negedge clk);
            h_valid = 1'b0;
        end
    endtask

    task send_vector(input integer v);
        integer i;
        begin
            for (i = 0; i < vlen[v]; i = i + 1) send_byte(vbytes[v*MAXB + i]);
        end
    endtask

    // A frame built here: payload bytes in pl[0..len-1].
    reg [7:0] pl [0:63];
    reg [7:0] h_seq = 8'd100;
    function [15:0] crc_step(input [15:0] c, input [7:0] d);
        integer b;
        begin
            crc_step = c;
            for (b = 7; b >= 0; b = b - 1)
                crc_step = {crc_step[14:0], 1'b0} ^ ((crc_step[15] ^ d[b]) ? 16'h1021 : 16'h0);
        end
    endfunction
    task send_frame(input [7:0] t, input integer len);
        reg [15:0] c;
        integer i;
        begin
            c = 16'hffff;
            c = crc_step(c, t); c = crc_step(c, h_seq); c = crc_step(c, len[7:0]);
            for (i = 0; i < len; i = i + 1) c = crc_step(c, pl[i]);
            send_byte(8'ha5); send_byte(8'h5a); send_byte(t); send_byte(h_seq); send_byte(len[7:0]);
            for (i = 0; i < len; i = i + 1) send_byte(pl[i]);
            send_byte(c[15:8]); send_byte(c[7:0]);
            h_seq = h_seq + 1'b1;
        end
    endtask

    task segment(input [31:0] id, input [47:0] dur, input [15:0] s, input [15:0] e,
                 input [31:0] slope, input [7:0] pins, input [7:0] w);
        begin
            {pl[3], pl[2], pl[1], pl[0]} = id;
            {pl[9], pl[8], pl[7], pl[6], pl[5], pl[4]} = dur;
            {pl[11], pl[10]} = s;
            {pl[13], pl[12]} = e;
            {pl[17], pl[16], pl[15], pl[14]} = slope;
            pl[18] = pins;
            pl[19] = w;
            send_frame(8'h03, 20);
        end
    endtask

    task configure(input [15:0] watchdog_ms, input [7:0] flags);
        begin
            {pl[3], pl[2], pl[1], pl[0]} = 32'd50;
            {pl[5], pl[4]} = 16'd2000;
            {pl[7], pl[6]} = 16'd2200;
            {pl[9], pl[8]} = 16'd3900;
            {pl[11], pl[10]} = 16'd3000;
            {pl[13], pl[12]} = 16'd0;
            {pl[15], pl[14]} = watchdog_ms;
            {pl[17], pl[16]} = 16'd100;
            {pl[19], pl[18]} = 16'd104;
            pl[20] = 8'd0;
            pl[21] = flags;
            send_frame(8'h02, 22);
        end
    endtask

    task wait_clocks(input integer n);
        begin
            repeat (n) @(negedge clk);
        end
    endtask

    // Answers come within a few frame times (the link may be busy with
    // SAMPLES); give them 8000 clocks.
    task expect_ack(input integer n0, input [7:0] t);
        integer w;
        begin
            for (w = 0; w < 8000 && n_ack == n0; w = w + 1) @(negedge clk);
            wait_clocks(20);
            if (n_ack != n0 + 1) fail("no ACK");
            else if (last_ack[7:0] !== t) fail("ACK for the wrong type");
        end
    endtask

    task expect_nak(input integer n0, input [7:0] t, input [7:0] reason, input [7:0] offset);
        integer w;
        begin
            for (w = 0; w < 8000 && n_nak == n0; w = w + 1) @(negedge clk);
            wait_clocks(20);
            if (n_nak != n0 + 1) fail("no NAK");
            else if (last_nak[7:0] !== t || last_nak[23:16] !== reason || last_nak[31:24] !== offset) begin
                $display("  NAK %h", last_nak[31:0]);
                fail("NAK type, reason or offset differs");
            end
        end
    endtask

    function integer find_ev(input [7:0] kind, input integer from);
        integer i;
        begin
            find_ev = -1;
            for (i = n_ev - 1; i >= from; i = i - 1) if (ev_kind[i] == kind) find_ev = i;
        end
    endfunction

    // Every rail enable edge, with the tick it happened on.
    integer    n_edges = 0;
    reg [47:0] edge_tick [0:63];
    reg        edge_level [0:63];
    always @(rail_en_n) if ($time > 0) begin
        edge_tick[n_edges] = now;
        edge_level[n_edges] = rail_en_n;
        n_edges = n_edges + 1;
    end

    // CH signals are never driven while the rail is off.
    always @(posedge clk) begin
        if (checking && rail_en_n !== 1'b0 && (ac_lost_n !== 1'bz || host_present_n !== 1'bz))
            fail("CH signal driven while the rail is off");
    end

    integer v, n0, e0, i;
    reg [47:0] t_start;
    initial begin
        load_vectors();
        #1;
        if (rail_en_n !== 1'b1) fail("rail enable not off at configuration");
        wait_clocks(4);
        host_rst = 1'b0;
        checking = 1'b1;
        wait_clocks(300);
        if (rail_en_n !== 1'b1 || led_rail !== 1'b0) fail("rail not off after reset");
        if (dac_words < 1 || dac_out !== 16'd0) fail("DAC not written with code 0 after reset");

        // IDENTIFY: the golden reply, byte for byte (this is the first frame, SEQ 0).
        send_vector(find("identify"));
        for (i = 0; i < 8000 && n_ident == 0; i = i + 1) @(negedge clk);
        v = find("identify_reply");
        if (n_ident != 1 || last_ident_seq !== 8'd0) fail("no IDENTIFY_REPLY");
        for (i = 0; i < 32; i = i + 1)
            if (last_ident[8*i +: 8] !== vbytes[v*MAXB + 5 + i]) fail("IDENTIFY_REPLY differs from the golden vector");

        // A corrupted CONFIGURE is ignored; the golden CONFIGURE is accepted.
        n0 = n_ack;
        send_vector(find("corrupt_configure"));
        wait_clocks(3000);
        if (n_ack != n0 || n_nak != 0) fail("corrupted frame answered");
        send_vector(find("configure"));
        expect_ack(n0, 8'h02);
        for (i = 0; i < 8000 && n_status == 0; i = i + 1) @(negedge clk);
        if (n_status < 1 || last_status[55:48] !== 8'd1) fail("no STATUS IDLE after CONFIGURE");
        // Resync: junk and a broken heartbeat n0 a good IDENTIFY.
        send_vector(find("resync_identify"));
        for (i = 0; i < 8000 && n_ident == 1; i = i + 1) @(negedge clk);
        if (n_ident != 2) fail("IDENTIFY after junk not answered");

        // PINS (golden): code 43690, rail on, AC Lost asserted.
        n0 = n_ack;
        send_vector(find("pins"));
        expect_ack(n0, 8'h07);
        wait_clocks(100);
        if (rail_en_n !== 1'b0) fail("PINS did not turn the rail on");
        if (ac_lost_n !== 1'b0 || host_present_n !== 1'b0) fail("CH signals not asserted with the rail on");
        if (dac_out !== 16'd43690) fail("DAC word is not 43690");
        // Rail off with AC Lost requested: both CH lines released.
        {pl[1], pl[0]} = 16'd43690; pl[2] = 8'h02;
        n0 = n_ack;
        send_frame(8'h07, 3);
        expect_ack(n0, 8'h07);
        if (rail_en_n !== 1'b1 || ac_lost_n !== 1'bz || host_present_n !== 1'bz)
            fail("CH signals not released with the rail off");
        // Clamp: a PINS code and a SEGMENT code above max_dac_code are refused.
        {pl[1], pl[0]} = 16'd60001; pl[2] = 8'h01;
        n0 = n_nak;
        send_frame(8'h07, 3);
        expect_nak(n0, 8'h07, 8'd6, 8'd0);
        n0 = n_nak;
        segment(32'd9, 48'd10, 16'd65535, 16'd0, 32'd0, 8'h01, 8'd0);
        expect_nak(n0, 8'h03, 8'd6, 8'd10);
        if (dac_out !== 16'd43690) fail("a refused code reached the DAC");
        n0 = n_nak;
        send_vector(find("start"));
        expect_nak(n0, 8'h05, 8'd4, 8'hff);

        // A profile: 20 ticks rail on at 1000, 30 ticks off with AC Lost, a
        // 40-tick ramp 1000 -> 1400 with the rail on, 10 ticks LAST.
        n0 = n_ack;
        segment(32'd10, 48'd20, 16'd1000, 16'd1000, 32'd0, 8'h01, 8'd0);
        expect_ack(n0, 8'h03);
        n0 = n_ack;
        segment(32'd11, 48'd30, 16'd1000, 16'd1000, 32'd0, 8'h02, 8'd0);
        expect_ack(n0, 8'h03);
        n0 = n_ack;
        segment(32'd12, 48'd40, 16'd1000, 16'd1400, 32'd10 << 24, 8'h01, 8'd0);
        expect_ack(n0, 8'h03);
        n0 = n_ack;
        segment(32'd13, 48'd10, 16'd1400, 16'd1400, 32'd0, 8'h81, 8'd0);
        expect_ack(n0, 8'h03);
        if (last_ack[31:16] !== 16'd60) fail("SEGMENT ACK does not report 60 free entries");
        e0 = n_ev;
        n_edges = 0;
        n0 = n_ack;
        send_vector(find("arm"));
        expect_ack(n0, 8'h04);
        send_frame(8'h05, 0);
        wait_clocks(12 * 120 + 20000);
        i = find_ev(8'h05, e0);
        if (i < 0) fail("no SEGMENT_START");
        else begin
            t_start = ev_tick[i];
            if (ev_val[i] !== 32'd10 || ev_tick[i+1] !== t_start + 20 || ev_tick[i+2] !== t_start + 50 ||
                ev_tick[i+3] !== t_start + 90 || ev_kind[i+4] !== 8'h08 || ev_tick[i+4] !== t_start + 100)
                fail("segment events not at start + 0, 20, 50, 90, end 100");
            if (n_edges != 3 || edge_tick[0] !== t_start || edge_level[0] !== 1'b0 ||
                edge_tick[1] !== t_start + 20 || edge_level[1] !== 1'b1 ||
                edge_tick[2] !== t_start + 50 || edge_level[2] !== 1'b0) begin
                $display("  %0d edges; first at %0d, start %0d", n_edges, edge_tick[0], t_start);
                fail("rail enable edges not on the segment ticks");
            end
        end
        // A DAC word takes about 3 ticks on the wire and the driver always
        // sends the latest code, so the ramp's last codes may be skipped.
        if (dac_top === 16'hxxxx || dac_top < 16'd1360) fail("DAC words did not follow the ramp");
        if (dac_out !== 16'd1400) fail("DAC not at the LAST entry's code after the run");

        // Crossings at the full ADC rate: rise at >= 2200, fall below 2000.
        e0 = n_ev;
        adc_v = 12'd2200;
        wait_clocks(300);
        adc_v = 12'd1999;
        wait_clocks(20000);
        i = find_ev(8'h02, e0);
        if (i < 0 || ev_val[i] !== 32'd2200) fail("no RAIL_RISE with code 2200");
        i = find_ev(8'h01, e0);
        if (i < 0 || ev_val[i] !== 32'd1999) fail("no RAIL_FALL with code 1999");
        // Alert edge, debounced 100 ticks, stamped with its first tick.
        e0 = n_ev;
        t_start = now;
        alert_in = 1'b1;
        wait_clocks(12 * 130 + 20000);
        i = find_ev(8'h03, e0);
        if (i < 0 || ev_arg[i] !== 8'd1) fail("no ALERT_EDGE");
        else if (ev_tick[i] < t_start || ev_tick[i] > t_start + 1) fail("ALERT_EDGE not stamped with its first tick");
        alert_in = 1'b0;
        if (n_samples < 1) fail("no SAMPLES frames");

        // Over-voltage: the rail goes off at once and the trip is latched.
        n0 = n_ack;
        send_vector(find("stop"));
        expect_ack(n0, 8'h06);
        {pl[1], pl[0]} = 16'd30000; pl[2] = 8'h01;
        n0 = n_ack;
        send_frame(8'h07, 3);
        expect_ack(n0, 8'h07);
        if (rail_en_n !== 1'b0) fail("rail not on before the over-voltage test");
        e0 = n_ev;
        adc_v = 12'd3900;
        wait_clocks(200);
        if (rail_en_n !== 1'b1 || led_trip !== 1'b1) fail("over-voltage did not cut the rail");
        wait_clocks(20000);
        i = find_ev(8'h0A, e0);
        if (i < 0 || ev_arg[i] !== 8'd2 || ev_val[i] !== 32'd3900) fail("no TRIP OVP event with code 3900");
        if (last_status[55:48] !== 8'd5 || last_status[63:56] !== 8'h02) fail("STATUS not TRIPPED with OVP");
        n0 = n_nak;
        {pl[1], pl[0]} = 16'd30000; pl[2] = 8'h01;
        send_frame(8'h07, 3);
        expect_nak(n0, 8'h07, 8'd8, 8'hff);
        adc_v = 12'd1000;
        wait_clocks(100);
        n0 = n_ack;
        send_vector(find("clear_trip"));
        expect_ack(n0, 8'h0A);
        if (led_trip !== 1'b0) fail("trip not cleared");

        // Watchdog: 1 ms without a host frame forces the safe state.
        n0 = n_ack;
        configure(16'd1, 8'd0);
        expect_ack(n0, 8'h02);
        {pl[1], pl[0]} = 16'd30000; pl[2] = 8'h03;
        n0 = n_ack;
        send_frame(8'h07, 3);
        expect_ack(n0, 8'h07);
        if (rail_en_n !== 1'b0) fail("rail not on before the watchdog test");
        e0 = n_ev;
        wait_clocks(12_000 + 2_000);
        if (rail_en_n !== 1'b1) fail("watchdog did not cut the rail");
        wait_clocks(8000);
        i = find_ev(8'h0A, e0);
        if (i < 0 || ev_arg[i] !== 8'd1) fail("no TRIP watchdog event");
        n0 = n_status;
        send_vector(find("heartbeat"));
        for (i = 0; i < 8000 && n_status == n0; i = i + 1) @(negedge clk);
        if (last_status[55:48] !== 8'd5 || last_status[63:56] !== 8'h01) fail("STATUS not TRIPPED by the watchdog");
        if (last_status[119:112] !== 8'd1) fail("STATUS crc_errors is not 1");

        $display("%0d frames from the FPGA, %0d events, %0d DAC words", n_any, n_ev, dac_words);
        if (errors == 0) $display("PASS");
        $finish;
    end

    initial begin
        #200_000_000;
        $display("FAIL: time-out");
        $finish;
    end
endmodule
`default_nettype wire
