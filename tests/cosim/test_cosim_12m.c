/*
 * test_cosim_12m.c - the gateware's board build (cosim-12m: 12 MHz, the link
 * through the UART at 3 Mbaud, ADCs and DAC on their SPI pins) against the
 * cosimulation build (cosim, clocked every tick), on short profiles with a
 * fast-booting CH: the same events with the same values, every time within
 * the bounds docs/cosim.md ("The 12 MHz board build") gives, and the run's
 * end where the cosimulation build has it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosim/cosim_internal.h"
#include "railcut/rig.h"

#define MAX_EVENTS 256

/* Ticks the board build is later (docs/cosim.md). */
#define DAC_LATENCY_US 2  /* the DAC word's SPI transfer */
#define ADC_GRID_US 4     /* one conversion per 4 ticks (250 kSPS) */
#define RELEASE_US 37     /* a RELEASE frame, 11 bytes at 40 clocks, to the wait's end */
#define RELEASE_WORD_US 3 /* the same on the cosimulation build, 4 bytes per tick */
/* The rail and the CH later than the sequencer's shifted times: the DAC's
 * latency and the wait for the next conversion (docs/cosim.md). */
#define MODEL_SLACK_US (DAC_LATENCY_US + ADC_GRID_US - 1)

typedef struct capture {
    rc_event ev[MAX_EVENTS];
    size_t n_ev;
    rc_status st;
    rc_run_result res;
    uint64_t cycles;
} capture;

static rc_status on_event(void *ctx, const rc_event *ev, rc_error *err)
{
    (void)err;
    capture *c = ctx;
    ck_assert_uint_lt(c->n_ev, MAX_EVENTS);
    if (ev->kind != RC_EV_NOTE)
        c->ev[c->n_ev++] = *ev;
    return RC_OK;
}

static capture *stop_capture;

static rc_status open_stepped(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    rc_status st = rc_driver_cosim.open(cfg, out, err);
    if (st == RC_OK)
        rc_cosim_set_skipping(*out, false);
    return st;
}

static rc_status stop_word(rc_device *dev, rc_error *err)
{
    stop_capture->cycles = rc_cosim_cycles(dev);
    return rc_driver_cosim.stop(dev, err);
}

static rc_status stop_pins(rc_device *dev, rc_error *err)
{
    stop_capture->cycles = rc_cosim_cycles(dev);
    return rc_driver_cosim_12m.stop(dev, err);
}

static void run(bool board, const char *text, capture *c)
{
    memset(c, 0, sizeof *c);
    rc_error err;
    rc_profile_options po = RC_PROFILE_OPTIONS_INIT;
    po.observe_us = 0;
    rc_profile *p;
    ck_assert_msg(rc_profile_parse("t.rail", text, strlen(text), &po, &p, &err) == RC_OK, "%s",
                  err.msg);
    rc_driver drv = board ? rc_driver_cosim_12m : rc_driver_cosim;
    if (!board)
        drv.open = open_stepped;
    drv.stop = board ? stop_pins : stop_word;
    stop_capture = c;
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.ch.boot_us = 100000;
    cfg.ch.outage_qualify_us = 250000;
    cfg.ch.ad1_latency_us = 5000;
    cfg.ch.restored_latency_us = 20000;
    rc_run_options opt = {.pace = RC_PACE_MAX};
    rc_sink sink = {.ctx = c, .on_event = on_event};
    c->st = rc_run(&drv, &cfg, p, &opt, &sink, &c->res, &err);
    rc_profile_free(p);
    ck_assert_msg(c->st == RC_OK, "%s", err.msg);
}

static bool is_rail_edge(const rc_event *e)
{
    return e->kind == RC_EV_RAIL_FALL || e->kind == RC_EV_RAIL_RISE;
}

/* The nth event of e's kind in c. */
static const rc_event *same_kind(const capture *c, const rc_event *e, size_t nth)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == e->kind && nth-- == 0)
            return &c->ev[i];
    return NULL;
}

static size_t nth_of_kind(const capture *c, size_t i)
{
    size_t n = 0;
    for (size_t k = 0; k < i; k++)
        n += c->ev[k].kind == c->ev[i].kind;
    return n;
}

static void print_events(const capture *word, const capture *pins)
{
    for (size_t i = 0; i < pins->n_ev; i++) {
        const rc_event *b = &pins->ev[i];
        const rc_event *w = same_kind(word, b, nth_of_kind(pins, i));
        fprintf(stderr, "  kind %2d value %6d: cosim %9lld, cosim-12m %9lld\n", b->kind,
                b->value, w ? (long long)w->t_us : -1LL, (long long)b->t_us);
    }
}

static bool is_sequencer_event(const rc_event *e)
{
    switch ((rc_event_kind)e->kind) {
    case RC_EV_SEGMENT:
    case RC_EV_RAIL_CUT:
    case RC_EV_RAIL_RESTORE:
    case RC_EV_AC_LOST_ON:
    case RC_EV_AC_LOST_OFF:
    case RC_EV_WAIT_TIMEOUT:
    case RC_EV_OBSERVE:
    case RC_EV_RUN_END: return true;
    default: return false;
    }
}

