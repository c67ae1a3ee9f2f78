/*
 * test_bench_cal.c - the least-squares calibration fit (known gain and
 * offset recovered, residuals and uncertainty of an injected error, the
 * error paths) and the rewrite of a bench file's calibration section.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/bench.h"
#include "testutil.h"

#define CLOSE(a, b, tol) ck_assert_msg(fabs((a) - (b)) <= (tol), "%.12g != %.12g", (a), (b))

START_TEST(test_fit_exact_line)
{
    /* DAC: 0.1831 mV per code and 12.5 mV at code 0, read without error. */
    double code[5] = {0, 16384, 32768, 49152, 60000};
    double mv[5];
    for (int i = 0; i < 5; i++)
        mv[i] = 0.1831 * code[i] + 12.5;
    rc_cal_fit f;
    rc_error err;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 5, 0.0, &f, &err), RC_OK);
    CLOSE(f.gain, 0.1831, 1e-12);
    CLOSE(f.offset, 12.5, 1e-9);
    CLOSE(f.residual_rms, 0.0, 1e-9);
    CLOSE(f.residual_max, 0.0, 1e-9);
    CLOSE(f.uncertainty, 0.0, 1e-9);
    ck_assert_uint_eq(f.n, 5);
}
END_TEST

START_TEST(test_fit_injected_error)
{
    /* Readings +-2 mV around the line, alternately: the line is unchanged
     * (the errors sum to zero and are uncorrelated with the code). */
    double code[4] = {1000, 2000, 3000, 4000};
    double err_mv[4] = {2, -2, -2, 2};
    double mv[4];
    for (int i = 0; i < 4; i++)
        mv[i] = 3.0 * code[i] - 100.0 + err_mv[i];
    rc_cal_fit f;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 4, 0.0, &f, NULL), RC_OK);
    CLOSE(f.gain, 3.0, 1e-12);
    CLOSE(f.offset, -100.0, 1e-9);
    CLOSE(f.residual_rms, 2.0, 1e-9);
    CLOSE(f.residual_max, 2.0, 1e-9);
    /* s = sqrt(16 / (4 - 2)) = sqrt(8); with a 1 mV reference: sqrt(9) = 3 */
    CLOSE(f.uncertainty, sqrt(8.0), 1e-9);
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 4, 1.0, &f, NULL), RC_OK);
    CLOSE(f.uncertainty, 3.0, 1e-9);
}
END_TEST

START_TEST(test_fit_gain_error_recovered)
{
    /* A supply whose gain is 2 % high and 35 mV low at code 0. */
    double code[3] = {10000, 30000, 60000};
    double mv[3];
    for (int i = 0; i < 3; i++)
        mv[i] = 0.18310547 * 1.02 * code[i] - 35.0;
    rc_cal_fit f;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 3, 0.5, &f, NULL), RC_OK);
    CLOSE(f.gain, 0.18310547 * 1.02, 1e-12);
    CLOSE(f.offset, -35.0, 1e-8);
    CLOSE(f.uncertainty, 0.5, 1e-9);
}
END_TEST

START_TEST(test_fit_two_points)
{
    double code[2] = {0, 100};
    double mv[2] = {5, 25};
    rc_cal_fit f;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 2, 0.25, &f, NULL), RC_OK);
    CLOSE(f.gain, 0.2, 1e-15);
    CLOSE(f.offset, 5.0, 1e-12);
    CLOSE(f.uncertainty, 0.25, 1e-15);
}
END_TEST

START_TEST(test_fit_errors)
{
    double code[3] = {5, 5, 5};
    double mv[3] = {1, 2, 3};
    rc_cal_fit f;
    rc_error err;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 1, 0, &f, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "a calibration needs at least two points");
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 3, 0, &f, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "all calibration points have the same code");
    code[1] = NAN;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 3, 0, &f, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "point 2 is not a finite number");
    code[1] = 6;
    ck_assert_int_eq(rc_cal_fit_linear(code, mv, 3, -1, &f, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "bad reference uncertainty");
}
END_TEST

static const char *const bench_text = "; lab bench\n"
                                      "[bench]\n"
                                      "name = lab\n"
                                      "device = s:RC1\n"
                                      "board = icebreaker\n"
                                      "\n"
                                      "[cal.dac]\n"
                                      "; from the first bring-up\n"
                                      "gain = 0.2\n"
                                      "offset = 1\n"
                                      "date = 2026-01-02\n"
                                      "instrument = old\n"
                                      "serial = 1\n"
                                      "\n"
                                      "[alert]\n"
                                      "feed = yes\n";

