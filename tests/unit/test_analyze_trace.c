/*
 * test_analyze_trace.c - rc_analyze_trace end to end: a trace written with
 * rc_trace_writer_*, read back and judged, including a damaged copy.
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "test_analyze_fixture.h"

/* OTA profile with "expect ad1" on line 3. */
static rc_profile *ota_profile(void)
{
    rc_profile *p = rc_profile_new();
    ck_assert_ptr_nonnull(p);
    p->scenario = RC_SCENARIO_OTA;
    p->files = malloc(sizeof *p->files);
    p->files[0] = strdup("ota.rail");
    p->n_files = 1;
    add_segment(p, RC_SEG_HOLD, RC_WAIT_NONE, 300 * S, 2);
    add_expect(p, RC_EXPECT_AD1, "expect ad1", 3);
    return p;
}

static void put_event(rc_trace_writer *w, int64_t t_us, rc_event_kind kind, int32_t value,
                      const char *text)
{
    rc_event e;
    rc_event_init(&e, t_us, kind, value, text);
    ck_assert_int_eq(rc_trace_write_event(w, &e, NULL), RC_OK);
}

/* Rail up at 1 s, cut from 10 s to 200 s + 5 us, AD1 at 195 s, end at 300 s;
 * one sample a second. */
static const char *write_trace(const char *scenario)
{
    const char *path = rc_test_tmp_path("analyze.rct");
    rc_profile *p = ota_profile();
    rc_trace_header h = {.railcut_version = "0.1.0", .backend = "sim", .scenario = scenario,
                         .profile_path = "ota.rail", .sample_rate_hz = 1,
                         .outage_below_mv = 8000, .restore_above_mv = 9000};
    rc_trace_writer *w = NULL;
    rc_error err = {{0}};
    ck_assert_msg(rc_trace_writer_open(path, &h, p, &w, &err) == RC_OK, "%s", err.msg);
    for (int64_t t = 0; t < 300; t++) {
        rc_sample s = {.t_us = t * S, .rail_v = (t >= 1 && (t < 10 || t > 200)) ? 12.0f : 0.5f};
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
    }
    put_event(w, 1 * S, RC_EV_RAIL_RISE, 9000, NULL);
    put_event(w, 10 * S, RC_EV_RAIL_FALL, 8000, NULL);
    put_event(w, 195 * S, RC_EV_AD1, 0, "ch-model");
    put_event(w, 200 * S + 5, RC_EV_RAIL_RISE, 9000, NULL);
    put_event(w, 300 * S, RC_EV_RUN_END, 0, NULL);
    ck_assert_msg(rc_trace_writer_close(w, 300 * S, &err) == RC_OK, "%s", err.msg);
    rc_profile_free(p);
    return path;
}

static rc_analysis *analyze_file(const char *path)
{
    rc_trace *t = NULL;
    rc_error err = {{0}};
    ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s", err.msg);
    rc_analysis_config cfg;
    rc_analysis_config_default(&cfg);
    rc_analysis *a = NULL;
    ck_assert_msg(rc_analyze_trace(t, &cfg, &a, &err) == RC_OK, "%s", err.msg);
    rc_trace_close(t);
    return a;
}

START_TEST(trace_round_trip)
{
    rc_analysis *a = analyze_file(write_trace("ota"));
    ck_assert(a->from_events);
    ck_assert_uint_eq(a->n_raw, 1);
    ck_assert_int_eq(a->raw[0].start_us, 10 * S);
    ck_assert_int_eq(a->raw[0].end_us, 200 * S + 5);
    ck_assert_float_eq(a->raw[0].min_v, 0.5f);
    ck_assert_int_eq(a->end_us, 300 * S);
    ck_assert_uint_eq(a->n_ad1, 1);
    ck_assert_int_eq(a->ad1[0].t_us, 195 * S);
    ck_assert_int_eq(check_named(a, "mp102a.ch")->result, RC_CHECK_PASS);
    ck_assert_int_eq(check_named(a, "mp102a.esme")->result, RC_CHECK_FAIL);
    ck_assert_int_eq(check_named(a, "expect:3")->result, RC_CHECK_PASS);
    ck_assert_int_eq(a->verdict, RC_VERDICT_FAIL);
    rc_analysis_free(a);
}
END_TEST

START_TEST(trace_header_scenario_wins)
{
    rc_analysis *a = analyze_file(write_trace("test"));
    ck_assert_int_eq(a->scenario, RC_SCENARIO_TEST);
    ck_assert_int_eq(check_named(a, "mp102a.esme")->result, RC_CHECK_SKIP);
    ck_assert_int_eq(a->verdict, RC_VERDICT_PASS);
    rc_analysis_free(a);
}
END_TEST

START_TEST(damaged_trace_is_error)
{
    const char *path = write_trace("ota");
    size_t len = 0;
    char *bytes = rc_test_read_file(path, &len);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_int_eq(truncate(path, (off_t)(len - 3)), 0);
    free(bytes);
    rc_trace *t = NULL;
    rc_error err = {{0}};
    ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s", err.msg);
    rc_analysis_config cfg;
    rc_analysis_config_default(&cfg);
    rc_analysis *a = NULL;
    ck_assert_int_eq(rc_analyze_trace(t, &cfg, &a, &err), RC_OK);
    ck_assert_int_eq(a->verdict, RC_VERDICT_ERROR);
    ck_assert_msg(strncmp(a->error, "trace damaged: ", 15) == 0, "%s", a->error);
    rc_analysis_free(a);
    rc_trace_close(t);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("analyze_trace");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, trace_round_trip);
    tcase_add_test(tc, trace_header_scenario_wins);
    tcase_add_test(tc, damaged_trace_is_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(trace_suite());
}
