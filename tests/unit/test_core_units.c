/*
 * test_core_units.c - exact quantities: parsing and formatting to the unit.
 */
#include <string.h>

#include "railcut/error.h"
#include "railcut/units.h"
#include "testutil.h"

static int64_t dur(const char *text)
{
    int64_t us = -1;
    rc_error err;
    ck_assert_msg(rc_parse_duration_us(text, &us, &err) == RC_OK, "%s: %s", text, err.msg);
    return us;
}

static rc_status dur_err(const char *text, rc_error *err)
{
    int64_t us;
    return rc_parse_duration_us(text, &us, err);
}

START_TEST(durations_are_exact)
{
    ck_assert_int_eq(dur("179.9s"), 179900000);
    ck_assert_int_eq(dur("180.000001s"), 180000001);
    ck_assert_int_eq(dur("10us"), 10);
    ck_assert_int_eq(dur("250ms"), 250000);
    ck_assert_int_eq(dur("0.5ms"), 500);
    ck_assert_int_eq(dur("3min"), 180000000);
    ck_assert_int_eq(dur("1.5h"), 5400000000LL);
    ck_assert_int_eq(dur(".5s"), 500000);
    ck_assert_int_eq(dur("0s"), 0);
    ck_assert_int_eq(dur("2.50000s"), 2500000);
}
END_TEST

START_TEST(duration_errors)
{
    rc_error err;
    ck_assert_int_eq(dur_err("10", &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "needs a unit"));
    ck_assert_int_eq(dur_err("10 s", &err), RC_ERR_PARSE);
    ck_assert_int_eq(dur_err("10sec", &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown unit 'sec'"));
    ck_assert_int_eq(dur_err("0.1us", &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "more precise"));
    ck_assert_int_eq(dur_err("1.0000001s", &err), RC_ERR_PARSE);
    ck_assert_int_eq(dur_err("s", &err), RC_ERR_PARSE);
    ck_assert_int_eq(dur_err("", &err), RC_ERR_PARSE);
    ck_assert_int_eq(dur_err("1.2.3s", &err), RC_ERR_PARSE);
    ck_assert_int_eq(dur_err("99999999999999999999h", &err), RC_ERR_PARSE);
    ck_assert_int_eq(dur_err("9999999999999h", &err), RC_ERR_PARSE);
}
END_TEST

START_TEST(voltages_and_currents)
{
    int32_t mv, ma;
    rc_error err;
    ck_assert_int_eq(rc_parse_voltage_mv("12V", &mv, &err), RC_OK);
    ck_assert_int_eq(mv, 12000);
    ck_assert_int_eq(rc_parse_voltage_mv("11.5V", &mv, &err), RC_OK);
    ck_assert_int_eq(mv, 11500);
    ck_assert_int_eq(rc_parse_voltage_mv("9000mV", &mv, &err), RC_OK);
    ck_assert_int_eq(mv, 9000);
    ck_assert_int_eq(rc_parse_voltage_mv("1.0005V", &mv, &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_parse_voltage_mv("12", &mv, &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_parse_voltage_mv("3000000V", &mv, &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_parse_current_ma("150mA", &ma, &err), RC_OK);
    ck_assert_int_eq(ma, 150);
    ck_assert_int_eq(rc_parse_current_ma("1.2A", &ma, &err), RC_OK);
    ck_assert_int_eq(ma, 1200);
}
END_TEST

static void check_format_duration(int64_t us, const char *want)
{
    char buf[32];
    rc_format_duration(us, buf, sizeof buf);
    ck_assert_str_eq(buf, want);
    int64_t back = -1;
    ck_assert_int_eq(rc_parse_duration_us(buf, &back, NULL), RC_OK);
    ck_assert_int_eq(back, us);
}

START_TEST(formatting_round_trips)
{
    check_format_duration(179900000, "179.9s");
    check_format_duration(180000000, "180s");
    check_format_duration(600000000, "10min");
    check_format_duration(900000000, "15min");
    check_format_duration(180000001, "180.000001s");
    check_format_duration(250000, "250ms");
    check_format_duration(1500, "1.5ms");
    check_format_duration(12, "12us");
    check_format_duration(0, "0us");
    check_format_duration(7200000000LL, "2h");
    char buf[32];
    rc_format_seconds(179900000, buf, sizeof buf);
    ck_assert_str_eq(buf, "179.9");
    rc_format_seconds(12, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.000012");
    rc_format_seconds(-1500000, buf, sizeof buf);
    ck_assert_str_eq(buf, "-1.5");
    rc_format_voltage(11500, buf, sizeof buf);
    ck_assert_str_eq(buf, "11.5V");
    rc_format_voltage(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "0V");
}
END_TEST

START_TEST(status_exit_codes)
{
    ck_assert_int_eq(rc_status_exit_code(RC_OK), 0);
    ck_assert_int_eq(rc_status_exit_code(RC_ERR_PARSE), 2);
    ck_assert_int_eq(rc_status_exit_code(RC_ERR_ARG), 2);
    ck_assert_int_eq(rc_status_exit_code(RC_ERR_IO), 3);
    ck_assert_int_eq(rc_status_exit_code(RC_ERR_DEVICE), 3);
    rc_error err;
    ck_assert_int_eq(rc_error_set(&err, RC_ERR_IO, "open %s", "x"), RC_ERR_IO);
    ck_assert_int_eq(rc_error_prefix(&err, RC_ERR_IO, "trace %d", 3), RC_ERR_IO);
    ck_assert_str_eq(err.msg, "trace 3: open x");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_units");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, durations_are_exact);
    tcase_add_test(tc, duration_errors);
    tcase_add_test(tc, voltages_and_currents);
    tcase_add_test(tc, formatting_round_trips);
    tcase_add_test(tc, status_exit_codes);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
