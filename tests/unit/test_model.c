/*
 * test_model.c - the bench model to the microsecond: power-up, the 180 s
 * boundary, both AD1 modes, each defect, UVLO hysteresis, hold-up
 * ride-through and recharge, and jumps against brute-force stepping.
 *
 * Figures used throughout (defaults, see docs/ch-model.md):
 *   rail rise from 0 V with the CH under UVLO (5 mA leak), 1 A limit, 470 uF:
 *     995 mA / 470 uF = 2117021 nV/us -> 9 V after 4252 us;
 *   open cut, CH ready with full storage (150 mA): 319148 nV/us -> below 8 V
 *     after 12534 us; with storage recharging (250 mA): 531914 nV/us -> 7521 us.
 */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "railcut/model.h"
#include "testutil.h"

#define S 1000000LL
#define RISE_US 4252
#define FALL_FULL_US 12534
#define FALL_CHARGING_US 7521

typedef struct step {
    int64_t t_us;
    int32_t setpoint_mv;
    bool rail_on;
} step;

typedef struct recorder {
    rc_event ev[256];
    size_t n;
} recorder;

static void record(void *ctx, const rc_event *ev)
{
    recorder *r = ctx;
    ck_assert_uint_lt(r->n, 256);
    if (r->n > 0)
        ck_assert_int_le(r->ev[r->n - 1].t_us, ev->t_us);
    r->ev[r->n++] = *ev;
}

/* Runs the steps (applied at their times) up to end_us. */
static void run_steps(const rc_ch_params *ch, const rc_supply_params *sup, const step *steps,
                      size_t n, int64_t end_us, bool exact, recorder *r)
{
    rc_bench_model *m;
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(rc_bench_model_new(ch, sup, 8000, 9000, record, r, &m, NULL), RC_OK);
    rc_bench_model_set_exact_stepping(m, exact);
    for (size_t i = 0; i < n; i++) {
        if (steps[i].t_us > rc_bench_model_now(m))
            rc_bench_model_advance(m, steps[i].t_us);
        ck_assert_int_eq(rc_bench_model_now(m), steps[i].t_us);
        rc_bench_model_set_inputs(m, steps[i].setpoint_mv, steps[i].rail_on, false);
    }
    rc_bench_model_advance(m, end_us);
    ck_assert_int_eq(rc_bench_model_now(m), end_us);
    rc_bench_model_free(m);
}

/* Time of the nth (0-based) event of a kind, -1 when there is none. */
static int64_t at(const recorder *r, rc_event_kind kind, int nth)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].kind == kind && nth-- == 0)
            return r->ev[i].t_us;
    return -1;
}

static int count(const recorder *r, rc_event_kind kind)
{
    int n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->ev[i].kind == kind;
    return n;
}

/* Power up at 0, cut at 60 s (CH ready, storage full), restore at 60 s + off. */
static void one_cut(const rc_ch_params *ch, int64_t off_us, recorder *r)
{
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    const step steps[] = {
        {0, 12000, true}, {60 * S, 12000, false}, {60 * S + off_us, 12000, true}};
    run_steps(ch, &sup, steps, 3, 60 * S + off_us + 300 * S, false, r);
}

/* Rail cut so that the rail is interrupted (fall to rise) for exactly d. */
static int64_t off_for_interruption(int64_t d)
{
    return d + FALL_FULL_US - RISE_US;
}

START_TEST(test_power_up)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    const step steps[] = {{0, 12000, true}};
    recorder r;
    run_steps(&ch, &sup, steps, 1, 40 * S, false, &r);
    ck_assert_int_eq(at(&r, RC_EV_RAIL_RISE, 0), RISE_US);
    ck_assert_int_eq(at(&r, RC_EV_CH_BOOT, 0), RISE_US);
    ck_assert_int_eq(at(&r, RC_EV_CH_READY, 0), RISE_US + 20 * S);
    ck_assert_int_eq(count(&r, RC_EV_RESTORED), 0); /* first power-up is no outage */
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
    ck_assert_int_eq(count(&r, RC_EV_RAIL_FALL), 0);
    ck_assert_int_eq(r.n, 3);
}
END_TEST

