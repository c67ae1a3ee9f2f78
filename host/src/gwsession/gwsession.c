/*
 * gwsession.c - the host's half of a run on the gateware, over whatever
 * moves the bytes (rc_gws_ops): commands and their answers, the profile's
 * upload into the segment FIFO, heartbeats, and the delivery of what the
 * device reported (frames.c fills the buffers).
 *
 * Commands: each is encoded with the next SEQ and written; the session
 * then records which answer it waits for (type and SEQ), and the backend's
 * step moves bytes until frames.c puts that answer in the slot or the try's
 * time on the ops clock runs out.
 *
 * Upload: the profile's segments with time become FIFO entries (entries[]);
 * load fills the FIFO synchronously, since ARM needs it in place, and
 * during the run top-up sends one entry at a time as ACKs and STATUS give
 * credit. Zero-length segments are not sent; frames.c reports them when
 * the next entry starts, as the sim does.
 *
 * Delivery: samples go out as they come; events wait until the device has
 * moved RC_GWS_REORDER_TICKS past them (the gateware reports debounced edges
 * late) and then go out in time order.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwsession/gwsession.h"

void rc_gws_init(rc_gws *s, const rc_gws_ops *ops, const rc_gws_config *cfg)
{
    memset(s, 0, sizeof *s);
    s->ops = *ops;
    s->cfg = *cfg;
    rc_link_decoder_init(&s->dec);
}

void rc_gws_free(rc_gws *s)
{
    free(s->segs);
    free(s->entries);
    free(s->events);
    free(s->samples);
    s->segs = NULL;
    s->entries = NULL;
    s->events = NULL;
    s->samples = NULL;
}

static uint64_t now_tick(const rc_gws *s)
{
    return s->ops.now_tick(s->ops.ctx);
}

/* ---- commands ---- */

rc_status rc_gws_send(rc_gws *s, const rc_link_msg *m, uint8_t *seq, rc_error *err)
{
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_status st = rc_link_msg_encode(m, s->tx_seq, buf, sizeof buf, &n, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "%s", s->ops.name);
    if (seq)
        *seq = s->tx_seq;
    s->tx_seq++;
    s->last_tx_tick = now_tick(s);
    return s->ops.write(s->ops.ctx, buf, n, err);
}

/* One try: sends m and steps until its answer arrives or the try's time is
 * up (*answered false). */
static rc_status try_command(rc_gws *s, const rc_link_msg *m, rc_link_msg *answer,
                             bool *answered, rc_error *err)
{
    s->awaiting = true;
    s->await_type = m->type;
    s->have_answer = false;
    rc_status st = rc_gws_send(s, m, &s->await_seq, err);
    int64_t deadline = s->ops.clock_us(s->ops.ctx) + s->ops.answer_timeout_us;
    while (st == RC_OK && !s->have_answer && s->ops.clock_us(s->ops.ctx) < deadline)
        st = s->ops.step(s->ops.ctx, err);
    s->awaiting = false;
    *answered = st == RC_OK && s->have_answer;
    if (*answered)
        *answer = s->answer;
    return st;
}

rc_status rc_gws_command(rc_gws *s, const rc_link_msg *m, int tries, rc_link_msg *answer,
                         rc_error *err)
{
    assert(tries > 0);
    for (int t = 0; t < tries; t++) {
        bool answered;
        rc_status st = try_command(s, m, answer, &answered, err);
        if (st != RC_OK || answered)
            return st;
    }
    return s->ops.unanswered(s->ops.ctx, m->type, tries, err);
}

rc_status rc_gws_command_ack(rc_gws *s, const rc_link_msg *m, int tries, rc_link_ack *ack,
                             rc_error *err)
{
    rc_link_msg a;
    rc_status st = rc_gws_command(s, m, tries, &a, err);
    if (st != RC_OK)
        return st;
    if (a.type == RC_LINK_NAK) {
        const char *why = rc_link_nak_name(a.u.nak.reason);
        return rc_error_set(err, RC_ERR_DEVICE, "%s: the gateware refused %s: %s (offset %u)",
                            s->ops.name, rc_link_type_name(m->type),
                            why ? why : "unknown reason", a.u.nak.offset);
    }
    if (ack)
        *ack = a.u.ack;
    return RC_OK;
}

rc_status rc_gws_configure_msg(const rc_gws *s, rc_link_msg *m, rc_error *err)
{
    uint32_t rate = s->cfg.sample_rate_hz;
    if (rate == 0 || 1000000u % rate != 0)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "%s: sample rate %u Hz is not a whole number of 1 us ticks",
                            s->ops.name, rate);
    *m = (rc_link_msg){.type = RC_LINK_CONFIGURE};
    m->u.config = (rc_link_config){
        .block_ticks = 1000000u / rate,
        .watchdog_ms = RC_GWS_WATCHDOG_MS,
        .flags = RC_LINK_CFG_SAMPLES,
    };
    return RC_OK;
}

rc_status rc_gws_stop(rc_gws *s, int tries, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_STOP};
    return rc_gws_command_ack(s, &m, tries, NULL, err);
}

