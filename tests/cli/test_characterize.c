/*
 * test_characterize.c - end-to-end tests of `railcut characterize`,
 * `railcut report` and the progress option: answers recovered from the sim
 * CH, the JSON result, the kept probes, exit codes, the plain progress
 * lines, and the HTML report checked for well-formedness (xmllint), for
 * being self-contained, and (when Chromium is installed) by a headless
 * screenshot that must not be blank.
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

static double json_number(const cJSON *o, const char *path0, const char *path1)
{
    const cJSON *v = cJSON_GetObjectItem(o, path0);
    if (path1)
        v = cJSON_GetObjectItem(v, path1);
    ck_assert_msg(cJSON_IsNumber(v), "no number %s.%s", path0, path1 ? path1 : "");
    return v->valuedouble;
}

START_TEST(test_threshold_with_defect)
{
    const char *dir = cli_tmp_path("thr"), *json = cli_tmp_path("thr.json");
    cli_result r =
        cli_railcut("characterize ad1-threshold --ch-set defect_timer_offset=-5s --dir %s "
                    "--json %s",
                    dir, json);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    /* the estimate comes before the run, the answer and the probes after it */
    ck_assert_ptr_nonnull(strstr(r.err, "estimated bench time"));
    ck_assert_ptr_nonnull(strstr(r.out, "ad1-threshold: outage length at which AD1"));
    ck_assert_ptr_nonnull(strstr(r.out, "95% CI ["));
    ck_assert_ptr_nonnull(strstr(r.out, "probe-000.rct"));
    char *text = cli_slurp(json, NULL);
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    double est = json_number(root, "result", "estimate");
    ck_assert_msg(est > 174.9 && est < 175.1, "estimate %f", est);
    const cJSON *ci = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "result"), "ci95");
    ck_assert_double_le(cJSON_GetArrayItem(ci, 0)->valuedouble, 175.0);
    ck_assert_double_ge(cJSON_GetArrayItem(ci, 1)->valuedouble, 175.0);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(root, "converged")));
    const cJSON *probes = cJSON_GetObjectItem(root, "probes");
    ck_assert_int_gt(cJSON_GetArraySize(probes), 12);
    /* every probe's profile and trace are kept and readable */
    const cJSON *p0 = cJSON_GetArrayItem(probes, 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", RC_CLI_TMP_DIR,
             cJSON_GetObjectItem(p0, "profile")->valuestring);
    char *rail = cli_slurp(cJSON_GetObjectItem(p0, "profile")->valuestring[0] == '/'
                               ? cJSON_GetObjectItem(p0, "profile")->valuestring
                               : path,
                           NULL);
    ck_assert_ptr_nonnull(rail);
    ck_assert_ptr_nonnull(strstr(rail, "mark probe\ncut\nhold 180s\nrestore\n"));
    free(rail);
    cJSON_Delete(root);
    free(text);
    cli_result_free(&r);
}
END_TEST

START_TEST(test_out_of_range_exit_1)
{
    cli_result r =
        cli_railcut("characterize holdup --from 0s --to 1s --resolution 100ms -q --dir %s",
                    cli_tmp_path("holdup"));
    ck_assert_int_eq(r.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "NOT converged: the threshold is above the range"));
    cli_result_free(&r);
}
END_TEST

START_TEST(test_usage_errors)
{
    cli_result r = cli_railcut("characterize");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no MODE given"));
    cli_result_free(&r);
    r = cli_railcut("characterize ad1-treshold");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown mode 'ad1-treshold'"));
    cli_result_free(&r);
    r = cli_railcut("characterize uvlo --ramp fast");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("characterize ad1-latency --repeats 0 --dir %s", cli_tmp_path("lat0"));
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "at least 1 repeat"));
    cli_result_free(&r);
    r = cli_railcut("characterize ad1-latency --progress=loud");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("characterize ad1-latency --backend nosuch --repeats 1 --dir %s",
                    cli_tmp_path("nob"));
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no backend 'nosuch'"));
    cli_result_free(&r);
}
END_TEST

START_TEST(test_latency_plain_progress)
{
    cli_result r = cli_railcut("characterize ad1-latency --repeats 3 --ch-set ad1_latency=4s "
                               "--progress=plain --dir %s",
                               cli_tmp_path("lat"));
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "estimate 4.000001 s"));
    /* plain lines for logs: no carriage returns or escapes, with the probe,
     * virtual and wall time, and the outage clock */
    ck_assert_ptr_null(strchr(r.err, '\r'));
    ck_assert_ptr_null(strchr(r.err, '\033'));
    ck_assert_ptr_nonnull(strstr(r.err, "progress: "));
    ck_assert_ptr_nonnull(strstr(r.err, "probe 1/~3"));
    ck_assert_ptr_nonnull(strstr(r.err, "wall "));
    ck_assert_ptr_nonnull(strstr(r.err, "virtual "));
    cli_result_free(&r);
}
END_TEST