START_TEST(test_samples)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    rc_bench_model *m;
    ck_assert_int_eq(rc_bench_model_new(&ch, &sup, 8000, 9000, NULL, NULL, &m, NULL), RC_OK);
    rc_sample s;
    rc_bench_model_sample(m, &s);
    ck_assert_int_eq(s.t_us, 0);
    ck_assert_float_eq(s.rail_v, 0.0f);
    ck_assert_int_eq(s.ch_state, RC_CH_OFF);
    rc_bench_model_set_inputs(m, 12000, true, true);
    rc_bench_model_advance(m, 1000);
    rc_bench_model_sample(m, &s);
    ck_assert_int_eq(s.t_us, 1000);
    ck_assert_float_eq_tol(s.rail_v, 2.117021f, 1e-5f);
    ck_assert_float_eq_tol(s.rail_a, 0.005f, 1e-6f);
    ck_assert_int_eq(s.ac_lost, 1);
    rc_bench_model_advance(m, 10 * S);
    rc_bench_model_sample(m, &s);
    ck_assert_float_eq(s.rail_v, 12.0f);
    ck_assert_float_eq_tol(s.rail_a, 0.250f, 1e-6f); /* booting, storage charging */
    ck_assert_int_eq(s.ch_state, RC_CH_BOOTING);
    rc_bench_model_advance(m, 40 * S);
    rc_bench_model_sample(m, &s);
    ck_assert_float_eq_tol(s.rail_a, 0.150f, 1e-6f);
    ck_assert_int_eq(s.ch_state, RC_CH_READY);
    rc_bench_model_free(m);
}
END_TEST

START_TEST(test_180s_exactly_no_ad1)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    recorder r;
    one_cut(&ch, off_for_interruption(180 * S), &r);
    int64_t fall = at(&r, RC_EV_RAIL_FALL, 0);
    ck_assert_int_eq(fall, 60 * S + FALL_FULL_US);
    ck_assert_int_eq(at(&r, RC_EV_CH_POWER_LOST, 0), fall);
    ck_assert_int_eq(at(&r, RC_EV_RAIL_RISE, 1) - fall, 180 * S);
    ck_assert_int_eq(at(&r, RC_EV_CH_BOOT, 1), fall + 180 * S);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
    /* the CH went down, so it reports the restore */
    ck_assert_int_eq(at(&r, RC_EV_RESTORED, 0), fall + 180 * S + 20 * S + 1 * S);
}
END_TEST

START_TEST(test_180s_plus_1us_last_gasp)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    recorder r;
    one_cut(&ch, off_for_interruption(180 * S + 1), &r);
    int64_t fall = at(&r, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(fall, 60 * S + FALL_FULL_US);
    ck_assert_int_eq(at(&r, RC_EV_RAIL_RISE, 1) - fall, 180 * S + 1);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 1);
    /* qualifies at the first microsecond t with t - start > 180 s */
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), fall + 180 * S + 1 + 2 * S);
    ck_assert_int_eq(at(&r, RC_EV_RESTORED, 0), fall + 180 * S + 1 + 21 * S);
    for (size_t i = 0; i < r.n; i++)
        if (r.ev[i].kind == RC_EV_AD1 || r.ev[i].kind == RC_EV_RESTORED)
            ck_assert_str_eq(r.ev[i].text, "ch-model");
}
END_TEST

START_TEST(test_on_restore_mode)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    ch.ad1_mode = RC_AD1_ON_RESTORE;
    recorder r;
    one_cut(&ch, off_for_interruption(180 * S + 1), &r);
    int64_t ready = at(&r, RC_EV_CH_READY, 1);
    ck_assert_int_eq(ready, at(&r, RC_EV_CH_BOOT, 1) + 20 * S);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 1);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), ready + 2 * S);
    ck_assert_int_eq(at(&r, RC_EV_RESTORED, 0), ready + 1 * S);

    one_cut(&ch, off_for_interruption(180 * S), &r);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
}
END_TEST

START_TEST(test_holdup_longer_than_qualify)
{
    /* A CH that rides through the whole outage still owes AD1: last-gasp at
     * qualification, on-restore as soon as its input is back. */
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    ch.holdup_us = 1000 * S;
    ch.recharge_us = 1 * S;
    ch.ad1_mode = RC_AD1_ON_RESTORE;
    recorder r;
    one_cut(&ch, off_for_interruption(200 * S), &r);
    ck_assert_int_eq(count(&r, RC_EV_CH_DOWN), 0);
    ck_assert_int_eq(count(&r, RC_EV_CH_BOOT), 1);
    int64_t back = at(&r, RC_EV_RAIL_RISE, 1);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), back + 2 * S);
    ck_assert_int_eq(count(&r, RC_EV_RESTORED), 0);
}
END_TEST

