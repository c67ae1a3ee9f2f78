/*
 * test_profile_errors.c - every error of the .rail compiler, with its exact
 * file:line:col, the quoted source line and the caret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/profile.h"
#include "testutil.h"

static void check_error_opt(const char *text, const rc_profile_options *opt, rc_status want,
                            const char *msg)
{
    rc_profile *p = (rc_profile *)1;
    rc_error err = {{0}};
    rc_status s = rc_profile_parse("t.rail", text, strlen(text), opt, &p, &err);
    ck_assert_msg(s == want, "status %d for:\n%s\nmessage: %s", s, text, err.msg);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(err.msg, msg);
}

static void check_error(const char *text, const char *msg)
{
    check_error_opt(text, NULL, RC_ERR_PARSE, msg);
}

START_TEST(units_and_numbers)
{
    check_error("hold 10 s\n", "t.rail:1:6: duration '10' needs a unit (us, ms, s, min or h)\n"
                               "  hold 10 s\n       ^");
    check_error("  hold 10sec\n", "t.rail:1:8: unknown unit 'sec' in duration '10sec' "
                                  "(us, ms, s, min or h)\n    hold 10sec\n         ^");
    check_error("hold 0.1us\n", "t.rail:1:6: '0.1' is more precise than the resolution\n"
                                "  hold 0.1us\n       ^");
    check_error("hold -5s\n", "t.rail:1:6: duration '-5s' is negative\n  hold -5s\n       ^");
    check_error("hold x\n", "t.rail:1:6: unknown unit 'x' in duration 'x' "
                             "(us, ms, s, min or h)\n  hold x\n       ^");
    check_error("hold \"1s\"\n", "t.rail:1:6: expected duration, not a quoted string: "
                                 "hold DURATION\n  hold \"1s\"\n       ^");
    check_error("level 31V\n", "t.rail:1:7: level '31V' is outside 0..30V\n  level 31V\n"
                               "        ^");
    check_error("level 251%\n", "t.rail:1:7: level '251%' is outside 0..30V\n  level 251%\n"
                                "        ^");
    check_error("level -1%\n", "t.rail:1:7: level '-1%' is outside 0..30V\n  level -1%\n"
                               "        ^");
    check_error("level 12\n", "t.rail:1:7: voltage '12' needs a unit (V or mV)\n  level 12\n"
                              "        ^");
}
END_TEST

START_TEST(arity)
{
    check_error("hold\n", "t.rail:1:6: missing duration: hold DURATION\n  hold\n       ^");
    check_error("hold 1s 2s\n", "t.rail:1:9: unexpected `2s`: hold DURATION\n  hold 1s 2s\n"
                                "          ^");
    check_error("cut now\n", "t.rail:1:5: unexpected `now`: cut\n  cut now\n      ^");
    check_error("ramp 9V over 1s\n", "t.rail:1:6: expected `to`, not `9V`: ramp to VOLTAGE over "
                                     "DURATION\n  ramp 9V over 1s\n       ^");
    check_error("ramp to 9V 1s\n", "t.rail:1:12: expected `over`, not `1s`: ramp to VOLTAGE over "
                                   "DURATION\n  ramp to 9V 1s\n             ^");
    check_error("ac_lost maybe\n", "t.rail:1:9: expected a state (off, on), not 'maybe'\n"
                                   "  ac_lost maybe\n          ^");
    check_error("hold 1s \"open\n", "t.rail:1:9: unterminated string\n  hold 1s \"open\n"
                                    "          ^");
}
END_TEST

START_TEST(unknown_commands_suggest)
{
    check_error("restore\nrestor\n", "t.rail:2:1: unknown command `restor`; did you mean "
                                     "`restore`?\n  restor\n  ^");
    check_error("\thold 1s\n\trampp to 1V over 1s\n",
                "t.rail:2:2: unknown command `rampp`; did you mean `ramp`?\n"
                "  \trampp to 1V over 1s\n  \t^");
    check_error("frobnicate\n", "t.rail:1:1: unknown command `frobnicate`\n  frobnicate\n  ^");
    check_error("\"hold\"\n", "t.rail:1:1: unknown command `hold`\n  \"hold\"\n  ^");
}
END_TEST

START_TEST(repeat_errors)
{
    check_error("hold 1s\nrepeat 3\n  hold 1s\n", "t.rail:2:1: `repeat` without a matching "
                                                "`end`\n  repeat 3\n  ^");
    check_error("hold 1s\nend\n", "t.rail:2:1: `end` without a matching `repeat`\n  end\n  ^");
    check_error("repeat x\nend\n", "t.rail:1:8: repeat count must be a whole number "
                                   "0..1000000, not 'x'\n  repeat x\n         ^");
    check_error("repeat 1000001\nend\n", "t.rail:1:8: repeat count must be a whole number "
                                         "0..1000000, not '1000001'\n  repeat 1000001\n"
                                         "         ^");
    check_error("repeat 2\n mark m\nend\n", "t.rail:2:7: mark `m` already set at t.rail:2\n"
                                            "   mark m\n        ^");
    check_error("repeat 2\nexpect no ad1\nend\n", "t.rail:2:1: `expect` is not allowed inside "
                                                  "a repeat block\n  expect no ad1\n  ^");
    /* errors inside a repeat 0 are still found */
    check_error("repeat 0\n hold 1\nend\n", "t.rail:2:7: duration '1' needs a unit (us, ms, s, "
                                            "min or h)\n   hold 1\n        ^");
}
END_TEST

