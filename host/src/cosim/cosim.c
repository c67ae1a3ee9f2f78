/*
 * cosim.c - the "cosim" backend: the gateware's RTL, compiled by Verilator
 * (fpga/cosim), under the same run loop as the sim, talking the link
 * protocol with the host encoder and decoder, with the sim's bench model
 * (supply + CH, host/src/model) behind its DAC and ADC (docs/cosim.md).
 *
 * Layout: the Verilated gateware (hw, behind cosim_hw.h) and the bench
 * model; the host side of the link as the ftdi backend has it (a queue of
 * host -> FPGA bytes fed one per clock, a decoder for the bytes back, one
 * answer slot, the segment FIFO entries and their credits); the run's
 * reported state (start tick, segments reported, rail and AC Lost, the
 * CH-present input) and two output buffers, events and samples.
 *
 * Time: everything runs on the gateware's tick counter; the wall clock is
 * never read, so a run is exactly repeatable. The model starts when the
 * sequencer first drives the outputs (tick t0, the first SEGMENT_START),
 * and model time is tick - t0, the run's t_us. The output pins a tick
 * shows are what the sequencer set one tick before, so at tick g the model
 * takes the pins and moves from g - 1 - t0 to g - t0, and the ADC sample at
 * tick g is the model's rail at g - t0. The CH's ready signal drives the
 * CH-present input and each AD1 pulses the alert input for
 * ALERT_PULSE_TICKS; what only the CH knows (ch_boot, ch_power_lost,
 * restored, and ch_down of a CH that was never ready) is reported from the
 * model as the sim reports it.
 *
 * Converters of the cosimulation build: DAC 1 mV per code (the clamp,
 * RC_COSIM_HW_MAX_DAC_CODE, is 15 V); ADC 12 bit, 4 mV and 1 mA per code,
 * truncating. With thresholds that are whole codes, "code < fall_code" is
 * exactly "rail below outage_below_mv", so the gateware's crossings fall on
 * the model's microsecond.
 *
 * Idle ticks are skipped: when the gateware is idle (rc_cosim_hw_quiet_ticks)
 * the model jumps ahead with the outputs held, stopping at its first event,
 * and the gateware's counters move by the same number of ticks.
 *
 * The "cosim-12m" driver runs the board build instead (cosim_pins.h: 12 MHz,
 * the link through the UART, the converters through SPI) under the same
 * loop, clocking every tick; only now_tick and the hw_ calls choose between
 * the two models.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosim/cosim_hw.h"
#include "cosim/cosim_internal.h"
#include "cosim/cosim_pins.h"
#include "model/model_internal.h"

#define ANSWER_TICKS 20000u     /* a command unanswered this long: the gateware is stuck */
#define WATCHDOG_MS 1000u
#define HEARTBEAT_TICKS 250000u /* watchdog / 4 */
#define REORDER_TICKS 16
#define ALERT_PULSE_TICKS 1000u
#define SAFE_STATE_TICKS 20000u /* a trip is reported after the safe state shows */
#define POLL_STEP_TICKS 100000u
#define DAC_UV_PER_CODE 1000
#define ADC_MV_PER_CODE 4
#define ADC_MAX_CODE 4095
#define OVP_CODE 3750u /* 15 V */
#define OCP_CODE 2000u /* 2 A */

struct rc_device {
    rc_rig_config cfg;
    rc_cosim_hw *hw;     /* the cosimulation build, or */
    rc_cosim_pins *pins; /* the board build (cosim-12m) */
    rc_bench_model *model;
    bool model_on;
    uint64_t t0;
    bool skipping;
    uint64_t skipped;

    uint8_t *h2f;
    size_t h2f_len, h2f_cap;
    rc_link_decoder dec;
    uint8_t tx_seq;
    uint64_t last_tx_tick;
    rc_link_identify id;
    bool have_answer;
    rc_link_msg answer;
    rc_link_status status;
    rc_cosim_faults faults;

    rc_segment *segs;
    size_t n_segs;
    rc_link_seg *entries;
    size_t *entry_seg;
    size_t n_entries, next_entry;
    uint16_t fifo_free;
    bool seg_in_flight;
    uint8_t seg_seq;

    bool started, done, have_start;
    uint64_t start_tick, end_tick, samples_tick;
    size_t reported_seg;
    size_t released; /* reported_seg when the last RELEASE was sent */
    bool rail_on, ac_lost, ch_present;
    bool chp_pin;
    uint64_t alert_until;
    rc_status fault;
    uint64_t fault_tick;
    char fault_msg[128];
    rc_link_stats noted;

    rc_event *events;
    size_t n_events, cap_events;
    rc_sample *samples;
    size_t n_samples, cap_samples;
    bool nomem;
};

static uint64_t now_tick(const rc_device *d)
{
    return d->pins ? rc_cosim_pins_now(d->pins) : rc_cosim_hw_now(d->hw);
}

