/*
 * writer.c - the .rct trace writer.
 *
 * The writer owns a stdio stream and two fixed buffers: up to
 * RC_TRACE_SAMP_BLOCK samples that share one period (their times are
 * t0 + i * period_us, so a block stores t0, period and the columns), and up
 * to RC_TRACE_EVNT_BLOCK events. A buffer becomes one SAMP or EVNT chunk when
 * it is full, when the sample period changes, on flush and on close. Chunks
 * are encoded into one reusable payload buffer, so memory does not grow with
 * the length of the run. Sample times must strictly increase and event
 * times must not decrease: the reader treats anything else as damage, so the
 * writer refuses it at the source.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "railcut/rig.h"
#include "trace/format.h"

struct rc_trace_writer {
    FILE *f;
    char *path;
    bool failed; /* an earlier write failed: the file ends in an unknown state */
    uint8_t *payload;
    size_t payload_cap;
    rc_sample samples[RC_TRACE_SAMP_BLOCK];
    size_t n_samples;
    int64_t period_us; /* of the buffered block; 0 until it has two samples */
    bool any_sample;
    int64_t last_sample_us;
    rc_event events[RC_TRACE_EVNT_BLOCK];
    size_t n_events;
    bool any_event;
    int64_t last_event_us;
    uint32_t end_reason;
};

typedef struct channel_def {
    const char *name;
    const char *unit;
    uint8_t storage;
} channel_def;

/* One payload buffer serves both block kinds: a full event block (texts at
 * most RC_EVENT_TEXT_MAX - 1 bytes) fits in a full sample block. */
_Static_assert(RC_EVNT_HEADER_LEN +
                       RC_TRACE_EVNT_BLOCK * (RC_EVNT_RECORD_MIN + RC_EVENT_TEXT_MAX) <=
                   RC_SAMP_HEADER_LEN + RC_TRACE_SAMP_BLOCK * RC_SAMPLE_BYTES,
               "event block larger than sample block");

static const channel_def channels[RC_TRACE_CHANNELS] = {
    {"rail_v", "V", RC_STORE_F32},
    {"rail_a", "A", RC_STORE_F32},
    {"ac_lost", "bool", RC_STORE_U8},
    {"ch_state", "enum", RC_STORE_U8},
};

static rc_status io_error(rc_trace_writer *w, const char *what, rc_error *err)
{
    w->failed = true;
    return rc_error_set(err, RC_ERR_IO, "%s: %s: %s", w->path, what, strerror(errno));
}

static rc_status write_chunk(rc_trace_writer *w, uint32_t type, const uint8_t *payload,
                             size_t len, rc_error *err)
{
    assert(len <= RC_TRACE_CHUNK_MAX);
    uint8_t head[RC_TRACE_CHUNK_HEADER_LEN], crc[RC_TRACE_CHUNK_CRC_LEN];
    rc_put_u32(head, type);
    rc_put_u32(head + 4, 0);
    rc_put_u32(head + 8, (uint32_t)len);
    rc_put_u32(crc, rc_chunk_crc(head, payload, len));
    if (fwrite(head, 1, sizeof head, w->f) != sizeof head ||
        (len && fwrite(payload, 1, len, w->f) != len) ||
        fwrite(crc, 1, sizeof crc, w->f) != sizeof crc)
        return io_error(w, "write failed", err);
    return RC_OK;
}

static rc_status write_file_header(rc_trace_writer *w, rc_error *err)
{
    uint8_t h[RC_TRACE_FILE_HEADER_LEN];
    memcpy(h, RC_TRACE_MAGIC, RC_TRACE_MAGIC_LEN);
    rc_put_u16(h + 8, RC_TRACE_VERSION_MAJOR);
    rc_put_u16(h + 10, RC_TRACE_VERSION_MINOR);
    rc_put_u32(h + 12, rc_crc32(h, 12));
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h)
        return io_error(w, "write failed", err);
    return RC_OK;
}

/* Writes a JSON metadata chunk and frees its text. */
static rc_status write_text_chunk(rc_trace_writer *w, uint32_t type, char *text, rc_error *err)
{
    size_t len = strlen(text);
    rc_status st =
        len > RC_TRACE_CHUNK_MAX
            ? rc_error_set(err, RC_ERR_ARG, "trace metadata too large (%zu bytes)", len)
            : write_chunk(w, type, (const uint8_t *)text, len, err);
    free(text);
    return st;
}

static rc_status write_channels(rc_trace_writer *w, rc_error *err)
{
    uint8_t buf[256];
    size_t n = 2;
    rc_put_u16(buf, RC_TRACE_CHANNELS);
    for (int i = 0; i < RC_TRACE_CHANNELS; i++) {
        const channel_def *c = &channels[i];
        size_t name_len = strlen(c->name), unit_len = strlen(c->unit);
        assert(n + 3 + name_len + unit_len <= sizeof buf);
        buf[n++] = c->storage;
        buf[n++] = (uint8_t)name_len;
        memcpy(buf + n, c->name, name_len);
        n += name_len;
        buf[n++] = (uint8_t)unit_len;
        memcpy(buf + n, c->unit, unit_len);
        n += unit_len;
    }
    return write_chunk(w, RC_CHUNK_CHAN, buf, n, err);
}

