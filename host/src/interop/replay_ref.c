/*
 * replay_ref.c - the recorded rail kept beside a replay: the new trace of
 * `railcut replay TRACE` (or `railcut run TRACE.rct`) gets a reference
 * channel, ref_rail_v, holding the original trace's rail_v at each new
 * sample's time, so the rail that was asked for and the rail the backend
 * made are read, exported and drawn side by side.
 *
 * The writer asks for reference values in time order (rc_trace_ref_fn), so
 * the original is walked once with a cursor: a window of up to REF_WINDOW
 * original samples (time, volts) read ahead with rc_trace_read_values, the
 * last sample at or before the asked time and the one after it, between
 * which the value is interpolated on a straight line (the replay profile
 * joins points the same way). Time 0 of the replay is the original's first
 * sample; after its last sample the value stays at the last one, the level
 * the replay holds through its observation window. Should the original
 * become unreadable mid-way (it was checked whole when the profile was
 * made), the values from there on are NaN, never a guess. Memory is the
 * window.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interop/interop_internal.h"

#define REF_WINDOW 4096

typedef struct ref_point {
    int64_t t_us;
    double v;
} ref_point;

typedef struct rc_replay_ref {
    rc_trace *t;
    size_t channel;
    char unit[64];
    int64_t t0_us; /* the original's first sample: the replay's t = 0 */
    ref_point win[REF_WINDOW];
    size_t n_win, at;   /* window entries, next unread */
    int64_t read_to_us; /* the window holds every sample before this */
    bool ended;         /* no sample after the window */
    bool have_prev, have_next;
    ref_point prev, next;
    rc_status status; /* the first read failure: later values are NaN */
    rc_error err;
} rc_replay_ref;

static int take(void *ctx, int64_t t0_us, int64_t period_us, const double *values, size_t n)
{
    rc_replay_ref *r = ctx;
    size_t k = REF_WINDOW - r->n_win < n ? REF_WINDOW - r->n_win : n;
    for (size_t i = 0; i < k; i++)
        r->win[r->n_win++] = (ref_point){t0_us + (int64_t)i * period_us, values[i]};
    return r->n_win == REF_WINDOW;
}

/* Reads the next window after the last one. */
static void refill(rc_replay_ref *r)
{
    r->n_win = r->at = 0;
    if (r->ended || r->status != RC_OK)
        return;
    r->status =
        rc_trace_read_values(r->t, r->channel, r->read_to_us, INT64_MAX, take, r, &r->err);
    if (r->n_win < REF_WINDOW || r->status != RC_OK)
        r->ended = true;
    if (r->n_win > 0)
        r->read_to_us = r->win[r->n_win - 1].t_us + 1;
}

/* Moves the cursor so that prev is the last sample at or before t_us (or
 * the first sample) and next, when there is one, the sample after it. */
static void advance(rc_replay_ref *r, int64_t t_us)
{
    while (!r->have_next || r->next.t_us <= t_us) {
        if (r->have_next) {
            r->prev = r->next;
            r->have_prev = true;
        }
        if (r->at == r->n_win)
            refill(r);
        r->have_next = r->at < r->n_win;
        if (!r->have_next)
            return;
        r->next = r->win[r->at++];
        if (!r->have_prev && r->next.t_us > t_us) {
            r->prev = r->next;
            r->have_prev = true;
        }
    }
}

static double value_at(rc_replay_ref *r, int64_t t_us)
{
    advance(r, t_us);
    if (!r->have_prev || r->status != RC_OK)
        return NAN;
    if (!r->have_next || t_us <= r->prev.t_us)
        return r->prev.v;
    double f = (double)(t_us - r->prev.t_us) / (double)(r->next.t_us - r->prev.t_us);
    return r->prev.v + (r->next.v - r->prev.v) * f;
}

static void ref_values(void *ctx, const rc_sample *s, size_t n, float *const *values)
{
    rc_replay_ref *r = ctx;
    for (size_t i = 0; i < n; i++)
        values[0][i] = (float)value_at(r, r->t0_us + s[i].t_us);
}

static void ref_free(void *ctx)
{
    rc_replay_ref *r = ctx;
    rc_trace_close(r->t);
    free(r);
}

static int first_sample(void *ctx, int64_t t0_us, int64_t period_us, const double *values,
                        size_t n)
{
    (void)period_us;
    (void)values;
    (void)n;
    *(int64_t *)ctx = t0_us;
    return 1;
}

static rc_status ref_open(const char *path, rc_replay_ref **out, rc_error *err)
{
    rc_replay_ref *r = calloc(1, sizeof *r);
    if (!r)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &r->t, err);
    size_t n_ch = 0;
    const rc_trace_channel *ch = st == RC_OK ? rc_trace_get_channels(r->t, &n_ch) : NULL;
    r->channel = n_ch;
    for (size_t i = 0; i < n_ch; i++)
        if (strcmp(ch[i].name, "rail_v") == 0)
            r->channel = i;
    if (st == RC_OK && r->channel == n_ch)
        st = rc_error_set(err, RC_ERR_FORMAT, "%s: no rail_v channel to replay", path);
    r->t0_us = INT64_MIN;
    if (st == RC_OK)
        st = rc_trace_read_values(r->t, r->channel, INT64_MIN, INT64_MAX, first_sample,
                                  &r->t0_us, err);
    if (st == RC_OK && r->t0_us == INT64_MIN)
        st = rc_error_set(err, RC_ERR_FORMAT, "%s: the trace has no samples to replay", path);
    if (st != RC_OK) {
        if (r->t)
            rc_trace_close(r->t);
        free(r);
        return st;
    }
    snprintf(r->unit, sizeof r->unit, "%s", ch[r->channel].unit);
    r->read_to_us = r->t0_us;
    *out = r;
    return RC_OK;
}

rc_status rc_replay_writer_open(const char *trace_path, const rc_trace_header *hdr,
                                const rc_profile *profile, const char *profile_path,
                                const rc_trace_writer_options *opt, rc_trace_writer **out,
                                rc_error *err)
{
    if (!profile_path || !rc_replay_is_trace_path(profile_path))
        return rc_trace_writer_open_ex(trace_path, hdr, profile, opt, out, err);
    rc_replay_ref *r = NULL;
    rc_status st = ref_open(profile_path, &r, err);
    if (st != RC_OK)
        return st;
    rc_trace_writer_options o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof o);
    rc_trace_channel ref = {RC_REPLAY_REF_CHANNEL, r->unit, RC_TRACE_STORE_F32, 1, 0};
    o.ref_channels = &ref;
    o.n_ref_channels = 1;
    o.ref_fn = ref_values;
    o.ref_free = ref_free;
    o.ref_ctx = r;
    return rc_trace_writer_open_ex(trace_path, hdr, profile, &o, out, err);
}
