/*
 * test_analyze.c - episodes, MP102A checks, expectations and the verdict,
 * each boundary pinned to the microsecond on synthetic runs.
 */
#include <math.h>

#include "test_analyze_fixture.h"

/* Rail up at 1 s, down at 10 s for `off_us`, run ends at 400 s. */
static void one_cut(run *r, int64_t off_us)
{
    up(r, 1 * S);
    down(r, 10 * S);
    up(r, 10 * S + off_us);
    finish(r, 400 * S);
}

/* A fresh run of the scenario with that one cut. */
static void one_cut_run(run *r, rc_scenario scenario, int64_t off_us)
{
    run_init(r, scenario);
    one_cut(r, off_us);
}

/* ---- episodes -------------------------------------------------------------- */

START_TEST(episode_from_events_exact)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 172 * S + 3);
    rc_analysis *a = analyze(&r);
    ck_assert(a->from_events);
    ck_assert_uint_eq(a->n_raw, 1);
    ck_assert_int_eq(a->raw[0].start_us, 10 * S);
    ck_assert_int_eq(a->raw[0].end_us, 182 * S + 3);
    ck_assert(!a->raw[0].open);
    ck_assert(isnan(a->raw[0].min_v));
    ck_assert_int_eq(a->max_outage_us, 172 * S + 3);
    ck_assert_int_eq(a->max_merged_outage_us, 172 * S + 3);
    ck_assert_int_eq(a->end_us, 400 * S);
    ck_assert_int_eq(a->verdict, RC_VERDICT_PASS);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(initial_down_is_not_an_episode)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    down(&r, 0); /* the bench starts with the rail cut */
    up(&r, 5 * S);
    down(&r, 50 * S);
    up(&r, 60 * S);
    finish(&r, 100 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_uint_eq(a->n_raw, 1);
    ck_assert_int_eq(a->raw[0].start_us, 50 * S);
    ck_assert_int_eq(a->max_outage_us, 10 * S);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(rail_never_up_has_no_episode)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    down(&r, 0);
    finish(&r, 500 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_uint_eq(a->n_raw, 0);
    ck_assert_uint_eq(a->n_merged, 0);
    ck_assert_int_eq(a->max_outage_us, 0);
    ck_assert_int_eq(check_named(a, "mp102a.ch")->result, RC_CHECK_PASS);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(open_episode_ends_at_run_end)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    down(&r, 10 * S);
    finish(&r, 400 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_uint_eq(a->n_raw, 1);
    ck_assert(a->raw[0].open);
    ck_assert_int_eq(a->raw[0].end_us, 400 * S);
    ck_assert(a->merged[0].open);
    const rc_check *c = check_named(a, "mp102a.ch");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    assert_detail_has(c, "never came back");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(min_v_from_samples_inclusive)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 20 * S); /* 10 s .. 30 s */
    sample(&r, 9 * S, 0.5f, 0);   /* before: not counted */
    sample(&r, 10 * S, 7.0f, 0);  /* at start */
    sample(&r, 20 * S, NAN, 0);   /* unreadable sample is ignored */
    sample(&r, 30 * S, 6.5f, 0);  /* at end: counted */
    sample(&r, 31 * S, 0.1f, 0);  /* after: not counted */
    rc_analysis *a = analyze(&r);
    ck_assert(a->from_events);
    ck_assert_float_eq(a->raw[0].min_v, 6.5f);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(samples_only_fallback_with_hysteresis)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    sample(&r, 0, 0.0f, 0);             /* initial cut: not an episode */
    sample(&r, 1 * S, 12.0f, 0);        /* first seen up */
    sample(&r, 10 * S, 8.0f, 0);        /* at the outage threshold: not below */
    sample(&r, 11 * S, 7.999f, 0);      /* starts */
    sample(&r, 20 * S, 8.999f, 1);      /* between thresholds: still down */
    sample(&r, 30 * S, 9.0f, 0);        /* at restore: ends */
    sample(&r, 40 * S, 8.5f, 0);        /* between thresholds: still up */
    sample(&r, 50 * S, 3.0f, 0);        /* starts, never ends */
    r.end_us = 100 * S;
    ev(&r, 100 * S, RC_EV_RUN_END, 0, NULL);
    rc_analysis *a = analyze(&r);
    ck_assert(!a->from_events);
    ck_assert_uint_eq(a->n_raw, 2);
    ck_assert_int_eq(a->raw[0].start_us, 11 * S);
    ck_assert_int_eq(a->raw[0].end_us, 30 * S);
    ck_assert_float_eq(a->raw[0].min_v, 7.999f);
    ck_assert_int_eq(a->raw[0].ac_lost_us, 10 * S); /* the flag holds 20 s .. 30 s */
    ck_assert_int_eq(a->raw[1].start_us, 50 * S);
    ck_assert_int_eq(a->raw[1].end_us, 100 * S);
    ck_assert(a->raw[1].open);
    ck_assert_float_eq(a->raw[1].min_v, 3.0f);
    ck_assert_int_eq(a->max_outage_us, 50 * S);
    ck_assert_uint_eq(r.sample_passes, 2);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(samples_custom_thresholds)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    r.cfg.outage_below_mv = 10000;
    r.cfg.restore_above_mv = 11000;
    sample(&r, 0, 12.0f, 0);
    sample(&r, 5 * S, 9.5f, 0);
    sample(&r, 7 * S, 11.0f, 0);
    finish(&r, 8 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_uint_eq(a->n_raw, 1);
    ck_assert_int_eq(a->raw[0].start_us, 5 * S);
    ck_assert_int_eq(a->raw[0].end_us, 7 * S);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(ac_lost_from_events)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    ev(&r, 5 * S, RC_EV_AC_LOST_ON, 0, NULL);
    ev(&r, 20 * S, RC_EV_AC_LOST_OFF, 0, NULL);
    ev(&r, 150 * S, RC_EV_AC_LOST_ON, 0, NULL); /* never released */
    one_cut(&r, 170 * S);                          /* 10 s .. 180 s */
    sample(&r, 15 * S, 1.0f, 0); /* sample flags are ignored when events exist */
    rc_analysis *a = analyze(&r);
    ck_assert_int_eq(a->raw[0].ac_lost_us, 10 * S + 30 * S);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

/* ---- merging --------------------------------------------------------------- */

/* Two 90 s cuts separated by a restoration of gap_us. */
static rc_analysis *two_cuts(run *r, int64_t gap_us)
{
    up(r, 1 * S);
    down(r, 10 * S);
    up(r, 100 * S);
    down(r, 100 * S + gap_us);
    up(r, 190 * S + gap_us);
    finish(r, 400 * S);
    return analyze(r);
}

START_TEST(merge_gap_strictly_shorter_joins)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    rc_analysis *a = two_cuts(&r, RC_DEFAULT_MERGE_GAP_US - 1);
    ck_assert_uint_eq(a->n_raw, 2);
    ck_assert_uint_eq(a->n_merged, 1);
    ck_assert_int_eq(a->merged[0].start_us, 10 * S);
    ck_assert_int_eq(a->merged[0].end_us, 191 * S - 1);
    ck_assert_int_eq(a->max_outage_us, 90 * S);
    ck_assert_int_eq(a->max_merged_outage_us, 181 * S - 1);
    /* A conformant CH restarts its timer on any restore: no AD1 owed. */
    ck_assert_int_eq(check_named(a, "mp102a.ch")->result, RC_CHECK_PASS);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(merge_gap_equal_separates)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    rc_analysis *a = two_cuts(&r, RC_DEFAULT_MERGE_GAP_US);
    ck_assert_uint_eq(a->n_merged, 2);
    ck_assert_int_eq(a->max_merged_outage_us, 90 * S);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(merged_min_v_and_open)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    down(&r, 10 * S);
    up(&r, 20 * S);
    down(&r, 20 * S + 500000);
    sample(&r, 15 * S, 4.0f, 0);
    sample(&r, 25 * S, 2.0f, 0);
    finish(&r, 30 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_uint_eq(a->n_merged, 1);
    ck_assert(a->merged[0].open);
    ck_assert_int_eq(a->merged[0].end_us, 30 * S);
    ck_assert_float_eq(a->merged[0].min_v, 2.0f);
    ck_assert_float_eq(a->raw[0].min_v, 4.0f);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

/* ---- mp102a.ch ------------------------------------------------------------- */

START_TEST(exactly_180s_owes_no_ad1)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 180 * S);
    analyze_check(&r, "mp102a.ch", RC_CHECK_PASS,
                  "no interruption > 180 s, no AD1 (longest 180 s)");
}
END_TEST

START_TEST(exactly_180s_with_ad1_is_false_alert)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 180 * S);
    ad1(&r, 190 * S);
    rc_analysis *a = analyze(&r);
    const rc_check *c = check_named(a, "mp102a.ch");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    assert_detail_has(c, "AD1 at 190 s but no interruption exceeded 180 s (longest 180 s)");
    ck_assert_int_eq(a->verdict, RC_VERDICT_FAIL);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(over_180s_by_1us_owes_ad1)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 180 * S + 1);
    analyze_check(&r, "mp102a.ch", RC_CHECK_FAIL,
                  "no AD1 for the interruption of 180.000001 s at 10 s "
                  "(owed from 190 s to 250.000001 s)");
}
END_TEST

