/*
 * reader.c - the .rct trace reader: open, the chunk walk, the index, follow.
 *
 * A verifying open walks the chunks once, front to back, one chunk in memory
 * at a time (a buffer that grows to the largest chunk). Every chunk's length
 * and CRC are checked before its payload is believed, and every count and
 * index inside it against the payload size. The first chunk that fails
 * stops the walk: rc_trace_damage records where and why, and everything
 * before it stays usable. A fast open reads the preamble, then the chain of
 * INDX chunks from the last one back (found through END, or by scanning
 * back from the end of the file), takes sample and summary chunks from the
 * index without reading them, and walks only the chunks after the last
 * index. What either keeps is described in reader_internal.h; samples and
 * summaries stay on disk (read.c, summary.c).
 *
 * Follow: rc_trace_refresh walks on from where the last walk stopped. A
 * chunk cut short by the end of the file is, for a fast or followed open,
 * not yet written rather than damaged.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/reader_internal.h"

/* How far back from the end of a file without END an open looks for the
 * last INDX: a few index intervals. */
#define INDEX_SCAN_BYTES (4u * RC_INDX_EVERY_BYTES)

/* ---- Low-level reading -------------------------------------------------------- */

/* pread: one system call, no stdio buffer to refill after each seek. */
bool rc_read_at(rc_trace *t, uint64_t offset, void *dst, size_t len)
{
    uint8_t *p = dst;
    while (len > 0) {
        ssize_t got = pread(fileno(t->f), p, len, (off_t)offset);
        if (got <= 0)
            return false;
        p += got;
        offset += (uint64_t)got;
        len -= (size_t)got;
    }
    return true;
}

rc_status rc_load_chunk(rc_trace *t, chunk_cache *cache, uint64_t offset, uint32_t type,
                        uint32_t len, bool *verified, rc_error *err)
{
    if (cache->offset == offset && cache->buf)
        return RC_OK;
    size_t total = RC_TRACE_CHUNK_HEADER_LEN + (size_t)len + RC_TRACE_CHUNK_CRC_LEN;
    uint8_t *buf = rc_grow(cache->buf, &cache->cap, total, 1);
    if (!buf)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    cache->buf = buf;
    cache->offset = UINT64_MAX;
    const uint8_t *payload = buf + RC_TRACE_CHUNK_HEADER_LEN;
    if (!rc_read_at(t, offset, buf, total) || rc_get_u32(buf) != type ||
        rc_get_u32(buf + 8) != len ||
        (!(verified && *verified) &&
         rc_get_u32(payload + len) != rc_chunk_crc(buf, payload, len))) {
        char name[12];
        rc_fourcc_name(type, name);
        return rc_error_set(err, RC_ERR_FORMAT,
                            "%s: %s chunk at offset %llu changed or became unreadable (damaged)",
                            t->path, name, (unsigned long long)offset);
    }
    cache->offset = offset;
    if (verified)
        *verified = true;
    return RC_OK;
}

/* ---- Chunk payload handlers ------------------------------------------------- */
/* Each returns RC_OK, or RC_ERR_FORMAT / RC_ERR_NOMEM with a message that
 * the walk turns into damage at the chunk's offset. */

static rc_status on_head(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (t->have_head)
        return rc_error_set(err, RC_ERR_FORMAT, "second HEAD chunk");
    rc_status st = rc_head_decode((const char *)p, len, &t->head, err);
    t->have_head = st == RC_OK;
    return st;
}

static rc_status on_prof(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (t->have_prof)
        return rc_error_set(err, RC_ERR_FORMAT, "second PROF chunk");
    rc_profile *prof = NULL;
    rc_status st = rc_prof_decode((const char *)p, len, &prof, err);
    if (st != RC_OK)
        return st;
    rc_profile_free(t->profile);
    t->profile = prof;
    t->have_prof = true;
    return RC_OK;
}

static field field_of(const char *name, size_t len, uint8_t storage)
{
    static const struct {
        const char *name;
        uint8_t storage;
        field field;
    } known[] = {
        {"rail_v", RC_STORE_F32, F_RAIL_V},
        {"rail_a", RC_STORE_F32, F_RAIL_A},
        {"ac_lost", RC_STORE_U8, F_AC_LOST},
        {"ch_state", RC_STORE_U8, F_CH_STATE},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strlen(known[i].name) == len && memcmp(known[i].name, name, len) == 0 &&
            known[i].storage == storage)
            return known[i].field;
    }
    return F_NONE;
}

static char *copy_text(const uint8_t *p, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, p, len);
        s[len] = '\0';
    }
    return s;
}

static rc_status add_column(rc_trace *t, size_t i, const uint8_t *c, rc_error *err)
{
    uint8_t storage = c[0], name_len = c[1], unit_len = c[2 + name_len];
    column *k = &t->cols[i];
    k->size = rc_storage_size(storage);
    k->field = field_of((const char *)c + 2, name_len, storage);
    k->def.storage = (rc_trace_storage)storage;
    k->def.gain = 1;
    k->def.offset = 0;
    k->def.name = copy_text(c + 2, name_len);
    k->def.unit = copy_text(c + 3 + name_len, unit_len);
    if (!k->def.name || !k->def.unit)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    return RC_OK;
}

