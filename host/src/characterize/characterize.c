/*
 * characterize.c - the characterisation runner: generated probe profiles,
 * the staircase that places them, and the repeated probes of the
 * distribution modes.
 *
 * A probe is one .rail text written to <dir>/probe-NNN.rail and run through
 * rc_job_run into <dir>/probe-NNN.rct, with the CH seed "seed=S" appended
 * to the configured model parameters (S derived from the base seed and N).
 * measure.c turns its trace into an rc_char_probe: a measured value and, for
 * the staircase modes, a yes/no response that grows with the probed setting.
 *
 * Staircase (ad1-threshold, restore-reset, holdup): the probed settings are
 * the grid lo + k * resolution, k in [0, K], walked by the state machine of
 * staircase.c. The estimate and its interval come from a fit to every
 * probe's measured value and response (stats.c); the measured values at the
 * reversals of the final step describe where the walk settled.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "characterize/char_internal.h"
#include "railcut/suite.h"
#include "railcut/units.h"

#define DEFAULT_RATE_HZ 100u

static const char *const mode_names[RC_CHAR_N_MODES] = {
    "ad1-threshold", "restore-reset", "holdup", "uvlo", "ad1-latency",
};

const char *rc_char_mode_name(rc_char_mode mode)
{
    return (unsigned)mode < RC_CHAR_N_MODES ? mode_names[mode] : "?";
}

rc_status rc_char_mode_from_name(const char *name, rc_char_mode *out)
{
    for (unsigned i = 0; i < RC_CHAR_N_MODES; i++)
        if (strcmp(name, mode_names[i]) == 0) {
            *out = (rc_char_mode)i;
            return RC_OK;
        }
    return RC_ERR_NOT_FOUND;
}

static bool is_staircase(rc_char_mode mode)
{
    return mode == RC_CHAR_AD1_THRESHOLD || mode == RC_CHAR_RESTORE_RESET ||
           mode == RC_CHAR_HOLDUP;
}

void rc_char_config_init(rc_char_config *cfg, rc_char_mode mode)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = mode;
    cfg->backend = "sim";
    rc_rig_config_default(&cfg->rig);
    cfg->rig.sample_rate_hz = DEFAULT_RATE_HZ;
    rc_analysis_config_default(&cfg->analysis);
    cfg->seed = 1;
    cfg->reversals = 12;
    cfg->max_probes = 200;
    cfg->lo_mv = 5000;
    cfg->hi_mv = 12000;
    cfg->ramp_mv_per_s = 100;
    cfg->repeats = mode == RC_CHAR_UVLO ? 5 : 30;
    cfg->outage_us = mode == RC_CHAR_RESTORE_RESET ? 120000000 : 190000000;
    cfg->settle_us = 60000000;
    cfg->wait_us = 120000000;
    cfg->observe_us = 60000000;
    cfg->pace = RC_PACE_MAX;
    cfg->pace_factor = 1.0;
    if (mode == RC_CHAR_AD1_THRESHOLD) {
        cfg->lo_us = 175000000;
        cfg->hi_us = 185000000;
        cfg->resolution_us = 100000;
    } else {
        cfg->lo_us = 0;
        cfg->hi_us = 10000000;
        cfg->resolution_us = 10000;
    }
}

/* ---- probe profiles ----------------------------------------------------- */

typedef struct text_buf {
    char *buf;
    size_t len;
    size_t used; /* as snprintf counts: may exceed len */
} text_buf;

