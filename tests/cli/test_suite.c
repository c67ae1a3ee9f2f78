/*
 * test_suite.c - end-to-end tests of `railcut suite`: every suite in
 * fixtures/suites runs on sim and gives the verdicts it expects; each CH
 * defect fails in the way the defect predicts; exit codes, the table, the
 * JSON summary, the JUnit file, filters and kept traces.
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

static const char *tmp_file(const char *name, const char *text)
{
    const char *path = cli_tmp_path(name);
    cli_write_file(path, text);
    return path;
}

static cJSON *run_json(const char *suite, const char *extra, int want_exit)
{
    const char *json = cli_tmp_path("suite.json");
    cli_result r = cli_railcut("suite %s --json %s --trace-dir %s -q %s", suite, json,
                               cli_tmp_path("traces"), extra);
    ck_assert_msg(r.exit_code == want_exit, "exit %d for %s: %s%s", r.exit_code, suite, r.out,
                  r.err);
    cli_result_free(&r);
    char *text = cli_slurp(json, NULL);
    ck_assert_ptr_nonnull(text);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "not JSON: %.300s", text);
    free(text);
    return j;
}

static const cJSON *case_named(const cJSON *j, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(
        c, cJSON_GetObjectItem(
               j, "results")) if (strcmp(cJSON_GetObjectItem(c, "name")->valuestring, name) ==
                                  0) return c;
    ck_abort_msg("no case %s", name);
    return NULL;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    ck_assert_msg(cJSON_IsString(v), "%s is not a string", key);
    return v->valuestring;
}

static const char *check_detail(const cJSON *c, const char *name, const char *want_result)
{
    const cJSON *chk;
    cJSON_ArrayForEach(
        chk, cJSON_GetObjectItem(c, "checks")) if (strcmp(str(chk, "name"), name) == 0)
    {
        ck_assert_str_eq(str(chk, "result"), want_result);
        return str(chk, "detail");
    }
    ck_abort_msg("no check %s", name);
    return NULL;
}

/* Every case ran, matched, and its trace exists. */
static void all_matched(const cJSON *j, int want_cases)
{
    ck_assert_int_eq(cJSON_GetObjectItem(j, "cases")->valueint, want_cases);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "matched")->valueint, want_cases);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "results"))
    {
        ck_assert_msg(strcmp(str(c, "outcome"), "match") == 0, "case %s: %s", str(c, "name"),
                      cJSON_GetStringValue(cJSON_GetObjectItem(c, "differences")));
        struct stat sb;
        ck_assert_int_eq(stat(str(c, "trace"), &sb), 0);
    }
}

START_TEST(ch_suite_on_sim)
{
    cJSON *j = run_json(SUITES "/mp102a-ch.suite", "--jobs 2", 0);
    all_matched(j, 29);
    /* A conformant CH: silent up to 180 s, one AD1 past it. */
    const cJSON *c = case_named(j, "boundary-180s");
    ck_assert_str_eq(str(c, "verdict"), "pass");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c, "ad1_s")), 0);
    c = case_named(j, "boundary-180.1s");
    ck_assert_str_eq(str(c, "verdict"), "fail");
    ck_assert_double_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "ad1_s"), 0)->valuedouble,
                        232.016787);
    check_detail(c, "mp102a.ch", "pass");
    check_detail(c, "mp102a.esme", "fail");
    c = case_named(j, "mains-181s");
    ck_assert_str_eq(str(c, "verdict"), "pass");
    check_detail(c, "mp102a.esme", "skip");
    cJSON_Delete(j);
}
END_TEST

