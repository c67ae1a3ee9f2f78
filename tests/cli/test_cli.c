/*
 * test_cli.c - end-to-end tests of the railcut command line: real commands,
 * real traces, exit codes, error messages and the JSON report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "harness.h"

START_TEST(help_and_version)
{
    cli_result r = cli_railcut("--help");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "exit codes"));
    cli_result_free(&r);
    r = cli_railcut("run --help");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--set NAME=VALUE"));
    cli_result_free(&r);
    r = cli_railcut("frobnicate");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown command"));
    cli_result_free(&r);
    r = cli_railcut("backends");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "sim"));
    cli_result_free(&r);
}
END_TEST

START_TEST(demo_run_passes_and_writes_trace)
{
    const char *trace = cli_tmp_path("demo.rct");
    cli_result r = cli_railcut("run %s/ota-reboot.rail --trace %s --json -", PROFILES, trace);
    ck_assert_msg(r.exit_code == 0, "exit %d: %s", r.exit_code, r.err);
    cJSON *j = cli_parse_json(r.out);
    ck_assert_str_eq(cli_verdict(j), "pass");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cli_check_named(j, "mp102a.ch"), "ok")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cli_check_named(j, "mp102a.esme"), "ok")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ad1")), 0);
    const cJSON *episodes = cJSON_GetObjectItem(j, "episodes");
    ck_assert_int_ge(cJSON_GetArraySize(episodes), 1);
    double max_outage = cJSON_GetObjectItem(j, "max_outage_s")->valuedouble;
    ck_assert_msg(max_outage > 170.0 && max_outage < 180.0, "max outage %f", max_outage);
    ck_assert_ptr_nonnull(strstr(r.err, "PASS"));
    cJSON_Delete(j);
    cli_result_free(&r);

    r = cli_railcut("info %s", trace);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "backend     sim"));
    ck_assert_ptr_nonnull(strstr(r.out, "scenario    ota"));
    ck_assert_ptr_nonnull(strstr(r.out, "run ended at"));
    cli_result_free(&r);

    r = cli_railcut("analyze %s --json -", trace);
    ck_assert_int_eq(r.exit_code, 0);
    j = cli_parse_json(r.out);
    ck_assert_str_eq(cli_verdict(j), "pass");
    ck_assert(cJSON_GetObjectItem(j, "max_outage_s")->valuedouble == max_outage);
    cJSON_Delete(j);
    cli_result_free(&r);
}
END_TEST

START_TEST(long_cut_fails_esme_check_and_raises_ad1)
{
    const char *junit = cli_tmp_path("long.xml");
    cli_result r =
        cli_railcut("run %s/ota-reboot.rail --set off=185s --trace %s --json - --junit %s",
                    PROFILES, cli_tmp_path("long.rct"), junit);
    ck_assert_msg(r.exit_code == 1, "exit %d: %s", r.exit_code, r.err);
    cJSON *j = cli_parse_json(r.out);
    ck_assert_str_eq(cli_verdict(j), "fail");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cli_check_named(j, "mp102a.esme"), "ok")));
    /* The simulated CH is conformant: it must report the real interruption. */
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cli_check_named(j, "mp102a.ch"), "ok")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ad1")), 1);
    cJSON_Delete(j);
    cli_result_free(&r);
    char *xml = cli_slurp(junit, NULL);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "<testsuite"));
    ck_assert_ptr_nonnull(strstr(xml, "<failure"));
    free(xml);
}
END_TEST

START_TEST(scenario_override_skips_esme_check)
{
    cli_result r =
        cli_railcut("run %s/ota-reboot.rail --set off=185s --scenario test --trace %s --json -",
                    PROFILES, cli_tmp_path("test.rct"));
    cJSON *j = cli_parse_json(r.out);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cli_check_named(j, "mp102a.esme"), "ok")));
    cJSON_Delete(j);
    cli_result_free(&r);
}
END_TEST

START_TEST(defective_ch_is_caught)
{
    cli_result r =
        cli_railcut("run %s/ota-reboot.rail --set off=200s --ch %s/defect-no-ad1.ini "
                    "--scenario test --trace %s --json -",
                    PROFILES, CH_FILES, cli_tmp_path("defect.rct"));
    ck_assert_msg(r.exit_code == 1, "exit %d: %s", r.exit_code, r.err);
    cJSON *j = cli_parse_json(r.out);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cli_check_named(j, "mp102a.ch"), "ok")));
    cJSON_Delete(j);
    cli_result_free(&r);
}
END_TEST

