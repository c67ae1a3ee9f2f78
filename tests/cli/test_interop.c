/*
 * test_interop.c - railcut export, import, replay and diff end to end: a
 * real run on sim, its exports checked (the sigrok session by sigrok-cli
 * itself), read back, replayed into the sim CH and compared; bad input
 * gives file:line messages and exit 2.
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

/* One recorded OTA run shared by the tests (made once per process). */
static const char *recorded(void)
{
    static char path[512];
    if (path[0])
        return path;
    snprintf(path, sizeof path, "%s", cli_tmp_path("ota.rct"));
    cli_result r =
        cli_railcut("run " PROFILES "/ota-reboot.rail --set off=185s -q --trace %s", path);
    ck_assert_msg(r.exit_code <= 1, "run failed: %s", r.err);
    cli_result_free(&r);
    return path;
}

START_TEST(export_csv_reads_back_and_runs)
{
    const char *csv = cli_tmp_path("ota.csv");
    cli_result r = cli_railcut("export %s --format csv -o %s", recorded(), csv);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.err, " samples, "));
    cli_result_free(&r);
    char *text = cli_slurp(csv, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\ntime_s,rail_v,rail_a,ac_lost,ch_state\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n# event,"));
    ck_assert_ptr_nonnull(strstr(text, ",ad1,"));
    free(text);
    const char *back = cli_tmp_path("back.rct");
    r = cli_railcut("import %s -o %s", csv, back);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "1000 Hz"));
    cli_result_free(&r);
    r = cli_railcut("diff %s %s --align start --tol-v 0.001V --tol-t 1ms", recorded(), back);
    ck_assert_msg(r.exit_code == 0, "%s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "result: within tolerances"));
    cli_result_free(&r);
}
END_TEST

START_TEST(export_vcd_and_span)
{
    const char *vcd = cli_tmp_path("ota.vcd");
    cli_result r =
        cli_railcut("export %s --format vcd -o %s --from 50s --to 60s --channels rail_v,events",
                    recorded(), vcd);
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    char *text = cli_slurp(vcd, NULL);
    ck_assert_ptr_nonnull(strstr(text, "$timescale 1 us $end\n"));
    ck_assert_ptr_nonnull(strstr(text, "$var real 64 ! rail_v $end\n"));
    ck_assert_ptr_null(strstr(text, "rail_a"));
    ck_assert_ptr_nonnull(strstr(text, "ev_rail_fall"));
    ck_assert_ptr_nonnull(strstr(text, "$enddefinitions $end\n#50000000\n$dumpvars\n"));
    ck_assert_ptr_null(strstr(text, "\n#60000000\n"));
    free(text);
}
END_TEST

START_TEST(export_sr_opens_in_sigrok_cli)
{
    const char *sr = cli_tmp_path("ota.sr");
    cli_result r = cli_railcut("export %s --format sr -o %s", recorded(), sr);
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    r = cli_shell("sigrok-cli -i %s --show", sr);
    ck_assert_msg(r.exit_code == 0, "sigrok-cli: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "Samplerate: 1000\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "- ac_lost: logic\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "- rail_v: analog\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "- rail_a: analog\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "- ch_state: analog\n"));
    cli_result_free(&r);
    /* Values: the rail of the first samples, as sigrok-cli prints them. */
    /* Values as sigrok decodes them (its analog output module exits 1 even
     * on its own demo sessions, so the csv one is used). */
    r = cli_shell("sigrok-cli -i %s -O csv", sr);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "; Channels (4/4): ac_lost, rail_v, rail_a, ch_state\n"
                                        "; Samplerate: 1 kHz\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "rail_v: 0.00 V DC\nrail_v: 2.12 V DC\n"));
    cli_result_free(&r);
    const char *back = cli_tmp_path("sr-back.rct");
    r = cli_railcut("import %s -o %s", sr, back);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    /* An imported capture is judged like a finished run, episodes from the
     * samples: the 185 s cut is there, the AD1 (an event) is not, so the CH
     * check fails rather than the verdict being an error. */
    r = cli_railcut("analyze %s", back);
    ck_assert_msg(r.exit_code == 1, "%s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "(episodes from samples)"));
    ck_assert_ptr_nonnull(strstr(r.out, "fail  mp102a.ch"));
    cli_result_free(&r);
    /* A sigrok session has no events: the rail comes back exactly, the AD1 not. */
    r = cli_railcut("diff %s %s --align start --tol-v 0V --tol-t 1ms", recorded(), back);
    ck_assert_msg(r.exit_code == 1, "%s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "max rail deviation: 0.000 V"));
    ck_assert_ptr_nonnull(strstr(r.out, "result: AD1 count differs: A 1, B 0"));
    cli_result_free(&r);
}
END_TEST

START_TEST(replay_and_run_trace)
{
    const char *replayed = cli_tmp_path("replayed.rct");
    const char *json = cli_tmp_path("replay.json");
    cli_result r =
        cli_railcut("replay %s --tol 5mV -q --trace %s --json %s", recorded(), replayed, json);
    ck_assert_msg(r.exit_code <= 1, "%s", r.err);
    cli_result_free(&r);
    char *text = cli_slurp(json, NULL);
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    cJSON_Delete(j);
    free(text);
    r = cli_railcut("info %s", replayed);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "tol = 5mV"));
    ck_assert_ptr_nonnull(strstr(r.out, "scenario    ota"));
    cli_result_free(&r);
    const char *diff_json = cli_tmp_path("diff.json");
    r = cli_railcut("diff %s %s --json %s", recorded(), replayed, diff_json);
    ck_assert_msg(r.exit_code == 0, "%s%s", r.out, r.err);
    cli_result_free(&r);
    text = cli_slurp(diff_json, NULL);
    j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "within")));
    ck_assert_int_eq(cJSON_GetObjectItem(j, "ad1_a")->valueint,
                     cJSON_GetObjectItem(j, "ad1_b")->valueint);
    cJSON_Delete(j);
    free(text);
    const char *run_trace = cli_tmp_path("run-trace.rct");
    r = cli_railcut("run %s -q --set tol=0V --trace %s", recorded(), run_trace);
    ck_assert_msg(r.exit_code <= 1, "%s", r.err);
    cli_result_free(&r);
    r = cli_railcut("run %s -q --set off=3s", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "a replayed trace has one parameter, tol"));
    cli_result_free(&r);
}
END_TEST

