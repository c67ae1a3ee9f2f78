`timescale 1ns / 1ps
`default_nettype none
// Cosimulation top (docs/cosim.md): the railcut core built with COSIM = 1
// for Verilator, clocked at CLKS_PER_TICK clocks per 1 us tick. Link bytes,
// ADC samples and the DAC code pass at byte and word level; the rail and CH
// signals are the core's own registered outputs. The C++ shim
// (cosim_hw.cpp) drives every port.
//
// Four clocks per tick keep the input synchronisers and the debouncer's
// acceptance inside one tick, as at 12 MHz, so every timestamp is the one
// the board would give. The UART rate is a placeholder the core's
// parameter check accepts; no UART is built.
module railcut_cosim #(
    parameter integer CLKS_PER_TICK = 4,
    parameter [15:0]  MAX_DAC_CODE  = 16'd15000
) (
    input  wire        clk,
    input  wire        rst,
    input  wire [7:0]  rx_data,
    input  wire        rx_valid,
    output wire [7:0]  tx_data,
    output wire        tx_valid,
    input  wire [11:0] adc_v,
    input  wire [11:0] adc_a,
    input  wire        adc_valid,
    input  wire        ch_present_n,
    input  wire        alert,
    output wire        rail_en_n,
    output wire        ac_lost_pull,
    output wire [15:0] dac_code,
    output wire        seq_active
);
    localparam integer TICK_HZ = 1_000_000;
    localparam integer CLK_HZ  = CLKS_PER_TICK * TICK_HZ;

    wire unused_outputs;
    wire host_present_pull, link_tx, dac_cs_n, dac_sclk, dac_mosi, dac_ldac_n;
    wire adc_cs_n, adc_sclk, led_rail, led_trip;
    assign unused_outputs = &{1'b0, host_present_pull, link_tx, dac_cs_n, dac_sclk, dac_mosi,
                              dac_ldac_n, adc_cs_n, adc_sclk, led_rail, led_trip};

    railcut_core #(
        .CLK_HZ(CLK_HZ), .TICK_HZ(TICK_HZ), .BAUD(CLK_HZ / 4), .ADC_RATE_HZ(TICK_HZ),
        .MAX_DAC_CODE(MAX_DAC_CODE), .BOARD_ID(16'd0), .SNIFFER(1'b0), .COSIM(1'b1)
    ) u_core (
        .clk(clk), .rst(rst),
        .link_rx(1'b1), .link_tx(link_tx),
        .rail_en_n(rail_en_n), .ac_lost_pull(ac_lost_pull),
        .host_present_pull(host_present_pull),
        .ch_present_in(ch_present_n), .alert_in(alert), .ch_debug_rx(1'b1),
        .dac_cs_n(dac_cs_n), .dac_sclk(dac_sclk), .dac_mosi(dac_mosi), .dac_ldac_n(dac_ldac_n),
        .adc_cs_n(adc_cs_n), .adc_sclk(adc_sclk), .adc_miso_v(1'b0), .adc_miso_a(1'b0),
        .led_rail(led_rail), .led_trip(led_trip),
        .cosim_rx_data(rx_data), .cosim_rx_valid(rx_valid),
        .cosim_tx_data(tx_data), .cosim_tx_valid(tx_valid), .cosim_tx_ready(1'b1),
        .cosim_adc_valid(adc_valid), .cosim_adc_v(adc_v), .cosim_adc_a(adc_a),
        .cosim_dac_code(dac_code), .cosim_seq_active(seq_active)
    );
endmodule
`default_nettype wire
