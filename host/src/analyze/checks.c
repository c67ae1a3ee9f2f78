/*
 * checks.c - the MP102A checks, the profile's expectations, the wait check
 * and the verdict, computed from the episodes and the events of one run.
 *
 * Each check is one rc_check in a->checks, in a fixed order: mp102a.ch,
 * mp102a.esme, profile.waits, then one expect:<line> per expectation of the
 * profile in source order. A check's detail states what was seen; failures
 * list every problem found, separated by "; ", cut to the detail's size.
 * The exact rules are documented in docs/analysis.md.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"

/* A time or a duration in seconds, exact: "179.9", "180.000001". */
typedef struct secs_text {
    char s[32];
} secs_text;

static secs_text secs(int64_t us)
{
    secs_text t;
    rc_format_seconds(us, t.s, sizeof t.s);
    return t;
}

static void detail_vcat(rc_check *c, const char *fmt, va_list ap)
{
    size_t used = strlen(c->detail);
    if (used + 1 < sizeof c->detail)
        vsnprintf(c->detail + used, sizeof c->detail - used, fmt, ap);
}

/* Appends to the detail. */
static void detail_cat(rc_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void detail_cat(rc_check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    detail_vcat(c, fmt, ap);
    va_end(ap);
}

/* Appends one more finding, after "; " when there is one already. */
static void detail_add(rc_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void detail_add(rc_check *c, const char *fmt, ...)
{
    if (c->detail[0])
        detail_cat(c, "; ");
    va_list ap;
    va_start(ap, fmt);
    detail_vcat(c, fmt, ap);
    va_end(ap);
}

static void check_init(rc_check *c, const char *name)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->result = RC_CHECK_PASS;
}

static bool marginal(const rc_analysis_config *cfg, int64_t d_us, int64_t limit_us)
{
    int64_t diff = d_us > limit_us ? d_us - limit_us : limit_us - d_us;
    return cfg->guard_us > 0 && diff <= cfg->guard_us;
}

static int64_t duration(const rc_episode *e)
{
    return e->end_us - e->start_us;
}

/* ---- mp102a.ch --------------------------------------------------------------- */

/* Where AD1 is owed for one raw episode, and what was seen in that window.
 * The window opens when the interruption qualifies (start + limit) and
 * closes ad1_latency_max after the later of qualification, the restore, and
 * the CH's first ready after the restore: an on-restore CH reports once it
 * has booted, and a second cut during its boot delays that. */
typedef struct ch_episode {
    bool qualifies;
    int64_t lo_us;
    int64_t hi_us;
    size_t n_ad1;
    int64_t first_ad1_us;
} ch_episode;

static int64_t first_ready_at_or_after(const rc_analysis_input *in, int64_t t_us)
{
    for (size_t i = 0; i < in->n_events; i++)
        if (in->events[i].kind == RC_EV_CH_READY && in->events[i].t_us >= t_us)
            return in->events[i].t_us;
    return -1;
}

/* The later of the restore and the CH's next ready: from there the CH has
 * ad1_latency_max to report. An open episode has no restore. */
static int64_t restore_anchor(const rc_analysis_input *in, const rc_episode *e)
{
    int64_t ready = e->open ? -1 : first_ready_at_or_after(in, e->end_us);
    return ready > e->end_us ? ready : e->end_us;
}

static void ch_windows(const rc_analysis_input *in, const rc_analysis *a,
                       const rc_analysis_config *cfg, ch_episode *ce)
{
    for (size_t i = 0; i < a->n_raw; i++) {
        const rc_episode *e = &a->raw[i];
        int64_t anchor = restore_anchor(in, e);
        ce[i].qualifies = duration(e) > cfg->limit_us;
        ce[i].lo_us = e->start_us + cfg->limit_us;
        ce[i].hi_us = (anchor > ce[i].lo_us ? anchor : ce[i].lo_us) + cfg->ad1_latency_max_us;
    }
}

/* The qualifying episode whose AD1 window holds t, or n_raw if none. */
static size_t owning_episode(const rc_analysis *a, const ch_episode *ce, int64_t t_us)
{
    for (size_t i = 0; i < a->n_raw; i++)
        if (ce[i].qualifies && t_us >= ce[i].lo_us && t_us <= ce[i].hi_us)
            return i;
    return a->n_raw;
}

/* When alerts stop being owed: ad1_latency_max after the last restore (or
 * the CH's ready after it). A run that ends earlier cannot show that a CH
 * stayed silent, whatever its profile's observation window said. */
static int64_t alerts_settled_us(const rc_analysis_input *in, const rc_analysis *a,
                                 const rc_analysis_config *cfg)
{
    int64_t settled = 0;
    for (size_t i = 0; i < a->n_raw; i++) {
        if (a->raw[i].open)
            continue;
        int64_t t = restore_anchor(in, &a->raw[i]) + cfg->ad1_latency_max_us;
        settled = t > settled ? t : settled;
    }
    return settled;
}

static bool observed_too_short(const rc_analysis_input *in, const rc_analysis *a,
                               const rc_analysis_config *cfg, rc_check *c)
{
    int64_t settled = alerts_settled_us(in, a, cfg);
    if (in->end_us >= settled)
        return false;
    c->result = RC_CHECK_FAIL;
    detail_add(c,
               "the run ended at %s s, before alerts settled at %s s (%s s after the last "
               "restore or CH ready): observe longer to judge",
               secs(in->end_us).s, secs(settled).s, secs(cfg->ad1_latency_max_us).s);
    return true;
}

static void ch_stray_ad1(const rc_analysis *a, const rc_analysis_config *cfg, rc_check *c,
                         int64_t t_us)
{
    bool any_qualifying = a->max_outage_us > cfg->limit_us;
    if (!any_qualifying)
        detail_add(c, "AD1 at %s s but no interruption exceeded %s s (longest %s s)",
                   secs(t_us).s, secs(cfg->limit_us).s, secs(a->max_outage_us).s);
    else
        detail_add(c, "AD1 at %s s is outside the window of every interruption over %s s",
                   secs(t_us).s, secs(cfg->limit_us).s);
}

static void ch_missing_ad1(rc_check *c, const rc_episode *e, const ch_episode *ce)
{
    if (e->open)
        detail_add(c,
                   "no AD1 for the interruption at %s s (%s s, still down at run end): the "
                   "rail never came back, which an on-restore CH cannot report",
                   secs(e->start_us).s, secs(duration(e)).s);
    else
        detail_add(c, "no AD1 for the interruption of %s s at %s s (owed from %s s to %s s)",
                   secs(duration(e)).s, secs(e->start_us).s, secs(ce->lo_us).s,
                   secs(ce->hi_us).s);
}

static void ch_pass_detail(const rc_analysis *a, const rc_analysis_config *cfg, rc_check *c,
                           const ch_episode *ce)
{
    bool any = false;
    for (size_t i = 0; i < a->n_raw; i++) {
        const rc_episode *e = &a->raw[i];
        if (!ce[i].qualifies)
            continue;
        any = true;
        detail_add(c, "interruption of %s s at %s s, AD1 at %s s (+%s s)", secs(duration(e)).s,
                   secs(e->start_us).s, secs(ce[i].first_ad1_us).s,
                   secs(ce[i].first_ad1_us - ce[i].lo_us).s);
    }
    if (!any)
        detail_add(c, "no interruption > %s s, no AD1 (longest %s s)", secs(cfg->limit_us).s,
                   secs(a->max_outage_us).s);
}

static void ch_match_ad1(const rc_analysis *a, const rc_analysis_config *cfg, rc_check *c,
                         ch_episode *ce)
{
    for (size_t k = 0; k < a->n_ad1; k++) {
        int64_t t = a->ad1[k].t_us;
        size_t i = owning_episode(a, ce, t);
        if (i == a->n_raw) {
            ch_stray_ad1(a, cfg, c, t);
            c->result = RC_CHECK_FAIL;
        } else if (ce[i].n_ad1++ == 0) {
            ce[i].first_ad1_us = t;
        } else {
            detail_add(c, "AD1 sent twice for the interruption at %s s (AD1 at %s s and %s s)",
                       secs(a->raw[i].start_us).s, secs(ce[i].first_ad1_us).s, secs(t).s);
            c->result = RC_CHECK_FAIL;
        }
    }
}

static rc_status check_ch(const rc_analysis_input *in, const rc_analysis *a,
                          const rc_analysis_config *cfg, rc_check *c, rc_error *err)
{
    check_init(c, "mp102a.ch");
    ch_episode *ce = calloc(a->n_raw + 1, sizeof *ce); /* + 1: never calloc(0) */
    if (!ce)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory checking AD1");
    ch_windows(in, a, cfg, ce);
    ch_match_ad1(a, cfg, c, ce);
    bool too_short = observed_too_short(in, a, cfg, c);
    for (size_t i = 0; i < a->n_raw; i++) {
        bool window_cut_off = too_short && ce[i].hi_us > in->end_us;
        if (ce[i].qualifies && ce[i].n_ad1 == 0 && !window_cut_off) {
            ch_missing_ad1(c, &a->raw[i], &ce[i]);
            c->result = RC_CHECK_FAIL;
        }
        c->marginal |= marginal(cfg, duration(&a->raw[i]), cfg->limit_us);
    }
    if (c->result == RC_CHECK_PASS)
        ch_pass_detail(a, cfg, c, ce);
    free(ce);
    return RC_OK;
}

/* ---- mp102a.esme ------------------------------------------------------------- */

static void check_esme(const rc_analysis *a, const rc_analysis_config *cfg,
                       const rc_span *ac, size_t n_ac, rc_check *c)
{
    check_init(c, "mp102a.esme");
    if (a->scenario != RC_SCENARIO_OTA) {
        c->result = RC_CHECK_SKIP;
        detail_add(c, "scenario is %s: the ESME limit applies to OTA firmware activations only",
                   rc_scenario_name(a->scenario));
        return;
    }
    int64_t worst = 0, worst_at = 0;
    for (size_t i = 0; i < a->n_merged; i++) {
        const rc_episode *e = &a->merged[i];
        int64_t piece = rc_spans_longest_gap_us(ac, n_ac, e->start_us, e->end_us);
        c->marginal |= marginal(cfg, piece, cfg->limit_us);
        if (piece > worst) {
            worst = piece;
            worst_at = e->start_us;
        }
        if (piece <= cfg->limit_us)
            continue;
        c->result = RC_CHECK_FAIL;
        detail_add(c, "interruption at %s s lasted %s s (%s s of it without AC Lost), more "
                   "than %s s", secs(e->start_us).s, secs(duration(e)).s, secs(piece).s,
                   secs(cfg->limit_us).s);
    }
    if (c->result == RC_CHECK_FAIL)
        return;
    if (a->n_merged == 0)
        detail_add(c, "no interruption");
    else
        detail_add(c, "longest interruption without AC Lost %s s (at %s s), not more than %s s",
                   secs(worst).s, secs(worst_at).s, secs(cfg->limit_us).s);
}

/* ---- profile.waits ----------------------------------------------------------- */

static void wait_timeout_detail(const rc_profile *p, rc_check *c, int32_t seg)
{
    if (seg < 0 || (size_t)seg >= p->n_segs) {
        detail_add(c, "a wait timed out (segment %d, not in the profile)", (int)seg);
        return;
    }
    const rc_segment *s = &p->segs[seg];
    const char *file = s->file >= 0 && (size_t)s->file < p->n_files ? p->files[s->file] : "?";
    detail_add(c, "wait for %s timed out after %s s: segment %d (%s:%d)",
               rc_wait_on_name(s->wait_on), secs(s->duration_us).s, (int)seg, file, s->line);
}

static void check_waits(const rc_analysis_input *in, rc_check *c)
{
    check_init(c, "profile.waits");
    size_t n_waits = 0, n_done = 0, n_timed_out = 0;
    for (size_t i = 0; in->profile && i < in->profile->n_segs; i++)
        n_waits += in->profile->segs[i].kind == RC_SEG_WAIT;
    if (n_waits == 0) {
        c->result = RC_CHECK_SKIP;
        detail_add(c, "the profile has no waits");
        return;
    }
    for (size_t i = 0; i < in->n_events; i++) {
        const rc_event *ev = &in->events[i];
        n_done += ev->kind == RC_EV_WAIT_DONE;
        if (ev->kind == RC_EV_WAIT_TIMEOUT) {
            n_timed_out++;
            c->result = RC_CHECK_FAIL;
            wait_timeout_detail(in->profile, c, ev->value);
        }
    }
    if (n_done + n_timed_out < n_waits) {
        c->result = RC_CHECK_FAIL;
        detail_add(c, "%zu of %zu waits never ended: the run stopped first",
                   n_waits - n_done - n_timed_out, n_waits);
    }
    if (c->result == RC_CHECK_PASS)
        detail_add(c, "%zu of %zu waits completed, none timed out", n_done, n_waits);
}

/* ---- expectations ------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void expect_name(const rc_profile *p, const rc_expect *x, rc_check *c)
{
    char name[sizeof c->name];
    if (x->file <= 0 || (size_t)x->file >= p->n_files)
        snprintf(name, sizeof name, "expect:%d", x->line);
    else
        snprintf(name, sizeof name, "expect:%s:%d", base_name(p->files[x->file]), x->line);
    check_init(c, name);
}

/* Time of the first RC_EV_MARK for the mark, or -1 if it never happened. */
static int64_t mark_time(const rc_analysis_input *in, const char *name)
{
    for (size_t i = 0; i < in->n_events; i++)
        if (in->events[i].kind == RC_EV_MARK &&
            strncmp(in->events[i].text, name, RC_EVENT_TEXT_MAX - 1) == 0)
            return in->events[i].t_us;
    return -1;
}

static void expect_window(const rc_analysis_input *in, const rc_analysis *a,
                          const rc_expect *x, rc_check *c)
{
    const char *mark = "the start of the run";
    int64_t at = 0;
    if (x->mark >= 0) {
        mark = (size_t)x->mark < in->profile->n_marks ? in->profile->marks[x->mark].name : "?";
        at = mark_time(in, mark);
        if (at < 0) {
            c->result = RC_CHECK_FAIL;
            detail_cat(c, "mark %s never happened (the run stopped before it)", mark);
            return;
        }
    }
    int64_t lo = at + x->lo_us, hi = at + x->hi_us;
    for (size_t k = 0; k < a->n_ad1; k++) {
        if (a->ad1[k].t_us >= lo && a->ad1[k].t_us <= hi) {
            detail_cat(c, "AD1 at %s s, %s s after %s (at %s s)", secs(a->ad1[k].t_us).s,
                       secs(a->ad1[k].t_us - at).s, mark, secs(at).s);
            return;
        }
    }
    c->result = RC_CHECK_FAIL;
    if (a->n_ad1 == 0)
        detail_cat(c, "no AD1 in the run (window %s s to %s s)", secs(lo).s, secs(hi).s);
    else
        detail_cat(c, "no AD1 between %s s and %s s (%s at %s s); first AD1 at %s s",
                   secs(lo).s, secs(hi).s, mark, secs(at).s, secs(a->ad1[0].t_us).s);
}

static void expect_max_outage(const rc_analysis_config *cfg, const rc_analysis *a,
                              const rc_expect *x, rc_check *c)
{
    c->marginal = marginal(cfg, a->max_outage_us, x->bound_us);
    if (a->max_outage_us >= x->bound_us)
        c->result = RC_CHECK_FAIL;
    detail_cat(c, "longest interruption %s s, %s %s s", secs(a->max_outage_us).s,
               c->result == RC_CHECK_PASS ? "below" : "not below", secs(x->bound_us).s);
}

static void expect_ad1(const rc_analysis *a, bool wanted, rc_check *c)
{
    if ((a->n_ad1 > 0) != wanted)
        c->result = RC_CHECK_FAIL;
    if (a->n_ad1 == 0)
        detail_cat(c, "no AD1 in the run");
    else
        detail_cat(c, "%zu AD1, the first at %s s", a->n_ad1, secs(a->ad1[0].t_us).s);
}

/* "expect no ad1" holds only if the run lasted until alerts settled. */
static void expect_no_ad1(const rc_analysis_input *in, const rc_analysis_config *cfg,
                          const rc_analysis *a, rc_check *c)
{
    expect_ad1(a, false, c);
    if (a->n_ad1 == 0)
        observed_too_short(in, a, cfg, c);
}

static void check_expect(const rc_analysis_input *in, const rc_analysis_config *cfg,
                         const rc_analysis *a, const rc_expect *x, rc_check *c)
{
    expect_name(in->profile, x, c);
    detail_cat(c, "\"%s\": ", x->text ? x->text : "expect");
    switch (x->kind) {
    case RC_EXPECT_AD1:
        expect_ad1(a, true, c);
        return;
    case RC_EXPECT_NO_AD1:
        expect_no_ad1(in, cfg, a, c);
        return;
    case RC_EXPECT_AD1_WINDOW:
        expect_window(in, a, x, c);
        return;
    case RC_EXPECT_MAX_OUTAGE_BELOW:
        expect_max_outage(cfg, a, x, c);
        return;
    }
    c->result = RC_CHECK_FAIL;
    detail_cat(c, "unknown expectation kind %d", (int)x->kind);
}

/* ---- AD1 list and verdict ---------------------------------------------------- */

static rc_status collect_ad1(const rc_analysis_input *in, rc_analysis *a, rc_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < in->n_events; i++)
        n += in->events[i].kind == RC_EV_AD1;
    if (n == 0)
        return RC_OK;
    a->ad1 = calloc(n, sizeof *a->ad1);
    if (!a->ad1)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory listing AD1 alerts");
    for (size_t i = 0; i < in->n_events; i++) {
        const rc_event *ev = &in->events[i];
        if (ev->kind != RC_EV_AD1)
            continue;
        rc_ad1 *d = &a->ad1[a->n_ad1++];
        d->t_us = ev->t_us;
        snprintf(d->source, sizeof d->source, "%s", ev->text);
    }
    return RC_OK;
}

