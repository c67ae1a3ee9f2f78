/*
 * test_suite_run.c - jobs and the suite runner on the sim backend: exact
 * figures from a job, every stage a job can stop at, the runner's results
 * in suite order with one or two threads, filtering, a case that cannot be
 * prepared, and the JSON and JUnit reports read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "railcut/suite.h"
#include "testutil.h"

#define PROFILES RC_FIXTURES_DIR "/profiles"

START_TEST(job_gives_exact_figures)
{
    rc_job job;
    rc_job_init(&job);
    const char *set[] = {"off=185s"};
    job.profile_path = PROFILES "/ota/reboot.rail";
    job.set = set;
    job.n_set = 1;
    rc_job_outcome out;
    rc_error err;
    const char *trace = rc_test_tmp_path("job.rct");
    ck_assert_int_eq(rc_job_run(&job, trace, &out, &err), RC_OK);
    ck_assert_int_eq(out.stage, RC_JOB_DONE);
    ck_assert_int_eq(out.run_status, RC_OK);
    ck_assert_int_eq(out.run.end, RC_RUN_COMPLETE);
    const rc_analysis *a = out.analysis;
    ck_assert_int_eq(a->verdict, RC_VERDICT_FAIL);
    /* Cut at 50 s; the rail falls under 8 V 16.786 ms later and is back 185 s
     * after the cut: a conformant CH sends AD1 180 s + 2 s after it fell. */
    ck_assert_uint_eq(a->n_raw, 1);
    ck_assert_int_eq(a->raw[0].start_us, 50016786);
    ck_assert_int_eq(a->max_outage_us, 184991718);
    ck_assert_uint_eq(a->n_ad1, 1);
    ck_assert_int_eq(a->ad1[0].t_us, 50016786 + 182000001);
    rc_analysis_free(out.analysis);
    struct stat sb;
    ck_assert_int_eq(stat(trace, &sb), 0);
}
END_TEST

