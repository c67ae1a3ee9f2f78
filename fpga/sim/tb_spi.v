`timescale 1ns / 1ps
`default_nettype none
// dac_spi and adc_spi at their pins. DAC: the 16-bit word on the wire (MSB
// first, sampled on SCLK rising, CS framing, LDAC low), a fresh code after a
// change, the latest code wins, and the build-time clamp (MAX_CODE 50000)
// holds for any requested code. ADC: two AD7476A models give their codes,
// the reader returns them with the tick of CS falling, 48 clocks apart.
module tb_spi;
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

    // ---- DAC ---------------------------------------------------------------
    reg  [15:0] code = 16'd0;
    wire        cs_n, sclk, mosi, ldac_n, clamped;
    wire [15:0] sent;
    dac_spi #(.HALF_CLKS(1), .MAX_CODE(16'd50000)) dac (
        .clk(clk), .rst(rst), .code(code), .cs_n(cs_n), .sclk(sclk), .mosi(mosi),
        .ldac_n(ldac_n), .sent_code(sent), .clamped(clamped)
    );
    reg [15:0] wire_word = 16'd0, last_word = 16'hxxxx;
    integer    bits = 0, words = 0;
    always @(negedge cs_n) bits = 0;
    always @(posedge sclk) if (!cs_n) begin
        wire_word = {wire_word[14:0], mosi};
        bits = bits + 1;
    end
    always @(posedge cs_n) if (!rst) begin
        if (bits != 16) fail("DAC frame is not 16 bits");
        last_word = wire_word;
        words = words + 1;
        if (wire_word > 16'd50000) fail("a word above MAX_CODE reached the wire");
    end

    // ---- ADC ---------------------------------------------------------------
    reg  [19:0] now = 20'd0;
    always @(posedge clk) now <= now + 1'b1;   // a tick every clock here
    wire        acs_n, asclk, av, aa, avalid;
    wire [11:0] volts, amps;
    wire [19:0] ats;
    reg  [11:0] model_v = 12'd0, model_a = 12'd0;
    reg  [15:0] fv, fa;
    integer     abit;
    reg         dv = 1'b0, da = 1'b0;
    reg  [19:0] cs_fall_at;
    assign av = dv;
    assign aa = da;
    always @(negedge acs_n) begin
        fv = {4'd0, model_v}; fa = {4'd0, model_a}; abit = 0;
        dv = fv[15]; da = fa[15];
        cs_fall_at = now;
    end
    always @(negedge asclk) if (!acs_n) begin
        abit = abit + 1;
        dv = (abit < 16) ? fv[15 - abit] : 1'b0;
        da = (abit < 16) ? fa[15 - abit] : 1'b0;
    end
    adc_spi #(.TS_W(20), .HALF_CLKS(1), .CONV_CLKS(48)) adc (
        .clk(clk), .rst(rst), .now(now), .cs_n(acs_n), .sclk(asclk), .miso_v(av), .miso_a(aa),
        .valid(avalid), .volts(volts), .amps(amps), .ts(ats)
    );
    integer    n_samples = 0;
    reg [19:0] prev_ts;
    always @(posedge clk) if (avalid) begin
        if (volts !== fv[11:0] || amps !== fa[11:0]) begin
            $display("  got %0d/%0d want %0d/%0d", volts, amps, fv[11:0], fa[11:0]);
            fail("ADC codes differ");
        end
        if (ats !== cs_fall_at - 20'd1 && ats !== cs_fall_at) fail("ADC stamp is not CS falling");
        if (n_samples > 0 && ats - prev_ts !== 20'd48) fail("ADC samples not 48 clocks apart");
        prev_ts = ats;
        n_samples = n_samples + 1;
    end

    task set_code(input [15:0] c);
        begin
            @(negedge clk);
            code = c;
            repeat (120) @(negedge clk);
        end
    endtask

    integer n;
    initial begin
        repeat (4) @(negedge clk);
        rst = 1'b0;
        repeat (60) @(negedge clk);
        if (words != 1 || last_word !== 16'd0) fail("DAC not written with 0 after reset");
        if (ldac_n !== 1'b0) fail("LDAC not held low");
        set_code(16'h8001);
        if (last_word !== 16'h8001 || sent !== 16'h8001) fail("DAC word 0x8001 not on the wire");
        set_code(16'd12345);
        if (last_word !== 16'd12345) fail("DAC word 12345 not on the wire");
        n = words;
        repeat (200) @(negedge clk);
        if (words != n) fail("DAC rewritten without a change");
        // Requests above the clamp go out as the clamp.
        set_code(16'd50001);
        if (last_word !== 16'd50000 || !clamped) fail("code 50001 not clamped to 50000");
        set_code(16'hffff);
        if (last_word !== 16'd50000) fail("code 65535 not clamped to 50000");
        set_code(16'd50000);
        if (clamped) fail("50000 reported as clamped");
        // Codes changing faster than a transfer: the last one wins.
        @(negedge clk); code = 16'd100;
        @(negedge clk); code = 16'd200;
        repeat (10) @(negedge clk); code = 16'd300;
        repeat (200) @(negedge clk);
        if (last_word !== 16'd300) fail("latest code not the last word");
        // ADC.
        model_v = 12'd2345; model_a = 12'd17;
        repeat (200) @(negedge clk);
        model_v = 12'hfff; model_a = 12'h800;
        repeat (200) @(negedge clk);
        model_v = 12'd0; model_a = 12'hfff;
        repeat (200) @(negedge clk);
        if (n_samples < 10) fail("too few ADC samples");
        if (errors == 0) $display("PASS");
        $finish;
    end
endmodule
`default_nettype wire