START_TEST(ad1_at_qualification_passes)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 180 * S + 1);
    ad1(&r, 190 * S); /* last gasp: exactly start + 180 s */
    rc_analysis *a = analyze(&r);
    const rc_check *c = check_named(a, "mp102a.ch");
    ck_assert_int_eq(c->result, RC_CHECK_PASS);
    assert_detail_has(c, "interruption of 180.000001 s at 10 s, AD1 at 190 s (+0 s)");
    ck_assert_uint_eq(a->n_ad1, 1);
    ck_assert_str_eq(a->ad1[0].source, "ch-model");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(ad1_1us_before_qualification_is_false)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 200 * S);
    ad1(&r, 190 * S - 1);
    rc_analysis *a = analyze(&r);
    const rc_check *c = check_named(a, "mp102a.ch");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    assert_detail_has(c, "AD1 at 189.999999 s is outside the window");
    assert_detail_has(c, "no AD1 for the interruption of 200 s at 10 s");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(ad1_latency_bound_inclusive)
{
    run r;
    /* ends at 210 s: on-restore AD1 owed until 270 s */
    one_cut_run(&r, RC_SCENARIO_TEST, 200 * S);
    ad1(&r, 270 * S);
    analyze_check(&r, "mp102a.ch", RC_CHECK_PASS, "AD1 at 270 s (+80 s)");
}
END_TEST

