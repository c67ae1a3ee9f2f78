/*
 * test_profile.c - the .rail compiler: exact segment times, state carried by
 * each segment, repeats, includes, parameters and --set, marks, expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/profile.h"
#include "testutil.h"

static rc_profile *compile_opt(const char *text, const rc_profile_options *opt)
{
    rc_profile *p = NULL;
    rc_error err = {{0}};
    rc_status s = rc_profile_parse("t.rail", text, strlen(text), opt, &p, &err);
    ck_assert_msg(s == RC_OK, "unexpected error: %s", err.msg);
    ck_assert_ptr_nonnull(p);
    return p;
}

static rc_profile *compile(const char *text)
{
    return compile_opt(text, NULL);
}

START_TEST(empty_profile_is_just_the_window)
{
    rc_profile *p = compile("# nothing\n\n");
    ck_assert_int_eq(p->scenario, RC_SCENARIO_TEST);
    ck_assert_int_eq(p->nominal_mv, 12000);
    ck_assert_uint_eq(p->n_segs, 1);
    ck_assert_int_eq(p->segs[0].kind, RC_SEG_OBSERVE);
    ck_assert_int_eq(p->segs[0].start_us, 0);
    ck_assert_int_eq(p->segs[0].duration_us, RC_DEFAULT_OBSERVE_US);
    ck_assert_int_eq(p->segs[0].from_mv, 12000);
    ck_assert(!p->segs[0].rail_on);
    ck_assert(!p->segs[0].ac_lost);
    ck_assert_int_eq(p->nominal_us, RC_DEFAULT_OBSERVE_US);
    ck_assert_uint_eq(p->n_files, 1);
    ck_assert_str_eq(p->files[0], "t.rail");
    ck_assert_str_eq(p->source, "# nothing\n\n");
    rc_profile_free(p);
}
END_TEST

START_TEST(hold_times_are_exact)
{
    rc_profile *p = compile("restore\nhold 179.9s\ncut\nhold 250ms\nhold 10us\nhold 3min\n"
                            "hold 1.5h\nhold 0s\nobserve 1s\n");
    ck_assert_uint_eq(p->n_segs, 6);
    const int64_t dur[] = {179900000, 250000, 10, 180000000, 5400000000LL, 1000000};
    int64_t t = 0;
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(p->segs[i].start_us, t);
        ck_assert_int_eq(p->segs[i].duration_us, dur[i]);
        t += dur[i];
    }
    ck_assert(p->segs[0].rail_on);
    ck_assert(!p->segs[1].rail_on);
    ck_assert_int_eq(p->segs[0].line, 2);
    ck_assert_int_eq(p->segs[4].line, 7);
    ck_assert_int_eq(p->nominal_us, t);
    ck_assert_int_eq(p->segs[5].kind, RC_SEG_OBSERVE);
    rc_profile_free(p);
}
END_TEST

START_TEST(levels_and_ramps)
{
    rc_profile *p = compile("nominal 24V\nlevel 70%\nhold 1s\nlevel 9000mV\nlevel 11.5V\n"
                            "ramp to 9V over 2s\nhold 1ms\nlevel 12.5%\nramp to 0V over 0s\n"
                            "hold 1us\n");
    ck_assert_int_eq(p->nominal_mv, 24000);
    ck_assert_uint_eq(p->n_segs, 5);
    ck_assert_int_eq(p->segs[0].from_mv, 16800);
    ck_assert_int_eq(p->segs[0].to_mv, 16800);
    ck_assert_int_eq(p->segs[1].kind, RC_SEG_RAMP);
    ck_assert_int_eq(p->segs[1].start_us, 1000000);
    ck_assert_int_eq(p->segs[1].duration_us, 2000000);
    ck_assert_int_eq(p->segs[1].from_mv, 11500);
    ck_assert_int_eq(p->segs[1].to_mv, 9000);
    ck_assert_int_eq(p->segs[2].from_mv, 9000);
    ck_assert_int_eq(p->segs[2].start_us, 3000000);
    /* a ramp over 0s is an instantaneous level change */
    ck_assert_int_eq(p->segs[3].from_mv, 0);
    ck_assert_int_eq(p->segs[3].duration_us, 1);
    ck_assert_int_eq(p->segs[4].from_mv, 0);
    rc_profile_free(p);
}
END_TEST

START_TEST(nominal_sets_the_initial_level)
{
    rc_profile *p = compile("nominal 5V\nhold 1s\n");
    ck_assert_int_eq(p->segs[0].from_mv, 5000);
    rc_profile_free(p);
}
END_TEST

