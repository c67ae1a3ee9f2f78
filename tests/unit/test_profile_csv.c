/*
 * test_profile_csv.c - CSV waveforms: segments between points, units of the
 * columns, the time shift to 0, and every error with its file:line.
 */
#include <stdio.h>
#include <string.h>

#include "railcut/profile.h"
#include "testutil.h"

static rc_profile *csv(const char *text)
{
    rc_profile *p = NULL;
    rc_error err = {{0}};
    rc_status s = rc_profile_parse_csv("w.csv", text, strlen(text), NULL, &p, &err);
    ck_assert_msg(s == RC_OK, "unexpected error: %s", err.msg);
    return p;
}

static void csv_error(const char *text, const char *msg)
{
    rc_profile *p = (rc_profile *)1;
    rc_error err = {{0}};
    ck_assert_int_eq(rc_profile_parse_csv("w.csv", text, strlen(text), NULL, &p, &err),
                     RC_ERR_PARSE);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(err.msg, msg);
}

START_TEST(points_become_ramps_and_holds)
{
    rc_profile *p = csv("# bench capture\ntime_s, rail_v, ac_lost\n0, 12, 0\n1.5, 12, 0\n"
                        "1.500001, 0, 1\n181.5, 0, 1\n183.5,11.5,0\n");
    ck_assert_int_eq(p->scenario, RC_SCENARIO_TEST);
    ck_assert_uint_eq(p->n_segs, 5);
    ck_assert_int_eq(p->segs[0].kind, RC_SEG_HOLD);
    ck_assert_int_eq(p->segs[0].start_us, 0);
    ck_assert_int_eq(p->segs[0].duration_us, 1500000);
    ck_assert_int_eq(p->segs[0].from_mv, 12000);
    ck_assert_int_eq(p->segs[0].line, 3);
    ck_assert_int_eq(p->segs[1].kind, RC_SEG_RAMP);
    ck_assert_int_eq(p->segs[1].duration_us, 1);
    ck_assert_int_eq(p->segs[1].to_mv, 0);
    ck_assert(!p->segs[1].ac_lost);
    ck_assert_int_eq(p->segs[2].kind, RC_SEG_HOLD);
    ck_assert_int_eq(p->segs[2].start_us, 1500001);
    ck_assert_int_eq(p->segs[2].duration_us, 179999999);
    ck_assert(p->segs[2].ac_lost);
    ck_assert(p->segs[2].rail_on);
    ck_assert_int_eq(p->segs[3].kind, RC_SEG_RAMP);
    ck_assert_int_eq(p->segs[3].to_mv, 11500);
    ck_assert_int_eq(p->segs[4].kind, RC_SEG_OBSERVE);
    ck_assert_int_eq(p->segs[4].start_us, 183500000);
    ck_assert_int_eq(p->segs[4].from_mv, 11500);
    ck_assert(!p->segs[4].ac_lost);
    ck_assert_int_eq(p->nominal_us, 183500000 + RC_DEFAULT_OBSERVE_US);
    ck_assert_str_eq(p->files[0], "w.csv");
    rc_profile_free(p);
}
END_TEST

START_TEST(column_units_and_shift)
{
    rc_profile *p = csv("note,time_ms,rail_mv\r\nx,-500,12000\r\ny,250.5,9000\r\n");
    ck_assert_uint_eq(p->n_segs, 2);
    ck_assert_int_eq(p->segs[0].start_us, 0);
    ck_assert_int_eq(p->segs[0].duration_us, 750500);
    ck_assert_int_eq(p->segs[0].from_mv, 12000);
    ck_assert_int_eq(p->segs[0].to_mv, 9000);
    ck_assert(!p->segs[0].ac_lost);
    rc_profile_free(p);
    p = csv("time_us,rail_v\n0,0\n");
    ck_assert_uint_eq(p->n_segs, 1);
    ck_assert_int_eq(p->segs[0].kind, RC_SEG_OBSERVE);
    ck_assert_int_eq(p->segs[0].from_mv, 0);
    rc_profile_free(p);
}
END_TEST

