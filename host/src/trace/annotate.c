/*
 * annotate.c - rc_trace_annotate: events added to a finished trace.
 *
 * Annotations are appended as one ANNO chunk (source length, source, then
 * an EVNT payload) after whatever the file ends with, END included: readers
 * keep walking after END and merge ANNO events into the event list by time,
 * with their source. The file must read to its end first, or the new chunk
 * would sit behind damage where no reader reaches it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/format.h"

static rc_status check_events(const rc_event *ev, size_t n, const char *source, rc_error *err)
{
    if (n == 0 || n > RC_TRACE_EVNT_BLOCK)
        return rc_error_set(err, RC_ERR_ARG, "annotate: 1..%u events at a time",
                            RC_TRACE_EVNT_BLOCK);
    if (!source || strlen(source) > 255)
        return rc_error_set(err, RC_ERR_ARG, "annotate: the source must be 0..255 bytes");
    for (size_t i = 1; i < n; i++)
        if (ev[i].t_us < ev[i - 1].t_us)
            return rc_error_set(err, RC_ERR_ARG, "annotate: events must be in time order");
    return RC_OK;
}

static rc_status check_trace(const char *path, rc_error *err)
{
    rc_trace *t;
    rc_status st = rc_trace_open(path, &t, err);
    if (st != RC_OK)
        return st;
    const rc_trace_damage *d = rc_trace_get_damage(t);
    if (d->damaged)
        st = rc_error_set(err, RC_ERR_FORMAT,
                          "%s: damaged from byte %llu (%s); run railcut repair first", path,
                          (unsigned long long)d->offset, d->reason);
    rc_trace_close(t);
    return st;
}

rc_status rc_trace_annotate(const char *path, const rc_event *events, size_t n,
                            const char *source, rc_error *err)
{
    rc_status st = check_events(events, n, source, err);
    if (st == RC_OK)
        st = check_trace(path, err);
    if (st != RC_OK)
        return st;
    size_t src_len = strlen(source);
    size_t cap = 1 + src_len + RC_EVNT_HEADER_LEN + n * (RC_EVNT_RECORD_MIN + RC_EVENT_TEXT_MAX);
    uint8_t *chunk = malloc(RC_TRACE_CHUNK_HEADER_LEN + cap + RC_TRACE_CHUNK_CRC_LEN);
    if (!chunk)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    uint8_t *p = chunk + RC_TRACE_CHUNK_HEADER_LEN;
    p[0] = (uint8_t)src_len;
    memcpy(p + 1, source, src_len);
    size_t len = 1 + src_len + rc_evnt_encode(events, n, p + 1 + src_len, cap - 1 - src_len);
    rc_put_u32(chunk, RC_CHUNK_ANNO);
    rc_put_u32(chunk + 4, 0);
    rc_put_u32(chunk + 8, (uint32_t)len);
    rc_put_u32(p + len, rc_chunk_crc(chunk, p, len));
    size_t total = RC_TRACE_CHUNK_HEADER_LEN + len + RC_TRACE_CHUNK_CRC_LEN;
    FILE *f = fopen(path, "ab");
    if (!f || fwrite(chunk, 1, total, f) != total || fflush(f) != 0 || fsync(fileno(f)) != 0)
        st = rc_error_set(err, RC_ERR_IO, "%s: cannot append: %s", path, strerror(errno));
    if (f && fclose(f) != 0 && st == RC_OK)
        st = rc_error_set(err, RC_ERR_IO, "%s: cannot append: %s", path, strerror(errno));
    free(chunk);
    return st;
}
