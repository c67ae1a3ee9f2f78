/*
 * test_suite.c - the suite file reader: what a good file gives (defaults,
 * paths, expectations) and every error with its exact file:line:col, the
 * quoted line and the caret; case selection and the comparison of an
 * analysis with a case's expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/suite.h"
#include "testutil.h"

static rc_suite *parse_ok(const char *name, const char *text)
{
    rc_suite *s = NULL;
    rc_error err = {{0}};
    rc_status st = rc_suite_parse(name, text, strlen(text), &s, &err);
    ck_assert_msg(st == RC_OK, "status %d: %s", st, err.msg);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void check_error(const char *text, const char *msg)
{
    rc_suite *s = (rc_suite *)1;
    rc_error err = {{0}};
    rc_status st = rc_suite_parse("t.suite", text, strlen(text), &s, &err);
    ck_assert_msg(st == RC_ERR_PARSE, "status %d for:\n%s\nmessage: %s", st, text, err.msg);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err.msg, msg);
}

#define CASE_OK "case a\n  profile \"p.rail\"\n  expect verdict=pass\nend\n"

START_TEST(reads_cases_and_defaults)
{
    rc_suite *s = parse_ok("dir/sub/regress.suite",
                           "# a comment\n"
                           "backend sim\n"
                           "ch \"ch/conformant.ini\"   # default CH\n"
                           "ch_set uvlo_off=7V boot=10s\n"
                           "observe 5min\n"
                           "\n"
                           "case ota-179.9s\n"
                           "\tprofile \"../p/ota.rail\"\n"
                           "  set off=179.9s settle=10s\n"
                           "  set n=2\n"
                           "  expect verdict=fail mp102a.ch=pass\n"
                           "  expect mp102a.esme=fail expect:18=skip expect:lib/x.rail:3=pass\n"
                           "end\n"
                           "case b\r\n"
                           "  profile \"/abs/b.rail\"\r\n"
                           "  ch \"other.ini\"\n"
                           "  ch_set boot=30s\n"
                           "  backend ftdi\n"
                           "  observe 1s\n"
                           "  expect verdict=error\n"
                           "end");
    ck_assert_str_eq(s->name, "regress");
    ck_assert_str_eq(s->path, "dir/sub/regress.suite");
    ck_assert_uint_eq(s->n_cases, 2);
    const rc_suite_case *a = &s->cases[0];
    ck_assert_str_eq(a->name, "ota-179.9s");
    ck_assert_int_eq(a->line, 7);
    ck_assert_str_eq(a->profile, "dir/sub/../p/ota.rail");
    ck_assert_uint_eq(a->n_set, 3);
    ck_assert_str_eq(a->set[0], "off=179.9s");
    ck_assert_str_eq(a->set[1], "settle=10s");
    ck_assert_str_eq(a->set[2], "n=2");
    ck_assert_str_eq(a->ch_file, "dir/sub/ch/conformant.ini");
    ck_assert_uint_eq(a->n_ch_set, 2);
    ck_assert_str_eq(a->ch_set[0], "uvlo_off=7V");
    ck_assert_str_eq(a->ch_set[1], "boot=10s");
    ck_assert_str_eq(a->backend, "sim");
    ck_assert_int_eq(a->observe_us, 300000000);
    ck_assert_int_eq(a->verdict, RC_VERDICT_FAIL);
    ck_assert_uint_eq(a->n_checks, 4);
    ck_assert_str_eq(a->checks[0].name, "mp102a.ch");
    ck_assert_int_eq(a->checks[0].result, RC_CHECK_PASS);
    ck_assert_int_eq(a->checks[0].line, 11);
    ck_assert_str_eq(a->checks[1].name, "mp102a.esme");
    ck_assert_int_eq(a->checks[1].result, RC_CHECK_FAIL);
    ck_assert_str_eq(a->checks[2].name, "expect:18");
    ck_assert_int_eq(a->checks[2].result, RC_CHECK_SKIP);
    ck_assert_str_eq(a->checks[3].name, "expect:lib/x.rail:3");
    ck_assert_int_eq(a->checks[3].line, 12);

    const rc_suite_case *b = &s->cases[1];
    ck_assert_str_eq(b->name, "b");
    ck_assert_str_eq(b->profile, "/abs/b.rail");
    ck_assert_str_eq(b->ch_file, "dir/sub/other.ini");
    ck_assert_uint_eq(b->n_ch_set, 3); /* the suite's first, then the case's */
    ck_assert_str_eq(b->ch_set[2], "boot=30s");
    ck_assert_str_eq(b->backend, "ftdi");
    ck_assert_int_eq(b->observe_us, 1000000);
    ck_assert_int_eq(b->verdict, RC_VERDICT_ERROR);
    ck_assert_uint_eq(b->n_checks, 0);
    rc_suite_free(s);
}
END_TEST

