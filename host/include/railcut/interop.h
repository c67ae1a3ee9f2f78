/*
 * railcut/interop.h - traces in and out of railcut: exports for other tools
 * (CSV, VCD for GTKWave, sigrok sessions for PulseView and sigrok-cli),
 * imports of scope and logger captures (CSV, sigrok .sr), a recorded trace
 * turned back into a rail profile (replay), and the comparison of two traces
 * for triage (diff).
 *
 * Everything here reads traces through the reader API in bounded time
 * ranges, so memory stays flat however long the trace is. The file formats
 * and their choices are described in docs/interop.md.
 */
#ifndef RAILCUT_INTEROP_H
#define RAILCUT_INTEROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "railcut/analyze.h"
#include "railcut/error.h"
#include "railcut/profile.h"
#include "railcut/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Export ---------------------------------------------------------------- */
typedef enum rc_export_format {
    RC_EXPORT_CSV = 0, /* time_s,rail_v,rail_a,ac_lost,ch_state; events as # lines */
    RC_EXPORT_VCD = 1, /* value change dump, timescale 1 us */
    RC_EXPORT_SR = 2,  /* sigrok session (zip, version 2) */
} rc_export_format;

/* "csv", "vcd" or "sr"; RC_ERR_ARG for anything else. */
rc_status rc_export_format_from_name(const char *name, rc_export_format *out, rc_error *err);

/* Channel selection, a bit mask. */
enum {
    RC_EXPORT_RAIL_V = 1u << 0,
    RC_EXPORT_RAIL_A = 1u << 1,
    RC_EXPORT_AC_LOST = 1u << 2,
    RC_EXPORT_CH_STATE = 1u << 3,
    RC_EXPORT_EVENTS = 1u << 4,
    RC_EXPORT_REF_RAIL_V = 1u << 5, /* a replay's reference rail (RC_REPLAY_REF_CHANNEL) */
    RC_EXPORT_ALL = 0x3fu,          /* ref_rail_v included when the trace has it */
};

/* "rail_v,ac_lost,events" -> mask; RC_ERR_ARG names an unknown channel.
 * Naming ref_rail_v makes rc_export fail with RC_ERR_NOT_FOUND on a trace
 * that has no such channel (only replays have one). */
rc_status rc_export_channels_parse(const char *list, unsigned *mask, rc_error *err);

typedef struct rc_export_options {
    rc_export_format format;
    int64_t from_us;   /* first time exported (inclusive) */
    int64_t to_us;     /* end (exclusive); INT64_MAX = to the end */
    unsigned channels; /* RC_EXPORT_* mask; events are ignored by .sr */
} rc_export_options;

/* CSV, everything, the whole trace. */
void rc_export_options_init(rc_export_options *opt);

typedef struct rc_export_stats {
    uint64_t samples; /* sample rows (sr: samples per channel, on the rate grid) */
    uint64_t events;
} rc_export_stats;

/* Writes the selected span and channels of t to out_path (created or
 * replaced). stats may be NULL. */
rc_status rc_export(rc_trace *t, const char *out_path, const rc_export_options *opt,
                    rc_export_stats *stats, rc_error *err);

/* ---- Import ---------------------------------------------------------------- */
typedef enum rc_import_format {
    RC_IMPORT_AUTO = 0, /* by extension: .sr -> sigrok, anything else -> CSV */
    RC_IMPORT_CSV = 1,  /* the CSV waveform rules of docs/profile-language.md */
    RC_IMPORT_SR = 2,   /* sigrok session: analog channels, one logic channel */
} rc_import_format;

rc_status rc_import_format_from_name(const char *name, rc_import_format *out, rc_error *err);

typedef struct rc_import_options {
    rc_import_format format;
    const char *rail_channel; /* sr: analog channel read as rail_v; NULL: one named
                               * "rail_v", else the first analog channel */
} rc_import_options;

void rc_import_options_init(rc_import_options *opt);

typedef struct rc_import_stats {
    uint64_t samples;
    uint32_t sample_rate_hz; /* of the first two samples (0 with one sample) */
    int64_t last_us;         /* time of the last sample, the first being 0 */
} rc_import_stats;

/* Reads a capture and writes it as a trace (backend "import", scenario test,
 * an empty profile). The capture is streamed, never loaded whole. CSV errors
 * are "file:line: message"; sigrok errors name the file and the member.
 * stats may be NULL. On failure no trace is left at trace_path. */
rc_status rc_import(const char *in_path, const char *trace_path, const rc_import_options *opt,
                    rc_import_stats *stats, rc_error *err);

/* ---- Replay ---------------------------------------------------------------- */
/* Default tolerance of the replay decimation: the profile's line stays
 * within this many millivolts of every recorded sample. */
