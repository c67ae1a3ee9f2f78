/*
 * test_interop_replay.c - a trace turned into a profile (exact segments for
 * a known trace, the decimation tolerance on a noisy one, parameters and
 * errors) and the comparison of two traces (alignment, episodes, AD1,
 * deviation, tolerances, reports).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "test_interop_fixture.h"

static rc_profile *replay_of(const char *path, int32_t tol_mv)
{
    rc_trace *t = open_trace(path);
    rc_replay_options o;
    rc_replay_options_init(&o);
    o.tol_mv = tol_mv;
    rc_profile *p;
    rc_error err;
    ck_assert_msg(rc_replay_profile(t, path, &o, &p, &err) == RC_OK, "%s", err.msg);
    rc_trace_close(t);
    return p;
}

static void seg_is(const rc_segment *s, rc_seg_kind kind, int64_t start, int64_t end,
                   int32_t from_mv, int32_t to_mv, bool ac_lost)
{
    ck_assert_int_eq(s->kind, kind);
    ck_assert_int_eq(s->start_us, start);
    ck_assert_int_eq(s->start_us + s->duration_us, end);
    ck_assert_int_eq(s->from_mv, from_mv);
    ck_assert_int_eq(s->to_mv, to_mv);
    ck_assert_int_eq(s->ac_lost, ac_lost);
    ck_assert(s->rail_on);
}

START_TEST(replay_keeps_corners_and_ac_lost_edges)
{
    rc_profile *p = replay_of(cut_trace("cut"), 10);
    ck_assert_uint_eq(p->n_segs, 10);
    seg_is(&p->segs[0], RC_SEG_HOLD, 0, 999000, 12000, 12000, false);
    seg_is(&p->segs[1], RC_SEG_RAMP, 999000, 1000000, 12000, 0, false);
    seg_is(&p->segs[2], RC_SEG_HOLD, 1000000, 1499000, 0, 0, false);
    seg_is(&p->segs[3], RC_SEG_HOLD, 1499000, 1500000, 0, 0, false);
    seg_is(&p->segs[4], RC_SEG_HOLD, 1500000, 1999000, 0, 0, true);
    seg_is(&p->segs[5], RC_SEG_HOLD, 1999000, 2000000, 0, 0, true);
    seg_is(&p->segs[6], RC_SEG_HOLD, 2000000, 2999000, 0, 0, false);
    seg_is(&p->segs[7], RC_SEG_RAMP, 2999000, 3000000, 0, 12000, false);
    seg_is(&p->segs[8], RC_SEG_HOLD, 3000000, 3999000, 12000, 12000, false);
    seg_is(&p->segs[9], RC_SEG_OBSERVE, 3999000, 3999000 + RC_DEFAULT_OBSERVE_US, 12000, 12000,
           false);
    ck_assert_int_eq(p->nominal_us, 3999000 + RC_DEFAULT_OBSERVE_US);
    ck_assert_int_eq(p->scenario, RC_SCENARIO_OTA);
    ck_assert_ptr_nonnull(strstr(p->source, "as 9 segments, within 10 mV"));
    rc_profile_free(p);
}
END_TEST

START_TEST(replay_tolerance_zero_keeps_every_sample)
{
    cut_variant v = cut_default();
    v.shift_us = 5000; /* times become relative to the first sample */
    rc_profile *p = replay_of(cut_trace_variant("shifted", &v), 0);
    ck_assert_uint_eq(p->n_segs, CUT_SAMPLES);
    seg_is(&p->segs[999], RC_SEG_RAMP, 999000, 1000000, 12000, 0, false);
    seg_is(&p->segs[1000], RC_SEG_HOLD, 1000000, 1001000, 0, 0, false);
    rc_profile_free(p);
}
END_TEST

