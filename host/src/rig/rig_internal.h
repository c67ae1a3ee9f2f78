/*
 * rig_internal.h - the backends the registry knows; each is defined in its
 * own file under drivers/.
 */
#ifndef RAILCUT_RIG_INTERNAL_H
#define RAILCUT_RIG_INTERNAL_H

#include "railcut/rig.h"

extern const rc_driver rc_driver_sim;

#endif
