/*
 * railcut/trace.h - the .rct trace container: writer and reader.
 *
 * A trace is a file header followed by append-only chunks, each with a type,
 * a length and a CRC-32 (zlib's), so new chunk types can be added without
 * breaking old readers, and a killed recorder loses at most what it had not
 * yet flushed. The byte layout is specified in docs/trace-format.md.
 *
 * What a trace holds: a header (start time in UTC, backend, scenario, profile
 * path and text, profile parameters, CH and supply parameters, sample rate,
 * crossing thresholds), the compiled profile (segments, marks, expectations),
 * channel descriptors (name, unit, storage type), sample blocks, event blocks
 * and an end chunk. Version 1.1 adds raw int16 channels with gain and
 * offset, a min/max/mean summary pyramid written as data arrives, index
 * chunks (so a finished, live or crashed file opens without reading it
 * all), (UTC, device time) pairs, records of samples a recorder lost, and
 * events annotated after the run. Everything a user sees (verdicts, info,
 * the dashboard and exports) is read from here.
 */
#ifndef RAILCUT_TRACE_H
#define RAILCUT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"
#include "railcut/event.h"
#include "railcut/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_TRACE_VERSION_MAJOR 1
#define RC_TRACE_VERSION_MINOR 1

/* How a channel's values are stored in sample blocks. */
typedef enum rc_trace_storage {
    RC_TRACE_STORE_F32 = 1, /* IEEE binary32, already in units (the sim's rails) */
    RC_TRACE_STORE_U8 = 2,  /* small integers: flags and states */
    RC_TRACE_STORE_I16 = 3, /* raw ADC codes: value = code * gain + offset (1.1) */
} rc_trace_storage;

/* A channel as stored in CHAN (and, for gain and offset, SCAL). For F32 and
 * U8 channels gain is 1 and offset 0. */
typedef struct rc_trace_channel {
    const char *name; /* "rail_v", ...: ASCII, 1..255 bytes */
    const char *unit; /* "V", "A", "bool", "enum" */
    rc_trace_storage storage;
    double gain;
    double offset;
} rc_trace_channel;

typedef struct rc_kv {
    char *key;
    char *value;
} rc_kv;

/* Header metadata. Strings are owned by whoever built the struct; the
 * reader's copy lives as long as the rc_trace. */
typedef struct rc_trace_header {
    int64_t start_unix_us;     /* UTC wall clock at t = 0, microseconds since 1970 */
    const char *railcut_version;
    const char *backend;       /* "sim", ... */
    const char *scenario;      /* "ota", "outage", "test" (after --scenario) */
    const char *profile_path;
    uint32_t sample_rate_hz;
    int32_t outage_below_mv;
    int32_t restore_above_mv;
    const rc_kv *model_params; /* CH and supply parameters, name -> value text */
    size_t n_model_params;
} rc_trace_header;

/* ---- Writer ---------------------------------------------------------------- */
typedef struct rc_trace_writer rc_trace_writer;

/* Creates the file (parent directory must exist), writes the header and the
 * compiled profile, and flushes. Fails before any run starts if the path is
 * not writable. */
rc_status rc_trace_writer_open(const char *path, const rc_trace_header *hdr,
                               const rc_profile *profile, rc_trace_writer **out,
                               rc_error *err);

/* Buffered; a block is written when it fills (4096 samples, 256 events),
 * when the sample period changes, or on flush. Sample times must strictly
 * increase and event times must not decrease across calls: anything else is
 * refused with RC_ERR_ARG, because readers would take it for damage. */
rc_status rc_trace_write_samples(rc_trace_writer *w, const rc_sample *s, size_t n,
                                 rc_error *err);
rc_status rc_trace_write_event(rc_trace_writer *w, const rc_event *ev, rc_error *err);

/* Writes buffered blocks and fflush()es so a reader (or a crash) sees them. */
rc_status rc_trace_writer_flush(rc_trace_writer *w, rc_error *err);

/* Writes the end chunk (end reason, last time), flushes, fsyncs and closes.
 * w is freed even when an error is returned. */
rc_status rc_trace_writer_close(rc_trace_writer *w, int64_t end_us, rc_error *err);

/* Convenience: an rc_sink that writes to w (for rc_run). */
struct rc_sink;
void rc_trace_writer_sink(rc_trace_writer *w, struct rc_sink *sink);

/* Default bound of the writer thread's queue: samples and events waiting to
 * be encoded. Memory stays at this plus one block per channel, however long
 * the run. */
