/*
 * test_model_params.c - the CH and supply parameter table: defaults, values
 * with units, CH files, error messages, and that the fixtures and
 * docs/ch-model.md name every parameter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/model.h"
#include "railcut/units.h"
#include "testutil.h"

typedef struct listing {
    char names[64][48];
    char values[64][48];
    char units[64][24];
    size_t n;
} listing;

static void collect(void *ctx, const char *name, const char *value, const char *unit,
                    const char *description)
{
    listing *l = ctx;
    ck_assert_uint_lt(l->n, 64);
    ck_assert_uint_gt(strlen(description), 10);
    snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
    snprintf(l->values[l->n], sizeof l->values[0], "%s", value);
    snprintf(l->units[l->n], sizeof l->units[0], "%s", unit);
    l->n++;
}

static const char *value_of(const listing *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return l->values[i];
    ck_abort_msg("no parameter %s", name);
    return NULL;
}

static void defaults(rc_ch_params *ch, rc_supply_params *sup)
{
    rc_ch_params_default(ch);
    rc_supply_params_default(sup);
}

START_TEST(test_defaults_listed)
{
    rc_ch_params ch;
    rc_supply_params sup;
    defaults(&ch, &sup);
    listing l = {0};
    rc_model_params_foreach(&ch, &sup, collect, &l);
    ck_assert_uint_eq(l.n, 21);
    ck_assert_str_eq(value_of(&l, "uvlo_off"), "8V");
    ck_assert_str_eq(value_of(&l, "uvlo_on"), "9V");
    ck_assert_str_eq(value_of(&l, "holdup"), "2s");
    ck_assert_str_eq(value_of(&l, "recharge"), "30s");
    ck_assert_str_eq(value_of(&l, "boot"), "20s");
    int64_t qualify_us;
    ck_assert_int_eq(rc_parse_duration_us(value_of(&l, "outage_qualify"), &qualify_us, NULL),
                     RC_OK);
    ck_assert_int_eq(qualify_us, 180000000);
    ck_assert_str_eq(value_of(&l, "ad1_mode"), "last-gasp");
    ck_assert_str_eq(value_of(&l, "run_current"), "150mA");
    ck_assert_str_eq(value_of(&l, "defect_no_ad1"), "false");
    ck_assert_str_eq(value_of(&l, "defect_short_restore"), "0us");
    ck_assert_str_eq(value_of(&l, "supply.slew"), "12V/ms");
    ck_assert_str_eq(value_of(&l, "supply.current_limit"), "1A");
    ck_assert_str_eq(value_of(&l, "supply.discharge"), "open");
    ck_assert_str_eq(value_of(&l, "supply.discharge_resistance"), "100ohm");
    ck_assert_str_eq(value_of(&l, "supply.rail_capacitance"), "470uF");
    /* conformant CH and the rig's default crossing detector agree */
    ck_assert_int_eq(ch.uvlo_off_mv, 8000);
    ck_assert_int_eq(ch.uvlo_on_mv, 9000);
    ck_assert_int_eq(ch.outage_qualify_us, 180000000);
}
END_TEST

START_TEST(test_set_each_type)
{
    rc_ch_params ch;
    rc_supply_params sup;
    defaults(&ch, &sup);
    rc_error err;
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "uvlo_off", "7.5V", &err), RC_OK);
    ck_assert_int_eq(ch.uvlo_off_mv, 7500);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "ch.boot", "12.5s", &err), RC_OK);
    ck_assert_int_eq(ch.boot_us, 12500000);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "run_current", "0.2A", &err), RC_OK);
    ck_assert_int_eq(ch.run_ma, 200);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "ad1_mode", "on-restore", &err), RC_OK);
    ck_assert_int_eq(ch.ad1_mode, RC_AD1_ON_RESTORE);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "defect_double_ad1", "true", &err), RC_OK);
    ck_assert(ch.defect_double_ad1);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "defect_timer_offset", "-10s", &err), RC_OK);
    ck_assert_int_eq(ch.defect_timer_offset_us, -10000000);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.slew", "500mV/ms", &err), RC_OK);
    ck_assert_int_eq(sup.slew_mv_per_ms, 500);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.slew", "2mV/us", &err), RC_OK);
    ck_assert_int_eq(sup.slew_mv_per_ms, 2000);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.rail_capacitance", "2.2mF", &err),
                     RC_OK);
    ck_assert_int_eq(sup.rail_uf, 2200);
    ck_assert_int_eq(
        rc_model_param_set(&ch, &sup, "supply.discharge_resistance", "1.5kohm", &err), RC_OK);
    ck_assert_int_eq(sup.discharge_ohm, 1500);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.discharge", "active", &err), RC_OK);
    ck_assert_int_eq(sup.discharge, RC_DISCHARGE_ACTIVE);

    listing l = {0};
    rc_model_params_foreach(&ch, &sup, collect, &l);
    ck_assert_str_eq(value_of(&l, "uvlo_off"), "7.5V");
    ck_assert_str_eq(value_of(&l, "boot"), "12.5s");
    ck_assert_str_eq(value_of(&l, "run_current"), "200mA");
    ck_assert_str_eq(value_of(&l, "defect_timer_offset"), "-10s");
    ck_assert_str_eq(value_of(&l, "supply.slew"), "2V/ms");
    ck_assert_str_eq(value_of(&l, "supply.rail_capacitance"), "2200uF");
    ck_assert_str_eq(value_of(&l, "supply.discharge"), "active");
}
END_TEST

