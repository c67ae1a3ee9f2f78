/*
 * frames.c - what the gateware sends, as the session takes it: the bytes go
 * through the session's rc_link_decoder, and every complete frame is
 * handled in one place (on_frame).
 *
 * A frame whose SEQ equals the previous frame's is the link repeating it:
 * counted and dropped, its events and samples were taken already. ACK and
 * NAK of the SEGMENT top-up write move the FIFO credit; the answer to the
 * command being waited for goes to the answer slot; STATUS refreshes the
 * credit and the device's tick. EVENTS become rc_events in the events
 * buffer (segment boundaries with the output edges and observation window
 * as the sim reports them, crossings, CH edges, faults as notes), SAMPLES
 * become rc_samples in the samples buffer, converted with the config's ADC
 * calibration; both buffers grow by doubling and are drained by
 * rc_gws_deliver. Ticks become t_us = tick - start_tick, start_tick being
 * the first SEGMENT_START's tick.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/grow.h"
#include "gwsession/gwsession.h"

void rc_gws_push_event(rc_gws *s, uint64_t tick, rc_event_kind kind, int32_t value,
                       const char *text)
{
    rc_event *grown = rc_grow(s->events, &s->cap_events, s->n_events + 1, sizeof *grown);
    if (!grown) {
        s->nomem = true;
        return;
    }
    s->events = grown;
    rc_event_init(&s->events[s->n_events++], (int64_t)(tick - s->start_tick), kind, value,
                  text);
}

static void push_sample(rc_gws *s, const rc_sample *sample)
{
    rc_sample *grown = rc_grow(s->samples, &s->cap_samples, s->n_samples + 1, sizeof *grown);
    if (!grown) {
        s->nomem = true;
        return;
    }
    s->samples = grown;
    s->samples[s->n_samples++] = *sample;
}

void rc_gws_fail(rc_gws *s, uint64_t tick, const char *fmt, ...)
{
    if (s->fault != RC_OK)
        return;
    s->fault = RC_ERR_DEVICE;
    s->fault_tick = tick;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->fault_msg, sizeof s->fault_msg, fmt, ap);
    va_end(ap);
}

/* A fault the gateware reported: a note in the trace, and the run's fault. */
static void device_fault(rc_gws *s, uint64_t tick, const char *what)
{
    rc_gws_push_event(s, tick, RC_EV_NOTE, 0, what);
    rc_gws_fail(s, tick, "%s: the gateware reported %s", s->ops.name, what);
}

/* RC_EV_SEGMENT for profile segment i at tick, with the output edges and
 * the observation window, as the sim reports them. */
static void report_segment(rc_gws *s, size_t i, uint64_t tick)
{
    const rc_segment *seg = &s->segs[i];
    rc_gws_push_event(s, tick, RC_EV_SEGMENT, (int32_t)i, NULL);
    if (seg->rail_on != s->rail_on)
        rc_gws_push_event(s, tick, seg->rail_on ? RC_EV_RAIL_RESTORE : RC_EV_RAIL_CUT, 0, NULL);
    if (seg->ac_lost != s->ac_lost)
        rc_gws_push_event(s, tick, seg->ac_lost ? RC_EV_AC_LOST_ON : RC_EV_AC_LOST_OFF, 0,
                          NULL);
    s->rail_on = seg->rail_on;
    s->ac_lost = seg->ac_lost;
    if (seg->kind == RC_SEG_OBSERVE)
        rc_gws_push_event(s, tick, RC_EV_OBSERVE, 0, NULL);
    if (seg->kind == RC_SEG_WAIT && seg->duration_us == 0)
        rc_gws_push_event(s, tick, RC_EV_WAIT_TIMEOUT, (int32_t)i, NULL);
    s->reported_seg = i + 1;
}

/* Reports the skipped zero-length segments before profile segment upto. */
static void report_segments_before(rc_gws *s, size_t upto, uint64_t tick)
{
    while (s->reported_seg < upto)
        report_segment(s, s->reported_seg, tick);
}

static void see_tick(rc_gws *s, uint64_t tick)
{
    if (tick > s->device_tick && !s->done)
        s->device_tick = tick;
}

static void run_end(rc_gws *s, uint64_t tick)
{
    report_segments_before(s, s->n_segs, tick);
    s->done = true;
    s->end_tick = tick;
    s->device_tick = tick;
}

