/*
 * stats.c - the statistics of a characterisation: mean, standard deviation,
 * order statistics and 95 % confidence intervals over a plain array of
 * measured values (doubles in the mode's display unit).
 *
 * The mean's interval uses Student's t (values assumed roughly normal, as
 * staircase reversals and repeated thresholds are); the median's interval is
 * distribution-free, from the ranks a binomial(n, 1/2) count puts around it,
 * so a skewed latency distribution still gets an honest interval.
 *
 * The staircase threshold comes from a logistic psychometric function
 * P(yes | x) = 1 / (1 + exp(-(x - mu) / s)) fitted to every trial. Its
 * likelihood is evaluated on a grid: mu in steps of a tenth of the
 * resolution over the probed span, s on FIT_N_SCALE points evenly spaced in
 * log(s). The slope is integrated out (summed over the s grid) rather than
 * maximised: a staircase's trials sit around the threshold and barely pin
 * the slope, and taking its best value makes the interval too narrow (the
 * profile-likelihood interval covered the threshold about 80 % of the time
 * under jitter). What is left is a weight per mu; its median is the
 * estimate and its 2.5 % and 97.5 % points the interval.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "characterize/char_internal.h"

double rc_char_t975(size_t df)
{
    static const double table[] = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    };
    assert(df > 0);
    if (df <= sizeof table / sizeof table[0])
        return table[df - 1];
    /* Within 0.002 of the exact quantile above 30 degrees of freedom. */
    return 1.96 + 2.4 / (double)df;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The value of 1-based rank r, clamped to [1, n]. */
static double at_rank(const double *v, size_t n, long r)
{
    if (r < 1)
        r = 1;
    if (r > (long)n)
        r = (long)n;
    return v[r - 1];
}

void rc_char_describe(double *v, size_t n, rc_char_stat *st)
{
    st->n = n;
    st->estimate = st->ci_lo = st->ci_hi = NAN;
    if (n == 0) {
        st->mean = st->sd = st->min = st->median = st->p95 = st->max = NAN;
        st->median_ci_lo = st->median_ci_hi = NAN;
        return;
    }
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    st->mean = sum / (double)n;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - st->mean) * (v[i] - st->mean);
    st->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    st->min = v[0];
    st->max = v[n - 1];
    st->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    st->p95 = at_rank(v, n, (long)ceil(0.95 * (double)n));
    /* Ranks n/2 -+ 1.96 sqrt(n)/2 bracket the median with 95 % confidence. */
    double half = 0.98 * sqrt((double)n);
    st->median_ci_lo = at_rank(v, n, (long)floor((double)n / 2 - half));
    st->median_ci_hi = at_rank(v, n, (long)ceil((double)n / 2 + half) + 1);
}

void rc_char_estimate_mean(rc_char_stat *st, double floor_half)
{
    st->estimate = st->mean;
    if (st->n == 0)
        return;
    double half = st->n > 1 ? rc_char_t975(st->n - 1) * st->sd / sqrt((double)st->n) : 0.0;
    if (half < floor_half)
        half = floor_half;
    st->ci_lo = st->mean - half;
    st->ci_hi = st->mean + half;
}

#define FIT_MAX_MU 4000
#define FIT_N_SCALE 48

/* log(1 + e^z) without overflow. */
static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* The trials at one setting: the likelihood depends only on how many
 * answered yes and no there, and a staircase visits few settings. */
typedef struct level {
    double x;
    unsigned yes, no;
} level;

static int cmp_level(const void *a, const void *b)
{
    return cmp_double(&((const level *)a)->x, &((const level *)b)->x);
}

/* Merges the trials into levels (sorted by setting); returns their number. */
static size_t merge_levels(const double *x, const bool *yes, size_t n, level *lv)
{
    for (size_t i = 0; i < n; i++)
        lv[i] = (level){x[i], yes[i], !yes[i]};
    qsort(lv, n, sizeof *lv, cmp_level);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && lv[m - 1].x == lv[i].x) {
            lv[m - 1].yes += lv[i].yes;
            lv[m - 1].no += lv[i].no;
        } else {
            lv[m++] = lv[i];
        }
    }
    return m;
}

/* Log-likelihood of the responses under P(yes | x) = 1 / (1 + e^-(x - mu) / s). */
static double log_likelihood(const level *lv, size_t m, double mu, double s)
{
    double ll = 0;
    for (size_t i = 0; i < m; i++) {
        double z = (lv[i].x - mu) / s;
        ll -= lv[i].yes * softplus(-z) + lv[i].no * softplus(z);
    }
    return ll;
}

/* log(sum of e^v) over the scales, for one mu. */
static double log_marginal(const level *lv, size_t m, double mu, double s_min, double s_ratio)
{
    double ll[FIT_N_SCALE], top = -INFINITY, s = s_min;
    for (int j = 0; j < FIT_N_SCALE; j++, s *= s_ratio) {
        ll[j] = log_likelihood(lv, m, mu, s);
        top = ll[j] > top ? ll[j] : top;
    }
    double sum = 0;
    for (int j = 0; j < FIT_N_SCALE; j++)
        sum += exp(ll[j] - top);
    return top + log(sum);
}

/* The first index whose cumulative weight reaches share of the total. */
static size_t quantile_index(const double *w, size_t n, double total, double share)
{
    double cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += w[i];
        if (cum >= share * total)
            return i;
    }
    return n - 1;
}

void rc_char_fit_threshold(const double *x, const bool *yes, size_t n, double resolution,
                           double *estimate, double *lo, double *hi)
{
    assert(n > 0 && resolution > 0);
    level *lv = malloc(n * sizeof *lv);
    double *w = malloc(FIT_MAX_MU * sizeof *w);
    if (!lv || !w) {
        free(lv);
        free(w);
        *estimate = *lo = *hi = NAN;
        return;
    }
    size_t m = merge_levels(x, yes, n, lv);
    double first = lv[0].x - resolution, span = lv[m - 1].x - lv[0].x + 2 * resolution;
    double step = resolution / 10;
    if (span / step > FIT_MAX_MU - 1)
        step = span / (FIT_MAX_MU - 1);
    size_t n_mu = (size_t)(span / step) + 1;
    assert(n_mu <= FIT_MAX_MU);
    /* Scales from a near-step (resolution / 100) to the whole span, evenly
     * spaced in log(s): a prior that favours no order of magnitude. */
    double s_min = resolution / 100, s_ratio = pow(span / s_min, 1.0 / (FIT_N_SCALE - 1));
    double best = -INFINITY;
    for (size_t i = 0; i < n_mu; i++) {
        w[i] = log_marginal(lv, m, first + (double)i * step, s_min, s_ratio);
        best = w[i] > best ? w[i] : best;
    }
    double total = 0;
    for (size_t i = 0; i < n_mu; i++) {
        w[i] = exp(w[i] - best);
        total += w[i];
    }
    *estimate = first + (double)quantile_index(w, n_mu, total, 0.5) * step;
    *lo = first + (double)quantile_index(w, n_mu, total, 0.025) * step;
    *hi = first + (double)quantile_index(w, n_mu, total, 0.975) * step;
    free(lv);
    free(w);
    /* A grid of probes cannot place the threshold closer than half a step. */
    *lo = *lo < *estimate - resolution / 2 ? *lo : *estimate - resolution / 2;
    *hi = *hi > *estimate + resolution / 2 ? *hi : *estimate + resolution / 2;
}