/* The profile's setpoint at t (linear within a segment). */
static double profile_mv_at(const rc_profile *p, int64_t t)
{
    size_t i = rc_profile_segment_at(p, t);
    const rc_segment *s = &p->segs[i];
    if (s->duration_us == 0 || s->kind != RC_SEG_RAMP)
        return s->from_mv;
    return s->from_mv +
           (double)(s->to_mv - s->from_mv) * (double)(t - s->start_us) / (double)s->duration_us;
}

START_TEST(replay_stays_within_tolerance)
{
    /* A slow sine with deterministic noise, 20 s at 1 kHz. */
    const char *path = rc_test_tmp_path("wave.rct");
    rc_trace_header h = {.railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "test",
                         .profile_path = "",
                         .sample_rate_hz = 1000};
    rc_profile *p0 = rc_profile_new();
    rc_trace_writer *w;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p0, &w, NULL), RC_OK);
    rc_profile_free(p0);
    enum { N = 20000 };
    static rc_sample s[N];
    uint32_t seed = 1;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        double noise = ((seed >> 16) % 7) * 0.001; /* 0..6 mV */
        s[i] = (rc_sample){(int64_t)i * 1000, (float)(8.0 + 4.0 * sin(i / 1000.0) + noise), 0,
                           i >= 12345 && i < 15000, 0};
    }
    ck_assert_int_eq(rc_trace_write_samples(w, s, N, NULL), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, (N - 1) * 1000, NULL), RC_OK);
    rc_profile *p = replay_of(path, 25);
    ck_assert_uint_lt(p->n_segs, N / 10);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double e = fabs(profile_mv_at(p, s[i].t_us) - (double)s[i].rail_v * 1000.0);
        worst = e > worst ? e : worst;
        const rc_segment *seg = &p->segs[rc_profile_segment_at(p, s[i].t_us)];
        ck_assert_int_eq(seg->ac_lost, s[i].ac_lost);
    }
    ck_assert_msg(worst <= 25.5, "worst %.3f mV", worst);
    rc_profile_free(p);
}
END_TEST

START_TEST(replay_load_parameters_and_errors)
{
    const char *path = cut_trace("cut");
    ck_assert(rc_replay_is_trace_path("a/b.rct"));
    ck_assert(!rc_replay_is_trace_path("a.rail"));
    ck_assert(!rc_replay_is_trace_path(".rc"));
    rc_profile *p;
    rc_error err;
    ck_assert_int_eq(rc_replay_profile_load(path, NULL, &p, &err), RC_OK);
    ck_assert_uint_eq(p->n_params, 1);
    ck_assert_str_eq(p->params[0].name, "tol");
    ck_assert_str_eq(p->params[0].value, "10mV");
    ck_assert(!p->params[0].overridden);
    rc_profile_free(p);

    const char *set[] = {"tol=0V"};
    rc_profile_options o = RC_PROFILE_OPTIONS_INIT;
    o.set = set;
    o.n_set = 1;
    o.observe_us = 5000000;
    ck_assert_int_eq(rc_replay_profile_load(path, &o, &p, &err), RC_OK);
    ck_assert_uint_eq(p->n_segs, CUT_SAMPLES);
    ck_assert_int_eq(p->observe_us, 5000000);
    ck_assert_str_eq(p->params[0].value, "0V");
    ck_assert(p->params[0].overridden);
    rc_profile_free(p);

    const char *bad[] = {"off=3s"};
    o.set = bad;
    ck_assert_int_eq(rc_replay_profile_load(path, &o, &p, &err), RC_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "--set off=3s: a replayed trace has one parameter"));
    const char *bad_v[] = {"tol=fast"};
    o.set = bad_v;
    ck_assert_int_eq(rc_replay_profile_load(path, &o, &p, &err), RC_ERR_PARSE);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(rc_replay_profile_load("/nonexistent.rct", NULL, &p, &err), RC_ERR_IO);

    rc_trace *t = open_trace(path);
    rc_replay_options ro = {-1, -1};
    ck_assert_int_eq(rc_replay_profile(t, "x", &ro, &p, &err), RC_ERR_ARG);
    rc_trace_close(t);
}
END_TEST

