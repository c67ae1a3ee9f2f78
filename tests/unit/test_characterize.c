/*
 * test_characterize.c - every characterisation mode on sim recovers the CH
 * model's configured figures: defaults, injected defects, changed
 * parameters, and seeded jitter (whose spread the intervals must cover).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "railcut/characterize.h"
#include "testutil.h"

static const char *fresh_dir(const char *name)
{
    const char *dir = rc_test_tmp_path(name);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    return dir;
}

static rc_char_result *run_mode(rc_char_config *cfg)
{
    rc_char_result *r = NULL;
    rc_error err = {{0}};
    rc_status st = rc_char_run(cfg, &r, &err);
    ck_assert_msg(st == RC_OK, "%s", err.msg);
    ck_assert_ptr_nonnull(r);
    return r;
}

static void config(rc_char_config *cfg, rc_char_mode mode, const char *const *set, size_t n,
                   const char *dir)
{
    rc_char_config_init(cfg, mode);
    cfg->ch_set = set;
    cfg->n_ch_set = n;
    cfg->dir = fresh_dir(dir);
}

/* The estimate's interval holds `truth`, and the estimate is within tol. */
static void assert_recovers(const rc_char_result *r, const rc_char_stat *st, double truth,
                            double tol)
{
    ck_assert_msg(r->converged, "not converged: %s", r->note);
    ck_assert_msg(st->ci_lo <= truth && truth <= st->ci_hi, "CI [%f, %f] misses %f", st->ci_lo,
                  st->ci_hi, truth);
    ck_assert_msg(fabs(st->estimate - truth) <= tol, "estimate %f, expected %f +- %f",
                  st->estimate, truth, tol);
}

/* The mode with its defaults on a CH with one parameter set (or none):
 * the interval holds `truth` and the estimate is within tol of it. */
static void assert_mode_recovers(rc_char_mode mode, const char *param, const char *dir,
                                 double truth, double tol)
{
    const char *const set[] = {param};
    rc_char_config cfg;
    config(&cfg, mode, param ? set : NULL, param ? 1 : 0, dir);
    rc_char_result *r = run_mode(&cfg);
    assert_recovers(r, &r->stat, truth, tol);
    rc_char_result_free(r);
}

START_TEST(test_ad1_threshold_default)
{
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_THRESHOLD, NULL, 0, "thr-default");
    rc_char_result *r = run_mode(&cfg);
    /* A deterministic CH: the staircase ends between two neighbouring grid
     * points around 180 s, and the interval is the resolution. */
    assert_recovers(r, &r->stat, 180.0, 0.1);
    ck_assert_double_le(r->stat.ci_hi - r->stat.ci_lo, 0.1 + 1e-6);
    ck_assert_uint_eq(r->stat.n, 12);
    ck_assert_str_eq(r->unit, "s");
    /* every probe kept its readable profile and its trace */
    for (size_t i = 0; i < r->n_probes; i++) {
        struct stat sb;
        ck_assert_int_eq(stat(r->probes[i].profile_path, &sb), 0);
        ck_assert_int_eq(stat(r->probes[i].trace_path, &sb), 0);
        ck_assert(r->probes[i].valid);
        /* AD1 exactly when the measured outage is over 180 s */
        ck_assert_int_eq(r->probes[i].response, r->probes[i].value > 180000000);
    }
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_ad1_threshold_timer_offset)
{
    assert_mode_recovers(RC_CHAR_AD1_THRESHOLD, "defect_timer_offset=-5s", "thr-offset", 175.0,
                         0.1);
}
END_TEST

START_TEST(test_ad1_threshold_jitter)
{
    /* Uniform +-1 s around 180 s: the 50 % point is 180 s. */
    static const char *const set[] = {"jitter.qualify=1s"};
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_THRESHOLD, set, 1, "thr-jitter");
    cfg.reversals = 48;
    rc_char_result *r = run_mode(&cfg);
    assert_recovers(r, &r->stat, 180.0, 0.5);
    /* the spread shows: responses are no longer a step in the outage length */
    bool mixed = false;
    for (size_t i = 0; i < r->n_probes; i++)
        for (size_t j = 0; j < r->n_probes; j++)
            if (r->probes[i].response && !r->probes[j].response &&
                r->probes[i].value < r->probes[j].value)
                mixed = true;
    ck_assert(mixed);
    ck_assert_double_gt(r->stat.sd, 0.05);
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_ad1_threshold_outside_range)
{
    static const char *const set[] = {"defect_timer_offset=-20s"};
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_THRESHOLD, set, 1, "thr-outside");
    rc_char_result *r = run_mode(&cfg);
    ck_assert(!r->converged);
    ck_assert_str_eq(r->note, "the threshold is below the range: widen it");
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_restore_reset_defect)
{
    assert_mode_recovers(RC_CHAR_RESTORE_RESET, "defect_short_restore=5s", "restore-defect",
                         5.0, 0.01);
}
END_TEST