START_TEST(expansion_is_bounded)
{
    check_error("repeat 1000000\nrepeat 2\nhold 1us\nend\nend\n",
                "t.rail:3:1: profile expands to more than 1000000 segments\n  hold 1us\n  ^");
    check_error("repeat 1000000\nrepeat 1000000\nlevel 1V\nend\nend\n",
                "t.rail:3:1: profile expands to more than 4000000 commands\n  level 1V\n  ^");
    /* a caller may lower the limit, never raise it */
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    opt.max_steps = 100;
    check_error_opt("repeat 60\nlevel 1V\nend\n", &opt, RC_ERR_PARSE,
                    "t.rail:2:1: profile expands to more than 100 commands\n  level 1V\n  ^");
    opt.max_steps = 5000000;
    check_error_opt("repeat 1000000\nrepeat 1000000\nlevel 1V\nend\nend\n", &opt, RC_ERR_PARSE,
                    "t.rail:3:1: profile expands to more than 4000000 commands\n  level 1V\n  ^");
}
END_TEST

START_TEST(param_errors)
{
    check_error("hold $nope\n", "t.rail:1:6: unknown parameter `$nope` (declare it with "
                                "`param nope = ...`)\n  hold $nope\n       ^");
    check_error("param 1x = 3\n", "t.rail:1:7: expected a parameter name: param NAME = VALUE\n"
                                  "  param 1x = 3\n        ^");
    check_error("param x 3\n", "t.rail:1:9: expected `=` after the parameter name: param NAME "
                               "= VALUE\n  param x 3\n          ^");
    check_error("param x =\n", "t.rail:1:11: missing default value: param NAME = VALUE\n"
                               "  param x =\n            ^");
    check_error("param x = 3\nparam x = 4\n", "t.rail:2:7: parameter `x` already declared at "
                                              "t.rail:1\n  param x = 4\n        ^");
    check_error("param x = 3\nhold $x\n", "t.rail:2:6: duration '3' needs a unit (us, ms, s, "
                                          "min or h) (value of $x, default at t.rail:1)\n"
                                          "  hold $x\n       ^");
}
END_TEST

