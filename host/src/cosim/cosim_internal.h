/*
 * cosim_internal.h - hooks into the cosim backend for its own tests
 * (tests/cosim) and benchmarks: link faults to inject, the raw command path
 * and what the link has seen. Not part of the public API.
 */
#ifndef RAILCUT_COSIM_INTERNAL_H
#define RAILCUT_COSIM_INTERNAL_H

#include <stdint.h>

#include "railcut/link.h"
#include "railcut/rig.h"

/* Link faults, each applied once at the first matching frame sent at or
 * after the given device time (us from the run's start); -1 = none. */
typedef struct rc_cosim_faults {
    int64_t corrupt_heartbeat_us; /* flip a bit in a HEARTBEAT's payload-free body */
    int64_t drop_heartbeat_us;    /* leave out one byte (its SEQ) of a HEARTBEAT */
    int64_t corrupt_samples_us;   /* flip a bit in a SAMPLES frame on its way to the host */
    int64_t silence_us;           /* from here on the host sends nothing (heartbeat loss) */
} rc_cosim_faults;

#define RC_COSIM_FAULTS_NONE {-1, -1, -1, -1}

void rc_cosim_set_faults(rc_device *dev, const rc_cosim_faults *f);

/* The last STATUS the gateware sent, and the host decoder's counts. */
void rc_cosim_link_state(const rc_device *dev, rc_link_status *status, rc_link_stats *f2h);

/* Sends m as it is (no check against the build's limits; the link faults
 * apply as to any frame) and waits for the answer. */
rc_status rc_cosim_command(rc_device *dev, const rc_link_msg *m, rc_link_msg *answer,
                           rc_error *err);

/* Clock cycles simulated, and ticks the gateware moved over without
 * clocking them (docs/cosim.md, "Skipping idle ticks"). */
uint64_t rc_cosim_cycles(const rc_device *dev);
uint64_t rc_cosim_skipped_ticks(const rc_device *dev);

/* Off: clock every tick (the reference the skipping is checked against).
 * The board build (cosim-12m) never skips. */
void rc_cosim_set_skipping(rc_device *dev, bool on);

extern const rc_driver rc_driver_cosim;
extern const rc_driver rc_driver_cosim_12m; /* the board build, 12 MHz through the pins */

#endif
