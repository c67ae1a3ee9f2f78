/*
 * analyze.c - the analyzer's entry points: defaults, and the core that turns
 * one run (profile, events, samples, run end) into an rc_analysis.
 *
 * An rc_analysis owns five heap arrays (raw and merged episodes, AD1 alerts,
 * checks, lost stretches); rc_analysis_free releases them. Episodes are built first
 * (episodes.c), then the checks and the verdict read them (checks.c). The
 * wrapper over an open trace is in analyze_trace.c.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"
#include "railcut/rig.h"

void rc_analysis_config_default(rc_analysis_config *cfg)
{
    assert(cfg);
    memset(cfg, 0, sizeof *cfg);
    cfg->outage_below_mv = RC_DEFAULT_OUTAGE_BELOW_MV;
    cfg->restore_above_mv = RC_DEFAULT_RESTORE_ABOVE_MV;
    cfg->merge_gap_us = RC_DEFAULT_MERGE_GAP_US;
    cfg->limit_us = RC_MP102A_LIMIT_US;
    cfg->ad1_latency_max_us = RC_DEFAULT_AD1_LATENCY_MAX_US;
    cfg->guard_us = 0;
    cfg->scenario_override = false;
    cfg->scenario = RC_SCENARIO_TEST;
}

const char *rc_verdict_name(rc_verdict v)
{
    switch (v) {
    case RC_VERDICT_PASS:
        return "pass";
    case RC_VERDICT_FAIL:
        return "fail";
    case RC_VERDICT_ERROR:
        return "error";
    }
    return "unknown";
}

const char *rc_check_result_name(rc_check_result r)
{
    switch (r) {
    case RC_CHECK_PASS:
        return "pass";
    case RC_CHECK_FAIL:
        return "fail";
    case RC_CHECK_SKIP:
        return "skip";
    }
    return "unknown";
}

const char *rc_check_state_name(const rc_check *c)
{
    return c->inconclusive ? "inconclusive" : rc_check_result_name(c->result);
}

void rc_analysis_free(rc_analysis *a)
{
    if (!a)
        return;
    free(a->raw);
    free(a->merged);
    free(a->ad1);
    free(a->checks);
    free(a->lost_spans);
    free(a);
}

rc_status rc_analysis_config_check(const rc_analysis_config *cfg, rc_error *err)
{
    if (cfg->limit_us <= 0)
        return rc_error_set(err, RC_ERR_ARG, "the outage limit must be positive");
    if (cfg->merge_gap_us < 0 || cfg->ad1_latency_max_us < 0 || cfg->guard_us < 0)
        return rc_error_set(err, RC_ERR_ARG,
                            "merge gap, AD1 latency bound and guard must not be negative");
    if (cfg->outage_below_mv <= 0 || cfg->restore_above_mv < cfg->outage_below_mv)
        return rc_error_set(err, RC_ERR_ARG,
                            "thresholds: need 0 < outage below (%d mV) <= restore above (%d mV)",
                            (int)cfg->outage_below_mv, (int)cfg->restore_above_mv);
    return RC_OK;
}

static rc_status check_input(const rc_analysis_input *in, const rc_analysis_config *cfg,
                             rc_error *err)
{
    rc_status st = rc_analysis_config_check(cfg, err);
    if (st != RC_OK)
        return st;
    if (in->n_events > 0 && !in->events)
        return rc_error_set(err, RC_ERR_ARG, "events missing");
    for (size_t i = 1; i < in->n_events; i++)
        if (in->events[i].t_us < in->events[i - 1].t_us)
            return rc_error_set(err, RC_ERR_FORMAT, "events out of time order at %lld us",
                                (long long)in->events[i].t_us);
    return RC_OK;
}

rc_status rc_analyze_run(const rc_analysis_input *in, const rc_analysis_config *cfg,
                         rc_analysis **out, rc_error *err)
{
    if (!in || !cfg || !out)
        return rc_error_set(err, RC_ERR_ARG, "rc_analyze_run: missing argument");
    *out = NULL;
    rc_status st = check_input(in, cfg, err);
    if (st != RC_OK)
        return st;
    rc_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory for the analysis");
    a->scenario = cfg->scenario_override ? cfg->scenario : in->scenario;
    a->end_us = in->end_us;
    rc_span *ac = NULL;
    size_t n_ac = 0;
    st = rc_episodes_build(in, cfg, a, &ac, &n_ac, err);
    if (st == RC_OK)
        st = rc_checks_build(in, cfg, a, ac, n_ac, err);
    free(ac);
    if (st != RC_OK) {
        rc_analysis_free(a);
        return st;
    }
    *out = a;
    return RC_OK;
}