#define RC_TRACE_QUEUE_BYTES (4u * 1024u * 1024u)
/* Default longest wall time between two flushes of the writer thread. */
#define RC_TRACE_FLUSH_US 250000

/* Fills reference channels for n samples: values[r][i] is reference
 * channel r at the time of s[i] (see rc_trace_writer_options). */
typedef void (*rc_trace_ref_fn)(void *ctx, const rc_sample *s, size_t n, float *const *values);

typedef struct rc_trace_writer_options {
    /* The channels; NULL means the four channels of rc_sample (rail_v,
     * rail_a as F32, ac_lost, ch_state as U8), the only layout that
     * rc_trace_write_samples accepts. Others are written with
     * rc_trace_write_columns. */
    const rc_trace_channel *channels;
    size_t n_channels;
    /* Samples per SAMP block, 16..65536 (0: 4096). */
    uint32_t block_samples;
    /* Encode and write on a writer thread behind a bounded queue. The
     * thread flushes at least every flush_us of wall time and writes a
     * (UTC, device time) pair with each flush. When the queue is full the
     * producer waits at most max_wait_us; samples and events that still do
     * not fit are counted as lost and a LOST chunk records how many and
     * when, so an overrun is never silent. */
    bool threaded;
    size_t queue_bytes; /* 0: RC_TRACE_QUEUE_BYTES */
    int64_t flush_us;   /* 0: RC_TRACE_FLUSH_US */
    int64_t max_wait_us; /* 0: 100 ms */
    /* Reference channels: F32 channels stored after the four of rc_sample
     * (channels must be NULL), so rc_trace_write_samples still takes
     * rc_sample; their values for each written sample come from ref_fn,
     * called where samples are encoded (on the writer thread when
     * threaded). A replay keeps the rail it plays this way (ref_rail_v).
     * ref_free(ref_ctx), when set, is called once the writer no longer needs
     * the context: at close, or when the open fails. */
    const rc_trace_channel *ref_channels;
    size_t n_ref_channels;
    rc_trace_ref_fn ref_fn;
    void (*ref_free)(void *ctx);
    void *ref_ctx;
} rc_trace_writer_options;

/* rc_trace_writer_open with options (NULL: the defaults, unthreaded). */
rc_status rc_trace_writer_open_ex(const char *path, const rc_trace_header *hdr,
                                  const rc_profile *profile,
                                  const rc_trace_writer_options *opt, rc_trace_writer **out,
                                  rc_error *err);

/* Writes n samples at t0_us + i * period_us (period_us > 0 when n > 1), one
 * array per channel in CHAN order, each in its channel's storage type
 * (float, uint8_t, int16_t), native byte order. The first time must follow
 * the last sample written. */
rc_status rc_trace_write_columns(rc_trace_writer *w, int64_t t0_us, int64_t period_us, size_t n,
                                 const void *const *columns, rc_error *err);

/* Records that the device time device_us corresponded to the UTC wall clock
 * unix_us. The threaded writer writes one itself at every flush (wall clock
 * now, last sample time); backends that know better call this. */
rc_status rc_trace_write_time_pair(rc_trace_writer *w, int64_t unix_us, int64_t device_us,
                                   rc_error *err);

typedef struct rc_trace_writer_stats {
    uint64_t samples;       /* accepted and written (or queued to be) */
    uint64_t events;
    uint64_t samples_lost;  /* dropped because the queue stayed full */
    uint64_t events_lost;
    uint64_t overruns;      /* LOST records written */
    uint64_t flushes;
    size_t queue_bytes;     /* the bound */
    size_t queue_peak_bytes;
} rc_trace_writer_stats;

/* A snapshot; safe to call while the writer thread runs. */
void rc_trace_writer_get_stats(rc_trace_writer *w, rc_trace_writer_stats *out);

/* ---- Reader ---------------------------------------------------------------- */
typedef struct rc_trace rc_trace;

typedef struct rc_trace_damage {
    bool damaged;      /* the file could not be read to its end */
    uint64_t offset;   /* byte offset where the damage starts */
    char reason[256];  /* e.g. "chunk 12 (SAMP): CRC mismatch" */
} rc_trace_damage;

