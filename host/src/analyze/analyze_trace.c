/*
 * analyze_trace.c - rc_analyze_trace: gathers one run from an open trace
 * (compiled profile, header, events, damage, end) and hands it to the core,
 * streaming the samples from disk through rc_trace_read_samples.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"

static rc_status read_trace_samples(void *ctx, rc_sample_fn fn, void *fn_ctx, rc_error *err)
{
    return rc_trace_read_samples(ctx, INT64_MIN, INT64_MAX, fn, fn_ctx, err);
}

/* The header's scenario is the one the run used (after --scenario); the
 * profile's is what the file said. */
static rc_scenario trace_scenario(const rc_trace *t)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    const rc_profile *p = rc_trace_get_profile(t);
    rc_scenario s;
    if (h && h->scenario && rc_scenario_from_name(h->scenario, &s) == RC_OK)
        return s;
    return p ? p->scenario : RC_SCENARIO_TEST;
}

/* A header value that is a finite number. */
static bool header_number(const rc_trace_header *h, const char *key, double *out)
{
    for (size_t i = 0; i < h->n_model_params; i++) {
        if (strcmp(h->model_params[i].key, key) != 0)
            continue;
        char *end;
        double v = strtod(h->model_params[i].value, &end);
        if (end == h->model_params[i].value || *end != '\0' || v != v)
            return false;
        *out = v;
        return true;
    }
    return false;
}

/* A bench run's header carries cal.bench and the calibration used. */
static void note_calibration(const rc_trace_header *h, rc_analysis *a)
{
    if (!h)
        return;
    a->on_bench = h->backend && strcmp(h->backend, "ftdi") == 0;
    for (size_t i = 0; i < h->n_model_params && !a->on_bench; i++)
        a->on_bench = strcmp(h->model_params[i].key, "cal.bench") == 0;
    a->rail_v_calibrated = header_number(h, "cal.rail_v.uncertainty", &a->rail_v_uncertainty_mv);
    a->rail_a_calibrated = header_number(h, "cal.rail_a.uncertainty", &a->rail_a_uncertainty_ma);
}

rc_status rc_analyze_trace(rc_trace *t, const rc_analysis_config *cfg, rc_analysis **out,
                           rc_error *err)
{
    if (!t || !cfg || !out)
        return rc_error_set(err, RC_ERR_ARG, "rc_analyze_trace: missing argument");
    const rc_trace_damage *dmg = rc_trace_get_damage(t);
    const rc_trace_stats *stats = rc_trace_get_stats(t);
    rc_analysis_input in = {.profile = rc_trace_get_profile(t),
                            .scenario = trace_scenario(t),
                            .read_samples = read_trace_samples,
                            .samples_ctx = t,
                            .end_us = stats->end_us,
                            .damage = dmg && dmg->damaged ? dmg->reason : NULL};
    in.events = rc_trace_get_events(t, &in.n_events);
    in.gaps = rc_trace_get_gaps(t, &in.n_gaps);
    rc_status st = rc_analyze_run(&in, cfg, out, err);
    if (st == RC_OK)
        note_calibration(rc_trace_get_header(t), *out);
    return st;
}
