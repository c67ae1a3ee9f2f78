/*
 * csv.c - CSV waveforms (a scope capture or a hand-written table) read as a
 * rail profile.
 *
 * The first line that is neither blank nor a `#` comment is the header; it
 * must name one time column (time_s, time_ms or time_us) and one voltage
 * column (rail_v or rail_mv), and may name ac_lost (0/1). Every later row is
 * a point. Between consecutive points the setpoint moves linearly, so each
 * pair becomes one RAMP segment (HOLD when the voltage does not change)
 * carrying the AC Lost value of its first point. The load switch stays
 * closed throughout: a cut is written as a 0 V level. Times must strictly
 * increase; the first point is time 0, later ones are taken relative to it.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile_internal.h"

#define MAX_CELLS 64
#define MAX_CELL 64

enum { COL_NONE = -1 };

typedef rc_csv_columns columns;
typedef rc_csv_point point;
typedef rc_csv_rows reader;

static rc_status fail(const reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static rc_status fail(const reader *r, const char *fmt, ...)
{
    if (!r->err)
        return RC_ERR_PARSE;
    char msg[RC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A long message is cut short; its "file:line:" head survives. */
    int w = snprintf(r->err->msg, sizeof r->err->msg, "%s:%d: %s", r->name, r->line, msg);
    if (w < 0)
        r->err->msg[0] = '\0';
    return RC_ERR_PARSE;
}

/* Splits a line at commas into trimmed cells; returns -1 past MAX_CELLS. */
static int split(const char *line, size_t len, char cells[][MAX_CELL], bool *too_long)
{
    int n = 0;
    size_t i = 0;
    *too_long = false;
    for (;;) {
        if (n == MAX_CELLS)
            return -1;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && line[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t' ||
                               line[end - 1] == '\r'))
            end--;
        size_t w = end - start;
        if (w >= MAX_CELL) {
            *too_long = true;
            w = MAX_CELL - 1;
        }
        memcpy(cells[n], line + start, w);
        cells[n][w] = '\0';
        n++;
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

static bool blank_or_comment(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        i++;
    return i == len || line[i] == '#';
}

static rc_status read_header(reader *r, char cells[][MAX_CELL], int n, columns *c)
{
    static const struct { const char *name; int scale; bool time; } known[] = {
        {"time_s", 6, true}, {"time_ms", 3, true}, {"time_us", 0, true},
        {"rail_v", 3, false}, {"rail_mv", 0, false},
    };
    *c = (columns){COL_NONE, COL_NONE, COL_NONE, 0, 0, n};
    char found[RC_ERROR_MSG_MAX / 2] = "";
    for (int i = 0; i < n; i++) {
        size_t used = strlen(found);
        snprintf(found + used, sizeof found - used, "%s%.*s", i ? ", " : "", MAX_CELL - 1,
                 cells[i]);
        if (strcmp(cells[i], "ac_lost") == 0)
            c->ac_lost = i;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
            if (strcmp(cells[i], known[k].name) != 0)
                continue;
            int *col = known[k].time ? &c->time : &c->rail;
            if (*col != COL_NONE)
                return fail(r, "more than one %s column", known[k].time ? "time" : "voltage");
            *col = i;
            *(known[k].time ? &c->time_scale : &c->rail_scale) = known[k].scale;
        }
    }
    if (c->time == COL_NONE || c->rail == COL_NONE)
        return fail(r, "header needs a %s column (%s); found: %s",
                    c->time == COL_NONE ? "time" : "voltage",
                    c->time == COL_NONE ? "time_s, time_ms or time_us" : "rail_v or rail_mv",
                    found);
    return RC_OK;
}

/* A plain decimal with more than `scale` decimals: well formed, but finer
 * than the step the column is stored in. */
static bool finer_than_scale(const char *cell, int scale)
{
    const char *p = cell + (cell[0] == '-');
    size_t whole = strspn(p, "0123456789");
    if (p[whole] != '.')
        return false;
    size_t decimals = strspn(p + whole + 1, "0123456789");
    return whole + decimals > 0 && p[whole + 1 + decimals] == '\0' && decimals > (size_t)scale;
}

/* `step` names the column's resolution ("1 us", "1 mV") for messages. */
static rc_status read_value(const reader *r, const char *cell, const char *column, int scale,
                            const char *step, bool may_be_negative, int64_t *out)
{
    const char *unit;
    rc_error e;
    if (cell[0] == '\0')
        return fail(r, "empty %s cell", column);
    if (finer_than_scale(cell, scale))
        return fail(r, "bad %s value '%s': finer than %s", column, cell, step);
    if (rc_parse_decimal(cell, scale, out, &unit, &e) != RC_OK || *unit != '\0')
        return fail(r, "bad %s value '%s'", column, cell);
    if (!may_be_negative && *out < 0)
        return fail(r, "negative %s value '%s'", column, cell);
    return RC_OK;
}

static rc_status read_point(const reader *r, char cells[][MAX_CELL], int n, const columns *c,
                            point *pt)
{
    static const char *const time_names[] = {"time_us", "", "", "time_ms", "", "", "time_s"};
    if (n != c->n)
        return fail(r, "row has %d cells, the header has %d", n, c->n);
    int64_t mv;
    rc_status s = read_value(r, cells[c->time], time_names[c->time_scale], c->time_scale,
                             "1 us", true, &pt->t_us);
    if (s == RC_OK)
        s = read_value(r, cells[c->rail], c->rail_scale ? "rail_v" : "rail_mv", c->rail_scale,
                       "1 mV", false, &mv);
    if (s != RC_OK)
        return s;
    if (mv > 30000)
        return fail(r, "voltage '%s' is outside 0..30V", cells[c->rail]);
    pt->mv = (int32_t)mv;
    pt->ac_lost = false;
    if (c->ac_lost != COL_NONE) {
        const char *a = cells[c->ac_lost];
        if (strcmp(a, "0") != 0 && strcmp(a, "1") != 0)
            return fail(r, "bad ac_lost value '%s' (0 or 1)", a);
        pt->ac_lost = a[0] == '1';
    }
    pt->line = r->line;
    return RC_OK;
}

