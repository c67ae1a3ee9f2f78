`timescale 1ns / 1ps
`default_nettype none
// Command layer: checks and executes each good host frame, keeps the
// configuration and the gateware state, and queues exactly one answer per
// frame (docs/protocol.md, "Message types" and "States of the gateware").
//
// The state code is derived, not stored: TRIPPED while a trip is latched,
// else UNCONFIGURED until the first CONFIGURE, else 1 + the sequencer's
// state (IDLE, ARMED, RUNNING, DONE). Checks run in this order, and the
// first failure is the NAK: unknown type, payload length, state (TRIPPED
// when a trip is what forbids it), then the fields in payload order, then
// FIFO_FULL / EMPTY.
//
// The payload is never held whole. Its bytes stream past (frame_rx's pl_*)
// while the segment FIFO stages bytes 0..19 in its free slot (seg_fifo.v);
// here the field checks run a byte at a time as the bytes arrive, and the
// first failing field is remembered, so the verdict is ready when the frame
// ends. Kept in flip-flops: the last four payload bytes (PINS, the seg_id
// RELEASE names, compared when the frame ends) and the two bits CONFIGURE
// keeps of bytes 20 and 21. A good SEGMENT commits the staged
// slot as the newest FIFO entry; a good CONFIGURE reads the staged slot
// back (fifo_peek) and takes its fields three clocks after frame_valid,
// before the next frame's payload can reach the slot.
//
// Answers go to the reporter as 34-bit words {kind[1:0], type, seq, info}:
// kind 0 ACK (info = free FIFO entries after a SEGMENT, else 0), 1 NAK
// (info = {offset, reason}), 2 IDENTIFY_REPLY, 3 STATUS. The answer is a
// wire, written to the reply FIFO on frame_valid's own clock.
//
// The manual outputs (man_pins, man_code) are what the rail gets while the
// sequencer is not playing: reset (all off, code 0) until CONFIGURE, then
// the safe state, which CONFIGURE, STOP, CLEAR_TRIP, an underrun and every
// trip re-apply, or the last PINS command.
module ctrl #(
    parameter integer        FIFO_DEPTH      = 64,
    parameter integer        LW              = 7,    // width of the FIFO level
    parameter [15:0]         MAX_DAC_CODE    = 16'hffff,
    parameter [15:0]         MIN_BLOCK_TICKS = 16'd10,
    parameter [0:0]          SNIFFER         = 1'b1
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          frame_valid,
    input  wire [7:0]    frame_type,
    input  wire [7:0]    frame_seq,
    input  wire [6:0]    frame_len,
    input  wire          pl_valid,
    input  wire [6:0]    pl_index,
    input  wire [7:0]    pl_data,
    input  wire [159:0]  staged,        // the FIFO's read data: the staged slot after fifo_peek
    input  wire [1:0]    seq_state,
    input  wire [2:0]    seq_wait_on,
    input  wire [31:0]   seq_seg_id,
    input  wire          seq_event,     // pulse: the sequencer's port B (an entry began or ended)
    input  wire          underrun,      // pulse: the sequencer ran dry
    input  wire [LW-1:0] fifo_level,
    input  wire          tripped,       // any trip latched
    input  wire          new_trip,      // pulse: a trip just latched
    output reg  [2:0]    state,
    output reg           configured,
    // CONFIGURE fields.
    output reg  [19:0]   block_ticks,
    output reg  [15:0]   fall_code,
    output reg  [15:0]   rise_code,
    output reg  [15:0]   ovp_code,
    output reg  [15:0]   ocp_code,
    output reg  [15:0]   safe_dac_code,
    output reg  [15:0]   watchdog_ms,
    output reg  [15:0]   debounce_ticks,
    output reg  [15:0]   sniff_bit_clocks,
    output reg  [1:0]    safe_pins,
    output reg  [1:0]    flags,
    output reg           restart,       // pulse: a CONFIGURE was applied
    // Sequencer and FIFO.
    output reg           seq_arm,
    output reg           seq_start,
    output reg           seq_stop,
    output reg           release_hit,
    output reg           fifo_clear,
    output reg           fifo_commit,   // the staged SEGMENT becomes an entry
    output reg           fifo_peek,     // read the staged slot
    output reg           trip_clear,
    output reg  [1:0]    man_pins,
    output reg  [15:0]   man_code,
    output wire          reply_valid,   // with frame_valid
    output wire [33:0]   reply
);
    localparam [2:0] S_UNCONFIGURED = 3'd0, S_IDLE = 3'd1, S_ARMED = 3'd2,
                     S_RUNNING = 3'd3, S_DONE = 3'd4, S_TRIPPED = 3'd5;
    localparam [7:0] T_IDENTIFY = 8'h01, T_CONFIGURE = 8'h02, T_SEGMENT = 8'h03,
                     T_ARM = 8'h04, T_START = 8'h05, T_STOP = 8'h06, T_PINS = 8'h07,
                     T_HEARTBEAT = 8'h08, T_RELEASE = 8'h09, T_CLEAR_TRIP = 8'h0A;
    localparam [7:0] R_NONE = 8'd0, R_UNKNOWN_TYPE = 8'd1, R_LENGTH = 8'd2, R_RANGE = 8'd3,
                     R_STATE = 8'd4, R_FIFO_FULL = 8'd5, R_CLAMP = 8'd6, R_EMPTY = 8'd7,
                     R_TRIPPED = 8'd8;
    localparam [1:0] K_ACK = 2'd0, K_NAK = 2'd1, K_IDENTIFY = 2'd2, K_STATUS = 2'd3;
    generate
        if (FIFO_DEPTH != (1 << (LW - 1))) begin : g_bad_level
            ctrl_fifo_depth_must_be_two_to_the_lw_minus_one u_error ();
        end
    endgenerate

    always @(*) begin
        if (tripped) state = S_TRIPPED;
        else if (!configured) state = S_UNCONFIGURED;
        else state = 3'd1 + {1'b0, seq_state};
    end

    // The last four payload bytes, the latest on top: RELEASE's seg_id once
    // its four bytes are in, PINS' code and pins in bits 31:8 once its three
    // are, and byte i - 2 (bits 23:16 while byte i arrives) for the
    // fall_code / rise_code check. What CONFIGURE keeps of bytes 20 and 21.
    reg [31:0] last4;
    reg [1:0]  cfg_pins, cfg_flags;
    always @(posedge clk) begin
        if (pl_valid) begin
            last4 <= {pl_data, last4[31:8]};
            if (pl_index == 7'd20) cfg_pins <= pl_data[1:0];
            if (pl_index == 7'd21) cfg_flags <= pl_data[1:0];
        end
    end

    // a > b over a byte, decided one bit at a time from the least
    // significant end (a few LUTs with a constant operand, where a plain
    // compare costs a carry chain), with g the verdict of the less
    // significant bytes: one step of a little-endian comparison made as the
    // bytes arrive.
    function byte_greater(input [7:0] a, input [7:0] b, input g);
        integer k;
        begin
            byte_greater = g;
            for (k = 0; k < 8; k = k + 1) begin
                byte_greater = (a[k] & ~b[k]) | (~(a[k] ^ b[k]) & byte_greater);
            end
        end
    endfunction

    // Expected payload length per type; 0xFF for an unknown type.
    reg [7:0] want_len;
    always @(*) begin
        case (frame_type)
            T_CONFIGURE: want_len = 8'd22;
            T_SEGMENT:   want_len = 8'd20;
            T_PINS:      want_len = 8'd3;
            T_RELEASE:   want_len = 8'd4;
            T_IDENTIFY, T_ARM, T_START, T_STOP, T_HEARTBEAT, T_CLEAR_TRIP: want_len = 8'd0;
            default:     want_len = 8'hff;
        endcase
    end

    // RELEASE names the running HOST wait. The seg_id comparison is
    // registered (payload bytes 0..3 are complete three clocks before
    // frame_valid); seg_id and the wait change only with a port-B event of
    // the sequencer (seq_event) or a stop (state), both seen here on the
    // clock they happen, so the verdict is the one of this clock.
    reg host_id;
    always @(posedge clk) host_id <= (seq_wait_on == 3'd1) && (seq_seg_id == last4);
    wire host_wait = (state == S_RUNNING) && !seq_event && host_id;

    reg allowed;
    always @(*) begin
        case (frame_type)
            T_CONFIGURE:  allowed = (state == S_UNCONFIGURED) || (state == S_IDLE) || (state == S_DONE);
            T_SEGMENT:    allowed = (state == S_IDLE) || (state == S_ARMED) || (state == S_RUNNING);
            T_ARM:        allowed = (state == S_IDLE);
            T_START:      allowed = (state == S_ARMED);
            T_PINS:       allowed = (state == S_IDLE) || (state == S_DONE);
            T_RELEASE:    allowed = host_wait;
            T_CLEAR_TRIP: allowed = (state == S_TRIPPED);
            default:      allowed = 1'b1;
        endcase
    end
    wire trip_blocks = tripped && frame_type != T_RELEASE && frame_type != T_CLEAR_TRIP;

    // Field checks, made a byte at a time as the payload streams past, in
    // payload order; the first failing field is kept for the frame's end.
    // Chains carried from byte to byte: code_gt, "the DAC code so far is
    // above MAX_DAC_CODE" (codes sit at even offsets); blk_gt and blk_lt,
    // block_ticks so far above 1 000 000 and below MIN_BLOCK_TICKS; nz, "the
    // field so far is not zero"; fall_gt, fall_code's bytes so far above
    // rise_code's, from byte i - 2 in last4, so fall_code (bytes 4, 5)
    // meets rise_code (6, 7) a byte at a time; sniff_ge4, byte 18 at 4 or
    // more.
    localparam [31:0] BLK_MAX = 32'd1_000_000;
    localparam [31:0] BLK_MIN = {16'd0, MIN_BLOCK_TICKS};
    wire       is_cfg = frame_type == T_CONFIGURE;
    wire       is_seg = frame_type == T_SEGMENT;
    wire       is_pins = frame_type == T_PINS;
    wire [1:0] bi     = pl_index[1:0];
    wire       d_nz   = pl_data != 8'd0;
    reg        nz, code_gt, blk_gt, blk_lt, fall_gt, sniff_ge4;
    wire       nz_field  = ((is_cfg ? pl_index[0] : pl_index != 7'd4) && nz) || d_nz;
    wire       code_over = pl_index[0] ? byte_greater(pl_data, MAX_DAC_CODE[15:8], code_gt)
                                       : byte_greater(pl_data, MAX_DAC_CODE[7:0], 1'b0);
    wire       blk_over  = byte_greater(pl_data, BLK_MAX[8 * bi +: 8], bi != 2'd0 && blk_gt);
    wire       blk_under = byte_greater(BLK_MIN[8 * bi +: 8], pl_data, bi != 2'd0 && blk_lt);
    wire       fall_rise = byte_greater(last4[23:16], pl_data, pl_index[0] && fall_gt);

    // The field that fails with this byte, if any: {fails, clamp, offset}.
    reg       bad, bad_clamp;
    reg [4:0] bad_offset;
    always @(*) begin
        bad        = 1'b0;
        bad_clamp  = 1'b0;
        bad_offset = pl_index[4:0];
        if (is_cfg) begin
            case (pl_index)
                7'd3:  begin bad = blk_over || blk_under; bad_offset = 5'd0; end
                7'd7:  begin bad = fall_rise; bad_offset = 5'd4; end
                7'd9:  begin bad = !nz_field; bad_offset = 5'd8; end
                7'd11: begin bad = !nz_field; bad_offset = 5'd10; end
                7'd15: begin bad = !nz_field; bad_offset = 5'd14; end
                7'd13: begin bad = code_over; bad_clamp = 1'b1; bad_offset = 5'd12; end
                7'd19: begin
                    bad = nz_field && (!SNIFFER || (!d_nz && !sniff_ge4));
                    bad_offset = 5'd18;
                end
                7'd20: bad = pl_data[7:2] != 6'd0;
                7'd21: bad = pl_data[7:2] != 6'd0 || (!SNIFFER && pl_data[1]);
                default: ;
            endcase
        end else if (is_seg) begin
            case (pl_index)
                7'd9:  begin bad = !nz_field; bad_offset = 5'd4; end
                7'd11: begin bad = code_over; bad_clamp = 1'b1; bad_offset = 5'd10; end
                7'd13: begin bad = code_over; bad_clamp = 1'b1; bad_offset = 5'd12; end
                7'd18: bad = (pl_data & 8'h7c) != 8'd0;
                7'd19: bad = byte_greater(pl_data, 8'd5, 1'b0);
                default: ;
            endcase
        end else if (is_pins) begin
            case (pl_index)
                7'd1: begin bad = code_over; bad_clamp = 1'b1; bad_offset = 5'd0; end
                7'd2: bad = pl_data[7:2] != 6'd0;
                default: ;
            endcase
        end
    end

    reg       f_bad, f_clamp;
    reg [4:0] f_off;
    always @(posedge clk) begin
        if (pl_valid) begin
            nz        <= nz_field;
            code_gt   <= code_over;
            blk_gt    <= blk_over;
            blk_lt    <= blk_under;
            fall_gt   <= fall_rise;
            if (pl_index == 7'd18) sniff_ge4 <= pl_data[7:2] != 6'd0;
            if (pl_index == 7'd0) begin
                f_bad   <= bad;
                f_clamp <= bad_clamp;
                f_off   <= bad_offset;
            end else if (bad && !f_bad) begin
                f_bad   <= 1'b1;
                f_clamp <= bad_clamp;
                f_off   <= bad_offset;
            end
        end
    end

    // At the frame's end: the first failing field, then FIFO_FULL / EMPTY.
    // Every type with fields has a payload, so f_bad is this frame's.
    // The level is at most DEPTH = 2^(LW-1): full is its top bit.
    wire fifo_full = fifo_level[LW-1];
    reg [7:0] f_reason;
    always @(*) begin
        if ((is_cfg || is_seg || is_pins) && f_bad) f_reason = f_clamp ? R_CLAMP : R_RANGE;
        else if (is_seg && fifo_full) f_reason = R_FIFO_FULL;
        else if (frame_type == T_ARM && fifo_level == {LW{1'b0}}) f_reason = R_EMPTY;
        else f_reason = R_NONE;
    end
    wire [7:0] f_offset = f_bad ? {3'd0, f_off} : 8'hff;

    reg [7:0] reason;
    reg [7:0] offset;
    always @(*) begin
        offset = 8'hff;
        if (want_len == 8'hff) reason = R_UNKNOWN_TYPE;
        else if ({1'b0, frame_len} != want_len) reason = R_LENGTH;
        else if (!allowed) reason = trip_blocks ? R_TRIPPED : R_STATE;
        else begin
            reason = f_reason;
            offset = f_offset;
        end
    end

    // A good CONFIGURE's fields: the staged slot, read back (peek) on the
    // clock after its answer and taken on the clock after that.
    wire [15:0] st_fall  = staged[47:32];
    wire [15:0] st_rise  = staged[63:48];
    wire [15:0] st_ovp   = staged[79:64];
    wire [15:0] st_ocp   = staged[95:80];
    wire [15:0] st_safe  = staged[111:96];
    wire [15:0] st_wd    = staged[127:112];
    wire [15:0] st_deb   = staged[143:128];
    wire [15:0] st_sniff = staged[159:144];
    wire unused_staged = &{1'b0, staged[31:20]};
    reg cfg_load;

    // Free FIFO entries once this SEGMENT is in: DEPTH - 1 - level, below
    // DEPTH = 2^(LW-1) simply the level's low bits inverted.
    wire [LW-1:0] free_after = {1'b0, ~fifo_level[LW-2:0]};

    // The answer, written to the reply FIFO on frame_valid's own clock.
    reg [1:0]  kind;
    reg [15:0] info;
    always @(*) begin
        info = 16'd0;
        if (reason != R_NONE) begin
            kind = K_NAK;
            info = {offset, reason};
        end else if (frame_type == T_IDENTIFY) begin
            kind = K_IDENTIFY;
        end else if (frame_type == T_HEARTBEAT) begin
            kind = K_STATUS;
        end else begin
            kind = K_ACK;
            if (is_seg) info = {{(16 - LW){1'b0}}, free_after};
        end
    end
    assign reply_valid = frame_valid;
    assign reply       = {kind, frame_type, frame_seq, info};

    task apply_safe;
        begin
            man_pins <= safe_pins;
            man_code <= safe_dac_code;
        end
    endtask

    always @(posedge clk) begin
        restart     <= 1'b0;
        seq_arm     <= 1'b0;
        seq_start   <= 1'b0;
        seq_stop    <= 1'b0;
        release_hit <= 1'b0;
        fifo_clear  <= 1'b0;
        fifo_commit <= 1'b0;
        fifo_peek   <= 1'b0;
        trip_clear  <= 1'b0;
        cfg_load    <= fifo_peek;
        if (rst) begin
            cfg_load         <= 1'b0;
            configured       <= 1'b0;
            block_ticks      <= 20'd1000;
            fall_code        <= 16'd0;
            rise_code        <= 16'hffff;
            ovp_code         <= 16'hffff;
            ocp_code         <= 16'hffff;
            safe_dac_code    <= 16'd0;
            watchdog_ms      <= 16'd1000;
            debounce_ticks   <= 16'd0;
            sniff_bit_clocks <= 16'd0;
            safe_pins        <= 2'b00;
            flags            <= 2'b00;
            man_pins         <= 2'b00;
            man_code         <= 16'd0;
        end else begin
            if (underrun) apply_safe();
            if (cfg_load) load_config();
            if (frame_valid) execute();
            // A trip on the same clock as a frame still wins.
            if (new_trip) begin
                seq_stop   <= 1'b1;
                fifo_clear <= 1'b1;
                apply_safe();
            end
        end
    end

    // The CONFIGURE of three clocks ago: its fields from the staged slot
    // and from payload bytes 20..21, which no later frame has
    // reached yet (its first payload byte is at least six clocks away).
    task load_config;
        begin
            configured       <= 1'b1;
            block_ticks      <= staged[19:0];
            fall_code        <= st_fall;
            rise_code        <= st_rise;
            ovp_code         <= st_ovp;
            ocp_code         <= st_ocp;
            safe_dac_code    <= st_safe;
            watchdog_ms      <= st_wd;
            debounce_ticks   <= st_deb;
            sniff_bit_clocks <= st_sniff;
            safe_pins        <= cfg_pins;
            flags            <= cfg_flags;
            man_pins         <= cfg_pins;
            man_code         <= st_safe;
            restart          <= 1'b1;
        end
    endtask

    task execute;
        begin
            if (reason == R_NONE) begin
                case (frame_type)
                    T_SEGMENT: fifo_commit <= 1'b1;
                    T_CONFIGURE: begin
                        fifo_peek <= 1'b1;
                        seq_stop  <= 1'b1;
                    end
                    T_ARM:   seq_arm <= 1'b1;
                    T_START: seq_start <= 1'b1;
                    T_STOP: begin
                        seq_stop   <= 1'b1;
                        fifo_clear <= 1'b1;
                        if (configured && !tripped) apply_safe();
                    end
                    T_PINS: begin
                        seq_stop <= 1'b1;  // DONE -> IDLE; no effect in IDLE
                        man_pins <= last4[25:24];
                        man_code <= last4[23:8];
                    end
                    T_RELEASE: release_hit <= 1'b1;
                    T_CLEAR_TRIP: begin
                        trip_clear <= 1'b1;
                        apply_safe();
                    end
                    default: ;
                endcase
            end
        end
    endtask
endmodule
`default_nettype wire
