/*
 * railcut/analyze.h - outage episodes, MP102A checks, profile expectations,
 * and the reports (text, JSON, JUnit) built from them.
 *
 * The analyzer reads a trace, never a live backend, so a verdict on a run and
 * a verdict on a replayed or re-opened trace are the same computation.
 *
 * Episodes: intervals where the rail is below the outage threshold. They come
 * from the exact rail_fall/rail_rise events when the backend gives them, and
 * from the samples otherwise (first sample below / first sample back at or
 * above the restore threshold). "Raw" episodes are those intervals as they
 * are; "merged" episodes join raw ones separated by restorations shorter than
 * merge_gap_us. The rules each check uses are in docs/analysis.md.
 */
#ifndef RAILCUT_ANALYZE_H
#define RAILCUT_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "railcut/error.h"
#include "railcut/event.h"
#include "railcut/profile.h"
#include "railcut/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_MP102A_LIMIT_US (180LL * 1000000LL)
#define RC_DEFAULT_MERGE_GAP_US (1LL * 1000000LL)
#define RC_DEFAULT_AD1_LATENCY_MAX_US (60LL * 1000000LL)

typedef struct rc_analysis_config {
    int32_t outage_below_mv;   /* sample fallback: below this starts an episode */
    int32_t restore_above_mv;  /* sample fallback: at or above this ends it */
    int64_t merge_gap_us;      /* restorations shorter than this do not end a merged episode */
    int64_t limit_us;          /* MP102A limit: interruptions MORE than this (180 s) */
    int64_t ad1_latency_max_us;/* AD1 must come within this of qualification/restore */
    int64_t guard_us;          /* results within this of the limit are marginal (0 = off) */
    bool scenario_override;    /* use `scenario` instead of the trace's */
    rc_scenario scenario;
} rc_analysis_config;

void rc_analysis_config_default(rc_analysis_config *cfg);
/* RC_ERR_ARG when the configuration cannot be used (checked before a run). */
rc_status rc_analysis_config_check(const rc_analysis_config *cfg, rc_error *err);

typedef struct rc_episode {
    int64_t start_us;
    int64_t end_us;        /* == run end when still open */
    float min_v;           /* lowest sampled rail voltage within (NAN if no sample) */
    bool open;             /* rail still down when the run ended */
    int64_t ac_lost_us;    /* how much of the episode had AC Lost asserted */
} rc_episode;

typedef struct rc_ad1 {
    int64_t t_us;
    char source[RC_EVENT_TEXT_MAX];
} rc_ad1;

typedef enum rc_check_result {
    RC_CHECK_PASS = 0,
    RC_CHECK_FAIL = 1,
    RC_CHECK_SKIP = 2, /* does not apply to this run */
} rc_check_result;

typedef struct rc_check {
    char name[64];       /* "mp102a.ch", "mp102a.esme", "expect:12", "profile.waits" */
    rc_check_result result;
    bool marginal;       /* a deciding figure was within guard_us of the limit */
    bool inconclusive;   /* the recorder lost samples or events of the run: the
                          * result is what the recorded data says, not a verdict
                          * (docs/analysis.md, "Lost samples") */
    char detail[512];    /* says what was seen, and for a failure what differed */
} rc_check;

typedef enum rc_verdict {
    RC_VERDICT_PASS = 0,
    RC_VERDICT_FAIL = 1,
    RC_VERDICT_ERROR = 2, /* the run did not complete (device error, stopped, damaged trace) */
} rc_verdict;

const char *rc_verdict_name(rc_verdict v);
/* "pass", "fail" or "skip". */
const char *rc_check_result_name(rc_check_result r);
/* What a report says of a check: its result's name, or "inconclusive". */
const char *rc_check_state_name(const rc_check *c);

typedef struct rc_analysis {
    rc_scenario scenario;
    int64_t end_us;
    rc_episode *raw;
    size_t n_raw;
    rc_episode *merged;
    size_t n_merged;
    rc_ad1 *ad1;
    size_t n_ad1;
    rc_check *checks;
    size_t n_checks;
    int64_t max_outage_us;        /* longest raw episode (0 if none) */
    int64_t max_merged_outage_us; /* longest merged episode (0 if none) */
    bool from_events;             /* episodes from exact crossings (else samples) */
    rc_verdict verdict;
    char error[256];              /* why the verdict is "error", else empty */
    /* The calibration behind the measured rail (from the trace header):
     * on_bench when a bench recorded the trace (cal.bench, or the ftdi
     * backend); then each quantity's standard uncertainty in mV (mA), from
     * the calibration fit, when the header carries one (else uncalibrated). */
    bool on_bench;
    bool rail_v_calibrated, rail_a_calibrated;
    double rail_v_uncertainty_mv, rail_a_uncertainty_ma;
    /* What the recorder lost (the trace's LOST records: its writer's queue
     * overran): samples and events never written, and the stretches they
     * covered, in time order (owned). With any loss every check that applies
     * is inconclusive and the verdict is "error". */
    uint64_t lost_samples, lost_events;
    rc_trace_gap *lost_spans;
    size_t n_lost_spans;
} rc_analysis;

/* Analyzes an open trace. */
rc_status rc_analyze_trace(rc_trace *t, const rc_analysis_config *cfg,
                           rc_analysis **out, rc_error *err);
void rc_analysis_free(rc_analysis *a);

/* Context printed with every report. */
typedef struct rc_report_context {
    const char *profile_path;
    const char *trace_path;
    const char *backend;
    const char *suite_name; /* JUnit testsuite name; NULL = "railcut" */
} rc_report_context;

rc_status rc_report_text(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                         rc_error *err);
rc_status rc_report_json(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                         rc_error *err);
rc_status rc_report_junit(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                          rc_error *err);

#ifdef __cplusplus
}
#endif

#endif
