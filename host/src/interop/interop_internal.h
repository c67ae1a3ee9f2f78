/*
 * interop_internal.h - pieces shared by the exporters (export.c and the
 * export_<format>.c writers), the importers and replay.
 */
#ifndef RC_INTEROP_INTERNAL_H
#define RC_INTEROP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "railcut/interop.h"

/* Samples read per range when a reader walks a trace: memory stays at this
 * many rc_sample (or grid values) per open stream. */
#define RC_INTEROP_CHUNK_SAMPLES 65536

/* The events of t with from_us <= t_us < to_us, as a slice of
 * rc_trace_get_events (events are kept in memory by the reader). */
const rc_event *rc_interop_events_in(rc_trace *t, int64_t from_us, int64_t to_us, size_t *n);

/* Whether t has a replay's reference channel (RC_REPLAY_REF_CHANNEL), and
 * its index. The writers export it when RC_EXPORT_REF_RAIL_V is set; rc_export
 * clears that bit for traces without one. */
bool rc_interop_ref_channel(rc_trace *t, size_t *index);

/* Writers, one per format. `out` is open for writing; the caller closes it
 * and checks for write errors. */
rc_status rc_export_csv(rc_trace *t, FILE *out, const rc_export_options *opt,
                        rc_export_stats *stats, rc_error *err);
rc_status rc_export_vcd(rc_trace *t, FILE *out, const rc_export_options *opt,
                        rc_export_stats *stats, rc_error *err);
/* The sigrok writer creates the zip itself (libzip writes it at close). */
rc_status rc_export_sr(rc_trace *t, const char *out_path, const rc_export_options *opt,
                       rc_export_stats *stats, rc_error *err);

/* Where an importer puts its samples: the trace is created on the first
 * batch, when the sample rate is known. */
typedef struct rc_import_out {
    const char *trace_path;
    const char *source_path;
    rc_trace_writer *w;
    rc_import_stats stats;
    bool saw_run_end;      /* the capture carried its own run_end event */
    int64_t last_event_us; /* time of the last event written */
} rc_import_out;

/* Samples must start at 0 and strictly increase. */
rc_status rc_import_out_samples(rc_import_out *o, uint32_t rate_hz, const rc_sample *s,
                                size_t n, rc_error *err);
rc_status rc_import_csv(const char *path, rc_import_out *o, rc_error *err);
rc_status rc_import_sr(const char *path, const rc_import_options *opt, rc_import_out *o,
                       rc_error *err);

/* Seconds with six decimals ("181.500001"); returns the length written.
 * buf holds at least 24 bytes. */
int rc_interop_format_us(char *buf, int64_t t_us);

/* value * 10^decimals rounded and written as a fixed-point decimal with
 * that many decimals ("12.000"); trimmed of trailing zeros (and a bare
 * point) when trim is set ("12", "0.05"). Nothing for NaN. Returns the
 * length; buf holds at least 48 bytes. Hand-made: printf per value costs
 * more than reading the trace. */
int rc_interop_format_fixed(char *buf, double value, int decimals, bool trim);

#endif
