/*
 * summary.c - rc_trace_summary: min, max and mean of one channel for N
 * columns over a span, from the summary pyramid.
 *
 * The pyramid (format.h, SUMM): level k entries each cover 64^k samples of
 * the run's sample counter, entries 0 .. entries - 1 of each level are on
 * disk. A column's samples [s0, s1) are folded as: whole level-k entries
 * inside it, and the ragged edges (and the tail not yet summarised) from
 * level k - 1, recursively down to raw samples. With k chosen so that a
 * column holds 8 to 512 level-k entries and column edges rounded down to
 * whole level-k entries, a view reads each summary chunk it needs once and
 * at most 512 entries per column, however long the span: the data read
 * grows with N, not with the trace.
 */
#include <math.h>
#include <stdlib.h>

#include "trace/reader_internal.h"

typedef struct agg {
    double min, max, sum;
    uint64_t n;
} agg;

static void agg_add(agg *a, double mn, double mx, double sum, uint64_t n)
{
    if (a->n == 0 || mn < a->min)
        a->min = mn;
    if (a->n == 0 || mx > a->max)
        a->max = mx;
    a->sum += sum;
    a->n += n;
}

static rc_status agg_raw(rc_trace *t, size_t ch, uint64_t s0, uint64_t s1, agg *a,
                         rc_error *err)
{
    while (s0 < s1) {
        samp_block *b = &t->blocks[rc_block_of_sample(t, s0)];
        rc_status st = rc_load_chunk(t, &t->block_cache, b->offset, RC_CHUNK_SAMP, b->len,
                                     &b->verified, err);
        if (st != RC_OK)
            return st;
        const uint8_t *payload = t->block_cache.buf + RC_TRACE_CHUNK_HEADER_LEN;
        uint64_t end = s1 < b->first + b->count ? s1 : b->first + b->count;
        /* Codes are folded first and scaled once (min and max swap when
         * the gain is negative); the first value seeds the fold. */
        const column *k = &t->cols[ch];
        const uint8_t *v = payload + rc_column_offset(t, b, ch) + (s0 - b->first) * k->size;
        double lo = rc_raw_value(k->def.storage, v), hi = lo, sum = 0;
        for (uint64_t i = s0; i < end; i++, v += k->size) {
            double x = rc_raw_value(k->def.storage, v);
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            sum += x;
        }
        double g = k->def.gain, o = k->def.offset, n = (double)(end - s0);
        double smin = g < 0 ? hi * g + o : lo * g + o, smax = g < 0 ? lo * g + o : hi * g + o;
        agg_add(a, smin, smax, sum * g + o * n, end - s0);
        s0 = end;
    }
    return RC_OK;
}

/* Folds entries [e0, e1) of level k (all on disk). */
static rc_status agg_entries(rc_trace *t, size_t ch, int k, uint64_t e0, uint64_t e1, agg *a,
                             rc_error *err)
{
    summ_list *l = &t->summ[ch][k - 1];
    double weight = (double)((uint64_t)1 << (RC_SUMM_SHIFT * k));
    while (e0 < e1) {
        size_t lo = 0, hi = l->n;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (l->chunks[mid].first <= e0)
                lo = mid;
            else
                hi = mid;
        }
        summ_chunk *c = &l->chunks[lo];
        chunk_cache *cache = &t->summ_cache[k - 1];
        rc_status st = rc_load_chunk(t, cache, c->offset, RC_CHUNK_SUMM, c->len, &c->verified, err);
        if (st != RC_OK)
            return st;
        const uint8_t *p = cache->buf + RC_TRACE_CHUNK_HEADER_LEN + RC_SUMM_HEADER_LEN;
        uint64_t end = e1 < c->first + c->count ? e1 : c->first + c->count;
        const uint8_t *v = p + (e0 - c->first) * RC_SUMM_ENTRY_LEN;
        float fmin = rc_get_f32(v), fmax = rc_get_f32(v + 4);
        double sum = 0;
        for (uint64_t e = e0; e < end; e++, v += RC_SUMM_ENTRY_LEN) {
            float mn = rc_get_f32(v), mx = rc_get_f32(v + 4);
            fmin = mn < fmin ? mn : fmin;
            fmax = mx > fmax ? mx : fmax;
            sum += rc_get_f32(v + 8);
        }
        agg_add(a, fmin, fmax, sum * weight, (end - e0) * (uint64_t)weight);
        e0 = end;
    }
    return RC_OK;
}

