`timescale 1ns / 1ps
`default_nettype none
// Device time: a free-running count of timing ticks since reset, WIDTH bits
// (48 by default: 8.9 years at 1 MHz before it wraps). Every timestamp the
// gateware reports is a value of this counter, taken on the clock that saw
// the thing happen.
module timestamp #(
    parameter integer WIDTH = 48
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             tick,
    output reg  [WIDTH-1:0] now
);
    always @(posedge clk) begin
        if (rst) now <= {WIDTH{1'b0}};
        else if (tick) now <= now + 1'b1;
    end
endmodule
`default_nettype wire