/* ---- the profile into the FIFO ---- */

/* A DAC whose code 0 gives more than 0 V (a positive calibrated offset)
 * cannot go lower: setpoints below that are set as code 0. */
static rc_segment dac_floor(const rc_segment *seg, const rc_link_dac_cal *cal)
{
    rc_segment out = *seg;
    if (out.from_mv < cal->offset_mv)
        out.from_mv = cal->offset_mv;
    if (out.to_mv < cal->offset_mv)
        out.to_mv = cal->offset_mv;
    return out;
}

static rc_status compile(rc_gws *s, const rc_link_dac_cal *cal, rc_error *err)
{
    size_t last = s->n_segs;
    for (size_t i = 0; i < s->n_segs; i++)
        if (s->segs[i].duration_us > 0)
            last = i;
    if (last == s->n_segs)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "%s: the profile holds no time",
                            s->ops.name);
    s->n_entries = 0;
    for (size_t i = 0; i <= last; i++) {
        const rc_segment *seg = &s->segs[i];
        if (seg->duration_us == 0)
            continue;
        rc_link_seg *e = &s->entries[s->n_entries++];
        rc_segment low = dac_floor(seg, cal);
        rc_status st = rc_link_seg_from_segment(&low, (uint32_t)i, i == last, cal, e, err);
        if (st != RC_OK)
            return rc_error_prefix(err, st, "%s: segment %zu", s->ops.name, i);
        /* The CH-present input is the CH's ready signal: the gateware
         * times a ready wait to the tick, with no host round trip. */
        if (seg->kind == RC_SEG_WAIT && seg->wait_on == RC_WAIT_READY)
            e->wait = RC_LINK_WAIT_CH_PRESENT;
    }
    return RC_OK;
}

static rc_status fill_fifo(rc_gws *s, rc_error *err)
{
    s->next_entry = 0;
    s->fifo_free = s->id.fifo_depth;
    while (s->next_entry < s->n_entries && s->fifo_free > 0) {
        rc_link_msg m = {.type = RC_LINK_SEGMENT};
        m.u.seg = s->entries[s->next_entry];
        rc_link_ack ack;
        rc_status st = rc_gws_command_ack(s, &m, 1, &ack, err);
        if (st != RC_OK)
            return st;
        s->fifo_free = ack.info;
        s->next_entry++;
    }
    return RC_OK;
}

rc_status rc_gws_load(rc_gws *s, const rc_profile *p, const rc_link_dac_cal *cal, rc_error *err)
{
    if (s->started)
        return rc_error_set(err, RC_ERR_ARG, "%s: load after start", s->ops.name);
    if (p->n_segs == 0)
        return rc_error_set(err, RC_ERR_ARG, "%s: the profile has no segments", s->ops.name);
    free(s->segs);
    free(s->entries);
    s->n_segs = 0;
    s->segs = malloc(p->n_segs * sizeof *s->segs);
    s->entries = malloc(p->n_segs * sizeof *s->entries);
    if (!s->segs || !s->entries)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    memcpy(s->segs, p->segs, p->n_segs * sizeof *s->segs);
    s->n_segs = p->n_segs;
    rc_status st = compile(s, cal, err);
    return st == RC_OK ? fill_fifo(s, err) : st;
}

rc_status rc_gws_start(rc_gws *s, rc_error *err)
{
    if (!s->segs)
        return rc_error_set(err, RC_ERR_ARG, "%s: start before load", s->ops.name);
    if (s->started)
        return rc_error_set(err, RC_ERR_ARG, "%s: started twice", s->ops.name);
    s->started = true;
    rc_link_msg arm = {.type = RC_LINK_ARM}, start = {.type = RC_LINK_START};
    rc_status st = rc_gws_command_ack(s, &arm, 1, NULL, err);
    if (st == RC_OK)
        st = rc_gws_command_ack(s, &start, 1, NULL, err);
    return st;
}

static bool top_up_due(const rc_gws *s)
{
    return !s->seg_in_flight && s->fifo_free > 0 && s->next_entry < s->n_entries;
}

rc_status rc_gws_top_up(rc_gws *s, rc_error *err)
{
    if (!top_up_due(s))
        return RC_OK;
    rc_link_msg m = {.type = RC_LINK_SEGMENT};
    m.u.seg = s->entries[s->next_entry];
    s->seg_in_flight = true;
    s->seg_sent_us = s->ops.clock_us(s->ops.ctx);
    return rc_gws_send(s, &m, &s->seg_seq, err);
}

/* ---- keeping the link alive ---- */

bool rc_gws_heartbeat_due(const rc_gws *s)
{
    return now_tick(s) - s->last_tx_tick >= RC_GWS_HEARTBEAT_TICKS;
}

rc_status rc_gws_heartbeat(rc_gws *s, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_HEARTBEAT};
    return rc_gws_send(s, &m, NULL, err);
}

uint64_t rc_gws_idle_ticks(const rc_gws *s)
{
    if (s->started && top_up_due(s))
        return 0;
    uint64_t due = s->last_tx_tick + RC_GWS_HEARTBEAT_TICKS;
    uint64_t now = now_tick(s);
    return due > now ? due - now : 0;
}