START_TEST(ad1_latency_bound_plus_1us_fails)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 200 * S);
    ad1(&r, 270 * S + 1);
    analyze_check(&r, "mp102a.ch", RC_CHECK_FAIL, "AD1 at 270.000001 s is outside the window");
}
END_TEST

START_TEST(short_qualifying_latency_from_qualification)
{
    /* 180.5 s cut: window ends at max(190 s, 190.5 s) + 60 s. */
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    r.cfg.ad1_latency_max_us = 1 * S;
    one_cut(&r, 180 * S + 500000);
    ad1(&r, 191 * S + 500000);
    analyze_check(&r, "mp102a.ch", RC_CHECK_PASS, NULL);
}
END_TEST

START_TEST(ad1_twice_fails)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 200 * S);
    ad1(&r, 191 * S);
    ad1(&r, 211 * S);
    analyze_check(&r, "mp102a.ch", RC_CHECK_FAIL,
                  "AD1 sent twice for the interruption at 10 s (AD1 at 191 s and 211 s)");
}
END_TEST

START_TEST(open_episode_last_gasp_ad1_passes)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    down(&r, 10 * S);
    ad1(&r, 195 * S);
    finish(&r, 400 * S);
    analyze_check(&r, "mp102a.ch", RC_CHECK_PASS, NULL);
}
END_TEST

/* An on-restore CH reports once it has booted; a second cut during its boot
 * delays the report, and the window follows the CH's next ready. */
START_TEST(on_restore_ad1_after_interrupted_boot_passes)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    down(&r, 10 * S);
    up(&r, 210 * S);  /* 200 s: qualifies */
    down(&r, 220 * S); /* cut again while the CH boots */
    up(&r, 270 * S);
    ev(&r, 290 * S, RC_EV_CH_READY, 0, NULL);
    ad1(&r, 292 * S); /* 82 s after the first restore, 2 s after ready */
    finish(&r, 400 * S);
    rc_analysis *a = analyze(&r);
    const rc_check *c = check_named(a, "mp102a.ch");
    ck_assert_msg(c->result == RC_CHECK_PASS, "%s", c->detail);
    ck_assert_int_eq(a->n_ad1, 1);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(ad1_window_closes_latency_after_ready)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 200 * S);
    ev(&r, 230 * S, RC_EV_CH_READY, 0, NULL);
    ad1(&r, 290 * S + 1); /* ready + 60 s + 1 us */
    analyze_check(&r, "mp102a.ch", RC_CHECK_FAIL, "owed from 190 s to 290 s");
}
END_TEST

