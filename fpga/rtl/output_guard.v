`timescale 1ns / 1ps
`default_nettype none
// The last word on every output towards the CH and the supply.
//
// Chooses what drives the rail: the safe state while a trip is latched
// (with the rail forced off for an over-voltage or over-current trip,
// whatever the configured safe state says, because keeping a faulty supply
// connected is never safe), the sequencer while it plays or holds a DONE
// profile, and the manual outputs otherwise. Then:
// - rail_en_n is active low, so the pin's pull-up before and during
//   configuration, and a floating pin, both mean "rail off"
//   (docs/hardware.md shows the inverting driver stage);
// - the signals into the CH (AC Lost, host present) are open-drain
//   enables: 1 pulls the line low, 0 releases it; both are released
//   whenever the rail is off, so an unpowered CH is never back-fed;
// - host present is asserted exactly while the rail is on.
// Everything is registered and off from reset. rail_en_n also starts high
// as the bitstream loads (the iCE40 would otherwise start the flip-flop at
// 0, which here means "on", until the first reset clock).
module output_guard (
    input  wire        clk,
    input  wire        rst,
    input  wire        tripped,       // any trip latched
    input  wire        overload,      // an OVP or OCP trip is latched
    input  wire        seq_active,    // sequencer RUNNING or DONE
    input  wire [1:0]  seq_pins,      // bit 0 rail on, bit 1 AC Lost
    input  wire [15:0] seq_code,
    input  wire [1:0]  man_pins,
    input  wire [15:0] man_code,
    input  wire [1:0]  safe_pins,
    input  wire [15:0] safe_code,
    output reg         rail_on,
    output reg         rail_en_n = 1'b1,  // off from configuration on, before any reset
    output reg         ac_lost_pull,
    output reg         host_present_pull,
    output reg  [15:0] dac_code
);
    reg [1:0]  pins;
    reg [15:0] code;
    always @(*) begin
        if (tripped) begin
            pins = {safe_pins[1], safe_pins[0] && !overload};
            code = safe_code;
        end else if (seq_active) begin
            pins = seq_pins;
            code = seq_code;
        end else begin
            pins = man_pins;
            code = man_code;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            rail_on           <= 1'b0;
            rail_en_n         <= 1'b1;
            ac_lost_pull      <= 1'b0;
            host_present_pull <= 1'b0;
            dac_code          <= 16'd0;
        end else begin
            rail_on           <= pins[0];
            rail_en_n         <= !pins[0];
            ac_lost_pull      <= pins[0] && pins[1];
            host_present_pull <= pins[0];
            dac_code          <= code;
        end
    end
endmodule
`default_nettype wire
