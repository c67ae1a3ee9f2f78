/*
 * diff.c - `railcut diff A B`: what differs between two traces, for triage.
 *
 * Both traces are analyzed with the same thresholds (rc_analyze_trace), then
 * put on one time axis: each trace's alignment point (its first outage, t =
 * 0, its first event of a kind, or a mark) becomes u = 0. Compared:
 *   - raw outage episodes, i-th with i-th: start and duration;
 *   - AD1 alerts, i-th with i-th: time and latency (AD1 time minus the start
 *     of the latest episode that began at or before it);
 *   - the rail voltage over the aligned overlap, on a common grid: the sample
 *     times of the trace with the finer rate, the other trace interpolated
 *     linearly between its samples. Where the two differ by more than tol_v,
 *     the deviation is the distance to the other trace's line anywhere within
 *     tol_us either side, so an edge shifted by less than the time tolerance
 *     is not taken for a voltage difference. The rails are read in windows of
 * RC_INTEROP_CHUNK_SAMPLES grid periods (plus the time tolerance), so memory stays flat. A
 * figure is beyond tolerance when one side lacks it, when a time differs by more than tol_us,
 * or when the deviation exceeds tol_v.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "interop/interop_internal.h"

void rc_diff_options_init(rc_diff_options *opt)
{
    opt->align = "first-outage";
    opt->tol_v = RC_DIFF_DEFAULT_TOL_V;
    opt->tol_us = RC_DIFF_DEFAULT_TOL_US;
    rc_analysis_config_default(&opt->analysis);
}

static rc_status align_point(rc_trace *t, const rc_analysis *an, const char *align,
                             const char *which, int64_t *out, rc_error *err)
{
    if (strcmp(align, "start") == 0) {
        *out = 0;
        return RC_OK;
    }
    if (strcmp(align, "first-outage") == 0) {
        if (an->n_raw == 0)
            return rc_error_set(err, RC_ERR_NOT_FOUND, "trace %s has no outage to align on",
                                which);
        *out = an->raw[0].start_us;
        return RC_OK;
    }
    bool mark = strncmp(align, "mark:", 5) == 0;
    rc_event_kind kind = mark ? RC_EV_MARK : rc_event_kind_from_name(align);
    if (kind == 0)
        return rc_error_set(err, RC_ERR_ARG,
                            "--align %s: expected first-outage, start, an event kind "
                            "(ad1, rail_fall, ...) or mark:NAME",
                            align);
    size_t n;
    const rc_event *ev = rc_trace_get_events(t, &n);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == kind && (!mark || strcmp(ev[i].text, align + 5) == 0)) {
            *out = ev[i].t_us;
            return RC_OK;
        }
    return rc_error_set(err, RC_ERR_NOT_FOUND, "trace %s has no %s event to align on", which,
                        align);
}

static bool differs(int64_t a, int64_t b, int64_t tol)
{
    return (a > b ? a - b : b - a) > tol;
}

static rc_diff_row *episode_rows(const rc_analysis *a, const rc_analysis *b, const rc_diff *d,
                                 int64_t tol, size_t *n)
{
    *n = a->n_raw > b->n_raw ? a->n_raw : b->n_raw;
    rc_diff_row *rows = calloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; rows && i < *n; i++) {
        rc_diff_row *r = &rows[i];
        r->in_a = i < a->n_raw;
        r->in_b = i < b->n_raw;
        if (r->in_a) {
            r->a_us = a->raw[i].start_us - d->align_a_us;
            r->a_len_us = a->raw[i].end_us - a->raw[i].start_us;
        }
        if (r->in_b) {
            r->b_us = b->raw[i].start_us - d->align_b_us;
            r->b_len_us = b->raw[i].end_us - b->raw[i].start_us;
        }
        r->beyond = !r->in_a || !r->in_b || differs(r->a_us, r->b_us, tol) ||
                    differs(r->a_len_us, r->b_len_us, tol);
    }
    return rows;
}

static int64_t ad1_latency(const rc_analysis *an, int64_t t_us)
{
    int64_t start = -1;
    for (size_t i = 0; i < an->n_raw && an->raw[i].start_us <= t_us; i++)
        start = an->raw[i].start_us;
    return start < 0 ? -1 : t_us - start;
}

static rc_diff_row *ad1_rows(const rc_analysis *a, const rc_analysis *b, const rc_diff *d,
                             int64_t tol, size_t *n)
{
    *n = a->n_ad1 > b->n_ad1 ? a->n_ad1 : b->n_ad1;
    rc_diff_row *rows = calloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; rows && i < *n; i++) {
        rc_diff_row *r = &rows[i];
        r->in_a = i < a->n_ad1;
        r->in_b = i < b->n_ad1;
        if (r->in_a) {
            r->a_us = a->ad1[i].t_us - d->align_a_us;
            r->a_len_us = ad1_latency(a, a->ad1[i].t_us);
        }
        if (r->in_b) {
            r->b_us = b->ad1[i].t_us - d->align_b_us;
            r->b_len_us = ad1_latency(b, b->ad1[i].t_us);
        }
        r->beyond = !r->in_a || !r->in_b || differs(r->a_us, r->b_us, tol) ||
                    differs(r->a_len_us, r->b_len_us, tol);
    }
    return rows;
}

/* ---- Rail deviation ---------------------------------------------------------- */

