/*
 * wcore.c - the encoding core of the .rct writer: blocks, summaries, index.
 *
 * The core owns a stdio stream and, per channel, one column buffer of
 * block_samples values in the channel's storage type, placed where a full
 * block puts that column in the SAMP payload, so a full block is written
 * without another copy. Buffered samples share one period (their times are
 * t0 + i * period_us); the buffers become one SAMP chunk when full, when the
 * period changes, on flush and on close.
 * Events are buffered in a fixed block of RC_TRACE_EVNT_BLOCK and become an
 * EVNT chunk the same way.
 *
 * Sealing a sample block also feeds the summary pyramid: per channel and
 * level an accumulator (min, max, sum, count) that emits one entry per 64
 * inputs into the level's pending batch and into the next level's
 * accumulator. A batch becomes a SUMM chunk at RC_SUMM_BATCH entries and on
 * close; entries not yet written are recomputed by readers from the level
 * below, so flushes do not write them.
 *
 * Every SAMP, SUMM, EVNT, TIME and LOST chunk is remembered (offset, type,
 * length, where it sits in time or in the pyramid) until the next INDX
 * chunk, which is written after RC_INDX_EVERY_BYTES of such chunks and
 * before END. Memory is fixed by the channel count and block size; it does
 * not grow with the run. The core is single-threaded: either the caller or
 * the writer thread (writer.c) drives it.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/format.h"

typedef struct level_acc {
    double min, max, sum;
    uint32_t n;
    float *pending; /* RC_SUMM_BATCH entries of min, max, mean */
    uint32_t n_pending;
    uint64_t first_pending; /* entry index of pending[0] */
} level_acc;

typedef struct wchan {
    rc_trace_channel def; /* strings owned */
    size_t size;
    uint8_t *col; /* block_samples values, native order, inside the core's payload */
    level_acc lv[RC_SUMM_LEVELS];
} wchan;

typedef struct index_entry {
    uint64_t offset;
    uint32_t type, len;
    uint64_t a, b;
} index_entry;

struct rc_wcore {
    FILE *f;
    char *path;
    bool failed;
    uint64_t offset; /* bytes written so far */
    wchan *ch;
    size_t n_ch;
    bool standard; /* the four channels of rc_sample, then any reference channels */
    rc_trace_ref_fn ref_fn;
    void *ref_ctx;
    uint32_t block_cap;
    uint32_t nb;   /* samples buffered */
    int64_t b_t0, b_period;
    int64_t last_sample_us;
    uint8_t *payload; /* the SAMP payload, holding the columns being filled */
    size_t payload_cap;
    uint8_t *ev_payload; /* EVNT payloads are encoded here */
    size_t ev_payload_cap;
    uint8_t *summ_payload; /* SUMM chunks are encoded here, so a sealed SAMP
                            * payload can be summarised while they are written */
    double *groups;        /* min, max, sum of a block's groups of 64 (n_groups each) */
    size_t n_groups;
    rc_event events[RC_TRACE_EVNT_BLOCK];
    size_t n_events;
    uint32_t end_reason;
    index_entry *index;
    size_t n_index, cap_index;
    uint64_t index_bytes; /* of indexed chunks since the last INDX */
    uint64_t last_index;  /* offset of the last INDX, 0 if none */
};

static const rc_trace_channel standard_channels[RC_TRACE_CHANNELS] = {
    {"rail_v", "V", RC_TRACE_STORE_F32, 1, 0},
    {"rail_a", "A", RC_TRACE_STORE_F32, 1, 0},
    {"ac_lost", "bool", RC_TRACE_STORE_U8, 1, 0},
    {"ch_state", "enum", RC_TRACE_STORE_U8, 1, 0},
};

static rc_status io_error(rc_wcore *c, const char *what, rc_error *err)
{
    c->failed = true;
    return rc_error_set(err, RC_ERR_IO, "%s: %s: %s", c->path, what, strerror(errno));
}

static bool indexed_type(uint32_t type)
{
    return type == RC_CHUNK_SAMP || type == RC_CHUNK_SUMM || type == RC_CHUNK_EVNT ||
           type == RC_CHUNK_TIME || type == RC_CHUNK_LOST;
}

static rc_status write_index(rc_wcore *c, rc_error *err);