static void hw_outputs(const rc_device *d, rc_cosim_hw_out *o)
{
    if (d->pins)
        rc_cosim_pins_outputs(d->pins, o);
    else
        rc_cosim_hw_outputs(d->hw, o);
}

static size_t hw_tick(rc_device *d, const rc_cosim_hw_in *in, uint8_t *tx, size_t *tx_n)
{
    if (d->pins)
        return rc_cosim_pins_tick(d->pins, in, d->h2f, d->h2f_len, tx, tx_n);
    return rc_cosim_hw_tick(d->hw, in, d->h2f, d->h2f_len, tx, tx_n);
}

static rc_status send_msg(rc_device *d, const rc_link_msg *m, uint8_t *seq, rc_error *err);

/* The profile's waits for "restored" and "down" are HOST waits: the host
 * sees the CH's event (here the model's) and sends RELEASE for the running
 * entry, whose WAIT_DONE then carries the tick the release took effect. */
static void release_if_waiting(rc_device *d, rc_wait_on w)
{
    if (d->reported_seg == 0 || d->released == d->reported_seg)
        return;
    size_t i = d->reported_seg - 1;
    const rc_segment *s = &d->segs[i];
    if (s->kind != RC_SEG_WAIT || s->wait_on != w || s->duration_us == 0)
        return;
    d->released = d->reported_seg;
    rc_link_msg m = {.type = RC_LINK_RELEASE};
    m.u.release_seg_id = (uint32_t)i;
    rc_error err;
    if (send_msg(d, &m, NULL, &err) != RC_OK)
        d->nomem = true;
}

/* ---- output buffers ---- */

static void push_event(rc_device *d, uint64_t tick, rc_event_kind kind, int32_t value,
                       const char *text)
{
    if (d->n_events == d->cap_events) {
        size_t cap = d->cap_events ? d->cap_events * 2 : 256;
        rc_event *grown = realloc(d->events, cap * sizeof *grown);
        if (!grown) {
            d->nomem = true;
            return;
        }
        d->events = grown;
        d->cap_events = cap;
    }
    rc_event_init(&d->events[d->n_events++], (int64_t)(tick - d->start_tick), kind, value,
                  text);
}

static void push_sample(rc_device *d, const rc_sample *s)
{
    if (d->n_samples == d->cap_samples) {
        size_t cap = d->cap_samples ? d->cap_samples * 2 : 1024;
        rc_sample *grown = realloc(d->samples, cap * sizeof *grown);
        if (!grown) {
            d->nomem = true;
            return;
        }
        d->samples = grown;
        d->cap_samples = cap;
    }
    d->samples[d->n_samples++] = *s;
}

/* ---- the bench model behind the pins ---- */

static void on_model_event(void *ctx, const rc_event *ev)
{
    rc_device *d = ctx;
    uint64_t tick = d->t0 + (uint64_t)ev->t_us;
    switch ((rc_event_kind)ev->kind) {
    case RC_EV_CH_READY: d->chp_pin = true; break;
    case RC_EV_CH_DOWN:
        /* A CH that goes down before it was ready never raised CH present:
         * only the CH knows, so the model says it. */
        if (!d->chp_pin)
            push_event(d, tick, RC_EV_CH_DOWN, ev->value, ev->text);
        d->chp_pin = false;
        release_if_waiting(d, RC_WAIT_DOWN);
        break;
    case RC_EV_AD1: d->alert_until = tick + ALERT_PULSE_TICKS; break;
    case RC_EV_RESTORED:
        push_event(d, tick, (rc_event_kind)ev->kind, ev->value, ev->text);
        release_if_waiting(d, RC_WAIT_RESTORED);
        break;
    case RC_EV_CH_BOOT:
    case RC_EV_CH_POWER_LOST:
        push_event(d, tick, (rc_event_kind)ev->kind, ev->value, ev->text);
        break;
    default: break;
    }
    /* Every model event changes what the gateware sees: a skip ends here. */
    rc_bench_model_halt(d->model);
}

static void model_inputs(rc_device *d)
{
    rc_cosim_hw_out o;
    hw_outputs(d, &o);
    if (!d->model_on && o.seq_active) {
        d->model_on = true;
        d->t0 = now_tick(d);
        d->start_tick = d->t0; /* confirmed by the first SEGMENT_START */
        return;
    }
    if (d->model_on)
        rc_bench_model_set_inputs(d->model, (int32_t)o.dac_code * DAC_UV_PER_CODE / 1000,
                                  o.rail_on, o.ac_lost);
}

static uint16_t adc_code(int64_t value, int64_t per_code)
{
    int64_t code = value / per_code;
    return (uint16_t)(code < 0 ? 0 : code > ADC_MAX_CODE ? ADC_MAX_CODE : code);
}

