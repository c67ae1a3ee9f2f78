`timescale 1ns / 1ps
`default_nettype none
// Segment sequencer: plays the entries of the segment FIFO tick-exactly
// (docs/protocol.md, "SEGMENT").
//
// FIFO record, REC_W = 160 bits: the SEGMENT payload as received (payload
// byte i in bits 8*i +: 8), MSB first:
//   wait byte | pins byte (bit 7 last, bits 1..0 pins) | slope[31:0] |
//   end[15:0] | start[15:0] | dur[47:0] | seg_id[31:0]
// The command layer has checked the unused bits of the two bytes are 0.
//
// States: IDLE -> ARMED (first entry fetched) -> RUNNING -> DONE. START
// begins the first entry on the next tick. An entry that starts at tick T
// sets its pins and start code at T and ends at T + dur, where the next one
// starts; the next record is fetched while the current one runs (it needs
// 2 clocks, so entries must last at least 3 clocks: any 1 us entry at
// 12 MHz, or 3 ticks in a one-clock-per-tick cosimulation). A wait entry whose condition is met at tick D ends at D + 1.
//
// "Tick T" is the value of the timestamp counter after that tick: outputs
// change on the clock where tick is high, and events stamped then carry
// now + 1, the value the counter takes on that same clock.
//
// Ramps: a 40-bit accumulator, 16 integer and 24 fraction bits, loaded with
// start << 24 and advanced by the signed slope on every later tick of the
// entry until its integer part reaches end in the slope's direction, where
// it stops at exactly end << 24 (so a slope that would overshoot cannot).
//
// Two event ports, so one tick boundary can report both the end of a wait
// (port A: WAIT_DONE / WAIT_TIMEOUT) and what follows (port B:
// SEGMENT_START / RUN_END / UNDERRUN). Event values are seg_ids. seg_id
// changes only where port B reports SEGMENT_START, so port B's value is
// seg_id itself, steady until B's next event.
module sequencer #(
    parameter integer TS_W  = 48,
    parameter integer REC_W = 160
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             tick,
    input  wire [TS_W-1:0]  now,
    input  wire             arm,
    input  wire             start,
    input  wire             stop,
    // Wait conditions: 1 HOST (release), 2 ALERT, 3 CH_PRESENT, 4 RAIL_RISE,
    // 5 RAIL_FALL. All are pulses except ch_present, a level.
    input  wire             release_hit,
    input  wire             alert_edge,
    input  wire             ch_present,
    input  wire             rail_rise,
    input  wire             rail_fall,
    output wire             fifo_rd,
    input  wire [REC_W-1:0] fifo_data,
    input  wire             fifo_valid,
    input  wire             fifo_empty,
    output reg  [1:0]       state,        // ST_IDLE, ST_ARMED, ST_RUNNING, ST_DONE
    output reg  [1:0]       pins,         // bit 0 rail_en, bit 1 ac_lost
    output wire [15:0]      code,
    output reg  [31:0]      seg_id,       // current or last entry
    output reg  [2:0]       wait_on,      // current entry's wait condition
    output reg              a_valid,
    output reg  [7:0]       a_kind,
    output reg  [7:0]       a_arg,
    output reg  [31:0]      a_value,
    output reg  [TS_W-1:0]  a_tick,
    output reg              b_valid,
    output reg  [7:0]       b_kind,
    output wire [31:0]      b_value,
    output reg  [TS_W-1:0]  b_tick
);
    localparam [1:0] ST_IDLE = 2'd0, ST_ARMED = 2'd1, ST_RUNNING = 2'd2, ST_DONE = 2'd3;
    localparam [7:0] EV_SEGMENT_START = 8'h05, EV_WAIT_DONE = 8'h06,
                     EV_WAIT_TIMEOUT = 8'h07, EV_RUN_END = 8'h08, EV_UNDERRUN = 8'h09;

    reg             pending;  // a FIFO read is in flight
    reg             next_ok;  // fifo_data holds the next record (the FIFO's
                              // read register keeps it until the next read)
    reg             go;       // START accepted, the run begins on the next tick

    reg [47:0]     remaining;
    reg [39:0]     acc;
    reg signed [31:0] slope;
    reg [15:0]     end_code;
    reg            last;
    reg            hit;
    reg [TS_W-1:0] hit_tick;

    wire [2:0]  n_wait  = fifo_data[154:152];
    wire        n_last  = fifo_data[151];
    wire [1:0]  n_pins  = fifo_data[145:144];
    wire [31:0] n_slope = fifo_data[143:112];
    wire [15:0] n_end   = fifo_data[111:96];
    wire [15:0] n_start = fifo_data[95:80];
    wire [47:0] n_dur   = fifo_data[79:32];
    wire [31:0] n_id    = fifo_data[31:0];
    wire unused_bits = &{1'b0, fifo_data[159:155], fifo_data[150:146]};

    // Condition of the running entry, and of the one about to start (a
    // CH-present level already true at its first tick counts).
    wire [7:0] conds = {2'b00, rail_fall, rail_rise, ch_present, alert_edge, release_hit, 1'b0};
    wire       cond_now  = conds[wait_on];
    wire       cond_next = conds[n_wait];

    wire [TS_W-1:0] tick_next = now + 1'b1;

    // Ramp step with the stop at end_code; 41 bits so neither direction wraps.
    // One carry chain compares both ways: sum + ~end + 1 carries out when
    // sum >= end (going up), sum + ~end when sum > end (going down).
    wire [40:0] acc_sum  = {1'b0, acc} + {{9{slope[31]}}, slope};
    wire        going_up = !slope[31];
    /* verilator lint_off UNUSEDSIGNAL */  // only the carry out is used
    wire [17:0] cmp      = {1'b0, acc_sum[39:24], 1'b1} + {1'b0, ~end_code, going_up};
    /* verilator lint_on UNUSEDSIGNAL */
    wire        reached  = acc_sum[40] || (going_up ? cmp[17] : !cmp[17]);
    wire [39:0] acc_step = (slope == 32'sd0) ? acc : (reached ? {end_code, 24'd0} : acc_sum[39:0]);

    wire last_tick = (remaining == 48'd1);
    wire ends      = last_tick || (wait_on != 3'd0 && hit);

    assign code = acc[39:24];

    // The read is issued in the same clock the need is seen, so a record
    // is ready two clocks after the previous one was taken.
    assign fifo_rd = !next_ok && !pending && !fifo_empty &&
                     (state == ST_ARMED || (state == ST_RUNNING && !last));

    assign b_value = seg_id;

    always @(posedge clk) begin
        a_valid <= 1'b0;
        b_valid <= 1'b0;
        if (rst || stop) begin
            state   <= ST_IDLE;
            pending <= 1'b0;
            next_ok <= 1'b0;
            go      <= 1'b0;
            hit     <= 1'b0;
            wait_on <= 3'd0;
            if (rst) begin
                pins      <= 2'b00;
                seg_id    <= 32'd0;
                remaining <= 48'd0;
                acc       <= 40'd0;
                slope     <= 32'sd0;
                end_code  <= 16'd0;
                last      <= 1'b0;
                hit_tick  <= {TS_W{1'b0}};
                a_kind    <= EV_WAIT_DONE;  // bits 1, 2 never change
                a_arg     <= 8'd0;
                a_value   <= 32'd0;
                a_tick    <= {TS_W{1'b0}};
                b_kind    <= 8'd0;
                b_tick    <= {TS_W{1'b0}};
            end
        end else begin
            if (fifo_rd) pending <= 1'b1;
            if (fifo_valid && pending) begin
                pending <= 1'b0;
                next_ok <= 1'b1;
            end

            case (state)
                ST_IDLE: begin
                    if (arm) state <= ST_ARMED;
                end
                ST_ARMED: begin
                    if (start) go <= 1'b1;
                    if (go && next_ok && tick) begin
                        state <= ST_RUNNING;
                        begin_entry();
                    end
                end
                ST_RUNNING: begin
                    if (!tick) begin
                        if (cond_now && !hit) begin
                            hit      <= 1'b1;
                            hit_tick <= now;
                        end
                    end else if (!ends) begin
                        remaining <= remaining - 1'b1;
                        acc       <= acc_step;
                        if (cond_now && !hit) begin
                            hit      <= 1'b1;
                            hit_tick <= tick_next;
                        end
                    end else begin
                        if (wait_on != 3'd0) begin
                            a_valid <= 1'b1;
                            a_kind  <= hit ? EV_WAIT_DONE : EV_WAIT_TIMEOUT;
                            a_arg   <= {5'd0, wait_on};
                            a_value <= seg_id;
                            a_tick  <= hit ? hit_tick : now;
                        end
                        if (last) begin
                            state <= ST_DONE;
                            wait_on <= 3'd0;
                            end_event(EV_RUN_END);
                        end else if (next_ok) begin
                            begin_entry();
                        end else begin
                            state <= ST_IDLE;
                            wait_on <= 3'd0;
                            end_event(EV_UNDERRUN);
                        end
                    end
                end
                default: ;
            endcase
        end
    end

    // The fetched record becomes the running entry; its first tick is this one.
    task begin_entry;
        begin
            next_ok   <= 1'b0;
            remaining <= n_dur;
            acc       <= {n_start, 24'd0};
            slope     <= n_slope;
            end_code  <= n_end;
            last      <= n_last;
            pins      <= n_pins;
            seg_id    <= n_id;
            wait_on   <= n_wait;
            hit       <= cond_next;
            hit_tick  <= tick_next;
            b_valid   <= 1'b1;
            b_kind    <= EV_SEGMENT_START;
            b_tick    <= tick_next;
        end
    endtask

    task end_event(input [7:0] kind);
        begin
            b_valid <= 1'b1;
            b_kind  <= kind;
            b_tick  <= tick_next;
        end
    endtask
endmodule
`default_nettype wire