static const rc_event *last_run_end(const rc_analysis_input *in)
{
    for (size_t i = in->n_events; i-- > 0;)
        if (in->events[i].kind == RC_EV_RUN_END)
            return &in->events[i];
    return NULL;
}

/* Writes why the run cannot be judged into a->error; leaves it empty if it can. */
static void incomplete_reason(const rc_analysis_input *in, rc_analysis *a)
{
    const rc_event *end = last_run_end(in);
    if (in->damage)
        snprintf(a->error, sizeof a->error, "trace damaged: %s", in->damage);
    else if (!end)
        snprintf(a->error, sizeof a->error, "the run did not complete: no run_end event");
    else if (end->value == 1)
        snprintf(a->error, sizeof a->error, "the run was stopped at %s s", secs(end->t_us).s);
    else if (end->value == 2)
        snprintf(a->error, sizeof a->error, "device error at %s s", secs(end->t_us).s);
    else if (end->value != 0)
        snprintf(a->error, sizeof a->error, "the run ended abnormally (code %d) at %s s",
                 (int)end->value, secs(end->t_us).s);
}

/* Copies the recorder's losses into a and marks every check that applies
 * inconclusive: each check reads the whole run (episodes, AD1s, waits), so
 * a lost stretch anywhere may hide what would change it. */
