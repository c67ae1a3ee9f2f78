/*
 * char_internal.h - what the characterisation files share: statistics over
 * measured values and the probe measurements. Not part of the public API.
 */
#ifndef RAILCUT_CHAR_INTERNAL_H
#define RAILCUT_CHAR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

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

/* Maximum-likelihood fit of a logistic psychometric function
 * P(yes | x) = 1 / (1 + exp(-(x - mu) / s)) to staircase probes: *estimate is
 * the middle of the mu values of greatest likelihood, [*lo, *hi] its 95 %
 * profile-likelihood interval, never narrower than +- resolution / 2. */
void rc_char_fit_threshold(const double *x, const bool *yes, size_t n, double resolution,
                           double *estimate, double *lo, double *hi);

/* What a probe's trace shows, for its mode. The analysis is the job's. */
rc_status rc_char_measure(const rc_char_config *cfg, rc_trace *t, const rc_analysis *a,
                          rc_char_probe *p, rc_error *err);

#endif
