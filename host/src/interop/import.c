/*
 * import.c - `railcut import`: a scope or logger capture written as a trace.
 *
 * The importers (CSV here, sigrok in import_sr.c) read their input in
 * bounded pieces and hand samples to rc_import_out_samples, which creates
 * the trace on the first batch (the header needs the sample rate, known by
 * then) and writes through the ordinary trace writer. An imported trace has
 * backend "import", scenario test, an empty profile, and times from 0 at the
 * first sample. What the capture does not hold is NaN (rail_a) or 0
 * (ch_state: off), never made up. A capture is a complete recording, so
 * unless it carries its own, a run_end event (complete) closes it, and the
 * analyzer judges it like any finished run.
 *
 * CSV follows the CSV waveform rules of docs/profile-language.md through
 * the profile module's row reader (profile/csv.c), line by line, so errors
 * are "file:line: message" exactly as for `railcut run wave.csv`. Comment
 * lines of the form `# event,TIME_S,KIND,VALUE,TEXT`, as `railcut export`
 * writes them, become events again (times relative to the first sample
 * like the samples'), so a CSV export reads back with its events. Events
 * met before the trace exists (it is created with the first batch) wait in
 * a list; after that they are written as they come.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "interop/interop_internal.h"
#include "profile/profile_internal.h"
#include "railcut/version.h"

#define IMPORT_BATCH 4096

rc_status rc_import_format_from_name(const char *name, rc_import_format *out, rc_error *err)
{
    if (strcmp(name, "csv") == 0)
        *out = RC_IMPORT_CSV;
    else if (strcmp(name, "sr") == 0)
        *out = RC_IMPORT_SR;
    else
        return rc_error_set(err, RC_ERR_ARG, "unknown import format '%s' (csv or sr)", name);
    return RC_OK;
}

void rc_import_options_init(rc_import_options *opt)
{
    opt->format = RC_IMPORT_AUTO;
    opt->rail_channel = NULL;
}

static rc_status open_writer(rc_import_out *o, uint32_t rate_hz, rc_error *err)
{
    rc_trace_header h = {
        .start_unix_us = (int64_t)time(NULL) * 1000000,
        .railcut_version = RAILCUT_VERSION,
        .backend = "import",
        .scenario = "test",
        .profile_path = o->source_path,
        .sample_rate_hz = rate_hz,
        .outage_below_mv = 8000,
        .restore_above_mv = 9000,
    };
    rc_profile *p = rc_profile_new();
    if (!p)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = rc_trace_writer_open(o->trace_path, &h, p, &o->w, err);
    rc_profile_free(p);
    return st;
}

rc_status rc_import_out_samples(rc_import_out *o, uint32_t rate_hz, const rc_sample *s,
                                size_t n, rc_error *err)
{
    if (n == 0)
        return RC_OK;
    if (!o->w) {
        rc_status st = open_writer(o, rate_hz, err);
        if (st != RC_OK)
            return st;
        o->stats.sample_rate_hz = rate_hz;
    }
    o->stats.samples += n;
    o->stats.last_us = s[n - 1].t_us;
    return rc_trace_write_samples(o->w, s, n, err);
}

static rc_status import_event(rc_import_out *o, const rc_event *ev, rc_error *err)
{
    o->saw_run_end |= ev->kind == RC_EV_RUN_END;
    if (ev->t_us > o->last_event_us)
        o->last_event_us = ev->t_us;
    return rc_trace_write_event(o->w, ev, err);
}

/* The rate of two points dt apart, when it is a whole number of Hz. */
static uint32_t rate_of(int64_t dt_us)
{
    if (dt_us <= 0 || 1000000 % dt_us != 0)
        return 0;
    return (uint32_t)(1000000 / dt_us);
}

