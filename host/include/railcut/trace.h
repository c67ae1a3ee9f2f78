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
 * and an end chunk. Everything a user sees (verdicts, info, later the
 * dashboard and exports) is read from here.
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
#define RC_TRACE_VERSION_MINOR 0

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
} rc_trace_stats;

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

#ifdef __cplusplus
}
#endif

#endif
