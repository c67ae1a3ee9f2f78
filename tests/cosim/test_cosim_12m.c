/*
 * test_cosim_12m.c - the gateware's board build (cosim-12m: 12 MHz, the link
 * through the UART at 3 Mbaud, ADCs and DAC on their SPI pins) against the
 * cosimulation build (cosim, clocked every tick), on short profiles with a
 * fast-booting CH: the same events with the same values, every time within
 * the bounds docs/cosim.md ("The 12 MHz board build") gives, and the run's
 * end where the cosimulation build has it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "board_match.h"

static void run(bool board, const char *text, board_capture *c)
{
    rc_error err;
    rc_profile_options po = RC_PROFILE_OPTIONS_INIT;
    po.observe_us = 0;
    rc_profile *p;
    ck_assert_msg(rc_profile_parse("t.rail", text, strlen(text), &po, &p, &err) == RC_OK, "%s",
                  err.msg);
    rc_rig_config cfg;
    board_config(&cfg);
    board_run(board, false, p, &cfg, c);
    rc_profile_free(p);
}

/* Cuts, CH-present waits, a level step through 8 V and a ramp: no host
 * frame ends a wait, so nothing but the converters differs. */
static const char *const CUTS = "level 12V\nrestore\nwait ready timeout 1s\nhold 100ms\n"
                                "cut\nhold 300ms\nrestore\nwait ready timeout 1s\nhold 50ms\n"
                                "level 7V\nhold 50ms\nramp to 12V over 30ms\nhold 50ms\n";

START_TEST(cuts_and_levels_match)
{
    static board_capture word, pins;
    run(false, CUTS, &word);
    run(true, CUTS, &pins);
    ck_assert_int_eq(pins.res.end, RC_RUN_COMPLETE);
    board_assert_matches(&word, &pins);
    /* A CH-present wait ends 1 tick after CH ready on both. */
    for (size_t k = 0; k < 2; k++) {
        ck_assert_int_eq(board_find(&word, RC_EV_WAIT_DONE, k)->t_us -
                             board_find(&word, RC_EV_CH_READY, k)->t_us,
                         1);
        ck_assert_int_eq(board_find(&pins, RC_EV_WAIT_DONE, k)->t_us -
                             board_find(&pins, RC_EV_CH_READY, k)->t_us,
                         1);
    }
    ck_assert_ptr_nonnull(board_find(&pins, RC_EV_AD1, 0));
    ck_assert_int_eq(pins.res.end_us - word.res.end_us,
                     board_find(&pins, RC_EV_WAIT_DONE, 1)->t_us -
                         board_find(&word, RC_EV_WAIT_DONE, 1)->t_us);
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
    static board_capture word, pins;
    run(false, RELEASE, &word);
    run(true, RELEASE, &pins);
    const rc_event *wr = board_find(&word, RC_EV_RESTORED, 0),
                   *pr = board_find(&pins, RC_EV_RESTORED, 0);
    const rc_event *wd = board_find(&word, RC_EV_WAIT_DONE, 1),
                   *pd = board_find(&pins, RC_EV_WAIT_DONE, 1);
    ck_assert_ptr_nonnull(wr);
    ck_assert_ptr_nonnull(pr);
    ck_assert_int_eq(wd->t_us - wr->t_us, RELEASE_WORD_US);
    ck_assert_int_eq(pd->t_us - pr->t_us, RELEASE_US);
    board_assert_matches(&word, &pins);
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