/* Every event of the board build matched, in order of its kind, with the
 * cosimulation build's, with the same value. A wait's end moves everything
 * after it by its difference (the shift); the sequencer's events are then
 * exactly shifted, and what the rail and the CH do is later by at most
 * MODEL_SLACK_US. Rail edges of the board build all fall on one 4-tick
 * conversion grid. */
static void assert_matches(const capture *word, const capture *pins)
{
    ck_assert_uint_eq(word->n_ev, pins->n_ev);
    int64_t grid = -1, shift = 0;
    for (size_t i = 0; i < pins->n_ev; i++) {
        const rc_event *b = &pins->ev[i];
        const rc_event *w = same_kind(word, b, nth_of_kind(pins, i));
        ck_assert_ptr_nonnull(w);
        ck_assert_int_eq(w->value, b->value);
        int64_t d = b->t_us - w->t_us - shift;
        if (b->kind == RC_EV_WAIT_DONE)
            shift = b->t_us - w->t_us;
        else if (is_sequencer_event(b) ? d != 0 : d < 0 || d > MODEL_SLACK_US) {
            print_events(word, pins);
            ck_abort_msg("event %zu (kind %d) at %lld on cosim-12m, %lld on cosim, shift %lld",
                         i, b->kind, (long long)b->t_us, (long long)w->t_us, (long long)shift);
        }
        if (is_rail_edge(b)) {
            if (grid < 0)
                grid = b->t_us % ADC_GRID_US;
            ck_assert_int_eq(b->t_us % ADC_GRID_US, grid);
        }
    }
}

static const rc_event *find(const capture *c, rc_event_kind kind, size_t nth)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == kind && nth-- == 0)
            return &c->ev[i];
    return NULL;
}

/* Cuts, CH-present waits, a level step through 8 V and a ramp: no host
 * frame ends a wait, so nothing but the converters differs. */
static const char *const CUTS = "level 12V\nrestore\nwait ready timeout 1s\nhold 100ms\n"
                                "cut\nhold 300ms\nrestore\nwait ready timeout 1s\nhold 50ms\n"
                                "level 7V\nhold 50ms\nramp to 12V over 30ms\nhold 50ms\n";

START_TEST(cuts_and_levels_match)
{
    static capture word, pins;
    run(false, CUTS, &word);
    run(true, CUTS, &pins);
    ck_assert_int_eq(pins.res.end, RC_RUN_COMPLETE);
    assert_matches(&word, &pins);
    /* A CH-present wait ends 1 tick after CH ready on both. */
    for (size_t k = 0; k < 2; k++) {
        ck_assert_int_eq(
            find(&word, RC_EV_WAIT_DONE, k)->t_us - find(&word, RC_EV_CH_READY, k)->t_us, 1);
        ck_assert_int_eq(
            find(&pins, RC_EV_WAIT_DONE, k)->t_us - find(&pins, RC_EV_CH_READY, k)->t_us, 1);
    }
    ck_assert_ptr_nonnull(find(&pins, RC_EV_AD1, 0));
    ck_assert_int_eq(pins.res.end_us - word.res.end_us,
                     find(&pins, RC_EV_WAIT_DONE, 1)->t_us -
                         find(&word, RC_EV_WAIT_DONE, 1)->t_us);
    /* 12 clocks per tick, every tick clocked. */
    ck_assert_uint_ge(pins.cycles, (uint64_t)pins.res.end_us * 12);
}
END_TEST

/* A restored wait: the host's RELEASE goes through the UART. */
static const char *const RELEASE = "level 12V\nrestore\nwait ready timeout 1s\nhold 100ms\n"
                                   "cut\nhold 300ms\nrestore\nwait restored timeout 1s\n"
                                   "hold 50ms\ncut\nhold 20ms\n";

START_TEST(released_wait_ends_after_the_frame)
{
    static capture word, pins;
    run(false, RELEASE, &word);
    run(true, RELEASE, &pins);
    const rc_event *wr = find(&word, RC_EV_RESTORED, 0), *pr = find(&pins, RC_EV_RESTORED, 0);
    const rc_event *wd = find(&word, RC_EV_WAIT_DONE, 1), *pd = find(&pins, RC_EV_WAIT_DONE, 1);
    ck_assert_ptr_nonnull(wr);
    ck_assert_ptr_nonnull(pr);
    ck_assert_int_eq(wd->t_us - wr->t_us, RELEASE_WORD_US);
    ck_assert_int_eq(pd->t_us - pr->t_us, RELEASE_US);
    assert_matches(&word, &pins);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cosim-12m");
    TCase *tc = tcase_create("board");
    tcase_add_test(tc, cuts_and_levels_match);
    tcase_add_test(tc, released_wait_ends_after_the_frame);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