/* Writes the file header and the HEAD, PROF and CHAN chunks; takes the
 * JSON texts (and frees them). */
static rc_status write_preamble(rc_trace_writer *w, char *head, char *prof, rc_error *err)
{
    rc_status st = write_file_header(w, err);
    if (st == RC_OK) {
        st = write_text_chunk(w, RC_CHUNK_HEAD, head, err);
        head = NULL;
    }
    if (st == RC_OK) {
        st = write_text_chunk(w, RC_CHUNK_PROF, prof, err);
        prof = NULL;
    }
    free(head);
    free(prof);
    if (st == RC_OK)
        st = write_channels(w, err);
    if (st == RC_OK && fflush(w->f) != 0)
        st = io_error(w, "flush failed", err);
    return st;
}

static void writer_free(rc_trace_writer *w)
{
    if (w->f)
        fclose(w->f);
    free(w->path);
    free(w->payload);
    free(w);
}

/* After a failed start: closes, and removes the partial file if it is a
 * regular file we made (never a device such as /dev/full). */
static void writer_abandon(rc_trace_writer *w)
{
    struct stat st;
    bool regular = fstat(fileno(w->f), &st) == 0 && S_ISREG(st.st_mode);
    char *path = w->path;
    w->path = NULL;
    writer_free(w);
    if (regular)
        unlink(path);
    free(path);
}

