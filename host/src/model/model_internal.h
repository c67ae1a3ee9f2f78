/*
 * model_internal.h - hooks into the bench model for the library's own tests
 * and benchmarks; not part of the public API.
 */
#ifndef RAILCUT_MODEL_INTERNAL_H
#define RAILCUT_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "railcut/model.h"

/* With on = true the model steps every microsecond and never jumps over
 * quiet spans: the brute-force reference the jumps are checked against. */
void rc_bench_model_set_exact_stepping(rc_bench_model *m, bool on);

/* The rail voltage at the CH in nanovolts, exactly as the model holds it
 * (the cosim backend's ADC converts this; rc_sample's float rounds it to
 * about a microvolt, which could put a sample on the wrong side of a
 * crossing threshold). */
int64_t rc_bench_model_rail_nv(const rc_bench_model *m);

#endif