static rc_status on_chan(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (t->sample_bytes)
        return rc_error_set(err, RC_ERR_FORMAT, "second CHAN chunk");
    if (len < 2)
        return rc_error_set(err, RC_ERR_FORMAT, "CHAN payload too short");
    size_t n = rc_get_u16(p), pos = 2, bytes = 0;
    if (n == 0 || n > RC_TRACE_MAX_CHANNELS)
        return rc_error_set(err, RC_ERR_FORMAT, "CHAN declares %zu channels (1..%d allowed)", n,
                            RC_TRACE_MAX_CHANNELS);
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 2 || len - pos - 2 < p[pos + 1] + 1u)
            return rc_error_set(err, RC_ERR_FORMAT, "CHAN channel %zu runs past the payload",
                                i);
        uint8_t storage = p[pos], name_len = p[pos + 1], unit_len = p[pos + 2 + name_len];
        if (len - pos - 3 - name_len < unit_len)
            return rc_error_set(err, RC_ERR_FORMAT, "CHAN channel %zu runs past the payload",
                                i);
        if (storage < RC_STORE_F32 || storage > RC_STORE_I16)
            return rc_error_set(err, RC_ERR_FORMAT, "CHAN channel %zu: unknown storage type %u",
                                i, storage);
        t->n_cols = i + 1; /* so that close frees what add_column made */
        rc_status st = add_column(t, i, p + pos, err);
        if (st != RC_OK)
            return st;
        bytes += t->cols[i].size;
        pos += 3u + name_len + unit_len;
    }
    if (pos != len)
        return rc_error_set(err, RC_ERR_FORMAT, "CHAN has %zu bytes after its channels",
                            len - pos);
    t->sample_bytes = bytes;
    return RC_OK;
}

static rc_status on_scal(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (!t->sample_bytes || t->have_scal || t->n_blocks)
        return rc_error_set(err, RC_ERR_FORMAT, "SCAL is not right after CHAN");
    if (len != t->n_cols * RC_SCAL_ENTRY_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "SCAL has %zu bytes for %zu channels", len,
                            t->n_cols);
    for (size_t i = 0; i < t->n_cols; i++) {
        double gain = rc_get_f64(p + i * RC_SCAL_ENTRY_LEN);
        double offset = rc_get_f64(p + i * RC_SCAL_ENTRY_LEN + 8);
        if (!(gain == gain) || gain == 0 || gain * 0 != 0 || offset * 0 != 0)
            return rc_error_set(err, RC_ERR_FORMAT, "SCAL channel %zu: gain or offset invalid",
                                i);
        if (t->cols[i].def.storage == RC_TRACE_STORE_I16) {
            t->cols[i].def.gain = gain;
            t->cols[i].def.offset = offset;
        }
    }
    t->have_scal = true;
    return RC_OK;
}

/* Fills b from a SAMP payload after checking it against the CHAN layout. */
static rc_status parse_samp(const rc_trace *t, const uint8_t *p, size_t len, samp_block *b,
                            rc_error *err)
{
    if (!t->sample_bytes)
        return rc_error_set(err, RC_ERR_FORMAT, "SAMP before CHAN");
    if (len < RC_SAMP_HEADER_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "SAMP payload too short");
    b->t0_us = (int64_t)rc_get_u64(p);
    b->period_us = (int64_t)rc_get_u64(p + 8);
    b->count = rc_get_u32(p + 16);
    return RC_OK;
}

/* Checks a block's count, period and place after the blocks before it, and
 * appends it. */
static rc_status add_block(rc_trace *t, samp_block *b, uint64_t offset, size_t len,
                           rc_error *err)
{
    if (b->count == 0 || (len - RC_SAMP_HEADER_LEN) / t->sample_bytes != b->count ||
        (len - RC_SAMP_HEADER_LEN) % t->sample_bytes != 0)
        return rc_error_set(err, RC_ERR_FORMAT,
                            "SAMP count %u does not match %zu payload bytes",
                            (unsigned)b->count, len);
    if (b->period_us < 0 || (b->count > 1 && b->period_us == 0))
        return rc_error_set(err, RC_ERR_FORMAT, "SAMP period %lld us is invalid",
                            (long long)b->period_us);
    int64_t span;
    if (__builtin_mul_overflow(b->period_us, (int64_t)(b->count - 1), &span) ||
        __builtin_add_overflow(b->t0_us, span, &b->last_us))
        return rc_error_set(err, RC_ERR_FORMAT, "SAMP time range overflows");
    if (t->n_blocks && b->t0_us <= t->blocks[t->n_blocks - 1].last_us)
        return rc_error_set(err, RC_ERR_FORMAT, "SAMP starts at %lld us, not after %lld us",
                            (long long)b->t0_us, (long long)t->blocks[t->n_blocks - 1].last_us);
    samp_block *blocks = rc_grow(t->blocks, &t->cap_blocks, t->n_blocks + 1, sizeof *blocks);
    if (!blocks)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->blocks = blocks;
    b->offset = offset;
    b->len = (uint32_t)len;
    b->first = t->n_samples;
    b->verified = false;
    t->blocks[t->n_blocks++] = *b;
    t->n_samples += b->count;
    t->stats.samples += b->count;
    return RC_OK;
}

static rc_status on_samp(rc_trace *t, uint64_t offset, const uint8_t *p, size_t len,
                         rc_error *err)
{
    samp_block b;
    rc_status st = parse_samp(t, p, len, &b, err);
    return st == RC_OK ? add_block(t, &b, offset, len, err) : st;
}

/* Decodes one event record at p[*pos]; advances *pos. */
static rc_status parse_event(const uint8_t *p, size_t len, size_t *pos, rc_event *ev,
                             rc_error *err)
{
    if (len - *pos < RC_EVNT_RECORD_MIN)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT record runs past the payload");
    const uint8_t *r = p + *pos;
    size_t text_len = r[14];
    if (text_len >= RC_EVENT_TEXT_MAX || len - *pos - RC_EVNT_RECORD_MIN < text_len)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT text of %zu bytes is invalid", text_len);
    memset(ev, 0, sizeof *ev);
    ev->t_us = (int64_t)rc_get_u64(r);
    ev->kind = rc_get_u16(r + 8);
    ev->value = (int32_t)rc_get_u32(r + 10);
    memcpy(ev->text, r + RC_EVNT_RECORD_MIN, text_len);
    if (memchr(ev->text, '\0', text_len))
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT text contains a NUL byte");
    *pos += RC_EVNT_RECORD_MIN + text_len;
    return RC_OK;
}