START_TEST(esme_suite_on_sim)
{
    cJSON *j = run_json(SUITES "/mp102a-esme.suite", "", 0);
    all_matched(j, 28);
    ck_assert_str_eq(str(case_named(j, "reboot-179.9s"), "verdict"), "pass");
    ck_assert_str_eq(str(case_named(j, "reboot-180.1s"), "verdict"), "fail");
    const cJSON *c = case_named(j, "staged-50ms");
    ck_assert_ptr_nonnull(strstr(check_detail(c, "mp102a.esme", "fail"), "more than 180 s"));
    ck_assert_double_eq(cJSON_GetObjectItem(c, "max_outage_s")->valuedouble, 99.996731);
    ck_assert_double_eq(cJSON_GetObjectItem(c, "max_merged_outage_s")->valuedouble, 200.041718);
    ck_assert_str_eq(str(case_named(j, "staged-1s"), "verdict"), "pass");
    cJSON_Delete(j);
}
END_TEST

START_TEST(defects_fail_as_predicted)
{
    cJSON *j = run_json(SUITES "/defects.suite", "--jobs 2", 0);
    all_matched(j, 12);
    static const struct {
        const char *name;
        const char *predicted;
    } defects[] = {
        {"short-restore-defect", "but no interruption exceeded 180 s (longest 99.996731 s)"},
        {"timer-offset-defect", "AD1 at 222.016787 s but no interruption exceeded 180 s"},
        {"no-ad1-defect", "no AD1 for the interruption of 199.991718 s"},
        {"double-ad1-defect", "AD1 sent twice for the interruption at 30.066786 s"},
    };
    for (size_t i = 0; i < sizeof defects / sizeof defects[0]; i++) {
        const char *detail = check_detail(case_named(j, defects[i].name), "mp102a.ch", "fail");
        ck_assert_msg(strstr(detail, defects[i].predicted), "%s: %s", defects[i].name, detail);
    }
    check_detail(case_named(j, "double-ad1-conformant"), "mp102a.ch", "pass");
    cJSON_Delete(j);
}
END_TEST

START_TEST(table_junit_and_mismatch)
{
    const char *suite =
        tmp_file("mixed.suite", "suite mixed\n"
                                "case good\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                                "  expect verdict=pass\nend\n"
                                "case wrong\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                                "  set off=181s\n  expect verdict=fail mp102a.ch=fail\nend\n"
                                "case staged\n  profile \"" PROFILES "/ota/staged-50ms.rail\"\n"
                                "  expect verdict=fail\nend\n");
    const char *xml = cli_tmp_path("mixed.xml");
    cli_result r =
        cli_railcut("suite %s --junit %s --trace-dir %s", suite, xml, cli_tmp_path("tr"));
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "case    outage s     merged s     AD1 s         verdict  "
                                 "expected  result\n"));
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "good    9.991718     9.991718     -             pass     "
                                 "pass      ok\n"));
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "wrong   180.991718   180.991718   232.016787    fail     "
                                 "fail      MISMATCH\n"));
    /* Short raw interruptions, one long merged outage: the table shows why. */
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "staged  99.996731    200.041718   -             fail     "
                                 "fail      ok\n"));
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "    expected mp102a.ch=fail, got pass: interruption of "
                                 "180.991718 s at 50.016786 s, AD1 at 232.016787 s"));
    ck_assert_ptr_nonnull(strstr(r.out, "3 cases: 2 as expected, 1 not, 0 errors"));
    cli_result_free(&r);
    char *text = cli_slurp(xml, NULL);
    ck_assert_ptr_nonnull(strstr(text, "tests=\"3\" failures=\"1\" errors=\"0\""));
    ck_assert_ptr_nonnull(strstr(text, "name=\"good\""));
    ck_assert_ptr_nonnull(
        strstr(text, "<failure message=\"expected mp102a.ch=fail, got pass: "));
    ck_assert_ptr_nonnull(strstr(text, "/wrong.rct"));
    free(text);

    /* Filtered to the good case only: exit 0; nothing matches: usage. */
    r = cli_railcut("suite %s --filter goo -q --trace-dir %s", suite, cli_tmp_path("tr"));
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_str_eq(r.out, "");
    cli_result_free(&r);
    r = cli_railcut("suite %s --filter 'x*' --trace-dir %s", suite, cli_tmp_path("tr"));
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no case matches the filter"));
    cli_result_free(&r);
}
END_TEST