/* The profile's waits for "restored" and "down" are host waits: the host
 * learns of the CH's event and sends RELEASE for the running entry, whose
 * WAIT_DONE then carries the tick the release took effect. */
void rc_gws_release_if_waiting(rc_gws *s, rc_wait_on w)
{
    if (s->reported_seg == 0 || s->released == s->reported_seg)
        return;
    size_t i = s->reported_seg - 1;
    const rc_segment *seg = &s->segs[i];
    if (seg->kind != RC_SEG_WAIT || seg->wait_on != w || seg->duration_us == 0)
        return;
    s->released = s->reported_seg;
    rc_link_msg m = {.type = RC_LINK_RELEASE};
    m.u.release_seg_id = (uint32_t)i;
    rc_error err;
    if (rc_gws_send(s, &m, NULL, &err) != RC_OK)
        s->nomem = true; /* the run ends with the next delivery */
}

/* ---- what the run has reached ---- */

int64_t rc_gws_now_us(const rc_gws *s)
{
    uint64_t t = s->done ? s->end_tick : now_tick(s);
    return s->have_start && t > s->start_tick ? (int64_t)(t - s->start_tick) : 0;
}

/* The blocks trail the RUN_END event by a SAMPLES frame. */
bool rc_gws_samples_in(const rc_gws *s)
{
    return s->done && s->samples_tick + 1000000u / s->cfg.sample_rate_hz > s->end_tick;
}

/* Link errors since the last note, as RC_EV_NOTEs. */
static void note_link_errors(rc_gws *s)
{
    const rc_link_stats *st = &s->dec.stats;
    uint64_t crc = st->crc_errors - s->noted.crc_errors;
    uint64_t dropped = st->discarded_bytes - s->noted.discarded_bytes;
    uint64_t repeats = s->repeats - s->noted_repeats;
    /* The decoder counts a repeat as a gap of 255 lost frames
     * (docs/protocol.md); here it is noted as what it is. */
    uint64_t lost = st->frames_lost - s->noted.frames_lost - 255 * repeats;
    if (!s->have_start || (crc == 0 && dropped == 0 && lost == 0 && repeats == 0))
        return;
    char text[RC_EVENT_TEXT_MAX];
    if (crc || dropped || lost) {
        snprintf(text, sizeof text, "link: %llu crc, %llu bytes, %llu lost",
                 (unsigned long long)crc, (unsigned long long)dropped,
                 (unsigned long long)lost);
        rc_gws_push_event(s, now_tick(s), RC_EV_NOTE, (int32_t)(crc + lost), text);
    }
    if (repeats) {
        snprintf(text, sizeof text, "link: %llu repeated", (unsigned long long)repeats);
        rc_gws_push_event(s, now_tick(s), RC_EV_NOTE, (int32_t)repeats, text);
    }
    s->noted = *st;
    s->noted_repeats = s->repeats;
}

static int cmp_event(const rc_event *x, const rc_event *y)
{
    return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* A stable insertion sort: the events of one tick keep their order, and
 * the buffer is nearly sorted already. */
static void sort_events(rc_gws *s)
{
    for (size_t i = 1; i < s->n_events; i++)
        for (size_t j = i; j > 0 && cmp_event(&s->events[j - 1], &s->events[j]) > 0; j--) {
            rc_event t = s->events[j];
            s->events[j] = s->events[j - 1];
            s->events[j - 1] = t;
        }
}

/* Samples, and the events the device has moved past (all when all). */
static rc_status flush(rc_gws *s, const rc_sink *sink, bool all, rc_error *err)
{
    if (s->nomem)
        return rc_error_set(err, RC_ERR_NOMEM, "%s: out of memory for events", s->ops.name);
    rc_status st = RC_OK;
    if (s->n_samples && sink->on_samples)
        st = sink->on_samples(sink->ctx, s->samples, s->n_samples, err);
    s->n_samples = 0;
    sort_events(s);
    int64_t horizon = (int64_t)(now_tick(s) - s->start_tick) - RC_GWS_REORDER_TICKS;
    size_t n = 0;
    while (n < s->n_events && (all || s->events[n].t_us <= horizon)) {
        if (st == RC_OK && sink->on_event)
            st = sink->on_event(sink->ctx, &s->events[n], err);
        n++;
    }
    memmove(s->events, s->events + n, (s->n_events - n) * sizeof *s->events);
    s->n_events -= n;
    return st;
}

rc_status rc_gws_deliver(rc_gws *s, rc_status st, const rc_sink *sink, bool report_fault,
                         rc_error *err)
{
    note_link_errors(s);
    bool all = st != RC_OK || s->done || s->fault != RC_OK;
    rc_error flush_err;
    rc_status fst = flush(s, sink, all, &flush_err);
    if (st == RC_OK && fst != RC_OK) {
        st = fst;
        *err = flush_err;
    }
    if (st == RC_OK && report_fault && s->fault != RC_OK)
        st = rc_error_set(err, s->fault, "%s", s->fault_msg);
    return st;
}