static void bench_inputs(const rc_device *d, rc_cosim_hw_in *in)
{
    memset(in, 0, sizeof *in);
    if (d->model_on) {
        rc_sample s;
        rc_bench_model_sample(d->model, &s);
        in->adc_v = adc_code(rc_bench_model_rail_nv(d->model), ADC_MV_PER_CODE * 1000000LL);
        in->adc_a = adc_code((int64_t)(s.rail_a * 1000.0f + 0.5f), 1);
    }
    in->ch_present = d->chp_pin;
    in->alert = now_tick(d) < d->alert_until;
}

/* ---- frames from the gateware ---- */

static void report_segment(rc_device *d, size_t i, uint64_t tick)
{
    const rc_segment *s = &d->segs[i];
    push_event(d, tick, RC_EV_SEGMENT, (int32_t)i, NULL);
    if (s->rail_on != d->rail_on)
        push_event(d, tick, s->rail_on ? RC_EV_RAIL_RESTORE : RC_EV_RAIL_CUT, 0, NULL);
    if (s->ac_lost != d->ac_lost)
        push_event(d, tick, s->ac_lost ? RC_EV_AC_LOST_ON : RC_EV_AC_LOST_OFF, 0, NULL);
    d->rail_on = s->rail_on;
    d->ac_lost = s->ac_lost;
    if (s->kind == RC_SEG_OBSERVE)
        push_event(d, tick, RC_EV_OBSERVE, 0, NULL);
    if (s->kind == RC_SEG_WAIT && s->duration_us == 0)
        push_event(d, tick, RC_EV_WAIT_TIMEOUT, (int32_t)i, NULL);
    d->reported_seg = i + 1;
}

static void report_segments_before(rc_device *d, size_t upto, uint64_t tick)
{
    while (d->reported_seg < upto)
        report_segment(d, d->reported_seg, tick);
}

static void fault(rc_device *d, uint64_t tick, const char *what)
{
    push_event(d, tick, RC_EV_NOTE, 0, what);
    if (d->fault == RC_OK) {
        d->fault = RC_ERR_DEVICE;
        d->fault_tick = tick;
        snprintf(d->fault_msg, sizeof d->fault_msg, "cosim: the gateware reported %s", what);
    }
}

static void on_run_start(rc_device *d, uint64_t tick)
{
    d->have_start = true;
    d->start_tick = tick;
    if (tick != d->t0 && d->fault == RC_OK) {
        d->fault = RC_ERR_DEVICE;
        d->fault_tick = tick;
        snprintf(d->fault_msg, sizeof d->fault_msg,
                 "cosim: the first segment started at tick %llu, the outputs at %llu",
                 (unsigned long long)tick, (unsigned long long)d->t0);
    }
}

static void on_device_event(rc_device *d, const rc_link_event *e)
{
    if (e->kind == RC_LINK_EV_SEGMENT_START && !d->have_start)
        on_run_start(d, e->tick);
    if (!d->have_start || e->tick < d->start_tick)
        return;
    size_t seg = e->value < d->n_segs ? e->value : d->n_segs - 1;
    switch ((rc_link_event_kind)e->kind) {
    case RC_LINK_EV_SEGMENT_START:
        report_segments_before(d, seg, e->tick);
        report_segment(d, seg, e->tick);
        if (!d->chp_pin && d->model_on) {
            rc_sample now;
            rc_bench_model_sample(d->model, &now);
            if (now.ch_state == RC_CH_OFF)
                release_if_waiting(d, RC_WAIT_DOWN); /* already down, as the sim has it */
        }
        break;
    case RC_LINK_EV_WAIT_DONE: push_event(d, e->tick, RC_EV_WAIT_DONE, (int32_t)seg, NULL); break;
    case RC_LINK_EV_WAIT_TIMEOUT:
        push_event(d, e->tick + 1, RC_EV_WAIT_TIMEOUT, (int32_t)seg, NULL);
        break;
    case RC_LINK_EV_RUN_END:
        report_segments_before(d, d->n_segs, e->tick);
        d->done = true;
        d->end_tick = e->tick;
        break;
    case RC_LINK_EV_RAIL_FALL:
        push_event(d, e->tick, RC_EV_RAIL_FALL, d->cfg.outage_below_mv, NULL);
        break;
    case RC_LINK_EV_RAIL_RISE:
        push_event(d, e->tick, RC_EV_RAIL_RISE, d->cfg.restore_above_mv, NULL);
        break;
    case RC_LINK_EV_ALERT_EDGE:
        if (e->arg == 1)
            push_event(d, e->tick, RC_EV_AD1, 0, "pin");
        break;
    case RC_LINK_EV_CH_PRESENT_EDGE:
        d->ch_present = e->arg == 1;
        push_event(d, e->tick, d->ch_present ? RC_EV_CH_READY : RC_EV_CH_DOWN, 0, NULL);
        break;
    case RC_LINK_EV_UNDERRUN: fault(d, e->tick, "a segment FIFO underrun"); break;
    case RC_LINK_EV_TRIP:
        fault(d, e->tick,
              e->arg == 1   ? "a watchdog trip"
              : e->arg == 2 ? "an over-voltage trip"
                            : "an over-current trip");
        break;
    case RC_LINK_EV_CLAMP: push_event(d, e->tick, RC_EV_NOTE, 0, "link: DAC code clamped"); break;
    case RC_LINK_EV_OVERRUN:
        push_event(d, e->tick, RC_EV_NOTE, (int32_t)e->value, "link: device overrun");
        break;
    default: break;
    }
}

