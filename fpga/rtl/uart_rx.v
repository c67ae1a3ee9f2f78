`timescale 1ns / 1ps
`default_nettype none
// UART receiver, 8 data bits, no parity, one stop bit, LSB first.
//
// The line passes two synchronising flops, then a bit counter samples the
// middle of every bit: the start bit is confirmed half a bit after its falling
// edge (a glitch shorter than that is ignored), each data bit one bit later,
// and the stop bit last. A low stop bit is a framing error and the byte is
// dropped. The receiver is ready for the next start bit right after sampling
// the stop bit, so a transmitter up to half a bit per frame faster still works.
// clks_per_bit is a port so one module serves the 3 Mbaud host link (4 clocks
// per bit from 12 MHz) and the CH debug-port sniffer (baud set at run time).
// start marks the falling edge that begins a candidate start bit, so a
// timestamp taken then is the byte's start bit; a glitch that fails the
// mid-bit check pulses start but yields no byte.
module uart_rx #(
    parameter integer DIV_W = 16
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [DIV_W-1:0] clks_per_bit,  // >= 4
    input  wire             rx,
    output reg  [7:0]       data,
    output reg              valid,      // one-clock pulse with data
    output reg              frame_err,  // one-clock pulse: stop bit was low
    output reg              start       // one-clock pulse: falling edge of a start bit
);
    localparam [1:0] IDLE = 2'd0, START = 2'd1, DATA = 2'd2, STOP = 2'd3;

    reg [1:0]       sync;
    reg [1:0]       state;
    reg [DIV_W-1:0] count;
    reg [2:0]       bit_index;
    reg [7:0]       shift;

    wire line = sync[1];

    always @(posedge clk) begin
        if (rst) sync <= 2'b11;
        else sync <= {sync[0], rx};
    end

    always @(posedge clk) begin
        valid     <= 1'b0;
        frame_err <= 1'b0;
        start     <= 1'b0;
        if (rst) begin
            state     <= IDLE;
            count     <= {DIV_W{1'b0}};
            bit_index <= 3'd0;
            shift     <= 8'd0;
            data      <= 8'd0;
        end else if (state == IDLE) begin
            if (!line) begin
                state <= START;
                count <= (clks_per_bit >> 1) - 1'b1;
                start <= 1'b1;
            end
        end else if (count != {DIV_W{1'b0}}) begin
            count <= count - 1'b1;
        end else begin
            count <= clks_per_bit - 1'b1;
            case (state)
                START: begin
                    if (line) begin
                        state <= IDLE;
                    end else begin
                        state     <= DATA;
                        bit_index <= 3'd0;
                    end
                end
                DATA: begin
                    shift <= {line, shift[7:1]};
                    if (bit_index == 3'd7) state <= STOP;
                    bit_index <= bit_index + 1'b1;
                end
                default: begin
                    state <= IDLE;
                    if (line) begin
                        data  <= shift;
                        valid <= 1'b1;
                    end else begin
                        frame_err <= 1'b1;
                    end
                end
            endcase
        end
    end
endmodule
`default_nettype wire
