/*
 * export.c - `railcut export`: the options shared by every format, the
 * channel list, and the dispatch to one writer per format (export_csv.c,
 * export_vcd.c, export_sr.c).
 *
 * Every writer streams: samples come from rc_trace_read_rows over the
 * requested span in the reader's batches (the four channels of rc_sample,
 * and a replay's reference rail beside them when it is exported), events from the reader's
 * in-memory list, so memory does not grow with the trace.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interop/interop_internal.h"

static const struct {
    const char *name;
    unsigned bit;
} channel_names[] = {
    {"rail_v", RC_EXPORT_RAIL_V},   {"rail_a", RC_EXPORT_RAIL_A},
    {"ac_lost", RC_EXPORT_AC_LOST}, {"ch_state", RC_EXPORT_CH_STATE},
    {"events", RC_EXPORT_EVENTS},   {RC_REPLAY_REF_CHANNEL, RC_EXPORT_REF_RAIL_V},
};

rc_status rc_export_format_from_name(const char *name, rc_export_format *out, rc_error *err)
{
    static const char *const names[] = {"csv", "vcd", "sr"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (rc_export_format)i;
            return RC_OK;
        }
    return rc_error_set(err, RC_ERR_ARG, "unknown format '%s' (csv, vcd or sr)", name);
}

rc_status rc_export_channels_parse(const char *list, unsigned *mask, rc_error *err)
{
    *mask = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; i < sizeof channel_names / sizeof channel_names[0]; i++)
            if (strlen(channel_names[i].name) == n &&
                strncmp(p, channel_names[i].name, n) == 0) {
                *mask |= channel_names[i].bit;
                known = true;
            }
        if (!known)
            return rc_error_set(err, RC_ERR_ARG,
                                "unknown channel '%.*s' (rail_v, rail_a, ac_lost, ch_state, "
                                "events, ref_rail_v)",
                                (int)n, p);
        if (p[n] == '\0')
            return RC_OK;
        p += n + 1;
    }
}

void rc_export_options_init(rc_export_options *opt)
{
    opt->format = RC_EXPORT_CSV;
    opt->from_us = INT64_MIN;
    opt->to_us = INT64_MAX;
    opt->channels = RC_EXPORT_ALL;
}

bool rc_interop_ref_channel(rc_trace *t, size_t *index)
{
    size_t n;
    const rc_trace_channel *ch = rc_trace_get_channels(t, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ch[i].name, RC_REPLAY_REF_CHANNEL) == 0) {
            *index = i;
            return true;
        }
    return false;
}

const rc_event *rc_interop_events_in(rc_trace *t, int64_t from_us, int64_t to_us, size_t *n)
{
    size_t count;
    const rc_event *ev = rc_trace_get_events(t, &count);
    size_t lo = 0;
    while (lo < count && ev[lo].t_us < from_us)
        lo++;
    size_t hi = lo;
    while (hi < count && ev[hi].t_us < to_us)
        hi++;
    *n = hi - lo;
    return ev + lo;
}

/* mag / 10^decimals, a point, mag % 10^decimals (trailing zeros and a bare
 * point dropped when trim is set). */
static int put_scaled(char *buf, bool negative, uint64_t mag, int decimals, bool trim)
{
    char frac[16], whole[24];
    assert(decimals >= 0 && decimals < (int)sizeof frac);
    for (int i = decimals - 1; i >= 0; i--, mag /= 10)
        frac[i] = (char)('0' + mag % 10);
    int n_frac = decimals;
    while (trim && n_frac > 0 && frac[n_frac - 1] == '0')
        n_frac--;
    int n_whole = 0;
    do {
        whole[n_whole++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    int len = 0;
    if (negative)
        buf[len++] = '-';
    while (n_whole > 0)
        buf[len++] = whole[--n_whole];
    if (n_frac > 0) {
        buf[len++] = '.';
        memcpy(buf + len, frac, (size_t)n_frac);
        len += n_frac;
    }
    buf[len] = '\0';
    return len;
}

int rc_interop_format_us(char *buf, int64_t t_us)
{
    uint64_t mag = t_us < 0 ? (uint64_t)0 - (uint64_t)t_us : (uint64_t)t_us;
    return put_scaled(buf, t_us < 0, mag, 6, false);
}

int rc_interop_format_fixed(char *buf, double value, int decimals, bool trim)
{
    assert(decimals >= 0 && decimals <= 9);
    static const double scale[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (isnan(value)) {
        buf[0] = '\0';
        return 0;
    }
    double scaled = round(value * scale[decimals]);
    if (!(fabs(scaled) < 9e15))
        return sprintf(buf, "%.*e", decimals, value);
    int64_t v = (int64_t)scaled;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return put_scaled(buf, v < 0, mag, decimals, trim);
}

rc_status rc_export(rc_trace *t, const char *out_path, const rc_export_options *opt,
                    rc_export_stats *stats, rc_error *err)
{
    if (!t || !out_path || !opt)
        return rc_error_set(err, RC_ERR_ARG, "rc_export: missing argument");
    if (opt->from_us >= opt->to_us)
        return rc_error_set(err, RC_ERR_ARG,
                            "export span is empty (--from must be before --to)");
    if (opt->channels == 0 || (opt->channels & ~(unsigned)RC_EXPORT_ALL))
        return rc_error_set(err, RC_ERR_ARG, "no channel selected");
    rc_export_options o = *opt;
    size_t ref;
    if ((o.channels & RC_EXPORT_REF_RAIL_V) && !rc_interop_ref_channel(t, &ref)) {
        if (o.channels != RC_EXPORT_ALL)
            return rc_error_set(err, RC_ERR_NOT_FOUND,
                                "the trace has no %s channel (replays have one)",
                                RC_REPLAY_REF_CHANNEL);
        o.channels &= ~(unsigned)RC_EXPORT_REF_RAIL_V;
    }
    opt = &o;
    rc_export_stats local;
    if (!stats)
        stats = &local;
    *stats = (rc_export_stats){0};
    if (opt->format == RC_EXPORT_SR)
        return rc_export_sr(t, out_path, opt, stats, err);

    FILE *out = fopen(out_path, "wb");
    if (!out)
        return rc_error_set(err, RC_ERR_IO, "%s: %s", out_path, strerror(errno));
    setvbuf(out, NULL, _IOFBF, 1 << 16);
    rc_status st = opt->format == RC_EXPORT_VCD ? rc_export_vcd(t, out, opt, stats, err)
                                                : rc_export_csv(t, out, opt, stats, err);
    bool write_failed = ferror(out) != 0;
    int saved = errno;
    if (fclose(out) != 0 && !write_failed) {
        write_failed = true;
        saved = errno;
    }
    if (st == RC_OK && write_failed)
        st = rc_error_set(err, RC_ERR_IO, "%s: %s", out_path, strerror(saved));
    if (st != RC_OK)
        remove(out_path);
    return st;
}
