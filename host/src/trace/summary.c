/*
 * summary.c - rc_trace_summary: min, max and mean of one channel for N
 * columns over a span, from the summary pyramid.
 *
 * The pyramid (format.h, SUMM): level k entries each cover 64^k samples of
 * the run's sample counter, entries 0 .. entries - 1 of each level are on
 * disk. A view picks the coarsest level k whose entries (64^k samples) are
 * no wider than a column. Each column's samples [s0, s1) are widened to
 * whole level-k entries (s0 rounded down, s1 up), clipped to the span, and
 * folded from those entries: 1 to 65 per column. Only the span's own two
 * ends, which are not on entry boundaries, and the tail not yet summarised
 * are folded from level k - 1, recursively down to raw samples (fewer than
 * 64 values per level at each end). So a view of N columns reads O(N)
 * entries whatever the span, and a column's min/max envelope may take in
 * up to one level-k entry beyond each of its edges (never beyond the span,
 * never where a column holds no sample at all: such a column is NaN).
 */
#include <assert.h>
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
        t->summ_block_hint = rc_block_of_sample_near(t, t->summ_block_hint, s0);
        samp_block *b = &t->blocks[t->summ_block_hint];
        rc_status st = rc_load_chunk(t, &t->block_cache, b->offset, RC_CHUNK_SAMP, b->len,
                                     &b->verified, err);
        if (st != RC_OK)
            return st;
        const uint8_t *payload = t->block_cache.buf + RC_TRACE_CHUNK_HEADER_LEN;
        uint64_t end = s1 < b->first + b->count ? s1 : b->first + b->count;
        /* Blocks of other writers may be longer than a fold takes at once. */
        end = end - s0 > RC_FOLD_MAX ? s0 + RC_FOLD_MAX : end;
        /* Codes are folded first and scaled once (min and max swap when
         * the gain is negative). */
        const column *k = &t->cols[ch];
        const uint8_t *v = payload + rc_column_offset(t, b, ch) + (s0 - b->first) * k->size;
        double lo, hi, sum;
        rc_fold_stored((unsigned)k->def.storage, v, (size_t)(end - s0), &lo, &hi, &sum);
        double g = k->def.gain, o = k->def.offset, n = (double)(end - s0);
        double smin = g < 0 ? hi * g + o : lo * g + o, smax = g < 0 ? lo * g + o : hi * g + o;
        agg_add(a, smin, smax, sum * g + o * n, end - s0);
        s0 = end;
    }
    return RC_OK;
}

/* The chunk of l holding entry e (on disk): the one a view last read, or
 * the next, when the view moves forward through them as it usually does. */
static size_t chunk_of_entry(summ_list *l, uint64_t e)
{
    for (size_t i = l->hint; i < l->n && i <= l->hint + 1; i++)
        if (l->chunks[i].first <= e && e - l->chunks[i].first < l->chunks[i].count)
            return l->hint = i;
    size_t lo = 0, hi = l->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->chunks[mid].first <= e)
            lo = mid;
        else
            hi = mid;
    }
    return l->hint = lo;
}

/* Folds entries [e0, e1) of level k (all on disk). */
static rc_status agg_entries(rc_trace *t, size_t ch, int k, uint64_t e0, uint64_t e1, agg *a,
                             rc_error *err)
{
    summ_list *l = &t->summ[ch][k - 1];
    double weight = (double)((uint64_t)1 << (RC_SUMM_SHIFT * k));
    while (e0 < e1) {
        size_t lo = chunk_of_entry(l, e0);
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

/* The level a view reads: the coarsest whose entries are no wider than a
 * column (a column then folds 1 to 64 of them, at most 65 once its edges are
 * widened), or the samples when a column holds fewer than 64. */
static int level_for(uint64_t samples_per_column)
{
    int k = 0;
    while (k < RC_SUMM_LEVELS &&
           ((uint64_t)1 << (RC_SUMM_SHIFT * (k + 1))) <= samples_per_column)
        k++;
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
    size_t hint = 0;
    uint64_t all1 = rc_sample_index_at(t, to_us),
             all0 = rc_sample_index_near(t, &hint, from_us);
    int k = level_for((all1 - all0) / n_columns);
    uint64_t unit = (uint64_t)1 << (RC_SUMM_SHIFT * k);
    uint64_t s1 = all0;
    for (size_t c = 0; c < n_columns; c++) {
        uint64_t s0 = s1;
        int64_t edge = column_edge(from_us, to_us, c + 1, n_columns);
        s1 = c + 1 < n_columns ? rc_sample_index_near(t, &hint, edge) : all1;
        assert(s0 <= s1 && s1 <= all1 && all1 <= t->n_samples);
        agg a = {0};
        if (s0 < s1) {
            /* Widened to whole entries, but never beyond the span: only its
             * two ends are resolved below level k. */
            uint64_t w0 = s0 - s0 % unit, w1 = s1 % unit ? s1 + (unit - s1 % unit) : s1;
            w0 = w0 < all0 ? all0 : w0;
            w1 = w1 > all1 ? all1 : w1;
            rc_status st = agg_range(t, channel, w0, w1, k, &a, err);
            if (st != RC_OK)
                return st;
        }
        if (min)
            min[c] = a.n ? a.min : NAN;
        if (max)
            max[c] = a.n ? a.max : NAN;
        if (mean)
            mean[c] = a.n ? a.sum / (double)a.n : NAN;
    }
    return RC_OK;
}
