`timescale 1ns / 1ps
`default_nettype none
// Board top for the iCEBreaker (UP5K-SG48) and the iCE40-HX8K breakout
// (CT256): the same ports, pins from fpga/boards/<board>.pcf.
//
// Reset: the iCE40 starts every flip-flop at zero after configuration; a
// small counter holds the core in reset for its first 255 clocks, so the
// core's own reset (rail off, CH signals released, DAC code 0) is applied
// before anything else happens.
//
// AC Lost and host present towards the CH are open-drain through SB_IO:
// the pin is driven low only while the core asserts the signal (and the
// rail is on), otherwise it is high impedance with the internal pull-up
// off, so an unpowered CH is never fed through these lines.
module railcut_top #(
    parameter [15:0] BOARD_ID     = 16'd1,
    parameter [15:0] MAX_DAC_CODE = 16'd60000,
    parameter [0:0]  SNIFFER      = 1'b1,
    parameter [0:0]  LED_ACTIVE_LOW = 1'b0   // the iCEBreaker's LEDs light on low
) (
    input  wire clk_12mhz,
    input  wire ftdi_txd,      // FT2232H channel B TXD -> FPGA
    output wire ftdi_rxd,      // FPGA -> FT2232H channel B RXD
    output wire rail_en_n,     // high or floating = rail off
    inout  wire ac_lost_n,     // open-drain, active low
    inout  wire host_present_n,// open-drain, active low
    input  wire ch_present_n,  // from the CH, active low
    input  wire alert_in,      // CH test pin or harness, active high
    input  wire ch_debug_rx,   // CH debug UART TX, sniffed
    output wire dac_cs_n,
    output wire dac_mosi,
    output wire dac_ldac_n,
    output wire dac_sclk,
    output wire adc_cs_n,
    input  wire adc_miso_v,
    input  wire adc_miso_a,
    output wire adc_sclk,
    output wire led_rail,
    output wire led_trip
);
    reg [7:0] por_count = 8'd0;
    wire      rst = (por_count != 8'hff);
    always @(posedge clk_12mhz) begin
        if (rst) por_count <= por_count + 1'b1;
    end

    wire ac_lost_pull;
    wire host_present_pull;
    wire rail_lit;
    wire [25:0] unused_cosim;  // the cosimulation ports (docs/cosim.md), not used on a board
    wire trip_lit;
    assign led_rail = rail_lit ^ LED_ACTIVE_LOW;
    assign led_trip = trip_lit ^ LED_ACTIVE_LOW;

    railcut_core #(
        .CLK_HZ(12_000_000), .TICK_HZ(1_000_000), .BAUD(3_000_000),
        .MAX_DAC_CODE(MAX_DAC_CODE), .BOARD_ID(BOARD_ID), .SNIFFER(SNIFFER)
    ) u_core (
        .clk(clk_12mhz), .rst(rst),
        .link_rx(ftdi_txd), .link_tx(ftdi_rxd),
        .rail_en_n(rail_en_n), .ac_lost_pull(ac_lost_pull),
        .host_present_pull(host_present_pull),
        .ch_present_in(ch_present_n), .alert_in(alert_in), .ch_debug_rx(ch_debug_rx),
        .dac_cs_n(dac_cs_n), .dac_sclk(dac_sclk), .dac_mosi(dac_mosi), .dac_ldac_n(dac_ldac_n),
        .adc_cs_n(adc_cs_n), .adc_sclk(adc_sclk), .adc_miso_v(adc_miso_v),
        .adc_miso_a(adc_miso_a), .led_rail(rail_lit), .led_trip(trip_lit),
        .cosim_rx_data(8'd0), .cosim_rx_valid(1'b0), .cosim_tx_data(unused_cosim[7:0]),
        .cosim_tx_valid(unused_cosim[8]), .cosim_tx_ready(1'b0), .cosim_adc_valid(1'b0),
        .cosim_adc_v(12'd0), .cosim_adc_a(12'd0), .cosim_dac_code(unused_cosim[24:9]),
        .cosim_seq_active(unused_cosim[25])
    );

    // PIN_TYPE 1010_01: output enabled by OUTPUT_ENABLE, plain input.
    SB_IO #(.PIN_TYPE(6'b1010_01), .PULLUP(1'b0)) u_ac_lost (
        .PACKAGE_PIN(ac_lost_n), .OUTPUT_ENABLE(ac_lost_pull), .D_OUT_0(1'b0)
    );
    SB_IO #(.PIN_TYPE(6'b1010_01), .PULLUP(1'b0)) u_host_present (
        .PACKAGE_PIN(host_present_n), .OUTPUT_ENABLE(host_present_pull), .D_OUT_0(1'b0)
    );
endmodule
`default_nettype wire