static void on_samples(rc_device *d, const rc_link_samples *s)
{
    uint32_t block = 1000000u / d->cfg.sample_rate_hz;
    for (size_t k = 0; k < s->n; k++) {
        uint64_t tick = s->tick + k * block;
        if (!d->have_start || tick < d->start_tick || (d->done && tick > d->end_tick))
            continue;
        d->samples_tick = tick;
        const rc_link_block *b = &s->blocks[k];
        rc_sample out = {
            .t_us = (int64_t)(tick - d->start_tick),
            .rail_v = (float)(((double)b->v_min + b->v_max) / 2.0 * ADC_MV_PER_CODE / 1000.0),
            .rail_a = (float)(((double)b->i_min + b->i_max) / 2.0 / 1000.0),
            .ac_lost = d->ac_lost,
            .ch_state = d->ch_present ? RC_CH_READY : RC_CH_OFF,
        };
        push_sample(d, &out);
    }
}

static void on_frame(rc_device *d, const rc_link_frame *f)
{
    rc_link_msg m;
    rc_error err;
    if (rc_link_msg_from_frame(f, &m, &err) != RC_OK)
        return;
    switch (m.type) {
    case RC_LINK_ACK:
    case RC_LINK_NAK:
        if (d->seg_in_flight && m.u.ack.type == RC_LINK_SEGMENT && m.u.ack.seq == d->seg_seq) {
            d->seg_in_flight = false;
            if (m.type == RC_LINK_ACK) {
                d->fifo_free = m.u.ack.info;
                d->next_entry++;
            } else {
                fault(d, now_tick(d), "a refused segment");
            }
            break;
        }
        d->answer = m;
        d->have_answer = true;
        break;
    case RC_LINK_IDENTIFY_REPLY:
        d->answer = m;
        d->have_answer = true;
        break;
    case RC_LINK_STATUS:
        d->status = m.u.status;
        d->answer = m;
        d->have_answer = true;
        if (!d->seg_in_flight)
            d->fifo_free = (uint16_t)(d->id.fifo_depth - m.u.status.fifo_level);
        break;
    case RC_LINK_EVENTS:
        for (size_t i = 0; i < m.u.events.n; i++)
            on_device_event(d, &m.u.events.ev[i]);
        break;
    case RC_LINK_SAMPLES: on_samples(d, &m.u.samples); break;
    default: break;
    }
}

static bool fault_due(const rc_device *d, int64_t at_us)
{
    return at_us >= 0 && d->have_start && now_tick(d) >= d->start_tick + (uint64_t)at_us;
}

/* Gateware bytes to the decoder, one at a time; the SAMPLES fault flips a
 * bit of a SAMPLES frame's first payload byte on the way. */
static void receive(rc_device *d, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fault_due(d, d->faults.corrupt_samples_us) &&
            d->dec.held == RC_LINK_HEADER_BYTES && d->dec.buf[2] == RC_LINK_SAMPLES) {
            b[i] ^= 0x10;
            d->faults.corrupt_samples_us = -1;
        }
        rc_link_frame f;
        bool got;
        size_t used = rc_link_decoder_feed(&d->dec, b + i, 1, &f, &got);
        while (got) {
            on_frame(d, &f);
            used += rc_link_decoder_feed(&d->dec, b + i + used, 1 - used, &f, &got);
        }
    }
}

/* ---- host frames ---- */

static bool h2f_append(rc_device *d, const uint8_t *b, size_t n)
{
    if (d->h2f_len + n > d->h2f_cap) {
        size_t cap = d->h2f_cap ? d->h2f_cap * 2 : 1024;
        while (cap < d->h2f_len + n)
            cap *= 2;
        uint8_t *grown = realloc(d->h2f, cap);
        if (!grown)
            return false;
        d->h2f = grown;
        d->h2f_cap = cap;
    }
    memcpy(d->h2f + d->h2f_len, b, n);
    d->h2f_len += n;
    return true;
}

/* Applies the HEARTBEAT faults to the frame's wire bytes. */
static void damage_heartbeat(rc_device *d, uint8_t *buf, size_t *n)
{
    if (fault_due(d, d->faults.corrupt_heartbeat_us)) {
        buf[2] ^= 0x01; /* the TYPE byte: the CRC no longer matches */
        d->faults.corrupt_heartbeat_us = -1;
    } else if (fault_due(d, d->faults.drop_heartbeat_us)) {
        memmove(buf + 3, buf + 4, *n - 4);
        (*n)--;
        d->faults.drop_heartbeat_us = -1;
    }
}