START_TEST(test_defect_timer_offset)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    ch.defect_timer_offset_us = -10 * S;
    recorder r;
    one_cut(&ch, off_for_interruption(175 * S), &r);
    int64_t lost = at(&r, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), lost + 170 * S + 1 + 2 * S);
    one_cut(&ch, off_for_interruption(170 * S), &r);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
}
END_TEST

START_TEST(test_defect_no_ad1)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    ch.defect_no_ad1 = true;
    recorder r;
    one_cut(&ch, 200 * S, &r);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
    ck_assert_int_eq(count(&r, RC_EV_RESTORED), 1);
}
END_TEST

START_TEST(test_defect_double_ad1)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    ch.defect_double_ad1 = true;
    recorder r;
    one_cut(&ch, 200 * S, &r);
    int64_t lost = at(&r, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 2);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), lost + 182 * S + 1);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 1), lost + 187 * S + 1);
}
END_TEST

/* Cut 100 s, restore 5 s, cut 100 s: two outages of about 100 s each. */
static void two_cuts(const rc_ch_params *ch, recorder *r)
{
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    const step steps[] = {{0, 12000, true},
                          {60 * S, 12000, false},
                          {160 * S, 12000, true},
                          {165 * S, 12000, false},
                          {265 * S, 12000, true}};
    run_steps(ch, &sup, steps, 5, 400 * S, false, r);
}

START_TEST(test_defect_short_restore)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    recorder r;
    two_cuts(&ch, &r);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
    ck_assert_int_eq(count(&r, RC_EV_CH_POWER_LOST), 2);
    /* the second cut hits a booting CH that draws 250 mA */
    ck_assert_int_eq(at(&r, RC_EV_CH_POWER_LOST, 1), 165 * S + FALL_CHARGING_US);
    ck_assert_int_eq(at(&r, RC_EV_CH_DOWN, 1), 165 * S + FALL_CHARGING_US);

    /* restore lasted 5 s - 4252 us + 7521 us; a 10 s window keeps the timer */
    ch.defect_short_restore_us = 10 * S;
    two_cuts(&ch, &r);
    int64_t first_lost = at(&r, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 1);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), first_lost + 180 * S + 1 + 2 * S);

    /* a restore exactly as long as the window resets the timer */
    ch.defect_short_restore_us = 5 * S - RISE_US + FALL_CHARGING_US;
    two_cuts(&ch, &r);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 0);
    ch.defect_short_restore_us += 1;
    two_cuts(&ch, &r);
    ck_assert_int_eq(count(&r, RC_EV_AD1), 1);
}
END_TEST

START_TEST(test_uvlo_hysteresis)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    /* Rail on throughout; the supply sinks, so the rail follows the output
     * down at the 12 mV/us slew, and rises at the current limit. */
    const step steps[] = {{0, 12000, true},     {50 * S, 8500, true}, {51 * S, 7900, true},
                          {52 * S, 8500, true}, {53 * S, 8900, true}, {54 * S, 9000, true}};
    recorder r;
    run_steps(&ch, &sup, steps, 6, 80 * S, false, &r);
    ck_assert_int_eq(count(&r, RC_EV_RAIL_FALL), 1);
    ck_assert_int_eq(count(&r, RC_EV_CH_POWER_LOST), 1);
    /* 8500 - 12 k < 8000 first at k = 42 */
    ck_assert_int_eq(at(&r, RC_EV_RAIL_FALL, 0), 51 * S + 42);
    ck_assert_int_eq(at(&r, RC_EV_CH_POWER_LOST, 0), 51 * S + 42);
    /* full storage carries the CH for 2 s, then it goes down */
    ck_assert_int_eq(at(&r, RC_EV_CH_DOWN, 0), 51 * S + 42 + 2 * S);
    /* 8.5 V and 8.9 V are inside the band: no restore */
    ck_assert_int_eq(count(&r, RC_EV_RAIL_RISE), 2);
    ck_assert_int_eq(count(&r, RC_EV_CH_BOOT), 2);
    /* 8900 mV + k * 2.117021 mV >= 9000 mV first at k = 48 */
    ck_assert_int_eq(at(&r, RC_EV_RAIL_RISE, 1), 54 * S + 48);
    ck_assert_int_eq(at(&r, RC_EV_CH_BOOT, 1), 54 * S + 48);
}
END_TEST

