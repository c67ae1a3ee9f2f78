/*
 * railcut/characterize.h - characterisation: where a CH's behaviour changes,
 * measured by running many generated profiles, and the HTML conformance
 * report.
 *
 * A characterisation runs probes: each probe is one generated .rail profile
 * (kept, readable, beside its trace in a directory) run through the job
 * pipeline of railcut/suite.h on any backend, then measured from its trace.
 * The modes (docs/characterization.md gives each method and its statistics):
 *
 *   ad1-threshold  outage length at which AD1 starts to appear (staircase)
 *   restore-reset  shortest restore that resets the CH's outage timer (staircase)
 *   holdup         longest cut the CH rides through without rebooting (staircase)
 *   uvlo           rail voltage at which the CH drops out and recovers (ramps)
 *   ad1-latency    distribution of the AD1 latency over repeated outages
 *
 * Every probe runs the CH model with its own seed, derived from the base seed
 * and the probe number, so a jittered sim CH behaves like a real one that is
 * not the same twice, and a characterisation is still repeatable.
 */
#ifndef RAILCUT_CHARACTERIZE_H
#define RAILCUT_CHARACTERIZE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "railcut/analyze.h"
#include "railcut/error.h"
#include "railcut/rig.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rc_char_mode {
    RC_CHAR_AD1_THRESHOLD = 0,
    RC_CHAR_RESTORE_RESET = 1,
    RC_CHAR_HOLDUP = 2,
    RC_CHAR_UVLO = 3,
    RC_CHAR_AD1_LATENCY = 4,
} rc_char_mode;

#define RC_CHAR_N_MODES 5

/* "ad1-threshold", "restore-reset", "holdup", "uvlo", "ad1-latency". */
const char *rc_char_mode_name(rc_char_mode mode);
/* RC_ERR_NOT_FOUND for an unknown name. */
rc_status rc_char_mode_from_name(const char *name, rc_char_mode *out);

/* Progress of the probe that is running. */
typedef struct rc_char_progress {
    unsigned probe;          /* 0-based index of the running probe */
    unsigned planned;        /* probes expected in all (an estimate for staircases) */
    int64_t done_us;         /* virtual time of the probes already finished */
    int64_t probe_max_us;    /* nominal length of one probe, waits at their time-outs */
    const rc_run_progress *run; /* the running probe's own progress */
} rc_char_progress;

/* One probe, as measured. Durations in microseconds, voltages in millivolts. */
typedef struct rc_char_probe {
    unsigned index;
    int64_t command;      /* what the profile asked for: cut, restore or ramp floor */
    int64_t value;        /* measured: outage or restore length, latency, dropout mV */
    int64_t value2;       /* uvlo: recovery mV */
    bool valid;           /* the measurement was possible (else `value` means nothing) */
    bool response;        /* staircases: AD1 seen / timer reset / CH rebooted */
    rc_verdict verdict;   /* the run's verdict (error: it did not complete) */
    int64_t virtual_us;   /* how long the run took in device time */
    char profile_path[512];
    char trace_path[512];
} rc_char_probe;

/* Statistics over measured values, in the mode's display unit (s or V). */
typedef struct rc_char_stat {
    size_t n;
    double estimate;              /* the mode's answer */
    double ci_lo, ci_hi;          /* its 95 % confidence interval */
    double mean, sd, min, median, p95, max;
    double median_ci_lo, median_ci_hi; /* distribution-free 95 % interval of the median */
} rc_char_stat;

typedef struct rc_char_result {
    rc_char_mode mode;
    const char *unit;       /* "s" or "V" */
    const char *quantity;   /* what `stat` measures, in words */
    const char *quantity2;  /* uvlo: what `stat2` measures; else NULL */
    const char *method;     /* one line: how it was measured */
    rc_char_stat stat;
    rc_char_stat stat2;
    bool converged;         /* false: threshold outside the range, probes ran out, stopped */
    char note[256];         /* why not converged, or a remark */
    char backend[32];
    int64_t seed;
    rc_char_probe *probes;
    size_t n_probes;
    int64_t virtual_us;     /* device time of all probes */
    int64_t wall_us;        /* wall time of the whole characterisation */
} rc_char_result;