typedef struct csv_import {
    rc_import_out *o;
    rc_event *pending; /* events read before the trace was created */
    size_t n_pending, cap_pending;
    rc_sample batch[IMPORT_BATCH];
    size_t n;
    bool have_first;
    int64_t first_us;
    int64_t prev_us;
    int prev_line;
    uint32_t rate_hz;
} csv_import;

static rc_status flush_batch(csv_import *c, rc_error *err)
{
    rc_status st = rc_import_out_samples(c->o, c->rate_hz, c->batch, c->n, err);
    c->n = 0;
    for (size_t i = 0; st == RC_OK && c->o->w && i < c->n_pending; i++) {
        c->pending[i].t_us -= c->first_us;
        st = import_event(c->o, &c->pending[i], err);
    }
    if (c->o->w)
        c->n_pending = 0;
    return st;
}

static rc_status bad_event(const char *path, int line, const char *what, rc_error *err)
{
    return rc_error_set(err, RC_ERR_PARSE, "%s:%d: bad event line: %s", path, line, what);
}

/* "# event,TIME_S,KIND,VALUE,TEXT" (TEXT may be empty). */
static rc_status read_event(const char *path, int line, const char *text, size_t len,
                            rc_event *ev, rc_error *err)
{
    char buf[256];
    if (len >= sizeof buf)
        return bad_event(path, line, "too long", err);
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *cells[4];
    char *p = buf + strlen("# event,");
    for (int i = 0; i < 3; i++) {
        cells[i] = p;
        p = strchr(p, ',');
        if (!p)
            return bad_event(path, line, "expected # event,time_s,kind,value,text", err);
        *p++ = '\0';
    }
    cells[3] = p;
    int64_t t_us;
    const char *unit;
    rc_error e;
    if (rc_parse_decimal(cells[0], 6, &t_us, &unit, &e) != RC_OK || *unit)
        return bad_event(path, line, "time", err);
    rc_event_kind kind = rc_event_kind_from_name(cells[1]);
    if (kind == 0)
        return bad_event(path, line, "unknown kind", err);
    char *end;
    long value = strtol(cells[2], &end, 10);
    if (*end || end == cells[2] || value < INT32_MIN || value > INT32_MAX)
        return bad_event(path, line, "value", err);
    size_t tl = strlen(cells[3]);
    if (tl > 0 && cells[3][tl - 1] == '\r')
        cells[3][tl - 1] = '\0';
    rc_event_init(ev, t_us, kind, (int32_t)value, cells[3]);
    return RC_OK;
}

static rc_status add_event(csv_import *c, const char *path, int line, const char *text,
                           size_t len, rc_error *err)
{
    rc_event ev;
    rc_status st = read_event(path, line, text, len, &ev, err);
    if (st != RC_OK)
        return st;
    if (c->o->w) {
        ev.t_us -= c->first_us;
        return import_event(c->o, &ev, err);
    }
    if (c->n_pending == c->cap_pending) {
        size_t cap = c->cap_pending ? 2 * c->cap_pending : 64;
        rc_event *p = realloc(c->pending, cap * sizeof *p);
        if (!p)
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
        c->pending = p;
        c->cap_pending = cap;
    }
    c->pending[c->n_pending++] = ev;
    return RC_OK;
}

static rc_status add_point(csv_import *c, const char *path, const rc_csv_point *pt,
                           rc_error *err)
{
    if (!c->have_first) {
        c->have_first = true;
        c->first_us = pt->t_us;
    } else if (pt->t_us <= c->prev_us) {
        return rc_error_set(err, RC_ERR_PARSE,
                            "%s:%d: time does not increase (previous row at line %d)", path,
                            pt->line, c->prev_line);
    } else if (pt->t_us - c->first_us > INT64_MAX / 4) {
        return rc_error_set(err, RC_ERR_PARSE, "%s:%d: capture is too long", path, pt->line);
    }
    if (c->n == 1 && c->o->stats.samples == 0)
        c->rate_hz = rate_of(pt->t_us - c->prev_us);
    c->prev_us = pt->t_us;
    c->prev_line = pt->line;
    c->batch[c->n++] = (rc_sample){.t_us = pt->t_us - c->first_us,
                                   .rail_v = (float)pt->mv / 1000.0f,
                                   .rail_a = NAN,
                                   .ac_lost = pt->ac_lost,
                                   .ch_state = RC_CH_OFF};
    return c->n == IMPORT_BATCH ? flush_batch(c, err) : RC_OK;
}

