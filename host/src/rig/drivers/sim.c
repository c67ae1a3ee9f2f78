/*
 * sim.c - the "sim" backend: the golden model. Executes the segment list in
 * virtual time against the bench model (supply + CH, host/src/model).
 *
 * The device holds a copy of the segments, the running segment and its
 * actual start time (waits make it differ from the nominal one), the last
 * digital outputs (to report cuts, restores and AC Lost edges), the next
 * sample time, and two output buffers: events in time order (the model's and
 * the sequencer's, appended as they happen) and a block of samples. poll()
 * advances the model from one "interesting" time to the next - segment end,
 * sample time, next change of a ramp's setpoint - and the model itself jumps
 * over quiet spans, so a long cut costs almost nothing.
 *
 * Segment rules (docs/ch-model.md, "Sequencer"):
 *   - every segment start emits RC_EV_SEGMENT (value = index), then the
 *     output edges, then RC_EV_OBSERVE for the observation window;
 *   - RAMP: the gateware's ramp (docs/protocol.md, "Ramps") with one DAC
 *     code per mV and one tick per microsecond, computed by the link
 *     encoder's functions: slope = trunc((to - from) * 2^24 / dur), and the
 *     setpoint at k = t - start is the integer part of
 *     (from * 2^24 + k * slope) / 2^24, held at to once it gets there;
 *   - WAIT: ends at the microsecond its event happens (RC_EV_WAIT_DONE) or at
 *     start + duration (RC_EV_WAIT_TIMEOUT), and the next segment starts
 *     then. "ready" and "down" are states as well as events: a wait for ready
 *     while the CH is already running (ready, or riding through on hold-up),
 *     or for down while it is off, ends at once.
 *   - samples at t = k * 1e6 / rate, instantaneous, from t = 0 to the end.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "railcut/link.h"
#include "rig/rig_internal.h"

#define SAMPLE_BLOCK 1024
#define EVENT_BLOCK 1024
#define MAX_SAMPLE_RATE_HZ 1000000u

struct rc_device {
    rc_rig_config cfg;
    rc_bench_model *model;
    bool exact_stepping;

    rc_segment *segs;
    size_t n_segs;
    bool started, done, stopped;
    size_t seg;
    int64_t seg_start_us;
    int64_t ramp_slope;   /* running ramp: mV per us, 24 fraction bits */
    int64_t ramp_next_us; /* next change of a ramp's setpoint; -1 none */
    bool wait_hit;        /* the running WAIT's event happened */
    bool rail_on, ac_lost;

    uint64_t sample_k;
    int64_t next_sample_us;

    rc_event *events;
    size_t n_events, cap_events;
    rc_status buf_status; /* allocation failure inside the model callback */
    rc_sample samples[SAMPLE_BLOCK];
    size_t n_samples;
};

static void push_event(rc_device *d, const rc_event *ev)
{
    if (d->n_events == d->cap_events) {
        size_t cap = d->cap_events ? d->cap_events * 2 : EVENT_BLOCK;
        rc_event *grown = realloc(d->events, cap * sizeof *grown);
        if (!grown) {
            d->buf_status = RC_ERR_NOMEM;
            return;
        }
        d->events = grown;
        d->cap_events = cap;
    }
    d->events[d->n_events++] = *ev;
}

static void push(rc_device *d, rc_event_kind kind, int32_t value)
{
    rc_event ev;
    rc_event_init(&ev, rc_bench_model_now(d->model), kind, value, NULL);
    push_event(d, &ev);
}

static bool ends_wait(rc_wait_on w, rc_event_kind kind)
{
    switch (w) {
    case RC_WAIT_READY: return kind == RC_EV_CH_READY;
    case RC_WAIT_AD1: return kind == RC_EV_AD1;
    case RC_WAIT_RESTORED: return kind == RC_EV_RESTORED;
    case RC_WAIT_DOWN: return kind == RC_EV_CH_DOWN;
    case RC_WAIT_NONE: return false;
    }
    return false;
}

static void on_model_event(void *ctx, const rc_event *ev)
{
    rc_device *d = ctx;
    push_event(d, ev);
    if (!d->started || d->done || d->wait_hit)
        return;
    const rc_segment *s = &d->segs[d->seg];
    if (s->kind == RC_SEG_WAIT && ends_wait(s->wait_on, (rc_event_kind)ev->kind)) {
        d->wait_hit = true;
        rc_bench_model_halt(d->model);
    }
}

