/*
 * profile.c - the compiled profile object: names of its enums, allocation,
 * growth of its arrays, file loading, and lookup of the segment at a time.
 *
 * An rc_profile owns every array and string it points to. Segments are kept
 * in time order with start_us non-decreasing, which lets
 * rc_profile_segment_at binary-search them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "profile/profile_internal.h"

static const char *const scenario_names[] = {"test", "ota", "outage"};

const char *rc_scenario_name(rc_scenario s)
{
    if ((unsigned)s < sizeof scenario_names / sizeof scenario_names[0])
        return scenario_names[s];
    return "unknown";
}

rc_status rc_scenario_from_name(const char *name, rc_scenario *out)
{
    for (size_t i = 0; i < sizeof scenario_names / sizeof scenario_names[0]; i++) {
        if (name && strcmp(name, scenario_names[i]) == 0) {
            *out = (rc_scenario)i;
            return RC_OK;
        }
    }
    return RC_ERR_PARSE;
}

const char *rc_seg_kind_name(rc_seg_kind kind)
{
    switch (kind) {
    case RC_SEG_HOLD: return "hold";
    case RC_SEG_RAMP: return "ramp";
    case RC_SEG_WAIT: return "wait";
    case RC_SEG_OBSERVE: return "observe";
    }
    return "unknown";
}

const char *rc_wait_on_name(rc_wait_on w)
{
    switch (w) {
    case RC_WAIT_NONE: return "none";
    case RC_WAIT_READY: return "ready";
    case RC_WAIT_AD1: return "ad1";
    case RC_WAIT_RESTORED: return "restored";
    case RC_WAIT_DOWN: return "down";
    }
    return "unknown";
}

rc_profile *rc_profile_new(void)
{
    rc_profile *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->scenario = RC_SCENARIO_TEST;
    p->nominal_mv = RC_DEFAULT_NOMINAL_MV;
    p->observe_us = RC_DEFAULT_OBSERVE_US;
    return p;
}

void rc_profile_free(rc_profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_marks; i++)
        free(p->marks[i].name);
    for (size_t i = 0; i < p->n_expects; i++)
        free(p->expects[i].text);
    for (size_t i = 0; i < p->n_params; i++) {
        free(p->params[i].name);
        free(p->params[i].value);
    }
    for (size_t i = 0; i < p->n_files; i++)
        free(p->files[i]);
    free(p->segs);
    free(p->marks);
    free(p->expects);
    free(p->params);
    free(p->files);
    free(p->source);
    free(p);
}

rc_status rc_profile_push_segment(rc_profile *p, const rc_segment *seg)
{
    /* Capacity is the next power of two at or above n_segs. */
    size_t n = p->n_segs;
    if (n == 0 || (n & (n - 1)) == 0) {
        size_t cap = n ? n * 2 : 16;
        rc_segment *grown = realloc(p->segs, cap * sizeof *grown);
        if (!grown)
            return RC_ERR_NOMEM;
        p->segs = grown;
    }
    p->segs[p->n_segs++] = *seg;
    return RC_OK;
}

rc_status rc_profile_add_file(rc_profile *p, const char *name, int *out)
{
    char **grown = realloc(p->files, (p->n_files + 1) * sizeof *grown);
    if (!grown)
        return RC_ERR_NOMEM;
    p->files = grown;
    p->files[p->n_files] = strdup(name);
    if (!p->files[p->n_files])
        return RC_ERR_NOMEM;
    *out = (int)p->n_files++;
    return RC_OK;
}

rc_status rc_profile_read_file(const char *path, char **text, size_t *len, rc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rc_error_set(err, RC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return rc_error_set(err, RC_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > RC_PROFILE_MAX_FILE_BYTES) {
        fclose(f);
        return rc_error_set(err, RC_ERR_IO, "%s: larger than %u bytes", path,
                            RC_PROFILE_MAX_FILE_BYTES);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return rc_error_set(err, RC_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t got = fread(buf, 1, size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != size) {
        free(buf);
        return rc_error_set(err, RC_ERR_IO, "cannot read %s", path);
    }
    buf[size] = '\0';
    *text = buf;
    *len = size;
    return RC_OK;
}

typedef rc_status (*parse_fn)(const char *, const char *, size_t, const rc_profile_options *,
                              rc_profile **, rc_error *);

static rc_status load_with(parse_fn parse, const char *path, const rc_profile_options *opt,
                           rc_profile **out, rc_error *err)
{
    if (!path || !out)
        return rc_error_set(err, RC_ERR_ARG, "no profile path");
    char *text;
    size_t len;
    rc_status st = rc_profile_read_file(path, &text, &len, err);
    if (st != RC_OK)
        return st;
    st = parse(path, text, len, opt, out, err);
    free(text);
    return st;
}

rc_status rc_profile_load(const char *path, const rc_profile_options *opt, rc_profile **out,
                          rc_error *err)
{
    return load_with(rc_profile_parse, path, opt, out, err);
}

rc_status rc_profile_load_csv(const char *path, const rc_profile_options *opt,
                              rc_profile **out, rc_error *err)
{
    return load_with(rc_profile_parse_csv, path, opt, out, err);
}

rc_status rc_profile_load_any(const char *path, const rc_profile_options *opt,
                              rc_profile **out, rc_error *err)
{
    size_t n = path ? strlen(path) : 0;
    if (n >= 4 && strcasecmp(path + n - 4, ".csv") == 0)
        return rc_profile_load_csv(path, opt, out, err);
    return rc_profile_load(path, opt, out, err);
}

size_t rc_profile_segment_at(const rc_profile *p, int64_t t_us)
{
    if (!p || p->n_segs == 0)
        return 0;
    /* The last segment whose start is at or before t: starts never decrease,
     * and only the observation window may be zero-length (it comes last). */
    size_t lo = 0, hi = p->n_segs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->segs[mid].start_us <= t_us)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}
