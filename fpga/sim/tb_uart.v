`timescale 1ns / 1ps
`default_nettype none
// uart_tx -> uart_rx loopback at 4 clocks per bit (3 Mbaud from 12 MHz):
// every byte value arrives intact, back-to-back bytes take exactly 40
// clocks each (no idle between frames), a low stop bit is a framing error,
// and a glitch shorter than half a bit is not a start bit.
module tb_uart;
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

    reg  [7:0] tx_data = 8'd0;
    reg        tx_valid = 1'b0;
    wire       tx_ready, tx_line;
    uart_tx #(.CLKS_PER_BIT(4)) dut_tx (
        .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(tx_line)
    );

    reg        force_line = 1'b0;
    reg        forced = 1'b1;
    wire       line = force_line ? forced : tx_line;
    wire [7:0] rx_data;
    wire       rx_valid, rx_err, rx_start;
    uart_rx #(.DIV_W(4)) dut_rx (
        .clk(clk), .rst(rst), .clks_per_bit(4'd4), .rx(line),
        .data(rx_data), .valid(rx_valid), .frame_err(rx_err), .start(rx_start)
    );

    integer n_rx = 0, n_err = 0;
    reg [7:0] expect_q [0:511];
    integer   first_valid = -1, last_valid = -1, cycle = 0;
    always @(posedge clk) begin
        cycle <= cycle + 1;
        if (rx_valid) begin
            if (rx_data !== expect_q[n_rx]) fail("received byte differs");
            if (first_valid < 0) first_valid <= cycle;
            last_valid <= cycle;
            n_rx <= n_rx + 1;
        end
        if (rx_err) n_err <= n_err + 1;
    end

    integer i, sent;
    initial begin
        repeat (4) @(negedge clk);
        rst = 1'b0;
        if (tx_line !== 1'b1) fail("line not idle high after reset");
        // All 256 values, back to back.
        sent = 0;
        for (i = 0; i < 256; i = i + 1) begin
            expect_q[i] = i[7:0];
            tx_data = i[7:0];
            tx_valid = 1'b1;
            @(posedge clk);
            while (!tx_ready) @(posedge clk);
            @(negedge clk);
        end
        tx_valid = 1'b0;
        repeat (100) @(negedge clk);
        if (n_rx != 256) fail("not all bytes received");
        if (last_valid - first_valid != 255 * 40) begin
            $display("  back-to-back spacing: %0d clocks for 255 bytes", last_valid - first_valid);
            fail("bytes not sent back to back at 40 clocks each");
        end
        if (n_err != 0) fail("framing error on good bytes");
        // A byte with a low stop bit: start, 8 data bits of 0x55, stop low.
        force_line = 1'b1;
        forced = 1'b0;
        repeat (4) @(negedge clk);
        for (i = 0; i < 8; i = i + 1) begin
            forced = i[0];
            repeat (4) @(negedge clk);
        end
        forced = 1'b0;
        repeat (4) @(negedge clk);
        forced = 1'b1;
        repeat (20) @(negedge clk);
        if (n_err != 1) fail("low stop bit not reported as a framing error");
        if (n_rx != 256) fail("byte with a framing error delivered");
        // A one-clock glitch is not a start bit.
        forced = 1'b0;
        @(negedge clk);
        forced = 1'b1;
        repeat (60) @(negedge clk);
        if (n_rx != 256 || n_err != 1) fail("glitch produced a byte");
        force_line = 1'b0;
        // The receiver still works after all that.
        expect_q[256] = 8'ha5;
        tx_data = 8'ha5;
        tx_valid = 1'b1;
        @(posedge clk);
        while (!tx_ready) @(posedge clk);
        @(negedge clk);
        tx_valid = 1'b0;
        repeat (60) @(negedge clk);
        if (n_rx != 257) fail("byte after errors not received");
        if (errors == 0) $display("PASS");
        $finish;
    end
endmodule
`default_nettype wire
