/*
 * data.c - trace access for the dashboard.
 *
 * A dash_trace wraps one open rc_trace plus its analysis (episodes, AD1s,
 * checks), both replaced together when a followed file grows. A dash_frame is
 * the per-frame summary: one dash_column per pixel column (min/max of volts
 * and amps, which AC Lost values and CH states occurred), and, when the span
 * holds at most two samples per column, the samples themselves so the plot can
 * draw them as points joined by lines. Samples are streamed from the reader and
 * folded into the columns as they pass; nothing else is kept.
 */
#include "data.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static rc_status analyze(dash_trace *dt, rc_error *err)
{
    rc_analysis_config cfg;
    rc_analysis_config_default(&cfg);
    cfg.outage_below_mv = dt->hdr->outage_below_mv;
    cfg.restore_above_mv = dt->hdr->restore_above_mv;
    if (cfg.restore_above_mv < cfg.outage_below_mv || cfg.outage_below_mv <= 0)
        rc_analysis_config_default(&cfg);
    return rc_analyze_trace(dt->t, &cfg, &dt->analysis, err);
}

static void take(dash_trace *dt, rc_trace *t)
{
    dt->t = t;
    dt->hdr = rc_trace_get_header(t);
    dt->profile = rc_trace_get_profile(t);
    dt->stats = rc_trace_get_stats(t);
    dt->events = rc_trace_get_events(t, &dt->n_events);
    dt->file_bytes = dt->stats->file_bytes;
    dt->generation++;
}

rc_status dash_trace_open(dash_trace *dt, const char *path, rc_error *err)
{
    memset(dt, 0, sizeof *dt);
    dt->path = strdup(path);
    if (!dt->path)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_trace *t;
    rc_status st = rc_trace_open(path, &t, err);
    if (st != RC_OK) {
        free(dt->path);
        dt->path = NULL;
        return st;
    }
    take(dt, t);
    st = analyze(dt, err);
    if (st != RC_OK)
        dash_trace_close(dt);
    return st;
}

void dash_trace_close(dash_trace *dt)
{
    rc_analysis_free(dt->analysis);
    if (dt->t)
        rc_trace_close(dt->t);
    free(dt->path);
    memset(dt, 0, sizeof *dt);
}

rc_status dash_trace_follow(dash_trace *dt, bool *grew, rc_error *err)
{
    *grew = false;
    struct stat sb;
    if (stat(dt->path, &sb) != 0 || (uint64_t)sb.st_size == dt->file_bytes)
        return RC_OK;
    rc_trace *t;
    rc_error local;
    if (rc_trace_open(dt->path, &t, &local) != RC_OK)
        return RC_OK;
    rc_analysis *old_analysis = dt->analysis;
    rc_trace *old = dt->t;
    take(dt, t);
    dt->analysis = NULL;
    rc_status st = analyze(dt, err);
    rc_analysis_free(old_analysis);
    rc_trace_close(old);
    *grew = true;
    return st;
}

bool dash_trace_complete(const dash_trace *dt)
{
    return dt->stats->complete;
}

int64_t dash_trace_end_us(const dash_trace *dt)
{
    return dt->stats->complete ? dt->stats->end_us : dt->stats->last_us;
}

void dash_frame_init(dash_frame *f)
{
    memset(f, 0, sizeof *f);
}

void dash_frame_free(dash_frame *f)
{
    free(f->cols);
    free(f->raw);
    dash_frame_init(f);
}

static void fold_one(dash_frame *f, const rc_sample *s)
{
    int64_t c64 = (s->t_us - f->t0_us) * f->n_cols / f->span_us;
    assert(c64 >= 0 && c64 < f->n_cols);
    dash_column *c = &f->cols[c64];
    bool v_ok = !isnan(s->rail_v), a_ok = !isnan(s->rail_a);
    if (c->n == 0) {
        c->v_min = c->v_max = v_ok ? s->rail_v : NAN;
        c->a_min = c->a_max = a_ok ? s->rail_a : NAN;
    } else {
        if (v_ok && !(s->rail_v >= c->v_min))
            c->v_min = s->rail_v;
        if (v_ok && !(s->rail_v <= c->v_max))
            c->v_max = s->rail_v;
        if (a_ok && !(s->rail_a >= c->a_min))
            c->a_min = s->rail_a;
        if (a_ok && !(s->rail_a <= c->a_max))
            c->a_max = s->rail_a;
    }
    c->n++;
    c->ac_lost |= s->ac_lost ? 1 : 2;
    if (s->ch_state < 8)
        c->states |= (uint8_t)(1u << s->ch_state);
    c->last_state = s->ch_state;
}

static int fold(void *ctx, const rc_sample *s, size_t n)
{
    dash_frame *f = ctx;
    for (size_t i = 0; i < n; i++) {
        fold_one(f, &s[i]);
        if (f->raw_ok && f->n_raw < f->raw_cap)
            f->raw[f->n_raw++] = s[i];
        else
            f->raw_ok = false;
    }
    return 0;
}

static rc_status frame_alloc(dash_frame *f, int n_cols, rc_error *err)
{
    if (f->n_cols == n_cols && f->cols)
        return RC_OK;
    free(f->cols);
    free(f->raw);
    f->cols = calloc((size_t)n_cols, sizeof *f->cols);
    f->raw_cap = 2 * (size_t)n_cols + 2;
    f->raw = calloc(f->raw_cap, sizeof *f->raw);
    f->n_cols = n_cols;
    if (!f->cols || !f->raw) {
        dash_frame_free(f);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory for %d plot columns", n_cols);
    }
    return RC_OK;
}

rc_status dash_frame_query(dash_frame *f, dash_trace *dt, int64_t t0_us, int64_t span_us,
                           int n_cols, rc_error *err)
{
    assert(n_cols > 0 && span_us > 0);
    if (f->cols && f->n_cols == n_cols && f->t0_us == t0_us && f->span_us == span_us &&
        f->generation == dt->generation)
        return RC_OK;
    rc_status st = frame_alloc(f, n_cols, err);
    if (st != RC_OK)
        return st;
    memset(f->cols, 0, (size_t)n_cols * sizeof *f->cols);
    f->t0_us = t0_us;
    f->span_us = span_us;
    f->n_raw = 0;
    f->raw_ok = true;
    f->generation = dt->generation;
    return rc_trace_read_samples(dt->t, t0_us, t0_us + span_us, fold, f, err);
}

typedef struct last_ctx {
    rc_sample s;
    bool found;
} last_ctx;

static int keep_last(void *ctx, const rc_sample *s, size_t n)
{
    last_ctx *l = ctx;
    l->s = s[n - 1];
    l->found = true;
    return 0;
}

rc_status dash_trace_sample_at(dash_trace *dt, int64_t t_us, rc_sample *out, bool *found,
                               rc_error *err)
{
    uint32_t rate = dt->hdr->sample_rate_hz ? dt->hdr->sample_rate_hz : 1000;
    int64_t window_us = 2 * (1000000 / (int64_t)rate) + 1;
    last_ctx l = {.found = false};
    rc_status st = rc_trace_read_samples(dt->t, t_us - window_us, t_us + 1, keep_last, &l, err);
    *found = st == RC_OK && l.found;
    if (*found)
        *out = l.s;
    return st;
}

bool dash_trace_first_event(const dash_trace *dt, rc_event_kind kind, int64_t *t_us)
{
    for (size_t i = 0; i < dt->n_events; i++) {
        if (dt->events[i].kind == kind) {
            *t_us = dt->events[i].t_us;
            return true;
        }
    }
    return false;
}
