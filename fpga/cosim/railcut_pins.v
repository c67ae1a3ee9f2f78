`timescale 1ns / 1ps
`default_nettype none
// Cosimulation top of the board build (docs/cosim.md, "The 12 MHz board
// build"): the railcut core with COSIM = 0 and the boards' clock, tick,
// link and ADC rates (railcut_top.v), so the link runs through the UART at
// 3 Mbaud and the converters through their SPI writers and readers. The
// C++ shim (cosim_pins.cpp) drives the UART RX pin bit by bit, plays the
// two ADCs on their SPI pins and takes the DAC word off its SPI pins.
//
// Differences from a board: reset comes from the shim (the board's
// power-on counter only holds the core in reset), the DAC clamp is the
// cosimulation's 15000 codes (1 mV per code), board id 0, no sniffer, and
// the open-drain SB_IO cells are left out (ac_lost_pull is what they
// drive). seq_active is a probe no board has: it tells the driver when the
// sequencer first drives the outputs.
module railcut_pins #(
    parameter [15:0] MAX_DAC_CODE = 16'd15000
) (
    input  wire clk,
    input  wire rst,
    input  wire link_rx,
    output wire link_tx,
    input  wire ch_present_n,
    input  wire alert,
    output wire rail_en_n,
    output wire ac_lost_pull,
    output wire dac_cs_n,
    output wire dac_sclk,
    output wire dac_mosi,
    output wire dac_ldac_n,
    output wire adc_cs_n,
    output wire adc_sclk,
    input  wire adc_miso_v,
    input  wire adc_miso_a,
    output wire seq_active
);
    wire unused_outputs;
    wire host_present_pull, led_rail, led_trip;
    wire [24:0] unused_cosim;
    assign unused_outputs = &{1'b0, host_present_pull, led_rail, led_trip, unused_cosim};

    railcut_core #(
        .CLK_HZ(12_000_000), .TICK_HZ(1_000_000), .BAUD(3_000_000),
        .MAX_DAC_CODE(MAX_DAC_CODE), .BOARD_ID(16'd0), .SNIFFER(1'b0), .COSIM(1'b0)
    ) u_core (
        .clk(clk), .rst(rst),
        .link_rx(link_rx), .link_tx(link_tx),
        .rail_en_n(rail_en_n), .ac_lost_pull(ac_lost_pull),
        .host_present_pull(host_present_pull),
        .ch_present_in(ch_present_n), .alert_in(alert), .ch_debug_rx(1'b1),
        .dac_cs_n(dac_cs_n), .dac_sclk(dac_sclk), .dac_mosi(dac_mosi), .dac_ldac_n(dac_ldac_n),
        .adc_cs_n(adc_cs_n), .adc_sclk(adc_sclk), .adc_miso_v(adc_miso_v),
        .adc_miso_a(adc_miso_a), .led_rail(led_rail), .led_trip(led_trip),
        .cosim_rx_data(8'd0), .cosim_rx_valid(1'b0), .cosim_tx_data(unused_cosim[7:0]),
        .cosim_tx_valid(unused_cosim[8]), .cosim_tx_ready(1'b0), .cosim_adc_valid(1'b0),
        .cosim_adc_v(12'd0), .cosim_adc_a(12'd0), .cosim_dac_code(unused_cosim[24:9]),
        .cosim_seq_active(seq_active)
    );
endmodule
`default_nettype wire
