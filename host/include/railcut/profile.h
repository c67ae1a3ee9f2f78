/*
 * railcut/profile.h - rail profiles: the .rail language and CSV waveforms,
 * compiled to one flat list of segments with exact integer-microsecond times.
 *
 * The same segment list drives every backend. A segment is a span of time in
 * which the supply setpoint follows a straight line (from_mv -> to_mv) and the
 * digital outputs (load switch, AC Lost) are constant. Instantaneous commands
 * of the language (level, cut, restore, ac_lost) change the state that the
 * next segment carries. Every compiled profile ends with an OBSERVE segment
 * (the observation window) in which alerts are still watched.
 *
 * State at t = 0, before the first command: setpoint = nominal (12 V), rail
 * cut (load switch open), AC Lost released. A bench starts with the CH unpowered.
 */
#ifndef RAILCUT_PROFILE_H
#define RAILCUT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"
#include "railcut/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rc_scenario {
    RC_SCENARIO_TEST = 0, /* anything else: no ESME check */
    RC_SCENARIO_OTA = 1,  /* a meter firmware activation: mp102a.esme applies */
    RC_SCENARIO_OUTAGE = 2, /* a real mains outage */
} rc_scenario;

const char *rc_scenario_name(rc_scenario s);
/* Returns RC_ERR_PARSE for an unknown name. */
rc_status rc_scenario_from_name(const char *name, rc_scenario *out);

typedef enum rc_seg_kind {
    RC_SEG_HOLD = 0,    /* hold the state for duration_us */
    RC_SEG_RAMP = 1,    /* setpoint moves linearly from from_mv to to_mv over duration_us */
    RC_SEG_WAIT = 2,    /* hold the state until wait_on happens, at most duration_us */
    RC_SEG_OBSERVE = 3, /* the final observation window: hold, alerts still watched */
} rc_seg_kind;

typedef enum rc_wait_on {
    RC_WAIT_NONE = 0,
    RC_WAIT_READY = 1,    /* CH ready */
    RC_WAIT_AD1 = 2,      /* an AD1 alert */
    RC_WAIT_RESTORED = 3, /* the CH's power-restored alert */
    RC_WAIT_DOWN = 4,     /* the CH stopped running */
} rc_wait_on;

const char *rc_seg_kind_name(rc_seg_kind kind);
const char *rc_wait_on_name(rc_wait_on w);

typedef struct rc_segment {
    rc_seg_kind kind;
    int64_t start_us;    /* nominal start: earlier waits counted at their time-out */
    int64_t duration_us; /* exact; for WAIT the time-out */
    int32_t from_mv;     /* supply setpoint at the start of the segment */
    int32_t to_mv;       /* ... and at its end (== from_mv unless RAMP) */
    bool rail_on;        /* load switch closed; false = rail cut */
    bool ac_lost;        /* AC Lost asserted */
    rc_wait_on wait_on;  /* WAIT only */
    int file;            /* index into rc_profile.files of the command's source */
    int line;            /* 1-based source line of the command that made it */
} rc_segment;

/* A named point ("mark NAME"): it happens when segment `segment` starts. */
typedef struct rc_mark {
    char *name;
    size_t segment;
} rc_mark;

typedef enum rc_expect_kind {
    RC_EXPECT_AD1 = 0,              /* expect ad1: at least one AD1 in the run */
    RC_EXPECT_NO_AD1 = 1,           /* expect no ad1 (observation window included) */
    RC_EXPECT_AD1_WINDOW = 2,       /* expect ad1 within/between ... after MARK */
    RC_EXPECT_MAX_OUTAGE_BELOW = 3, /* expect max_outage < T (strictly below) */
} rc_expect_kind;

typedef struct rc_expect {
    rc_expect_kind kind;
    int mark;          /* AD1_WINDOW: index into marks, -1 = start of run */
    int64_t lo_us;     /* AD1_WINDOW: window [lo, hi] after the mark, inclusive */
    int64_t hi_us;
    int64_t bound_us;  /* MAX_OUTAGE_BELOW */
    char *text;        /* the clause as written, e.g. "expect no ad1" */
    int file;
    int line;
} rc_expect;

/* A named parameter and the value it took (default or --set). */
typedef struct rc_param {
    char *name;
    char *value;      /* value text as used, e.g. "179.9s" */
    bool overridden;  /* set from the command line */
} rc_param;

typedef struct rc_profile {
    rc_scenario scenario;
    int32_t nominal_mv;      /* 100 % for "level 70%"; default 12000 */
    int64_t observe_us;      /* length of the final OBSERVE segment */
    int64_t nominal_us;      /* sum of all durations, observation included */
    rc_segment *segs;
    size_t n_segs;
    rc_mark *marks;
    size_t n_marks;
    rc_expect *expects;
    size_t n_expects;
    rc_param *params;
    size_t n_params;
    char **files;            /* files[0] is the main profile, then includes */
    size_t n_files;
    char *source;            /* text of the main profile file, for the trace header */
} rc_profile;

/* --set name=value from the command line, and other compile options. */
typedef struct rc_profile_options {
    const char *const *set;   /* "name=value" strings */
    size_t n_set;
    int64_t observe_us;       /* > = 0 overrides the profile's "observe"; -1 keeps it */
    long max_steps;           /* > 0 lowers the limit on commands executed with repeats
                               * expanded (default and ceiling 4000000); fuzzing uses it */
} rc_profile_options;

#define RC_PROFILE_OPTIONS_INIT {NULL, 0, -1, 0}
#define RC_DEFAULT_OBSERVE_US (120LL * 1000000LL)
#define RC_DEFAULT_NOMINAL_MV 12000

/* Loads and compiles a .rail profile. Errors are "file:line:col: message"
 * followed by the offending line and a caret line, in err. */
rc_status rc_profile_load(const char *path, const rc_profile_options *opt,
                          rc_profile **out, rc_error *err);

/* Same, from text in memory; `name` is used in messages and as the base for
 * relative includes (its directory). */
rc_status rc_profile_parse(const char *name, const char *text, size_t len,
                           const rc_profile_options *opt, rc_profile **out,
                           rc_error *err);

/* Loads a CSV waveform (see docs/profile-language.md, "CSV waveforms") as a
 * piecewise-linear profile with scenario test. Errors are "file:line: message". */
rc_status rc_profile_load_csv(const char *path, const rc_profile_options *opt,
                              rc_profile **out, rc_error *err);
rc_status rc_profile_parse_csv(const char *name, const char *text, size_t len,
                               const rc_profile_options *opt, rc_profile **out,
                               rc_error *err);

/* Picks the reader by extension (.csv -> CSV, anything else -> .rail). */
rc_status rc_profile_load_any(const char *path, const rc_profile_options *opt,
                              rc_profile **out, rc_error *err);

/* Builds an empty profile (used by trace readers that reconstruct one). */
rc_profile *rc_profile_new(void);
void rc_profile_free(rc_profile *p);

/* Index of the segment running at nominal time t (for "current segment"). */
size_t rc_profile_segment_at(const rc_profile *p, int64_t t_us);

#ifdef __cplusplus
}
#endif

#endif
