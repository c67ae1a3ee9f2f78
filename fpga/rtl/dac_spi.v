`timescale 1ns / 1ps
`default_nettype none
// SPI writer for a 16-bit voltage-output DAC of the AD5541A class (Pmod DA3).
//
// The DAC takes 16 bits MSB first on the rising edge of SCLK while CS is low
// and updates its output on the rising edge of CS (LDAC held low). SCLK runs
// at clk / (2 * HALF_CLKS): 6 MHz from 12 MHz, 16 bits in 2.8 us. The driver
// always sends the most recent code: a code that changes during a transfer
// is sent by the next one, intermediate codes of a fast ramp are skipped.
//
// MAX_CODE is a build-time ceiling. The command layer already refuses codes
// above it; this clamp is the second line of defence, so no path through
// the gateware can ever put a higher word on the wire.
module dac_spi #(
    parameter integer  HALF_CLKS = 1,
    parameter [15:0]   MAX_CODE  = 16'hffff
) (
    input  wire        clk,
    input  wire        rst,
    input  wire [15:0] code,
    output reg         cs_n,
    output reg         sclk,
    output reg         mosi,
    output wire        ldac_n,
    output reg  [15:0] sent_code,  // the word last written to the DAC
    output reg         clamped     // high while code is above MAX_CODE
);
    localparam integer HW = (HALF_CLKS > 1) ? $clog2(HALF_CLKS) : 1;
    localparam [HW-1:0] HALF_LAST = HALF_CLKS[HW-1:0] - 1'b1;

    localparam integer GREATER_W = 17;
    `include "greater.vh"

    // Compared at 17 bits so the clamp stays a real comparison for any MAX_CODE.
    wire        over      = greater({1'b0, code}, {1'b0, MAX_CODE});
    wire [15:0] safe_code = over ? MAX_CODE : code;

    reg          busy;
    reg          primed;  // a first word has been written since reset
    reg [15:0]   shift;   // the word, rotated left a bit per SCLK cycle
    reg [4:0]    bits_left;
    reg [HW-1:0] half;

    assign ldac_n = 1'b0;

    always @(posedge clk) begin
        if (rst) begin
            cs_n      <= 1'b1;
            sclk      <= 1'b0;
            mosi      <= 1'b0;
            busy      <= 1'b0;
            primed    <= 1'b0;
            shift     <= 16'd0;
            bits_left <= 5'd0;
            half      <= {HW{1'b0}};
            sent_code <= 16'd0;
            clamped   <= 1'b0;
        end else begin
            clamped <= over;
            if (!busy) begin
                if (!primed || safe_code != sent_code) begin
                    busy      <= 1'b1;
                    primed    <= 1'b1;
                    cs_n      <= 1'b0;
                    mosi      <= safe_code[15];
                    shift     <= safe_code;
                    bits_left <= 5'd16;
                    half      <= HALF_LAST;
                end
            end else if (half != {HW{1'b0}}) begin
                half <= half - 1'b1;
            end else begin
                half <= HALF_LAST;
                if (bits_left == 5'd0) begin
                    // Sixteen rotations: shift holds the word again.
                    cs_n      <= 1'b1;
                    busy      <= 1'b0;
                    sent_code <= shift;
                end else if (!sclk) begin
                    sclk <= 1'b1;
                end else begin
                    sclk      <= 1'b0;
                    bits_left <= bits_left - 1'b1;
                    mosi      <= shift[14] && bits_left != 5'd1;
                    shift     <= {shift[14:0], shift[15]};
                end
            end
        end
    end
endmodule
`default_nettype wire