static rc_status send_msg(rc_device *d, const rc_link_msg *m, uint8_t *seq, rc_error *err)
{
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_status st = rc_link_msg_encode(m, d->tx_seq, buf, sizeof buf, &n, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "cosim");
    if (seq)
        *seq = d->tx_seq;
    d->tx_seq++;
    d->last_tx_tick = now_tick(d);
    if (fault_due(d, d->faults.silence_us))
        return RC_OK;
    if (m->type == RC_LINK_HEARTBEAT)
        damage_heartbeat(d, buf, &n);
    if (!h2f_append(d, buf, n))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    return RC_OK;
}

/* ---- time ---- */

/* One tick with the model moved to it, or, when skip_limit allows and the
 * gateware is idle, a jump over idle ticks first. */
static void run_tick(rc_device *d, uint64_t skip_limit)
{
    model_inputs(d);
    uint64_t g = now_tick(d);
    uint64_t n = d->skipping && d->h2f_len == 0 ? rc_cosim_hw_quiet_ticks(d->hw, skip_limit) : 0;
    if (d->alert_until > g && d->alert_until - g < n)
        n = d->alert_until - g;
    if (d->model_on && g == d->t0)
        n = 0; /* the model starts with this tick's outputs, not yet shown */
    uint64_t k = n;
    if (d->model_on) {
        int64_t target = (int64_t)(g + n - d->t0);
        if (target > rc_bench_model_now(d->model))
            rc_bench_model_advance(d->model, target);
        k = (uint64_t)rc_bench_model_now(d->model) + d->t0 - g;
    }
    if (k > 0) {
        rc_cosim_hw_skip(d->hw, k);
        d->skipped += k;
    }
    rc_cosim_hw_in in;
    bench_inputs(d, &in);
    uint8_t tx[RC_COSIM_HW_BYTES_PER_TICK];
    size_t tx_n;
    size_t used = hw_tick(d, &in, tx, &tx_n);
    memmove(d->h2f, d->h2f + used, d->h2f_len - used);
    d->h2f_len -= used;
    receive(d, tx, tx_n);
}

/* Ticks until the host has something to send on its own. */
static uint64_t host_idle_ticks(const rc_device *d)
{
    if (d->started && !d->seg_in_flight && d->fifo_free > 0 && d->next_entry < d->n_entries)
        return 0;
    uint64_t due = d->last_tx_tick + HEARTBEAT_TICKS;
    uint64_t now = now_tick(d);
    return due > now ? due - now : 0;
}

/* Runs until the answer to the frame sent with seq (or the identify
 * reply) arrives. */
static rc_status await_answer(rc_device *d, rc_link_type type, uint8_t seq, rc_link_msg *answer,
                              rc_error *err)
{
    uint64_t deadline = now_tick(d) + ANSWER_TICKS;
    while (now_tick(d) < deadline) {
        run_tick(d, 0);
        if (!d->have_answer)
            continue;
        const rc_link_msg *a = &d->answer;
        bool mine = type == RC_LINK_IDENTIFY    ? a->type == RC_LINK_IDENTIFY_REPLY
                    : type == RC_LINK_HEARTBEAT ? a->type == RC_LINK_STATUS &&
                                                      a->u.status.last_rx_seq == seq
                                                : (a->type == RC_LINK_ACK ||
                                                   a->type == RC_LINK_NAK) &&
                                                      a->u.ack.seq == seq &&
                                                      a->u.ack.type == type;
        if (mine) {
            *answer = d->answer;
            return RC_OK;
        }
    }
    return rc_error_set(err, RC_ERR_DEVICE, "cosim: the gateware did not answer %s",
                        rc_link_type_name(type));
}

static rc_status send_raw(rc_device *d, const rc_link_msg *m, rc_link_msg *answer, rc_error *err)
{
    rc_link_frame f;
    rc_status st = rc_link_msg_to_frame(m, d->tx_seq, &f, err);
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    if (st == RC_OK)
        st = rc_link_frame_encode(&f, buf, sizeof buf, &n, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "cosim");
    uint8_t seq = d->tx_seq++;
    d->last_tx_tick = now_tick(d);
    if (!h2f_append(d, buf, n))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    d->have_answer = false;
    return await_answer(d, m->type, seq, answer, err);
}

static rc_status command(rc_device *d, const rc_link_msg *m, rc_link_msg *answer, rc_error *err)
{
    uint8_t seq;
    d->have_answer = false;
    rc_status st = send_msg(d, m, &seq, err);
    return st == RC_OK ? await_answer(d, m->type, seq, answer, err) : st;
}