static void put(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text_buf *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->used < t->len ? t->len - t->used : 0;
    int n = vsnprintf(room ? t->buf + t->used : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->used += (size_t)n;
}

static const char *dur(int64_t us, char *buf, size_t len)
{
    rc_format_duration(us, buf, len);
    return buf;
}

static const char *volts(int32_t mv, char *buf, size_t len)
{
    rc_format_voltage(mv, buf, len);
    return buf;
}

/* cut, hold, restore: one interruption of `us` (none when 0). */
static void put_cut(text_buf *t, int64_t us)
{
    char d[32];
    put(t, "cut\n");
    if (us > 0)
        put(t, "hold %s\n", dur(us, d, sizeof d));
    put(t, "restore\n");
}

static void put_body(text_buf *t, const rc_char_config *cfg, int64_t command)
{
    char a[32], b[32], c[32];
    switch (cfg->mode) {
    case RC_CHAR_AD1_THRESHOLD:
    case RC_CHAR_HOLDUP:
    case RC_CHAR_AD1_LATENCY: put_cut(t, command); break;
    case RC_CHAR_RESTORE_RESET:
        put_cut(t, cfg->outage_us);
        if (command > 0)
            put(t, "hold %s                # the restore under test\n", dur(command, a, sizeof a));
        put_cut(t, cfg->outage_us);
        break;
    case RC_CHAR_UVLO: {
        int64_t ramp_ms = ((int64_t)cfg->hi_mv - cfg->lo_mv) * 1000 / cfg->ramp_mv_per_s;
        put(t, "ramp to %s over %s\n", volts(cfg->lo_mv, a, sizeof a),
            dur(ramp_ms * 1000, b, sizeof b));
        put(t, "wait down timeout %s\n", dur(cfg->wait_us, c, sizeof c));
        put(t, "ramp to %s over %s\n", volts(cfg->hi_mv, a, sizeof a), b);
        break;
    }
    }
}

static const char *what_probed(rc_char_mode mode)
{
    switch (mode) {
    case RC_CHAR_AD1_THRESHOLD: return "cut";
    case RC_CHAR_RESTORE_RESET: return "restore";
    case RC_CHAR_HOLDUP: return "cut";
    case RC_CHAR_UVLO: return "ramp floor";
    case RC_CHAR_AD1_LATENCY: return "cut";
    }
    return "";
}

int rc_char_probe_text(const rc_char_config *cfg, unsigned index, int64_t command, char *buf,
                       size_t len)
{
    text_buf t = {buf, len, 0};
    char a[32], b[32];
    if (len)
        buf[0] = '\0';
    if (cfg->mode == RC_CHAR_UVLO)
        volts((int32_t)command, a, sizeof a);
    else
        dur(command, a, sizeof a);
    put(&t, "# railcut characterize %s: probe %u, %s %s\n", rc_char_mode_name(cfg->mode), index,
        what_probed(cfg->mode), a);
    put(&t, "scenario test\nobserve %s\n", dur(cfg->observe_us, a, sizeof a));
    put(&t, "level %s\nrestore\n", volts(cfg->mode == RC_CHAR_UVLO ? cfg->hi_mv : 12000, a,
                                         sizeof a));
    put(&t, "wait ready timeout %s\n", dur(cfg->wait_us, a, sizeof a));
    put(&t, "hold %s                  # storage full, CH settled\n", dur(cfg->settle_us, b, sizeof b));
    put(&t, "mark probe\n");
    put_body(&t, cfg, command);
    put(&t, "wait ready timeout %s\n", dur(cfg->wait_us, a, sizeof a));
    return (int)t.used;
}

/* ---- configuration ------------------------------------------------------ */

static rc_status check_config(const rc_char_config *cfg, rc_error *err)
{
    if ((unsigned)cfg->mode >= RC_CHAR_N_MODES || !cfg->backend)
        return rc_error_set(err, RC_ERR_ARG, "characterize: no mode or backend");
    if (cfg->settle_us <= 0 || cfg->wait_us <= 0 || cfg->observe_us < 0)
        return rc_error_set(err, RC_ERR_ARG, "characterize: settle and wait must be > 0");
    if (is_staircase(cfg->mode)) {
        if (cfg->lo_us < 0 || cfg->hi_us <= cfg->lo_us)
            return rc_error_set(err, RC_ERR_ARG, "characterize: need 0 <= from < to");
        if (cfg->resolution_us <= 0 || cfg->resolution_us > cfg->hi_us - cfg->lo_us)
            return rc_error_set(err, RC_ERR_ARG,
                                "characterize: the resolution must be > 0 and within the range");
        if (cfg->reversals < 2 || cfg->max_probes < 1)
            return rc_error_set(err, RC_ERR_ARG,
                                "characterize: need at least 2 reversals and 1 probe");
        if (cfg->mode == RC_CHAR_RESTORE_RESET && cfg->outage_us <= 0)
            return rc_error_set(err, RC_ERR_ARG, "characterize: the cuts must be > 0");
        return RC_OK;
    }
    if (cfg->repeats < 1)
        return rc_error_set(err, RC_ERR_ARG, "characterize: need at least 1 repeat");
    if (cfg->mode == RC_CHAR_AD1_LATENCY && cfg->outage_us <= 0)
        return rc_error_set(err, RC_ERR_ARG, "characterize: the cut must be > 0");
    if (cfg->mode == RC_CHAR_UVLO &&
        (cfg->lo_mv < 0 || cfg->hi_mv <= cfg->lo_mv || cfg->ramp_mv_per_s <= 0))
        return rc_error_set(err, RC_ERR_ARG,
                            "characterize: need 0 <= low < high and a ramp rate > 0");
    return RC_OK;
}

/* Grid steps of the staircase. */
static int64_t grid_steps(const rc_char_config *cfg)
{
    return (cfg->hi_us - cfg->lo_us) / cfg->resolution_us;
}

static unsigned planned_probes(const rc_char_config *cfg)
{
    if (!is_staircase(cfg->mode))
        return cfg->repeats;
    unsigned halvings = 0;
    for (int64_t s = rc_char_stair_first_step(grid_steps(cfg)); s > 1; s /= 2)
        halvings++;
    unsigned n = 2 * (halvings + 1) + cfg->reversals + 1;
    return n < cfg->max_probes ? n : cfg->max_probes;
}

/* The probed setting that makes the longest probe. */
static int64_t longest_command(const rc_char_config *cfg)
{
    switch (cfg->mode) {
    case RC_CHAR_UVLO: return cfg->lo_mv;
    case RC_CHAR_AD1_LATENCY: return cfg->outage_us;
    default: return cfg->hi_us;
    }
}

rc_status rc_char_estimate(const rc_char_config *cfg, unsigned *planned, int64_t *probe_max_us,
                           rc_error *err)
{
    rc_status st = check_config(cfg, err);
    if (st != RC_OK)
        return st;
    int64_t cmd = longest_command(cfg);
    int n = rc_char_probe_text(cfg, 0, cmd, NULL, 0);
    char *text = malloc((size_t)n + 1);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_char_probe_text(cfg, 0, cmd, text, (size_t)n + 1);
    rc_profile *p;
    rc_profile_options popt = RC_PROFILE_OPTIONS_INIT;
    st = rc_profile_parse("probe.rail", text, (size_t)n, &popt, &p, err);
    free(text);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "characterize: generated probe");
    *probe_max_us = p->nominal_us;
    *planned = planned_probes(cfg);
    rc_profile_free(p);
    return RC_OK;
}

