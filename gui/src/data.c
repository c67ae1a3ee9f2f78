/*
 * data.c - trace access for the dashboard.
 *
 * A dash_trace wraps one open rc_trace (opened fast: index and tail only, so
 * opening does not grow with the file) plus its analysis (episodes, AD1s,
 * checks). A dash_frame is the per-frame summary: one dash_column per pixel
 * column (min/max of volts and amps, which AC Lost values and CH states
 * occurred). Zoomed out the columns come from rc_trace_summary, one call per
 * channel, whose cost grows with the number of columns and not with the span.
 * Zoomed in (at most two samples a column) the samples are streamed with
 * rc_trace_read_samples, folded into the columns and kept as they are, so the
 * plot can draw them as points joined by lines. Either way memory is a few
 * arrays of n_cols entries.
 */
#include "data.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REANALYSE_MS 1000.0

static const char *const channel_names[4] = {"rail_v", "rail_a", "ac_lost", "ch_state"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static rc_status analyze(dash_trace *dt, rc_error *err)
{
    rc_analysis_config cfg;
    rc_analysis_config_default(&cfg);
    cfg.outage_below_mv = dt->hdr->outage_below_mv;
    cfg.restore_above_mv = dt->hdr->restore_above_mv;
    if (cfg.restore_above_mv < cfg.outage_below_mv || cfg.outage_below_mv <= 0)
        rc_analysis_config_default(&cfg);
    rc_analysis_free(dt->analysis);
    dt->analysis = NULL;
    dt->analysed_ms = now_ms();
    return rc_analyze_trace(dt->t, &cfg, &dt->analysis, err);
}

static void find_channels(dash_trace *dt)
{
    size_t n;
    const rc_trace_channel *chans = rc_trace_get_channels(dt->t, &n);
    int found = 0;
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(chans[i].name, channel_names[k]) == 0) {
                dt->ch[k] = i;
                found++;
                break;
            }
    dt->summarised = found == 4;
}

/* Pointers into the reader, taken again after every refresh. */
static void take(dash_trace *dt)
{
    dt->hdr = rc_trace_get_header(dt->t);
    dt->profile = rc_trace_get_profile(dt->t);
    dt->stats = rc_trace_get_stats(dt->t);
    dt->events = rc_trace_get_events(dt->t, &dt->n_events);
    find_channels(dt);
    dt->generation++;
}

rc_status dash_trace_open(dash_trace *dt, const char *path, rc_error *err)
{
    memset(dt, 0, sizeof *dt);
    dt->path = strdup(path);
    if (!dt->path)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &dt->t, err);
    if (st != RC_OK) {
        free(dt->path);
        dt->path = NULL;
        return st;
    }
    take(dt);
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
    bool was_complete = dash_trace_complete(dt);
    rc_status st = rc_trace_refresh(dt->t, grew, err);
    if (st != RC_OK || !*grew)
        return st;
    take(dt);
    bool ended = dash_trace_complete(dt) && !was_complete;
    if (ended || now_ms() - dt->analysed_ms >= REANALYSE_MS)
        st = analyze(dt, err);
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
    free(f->scratch);
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
    dash_frame_free(f);
    f->cols = calloc((size_t)n_cols, sizeof *f->cols);
    f->scratch = calloc(2 * (size_t)n_cols, sizeof *f->scratch);
    f->raw_cap = 2 * (size_t)n_cols + 2;
    f->raw = calloc(f->raw_cap, sizeof *f->raw);
    f->n_cols = n_cols;
    if (!f->cols || !f->scratch || !f->raw) {
        dash_frame_free(f);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory for %d plot columns", n_cols);
    }
    return RC_OK;
}

/* Folds one channel's summary into the columns. */
static rc_status summarise(dash_frame *f, dash_trace *dt, int k, rc_error *err)
{
    double *mn = f->scratch, *mx = f->scratch + f->n_cols;
    rc_status st = rc_trace_summary(dt->t, dt->ch[k], f->t0_us, f->t0_us + f->span_us,
                                    (size_t)f->n_cols, mn, mx, NULL, err);
    for (int i = 0; st == RC_OK && i < f->n_cols; i++) {
        dash_column *c = &f->cols[i];
        if (isnan(mn[i]))
            continue;
        c->n = 1;
        switch (k) {
        case 0: c->v_min = (float)mn[i]; c->v_max = (float)mx[i]; break;
        case 1: c->a_min = (float)mn[i]; c->a_max = (float)mx[i]; break;
        case 2: c->ac_lost = (uint8_t)((mx[i] > 0.5 ? 1 : 0) | (mn[i] < 0.5 ? 2 : 0)); break;
        default:
            /* A column that mixes states shows the highest: HOLDUP over READY
             * over BOOTING over OFF, the more telling one in each pair. */
            c->last_state = (uint8_t)mx[i];
            for (int s = (int)mn[i]; s <= (int)mx[i] && s < 8; s++)
                c->states |= (uint8_t)(1u << s);
        }
    }
    return st;
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
    f->generation = dt->generation;
    double rate = dt->hdr->sample_rate_hz ? dt->hdr->sample_rate_hz : 1000.0;
    f->raw_ok = !dt->summarised || (double)span_us * rate / 1e6 <= 2.0 * n_cols;
    if (f->raw_ok)
        return rc_trace_read_samples(dt->t, t0_us, t0_us + span_us, fold, f, err);
    for (int k = 0; k < 4 && st == RC_OK; k++)
        st = summarise(f, dt, k, err);
    return st;
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
    for (int i = 0; i < DASH_SAMPLE_MEMOS; i++) {
        const dash_sample_memo *m = &dt->memo[i];
        if (m->generation == dt->generation && m->t_us == t_us) {
            *found = m->found;
            *out = m->s;
            return RC_OK;
        }
    }
    uint32_t rate = dt->hdr->sample_rate_hz ? dt->hdr->sample_rate_hz : 1000;
    int64_t window_us = 2 * (1000000 / (int64_t)rate) + 1;
    last_ctx l = {.found = false};
    rc_status st = rc_trace_read_samples(dt->t, t_us - window_us, t_us + 1, keep_last, &l, err);
    *found = st == RC_OK && l.found;
    if (*found)
        *out = l.s;
    if (st == RC_OK)
        dt->memo[dt->memo_next++ % DASH_SAMPLE_MEMOS] =
            (dash_sample_memo){t_us, dt->generation, l.found, l.s};
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
