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
// Answers go to the reporter as 34-bit words {kind[1:0], type, seq, info}:
// kind 0 ACK (info = free FIFO entries after a SEGMENT, else 0), 1 NAK
// (info = {offset, reason}), 2 IDENTIFY_REPLY, 3 STATUS.
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
    input  wire [175:0]  payload,  // the first 22 payload bytes (the longest h2f payload)
    input  wire [1:0]    seq_state,
    input  wire [2:0]    seq_wait_on,
    input  wire [31:0]   seq_seg_id,
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
    output reg           fifo_wr,
    output wire [149:0]  fifo_rec,      // valid with fifo_wr: the payload is still held
    output reg           trip_clear,
    output reg  [1:0]    man_pins,
    output reg  [15:0]   man_code,
    output reg           reply_valid,
    output reg  [33:0]   reply
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
    localparam [LW-1:0] DEPTH = FIFO_DEPTH[LW-1:0];

    always @(*) begin
        if (tripped) state = S_TRIPPED;
        else if (!configured) state = S_UNCONFIGURED;
        else state = 3'd1 + {1'b0, seq_state};
    end

    // Payload fields, little-endian.
    wire [7:0] pb [0:21];
    genvar g;
    generate
        for (g = 0; g < 22; g = g + 1) begin : g_bytes
            assign pb[g] = payload[8 * g +: 8];
        end
    endgenerate
    wire [7:0]  b2     = pb[2];
    wire [7:0]  b18    = pb[18];
    wire [7:0]  b19    = pb[19];
    wire [7:0]  b20    = pb[20];
    wire [7:0]  b21    = pb[21];
    wire [15:0] u16_0  = {pb[1], pb[0]};
    wire [15:0] u16_4  = {pb[5], pb[4]};
    wire [15:0] u16_6  = {pb[7], pb[6]};
    wire [15:0] u16_8  = {pb[9], pb[8]};
    wire [15:0] u16_10 = {pb[11], pb[10]};
    wire [15:0] u16_12 = {pb[13], pb[12]};
    wire [15:0] u16_14 = {pb[15], pb[14]};
    wire [15:0] u16_16 = {pb[17], pb[16]};
    wire [15:0] u16_18 = {b19, b18};
    wire [31:0] u32_0  = {pb[3], b2, pb[1], pb[0]};
    wire [47:0] u48_4  = {pb[9], pb[8], pb[7], pb[6], pb[5], pb[4]};
    wire [31:0] u32_14 = {pb[17], pb[16], pb[15], pb[14]};

    // a > b, decided one bit at a time from the least significant end. With
    // a constant operand this folds into a few LUTs, where a plain compare
    // costs a carry chain as wide as its operands (one logic cell a bit).
    function greater(input [31:0] a, input [31:0] b);
        integer k;
        begin
            greater = 1'b0;
            for (k = 0; k < 32; k = k + 1) begin
                greater = (a[k] & ~b[k]) | (~(a[k] ^ b[k]) & greater);
            end
        end
    endfunction

    // Compared at 17 bits so the check stays real for any MAX_DAC_CODE.
    function over_max(input [15:0] c);
        over_max = greater({16'd0, c}, {16'd0, MAX_DAC_CODE});
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

    wire host_wait = (state == S_RUNNING) && (seq_wait_on == 3'd1) && (seq_seg_id == u32_0);

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

    // Field checks, first failing field in payload order.
    reg [7:0] f_reason;
    reg [7:0] f_offset;
    always @(*) begin
        f_reason = R_NONE;
        f_offset = 8'hff;
        case (frame_type)
            T_CONFIGURE: begin
                if (greater({16'd0, MIN_BLOCK_TICKS}, u32_0) || greater(u32_0, 32'd1_000_000)) begin
                    f_reason = R_RANGE; f_offset = 8'd0;
                end else if (u16_4 > u16_6) begin
                    f_reason = R_RANGE; f_offset = 8'd4;
                end else if (u16_8 == 16'd0) begin
                    f_reason = R_RANGE; f_offset = 8'd8;
                end else if (u16_10 == 16'd0) begin
                    f_reason = R_RANGE; f_offset = 8'd10;
                end else if (over_max(u16_12)) begin
                    f_reason = R_CLAMP; f_offset = 8'd12;
                end else if (u16_14 == 16'd0) begin
                    f_reason = R_RANGE; f_offset = 8'd14;
                end else if (u16_18 != 16'd0 && (greater(32'd4, {16'd0, u16_18}) || !SNIFFER)) begin
                    f_reason = R_RANGE; f_offset = 8'd18;
                end else if (greater({24'd0, b20}, 32'd3)) begin
                    f_reason = R_RANGE; f_offset = 8'd20;
                end else if (greater({24'd0, b21}, SNIFFER ? 32'd3 : 32'd1)) begin
                    f_reason = R_RANGE; f_offset = 8'd21;
                end
            end
            T_SEGMENT: begin
                if (u48_4 == 48'd0) begin
                    f_reason = R_RANGE; f_offset = 8'd4;
                end else if (over_max(u16_10)) begin
                    f_reason = R_CLAMP; f_offset = 8'd10;
                end else if (over_max(u16_12)) begin
                    f_reason = R_CLAMP; f_offset = 8'd12;
                end else if ((b18 & 8'h7c) != 8'd0) begin
                    f_reason = R_RANGE; f_offset = 8'd18;
                end else if (greater({24'd0, b19}, 32'd5)) begin
                    f_reason = R_RANGE; f_offset = 8'd19;
                end else if (!greater({{(32 - LW){1'b0}}, DEPTH}, {{(32 - LW){1'b0}}, fifo_level})) begin
                    f_reason = R_FIFO_FULL;
                end
            end
            T_ARM: if (fifo_level == {LW{1'b0}}) f_reason = R_EMPTY;
            T_PINS: begin
                if (over_max(u16_0)) begin
                    f_reason = R_CLAMP; f_offset = 8'd0;
                end else if (greater({24'd0, b2}, 32'd3)) begin
                    f_reason = R_RANGE; f_offset = 8'd2;
                end
            end
            default: ;
        endcase
    end

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

    // The FIFO record (sequencer.v) straight from the SEGMENT payload.
    assign fifo_rec = {b19[2:0], b18[7], b18[1:0], u32_14, u16_12, u16_10, u48_4, u32_0};

    // Free FIFO entries once this SEGMENT is in.
    wire [LW-1:0] free_after = DEPTH - fifo_level - 1'b1;

    task answer(input [1:0] kind, input [15:0] info);
        begin
            reply_valid <= 1'b1;
            reply       <= {kind, frame_type, frame_seq, info};
        end
    endtask

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
        fifo_wr     <= 1'b0;
        trip_clear  <= 1'b0;
        reply_valid <= 1'b0;
        if (rst) begin
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
            reply            <= 34'd0;
        end else begin
            if (underrun) apply_safe();
            if (frame_valid) execute();
            // A trip on the same clock as a frame still wins.
            if (new_trip) begin
                seq_stop   <= 1'b1;
                fifo_clear <= 1'b1;
                apply_safe();
            end
        end
    end

    task execute;
        begin
            if (reason != R_NONE) begin
                answer(K_NAK, {offset, reason});
            end else begin
                case (frame_type)
                    T_IDENTIFY:  answer(K_IDENTIFY, 16'd0);
                    T_HEARTBEAT: answer(K_STATUS, 16'd0);
                    T_SEGMENT: begin
                        fifo_wr <= 1'b1;
                        answer(K_ACK, {{(16 - LW){1'b0}}, free_after});
                    end
                    default: answer(K_ACK, 16'd0);
                endcase
                case (frame_type)
                    T_CONFIGURE: begin
                        configured       <= 1'b1;
                        block_ticks      <= u32_0[19:0];
                        fall_code        <= u16_4;
                        rise_code        <= u16_6;
                        ovp_code         <= u16_8;
                        ocp_code         <= u16_10;
                        safe_dac_code    <= u16_12;
                        watchdog_ms      <= u16_14;
                        debounce_ticks   <= u16_16;
                        sniff_bit_clocks <= u16_18;
                        safe_pins        <= b20[1:0];
                        flags            <= b21[1:0];
                        man_pins         <= b20[1:0];
                        man_code         <= u16_12;
                        restart          <= 1'b1;
                        seq_stop         <= 1'b1;
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
                        man_pins <= b2[1:0];
                        man_code <= u16_0;
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