START_TEST(test_holdup_and_recharge)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    /* 1 s cut on full storage: rides through. The second cut 1 s later
     * finds storage part-charged and rides through less. */
    const step steps[] = {{0, 12000, true},
                          {60 * S, 12000, false},
                          {61 * S, 12000, true},
                          {62 * S, 12000, false},
                          {70 * S, 12000, true}};
    recorder r;
    run_steps(&ch, &sup, steps, 5, 120 * S, false, &r);
    int64_t lost1 = at(&r, RC_EV_CH_POWER_LOST, 0);
    int64_t back1 = at(&r, RC_EV_RAIL_RISE, 1);
    ck_assert_int_eq(lost1, 60 * S + FALL_FULL_US);
    ck_assert_int_eq(back1, 61 * S + RISE_US);
    ck_assert_int_eq(count(&r, RC_EV_CH_DOWN), 1);
    ck_assert_int_eq(count(&r, RC_EV_CH_BOOT), 2); /* power-up, then after the 2nd cut */
    /* storage (in hold-up microseconds): 2 s - ridden + recharged at 2/30 */
    int64_t ridden = back1 - lost1;
    int64_t lost2 = at(&r, RC_EV_CH_POWER_LOST, 1);
    ck_assert_int_eq(lost2, 62 * S + FALL_CHARGING_US);
    int64_t left_q = (2 * S - ridden) * 30 * S + (lost2 - back1) * 2 * S;
    int64_t expect_down = lost2 + (left_q + 30 * S - 1) / (30 * S);
    ck_assert_int_eq(at(&r, RC_EV_CH_DOWN, 0), expect_down);
    ck_assert_int_lt(expect_down - lost2, 2 * S);
    ck_assert_int_gt(expect_down - lost2, 1 * S);
}
END_TEST

START_TEST(test_holdup_exhausted_exactly)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    recorder r;
    one_cut(&ch, 10 * S, &r);
    int64_t lost = at(&r, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(at(&r, RC_EV_CH_DOWN, 0), lost + 2 * S);
}
END_TEST

START_TEST(test_boot_brownout_restarts)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    const step steps[] = {{0, 12000, true}, {10 * S, 12000, false}, {11 * S, 12000, true}};
    recorder r;
    run_steps(&ch, &sup, steps, 3, 40 * S, false, &r);
    ck_assert_int_eq(at(&r, RC_EV_CH_DOWN, 0), 10 * S + FALL_CHARGING_US);
    ck_assert_int_eq(at(&r, RC_EV_CH_BOOT, 1), 11 * S + RISE_US);
    ck_assert_int_eq(at(&r, RC_EV_CH_READY, 0), 11 * S + RISE_US + 20 * S);
    ck_assert_int_eq(at(&r, RC_EV_RESTORED, 0), 11 * S + RISE_US + 21 * S);
}
END_TEST

START_TEST(test_active_discharge_faster)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    sup.discharge = RC_DISCHARGE_ACTIVE;
    /* cut once the hold-up storage is full (recharge 30 s); the brute-force
     * pass below steps every microsecond, so the run is kept short */
    const step steps[] = {{0, 12000, true}, {31 * S, 12000, false}};
    recorder r;
    run_steps(&ch, &sup, steps, 2, 32 * S, false, &r);
    int64_t fall = at(&r, RC_EV_RAIL_FALL, 0) - 31 * S;
    /* 100 ohm * 470 uF = 47 ms; 12 V -> 8 V takes about 0.405 tau with the
     * 150 mA load on top: well under the open-cut 12.5 ms */
    ck_assert_int_gt(fall, 5000);
    ck_assert_int_lt(fall, 9000);
    recorder brute;
    run_steps(&ch, &sup, steps, 2, 32 * S, true, &brute);
    ck_assert_int_eq(brute.n, r.n);
    ck_assert_mem_eq(brute.ev, r.ev, r.n * sizeof r.ev[0]);
}
END_TEST

START_TEST(test_zero_boot_and_latency)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    ch.boot_us = 0;
    ch.ad1_latency_us = 0;
    ch.restored_latency_us = 0;
    recorder r;
    one_cut(&ch, off_for_interruption(180 * S + 1), &r);
    ck_assert_int_eq(at(&r, RC_EV_CH_READY, 0), RISE_US);
    int64_t lost = at(&r, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), lost + 180 * S + 1);
    ck_assert_int_eq(at(&r, RC_EV_CH_READY, 1), lost + 180 * S + 1);
    ck_assert_int_eq(at(&r, RC_EV_RESTORED, 0), lost + 180 * S + 1);

    ch.ad1_mode = RC_AD1_ON_RESTORE;
    one_cut(&ch, off_for_interruption(180 * S + 1), &r);
    ck_assert_int_eq(at(&r, RC_EV_AD1, 0), lost + 180 * S + 1);
}
END_TEST