START_TEST(job_stages)
{
    rc_job job;
    rc_job_init(&job);
    rc_job_outcome out;
    rc_error err;
    const char *trace = rc_test_tmp_path("stage.rct");

    job.profile_path = PROFILES "/ota/reboot.rail";
    const char *bad_ch[] = {"uvlo_off=7"};
    job.ch_set = bad_ch;
    job.n_ch_set = 1;
    ck_assert_int_eq(rc_job_run(&job, trace, &out, &err), RC_ERR_PARSE);
    ck_assert_int_eq(out.stage, RC_JOB_MODEL);
    ck_assert_ptr_nonnull(strstr(err.msg, "--ch-set uvlo_off=7"));
    const char *no_eq[] = {"boot"};
    job.ch_set = no_eq;
    ck_assert_int_eq(rc_job_run(&job, trace, &out, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "--ch-set boot: expected NAME=VALUE");
    job.n_ch_set = 0;

    const char *bad_set[] = {"nosuch=1s"};
    job.set = bad_set;
    job.n_set = 1;
    ck_assert_int_eq(rc_job_run(&job, trace, &out, &err), RC_ERR_NOT_FOUND);
    ck_assert_int_eq(out.stage, RC_JOB_PROFILE);
    job.n_set = 0;

    job.backend = "nosuch";
    ck_assert_int_eq(rc_job_run(&job, trace, &out, &err), RC_ERR_NOT_FOUND);
    ck_assert_int_eq(out.stage, RC_JOB_BACKEND);
    ck_assert_str_eq(err.msg, "no backend 'nosuch' (railcut backends lists them)");
    job.backend = "sim";

    ck_assert_int_eq(rc_job_run(&job, "/nonexistent-dir/x.rct", &out, &err), RC_ERR_IO);
    ck_assert_int_eq(out.stage, RC_JOB_TRACE);
    ck_assert_ptr_null(out.analysis);

    job.profile_path = NULL;
    ck_assert_int_eq(rc_job_run(&job, trace, &out, &err), RC_ERR_ARG);
}
END_TEST

START_TEST(job_stop_still_judged)
{
    volatile sig_atomic_t stop = 1;
    rc_job job;
    rc_job_init(&job);
    job.profile_path = PROFILES "/ota/reboot.rail";
    job.stop_requested = &stop;
    rc_job_outcome out;
    rc_error err;
    ck_assert_int_eq(rc_job_run(&job, rc_test_tmp_path("stop.rct"), &out, &err), RC_OK);
    ck_assert_int_eq(out.run_status, RC_ERR_INTERRUPTED);
    ck_assert_int_eq(out.run.end, RC_RUN_STOPPED);
    ck_assert_int_eq(out.stage, RC_JOB_DONE);
    ck_assert_int_eq(out.analysis->verdict, RC_VERDICT_ERROR);
    rc_analysis_free(out.analysis);
}
END_TEST

static const char suite_text[] =
    "suite unit\n"
    "case r172\n"
    "  profile \"" PROFILES "/ota/reboot.rail\"\n"
    "  set off=172s\n"
    "  expect verdict=pass mp102a.ch=pass mp102a.esme=pass\n"
    "end\n"
    "case r181\n"
    "  profile \"" PROFILES "/ota/reboot.rail\"\n"
    "  set off=181s\n"
    "  expect verdict=fail mp102a.ch=pass mp102a.esme=fail\n"
    "end\n"
    "case wrong\n"
    "  profile \"" PROFILES "/ota/reboot.rail\"\n"
    "  set off=181s\n"
    "  expect verdict=pass mp102a.esme=pass\n"
    "end\n"
    "case defect\n"
    "  profile \"" PROFILES "/ch-defects/double-ad1.rail\"\n"
    "  ch \"" RC_FIXTURES_DIR "/ch/defect-double-ad1.ini\"\n"
    "  expect verdict=fail mp102a.ch=fail\n"
    "end\n";

typedef struct seen {
    int calls;
    char order[8][32];
} seen;

static void on_done(void *ctx, const rc_case_result *r)
{
    seen *s = ctx;
    ck_assert_int_lt(s->calls, 8);
    snprintf(s->order[s->calls++], sizeof s->order[0], "%s", r->c->name);
}

static rc_case_result *run_suite(const rc_suite *s, unsigned jobs, const char *filter,
                                 seen *calls)
{
    rc_suite_run_options opt;
    rc_suite_run_options_init(&opt);
    const char *dir = rc_test_tmp_path("traces");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    opt.trace_dir = dir;
    opt.jobs = jobs;
    opt.filter = filter;
    opt.on_case_done = on_done;
    opt.ctx = calls;
    rc_case_result *r;
    rc_error err;
    ck_assert_int_eq(rc_suite_run(s, &opt, &r, &err), RC_OK);
    return r;
}

static void check_results(const rc_case_result *r)
{
    ck_assert_int_eq(r[0].outcome, RC_CASE_MATCHED);
    ck_assert_int_eq(r[0].job.analysis->max_outage_us, 171991718);
    ck_assert_int_eq(r[1].outcome, RC_CASE_MATCHED);
    ck_assert_int_eq(r[1].job.analysis->ad1[0].t_us, 232016787);
    ck_assert_int_eq(r[2].outcome, RC_CASE_MISMATCHED);
    ck_assert_str_eq(r[2].diff,
                     "expected verdict=pass, got fail: mp102a.esme failed: interruption at "
                     "50.016786 s lasted 180.991718 s (180.991718 s of it without AC Lost), "
                     "more than 180 s, expect:11 failed: \"expect no ad1\": 1 AD1, the first "
                     "at 232.016787 s, expect:12 failed: \"expect max_outage < 180s\": longest "
                     "interruption 180.991718 s, not below 180 s; expected mp102a.esme=pass, "
                     "got fail: interruption at 50.016786 s lasted 180.991718 s (180.991718 s "
                     "of it without AC Lost), more than 180 s");
    ck_assert_int_eq(r[3].outcome, RC_CASE_MATCHED);
    ck_assert_uint_eq(r[3].job.analysis->n_ad1, 2);
    ck_assert_ptr_nonnull(strstr(r[3].trace_path, "/defect.rct"));
}

START_TEST(runner_one_and_two_threads)
{
    rc_suite *s;
    rc_error err;
    ck_assert_int_eq(rc_suite_parse("unit.suite", suite_text, strlen(suite_text), &s, &err),
                     RC_OK);
    seen one = {0}, two = {0};
    rc_case_result *r1 = run_suite(s, 1, NULL, &one);
    ck_assert_int_eq(one.calls, 4);
    ck_assert_str_eq(one.order[0], "r172"); /* one thread: suite order */
    ck_assert_str_eq(one.order[3], "defect");
    check_results(r1);
    rc_case_result *r2 = run_suite(s, 2, NULL, &two);
    ck_assert_int_eq(two.calls, 4);
    check_results(r2);
    for (size_t i = 0; i < s->n_cases; i++)
        ck_assert_int_eq(r1[i].job.analysis->max_outage_us, r2[i].job.analysis->max_outage_us);
    rc_suite_results_free(r1, s->n_cases);
    rc_suite_results_free(r2, s->n_cases);
    rc_suite_free(s);
}
END_TEST

START_TEST(runner_filter_and_bad_case)
{
    rc_suite *s;
    rc_error err;
    ck_assert_int_eq(rc_suite_parse("unit.suite", suite_text, strlen(suite_text), &s, &err),
                     RC_OK);
    seen calls = {0};
    rc_case_result *r = run_suite(s, 2, "r1*", &calls);
    ck_assert_int_eq(calls.calls, 2);
    ck_assert_int_eq(r[0].outcome, RC_CASE_MATCHED);
    ck_assert_int_eq(r[1].outcome, RC_CASE_MATCHED);
    ck_assert_int_eq(r[2].outcome, RC_CASE_NOT_RUN);
    ck_assert_int_eq(r[3].outcome, RC_CASE_NOT_RUN);
    ck_assert_ptr_null(r[2].trace_path);
    rc_suite_results_free(r, s->n_cases);
    rc_suite_free(s);

    static const char bad[] = "case ok\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                              "  expect verdict=pass\nend\n"
                              "case broken\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                              "  set nosuch=1s\n  expect verdict=pass\nend\n";
    ck_assert_int_eq(rc_suite_parse("bad.suite", bad, strlen(bad), &s, &err), RC_OK);
    rc_suite_run_options opt;
    rc_suite_run_options_init(&opt);
    opt.trace_dir = "/nonexistent-dir";
    ck_assert_int_eq(rc_suite_run(s, &opt, &r, &err), RC_ERR_NOT_FOUND);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.msg, "bad.suite:5: case 'broken': "));
    /* Without the bad case, the missing directory fails each case's trace. */
    opt.filter = "ok*";
    ck_assert_int_eq(rc_suite_run(s, &opt, &r, &err), RC_OK);
    ck_assert_int_eq(r[0].outcome, RC_CASE_ERROR);
    ck_assert_int_eq(r[0].job.stage, RC_JOB_TRACE);
    ck_assert_ptr_nonnull(strstr(r[0].error.msg, "/nonexistent-dir/ok.rct"));
    rc_suite_results_free(r, s->n_cases);
    rc_suite_free(s);
}
END_TEST

