/*
 * replay.c - a recorded trace turned back into a rail profile, so that a
 * field or bench recording drives the rail of any backend (`railcut replay`,
 * `railcut run TRACE.rct`).
 *
 * The profile is what a CSV waveform of the trace's rail_v and ac_lost
 * samples would compile to (docs/profile-language.md, "CSV waveforms"):
 * points joined by straight lines, RAMP or HOLD segments carrying the AC Lost
 * of their first point, load switch closed, times relative to the first
 * sample, then the observation window; the scenario is the trace's. To keep long traces small,
 * the samples are decimated on the fly with a fan ("swing door") test: from the last kept point
 * (the anchor) every later sample narrows the range of slopes that pass within tol_mv of all
 * samples so far; when a sample leaves that range empty, a point is kept at the previous
 * sample's time on a line inside the range, and it becomes the new anchor. Every sample is then
 * within tol_mv (plus half a millivolt of rounding to whole millivolts) of
 * the profile. An AC Lost change always keeps both samples around it, so
 * the digital edge lands on its recorded microsecond. One pass, constant
 * memory besides the segments themselves.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interop/interop_internal.h"
#include "profile/profile_internal.h"

#define MAX_MV 30000

typedef struct rpoint {
    int64_t t_us;
    double mv;
    bool ac_lost;
} rpoint;

typedef struct replay {
    rc_profile *p;
    double tol_mv;
    bool have_anchor;
    rpoint anchor;     /* last kept point (its mv is the profile's value there) */
    int32_t anchor_mv; /* ... rounded, as stored in the segments */
    rpoint prev;       /* last sample seen */
    double lo, hi;     /* slopes (mV/us) from the anchor that fit every sample since */
    int64_t t0_us;
    rc_status status;
    rc_error *err;
} replay;

void rc_replay_options_init(rc_replay_options *opt)
{
    opt->tol_mv = RC_REPLAY_DEFAULT_TOL_MV;
    opt->observe_us = -1;
}

bool rc_replay_is_trace_path(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 4 && strcmp(path + n - 4, ".rct") == 0;
}

static int32_t to_mv(double mv)
{
    long v = lround(mv);
    return (int32_t)(v < 0 ? 0 : v > MAX_MV ? MAX_MV : v);
}

/* Keeps a point at (t, mv): one segment from the anchor to it. */
static void keep(replay *r, int64_t t_us, double mv, bool ac_lost)
{
    int32_t v = to_mv(mv);
    if (r->have_anchor && r->status == RC_OK) {
        if (r->p->n_segs >= RC_PROFILE_MAX_SEGMENTS) {
            r->status = rc_error_set(r->err, RC_ERR_UNSUPPORTED,
                                     "the trace needs more than %d segments: raise the "
                                     "tolerance",
                                     RC_PROFILE_MAX_SEGMENTS);
            return;
        }
        rc_segment seg = {
            .kind = v == r->anchor_mv ? RC_SEG_HOLD : RC_SEG_RAMP,
            .start_us = r->anchor.t_us - r->t0_us,
            .duration_us = t_us - r->anchor.t_us,
            .from_mv = r->anchor_mv,
            .to_mv = v,
            .rail_on = true,
            .ac_lost = r->anchor.ac_lost,
            .wait_on = RC_WAIT_NONE,
            .file = 0,
            .line = 0,
        };
        assert(seg.duration_us > 0);
        if (rc_profile_push_segment(r->p, &seg) != RC_OK)
            r->status = rc_error_set(r->err, RC_ERR_NOMEM, "out of memory");
    }
    r->anchor = (rpoint){t_us, (double)v, ac_lost};
    r->anchor_mv = v;
    r->have_anchor = true;
    r->lo = -INFINITY;
    r->hi = INFINITY;
}

/* Ends the current line at the previous sample, on a slope inside the fan. */
static void keep_prev(replay *r)
{
    double dt = (double)(r->prev.t_us - r->anchor.t_us);
    double slope = (r->prev.mv - r->anchor.mv) / dt;
    if (slope < r->lo)
        slope = r->lo;
    if (slope > r->hi)
        slope = r->hi;
    keep(r, r->prev.t_us, r->anchor.mv + slope * dt, r->prev.ac_lost);
}