typedef struct pt {
    int64_t u_us; /* aligned time */
    float v;
} pt;

typedef struct pts {
    pt *p;
    size_t n, cap;
    int64_t shift; /* u = t - shift */
    bool oom;
} pts;

static int collect(void *ctx, const rc_sample *s, size_t n)
{
    pts *b = ctx;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n)
            cap *= 2;
        pt *p = realloc(b->p, cap * sizeof *p);
        if (!p) {
            b->oom = true;
            return 1;
        }
        b->p = p;
        b->cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        b->p[b->n++] = (pt){s[i].t_us - b->shift, s[i].rail_v};
    return 0;
}

static int64_t period_of(rc_trace *t)
{
    uint32_t hz = rc_trace_get_header(t)->sample_rate_hz;
    return hz ? (1000000 + hz - 1) / hz : 1000;
}

typedef struct deviation {
    rc_trace *grid_t, *other_t;
    int64_t other_period;
    int64_t tol_us;
    double tol_v;
    pts g, o;
    bool have_carry;
    pt carry; /* last sample of the other trace before the window */
} deviation;

static rc_status read_window(rc_trace *t, pts *b, int64_t u0, int64_t u1, rc_error *err)
{
    b->n = 0;
    rc_status st = rc_trace_read_samples(t, u0 + b->shift, u1 + b->shift, collect, b, err);
    if (st == RC_OK && b->oom)
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    return st;
}

static double other_at(const deviation *dv, size_t j, int64_t u, bool *ok)
{
    const pt *left = j > 0 ? &dv->o.p[j - 1] : dv->have_carry ? &dv->carry : NULL;
    const pt *right = j < dv->o.n ? &dv->o.p[j] : NULL;
    *ok = left || right;
    if (!left)
        return right ? right->v : 0;
    if (!right || right->u_us == left->u_us)
        return left->v;
    double f = (double)(u - left->u_us) / (double)(right->u_us - left->u_us);
    return left->v + f * (right->v - left->v);
}

/* The other trace is a continuous line through its samples, so within
 * tol_us of u it takes every value between the lowest and the highest of
 * its samples there (and v_at_u): the deviation is v's distance to that
 * range. */
static double distance_within(const deviation *dv, size_t j, int64_t u, double v, double v_at_u)
{
    double lo = v_at_u, hi = v_at_u;
    for (size_t k = j; k > 0 && dv->o.p[k - 1].u_us >= u - dv->tol_us; k--) {
        lo = fmin(lo, (double)dv->o.p[k - 1].v);
        hi = fmax(hi, (double)dv->o.p[k - 1].v);
    }
    for (size_t k = j; k < dv->o.n && dv->o.p[k].u_us <= u + dv->tol_us; k++) {
        lo = fmin(lo, (double)dv->o.p[k].v);
        hi = fmax(hi, (double)dv->o.p[k].v);
    }
    return v < lo ? lo - v : v > hi ? v - hi : 0;
}

