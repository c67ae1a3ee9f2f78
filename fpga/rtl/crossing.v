`timescale 1ns / 1ps
`default_nettype none
// Rail threshold crossing detector with hysteresis, run on every ADC sample
// (the full conversion rate, not the decimated stream).
//
// After restart (CONFIGURE) the first sample sets the state without an
// event: "high" when it is at or above rise_code, else "low". In state high
// a sample strictly below fall_code emits RAIL_FALL and goes low; in state
// low a sample at or above rise_code emits RAIL_RISE and goes high. The
// event carries the sample's timestamp and code. With fall_code <=
// rise_code, noise smaller than the gap cannot make the detector chatter.
module crossing #(
    parameter integer TS_W = 48
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            restart,
    input  wire [15:0]     fall_code,
    input  wire [15:0]     rise_code,
    input  wire            in_valid,
    input  wire [11:0]     in_code,
    input  wire [TS_W-1:0] in_ts,
    output reg             high,
    output reg             ev_valid,  // one-clock pulse
    output reg             ev_rise,   // 1 RAIL_RISE, 0 RAIL_FALL
    output reg  [11:0]     ev_code,
    output reg  [TS_W-1:0] ev_ts
);
    reg known;

    wire [15:0] code = {4'd0, in_code};
    wire        rise = code >= rise_code;
    wire        fall = code < fall_code;

    always @(posedge clk) begin
        ev_valid <= 1'b0;
        if (rst || restart) begin
            known <= 1'b0;
            high  <= 1'b0;
            if (rst) begin
                ev_rise <= 1'b0;
                ev_code <= 12'd0;
                ev_ts   <= {TS_W{1'b0}};
            end
        end else if (in_valid) begin
            known <= 1'b1;
            if (!known) begin
                high <= rise;
            end else if (high ? fall : rise) begin
                high     <= !high;
                ev_valid <= 1'b1;
                ev_rise  <= !high;
                ev_code  <= in_code;
                ev_ts    <= in_ts;
            end
        end
    end
endmodule
`default_nettype wire