static rc_status command_ack(rc_device *d, const rc_link_msg *m, rc_link_ack *ack, rc_error *err)
{
    rc_link_msg a;
    rc_status st = command(d, m, &a, err);
    if (st != RC_OK)
        return st;
    if (a.type == RC_LINK_NAK) {
        const char *why = rc_link_nak_name(a.u.nak.reason);
        return rc_error_set(err, RC_ERR_DEVICE, "cosim: the gateware refused %s: %s (offset %u)",
                            rc_link_type_name(m->type), why ? why : "unknown reason",
                            a.u.nak.offset);
    }
    if (ack)
        *ack = a.u.ack;
    return RC_OK;
}

/* ---- the driver ---- */

static rc_status identify(rc_device *d, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_IDENTIFY}, a;
    rc_status st = command(d, &m, &a, err);
    if (st != RC_OK)
        return st;
    if (a.u.identify.tick_hz != 1000000u || a.u.identify.max_dac_code != RC_COSIM_HW_MAX_DAC_CODE)
        return rc_error_set(err, RC_ERR_DEVICE,
                            "cosim: the gateware model is not the cosimulation build (tick %u "
                            "Hz, DAC clamp %u)",
                            a.u.identify.tick_hz, a.u.identify.max_dac_code);
    d->id = a.u.identify;
    return RC_OK;
}

static rc_status threshold_code(int32_t mv, uint16_t *code, rc_error *err)
{
    if (mv < 0 || mv % ADC_MV_PER_CODE != 0 || mv / ADC_MV_PER_CODE > ADC_MAX_CODE)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "cosim: a crossing threshold of %d mV is not a whole ADC code (%d mV "
                            "steps up to %d mV)",
                            mv, ADC_MV_PER_CODE, ADC_MV_PER_CODE * ADC_MAX_CODE);
    *code = (uint16_t)(mv / ADC_MV_PER_CODE);
    return RC_OK;
}

static rc_status configure(rc_device *d, rc_error *err)
{
    if (d->cfg.sample_rate_hz == 0 || 1000000u % d->cfg.sample_rate_hz != 0)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "cosim: sample rate %u Hz is not a whole number of 1 us ticks",
                            d->cfg.sample_rate_hz);
    rc_link_msg m = {.type = RC_LINK_CONFIGURE};
    m.u.config = (rc_link_config){
        .block_ticks = 1000000u / d->cfg.sample_rate_hz,
        .ovp_code = OVP_CODE,
        .ocp_code = OCP_CODE,
        .watchdog_ms = WATCHDOG_MS,
        .flags = RC_LINK_CFG_SAMPLES,
    };
    rc_status st = threshold_code(d->cfg.outage_below_mv, &m.u.config.fall_code, err);
    if (st == RC_OK)
        st = threshold_code(d->cfg.restore_above_mv, &m.u.config.rise_code, err);
    if (st == RC_OK)
        st = rc_link_check_limits(&m, &d->id, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "cosim");
    return command_ack(d, &m, NULL, err);
}

static void cosim_close(rc_device *d)
{
    if (!d)
        return;
    rc_cosim_hw_free(d->hw);
    rc_cosim_pins_free(d->pins);
    rc_bench_model_free(d->model);
    free(d->h2f);
    free(d->segs);
    free(d->entries);
    free(d->entry_seg);
    free(d->events);
    free(d->samples);
    free(d);
}

static rc_status open_model(const rc_rig_config *cfg, bool board, rc_device **out,
                            rc_error *err)
{
    rc_device *d = calloc(1, sizeof *d);
    if (!d)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    d->cfg = *cfg;
    d->skipping = !board; /* the board build clocks every tick */
    d->faults = (rc_cosim_faults)RC_COSIM_FAULTS_NONE;
    rc_link_decoder_init(&d->dec);
    rc_status st = rc_bench_model_new(&cfg->ch, &cfg->supply, cfg->outage_below_mv,
                                      cfg->restore_above_mv, on_model_event, d, &d->model, err);
    if (st != RC_OK) {
        cosim_close(d);
        return rc_error_prefix(err, st, "cosim");
    }
    if (board)
        d->pins = rc_cosim_pins_new();
    else
        d->hw = rc_cosim_hw_new();
    if (!d->hw && !d->pins)
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (st == RC_OK)
        st = identify(d, err);
    if (st == RC_OK)
        st = configure(d, err);
    if (st != RC_OK) {
        cosim_close(d);
        return st;
    }
    *out = d;
    return RC_OK;
}

static rc_status cosim_open(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    return open_model(cfg, false, out, err);
}

static rc_status cosim_12m_open(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    return open_model(cfg, true, out, err);
}