/* Preparing checks every selected case, model parameters included, before
 * anything runs; a prepared suite runs once. */
START_TEST(prepare_then_execute)
{
    static const char text[] = "case ok\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                               "  expect verdict=pass\nend\n"
                               "case limit\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                               "  ch_set supply.current_limit=200mA\n  expect verdict=pass\nend\n";
    rc_suite *s;
    rc_error err;
    ck_assert_int_eq(rc_suite_parse("p.suite", text, strlen(text), &s, &err), RC_OK);
    rc_suite_run_options opt;
    rc_suite_run_options_init(&opt);
    const char *dir = rc_test_tmp_path("prepared");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    opt.trace_dir = dir;
    seen calls = {0};
    opt.on_case_done = on_done;
    opt.ctx = &calls;
    rc_suite_plan *plan;
    ck_assert_int_eq(rc_suite_prepare(s, &opt, &plan, &err), RC_ERR_ARG);
    ck_assert_ptr_null(plan);
    ck_assert_msg(strstr(err.msg, "p.suite:5: case 'limit': ") == err.msg, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "supply.current_limit"));
    ck_assert_int_eq(calls.calls, 0);

    opt.filter = "ok";
    ck_assert_int_eq(rc_suite_prepare(s, &opt, &plan, &err), RC_OK);
    ck_assert_int_eq(calls.calls, 0);
    rc_case_result *r = NULL;
    ck_assert_int_eq(rc_suite_execute(plan, &r, &err), RC_OK);
    ck_assert_int_eq(calls.calls, 1);
    ck_assert_int_eq(r[0].outcome, RC_CASE_MATCHED);
    ck_assert_int_eq(r[1].outcome, RC_CASE_NOT_RUN);
    rc_case_result *again = r;
    ck_assert_int_eq(rc_suite_execute(plan, &again, &err), RC_ERR_ARG);
    ck_assert_ptr_null(again);
    ck_assert_int_eq(calls.calls, 1);
    rc_suite_plan_free(plan);
    rc_suite_results_free(r, s->n_cases);
    rc_suite_free(s);
}
END_TEST

