`timescale 1ns / 1ps
`default_nettype none
// Over-voltage and over-current trips on the measured ADC values, checked
// on every sample at the full ADC rate.
//
// A channel trips when TRIP_SAMPLES consecutive samples are at or above its
// limit (the protocol's rule is one sample, the default; a bench with a
// noisy sense line may build with 2). A trip latches until clear; while
// either is latched the output guard keeps the rail cut. Each new trip
// pulses once with the timestamp and code of the sample that completed it.
module overload_trip #(
    parameter integer TS_W         = 48,
    parameter integer TRIP_SAMPLES = 1
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            clear,
    input  wire [15:0]     ovp_code,
    input  wire [15:0]     ocp_code,
    input  wire            in_valid,
    input  wire [11:0]     in_v,
    input  wire [11:0]     in_a,
    input  wire [TS_W-1:0] in_ts,
    output reg             ovp,        // latched over-voltage
    output reg             ocp,        // latched over-current
    output reg             ovp_trip,   // one-clock pulses on a new trip
    output reg             ocp_trip,
    output reg  [11:0]     v_code,     // the sample that tripped
    output reg  [11:0]     a_code,
    output reg  [TS_W-1:0] v_ts,
    output reg  [TS_W-1:0] a_ts
);
    localparam integer CW = $clog2(TRIP_SAMPLES + 1);
    localparam [CW-1:0] NEED = TRIP_SAMPLES[CW-1:0];

    reg [CW-1:0] v_run;
    reg [CW-1:0] a_run;

    // On 12 bits: a limit above every code is never reached.
    wire v_over = ovp_code[15:12] == 4'd0 && in_v >= ovp_code[11:0];
    wire a_over = ocp_code[15:12] == 4'd0 && in_a >= ocp_code[11:0];
    wire v_hit  = v_over && (v_run + 1'b1 >= NEED);
    wire a_hit  = a_over && (a_run + 1'b1 >= NEED);

    always @(posedge clk) begin
        ovp_trip <= 1'b0;
        ocp_trip <= 1'b0;
        if (rst || clear) begin
            v_run <= {CW{1'b0}};
            a_run <= {CW{1'b0}};
            ovp   <= 1'b0;
            ocp   <= 1'b0;
            if (rst) begin
                v_code <= 12'd0;
                a_code <= 12'd0;
                v_ts   <= {TS_W{1'b0}};
                a_ts   <= {TS_W{1'b0}};
            end
        end else if (in_valid) begin
            v_run <= !v_over ? {CW{1'b0}} : (v_hit ? NEED : v_run + 1'b1);
            a_run <= !a_over ? {CW{1'b0}} : (a_hit ? NEED : a_run + 1'b1);
            if (v_hit && !ovp) begin
                ovp      <= 1'b1;
                ovp_trip <= 1'b1;
                v_code   <= in_v;
                v_ts     <= in_ts;
            end
            if (a_hit && !ocp) begin
                ocp      <= 1'b1;
                ocp_trip <= 1'b1;
                a_code   <= in_a;
                a_ts     <= in_ts;
            end
        end
    end
endmodule
`default_nettype wire
