/*
 * fold.c - minimum, maximum and sum of a run of stored sample values: the
 * inner loop of the summary pyramid, on the writer's side (every sample,
 * once) and the reader's (the samples at the ends of a view).
 *
 * Values are read as stored in a SAMP payload (little-endian, possibly
 * unaligned, so through memcpy). The fold keeps LANES independent
 * accumulators and takes LANES values per step, so the compiler can keep
 * them in vector registers without reordering any one accumulator's
 * operations (floating-point min, max and sums are not associative, and
 * the build does not allow it to pretend they are); the lanes are merged
 * at the end. Integer codes are summed as integers, which is exact.
 *
 * The writer folds whole groups of RC_SUMM_FACTOR values (one level-1
 * entry each) with rc_fold_groups: a loop of a fixed count per group, which
 * the compiler vectorises as a reduction for integer codes; float groups
 * use 8 lanes.
 */
#include <assert.h>

#include "trace/format.h"

#define LANES 16

static inline int16_t load_i16(const uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    int16_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return (int16_t)rc_get_u16(p);
#endif
}

static inline float load_f32(const uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    float v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return rc_get_f32(p);
#endif
}

/* One fold per storage type: T the stored type, S the per-lane sum type,
 * TOTAL the type lanes are summed in, LOAD the reader of one stored value.
 * A lane's sum takes n / LANES values: RC_FOLD_MAX keeps an int32 lane of
 * int16 codes from overflowing. */
#define FOLD_TYPED(name, T, S, TOTAL, LOAD)                                                    \
    static void name(const uint8_t *v, size_t n, double *mn, double *mx, double *sum)          \
    {                                                                                          \
        T lo[LANES], hi[LANES];                                                                \
        S s[LANES];                                                                            \
        T first = LOAD(v);                                                                     \
        for (int j = 0; j < LANES; j++) {                                                      \
            lo[j] = hi[j] = first;                                                             \
            s[j] = 0;                                                                          \
        }                                                                                      \
        size_t i = 0;                                                                          \
        for (; i + LANES <= n; i += LANES) {                                                   \
            for (int j = 0; j < LANES; j++) {                                                  \
                T x = LOAD(v + (i + (size_t)j) * sizeof(T));                                   \
                lo[j] = x < lo[j] ? x : lo[j];                                                 \
                hi[j] = x > hi[j] ? x : hi[j];                                                 \
                s[j] += (S)x;                                                                  \
            }                                                                                  \
        }                                                                                      \
        for (; i < n; i++) {                                                                   \
            T x = LOAD(v + i * sizeof(T));                                                     \
            lo[0] = x < lo[0] ? x : lo[0];                                                     \
            hi[0] = x > hi[0] ? x : hi[0];                                                     \
            s[0] += (S)x;                                                                      \
        }                                                                                      \
        TOTAL total = 0;                                                                       \
        for (int j = 0; j < LANES; j++) {                                                      \
            lo[0] = lo[j] < lo[0] ? lo[j] : lo[0];                                             \
            hi[0] = hi[j] > hi[0] ? hi[j] : hi[0];                                             \
            total += (TOTAL)s[j];                                                              \
        }                                                                                      \
        *mn = lo[0];                                                                           \
        *mx = hi[0];                                                                           \
        *sum = (double)total;                                                                  \
    }

static inline uint8_t load_u8(const uint8_t *p)
{
    return *p;
}

FOLD_TYPED(fold_i16, int16_t, int32_t, int64_t, load_i16)
FOLD_TYPED(fold_f32, float, double, double, load_f32)
FOLD_TYPED(fold_u8, uint8_t, uint32_t, uint64_t, load_u8)

void rc_fold_stored(unsigned storage, const uint8_t *v, size_t n, double *mn, double *mx,
                    double *sum)
{
    assert(n > 0 && n <= RC_FOLD_MAX);
    switch (storage) {
    case RC_STORE_I16: fold_i16(v, n, mn, mx, sum); break;
    case RC_STORE_F32: fold_f32(v, n, mn, mx, sum); break;
    default: fold_u8(v, n, mn, mx, sum); break;
    }
}

/* ---- Whole groups --------------------------------------------------------------- */

#define GROUP RC_SUMM_FACTOR
#define FLOAT_LANES 8

#define GROUPS_INT(name, T, S, LOAD)                                                           \
    static void name(const uint8_t *v, size_t n_groups, double *mn, double *mx, double *sum)   \
    {                                                                                          \
        for (size_t g = 0; g < n_groups; g++) {                                                \
            const uint8_t *p = v + g * GROUP * sizeof(T);                                      \
            T lo = LOAD(p), hi = lo;                                                           \
            S s = 0;                                                                           \
            for (int j = 0; j < (int)GROUP; j++) {                                             \
                T x = LOAD(p + (size_t)j * sizeof(T));                                         \
                lo = x < lo ? x : lo;                                                          \
                hi = x > hi ? x : hi;                                                          \
                s += (S)x;                                                                     \
            }                                                                                  \
            mn[g] = lo;                                                                        \
            mx[g] = hi;                                                                        \
            sum[g] = (double)s;                                                                \
        }                                                                                      \
    }

GROUPS_INT(groups_i16, int16_t, int32_t, load_i16)
GROUPS_INT(groups_u8, uint8_t, uint32_t, load_u8)

static void groups_f32(const uint8_t *v, size_t n_groups, double *mn, double *mx, double *sum)
{
    for (size_t g = 0; g < n_groups; g++) {
        const uint8_t *p = v + g * GROUP * sizeof(float);
        float lo[FLOAT_LANES], hi[FLOAT_LANES];
        double s[FLOAT_LANES];
        for (int l = 0; l < FLOAT_LANES; l++) {
            lo[l] = hi[l] = load_f32(p);
            s[l] = 0;
        }
        for (int j = 0; j < (int)GROUP; j += FLOAT_LANES) {
            for (int l = 0; l < FLOAT_LANES; l++) {
                float x = load_f32(p + (size_t)(j + l) * sizeof(float));
                lo[l] = x < lo[l] ? x : lo[l];
                hi[l] = x > hi[l] ? x : hi[l];
                s[l] += x;
            }
        }
        for (int l = 1; l < FLOAT_LANES; l++) {
            lo[0] = lo[l] < lo[0] ? lo[l] : lo[0];
            hi[0] = hi[l] > hi[0] ? hi[l] : hi[0];
            s[0] += s[l];
        }
        mn[g] = lo[0];
        mx[g] = hi[0];
        sum[g] = s[0];
    }
}

void rc_fold_groups(unsigned storage, const uint8_t *v, size_t n_groups, double *mn, double *mx,
                    double *sum)
{
    switch (storage) {
    case RC_STORE_I16: groups_i16(v, n_groups, mn, mx, sum); break;
    case RC_STORE_F32: groups_f32(v, n_groups, mn, mx, sum); break;
    default: groups_u8(v, n_groups, mn, mx, sum); break;
    }
}