START_TEST(bad_profile_names_file_line_col)
{
    const char *path = cli_tmp_path("bad.rail");
    FILE *f = fopen(path, "w");
    fputs("scenario ota\nrestore\nhold 10 parsecs\n", f);
    fclose(f);
    const char *trace = cli_tmp_path("never.rct");
    cli_result r = cli_railcut("run %s --trace %s", path, trace);
    ck_assert_int_eq(r.exit_code, 2);
    char where[600];
    snprintf(where, sizeof where, "%s:3:", path);
    ck_assert_msg(strstr(r.err, where) != NULL, "no %s in: %s", where, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "^"));
    struct stat sb;
    ck_assert_msg(stat(trace, &sb) != 0, "a bad profile must not start a run");
    cli_result_free(&r);
}
END_TEST

START_TEST(bad_csv_names_file_line)
{
    const char *path = cli_tmp_path("bad.csv");
    FILE *f = fopen(path, "w");
    fputs("time_s,rail_v\n0,12\n5,12\n4,0\n", f);
    fclose(f);
    cli_result r = cli_railcut("run %s --trace %s", path, cli_tmp_path("never.rct"));
    ck_assert_int_eq(r.exit_code, 2);
    char where[600];
    snprintf(where, sizeof where, "%s:4:", path);
    ck_assert_msg(strstr(r.err, where) != NULL, "no %s in: %s", where, r.err);
    cli_result_free(&r);
}
END_TEST

START_TEST(csv_waveform_runs)
{
    const char *path = cli_tmp_path("wave.csv");
    FILE *f = fopen(path, "w");
    fputs(
        "time_s,rail_v,ac_lost\n0,12,0\n60,12,0\n60.001,0,0\n100,0,0\n100.001,12,0\n130,12,0\n",
        f);
    fclose(f);
    cli_result r = cli_railcut("run %s --trace %s --json -", path, cli_tmp_path("wave.rct"));
    ck_assert_msg(r.exit_code == 0, "exit %d: %s", r.exit_code, r.err);
    cJSON *j = cli_parse_json(r.out);
    ck_assert_str_eq(cli_verdict(j), "pass");
    ck_assert_int_ge(cJSON_GetArraySize(cJSON_GetObjectItem(j, "episodes")), 1);
    cJSON_Delete(j);
    cli_result_free(&r);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    cli_result r = cli_railcut("run %s/ota-reboot.rail --backend nosuch", PROFILES);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "nosuch"));
    cli_result_free(&r);
    r = cli_railcut("run %s/ota-reboot.rail --set nosuch=1s", PROFILES);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "nosuch"));
    cli_result_free(&r);
    r = cli_railcut("run %s/ota-reboot.rail --ch-set nosuch=1s", PROFILES);
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("run %s/ota-reboot.rail --guard soon", PROFILES);
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("run");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

START_TEST(bad_model_or_analysis_options_never_start_a_run)
{
    static const char *const options[] = {
        "--ch-set supply.current_limit=200mA",
        "--ch-set uvlo_on=7V",
        "--outage-below 10V",
        "--merge-gap -1s",
        "--guard -1s",
    };
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const char *trace = cli_tmp_path("never.rct");
        cli_result r =
            cli_railcut("run %s/ota-reboot.rail %s --trace %s", PROFILES, options[i], trace);
        ck_assert_msg(r.exit_code == 2, "%s: exit %d", options[i], r.exit_code);
        struct stat sb;
        ck_assert_msg(stat(trace, &sb) != 0, "%s: a trace was written", options[i]);
        cli_result_free(&r);
    }
}
END_TEST

START_TEST(unwritable_trace_fails_before_run)
{
    cli_result r =
        cli_railcut("run %s/ota-reboot.rail --trace /nonexistent-dir/x.rct", PROFILES);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent-dir/x.rct"));
    cli_result_free(&r);
}
END_TEST

START_TEST(truncated_trace_is_reported)
{
    const char *trace = cli_tmp_path("cut.rct");
    cli_result r = cli_railcut("run %s/ota-reboot.rail --trace %s -q", PROFILES, trace);
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    struct stat sb;
    ck_assert_int_eq(stat(trace, &sb), 0);
    ck_assert_int_eq(truncate(trace, sb.st_size * 2 / 3), 0);
    r = cli_railcut("info %s", trace);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.out, "DAMAGED"));
    cli_result_free(&r);
    r = cli_railcut("analyze %s --json -", trace);
    ck_assert_int_eq(r.exit_code, 3);
    cJSON *j = cli_parse_json(r.out);
    ck_assert_str_eq(cli_verdict(j), "error");
    cJSON_Delete(j);
    cli_result_free(&r);
}
END_TEST