START_TEST(test_foreach_round_trips)
{
    /* every value foreach prints is accepted back by set, unchanged */
    rc_ch_params ch, ch2;
    rc_supply_params sup, sup2;
    defaults(&ch, &sup);
    ch.defect_short_restore_us = 1500;
    sup.slew_mv_per_ms = 1250;
    defaults(&ch2, &sup2);
    listing l = {0};
    rc_model_params_foreach(&ch, &sup, collect, &l);
    for (size_t i = 0; i < l.n; i++)
        ck_assert_int_eq(rc_model_param_set(&ch2, &sup2, l.names[i], l.values[i], NULL), RC_OK);
    ck_assert_mem_eq(&ch, &ch2, sizeof ch);
    ck_assert_mem_eq(&sup, &sup2, sizeof sup);
}
END_TEST

START_TEST(test_set_errors)
{
    rc_ch_params ch;
    rc_supply_params sup;
    defaults(&ch, &sup);
    rc_error err;
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "uvlo_of", "8V", &err), RC_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "did you mean 'uvlo_off'"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "slew", "8V/ms", &err), RC_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "did you mean 'supply.slew'"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.boot", "1s", &err),
                     RC_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "'boot'"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "frobnicate", "1", &err), RC_ERR_NOT_FOUND);
    ck_assert_ptr_null(strstr(err.msg, "did you mean"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "uvlo_off", "8", &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "uvlo_off"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "boot", "20V", &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "boot", "-1s", &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of range"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "holdup", "2001s", &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "ad1_mode", "lastgasp", &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "on-restore"));
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "defect_no_ad1", "maybe", &err),
                     RC_ERR_PARSE);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.slew", "12V", &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.rail_capacitance", "0.5nF", &err),
                     RC_ERR_PARSE);
    ck_assert_int_eq(rc_model_param_set(&ch, &sup, "supply.rail_capacitance", "0uF", &err),
                     RC_ERR_PARSE);
    /* nothing changed */
    rc_ch_params ch0;
    rc_supply_params sup0;
    defaults(&ch0, &sup0);
    ck_assert_mem_eq(&ch, &ch0, sizeof ch);
    ck_assert_mem_eq(&sup, &sup0, sizeof sup);
}
END_TEST

START_TEST(test_conformant_fixture_is_default)
{
    rc_ch_params ch, ch0;
    rc_supply_params sup, sup0;
    defaults(&ch0, &sup0);
    /* start from something else so that those values must come from the file */
    defaults(&ch, &sup);
    ch.boot_us = 1;
    ch.defect_no_ad1 = true;
    sup.rail_uf = 1;
    rc_error err;
    ck_assert_msg(rc_model_params_load(&ch, &sup, RC_FIXTURES_DIR "/ch/conformant.ini", &err) ==
                      RC_OK,
                  "%s", err.msg);
    ck_assert_mem_eq(&ch, &ch0, sizeof ch);
    ck_assert_mem_eq(&sup, &sup0, sizeof sup);
}
END_TEST

static void load_fixture(const char *name, rc_ch_params *ch)
{
    rc_supply_params sup;
    defaults(ch, &sup);
    char path[512];
    snprintf(path, sizeof path, "%s/ch/%s", RC_FIXTURES_DIR, name);
    rc_error err;
    ck_assert_msg(rc_model_params_load(ch, &sup, path, &err) == RC_OK, "%s", err.msg);
}

