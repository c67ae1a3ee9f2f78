`timescale 1ns / 1ps
`default_nettype none
// Link frame encoder, FPGA to host (docs/protocol.md, "Framing").
//
// send (while idle) starts a frame of type and len payload bytes; the
// encoder writes SYNC0 SYNC1 TYPE SEQ LEN, then asks its owner for each
// payload byte (pl_req with pl_index; the owner answers with pl_ack and
// pl_byte on any later clock, so a byte can come straight out of a FIFO),
// then the CRC-16, high byte first. SEQ starts at 0 after reset and counts
// every frame sent. The CRC is folded in as each byte is loaded for the
// UART; one byte waits in tx_data while the UART shifts the previous one,
// so frames leave back to back at the full line rate as long as the owner
// answers a payload request within a character time.
module frame_tx (
    input  wire       clk,
    input  wire       rst,
    input  wire       send,
    input  wire [7:0] type_in,
    input  wire [6:0] len_in,
    output wire       busy,
    output reg        pl_req,     // one-clock pulse
    output reg  [6:0] pl_index,
    input  wire       pl_ack,
    input  wire [7:0] pl_byte,
    output reg  [7:0] tx_data,
    output reg        tx_valid,
    input  wire       tx_ready
);
    localparam [3:0] IDLE = 4'd0, SYNC1 = 4'd1, TYPE = 4'd2, SEQ = 4'd3, LEN = 4'd4,
                     ASK = 4'd5, WAIT = 4'd6, CRC_HI = 4'd7, CRC_LO = 4'd8, DRAIN = 4'd9;

    reg [3:0]  state;
    reg [7:0]  ftype;
    reg [6:0]  len;
    reg [7:0]  seq;
    reg [15:0] crc;
    reg [7:0]  fold_byte;

    wire [15:0] crc_next;
    crc16 u_crc (.crc_in(crc), .data(fold_byte), .crc_out(crc_next));

    assign busy = (state != IDLE);

    wire free = !tx_valid || tx_ready;  // tx_data may take a new byte

    // What the current state puts on the line next, and whether the CRC covers it.
    always @(*) begin
        case (state)
            SYNC1:   fold_byte = ftype;
            TYPE:    fold_byte = ftype;
            SEQ:     fold_byte = seq;
            LEN:     fold_byte = {1'b0, len};
            default: fold_byte = pl_byte;
        endcase
    end

    always @(posedge clk) begin
        pl_req <= 1'b0;
        if (rst) begin
            state    <= IDLE;
            ftype    <= 8'd0;
            len      <= 7'd0;
            seq      <= 8'd0;
            crc      <= 16'hffff;
            pl_index <= 7'd0;
            tx_data  <= 8'd0;
            tx_valid <= 1'b0;
        end else begin
            if (tx_valid && tx_ready) tx_valid <= 1'b0;
            case (state)
                IDLE: if (send) begin
                    state    <= SYNC1;
                    ftype    <= type_in;
                    len      <= len_in;
                    crc      <= 16'hffff;
                    pl_index <= 7'd0;
                    tx_data  <= 8'ha5;
                    tx_valid <= 1'b1;
                end
                SYNC1: if (free) begin
                    tx_data  <= 8'h5a;
                    tx_valid <= 1'b1;
                    state    <= TYPE;
                end
                TYPE, SEQ, LEN: if (free) begin
                    tx_data  <= fold_byte;
                    tx_valid <= 1'b1;
                    crc      <= crc_next;
                    state    <= (state == TYPE) ? SEQ : (state == SEQ) ? LEN :
                                (len == 7'd0) ? CRC_HI : ASK;
                end
                // The UART still shifts the previous byte for a whole
                // character time, ample time for the owner to answer.
                ASK: if (!tx_valid) begin
                    pl_req <= 1'b1;
                    state  <= WAIT;
                end
                WAIT: if (pl_ack) begin
                    tx_data  <= pl_byte;
                    tx_valid <= 1'b1;
                    crc      <= crc_next;
                    pl_index <= pl_index + 1'b1;
                    state    <= (pl_index + 1'b1 == len) ? CRC_HI : ASK;
                end
                CRC_HI: if (free) begin
                    tx_data  <= crc[15:8];
                    tx_valid <= 1'b1;
                    state    <= CRC_LO;
                end
                CRC_LO: if (free) begin
                    tx_data  <= crc[7:0];
                    tx_valid <= 1'b1;
                    state    <= DRAIN;
                end
                default: if (free) begin
                    state <= IDLE;
                    seq   <= seq + 1'b1;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