static rc_status put_chunk(rc_wcore *c, uint32_t type, const uint8_t *payload, size_t len,
                           rc_error *err)
{
    assert(len <= RC_TRACE_CHUNK_MAX);
    uint8_t head[RC_TRACE_CHUNK_HEADER_LEN], crc[RC_TRACE_CHUNK_CRC_LEN];
    rc_put_u32(head, type);
    rc_put_u32(head + 4, 0);
    rc_put_u32(head + 8, (uint32_t)len);
    rc_put_u32(crc, rc_chunk_crc(head, payload, len));
    if (fwrite(head, 1, sizeof head, c->f) != sizeof head ||
        (len && fwrite(payload, 1, len, c->f) != len) ||
        fwrite(crc, 1, sizeof crc, c->f) != sizeof crc)
        return io_error(c, "write failed", err);
    c->offset += RC_TRACE_CHUNK_HEADER_LEN + len + RC_TRACE_CHUNK_CRC_LEN;
    return RC_OK;
}

/* Writes a chunk and remembers it for the next INDX (a, b: see format.h). */
static rc_status write_chunk(rc_wcore *c, uint32_t type, const uint8_t *payload, size_t len,
                             uint64_t a, uint64_t b, rc_error *err)
{
    uint64_t at = c->offset;
    rc_status st = put_chunk(c, type, payload, len, err);
    if (st != RC_OK || !indexed_type(type))
        return st;
    if (c->n_index == c->cap_index) {
        size_t cap = c->cap_index ? 2 * c->cap_index : 256;
        index_entry *p = realloc(c->index, cap * sizeof *p);
        if (!p)
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
        c->index = p;
        c->cap_index = cap;
    }
    c->index[c->n_index++] = (index_entry){at, type, (uint32_t)len, a, b};
    c->index_bytes += c->offset - at;
    return c->index_bytes >= RC_INDX_EVERY_BYTES ? write_index(c, err) : RC_OK;
}

static rc_status write_index(rc_wcore *c, rc_error *err)
{
    size_t len = RC_INDX_HEADER_LEN + c->n_index * RC_INDX_ENTRY_LEN;
    uint8_t *p = malloc(len);
    if (!p)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_put_u64(p, c->last_index);
    rc_put_u32(p + 8, (uint32_t)c->n_index);
    for (size_t i = 0; i < c->n_index; i++) {
        uint8_t *e = p + RC_INDX_HEADER_LEN + i * RC_INDX_ENTRY_LEN;
        rc_put_u64(e, c->index[i].offset);
        rc_put_u32(e + 8, c->index[i].type);
        rc_put_u32(e + 12, c->index[i].len);
        rc_put_u64(e + 16, c->index[i].a);
        rc_put_u64(e + 24, c->index[i].b);
    }
    uint64_t at = c->offset;
    rc_status st = put_chunk(c, RC_CHUNK_INDX, p, len, err);
    free(p);
    if (st == RC_OK) {
        c->last_index = at;
        c->n_index = 0;
        c->index_bytes = 0;
    }
    return st;
}

/* ---- Preamble ---------------------------------------------------------------- */

static rc_status write_file_header(rc_wcore *c, rc_error *err)
{
    uint8_t h[RC_TRACE_FILE_HEADER_LEN];
    memcpy(h, RC_TRACE_MAGIC, RC_TRACE_MAGIC_LEN);
    rc_put_u16(h + 8, RC_TRACE_VERSION_MAJOR);
    rc_put_u16(h + 10, RC_TRACE_VERSION_MINOR);
    rc_put_u32(h + 12, rc_crc32(h, 12));
    if (fwrite(h, 1, sizeof h, c->f) != sizeof h)
        return io_error(c, "write failed", err);
    c->offset = sizeof h;
    return RC_OK;
}

static rc_status write_text_chunk(rc_wcore *c, uint32_t type, const char *text, rc_error *err)
{
    size_t len = strlen(text);
    if (len > RC_TRACE_CHUNK_MAX)
        return rc_error_set(err, RC_ERR_ARG, "trace metadata too large (%zu bytes)", len);
    return write_chunk(c, type, (const uint8_t *)text, len, 0, 0, err);
}