/* A run that stops before alerts settle cannot show that the CH stayed silent. */
START_TEST(run_ending_before_alerts_settle_is_not_a_pass)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_NO_AD1, "expect no ad1", 7);
    up(&r, 1 * S);
    down(&r, 10 * S);
    up(&r, 100 * S);
    ev(&r, 120 * S, RC_EV_CH_READY, 0, NULL);
    finish(&r, 180 * S - 1); /* settles at ready + 60 s = 180 s */
    rc_analysis *a = analyze(&r);
    const rc_check *ch = check_named(a, "mp102a.ch");
    ck_assert_int_eq(ch->result, RC_CHECK_FAIL);
    assert_detail_has(ch, "before alerts settled at 180 s");
    assert_detail_has(ch, "observe longer");
    ck_assert_int_eq(check_named(a, "expect:7")->result, RC_CHECK_FAIL);
    rc_analysis_free(a);
    run_free(&r);

    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_NO_AD1, "expect no ad1", 7);
    up(&r, 1 * S);
    down(&r, 10 * S);
    up(&r, 100 * S);
    ev(&r, 120 * S, RC_EV_CH_READY, 0, NULL);
    finish(&r, 180 * S);
    a = analyze(&r);
    ck_assert_int_eq(check_named(a, "mp102a.ch")->result, RC_CHECK_PASS);
    ck_assert_int_eq(check_named(a, "expect:7")->result, RC_CHECK_PASS);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

/* A qualifying interruption whose AD1 window the run cut short is reported as
 * unjudged, not blamed on the CH. */
START_TEST(cut_short_window_blames_the_run_not_the_ch)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    down(&r, 10 * S);
    up(&r, 210 * S);
    finish(&r, 215 * S);
    rc_analysis *a = analyze(&r);
    const rc_check *c = check_named(a, "mp102a.ch");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    assert_detail_has(c, "observe longer");
    ck_assert_ptr_null(strstr(c->detail, "no AD1 for the interruption"));
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(false_alert_names_longest)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 95 * S + 200000);
    ad1(&r, 95 * S);
    rc_analysis *a = analyze(&r);
    assert_detail_has(check_named(a, "mp102a.ch"),
                      "AD1 at 95 s but no interruption exceeded 180 s (longest 95.2 s)");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

/* ---- mp102a.esme ----------------------------------------------------------- */

START_TEST(esme_skipped_unless_ota)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_OUTAGE, 300 * S);
    rc_analysis *a = analyze(&r);
    const rc_check *c = check_named(a, "mp102a.esme");
    ck_assert_int_eq(c->result, RC_CHECK_SKIP);
    assert_detail_has(c, "scenario is outage");
    ck_assert_int_eq(a->scenario, RC_SCENARIO_OUTAGE);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(esme_scenario_override)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    r.cfg.scenario_override = true;
    r.cfg.scenario = RC_SCENARIO_OTA;
    one_cut(&r, 180 * S + 1);
    ad1(&r, 190 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_int_eq(a->scenario, RC_SCENARIO_OTA);
    const rc_check *c = check_named(a, "mp102a.esme");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    assert_detail_has(c, "interruption at 10 s lasted 180.000001 s");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(esme_exactly_180s_passes)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_OTA, 180 * S);
    analyze_check(&r, "mp102a.esme", RC_CHECK_PASS,
                  "longest interruption without AC Lost 180 s (at 10 s)");
}
END_TEST