static rc_bench_cal new_cal(void)
{
    rc_bench_cal c = {.set = true, .gain = 0.1875, .offset = -2.5, .uncertainty = 0.75};
    snprintf(c.date, sizeof c.date, "2026-11-25");
    snprintf(c.instrument, sizeof c.instrument, "Keysight 34461A");
    snprintf(c.serial, sizeof c.serial, "MY12345");
    return c;
}

START_TEST(test_store_replaces_section)
{
    const char *path = rc_test_write_file("cal.ini", bench_text);
    rc_bench_cal c = new_cal();
    rc_error err;
    ck_assert_int_eq(rc_bench_store_cal(path, RC_BENCH_CAL_DAC, &c, &err), RC_OK);
    char *text = rc_test_read_file(path, NULL);
    ck_assert_str_eq(text, "; lab bench\n"
                           "[bench]\n"
                           "name = lab\n"
                           "device = s:RC1\n"
                           "board = icebreaker\n"
                           "\n"
                           "[cal.dac]\n"
                           "gain = 0.1875\n"
                           "offset = -2.5\n"
                           "uncertainty = 0.75\n"
                           "date = 2026-11-25\n"
                           "instrument = Keysight 34461A\n"
                           "serial = MY12345\n"
                           "; from the first bring-up\n"
                           "\n"
                           "[alert]\n"
                           "feed = yes\n");
    free(text);
    rc_bench b;
    ck_assert_int_eq(rc_bench_load(path, &b, &err), RC_OK);
    ck_assert(b.cal[RC_BENCH_CAL_DAC].gain == 0.1875);
    ck_assert_str_eq(b.cal[RC_BENCH_CAL_DAC].instrument, "Keysight 34461A");
    ck_assert(b.feed);
}
END_TEST

START_TEST(test_store_appends_section)
{
    const char *path =
        rc_test_write_file("cal2.ini", "[bench]\nname = lab\ndevice = s:RC1\nboard = hx8k");
    rc_bench_cal c = new_cal();
    rc_error err;
    ck_assert_int_eq(rc_bench_store_cal(path, RC_BENCH_CAL_RAIL_A, &c, &err), RC_OK);
    char *text = rc_test_read_file(path, NULL);
    ck_assert_str_eq(text,
                     "[bench]\nname = lab\ndevice = s:RC1\nboard = hx8k\n\n"
                     "[cal.rail_a]\ngain = 0.1875\noffset = -2.5\nuncertainty = 0.75\n"
                     "date = 2026-11-25\ninstrument = Keysight 34461A\nserial = MY12345\n");
    free(text);
    rc_bench b;
    ck_assert_int_eq(rc_bench_load(path, &b, &err), RC_OK);
    ck_assert(b.cal[RC_BENCH_CAL_RAIL_A].offset == -2.5);
}
END_TEST

START_TEST(test_store_errors)
{
    rc_bench_cal c = new_cal();
    rc_error err;
    ck_assert_int_eq(rc_bench_store_cal("/nonexistent/b.ini", RC_BENCH_CAL_DAC, &c, &err),
                     RC_ERR_IO);
    ck_assert_int_eq(rc_bench_store_cal("x.ini", RC_BENCH_CAL_COUNT, &c, &err), RC_ERR_ARG);
    snprintf(c.instrument, sizeof c.instrument, "two\nlines");
    ck_assert_int_eq(rc_bench_store_cal("x.ini", RC_BENCH_CAL_DAC, &c, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "calibration text must be on one line");
}
END_TEST

static Suite *cal_suite(void)
{
    Suite *s = suite_create("bench_cal");
    TCase *tc = tcase_create("cal");
    tcase_add_test(tc, test_fit_exact_line);
    tcase_add_test(tc, test_fit_injected_error);
    tcase_add_test(tc, test_fit_gain_error_recovered);
    tcase_add_test(tc, test_fit_two_points);
    tcase_add_test(tc, test_fit_errors);
    tcase_add_test(tc, test_store_replaces_section);
    tcase_add_test(tc, test_store_appends_section);
    tcase_add_test(tc, test_store_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(cal_suite());
}