START_TEST(test_run_progress_plain_and_quiet)
{
    const char *trace = cli_tmp_path("run.rct");
    cli_result r = cli_railcut("run %s/ota/boundary-185s.rail --trace %s --progress=plain",
                               PROFILES, trace);
    ck_assert_int_eq(r.exit_code, 1); /* the meter broke MP102A */
    ck_assert_ptr_nonnull(strstr(r.err, "progress: 100%"));
    ck_assert_ptr_nonnull(strstr(r.err, "segment "));
    cli_result_free(&r);
    /* not a terminal: no progress by default; -q silences even plain */
    r = cli_railcut("run %s/ota/boundary-185s.rail --trace %s", PROFILES,
                    cli_tmp_path("b.rct"));
    ck_assert_ptr_null(strstr(r.err, "progress"));
    cli_result_free(&r);
    r = cli_railcut("run %s/ota/boundary-185s.rail --trace %s -q --progress=plain", PROFILES,
                    cli_tmp_path("c.rct"));
    ck_assert_str_eq(r.err, "");
    cli_result_free(&r);
}
END_TEST

static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_report_html)
{
    const char *trace = cli_tmp_path("r185.rct"), *json = cli_tmp_path("lat.json");
    const char *html = cli_tmp_path("report.html");
    cli_result r = cli_railcut("run %s/ota/boundary-185s.rail --trace %s -q", PROFILES, trace);
    cli_result_free(&r);
    r = cli_railcut("characterize ad1-latency --repeats 2 -q --json %s --dir %s", json,
                    cli_tmp_path("latr"));
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    r = cli_railcut("report %s -o %s --characterization %s", trace, html, json);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    size_t len;
    char *page = cli_slurp(html, &len);
    ck_assert_ptr_nonnull(page);
    /* plots, the 180 s mark, AD1, checks, calibration and the characterisation */
    ck_assert_ptr_nonnull(strstr(page, "<svg"));
    ck_assert_ptr_nonnull(strstr(page, ">180 s</text>"));
    ck_assert_ptr_nonnull(strstr(page, ">AD1</text>"));
    ck_assert_ptr_nonnull(strstr(page, "mp102a.esme"));
    ck_assert_ptr_nonnull(strstr(page, "simulated, no calibration"));
    ck_assert_ptr_nonnull(strstr(page, "Characterisation: ad1-latency"));
    /* self-contained: no script, no external asset */
    ck_assert_ptr_null(strstr(page, "<script"));
    ck_assert_ptr_null(strstr(page, "src="));
    ck_assert_ptr_null(strstr(page, "href="));
    /* decimated: a 300 s trace at 1 kHz stays small */
    ck_assert_uint_lt(len, 200000);
    free(page);
    if (sh("command -v xmllint >/dev/null") == 0)
        ck_assert_int_eq(sh("xmllint --noout %s", html), 0);
    r = cli_railcut("report %s -o %s", RC_FIXTURES_DIR "/ch/conformant.ini",
                    cli_tmp_path("bad.html"));
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = cli_railcut("report %s", trace);
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

/* A PNG's size from its IHDR, and whether its bytes vary enough to show
 * more than a blank page (a blank page compresses to almost nothing). */
START_TEST(test_report_screenshot)
{
    const char *chromium = NULL;
    if (sh("command -v chromium >/dev/null") == 0)
        chromium = "chromium";
    else if (sh("command -v chromium-browser >/dev/null") == 0)
        chromium = "chromium-browser";
    if (!chromium)
        return; /* .ci/deps installs it; without it only the screenshot is skipped */
    const char *trace = cli_tmp_path("s185.rct"), *html = cli_tmp_path("shot.html");
    const char *png = cli_tmp_path("shot.png"), *profile = cli_tmp_path("chrome-profile");
    cli_result r = cli_railcut("run %s/ota/boundary-185s.rail --trace %s -q", PROFILES, trace);
    cli_result_free(&r);
    r = cli_railcut("report %s -o %s", trace, html);
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    ck_assert_int_eq(
        sh("%s --headless --no-sandbox --disable-gpu --disable-background-networking "
           "--disable-component-update --disable-sync --no-first-run "
           "--user-data-dir=%s --screenshot=%s --window-size=1280,2000 file://%s "
           ">/dev/null 2>&1",
           chromium, profile, png, html),
        0);
    size_t len;
    unsigned char *data = (unsigned char *)cli_slurp(png, &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_gt(len, 24);
    ck_assert_int_eq(memcmp(data, "\x89PNG\r\n\x1a\n", 8), 0);
    unsigned w = (unsigned)data[16] << 24 | data[17] << 16 | data[18] << 8 | data[19];
    unsigned h = (unsigned)data[20] << 24 | data[21] << 16 | data[22] << 8 | data[23];
    ck_assert_uint_eq(w, 1280);
    ck_assert_uint_eq(h, 2000);
    ck_assert_uint_gt(len, 40000);
    free(data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("characterize-cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_threshold_with_defect);
    tcase_add_test(tc, test_out_of_range_exit_1);
    tcase_add_test(tc, test_usage_errors);
    tcase_add_test(tc, test_latency_plain_progress);
    tcase_add_test(tc, test_run_progress_plain_and_quiet);
    tcase_add_test(tc, test_report_html);
    tcase_add_test(tc, test_report_screenshot);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