/* Appends an EVNT payload's events to list[*n] (time order checked within
 * the list); a failure leaves *n as it was. */
static rc_status parse_events(rc_event **list, size_t *n, size_t *cap, const uint8_t *p,
                              size_t len, rc_error *err)
{
    if (len < RC_EVNT_HEADER_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT payload too short");
    size_t count = rc_get_u32(p), pos = RC_EVNT_HEADER_LEN, at = *n;
    if (count == 0 || count > (len - pos) / RC_EVNT_RECORD_MIN)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT count %zu does not fit %zu bytes", count,
                            len);
    rc_event *events = rc_grow(*list, cap, at + count, sizeof *events);
    if (!events)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    *list = events;
    for (size_t i = 0; i < count; i++, at++) {
        rc_status st = parse_event(p, len, &pos, &events[at], err);
        if (st != RC_OK)
            return st;
        if (at && events[at].t_us < events[at - 1].t_us)
            return rc_error_set(err, RC_ERR_FORMAT, "event %zu at %lld us is out of time order",
                                i, (long long)events[at].t_us);
    }
    if (pos != len)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT has %zu bytes after its records",
                            len - pos);
    *n = at;
    return RC_OK;
}

static rc_status on_evnt(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    return parse_events(&t->rec, &t->n_rec, &t->cap_rec, p, len, err);
}