START_TEST(test_defect_fixtures)
{
    rc_ch_params ch;
    load_fixture("on-restore.ini", &ch);
    ck_assert_int_eq(ch.ad1_mode, RC_AD1_ON_RESTORE);
    load_fixture("defect-short-restore.ini", &ch);
    ck_assert_int_eq(ch.defect_short_restore_us, 10000000);
    load_fixture("defect-timer-offset.ini", &ch);
    ck_assert_int_eq(ch.defect_timer_offset_us, -10000000);
    load_fixture("defect-no-ad1.ini", &ch);
    ck_assert(ch.defect_no_ad1);
    load_fixture("defect-double-ad1.ini", &ch);
    ck_assert(ch.defect_double_ad1);
    ck_assert(!ch.defect_no_ad1);
}
END_TEST

START_TEST(test_load_errors)
{
    rc_ch_params ch, ch0;
    rc_supply_params sup, sup0;
    defaults(&ch, &sup);
    defaults(&ch0, &sup0);
    rc_error err;
    const char *path = rc_test_write_file("bad.ini", "[ch]\nboot = 5s\n\nuvlo_of = 7V\n");
    ck_assert_int_eq(rc_model_params_load(&ch, &sup, path, &err), RC_ERR_PARSE);
    char want[600];
    snprintf(want, sizeof want, "%s:4: unknown CH parameter 'uvlo_of'", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    ck_assert_mem_eq(&ch, &ch0, sizeof ch); /* a file with an error changes nothing */

    path = rc_test_write_file("bad.ini", "[supply]\nslew = fast\n");
    ck_assert_int_eq(rc_model_params_load(&ch, &sup, path, &err), RC_ERR_PARSE);
    snprintf(want, sizeof want, "%s:2: supply.slew: bad slew rate 'fast'", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);

    path = rc_test_write_file("bad.ini", "[ch]\n[meter]\nx = 1\n");
    ck_assert_int_eq(rc_model_params_load(&ch, &sup, path, &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, ":3: unknown section [meter]"));

    path = rc_test_write_file("bad.ini", "boot = 1s\n");
    ck_assert_int_eq(rc_model_params_load(&ch, &sup, path, &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, ":1: 'boot' is outside"));

    path = rc_test_write_file("bad.ini", "[ch]\nthis line has no equals sign\n");
    ck_assert_int_eq(rc_model_params_load(&ch, &sup, path, &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, ":2: expected"));

    ck_assert_int_eq(rc_model_params_load(&ch, &sup, "/nonexistent/ch.ini", &err), RC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/ch.ini"));
}
END_TEST

/* The fixture and the document describe every parameter by name. */
START_TEST(test_every_param_documented)
{
    rc_ch_params ch;
    rc_supply_params sup;
    defaults(&ch, &sup);
    listing l = {0};
    rc_model_params_foreach(&ch, &sup, collect, &l);
    char *doc = rc_test_read_file(RC_FIXTURES_DIR "/../docs/ch-model.md", NULL);
    char *ini = rc_test_read_file(RC_FIXTURES_DIR "/ch/conformant.ini", NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_nonnull(ini);
    for (size_t i = 0; i < l.n; i++) {
        char cell[80];
        snprintf(cell, sizeof cell, "| `%s` |", l.names[i]);
        ck_assert_msg(strstr(doc, cell), "docs/ch-model.md lacks the row %s", cell);
        const char *bare = strncmp(l.names[i], "supply.", 7) == 0 ? l.names[i] + 7 : l.names[i];
        char line[80];
        snprintf(line, sizeof line, "\n%s = ", bare);
        ck_assert_msg(strstr(ini, line), "conformant.ini lacks %s", bare);
    }
    free(doc);
    free(ini);
}
END_TEST

static Suite *params_suite(void)
{
    Suite *s = suite_create("model_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, test_defaults_listed);
    tcase_add_test(tc, test_set_each_type);
    tcase_add_test(tc, test_foreach_round_trips);
    tcase_add_test(tc, test_set_errors);
    tcase_add_test(tc, test_conformant_fixture_is_default);
    tcase_add_test(tc, test_defect_fixtures);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_every_param_documented);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(params_suite());
}
