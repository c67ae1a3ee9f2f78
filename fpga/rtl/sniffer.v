`timescale 1ns / 1ps
`default_nettype none
// Sniffer for the CH debug UART: timestamps every byte at the falling edge
// of its start bit (the UART message, docs/protocol.md).
//
// bit_clocks is the bit time in FPGA clocks (104 for 115 200 baud at
// 12 MHz); 0 switches the sniffer off. A byte becomes a 7-byte record,
// least significant byte first: ts[47:0], byte. A byte with a low stop bit is reported
// as a framing error instead. quiet rises once the line has carried no byte
// for two character times (20 bit times), the cue to send a partial frame.
module sniffer #(
    parameter integer TS_W = 48,
    parameter integer ST_W = 20   // width of err_ts, an event stamp
) (
    input  wire            clk,
    input  wire            rst,
    input  wire [TS_W-1:0] now,
    input  wire [15:0]     bit_clocks,
    input  wire            rx,
    output reg             byte_valid,  // one-clock pulse
    output wire [55:0]     byte_rec,
    output reg             err_valid,   // one-clock pulse: framing error
    output reg  [ST_W-1:0] err_ts,
    output reg             quiet
);
    wire       off = (bit_clocks == 16'd0);
    wire [7:0] data;
    wire       valid;
    wire       frame_err;
    wire       start;

    uart_rx #(.DIV_W(16)) u_rx (
        .clk(clk), .rst(rst || off), .clks_per_bit(bit_clocks), .rx(rx),
        .data(data), .valid(valid), .frame_err(frame_err), .start(start)
    );

    reg [TS_W-1:0] start_ts;
    reg [TS_W-1:0] rec_ts;
    reg [15:0]     bit_count;  // clocks left in the current bit time, 0 or 1 on its last
    reg [4:0]      idle_bits;

    // The receiver holds its byte until the next one, so it is not copied.
    assign byte_rec = {data, rec_ts[47:0]};

    always @(posedge clk) begin
        byte_valid <= 1'b0;
        err_valid  <= 1'b0;
        if (rst || off) begin
            start_ts  <= {TS_W{1'b0}};
            rec_ts    <= {TS_W{1'b0}};
            err_ts    <= {ST_W{1'b0}};
            bit_count <= 16'd0;
            idle_bits <= 5'd0;
            quiet     <= 1'b1;
        end else begin
            if (start) start_ts <= now;
            if (valid) begin
                byte_valid <= 1'b1;
                rec_ts     <= start_ts;
            end
            if (frame_err) begin
                err_valid <= 1'b1;
                err_ts    <= start_ts[ST_W-1:0];
            end
            if (valid || frame_err) begin
                bit_count <= bit_clocks;
                idle_bits <= 5'd0;
                quiet     <= 1'b0;
            end else if (!quiet) begin
                if (bit_count[15:1] == 15'd0) begin
                    bit_count <= bit_clocks;
                    idle_bits <= idle_bits + 1'b1;
                    if (idle_bits == 5'd19) quiet <= 1'b1;
                end else begin
                    bit_count <= bit_count - 1'b1;
                end
            end
        end
    end
endmodule
`default_nettype wire