static rc_status write_channels(rc_wcore *c, rc_error *err)
{
    uint8_t buf[2 + RC_TRACE_MAX_CHANNELS * (3 + 2 * 255)];
    size_t n = 2;
    bool scaled = false;
    rc_put_u16(buf, (uint16_t)c->n_ch);
    for (size_t i = 0; i < c->n_ch; i++) {
        const rc_trace_channel *d = &c->ch[i].def;
        size_t name_len = strlen(d->name), unit_len = strlen(d->unit);
        buf[n++] = (uint8_t)d->storage;
        buf[n++] = (uint8_t)name_len;
        memcpy(buf + n, d->name, name_len);
        n += name_len;
        buf[n++] = (uint8_t)unit_len;
        memcpy(buf + n, d->unit, unit_len);
        n += unit_len;
        scaled |= d->storage == RC_TRACE_STORE_I16;
    }
    rc_status st = write_chunk(c, RC_CHUNK_CHAN, buf, n, 0, 0, err);
    if (st != RC_OK || !scaled)
        return st;
    uint8_t *p = buf;
    for (size_t i = 0; i < c->n_ch; i++) {
        rc_put_f64(p + i * RC_SCAL_ENTRY_LEN, c->ch[i].def.gain);
        rc_put_f64(p + i * RC_SCAL_ENTRY_LEN + 8, c->ch[i].def.offset);
    }
    return write_chunk(c, RC_CHUNK_SCAL, p, c->n_ch * RC_SCAL_ENTRY_LEN, 0, 0, err);
}

static rc_status write_preamble(rc_wcore *c, const char *head, const char *prof, rc_error *err)
{
    rc_status st = write_file_header(c, err);
    if (st == RC_OK)
        st = write_text_chunk(c, RC_CHUNK_HEAD, head, err);
    if (st == RC_OK)
        st = write_text_chunk(c, RC_CHUNK_PROF, prof, err);
    if (st == RC_OK)
        st = write_channels(c, err);
    if (st == RC_OK && fflush(c->f) != 0)
        st = io_error(c, "flush failed", err);
    return st;
}

/* ---- Creation ----------------------------------------------------------------- */

static void core_free(rc_wcore *c)
{
    if (c->f)
        fclose(c->f);
    for (size_t i = 0; c->ch && i < c->n_ch; i++) {
        free((char *)c->ch[i].def.name);
        free((char *)c->ch[i].def.unit);
        for (int k = 0; k < RC_SUMM_LEVELS; k++)
            free(c->ch[i].lv[k].pending);
    }
    free(c->ch);
    free(c->index);
    free(c->path);
    free(c->payload);
    free(c->ev_payload);
    free(c->summ_payload);
    free(c->groups);
    free(c);
}

static rc_status check_channels(const rc_trace_channel *ch, size_t n, rc_error *err)
{
    if (n == 0 || n > RC_TRACE_MAX_CHANNELS)
        return rc_error_set(err, RC_ERR_ARG, "trace writer: %zu channels (1..%d allowed)", n,
                            RC_TRACE_MAX_CHANNELS);
    for (size_t i = 0; i < n; i++) {
        size_t name_len = ch[i].name ? strlen(ch[i].name) : 0;
        size_t unit_len = ch[i].unit ? strlen(ch[i].unit) : 256;
        if (name_len == 0 || name_len > 255 || unit_len > 255)
            return rc_error_set(err, RC_ERR_ARG, "trace writer: channel %zu: bad name or unit",
                                i);
        if (ch[i].storage < RC_TRACE_STORE_F32 || ch[i].storage > RC_TRACE_STORE_I16)
            return rc_error_set(err, RC_ERR_ARG, "trace writer: channel %zu: bad storage", i);
        if (ch[i].storage == RC_TRACE_STORE_I16 &&
            (!isfinite(ch[i].gain) || ch[i].gain == 0 || !isfinite(ch[i].offset)))
            return rc_error_set(err, RC_ERR_ARG,
                                "trace writer: channel %zu: gain must be finite and non-zero",
                                i);
    }
    return RC_OK;
}

static bool is_standard(const rc_trace_channel *ch, size_t n)
{
    if (n != RC_TRACE_CHANNELS)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ch[i].name, standard_channels[i].name) != 0 ||
            ch[i].storage != standard_channels[i].storage)
            return false;
    return true;
}

static bool init_channel(wchan *w, const rc_trace_channel *d, uint8_t *col)
{
    w->def = *d;
    if (d->storage != RC_TRACE_STORE_I16) {
        w->def.gain = 1;
        w->def.offset = 0;
    }
    w->def.name = strdup(d->name);
    w->def.unit = strdup(d->unit);
    w->size = rc_storage_size(d->storage);
    w->col = col;
    bool ok = w->def.name && w->def.unit;
    for (int k = 0; k < RC_SUMM_LEVELS; k++) {
        w->lv[k].pending = malloc(RC_SUMM_BATCH * 3 * sizeof(float));
        ok = ok && w->lv[k].pending;
    }
    return ok;
}

