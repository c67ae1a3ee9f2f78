/*
 * reader.c - the .rct trace reader.
 *
 * Opening walks the chunks once, front to back, one chunk in memory at a
 * time (a buffer that grows to the largest chunk). Every chunk's length and
 * CRC are checked before its payload is believed, and every count and index
 * inside it against the payload size. The first chunk that fails stops the
 * walk: rc_trace_damage records where and why, and everything before it
 * stays usable. What the walk keeps:
 *   - the header and the profile (decoded from their JSON),
 *   - the channel layout of sample blocks (from CHAN),
 *   - all events, in time order (they are sparse),
 *   - an index of sample blocks: file offset, t0, period, count, last time.
 * Samples themselves stay on disk; rc_trace_read_samples binary-searches the
 * index and re-reads (and re-checks) only the blocks that overlap the range,
 * decoding them in fixed-size batches, so memory does not grow with the
 * trace.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace/format.h"

#define BATCH_SAMPLES 1024
#define MAX_COLUMNS 64

/* Which rc_sample field a stored column fills. */
typedef enum field { F_NONE, F_RAIL_V, F_RAIL_A, F_AC_LOST, F_CH_STATE } field;

typedef struct column {
    field field;
    uint8_t storage;
    size_t size; /* bytes per sample */
} column;

typedef struct samp_block {
    uint64_t offset; /* of the chunk header */
    uint32_t len;    /* payload length */
    int64_t t0_us;
    int64_t period_us;
    uint32_t count;
    int64_t last_us;
} samp_block;

struct rc_trace {
    FILE *f;
    char *path;
    unsigned major, minor;
    rc_head_store head;
    rc_profile *profile;
    rc_trace_damage damage;
    rc_trace_stats stats;
    rc_event *events;
    size_t n_events, cap_events;
    samp_block *blocks;
    size_t n_blocks, cap_blocks;
    column cols[MAX_COLUMNS];
    size_t n_cols;
    size_t sample_bytes; /* sum of column sizes; 0 until CHAN is read */
    bool have_head, have_prof;
    uint8_t *buf; /* one chunk: header, payload, CRC */
    size_t buf_cap;
    rc_sample batch[BATCH_SAMPLES];
};

/* ---- Low-level reading -------------------------------------------------------- */

static bool read_at(rc_trace *t, uint64_t offset, void *dst, size_t len)
{
    if (fseeko(t->f, (off_t)offset, SEEK_SET) != 0)
        return false;
    return fread(dst, 1, len, t->f) == len;
}

/* Returns buf grown (by doubling) to hold need elements; NULL when out of
 * memory, leaving buf and *cap as they were. */
static void *grow(void *buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return buf;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(buf, n * elem);
    if (p)
        *cap = n;
    return p;
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

static rc_status on_chan(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (t->sample_bytes)
        return rc_error_set(err, RC_ERR_FORMAT, "second CHAN chunk");
    if (len < 2)
        return rc_error_set(err, RC_ERR_FORMAT, "CHAN payload too short");
    size_t n = rc_get_u16(p), pos = 2, bytes = 0;
    if (n == 0 || n > MAX_COLUMNS)
        return rc_error_set(err, RC_ERR_FORMAT, "CHAN declares %zu channels (1..%d allowed)", n,
                            MAX_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 2 || len - pos - 2 < p[pos + 1] + 1u)
            return rc_error_set(err, RC_ERR_FORMAT, "CHAN channel %zu runs past the payload",
                                i);
        uint8_t storage = p[pos], name_len = p[pos + 1], unit_len = p[pos + 2 + name_len];
        if (len - pos - 3 - name_len < unit_len)
            return rc_error_set(err, RC_ERR_FORMAT, "CHAN channel %zu runs past the payload",
                                i);
        if (storage != RC_STORE_F32 && storage != RC_STORE_U8)
            return rc_error_set(err, RC_ERR_FORMAT, "CHAN channel %zu: unknown storage type %u",
                                i, storage);
        column *c = &t->cols[i];
        c->storage = storage;
        c->size = storage == RC_STORE_F32 ? 4 : 1;
        c->field = field_of((const char *)p + pos + 2, name_len, storage);
        bytes += c->size;
        pos += 3u + name_len + unit_len;
    }
    if (pos != len)
        return rc_error_set(err, RC_ERR_FORMAT, "CHAN has %zu bytes after its channels",
                            len - pos);
    t->n_cols = n;
    t->sample_bytes = bytes;
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
    return RC_OK;
}

