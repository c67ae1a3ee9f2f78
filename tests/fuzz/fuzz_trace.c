/*
 * fuzz_trace.c - the .rct reader on arbitrary bytes: open (verifying and
 * fast), read every sample, every channel raw and in units, summaries,
 * events with their sources, gaps, time conversions, a refresh, close. Each input is read twice: as it is, and with
 * every CRC recomputed, because almost every mutation breaks a CRC and the
 * checks behind it (JSON, counts, time order) would otherwise go unfuzzed.
 * The input goes through a file under /tmp named with the process id,
 * because the reader works on files (it seeks back to sample blocks); the
 * file is reused across inputs and removed at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "railcut/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static volatile uint64_t observed; /* keeps the reads from being optimised away */

static void remove_input(void)
{
    unlink(path);
}

static int count_samples(void *ctx, const rc_sample *s, size_t n)
{
    uint64_t *count = ctx;
    /* Touch every sample so a sanitizer sees any bad read. */
    for (size_t i = 0; i < n; i++)
        *count += (uint64_t)s[i].t_us + s[i].ch_state;
    return 0;
}

static int count_raw(void *ctx, int64_t t0, int64_t period, const void *v, size_t n)
{
    uint64_t *count = ctx;
    *count += (uint64_t)t0 + (uint64_t)period + n + (n ? ((const uint8_t *)v)[n - 1] : 0);
    return 0;
}

static int count_values(void *ctx, int64_t t0, int64_t period, const double *v, size_t n)
{
    uint64_t *count = ctx;
    *count += (uint64_t)t0 + (uint64_t)period + (n && v[n - 1] > 0);
    return 0;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Rewrites the header CRC and every complete chunk's CRC in place. */
static void fix_crcs(uint8_t *b, size_t size)
{
    if (size < 16)
        return;
    put32(b + 12, (uint32_t)crc32(0, b, 12));
    size_t off = 16;
    while (size - off >= 16) {
        uint64_t len = get32(b + off + 8);
        if (len > size - off - 16)
            break;
        put32(b + off + 12 + len, (uint32_t)crc32(0, b + off, (uInt)(12 + len)));
        off += 16 + (size_t)len;
    }
}

static void exercise(rc_trace *t)
{
    rc_error err;
    uint64_t sum = 0;
    rc_trace_read_samples(t, INT64_MIN, INT64_MAX, count_samples, &sum, &err);
    rc_trace_read_samples(t, 1000, 3000, count_samples, &sum, &err);
    size_t n_ch;
    const rc_trace_channel *ch = rc_trace_get_channels(t, &n_ch);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    for (size_t c = 0; c < n_ch; c++) {
        sum += strlen(ch[c].name) + strlen(ch[c].unit);
        rc_trace_read_raw(t, c, INT64_MIN, INT64_MAX, count_raw, &sum, &err);
        rc_trace_read_values(t, c, 0, 5000, count_values, &sum, &err);
        double mn[7], mx[7], mean[7];
        if (st->last_us > st->first_us &&
            rc_trace_summary(t, c, st->first_us, st->last_us, 7, mn, mx, mean, &err) == RC_OK)
            sum += mn[0] < mx[6] || mean[3] > 0;
    }
    size_t n;
    const rc_event *ev = rc_trace_get_events(t, &n);
    for (size_t i = 0; i < n; i++) {
        const char *src = rc_trace_event_source(t, i);
        sum += (uint64_t)ev[i].t_us + ev[i].text[0] + (src ? strlen(src) : 0);
    }
    const rc_trace_gap *g = rc_trace_get_gaps(t, &n);
    for (size_t i = 0; i < n; i++)
        sum += g[i].samples + (uint64_t)g[i].to_us;
    const rc_profile *p = rc_trace_get_profile(t);
    for (size_t i = 0; i < p->n_marks; i++)
        sum += (uint64_t)p->segs[p->marks[i].segment].line;
    const rc_trace_header *h = rc_trace_get_header(t);
    sum += strlen(h->backend) + h->n_model_params;
    sum += (uint64_t)rc_trace_utc_to_device(t, rc_trace_device_to_utc(t, 1000));
    bool grew;
    rc_trace_refresh(t, &grew, &err);
    rc_trace_close(t);
    observed = sum;
}

static void read_trace(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    size_t written = fwrite(data, 1, size, f);
    fclose(f);
    if (written != size)
        return;
    for (unsigned flags = 0; flags <= RC_TRACE_OPEN_FAST; flags++) {
        rc_trace *t;
        rc_error err;
        if (rc_trace_open_ex(path, flags, &t, &err) == RC_OK)
            exercise(t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzz_trace.%ld.rct", (long)getpid());
        atexit(remove_input);
    }
    read_trace(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    fix_crcs(copy, size);
    read_trace(copy, size);
    free(copy);
    return 0;
}
