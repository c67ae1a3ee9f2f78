`timescale 1ns / 1ps
`default_nettype none
// Reader for two 12-bit ADCs of the AD7476A class sharing CS and SCLK (the
// Pmod AD1 layout): channel 0 is rail volts, channel 1 rail amps.
//
// A conversion starts every CONV_CLKS clocks (250 kSPS from 12 MHz by
// default) with CS falling, which is also the sampling instant, so that is
// when the timestamp is taken. The ADC shifts out 4 leading zeros and 12 data
// bits MSB first, each on a falling SCLK edge (the first zero on CS falling);
// SCLK idles high and the reader samples both data lines on the rising edges,
// mid-bit. Rising edges 4 to 15 carry DB11..DB0; the 12-bit shift register
// drops the leading zeros and the 16th edge is not sampled.
module adc_spi #(
    parameter integer TS_W      = 48,
    parameter integer HALF_CLKS = 1,
    parameter integer CONV_CLKS = 48
) (
    input  wire            clk,
    input  wire            rst,
    input  wire [TS_W-1:0] now,
    output reg             cs_n,
    output reg             sclk,
    input  wire            miso_v,
    input  wire            miso_a,
    output reg             valid,   // one-clock pulse with a new sample pair
    output wire [11:0]     volts,   // volts, amps and ts are valid with valid
    output wire [11:0]     amps,
    output wire [TS_W-1:0] ts       // time of the conversion (CS falling)
);
    localparam integer HW = (HALF_CLKS > 1) ? $clog2(HALF_CLKS) : 1;
    localparam [HW-1:0] HALF_LAST = HALF_CLKS[HW-1:0] - 1'b1;
    localparam integer PW = $clog2(CONV_CLKS);
    localparam [PW-1:0] CONV_LAST = CONV_CLKS[PW-1:0] - 1'b1;

    generate
        if (CONV_CLKS < 34 * HALF_CLKS + 2) begin : g_bad_period
            adc_conversion_period_too_short u_error ();
        end
    endgenerate

    reg [PW-1:0]   period;
    reg [HW-1:0]   half;
    reg [4:0]      rising_left;
    reg [11:0]     shift_v;
    reg [11:0]     shift_a;
    reg [TS_W-1:0] ts_conv;

    // The shift registers are the outputs: they stay still from the last
    // rising edge of a conversion until the first of the next, and every
    // user takes the sample with valid, so no copy is kept.
    assign volts = shift_v;
    assign amps  = shift_a;
    assign ts    = ts_conv;

    always @(posedge clk) begin
        valid <= 1'b0;
        if (rst) begin
            period      <= {PW{1'b0}};
            half        <= {HW{1'b0}};
            rising_left <= 5'd0;
            cs_n        <= 1'b1;
            sclk        <= 1'b1;
            shift_v     <= 12'd0;
            shift_a     <= 12'd0;
            ts_conv     <= {TS_W{1'b0}};
        end else begin
            period <= (period == CONV_LAST) ? {PW{1'b0}} : period + 1'b1;
            if (period == CONV_LAST) begin
                cs_n        <= 1'b0;
                ts_conv     <= now;
                rising_left <= 5'd16;
                half        <= HALF_LAST;
            end else if (!cs_n) begin
                if (half != {HW{1'b0}}) begin
                    half <= half - 1'b1;
                end else begin
                    half <= HALF_LAST;
                    if (rising_left == 5'd0) begin
                        cs_n  <= 1'b1;
                        valid <= 1'b1;
                    end else if (sclk) begin
                        sclk <= 1'b0;
                    end else begin
                        sclk        <= 1'b1;
                        rising_left <= rising_left - 1'b1;
                        if (rising_left != 5'd1) begin
                            shift_v <= {shift_v[10:0], miso_v};
                            shift_a <= {shift_a[10:0], miso_a};
                        end
                    end
                end
            end
        end
    end
endmodule
`default_nettype wire