typedef struct rc_trace_stats {
    uint64_t file_bytes;
    uint64_t chunks;
    uint64_t samples;
    uint64_t events;
    int64_t first_us;   /* first sample or event time */
    int64_t last_us;    /* last sample or event time */
    bool complete;      /* an end chunk was found */
    int64_t end_us;     /* from the end chunk, else last_us */
    uint32_t end_reason; /* from the end chunk: the value of the last run-end
                          * event (0 complete, 1 stopped, 2 device error), 255
                          * when the writer closed without one; 0 if incomplete */
    /* 1.1 */
    uint64_t samples_lost;  /* sum over LOST records: the recorder overran */
    uint64_t events_lost;
    uint64_t annotations;   /* events added after the run (ANNO) */
    uint64_t pending_bytes; /* a half-written chunk at the end of a growing
                             * file (fast open, follow): not yet written,
                             * not damage */
    bool indexed;           /* opened from the file's index (fast open) */
} rc_trace_stats;

/* A stretch the recorder could not keep: from a LOST chunk. */
typedef struct rc_trace_gap {
    int64_t from_us; /* first and last lost sample time */
    int64_t to_us;
    uint64_t samples;
    uint64_t events;
} rc_trace_gap;

/* Opens a trace and reads it up to its end or up to the first damage. A
 * damaged file still opens (rc_trace_damage says where it stops); a file
 * whose header itself is unreadable fails with RC_ERR_FORMAT. */
rc_status rc_trace_open(const char *path, rc_trace **out, rc_error *err);
void rc_trace_close(rc_trace *t);

/* The header's strings are never NULL (empty when the HEAD chunk was not
 * read); the profile is never NULL (empty when the PROF chunk was not read). */
const rc_trace_header *rc_trace_get_header(const rc_trace *t);
void rc_trace_get_version(const rc_trace *t, unsigned *major, unsigned *minor);
const rc_profile *rc_trace_get_profile(const rc_trace *t);
const rc_trace_damage *rc_trace_get_damage(const rc_trace *t);
const rc_trace_stats *rc_trace_get_stats(const rc_trace *t);

/* All events, in time order (events are sparse; they are kept in memory). */
const rc_event *rc_trace_get_events(const rc_trace *t, size_t *count);

/* Streams the samples with from_us <= t_us < to_us to fn, in time order, in
 * batches. Reads from disk; memory use does not grow with the trace. Stops
 * early if fn returns non-zero. */
typedef int (*rc_sample_fn)(void *ctx, const rc_sample *s, size_t n);
rc_status rc_trace_read_samples(rc_trace *t, int64_t from_us, int64_t to_us,
                                rc_sample_fn fn, void *ctx, rc_error *err);

/* ---- Reader: 1.1 additions ------------------------------------------------- */
/*
 * The reader API for tools (analyzer, CLI, exports, dashboard):
 *   open         rc_trace_open (checks every chunk) or rc_trace_open_ex
 *                with RC_TRACE_OPEN_FAST (index + tail only)
 *   channels     rc_trace_get_channels
 *   read range   rc_trace_read_raw (stored codes), rc_trace_read_values (units),
 *                rc_trace_read_samples (rc_sample, the four standard channels),
 *                rc_trace_read_rows (rc_sample and any other channels)
 *   summary      rc_trace_summary: min/max/mean for N columns over a span
 *   events       rc_trace_get_events (recorded and annotated, in time order),
 *                rc_trace_event_source
 *   follow       rc_trace_refresh on a file that is still being written
 *   time         rc_trace_utc_to_device, rc_trace_device_to_utc
 */

enum {
    /* Walk every chunk and check every CRC (what rc_trace_open does). */
    RC_TRACE_OPEN_VERIFY = 0,
    /* Read the preamble, the last index and the chunks after it only: the
     * cost does not grow with the file. Sample and summary chunks are
     * checked when they are read; damage in them is reported then (as
     * RC_ERR_FORMAT from the read), not at open. A half-written last chunk
     * counts as pending, not damage. */
    RC_TRACE_OPEN_FAST = 1,
};
rc_status rc_trace_open_ex(const char *path, unsigned flags, rc_trace **out, rc_error *err);

/* Reads what was appended since open or the last refresh (follow mode for a
 * file that is still being written). *grew tells whether anything new was
 * taken in. A half-written last chunk is left for the next refresh. Damage
 * found in the new part is recorded in rc_trace_damage as at open. */
rc_status rc_trace_refresh(rc_trace *t, bool *grew, rc_error *err);

/* The channels in CHAN order; empty before CHAN was read. Strings live as
 * long as t. */