static rc_status window(deviation *dv, rc_diff *d, int64_t u0, int64_t u1, rc_error *err)
{
    int64_t margin = dv->tol_us + 2 * dv->other_period;
    rc_status st = read_window(dv->grid_t, &dv->g, u0, u1, err);
    if (st == RC_OK)
        st = read_window(dv->other_t, &dv->o, u0 - margin, u1 + margin, err);
    if (st != RC_OK)
        return st;
    size_t j = 0;
    for (size_t i = 0; i < dv->g.n; i++) {
        int64_t u = dv->g.p[i].u_us;
        while (j < dv->o.n && dv->o.p[j].u_us <= u)
            j++;
        bool ok;
        double v = other_at(dv, j, u, &ok);
        double dev = fabs((double)dv->g.p[i].v - v);
        if (!ok || isnan(dev))
            continue;
        if (dev > dv->tol_v)
            dev = distance_within(dv, j, u, (double)dv->g.p[i].v, v);
        d->grid_points++;
        if (dev > d->max_dev_v) {
            d->max_dev_v = dev;
            d->max_dev_at_us = u;
        }
    }
    /* The next window's buffer starts at u1 - margin. */
    for (size_t k = 0; k < dv->o.n && dv->o.p[k].u_us < u1 - margin; k++) {
        dv->carry = dv->o.p[k];
        dv->have_carry = true;
    }
    return RC_OK;
}

static rc_status rail_deviation(rc_trace *a, rc_trace *b, const rc_diff_options *opt,
                                rc_diff *d, rc_error *err)
{
    const rc_trace_stats *sa = rc_trace_get_stats(a), *sb = rc_trace_get_stats(b);
    if (sa->samples == 0 || sb->samples == 0)
        return RC_OK;
    int64_t lo = sa->first_us - d->align_a_us, hi = sa->last_us - d->align_a_us;
    int64_t lo_b = sb->first_us - d->align_b_us, hi_b = sb->last_us - d->align_b_us;
    lo = lo > lo_b ? lo : lo_b;
    hi = hi < hi_b ? hi : hi_b;
    if (hi <= lo)
        return RC_OK;
    d->overlap_us = hi - lo;
    bool a_finer = period_of(a) <= period_of(b);
    deviation dv = {
        .grid_t = a_finer ? a : b,
        .other_t = a_finer ? b : a,
        .g = {.shift = a_finer ? d->align_a_us : d->align_b_us},
        .o = {.shift = a_finer ? d->align_b_us : d->align_a_us},
        .other_period = period_of(a_finer ? b : a),
        .tol_us = opt->tol_us,
        .tol_v = opt->tol_v,
    };
    int64_t step = (int64_t)RC_INTEROP_CHUNK_SAMPLES * period_of(dv.grid_t);
    rc_status st = RC_OK;
    for (int64_t u0 = lo; u0 <= hi && st == RC_OK; u0 += step) {
        int64_t u1 = u0 + step < hi + 1 ? u0 + step : hi + 1;
        st = window(&dv, d, u0, u1, err);
    }
    free(dv.g.p);
    free(dv.o.p);
    return st;
}

/* ---- Verdict ----------------------------------------------------------------- */

static void judge(rc_diff *d, const rc_diff_options *opt)
{
    d->within = true;
    snprintf(d->summary, sizeof d->summary, "within tolerances");
    if (d->n_episodes_a != d->n_episodes_b || d->n_ad1_a != d->n_ad1_b) {
        d->within = false;
        snprintf(d->summary, sizeof d->summary, "%s count differs: A %zu, B %zu",
                 d->n_episodes_a != d->n_episodes_b ? "episode" : "AD1",
                 d->n_episodes_a != d->n_episodes_b ? d->n_episodes_a : d->n_ad1_a,
                 d->n_episodes_a != d->n_episodes_b ? d->n_episodes_b : d->n_ad1_b);
        return;
    }
    for (size_t i = 0; i < d->n_episodes; i++)
        if (d->episodes[i].beyond) {
            d->within = false;
            snprintf(d->summary, sizeof d->summary,
                     "episode %zu differs by more than the time tolerance", i + 1);
            return;
        }
    for (size_t i = 0; i < d->n_ad1; i++)
        if (d->ad1[i].beyond) {
            d->within = false;
            snprintf(d->summary, sizeof d->summary,
                     "AD1 %zu differs by more than the time tolerance", i + 1);
            return;
        }
    if (d->max_dev_v > opt->tol_v) {
        d->within = false;
        snprintf(d->summary, sizeof d->summary, "rail deviates by %.3f V (tolerance %.3f V)",
                 d->max_dev_v, opt->tol_v);
    }
}