static rc_trace_writer *writer_new(const char *path, rc_error *err)
{
    rc_trace_writer *w = calloc(1, sizeof *w);
    if (w) {
        w->end_reason = RC_END_REASON_CLOSED;
        w->path = strdup(path);
        w->payload_cap = RC_SAMP_HEADER_LEN + (size_t)RC_TRACE_SAMP_BLOCK * RC_SAMPLE_BYTES;
        w->payload = malloc(w->payload_cap);
    }
    if (!w || !w->path || !w->payload) {
        if (w)
            writer_free(w);
        rc_error_set(err, RC_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return w;
}

rc_status rc_trace_writer_open(const char *path, const rc_trace_header *hdr,
                               const rc_profile *profile, rc_trace_writer **out, rc_error *err)
{
    static const rc_profile empty;
    *out = NULL;
    if (!path || !hdr)
        return rc_error_set(err, RC_ERR_ARG, "trace writer: path and header are required");
    /* Metadata is encoded first, so a refused header or profile leaves no file. */
    char *head = NULL, *prof = NULL;
    rc_status st = rc_head_encode(hdr, &head, err);
    if (st == RC_OK)
        st = rc_prof_encode(profile ? profile : &empty, &prof, err);
    rc_trace_writer *w = st == RC_OK ? writer_new(path, err) : NULL;
    if (w && !(w->f = fopen(path, "wb"))) {
        st = rc_error_set(err, RC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        writer_free(w);
        w = NULL;
    }
    if (!w) {
        free(head);
        free(prof);
        return st == RC_OK ? RC_ERR_NOMEM : st;
    }
    st = write_preamble(w, head, prof, err);
    if (st != RC_OK) {
        writer_abandon(w);
        return st;
    }
    *out = w;
    return RC_OK;
}

/* ---- Sample blocks ---------------------------------------------------------- */

static rc_status write_sample_block(rc_trace_writer *w, rc_error *err)
{
    size_t n = w->n_samples;
    if (n == 0)
        return RC_OK;
    uint8_t *p = w->payload;
    rc_put_u64(p, (uint64_t)w->samples[0].t_us);
    rc_put_u64(p + 8, (uint64_t)w->period_us);
    rc_put_u32(p + 16, (uint32_t)n);
    uint8_t *v = p + RC_SAMP_HEADER_LEN, *a = v + 4 * n, *ac = a + 4 * n, *ch = ac + n;
    for (size_t i = 0; i < n; i++) {
        rc_put_f32(v + 4 * i, w->samples[i].rail_v);
        rc_put_f32(a + 4 * i, w->samples[i].rail_a);
        ac[i] = w->samples[i].ac_lost;
        ch[i] = w->samples[i].ch_state;
    }
    w->n_samples = 0;
    w->period_us = 0;
    return write_chunk(w, RC_CHUNK_SAMP, p, RC_SAMP_HEADER_LEN + n * RC_SAMPLE_BYTES, err);
}

/* Whether s continues the buffered block's period (or sets it). */
static bool fits_block(rc_trace_writer *w, const rc_sample *s)
{
    if (w->n_samples == 0)
        return true;
    if (w->n_samples >= RC_TRACE_SAMP_BLOCK)
        return false;
    int64_t t0 = w->samples[0].t_us, want;
    if (w->n_samples == 1)
        return !__builtin_sub_overflow(s->t_us, t0, &w->period_us);
    return !__builtin_mul_overflow(w->period_us, (int64_t)w->n_samples, &want) &&
           !__builtin_add_overflow(t0, want, &want) && want == s->t_us;
}

static rc_status add_sample(rc_trace_writer *w, const rc_sample *s, rc_error *err)
{
    if (w->any_sample && s->t_us <= w->last_sample_us)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace writer: sample at %lld us does not follow %lld us",
                            (long long)s->t_us, (long long)w->last_sample_us);
    if (!fits_block(w, s)) {
        rc_status st = write_sample_block(w, err);
        if (st != RC_OK)
            return st;
    }
    w->samples[w->n_samples++] = *s;
    w->any_sample = true;
    w->last_sample_us = s->t_us;
    return RC_OK;
}

rc_status rc_trace_write_samples(rc_trace_writer *w, const rc_sample *s, size_t n,
                                 rc_error *err)
{
    if (w->failed)
        return rc_error_set(err, RC_ERR_IO, "%s: an earlier write failed", w->path);
    for (size_t i = 0; i < n; i++) {
        rc_status st = add_sample(w, &s[i], err);
        if (st != RC_OK)
            return st;
    }
    return RC_OK;
}

/* ---- Event blocks ----------------------------------------------------------- */

static rc_status write_event_block(rc_trace_writer *w, rc_error *err)
{
    if (w->n_events == 0)
        return RC_OK;
    uint8_t *p = w->payload;
    size_t len = RC_EVNT_HEADER_LEN;
    rc_put_u32(p, (uint32_t)w->n_events);
    for (size_t i = 0; i < w->n_events; i++) {
        const rc_event *ev = &w->events[i];
        size_t text_len = strnlen(ev->text, RC_EVENT_TEXT_MAX - 1);
        assert(len + RC_EVNT_RECORD_MIN + text_len <= w->payload_cap);
        rc_put_u64(p + len, (uint64_t)ev->t_us);
        rc_put_u16(p + len + 8, ev->kind);
        rc_put_u32(p + len + 10, (uint32_t)ev->value);
        p[len + 14] = (uint8_t)text_len;
        memcpy(p + len + RC_EVNT_RECORD_MIN, ev->text, text_len);
        len += RC_EVNT_RECORD_MIN + text_len;
    }
    w->n_events = 0;
    return write_chunk(w, RC_CHUNK_EVNT, p, len, err);
}

rc_status rc_trace_write_event(rc_trace_writer *w, const rc_event *ev, rc_error *err)
{
    if (w->failed)
        return rc_error_set(err, RC_ERR_IO, "%s: an earlier write failed", w->path);
    if (w->any_event && ev->t_us < w->last_event_us)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace writer: event at %lld us is earlier than %lld us",
                            (long long)ev->t_us, (long long)w->last_event_us);
    if (w->n_events == RC_TRACE_EVNT_BLOCK) {
        rc_status st = write_event_block(w, err);
        if (st != RC_OK)
            return st;
    }
    w->events[w->n_events++] = *ev;
    w->any_event = true;
    w->last_event_us = ev->t_us;
    if (ev->kind == RC_EV_RUN_END)
        w->end_reason = (uint32_t)ev->value;
    return RC_OK;
}

/* ---- Flush and close ------------------------------------------------------- */

rc_status rc_trace_writer_flush(rc_trace_writer *w, rc_error *err)
{
    if (w->failed)
        return rc_error_set(err, RC_ERR_IO, "%s: an earlier write failed", w->path);
    rc_status st = write_sample_block(w, err);
    if (st == RC_OK)
        st = write_event_block(w, err);
    if (st == RC_OK && fflush(w->f) != 0)
        st = io_error(w, "flush failed", err);
    return st;
}

rc_status rc_trace_writer_close(rc_trace_writer *w, int64_t end_us, rc_error *err)
{
    rc_status st = rc_trace_writer_flush(w, err);
    if (st == RC_OK) {
        uint8_t end[RC_END_LEN];
        rc_put_u64(end, (uint64_t)end_us);
        rc_put_u32(end + 8, w->end_reason);
        st = write_chunk(w, RC_CHUNK_END, end, sizeof end, err);
    }
    if (st == RC_OK && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
        st = io_error(w, "flush failed", err);
    FILE *f = w->f;
    w->f = NULL;
    if (fclose(f) != 0 && st == RC_OK)
        st = io_error(w, "close failed", err);
    writer_free(w);
    return st;
}

/* ---- Sink adapter ------------------------------------------------------------ */

static rc_status sink_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    return rc_trace_write_samples(ctx, s, n, err);
}

static rc_status sink_event(void *ctx, const rc_event *ev, rc_error *err)
{
    return rc_trace_write_event(ctx, ev, err);
}

void rc_trace_writer_sink(rc_trace_writer *w, struct rc_sink *sink)
{
    sink->ctx = w;
    sink->on_samples = sink_samples;
    sink->on_event = sink_event;
}