static rc_status sim_open(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    if (cfg->sample_rate_hz == 0 || cfg->sample_rate_hz > MAX_SAMPLE_RATE_HZ)
        return rc_error_set(err, RC_ERR_ARG, "sim: sample rate must be 1 Hz .. 1 MHz, not %u",
                            cfg->sample_rate_hz);
    rc_device *d = calloc(1, sizeof *d);
    if (!d)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    d->cfg = *cfg;
    rc_status st = rc_bench_model_new(&cfg->ch, &cfg->supply, cfg->outage_below_mv,
                                      cfg->restore_above_mv, on_model_event, d, &d->model, err);
    if (st != RC_OK) {
        free(d);
        return rc_error_prefix(err, st, "sim");
    }
    *out = d;
    return RC_OK;
}

static void sim_close(rc_device *d)
{
    if (!d)
        return;
    rc_bench_model_free(d->model);
    free(d->segs);
    free(d->events);
    free(d);
}

static rc_status sim_load(rc_device *d, const rc_profile *p, rc_error *err)
{
    if (d->started)
        return rc_error_set(err, RC_ERR_ARG, "sim: load after start");
    if (p->n_segs == 0)
        return rc_error_set(err, RC_ERR_ARG, "sim: the profile has no segments");
    for (size_t i = 0; i < p->n_segs; i++)
        if (p->segs[i].duration_us < 0 || (unsigned)p->segs[i].kind > RC_SEG_OBSERVE)
            return rc_error_set(err, RC_ERR_ARG, "sim: segment %zu is malformed", i);
    rc_segment *segs = malloc(p->n_segs * sizeof *segs);
    if (!segs)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    memcpy(segs, p->segs, p->n_segs * sizeof *segs);
    free(d->segs);
    d->segs = segs;
    d->n_segs = p->n_segs;
    return RC_OK;
}

static int64_t sample_time(const rc_device *d, uint64_t k)
{
    return (int64_t)(k * 1000000u / d->cfg.sample_rate_hz);
}

static void take_sample(rc_device *d)
{
    rc_bench_model_sample(d->model, &d->samples[d->n_samples++]);
    d->sample_k++;
    d->next_sample_us = sample_time(d, d->sample_k);
}

/* Sets the running ramp's setpoint for now, the gateware's code at this
 * tick of the entry, and notes when it next changes (within the segment). */
static void apply_ramp(rc_device *d)
{
    const rc_segment *s = &d->segs[d->seg];
    assert(s->duration_us > 0);
    uint64_t k = (uint64_t)(rc_bench_model_now(d->model) - d->seg_start_us);
    int64_t mv = rc_link_ramp_code(s->from_mv, s->to_mv, d->ramp_slope, k);
    rc_bench_model_set_inputs(d->model, (int32_t)mv, s->rail_on, s->ac_lost);
    uint64_t next = d->exact_stepping
                        ? k + 1
                        : rc_link_ramp_next_change(s->from_mv, s->to_mv, d->ramp_slope, k);
    d->ramp_next_us = next >= (uint64_t)s->duration_us ? -1 : d->seg_start_us + (int64_t)next;
}

/* A CH riding through on hold-up is still running, its ready signal still
 * asserted, so it counts as ready. */
static bool wait_already_met(const rc_device *d, rc_wait_on w)
{
    rc_sample now;
    rc_bench_model_sample(d->model, &now);
    bool running = now.ch_state == RC_CH_READY || now.ch_state == RC_CH_HOLDUP;
    return (w == RC_WAIT_READY && running) || (w == RC_WAIT_DOWN && now.ch_state == RC_CH_OFF);
}

/* Starts segment i at the model's current time; returns true when it ended
 * at once (zero length, or a wait whose condition already holds). */
static bool begin_segment(rc_device *d, size_t i)
{
    const rc_segment *s = &d->segs[i];
    d->seg = i;
    d->seg_start_us = rc_bench_model_now(d->model);
    d->wait_hit = false;
    d->ramp_next_us = -1;
    push(d, RC_EV_SEGMENT, (int32_t)i);
    if (s->rail_on != d->rail_on)
        push(d, s->rail_on ? RC_EV_RAIL_RESTORE : RC_EV_RAIL_CUT, 0);
    if (s->ac_lost != d->ac_lost)
        push(d, s->ac_lost ? RC_EV_AC_LOST_ON : RC_EV_AC_LOST_OFF, 0);
    d->rail_on = s->rail_on;
    d->ac_lost = s->ac_lost;
    if (s->kind == RC_SEG_OBSERVE)
        push(d, RC_EV_OBSERVE, 0);
    if (s->kind == RC_SEG_RAMP && s->duration_us > 0) {
        d->ramp_slope = rc_link_ramp_slope(s->from_mv, s->to_mv, (uint64_t)s->duration_us);
        apply_ramp(d);
    } else {
        rc_bench_model_set_inputs(d->model, s->from_mv, s->rail_on, s->ac_lost);
    }
    if (s->kind == RC_SEG_WAIT && wait_already_met(d, s->wait_on)) {
        push(d, RC_EV_WAIT_DONE, (int32_t)i);
        return true;
    }
    if (s->duration_us == 0) {
        if (s->kind == RC_SEG_WAIT)
            push(d, RC_EV_WAIT_TIMEOUT, (int32_t)i);
        return true;
    }
    return false;
}