/* ---- running one probe -------------------------------------------------- */

typedef struct runner {
    const rc_char_config *cfg;
    rc_char_result *res;
    unsigned planned;
    int64_t probe_max_us;
    const char **ch_set; /* the configured ones plus this probe's seed */
    char seed_item[48];
} runner;

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The CH seed of probe `index`: distinct per probe, fixed by the base seed. */
static int64_t probe_seed(int64_t base, unsigned index)
{
    return (int64_t)(mix64((uint64_t)base * 0x100000001b3ULL + index) >> 1);
}

typedef struct progress_ctx {
    runner *r;
    unsigned probe;
} progress_ctx;

static void on_run_progress(void *ctx, const rc_run_progress *rp)
{
    progress_ctx *pc = ctx;
    const rc_char_config *cfg = pc->r->cfg;
    rc_char_progress p = {pc->probe, pc->r->planned, pc->r->res->virtual_us,
                          pc->r->probe_max_us, rp};
    if (p.planned <= p.probe)
        p.planned = p.probe + 1;
    cfg->progress(cfg->ctx, &p);
}

static rc_status write_probe_profile(const runner *r, rc_char_probe *p, rc_error *err)
{
    int n = rc_char_probe_text(r->cfg, p->index, p->command, NULL, 0);
    char *text = malloc((size_t)n + 1);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_char_probe_text(r->cfg, p->index, p->command, text, (size_t)n + 1);
    FILE *f = fopen(p->profile_path, "w");
    bool ok = f && fwrite(text, 1, (size_t)n, f) == (size_t)n;
    if (f)
        ok = fclose(f) == 0 && ok;
    free(text);
    if (!ok)
        return rc_error_set(err, RC_ERR_IO, "cannot write %s: %s", p->profile_path,
                            strerror(errno));
    return RC_OK;
}