START_TEST(set_errors)
{
    const char *text = "param off = 172s\nparam n = 2\ncut\nhold $off\n";
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    const char *bad_value[] = {"off=abc"};
    opt.set = bad_value;
    opt.n_set = 1;
    check_error_opt(text, &opt, RC_ERR_PARSE,
                    "t.rail:4:6: unknown unit 'abc' in duration 'abc' (us, ms, s, min or h) "
                    "(value of $off, from --set off=abc)\n  hold $off\n       ^");
    const char *unknown[] = {"of=3s"};
    opt.set = unknown;
    check_error_opt(text, &opt, RC_ERR_NOT_FOUND,
                    "--set of=3s: t.rail declares no parameter `of` (declared: off, n)");
    check_error_opt("hold 1s\n", &opt, RC_ERR_NOT_FOUND,
                    "--set of=3s: t.rail declares no parameter `of` (it declares none)");
    const char *no_eq[] = {"off"};
    opt.set = no_eq;
    check_error_opt(text, &opt, RC_ERR_PARSE, "--set off: expected name=value");
    const char *twice[] = {"off=1s", "n=3", "off=2s"};
    opt.set = twice;
    opt.n_set = 3;
    check_error_opt(text, &opt, RC_ERR_PARSE,
                    "--set off=2s: parameter `off` already set by --set off=1s");
}
END_TEST

START_TEST(wait_mark_expect_errors)
{
    check_error("wait ready 60s\n", "t.rail:1:12: expected `timeout`, not `60s`: wait "
                                    "ready|ad1|restored|down timeout DURATION\n"
                                    "  wait ready 60s\n             ^");
    check_error("wait boot timeout 60s\n", "t.rail:1:6: expected an event (ready, ad1, "
                                           "restored, down), not 'boot'\n"
                                           "  wait boot timeout 60s\n       ^");
    check_error("wait ready timeout 0s\n", "t.rail:1:20: a wait needs a time-out above 0\n"
                                           "  wait ready timeout 0s\n                     ^");
    check_error("mark a\nmark a\n", "t.rail:2:6: mark `a` already set at t.rail:1\n"
                                    "  mark a\n       ^");
    check_error("mark start\n", "t.rail:1:6: `start` is reserved for the start of the run\n"
                                "  mark start\n       ^");
    check_error("expect ad1 within 5s after nowhere\nmark somewhere\n",
                "t.rail:1:28: no mark named `nowhere` in the profile\n"
                "  expect ad1 within 5s after nowhere\n                             ^");
    check_error("expect ad1 between 5s and 1s\n", "t.rail:1:27: window ends before it starts\n"
                                                  "  expect ad1 between 5s and 1s\n"
                                                  "                            ^");
    check_error("expect max_outage < 0s\n", "t.rail:1:21: max_outage < 0 can never hold\n"
                                            "  expect max_outage < 0s\n                      ^");
    check_error("expect ad1 soon\n", "t.rail:1:12: expected `within` or `between` after "
                                     "`expect ad1`, not `soon`\n  expect ad1 soon\n"
                                     "             ^");
    check_error("expect ad1 within 5s before x\n",
                "t.rail:1:22: expected `after`, not `before`: expect [no] ad1 | expect ad1 "
                "within D [after MARK] | expect ad1 between D and D [after MARK] | expect "
                "max_outage < D\n  expect ad1 within 5s before x\n                       ^");
}
END_TEST

START_TEST(settings_errors)
{
    check_error("scenario ota\nscenario test\n", "t.rail:2:1: `scenario` given twice\n"
                                                 "  scenario test\n  ^");
    check_error("scenario bad\n", "t.rail:1:10: expected a scenario (test, ota, outage), not "
                                  "'bad'\n  scenario bad\n           ^");
    check_error("level 1V\nnominal 12V\n", "t.rail:2:1: `nominal` must come before any level, "
                                           "ramp, hold or wait\n  nominal 12V\n  ^");
    check_error("nominal 0V\n", "t.rail:1:9: nominal level must be above 0V\n  nominal 0V\n"
                                "          ^");
}
END_TEST