START_TEST(default_trace_dir)
{
    const char *suite = tmp_file("one.suite", "suite one\ncase only\n  profile \"" PROFILES
                                              "/ota/reboot.rail\"\n"
                                              "  set off=2s\n  expect verdict=pass\nend\n");
    cli_result r = cli_railcut("suite %s --json -", suite);
    ck_assert_int_eq(r.exit_code, 0);
    cJSON *j = cJSON_Parse(r.out);
    ck_assert_ptr_nonnull(j);
    const char *trace = str(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "results"), 0), "trace");
    ck_assert_msg(strncmp(trace, "traces/one-", 11) == 0, "trace %s", trace);
    ck_assert_ptr_nonnull(strstr(trace, "Z/only.rct"));
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", RC_CLI_TMP_DIR, trace);
    struct stat sb;
    ck_assert_int_eq(stat(full, &sb), 0);
    ck_assert_ptr_nonnull(strstr(r.err, "only")); /* the table moves to stderr */
    cJSON_Delete(j);
    cli_result_free(&r);
}
END_TEST

START_TEST(exit_codes_for_bad_input)
{
    cli_result r = cli_railcut("suite");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("suite --help");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--jobs N"));
    cli_result_free(&r);
    r = cli_railcut("suite %s --jobs 0", SUITES "/defects.suite");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--jobs: '0' is not a number from 1 to 64"));
    cli_result_free(&r);
    r = cli_railcut("suite /nonexistent.suite");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot open suite '/nonexistent.suite'"));
    cli_result_free(&r);

    const char *bad = tmp_file("bad.suite", "case a\n  profil \"x\"\nend\n");
    r = cli_railcut("suite %s", bad);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "bad.suite:2:3: unknown command 'profil' in a case"));
    cli_result_free(&r);

    /* A case whose profile does not compile: nothing runs, no trace directory is left. */
    const char *dir = cli_tmp_path("unused");
    const char *broken =
        tmp_file("broken.suite", "case a\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                                 "  set off=3\n  expect verdict=pass\nend\n");
    r = cli_railcut("suite %s --trace-dir %s", broken, dir);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "case 'a': "));
    ck_assert_ptr_nonnull(strstr(r.err, "needs a unit"));
    struct stat sb;
    ck_assert_int_ne(stat(dir, &sb), 0);
    cli_result_free(&r);

    const char *nobackend =
        tmp_file("nb.suite", "case a\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                             "  expect verdict=pass\nend\n");
    r = cli_railcut("suite %s --backend nosuch --trace-dir %s", nobackend, dir);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no backend 'nosuch'"));
    cli_result_free(&r);

    /* I/O: an unwritable report or trace directory. */
    r = cli_railcut("suite %s --junit /nonexistent-dir/x.xml --trace-dir %s", nobackend, dir);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent-dir/x.xml"));
    cli_result_free(&r);
    r = cli_railcut("suite %s --trace-dir /nonexistent-dir/t", nobackend);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot create directory"));
    cli_result_free(&r);
}
END_TEST

/* A bad case is found before anything is written: existing reports keep
 * their contents, no table is printed, no trace directory is left. A model
 * parameter out of its range counts as bad, like a profile that does not
 * compile. */
/* mp102a-ch.suite with one more suite-wide ch_set line; its relative paths
 * made absolute so the copy can live in the tmp directory. */