START_TEST(test_bad_params)
{
    rc_ch_params ch;
    rc_ch_params_default(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    rc_bench_model *m = NULL;
    rc_error err;
    ch.uvlo_on_mv = 7000;
    ck_assert_int_eq(rc_bench_model_new(&ch, &sup, 8000, 9000, NULL, NULL, &m, &err),
                     RC_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err.msg, "uvlo"));
    rc_ch_params_default(&ch);
    sup.current_limit_ma = 250;
    ck_assert_int_eq(rc_bench_model_new(&ch, &sup, 8000, 9000, NULL, NULL, &m, &err),
                     RC_ERR_ARG);
    rc_supply_params_default(&sup);
    ck_assert_int_eq(rc_bench_model_new(&ch, &sup, 9000, 8000, NULL, NULL, &m, &err),
                     RC_ERR_ARG);
    ck_assert_ptr_null(m);
}
END_TEST

/* Fast CH figures so that brute-force stepping stays quick. */
static void fast_ch(rc_ch_params *ch)
{
    rc_ch_params_default(ch);
    ch->holdup_us = 200000;
    ch->recharge_us = 1 * S;
    ch->boot_us = 500000;
    ch->outage_qualify_us = 2 * S;
    ch->ad1_latency_us = 100000;
    ch->restored_latency_us = 50000;
}

static void compare_fast_brute(const rc_ch_params *ch, const rc_supply_params *sup,
                               const step *steps, size_t n, int64_t end_us)
{
    recorder fast, brute;
    run_steps(ch, sup, steps, n, end_us, false, &fast);
    run_steps(ch, sup, steps, n, end_us, true, &brute);
    ck_assert_uint_gt(fast.n, 5);
    ck_assert_uint_eq(fast.n, brute.n);
    for (size_t i = 0; i < fast.n; i++) {
        ck_assert_int_eq(fast.ev[i].t_us, brute.ev[i].t_us);
        ck_assert_int_eq(fast.ev[i].kind, brute.ev[i].kind);
        ck_assert_int_eq(fast.ev[i].value, brute.ev[i].value);
    }
}

START_TEST(test_fast_equals_brute)
{
    rc_ch_params ch;
    fast_ch(&ch);
    rc_supply_params sup;
    rc_supply_params_default(&sup);
    /* power-up, ride-through, short restore, qualifying outage, brown-outs */
    const step steps[] = {
        {0, 12000, true},          {1500000, 12000, false}, {1600000, 12000, true},
        {1700000, 12000, false},   {2100000, 12000, true},  {3 * S, 12000, false},
        {5 * S + 12, 12000, true}, {6 * S, 8500, true},     {6100000, 7000, true},
        {6200000, 12000, true},    {7 * S, 12000, false},   {9 * S + 8282, 12000, true}};
    compare_fast_brute(&ch, &sup, steps, sizeof steps / sizeof steps[0], 12 * S);

    ch.ad1_mode = RC_AD1_ON_RESTORE;
    ch.defect_double_ad1 = true;
    ch.defect_short_restore_us = 300000;
    compare_fast_brute(&ch, &sup, steps, sizeof steps / sizeof steps[0], 12 * S);

    fast_ch(&ch);
    sup.discharge = RC_DISCHARGE_ACTIVE;
    sup.rail_uf = 1000;
    compare_fast_brute(&ch, &sup, steps, sizeof steps / sizeof steps[0], 12 * S);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("bench");
    tcase_add_test(tc, test_power_up);
    tcase_add_test(tc, test_samples);
    tcase_add_test(tc, test_180s_exactly_no_ad1);
    tcase_add_test(tc, test_180s_plus_1us_last_gasp);
    tcase_add_test(tc, test_on_restore_mode);
    tcase_add_test(tc, test_holdup_longer_than_qualify);
    tcase_add_test(tc, test_defect_timer_offset);
    tcase_add_test(tc, test_defect_no_ad1);
    tcase_add_test(tc, test_defect_double_ad1);
    tcase_add_test(tc, test_defect_short_restore);
    tcase_add_test(tc, test_uvlo_hysteresis);
    tcase_add_test(tc, test_holdup_and_recharge);
    tcase_add_test(tc, test_holdup_exhausted_exactly);
    tcase_add_test(tc, test_boot_brownout_restarts);
    tcase_add_test(tc, test_active_discharge_faster);
    tcase_add_test(tc, test_zero_boot_and_latency);
    tcase_add_test(tc, test_bad_params);
    tcase_add_test(tc, test_fast_equals_brute);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(model_suite());
}