START_TEST(diff_exit_codes)
{
    const char *longer = cli_tmp_path("longer.rct");
    cli_result r =
        cli_railcut("run " PROFILES "/ota-reboot.rail --set off=190s -q --trace %s", longer);
    ck_assert_int_le(r.exit_code, 1);
    cli_result_free(&r);
    r = cli_railcut("diff %s %s", recorded(), longer);
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "result: episode 1 differs"));
    cli_result_free(&r);
    r = cli_railcut("diff %s %s --tol-t 6s", recorded(), longer);
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    r = cli_railcut("diff %s %s --align mark:nowhere", recorded(), longer);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no mark:nowhere event"));
    cli_result_free(&r);
    r = cli_railcut("diff %s", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("diff %s /nonexistent.rct", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

START_TEST(bad_input_exit_2)
{
    const char *csv = cli_tmp_path("bad.csv");
    FILE *f = fopen(csv, "w");
    fputs("time_s,rail_v\n0,12\n0.5,12\n0.5,0\n", f);
    fclose(f);
    const char *out = cli_tmp_path("bad.rct");
    cli_result r = cli_railcut("import %s -o %s", csv, out);
    ck_assert_int_eq(r.exit_code, 2);
    char want[600];
    snprintf(want, sizeof want, "%s:4: time does not increase (previous row at line 3)", csv);
    ck_assert_msg(strstr(r.err, want), "%s", r.err);
    ck_assert_int_ne(access(out, F_OK), 0);
    cli_result_free(&r);
    f = fopen(csv, "w");
    fputs("time_s,rail_v\n0,12\n0.5,", f); /* truncated mid-row */
    fclose(f);
    r = cli_railcut("import %s -o %s", csv, out);
    ck_assert_int_eq(r.exit_code, 2);
    snprintf(want, sizeof want, "%s:3: empty rail_v cell", csv);
    ck_assert_msg(strstr(r.err, want), "%s", r.err);
    cli_result_free(&r);
    const char *junk = cli_tmp_path("junk.sr");
    f = fopen(junk, "w");
    fputs("PK\x03\x04 not really", f);
    fclose(f);
    r = cli_railcut("import %s -o %s", junk, out);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "not a sigrok session"));
    cli_result_free(&r);
    r = cli_railcut("export %s --format pdf -o x", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("export %s -o x --channels volts", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("export %s", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("export %s -o x --from 10s --to 5s", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("export %s -o x", junk);
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("replay %s --tol", recorded());
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    const char *help[] = {"export", "import", "replay", "diff"};
    for (int i = 0; i < 4; i++) {
        r = cli_railcut("%s --help", help[i]);
        ck_assert_int_eq(r.exit_code, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "usage: railcut"));
        cli_result_free(&r);
    }
}
END_TEST

static Suite *interop_cli_suite(void)
{
    Suite *s = suite_create("interop_cli");
    TCase *tc = tcase_create("interop");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, export_csv_reads_back_and_runs);
    tcase_add_test(tc, export_vcd_and_span);
    tcase_add_test(tc, export_sr_opens_in_sigrok_cli);
    tcase_add_test(tc, replay_and_run_trace);
    tcase_add_test(tc, diff_exit_codes);
    tcase_add_test(tc, bad_input_exit_2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(interop_cli_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