rc_status rc_diff_traces(rc_trace *a, rc_trace *b, const rc_diff_options *opt, rc_diff **out,
                         rc_error *err)
{
    if (!a || !b || !opt || !out || !opt->align)
        return rc_error_set(err, RC_ERR_ARG, "rc_diff_traces: missing argument");
    *out = NULL;
    rc_analysis *an_a = NULL, *an_b = NULL;
    rc_diff *d = calloc(1, sizeof *d);
    if (!d)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    snprintf(d->align, sizeof d->align, "%s", opt->align);
    rc_status st = rc_analyze_trace(a, &opt->analysis, &an_a, err);
    if (st == RC_OK)
        st = rc_analyze_trace(b, &opt->analysis, &an_b, err);
    if (st == RC_OK)
        st = align_point(a, an_a, opt->align, "A", &d->align_a_us, err);
    if (st == RC_OK)
        st = align_point(b, an_b, opt->align, "B", &d->align_b_us, err);
    if (st == RC_OK) {
        d->n_episodes_a = an_a->n_raw;
        d->n_episodes_b = an_b->n_raw;
        d->n_ad1_a = an_a->n_ad1;
        d->n_ad1_b = an_b->n_ad1;
        d->episodes = episode_rows(an_a, an_b, d, opt->tol_us, &d->n_episodes);
        d->ad1 = ad1_rows(an_a, an_b, d, opt->tol_us, &d->n_ad1);
        if (!d->episodes || !d->ad1)
            st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    if (st == RC_OK)
        st = rail_deviation(a, b, opt, d, err);
    rc_analysis_free(an_a);
    rc_analysis_free(an_b);
    if (st != RC_OK) {
        rc_diff_free(d);
        return st;
    }
    judge(d, opt);
    *out = d;
    return RC_OK;
}

void rc_diff_free(rc_diff *d)
{
    if (!d)
        return;
    free(d->episodes);
    free(d->ad1);
    free(d);
}

/* ---- Reports ----------------------------------------------------------------- */

static const char *secs(char *buf, int64_t us)
{
    rc_interop_format_us(buf, us);
    return buf;
}

static void text_rows(FILE *out, const char *title, const rc_diff_row *rows, size_t n,
                      const char *len_name)
{
    char s1[32], s2[32], s3[32], s4[32], s5[32], s6[32];
    fprintf(out, "  %-3s %14s %14s %14s %14s %14s %14s\n", title, "A at s", "B at s", "B-A s",
            len_name, "B s", "B-A s");
    for (size_t i = 0; i < n; i++) {
        const rc_diff_row *r = &rows[i];
        fprintf(out, "  %-3zu %14s %14s %14s %14s %14s %14s%s\n", i + 1,
                r->in_a ? secs(s1, r->a_us) : "-", r->in_b ? secs(s2, r->b_us) : "-",
                r->in_a && r->in_b ? secs(s3, r->b_us - r->a_us) : "-",
                r->in_a && r->a_len_us >= 0 ? secs(s4, r->a_len_us) : "-",
                r->in_b && r->b_len_us >= 0 ? secs(s5, r->b_len_us) : "-",
                r->in_a && r->in_b && r->a_len_us >= 0 && r->b_len_us >= 0
                    ? secs(s6, r->b_len_us - r->a_len_us)
                    : "-",
                r->beyond ? "  beyond" : "");
    }
}

rc_status rc_diff_report_text(FILE *out, const rc_diff *d, const char *a_path,
                              const char *b_path, const rc_diff_options *opt, rc_error *err)
{
    char s1[32], s2[32], s3[32], tol[32];
    rc_format_duration(opt->tol_us, tol, sizeof tol);
    fprintf(out, "A: %s\nB: %s\naligned on %s: A at %s s, B at %s s\n", a_path, b_path,
            d->align, secs(s1, d->align_a_us), secs(s2, d->align_b_us));
    fprintf(out, "outage episodes: A %zu, B %zu (time tolerance %s)\n", d->n_episodes_a,
            d->n_episodes_b, tol);
    if (d->n_episodes)
        text_rows(out, "#", d->episodes, d->n_episodes, "A length s");
    fprintf(out, "AD1: A %zu, B %zu\n", d->n_ad1_a, d->n_ad1_b);
    if (d->n_ad1)
        text_rows(out, "#", d->ad1, d->n_ad1, "A latency s");
    if (d->grid_points)
        fprintf(out,
                "max rail deviation: %.3f V at %s s (tolerance %.3f V; %" PRIu64
                " points over %s s)\n",
                d->max_dev_v, secs(s3, d->max_dev_at_us), opt->tol_v, d->grid_points,
                secs(s1, d->overlap_us));
    else
        fprintf(out, "max rail deviation: no overlapping samples\n");
    fprintf(out, "result: %s\n", d->summary);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "cannot write the diff report");
    return RC_OK;
}