static rc_status note_losses(const rc_analysis_input *in, rc_analysis *a, rc_error *err)
{
    if (in->n_gaps == 0)
        return RC_OK;
    a->lost_spans = malloc(in->n_gaps * sizeof *a->lost_spans);
    if (!a->lost_spans)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory listing lost samples");
    memcpy(a->lost_spans, in->gaps, in->n_gaps * sizeof *a->lost_spans);
    a->n_lost_spans = in->n_gaps;
    for (size_t i = 0; i < in->n_gaps; i++) {
        a->lost_samples += in->gaps[i].samples;
        a->lost_events += in->gaps[i].events;
    }
    for (size_t i = 0; i < a->n_checks; i++)
        a->checks[i].inconclusive = a->checks[i].result != RC_CHECK_SKIP;
    return RC_OK;
}

static void decide(const rc_analysis_input *in, rc_analysis *a)
{
    incomplete_reason(in, a);
    if (!a->error[0] && a->n_lost_spans)
        snprintf(a->error, sizeof a->error,
                 "the recorder lost %llu samples and %llu events in %zu stretches (the "
                 "first from %s s): the checks are inconclusive",
                 (unsigned long long)a->lost_samples, (unsigned long long)a->lost_events,
                 a->n_lost_spans, secs(a->lost_spans[0].from_us).s);
    a->verdict = RC_VERDICT_PASS;
    for (size_t i = 0; i < a->n_checks; i++)
        if (a->checks[i].result == RC_CHECK_FAIL)
            a->verdict = RC_VERDICT_FAIL;
    if (a->error[0])
        a->verdict = RC_VERDICT_ERROR;
}

rc_status rc_checks_build(const rc_analysis_input *in, const rc_analysis_config *cfg,
                          rc_analysis *a, const rc_span *ac, size_t n_ac, rc_error *err)
{
    assert(in && cfg && a);
    rc_status st = collect_ad1(in, a, err);
    if (st != RC_OK)
        return st;
    size_t n_expects = in->profile ? in->profile->n_expects : 0;
    a->checks = calloc(3 + n_expects, sizeof *a->checks);
    if (!a->checks)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory for checks");
    st = check_ch(in, a, cfg, &a->checks[0], err);
    if (st != RC_OK)
        return st;
    check_esme(a, cfg, ac, n_ac, &a->checks[1]);
    check_waits(in, &a->checks[2]);
    for (size_t i = 0; i < n_expects; i++)
        check_expect(in, cfg, a, &in->profile->expects[i], &a->checks[3 + i]);
    a->n_checks = 3 + n_expects;
    st = note_losses(in, a, err);
    if (st != RC_OK)
        return st;
    decide(in, a);
    return RC_OK;
}
