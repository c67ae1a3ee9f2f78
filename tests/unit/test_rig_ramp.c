/*
 * test_rig_ramp.c - the sim backend's ramps, tick by tick, against values
 * worked out by hand from the gateware's 16.24 rule (docs/protocol.md,
 * "Ramps"): slope = trunc((to - from) * 2^24 / ticks), and the setpoint at
 * offset k is the integer part of from + k * slope / 2^24, held at `to`
 * once it gets there. One tick is 1 us and one code 1 mV, as in the cosim
 * backend, so the sim's setpoint is the gateware's DAC code.
 *
 * The sim samples at 1 MHz; the sample at start + k + 1 shows the setpoint
 * of offset k (the model moves from t to t + 1 on the inputs set at t).
 * The supply's current limit is raised so that the rail follows every
 * step within the microsecond.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "railcut/link.h"
#include "railcut/rig.h"
#include "testutil.h"

#define MAX_SAMPLES 4096
#define MAX_EVENTS 256
#define ONE (INT64_C(1) << 24)

typedef struct capture {
    rc_sample s[MAX_SAMPLES];
    size_t ns;
    rc_event ev[MAX_EVENTS];
    size_t n_ev;
} capture;

static rc_status on_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    (void)err;
    capture *c = ctx;
    ck_assert_uint_le(c->ns + n, MAX_SAMPLES);
    memcpy(c->s + c->ns, s, n * sizeof *s);
    c->ns += n;
    return RC_OK;
}

static rc_status on_event(void *ctx, const rc_event *ev, rc_error *err)
{
    (void)err;
    capture *c = ctx;
    ck_assert_uint_lt(c->n_ev, MAX_EVENTS);
    c->ev[c->n_ev++] = *ev;
    return RC_OK;
}

static void run(const char *text, unsigned rate_hz, capture *c)
{
    memset(c, 0, sizeof *c);
    rc_profile_options po = RC_PROFILE_OPTIONS_INIT;
    po.observe_us = 0;
    rc_profile *p;
    rc_error err;
    ck_assert_msg(rc_profile_parse("ramp.rail", text, strlen(text), &po, &p, &err) == RC_OK,
                  "%s", err.msg);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.sample_rate_hz = rate_hz;
    cfg.supply.current_limit_ma = 100000;
    rc_run_options opt = {.pace = RC_PACE_MAX};
    rc_sink sink = {.ctx = c, .on_samples = on_samples, .on_event = on_event};
    rc_run_result res;
    ck_assert_msg(rc_run(rc_driver_find("sim"), &cfg, p, &opt, &sink, &res, &err) == RC_OK,
                  "%s", err.msg);
    rc_profile_free(p);
}

/* The rail in mV at microsecond t (1 MHz samples, t = index). */
static long rail_mv(const capture *c, int64_t t)
{
    ck_assert_int_lt(t, (int64_t)c->ns);
    ck_assert_int_eq(c->s[t].t_us, t);
    return lround(c->s[t].rail_v * 1000.0);
}

static int64_t first(const capture *c, rc_event_kind kind)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == kind)
            return c->ev[i].t_us;
    return -1;
}

/* 5000 -> 5010 mV over 6 ticks: slope trunc(10 * 2^24 / 6) = 27962026
 * (1.66666663 codes a tick). Offsets 0..5: 5000 + 0, 1.67, 3.33, 4.99999988,
 * 6.67, 8.33 -> 5000 5001 5003 5004 5006 5008. At k = 3 the exact line is
 * 5005; the truncated slope stays just under it. Then 5010 -> 5000: the
 * same slope negated, 5010 - the same fractions, integer part taken
 * downwards -> 5010 5008 5006 5005 5003 5001. */
static const char *const SHORT_RAMPS = "level 5000mV\nrestore\nhold 1ms\n"
                                       "ramp to 5010mV over 6us\nhold 10us\n"
                                       "ramp to 5000mV over 6us\nhold 10us\n";