/* One segment from the previous point to this one, times relative to t0. */
static rc_status add_span(rc_profile *p, const reader *r, const point *from, const point *to,
                          int64_t t0)
{
    if (to->t_us <= from->t_us)
        return fail(r, "time does not increase (previous row at line %d)", from->line);
    if (p->n_segs >= RC_PROFILE_MAX_SEGMENTS)
        return fail(r, "more than %d segments", RC_PROFILE_MAX_SEGMENTS);
    rc_segment seg = {
        .kind = from->mv == to->mv ? RC_SEG_HOLD : RC_SEG_RAMP,
        .start_us = from->t_us - t0, .duration_us = to->t_us - from->t_us,
        .from_mv = from->mv, .to_mv = to->mv, .rail_on = true, .ac_lost = from->ac_lost,
        .wait_on = RC_WAIT_NONE, .file = 0, .line = from->line,
    };
    return rc_profile_push_segment(p, &seg) == RC_OK ? RC_OK
                                                    : rc_error_set(r->err, RC_ERR_NOMEM,
                                                                   "out of memory");
}

void rc_csv_rows_init(rc_csv_rows *r, const char *name, rc_error *err)
{
    *r = (rc_csv_rows){.name = name, .err = err, .line = 0};
}

rc_status rc_csv_rows_line(rc_csv_rows *r, const char *line, size_t n, rc_csv_point *pt,
                           bool *is_point)
{
    char cells[MAX_CELLS][MAX_CELL];
    bool too_long;
    *is_point = false;
    r->line++;
    if (memchr(line, '\0', n))
        return fail(r, "NUL byte in CSV text");
    if (blank_or_comment(line, n))
        return RC_OK;
    int n_cells = split(line, n, cells, &too_long);
    if (n_cells < 0)
        return fail(r, "more than %d columns", MAX_CELLS);
    if (too_long)
        return fail(r, "cell longer than %d characters", MAX_CELL - 1);
    if (!r->have_header) {
        r->have_header = true;
        return read_header(r, cells, n_cells, &r->cols);
    }
    rc_status s = read_point(r, cells, n_cells, &r->cols, pt);
    *is_point = s == RC_OK;
    return s;
}

static rc_status read_rows(rc_profile *p, reader *r, const char *text, size_t len)
{
    bool have_point = false, is_point;
    point first = {0}, prev = {0};
    size_t pos = 0;
    rc_status s = RC_OK;
    while (pos < len && s == RC_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        pos += n + 1;
        point pt;
        s = rc_csv_rows_line(r, line, n, &pt, &is_point);
        if (s != RC_OK || !is_point)
            continue;
        if (!have_point)
            first = pt;
        else
            s = add_span(p, r, &prev, &pt, first.t_us);
        if (s == RC_OK && pt.t_us - first.t_us > INT64_MAX / 4)
            s = fail(r, "waveform is too long");
        prev = pt;
        have_point = true;
    }
    if (s != RC_OK)
        return s;
    r->line = r->line > 0 ? r->line : 1;
    if (!r->have_header)
        return fail(r, "empty file: expected a header such as `time_s,rail_v,ac_lost`");
    if (!have_point)
        return fail(r, "no data rows after the header");
    if (p->observe_us > INT64_MAX / 2)
        return fail(r, "observation window is too long");
    rc_segment last = {
        .kind = RC_SEG_OBSERVE, .start_us = prev.t_us - first.t_us,
        .duration_us = p->observe_us, .from_mv = prev.mv, .to_mv = prev.mv, .rail_on = true,
        .ac_lost = prev.ac_lost, .wait_on = RC_WAIT_NONE, .file = 0, .line = prev.line,
    };
    if (rc_profile_push_segment(p, &last) != RC_OK)
        return rc_error_set(r->err, RC_ERR_NOMEM, "out of memory");
    p->nominal_us = last.start_us + last.duration_us;
    return RC_OK;
}

rc_status rc_profile_parse_csv(const char *name, const char *text, size_t len,
                               const rc_profile_options *opt, rc_profile **out, rc_error *err)
{
    if (!name || (!text && len) || !out)
        return rc_error_set(err, RC_ERR_ARG, "rc_profile_parse_csv: missing argument");
    *out = NULL;
    if (opt && opt->n_set > 0)
        return rc_error_set(err, RC_ERR_NOT_FOUND, "--set %s: a CSV waveform has no parameters",
                            opt->set[0]);
    rc_profile *p = rc_profile_new();
    int file;
    if (!p || rc_profile_add_file(p, name, &file) != RC_OK || !(p->source = malloc(len + 1))) {
        rc_profile_free(p);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    if (len)
        memcpy(p->source, text, len);
    p->source[len] = '\0';
    if (opt && opt->observe_us >= 0)
        p->observe_us = opt->observe_us;
    reader r;
    rc_csv_rows_init(&r, name, err);
    rc_status s = read_rows(p, &r, text ? text : "", len);
    if (s != RC_OK) {
        rc_profile_free(p);
        return s;
    }
    *out = p;
    return RC_OK;
}