static const char *ch_suite_with(const char *ch_set)
{
    char *text = cli_slurp(SUITES "/mp102a-ch.suite", NULL);
    ck_assert_ptr_nonnull(text);
    const char *first_case = strstr(text, "\ncase ");
    ck_assert_ptr_nonnull(first_case);
    static char out[65536];
    size_t used = 0;
    for (const char *p = text; *p; p++) {
        ck_assert_uint_lt(used + 600, sizeof out);
        if (p == first_case + 1)
            used += (size_t)snprintf(out + used, sizeof out - used, "ch_set %s\n", ch_set);
        if (strncmp(p, "\"../", 4) == 0) {
            used += (size_t)snprintf(out + used, sizeof out - used, "\"%s/", RC_FIXTURES_DIR);
            p += 3;
            continue;
        }
        out[used++] = *p;
    }
    out[used] = '\0';
    free(text);
    return tmp_file("ch-offset.suite", out);
}

/* The exact boundary cases see interruptions of 180 s and 180.000001 s, so a
 * CH outage timer off by one microsecond either way mismatches one of them. */
START_TEST(exact_boundary_catches_one_microsecond)
{
    cJSON *j =
        run_json(ch_suite_with("defect_timer_offset=0us"), "--filter 'boundary-exact*'", 0);
    ck_assert_double_eq(
        cJSON_GetObjectItem(case_named(j, "boundary-exact-180s"), "max_outage_s")->valuedouble,
        180.0);
    ck_assert_double_eq(
        cJSON_GetObjectItem(case_named(j, "boundary-exact-180.000001s"), "max_outage_s")
            ->valuedouble,
        180.000001);
    cJSON_Delete(j);

    j = run_json(ch_suite_with("defect_timer_offset=-1us"), "--filter 'boundary-exact*'", 1);
    ck_assert_str_eq(str(case_named(j, "boundary-exact-180s"), "outcome"), "mismatch");
    ck_assert_str_eq(str(case_named(j, "boundary-exact-180.000001s"), "outcome"), "match");
    cJSON_Delete(j);

    j = run_json(ch_suite_with("defect_timer_offset=1us"), "--filter 'boundary-exact*'", 1);
    ck_assert_str_eq(str(case_named(j, "boundary-exact-180s"), "outcome"), "match");
    ck_assert_str_eq(str(case_named(j, "boundary-exact-180.000001s"), "outcome"), "mismatch");
    cJSON_Delete(j);
}
END_TEST

START_TEST(bad_case_leaves_reports_alone)
{
    const char *json = tmp_file("old.json", "{\"old\":true}\n");
    const char *xml = tmp_file("old.xml", "<old/>\n");
    const char *dir = cli_tmp_path("never");
    const char *suite = tmp_file(
        "badch.suite", "case good\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                       "  expect verdict=pass\nend\n"
                       "case limit\n  profile \"" PROFILES "/ota/reboot.rail\"\n"
                       "  ch_set supply.current_limit=200mA\n  expect verdict=pass\nend\n");
    cli_result r =
        cli_railcut("suite %s --json %s --junit %s --trace-dir %s", suite, json, xml, dir);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_msg(strstr(r.err, "badch.suite:5: case 'limit': ") != NULL, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "supply.current_limit"));
    ck_assert_str_eq(r.out, "");
    cli_result_free(&r);
    char *text = cli_slurp(json, NULL);
    ck_assert_str_eq(text, "{\"old\":true}\n");
    free(text);
    text = cli_slurp(xml, NULL);
    ck_assert_str_eq(text, "<old/>\n");
    free(text);
    struct stat sb;
    ck_assert_int_ne(stat(dir, &sb), 0);

    r = cli_railcut("suite %s --json - --trace-dir %s", suite, dir);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_str_eq(r.out, "");
    cli_result_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_suite");
    TCase *tc = tcase_create("suite");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ch_suite_on_sim);
    tcase_add_test(tc, esme_suite_on_sim);
    tcase_add_test(tc, defects_fail_as_predicted);
    tcase_add_test(tc, table_junit_and_mismatch);
    tcase_add_test(tc, default_trace_dir);
    tcase_add_test(tc, exit_codes_for_bad_input);
    tcase_add_test(tc, bad_case_leaves_reports_alone);
    tcase_add_test(tc, exact_boundary_catches_one_microsecond);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
