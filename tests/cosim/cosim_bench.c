/*
 * cosim_bench.c - how fast the cosim backend runs a profile: clock cycles
 * simulated, ticks skipped, cycles per second and virtual time per wall
 * time (bench/README.md, "cosim").
 * Usage: cosim_bench PROFILE [RATE_HZ [--no-skip]]
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cosim/cosim_internal.h"
#include "railcut/clock.h"
#include "railcut/rig.h"

/* The cosim driver with skipping switched off when asked. */
static bool no_skip;
static rc_status open_no_skip(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    rc_status st = rc_driver_cosim.open(cfg, out, err);
    if (st == RC_OK && no_skip)
        rc_cosim_set_skipping(*out, false);
    return st;
}

static rc_device *last_dev;
static rc_status load_and_keep(rc_device *dev, const rc_profile *p, rc_error *err)
{
    last_dev = dev;
    return rc_driver_cosim.load(dev, p, err);
}

static uint64_t cycles, skipped;
static rc_status stop_and_count(rc_device *dev, rc_error *err)
{
    cycles = rc_cosim_cycles(dev);
    skipped = rc_cosim_skipped_ticks(dev);
    return rc_driver_cosim.stop(dev, err);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cosim_bench PROFILE [RATE_HZ [--no-skip]]\n");
        return 2;
    }
    no_skip = argc > 3 && strcmp(argv[3], "--no-skip") == 0;
    rc_error err;
    rc_profile *p;
    if (rc_profile_load_any(argv[1], NULL, &p, &err) != RC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    rc_driver drv = rc_driver_cosim;
    drv.open = open_no_skip;
    drv.load = load_and_keep;
    drv.stop = stop_and_count;
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    if (argc > 2)
        cfg.sample_rate_hz = (uint32_t)strtoul(argv[2], NULL, 10);
    rc_run_options opt = {.pace = RC_PACE_MAX};
    rc_sink sink = {0};
    rc_run_result res;
    int64_t t0 = rc_clock_monotonic_us();
    rc_status st = rc_run(&drv, &cfg, p, &opt, &sink, &res, &err);
    double wall_s = (double)(rc_clock_monotonic_us() - t0) / 1e6;
    if (st != RC_OK)
        fprintf(stderr, "%s\n", err.msg);
    double virt_s = (double)res.end_us / 1e6;
    printf("%s: virtual %.3f s, wall %.3f s (%.0fx), %llu cycles (%.2f M/s), %llu ticks "
           "skipped (%.2f %%)\n",
           argv[1], virt_s, wall_s, virt_s / wall_s, (unsigned long long)cycles,
           (double)cycles / wall_s / 1e6, (unsigned long long)skipped,
           100.0 * (double)skipped / ((double)res.end_us + 1));
    rc_profile_free(p);
    return st == RC_OK ? 0 : 1;
}