START_TEST(check_lists_segments)
{
    cli_result r = cli_railcut("check %s/ota-reboot.rail --set off=179.9s", PROFILES);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "179.9s"));
    ck_assert_ptr_nonnull(strstr(r.out, "observe"));
    cli_result_free(&r);
}
END_TEST

/* An expectation from an included file is listed as file:line, as the
 * analyzer names its check (expect:inc-expect.rail:2). */
START_TEST(check_names_included_expectations)
{
    mkdir(RC_CLI_TMP_DIR "/check-include", 0777);
    cli_write_file(RC_CLI_TMP_DIR "/check-include/inc-expect.rail", "cut\nexpect no ad1\n");
    cli_write_file(RC_CLI_TMP_DIR "/check-include/main.rail",
                   "hold 1s\ninclude \"inc-expect.rail\"\nhold 2s\nexpect max_outage < 3s\n");
    cli_result r = cli_railcut("check check-include/main.rail");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_msg(strstr(r.out, "expectations:\n  inc-expect.rail:2: expect no ad1\n"
                                "  line 4: expect max_outage < 3s\n"),
                  "%s", r.out);
    cli_result_free(&r);
}
END_TEST

/* The word after `key ` in text, e.g. "pass" for "mp102a.ch pass (no AD1)". */
static void word_after(const char *text, const char *key, char *out, size_t len)
{
    const char *at = strstr(text, key);
    ck_assert_msg(at != NULL, "no '%s' in: %s", key, text);
    at += strlen(key);
    size_t n = strspn(at, "abcdefghijklmnopqrstuvwxyz");
    ck_assert_int_lt(n, len);
    memcpy(out, at, n);
    out[n] = '\0';
}

static const char *check_state(const cJSON *report, const char *name)
{
    const cJSON *ok = cJSON_GetObjectItem(cli_check_named(report, name), "ok");
    return cJSON_IsTrue(ok) ? "pass" : cJSON_IsFalse(ok) ? "fail" : "skip";
}

/* Each example profile says in its header comment which verdict it gives
 * with its defaults and how the MP102A checks come out; running it gives that. */
START_TEST(example_profiles_give_their_stated_verdict)
{
    static const char *const names[] = {"ota-reboot", "ota-off", "mains-outage",
                                        "staged-activation"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.rail", PROFILES, names[i]);
        char *text = cli_slurp(path, NULL);
        ck_assert_ptr_nonnull(text);
        const char *stated = strstr(text, "# Expected verdict");
        ck_assert_msg(stated != NULL, "%s states no expected verdict", names[i]);
        char want[16], got[16];
        word_after(stated, ": ", want, sizeof want);
        cli_result r =
            cli_railcut("run %s --trace %s --json - -q", path, cli_tmp_path("example.rct"));
        cJSON *j = cli_parse_json(r.out);
        ck_assert_msg(strcmp(cli_verdict(j), want) == 0, "%s: verdict %s, comment says %s",
                      names[i], cli_verdict(j), want);
        static const char *const checks[] = {"mp102a.ch", "mp102a.esme"};
        for (size_t k = 0; k < 2; k++) {
            char key[32];
            snprintf(key, sizeof key, "%s ", checks[k]);
            word_after(stated, key, want, sizeof want);
            snprintf(got, sizeof got, "%s", check_state(j, checks[k]));
            ck_assert_msg(strcmp(got, want) == 0, "%s: %s %s, comment says %s", names[i],
                          checks[k], got, want);
        }
        cJSON_Delete(j);
        cli_result_free(&r);
        free(text);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, demo_run_passes_and_writes_trace);
    tcase_add_test(tc, long_cut_fails_esme_check_and_raises_ad1);
    tcase_add_test(tc, scenario_override_skips_esme_check);
    tcase_add_test(tc, defective_ch_is_caught);
    tcase_add_test(tc, bad_profile_names_file_line_col);
    tcase_add_test(tc, bad_csv_names_file_line);
    tcase_add_test(tc, csv_waveform_runs);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_test(tc, bad_model_or_analysis_options_never_start_a_run);
    tcase_add_test(tc, unwritable_trace_fails_before_run);
    tcase_add_test(tc, truncated_trace_is_reported);
    tcase_add_test(tc, check_lists_segments);
    tcase_add_test(tc, check_names_included_expectations);
    tcase_add_test(tc, example_profiles_give_their_stated_verdict);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
