/*
 * railcut/suite.h - jobs (one run from profile to verdict) and regression
 * suites (many jobs, each with the verdict and check results it must give).
 *
 * A job is the whole pipeline of `railcut run`: CH model parameters, profile
 * compilation, backend, trace writer with its header, the run with periodic
 * flushes, the finalised trace re-opened and judged. `railcut run` and the
 * suite runner both use it, so a case in a suite and the same command line
 * give the same verdict.
 *
 * A suite file (docs/suite-format.md) lists cases: a name, a profile and its
 * --set parameters, a CH file and --ch-set parameters, a backend, the expected
 * verdict and expected results per check. The runner runs the selected cases
 * (sim cases on parallel threads, every other backend one case at a time),
 * keeps each case's trace, and compares each analysis with its expectations.
 */
#ifndef RAILCUT_SUITE_H
#define RAILCUT_SUITE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "railcut/analyze.h"
#include "railcut/bench.h"
#include "railcut/error.h"
#include "railcut/profile.h"
#include "railcut/rig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Jobs ------------------------------------------------------------------ */

/* Where a job stopped (or RC_JOB_DONE when it produced an analysis). */
typedef enum rc_job_stage {
    RC_JOB_MODEL = 0,   /* CH file or --ch-set */
    RC_JOB_PROFILE = 1, /* profile compilation (error text is file:line:col) */
    RC_JOB_BACKEND = 2, /* no such backend */
    RC_JOB_TRACE = 3,   /* trace file could not be created or finalised */
    RC_JOB_RUN = 4,     /* the run failed before anything was recorded */
    RC_JOB_ANALYZE = 5, /* the trace could not be re-opened or judged */
    RC_JOB_DONE = 6,
} rc_job_stage;

typedef struct rc_job {
    const char *profile_path;
    const char *const *set;     /* profile parameters, "name=value" */
    size_t n_set;
    int64_t observe_us;         /* >= 0 overrides the profile's window; -1 keeps it */
    const char *ch_file;        /* CH/supply INI loaded over rig.ch/rig.supply; may be NULL */
    const char *const *ch_set;  /* model parameters, "name=value", applied after ch_file */
    size_t n_ch_set;
    const char *backend;        /* registry name, e.g. "sim" */
    rc_rig_config rig;          /* sample rate and the CH/supply to start from; the
                                 * crossing thresholds are taken from `analysis` */
    rc_analysis_config analysis; /* scenario_override also sets the run's scenario */
    rc_pace pace;
    double pace_factor;
    volatile sig_atomic_t *stop_requested; /* may be NULL */
    void (*progress)(void *ctx, const rc_run_progress *p); /* may be NULL */
    void *progress_ctx;
    int64_t flush_interval_ms;  /* the trace is flushed at least this often (wall time) */
    const rc_bench *bench;      /* may be NULL; its lock is held while the run records and
                                 * its calibration goes into the trace header as cal.* */
    const char *bench_lock_dir; /* NULL: rc_bench_lock_acquire's default places */
    const char *feed_bind;      /* NULL, or "HOST:PORT" where the external event feed
                                 * takes AD1 reports during the run (railcut/bench.h);
                                 * they are added to the trace before it is judged */
} rc_job;

#define RC_JOB_FLUSH_INTERVAL_MS 250

/* Defaults: backend sim, default rig and analysis, pace max, observation of the profile. */
void rc_job_init(rc_job *job);

/* Everything that can be rejected before a run: model parameters, the
 * compiled profile, the backend. Preparing never touches the file system
 * except to read the profile and CH file. */
typedef struct rc_job_plan rc_job_plan;

/* On failure *stage says which step failed. The plan keeps a pointer to job,
 * which must outlive it. */
rc_status rc_job_prepare(const rc_job *job, rc_job_plan **out, rc_job_stage *stage,
                         rc_error *err);
const rc_profile *rc_job_plan_profile(const rc_job_plan *plan);
const rc_driver *rc_job_plan_driver(const rc_job_plan *plan);
void rc_job_plan_free(rc_job_plan *plan);

typedef struct rc_job_outcome {
    rc_job_stage stage;     /* RC_JOB_DONE when `analysis` is set */
    rc_status run_status;   /* rc_run's status; a device error or a stop still
                             * leaves a finalised trace that is judged */
    rc_error run_error;     /* its message when run_status != RC_OK */
    rc_run_result run;
    rc_analysis *analysis;  /* the verdict on the trace; the caller frees it */
    uint64_t samples_lost;  /* the trace writer's queue overran (also in the trace) */
    uint64_t events_lost;
} rc_job_outcome;

/* Runs a prepared job into trace_path (parent directory must exist) and
 * judges the trace. Returns RC_OK when out->analysis is set, even when the run
 * ended early (its verdict is then "error"). Once the trace is open it is
 * always finalised. A plan may be executed once. */
rc_status rc_job_execute(rc_job_plan *plan, const char *trace_path, rc_job_outcome *out,
                         rc_error *err);

/* rc_job_prepare then rc_job_execute. */
rc_status rc_job_run(const rc_job *job, const char *trace_path, rc_job_outcome *out,
                     rc_error *err);

/* ---- Suites ---------------------------------------------------------------- */

/* An expected check result: "mp102a.ch=pass". */
typedef struct rc_suite_check {
    char *name;
    rc_check_result result;
    int line;
} rc_suite_check;