START_TEST(cut_restore_and_ac_lost_are_independent)
{
    rc_profile *p = compile("ac_lost on\nhold 1s\nrestore\nhold 1s\nac_lost off\ncut\nhold 1s\n");
    ck_assert_uint_eq(p->n_segs, 4);
    ck_assert(p->segs[0].ac_lost && !p->segs[0].rail_on);
    ck_assert(p->segs[1].ac_lost && p->segs[1].rail_on);
    ck_assert(!p->segs[2].ac_lost && !p->segs[2].rail_on);
    ck_assert(!p->segs[3].ac_lost && !p->segs[3].rail_on);
    rc_profile_free(p);
}
END_TEST

START_TEST(waits_count_at_their_timeout)
{
    rc_profile *p = compile("restore\nwait ready timeout 60s\nwait ad1 timeout 5min\n"
                            "wait restored timeout 2min\nwait down timeout 10s\nhold 1s\n");
    const rc_wait_on on[] = {RC_WAIT_READY, RC_WAIT_AD1, RC_WAIT_RESTORED, RC_WAIT_DOWN};
    const int64_t dur[] = {60000000, 300000000, 120000000, 10000000};
    int64_t t = 0;
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(p->segs[i].kind, RC_SEG_WAIT);
        ck_assert_int_eq(p->segs[i].wait_on, on[i]);
        ck_assert_int_eq(p->segs[i].start_us, t);
        ck_assert_int_eq(p->segs[i].duration_us, dur[i]);
        t += dur[i];
    }
    ck_assert_int_eq(p->segs[4].start_us, 490000000);
    ck_assert_int_eq(p->segs[4].wait_on, RC_WAIT_NONE);
    rc_profile_free(p);
}
END_TEST

START_TEST(repeat_expands_and_nests)
{
    rc_profile *p = compile("repeat 3\n  level 0V\n  hold 1ms\n  repeat 2\n    level 12V\n"
                            "    hold 2ms\n  end\nend\nrepeat 0\n  hold 1h\nend\n");
    ck_assert_uint_eq(p->n_segs, 3 * 3 + 1);
    int64_t t = 0;
    for (size_t i = 0; i < 9; i++) {
        ck_assert_int_eq(p->segs[i].start_us, t);
        ck_assert_int_eq(p->segs[i].from_mv, i % 3 == 0 ? 0 : 12000);
        ck_assert_int_eq(p->segs[i].line, i % 3 == 0 ? 3 : 6);
        t += p->segs[i].duration_us;
    }
    ck_assert_int_eq(t, 15000);
    ck_assert_int_eq(p->segs[9].start_us, 15000);
    rc_profile_free(p);
}
END_TEST

START_TEST(repeat_zero_keeps_state)
{
    rc_profile *p = compile("repeat 0\n  level 1V\n  restore\nend\nhold 1s\n");
    ck_assert_int_eq(p->segs[0].from_mv, 12000);
    ck_assert(!p->segs[0].rail_on);
    rc_profile_free(p);
}
END_TEST

START_TEST(params_defaults_and_set)
{
    const char *text = "param off = 172s\nparam n = 2\nparam v = 70%\nrepeat $n\n  level $v\n"
                       "  hold $off\nend\n";
    rc_profile *p = compile(text);
    ck_assert_uint_eq(p->n_segs, 3);
    ck_assert_int_eq(p->segs[0].duration_us, 172000000);
    ck_assert_int_eq(p->segs[0].from_mv, 8400);
    ck_assert_uint_eq(p->n_params, 3);
    ck_assert_str_eq(p->params[0].name, "off");
    ck_assert_str_eq(p->params[0].value, "172s");
    ck_assert(!p->params[0].overridden);
    rc_profile_free(p);

    const char *set[] = {"off=179.9s", "n=1"};
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    opt.set = set;
    opt.n_set = 2;
    p = compile_opt(text, &opt);
    ck_assert_uint_eq(p->n_segs, 2);
    ck_assert_int_eq(p->segs[0].duration_us, 179900000);
    ck_assert_str_eq(p->params[0].value, "179.9s");
    ck_assert(p->params[0].overridden);
    ck_assert(p->params[1].overridden);
    ck_assert(!p->params[2].overridden);
    rc_profile_free(p);
}
END_TEST

START_TEST(param_may_be_used_before_its_declaration)
{
    rc_profile *p = compile("hold $d\nparam d = 5ms\n");
    ck_assert_int_eq(p->segs[0].duration_us, 5000);
    rc_profile_free(p);
}
END_TEST