static cJSON *json_rows(const rc_diff_row *rows, size_t n, const char *len_name)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++) {
        const rc_diff_row *r = &rows[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        cJSON_AddItemToArray(arr, o);
        char key[64];
        if (r->in_a) {
            cJSON_AddNumberToObject(o, "a_us", (double)r->a_us);
            snprintf(key, sizeof key, "a_%s_us", len_name);
            cJSON_AddNumberToObject(o, key, (double)r->a_len_us);
        }
        if (r->in_b) {
            cJSON_AddNumberToObject(o, "b_us", (double)r->b_us);
            snprintf(key, sizeof key, "b_%s_us", len_name);
            cJSON_AddNumberToObject(o, key, (double)r->b_len_us);
        }
        cJSON_AddBoolToObject(o, "beyond", r->beyond);
    }
    return arr;
}

rc_status rc_diff_report_json(FILE *out, const rc_diff *d, const char *a_path,
                              const char *b_path, const rc_diff_options *opt, rc_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(root, "a", a_path);
    cJSON_AddStringToObject(root, "b", b_path);
    cJSON_AddStringToObject(root, "align", d->align);
    cJSON_AddNumberToObject(root, "align_a_us", (double)d->align_a_us);
    cJSON_AddNumberToObject(root, "align_b_us", (double)d->align_b_us);
    cJSON_AddNumberToObject(root, "tol_v", opt->tol_v);
    cJSON_AddNumberToObject(root, "tol_us", (double)opt->tol_us);
    cJSON_AddNumberToObject(root, "episodes_a", (double)d->n_episodes_a);
    cJSON_AddNumberToObject(root, "episodes_b", (double)d->n_episodes_b);
    cJSON_AddItemToObject(root, "episodes", json_rows(d->episodes, d->n_episodes, "length"));
    cJSON_AddNumberToObject(root, "ad1_a", (double)d->n_ad1_a);
    cJSON_AddNumberToObject(root, "ad1_b", (double)d->n_ad1_b);
    cJSON_AddItemToObject(root, "ad1", json_rows(d->ad1, d->n_ad1, "latency"));
    cJSON_AddNumberToObject(root, "max_dev_v", d->max_dev_v);
    cJSON_AddNumberToObject(root, "max_dev_at_us", (double)d->max_dev_at_us);
    cJSON_AddNumberToObject(root, "overlap_us", (double)d->overlap_us);
    cJSON_AddNumberToObject(root, "grid_points", (double)d->grid_points);
    cJSON_AddBoolToObject(root, "within", d->within);
    cJSON_AddStringToObject(root, "summary", d->summary);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    fprintf(out, "%s\n", text);
    free(text);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "cannot write the JSON diff report");
    return RC_OK;
}