START_TEST(replay_refuses_empty_and_out_of_range)
{
    const char *path = rc_test_tmp_path("empty.rct");
    rc_trace_header h = {.railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "test",
                         .profile_path = "",
                         .sample_rate_hz = 1000};
    rc_profile *p0 = rc_profile_new();
    rc_trace_writer *w;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p0, &w, NULL), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, 0, NULL), RC_OK);
    rc_profile *p;
    rc_error err;
    rc_trace *t = open_trace(path);
    ck_assert_int_eq(rc_replay_profile(t, path, NULL, &p, &err), RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no samples to replay"));
    rc_trace_close(t);

    path = rc_test_tmp_path("high.rct");
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p0, &w, NULL), RC_OK);
    rc_profile_free(p0);
    rc_sample s[2] = {{0, 12.0f, 0, 0, 0}, {1000, 48.0f, 0, 0, 0}};
    ck_assert_int_eq(rc_trace_write_samples(w, s, 2, NULL), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, 1000, NULL), RC_OK);
    t = open_trace(path);
    ck_assert_int_eq(rc_replay_profile(t, path, NULL, &p, &err), RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "sample at 1000 us: rail_v 48 V"));
    rc_trace_close(t);
}
END_TEST

/* ---- Diff -------------------------------------------------------------------- */

static rc_diff *diff_of(const char *a_path, const char *b_path, const char *align, double tol_v,
                        int64_t tol_us)
{
    rc_trace *a = open_trace(a_path), *b = open_trace(b_path);
    rc_diff_options o;
    rc_diff_options_init(&o);
    o.align = align;
    o.tol_v = tol_v;
    o.tol_us = tol_us;
    rc_diff *d;
    rc_error err;
    ck_assert_msg(rc_diff_traces(a, b, &o, &d, &err) == RC_OK, "%s", err.msg);
    rc_trace_close(a);
    rc_trace_close(b);
    return d;
}

START_TEST(diff_identical)
{
    const char *a = cut_trace("a");
    rc_diff *d = diff_of(a, a, "first-outage", 0.0, 0);
    ck_assert(d->within);
    ck_assert_str_eq(d->summary, "within tolerances");
    ck_assert_int_eq(d->align_a_us, 1000000);
    ck_assert_uint_eq(d->n_episodes, 1);
    ck_assert_int_eq(d->episodes[0].a_us, 0);
    ck_assert_int_eq(d->episodes[0].a_len_us, 2000000);
    ck_assert_uint_eq(d->n_ad1, 1);
    ck_assert_int_eq(d->ad1[0].a_us, 1500000);
    ck_assert_int_eq(d->ad1[0].a_len_us, 1500000);
    ck_assert(d->max_dev_v == 0.0);
    ck_assert_uint_eq(d->grid_points, CUT_SAMPLES);
    ck_assert_int_eq(d->overlap_us, 3999000);
    rc_diff_free(d);
}
END_TEST

START_TEST(diff_longer_cut_and_later_ad1)
{
    const char *a = cut_trace("a");
    cut_variant v = cut_default();
    v.rise_us = 3500000;
    v.ad1_us = 2700000;
    const char *b = cut_trace_variant("b", &v);
    rc_diff *d = diff_of(a, b, "first-outage", 0.5, 100000);
    ck_assert(!d->within);
    ck_assert_str_eq(d->summary, "episode 1 differs by more than the time tolerance");
    ck_assert_int_eq(d->episodes[0].b_len_us - d->episodes[0].a_len_us, 500000);
    ck_assert(d->episodes[0].beyond);
    ck_assert_int_eq(d->ad1[0].b_us - d->ad1[0].a_us, 200000);
    ck_assert_int_eq(d->ad1[0].b_len_us, 1700000);
    ck_assert(d->ad1[0].beyond);
    /* From 3 s to 3.5 s B is still down: 12 V apart, beyond 100 ms of any 12 V. */
    ck_assert(fabs(d->max_dev_v - 12.0) < 1e-6);
    rc_diff_free(d);
    /* With a time tolerance over 0.5 s every figure is within. */
    d = diff_of(a, b, "first-outage", 0.5, 600000);
    ck_assert(d->within);
    rc_diff_free(d);
}
END_TEST