START_TEST(nul_byte_is_an_error)
{
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_int_eq(rc_profile_parse("t.rail", "cut\0x\n", 6, NULL, &p, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "t.rail:1:4: NUL byte in profile text\n  cut\n     ^");
    ck_assert_int_eq(rc_profile_parse("t.rail", "cut\n", 4, NULL, NULL, NULL), RC_ERR_ARG);
}
END_TEST

START_TEST(include_errors)
{
    check_error("hold 1s\ninclude \"nope.rail\"\n",
                "t.rail:2:9: cannot include \"nope.rail\": cannot open nope.rail: No such file "
                "or directory\n  include \"nope.rail\"\n          ^");
    check_error("include nope.rail\n", "t.rail:1:9: expected a quoted file name: include "
                                       "\"FILE\"\n  include nope.rail\n          ^");

    /* a -> b -> a */
    char a[256], b[256], text[2400];
    snprintf(a, sizeof a, "%s", rc_test_tmp_path("cycle_a.rail"));
    snprintf(b, sizeof b, "%s", rc_test_tmp_path("cycle_b.rail"));
    FILE *f = fopen(a, "w");
    fprintf(f, "hold 1s\ninclude \"%s\"\n", strrchr(b, '/') + 1);
    fclose(f);
    f = fopen(b, "w");
    fprintf(f, "include \"%s\"\n", strrchr(a, '/') + 1);
    fclose(f);
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_int_eq(rc_profile_load(a, NULL, &p, &err), RC_ERR_PARSE);
    snprintf(text, sizeof text, "%s:1:9: include cycle: %s -> %s -> %s\n  include \"%s\"\n"
                                "          ^",
             b, a, b, a, strrchr(a, '/') + 1);
    ck_assert_str_eq(err.msg, text);
}
END_TEST

START_TEST(include_depth_is_bounded)
{
    /* deep0 includes deep1 ... each a distinct file; 17 levels is one too many */
    char names[19][256];
    for (int i = 0; i < 19; i++)
        snprintf(names[i], sizeof names[i], "%s", rc_test_tmp_path("deep"));
    for (int i = 0; i < 19; i++) {
        FILE *f = fopen(names[i], "w");
        if (i < 18)
            fprintf(f, "include \"%s\"\n", strrchr(names[i + 1], '/') + 1);
        else
            fprintf(f, "hold 1s\n");
        fclose(f);
    }
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_int_eq(rc_profile_load(names[2], NULL, &p, &err), RC_OK); /* 16 includes deep */
    ck_assert_uint_eq(p->n_files, 17);
    rc_profile_free(p);
    ck_assert_int_eq(rc_profile_load(names[1], NULL, &p, &err), RC_ERR_PARSE);
    char head[2000];
    snprintf(head, sizeof head, "%s:1:9: includes nested deeper than 16: %s -> %s", names[17],
             names[1], names[2]);
    ck_assert_msg(strncmp(err.msg, head, strlen(head)) == 0, "%s", err.msg);
}
END_TEST

START_TEST(unbalanced_repeat_in_include)
{
    const char *inc = rc_test_write_file("open.rail", "hold 1s\nrepeat 2\n");
    char text[600], want[900];
    snprintf(text, sizeof text, "repeat 2\ninclude \"%s\"\nend\n", strrchr(inc, '/') + 1);
    const char *main_path = rc_test_write_file("main.rail", text);
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_int_eq(rc_profile_load(main_path, NULL, &p, &err), RC_ERR_PARSE);
    snprintf(want, sizeof want, "%s:2:1: `repeat` without a matching `end`\n  repeat 2\n  ^",
             inc);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(load_errors)
{
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_int_eq(rc_profile_load("/nonexistent/x.rail", NULL, &p, &err), RC_ERR_IO);
    ck_assert_str_eq(err.msg, "cannot open /nonexistent/x.rail: No such file or directory");
    ck_assert_int_eq(rc_profile_load(RC_TEST_TMP_DIR, NULL, &p, &err), RC_ERR_IO);
    ck_assert_ptr_null(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile_errors");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, units_and_numbers);
    tcase_add_test(tc, arity);
    tcase_add_test(tc, unknown_commands_suggest);
    tcase_add_test(tc, repeat_errors);
    tcase_add_test(tc, expansion_is_bounded);
    tcase_add_test(tc, param_errors);
    tcase_add_test(tc, set_errors);
    tcase_add_test(tc, wait_mark_expect_errors);
    tcase_add_test(tc, settings_errors);
    tcase_add_test(tc, nul_byte_is_an_error);
    tcase_add_test(tc, include_errors);
    tcase_add_test(tc, include_depth_is_bounded);
    tcase_add_test(tc, unbalanced_repeat_in_include);
    tcase_add_test(tc, load_errors);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
