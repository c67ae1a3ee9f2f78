/*
 * char_internal.h - what the characterisation files share: statistics over
 * measured values and the probe measurements. Not part of the public API.
 */
#ifndef RAILCUT_CHAR_INTERNAL_H
#define RAILCUT_CHAR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/characterize.h"
#include "railcut/trace.h"

/* Two-sided 95 % quantile of Student's t with df degrees of freedom. */
double rc_char_t975(size_t df);

/* Fills everything but estimate and ci_* from n values (sorted in place).
 * With n == 0 every figure is NAN. */
void rc_char_describe(double *v, size_t n, rc_char_stat *st);

/* Sets the estimate to the mean with a t interval whose half-width is at
 * least floor_half (the resolution of the measurement). */
void rc_char_estimate_mean(rc_char_stat *st, double floor_half);

/* Fit of a logistic psychometric function P(yes | x) = 1 / (1 + exp(-(x -
 * mu) / s)) to staircase trials, the slope s integrated out (stats.c):
 * *estimate is the median of the weight left on mu, [*lo, *hi] its 2.5 %
 * and 97.5 % points, never narrower than +- resolution / 2. */
void rc_char_fit_threshold(const double *x, const bool *yes, size_t n, double resolution,
                           double *estimate, double *lo, double *hi);

/* The 1-up/1-down staircase over grid indices 0..k_max (staircase.c). */
typedef enum rc_char_stair_state {
    RC_STAIR_GOING,     /* probe index k next */
    RC_STAIR_CONVERGED, /* the wanted reversals at the final step */
    RC_STAIR_BELOW,     /* stuck at index 0 with responses: threshold below the grid */
    RC_STAIR_ABOVE,     /* stuck at k_max without: threshold above the grid */
} rc_char_stair_state;

typedef struct rc_char_stair {
    int64_t k;          /* the index to probe next */
    int64_t k_max;
    int64_t step;       /* in indices; 1 once it is final */
    unsigned reversals; /* reversals at the final step that end the walk */
    unsigned n_rev;     /* reversals at the final step so far */
    int stuck;          /* probes in a row pushed out of an end of the grid */
    bool have_prev, prev;
} rc_char_stair;

/* The first step: the largest power of two not above k_max / 4 (at least 1). */
int64_t rc_char_stair_first_step(int64_t k_max);
void rc_char_stair_init(rc_char_stair *s, int64_t k_max, unsigned reversals);
/* Records the response at index s->k and moves to the next index (unless it
 * stops). *final_reversal says the response was a reversal at the final
 * step, whose measured value belongs to the reversal statistics. */
rc_char_stair_state rc_char_stair_record(rc_char_stair *s, bool response, bool *final_reversal);

/* What a probe's trace shows, for its mode. The analysis is the job's. */
rc_status rc_char_measure(const rc_char_config *cfg, rc_trace *t, const rc_analysis *a,
                          rc_char_probe *p, rc_error *err);

#endif