/* Starts segment i and every following one that ends at once; after the
 * last segment the run is done. */
static void run_segments_from(rc_device *d, size_t i)
{
    for (; i < d->n_segs; i++)
        if (!begin_segment(d, i))
            return;
    d->done = true;
}

static rc_status sim_start(rc_device *d, rc_error *err)
{
    if (!d->segs)
        return rc_error_set(err, RC_ERR_ARG, "sim: start before load");
    if (d->started)
        return rc_error_set(err, RC_ERR_ARG, "sim: started twice");
    d->started = true;
    /* The bench state before the first segment (profile.h): rail cut, AC
     * Lost released. */
    d->rail_on = false;
    d->ac_lost = false;
    run_segments_from(d, 0);
    take_sample(d);
    return RC_OK;
}

static rc_status flush(rc_device *d, const rc_sink *sink, rc_error *err)
{
    if (d->buf_status != RC_OK)
        return rc_error_set(err, d->buf_status, "sim: out of memory for events");
    rc_status st = RC_OK;
    if (d->n_samples && sink->on_samples)
        st = sink->on_samples(sink->ctx, d->samples, d->n_samples, err);
    d->n_samples = 0;
    for (size_t i = 0; st == RC_OK && i < d->n_events; i++)
        if (sink->on_event)
            st = sink->on_event(sink->ctx, &d->events[i], err);
    d->n_events = 0;
    return st;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Advances to the next interesting time not after until_us and handles
 * whatever happens there. */
static void step(rc_device *d, int64_t until_us)
{
    const rc_segment *s = &d->segs[d->seg];
    int64_t seg_end = d->seg_start_us + s->duration_us;
    int64_t next = min64(min64(until_us, seg_end), d->next_sample_us);
    if (d->ramp_next_us >= 0)
        next = min64(next, d->ramp_next_us);
    rc_bench_model_advance(d->model, next);
    int64_t now = rc_bench_model_now(d->model);
    if (now == d->next_sample_us)
        take_sample(d);
    if (d->wait_hit) {
        push(d, RC_EV_WAIT_DONE, (int32_t)d->seg);
        run_segments_from(d, d->seg + 1);
    } else if (now == seg_end) {
        if (s->kind == RC_SEG_WAIT)
            push(d, RC_EV_WAIT_TIMEOUT, (int32_t)d->seg);
        run_segments_from(d, d->seg + 1);
    } else if (now == d->ramp_next_us) {
        apply_ramp(d);
    }
}

static rc_status sim_poll(rc_device *d, int64_t until_us, const rc_sink *sink,
                          rc_poll_result *res, rc_error *err)
{
    if (!d->started || d->stopped)
        return rc_error_set(err, RC_ERR_ARG, "sim: poll while not running");
    rc_status st = RC_OK;
    while (st == RC_OK && !d->done && rc_bench_model_now(d->model) < until_us) {
        step(d, until_us);
        if (d->n_samples == SAMPLE_BLOCK || d->n_events >= EVENT_BLOCK)
            st = flush(d, sink, err);
    }
    if (st == RC_OK)
        st = flush(d, sink, err);
    res->now_us = rc_bench_model_now(d->model);
    res->done = d->done;
    return st;
}

static rc_status sim_stop(rc_device *d, rc_error *err)
{
    (void)err;
    rc_bench_model_set_inputs(d->model, 0, false, false);
    d->stopped = true;
    return RC_OK;
}

void rc_sim_set_exact_stepping(rc_device *d, bool on)
{
    d->exact_stepping = on;
    rc_bench_model_set_exact_stepping(d->model, on);
}

const rc_driver rc_driver_sim = {
    .name = "sim",
    .description = "golden model: supply and CH simulated in virtual time",
    .open = sim_open,
    .close = sim_close,
    .load = sim_load,
    .start = sim_start,
    .poll = sim_poll,
    .stop = sim_stop,
};
