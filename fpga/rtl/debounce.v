`timescale 1ns / 1ps
`default_nettype none
// Input edge capture with a debouncer, for the alert input and CH-present.
//
// The pin is synchronised through two flops. A change is accepted once the
// new level has held for hold_ticks consecutive timing ticks; any bounce
// back restarts the wait. The reported edge carries the timestamp of the
// transition that then stayed (not of the moment the debouncer accepted it),
// so debouncing adds no error to the edge time, only latency to the report.
// The wait counts down from hold_ticks as it was when the transition began
// (a down-counter with a test for 0 or 1 costs no comparator).
module debounce #(
    parameter integer TS_W = 48,
    parameter [0:0]   INIT = 1'b0  // level assumed at reset
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            tick,
    input  wire [TS_W-1:0] now,
    input  wire [15:0]     hold_ticks,  // 0 behaves as 1
    input  wire            pin,
    output reg             level,       // debounced level
    output reg             edge_valid,  // one-clock pulse: level changed
    output reg  [TS_W-1:0] edge_ts      // time of the transition that stayed
);
    reg [1:0]      sync;
    reg            pending;
    reg [15:0]     held;  // ticks still to wait, 0 or 1 on the last
    reg [TS_W-1:0] first_ts;

    wire pin_s = sync[1];

    always @(posedge clk) begin
        if (rst) sync <= {INIT, INIT};
        else sync <= {sync[0], pin};
    end

    always @(posedge clk) begin
        edge_valid <= 1'b0;
        if (rst) begin
            level    <= INIT;
            pending  <= 1'b0;
            held     <= 16'd0;
            first_ts <= {TS_W{1'b0}};
            edge_ts  <= {TS_W{1'b0}};
        end else if (pin_s == level) begin
            pending <= 1'b0;
        end else if (!pending) begin
            pending  <= 1'b1;
            held     <= hold_ticks;
            first_ts <= now;
        end else if (tick) begin
            if (held[15:1] == 15'd0) begin
                level      <= pin_s;
                pending    <= 1'b0;
                edge_valid <= 1'b1;
                edge_ts    <= first_ts;
            end
            held <= held - 1'b1;
        end
    end
endmodule
`default_nettype wire
