`timescale 1ns / 1ps
`default_nettype none
// CRC-16/CCITT-FALSE (polynomial 0x1021, MSB first, no reflection) advanced
// by one byte: combinational, eight bit steps unrolled. The link frame CRC
// starts at 0xFFFF; running a good frame's CRC bytes through it too leaves 0.
module crc16 (
    input  wire [15:0] crc_in,
    input  wire [7:0]  data,
    output reg  [15:0] crc_out
);
    integer i;
    always @(*) begin
        crc_out = crc_in;
        for (i = 7; i >= 0; i = i - 1) begin
            crc_out = {crc_out[14:0], 1'b0} ^ ((crc_out[15] ^ data[i]) ? 16'h1021 : 16'h0000);
        end
    end
endmodule
`default_nettype wire