static const char *trip_name(uint8_t arg)
{
    return arg == 1   ? "a watchdog trip"
           : arg == 2 ? "an over-voltage trip"
                      : "an over-current trip";
}

/* One device event, taken once the run has started. */
static void report_event(rc_gws *s, const rc_link_event *e, size_t seg)
{
    switch ((rc_link_event_kind)e->kind) {
    case RC_LINK_EV_SEGMENT_START:
        report_segments_before(s, seg, e->tick);
        report_segment(s, seg, e->tick);
        break;
    case RC_LINK_EV_WAIT_DONE:
        rc_gws_push_event(s, e->tick, RC_EV_WAIT_DONE, (int32_t)seg, NULL);
        break;
    case RC_LINK_EV_WAIT_TIMEOUT:
        rc_gws_push_event(s, e->tick + 1, RC_EV_WAIT_TIMEOUT, (int32_t)seg, NULL);
        break;
    case RC_LINK_EV_RUN_END: run_end(s, e->tick); break;
    case RC_LINK_EV_RAIL_FALL:
        rc_gws_push_event(s, e->tick, RC_EV_RAIL_FALL, s->cfg.outage_below_mv, NULL);
        break;
    case RC_LINK_EV_RAIL_RISE:
        rc_gws_push_event(s, e->tick, RC_EV_RAIL_RISE, s->cfg.restore_above_mv, NULL);
        break;
    case RC_LINK_EV_ALERT_EDGE:
        if (e->arg == 1 && s->cfg.alert_pin)
            rc_gws_push_event(s, e->tick, RC_EV_AD1, 0, "pin");
        break;
    case RC_LINK_EV_CH_PRESENT_EDGE:
        s->ch_present = e->arg == 1;
        rc_gws_push_event(s, e->tick, s->ch_present ? RC_EV_CH_READY : RC_EV_CH_DOWN, 0, NULL);
        break;
    case RC_LINK_EV_UNDERRUN: device_fault(s, e->tick, "a segment FIFO underrun"); break;
    case RC_LINK_EV_TRIP: device_fault(s, e->tick, trip_name(e->arg)); break;
    case RC_LINK_EV_CLAMP:
        rc_gws_push_event(s, e->tick, RC_EV_NOTE, 0, "link: DAC code clamped");
        break;
    case RC_LINK_EV_OVERRUN:
        rc_gws_push_event(s, e->tick, RC_EV_NOTE, (int32_t)e->value, "link: device overrun");
        break;
    default: break;
    }
}

static void on_device_event(rc_gws *s, const rc_link_event *e)
{
    if (s->n_segs == 0)
        return; /* nothing loaded: not this run's */
    if (e->kind == RC_LINK_EV_SEGMENT_START && !s->have_start) {
        s->have_start = true;
        s->start_tick = e->tick;
    }
    if (!s->have_start || e->tick < s->start_tick)
        return;
    size_t seg = e->value < s->n_segs ? e->value : s->n_segs - 1;
    report_event(s, e, seg);
    if (s->ops.on_event)
        s->ops.on_event(s->ops.ctx, e);
}

static double code_value(const rc_rig_cal *c, double code)
{
    return c->gain * code + c->offset;
}

static void on_samples(rc_gws *s, const rc_link_samples *m)
{
    if (s->ops.on_blocks) {
        s->ops.on_blocks(s->ops.ctx, m);
        return;
    }
    uint32_t block = 1000000u / s->cfg.sample_rate_hz;
    for (size_t k = 0; k < m->n; k++) {
        uint64_t tick = m->tick + k * block;
        if (!s->have_start || tick < s->start_tick || (s->done && tick > s->end_tick))
            continue;
        s->samples_tick = tick;
        const rc_link_block *b = &m->blocks[k];
        double v_code = ((double)b->v_min + b->v_max) / 2.0;
        double i_code = ((double)b->i_min + b->i_max) / 2.0;
        rc_sample out = {
            .t_us = (int64_t)(tick - s->start_tick),
            .rail_v = (float)(code_value(&s->cfg.adc_v, v_code) / 1000.0),
            .rail_a = (float)(code_value(&s->cfg.adc_a, i_code) / 1000.0),
            .ac_lost = s->ac_lost,
            .ch_state = s->ch_present ? RC_CH_READY : RC_CH_OFF,
        };
        push_sample(s, &out);
    }
}