START_TEST(test_restore_reset_conformant)
{
    /* Any restore that brings the rail back resets the timer: the shortest
     * one is a few milliseconds, the rail's own rise time. */
    rc_char_config cfg;
    config(&cfg, RC_CHAR_RESTORE_RESET, NULL, 0, "restore-ok");
    rc_char_result *r = run_mode(&cfg);
    ck_assert(r->converged);
    ck_assert_double_le(r->stat.ci_hi, 0.02);
    ck_assert_double_ge(r->stat.ci_lo, -0.01);
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_holdup)
{
    assert_mode_recovers(RC_CHAR_HOLDUP, "holdup=3.5s", "holdup", 3.5, 0.01);
    assert_mode_recovers(RC_CHAR_HOLDUP, NULL, "holdup-default", 2.0, 0.01);
}
END_TEST

START_TEST(test_uvlo)
{
    static const char *const set[] = {"uvlo_off=7.2V", "uvlo_on=8.45V"};
    rc_char_config cfg;
    config(&cfg, RC_CHAR_UVLO, set, 2, "uvlo");
    cfg.repeats = 3;
    rc_char_result *r = run_mode(&cfg);
    assert_recovers(r, &r->stat, 7.2, 0.0015);
    assert_recovers(r, &r->stat2, 8.45, 0.0015);
    ck_assert_str_eq(r->unit, "V");
    ck_assert_uint_eq(r->n_probes, 3);
    /* interpolated between samples of a ramp that moves in 1 mV steps */
    ck_assert_int_le(llabs(r->probes[0].value - 7200), 1);
    ck_assert_int_le(llabs(r->probes[0].value2 - 8450), 1);
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_ad1_latency_fixed)
{
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_LATENCY, NULL, 0, "lat-fixed");
    cfg.repeats = 5;
    rc_char_result *r = run_mode(&cfg);
    /* qualification at 180 s + 1 us after the fall, AD1 2 s later */
    ck_assert(r->converged);
    ck_assert_uint_eq(r->stat.n, 5);
    for (size_t i = 0; i < r->n_probes; i++) {
        ck_assert_int_eq(r->probes[i].value, 2000001);
        ck_assert(r->probes[i].response);
    }
    ck_assert_double_eq_tol(r->stat.estimate, 2.000001, 1e-9);
    ck_assert_double_eq_tol(r->stat.sd, 0, 1e-9);
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_ad1_latency_jitter)
{
    /* Uniform in [1 s, 3 s]: median 2 s, p95 near 2.9 s. */
    static const char *const set[] = {"jitter.ad1_latency=1s"};
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_LATENCY, set, 1, "lat-jitter");
    cfg.repeats = 60;
    rc_char_result *r = run_mode(&cfg);
    assert_recovers(r, &r->stat, 2.0, 0.3);
    ck_assert_double_ge(r->stat.min, 1.0);
    ck_assert_double_le(r->stat.max, 3.000001);
    ck_assert_double_gt(r->stat.max - r->stat.min, 1.5);
    ck_assert_double_gt(r->stat.p95, 2.6);
    /* uniform over 2 s: sd = 2 / sqrt(12) = 0.577 */
    ck_assert_double_eq_tol(r->stat.sd, 0.577, 0.12);
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_ad1_latency_on_restore)
{
    /* on-restore: AD1 follows the CH's ready after the restore */
    static const char *const set[] = {"ad1_mode=on-restore", "ad1_latency=7s"};
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_LATENCY, set, 2, "lat-restore");
    cfg.repeats = 2;
    rc_char_result *r = run_mode(&cfg);
    ck_assert_int_eq(r->probes[0].value, 7000000);
    ck_assert(!r->probes[0].response);
    rc_char_result_free(r);
}
END_TEST

START_TEST(test_seeds_repeat_and_differ)
{
    static const char *const set[] = {"jitter.ad1_latency=1s"};
    rc_char_config cfg;
    config(&cfg, RC_CHAR_AD1_LATENCY, set, 1, "seed-a");
    cfg.repeats = 4;
    rc_char_result *a = run_mode(&cfg);
    cfg.dir = fresh_dir("seed-b");
    rc_char_result *b = run_mode(&cfg);
    cfg.dir = fresh_dir("seed-c");
    cfg.seed = 2;
    rc_char_result *c = run_mode(&cfg);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(a->probes[i].value, b->probes[i].value);
    ck_assert_int_ne(a->probes[0].value, a->probes[1].value);
    ck_assert_int_ne(a->probes[0].value, c->probes[0].value);
    rc_char_result_free(a);
    rc_char_result_free(b);
    rc_char_result_free(c);
}
END_TEST