START_TEST(diff_alignments)
{
    const char *a = cut_trace("a");
    cut_variant v = cut_default();
    v.shift_us = 7000000;
    const char *b = cut_trace_variant("b", &v);
    const char *aligns[] = {"first-outage", "ad1", "rail_fall", "mark:activation"};
    for (size_t i = 0; i < 4; i++) {
        rc_diff *d = diff_of(a, b, aligns[i], 0.0, 0);
        ck_assert_msg(d->within, "%s: %s", aligns[i], d->summary);
        ck_assert_int_eq(d->align_b_us - d->align_a_us, 7000000);
        rc_diff_free(d);
    }
    rc_diff *d = diff_of(a, b, "start", 0.5, 100000);
    ck_assert(!d->within);
    ck_assert_int_eq(d->episodes[0].b_us - d->episodes[0].a_us, 7000000);
    rc_diff_free(d);

    rc_trace *ta = open_trace(a), *tb = open_trace(b);
    rc_diff_options o;
    rc_diff_options_init(&o);
    rc_error err;
    o.align = "mark:nowhere";
    ck_assert_int_eq(rc_diff_traces(ta, tb, &o, &d, &err), RC_ERR_NOT_FOUND);
    ck_assert_str_eq(err.msg, "trace A has no mark:nowhere event to align on");
    o.align = "sunrise";
    ck_assert_int_eq(rc_diff_traces(ta, tb, &o, &d, &err), RC_ERR_ARG);
    o.align = "restored";
    ck_assert_int_eq(rc_diff_traces(ta, tb, &o, &d, &err), RC_ERR_NOT_FOUND);
    rc_trace_close(ta);
    rc_trace_close(tb);
}
END_TEST

START_TEST(diff_missing_ad1_and_deviation)
{
    const char *a = cut_trace("a");
    cut_variant v = cut_default();
    v.ad1_us = -1;
    v.high_v = 12.25f;
    const char *b = cut_trace_variant("b", &v);
    rc_diff *d = diff_of(a, b, "first-outage", 0.5, 100000);
    ck_assert(!d->within);
    ck_assert_str_eq(d->summary, "AD1 count differs: A 1, B 0");
    ck_assert(d->ad1[0].in_a && !d->ad1[0].in_b && d->ad1[0].beyond);
    ck_assert(fabs(d->max_dev_v - 0.25) < 1e-6);
    ck_assert_int_eq(d->max_dev_at_us, -1000000);
    rc_diff_free(d);
    v.ad1_us = 2500000;
    b = cut_trace_variant("b2", &v);
    d = diff_of(a, b, "first-outage", 0.2, 100000);
    ck_assert(!d->within);
    ck_assert_str_eq(d->summary, "rail deviates by 0.250 V (tolerance 0.200 V)");
    rc_diff_free(d);
    d = diff_of(a, b, "first-outage", 0.3, 100000);
    ck_assert(d->within);
    rc_diff_free(d);
}
END_TEST

