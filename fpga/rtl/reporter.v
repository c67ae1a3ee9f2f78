`timescale 1ns / 1ps
`default_nettype none
// Chooses the next FPGA-to-host frame and supplies its payload bytes to
// frame_tx (docs/protocol.md, "f2h" messages).
//
// Priority: answers to host frames (in order, from the reply FIFO), then an
// unsolicited STATUS after a state change, then EVENTS, UART bytes and
// SAMPLES. Streams read their records from word FIFOs; a record is popped
// into rec just before its first byte is asked for, so the FIFO's words are
// sent as they are. The frame header's tick is that of the first record,
// read from rec before the record's own bytes go out.
//
// EVENTS frames carry one record each. Debounced input edges are stamped
// with the tick their transition began, earlier than events detected in the
// meantime, and one record per frame is what keeps every frame's records in
// tick order without a sorting buffer; the cost is 8 bytes per event, far
// inside the budget. UART frames go out at 19 bytes or once the CH line
// has been quiet for two character times; SAMPLES frames at 7 blocks or
// when their oldest block has waited FLUSH_TICKS.
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
    // Word FIFOs: events (3 words a record), UART bytes (2), sample blocks (4).
    input  wire [8:0]      ev_level,
    input  wire [8:0]      ch_level,
    input  wire            ch_quiet,
    input  wire [8:0]      blk_level,
    output wire            ev_rd,
    output wire            ch_rd,
    output wire            blk_rd,
    input  wire [31:0]     ev_word,
    input  wire [31:0]     ch_word,
    input  wire [31:0]     blk_word,
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
    localparam [2:0] R_IDLE = 3'd0, R_REPLY = 3'd1, R_LOAD = 3'd2, R_SEND = 3'd3,
                     R_BODY = 3'd4, R_LOAD_MID = 3'd5, R_END = 3'd6;
    localparam [1:0] SRC_EV = 2'd0, SRC_CH = 2'd1, SRC_BLK = 2'd2;
    localparam integer FLUSH = (FLUSH_TICKS > 65535) ? 65535 : FLUSH_TICKS;

    reg [2:0]      rstate;
    reg [2:0]      fkind;
    reg [31:0]     answer;  // {type, seq, info}
    reg [1:0]      src;
    reg [2:0]      words_left;  // reads still to issue
    reg [2:0]      words_in;    // words still to arrive
    reg [1:0]      widx;
    reg [127:0]    rec;
    reg [4:0]      n;           // records in this frame
    reg [4:0]      k;           // record being sent
    reg [2:0]      roff;        // byte offset within the record's wire bytes
    reg [31:0]     prev_ts;     // UART: start bit of the previous byte (low bits)
    reg [15:0]     gap;
    reg [2:0]      last_state;
    reg            status_due;
    reg [15:0]     blk_wait;    // ticks the oldest unsent block has waited

    // STATUS payload, captured whole when the frame starts so no field
    // tears while it goes out, then shifted out a byte at a time (on the
    // iCE40 a shift register packs each bit into one logic cell; a byte
    // multiplexer over held bits would need about twice that).
    reg [207:0] status;

    // Whole records only: the writer may be part-way through one.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [8:0] ch_half  = ch_level >> 1;
    wire [8:0] blk_quar = blk_level >> 2;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [6:0] ch_recs  = ch_half[6:0];
    wire [6:0] blk_recs = blk_quar[6:0];
    wire       ev_ready  = ev_level >= 9'd3;
    wire       ch_ready  = (ch_recs >= 7'd19) || (ch_recs != 7'd0 && ch_quiet);
    wire       blk_ready = (blk_recs >= 7'd7) || (blk_recs != 7'd0 && blk_wait >= FLUSH[15:0]);

    wire issuing = (rstate == R_LOAD || rstate == R_LOAD_MID) && words_left != 3'd0;
    assign ev_rd  = issuing && src == SRC_EV;
    assign ch_rd  = issuing && src == SRC_CH;
    assign blk_rd = issuing && src == SRC_BLK;
    wire        rvalid = (src == SRC_EV) ? ev_rvalid : (src == SRC_CH) ? ch_rvalid : blk_rvalid;
    wire [31:0] rword  = (src == SRC_EV) ? ev_word : (src == SRC_CH) ? ch_word : blk_word;

    // Record timestamps (UART and SAMPLES records start with a 48-bit tick).
    // Bytes of one UART frame are never 2^32 ticks apart, so 32 bits of the
    // difference decide the saturated gap.
    wire [TS_W-1:0] rec_ts  = rec[47:0];
    wire [31:0]     ts_diff = rec_ts[31:0] - prev_ts;

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

    function [7:0] byte_of(input [47:0] v, input [2:0] i);
        byte_of = v[8 * i +: 8];
    endfunction

    // IDENTIFY_REPLY is constant: a 32-byte table the tools turn into LUTs.
    wire [255:0] identify = {CAPS, 8'd12, 8'd16, MIN_BLOCK_TICKS, FIFO_DEPTH,
                             MAX_DAC_CODE, ADC_RATE_HZ, TICK_HZ, CLOCK_HZ, BOARD_ID,
                             GW_VERSION, 8'd0, 8'd1};

    // The byte at pl_index of the current frame (record bytes from rec).
    reg [7:0] body;
    always @(*) begin
        case (fkind)
            F_ACK:      body = (pl_index == 7'd0) ? answer[31:24] : (pl_index == 7'd1) ? answer[23:16] :
                               (pl_index == 7'd2) ? answer[7:0] : answer[15:8];
            F_NAK:      body = (pl_index == 7'd0) ? answer[31:24] : (pl_index == 7'd1) ? answer[23:16] :
                               (pl_index == 7'd2) ? answer[7:0] : answer[15:8];
            F_IDENTIFY: body = pick8(identify, pl_index[4:0]);
            F_STATUS:   body = status[7:0];
            F_EVENTS:   body = (pl_index == 7'd0) ? 8'd1 : rec[7:0];
            F_UART: begin
                if (pl_index < 7'd6) body = byte_of(rec_ts, pl_index[2:0]);
                else if (pl_index == 7'd6) body = {3'd0, n};
                else if (roff == 3'd0) body = rec[55:48];
                else if (roff == 3'd1) body = gap[7:0];
                else body = gap[15:8];
            end
            default: begin
                if (pl_index < 7'd6) body = byte_of(rec_ts, pl_index[2:0]);
                else if (pl_index == 7'd6) body = {3'd0, n};
                else body = rec[71:64];
            end
        endcase
    end

    // A UART or SAMPLES record after the first starts with a fresh pop.
    wire rec_bytes = (fkind == F_UART || fkind == F_SAMPLES) && pl_index >= 7'd7;
    wire need_next = rec_bytes && roff == 3'd0 && k != 5'd0;

    // A payload byte is answered now: a request that needs no pop, or the
    // one that waited for its record (R_END).
    wire ack_now = (rstate == R_BODY && pl_req && !need_next) || rstate == R_END;
    wire rec_end = (fkind == F_UART) ? (roff == 3'd2) : (roff == 3'd7);

    task load(input [1:0] from, input [2:0] words);
        begin
            src        <= from;
            words_left <= words;
            words_in   <= words;
            widx       <= 2'd0;
        end
    endtask

    always @(posedge clk) begin
        send     <= 1'b0;
        pl_ack   <= 1'b0;
        reply_rd <= 1'b0;
        if (rst) begin
            rstate     <= R_IDLE;
            fkind      <= F_ACK;
            answer     <= 32'd0;
            src        <= SRC_EV;
            words_left <= 3'd0;
            words_in   <= 3'd0;
            widx       <= 2'd0;
            n          <= 5'd0;
            k          <= 5'd0;
            roff       <= 3'd0;
            prev_ts    <= 32'd0;
            gap        <= 16'd0;
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

            if (issuing) words_left <= words_left - 1'b1;
            if (rvalid && words_in != 3'd0) begin
                widx     <= widx + 1'b1;
                words_in <= words_in - 1'b1;
            end

            case (rstate)
                R_IDLE: begin
                    k    <= 5'd0;
                    roff <= 3'd0;
                    if (!reply_empty) begin
                        reply_rd <= 1'b1;
                        rstate   <= R_REPLY;
                    end else if (status_due) begin
                        fkind  <= F_STATUS;
                        rstate <= R_SEND;
                    end else if (ev_ready) begin
                        fkind  <= F_EVENTS;
                        n      <= 5'd1;
                        load(SRC_EV, 3'd3);
                        rstate <= R_LOAD;
                    end else if (ch_ready) begin
                        fkind  <= F_UART;
                        n      <= (ch_recs >= 7'd19) ? 5'd19 : ch_recs[4:0];
                        load(SRC_CH, 3'd2);
                        rstate <= R_LOAD;
                    end else if (blk_ready) begin
                        fkind    <= F_SAMPLES;
                        n        <= (blk_recs >= 7'd7) ? 5'd7 : blk_recs[4:0];
                        blk_wait <= 16'd0;
                        load(SRC_BLK, 3'd4);
                        rstate   <= R_LOAD;
                    end
                end
                R_REPLY: begin
                    if (reply_rvalid) begin
                        answer <= reply_data[31:0];
                        fkind  <= {1'b0, reply_data[33:32]};
                        rstate <= R_SEND;
                    end
                end
                R_LOAD: begin
                    if (words_left == 3'd0 && words_in == 3'd0) begin
                        prev_ts    <= rec_ts[31:0];
                        gap        <= 16'd0;
                        rstate     <= R_SEND;
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
                        if (need_next) begin
                            load((fkind == F_UART) ? SRC_CH : SRC_BLK, (fkind == F_UART) ? 3'd2 : 3'd4);
                            rstate <= R_LOAD_MID;
                        end
                    end else if (!tx_busy && !send) begin
                        rstate <= R_IDLE;
                    end
                end
                R_LOAD_MID: begin
                    if (words_left == 3'd0 && words_in == 3'd0) begin
                        prev_ts <= rec_ts[31:0];
                        gap     <= (ts_diff > 32'd65535) ? 16'hffff : ts_diff[15:0];
                        rstate  <= R_END;
                    end
                end
                default: rstate <= R_BODY;  // R_END: the popped record is in
            endcase
            if (ack_now) begin
                pl_ack  <= 1'b1;
                pl_byte <= body;
                if (rec_bytes) begin
                    roff <= rec_end ? 3'd0 : roff + 1'b1;
                    if (rec_end) k <= k + 1'b1;
                end
            end
        end
    end

    // STATUS: captured at the frame start, shifted a byte per answer.
    always @(posedge clk) begin
        if (rst) begin
            status <= 208'd0;
        end else if (rstate == R_SEND && fkind == F_STATUS) begin
            status <= {seg_id, dac_code, io, last_rx_seq, rx_dropped, crc_errors, overruns,
                       underruns, fifo_level, 5'd0, trips, 5'd0, state, now};
        end else if (ack_now && fkind == F_STATUS) begin
            status <= status >> 8;
        end
    end

    // Stream records: words land as they are read; EVENTS and SAMPLES
    // bytes are then shifted out of the bottom.
    wire rec_shift = ack_now && ((fkind == F_EVENTS && pl_index != 7'd0) ||
                                 (fkind == F_SAMPLES && rec_bytes));
    always @(posedge clk) begin
        if (rst) begin
            rec <= 128'd0;
        end else if (rvalid && words_in != 3'd0) begin
            case (widx)
                2'd0:    rec[31:0] <= rword;
                2'd1:    rec[63:32] <= rword;
                2'd2:    rec[95:64] <= rword;
                default: rec[127:96] <= rword;
            endcase
        end else if (rec_shift) begin
            rec <= rec >> 8;
        end
    end
endmodule
`default_nettype wire
