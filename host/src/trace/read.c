/*
 * read.c - streaming samples out of an open trace.
 *
 * The reader's block list (reader_internal.h) gives every SAMP chunk's
 * offset, times and first sample. A read binary-searches it, re-reads and
 * re-checks (CRC) only the blocks that overlap the range, one at a time
 * through a one-chunk cache, and decodes them in fixed batches, so memory
 * does not grow with the trace. Columns are stored column-major in CHAN
 * order: channel c of a block starts after the columns before it.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "trace/reader_internal.h"

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

/* The first block that ends at or after time_us. */
static size_t block_at_time(const rc_trace *t, int64_t time_us)
{
    size_t lo = 0, hi = t->n_blocks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->blocks[mid].last_us < time_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t rc_sample_index_at(const rc_trace *t, int64_t time_us)
{
    size_t i = block_at_time(t, time_us);
    if (i == t->n_blocks)
        return t->n_samples;
    return t->blocks[i].first + first_at_or_after(&t->blocks[i], time_us);
}

size_t rc_block_of_sample(const rc_trace *t, uint64_t i)
{
    assert(i < t->n_samples);
    size_t lo = 0, hi = t->n_blocks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->blocks[mid].first <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Whether block i is the first that ends at or after time_us. */
static bool block_starts_at(const rc_trace *t, size_t i, int64_t time_us)
{
    return i < t->n_blocks && t->blocks[i].last_us >= time_us &&
           (i == 0 || t->blocks[i - 1].last_us < time_us);
}

uint64_t rc_sample_index_near(const rc_trace *t, size_t *hint, int64_t time_us)
{
    size_t i = *hint;
    if (!block_starts_at(t, i, time_us))
        i = block_starts_at(t, i + 1, time_us) ? i + 1 : block_at_time(t, time_us);
    if (i == t->n_blocks)
        return t->n_samples;
    *hint = i;
    return t->blocks[i].first + first_at_or_after(&t->blocks[i], time_us);
}

size_t rc_block_of_sample_near(const rc_trace *t, size_t hint, uint64_t i)
{
    for (size_t b = hint; b < t->n_blocks && b <= hint + 1; b++)
        if (t->blocks[b].first <= i && i - t->blocks[b].first < t->blocks[b].count)
            return b;
    return rc_block_of_sample(t, i);
}

size_t rc_column_offset(const rc_trace *t, const samp_block *b, size_t ch)
{
    size_t off = RC_SAMP_HEADER_LEN;
    for (size_t c = 0; c < ch; c++)
        off += (size_t)b->count * t->cols[c].size;
    return off;
}

double rc_raw_value(unsigned storage, const uint8_t *v)
{
    switch (storage) {
    case RC_STORE_F32: return rc_get_f32(v);
    case RC_STORE_I16: return (int16_t)rc_get_u16(v);
    default: return *v;
    }
}

static rc_status load_block(rc_trace *t, samp_block *b, const uint8_t **payload, rc_error *err)
{
    rc_status st =
        rc_load_chunk(t, &t->block_cache, b->offset, RC_CHUNK_SAMP, b->len, &b->verified, err);
    *payload = t->block_cache.buf + RC_TRACE_CHUNK_HEADER_LEN;
    if (st == RC_OK && ((int64_t)rc_get_u64(*payload) != b->t0_us ||
                        (int64_t)rc_get_u64(*payload + 8) != b->period_us))
        st = rc_error_set(err, RC_ERR_FORMAT, "%s: sample block at offset %llu is not indexed",
                          t->path, (unsigned long long)b->offset);
    return st;
}

/* Calls visit for every block overlapping [from_us, to_us) with the index
 * range [i0, i1) inside it, until visit returns non-zero or fails. */
typedef rc_status (*block_visit)(rc_trace *t, const samp_block *b, const uint8_t *payload,
                                 uint32_t i0, uint32_t i1, void *ctx, bool *stop,
                                 rc_error *err);

static rc_status for_blocks(rc_trace *t, int64_t from_us, int64_t to_us, block_visit visit,
                            void *ctx, rc_error *err)
{
    bool stop = false;
    for (size_t i = block_at_time(t, from_us);
         i < t->n_blocks && !stop && t->blocks[i].t0_us < to_us; i++) {
        samp_block *b = &t->blocks[i];
        uint32_t i0 = first_at_or_after(b, from_us), i1 = first_at_or_after(b, to_us);
        if (i0 >= i1)
            continue;
        const uint8_t *payload;
        rc_status st = load_block(t, b, &payload, err);
        if (st == RC_OK)
            st = visit(t, b, payload, i0, i1, ctx, &stop, err);
        if (st != RC_OK)
            return st;
    }
    return RC_OK;
}

/* ---- rc_sample ------------------------------------------------------------------ */

typedef struct sample_ctx {
    rc_sample_fn fn;
    void *ctx;
} sample_ctx;

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
        for (uint32_t i = 0; k->field != F_NONE && i < n; i++) {
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

static rc_status visit_samples(rc_trace *t, const samp_block *b, const uint8_t *payload,
                               uint32_t i0, uint32_t i1, void *ctx, bool *stop, rc_error *err)
{
    (void)err;
    sample_ctx *c = ctx;
    for (uint32_t i = i0; i < i1 && !*stop;) {
        uint32_t n = i1 - i < RC_READ_BATCH ? i1 - i : RC_READ_BATCH;
        decode_batch(t, b, payload, i, n);
        *stop = c->fn(c->ctx, t->batch, n) != 0;
        i += n;
    }
    return RC_OK;
}

rc_status rc_trace_read_samples(rc_trace *t, int64_t from_us, int64_t to_us, rc_sample_fn fn,
                                void *ctx, rc_error *err)
{
    if (!fn)
        return rc_error_set(err, RC_ERR_ARG, "rc_trace_read_samples: no callback");
    sample_ctx c = {fn, ctx};
    return for_blocks(t, from_us, to_us, visit_samples, &c, err);
}

/* ---- rc_sample with more channels ------------------------------------------------ */

typedef struct rows_ctx {
    const size_t *channels;
    size_t n;
    double *values; /* n rows of RC_READ_BATCH */
    const double *rows[RC_TRACE_MAX_CHANNELS];
    rc_trace_rows_fn fn;
    void *ctx;
} rows_ctx;

static rc_status visit_rows(rc_trace *t, const samp_block *b, const uint8_t *payload,
                            uint32_t i0, uint32_t i1, void *ctx, bool *stop, rc_error *err)
{
    (void)err;
    rows_ctx *c = ctx;
    for (uint32_t i = i0; i < i1 && !*stop;) {
        uint32_t n = i1 - i < RC_READ_BATCH ? i1 - i : RC_READ_BATCH;
        decode_batch(t, b, payload, i, n);
        for (size_t j = 0; j < c->n; j++) {
            const column *k = &t->cols[c->channels[j]];
            const uint8_t *v =
                payload + rc_column_offset(t, b, c->channels[j]) + (size_t)i * k->size;
            double *out = c->values + j * RC_READ_BATCH;
            for (uint32_t r = 0; r < n; r++, v += k->size)
                out[r] = rc_raw_value(k->def.storage, v) * k->def.gain + k->def.offset;
        }
        *stop = c->fn(c->ctx, t->batch, c->rows, n) != 0;
        i += n;
    }
    return RC_OK;
}

rc_status rc_trace_read_rows(rc_trace *t, int64_t from_us, int64_t to_us,
                             const size_t *channels, size_t n_channels, rc_trace_rows_fn fn,
                             void *ctx, rc_error *err)
{
    if (!fn || n_channels > RC_TRACE_MAX_CHANNELS || (n_channels && !channels))
        return rc_error_set(err, RC_ERR_ARG, "rc_trace_read_rows: bad arguments");
    for (size_t j = 0; j < n_channels; j++)
        if (channels[j] >= t->n_cols)
            return rc_error_set(err, RC_ERR_ARG, "trace: no channel %zu (it has %zu)",
                                channels[j], t->n_cols);
    rows_ctx c = {channels, n_channels, NULL, {NULL}, fn, ctx};
    if (n_channels && !(c.values = malloc(n_channels * RC_READ_BATCH * sizeof *c.values)))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < n_channels; j++)
        c.rows[j] = c.values + j * RC_READ_BATCH;
    rc_status st = for_blocks(t, from_us, to_us, visit_rows, &c, err);
    free(c.values);
    return st;
}

/* ---- One channel, raw or in units ------------------------------------------------- */

typedef struct channel_ctx {
    size_t ch;
    rc_trace_raw_fn raw;
    rc_trace_values_fn values;
    void *ctx;
} channel_ctx;

static rc_status visit_channel(rc_trace *t, const samp_block *b, const uint8_t *payload,
                               uint32_t i0, uint32_t i1, void *ctx, bool *stop, rc_error *err)
{
    (void)err;
    channel_ctx *c = ctx;
    const column *k = &t->cols[c->ch];
    const uint8_t *col = payload + rc_column_offset(t, b, c->ch);
    /* One batch buffer serves all types: doubles are the widest. */
    double vals[RC_READ_BATCH];
    for (uint32_t i = i0; i < i1 && !*stop;) {
        uint32_t n = i1 - i < RC_READ_BATCH ? i1 - i : RC_READ_BATCH;
        int64_t t0 = b->t0_us + (int64_t)i * b->period_us;
        for (uint32_t j = 0; j < n; j++) {
            const uint8_t *v = col + (size_t)(i + j) * k->size;
            if (c->values)
                vals[j] = rc_raw_value(k->def.storage, v) * k->def.gain + k->def.offset;
            else if (k->def.storage == RC_TRACE_STORE_F32)
                ((float *)vals)[j] = rc_get_f32(v);
            else if (k->def.storage == RC_TRACE_STORE_I16)
                ((int16_t *)vals)[j] = (int16_t)rc_get_u16(v);
            else
                ((uint8_t *)vals)[j] = *v;
        }
        *stop = c->values ? c->values(c->ctx, t0, b->period_us, vals, n) != 0
                          : c->raw(c->ctx, t0, b->period_us, vals, n) != 0;
        i += n;
    }
    return RC_OK;
}

static rc_status read_channel(rc_trace *t, channel_ctx *c, int64_t from_us, int64_t to_us,
                              rc_error *err)
{
    if (c->ch >= t->n_cols)
        return rc_error_set(err, RC_ERR_ARG, "trace: no channel %zu (it has %zu)", c->ch,
                            t->n_cols);
    if (!c->raw && !c->values)
        return rc_error_set(err, RC_ERR_ARG, "trace: no callback");
    return for_blocks(t, from_us, to_us, visit_channel, c, err);
}

rc_status rc_trace_read_raw(rc_trace *t, size_t channel, int64_t from_us, int64_t to_us,
                            rc_trace_raw_fn fn, void *ctx, rc_error *err)
{
    channel_ctx c = {.ch = channel, .raw = fn, .ctx = ctx};
    return read_channel(t, &c, from_us, to_us, err);
}

rc_status rc_trace_read_values(rc_trace *t, size_t channel, int64_t from_us, int64_t to_us,
                               rc_trace_values_fn fn, void *ctx, rc_error *err)
{
    channel_ctx c = {.ch = channel, .values = fn, .ctx = ctx};
    return read_channel(t, &c, from_us, to_us, err);
}
