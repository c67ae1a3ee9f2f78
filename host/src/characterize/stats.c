/*
 * stats.c - the statistics of a characterisation: mean, standard deviation,
 * order statistics and 95 % confidence intervals over a plain array of
 * measured values (doubles in the mode's display unit).
 *
 * The mean's interval uses Student's t (values assumed roughly normal, as
 * staircase reversals and repeated thresholds are); the median's interval is
 * distribution-free, from the ranks a binomial(n, 1/2) count puts around it,
 * so a skewed latency distribution still gets an honest interval.
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

/* log(1 + e^z) without overflow. */
static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Log-likelihood of the responses under P(yes | x) = 1 / (1 + e^-(x - mu) / s). */
static double log_likelihood(const double *x, const bool *yes, size_t n, double mu, double s)
{
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        double z = (x[i] - mu) / s;
        ll -= yes[i] ? softplus(-z) : softplus(z);
    }
    return ll;
}

#define FIT_MAX_MU 4000
#define FIT_N_SCALE 48
/* Half the 95 % quantile of chi-square with one degree of freedom. */
#define FIT_CHI2_HALF 1.92

void rc_char_fit_threshold(const double *x, const bool *yes, size_t n, double resolution,
                           double *estimate, double *lo, double *hi)
{
    assert(n > 0 && resolution > 0);
    double x_min = x[0], x_max = x[0];
    for (size_t i = 1; i < n; i++) {
        x_min = x[i] < x_min ? x[i] : x_min;
        x_max = x[i] > x_max ? x[i] : x_max;
    }
    double first = x_min - resolution, span = x_max - x_min + 2 * resolution;
    double step = resolution / 20;
    if (span / step > FIT_MAX_MU - 1)
        step = span / (FIT_MAX_MU - 1);
    size_t n_mu = (size_t)(span / step) + 1;
    double *profile = malloc(n_mu * sizeof *profile);
    if (!profile) {
        *estimate = *lo = *hi = NAN;
        return;
    }
    /* Scales from a near-step (resolution / 100) to the whole span. */
    double s_min = resolution / 100, s_ratio = pow(span / s_min, 1.0 / (FIT_N_SCALE - 1));
    double best = -INFINITY;
    for (size_t i = 0; i < n_mu; i++) {
        double mu = first + (double)i * step, top = -INFINITY, s = s_min;
        for (int j = 0; j < FIT_N_SCALE; j++, s *= s_ratio) {
            double ll = log_likelihood(x, yes, n, mu, s);
            top = ll > top ? ll : top;
        }
        profile[i] = top;
        best = top > best ? top : best;
    }
    size_t top_lo = n_mu, top_hi = 0, ci_lo = n_mu, ci_hi = 0;
    for (size_t i = 0; i < n_mu; i++) {
        if (profile[i] >= best - 1e-6) {
            top_lo = i < top_lo ? i : top_lo;
            top_hi = i;
        }
        if (profile[i] >= best - FIT_CHI2_HALF) {
            ci_lo = i < ci_lo ? i : ci_lo;
            ci_hi = i;
        }
    }
    free(profile);
    *estimate = first + (double)(top_lo + top_hi) / 2 * step;
    *lo = first + (double)ci_lo * step;
    *hi = first + (double)ci_hi * step;
    /* A grid of probes cannot place the threshold closer than half a step. */
    *lo = *lo < *estimate - resolution / 2 ? *lo : *estimate - resolution / 2;
    *hi = *hi > *estimate + resolution / 2 ? *hi : *estimate + resolution / 2;
}