#define RC_REPLAY_DEFAULT_TOL_MV 10

typedef struct rc_replay_options {
    int32_t tol_mv;     /* 0 keeps every sample as a point */
    int64_t observe_us; /* observation window after the last point; -1 = 120 s */
} rc_replay_options;

void rc_replay_options_init(rc_replay_options *opt);

/* Turns the rail_v and ac_lost samples of a trace into a piecewise-linear
 * profile, as a CSV waveform would be (load switch closed, 0..30 V, times
 * relative to the first sample, the trace's scenario), keeping only the points
 * needed to stay within tol_mv of every sample; an ac_lost change always
 * makes a point. `name` becomes the profile's file name. */
rc_status rc_replay_profile(rc_trace *t, const char *name, const rc_replay_options *opt,
                            rc_profile **out, rc_error *err);

/* rc_trace_open + rc_replay_profile, for `railcut run TRACE.rct`: the
 * profile has one parameter, `tol` (a voltage, default 10mV), that --set
 * changes; popt->observe_us overrides the window. Refuses a damaged trace. */
rc_status rc_replay_profile_load(const char *path, const rc_profile_options *popt,
                                 rc_profile **out, rc_error *err);

/* The channel a replay's new trace keeps the played rail in. */
#define RC_REPLAY_REF_CHANNEL "ref_rail_v"

/* rc_trace_writer_open_ex for a run of the profile at profile_path. When
 * that names a trace (.rct), the new trace also gets a reference channel,
 * RC_REPLAY_REF_CHANNEL (float32, in the original rail_v's unit), holding
 * the original's rail_v at each sample's time: its first sample is t = 0,
 * values between two samples on the straight line joining them, its last
 * value after its end. Otherwise it is rc_trace_writer_open_ex. */
rc_status rc_replay_writer_open(const char *trace_path, const rc_trace_header *hdr,
                                const rc_profile *profile, const char *profile_path,
                                const rc_trace_writer_options *opt, rc_trace_writer **out,
                                rc_error *err);

/* True when path names a trace (ends in ".rct"). */
bool rc_replay_is_trace_path(const char *path);

/* ---- Diff ------------------------------------------------------------------ */
typedef struct rc_diff_options {
    /* "first-outage" (the start of each trace's first raw episode), "start"
     * (t = 0), an event kind name ("ad1", "rail_fall", ...) or "mark:NAME":
     * the first such event of each trace. */
    const char *align;
    double tol_v;                /* max deviation allowed, volts */
    int64_t tol_us;              /* episode durations, AD1 times and latencies */
    rc_analysis_config analysis; /* thresholds used to find episodes */
} rc_diff_options;

#define RC_DIFF_DEFAULT_TOL_V 0.5
#define RC_DIFF_DEFAULT_TOL_US 100000LL

void rc_diff_options_init(rc_diff_options *opt);

/* One row of a side-by-side table: the i-th item of each trace. Times are
 * relative to each trace's alignment point. */
typedef struct rc_diff_row {
    bool in_a, in_b;
    int64_t a_us, b_us;         /* episode start / AD1 time */
    int64_t a_len_us, b_len_us; /* episode duration / AD1 latency (-1: no episode before) */
    bool beyond;                /* missing on one side, or a difference > tol_us */
} rc_diff_row;

typedef struct rc_diff {
    char align[64];
    int64_t align_a_us, align_b_us; /* alignment point in each trace's own time */
    rc_diff_row *episodes;
    size_t n_episodes;
    size_t n_episodes_a, n_episodes_b;
    rc_diff_row *ad1;
    size_t n_ad1;
    size_t n_ad1_a, n_ad1_b;
    double max_dev_v;      /* over the aligned overlap; 0 when nothing overlaps */
    int64_t max_dev_at_us; /* where, relative to the alignment point */
    int64_t overlap_us;    /* length of the aligned span compared */
    uint64_t grid_points;  /* points compared (A's sample times in the overlap) */
    bool within;           /* every figure within tolerance */
    char summary[256];     /* the first reason it is not, or "within tolerances" */
} rc_diff;

/* Compares b with a. RC_ERR_NOT_FOUND when the alignment event is missing
 * from either trace. */
rc_status rc_diff_traces(rc_trace *a, rc_trace *b, const rc_diff_options *opt, rc_diff **out,
                         rc_error *err);
void rc_diff_free(rc_diff *d);

rc_status rc_diff_report_text(FILE *out, const rc_diff *d, const char *a_path,
                              const char *b_path, const rc_diff_options *opt, rc_error *err);
rc_status rc_diff_report_json(FILE *out, const rc_diff *d, const char *a_path,
                              const char *b_path, const rc_diff_options *opt, rc_error *err);

#ifdef __cplusplus
}
#endif

#endif