const rc_trace_channel *rc_trace_get_channels(const rc_trace *t, size_t *count);

/* Streams one channel's samples with from_us <= t < to_us in runs that
 * share one period: values[i] is at t0_us + i * period_us. Raw gives the
 * stored values (float for F32, int16_t for I16, uint8_t for U8); values
 * gives them in units (code * gain + offset). Stops when fn returns
 * non-zero. */
typedef int (*rc_trace_raw_fn)(void *ctx, int64_t t0_us, int64_t period_us, const void *values,
                               size_t n);
typedef int (*rc_trace_values_fn)(void *ctx, int64_t t0_us, int64_t period_us,
                                  const double *values, size_t n);
rc_status rc_trace_read_raw(rc_trace *t, size_t channel, int64_t from_us, int64_t to_us,
                            rc_trace_raw_fn fn, void *ctx, rc_error *err);
rc_status rc_trace_read_values(rc_trace *t, size_t channel, int64_t from_us, int64_t to_us,
                               rc_trace_values_fn fn, void *ctx, rc_error *err);

/* rc_trace_read_samples with more channels: with each batch of n samples,
 * extra[j][i] is channel channels[j] (any channel, in units) at s[i]'s
 * time. Exports use it for the channels that rc_sample has no field for
 * (a replay's ref_rail_v). Stops when fn returns non-zero. */
typedef int (*rc_trace_rows_fn)(void *ctx, const rc_sample *s, const double *const *extra,
                                size_t n);
rc_status rc_trace_read_rows(rc_trace *t, int64_t from_us, int64_t to_us,
                             const size_t *channels, size_t n_channels, rc_trace_rows_fn fn,
                             void *ctx, rc_error *err);

/* Splits [from_us, to_us) into n_columns equal spans and gives each one's
 * minimum, maximum and mean in units (NaN where a span holds no sample,
 * including columns after the last sample). Reads the coarsest summary
 * level whose entries (64^k samples) are no wider than a column; each
 * column is widened to whole entries of that level, so its min/max
 * envelope (and the samples its mean is over) may take in up to one entry
 * beyond each of its edges, never beyond [from_us, to_us) itself: the span's
 * two ends are exact. The data touched grows with n_columns (1 to 65
 * entries a column), not with the span. Below 64 samples per column it is
 * exact: the result equals a pass over the samples (means up to float
 * rounding). Any of min, max, mean may be NULL. */
rc_status rc_trace_summary(rc_trace *t, size_t channel, int64_t from_us, int64_t to_us,
                           size_t n_columns, double *min, double *max, double *mean,
                           rc_error *err);

/* The stretches lost to recorder overruns (LOST chunks), in time order. */
const rc_trace_gap *rc_trace_get_gaps(const rc_trace *t, size_t *count);

/* For event i of rc_trace_get_events: NULL when it was recorded by the run,
 * else the source given when it was annotated ("wan-hes", ...). */
const char *rc_trace_event_source(const rc_trace *t, size_t index);

/* Device time <-> UTC through the recorded time pairs (TIME chunks): the
 * nearest pair at or before the instant (else the first), offset applied;
 * without pairs, the header's start_unix_us is the pair for t = 0. */
int64_t rc_trace_utc_to_device(const rc_trace *t, int64_t unix_us);
int64_t rc_trace_device_to_utc(const rc_trace *t, int64_t device_us);

/* ---- After the run ----------------------------------------------------------- */

/* Appends events to a trace as one ANNO chunk with their source and fsyncs.
 * The trace must read to its end without damage (repair it first), and
 * events must be in time order. */
rc_status rc_trace_annotate(const char *path, const rc_event *events, size_t n,
                            const char *source, rc_error *err);

typedef struct rc_trace_repair_report {
    bool was_damaged;
    bool was_complete;
    uint64_t lost_offset; /* where the damage started in the input */
    uint64_t lost_bytes;  /* input bytes after it that could not be kept */
    uint64_t samples;     /* kept */
    uint64_t events;      /* kept, annotations included */
} rc_trace_repair_report;

/* Writes everything readable in in_path to a new, clean out_path: the
 * same header, profile, channels, samples, events, annotations, time pairs
 * and gaps, then a note event saying what was lost (when something was) and
 * an END chunk (the original one when it was read). */
rc_status rc_trace_repair(const char *in_path, const char *out_path,
                          rc_trace_repair_report *rep, rc_error *err);

#ifdef __cplusplus
}
#endif

#endif