static void add_sample(replay *r, const rpoint *s)
{
    if (!r->have_anchor) {
        keep(r, s->t_us, s->mv, s->ac_lost);
    } else if (s->ac_lost != r->anchor.ac_lost) {
        if (r->prev.t_us != r->anchor.t_us)
            keep_prev(r);
        keep(r, s->t_us, s->mv, s->ac_lost);
    } else {
        double dt = (double)(s->t_us - r->anchor.t_us);
        double lo = (s->mv - r->tol_mv - r->anchor.mv) / dt;
        double hi = (s->mv + r->tol_mv - r->anchor.mv) / dt;
        if (lo > r->hi || hi < r->lo) {
            keep_prev(r);
            dt = (double)(s->t_us - r->anchor.t_us);
            lo = (s->mv - r->tol_mv - r->anchor.mv) / dt;
            hi = (s->mv + r->tol_mv - r->anchor.mv) / dt;
        }
        r->lo = lo > r->lo ? lo : r->lo;
        r->hi = hi < r->hi ? hi : r->hi;
    }
    r->prev = *s;
}

static int on_samples(void *ctx, const rc_sample *s, size_t n)
{
    replay *r = ctx;
    for (size_t i = 0; i < n && r->status == RC_OK; i++) {
        if (isnan(s[i].rail_v) || s[i].rail_v > MAX_MV / 1000.0f + 0.0005f) {
            r->status = rc_error_set(r->err, RC_ERR_FORMAT,
                                     "sample at %" PRId64 " us: rail_v %g V is not a level "
                                     "0..30 V can replay",
                                     s[i].t_us, (double)s[i].rail_v);
            break;
        }
        rpoint p = {s[i].t_us, (double)s[i].rail_v * 1000.0, s[i].ac_lost != 0};
        if (!r->have_anchor)
            r->t0_us = p.t_us;
        if (r->tol_mv <= 0)
            keep(r, p.t_us, p.mv, p.ac_lost);
        else
            add_sample(r, &p);
    }
    return r->status != RC_OK;
}

static rc_status finish(replay *r, int64_t observe_us)
{
    if (r->tol_mv > 0 && r->prev.t_us != r->anchor.t_us)
        keep_prev(r);
    if (r->status != RC_OK)
        return r->status;
    rc_profile *p = r->p;
    p->observe_us = observe_us >= 0 ? observe_us : RC_DEFAULT_OBSERVE_US;
    rc_segment last = {
        .kind = RC_SEG_OBSERVE,
        .start_us = r->anchor.t_us - r->t0_us,
        .duration_us = p->observe_us,
        .from_mv = r->anchor_mv,
        .to_mv = r->anchor_mv,
        .rail_on = true,
        .ac_lost = r->anchor.ac_lost,
        .wait_on = RC_WAIT_NONE,
    };
    if (rc_profile_push_segment(p, &last) != RC_OK)
        return rc_error_set(r->err, RC_ERR_NOMEM, "out of memory");
    p->nominal_us = last.start_us + last.duration_us;
    return RC_OK;
}

static rc_status describe(rc_profile *p, const char *name, int32_t tol_mv, rc_error *err)
{
    int file;
    if (rc_profile_add_file(p, name, &file) != RC_OK)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    char text[512];
    int n = snprintf(text, sizeof text,
                     "# replay of %s: its rail_v and ac_lost as %zu segments, "
                     "within %" PRId32 " mV of every sample\n",
                     name, p->n_segs > 0 ? p->n_segs - 1 : 0, tol_mv);
    p->source = malloc((size_t)n + 1);
    if (!p->source)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    memcpy(p->source, text, (size_t)n + 1);
    return RC_OK;
}

