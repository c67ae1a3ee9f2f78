/*
 * test_analyze_report.c - the text, JSON and JUnit reports: JSON parsed back
 * field by field, JUnit counted and checked for escaping, text for its
 * verdict line and exact durations.
 */
#include <math.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "railcut/version.h"
#include "test_analyze_fixture.h"

typedef rc_status (*report_fn)(FILE *, const rc_analysis *, const rc_report_context *,
                               rc_error *);

static char *render(report_fn fn, const rc_analysis *a, const rc_report_context *ctx)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    rc_error err = {{0}};
    rc_status st = fn(f, a, ctx, &err);
    fclose(f);
    ck_assert_msg(st == RC_OK, "report failed: %s", err.msg);
    return text;
}

static const rc_report_context ctx = {"fixtures/profiles/ota-reboot.rail", "runs/a.rct", "sim",
                                      NULL};

/* OTA run: a 180.000001 s cut with its AD1, a 179.9 s cut after it, AC Lost
 * for 2 s of the first, and one expectation. */
static rc_analysis *sample_run(run *r)
{
    run_init(r, RC_SCENARIO_OTA);
    add_expect(r->profile, RC_EXPECT_MAX_OUTAGE_BELOW, "expect max_outage < 3min", 8);
    last_expect(r->profile)->bound_us = 180 * S;
    up(r, 1 * S);
    down(r, 10 * S);
    ev(r, 20 * S, RC_EV_AC_LOST_ON, 0, NULL);
    ev(r, 22 * S, RC_EV_AC_LOST_OFF, 0, NULL);
    up(r, 190 * S + 1);
    ad1(r, 191 * S);
    down(r, 200 * S);
    up(r, 379 * S + 900000);
    sample(r, 100 * S, 0.25f, 0);
    finish(r, 440 * S); /* alerts settle 60 s after the last restore */
    r->cfg.guard_us = 1 * S;
    return analyze(r);
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(n), "%s is not a number", key);
    return n->valuedouble;
}

static const char *string(const cJSON *o, const char *key)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsString(n), "%s is not a string", key);
    return n->valuestring;
}

static const cJSON *json_check(const cJSON *root, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "checks"))
        if (strcmp(string(c, "name"), name) == 0)
            return c;
    ck_abort_msg("no check %s in the JSON", name);
    return NULL;
}

