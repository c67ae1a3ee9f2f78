`timescale 1ns / 1ps
`default_nettype none
// Simulation and lint model of the iCE40 SB_IO primitive, reduced to what
// railcut_top uses: an unregistered tristate output, plain input
// (PIN_TYPE 1010_01) with the pull-up off. Anything else is refused.
module SB_IO #(
    parameter [5:0] PIN_TYPE = 6'b1010_01,
    parameter [0:0] PULLUP   = 1'b0
) (
    inout wire PACKAGE_PIN,
    input wire OUTPUT_ENABLE,
    input wire D_OUT_0
);
    generate
        if (PIN_TYPE != 6'b1010_01 || PULLUP != 1'b0) begin : g_unsupported
            sb_io_model_supports_only_tristate_without_pullup u_error ();
        end
    endgenerate
    assign PACKAGE_PIN = OUTPUT_ENABLE ? D_OUT_0 : 1'bz;
endmodule
`default_nettype wire