static rc_status compile(rc_device *d, rc_error *err)
{
    size_t last = d->n_segs;
    for (size_t i = 0; i < d->n_segs; i++)
        if (d->segs[i].duration_us > 0)
            last = i;
    if (last == d->n_segs)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "cosim: the profile holds no time");
    rc_link_dac_cal cal = {.offset_mv = 0,
                           .nv_per_code = DAC_UV_PER_CODE * 1000u,
                           .max_code = d->id.max_dac_code,
                           .tick_hz = d->id.tick_hz};
    d->n_entries = 0;
    for (size_t i = 0; i <= last; i++) {
        const rc_segment *s = &d->segs[i];
        if (s->duration_us == 0)
            continue;
        rc_link_seg *e = &d->entries[d->n_entries];
        rc_status st = rc_link_seg_from_segment(s, (uint32_t)i, i == last, &cal, e, err);
        if (st != RC_OK)
            return rc_error_prefix(err, st, "cosim: segment %zu", i);
        /* As on a bench: the CH-present input is the CH's ready signal. */
        if (s->kind == RC_SEG_WAIT && s->wait_on == RC_WAIT_READY)
            e->wait = RC_LINK_WAIT_CH_PRESENT;
        d->entry_seg[d->n_entries++] = i;
    }
    return RC_OK;
}

static rc_status cosim_load(rc_device *d, const rc_profile *p, rc_error *err)
{
    if (d->started)
        return rc_error_set(err, RC_ERR_ARG, "cosim: load after start");
    if (p->n_segs == 0)
        return rc_error_set(err, RC_ERR_ARG, "cosim: the profile has no segments");
    free(d->segs);
    free(d->entries);
    free(d->entry_seg);
    d->segs = malloc(p->n_segs * sizeof *d->segs);
    d->entries = malloc(p->n_segs * sizeof *d->entries);
    d->entry_seg = malloc(p->n_segs * sizeof *d->entry_seg);
    if (!d->segs || !d->entries || !d->entry_seg)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    memcpy(d->segs, p->segs, p->n_segs * sizeof *d->segs);
    d->n_segs = p->n_segs;
    rc_status st = compile(d, err);
    d->next_entry = 0;
    d->fifo_free = d->id.fifo_depth;
    while (st == RC_OK && d->next_entry < d->n_entries && d->fifo_free > 0) {
        rc_link_msg m = {.type = RC_LINK_SEGMENT};
        m.u.seg = d->entries[d->next_entry];
        rc_link_ack ack;
        st = command_ack(d, &m, &ack, err);
        if (st == RC_OK) {
            d->fifo_free = ack.info;
            d->next_entry++;
        }
    }
    return st;
}

static rc_status cosim_start(rc_device *d, rc_error *err)
{
    if (!d->segs)
        return rc_error_set(err, RC_ERR_ARG, "cosim: start before load");
    if (d->started)
        return rc_error_set(err, RC_ERR_ARG, "cosim: started twice");
    d->started = true;
    rc_link_msg arm = {.type = RC_LINK_ARM}, start = {.type = RC_LINK_START};
    rc_status st = command_ack(d, &arm, NULL, err);
    if (st == RC_OK)
        st = command_ack(d, &start, NULL, err);
    return st;
}

static rc_status top_up(rc_device *d, rc_error *err)
{
    if (d->seg_in_flight || d->fifo_free == 0 || d->next_entry >= d->n_entries)
        return RC_OK;
    rc_link_msg m = {.type = RC_LINK_SEGMENT};
    m.u.seg = d->entries[d->next_entry];
    d->seg_in_flight = true;
    return send_msg(d, &m, &d->seg_seq, err);
}

static rc_status heartbeat_if_due(rc_device *d, rc_error *err)
{
    if (now_tick(d) - d->last_tx_tick < HEARTBEAT_TICKS)
        return RC_OK;
    rc_link_msg m = {.type = RC_LINK_HEARTBEAT};
    return send_msg(d, &m, NULL, err);
}

static void note_link_errors(rc_device *d)
{
    const rc_link_stats *s = &d->dec.stats;
    uint64_t crc = s->crc_errors - d->noted.crc_errors;
    uint64_t dropped = s->discarded_bytes - d->noted.discarded_bytes;
    uint64_t lost = s->frames_lost - d->noted.frames_lost;
    if (!d->have_start || (crc == 0 && dropped == 0 && lost == 0))
        return;
    char text[RC_EVENT_TEXT_MAX];
    snprintf(text, sizeof text, "link: %llu crc, %llu bytes, %llu lost",
             (unsigned long long)crc, (unsigned long long)dropped, (unsigned long long)lost);
    push_event(d, now_tick(d), RC_EV_NOTE, (int32_t)(crc + lost), text);
    d->noted = *s;
}