typedef struct rc_suite_case {
    char *name;               /* letters, digits, '.', '_', '-': also the trace file name */
    char *profile;            /* resolved against the suite file's directory */
    char **set;               /* "name=value" */
    size_t n_set;
    char *ch_file;            /* resolved; NULL = model defaults */
    char **ch_set;            /* suite-wide ones first, then the case's */
    size_t n_ch_set;
    char *backend;
    int64_t observe_us;       /* -1 = the profile's */
    rc_verdict verdict;       /* expected verdict */
    rc_suite_check *checks;   /* expected check results */
    size_t n_checks;
    int line;                 /* line of the `case` command */
} rc_suite_case;

typedef struct rc_suite {
    char *name;               /* `suite NAME`, else the file name without extension */
    char *path;
    rc_suite_case *cases;
    size_t n_cases;
} rc_suite;

/* Reads a suite file. Errors are "file:line:col: message" followed by the
 * offending line and a caret line. Paths are not checked for existence here. */
rc_status rc_suite_load(const char *path, rc_suite **out, rc_error *err);
/* Same from text in memory; `name` gives messages and the directory that
 * relative paths are resolved against. */
rc_status rc_suite_parse(const char *name, const char *text, size_t len, rc_suite **out,
                         rc_error *err);
void rc_suite_free(rc_suite *s);

/* A filter is a shell pattern (fnmatch) on case names; a filter without
 * '*', '?' or '[' matches names that contain it. NULL selects every case. */
bool rc_suite_case_selected(const rc_suite_case *c, const char *filter);

/* Compares an analysis with a case's expectations. Returns true when the
 * verdict and every expected check match; otherwise diff lists every
 * difference, joined by "; ", e.g. "expected mp102a.ch=pass, got fail: ...". */
bool rc_suite_case_compare(const rc_suite_case *c, const rc_analysis *a, char *diff,
                           size_t len);

/* ---- Running a suite ------------------------------------------------------- */

typedef enum rc_case_outcome {
    RC_CASE_MATCHED = 0,     /* judged, and as expected */
    RC_CASE_MISMATCHED = 1,  /* judged, and something differed */
    RC_CASE_ERROR = 2,       /* could not be judged (trace I/O, device before recording) */
    RC_CASE_NOT_RUN = 3,     /* filtered out, or stopped before it started */
} rc_case_outcome;

typedef struct rc_case_result {
    const rc_suite_case *c;
    rc_case_outcome outcome;
    char *trace_path;        /* NULL when not run */
    rc_job_outcome job;      /* job.analysis set when judged */
    rc_error error;          /* RC_CASE_ERROR: why */
    char diff[2048];         /* RC_CASE_MISMATCHED: what differed */
    int64_t wall_us;         /* wall time the case took (reports only) */
} rc_case_result;

typedef struct rc_suite_run_options {
    const char *backend;     /* overrides every case's backend; NULL keeps them */
    const char *trace_dir;   /* existing directory; traces are <dir>/<case>.rct */
    unsigned jobs;           /* threads for sim cases (1 = one at a time) */
    const char *filter;      /* see rc_suite_case_selected */
    rc_rig_config rig;       /* sample rate and base model of every case */
    rc_analysis_config analysis;
    /* Cases on any backend but sim run on this bench (its lock, calibration,
     * alert sources and feed, as rc_job's bench); NULL: none. The bench's
     * device string goes in rig.device. */
    const rc_bench *bench;
    const char *bench_lock_dir; /* NULL: rc_bench_lock_acquire's default places */
    volatile sig_atomic_t *stop_requested; /* may be NULL */
    /* Called once per case as it finishes, one call at a time, in completion order. */
    void (*on_case_done)(void *ctx, const rc_case_result *r);
    void *ctx;
} rc_suite_run_options;

void rc_suite_run_options_init(rc_suite_run_options *opt);

/* A suite with every selected case prepared and ready to run. */
typedef struct rc_suite_plan rc_suite_plan;

/* Prepares every selected case (rc_job_prepare: CH file and model
 * parameters, analysis options, profile, backend) and its trace path; a bad
 * case fails the whole suite, naming it, before anything runs or any file is
 * written. The plan keeps pointers to s and opt, which must outlive it. */
rc_status rc_suite_prepare(const rc_suite *s, const rc_suite_run_options *opt,
                           rc_suite_plan **out, rc_error *err);
/* Runs the prepared cases. *results has one entry per case of the suite, in
 * suite order, and belongs to the caller; it is set on RC_OK and on
 * RC_ERR_INTERRUPTED (cases not run are RC_CASE_NOT_RUN). A plan may be
 * executed once. */
rc_status rc_suite_execute(rc_suite_plan *plan, rc_case_result **results, rc_error *err);
void rc_suite_plan_free(rc_suite_plan *plan);

/* rc_suite_prepare, rc_suite_execute, rc_suite_plan_free. */
rc_status rc_suite_run(const rc_suite *s, const rc_suite_run_options *opt,
                       rc_case_result **results, rc_error *err);
void rc_suite_results_free(rc_case_result *results, size_t n);

/* Reports over all cases (those not run are left out). */
rc_status rc_suite_report_json(FILE *out, const rc_suite *s, const rc_case_result *r,
                               size_t n, rc_error *err);
rc_status rc_suite_report_junit(FILE *out, const rc_suite *s, const rc_case_result *r,
                                size_t n, rc_error *err);

#ifdef __cplusplus
}
#endif

#endif