START_TEST(observe_option_overrides)
{
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    opt.observe_us = 0;
    rc_profile *p = compile_opt("observe 5min\nhold 1s\n", &opt);
    ck_assert_int_eq(p->observe_us, 0);
    ck_assert_uint_eq(p->n_segs, 2);
    ck_assert_int_eq(p->segs[1].kind, RC_SEG_OBSERVE);
    ck_assert_int_eq(p->segs[1].duration_us, 0);
    ck_assert_int_eq(p->nominal_us, 1000000);
    rc_profile_free(p);
    p = compile("observe 5min\nhold 1s\n");
    ck_assert_int_eq(p->segs[1].duration_us, 300000000);
    ck_assert_int_eq(p->nominal_us, 301000000);
    rc_profile_free(p);
}
END_TEST

START_TEST(scenario_names)
{
    rc_profile *p = compile("scenario ota\n");
    ck_assert_int_eq(p->scenario, RC_SCENARIO_OTA);
    rc_profile_free(p);
    p = compile("scenario outage\n");
    ck_assert_int_eq(p->scenario, RC_SCENARIO_OUTAGE);
    rc_profile_free(p);
    rc_scenario s;
    ck_assert_int_eq(rc_scenario_from_name("test", &s), RC_OK);
    ck_assert_int_eq(s, RC_SCENARIO_TEST);
    ck_assert_int_eq(rc_scenario_from_name("OTA", &s), RC_ERR_PARSE);
    ck_assert_str_eq(rc_scenario_name(RC_SCENARIO_OUTAGE), "outage");
    ck_assert_str_eq(rc_seg_kind_name(RC_SEG_OBSERVE), "observe");
    ck_assert_str_eq(rc_wait_on_name(RC_WAIT_RESTORED), "restored");
}
END_TEST

START_TEST(marks_and_expectations)
{
    rc_profile *p = compile(
        "expect ad1 within 200s after activation   # mark declared later\n"
        "restore\nhold 1s\nmark activation\ncut\nhold 3min\nmark back\n"
        "expect ad1\nexpect no ad1\nexpect ad1 between 180s and 240s after activation\n"
        "expect ad1 within 5s after start\nexpect ad1 within 5s\nexpect max_outage < 180s\n");
    ck_assert_uint_eq(p->n_marks, 2);
    ck_assert_str_eq(p->marks[0].name, "activation");
    ck_assert_uint_eq(p->marks[0].segment, 1);
    ck_assert_uint_eq(p->marks[1].segment, 2); /* the observation window */
    ck_assert_uint_eq(p->n_expects, 7);
    const rc_expect *e = p->expects;
    ck_assert_int_eq(e[0].kind, RC_EXPECT_AD1_WINDOW);
    ck_assert_int_eq(e[0].mark, 0);
    ck_assert_int_eq(e[0].lo_us, 0);
    ck_assert_int_eq(e[0].hi_us, 200000000);
    ck_assert_str_eq(e[0].text, "expect ad1 within 200s after activation");
    ck_assert_int_eq(e[0].line, 1);
    ck_assert_int_eq(e[1].kind, RC_EXPECT_AD1);
    ck_assert_int_eq(e[2].kind, RC_EXPECT_NO_AD1);
    ck_assert_str_eq(e[2].text, "expect no ad1");
    ck_assert_int_eq(e[3].kind, RC_EXPECT_AD1_WINDOW);
    ck_assert_int_eq(e[3].lo_us, 180000000);
    ck_assert_int_eq(e[3].hi_us, 240000000);
    ck_assert_int_eq(e[3].mark, 0);
    ck_assert_int_eq(e[4].mark, -1);
    ck_assert_int_eq(e[5].mark, -1);
    ck_assert_int_eq(e[5].hi_us, 5000000);
    ck_assert_int_eq(e[6].kind, RC_EXPECT_MAX_OUTAGE_BELOW);
    ck_assert_int_eq(e[6].bound_us, 180000000);
    ck_assert_str_eq(e[6].text, "expect max_outage < 180s");
    rc_profile_free(p);
}
END_TEST

START_TEST(includes_share_params_and_resolve_relative)
{
    const char *inc = rc_test_write_file("inc.rail", "param up = 2s\nrestore\nhold $up\n");
    const char *slash = strrchr(inc, '/');
    char main_text[600];
    snprintf(main_text, sizeof main_text, "include \"%s\"\nhold $up\ninclude \"%s\"\n",
             slash + 1, slash + 1);
    const char *main_path = rc_test_write_file("main.rail", main_text);
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_msg(rc_profile_load(main_path, NULL, &p, &err) == RC_OK, "%s", err.msg);
    ck_assert_uint_eq(p->n_files, 2);
    ck_assert_str_eq(p->files[0], main_path);
    ck_assert_str_eq(p->files[1], inc);
    ck_assert_uint_eq(p->n_segs, 4);
    ck_assert_int_eq(p->segs[0].file, 1);
    ck_assert_int_eq(p->segs[0].line, 3);
    ck_assert_int_eq(p->segs[1].file, 0);
    ck_assert_int_eq(p->segs[1].line, 2);
    ck_assert_int_eq(p->segs[2].start_us, 4000000);
    ck_assert_str_eq(p->source, main_text);
    rc_profile_free(p);
}
END_TEST

