/*
 * report_text.c - the human summary of an rc_analysis.
 *
 * Layout, top to bottom: the verdict in capitals on the first line (PASS,
 * FAIL, ERROR), the run's context (trace, profile, backend, scenario, end,
 * the error when there is one, and what the recorder lost when it lost
 * something), the raw and merged episode tables, the AD1 alerts, then one
 * line per check ("?" for an inconclusive one). Times are seconds and durations are
 * exact (rc_format_seconds, rc_format_duration): nothing is rounded except
 * the sampled minimum voltage.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>

#include "analyze/analyze_internal.h"

static const char *or_dash(const char *s)
{
    return s && s[0] ? s : "-";
}

static void print_verdict(FILE *out, rc_verdict v)
{
    for (const char *p = rc_verdict_name(v); *p; p++)
        fputc(toupper((unsigned char)*p), out);
    fputc('\n', out);
}

/* How far the measured rail can be trusted: the calibration's standard
 * uncertainty, recorded in the trace header by a bench run. */
static void print_calibration(FILE *out, const rc_analysis *a)
{
    fprintf(out, "calibration: rail volts ");
    if (a->rail_v_calibrated)
        fprintf(out, "+/- %.3g mV", a->rail_v_uncertainty_mv);
    else
        fprintf(out, "uncalibrated");
    fprintf(out, ", current ");
    if (a->rail_a_calibrated)
        fprintf(out, "+/- %.3g mA (standard uncertainty)\n", a->rail_a_uncertainty_ma);
    else
        fprintf(out, "uncalibrated\n");
}

/* What the recorder lost: the totals, then each stretch (the first few). */
#define LOST_SHOWN 8

static void print_lost(FILE *out, const rc_analysis *a)
{
    fprintf(out, "lost:     %llu samples, %llu events (recorder overrun)\n",
            (unsigned long long)a->lost_samples, (unsigned long long)a->lost_events);
    for (size_t i = 0; i < a->n_lost_spans && i < LOST_SHOWN; i++) {
        const rc_trace_gap *g = &a->lost_spans[i];
        char from[32], to[32];
        rc_format_seconds(g->from_us, from, sizeof from);
        rc_format_seconds(g->to_us, to, sizeof to);
        fprintf(out, "  lost    %s s .. %s s: %llu samples, %llu events\n", from, to,
                (unsigned long long)g->samples, (unsigned long long)g->events);
    }
    if (a->n_lost_spans > LOST_SHOWN)
        fprintf(out, "  lost    ... %zu more stretches\n", a->n_lost_spans - LOST_SHOWN);
}

static void print_context(FILE *out, const rc_analysis *a, const rc_report_context *ctx)
{
    char end[32];
    rc_format_seconds(a->end_us, end, sizeof end);
    fprintf(out, "trace:    %s\n", or_dash(ctx ? ctx->trace_path : NULL));
    fprintf(out, "profile:  %s\n", or_dash(ctx ? ctx->profile_path : NULL));
    fprintf(out, "backend:  %s\n", or_dash(ctx ? ctx->backend : NULL));
    fprintf(out, "scenario: %s\n", rc_scenario_name(a->scenario));
    fprintf(out, "run end:  %s s\n", end);
    if (a->error[0])
        fprintf(out, "error:    %s\n", a->error);
    if (a->on_bench)
        print_calibration(out, a);
    if (a->n_lost_spans)
        print_lost(out, a);
}

static void print_episodes(FILE *out, const char *title, const rc_episode *eps, size_t n)
{
    fprintf(out, "\n%s: %zu\n", title, n);
    if (n == 0)
        return;
    fprintf(out, "  %-14s %-20s %-14s %-8s %s\n", "start s", "end s", "duration", "min V",
            "AC Lost");
    for (size_t i = 0; i < n; i++) {
        const rc_episode *e = &eps[i];
        char start[32], end_s[32], end[48], dur[32], ac[32], minv[16];
        rc_format_seconds(e->start_us, start, sizeof start);
        rc_format_seconds(e->end_us, end_s, sizeof end_s);
        snprintf(end, sizeof end, "%s%s", end_s, e->open ? " (open)" : "");
        rc_format_duration(e->end_us - e->start_us, dur, sizeof dur);
        rc_format_duration(e->ac_lost_us, ac, sizeof ac);
        if (isnan(e->min_v))
            snprintf(minv, sizeof minv, "-");
        else
            snprintf(minv, sizeof minv, "%.3f", (double)e->min_v);
        fprintf(out, "  %-14s %-20s %-14s %-8s %s\n", start, end, dur, minv, ac);
    }
}

static void print_ad1(FILE *out, const rc_analysis *a)
{
    fprintf(out, "\nAD1 alerts: %zu\n", a->n_ad1);
    for (size_t i = 0; i < a->n_ad1; i++) {
        char t[32];
        rc_format_seconds(a->ad1[i].t_us, t, sizeof t);
        fprintf(out, "  %s s  %s\n", t, or_dash(a->ad1[i].source));
    }
}

static const char *result_name(rc_check_result r)
{
    switch (r) {
    case RC_CHECK_PASS:
        return "pass";
    case RC_CHECK_FAIL:
        return "fail";
    case RC_CHECK_SKIP:
        return "skip";
    }
    return "?";
}

static void print_checks(FILE *out, const rc_analysis *a)
{
    fprintf(out, "\nchecks:\n");
    for (size_t i = 0; i < a->n_checks; i++) {
        const rc_check *c = &a->checks[i];
        if (c->inconclusive)
            fprintf(out, "  ?     %s (inconclusive, the recorded data says %s)%s: %s\n",
                    c->name, result_name(c->result), c->marginal ? " (marginal)" : "",
                    c->detail);
        else
            fprintf(out, "  %-4s  %s%s: %s\n", result_name(c->result), c->name,
                    c->marginal ? " (marginal)" : "", c->detail);
    }
}

rc_status rc_report_text(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                         rc_error *err)
{
    if (!out || !a)
        return rc_error_set(err, RC_ERR_ARG, "rc_report_text: missing argument");
    char longest[32], longest_merged[32];
    rc_format_duration(a->max_outage_us, longest, sizeof longest);
    rc_format_duration(a->max_merged_outage_us, longest_merged, sizeof longest_merged);
    print_verdict(out, a->verdict);
    print_context(out, a, ctx);
    fprintf(out, "longest interruption: %s raw, %s merged (episodes from %s)\n", longest,
            longest_merged, a->from_events ? "events" : "samples");
    print_episodes(out, "episodes", a->raw, a->n_raw);
    print_episodes(out, "merged episodes", a->merged, a->n_merged);
    print_ad1(out, a);
    print_checks(out, a);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "writing the text report failed");
    return RC_OK;
}