rc_status rc_import_csv(const char *path, rc_import_out *o, rc_error *err)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return rc_error_set(err, RC_ERR_IO, "%s: %s", path, strerror(errno));
    csv_import *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(in);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    c->o = o;
    rc_csv_rows rows;
    rc_csv_rows_init(&rows, path, err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    rc_status st = RC_OK;
    while (st == RC_OK && (len = getline(&line, &cap, in)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            len--;
        rc_csv_point pt;
        bool is_point;
        st = rc_csv_rows_line(&rows, line, (size_t)len, &pt, &is_point);
        if (st == RC_OK && rows.have_header && strncmp(line, "# event,", 8) == 0)
            st = add_event(c, path, rows.line, line, (size_t)len, err);
        if (st == RC_OK && is_point)
            st = add_point(c, path, &pt, err);
    }
    if (st == RC_OK && ferror(in))
        st = rc_error_set(err, RC_ERR_IO, "%s: read error", path);
    int last_line = rows.line > 0 ? rows.line : 1;
    if (st == RC_OK && !rows.have_header)
        st =
            rc_error_set(err, RC_ERR_PARSE,
                         "%s:%d: empty file: expected a header such as `time_s,rail_v,ac_lost`",
                         path, last_line);
    else if (st == RC_OK && !c->have_first)
        st = rc_error_set(err, RC_ERR_PARSE, "%s:%d: no data rows after the header", path,
                          last_line);
    if (st == RC_OK)
        st = flush_batch(c, err);
    free(line);
    free(c->pending);
    free(c);
    fclose(in);
    return st;
}

static rc_import_format guess_format(const char *path)
{
    size_t n = strlen(path);
    return n >= 3 && strcmp(path + n - 3, ".sr") == 0 ? RC_IMPORT_SR : RC_IMPORT_CSV;
}

rc_status rc_import(const char *in_path, const char *trace_path, const rc_import_options *opt,
                    rc_import_stats *stats, rc_error *err)
{
    if (!in_path || !trace_path)
        return rc_error_set(err, RC_ERR_ARG, "rc_import: missing argument");
    rc_import_options defaults;
    rc_import_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    struct stat sb;
    if (stat(in_path, &sb) != 0)
        return rc_error_set(err, RC_ERR_IO, "%s: %s", in_path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return rc_error_set(err, RC_ERR_IO, "%s: not a regular file", in_path);
    rc_import_format f = opt->format == RC_IMPORT_AUTO ? guess_format(in_path) : opt->format;
    rc_import_out o = {.trace_path = trace_path, .source_path = in_path};
    rc_status st = f == RC_IMPORT_SR ? rc_import_sr(in_path, opt, &o, err)
                                     : rc_import_csv(in_path, &o, err);
    int64_t end_us = o.stats.last_us > o.last_event_us ? o.stats.last_us : o.last_event_us;
    if (st == RC_OK && o.w && !o.saw_run_end) {
        rc_event ev;
        rc_event_init(&ev, end_us, RC_EV_RUN_END, 0 /* complete */, "import");
        st = rc_trace_write_event(o.w, &ev, err);
    }
    if (o.w) {
        rc_error close_err;
        rc_status cst = rc_trace_writer_close(o.w, end_us, &close_err);
        if (st == RC_OK && cst != RC_OK) {
            st = cst;
            if (err)
                *err = close_err;
        }
    }
    if (st != RC_OK && o.w)
        remove(trace_path);
    if (st == RC_OK && stats)
        *stats = o.stats;
    return st;
}