static rc_wcore *core_new(const char *path, const rc_trace_channel *ch, size_t n_ch,
                          uint32_t block_cap)
{
    rc_wcore *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->end_reason = RC_END_REASON_CLOSED;
    c->last_sample_us = INT64_MIN;
    c->block_cap = block_cap;
    c->path = strdup(path);
    c->ch = calloc(n_ch, sizeof *c->ch);
    c->n_ch = n_ch;
    size_t bytes = 0;
    for (size_t i = 0; i < n_ch; i++)
        bytes += rc_storage_size(ch[i].storage);
    c->payload_cap = RC_SAMP_HEADER_LEN + (size_t)block_cap * bytes;
    c->payload = malloc(c->payload_cap);
    c->ev_payload_cap =
        RC_EVNT_HEADER_LEN + RC_TRACE_EVNT_BLOCK * (RC_EVNT_RECORD_MIN + RC_EVENT_TEXT_MAX);
    c->ev_payload = malloc(c->ev_payload_cap);
    c->summ_payload = malloc(RC_SUMM_HEADER_LEN + RC_SUMM_BATCH * RC_SUMM_ENTRY_LEN);
    c->n_groups = block_cap / RC_SUMM_FACTOR;
    c->groups = malloc(3 * c->n_groups * sizeof *c->groups);
    bool ok = c->path && c->ch && c->payload && c->ev_payload && c->summ_payload && c->groups;
    /* Each column is filled where a full block puts it in the payload. */
    size_t at = RC_SAMP_HEADER_LEN;
    for (size_t i = 0; ok && i < n_ch; i++) {
        ok = init_channel(&c->ch[i], &ch[i], c->payload + at);
        at += (size_t)block_cap * c->ch[i].size;
    }
    if (!ok) {
        core_free(c);
        return NULL;
    }
    c->standard = is_standard(ch, n_ch);
    return c;
}

/* After a failed start: closes, and removes the partial file if it is a
 * regular file we made (never a device such as /dev/full). */
static void core_abandon(rc_wcore *c)
{
    struct stat st;
    bool regular = fstat(fileno(c->f), &st) == 0 && S_ISREG(st.st_mode);
    char *path = c->path;
    c->path = NULL;
    core_free(c);
    if (regular)
        unlink(path);
    free(path);
}

