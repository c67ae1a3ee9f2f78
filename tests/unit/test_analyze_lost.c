/*
 * test_analyze_lost.c - samples the recorder lost (LOST records) in the
 * analysis and in every report: the totals and stretches, every check that
 * applies marked inconclusive (a skipped one stays skipped), the verdict
 * "error" with the reason, JSON "ok" null, JUnit errors and properties; an
 * earlier reason (damage) keeps its message; a run without losses is
 * unchanged.
 */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "test_analyze_fixture.h"

static const rc_report_context ctx = {"fixtures/profiles/ota-reboot.rail", "runs/a.rct", "sim",
                                      NULL};

static const rc_trace_gap gaps[2] = {
    {.from_us = 100 * S, .to_us = 100 * S + 65535, .samples = 65536, .events = 0},
    {.from_us = 250 * S + 1, .to_us = 250 * S + 1000, .samples = 1000, .events = 2},
};

/* A passing OTA run: a 170 s cut, no AD1. */
static rc_analysis *run_with_gaps(run *r, size_t n_gaps, const char *damage)
{
    run_init(r, RC_SCENARIO_OTA);
    up(r, 1 * S);
    down(r, 10 * S);
    up(r, 180 * S);
    finish(r, 300 * S);
    r->damage = damage;
    rc_analysis_input in = {.profile = r->profile,
                            .scenario = r->profile->scenario,
                            .events = r->ev,
                            .n_events = r->n_ev,
                            .end_us = r->end_us,
                            .damage = r->damage,
                            .gaps = gaps,
                            .n_gaps = n_gaps};
    rc_analysis *a = NULL;
    rc_error err;
    ck_assert_int_eq(rc_analyze_run(&in, &r->cfg, &a, &err), RC_OK);
    return a;
}

typedef rc_status (*report_fn)(FILE *, const rc_analysis *, const rc_report_context *,
                               rc_error *);

static char *render(report_fn fn, const rc_analysis *a)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    rc_error err;
    ck_assert_int_eq(fn(f, a, &ctx, &err), RC_OK);
    fclose(f);
    return text;
}

START_TEST(losses_make_checks_inconclusive)
{
    run r;
    rc_analysis *a = run_with_gaps(&r, 2, NULL);
    ck_assert_uint_eq(a->lost_samples, 66536);
    ck_assert_uint_eq(a->lost_events, 2);
    ck_assert_uint_eq(a->n_lost_spans, 2);
    ck_assert_int_eq(a->lost_spans[1].from_us, 250 * S + 1);
    ck_assert_int_eq(a->verdict, RC_VERDICT_ERROR);
    ck_assert_str_eq(a->error, "the recorder lost 66536 samples and 2 events in 2 stretches "
                               "(the first from 100 s): the checks are inconclusive");
    const rc_check *ch = check_named(a, "mp102a.ch");
    ck_assert_int_eq(ch->result, RC_CHECK_PASS); /* what the recorded data says */
    ck_assert(ch->inconclusive);
    ck_assert(check_named(a, "mp102a.esme")->inconclusive);
    const rc_check *waits = check_named(a, "profile.waits");
    ck_assert_int_eq(waits->result, RC_CHECK_SKIP);
    ck_assert(!waits->inconclusive);
    ck_assert_str_eq(rc_check_state_name(ch), "inconclusive");
    ck_assert_str_eq(rc_check_state_name(waits), "skip");
    ck_assert_str_eq(rc_check_result_name(ch->result), "pass");
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(losses_in_the_text_report)
{
    run r;
    rc_analysis *a = run_with_gaps(&r, 2, NULL);
    char *text = render(rc_report_text, a);
    ck_assert_msg(strncmp(text, "ERROR\n", 6) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text,
                                 "\nlost:     66536 samples, 2 events (recorder overrun)\n"
                                 "  lost    100 s .. 100.065535 s: 65536 samples, 0 "
                                 "events\n  lost    250.000001 s .. 250.001 s: 1000 "
                                 "samples, 2 events\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\n  ?     mp102a.ch (inconclusive, the recorded data says pass): "));
    ck_assert_ptr_nonnull(strstr(text, "\n  skip  profile.waits: "));
    free(text);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(v != NULL, "no %s", key);
    return v;
}