START_TEST(diff_finer_grid_and_reports)
{
    /* B at 2 kHz: the grid is B's, A interpolated. */
    const char *a = cut_trace("a");
    const char *b = rc_test_tmp_path("b2k.rct");
    rc_trace_header h = {.railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "ota",
                         .profile_path = "",
                         .sample_rate_hz = 2000};
    rc_profile *p0 = rc_profile_new();
    rc_trace_writer *w;
    ck_assert_int_eq(rc_trace_writer_open(b, &h, p0, &w, NULL), RC_OK);
    rc_profile_free(p0);
    cut_variant v = cut_default();
    for (int64_t i = 0; i < 2 * CUT_SAMPLES - 1; i++) {
        rc_sample s = cut_sample(&v, i * 500);
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, NULL), RC_OK);
    }
    cut_event(w, 0, RC_EV_RAIL_RISE, 9000, NULL);
    cut_event(w, 1000000, RC_EV_RAIL_FALL, 8000, NULL);
    cut_event(w, 2500000, RC_EV_AD1, 0, "ch-model");
    cut_event(w, 3000000, RC_EV_RAIL_RISE, 9000, NULL);
    ck_assert_int_eq(rc_trace_writer_close(w, 3999000, NULL), RC_OK);
    rc_diff *d = diff_of(a, b, "first-outage", 0.0, 0);
    ck_assert_uint_eq(d->grid_points, 2 * CUT_SAMPLES - 1);
    /* At 0.9995 s A is halfway down its 1 ms ramp (6 V), B still at 12 V. */
    ck_assert(fabs(d->max_dev_v - 6.0) < 1e-6);
    ck_assert_int_eq(d->max_dev_at_us, -500);
    rc_diff_free(d);
    d = diff_of(a, b, "first-outage", 0.5, 1000);
    ck_assert(d->within);

    rc_diff_options o;
    rc_diff_options_init(&o);
    const char *out = rc_test_tmp_path("diff.json");
    FILE *f = fopen(out, "w");
    ck_assert_int_eq(rc_diff_report_json(f, d, "a.rct", "b.rct", &o, NULL), RC_OK);
    fclose(f);
    char *text = rc_test_read_file(out, NULL);
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "within")));
    ck_assert_int_eq(cJSON_GetObjectItem(j, "episodes_b")->valueint, 1);
    cJSON *ep = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "episodes"), 0);
    ck_assert_int_eq((int)cJSON_GetObjectItem(ep, "b_length_us")->valuedouble, 2000000);
    cJSON *ad1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "ad1"), 0);
    ck_assert_int_eq((int)cJSON_GetObjectItem(ad1, "a_latency_us")->valuedouble, 1500000);
    cJSON_Delete(j);
    free(text);
    out = rc_test_tmp_path("diff.txt");
    f = fopen(out, "w");
    ck_assert_int_eq(rc_diff_report_text(f, d, "a.rct", "b.rct", &o, NULL), RC_OK);
    fclose(f);
    text = rc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(strstr(text,
                                 "aligned on first-outage: A at 1.000000 s, B at 1.000000 s\n"
                                 "outage episodes: A 1, B 1 (time tolerance 100ms)\n"));
    ck_assert_ptr_nonnull(strstr(text, "result: within tolerances\n"));
    free(text);
    rc_diff_free(d);
}
END_TEST

static Suite *replay_suite(void)
{
    Suite *s = suite_create("interop_replay");
    TCase *tc = tcase_create("replay");
    tcase_add_test(tc, replay_keeps_corners_and_ac_lost_edges);
    tcase_add_test(tc, replay_tolerance_zero_keeps_every_sample);
    tcase_add_test(tc, replay_stays_within_tolerance);
    tcase_add_test(tc, replay_load_parameters_and_errors);
    tcase_add_test(tc, replay_refuses_empty_and_out_of_range);
    suite_add_tcase(s, tc);
    tc = tcase_create("diff");
    tcase_add_test(tc, diff_identical);
    tcase_add_test(tc, diff_longer_cut_and_later_ad1);
    tcase_add_test(tc, diff_alignments);
    tcase_add_test(tc, diff_missing_ad1_and_deviation);
    tcase_add_test(tc, diff_finer_grid_and_reports);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(replay_suite());
}