rc_status rc_wcore_open(const char *path, const rc_trace_header *hdr, const rc_profile *profile,
                        const rc_trace_channel *ch, size_t n_ch, uint32_t block_samples,
                        rc_wcore **out, rc_error *err)
{
    static const rc_profile empty;
    *out = NULL;
    if (!path || !hdr)
        return rc_error_set(err, RC_ERR_ARG, "trace writer: path and header are required");
    if (!ch) {
        ch = standard_channels;
        n_ch = RC_TRACE_CHANNELS;
    }
    if (block_samples == 0)
        block_samples = RC_TRACE_SAMP_BLOCK;
    if (block_samples < RC_TRACE_BLOCK_MIN || block_samples > RC_TRACE_BLOCK_MAX)
        return rc_error_set(err, RC_ERR_ARG, "trace writer: block of %u samples (%u..%u)",
                            (unsigned)block_samples, RC_TRACE_BLOCK_MIN, RC_TRACE_BLOCK_MAX);
    rc_status st = check_channels(ch, n_ch, err);
    if (st != RC_OK)
        return st;
    /* Metadata is encoded first, so a refused header or profile leaves no file. */
    char *head = NULL, *prof = NULL;
    st = rc_head_encode(hdr, &head, err);
    if (st == RC_OK)
        st = rc_prof_encode(profile ? profile : &empty, &prof, err);
    rc_wcore *c = NULL;
    if (st == RC_OK && !(c = core_new(path, ch, n_ch, block_samples)))
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (c && !(c->f = fopen(path, "wb"))) {
        st = rc_error_set(err, RC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        core_free(c);
        c = NULL;
    }
    if (c) {
        st = write_preamble(c, head, prof, err);
        if (st != RC_OK) {
            core_abandon(c);
            c = NULL;
        }
    }
    free(head);
    free(prof);
    *out = c;
    return st;
}

/* ---- Summary pyramid ---------------------------------------------------------- */

static rc_status write_summary(rc_wcore *c, size_t channel, int level, rc_error *err)
{
    level_acc *a = &c->ch[channel].lv[level - 1];
    if (a->n_pending == 0)
        return RC_OK;
    uint8_t *p = c->summ_payload;
    p[0] = (uint8_t)level;
    p[1] = 0;
    rc_put_u16(p + 2, (uint16_t)channel);
    rc_put_u64(p + 4, a->first_pending);
    rc_put_u32(p + 12, a->n_pending);
    for (uint32_t i = 0; i < 3 * a->n_pending; i++)
        rc_put_f32(p + RC_SUMM_HEADER_LEN + 4 * i, a->pending[i]);
    size_t len = RC_SUMM_HEADER_LEN + (size_t)a->n_pending * RC_SUMM_ENTRY_LEN;
    uint64_t b = (uint64_t)level | (uint64_t)channel << 8 | (uint64_t)a->n_pending << 32;
    uint64_t first = a->first_pending;
    a->first_pending += a->n_pending;
    a->n_pending = 0;
    return write_chunk(c, RC_CHUNK_SUMM, p, len, first, b, err);
}

/* Adds one input (an entry of the level below, or 64 raw samples already
 * folded) to level's accumulator; emits an entry when it has 64. */
static rc_status summ_push(rc_wcore *c, size_t channel, int level, double mn, double mx,
                           double mean, rc_error *err)
{
    level_acc *a = &c->ch[channel].lv[level - 1];
    float *e = a->pending + 3 * a->n_pending;
    e[0] = (float)mn;
    e[1] = (float)mx;
    e[2] = (float)mean;
    a->n_pending++;
    rc_status st = a->n_pending == RC_SUMM_BATCH ? write_summary(c, channel, level, err) : RC_OK;
    if (st != RC_OK || level == RC_SUMM_LEVELS)
        return st;
    level_acc *up = &c->ch[channel].lv[level];
    if (up->n == 0 || mn < up->min)
        up->min = mn;
    if (up->n == 0 || mx > up->max)
        up->max = mx;
    up->sum += mean;
    if (++up->n < RC_SUMM_FACTOR)
        return RC_OK;
    double umin = up->min, umax = up->max, umean = up->sum / RC_SUMM_FACTOR;
    up->n = 0;
    up->sum = 0;
    return summ_push(c, channel, level + 1, umin, umax, umean, err);
}

/* Adds k values' fold to level 1's accumulator and, when it has 64, pushes
 * the entry: raw codes are folded, then scaled (min and max swap when the
 * gain is negative). */
static rc_status raw_add(rc_wcore *c, size_t ch, uint32_t k, double mn, double mx, double sum,
                         rc_error *err)
{
    wchan *w = &c->ch[ch];
    level_acc *raw = &w->lv[0];
    if (raw->n == 0 || mn < raw->min)
        raw->min = mn;
    if (raw->n == 0 || mx > raw->max)
        raw->max = mx;
    raw->sum += sum;
    raw->n += k;
    if (raw->n < RC_SUMM_FACTOR)
        return RC_OK;
    double gain = w->def.gain, off = w->def.offset;
    double lo = raw->min * gain + off, hi = raw->max * gain + off;
    double mean = raw->sum / RC_SUMM_FACTOR * gain + off;
    raw->n = 0;
    raw->sum = 0;
    return summ_push(c, ch, 1, gain < 0 ? hi : lo, gain < 0 ? lo : hi, mean, err);
}

/* Feeds the sealed block's columns (SAMP payload p, n samples) to level 1.
 * A block need not start or end on a multiple of 64: the values that
 * complete the pending entry go first, then whole groups, then the rest. */
static rc_status summarize_block(rc_wcore *c, const uint8_t *p, uint32_t n, rc_error *err)
{
    const uint8_t *col = p + RC_SAMP_HEADER_LEN;
    double *gmin = c->groups, *gmax = gmin + c->n_groups, *gsum = gmax + c->n_groups;
    rc_status st = RC_OK;
    for (size_t ch = 0; st == RC_OK && ch < c->n_ch; ch++) {
        wchan *w = &c->ch[ch];
        unsigned storage = (unsigned)w->def.storage;
        uint32_t i = 0, k = (RC_SUMM_FACTOR - w->lv[0].n) % RC_SUMM_FACTOR;
        k = k < n ? k : n;
        double mn, mx, sm;
        if (k > 0) {
            rc_fold_stored(storage, col, k, &mn, &mx, &sm);
            st = raw_add(c, ch, k, mn, mx, sm, err);
            i = k;
        }
        size_t groups = (n - i) / RC_SUMM_FACTOR;
        assert(groups <= c->n_groups);
        rc_fold_groups(storage, col + (size_t)i * w->size, groups, gmin, gmax, gsum);
        for (size_t g = 0; st == RC_OK && g < groups; g++)
            st = raw_add(c, ch, RC_SUMM_FACTOR, gmin[g], gmax[g], gsum[g], err);
        i += (uint32_t)groups * RC_SUMM_FACTOR;
        if (st == RC_OK && i < n) {
            rc_fold_stored(storage, col + (size_t)i * w->size, n - i, &mn, &mx, &sm);
            st = raw_add(c, ch, n - i, mn, mx, sm, err);
        }
        col += (size_t)n * w->size;
    }
    return st;
}

/* ---- Sample blocks ---------------------------------------------------------------- */

static rc_status seal_block(rc_wcore *c, rc_error *err)
{
    uint32_t n = c->nb;
    if (n == 0)
        return RC_OK;
    uint8_t *p = c->payload;
    rc_put_u64(p, (uint64_t)c->b_t0);
    rc_put_u64(p + 8, (uint64_t)(n > 1 ? c->b_period : 0));
    rc_put_u32(p + 16, n);
    /* The columns were filled in place; a block cut short moves them
     * together (forward, in order, so none overwrites one not yet moved). */
    size_t len = RC_SAMP_HEADER_LEN;
    for (size_t ch = 0; ch < c->n_ch; ch++) {
        const wchan *w = &c->ch[ch];
        uint8_t *dst = p + len;
        assert(dst <= w->col);
        if (dst != w->col)
            memmove(dst, w->col, (size_t)n * w->size);
        /* The file is little-endian: on other hosts values are swapped. */
        if (w->size == 2 && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
            for (uint32_t i = 0; i < n; i++) {
                int16_t v;
                memcpy(&v, dst + 2 * i, 2);
                rc_put_u16(dst + 2 * i, (uint16_t)v);
            }
        } else if (w->size == 4 && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
            for (uint32_t i = 0; i < n; i++) {
                float v;
                memcpy(&v, dst + 4 * i, 4);
                rc_put_f32(dst + 4 * i, v);
            }
        }
        len += (size_t)n * w->size;
    }
    rc_status st = write_chunk(c, RC_CHUNK_SAMP, p, len, (uint64_t)c->b_t0,
                               (uint64_t)(n > 1 ? c->b_period : 0), err);
    if (st == RC_OK)
        st = summarize_block(c, p, n, err);
    c->nb = 0;
    return st;
}

/* Whether a run starting at t0 (with period, when it holds more than one
 * sample) continues the buffered block; sets the block's period when the
 * block holds one sample. */
static bool continues_block(rc_wcore *c, int64_t t0, int64_t period, size_t n)
{
    if (c->nb == 0)
        return true;
    if (c->nb >= c->block_cap)
        return false;
    if (c->nb == 1) {
        int64_t p = t0 - c->b_t0; /* t0 > b_t0: no overflow for valid times */
        if (n > 1 && period != p)
            return false;
        c->b_period = p;
        return true;
    }
    int64_t want;
    if (__builtin_mul_overflow(c->b_period, (int64_t)c->nb, &want) ||
        __builtin_add_overflow(c->b_t0, want, &want) || want != t0)
        return false;
    return n == 1 || period == c->b_period;
}

typedef struct source {
    const rc_sample *s;       /* rc_sample input, or */
    const void *const *cols;  /* columns in storage type */
    size_t at;                /* first unread index */
} source;

static void copy_in(rc_wcore *c, source *src, uint32_t k)
{
    float *refs[RC_TRACE_MAX_CHANNELS];
    for (size_t ch = 0; ch < c->n_ch; ch++) {
        wchan *w = &c->ch[ch];
        uint8_t *dst = w->col + (size_t)c->nb * w->size;
        if (src->cols) {
            memcpy(dst, (const uint8_t *)src->cols[ch] + src->at * w->size, (size_t)k * w->size);
            continue;
        }
        const rc_sample *s = src->s + src->at;
        if (ch >= RC_TRACE_CHANNELS) {
            refs[ch - RC_TRACE_CHANNELS] = (float *)dst;
            continue;
        }
        for (uint32_t i = 0; i < k; i++) {
            switch (ch) {
            case 0: ((float *)dst)[i] = s[i].rail_v; break;
            case 1: ((float *)dst)[i] = s[i].rail_a; break;
            case 2: dst[i] = s[i].ac_lost; break;
            default: dst[i] = s[i].ch_state; break;
            }
        }
    }
    if (!src->cols && c->n_ch > RC_TRACE_CHANNELS)
        c->ref_fn(c->ref_ctx, src->s + src->at, k, refs);
    src->at += k;
    c->nb += k;
}

/* Appends a run of n samples at t0 + i * period. */
static rc_status append_run(rc_wcore *c, int64_t t0, int64_t period, size_t n, source *src,
                            rc_error *err)
{
    while (n > 0) {
        if (!continues_block(c, t0, period, n)) {
            rc_status st = seal_block(c, err);
            if (st != RC_OK)
                return st;
        }
        if (c->nb == 0) {
            c->b_t0 = t0;
            c->b_period = period;
        }
        uint32_t k = c->block_cap - c->nb;
        k = n < k ? (uint32_t)n : k;
        copy_in(c, src, k);
        c->last_sample_us = t0 + (int64_t)(k - 1) * period;
        t0 = c->last_sample_us + period;
        n -= k;
        if (c->nb == c->block_cap) {
            rc_status st = seal_block(c, err);
            if (st != RC_OK)
                return st;
        }
    }
    return RC_OK;
}

static rc_status check_failed(const rc_wcore *c, rc_error *err)
{
    return c->failed ? rc_error_set(err, RC_ERR_IO, "%s: an earlier write failed", c->path)
                     : RC_OK;
}

rc_status rc_wcore_samples(rc_wcore *c, const rc_sample *s, size_t n, rc_error *err)
{
    assert(c->standard);
    if (c->failed)
        return check_failed(c, err);
    source src = {.s = s};
    for (size_t i = 0; i < n;) {
        /* Runs of evenly spaced samples go in together. */
        size_t j = i + 1;
        int64_t period = j < n ? s[j].t_us - s[i].t_us : 0;
        while (j < n && s[j].t_us - s[j - 1].t_us == period)
            j++;
        rc_status st = append_run(c, s[i].t_us, period, j - i, &src, err);
        if (st != RC_OK)
            return st;
        i = j;
    }
    return RC_OK;
}

rc_status rc_wcore_columns(rc_wcore *c, int64_t t0_us, int64_t period_us, size_t n,
                           const void *const *cols, rc_error *err)
{
    if (c->failed)
        return check_failed(c, err);
    source src = {.cols = cols};
    return append_run(c, t0_us, n > 1 ? period_us : 0, n, &src, err);
}

int64_t rc_wcore_last_sample_us(const rc_wcore *c)
{
    return c->last_sample_us;
}

size_t rc_wcore_sizes(const rc_wcore *c, size_t *sizes)
{
    for (size_t i = 0; i < c->n_ch; i++)
        sizes[i] = c->ch[i].size;
    return c->n_ch;
}

bool rc_wcore_standard(const rc_wcore *c)
{
    return c->standard;
}

void rc_wcore_set_ref(rc_wcore *c, rc_trace_ref_fn fn, void *ctx)
{
    assert(c->n_ch > RC_TRACE_CHANNELS && fn);
    for (size_t i = 0; i < RC_TRACE_CHANNELS; i++)
        assert(strcmp(c->ch[i].def.name, standard_channels[i].name) == 0 &&
               c->ch[i].def.storage == standard_channels[i].storage);
    for (size_t i = RC_TRACE_CHANNELS; i < c->n_ch; i++)
        assert(c->ch[i].def.storage == RC_TRACE_STORE_F32);
    c->ref_fn = fn;
    c->ref_ctx = ctx;
    c->standard = true;
}

/* ---- Events, time pairs, gaps ---------------------------------------------------- */

size_t rc_evnt_encode(const rc_event *ev, size_t n, uint8_t *p, size_t cap)
{
    size_t len = RC_EVNT_HEADER_LEN;
    if (cap < len)
        return 0;
    rc_put_u32(p, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        size_t text_len = strnlen(ev[i].text, RC_EVENT_TEXT_MAX - 1);
        if (cap - len < RC_EVNT_RECORD_MIN + text_len)
            return 0;
        rc_put_u64(p + len, (uint64_t)ev[i].t_us);
        rc_put_u16(p + len + 8, ev[i].kind);
        rc_put_u32(p + len + 10, (uint32_t)ev[i].value);
        p[len + 14] = (uint8_t)text_len;
        memcpy(p + len + RC_EVNT_RECORD_MIN, ev[i].text, text_len);
        len += RC_EVNT_RECORD_MIN + text_len;
    }
    return len;
}

static rc_status write_event_block(rc_wcore *c, rc_error *err)
{
    if (c->n_events == 0)
        return RC_OK;
    size_t len = rc_evnt_encode(c->events, c->n_events, c->ev_payload, c->ev_payload_cap);
    assert(len > 0);
    c->n_events = 0;
    return write_chunk(c, RC_CHUNK_EVNT, c->ev_payload, len, 0, 0, err);
}

rc_status rc_wcore_event(rc_wcore *c, const rc_event *ev, rc_error *err)
{
    if (c->failed)
        return check_failed(c, err);
    if (c->n_events == RC_TRACE_EVNT_BLOCK) {
        rc_status st = write_event_block(c, err);
        if (st != RC_OK)
            return st;
    }
    c->events[c->n_events++] = *ev;
    if (ev->kind == RC_EV_RUN_END)
        c->end_reason = (uint32_t)ev->value;
    return RC_OK;
}

rc_status rc_wcore_time_pair(rc_wcore *c, int64_t unix_us, int64_t device_us, rc_error *err)
{
    uint8_t p[RC_TIME_LEN];
    rc_put_u64(p, (uint64_t)unix_us);
    rc_put_u64(p + 8, (uint64_t)device_us);
    return write_chunk(c, RC_CHUNK_TIME, p, sizeof p, 0, 0, err);
}

rc_status rc_wcore_lost(rc_wcore *c, const rc_trace_gap *g, rc_error *err)
{
    uint8_t p[RC_LOST_LEN];
    rc_put_u64(p, (uint64_t)g->from_us);
    rc_put_u64(p + 8, (uint64_t)g->to_us);
    rc_put_u64(p + 16, g->samples);
    rc_put_u64(p + 24, g->events);
    return write_chunk(c, RC_CHUNK_LOST, p, sizeof p, 0, 0, err);
}

/* ---- Flush and close ------------------------------------------------------------- */

rc_status rc_wcore_flush(rc_wcore *c, rc_error *err)
{
    if (c->failed)
        return check_failed(c, err);
    rc_status st = seal_block(c, err);
    if (st == RC_OK)
        st = write_event_block(c, err);
    if (st == RC_OK && fflush(c->f) != 0)
        st = io_error(c, "flush failed", err);
    return st;
}

static rc_status write_end(rc_wcore *c, int64_t end_us, rc_error *err)
{
    rc_status st = RC_OK;
    for (size_t ch = 0; st == RC_OK && ch < c->n_ch; ch++)
        for (int k = 1; st == RC_OK && k <= RC_SUMM_LEVELS; k++)
            st = write_summary(c, ch, k, err);
    if (st == RC_OK)
        st = write_index(c, err);
    if (st != RC_OK)
        return st;
    uint8_t end[RC_END_LEN_1_1];
    rc_put_u64(end, (uint64_t)end_us);
    rc_put_u32(end + 8, c->end_reason);
    rc_put_u64(end + 12, c->last_index);
    return write_chunk(c, RC_CHUNK_END, end, sizeof end, 0, 0, err);
}

rc_status rc_wcore_close(rc_wcore *c, int64_t end_us, rc_error *err)
{
    rc_status st = rc_wcore_flush(c, err);
    if (st == RC_OK)
        st = write_end(c, end_us, err);
    /* Pipes and some devices cannot sync (EINVAL): their data is already handed on. */
    if (st == RC_OK && (fflush(c->f) != 0 || (fsync(fileno(c->f)) != 0 && errno != EINVAL)))
        st = io_error(c, "flush failed", err);
    FILE *f = c->f;
    c->f = NULL;
    if (fclose(f) != 0 && st == RC_OK)
        st = io_error(c, "close failed", err);
    core_free(c);
    return st;
}