static const cJSON *json_check(const cJSON *root, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, item(root, "checks"))
    {
        if (strcmp(item(c, "name")->valuestring, name) == 0)
            return c;
    }
    ck_abort_msg("no check %s", name);
    return NULL;
}

START_TEST(losses_in_the_json_report)
{
    run r;
    rc_analysis *a = run_with_gaps(&r, 2, NULL);
    char *text = render(rc_report_json, a);
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(item(root, "verdict")->valuestring, "error");
    ck_assert_double_eq(item(root, "lost_samples")->valuedouble, 66536);
    ck_assert_double_eq(item(root, "lost_events")->valuedouble, 2);
    const cJSON *spans = item(root, "lost_spans");
    ck_assert_int_eq(cJSON_GetArraySize(spans), 2);
    const cJSON *s1 = cJSON_GetArrayItem(spans, 1);
    ck_assert_double_eq(item(s1, "from_s")->valuedouble, 250.000001);
    ck_assert_double_eq(item(s1, "to_s")->valuedouble, 250.001);
    ck_assert_double_eq(item(s1, "samples")->valuedouble, 1000);
    ck_assert_double_eq(item(s1, "events")->valuedouble, 2);
    const cJSON *ch = json_check(root, "mp102a.ch");
    ck_assert(cJSON_IsNull(item(ch, "ok")));
    ck_assert(cJSON_IsTrue(item(ch, "inconclusive")));
    const cJSON *waits = json_check(root, "profile.waits");
    ck_assert(cJSON_IsNull(item(waits, "ok")));
    ck_assert(cJSON_IsFalse(item(waits, "inconclusive")));
    cJSON_Delete(root);
    free(text);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(losses_in_the_junit_report)
{
    run r;
    rc_analysis *a = run_with_gaps(&r, 2, NULL);
    char *xml = render(rc_report_junit, a);
    /* mp102a.ch and .esme inconclusive, waits skipped, the run an error. */
    ck_assert_ptr_nonnull(
        strstr(xml, "tests=\"4\" failures=\"0\" errors=\"3\" skipped=\"1\">"));
    ck_assert_ptr_nonnull(strstr(xml, "<property name=\"lost_samples\" value=\"66536\"/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<property name=\"lost_events\" value=\"2\"/>"));
    ck_assert_ptr_nonnull(strstr(
        xml, "<property name=\"lost_spans\" value=\"100-100.065535,250.000001-250.001\"/>"));
    ck_assert_ptr_nonnull(strstr(xml, "name=\"mp102a.ch\">\n    <error message=\"inconclusive "
                                      "(samples lost): "));
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>trace: runs/a.rct\nlost: 100 s .. "
                                      "100.065535 s, 65536 samples, 0 events\nlost: "));
    free(xml);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(damage_keeps_its_reason_and_no_loss_changes_nothing)
{
    run r;
    rc_analysis *a = run_with_gaps(&r, 1, "chunk 9 (SAMP): CRC mismatch");
    ck_assert_int_eq(a->verdict, RC_VERDICT_ERROR);
    ck_assert_str_eq(a->error, "trace damaged: chunk 9 (SAMP): CRC mismatch");
    ck_assert_uint_eq(a->lost_samples, 65536);
    ck_assert(check_named(a, "mp102a.ch")->inconclusive);
    rc_analysis_free(a);
    run_free(&r);

    a = run_with_gaps(&r, 0, NULL);
    ck_assert_int_eq(a->verdict, RC_VERDICT_PASS);
    ck_assert_str_eq(a->error, "");
    ck_assert_uint_eq(a->lost_samples, 0);
    ck_assert_ptr_null(a->lost_spans);
    ck_assert(!check_named(a, "mp102a.ch")->inconclusive);
    char *xml = render(rc_report_junit, a);
    ck_assert_ptr_null(strstr(xml, "<properties>"));
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>trace: runs/a.rct</system-out>"));
    free(xml);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

static Suite *lost_suite(void)
{
    Suite *s = suite_create("analyze_lost");
    TCase *tc = tcase_create("lost");
    tcase_add_test(tc, losses_make_checks_inconclusive);
    tcase_add_test(tc, losses_in_the_text_report);
    tcase_add_test(tc, losses_in_the_json_report);
    tcase_add_test(tc, losses_in_the_junit_report);
    tcase_add_test(tc, damage_keeps_its_reason_and_no_loss_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(lost_suite());
}