START_TEST(reports_read_back)
{
    rc_suite *s;
    rc_error err;
    ck_assert_int_eq(rc_suite_parse("unit.suite", suite_text, strlen(suite_text), &s, &err),
                     RC_OK);
    seen calls = {0};
    rc_case_result *r = run_suite(s, 2, NULL, &calls);
    const char *json_path = rc_test_tmp_path("suite.json");
    FILE *f = fopen(json_path, "w");
    ck_assert_int_eq(rc_suite_report_json(f, s, r, s->n_cases, &err), RC_OK);
    fclose(f);
    char *text = rc_test_read_file(json_path, NULL);
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "suite")->valuestring, "unit");
    ck_assert_int_eq(cJSON_GetObjectItem(j, "cases")->valueint, 4);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "matched")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "mismatched")->valueint, 1);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
    const cJSON *res = cJSON_GetObjectItem(j, "results");
    ck_assert_int_eq(cJSON_GetArraySize(res), 4);
    const cJSON *r181 = cJSON_GetArrayItem(res, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(r181, "outcome")->valuestring, "match");
    ck_assert_ptr_null(cJSON_GetObjectItem(r181, "result"));
    ck_assert_double_eq(cJSON_GetObjectItem(r181, "max_outage_s")->valuedouble, 180.991718);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(r181, "set"), 0)->valuestring,
                     "off=181s");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(r181, "expected"), "verdict")
                         ->valuestring,
                     "fail");
    const cJSON *wrong = cJSON_GetArrayItem(res, 2);
    ck_assert_str_eq(cJSON_GetObjectItem(wrong, "outcome")->valuestring, "mismatch");
    ck_assert_str_eq(cJSON_GetObjectItem(wrong, "differences")->valuestring, r[2].diff);
    cJSON_Delete(j);
    free(text);

    const char *xml_path = rc_test_tmp_path("suite.xml");
    f = fopen(xml_path, "w");
    ck_assert_int_eq(rc_suite_report_junit(f, s, r, s->n_cases, &err), RC_OK);
    fclose(f);
    text = rc_test_read_file(xml_path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "<testsuite name=\"unit\" tests=\"4\" failures=\"1\" "
                                       "errors=\"0\" skipped=\"0\""));
    ck_assert_ptr_nonnull(strstr(text, "<testcase classname=\"railcut.unit\" name=\"wrong\""));
    ck_assert_ptr_nonnull(strstr(text, "<failure message=\"expected verdict=pass, got fail: "));
    ck_assert_ptr_nonnull(strstr(text, "180 s; expected mp102a.esme=pass, got fail"));
    ck_assert_ptr_nonnull(strstr(text, "fail mp102a.ch: AD1 sent twice"));
    ck_assert_ptr_null(strstr(text, "<error"));
    free(text);
    rc_suite_results_free(r, s->n_cases);
    rc_suite_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("suite_run");
    TCase *tc = tcase_create("run");
    tcase_add_test(tc, job_gives_exact_figures);
    tcase_add_test(tc, job_stages);
    tcase_add_test(tc, job_stop_still_judged);
    tcase_add_test(tc, runner_one_and_two_threads);
    tcase_add_test(tc, runner_filter_and_bad_case);
    tcase_add_test(tc, prepare_then_execute);
    tcase_add_test(tc, reports_read_back);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