START_TEST(test_errors)
{
    rc_char_config cfg;
    rc_char_result *r = NULL;
    rc_error err;
    rc_char_config_init(&cfg, RC_CHAR_AD1_THRESHOLD);
    cfg.dir = RC_TEST_TMP_DIR "/no/such/dir";
    ck_assert_int_eq(rc_char_run(&cfg, &r, &err), RC_ERR_IO);
    ck_assert_ptr_null(r);
    cfg.dir = fresh_dir("errors");
    cfg.hi_us = cfg.lo_us;
    ck_assert_int_eq(rc_char_run(&cfg, &r, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "characterize: need 0 <= from < to");
    rc_char_config_init(&cfg, RC_CHAR_HOLDUP);
    cfg.dir = fresh_dir("errors2");
    cfg.resolution_us = 0;
    ck_assert_int_eq(rc_char_run(&cfg, &r, &err), RC_ERR_ARG);
    rc_char_config_init(&cfg, RC_CHAR_UVLO);
    cfg.dir = fresh_dir("errors3");
    cfg.ramp_mv_per_s = 0;
    ck_assert_int_eq(rc_char_run(&cfg, &r, &err), RC_ERR_ARG);
    rc_char_config_init(&cfg, RC_CHAR_AD1_LATENCY);
    cfg.dir = fresh_dir("errors4");
    cfg.backend = "nosuch";
    ck_assert_int_eq(rc_char_run(&cfg, &r, &err), RC_ERR_NOT_FOUND);
    static const char *const bad[] = {"jitter.qualify=-1s"};
    cfg.backend = "sim";
    cfg.ch_set = bad;
    cfg.n_ch_set = 1;
    ck_assert_int_eq(rc_char_run(&cfg, &r, &err), RC_ERR_PARSE);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_modes_and_estimate)
{
    rc_char_mode m;
    for (unsigned i = 0; i < RC_CHAR_N_MODES; i++) {
        ck_assert_int_eq(rc_char_mode_from_name(rc_char_mode_name((rc_char_mode)i), &m), RC_OK);
        ck_assert_int_eq(m, (rc_char_mode)i);
    }
    ck_assert_int_eq(rc_char_mode_from_name("threshold", &m), RC_ERR_NOT_FOUND);
    rc_char_config cfg;
    rc_char_config_init(&cfg, RC_CHAR_AD1_THRESHOLD);
    unsigned planned;
    int64_t probe_us;
    ck_assert_int_eq(rc_char_estimate(&cfg, &planned, &probe_us, NULL), RC_OK);
    /* wait 120 s + settle 60 s + cut 185 s + wait 120 s + observe 60 s */
    ck_assert_int_eq(probe_us, 545000000);
    /* steps 16, 8, 4, 2, 1 then 12 reversals */
    ck_assert_uint_eq(planned, 2 * 5 + 12 + 1);
    rc_char_config_init(&cfg, RC_CHAR_AD1_LATENCY);
    ck_assert_int_eq(rc_char_estimate(&cfg, &planned, &probe_us, NULL), RC_OK);
    ck_assert_uint_eq(planned, 30);
    char text[1024];
    rc_char_config_init(&cfg, RC_CHAR_RESTORE_RESET);
    rc_char_probe_text(&cfg, 7, 250000, text, sizeof text);
    ck_assert_str_eq(text, "# railcut characterize restore-reset: probe 7, restore 250ms\n"
                           "scenario test\nobserve 60s\nlevel 12V\nrestore\n"
                           "wait ready timeout 120s\n"
                           "hold 60s                  # storage full, CH settled\n"
                           "mark probe\ncut\nhold 120s\nrestore\n"
                           "hold 250ms                # the restore under test\n"
                           "cut\nhold 120s\nrestore\nwait ready timeout 120s\n");
}
END_TEST

static Suite *characterize_suite(void)
{
    Suite *s = suite_create("characterize");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, test_modes_and_estimate);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_ad1_threshold_default);
    tcase_add_test(tc, test_ad1_threshold_timer_offset);
    tcase_add_test(tc, test_ad1_threshold_jitter);
    tcase_add_test(tc, test_ad1_threshold_outside_range);
    tcase_add_test(tc, test_restore_reset_defect);
    tcase_add_test(tc, test_restore_reset_conformant);
    tcase_add_test(tc, test_holdup);
    tcase_add_test(tc, test_uvlo);
    tcase_add_test(tc, test_ad1_latency_fixed);
    tcase_add_test(tc, test_ad1_latency_jitter);
    tcase_add_test(tc, test_ad1_latency_on_restore);
    tcase_add_test(tc, test_seeds_repeat_and_differ);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(characterize_suite());
}