START_TEST(up_ramp_codes_at_each_tick)
{
    static capture c;
    run(SHORT_RAMPS, 1000000, &c);
    static const long want[] = {5000, 5001, 5003, 5004, 5006, 5008};
    const int64_t start = 1000;
    ck_assert_int_eq(rail_mv(&c, start), 5000);
    for (int64_t k = 0; k < 6; k++)
        ck_assert_int_eq(rail_mv(&c, start + k + 1), want[k]);
    /* the hold after it sets 5010 at its start */
    ck_assert_int_eq(rail_mv(&c, start + 7), 5010);
}
END_TEST

START_TEST(down_ramp_codes_at_each_tick)
{
    static capture c;
    run(SHORT_RAMPS, 1000000, &c);
    static const long want[] = {5010, 5008, 5006, 5005, 5003, 5001};
    const int64_t start = 1016;
    ck_assert_int_eq(rail_mv(&c, start), 5010);
    for (int64_t k = 0; k < 6; k++)
        ck_assert_int_eq(rail_mv(&c, start + k + 1), want[k]);
    ck_assert_int_eq(rail_mv(&c, start + 7), 5000);
}
END_TEST

/* ota/slow-ramp's soft start, 0 to 12 V over 30 s: slope
 * trunc(12000 * 2^24 / 3e7) = 6710 (0.99997 of the exact line). The setpoint
 * leaves 0 at k = ceil(2^24 / 6710) = 2501 (the exact line: 2500), reaches
 * 9000 mV (the restore threshold) at ceil(9000 * 2^24 / 6710) = 22502973
 * (the exact line: 22500000) and ends at 11998 mV: the next entry's level
 * takes it to 12000. The rail follows one microsecond later. */
START_TEST(slow_ramp_reaches_the_threshold_at_the_gateware_tick)
{
    static capture c;
    run("level 0V\nrestore\nramp to 12V over 30s\nlevel 12V\nhold 10ms\n", 100, &c);
    ck_assert_int_eq(rc_link_ramp_slope(0, 12000, 30000000), 6710);
    ck_assert_int_eq(rc_link_ramp_code(0, 12000, 6710, 2500), 0);
    ck_assert_int_eq(rc_link_ramp_code(0, 12000, 6710, 2501), 1);
    ck_assert_int_eq(rc_link_ramp_code(0, 12000, 6710, 22502972), 8999);
    ck_assert_int_eq(rc_link_ramp_code(0, 12000, 6710, 22502973), 9000);
    ck_assert_int_eq(rc_link_ramp_code(0, 12000, 6710, 29999999), 11998);
    ck_assert_int_eq(first(&c, RC_EV_RAIL_RISE), 22502973 + 1);
    /* 10 ms samples: at 1 s (k = 999999) 999999 * 6710 / 2^24 = 399.95 */
    ck_assert_uint_eq(c.ns, 3002);
    ck_assert_int_eq(lround(c.s[100].rail_v * 1000.0), 399);
    ck_assert_int_eq(lround(c.s[3000].rail_v * 1000.0), 11998);
    ck_assert_int_eq(lround(c.s[3001].rail_v * 1000.0), 12000);
}
END_TEST

/* Shallow ramps, where the truncation of the slope shows most: two codes
 * over 20 s have slope trunc(2 * 2^24 / 2e7) = 1 (not 1.68), so the
 * setpoint moves to 10001 only at k = 2^24 = 16777216 (the exact line: at
 * 10 s) and never reaches 10002 within the ramp; one code over 20 s has
 * slope 0 and holds its start throughout, as the gateware does. */
START_TEST(shallow_ramp_moves_with_the_truncated_slope)
{
    static capture c;
    run("level 10000mV\nrestore\nhold 1ms\nramp to 10002mV over 20s\nhold 1ms\n", 1, &c);
    ck_assert_int_eq(rc_link_ramp_slope(10000, 10002, 20000000), 1);
    ck_assert_uint_eq(c.ns, 21);
    /* sample at t s: k = t * 10^6 - 1001 */
    ck_assert_int_eq(lround(c.s[10].rail_v * 1000.0), 10000);
    ck_assert_int_eq(lround(c.s[16].rail_v * 1000.0), 10000);
    ck_assert_int_eq(lround(c.s[17].rail_v * 1000.0), 10001);
    ck_assert_int_eq(lround(c.s[20].rail_v * 1000.0), 10001);
    ck_assert_int_eq(rc_link_ramp_code(10000, 10002, 1, 16777215), 10000);
    ck_assert_int_eq(rc_link_ramp_code(10000, 10002, 1, 16777216), 10001);
    ck_assert_int_eq(rc_link_ramp_slope(10000, 10001, 20000000), 0);
    ck_assert_int_eq(rc_link_ramp_code(10000, 10001, 0, 19999999), 10000);
    ck_assert_uint_eq(rc_link_ramp_next_change(10000, 10001, 0, 0), UINT64_MAX);
}
END_TEST