START_TEST(esme_judges_merged)
{
    run r;
    run_init(&r, RC_SCENARIO_OTA);
    rc_analysis *a = two_cuts(&r, RC_DEFAULT_MERGE_GAP_US - 1);
    ck_assert_int_eq(check_named(a, "mp102a.esme")->result, RC_CHECK_FAIL);
    rc_analysis_free(a);
    run_free(&r);
    run_init(&r, RC_SCENARIO_OTA);
    a = two_cuts(&r, RC_DEFAULT_MERGE_GAP_US);
    ck_assert_int_eq(check_named(a, "mp102a.esme")->result, RC_CHECK_PASS);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(esme_excludes_ac_lost)
{
    /* 250 s cut with AC Lost from 50 s to 150 s: pieces of 40 s and 110 s. */
    run r;
    run_init(&r, RC_SCENARIO_OTA);
    ev(&r, 50 * S, RC_EV_AC_LOST_ON, 0, NULL);
    ev(&r, 150 * S, RC_EV_AC_LOST_OFF, 0, NULL);
    one_cut(&r, 250 * S);
    ad1(&r, 195 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_int_eq(a->raw[0].ac_lost_us, 100 * S);
    ck_assert_int_eq(a->merged[0].ac_lost_us, 100 * S);
    const rc_check *c = check_named(a, "mp102a.esme");
    ck_assert_int_eq(c->result, RC_CHECK_PASS);
    assert_detail_has(c, "without AC Lost 110 s");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(esme_ac_lost_late_leaves_long_piece)
{
    /* 250 s cut (10 s .. 260 s), AC Lost from 190 s + 1 us: 180.000001 s without. */
    run r;
    run_init(&r, RC_SCENARIO_OTA);
    ev(&r, 190 * S + 1, RC_EV_AC_LOST_ON, 0, NULL);
    one_cut(&r, 250 * S);
    ad1(&r, 195 * S);
    analyze_check(&r, "mp102a.esme", RC_CHECK_FAIL, "(180.000001 s of it without AC Lost)");
    /* AC Lost from exactly 190 s: the remaining 180 s is within the limit. */
    run_init(&r, RC_SCENARIO_OTA);
    ev(&r, 190 * S, RC_EV_AC_LOST_ON, 0, NULL);
    one_cut(&r, 250 * S);
    analyze_check(&r, "mp102a.esme", RC_CHECK_PASS, NULL);
}
END_TEST

START_TEST(spans_helpers)
{
    const rc_span spans[] = {{10, 20}, {30, 40}, {40, 45}};
    ck_assert_int_eq(rc_spans_overlap_us(spans, 3, 0, 100), 25);
    ck_assert_int_eq(rc_spans_overlap_us(spans, 3, 15, 35), 10);
    ck_assert_int_eq(rc_spans_longest_gap_us(spans, 3, 0, 100), 55);
    ck_assert_int_eq(rc_spans_longest_gap_us(spans, 3, 12, 44), 10);
    ck_assert_int_eq(rc_spans_longest_gap_us(spans, 3, 32, 38), 0);
    ck_assert_int_eq(rc_spans_longest_gap_us(NULL, 0, 5, 9), 4);
}
END_TEST

/* ---- guard ----------------------------------------------------------------- */

START_TEST(guard_marks_marginal)
{
    static const struct {
        int64_t off_us, guard_us;
        bool marginal;
    } cases[] = {
        {179 * S, 1 * S, true},      /* |d - limit| == guard */
        {179 * S - 1, 1 * S, false}, /* one microsecond further */
        {181 * S, 1 * S, true},
        {181 * S + 1, 1 * S, false},
        {180 * S, 0, false},         /* guard 0 is off */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        run_init(&r, RC_SCENARIO_OTA);
        r.cfg.guard_us = cases[i].guard_us;
        one_cut(&r, cases[i].off_us);
        if (cases[i].off_us > 180 * S)
            ad1(&r, 190 * S);
        rc_analysis *a = analyze(&r);
        const rc_check *ch = check_named(a, "mp102a.ch");
        ck_assert_msg(ch->marginal == cases[i].marginal, "case %zu", i);
        ck_assert_int_eq(ch->result, RC_CHECK_PASS);
        ck_assert(check_named(a, "mp102a.esme")->marginal == cases[i].marginal);
        rc_analysis_free(a);
        run_free(&r);
    }
}
END_TEST

/* ---- expectations ---------------------------------------------------------- */

START_TEST(expect_ad1_and_no_ad1)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_AD1, "expect ad1", 4);
    add_expect(r.profile, RC_EXPECT_NO_AD1, "expect no ad1", 5);
    one_cut(&r, 200 * S);
    ad1(&r, 200 * S);
    rc_analysis *a = analyze(&r);
    const rc_check *yes = check_named(a, "expect:4");
    const rc_check *no = check_named(a, "expect:5");
    ck_assert_int_eq(yes->result, RC_CHECK_PASS);
    ck_assert_str_eq(yes->detail, "\"expect ad1\": 1 AD1, the first at 200 s");
    ck_assert_int_eq(no->result, RC_CHECK_FAIL);
    ck_assert_str_eq(no->detail, "\"expect no ad1\": 1 AD1, the first at 200 s");
    ck_assert_int_eq(a->verdict, RC_VERDICT_FAIL);
    rc_analysis_free(a);
    run_free(&r);

    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_AD1, "expect ad1", 4);
    add_expect(r.profile, RC_EXPECT_NO_AD1, "expect no ad1", 5);
    one_cut(&r, 100 * S);
    a = analyze(&r);
    ck_assert_int_eq(check_named(a, "expect:4")->result, RC_CHECK_FAIL);
    ck_assert_int_eq(check_named(a, "expect:5")->result, RC_CHECK_PASS);
    ck_assert_str_eq(check_named(a, "expect:5")->detail, "\"expect no ad1\": no AD1 in the run");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(expect_no_ad1_counts_observation_window)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_NO_AD1, "expect no ad1", 7);
    up(&r, 1 * S);
    ev(&r, 100 * S, RC_EV_OBSERVE, 0, NULL);
    ad1(&r, 150 * S);
    finish(&r, 220 * S);
    analyze_check(&r, "expect:7", RC_CHECK_FAIL, NULL);
}
END_TEST