typedef struct rc_char_config {
    rc_char_mode mode;
    const char *backend;        /* registry name; sim by default */
    const char *ch_file;        /* CH/supply INI for every probe; may be NULL */
    const char *const *ch_set;  /* "name=value" model parameters for every probe */
    size_t n_ch_set;
    rc_rig_config rig;          /* sample rate (100 Hz by default) and base model */
    rc_analysis_config analysis;
    const char *dir;            /* existing directory: probe-NNN.rail and .rct */
    int64_t seed;               /* base seed of the per-probe CH seeds */
    /* Staircase modes: probed range and step, microseconds. */
    int64_t lo_us, hi_us, resolution_us;
    unsigned reversals;         /* stop after this many reversals at the final step */
    unsigned max_probes;        /* ... or after this many probes */
    /* uvlo: ramps between hi_mv and lo_mv at ramp_mv_per_s. */
    int32_t lo_mv, hi_mv, ramp_mv_per_s;
    unsigned repeats;           /* uvlo and ad1-latency: probes to run */
    int64_t outage_us;          /* ad1-latency: the cut; restore-reset: each of two cuts */
    int64_t settle_us;          /* powered and ready this long before the first cut */
    int64_t wait_us;            /* time-out of every wait in a probe */
    int64_t observe_us;         /* observation window at the end of a probe */
    rc_pace pace;
    double pace_factor;
    volatile sig_atomic_t *stop_requested; /* may be NULL */
    void (*progress)(void *ctx, const rc_char_progress *p); /* may be NULL */
    void (*on_probe)(void *ctx, const rc_char_probe *p);    /* after each probe; may be NULL */
    void *ctx;
} rc_char_config;

/* The defaults of a mode: backend sim at 100 Hz, default CH, seed 1, and
 *   ad1-threshold  175 s .. 185 s by 0.1 s, 12 reversals, at most 200 probes
 *   restore-reset  0 .. 10 s by 10 ms around two 120 s cuts
 *   holdup         0 .. 10 s by 10 ms
 *   uvlo           12 V -> 5 V -> 12 V at 0.1 V/s, 5 repeats
 *   ad1-latency    190 s cuts, 30 repeats
 * settle 60 s, waits 120 s, observation 60 s. */
void rc_char_config_init(rc_char_config *cfg, rc_char_mode mode);

/* Checks the configuration and compiles the longest probe. *planned is the
 * number of probes expected (staircases: an estimate) and *probe_max_us the
 * nominal length of one probe with every wait counted at its time-out, so
 * planned x probe_max_us bounds the bench time. */
rc_status rc_char_estimate(const rc_char_config *cfg, unsigned *planned, int64_t *probe_max_us,
                           rc_error *err);

/* The .rail text of the probe with the given command (and index, for its
 * comment), as it is written to the directory. Returns the length written or
 * needed, as snprintf does. */
int rc_char_probe_text(const rc_char_config *cfg, unsigned index, int64_t command, char *buf,
                       size_t len);

/* Runs the characterisation. Returns RC_OK with a result even when it did not
 * converge or was stopped (result->converged and note say so); an error
 * status only when it could not run at all (bad configuration, CH file,
 * backend, directory) or a probe failed before recording anything. */
rc_status rc_char_run(const rc_char_config *cfg, rc_char_result **out, rc_error *err);
void rc_char_result_free(rc_char_result *r);

/* Text (the answer, its CI, the statistics, the probes and their traces) and
 * JSON (docs/characterization.md, "JSON"). */
rc_status rc_char_report_text(FILE *out, const rc_char_result *r, bool list_probes,
                              rc_error *err);
rc_status rc_char_report_json(FILE *out, const rc_char_result *r, rc_error *err);

/* ---- Conformance report ---------------------------------------------------- */

typedef struct rc_html_options {
    const char *title;              /* NULL: "railcut conformance report" */
    const char *characterization;   /* a characterisation JSON file to include; may be NULL */
    rc_analysis_config analysis;
    unsigned plot_width;            /* pixel columns of each plot (min/max per column) */
} rc_html_options;

void rc_html_options_init(rc_html_options *opt);

/* One self-contained HTML page (inline SVG and CSS, no script, no external
 * asset) for the traces: per trace its verdict, checks, episodes, AD1s,
 * parameters and plots of rail voltage and current with the outage episodes
 * shaded, the 180 s mark and the AD1 markers; and the characterisation
 * results when given. Samples are decimated to min/max per pixel column
 * while streaming, so the page stays small for any trace. */
rc_status rc_html_report(FILE *out, const char *const *traces, size_t n_traces,
                         const rc_html_options *opt, rc_error *err);

#ifdef __cplusplus
}
#endif

#endif
