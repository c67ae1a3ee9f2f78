`timescale 1ns / 1ps
`default_nettype none
// Chooses the next FPGA-to-host frame and supplies its payload bytes to
// frame_tx (docs/protocol.md, "f2h" messages).
//
// Priority: answers to host frames (in order, from the reply FIFO), then an
// unsolicited STATUS after a state change, then EVENTS, UART bytes and
// SAMPLES.
//
// The three streams live in byte-wide block-RAM FIFOs, each record in wire
// byte order (event_queue.v, rec_writer.v):
//   event   12 bytes: tick[47:0], kind, arg, value[31:0]
//   UART     7 bytes: tick[47:0] (the start bit), the byte
//   block   14 bytes: tick[47:0], v_min, v_max, a_min, a_max (u16 each)
// so a payload byte is mostly one FIFO read, issued when frame_tx asks for
// the byte and answered when it arrives (frame_tx allows a character time).
// The frame header's tick is the first record's own tick bytes; a later
// UART or SAMPLES record's tick is read and dropped (blocks of a frame are
// consecutive), except that a UART record's low 32 tick bits are
// subtracted, a byte at a time with a borrow, from those of the record
// before it to give the gap (saturated at 65535 when bits 16..31 of the
// difference are not all zero). The writers announce each whole record
// with a push pulse; the counts of whole records are kept here, and a
// frame's records leave the counts when the frame is chosen.
//
// EVENTS frames carry one record each. Debounced input edges are stamped
// with the tick their transition began, earlier than events detected in the
// meantime, and one record per frame is what keeps every frame's records in
// tick order without a sorting buffer; the cost is 8 bytes per event, far
// inside the budget. UART frames go out at 19 bytes or once the CH line
// has been quiet for two character times; SAMPLES frames at 7 blocks or
// when their oldest unsent block has waited FLUSH_TICKS.
module reporter #(
    parameter integer    TS_W            = 48,
    parameter integer    FLUSH_TICKS     = 20000,
    parameter [15:0]     BOARD_ID        = 16'd1,
    parameter [31:0]     CLOCK_HZ        = 32'd12_000_000,
    parameter [31:0]     TICK_HZ         = 32'd1_000_000,
    parameter [31:0]     ADC_RATE_HZ     = 32'd250_000,
    parameter [15:0]     MAX_DAC_CODE    = 16'hffff,
    parameter [15:0]     FIFO_DEPTH      = 16'd64,
    parameter [15:0]     MIN_BLOCK_TICKS = 16'd10,
    parameter [31:0]     GW_VERSION      = 32'h0000_0100, // {patch16, minor8, major8}
    parameter [31:0]     CAPS            = 32'h0000_003f
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            tick,
    input  wire [TS_W-1:0] now,
    // Answers.
    input  wire            reply_empty,
    output reg             reply_rd,
    input  wire [33:0]     reply_data,
    input  wire            reply_rvalid,
    // STATUS fields.
    input  wire [2:0]      state,
    input  wire [2:0]      trips,
    input  wire [15:0]     fifo_level,
    input  wire [15:0]     underruns,
    input  wire [15:0]     overruns,
    input  wire [15:0]     crc_errors,
    input  wire [15:0]     rx_dropped,
    input  wire [7:0]      last_rx_seq,
    input  wire [7:0]      io,
    input  wire [15:0]     dac_code,
    input  wire [31:0]     seg_id,
    // Byte FIFOs: events, UART bytes, sample blocks. A push pulse says one
    // more whole record is in.
    input  wire            ev_push,
    input  wire            ch_push,
    input  wire            blk_push,
    input  wire            ch_quiet,
    output wire            ev_rd,
    output wire            ch_rd,
    output wire            blk_rd,
    input  wire [7:0]      ev_byte,
    input  wire [7:0]      ch_byte,
    input  wire [7:0]      blk_byte,
    input  wire            ev_rvalid,
    input  wire            ch_rvalid,
    input  wire            blk_rvalid,
    // frame_tx.
    output reg             send,
    output reg  [7:0]      send_type,
    output reg  [6:0]      send_len,
    input  wire            tx_busy,
    input  wire            pl_req,
    input  wire [6:0]      pl_index,
    output reg             pl_ack,
    output reg  [7:0]      pl_byte
);
    localparam [2:0] F_ACK = 3'd0, F_NAK = 3'd1, F_IDENTIFY = 3'd2, F_STATUS = 3'd3,
                     F_EVENTS = 3'd4, F_UART = 3'd5, F_SAMPLES = 3'd6;
    localparam [2:0] R_IDLE = 3'd0, R_REPLY = 3'd1, R_SEND = 3'd2, R_BODY = 3'd3,
                     R_FETCH = 3'd4;
    localparam [1:0] SRC_EV = 2'd0, SRC_CH = 2'd1, SRC_BLK = 2'd2;
    localparam integer FLUSH = (FLUSH_TICKS > 65535) ? 65535 : FLUSH_TICKS;

    reg [2:0]  rstate;
    reg [2:0]  fkind;
    // The answer being sent, {type, seq, info}, is the reply FIFO's output
    // register, which holds it until the next read (the next answer frame).
    wire [31:0] answer = reply_data[31:0];
    reg [4:0]  n;          // records in this frame
    reg        later;      // past the frame's first record
    reg [2:0]  roff;       // byte offset within a record's wire bytes
    reg [2:0]  to_read;    // FIFO reads still to issue for this byte
    reg [2:0]  to_get;     // FIFO bytes still to arrive; the last is sent
    reg [31:0] prev_ts;    // UART: low tick bits of the previous byte, shifted a byte per read
    reg        borrow;
    reg [15:0] gap;
    reg        gap_sat;
    reg [2:0]  last_state;
    reg        status_due;
    reg [15:0] blk_wait;   // ticks the oldest unsent block has waited
    reg [6:0]  ev_recs;    // whole records in each FIFO not yet in a frame
    reg [7:0]  ch_recs;
    reg [6:0]  blk_recs;

    // STATUS payload, captured whole when the frame starts so no field
    // tears while it goes out, then shifted out a byte at a time (on the
    // iCE40 a shift register packs each bit into one logic cell; a byte
    // multiplexer over held bits would need about twice that).
    reg [207:0] status;

    localparam integer GREATER_W = 16;
    `include "greater.vh"

    // A build without the sniffer (CAPS bit 2 clear) never sends a UART
    // frame; saying so here lets the tools drop the gap arithmetic, which
    // they cannot see is idle.
    localparam [0:0] HAS_UART = CAPS[2];
    wire uart = HAS_UART && fkind == F_UART;

    wire ev_ready  = ev_recs != 7'd0;
    wire ch_full   = !greater(16'd19, {8'd0, ch_recs});
    wire blk_full  = !greater(16'd7, {9'd0, blk_recs});
    wire ch_ready  = HAS_UART && (ch_full || (ch_recs != 8'd0 && ch_quiet));
    wire blk_ready = blk_full || (blk_recs != 7'd0 && !greater(FLUSH[15:0], blk_wait));

    wire [1:0] src = (fkind == F_EVENTS) ? SRC_EV : uart ? SRC_CH : SRC_BLK;
    wire issuing   = (rstate == R_FETCH) && to_read != 3'd0;
    assign ev_rd   = issuing && src == SRC_EV;
    assign ch_rd   = issuing && src == SRC_CH;
    assign blk_rd  = issuing && src == SRC_BLK;
    wire       rvalid = (src == SRC_EV) ? ev_rvalid : (src == SRC_CH) ? ch_rvalid : blk_rvalid;
    wire [7:0] rbyte  = (src == SRC_EV) ? ev_byte : (src == SRC_CH) ? ch_byte : blk_byte;
    wire       got    = (rstate == R_FETCH) && rvalid && to_get != 3'd0;

    // Byte i of the constant IDENTIFY_REPLY, as a balanced multiplexer tree
    // (a chain of compares would cost several times the LUTs).
    function [7:0] pick8(input [255:0] v, input [4:0] i);
        reg [127:0] h;
        reg [63:0]  q;
        reg [31:0]  e;
        reg [15:0]  w;
        begin
            h     = i[4] ? v[255:128] : v[127:0];
            q     = i[3] ? h[127:64] : h[63:0];
            e     = i[2] ? q[63:32] : q[31:0];
            w     = i[1] ? e[31:16] : e[15:0];
            pick8 = i[0] ? w[15:8] : w[7:0];
        end
    endfunction

    // IDENTIFY_REPLY is constant: a 32-byte table the tools turn into LUTs.
    wire [255:0] identify = {CAPS, 8'd12, 8'd16, MIN_BLOCK_TICKS, FIFO_DEPTH,
                             MAX_DAC_CODE, ADC_RATE_HZ, TICK_HZ, CLOCK_HZ, BOARD_ID,
                             GW_VERSION, 8'd0, 8'd1};

    // Where the byte at pl_index comes from: the stream FIFO (header tick
    // bytes and record bytes), or a byte made here.
    wire in_recs   = (uart || fkind == F_SAMPLES) && greater({9'd0, pl_index}, 16'd6);
    wire from_fifo = (fkind == F_EVENTS) ? (pl_index != 7'd0) :
                     uart ? (greater(16'd6, {9'd0, pl_index}) || (in_recs && roff == 3'd0)) :
                     (fkind == F_SAMPLES) ? (pl_index != 7'd6) : 1'b0;
    // A later UART or SAMPLES record starts with its 6 tick bytes to read first.
    wire skip_tick = in_recs && roff == 3'd0 && later;
    wire rec_end   = uart ? (roff == 3'd2) : (roff == 3'd7);

    reg [7:0] made;
    always @(*) begin
        case (fkind)
            F_ACK, F_NAK: made = (pl_index == 7'd0) ? answer[31:24] : (pl_index == 7'd1) ? answer[23:16] :
                                 (pl_index == 7'd2) ? answer[7:0] : answer[15:8];
            F_IDENTIFY:   made = pick8(identify, pl_index[4:0]);
            F_STATUS:     made = status[7:0];
            F_EVENTS:     made = 8'd1;
            F_UART: begin
                if (pl_index == 7'd6) made = {3'd0, n};
                else if (roff == 3'd1) made = gap_sat ? 8'hff : gap[7:0];
                else made = gap_sat ? 8'hff : gap[15:8];
            end
            default:      made = {3'd0, n};
        endcase
    end

    // A UART tick byte arriving: the header's (pl_index 0..3) only seed
    // prev_ts; a later record's (to_get 7..4 for bytes 0..3) also give the
    // gap, low bytes first.
    wire       skipping = to_get > 3'd1;
    wire       ts_low   = uart && (skipping ? to_get[2] : greater(16'd4, {9'd0, pl_index}));
    wire [8:0] diff     = {1'b0, rbyte} - {1'b0, prev_ts[7:0]} - {8'd0, borrow};

    task take_byte(input [7:0] b);
        begin
            pl_ack  <= 1'b1;
            pl_byte <= b;
            if (in_recs) begin
                roff <= rec_end ? 3'd0 : roff + 1'b1;
                if (rec_end) later <= 1'b1;
            end
        end
    endtask

    // Record counts: + a push, - the records of a frame when it is chosen.
    wire       take_ev  = rstate == R_IDLE && reply_empty && !status_due && ev_ready;
    wire       take_ch  = rstate == R_IDLE && reply_empty && !status_due && !ev_ready && ch_ready;
    wire       take_blk = rstate == R_IDLE && reply_empty && !status_due && !ev_ready && !ch_ready &&
                          blk_ready;
    wire [4:0] ch_n     = ch_full ? 5'd19 : ch_recs[4:0];
    wire [4:0] blk_n    = blk_full ? 5'd7 : blk_recs[4:0];

    always @(posedge clk) begin
        if (rst) begin
            ev_recs  <= 7'd0;
            ch_recs  <= 8'd0;
            blk_recs <= 7'd0;
        end else begin
            ev_recs  <= ev_recs + {6'd0, ev_push} - {6'd0, take_ev};
            ch_recs  <= ch_recs + {7'd0, ch_push} - (take_ch ? {3'd0, ch_n} : 8'd0);
            blk_recs <= blk_recs + {6'd0, blk_push} - (take_blk ? {2'd0, blk_n} : 7'd0);
        end
    end

    always @(posedge clk) begin
        send     <= 1'b0;
        pl_ack   <= 1'b0;
        reply_rd <= 1'b0;
        if (rst) begin
            rstate     <= R_IDLE;
            fkind      <= F_ACK;
            n          <= 5'd0;
            later      <= 1'b0;
            roff       <= 3'd0;
            to_read    <= 3'd0;
            to_get     <= 3'd0;
            prev_ts    <= 32'd0;
            borrow     <= 1'b0;
            gap        <= 16'd0;
            gap_sat    <= 1'b0;
            last_state <= 3'd0;
            status_due <= 1'b0;
            blk_wait   <= 16'd0;
            send_type  <= 8'd0;
            send_len   <= 7'd0;
            pl_byte    <= 8'd0;
        end else begin
            last_state <= state;
            if (state != last_state) status_due <= 1'b1;
            if (blk_recs == 7'd0) blk_wait <= 16'd0;
            else if (tick && blk_wait != 16'hffff) blk_wait <= blk_wait + 1'b1;

            case (rstate)
                R_IDLE: begin
                    later   <= 1'b0;
                    roff    <= 3'd0;
                    gap     <= 16'd0;
                    gap_sat <= 1'b0;
                    if (!reply_empty) begin
                        reply_rd <= 1'b1;
                        rstate   <= R_REPLY;
                    end else if (status_due) begin
                        fkind  <= F_STATUS;
                        rstate <= R_SEND;
                    end else if (take_ev) begin
                        fkind  <= F_EVENTS;
                        n      <= 5'd1;
                        rstate <= R_SEND;
                    end else if (take_ch) begin
                        fkind  <= F_UART;
                        n      <= ch_n;
                        rstate <= R_SEND;
                    end else if (take_blk) begin
                        fkind    <= F_SAMPLES;
                        n        <= blk_n;
                        blk_wait <= 16'd0;
                        rstate   <= R_SEND;
                    end
                end
                R_REPLY: begin
                    if (reply_rvalid) begin
                        fkind  <= {1'b0, reply_data[33:32]};
                        rstate <= R_SEND;
                    end
                end
                R_SEND: begin
                    send   <= 1'b1;
                    rstate <= R_BODY;
                    case (fkind)
                        F_ACK:      begin send_type <= 8'h86; send_len <= 7'd4; end
                        F_NAK:      begin send_type <= 8'h87; send_len <= 7'd4; end
                        F_IDENTIFY: begin send_type <= 8'h81; send_len <= 7'd32; end
                        F_STATUS: begin
                            send_type  <= 8'h85;
                            send_len   <= 7'd26;
                            status_due <= 1'b0;
                        end
                        F_EVENTS:   begin send_type <= 8'h83; send_len <= 7'd13; end
                        F_UART:     begin send_type <= 8'h84; send_len <= 7'd7 + 7'd3 * {2'd0, n}; end
                        default:    begin send_type <= 8'h82; send_len <= 7'd7 + {n[3:0], 3'd0}; end
                    endcase
                end
                R_BODY: begin
                    if (pl_req) begin
                        if (from_fifo) begin
                            to_read <= skip_tick ? 3'd7 : 3'd1;
                            to_get  <= skip_tick ? 3'd7 : 3'd1;
                            borrow  <= 1'b0;
                            gap_sat <= 1'b0;
                            rstate  <= R_FETCH;
                        end else begin
                            take_byte(made);
                        end
                    end else if (!tx_busy && !send) begin
                        rstate <= R_IDLE;
                    end
                end
                default: begin  // R_FETCH
                    if (issuing) to_read <= to_read - 1'b1;
                    if (got) begin
                        to_get <= to_get - 1'b1;
                        if (ts_low) begin
                            prev_ts <= {rbyte, prev_ts[31:8]};
                            borrow  <= diff[8];
                            if (skipping) begin
                                if (to_get == 3'd7) gap[7:0] <= diff[7:0];
                                else if (to_get == 3'd6) gap[15:8] <= diff[7:0];
                                else if (diff[7:0] != 8'd0) gap_sat <= 1'b1;
                            end
                        end
                        if (!skipping) begin
                            take_byte(rbyte);
                            rstate <= R_BODY;
                        end
                    end
                end
            endcase
        end
    end

    // STATUS: captured at the frame start, shifted a byte per answer.
    always @(posedge clk) begin
        if (rst) begin
            status <= 208'd0;
        end else if (rstate == R_SEND && fkind == F_STATUS) begin
            status <= {seg_id, dac_code, io, last_rx_seq, rx_dropped, crc_errors, overruns,
                       underruns, fifo_level, 5'd0, trips, 5'd0, state, now};
        end else if (rstate == R_BODY && pl_req && fkind == F_STATUS) begin
            status <= status >> 8;
        end
    end
endmodule
`default_nettype wire
