/*
 * bench_sim.c - how fast the sim backend runs profiles: virtual seconds per
 * wall second and samples per second, at 1, 10 and 100 kS/s.
 *
 * Profiles are built in memory so the figure is the backend alone: an OTA
 * activation (30 s on, 175 s cut, restore, 120 s observation) and a 15 min
 * profile with three cuts and a slow ramp. Output goes to a sink that only
 * counts, so no I/O is measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "railcut/rig.h"

#define S 1000000LL

typedef struct counter {
    size_t samples, events;
} counter;

static rc_status count_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    (void)s;
    (void)err;
    ((counter *)ctx)->samples += n;
    return RC_OK;
}

static rc_status count_event(void *ctx, const rc_event *ev, rc_error *err)
{
    (void)ev;
    (void)err;
    ((counter *)ctx)->events++;
    return RC_OK;
}

static void add(rc_profile *p, rc_seg_kind kind, int64_t dur_us, int32_t from_mv, int32_t to_mv,
                bool on)
{
    rc_segment *s = &p->segs[p->n_segs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->start_us = p->nominal_us;
    s->duration_us = dur_us;
    s->from_mv = from_mv;
    s->to_mv = to_mv;
    s->rail_on = on;
    p->nominal_us += dur_us;
}

static rc_profile *ota_profile(void)
{
    rc_profile *p = rc_profile_new();
    p->segs = calloc(4, sizeof *p->segs);
    add(p, RC_SEG_HOLD, 30 * S, 12000, 12000, true);
    add(p, RC_SEG_HOLD, 175 * S, 12000, 12000, false);
    add(p, RC_SEG_HOLD, 0, 12000, 12000, true);
    add(p, RC_SEG_OBSERVE, 120 * S, 12000, 12000, true);
    return p;
}

static rc_profile *long_profile(void)
{
    rc_profile *p = rc_profile_new();
    p->segs = calloc(16, sizeof *p->segs);
    add(p, RC_SEG_HOLD, 60 * S, 12000, 12000, true);
    add(p, RC_SEG_HOLD, 172 * S, 12000, 12000, false);
    add(p, RC_SEG_HOLD, 90 * S, 12000, 12000, true);
    add(p, RC_SEG_RAMP, 30 * S, 12000, 6000, true);
    add(p, RC_SEG_RAMP, 30 * S, 6000, 12000, true);
    add(p, RC_SEG_HOLD, 60 * S, 12000, 12000, true);
    add(p, RC_SEG_HOLD, 200 * S, 12000, 12000, false);
    add(p, RC_SEG_HOLD, 60 * S, 12000, 12000, true);
    add(p, RC_SEG_HOLD, 500000, 12000, 12000, false);
    add(p, RC_SEG_OBSERVE, 197500000, 12000, 12000, true);
    return p;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(const char *name, const rc_profile *p, uint32_t rate_hz)
{
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.sample_rate_hz = rate_hz;
    rc_run_options opt = {RC_PACE_MAX, 1.0, NULL, NULL, NULL};
    counter c = {0, 0};
    rc_sink sink = {&c, count_samples, count_event};
    rc_run_result res;
    rc_error err;
    double t0 = wall_s();
    rc_status st = rc_run(rc_driver_find("sim"), &cfg, p, &opt, &sink, &res, &err);
    double wall = wall_s() - t0;
    if (st != RC_OK) {
        fprintf(stderr, "bench_sim: %s\n", err.msg);
        return 1;
    }
    double virt = (double)res.end_us / 1e6;
    printf("%-8s %7u %9.1f %10.4f %14.0f %14.0f %8zu\n", name, rate_hz, virt, wall, virt / wall,
           (double)c.samples / wall, c.events);
    return 0;
}

int main(void)
{
    static const uint32_t rates[] = {1000, 10000, 100000};
    rc_profile *ota = ota_profile();
    rc_profile *lng = long_profile();
    printf("%-8s %7s %9s %10s %14s %14s %8s\n", "profile", "rate_hz", "virt_s", "wall_s",
           "virt_s/wall_s", "samples/s", "events");
    int fail = 0;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        fail |= bench("ota", ota, rates[i]);
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        fail |= bench("15min", lng, rates[i]);
    rc_profile_free(ota);
    rc_profile_free(lng);
    return fail;
}
