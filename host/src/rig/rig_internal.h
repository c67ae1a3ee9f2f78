/*
 * rig_internal.h - the backends the registry knows; each is defined in its
 * own file under drivers/.
 */
#ifndef RAILCUT_RIG_INTERNAL_H
#define RAILCUT_RIG_INTERNAL_H

#include "railcut/rig.h"

extern const rc_driver rc_driver_sim;
extern const rc_driver rc_driver_ftdi;
extern const rc_driver rc_driver_cosim; /* only when the gateware is built */
extern const rc_driver rc_driver_cosim_12m; /* the same, its board build at 12 MHz */

/* sim: step every microsecond (ramps included) instead of jumping over
 * quiet spans; the brute-force reference for the tests. */
void rc_sim_set_exact_stepping(rc_device *dev, bool on);

#endif