START_TEST(json_fields_round_trip)
{
    run r;
    rc_analysis *a = sample_run(&r);
    char *text = render(rc_report_json, a, &ctx);
    ck_assert_ptr_nonnull(strstr(text, "\"max_outage_s\":\t180.000001"));
    ck_assert_ptr_nonnull(strstr(text, "\"duration_s\":\t179.9,"));
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(string(root, "railcut_version"), RAILCUT_VERSION);
    ck_assert_str_eq(string(root, "profile"), ctx.profile_path);
    ck_assert_str_eq(string(root, "trace"), ctx.trace_path);
    ck_assert_str_eq(string(root, "backend"), "sim");
    ck_assert_str_eq(string(root, "scenario"), "ota");
    ck_assert_str_eq(string(root, "verdict"), "fail");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "error")));
    ck_assert(number(root, "end_s") == 440.0);
    ck_assert(number(root, "max_outage_s") == 180000001 / 1e6);
    ck_assert(number(root, "max_merged_outage_s") == 180000001 / 1e6);
    ck_assert_str_eq(string(root, "episodes_from"), "events");

    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, "episodes");
    ck_assert_int_eq(cJSON_GetArraySize(eps), 2);
    const cJSON *e0 = cJSON_GetArrayItem(eps, 0);
    ck_assert(number(e0, "start_s") == 10.0);
    ck_assert(number(e0, "end_s") == 190000001 / 1e6);
    ck_assert(number(e0, "duration_s") == 180000001 / 1e6);
    ck_assert(number(e0, "min_v") == 0.25);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(e0, "open")));
    ck_assert(number(e0, "ac_lost_s") == 2.0);
    const cJSON *e1 = cJSON_GetArrayItem(eps, 1);
    ck_assert(number(e1, "duration_s") == 179.9);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e1, "min_v")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "merged_episodes")),
                     2);

    const cJSON *ad1s = cJSON_GetObjectItemCaseSensitive(root, "ad1");
    ck_assert_int_eq(cJSON_GetArraySize(ad1s), 1);
    ck_assert(number(cJSON_GetArrayItem(ad1s, 0), "t_s") == 191.0);
    ck_assert_str_eq(string(cJSON_GetArrayItem(ad1s, 0), "source"), "ch-model");

    const cJSON *ch = json_check(root, "mp102a.ch");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ch, "ok")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ch, "marginal")));
    /* 2 s of AC Lost leave 168.000001 s; the second cut is 179.9 s. */
    const cJSON *esme = json_check(root, "mp102a.esme");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(esme, "ok")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(esme, "marginal")));
    const cJSON *waits = json_check(root, "profile.waits");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(waits, "ok")));
    ck_assert_str_eq(string(waits, "detail"), "the profile has no waits");
    const cJSON *ex = json_check(root, "expect:8");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ex, "ok")));
    ck_assert_ptr_nonnull(strstr(string(ex, "detail"), "\"expect max_outage < 3min\""));
    cJSON_Delete(root);
    free(text);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(json_error_and_samples)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    sample(&r, 0, 12.0f, 0);
    sample(&r, 5 * S, 11.3f, 0);
    r.end_us = 6 * S;
    rc_analysis *a = analyze(&r); /* no run_end: error */
    char *text = render(rc_report_json, a, NULL);
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(string(root, "verdict"), "error");
    ck_assert_str_eq(string(root, "error"), "the run did not complete: no run_end event");
    ck_assert_str_eq(string(root, "episodes_from"), "samples");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "trace")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "episodes")), 0);
    cJSON_Delete(root);
    free(text);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(junit_counts_and_classes)
{
    run r;
    rc_analysis *a = sample_run(&r);
    char *xml = render(rc_report_junit, a, &ctx);
    ck_assert_ptr_nonnull(strstr(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    ck_assert_ptr_nonnull(strstr(
        xml, "<testsuite name=\"railcut\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\">"));
    ck_assert_uint_eq(count(xml, "<testcase "), 4);
    ck_assert_uint_eq(count(xml, "classname=\"railcut.ota-reboot\""), 4);
    ck_assert_uint_eq(count(xml, "<failure message="), 1);
    ck_assert_uint_eq(count(xml, "<skipped message="), 1);
    ck_assert_ptr_nonnull(strstr(xml, "name=\"mp102a.ch\"/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>trace: runs/a.rct</system-out>"));
    ck_assert_ptr_nonnull(strstr(xml, "&quot;expect max_outage &lt; 3min&quot;"));
    ck_assert_ptr_null(strstr(xml, "< 3min"));
    free(xml);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(junit_escapes_and_error_case)
{
    run r;
    run_init(&r, RC_SCENARIO_TEST);
    add_expect(r.profile, RC_EXPECT_AD1, "expect ad1 <&\"'>", 2);
    r.end_us = 5 * S;
    r.damage = "bad <chunk> & \"more\" 'x'";
    rc_analysis *a = analyze(&r);
    rc_report_context c = {"a&b/p<1>.rail", "t\"'.rct", "sim", "night's <suite>"};
    char *xml = render(rc_report_junit, a, &c);
    ck_assert_ptr_nonnull(strstr(xml, "<testsuite name=\"night&apos;s &lt;suite&gt;\" tests=\"5\" "
                                      "failures=\"1\" errors=\"1\" skipped=\"2\">"));
    ck_assert_ptr_nonnull(strstr(xml, "classname=\"railcut.p&lt;1&gt;\""));
    ck_assert_ptr_nonnull(strstr(xml, "&quot;expect ad1 &lt;&amp;&quot;&apos;&gt;&quot;"));
    ck_assert_ptr_nonnull(strstr(xml, "name=\"run\">\n    <error message=\"trace damaged: bad "
                                      "&lt;chunk&gt; &amp; &quot;more&quot; &apos;x&apos;\">"));
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>trace: t&quot;&apos;.rct</system-out>"));
    /* Nothing unescaped between the markup. */
    ck_assert_ptr_null(strstr(xml, "<&"));
    ck_assert_ptr_null(strstr(xml, "'x'"));
    free(xml);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(text_report)
{
    run r;
    rc_analysis *a = sample_run(&r);
    char *text = render(rc_report_text, a, &ctx);
    ck_assert_msg(strncmp(text, "FAIL\n", 5) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "trace:    runs/a.rct\n"));
    ck_assert_ptr_nonnull(strstr(text, "scenario: ota\n"));
    ck_assert_ptr_nonnull(strstr(text, "longest interruption: 180.000001s raw"));
    ck_assert_ptr_nonnull(strstr(text, "179.9s"));
    ck_assert_ptr_nonnull(strstr(text, "0.250"));
    ck_assert_ptr_nonnull(strstr(text, "191 s  ch-model"));
    ck_assert_ptr_nonnull(strstr(text, "pass  mp102a.ch (marginal): "));
    ck_assert_ptr_nonnull(strstr(text, "pass  mp102a.esme (marginal): "));
    ck_assert_ptr_nonnull(strstr(text, "fail  expect:8 (marginal): \"expect max_outage < 3min\""));
    ck_assert_ptr_nonnull(strstr(text, "skip  profile.waits: the profile has no waits"));
    free(text);
    rc_analysis_free(a);
    run_free(&r);

    run_init(&r, RC_SCENARIO_TEST);
    up(&r, 1 * S);
    down(&r, 2 * S);
    ev(&r, 3 * S, RC_EV_RUN_END, 1, NULL);
    r.end_us = 3 * S;
    a = analyze(&r);
    text = render(rc_report_text, a, NULL);
    ck_assert_msg(strncmp(text, "ERROR\n", 6) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "error:    the run was stopped at 3 s\n"));
    ck_assert_ptr_nonnull(strstr(text, "3 (open)"));
    free(text);
    rc_analysis_free(a);
    run_free(&r);

    run_init(&r, RC_SCENARIO_TEST);
    finish(&r, 3 * S);
    a = analyze(&r);
    text = render(rc_report_text, a, &ctx);
    ck_assert_msg(strncmp(text, "PASS\n", 5) == 0, "%s", text);
    free(text);
    rc_analysis_free(a);
    run_free(&r);
}
END_TEST

START_TEST(report_bad_args)
{
    rc_error err;
    ck_assert_int_eq(rc_report_text(NULL, NULL, NULL, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_report_json(stdout, NULL, NULL, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_report_junit(stdout, NULL, NULL, &err), RC_ERR_ARG);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("analyze_report");
    TCase *tc = tcase_create("reports");
    tcase_add_test(tc, json_fields_round_trip);
    tcase_add_test(tc, json_error_and_samples);
    tcase_add_test(tc, junit_counts_and_classes);
    tcase_add_test(tc, junit_escapes_and_error_case);
    tcase_add_test(tc, text_report);
    tcase_add_test(tc, report_bad_args);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(report_suite());
}