START_TEST(observe_option)
{
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    opt.observe_us = 5;
    rc_profile *p = NULL;
    rc_error err;
    const char *text = "time_us,rail_v\n0,1\n10,1\n";
    ck_assert_int_eq(rc_profile_parse_csv("w.csv", text, strlen(text), &opt, &p, &err), RC_OK);
    ck_assert_int_eq(p->segs[1].duration_us, 5);
    ck_assert_int_eq(p->nominal_us, 15);
    rc_profile_free(p);
    const char *set[] = {"off=1s"};
    opt.set = set;
    opt.n_set = 1;
    ck_assert_int_eq(rc_profile_parse_csv("w.csv", text, strlen(text), &opt, &p, &err),
                     RC_ERR_NOT_FOUND);
    ck_assert_str_eq(err.msg, "--set off=1s: a CSV waveform has no parameters");
}
END_TEST

START_TEST(errors)
{
    csv_error("", "w.csv:1: empty file: expected a header such as `time_s,rail_v,ac_lost`");
    csv_error("# only\n\n", "w.csv:2: empty file: expected a header such as "
                            "`time_s,rail_v,ac_lost`");
    csv_error("time_s,rail_v\n", "w.csv:1: no data rows after the header");
    csv_error("t,rail_v\n", "w.csv:1: header needs a time column (time_s, time_ms or time_us); "
                            "found: t, rail_v");
    csv_error("time_s, volts\n", "w.csv:1: header needs a voltage column (rail_v or rail_mv); "
                                 "found: time_s, volts");
    csv_error("time_s,time_ms,rail_v\n", "w.csv:1: more than one time column");
    csv_error("time_s,rail_v\n0,12\n0,0\n", "w.csv:3: time does not increase (previous row at "
                                            "line 2)");
    csv_error("time_s,rail_v\n1,12\n0.5,0\n", "w.csv:3: time does not increase (previous row "
                                              "at line 2)");
    csv_error("time_s,rail_v\n0,12V\n", "w.csv:2: bad rail_v value '12V'");
    csv_error("time_s,rail_v\n0,-1\n", "w.csv:2: negative rail_v value '-1'");
    csv_error("time_s,rail_v\n0,30.001\n", "w.csv:2: voltage '30.001' is outside 0..30V");
    csv_error("time_us,rail_v\n0.5,1\n", "w.csv:2: bad time_us value '0.5': finer than 1 us");
    csv_error("time_ms,rail_v\n0.0005,1\n",
              "w.csv:2: bad time_ms value '0.0005': finer than 1 us");
    csv_error("time_s,rail_v\n0,12\n-0.0000001,1\n",
              "w.csv:3: bad time_s value '-0.0000001': finer than 1 us");
    csv_error("time_s,rail_v\n0,12.0005\n",
              "w.csv:2: bad rail_v value '12.0005': finer than 1 mV");
    csv_error("time_ms,rail_v\n0.5.1,1\n", "w.csv:2: bad time_ms value '0.5.1'");
    csv_error("time_ms,rail_v\n.,1\n", "w.csv:2: bad time_ms value '.'");
    csv_error("time_s,rail_v\n0,\n", "w.csv:2: empty rail_v cell");
    csv_error("time_s,rail_v\n0\n", "w.csv:2: row has 1 cells, the header has 2");
    csv_error("time_s,rail_v,ac_lost\n0,1,2\n", "w.csv:2: bad ac_lost value '2' (0 or 1)");
    csv_error("time_s,rail_v\n0,1\n1\0,1\n", "w.csv:3: row has 1 cells, the header has 2");
}
END_TEST

START_TEST(nul_and_load)
{
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_int_eq(rc_profile_parse_csv("w.csv", "time_s,rail_v\n0,\0\n", 18, NULL, &p, &err),
                     RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "w.csv:2: NUL byte in CSV text");
    char path[600];
    snprintf(path, sizeof path, "%s.CSV", rc_test_tmp_path("wave"));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("time_s,rail_v\n0,12\n2,12\n", f);
    fclose(f);
    ck_assert_int_eq(rc_profile_load_any(path, NULL, &p, &err), RC_OK);
    ck_assert_uint_eq(p->n_segs, 2);
    ck_assert_int_eq(p->segs[0].duration_us, 2000000);
    rc_profile_free(p);
    ck_assert_int_eq(rc_profile_load_csv("/nonexistent.csv", NULL, &p, &err), RC_ERR_IO);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile_csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, points_become_ramps_and_holds);
    tcase_add_test(tc, column_units_and_shift);
    tcase_add_test(tc, observe_option);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, nul_and_load);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