/* The answer the waiting command is for: its ACK or NAK, the identify
 * reply, or the STATUS that says the gateware took its HEARTBEAT. */
static bool awaited(const rc_gws *s, const rc_link_msg *m)
{
    if (!s->awaiting)
        return false;
    switch (m->type) {
    case RC_LINK_IDENTIFY_REPLY: return s->await_type == RC_LINK_IDENTIFY;
    case RC_LINK_STATUS:
        return s->await_type == RC_LINK_HEARTBEAT && m->u.status.last_rx_seq == s->await_seq;
    case RC_LINK_ACK: return m->u.ack.type == s->await_type && m->u.ack.seq == s->await_seq;
    case RC_LINK_NAK: return m->u.nak.type == s->await_type && m->u.nak.seq == s->await_seq;
    default: return false;
    }
}

/* The answer to the SEGMENT top-up sent: an ACK carries the new credit. A
 * full FIFO, or a trip (reported by its own event), waits for a STATUS to
 * give credit again; any other refusal ends the run. */
static void segment_answer(rc_gws *s, const rc_link_msg *m)
{
    s->seg_in_flight = false;
    if (m->type == RC_LINK_ACK) {
        s->fifo_free = m->u.ack.info;
        s->next_entry++;
        return;
    }
    s->fifo_free = 0;
    if (m->u.nak.reason != RC_LINK_NAK_FIFO_FULL && m->u.nak.reason != RC_LINK_NAK_TRIPPED)
        device_fault(s, s->ops.now_tick(s->ops.ctx), "a refused segment");
}

static bool top_up_answer(const rc_gws *s, const rc_link_msg *m)
{
    return s->seg_in_flight && (m->type == RC_LINK_ACK || m->type == RC_LINK_NAK) &&
           m->u.ack.type == RC_LINK_SEGMENT && m->u.ack.seq == s->seg_seq;
}

static void on_status(rc_gws *s, const rc_link_status *st)
{
    s->have_status = true;
    s->status = *st;
    see_tick(s, st->tick);
    if (!s->seg_in_flight)
        s->fifo_free = (uint16_t)(s->id.fifo_depth - st->fifo_level);
}

static void on_message(rc_gws *s, const rc_link_msg *m)
{
    if (top_up_answer(s, m)) {
        segment_answer(s, m);
        return;
    }
    if (awaited(s, m)) {
        s->answer = *m;
        s->have_answer = true;
    }
    switch (m->type) {
    case RC_LINK_STATUS: on_status(s, &m->u.status); break;
    case RC_LINK_EVENTS:
        for (size_t i = 0; i < m->u.events.n; i++) {
            on_device_event(s, &m->u.events.ev[i]);
            see_tick(s, m->u.events.ev[i].tick);
        }
        break;
    case RC_LINK_SAMPLES:
        on_samples(s, &m->u.samples);
        see_tick(s, m->u.samples.tick);
        break;
    case RC_LINK_UART:
        if (s->ops.on_uart)
            s->ops.on_uart(s->ops.ctx, &m->u.uart);
        break;
    default: break;
    }
}

static void on_frame(rc_gws *s, const rc_link_frame *f)
{
    rc_link_msg m;
    rc_error err;
    rc_status st = rc_link_msg_from_frame(f, &m, &err);
    /* The gateware numbers every frame it sends, so the SEQ just handled,
     * again, is the link repeating a frame whose samples and events were
     * taken already. */
    if (s->have_rx_seq && f->seq == s->rx_seq) {
        s->repeats++;
        return;
    }
    s->have_rx_seq = true;
    s->rx_seq = f->seq;
    if (st == RC_ERR_UNSUPPORTED && f->type == RC_LINK_IDENTIFY_REPLY)
        m.type = RC_LINK_IDENTIFY_REPLY; /* another version: the backend's identify names it */
    else if (st != RC_OK)
        return;
    on_message(s, &m);
}

size_t rc_gws_receive(rc_gws *s, const uint8_t *bytes, size_t n)
{
    size_t used = 0, frames = 0;
    for (;;) {
        rc_link_frame f;
        bool got;
        used += rc_link_decoder_feed(&s->dec, bytes + used, n - used, &f, &got);
        if (!got)
            return frames;
        frames++;
        on_frame(s, &f);
    }
}
