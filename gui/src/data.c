/*
 * data.c - trace access for the dashboard.
 *
 * A dash_trace wraps one open rc_trace (opened fast: index and tail only, so
 * opening does not grow with the file) plus its analysis (episodes, AD1s,
 * checks). The analysis reads every sample, so it runs on a thread (a
 * dash_job) with a reader of its own: the only state the two threads share is
 * the job's result, handed over under the job's mutex. A dash_frame is the
 * per-frame summary: one dash_column per pixel column (min/max of volts and
 * amps, whether AC Lost occurred, the highest CH state). Zoomed out the columns
 * come from rc_trace_summary, one call per channel, whose cost grows with the
 * number of columns and not with the span. Zoomed in (at most two samples a
 * column) the samples are streamed with rc_trace_read_samples, folded into
 * the columns and kept as they are, so the plot can draw them as points
 * joined by lines. Either way memory is a few arrays of n_cols entries.
 */
#include "data.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REANALYSE_MS 1000.0

static const char *const channel_names[4] = {"rail_v", "rail_a", "ac_lost", "ch_state"};

typedef struct dash_job {
    pthread_mutex_t lock;
    pthread_t thread;
    bool running; /* started and not yet joined */
    bool done;    /* the worker has finished (under lock) */
    char *path;
    rc_analysis_config cfg;
    rc_analysis *result;
    rc_status status;
    rc_error err;
} dash_job;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *analyse_worker(void *arg)
{
    dash_job *j = arg;
    rc_trace *t;
    rc_analysis *a = NULL;
    rc_status st = rc_trace_open_ex(j->path, RC_TRACE_OPEN_FAST, &t, &j->err);
    if (st == RC_OK) {
        st = rc_analyze_trace(t, &j->cfg, &a, &j->err);
        rc_trace_close(t);
    }
    pthread_mutex_lock(&j->lock);
    j->result = a;
    j->status = st;
    j->done = true;
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

static void start_analysis(dash_trace *dt)
{
    dash_job *j = dt->job;
    assert(j && !j->running);
    rc_analysis_config_default(&j->cfg);
    if (dt->hdr->outage_below_mv > 0 && dt->hdr->restore_above_mv >= dt->hdr->outage_below_mv) {
        j->cfg.outage_below_mv = dt->hdr->outage_below_mv;
        j->cfg.restore_above_mv = dt->hdr->restore_above_mv;
    }
    j->done = false;
    j->result = NULL;
    dt->stale = false;
    dt->analysed_ms = now_ms();
    j->running = pthread_create(&j->thread, NULL, analyse_worker, j) == 0;
    if (!j->running)
        snprintf(dt->analysis_error, sizeof dt->analysis_error, "cannot start the analysis");
}

/* Joins a finished worker (or waits for it) and takes its result; false when
 * none was taken. */
static bool take_result(dash_trace *dt, bool wait)
{
    dash_job *j = dt->job;
    if (!j || !j->running)
        return false;
    pthread_mutex_lock(&j->lock);
    bool done = j->done;
    pthread_mutex_unlock(&j->lock);
    if (!done && !wait)
        return false;
    pthread_join(j->thread, NULL);
    j->running = false;
    if (j->status != RC_OK) {
        snprintf(dt->analysis_error, sizeof dt->analysis_error, "%s", j->err.msg);
        return false;
    }
    rc_analysis_free(dt->analysis);
    dt->analysis = j->result;
    dt->analysis_error[0] = '\0';
    return true;
}

bool dash_trace_poll_analysis(dash_trace *dt)
{
    bool changed = take_result(dt, false);
    if (dt->job && !dt->job->running && dt->stale &&
        (dash_trace_complete(dt) || now_ms() - dt->analysed_ms >= REANALYSE_MS))
        start_analysis(dt);
    return changed;
}

void dash_trace_wait_analysis(dash_trace *dt)
{
    take_result(dt, true);
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

static rc_status job_new(dash_trace *dt, rc_error *err)
{
    dt->job = calloc(1, sizeof *dt->job);
    if (!dt->job || !(dt->job->path = strdup(dt->path))) {
        free(dt->job);
        dt->job = NULL;
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&dt->job->lock, NULL);
    return RC_OK;
}

static void job_free(dash_trace *dt)
{
    if (!dt->job)
        return;
    take_result(dt, true);
    pthread_mutex_destroy(&dt->job->lock);
    free(dt->job->path);
    free(dt->job);
    dt->job = NULL;
}

rc_status dash_trace_open(dash_trace *dt, const char *path, bool analyse, rc_error *err)
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
    if (!analyse)
        return RC_OK;
    st = job_new(dt, err);
    if (st != RC_OK) {
        dash_trace_close(dt);
        return st;
    }
    start_analysis(dt);
    return RC_OK;
}

void dash_trace_close(dash_trace *dt)
{
    job_free(dt);
    rc_analysis_free(dt->analysis);
    if (dt->t)
        rc_trace_close(dt->t);
    free(dt->path);
    memset(dt, 0, sizeof *dt);
}

rc_status dash_trace_follow(dash_trace *dt, bool *grew, rc_error *err)
{
    rc_status st = rc_trace_refresh(dt->t, grew, err);
    if (st != RC_OK || !*grew)
        return st;
    take(dt);
    dt->stale = true;
    return RC_OK;
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
    c->ac_lost |= s->ac_lost ? 1 : 0;
    if (s->ch_state > c->state) /* the columns start zeroed: OFF */
        c->state = s->ch_state;
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
        if (isnan(mn[i])) /* no sample in the column, e.g. after the last one */
            continue;
        c->n = 1;
        switch (k) {
        case 0: c->v_min = (float)mn[i]; c->v_max = (float)mx[i]; break;
        case 1: c->a_min = (float)mn[i]; c->a_max = (float)mx[i]; break;
        case 2: c->ac_lost = mx[i] > 0.5 ? 1 : 0; break;
        default: c->state = (uint8_t)mx[i]; break;
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
