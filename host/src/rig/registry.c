/*
 * registry.c - the driver table: every backend railcut can run a profile on.
 *
 * One array of pointers to each backend's rc_driver; adding a backend is
 * adding its file under drivers/ and one line here.
 */
#include <string.h>

#include "rig/rig_internal.h"

static const rc_driver *const drivers[] = {
    &rc_driver_sim,
    &rc_driver_ftdi,
#ifdef RAILCUT_COSIM
    &rc_driver_cosim,
    &rc_driver_cosim_12m,
#endif
};

#define N_DRIVERS (sizeof drivers / sizeof drivers[0])

const rc_driver *rc_driver_find(const char *name)
{
    for (size_t i = 0; i < N_DRIVERS; i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

const rc_driver *const *rc_driver_list(size_t *count)
{
    *count = N_DRIVERS;
    return drivers;
}