rc_status rc_replay_profile(rc_trace *t, const char *name, const rc_replay_options *opt,
                            rc_profile **out, rc_error *err)
{
    if (!t || !name || !out)
        return rc_error_set(err, RC_ERR_ARG, "rc_replay_profile: missing argument");
    rc_replay_options defaults;
    rc_replay_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    if (opt->tol_mv < 0)
        return rc_error_set(err, RC_ERR_ARG, "replay tolerance must not be negative");
    *out = NULL;
    replay r = {.p = rc_profile_new(), .tol_mv = opt->tol_mv, .err = err};
    if (!r.p)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = rc_trace_read_samples(t, INT64_MIN, INT64_MAX, on_samples, &r, err);
    if (st == RC_OK && r.status != RC_OK)
        st = r.status;
    /* The replay judges like the original: an OTA recording stays OTA. */
    if (rc_scenario_from_name(rc_trace_get_header(t)->scenario, &r.p->scenario) != RC_OK)
        r.p->scenario = RC_SCENARIO_TEST;
    if (st == RC_OK && !r.have_anchor)
        st = rc_error_set(err, RC_ERR_FORMAT, "%s: the trace has no samples to replay", name);
    if (st == RC_OK)
        st = finish(&r, opt->observe_us);
    if (st == RC_OK)
        st = describe(r.p, name, opt->tol_mv, err);
    if (st != RC_OK) {
        rc_profile_free(r.p);
        return st;
    }
    *out = r.p;
    return RC_OK;
}

static rc_status replay_options(const rc_profile_options *popt, rc_replay_options *ropt,
                                char *tol_text, size_t len, bool *overridden, rc_error *err)
{
    rc_replay_options_init(ropt);
    snprintf(tol_text, len, "%" PRId32 "mV", ropt->tol_mv);
    *overridden = false;
    if (!popt)
        return RC_OK;
    ropt->observe_us = popt->observe_us;
    for (size_t i = 0; i < popt->n_set; i++) {
        const char *item = popt->set[i];
        if (strncmp(item, "tol=", 4) != 0)
            return rc_error_set(err, RC_ERR_NOT_FOUND,
                                "--set %s: a replayed trace has one parameter, tol", item);
        if (rc_parse_voltage_mv(item + 4, &ropt->tol_mv, err) != RC_OK)
            return rc_error_prefix(err, RC_ERR_PARSE, "--set %s", item);
        if (ropt->tol_mv < 0)
            return rc_error_set(err, RC_ERR_PARSE, "--set %s: tolerance is negative", item);
        snprintf(tol_text, len, "%s", item + 4);
        *overridden = true;
    }
    return RC_OK;
}

static rc_status add_param(rc_profile *p, const char *value, bool overridden, rc_error *err)
{
    p->params = calloc(1, sizeof *p->params);
    if (p->params) {
        p->params[0] = (rc_param){strdup("tol"), strdup(value), overridden};
        p->n_params = 1;
    }
    if (!p->params || !p->params[0].name || !p->params[0].value)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    return RC_OK;
}

rc_status rc_replay_profile_load(const char *path, const rc_profile_options *popt,
                                 rc_profile **out, rc_error *err)
{
    rc_replay_options ropt;
    char tol_text[64];
    bool overridden;
    *out = NULL;
    rc_status st = replay_options(popt, &ropt, tol_text, sizeof tol_text, &overridden, err);
    if (st != RC_OK)
        return st;
    rc_trace *t;
    st = rc_trace_open(path, &t, err);
    if (st != RC_OK)
        return st;
    const rc_trace_damage *d = rc_trace_get_damage(t);
    if (d->damaged)
        st = rc_error_set(err, RC_ERR_FORMAT,
                          "%s: damaged at byte %" PRIu64 " (%s): repair it before replaying",
                          path, d->offset, d->reason);
    if (st == RC_OK)
        st = rc_replay_profile(t, path, &ropt, out, err);
    rc_trace_close(t);
    if (st == RC_OK)
        st = add_param(*out, tol_text, overridden, err);
    if (st != RC_OK) {
        rc_profile_free(*out);
        *out = NULL;
    }
    return st;
}
