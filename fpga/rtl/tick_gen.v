`timescale 1ns / 1ps
`default_nettype none
// Timing tick: a one-clock pulse every CLK_HZ / TICK_HZ clocks (1 MHz from
// 12 MHz on both reference boards). Every rail edge, sample and event in the
// gateware is timed in these ticks. CLK_HZ must be a whole multiple of
// TICK_HZ, or ticks would drift against the clock crystal; a cosimulation
// build sets CLK_HZ == TICK_HZ and gets one tick per clock.
module tick_gen #(
    parameter integer CLK_HZ  = 12_000_000,
    parameter integer TICK_HZ = 1_000_000
) (
    input  wire clk,
    input  wire rst,
    output reg  tick
);
    localparam integer DIV = CLK_HZ / TICK_HZ;
    localparam integer CW  = (DIV > 1) ? $clog2(DIV) : 1;
    localparam [CW-1:0] LAST = DIV[CW-1:0] - 1'b1;

    generate
        if (DIV * TICK_HZ != CLK_HZ || DIV < 1) begin : g_bad_rate
            tick_rate_must_divide_clock_rate u_error ();
        end
    endgenerate

    reg [CW-1:0] count;

    always @(posedge clk) begin
        if (rst) begin
            count <= {CW{1'b0}};
            tick  <= 1'b0;
        end else if (count == LAST) begin
            count <= {CW{1'b0}};
            tick  <= 1'b1;
        end else begin
            count <= count + 1'b1;
            tick  <= 1'b0;
        end
    end
endmodule
`default_nettype wire
