/*
 * clock.c - monotonic and UTC host clocks in microseconds.
 */
#include <time.h>

#include "railcut/clock.h"

static int64_t read_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rc_clock_monotonic_us(void)
{
    return read_us(CLOCK_MONOTONIC);
}

int64_t rc_clock_utc_us(void)
{
    return read_us(CLOCK_REALTIME);
}