static rc_status agg_range(rc_trace *t, size_t ch, uint64_t s0, uint64_t s1, int k, agg *a,
                           rc_error *err)
{
    if (s0 >= s1)
        return RC_OK;
    if (k == 0)
        return agg_raw(t, ch, s0, s1, a, err);
    uint64_t size = (uint64_t)1 << (RC_SUMM_SHIFT * k);
    uint64_t e0 = (s0 + size - 1) / size, e1 = s1 / size;
    if (e1 > t->summ[ch][k - 1].entries)
        e1 = t->summ[ch][k - 1].entries;
    if (e0 >= e1)
        return agg_range(t, ch, s0, s1, k - 1, a, err);
    rc_status st = agg_range(t, ch, s0, e0 * size, k - 1, a, err);
    if (st == RC_OK)
        st = agg_entries(t, ch, k, e0, e1, a, err);
    if (st == RC_OK)
        st = agg_range(t, ch, e1 * size, s1, k - 1, a, err);
    return st;
}

/* The level a view reads, and the grid its column edges are rounded to:
 * the coarsest level with at least EDGE_ENTRIES entries per column, edges
 * on whole entries of it (moving an edge by at most 1/EDGE_ENTRIES of a
 * column, and reading each summary chunk once for the whole view); below
 * that, level 1 with exact edges from the samples, or the samples alone. */
#define EDGE_ENTRIES 8

static int level_for(uint64_t samples_per_column, uint64_t *unit)
{
    int k = 0;
    while (k < RC_SUMM_LEVELS &&
           ((uint64_t)EDGE_ENTRIES << (RC_SUMM_SHIFT * (k + 1))) <= samples_per_column)
        k++;
    *unit = (uint64_t)1 << (RC_SUMM_SHIFT * k);
    if (k == 0 && samples_per_column >= RC_SUMM_FACTOR)
        k = 1;
    return k;
}

static int64_t column_edge(int64_t from_us, int64_t to_us, size_t c, size_t n)
{
    __int128 span = (__int128)to_us - from_us;
    return (int64_t)(from_us + span * (__int128)c / (__int128)n);
}

rc_status rc_trace_summary(rc_trace *t, size_t channel, int64_t from_us, int64_t to_us,
                           size_t n_columns, double *min, double *max, double *mean,
                           rc_error *err)
{
    if (channel >= t->n_cols)
        return rc_error_set(err, RC_ERR_ARG, "trace: no channel %zu (it has %zu)", channel,
                            t->n_cols);
    if (n_columns == 0 || to_us <= from_us)
        return rc_error_set(err, RC_ERR_ARG, "trace summary: empty span or no columns");
    uint64_t all0 = rc_sample_index_at(t, from_us), all1 = rc_sample_index_at(t, to_us);
    uint64_t unit;
    int k = level_for((all1 - all0) / n_columns, &unit);
    for (size_t c = 0; c < n_columns; c++) {
        uint64_t s0 = rc_sample_index_at(t, column_edge(from_us, to_us, c, n_columns));
        uint64_t s1 = rc_sample_index_at(t, column_edge(from_us, to_us, c + 1, n_columns));
        s0 -= s0 % unit;
        if (c + 1 < n_columns)
            s1 -= s1 % unit;
        agg a = {0};
        rc_status st = agg_range(t, channel, s0, s1, k, &a, err);
        if (st != RC_OK)
            return st;
        if (min)
            min[c] = a.n ? a.min : NAN;
        if (max)
            max[c] = a.n ? a.max : NAN;
        if (mean)
            mean[c] = a.n ? a.sum / (double)a.n : NAN;
    }
    return RC_OK;
}
