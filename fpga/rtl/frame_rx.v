`timescale 1ns / 1ps
`default_nettype none
// Link frame decoder, host to FPGA (docs/protocol.md, "Framing").
//
// Hunts for SYNC0 0xA5, then expects SYNC1 0x5A (another 0xA5 there is a new
// SYNC0), then TYPE, SEQ, LEN, LEN payload bytes and the CRC, high byte
// first. The CRC register runs over TYPE..CRC and must end at zero. A
// candidate is dropped at once when LEN > 64 (oversize), when the CRC fails,
// or when more than TIMEOUT_TICKS ticks pass between two of its bytes; the
// hunt then resumes with the next byte (the gateware's simpler resync rule).
// Nothing of a rejected candidate is acted on.
//
// Payload bytes are not stored here: each one is handed on as it arrives
// (pl_valid with its index, payload byte 0 first), and the receiver of the
// stream keeps what it needs, acting on it only once frame_valid confirms
// the frame. Payloads up to 64 bytes pass through; the CRC covers them all.
module frame_rx #(
    parameter integer TIMEOUT_TICKS = 1000
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       tick,
    input  wire [7:0] in_data,
    input  wire       in_valid,
    output reg        frame_valid,  // one-clock pulse: a good frame
    output reg  [7:0] frame_type,   // steady from TYPE until the next frame's TYPE
    output reg  [7:0] frame_seq,
    output reg  [6:0] frame_len,
    output wire       pl_valid,     // a payload byte of the frame being received
    output wire [6:0] pl_index,
    output wire [7:0] pl_data,
    output reg        crc_error,    // one-clock pulse
    output reg        dropped       // one-clock pulse: oversize or time-out
);
    localparam [2:0] HUNT = 3'd0, SYNC1 = 3'd1, TYPE = 3'd2, SEQ = 3'd3,
                     LEN = 3'd4, PAYLOAD = 3'd5, CRC_HI = 3'd6, CRC_LO = 3'd7;
    localparam integer TW = $clog2(TIMEOUT_TICKS + 2);
    localparam [TW-1:0] TIMEOUT = TIMEOUT_TICKS[TW-1:0];

    reg [2:0]    state;
    reg [15:0]   crc;
    reg [6:0]    index;
    reg [TW-1:0] idle_ticks;

    assign pl_valid = in_valid && state == PAYLOAD;
    assign pl_index = index;
    assign pl_data  = in_data;

    localparam integer GREATER_W = 8;
    `include "greater.vh"

    wire [15:0] crc_next;
    crc16 u_crc (.crc_in(crc), .data(in_data), .crc_out(crc_next));

    always @(posedge clk) begin
        frame_valid <= 1'b0;
        crc_error   <= 1'b0;
        dropped     <= 1'b0;
        if (rst) begin
            state      <= HUNT;
            crc        <= 16'hffff;
            index      <= 7'd0;
            idle_ticks <= {TW{1'b0}};
            frame_type <= 8'd0;
            frame_seq  <= 8'd0;
            frame_len  <= 7'd0;
        end else if (in_valid) begin
            idle_ticks <= {TW{1'b0}};
            crc        <= crc_next;
            case (state)
                HUNT:  if (in_data == 8'ha5) state <= SYNC1;
                SYNC1: begin
                    crc <= 16'hffff;
                    if (in_data == 8'h5a) state <= TYPE;
                    else if (in_data != 8'ha5) state <= HUNT;
                end
                TYPE: begin
                    frame_type <= in_data;
                    state      <= SEQ;
                end
                SEQ: begin
                    frame_seq <= in_data;
                    state     <= LEN;
                end
                LEN: begin
                    frame_len <= in_data[6:0];
                    index     <= 7'd0;
                    if (greater(in_data, 8'd64)) begin
                        state   <= HUNT;
                        dropped <= 1'b1;
                    end else begin
                        state <= (in_data == 8'd0) ? CRC_HI : PAYLOAD;
                    end
                end
                PAYLOAD: begin
                    index <= index + 1'b1;
                    if (index + 1'b1 == frame_len) state <= CRC_HI;
                end
                CRC_HI: state <= CRC_LO;
                default: begin
                    state <= HUNT;
                    if (crc_next == 16'h0000) frame_valid <= 1'b1;
                    else crc_error <= 1'b1;
                end
            endcase
        end else if (tick && state != HUNT) begin
            if (idle_ticks == TIMEOUT) begin
                state   <= HUNT;
                dropped <= (state != SYNC1);
            end else begin
                idle_ticks <= idle_ticks + 1'b1;
            end
        end
    end
endmodule
`default_nettype wire