START_TEST(names_and_plain_defaults)
{
    rc_suite *s = parse_ok("x.suite", "suite nightly-1\n" CASE_OK);
    ck_assert_str_eq(s->name, "nightly-1");
    ck_assert_str_eq(s->cases[0].profile, "p.rail"); /* no directory: as written */
    ck_assert_ptr_null(s->cases[0].ch_file);
    ck_assert_str_eq(s->cases[0].backend, "sim");
    ck_assert_int_eq(s->cases[0].observe_us, -1);
    ck_assert_uint_eq(s->cases[0].n_set, 0);
    ck_assert_uint_eq(s->cases[0].n_ch_set, 0);
    rc_suite_free(s);
    s = parse_ok("/abs.d/noext", CASE_OK);
    ck_assert_str_eq(s->name, "noext");
    ck_assert_str_eq(s->cases[0].profile, "/abs.d/p.rail");
    rc_suite_free(s);
    s = parse_ok("/top.suite", CASE_OK);
    ck_assert_str_eq(s->cases[0].profile, "/p.rail");
    rc_suite_free(s);
}
END_TEST

START_TEST(line_errors)
{
    check_error("hold 1s\n", "t.suite:1:1: unknown command 'hold' (suite, backend, ch, ch_set, "
                             "observe, case)\n  hold 1s\n  ^");
    check_error("\"x\"\n", "t.suite:1:1: a line starts with a command, not a string\n  \"x\"\n  ^");
    check_error("ch \"a.ini\n", "t.suite:1:4: unterminated string\n  ch \"a.ini\n     ^");
    check_error("  \tend\n", "t.suite:1:4: 'end' without 'case'\n    \tend\n    \t^");
    check_error("profile \"p\"\n", "t.suite:1:1: 'profile' outside a case (write it between "
                                   "'case NAME' and 'end')\n  profile \"p\"\n  ^");
    check_error("set a=1\n", "t.suite:1:1: 'set' outside a case (write it between 'case NAME' "
                             "and 'end')\n  set a=1\n  ^");
    check_error("expect verdict=pass\n", "t.suite:1:1: 'expect' outside a case (write it "
                                         "between 'case NAME' and 'end')\n  expect "
                                         "verdict=pass\n  ^");
    char many[400] = "suite";
    for (int i = 0; i < 64; i++)
        strcat(many, " w");
    strcat(many, "\n");
    rc_suite *s = NULL;
    rc_error err;
    ck_assert_int_eq(rc_suite_parse("t.suite", many, strlen(many), &s, &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.suite:1:133: too many words on one line (at most 64)"));
}
END_TEST

START_TEST(settings_errors)
{
    check_error("suite\n", "t.suite:1:6: missing words; usage: suite NAME\n  suite\n       ^");
    check_error("suite a b\n", "t.suite:1:9: unexpected 'b'; usage: suite NAME\n  suite a b\n"
                               "          ^");
    check_error("suite a\nsuite b\n", "t.suite:2:1: suite name given twice\n  suite b\n  ^");
    check_error("suite a/b\n", "t.suite:1:7: bad suite name 'a/b' (letters, digits, '.', '_' "
                               "and '-')\n  suite a/b\n        ^");
    check_error(CASE_OK "suite late\n", "t.suite:5:1: suite settings go before the first case\n"
                                        "  suite late\n  ^");
    check_error(CASE_OK "backend sim\n", "t.suite:5:1: suite settings go before the first "
                                         "case\n  backend sim\n  ^");
    check_error("backend sim\nbackend ftdi\n", "t.suite:2:1: backend given twice\n  backend "
                                               "ftdi\n  ^");
    check_error("backend \"sim\"\n", "t.suite:1:9: bad backend name\n  backend \"sim\"\n"
                                     "          ^");
    check_error("ch a.ini\n", "t.suite:1:4: ch file name must be in double quotes\n  ch a.ini\n"
                              "     ^");
    check_error("ch \"\"\n", "t.suite:1:4: empty ch file name\n  ch \"\"\n     ^");
    check_error("ch \"a\"\nch \"b\"\n", "t.suite:2:3: ch given twice\n  ch \"b\"\n    ^");
    check_error("ch\n", "t.suite:1:3: missing words; usage: ch \"FILE\"\n  ch\n    ^");
    check_error("observe 10\n", "t.suite:1:9: bad duration '10'\n  observe 10\n          ^");
    check_error("observe 1s\nobserve 2s\n", "t.suite:2:1: observe given twice\n  observe 2s\n"
                                            "  ^");
    check_error("ch_set\n", "t.suite:1:7: missing NAME=VALUE after 'ch_set'\n  ch_set\n"
                            "        ^");
    check_error("ch_set boot\n", "t.suite:1:8: expected NAME=VALUE, got 'boot'\n  ch_set boot\n"
                                 "         ^");
    check_error("ch_set =1\n", "t.suite:1:8: missing name before '='\n  ch_set =1\n         ^");
    check_error("ch_set a=\n", "t.suite:1:10: missing value after '='\n  ch_set a=\n"
                               "           ^");
}
END_TEST

START_TEST(case_errors)
{
    check_error("case\n", "t.suite:1:5: missing words; usage: case NAME\n  case\n      ^");
    check_error("case a/b\n", "t.suite:1:6: bad case name 'a/b' (letters, digits, '.', '_' and "
                              "'-'; it names the trace file)\n  case a/b\n       ^");
    check_error("case .hidden\n", "t.suite:1:6: bad case name '.hidden' (letters, digits, '.', "
                                  "'_' and '-'; it names the trace file)\n  case .hidden\n"
                                  "       ^");
    check_error(CASE_OK "case a\n", "t.suite:5:6: case 'a' defined twice (first at line 1)\n"
                                    "  case a\n       ^");
    check_error("case a\ncase b\n", "t.suite:2:1: case inside case 'a' (missing 'end'?)\n"
                                    "  case b\n  ^");
    check_error("# c\n  case a\n  profile \"p\"\n", "t.suite:2:3: case 'a' has no 'end'\n"
                                                  "    case a\n    ^");
    check_error("case a\nexpect verdict=pass\nend\n", "t.suite:3:1: case 'a' has no profile\n"
                                                      "  end\n  ^");
    check_error("case a\nprofile \"p\"\nend\n", "t.suite:3:1: case 'a' has no expected verdict "
                                               "(expect verdict=pass|fail|error)\n  end\n  ^");
    check_error("case a\nprofile \"p\"\nprofile \"q\"\n", "t.suite:3:8: profile given twice\n"
                                                         "  profile \"q\"\n         ^");
    check_error("case a\nprofile p.rail\n", "t.suite:2:9: profile file name must be in double "
                                            "quotes\n  profile p.rail\n          ^");
    check_error("case a\nprofile\n", "t.suite:2:8: missing words; usage: profile \"FILE\"\n"
                                     "  profile\n         ^");
    check_error("case a\nend x\n", "t.suite:2:5: unexpected 'x'; usage: end\n  end x\n      ^");
    check_error("case a\nsuite b\n", "t.suite:2:1: 'suite' is a setting of the whole file, not "
                                     "of a case\n  suite b\n  ^");
    check_error("case a\nhold 1s\n", "t.suite:2:1: unknown command 'hold' in a case (profile, "
                                     "set, ch, ch_set, backend, observe, expect, end)\n"
                                     "  hold 1s\n  ^");
    check_error("case a\nset off\n", "t.suite:2:5: expected NAME=VALUE, got 'off'\n  set off\n"
                                     "      ^");
    check_error("case a\nbackend x y\n", "t.suite:2:11: unexpected 'y'; usage: backend NAME\n"
                                         "  backend x y\n            ^");
    check_error("case a\nobserve 0.1us\n", "t.suite:2:9: bad duration '0.1us'\n  observe "
                                           "0.1us\n          ^");
    check_error("", "t.suite:1:1: the suite has no cases\n  \n  ^");
    check_error("# only\n\n", "t.suite:2:1: the suite has no cases\n  \n  ^");
}
END_TEST

START_TEST(expect_errors)
{
    check_error("case a\nexpect\n", "t.suite:2:7: missing CHECK=RESULT; usage: expect "
                                    "verdict=pass mp102a.ch=pass ...\n  expect\n        ^");
    check_error("case a\nexpect pass\n", "t.suite:2:8: expected CHECK=RESULT, got 'pass'\n"
                                         "  expect pass\n         ^");
    check_error("case a\nexpect mp102a.dno=pass\n",
                "t.suite:2:8: unknown check 'mp102a.dno' (verdict, mp102a.ch, mp102a.esme, "
                "profile.waits, expect:LINE)\n  expect mp102a.dno=pass\n         ^");
    check_error("case a\nexpect expect:=pass\n",
                "t.suite:2:8: unknown check 'expect:' (verdict, mp102a.ch, mp102a.esme, "
                "profile.waits, expect:LINE)\n  expect expect:=pass\n         ^");
    check_error("case a\nexpect expect:x=pass\n",
                "t.suite:2:8: unknown check 'expect:x' (verdict, mp102a.ch, mp102a.esme, "
                "profile.waits, expect:LINE)\n  expect expect:x=pass\n         ^");
    check_error("case a\nexpect expect:a.rail3=pass\n",
                "t.suite:2:8: unknown check 'expect:a.rail3' (verdict, mp102a.ch, mp102a.esme, "
                "profile.waits, expect:LINE)\n  expect expect:a.rail3=pass\n         ^");
    check_error("case a\nexpect verdict=skip\n", "t.suite:2:16: bad result 'skip' for verdict "
                                                 "(pass, fail or error)\n  expect verdict=skip\n"
                                                 "                 ^");
    check_error("case a\nexpect mp102a.ch=error\n", "t.suite:2:18: bad result 'error' for "
                                                    "mp102a.ch (pass, fail or skip)\n  expect "
                                                    "mp102a.ch=error\n                   ^");
    check_error("case a\nexpect verdict=pass verdict=fail\n",
                "t.suite:2:21: verdict expected twice\n  expect verdict=pass verdict=fail\n"
                "                      ^");
    check_error("case a\nexpect mp102a.ch=pass\nexpect mp102a.ch=fail\n",
                "t.suite:3:8: mp102a.ch expected twice (first at line 2)\n  expect "
                "mp102a.ch=fail\n         ^");
}
END_TEST

START_TEST(nul_and_load_errors)
{
    rc_suite *s = (rc_suite *)1;
    rc_error err;
    ck_assert_int_eq(rc_suite_parse("t.suite", "case a\0", 7, &s, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "t.suite: not a text file (NUL byte)");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(rc_suite_load("/nonexistent/x.suite", &s, &err), RC_ERR_IO);
    ck_assert_str_eq(err.msg, "cannot open suite '/nonexistent/x.suite': No such file or "
                              "directory");
    ck_assert_int_eq(rc_suite_load(RC_TEST_TMP_DIR, &s, &err), RC_ERR_IO);
    ck_assert_ptr_null(s);
    const char *path = rc_test_write_file("ok.suite", CASE_OK);
    ck_assert_int_eq(rc_suite_load(path, &s, &err), RC_OK);
    ck_assert_str_eq(s->path, path);
    ck_assert_uint_eq(s->n_cases, 1);
    rc_suite_free(s);
    rc_suite_free(NULL);
}
END_TEST

START_TEST(selection)
{
    rc_suite_case c = {.name = "boundary-180.1s"};
    ck_assert(rc_suite_case_selected(&c, NULL));
    ck_assert(rc_suite_case_selected(&c, "180"));
    ck_assert(rc_suite_case_selected(&c, "boundary-*"));
    ck_assert(rc_suite_case_selected(&c, "*-18?.1s"));
    ck_assert(!rc_suite_case_selected(&c, "reboot"));
    ck_assert(!rc_suite_case_selected(&c, "[a]*"));
    ck_assert(!rc_suite_case_selected(&c, "180.1s-"));
}
END_TEST

static rc_analysis *fake_analysis(rc_verdict v)
{
    static rc_check checks[3];
    static rc_analysis a;
    memset(checks, 0, sizeof checks);
    strcpy(checks[0].name, "mp102a.ch");
    checks[0].result = RC_CHECK_PASS;
    strcpy(checks[0].detail, "no interruption > 180 s, no AD1 (longest 172 s)");
    strcpy(checks[1].name, "mp102a.esme");
    checks[1].result = RC_CHECK_FAIL;
    strcpy(checks[1].detail, "interruption at 50 s lasted 185 s");
    strcpy(checks[2].name, "expect:18");
    checks[2].result = RC_CHECK_SKIP;
    strcpy(checks[2].detail, "skipped");
    memset(&a, 0, sizeof a);
    a.checks = checks;
    a.n_checks = 3;
    a.verdict = v;
    return &a;
}

START_TEST(compare)
{
    rc_suite *s = parse_ok("t.suite", "case a\n  profile \"p\"\n"
                                      "  expect verdict=fail mp102a.ch=pass mp102a.esme=fail\n"
                                      "end\n"
                                      "case b\n  profile \"p\"\n"
                                      "  expect verdict=pass mp102a.esme=pass expect:18=pass\n"
                                      "  expect expect:99=fail\n"
                                      "end\n");
    char diff[512];
    ck_assert(rc_suite_case_compare(&s->cases[0], fake_analysis(RC_VERDICT_FAIL), diff,
                                    sizeof diff));
    ck_assert_str_eq(diff, "");
    ck_assert(!rc_suite_case_compare(&s->cases[1], fake_analysis(RC_VERDICT_FAIL), diff,
                                     sizeof diff));
    ck_assert_str_eq(diff, "expected verdict=pass, got fail: mp102a.esme failed: interruption "
                           "at 50 s lasted 185 s; expected mp102a.esme=pass, got fail: "
                           "interruption at 50 s lasted 185 s; expected expect:18=pass, got "
                           "skip: skipped; expected expect:99=fail, but the run has no check "
                           "expect:99");
    rc_analysis *err_run = fake_analysis(RC_VERDICT_ERROR);
    strcpy(err_run->error, "the run was stopped");
    ck_assert(!rc_suite_case_compare(&s->cases[0], err_run, diff, sizeof diff));
    ck_assert_str_eq(diff, "expected verdict=fail, got error: the run was stopped");
    /* A short buffer is cut, never overrun. */
    char small[16];
    ck_assert(!rc_suite_case_compare(&s->cases[1], fake_analysis(RC_VERDICT_FAIL), small,
                                     sizeof small));
    ck_assert_str_eq(small, "expected verdic");
    rc_suite_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("suite");
    TCase *tc = tcase_create("reader");
    tcase_add_test(tc, reads_cases_and_defaults);
    tcase_add_test(tc, names_and_plain_defaults);
    tcase_add_test(tc, line_errors);
    tcase_add_test(tc, settings_errors);
    tcase_add_test(tc, case_errors);
    tcase_add_test(tc, expect_errors);
    tcase_add_test(tc, nul_and_load_errors);
    tcase_add_test(tc, selection);
    tcase_add_test(tc, compare);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