static rc_status on_anno(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (len < 1 || len - 1 < p[0])
        return rc_error_set(err, RC_ERR_FORMAT, "ANNO source runs past the payload");
    char *src = copy_text(p + 1, p[0]);
    char **sources = realloc(t->sources, (t->n_sources + 1) * sizeof *sources);
    if (!src || !sources) {
        free(src);
        if (sources)
            t->sources = sources;
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    t->sources = sources;
    t->sources[t->n_sources++] = src;
    /* Each annotation chunk is in time order on its own. */
    size_t before = t->n_ann, cap = t->cap_ann;
    rc_event *list = t->ann;
    rc_event *prev_last = before ? &t->ann[before - 1] : NULL;
    rc_event saved;
    if (prev_last) {
        saved = *prev_last;
        prev_last->t_us = INT64_MIN;
    }
    rc_status st = parse_events(&list, &t->n_ann, &cap, p + 1 + p[0], len - 1 - p[0], err);
    t->ann = list;
    t->cap_ann = cap;
    if (prev_last)
        t->ann[before - 1] = saved;
    char **srcs = st == RC_OK ? realloc(t->ann_src, t->n_ann * sizeof *srcs) : NULL;
    if (st == RC_OK && !srcs) {
        t->n_ann = before;
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    if (st != RC_OK)
        return st;
    t->ann_src = srcs;
    for (size_t i = before; i < t->n_ann; i++)
        t->ann_src[i] = src;
    t->stats.annotations += t->n_ann - before;
    return RC_OK;
}

static rc_status on_end(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (len < RC_END_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "END payload too short");
    t->stats.complete = true;
    t->stats.end_us = (int64_t)rc_get_u64(p);
    t->stats.end_reason = rc_get_u32(p + 8);
    return RC_OK;
}

/* Entries of a level must follow on from those before, and cover only
 * samples already written. */
static rc_status add_summary(rc_trace *t, unsigned level, unsigned channel, uint64_t first,
                             uint32_t count, uint64_t offset, size_t len, rc_error *err)
{
    if (level < 1 || level > RC_SUMM_LEVELS || channel >= t->n_cols || count == 0 ||
        len != RC_SUMM_HEADER_LEN + (size_t)count * RC_SUMM_ENTRY_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "SUMM level %u channel %u count %u is invalid",
                            level, channel, (unsigned)count);
    summ_list *l = &t->summ[channel][level - 1];
    uint64_t covered;
    if (first != l->entries)
        return rc_error_set(err, RC_ERR_FORMAT, "SUMM level %u starts at entry %llu, not %llu",
                            level, (unsigned long long)first, (unsigned long long)l->entries);
    if (__builtin_mul_overflow(first + count, (uint64_t)1 << (RC_SUMM_SHIFT * level), &covered) ||
        covered > t->n_samples)
        return rc_error_set(err, RC_ERR_FORMAT, "SUMM level %u covers samples not written",
                            level);
    summ_chunk *c = rc_grow(l->chunks, &l->cap, l->n + 1, sizeof *c);
    if (!c)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    l->chunks = c;
    l->chunks[l->n++] = (summ_chunk){offset, (uint32_t)len, first, count, false};
    l->entries += count;
    return RC_OK;
}

static rc_status on_summ(rc_trace *t, uint64_t offset, const uint8_t *p, size_t len,
                         rc_error *err)
{
    if (len < RC_SUMM_HEADER_LEN || p[1] != 0)
        return rc_error_set(err, RC_ERR_FORMAT, "SUMM header invalid");
    return add_summary(t, p[0], rc_get_u16(p + 2), rc_get_u64(p + 4), rc_get_u32(p + 12),
                       offset, len, err);
}

static rc_status on_time(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (len != RC_TIME_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "TIME payload of %zu bytes", len);
    time_pair *pairs = rc_grow(t->pairs, &t->cap_pairs, t->n_pairs + 1, sizeof *pairs);
    if (!pairs)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->pairs = pairs;
    t->pairs[t->n_pairs++] = (time_pair){(int64_t)rc_get_u64(p), (int64_t)rc_get_u64(p + 8)};
    return RC_OK;
}

static rc_status on_lost(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (len != RC_LOST_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "LOST payload of %zu bytes", len);
    rc_trace_gap g = {(int64_t)rc_get_u64(p), (int64_t)rc_get_u64(p + 8), rc_get_u64(p + 16),
                      rc_get_u64(p + 24)};
    if (g.to_us < g.from_us)
        return rc_error_set(err, RC_ERR_FORMAT, "LOST ends before it starts");
    rc_trace_gap *gaps = rc_grow(t->gaps, &t->cap_gaps, t->n_gaps + 1, sizeof *gaps);
    if (!gaps)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->gaps = gaps;
    t->gaps[t->n_gaps++] = g;
    t->stats.samples_lost += g.samples;
    t->stats.events_lost += g.events;
    return RC_OK;
}

static bool needs_scal(const rc_trace *t)
{
    if (!t->sample_bytes || t->have_scal)
        return false;
    for (size_t i = 0; i < t->n_cols; i++)
        if (t->cols[i].def.storage == RC_TRACE_STORE_I16)
            return true;
    return false;
}

static rc_status on_chunk(rc_trace *t, uint64_t n, uint32_t type, uint64_t offset,
                          const uint8_t *p, size_t len, rc_error *err)
{
    if (n == 1 && type != RC_CHUNK_HEAD)
        return rc_error_set(err, RC_ERR_FORMAT, "the first chunk is not HEAD");
    /* Without their scale, int16 codes would be shown as if in units. */
    if (needs_scal(t) && type != RC_CHUNK_SCAL)
        return rc_error_set(err, RC_ERR_FORMAT, "int16 channels without a SCAL chunk");
    switch (type) {
    case RC_CHUNK_HEAD: return on_head(t, p, len, err);
    case RC_CHUNK_PROF: return on_prof(t, p, len, err);
    case RC_CHUNK_CHAN: return on_chan(t, p, len, err);
    case RC_CHUNK_SCAL: return on_scal(t, p, len, err);
    case RC_CHUNK_SAMP: return on_samp(t, offset, p, len, err);
    case RC_CHUNK_EVNT: return on_evnt(t, p, len, err);
    case RC_CHUNK_END: return on_end(t, p, len, err);
    case RC_CHUNK_SUMM: return on_summ(t, offset, p, len, err);
    case RC_CHUNK_TIME: return on_time(t, p, len, err);
    case RC_CHUNK_LOST: return on_lost(t, p, len, err);
    case RC_CHUNK_ANNO: return on_anno(t, p, len, err);
    default: return RC_OK; /* INDX is for fast opens; unknown types are skipped */
    }
}

/* ---- The walk ------------------------------------------------------------------ */

static void set_damage(rc_trace *t, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_damage(rc_trace *t, uint64_t offset, const char *fmt, ...)
{
    t->damage.damaged = true;
    t->damage.offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->damage.reason, sizeof t->damage.reason, fmt, ap);
    va_end(ap);
}

/* A chunk whose framing has been checked; payload points into t->buf. */
typedef struct chunk {
    uint64_t n; /* 1-based position in the file, for messages */
    uint64_t offset;
    uint32_t type;
    uint32_t len;
    char name[12];
    const uint8_t *payload;
} chunk;

/* A chunk cut short by the end of the file: damage for a verifying open,
 * not yet written for a fast or followed one. */
static void set_truncated(rc_trace *t, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_truncated(rc_trace *t, uint64_t off, const char *fmt, ...)
{
    if (t->flags & RC_TRACE_OPEN_FAST) {
        t->stats.pending_bytes = t->stats.file_bytes - off;
        return;
    }
    t->truncated = true;
    t->damage.damaged = true;
    t->damage.offset = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->damage.reason, sizeof t->damage.reason, fmt, ap);
    va_end(ap);
}

/* Reads the chunk at c->offset into t->buf and checks its header, length and
 * CRC. Returns false after recording damage, when the file ends exactly at
 * c->offset (no damage), or when memory runs out (*fatal set). */
static bool load_chunk(rc_trace *t, chunk *c, rc_status *fatal)
{
    uint64_t off = c->offset, left = t->stats.file_bytes - off;
    uint8_t h[RC_TRACE_CHUNK_HEADER_LEN];
    if (left == 0)
        return false;
    if (left < sizeof h || !rc_read_at(t, off, h, sizeof h)) {
        set_truncated(t, off, "truncated chunk header at offset %llu: %llu of %d bytes present",
                      (unsigned long long)off, (unsigned long long)left,
                      RC_TRACE_CHUNK_HEADER_LEN);
        return false;
    }
    c->type = rc_get_u32(h);
    c->len = rc_get_u32(h + 8);
    rc_fourcc_name(c->type, c->name);
    if (c->len > RC_TRACE_CHUNK_MAX) {
        set_damage(t, off, "chunk %llu (%s) at offset %llu: length %u exceeds the limit",
                   (unsigned long long)c->n, c->name, (unsigned long long)off,
                   (unsigned)c->len);
        return false;
    }
    uint64_t total = RC_TRACE_CHUNK_HEADER_LEN + (uint64_t)c->len + RC_TRACE_CHUNK_CRC_LEN;
    if (left < total) {
        set_truncated(t, off, "truncated chunk %s at offset %llu: %llu of %llu bytes present",
                      c->name, (unsigned long long)off, (unsigned long long)left,
                      (unsigned long long)total);
        return false;
    }
    uint8_t *buf = rc_grow(t->buf, &t->buf_cap, total, 1);
    if (!buf) {
        *fatal = RC_ERR_NOMEM;
        return false;
    }
    t->buf = buf;
    c->payload = buf + RC_TRACE_CHUNK_HEADER_LEN;
    const char *failure =
        !rc_read_at(t, off, buf, total) ? "read failed"
        : rc_get_u32(c->payload + c->len) != rc_chunk_crc(buf, c->payload, c->len)
            ? "CRC mismatch"
            : NULL;
    if (failure)
        set_damage(t, off, "chunk %llu (%s) at offset %llu: %s", (unsigned long long)c->n,
                   c->name, (unsigned long long)off, failure);
    return failure == NULL;
}

/* Reads, checks and takes in the chunk at offset; returns its total size,
 * or 0 when the walk must stop. */
static uint64_t read_chunk(rc_trace *t, uint64_t n, uint64_t offset, uint32_t *type,
                           rc_status *fatal)
{
    chunk c = {.n = n, .offset = offset};
    if (!load_chunk(t, &c, fatal))
        return 0;
    rc_error cerr;
    rc_status st = on_chunk(t, n, c.type, offset, c.payload, c.len, &cerr);
    if (st == RC_ERR_NOMEM) {
        *fatal = st;
        return 0;
    }
    if (st != RC_OK) {
        set_damage(t, offset, "chunk %llu (%s) at offset %llu: %s", (unsigned long long)n,
                   c.name, (unsigned long long)offset, cerr.msg);
        return 0;
    }
    *type = c.type;
    return RC_TRACE_CHUNK_HEADER_LEN + (uint64_t)c.len + RC_TRACE_CHUNK_CRC_LEN;
}

/* Walks from t->tail to the end of the file or the first damage; with
 * preamble_only, stops before the first chunk after HEAD, PROF, CHAN, SCAL. */
static rc_status walk(rc_trace *t, bool preamble_only)
{
    rc_status fatal = RC_OK;
    for (;;) {
        if (preamble_only && t->sample_bytes && t->n_chunks_seen >= 3 && !needs_scal(t)) {
            uint8_t h[4];
            if (!rc_read_at(t, t->tail, h, sizeof h) || rc_get_u32(h) != RC_CHUNK_SCAL)
                return RC_OK;
        }
        uint32_t type = 0;
        uint64_t size = read_chunk(t, t->n_chunks_seen + 1, t->tail, &type, &fatal);
        if (size == 0)
            return fatal;
        t->n_chunks_seen++;
        t->stats.chunks++;
        t->tail += size;
    }
}

/* ---- Fast open: the index ------------------------------------------------------- */

/* Whether a valid INDX chunk starts at off; sets *len. */
static bool index_at(rc_trace *t, uint64_t off, uint32_t *len)
{
    chunk_cache probe = {.offset = UINT64_MAX};
    uint8_t h[RC_TRACE_CHUNK_HEADER_LEN];
    if (off + sizeof h > t->stats.file_bytes || !rc_read_at(t, off, h, sizeof h) ||
        rc_get_u32(h) != RC_CHUNK_INDX || rc_get_u32(h + 4) != 0)
        return false;
    *len = rc_get_u32(h + 8);
    rc_error err;
    bool ok = *len <= RC_TRACE_CHUNK_MAX && *len >= RC_INDX_HEADER_LEN &&
              off + 16 + *len <= t->stats.file_bytes &&
              rc_load_chunk(t, &probe, off, RC_CHUNK_INDX, *len, NULL, &err) == RC_OK;
    free(probe.buf);
    return ok;
}

/* The offset of the last INDX: named by a trailing END, else the last one
 * found scanning back from the end of the file; 0 if none. */
static uint64_t find_last_index(rc_trace *t, uint64_t floor)
{
    uint64_t size = t->stats.file_bytes;
    uint8_t end[16 + RC_END_LEN_1_1];
    uint32_t len;
    if (size >= floor + sizeof end && rc_read_at(t, size - sizeof end, end, sizeof end) &&
        rc_get_u32(end) == RC_CHUNK_END && rc_get_u32(end + 8) == RC_END_LEN_1_1 &&
        rc_get_u32(end + 32) == rc_chunk_crc(end, end + 12, RC_END_LEN_1_1)) {
        uint64_t at = rc_get_u64(end + 24);
        if (at >= floor && index_at(t, at, &len))
            return at;
    }
    uint64_t lo = size > floor + INDEX_SCAN_BYTES ? size - INDEX_SCAN_BYTES : floor;
    size_t n = (size_t)(size - lo);
    uint8_t *buf = malloc(n ? n : 1);
    uint64_t found = 0;
    if (buf && rc_read_at(t, lo, buf, n)) {
        for (size_t i = n >= 8 ? n - 8 + 1 : 0; i-- > 0 && !found;)
            if (memcmp(buf + i, "INDX\0\0\0\0", 8) == 0 && index_at(t, lo + i, &len))
                found = lo + i;
    }
    free(buf);
    return found;
}

/* Takes in one index entry: sample and summary chunks by reference,
 * others (events, pairs, gaps) by reading them. */
static rc_status index_entry(rc_trace *t, const uint8_t *e, rc_error *err)
{
    uint64_t off = rc_get_u64(e), a = rc_get_u64(e + 16), b = rc_get_u64(e + 24);
    uint32_t type = rc_get_u32(e + 8), len = rc_get_u32(e + 12);
    if (len > RC_TRACE_CHUNK_MAX || off < RC_TRACE_FILE_HEADER_LEN ||
        off + 16 + len > t->stats.file_bytes)
        return rc_error_set(err, RC_ERR_FORMAT, "index entry points outside the file");
    t->n_chunks_seen++;
    t->stats.chunks++;
    if (type == RC_CHUNK_SAMP) {
        samp_block blk = {.t0_us = (int64_t)a, .period_us = (int64_t)b};
        if (len < RC_SAMP_HEADER_LEN)
            return rc_error_set(err, RC_ERR_FORMAT, "index: SAMP too short");
        blk.count = (uint32_t)((len - RC_SAMP_HEADER_LEN) / t->sample_bytes);
        return add_block(t, &blk, off, len, err);
    }
    if (type == RC_CHUNK_SUMM)
        return add_summary(t, (unsigned)(b & 0xff), (unsigned)(b >> 8 & 0xffff), a,
                           (uint32_t)(b >> 32), off, len, err);
    chunk_cache c = {.offset = UINT64_MAX};
    rc_status st = rc_load_chunk(t, &c, off, type, len, NULL, err);
    if (st == RC_OK)
        st = on_chunk(t, 0, type, off, c.buf + RC_TRACE_CHUNK_HEADER_LEN, len, err);
    free(c.buf);
    return st;
}

/* One INDX of the chain, as read walking back: where it is and where its
 * entries went in the shared entry buffer. */
typedef struct index_link {
    uint64_t offset;
    uint32_t len;
    size_t first, count; /* entries in the buffer */
} index_link;

/* Reads and checks the INDX at `at` (one read for the usual small ones),
 * appends its entries to *ents and returns its previous INDX in *prev. */
static rc_status read_index(rc_trace *t, uint64_t at, index_link *link, uint8_t **ents,
                            size_t *n_ents, size_t *cap_ents, uint64_t *prev, rc_error *err)
{
    chunk_cache c = {.offset = UINT64_MAX};
    uint8_t h[RC_TRACE_CHUNK_HEADER_LEN];
    uint32_t len;
    rc_status st = RC_OK;
    if (!rc_read_at(t, at, h, sizeof h) || rc_get_u32(h) != RC_CHUNK_INDX ||
        (len = rc_get_u32(h + 8)) < RC_INDX_HEADER_LEN || len > RC_TRACE_CHUNK_MAX ||
        at + 16 + len > t->stats.file_bytes)
        return rc_error_set(err, RC_ERR_FORMAT, "index chain broken at offset %llu",
                            (unsigned long long)at);
    st = rc_load_chunk(t, &c, at, RC_CHUNK_INDX, len, NULL, err);
    const uint8_t *p = c.buf + RC_TRACE_CHUNK_HEADER_LEN;
    size_t count = st == RC_OK ? rc_get_u32(p + 8) : 0;
    if (st == RC_OK && (len - RC_INDX_HEADER_LEN) / RC_INDX_ENTRY_LEN != count)
        st = rc_error_set(err, RC_ERR_FORMAT, "index count does not match its size");
    uint8_t *e = st == RC_OK ? rc_grow(*ents, cap_ents, *n_ents + count * RC_INDX_ENTRY_LEN, 1)
                             : NULL;
    if (st == RC_OK && !e && count)
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (st == RC_OK && count) {
        *ents = e;
        memcpy(e + *n_ents, p + RC_INDX_HEADER_LEN, count * RC_INDX_ENTRY_LEN);
    }
    if (st == RC_OK) {
        *link = (index_link){at, len, *n_ents, count};
        *n_ents += count * RC_INDX_ENTRY_LEN;
        *prev = rc_get_u64(p);
    }
    free(c.buf);
    return st;
}

/* Reads the INDX chain ending at last (each chunk once, walking back),
 * then takes in the entries oldest first. */
static rc_status load_index(rc_trace *t, uint64_t last, uint64_t *after, rc_error *err)
{
    index_link *chain = NULL;
    uint8_t *ents = NULL;
    size_t n = 0, cap = 0, n_ents = 0, cap_ents = 0;
    rc_status st = RC_OK;
    for (uint64_t at = last; at && st == RC_OK;) {
        index_link *c = rc_grow(chain, &cap, n + 1, sizeof *c);
        if (!c) {
            st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
            break;
        }
        chain = c;
        if (n && at >= chain[n - 1].offset) {
            st = rc_error_set(err, RC_ERR_FORMAT, "index chain broken at offset %llu",
                              (unsigned long long)at);
            break;
        }
        st = read_index(t, at, &chain[n], &ents, &n_ents, &cap_ents, &at, err);
        n += st == RC_OK;
    }
    for (size_t i = n; st == RC_OK && i-- > 0;) {
        for (size_t k = 0; st == RC_OK && k < chain[i].count; k++)
            st = index_entry(t, ents + chain[i].first + k * RC_INDX_ENTRY_LEN, err);
        t->n_chunks_seen++;
        t->stats.chunks++;
        *after = chain[i].offset + 16 + chain[i].len;
    }
    free(ents);
    free(chain);
    return st;
}

/* ---- Events ---------------------------------------------------------------------- */

/* Merges recorded and annotated events by time (recorded first on ties). */
static rc_status merge_events(rc_trace *t)
{
    size_t n = t->n_rec + t->n_ann;
    rc_event *ev = malloc((n ? n : 1) * sizeof *ev);
    const char **src = malloc((n ? n : 1) * sizeof *src);
    if (!ev || !src) {
        free(ev);
        free(src);
        return RC_ERR_NOMEM;
    }
    size_t i = 0, j = 0, k = 0;
    /* Annotations are sorted here: chunks are each in order, not together. */
    for (size_t a = 1; a < t->n_ann; a++) {
        for (size_t b = a; b > 0 && t->ann[b].t_us < t->ann[b - 1].t_us; b--) {
            rc_event e = t->ann[b];
            t->ann[b] = t->ann[b - 1];
            t->ann[b - 1] = e;
            char *s = t->ann_src[b];
            t->ann_src[b] = t->ann_src[b - 1];
            t->ann_src[b - 1] = s;
        }
    }
    while (i < t->n_rec || j < t->n_ann) {
        bool take_rec = j == t->n_ann || (i < t->n_rec && t->rec[i].t_us <= t->ann[j].t_us);
        src[k] = take_rec ? NULL : t->ann_src[j];
        ev[k++] = take_rec ? t->rec[i++] : t->ann[j++];
    }
    free(t->events);
    free(t->event_src);
    t->events = ev;
    t->event_src = src;
    t->n_events = n;
    return RC_OK;
}

/* ---- Open and close -------------------------------------------------------------- */

static rc_status check_file_header(rc_trace *t, rc_error *err)
{
    uint8_t h[RC_TRACE_FILE_HEADER_LEN];
    if (t->stats.file_bytes < sizeof h || !rc_read_at(t, 0, h, sizeof h))
        return rc_error_set(err, RC_ERR_FORMAT,
                            "%s: too short to be a railcut trace (%llu bytes)", t->path,
                            (unsigned long long)t->stats.file_bytes);
    if (memcmp(h, RC_TRACE_MAGIC, RC_TRACE_MAGIC_LEN) != 0)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: not a railcut trace (bad magic)", t->path);
    if (rc_get_u32(h + 12) != rc_crc32(h, 12))
        return rc_error_set(err, RC_ERR_FORMAT, "%s: file header CRC mismatch", t->path);
    t->major = rc_get_u16(h + 8);
    t->minor = rc_get_u16(h + 10);
    if (t->major != RC_TRACE_VERSION_MAJOR)
        return rc_error_set(err, RC_ERR_FORMAT,
                            "%s: trace format version %u.%u is not readable by this railcut, "
                            "which reads version %d.x%s",
                            t->path, t->major, t->minor, RC_TRACE_VERSION_MAJOR,
                            t->major > RC_TRACE_VERSION_MAJOR ? "; a newer railcut is needed"
                                                              : "");
    return RC_OK;
}

static void fill_stats(rc_trace *t)
{
    rc_trace_stats *s = &t->stats;
    bool any = false;
    if (t->n_blocks) {
        s->first_us = t->blocks[0].t0_us;
        s->last_us = t->blocks[t->n_blocks - 1].last_us;
        any = true;
    }
    if (t->n_events) {
        int64_t first = t->events[0].t_us, last = t->events[t->n_events - 1].t_us;
        s->first_us = any && s->first_us < first ? s->first_us : first;
        s->last_us = any && s->last_us > last ? s->last_us : last;
    }
    s->events = t->n_events;
    if (!s->complete)
        s->end_us = s->last_us;
}

/* Forgets everything the walk took in after the file header, for a fresh
 * verifying walk when the index cannot be trusted. */
static void reset_contents(rc_trace *t)
{
    rc_head_store_free(&t->head);
    memset(&t->head, 0, sizeof t->head);
    for (size_t i = 0; i < t->n_cols; i++) {
        free((char *)t->cols[i].def.name);
        free((char *)t->cols[i].def.unit);
        for (int k = 0; k < RC_SUMM_LEVELS; k++) {
            free(t->summ[i][k].chunks);
            memset(&t->summ[i][k], 0, sizeof t->summ[i][k]);
        }
    }
    for (size_t i = 0; i < t->n_sources; i++)
        free(t->sources[i]);
    t->n_sources = t->n_cols = t->sample_bytes = 0;
    t->n_rec = t->n_ann = t->n_pairs = t->n_gaps = t->n_blocks = 0;
    t->n_samples = t->n_chunks_seen = 0;
    t->have_head = t->have_prof = t->have_scal = false;
    uint64_t size = t->stats.file_bytes;
    memset(&t->stats, 0, sizeof t->stats);
    t->stats.file_bytes = size;
    memset(&t->damage, 0, sizeof t->damage);
    t->truncated = false;
    t->tail = RC_TRACE_FILE_HEADER_LEN;
}

static rc_status open_fast(rc_trace *t)
{
    rc_status fatal = walk(t, true);
    if (fatal != RC_OK || t->damage.damaged || !t->sample_bytes)
        return fatal;
    uint64_t last = find_last_index(t, t->tail), after = 0;
    rc_error err;
    if (last) {
        rc_status st = load_index(t, last, &after, &err);
        if (st == RC_ERR_NOMEM)
            return st;
        if (st != RC_OK) {
            /* An index that does not hold together: read the file instead. */
            unsigned flags = t->flags;
            reset_contents(t);
            t->flags = RC_TRACE_OPEN_VERIFY;
            fatal = walk(t, false);
            t->flags = flags;
            return fatal;
        }
        t->tail = after;
        t->stats.indexed = true;
    }
    return walk(t, false);
}

static rc_status open_file(rc_trace *t, const char *path, rc_error *err)
{
    t->path = strdup(path);
    t->profile = rc_profile_new();
    if (!t->path || !t->profile)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->f = fopen(path, "rb");
    struct stat st;
    if (!t->f || fstat(fileno(t->f), &st) != 0)
        return rc_error_set(err, RC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    /* The reader seeks and trusts st_size: pipes and directories cannot be read. */
    if (!S_ISREG(st.st_mode))
        return rc_error_set(err, RC_ERR_IO, "%s: not a regular file", path);
    t->stats.file_bytes = (uint64_t)st.st_size;
    t->tail = RC_TRACE_FILE_HEADER_LEN;
    rc_status s = check_file_header(t, err);
    if (s == RC_OK)
        s = t->flags & RC_TRACE_OPEN_FAST ? open_fast(t) : walk(t, false);
    if (s == RC_OK)
        s = merge_events(t);
    if (s != RC_OK && s != RC_ERR_FORMAT)
        rc_error_set(err, s, "%s: out of memory reading the trace", path);
    return s;
}

static void set_defaults(rc_trace *t)
{
    static const char *const none = "";
    rc_trace_header *h = &t->head.hdr;
    h->railcut_version = h->railcut_version ? h->railcut_version : none;
    h->backend = h->backend ? h->backend : none;
    h->scenario = h->scenario ? h->scenario : none;
    h->profile_path = h->profile_path ? h->profile_path : none;
    for (size_t i = 0; i < t->n_cols; i++)
        t->chan[i] = t->cols[i].def;
}

rc_status rc_trace_open_ex(const char *path, unsigned flags, rc_trace **out, rc_error *err)
{
    *out = NULL;
    if (!path)
        return rc_error_set(err, RC_ERR_ARG, "trace path is required");
    rc_trace *t = calloc(1, sizeof *t);
    if (!t)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->flags = flags;
    t->block_cache.offset = UINT64_MAX;
    for (int k = 0; k < RC_SUMM_LEVELS; k++)
        t->summ_cache[k].offset = UINT64_MAX;
    rc_status st = open_file(t, path, err);
    if (st != RC_OK) {
        rc_trace_close(t);
        return st;
    }
    fill_stats(t);
    set_defaults(t);
    *out = t;
    return RC_OK;
}

rc_status rc_trace_open(const char *path, rc_trace **out, rc_error *err)
{
    return rc_trace_open_ex(path, RC_TRACE_OPEN_VERIFY, out, err);
}

rc_status rc_trace_refresh(rc_trace *t, bool *grew, rc_error *err)
{
    *grew = false;
    struct stat st;
    if (fstat(fileno(t->f), &st) != 0)
        return rc_error_set(err, RC_ERR_IO, "%s: %s", t->path, strerror(errno));
    if (t->damage.damaged && !t->truncated)
        return RC_OK; /* damage does not heal */
    uint64_t before = t->tail;
    t->stats.file_bytes = (uint64_t)st.st_size;
    t->stats.pending_bytes = 0;
    memset(&t->damage, 0, sizeof t->damage);
    t->truncated = false;
    /* Followed files are growing: a short last chunk is pending. */
    t->flags |= RC_TRACE_OPEN_FAST;
    rc_status s = walk(t, false);
    if (s == RC_OK && t->tail != before)
        s = merge_events(t);
    if (s != RC_OK)
        return rc_error_set(err, s, "%s: out of memory reading the trace", t->path);
    *grew = t->tail != before;
    fill_stats(t);
    set_defaults(t);
    return RC_OK;
}

void rc_trace_close(rc_trace *t)
{
    if (!t)
        return;
    if (t->f)
        fclose(t->f);
    reset_contents(t);
    rc_profile_free(t->profile);
    free(t->rec);
    free(t->ann);
    free(t->ann_src);
    free(t->sources);
    free(t->events);
    free(t->event_src);
    free(t->pairs);
    free(t->gaps);
    free(t->blocks);
    free(t->buf);
    free(t->block_cache.buf);
    for (int k = 0; k < RC_SUMM_LEVELS; k++)
        free(t->summ_cache[k].buf);
    free(t->path);
    free(t);
}

/* ---- Accessors ---------------------------------------------------------------- */

const rc_trace_header *rc_trace_get_header(const rc_trace *t)
{
    return &t->head.hdr;
}

void rc_trace_get_version(const rc_trace *t, unsigned *major, unsigned *minor)
{
    *major = t->major;
    *minor = t->minor;
}

const rc_profile *rc_trace_get_profile(const rc_trace *t)
{
    return t->profile;
}

const rc_trace_damage *rc_trace_get_damage(const rc_trace *t)
{
    return &t->damage;
}

const rc_trace_stats *rc_trace_get_stats(const rc_trace *t)
{
    return &t->stats;
}

const rc_event *rc_trace_get_events(const rc_trace *t, size_t *count)
{
    *count = t->n_events;
    return t->events;
}

const char *rc_trace_event_source(const rc_trace *t, size_t index)
{
    return index < t->n_events ? t->event_src[index] : NULL;
}

const rc_trace_channel *rc_trace_get_channels(const rc_trace *t, size_t *count)
{
    *count = t->n_cols;
    return t->chan;
}

const rc_trace_gap *rc_trace_get_gaps(const rc_trace *t, size_t *count)
{
    *count = t->n_gaps;
    return t->gaps;
}

/* The pair to convert through: the last at or before the instant (by key),
 * else the first. */
static const time_pair *pair_for(const rc_trace *t, int64_t v, bool by_unix)
{
    const time_pair *best = t->n_pairs ? &t->pairs[0] : NULL;
    for (size_t i = 0; i < t->n_pairs; i++)
        if ((by_unix ? t->pairs[i].unix_us : t->pairs[i].device_us) <= v)
            best = &t->pairs[i];
    return best;
}

int64_t rc_trace_utc_to_device(const rc_trace *t, int64_t unix_us)
{
    const time_pair *p = pair_for(t, unix_us, true);
    return p ? p->device_us + (unix_us - p->unix_us) : unix_us - t->head.hdr.start_unix_us;
}

int64_t rc_trace_device_to_utc(const rc_trace *t, int64_t device_us)
{
    const time_pair *p = pair_for(t, device_us, false);
    return p ? p->unix_us + (device_us - p->device_us) : t->head.hdr.start_unix_us + device_us;
}