START_TEST(fixtures_compile)
{
    const char *names[] = {"ota-reboot.rail", "ota-off.rail", "mains-outage.rail",
                           "staged-activation.rail"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/profiles/%s", RC_FIXTURES_DIR, names[i]);
        rc_profile *p = NULL;
        rc_error err;
        ck_assert_msg(rc_profile_load_any(path, NULL, &p, &err) == RC_OK, "%s", err.msg);
        ck_assert_int_eq(p->segs[p->n_segs - 1].kind, RC_SEG_OBSERVE);
        rc_profile_free(p);
    }
}
END_TEST

START_TEST(ota_reboot_demo)
{
    char path[512];
    snprintf(path, sizeof path, "%s/profiles/ota-reboot.rail", RC_FIXTURES_DIR);
    rc_profile *p = NULL;
    rc_error err;
    ck_assert_msg(rc_profile_load(path, NULL, &p, &err) == RC_OK, "%s", err.msg);
    ck_assert_int_eq(p->scenario, RC_SCENARIO_OTA);
    ck_assert_uint_eq(p->n_marks, 1);
    const rc_segment *cut = &p->segs[p->marks[0].segment];
    ck_assert(!cut->rail_on);
    ck_assert_int_eq(cut->duration_us, 172000000);
    rc_profile_free(p);
}
END_TEST

START_TEST(segment_at_finds_the_running_segment)
{
    rc_profile *p = compile("hold 1s\nhold 2s\nobserve 0s\n");
    ck_assert_uint_eq(rc_profile_segment_at(p, -5), 0);
    ck_assert_uint_eq(rc_profile_segment_at(p, 0), 0);
    ck_assert_uint_eq(rc_profile_segment_at(p, 999999), 0);
    ck_assert_uint_eq(rc_profile_segment_at(p, 1000000), 1);
    ck_assert_uint_eq(rc_profile_segment_at(p, 2999999), 1);
    ck_assert_uint_eq(rc_profile_segment_at(p, 3000000), 2);
    ck_assert_uint_eq(rc_profile_segment_at(p, 1LL << 50), 2);
    rc_profile_free(p);
    rc_profile *empty = rc_profile_new();
    ck_assert_uint_eq(rc_profile_segment_at(empty, 10), 0);
    ck_assert_int_eq(empty->observe_us, RC_DEFAULT_OBSERVE_US);
    rc_profile_free(empty);
    rc_profile_free(NULL);
}
END_TEST

START_TEST(crlf_tabs_and_comments)
{
    rc_profile *p = compile("\thold\t1s # c\r\n# whole line\r\n  hold 2s#x\r\n");
    ck_assert_uint_eq(p->n_segs, 3);
    ck_assert_int_eq(p->segs[1].duration_us, 2000000);
    rc_profile_free(p);
}
END_TEST

START_TEST(large_repeat_within_bounds)
{
    rc_profile *p = compile("repeat 250000\n level 0V\n hold 1ms\n level 12V\n hold 1ms\nend\n");
    ck_assert_uint_eq(p->n_segs, 500001);
    ck_assert_int_eq(p->segs[500000].start_us, 500000000);
    rc_profile_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("compile");
    tcase_add_test(tc, empty_profile_is_just_the_window);
    tcase_add_test(tc, hold_times_are_exact);
    tcase_add_test(tc, levels_and_ramps);
    tcase_add_test(tc, nominal_sets_the_initial_level);
    tcase_add_test(tc, cut_restore_and_ac_lost_are_independent);
    tcase_add_test(tc, waits_count_at_their_timeout);
    tcase_add_test(tc, repeat_expands_and_nests);
    tcase_add_test(tc, repeat_zero_keeps_state);
    tcase_add_test(tc, params_defaults_and_set);
    tcase_add_test(tc, param_may_be_used_before_its_declaration);
    tcase_add_test(tc, observe_option_overrides);
    tcase_add_test(tc, scenario_names);
    tcase_add_test(tc, marks_and_expectations);
    tcase_add_test(tc, includes_share_params_and_resolve_relative);
    tcase_add_test(tc, fixtures_compile);
    tcase_add_test(tc, ota_reboot_demo);
    tcase_add_test(tc, segment_at_finds_the_running_segment);
    tcase_add_test(tc, crlf_tabs_and_comments);
    tcase_add_test(tc, large_repeat_within_bounds);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