/* A slope steeper than the host would compute (3 codes a tick from 100 to
 * 110, 2.5 from 110 down to 100) overshoots; the accumulator stops at the
 * end code, and the code never changes again. */
START_TEST(overshooting_slope_stops_at_the_end_code)
{
    static const int64_t up[] = {100, 103, 106, 109, 110, 110};
    for (uint64_t k = 0; k < 6; k++)
        ck_assert_int_eq(rc_link_ramp_code(100, 110, 3 * ONE, k), up[k]);
    ck_assert_int_eq(rc_link_ramp_code(100, 110, 3 * ONE, UINT64_C(1) << 62), 110);
    ck_assert_uint_eq(rc_link_ramp_next_change(100, 110, 3 * ONE, 2), 3);
    ck_assert_uint_eq(rc_link_ramp_next_change(100, 110, 3 * ONE, 3), 4);
    ck_assert_uint_eq(rc_link_ramp_next_change(100, 110, 3 * ONE, 4), UINT64_MAX);
    /* 110 - 2.5 k: 107.5 -> 107, 105, 102.5 -> 102, 100, then held */
    static const int64_t down[] = {110, 107, 105, 102, 100, 100};
    for (uint64_t k = 0; k < 6; k++)
        ck_assert_int_eq(rc_link_ramp_code(110, 100, -5 * ONE / 2, k), down[k]);
    ck_assert_uint_eq(rc_link_ramp_next_change(110, 100, -5 * ONE / 2, 0), 1);
    ck_assert_uint_eq(rc_link_ramp_next_change(110, 100, -5 * ONE / 2, 4), UINT64_MAX);
}
END_TEST

/* The next change of 5000 -> 5010 over 6 ticks is the next offset whose
 * code differs: 1, 2, 3, 4, 5, then 6 (5009, past the entry). */
START_TEST(next_change_is_the_next_code)
{
    int64_t s = rc_link_ramp_slope(5000, 5010, 6);
    ck_assert_int_eq(s, 27962026);
    for (uint64_t k = 0; k < 6; k++) {
        uint64_t next = rc_link_ramp_next_change(5000, 5010, s, k);
        ck_assert_uint_eq(next, k + 1);
        ck_assert_int_ne(rc_link_ramp_code(5000, 5010, s, next),
                         rc_link_ramp_code(5000, 5010, s, k));
    }
    /* down, 12000 -> 0 over 1 s (slope -201326): 8000 holds from k = 333330
     * (acc 134218596420) to 333334, 7999 from 333335 */
    s = rc_link_ramp_slope(12000, 0, 1000000);
    ck_assert_int_eq(s, -201326);
    ck_assert_int_eq(rc_link_ramp_code(12000, 0, s, 333334), 8000);
    ck_assert_uint_eq(rc_link_ramp_next_change(12000, 0, s, 333330), 333335);
    ck_assert_int_eq(rc_link_ramp_code(12000, 0, s, 333335), 7999);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rig_ramp");
    TCase *tc = tcase_create("ramp");
    tcase_add_test(tc, up_ramp_codes_at_each_tick);
    tcase_add_test(tc, down_ramp_codes_at_each_tick);
    tcase_add_test(tc, slow_ramp_reaches_the_threshold_at_the_gateware_tick);
    tcase_add_test(tc, shallow_ramp_moves_with_the_truncated_slope);
    tcase_add_test(tc, overshooting_slope_stops_at_the_end_code);
    tcase_add_test(tc, next_change_is_the_next_code);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
