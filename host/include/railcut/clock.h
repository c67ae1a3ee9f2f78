/*
 * railcut/clock.h - the host's two clocks, in microseconds.
 *
 * Device time (the t_us of samples and events) never comes from here: it is
 * counted by the backend. These clocks pace runs, time flushes and stamp the
 * UTC start of a trace.
 */
#ifndef RAILCUT_CLOCK_H
#define RAILCUT_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Monotonic wall time: for intervals and pacing, never for dates. */
int64_t rc_clock_monotonic_us(void);
/* UTC wall clock, microseconds since 1970-01-01T00:00:00Z. */
int64_t rc_clock_utc_us(void);

#ifdef __cplusplus
}
#endif

#endif
