`timescale 1ns / 1ps
`default_nettype none
// Host watchdog. While armed (the gateware is driving the CH: rail on or a
// profile running) it counts milliseconds since the last heartbeat; when the
// count reaches timeout_ms it trips and latches until clear. The trip makes
// the output guard force the configured safe state, so a host that crashes
// or is unplugged never leaves the CH at a wrong voltage. While disarmed the
// count is held at zero, so an idle bench never trips.
module watchdog #(
    parameter integer TICK_HZ = 1_000_000
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        tick,
    input  wire        armed,
    input  wire        heartbeat,
    input  wire        clear,
    input  wire [15:0] timeout_ms,  // 0 behaves as 1
    output reg         tripped,
    output reg         trip_pulse   // one-clock pulse when it trips
);
    localparam integer TPM = TICK_HZ / 1000;  // ticks per millisecond
    localparam integer PW  = (TPM > 1) ? $clog2(TPM) : 1;
    localparam [PW-1:0] TPM_LAST = TPM[PW-1:0] - 1'b1;

    generate
        if (TPM * 1000 != TICK_HZ) begin : g_bad_rate
            watchdog_tick_rate_must_be_whole_kilohertz u_error ();
        end
    endgenerate

    reg [PW-1:0] sub;
    reg [15:0]   elapsed_ms;

    always @(posedge clk) begin
        trip_pulse <= 1'b0;
        if (rst || clear) begin
            sub        <= {PW{1'b0}};
            elapsed_ms <= 16'd0;
            tripped    <= 1'b0;
        end else if (!armed || heartbeat) begin
            sub        <= {PW{1'b0}};
            elapsed_ms <= 16'd0;
        end else if (tick && !tripped) begin
            if (sub != TPM_LAST) begin
                sub <= sub + 1'b1;
            end else begin
                sub        <= {PW{1'b0}};
                elapsed_ms <= elapsed_ms + 1'b1;
                if (elapsed_ms + 1'b1 >= timeout_ms) begin
                    tripped    <= 1'b1;
                    trip_pulse <= 1'b1;
                end
            end
        end
    end
endmodule
`default_nettype wire
