`timescale 1ns / 1ps
`default_nettype none
// UART transmitter, 8N1, LSB first, CLKS_PER_BIT clocks per bit.
//
// The start bit goes out at once and a 9-bit shift register holds
// {stop, data}; ready is high while idle
// and a byte is taken on valid && ready. The line idles high, and is high
// from reset so the far end never sees a spurious start bit.
module uart_tx #(
    parameter integer CLKS_PER_BIT = 4
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] data,
    input  wire       valid,
    output wire       ready,
    output reg        tx
);
    localparam integer CW = $clog2(CLKS_PER_BIT + 1);
    localparam [CW-1:0] LAST_CLK = CLKS_PER_BIT[CW-1:0] - 1'b1;

    reg [8:0]    shift;  // {stop, data} still to send
    reg [3:0]    bits_left;
    reg [CW-1:0] count;

    // The last clock of the stop bit already accepts the next byte, so
    // back-to-back bytes go out at the full baud rate.
    assign ready = (bits_left == 4'd0) || (bits_left == 4'd1 && count == {CW{1'b0}});

    always @(posedge clk) begin
        if (rst) begin
            shift     <= 9'h1ff;
            bits_left <= 4'd0;
            count     <= {CW{1'b0}};
            tx        <= 1'b1;
        end else if (ready && valid) begin
            shift     <= {1'b1, data};
            bits_left <= 4'd10;
            count     <= LAST_CLK;
            tx        <= 1'b0;
        end else if (bits_left != 4'd0) begin
            if (count != {CW{1'b0}}) begin
                count <= count - 1'b1;
            end else begin
                count     <= LAST_CLK;
                bits_left <= bits_left - 1'b1;
                shift     <= {1'b1, shift[8:1]};
                tx        <= shift[0];
            end
        end
    end
endmodule
`default_nettype wire
