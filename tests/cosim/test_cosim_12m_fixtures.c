/*
 * test_cosim_12m_fixtures.c - fixture profiles from fixtures/profiles on the
 * gateware's board build (cosim-12m: 12 MHz, UART and SPI at pin level)
 * against the cosimulation build, shortened through their parameters (the
 * board build clocks every tick, ~5 s of CPU per second of profile):
 *   - lv124/e10 with gap=20ms: seven cuts from 10 us to 2 s, each restored
 *     and waited for (CH-present waits);
 *   - short/soft-start with settle=200ms and off=300ms: a sag ramped down
 *     through 8 V and back, a cut, and a soft start ramped up from 0 V
 *     through the CH's 9 V.
 * The bench is board_config's fast CH (boot 100 ms) with 50 ms of hold-up,
 * so every cut of 100 ms or more drops it. The match is docs/cosim.md's
 * ("The 12 MHz board build"): sequencer events exactly shifted by the
 * waits' differences, rail and CH events within the DAC's latency and the
 * ADC's conversion grid, every rail edge on one 4-tick grid.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "board_match.h"

#define PROFILES RC_FIXTURES_DIR "/profiles"

static rc_profile *load(const char *name, const char *const *set, size_t n_set)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PROFILES, name);
    rc_profile_options po = RC_PROFILE_OPTIONS_INIT;
    po.set = set;
    po.n_set = n_set;
    po.observe_us = 0;
    rc_profile *p;
    rc_error err;
    ck_assert_msg(rc_profile_load(path, &po, &p, &err) == RC_OK, "%s", err.msg);
    return p;
}

static void run_both(const rc_profile *p, board_capture *word, board_capture *pins)
{
    rc_rig_config cfg;
    board_config(&cfg);
    cfg.ch.holdup_us = 50000;
    cfg.ch.recharge_us = 100000;
    board_run(false, true, p, &cfg, word);
    board_run(true, false, p, &cfg, pins);
    ck_assert_int_eq(word->res.end, RC_RUN_COMPLETE);
    ck_assert_int_eq(pins->res.end, RC_RUN_COMPLETE);
    board_match m = board_assert_matches(word, pins);
    fprintf(stderr,
            "%s: %.3f s of profile, %llu clock cycles at 12 MHz; %zu events: %zu waits, "
            "%zu sequencer events exactly shifted, %zu rail and CH events up to %lld us "
            "later\n",
            p->files[0], (double)pins->res.end_us / 1e6, (unsigned long long)pins->cycles,
            pins->n_ev, pins->n_ev - m.exact - m.model, m.exact, m.model,
            (long long)m.max_lag_us);
}

static size_t count(const board_capture *c, rc_event_kind kind)
{
    size_t n = 0;
    while (board_find(c, kind, n))
        n++;
    return n;
}

static const rc_event *at(const board_capture *c, rc_event_kind kind, int64_t t_us)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == kind && c->ev[i].t_us == t_us)
            return &c->ev[i];
    return NULL;
}

static const rc_event *segment_start(const board_capture *c, int32_t index)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == RC_EV_SEGMENT && c->ev[i].value == index)
            return &c->ev[i];
    return NULL;
}

/* On one build: a ready wait's WAIT_DONE (the tick its condition was met,
 * docs/protocol.md) is 1 tick after CH ready when the CH comes up during
 * it (the input's debouncer), and the wait's own start tick when the CH
 * was still running as it began. Returns how many ended on a CH ready. */
static size_t waits_follow_ready(const board_capture *c)
{
    size_t on_ready = 0;
    for (size_t n = 0; board_find(c, RC_EV_WAIT_DONE, n); n++) {
        const rc_event *done = board_find(c, RC_EV_WAIT_DONE, n);
        const rc_event *start = segment_start(c, done->value);
        ck_assert_ptr_nonnull(start);
        if (at(c, RC_EV_CH_READY, done->t_us - 1) && start->t_us < done->t_us - 1)
            on_ready++;
        else
            ck_assert_int_eq(done->t_us, start->t_us);
    }
    return on_ready;
}

/* Both builds end the same waits the same way, and the run's end differs
 * by exactly the last wait's difference. */
static void assert_waits(const board_capture *word, const board_capture *pins, size_t waits,
                         size_t on_ready)
{
    ck_assert_uint_eq(count(word, RC_EV_WAIT_DONE), waits);
    ck_assert_uint_eq(count(pins, RC_EV_WAIT_DONE), waits);
    ck_assert_uint_eq(waits_follow_ready(word), on_ready);
    ck_assert_uint_eq(waits_follow_ready(pins), on_ready);
    const rc_event *wl = board_find(word, RC_EV_WAIT_DONE, waits - 1);
    const rc_event *pl = board_find(pins, RC_EV_WAIT_DONE, waits - 1);
    ck_assert_int_eq(pins->res.end_us - word->res.end_us, pl->t_us - wl->t_us);
}

START_TEST(lv124_e10_cuts)
{
    static const char *const set[] = {"gap=20ms"};
    rc_profile *p = load("lv124/e10.rail", set, 1);
    static board_capture word, pins;
    run_both(p, &word, &pins);
    /* seven cuts and restores (and the power-up's restore); the rail takes
     * 12.5 ms to decay to 8 V, so it stays up through the four cuts up to
     * 10 ms, and the three of 100 ms and more drop the CH after its 50 ms
     * of hold-up: it boots again after each */
    ck_assert_uint_eq(count(&pins, RC_EV_RAIL_CUT), 7);
    ck_assert_uint_eq(count(&pins, RC_EV_RAIL_RESTORE), 8);
    ck_assert_uint_eq(count(&pins, RC_EV_RAIL_FALL), 3);
    ck_assert_uint_eq(count(&pins, RC_EV_CH_DOWN), 3);
    ck_assert_uint_eq(count(&pins, RC_EV_CH_READY), 4);
    /* the power-up's wait and those three end on CH ready, the other four
     * find the CH running */
    assert_waits(&word, &pins, 8, 4);
    rc_profile_free(p);
}
END_TEST

START_TEST(soft_start_ramps)
{
    static const char *const set[] = {"settle=200ms", "off=300ms"};
    rc_profile *p = load("short/soft-start.rail", set, 2);
    static board_capture word, pins;
    run_both(p, &word, &pins);
    /* the sag's ramp down crosses 8 V and the CH loses its input, the ramp
     * back and the soft start cross 9 V */
    ck_assert_uint_eq(count(&pins, RC_EV_RAIL_FALL), 2);
    ck_assert_uint_eq(count(&pins, RC_EV_RAIL_RISE), 3);
    ck_assert_uint_eq(count(&pins, RC_EV_CH_POWER_LOST), 2);
    /* 60 ms under its lock-out in the sag and the whole cut outlast the
     * CH's 50 ms of hold-up: it goes down in both and is ready again after
     * each; the power-up's wait and the soft start's end on CH ready */
    ck_assert_uint_eq(count(&pins, RC_EV_CH_DOWN), 2);
    ck_assert_uint_eq(count(&pins, RC_EV_CH_READY), 3);
    assert_waits(&word, &pins, 2, 2);
    rc_profile_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cosim-12m-fixtures");
    TCase *tc = tcase_create("fixtures");
    tcase_add_test(tc, lv124_e10_cuts);
    tcase_add_test(tc, soft_start_ramps);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
