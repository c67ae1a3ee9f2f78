/*
 * analyze_internal.h - the analyzer's core, shared by its source files and
 * by the unit tests.
 *
 * The core knows nothing of trace files: it takes the run as plain data (the
 * compiled profile, the events in time order, a function that streams the
 * samples, the run end and whether the record is damaged) and returns an
 * rc_analysis. rc_analyze_trace is a thin wrapper that gathers those from an
 * open trace. Tests call the core directly with synthetic runs.
 */
#ifndef RAILCUT_ANALYZE_INTERNAL_H
#define RAILCUT_ANALYZE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/analyze.h"

/* Streams every sample of the run, in time order, to fn (see rc_sample_fn:
 * a non-zero return from fn stops the stream early, which is not an error).
 * The core may call it more than once. */
typedef rc_status (*rc_sample_reader)(void *ctx, rc_sample_fn fn, void *fn_ctx,
                                      rc_error *err);

typedef struct rc_analysis_input {
    const rc_profile *profile;  /* expectations, marks, waits; may be NULL */
    rc_scenario scenario;       /* the run's scenario; cfg->scenario_override wins */
    const rc_event *events;     /* in time order */
    size_t n_events;
    rc_sample_reader read_samples; /* NULL when there are no samples */
    void *samples_ctx;
    int64_t end_us;             /* run end: open episodes and AC Lost end here */
    const char *damage;         /* non-NULL: why the record stops early */
    const rc_trace_gap *gaps;   /* what the recorder lost, in time order */
    size_t n_gaps;
} rc_analysis_input;

rc_status rc_analyze_run(const rc_analysis_input *in, const rc_analysis_config *cfg,
                         rc_analysis **out, rc_error *err);

/* ---- Between the analyzer's own files ------------------------------------- */

/* A half-open interval [start_us, end_us). */
typedef struct rc_span {
    int64_t start_us;
    int64_t end_us;
} rc_span;

/* Fills a->raw, a->merged, a->max_*, a->from_events, and returns the AC Lost
 * intervals (sorted, disjoint; caller frees *ac). */
rc_status rc_episodes_build(const rc_analysis_input *in, const rc_analysis_config *cfg,
                            rc_analysis *a, rc_span **ac, size_t *n_ac, rc_error *err);

/* Time of [start, end) covered by the spans. */
int64_t rc_spans_overlap_us(const rc_span *spans, size_t n, int64_t start_us,
                            int64_t end_us);

/* Longest contiguous piece of [start, end) not covered by the spans. */
int64_t rc_spans_longest_gap_us(const rc_span *spans, size_t n, int64_t start_us,
                                int64_t end_us);

/* Fills a->ad1, a->checks, a->verdict and a->error. */
rc_status rc_checks_build(const rc_analysis_input *in, const rc_analysis_config *cfg,
                          rc_analysis *a, const rc_span *ac, size_t n_ac, rc_error *err);

#endif