static rc_status measure_trace(const rc_char_config *cfg, const rc_analysis *a,
                               rc_char_probe *p, rc_error *err)
{
    rc_trace *t;
    rc_status st = rc_trace_open(p->trace_path, &t, err);
    if (st != RC_OK)
        return st;
    st = rc_char_measure(cfg, t, a, p, err);
    rc_trace_close(t);
    return st;
}

/* Runs probe number res->n_probes with the given command and measures it.
 * Returns an error only when nothing could be recorded. */
static rc_status run_probe(runner *r, int64_t command, rc_char_probe **out, rc_error *err)
{
    const rc_char_config *cfg = r->cfg;
    rc_char_result *res = r->res;
    rc_char_probe *grown = realloc(res->probes, (res->n_probes + 1) * sizeof *grown);
    if (!grown)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    res->probes = grown;
    rc_char_probe *p = &res->probes[res->n_probes];
    memset(p, 0, sizeof *p);
    p->index = (unsigned)res->n_probes;
    p->command = command;
    p->verdict = RC_VERDICT_ERROR;
    snprintf(p->profile_path, sizeof p->profile_path, "%s/probe-%03u.rail", cfg->dir, p->index);
    snprintf(p->trace_path, sizeof p->trace_path, "%s/probe-%03u.rct", cfg->dir, p->index);
    rc_status st = write_probe_profile(r, p, err);
    if (st != RC_OK)
        return st;

    rc_job job;
    rc_job_init(&job);
    job.profile_path = p->profile_path;
    job.ch_file = cfg->ch_file;
    snprintf(r->seed_item, sizeof r->seed_item, "seed=%lld",
             (long long)probe_seed(cfg->seed, p->index));
    r->ch_set[cfg->n_ch_set] = r->seed_item;
    job.ch_set = r->ch_set;
    job.n_ch_set = cfg->n_ch_set + 1;
    job.backend = cfg->backend;
    job.rig = cfg->rig;
    job.analysis = cfg->analysis;
    job.pace = cfg->pace;
    job.pace_factor = cfg->pace_factor;
    job.stop_requested = cfg->stop_requested;
    progress_ctx pc = {r, p->index};
    if (cfg->progress) {
        job.progress = on_run_progress;
        job.progress_ctx = &pc;
    }
    rc_job_outcome o;
    memset(&o, 0, sizeof o);
    st = rc_job_run(&job, p->trace_path, &o, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "probe %u", p->index);
    res->n_probes++;
    p->virtual_us = o.run.end_us;
    res->virtual_us += o.run.end_us;
    p->verdict = o.analysis->verdict;
    if (o.run_status == RC_OK)
        st = measure_trace(cfg, o.analysis, p, err);
    rc_analysis_free(o.analysis);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "probe %u", p->index);
    if (o.run_status != RC_OK)
        snprintf(res->note, sizeof res->note, "probe %u did not complete: %.200s", p->index,
                 o.run_error.msg);
    if (cfg->on_probe)
        cfg->on_probe(cfg->ctx, p);
    *out = p;
    return RC_OK;
}

