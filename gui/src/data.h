/*
 * data.h - the dashboard's only door to a trace: open, follow a growing file,
 * and ask for what one frame needs (per pixel column min/max from the trace's
 * summary pyramid, or the samples themselves when few enough are in view).
 * Everything goes through the library's reader (railcut/trace.h); no byte of
 * a .rct is parsed here.
 */
#ifndef DASH_DATA_H
#define DASH_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/analyze.h"
#include "railcut/error.h"
#include "railcut/event.h"
#include "railcut/trace.h"

/* One pixel column of the plot: the envelope of the samples that fall in it. */
typedef struct dash_column {
    uint32_t n;          /* samples in the column; 0 = nothing to draw */
    float v_min, v_max;
    float a_min, a_max;
    uint8_t ac_lost;     /* 1 when some sample had AC Lost asserted */
    uint8_t state;       /* the highest rc_ch_state of its samples: HOLDUP over
                          * READY over BOOTING over OFF, the more telling one
                          * of each pair a column may mix */
} dash_column;

/* What the plot of one trace needs for one frame. Memory depends on the
 * number of columns only, never on the trace's length. */
typedef struct dash_frame {
    int64_t t0_us;       /* trace time at the left edge of column 0 */
    int64_t span_us;     /* trace time across all columns */
    int n_cols;
    dash_column *cols;
    double *scratch;     /* 2 x n_cols: summary minima and maxima of one channel */
    rc_sample *raw;      /* the samples themselves when zoomed in ... */
    size_t n_raw;
    size_t raw_cap;      /* ... at most this many (2 per column) */
    bool raw_ok;         /* n_raw holds every sample in the span */
    uint64_t generation; /* trace generation the frame was computed from */
} dash_frame;

/* A sample looked up by time, remembered: the panel and the cursor readout ask
 * for the same few instants every frame. */
typedef struct dash_sample_memo {
    int64_t t_us;
    uint64_t generation;
    bool found;
    rc_sample s;
} dash_sample_memo;

#define DASH_SAMPLE_MEMOS 4

struct dash_job;

typedef struct dash_trace {
    char *path;
    rc_trace *t;
    rc_analysis *analysis;  /* NULL until the first analysis has finished */
    struct dash_job *job;   /* the analysis thread; NULL for an overlay */
    bool stale;             /* grown since the last analysis started */
    char analysis_error[RC_ERROR_MSG_MAX]; /* why the last analysis failed, else empty */
    const rc_event *events;
    size_t n_events;
    const rc_trace_header *hdr;
    const rc_profile *profile;
    const rc_trace_stats *stats;
    bool summarised;      /* the four rc_sample channels found: use rc_trace_summary */
    size_t ch[4];         /* their indices: rail_v, rail_a, ac_lost, ch_state */
    double analysed_ms;   /* monotonic time the last analysis started */
    uint64_t generation;  /* bumped whenever the trace grows */
    dash_sample_memo memo[DASH_SAMPLE_MEMOS];
    unsigned memo_next;
} dash_trace;

/* Opens a trace (fast: index and tail only). With analyse, the analyzer
 * runs on a thread of its own with its own reader, so the first frame does
 * not wait for a pass over every sample of a long trace. */
rc_status dash_trace_open(dash_trace *dt, const char *path, bool analyse, rc_error *err);
void dash_trace_close(dash_trace *dt);

/* Takes in a finished analysis, and starts the next one when the trace has
 * grown (at most once a second, and once more when its end chunk arrives).
 * Returns true when dt->analysis changed. */
bool dash_trace_poll_analysis(dash_trace *dt);
/* Blocks until the running analysis has finished, then takes it in. */
void dash_trace_wait_analysis(dash_trace *dt);

/* Follows a trace that is still being written (rc_trace_refresh). *grew
 * tells whether anything was added. */
rc_status dash_trace_follow(dash_trace *dt, bool *grew, rc_error *err);

/* True once the writer has closed the trace (its end chunk is there). */
bool dash_trace_complete(const dash_trace *dt);
int64_t dash_trace_end_us(const dash_trace *dt);

void dash_frame_init(dash_frame *f);
void dash_frame_free(dash_frame *f);

/* Fills f with n_cols columns over [t0_us, t0_us + span_us), skipping the
 * read when f already holds exactly that. With at most two samples a column
 * in view they are read one by one (raw); otherwise from the summary. */
rc_status dash_frame_query(dash_frame *f, dash_trace *dt, int64_t t0_us, int64_t span_us,
                           int n_cols, rc_error *err);

/* The last sample at or before t_us within one sample period and a bit;
 * *found is false when there is none (a gap, or before the first sample). */
rc_status dash_trace_sample_at(dash_trace *dt, int64_t t_us, rc_sample *out, bool *found,
                               rc_error *err);

/* Time of the first event of a kind; false when the trace has none. */
bool dash_trace_first_event(const dash_trace *dt, rc_event_kind kind, int64_t *t_us);

#endif