/* expect ad1 between 180 s and 185 s after mark "cut" (at 10 s). */
static rc_analysis *window_run(run *r, int64_t ad1_us, bool mark_happens)
{
    run_init(r, RC_SCENARIO_TEST);
    add_mark(r->profile, "cut", 2);
    add_expect(r->profile, RC_EXPECT_AD1_WINDOW, "expect ad1 within 180s..185s after cut", 9);
    last_expect(r->profile)->mark = 0;
    last_expect(r->profile)->lo_us = 180 * S;
    last_expect(r->profile)->hi_us = 185 * S;
    if (mark_happens)
        ev(r, 10 * S, RC_EV_MARK, 0, "cut");
    one_cut(r, 200 * S);
    if (ad1_us >= 0)
        ad1(r, ad1_us);
    return analyze(r);
}

START_TEST(expect_window_edges)
{
    static const struct {
        int64_t ad1_us;
        rc_check_result result;
    } cases[] = {
        {190 * S, RC_CHECK_PASS},
        {195 * S, RC_CHECK_PASS},
        {190 * S - 1, RC_CHECK_FAIL},
        {195 * S + 1, RC_CHECK_FAIL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        rc_analysis *a = window_run(&r, cases[i].ad1_us, true);
        const rc_check *c = check_named(a, "expect:9");
        ck_assert_msg(c->result == cases[i].result, "case %zu: %s", i, c->detail);
        assert_detail_has(c, "\"expect ad1 within 180s..185s after cut\": ");
        rc_analysis_free(a);
        run_free(&r);
    }
    run r;
    rc_analysis *a = window_run(&r, 195 * S, true);
    assert_detail_has(check_named(a, "expect:9"), "AD1 at 195 s, 185 s after cut (at 10 s)");
    rc_analysis_free(a);
    run_free(&r);
    a = window_run(&r, 195 * S + 1, true);
    assert_detail_has(check_named(a, "expect:9"),
                      "no AD1 between 190 s and 195 s (cut at 10 s); first AD1 at 195.000001 s");
    rc_analysis_free(a);
    run_free(&r);
    a = window_run(&r, -1, true);
    assert_detail_has(check_named(a, "expect:9"), "no AD1 in the run");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(expect_window_mark_missing)
{
    run r;
    rc_analysis *a = window_run(&r, 192 * S, false);
    const rc_check *c = check_named(a, "expect:9");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    assert_detail_has(c, "mark cut never happened");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(expect_window_from_run_start)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_AD1_WINDOW, "expect ad1 within 200s", 3);
    last_expect(r.profile)->lo_us = 0;
    last_expect(r.profile)->hi_us = 200 * S;
    one_cut(&r, 200 * S);
    ad1(&r, 200 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_int_eq(check_named(a, "expect:3")->result, RC_CHECK_PASS);
    assert_detail_has(check_named(a, "expect:3"), "after the start of the run");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(expect_max_outage_strict)
{
    for (int over = 0; over <= 1; over++) {
        run r;
        run_init(&r, RC_SCENARIO_TEST);
        add_expect(r.profile, RC_EXPECT_MAX_OUTAGE_BELOW, "expect max_outage < 172s", 6);
        last_expect(r.profile)->bound_us = 172 * S;
        one_cut(&r, 172 * S - 1 + over);
        r.cfg.guard_us = 1;
        rc_analysis *a = analyze(&r);
        const rc_check *c = check_named(a, "expect:6");
        ck_assert_int_eq(c->result, over ? RC_CHECK_FAIL : RC_CHECK_PASS);
        ck_assert(c->marginal); /* within 1 us of the bound */
        ck_assert_str_eq(c->detail, over ? "\"expect max_outage < 172s\": longest interruption "
                                           "172 s, not below 172 s"
                                         : "\"expect max_outage < 172s\": longest interruption "
                                           "171.999999 s, below 172 s");
        rc_analysis_free(a);
        run_free(&r);
    }
}
END_TEST

START_TEST(expect_name_in_include)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    r.profile->files = realloc(r.profile->files, 2 * sizeof *r.profile->files);
    r.profile->files[1] = strdup("lib/common.rail");
    r.profile->n_files = 2;
    add_expect(r.profile, RC_EXPECT_NO_AD1, "expect no ad1", 12);
    last_expect(r.profile)->file = 1;
    finish(&r, 10 * S);
    analyze_check(&r, "expect:common.rail:12", RC_CHECK_PASS, NULL);
}
END_TEST

/* ---- waits ------------------------------------------------------------------ */

START_TEST(waits_skip_pass_fail)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    finish(&r, 10 * S);
    analyze_check(&r, "profile.waits", RC_CHECK_SKIP, NULL);

    run_init(&r, RC_SCENARIO_TEST);
    add_segment(r.profile, RC_SEG_HOLD, RC_WAIT_NONE, 5 * S, 2);
    add_segment(r.profile, RC_SEG_WAIT, RC_WAIT_READY, 30 * S, 3);
    ev(&r, 8 * S, RC_EV_WAIT_DONE, 1, NULL);
    finish(&r, 10 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_int_eq(check_named(a, "profile.waits")->result, RC_CHECK_PASS);
    ck_assert_str_eq(check_named(a, "profile.waits")->detail,
                     "1 of 1 waits completed, none timed out");
    rc_analysis_free(a);
    run_free(&r);

    run_init(&r, RC_SCENARIO_TEST);
    add_segment(r.profile, RC_SEG_HOLD, RC_WAIT_NONE, 5 * S, 2);
    add_segment(r.profile, RC_SEG_WAIT, RC_WAIT_READY, 30 * S, 3);
    ev(&r, 35 * S, RC_EV_WAIT_TIMEOUT, 1, NULL);
    finish(&r, 40 * S);
    a = analyze(&r);
    const rc_check *c = check_named(a, "profile.waits");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    ck_assert_str_eq(c->detail,
                     "wait for ready timed out after 30 s: segment 1 (profiles/ota.rail:3)");
    ck_assert_int_eq(a->verdict, RC_VERDICT_FAIL);
    rc_analysis_free(a);
    run_free(&r);

    /* stopped before the wait began: not "completed" */
    run_init(&r, RC_SCENARIO_TEST);
    add_segment(r.profile, RC_SEG_HOLD, RC_WAIT_NONE, 5 * S, 2);
    add_segment(r.profile, RC_SEG_WAIT, RC_WAIT_READY, 30 * S, 3);
    ev(&r, 3 * S, RC_EV_RUN_END, 1, NULL);
    r.end_us = 3 * S;
    a = analyze(&r);
    c = check_named(a, "profile.waits");
    ck_assert_int_eq(c->result, RC_CHECK_FAIL);
    ck_assert_str_eq(c->detail, "1 of 1 waits never ended: the run stopped first");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

/* ---- verdict and errors ----------------------------------------------------- */

START_TEST(verdict_error_when_incomplete)
{
    static const struct {
        int run_end; /* -1: no run_end event */
        const char *damage;
        const char *error;
    } cases[] = {
        {-1, NULL, "the run did not complete: no run_end event"},
        {1, NULL, "the run was stopped at 50 s"},
        {2, NULL, "device error at 50 s"},
        {7, NULL, "the run ended abnormally (code 7) at 50 s"},
        {0, "chunk 3 (SAMP): CRC mismatch", "trace damaged: chunk 3 (SAMP): CRC mismatch"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        run_init(&r, RC_SCENARIO_TEST);
        up(&r, 1 * S);
        r.end_us = 50 * S;
        r.damage = cases[i].damage;
        if (cases[i].run_end >= 0)
            ev(&r, 50 * S, RC_EV_RUN_END, cases[i].run_end, NULL);
        rc_analysis *a = analyze(&r);
        ck_assert_int_eq(a->verdict, RC_VERDICT_ERROR);
        ck_assert_str_eq(a->error, cases[i].error);
        rc_analysis_free(a);
        run_free(&r);
    }
}
END_TEST

START_TEST(verdict_pass_has_no_error)
{
    run r;
    one_cut_run(&r, RC_SCENARIO_TEST, 10 * S);
    rc_analysis *a = analyze(&r);
    ck_assert_int_eq(a->verdict, RC_VERDICT_PASS);
    ck_assert_str_eq(a->error, "");
    ck_assert_uint_eq(a->n_checks, 3);
    ck_assert_str_eq(rc_verdict_name(a->verdict), "pass");
    ck_assert_str_eq(rc_verdict_name(RC_VERDICT_FAIL), "fail");
    ck_assert_str_eq(rc_verdict_name(RC_VERDICT_ERROR), "error");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(bad_input_rejected)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    finish(&r, 10 * S);
    r.ev[0].t_us = 20 * S; /* out of order */
    rc_analysis *a = NULL;
    rc_error err = {{0}};
    ck_assert_int_eq(analyze_status(&r, &a, &err), RC_ERR_FORMAT);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of time order"));
    r.ev[0].t_us = 1 * S;
    r.cfg.limit_us = 0;
    ck_assert_int_eq(analyze_status(&r, &a, &err), RC_ERR_ARG);
    rc_analysis_config_default(&r.cfg);
    r.cfg.restore_above_mv = 7000;
    ck_assert_int_eq(analyze_status(&r, &a, &err), RC_ERR_ARG);
    rc_analysis_config_default(&r.cfg);
    sample(&r, 5 * S, 12.0f, 0);
    sample(&r, 4 * S, 12.0f, 0);
    ck_assert_int_eq(analyze_status(&r, &a, &err), RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "samples out of time order"));
    run_free(&r);
}
END_TEST

START_TEST(config_defaults)
{
    rc_analysis_config cfg;
    rc_analysis_config_default(&cfg);
    ck_assert_int_eq(cfg.outage_below_mv, 8000);
    ck_assert_int_eq(cfg.restore_above_mv, 9000);
    ck_assert_int_eq(cfg.merge_gap_us, 1 * S);
    ck_assert_int_eq(cfg.limit_us, 180 * S);
    ck_assert_int_eq(cfg.ad1_latency_max_us, 60 * S);
    ck_assert_int_eq(cfg.guard_us, 0);
    ck_assert(!cfg.scenario_override);
}
END_TEST

static Suite *analyze_suite(void)
{
    Suite *s = suite_create("analyze");
    TCase *ep = tcase_create("episodes");
    tcase_add_test(ep, episode_from_events_exact);
    tcase_add_test(ep, initial_down_is_not_an_episode);
    tcase_add_test(ep, rail_never_up_has_no_episode);
    tcase_add_test(ep, open_episode_ends_at_run_end);
    tcase_add_test(ep, min_v_from_samples_inclusive);
    tcase_add_test(ep, samples_only_fallback_with_hysteresis);
    tcase_add_test(ep, samples_custom_thresholds);
    tcase_add_test(ep, ac_lost_from_events);
    tcase_add_test(ep, merge_gap_strictly_shorter_joins);
    tcase_add_test(ep, merge_gap_equal_separates);
    tcase_add_test(ep, merged_min_v_and_open);
    tcase_add_test(ep, spans_helpers);
    suite_add_tcase(s, ep);
    TCase *ch = tcase_create("mp102a");
    tcase_add_test(ch, exactly_180s_owes_no_ad1);
    tcase_add_test(ch, exactly_180s_with_ad1_is_false_alert);
    tcase_add_test(ch, over_180s_by_1us_owes_ad1);
    tcase_add_test(ch, ad1_at_qualification_passes);
    tcase_add_test(ch, ad1_1us_before_qualification_is_false);
    tcase_add_test(ch, ad1_latency_bound_inclusive);
    tcase_add_test(ch, ad1_latency_bound_plus_1us_fails);
    tcase_add_test(ch, short_qualifying_latency_from_qualification);
    tcase_add_test(ch, ad1_twice_fails);
    tcase_add_test(ch, on_restore_ad1_after_interrupted_boot_passes);
    tcase_add_test(ch, ad1_window_closes_latency_after_ready);
    tcase_add_test(ch, cut_short_window_blames_the_run_not_the_ch);
    tcase_add_test(ch, open_episode_last_gasp_ad1_passes);
    tcase_add_test(ch, false_alert_names_longest);
    tcase_add_test(ch, esme_skipped_unless_ota);
    tcase_add_test(ch, esme_scenario_override);
    tcase_add_test(ch, esme_exactly_180s_passes);
    tcase_add_test(ch, esme_judges_merged);
    tcase_add_test(ch, esme_excludes_ac_lost);
    tcase_add_test(ch, esme_ac_lost_late_leaves_long_piece);
    tcase_add_test(ch, guard_marks_marginal);
    suite_add_tcase(s, ch);
    TCase *ex = tcase_create("expectations");
    tcase_add_test(ex, expect_ad1_and_no_ad1);
    tcase_add_test(ex, expect_no_ad1_counts_observation_window);
    tcase_add_test(ex, run_ending_before_alerts_settle_is_not_a_pass);
    tcase_add_test(ex, expect_window_edges);
    tcase_add_test(ex, expect_window_mark_missing);
    tcase_add_test(ex, expect_window_from_run_start);
    tcase_add_test(ex, expect_max_outage_strict);
    tcase_add_test(ex, expect_name_in_include);
    tcase_add_test(ex, waits_skip_pass_fail);
    suite_add_tcase(s, ex);
    TCase *v = tcase_create("verdict");
    tcase_add_test(v, verdict_error_when_incomplete);
    tcase_add_test(v, verdict_pass_has_no_error);
    tcase_add_test(v, bad_input_rejected);
    tcase_add_test(v, config_defaults);
    suite_add_tcase(s, v);
    return s;
}

int main(void)
{
    return rc_test_run(analyze_suite());
}