static rc_status on_samp(rc_trace *t, uint64_t offset, const uint8_t *p, size_t len,
                         rc_error *err)
{
    samp_block b;
    rc_status st = parse_samp(t, p, len, &b, err);
    if (st != RC_OK)
        return st;
    if (t->n_blocks && b.t0_us <= t->blocks[t->n_blocks - 1].last_us)
        return rc_error_set(err, RC_ERR_FORMAT, "SAMP starts at %lld us, not after %lld us",
                            (long long)b.t0_us, (long long)t->blocks[t->n_blocks - 1].last_us);
    samp_block *blocks = grow(t->blocks, &t->cap_blocks, t->n_blocks + 1, sizeof *blocks);
    if (!blocks)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->blocks = blocks;
    b.offset = offset;
    b.len = (uint32_t)len;
    t->blocks[t->n_blocks++] = b;
    t->stats.samples += b.count;
    return RC_OK;
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

static rc_status parse_events(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    if (len < RC_EVNT_HEADER_LEN)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT payload too short");
    size_t count = rc_get_u32(p), pos = RC_EVNT_HEADER_LEN;
    if (count == 0 || count > (len - pos) / RC_EVNT_RECORD_MIN)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT count %zu does not fit %zu bytes", count,
                            len);
    rc_event *events = grow(t->events, &t->cap_events, t->n_events + count, sizeof *events);
    if (!events)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    t->events = events;
    for (size_t i = 0; i < count; i++) {
        rc_event *ev = &t->events[t->n_events];
        rc_status st = parse_event(p, len, &pos, ev, err);
        if (st != RC_OK)
            return st;
        if (t->n_events && ev->t_us < t->events[t->n_events - 1].t_us)
            return rc_error_set(err, RC_ERR_FORMAT, "event %zu at %lld us is out of time order",
                                i, (long long)ev->t_us);
        t->n_events++;
    }
    if (pos != len)
        return rc_error_set(err, RC_ERR_FORMAT, "EVNT has %zu bytes after its records",
                            len - pos);
    return RC_OK;
}