static int cmp_event(const rc_event *x, const rc_event *y)
{
    return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* Samples, and the events the gateware has moved past, in time order (a
 * stable insertion sort keeps the order of one tick's events). */
static rc_status flush(rc_device *d, const rc_sink *sink, bool all, rc_error *err)
{
    if (d->nomem)
        return rc_error_set(err, RC_ERR_NOMEM, "cosim: out of memory for events");
    rc_status st = RC_OK;
    if (d->n_samples && sink->on_samples)
        st = sink->on_samples(sink->ctx, d->samples, d->n_samples, err);
    d->n_samples = 0;
    for (size_t i = 1; i < d->n_events; i++)
        for (size_t j = i; j > 0 && cmp_event(&d->events[j - 1], &d->events[j]) > 0; j--) {
            rc_event t = d->events[j];
            d->events[j] = d->events[j - 1];
            d->events[j - 1] = t;
        }
    int64_t horizon = (int64_t)(now_tick(d) - d->start_tick) - REORDER_TICKS;
    size_t n = 0;
    while (n < d->n_events && (all || d->events[n].t_us <= horizon)) {
        if (st == RC_OK && sink->on_event)
            st = sink->on_event(sink->ctx, &d->events[n], err);
        n++;
    }
    memmove(d->events, d->events + n, (d->n_events - n) * sizeof *d->events);
    d->n_events -= n;
    return st;
}

static int64_t device_now_us(const rc_device *d)
{
    uint64_t t = d->done ? d->end_tick : now_tick(d);
    return d->have_start && t > d->start_tick ? (int64_t)(t - d->start_tick) : 0;
}

static bool samples_complete(const rc_device *d)
{
    return d->done && d->samples_tick + 1000000u / d->cfg.sample_rate_hz > d->end_tick;
}

/* A trip is reported once the safe state has had time to show. */
static bool fault_settled(const rc_device *d)
{
    return d->fault != RC_OK && now_tick(d) >= d->fault_tick + SAFE_STATE_TICKS;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static rc_status cosim_poll(rc_device *d, int64_t until_us, const rc_sink *sink,
                            rc_poll_result *res, rc_error *err)
{
    if (!d->started)
        return rc_error_set(err, RC_ERR_ARG, "cosim: poll while not running");
    uint64_t budget_end = now_tick(d) + POLL_STEP_TICKS;
    rc_status st = RC_OK;
    while (st == RC_OK && !samples_complete(d) && !fault_settled(d) &&
           (device_now_us(d) < until_us || d->done) && now_tick(d) < budget_end) {
        st = top_up(d, err);
        if (st == RC_OK)
            st = heartbeat_if_due(d, err);
        if (st == RC_OK)
            run_tick(d, min_u64(host_idle_ticks(d), budget_end - now_tick(d)));
    }
    note_link_errors(d);
    bool all = st != RC_OK || d->done || d->fault != RC_OK;
    rc_error flush_err;
    rc_status fst = flush(d, sink, all, &flush_err);
    if (st == RC_OK && fst != RC_OK) {
        st = fst;
        *err = flush_err;
    }
    if (st == RC_OK && fault_settled(d))
        st = rc_error_set(err, d->fault, "%s", d->fault_msg);
    res->now_us = device_now_us(d);
    res->done = samples_complete(d);
    return st;
}

static rc_status cosim_stop(rc_device *d, rc_error *err)
{
    if (fault_due(d, d->faults.silence_us))
        return RC_OK; /* a silent host: the watchdog has applied the safe state */
    rc_link_msg m = {.type = RC_LINK_STOP};
    return command_ack(d, &m, NULL, err);
}

/* ---- hooks for the tests (cosim_internal.h) ---- */

void rc_cosim_set_faults(rc_device *d, const rc_cosim_faults *f)
{
    d->faults = *f;
}

void rc_cosim_link_state(const rc_device *d, rc_link_status *status, rc_link_stats *f2h)
{
    *status = d->status;
    *f2h = d->dec.stats;
}

rc_status rc_cosim_command(rc_device *d, const rc_link_msg *m, rc_link_msg *answer,
                           rc_error *err)
{
    return send_raw(d, m, answer, err);
}

uint64_t rc_cosim_cycles(const rc_device *d)
{
    return d->pins ? rc_cosim_pins_cycles(d->pins) : rc_cosim_hw_cycles(d->hw);
}

uint64_t rc_cosim_skipped_ticks(const rc_device *d)
{
    return d->skipped;
}

void rc_cosim_set_skipping(rc_device *d, bool on)
{
    d->skipping = on && !d->pins;
}

const rc_driver rc_driver_cosim = {
    .name = "cosim",
    .description = "the gateware RTL (Verilator) with the sim's supply and CH behind its pins",
    .open = cosim_open,
    .close = cosim_close,
    .load = cosim_load,
    .start = cosim_start,
    .poll = cosim_poll,
    .stop = cosim_stop,
};

const rc_driver rc_driver_cosim_12m = {
    .name = "cosim-12m",
    .description = "the gateware's 12 MHz board build (UART and SPI pins) with the sim's supply "
                   "and CH",
    .open = cosim_12m_open,
    .close = cosim_close,
    .load = cosim_load,
    .start = cosim_start,
    .poll = cosim_poll,
    .stop = cosim_stop,
};