static bool stop_now(const rc_char_config *cfg)
{
    return cfg->stop_requested && *cfg->stop_requested;
}

/* ---- the modes ---------------------------------------------------------- */

static double to_unit(const rc_char_config *cfg, int64_t v)
{
    return cfg->mode == RC_CHAR_UVLO ? (double)v / 1000.0 : (double)v / 1e6;
}

static rc_status staircase(runner *r, rc_error *err)
{
    const rc_char_config *cfg = r->cfg;
    rc_char_result *res = r->res;
    double *rev = calloc(cfg->reversals + 1, sizeof *rev);
    double *xs = calloc(cfg->max_probes, sizeof *xs);
    bool *ys = calloc(cfg->max_probes, sizeof *ys);
    if (!rev || !xs || !ys) {
        free(rev);
        free(xs);
        free(ys);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    rc_char_stair stair;
    rc_char_stair_init(&stair, grid_steps(cfg), cfg->reversals);
    size_t n_fit = 0;
    rc_status st = RC_OK;
    while (res->n_probes < cfg->max_probes && !stop_now(cfg)) {
        rc_char_probe *p;
        st = run_probe(r, cfg->lo_us + stair.k * cfg->resolution_us, &p, err);
        if (st != RC_OK || res->note[0])
            break;
        if (!p->valid) {
            snprintf(res->note, sizeof res->note, "probe %u: nothing to measure in its trace",
                     p->index);
            break;
        }
        xs[n_fit] = to_unit(cfg, p->value);
        ys[n_fit++] = p->response;
        bool reversal;
        rc_char_stair_state state = rc_char_stair_record(&stair, p->response, &reversal);
        if (reversal)
            rev[stair.n_rev - 1] = to_unit(cfg, p->value);
        if (state == RC_STAIR_CONVERGED) {
            res->converged = true;
            break;
        }
        if (state != RC_STAIR_GOING) {
            snprintf(res->note, sizeof res->note, "the threshold is %s the range: widen it",
                     state == RC_STAIR_BELOW ? "below" : "above");
            break;
        }
    }
    size_t n_rev = stair.n_rev;
    if (st == RC_OK && !res->converged && !res->note[0])
        snprintf(res->note, sizeof res->note, "%s after %zu probes and %zu reversals",
                 stop_now(cfg) ? "stopped" : "probes ran out", res->n_probes, n_rev);
    /* The reversals describe where the staircase settled (an even number
     * weighs both sides alike); every probe goes into the fit. */
    size_t skip = n_rev % 2;
    rc_char_describe(rev + skip, n_rev - skip, &res->stat);
    if (n_fit > 0)
        rc_char_fit_threshold(xs, ys, n_fit, to_unit(cfg, cfg->resolution_us),
                              &res->stat.estimate, &res->stat.ci_lo, &res->stat.ci_hi);
    free(rev);
    free(xs);
    free(ys);
    return st;
}

static rc_status repeated(runner *r, rc_error *err)
{
    const rc_char_config *cfg = r->cfg;
    rc_char_result *res = r->res;
    double *v = calloc(cfg->repeats, sizeof *v), *v2 = calloc(cfg->repeats, sizeof *v2);
    if (!v || !v2) {
        free(v);
        free(v2);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    size_t n = 0, n2 = 0;
    rc_status st = RC_OK;
    int64_t command = cfg->mode == RC_CHAR_UVLO ? cfg->lo_mv : cfg->outage_us;
    while (res->n_probes < cfg->repeats && !stop_now(cfg)) {
        rc_char_probe *p;
        st = run_probe(r, command, &p, err);
        if (st != RC_OK || res->note[0])
            break;
        if (p->valid)
            v[n++] = to_unit(cfg, p->value);
        if (p->valid && cfg->mode == RC_CHAR_UVLO)
            v2[n2++] = to_unit(cfg, p->value2);
    }
    res->converged = st == RC_OK && !res->note[0] && n == cfg->repeats;
    if (st == RC_OK && !res->converged && !res->note[0])
        snprintf(res->note, sizeof res->note, "%s: %zu of %zu probes measured",
                 stop_now(cfg) ? "stopped" : "incomplete", n, res->n_probes);
    rc_char_describe(v, n, &res->stat);
    if (cfg->mode == RC_CHAR_UVLO) {
        /* A value is interpolated between two samples, between which the
         * ramp moves rate / sample rate, and rounded to the millivolt. */
        double floor_v = ((double)cfg->ramp_mv_per_s / cfg->rig.sample_rate_hz + 1) / 1000.0;
        rc_char_describe(v2, n2, &res->stat2);
        rc_char_estimate_mean(&res->stat, floor_v);
        rc_char_estimate_mean(&res->stat2, floor_v);
    } else {
        res->stat.estimate = res->stat.median;
        res->stat.ci_lo = res->stat.median_ci_lo;
        res->stat.ci_hi = res->stat.median_ci_hi;
    }
    free(v);
    free(v2);
    return st;
}

static void describe_mode(rc_char_result *res)
{
    static const char cut_staircase[] = "1-up/1-down staircase on the cut length; logistic fit "
                                        "to every outage length, slope integrated out";
    switch (res->mode) {
    case RC_CHAR_AD1_THRESHOLD:
        res->quantity = "outage length at which AD1 starts to appear";
        res->method = cut_staircase;
        break;
    case RC_CHAR_RESTORE_RESET:
        res->quantity = "shortest restore that resets the outage timer";
        res->method = "1-up/1-down staircase on the restore between two cuts; logistic fit "
                      "to every restore length, slope integrated out";
        break;
    case RC_CHAR_HOLDUP:
        res->quantity = "longest outage ridden through without a reboot";
        res->method = cut_staircase;
        break;
    case RC_CHAR_UVLO:
        res->quantity = "rail voltage at which the CH drops out";
        res->quantity2 = "rail voltage at which the CH recovers";
        res->method = "slow ramps down and up; rail voltage at power-lost and at boot, "
                      "mean over the repeats";
        break;
    case RC_CHAR_AD1_LATENCY:
        res->quantity = "AD1 latency";
        res->method = "repeated outages; AD1 after the 180 s mark (during the outage) or "
                      "after ready (after it); median with its distribution-free interval";
        break;
    }
    res->unit = res->mode == RC_CHAR_UVLO ? "V" : "s";
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static rc_status check_dir(const char *dir, rc_error *err)
{
    struct stat sb;
    if (!dir || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rc_error_set(err, RC_ERR_IO, "characterize: '%s' is not a directory",
                            dir ? dir : "(none)");
    return RC_OK;
}

rc_status rc_char_run(const rc_char_config *cfg, rc_char_result **out, rc_error *err)
{
    *out = NULL;
    runner r = {.cfg = cfg};
    rc_status st = rc_char_estimate(cfg, &r.planned, &r.probe_max_us, err);
    if (st == RC_OK)
        st = check_dir(cfg->dir, err);
    if (st != RC_OK)
        return st;
    r.ch_set = calloc(cfg->n_ch_set + 1, sizeof *r.ch_set);
    r.res = calloc(1, sizeof *r.res);
    if (!r.ch_set || !r.res) {
        free(r.ch_set);
        free(r.res);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < cfg->n_ch_set; i++)
        r.ch_set[i] = cfg->ch_set[i];
    rc_char_result *res = r.res;
    res->mode = cfg->mode;
    res->seed = cfg->seed;
    snprintf(res->backend, sizeof res->backend, "%s", cfg->backend);
    describe_mode(res);
    int64_t t0 = wall_us();
    st = is_staircase(cfg->mode) ? staircase(&r, err) : repeated(&r, err);
    res->wall_us = wall_us() - t0;
    free(r.ch_set);
    if (st != RC_OK) {
        rc_char_result_free(res);
        return st;
    }
    *out = res;
    return RC_OK;
}

void rc_char_result_free(rc_char_result *r)
{
    if (!r)
        return;
    free(r->probes);
    free(r);
}