/* A chunk's events are taken whole or not at all. */
static rc_status on_evnt(rc_trace *t, const uint8_t *p, size_t len, rc_error *err)
{
    size_t before = t->n_events;
    rc_status st = parse_events(t, p, len, err);
    if (st != RC_OK)
        t->n_events = before;
    return st;
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

static rc_status on_chunk(rc_trace *t, uint64_t n, uint32_t type, uint64_t offset,
                          const uint8_t *p, size_t len, rc_error *err)
{
    if (n == 1 && type != RC_CHUNK_HEAD)
        return rc_error_set(err, RC_ERR_FORMAT, "the first chunk is not HEAD");
    switch (type) {
    case RC_CHUNK_HEAD: return on_head(t, p, len, err);
    case RC_CHUNK_PROF: return on_prof(t, p, len, err);
    case RC_CHUNK_CHAN: return on_chan(t, p, len, err);
    case RC_CHUNK_SAMP: return on_samp(t, offset, p, len, err);
    case RC_CHUNK_EVNT: return on_evnt(t, p, len, err);
    case RC_CHUNK_END: return on_end(t, p, len, err);
    default: return RC_OK; /* unknown types are skipped: newer writers add some */
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

/* Reads the chunk at c->offset into t->buf and checks its header, length and
 * CRC. Returns false after recording damage, when the file ends exactly at
 * c->offset (no damage), or when memory runs out (*fatal set). */
static bool load_chunk(rc_trace *t, chunk *c, rc_status *fatal)
{
    uint64_t off = c->offset, left = t->stats.file_bytes - off;
    uint8_t h[RC_TRACE_CHUNK_HEADER_LEN];
    if (left == 0)
        return false;
    if (left < sizeof h || !read_at(t, off, h, sizeof h)) {
        set_damage(t, off, "truncated chunk header at offset %llu: %llu of %d bytes present",
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
        set_damage(t, off, "truncated chunk %s at offset %llu: %llu of %llu bytes present",
                   c->name, (unsigned long long)off, (unsigned long long)left,
                   (unsigned long long)total);
        return false;
    }
    uint8_t *buf = grow(t->buf, &t->buf_cap, total, 1);
    if (!buf) {
        *fatal = RC_ERR_NOMEM;
        return false;
    }
    t->buf = buf;
    c->payload = buf + RC_TRACE_CHUNK_HEADER_LEN;
    const char *failure =
        !read_at(t, off, buf, total) ? "read failed"
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
static uint64_t read_chunk(rc_trace *t, uint64_t n, uint64_t offset, rc_status *fatal)
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
    return RC_TRACE_CHUNK_HEADER_LEN + (uint64_t)c.len + RC_TRACE_CHUNK_CRC_LEN;
}

static rc_status walk(rc_trace *t)
{
    uint64_t offset = RC_TRACE_FILE_HEADER_LEN;
    rc_status fatal = RC_OK;
    for (uint64_t n = 1;; n++) {
        uint64_t size = read_chunk(t, n, offset, &fatal);
        if (size == 0)
            return fatal;
        t->stats.chunks++;
        offset += size;
    }
}

/* ---- Open and close -------------------------------------------------------------- */

static rc_status check_file_header(rc_trace *t, rc_error *err)
{
    uint8_t h[RC_TRACE_FILE_HEADER_LEN];
    if (t->stats.file_bytes < sizeof h || !read_at(t, 0, h, sizeof h))
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
    rc_status s = check_file_header(t, err);
    if (s == RC_OK && (s = walk(t)) != RC_OK)
        rc_error_set(err, s, "%s: out of memory reading the trace", path);
    return s;
}

rc_status rc_trace_open(const char *path, rc_trace **out, rc_error *err)
{
    *out = NULL;
    if (!path)
        return rc_error_set(err, RC_ERR_ARG, "trace path is required");
    rc_trace *t = calloc(1, sizeof *t);
    if (!t)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = open_file(t, path, err);
    if (st != RC_OK) {
        rc_trace_close(t);
        return st;
    }
    fill_stats(t);
    static const char *const none = "";
    rc_trace_header *h = &t->head.hdr;
    h->railcut_version = h->railcut_version ? h->railcut_version : none;
    h->backend = h->backend ? h->backend : none;
    h->scenario = h->scenario ? h->scenario : none;
    h->profile_path = h->profile_path ? h->profile_path : none;
    *out = t;
    return RC_OK;
}

void rc_trace_close(rc_trace *t)
{
    if (!t)
        return;
    if (t->f)
        fclose(t->f);
    rc_head_store_free(&t->head);
    rc_profile_free(t->profile);
    free(t->events);
    free(t->blocks);
    free(t->buf);
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

/* ---- Sample streaming ------------------------------------------------------------ */

/* Index of the first sample of b at or after time_us (b->count if none). */
static uint32_t first_at_or_after(const samp_block *b, int64_t time_us)
{
    if (time_us <= b->t0_us)
        return 0;
    if (time_us > b->last_us)
        return b->count;
    /* t0 < time <= last, so count > 1, period > 0 and the difference fits. */
    uint64_t diff = (uint64_t)time_us - (uint64_t)b->t0_us;
    uint64_t p = (uint64_t)b->period_us;
    return (uint32_t)((diff + p - 1) / p);
}

static void decode_batch(rc_trace *t, const samp_block *b, const uint8_t *payload,
                         uint32_t from, uint32_t n)
{
    const uint8_t *col = payload + RC_SAMP_HEADER_LEN;
    for (uint32_t i = 0; i < n; i++) {
        rc_sample *s = &t->batch[i];
        memset(s, 0, sizeof *s);
        s->t_us = b->t0_us + (int64_t)(from + i) * b->period_us;
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        const column *k = &t->cols[c];
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *v = col + (size_t)(from + i) * k->size;
            rc_sample *s = &t->batch[i];
            switch (k->field) {
            case F_RAIL_V: s->rail_v = rc_get_f32(v); break;
            case F_RAIL_A: s->rail_a = rc_get_f32(v); break;
            case F_AC_LOST: s->ac_lost = *v; break;
            case F_CH_STATE: s->ch_state = *v; break;
            case F_NONE: break;
            }
        }
        col += (size_t)b->count * k->size;
    }
}

/* Re-reads block b and checks it again: the file may have changed since open. */
static rc_status load_block(rc_trace *t, const samp_block *b, rc_error *err)
{
    size_t total = RC_TRACE_CHUNK_HEADER_LEN + (size_t)b->len + RC_TRACE_CHUNK_CRC_LEN;
    assert(total <= t->buf_cap); /* the walk already held this chunk */
    const uint8_t *payload = t->buf + RC_TRACE_CHUNK_HEADER_LEN;
    if (!read_at(t, b->offset, t->buf, total) || rc_get_u32(t->buf + 8) != b->len ||
        rc_get_u32(payload + b->len) != rc_chunk_crc(t->buf, payload, b->len))
        return rc_error_set(err, RC_ERR_FORMAT,
                            "%s: sample block at offset %llu changed or became unreadable",
                            t->path, (unsigned long long)b->offset);
    return RC_OK;
}

/* Streams samples [i0, i1) of block b; *stop is set when fn asks to stop. */
static rc_status stream_block(rc_trace *t, const samp_block *b, uint32_t i0, uint32_t i1,
                              rc_sample_fn fn, void *ctx, bool *stop, rc_error *err)
{
    rc_status st = load_block(t, b, err);
    for (uint32_t i = i0; st == RC_OK && i < i1 && !*stop;) {
        uint32_t n = i1 - i < BATCH_SAMPLES ? i1 - i : BATCH_SAMPLES;
        decode_batch(t, b, t->buf + RC_TRACE_CHUNK_HEADER_LEN, i, n);
        *stop = fn(ctx, t->batch, n) != 0;
        i += n;
    }
    return st;
}

rc_status rc_trace_read_samples(rc_trace *t, int64_t from_us, int64_t to_us, rc_sample_fn fn,
                                void *ctx, rc_error *err)
{
    if (!fn)
        return rc_error_set(err, RC_ERR_ARG, "rc_trace_read_samples: no callback");
    /* Binary search for the first block that ends at or after from_us. */
    size_t lo = 0, hi = t->n_blocks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->blocks[mid].last_us < from_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool stop = false;
    for (size_t i = lo; i < t->n_blocks && !stop && t->blocks[i].t0_us < to_us; i++) {
        const samp_block *b = &t->blocks[i];
        uint32_t i0 = first_at_or_after(b, from_us), i1 = first_at_or_after(b, to_us);
        if (i0 >= i1)
            continue;
        rc_status st = stream_block(t, b, i0, i1, fn, ctx, &stop, err);
        if (st != RC_OK)
            return st;
    }
    return RC_OK;
}
