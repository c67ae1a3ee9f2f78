/*
 * test_bench.c - the bench-file reader: every section and key, defaults,
 * errors with file:line and did-you-mean, the example benches, the search
 * for NAME.ini, and the calibration as trace-header entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "railcut/bench.h"
#include "testutil.h"

static const char *const full_text = "; a test bench\n"
                                     "[bench]\n"
                                     "name = lab1\n"
                                     "device = s:0x0403:0x6010:RC0042\n"
                                     "board = hx8k\n"
                                     "channel = A\n"
                                     "baud = 12000000\n"
                                     "latency_ms = 2\n"
                                     "[limits]\n"
                                     "max_rail = 14.5V\n"
                                     "max_current = 1.5A\n"
                                     "[safe]\n"
                                     "rail = on\n"
                                     "rail_voltage = 12V\n"
                                     "ac_lost = on\n"
                                     "[pins]\n"
                                     "rail_en_n = P4\n"
                                     "alert = N3\n"
                                     "[alert]\n"
                                     "pin = no\n"
                                     "pin_active = low\n"
                                     "uart_pattern = ^ALERT AD1\n"
                                     "uart_baud = 57600\n"
                                     "feed = yes\n"
                                     "feed_bind = 127.0.0.1:7878\n"
                                     "[cal.dac]\n"
                                     "gain = 0.2\n"
                                     "offset = -3.5\n"
                                     "uncertainty = 1.25\n"
                                     "date = 2026-11-01\n"
                                     "instrument = Fluke 87V\n"
                                     "serial = 12345678\n";

static rc_status parse(const char *text, rc_bench *b, rc_error *err)
{
    return rc_bench_parse(text, strlen(text), "t.ini", b, err);
}

START_TEST(test_full_file)
{
    rc_bench b;
    rc_error err;
    ck_assert_int_eq(parse(full_text, &b, &err), RC_OK);
    ck_assert_str_eq(b.name, "lab1");
    ck_assert_str_eq(b.device, "s:0x0403:0x6010:RC0042");
    ck_assert_str_eq(b.serial, "RC0042");
    ck_assert_str_eq(b.board, "hx8k");
    ck_assert_int_eq(b.channel, 'A');
    ck_assert_uint_eq(b.baud, 12000000);
    ck_assert_uint_eq(b.latency_ms, 2);
    ck_assert_int_eq(b.max_rail_mv, 14500);
    ck_assert_int_eq(b.max_current_ma, 1500);
    ck_assert(b.safe_rail_on);
    ck_assert_int_eq(b.safe_rail_mv, 12000);
    ck_assert(b.safe_ac_lost);
    ck_assert_uint_eq(b.n_pins, 2);
    ck_assert_str_eq(b.pins[0].signal, "rail_en_n");
    ck_assert_str_eq(b.pins[0].pin, "P4");
    ck_assert_str_eq(b.pins[1].signal, "alert");
    ck_assert(!b.alert_pin);
    ck_assert(!b.alert_active_high);
    ck_assert_str_eq(b.uart_pattern, "^ALERT AD1");
    ck_assert_uint_eq(b.uart_baud, 57600);
    ck_assert(b.feed);
    ck_assert_str_eq(b.feed_bind, "127.0.0.1:7878");
    const rc_bench_cal *c = &b.cal[RC_BENCH_CAL_DAC];
    ck_assert(c->set);
    ck_assert(c->gain == 0.2);
    ck_assert(c->offset == -3.5);
    ck_assert(c->uncertainty == 1.25);
    ck_assert_str_eq(c->date, "2026-11-01");
    ck_assert_str_eq(c->instrument, "Fluke 87V");
    ck_assert_str_eq(c->serial, "12345678");
    ck_assert(!b.cal[RC_BENCH_CAL_RAIL_V].set);
    ck_assert(!b.cal[RC_BENCH_CAL_RAIL_A].set);
}
END_TEST

START_TEST(test_defaults)
{
    rc_bench b;
    rc_error err;
    ck_assert_int_eq(parse("[bench]\nname=x\ndevice=s:AB12\nboard=icebreaker\n", &b, &err),
                     RC_OK);
    ck_assert_str_eq(b.serial, "AB12");
    ck_assert_int_eq(b.channel, 'B');
    ck_assert_uint_eq(b.baud, 3000000);
    ck_assert_uint_eq(b.latency_ms, 1);
    ck_assert_int_eq(b.max_rail_mv, 15000);
    ck_assert_int_eq(b.max_current_ma, 2000);
    ck_assert(!b.safe_rail_on);
    ck_assert(b.alert_pin);
    ck_assert(b.alert_active_high);
    ck_assert_str_eq(b.uart_pattern, "");
    ck_assert(!b.feed);
    ck_assert_str_eq(b.feed_bind, "127.0.0.1:0");
    ck_assert_str_eq(rc_bench_cal_name(RC_BENCH_CAL_RAIL_A), "rail_a");
    ck_assert_ptr_null(rc_bench_cal_name(RC_BENCH_CAL_COUNT));
}
END_TEST

typedef struct bad_case {
    const char *text;
    const char *msg;
} bad_case;

static const bad_case bad_cases[] = {
    {"[bench]\nname=x\ndevise=s:A\n",
     "t.ini:3: unknown key 'devise' in [bench] (did you mean 'device'?)"},
    {"[bench]\nname=x\n[limit]\nmax_rail=12V\n",
     "t.ini:4: unknown section [limit] (did you mean [limits]?)"},
    {"[cal.dca]\ngain=1\n", "t.ini:2: unknown section [cal.dca] (did you mean [cal.dac]?)"},
    {"[bench]\nboard=ice\n", "t.ini:2: 'board' must be 'icebreaker' or 'hx8k', not 'ice'"},
    {"[bench]\nchannel=C\n", "t.ini:2: 'channel' must be 'A' or 'B', not 'C'"},
    {"[bench]\nbaud=12000001\n", "t.ini:2: 'baud' must be a whole number from 300 to 12000000"},
    {"[bench]\nlatency_ms=0\n", "t.ini:2: 'latency_ms' must be a whole number from 1 to 255"},
    {"[bench]\nlatency_ms=-1\n", "t.ini:2: 'latency_ms' must be a whole number from 1 to 255"},
    {"[safe]\nrail=maybe\n", "t.ini:2: 'rail' must be 'on' or 'off', not 'maybe'"},
    {"[limits]\nmax_rail=0V\n", "t.ini:2: 'max_rail' must be above 0V"},
    {"[pins]\nalert=1\nalert=2\n", "t.ini:3: pin 'alert' is given twice"},
    {"[pins]\nalret=1\n", "t.ini:2: unknown key 'alret' in [pins] (did you mean 'alert'?)"},
    {"[cal.dac]\ngain=abc\n", "t.ini:2: 'gain' must be a number, not 'abc'"},
    {"[cal.dac]\ndate=2026-02-30\n", "t.ini:2: 'date' must be YYYY-MM-DD, not '2026-02-30'"},
    {"[cal.dac]\nuncertainty=-1\n", "t.ini:2: 'uncertainty' must not be negative"},
    {"name=x\n", "t.ini:1: a key outside any section"},
    {"[bench]\nthis is not a key\n", "t.ini:2: expected 'key = value' or [section]"},
    {"[bench]\ndevice=s:A\nboard=hx8k\n", "t.ini: [bench] has no 'name'"},
    {"[bench]\nname=x\nboard=hx8k\n", "t.ini: [bench] has no 'device'"},
    {"[bench]\nname=x\ndevice=s:A\n", "t.ini: [bench] has no 'board'"},
    {"[bench]\nname=x\ndevice=d:001/004\nboard=hx8k\n",
     "t.ini: [bench] needs 'serial' (the device string 'd:001/004' has none)"},
    {"[bench]\nname=x\ndevice=i:0x0403:0x6010:1\nboard=hx8k\n",
     "t.ini: [bench] needs 'serial' (the device string 'i:0x0403:0x6010:1' has none)"},
    {"[bench]\nname=x\ndevice=s:A\nboard=hx8k\n[cal.rail_v]\ngain=0\ndate=2026-01-01\n",
     "t.ini: [cal.rail_v] needs a non-zero 'gain' and a 'date'"},
    {"[bench]\nname=x\ndevice=s:A\nboard=hx8k\n[safe]\nrail_voltage=16V\n",
     "t.ini: [safe] rail_voltage is above [limits] max_rail"},
};

START_TEST(test_bad_files)
{
    const bad_case *c = &bad_cases[_i];
    rc_bench b;
    memset(&b, 0x5a, sizeof b);
    rc_error err;
    ck_assert_int_eq(parse(c->text, &b, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, c->msg);
    ck_assert_int_eq(b.name[0], 0x5a); /* untouched on error */
}
END_TEST

START_TEST(test_nul_byte)
{
    rc_bench b;
    rc_error err;
    ck_assert_int_eq(rc_bench_parse("[bench]\0x", 9, "n.ini", &b, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "n.ini: not a text file (NUL byte)");
}
END_TEST

START_TEST(test_long_line)
{
    char text[400];
    char pattern[260];
    memset(pattern, 'a', sizeof pattern);
    pattern[183] = '\0'; /* "uart_pattern = " + 183 = 198 characters: fits */
    snprintf(text, sizeof text,
             "[bench]\nname=x\ndevice=s:A\nboard=hx8k\n[alert]\nuart_pattern = %s\n", pattern);
    rc_bench b;
    rc_error err;
    ck_assert_msg(parse(text, &b, &err) == RC_OK, "%s", err.msg);
    ck_assert_uint_eq(strlen(b.uart_pattern), 183);
    pattern[183] = 'a';
    pattern[184] = '\0'; /* 199 characters */
    snprintf(text, sizeof text,
             "[bench]\nname=x\ndevice=s:A\nboard=hx8k\n[alert]\nuart_pattern = %s", pattern);
    ck_assert_int_eq(parse(text, &b, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "t.ini:6: line longer than 198 characters");
}
END_TEST

START_TEST(test_example_benches)
{
    rc_bench b;
    rc_error err;
    ck_assert_msg(rc_bench_load(RC_FIXTURES_DIR "/benches/icebreaker.ini", &b, &err) == RC_OK,
                  "%s", err.msg);
    ck_assert_str_eq(b.name, "icebreaker");
    ck_assert_str_eq(b.board, "icebreaker");
    ck_assert_int_eq(b.channel, 'B');
    ck_assert(b.serial[0] != '\0');
    ck_assert(b.cal[RC_BENCH_CAL_DAC].set);
    ck_assert_msg(rc_bench_load(RC_FIXTURES_DIR "/benches/hx8k.ini", &b, &err) == RC_OK, "%s",
                  err.msg);
    ck_assert_str_eq(b.board, "hx8k");
    ck_assert_int_eq(rc_bench_load(RC_FIXTURES_DIR "/benches/none.ini", &b, &err), RC_ERR_IO);
}
END_TEST

START_TEST(test_find)
{
    const char *dir = rc_test_tmp_path("benchdir");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    char file[512];
    snprintf(file, sizeof file, "%s/lab.ini", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fputs("[bench]\n", f);
    fclose(f);
    char path[512];
    rc_error err;
    ck_assert_int_eq(rc_bench_find("lab", dir, path, sizeof path, &err), RC_OK);
    ck_assert_str_eq(path, file);
    ck_assert_int_eq(rc_bench_find("other", dir, path, sizeof path, &err), RC_ERR_NOT_FOUND);
    char want[1024];
    snprintf(want, sizeof want, "no bench 'other' (looked for %s/other.ini)", dir);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rc_bench_find("../x", dir, path, sizeof path, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_bench_find("", dir, path, sizeof path, &err), RC_ERR_ARG);
    /* Without a directory: ./benches, then the home directory's. */
    setenv("HOME", dir, 1);
    ck_assert_int_eq(rc_bench_find("lab", NULL, path, sizeof path, &err), RC_ERR_NOT_FOUND);
    snprintf(want, sizeof want,
             "no bench 'lab' (looked for benches/lab.ini, %s/.config/railcut/benches/lab.ini)",
             dir);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(test_cal_entries)
{
    rc_bench b;
    rc_error err;
    ck_assert_int_eq(parse(full_text, &b, &err), RC_OK);
    rc_bench_kv kv[16];
    /* 2026-11-25T10:00:00Z: 24 days after the calibration */
    int64_t now_us = 1795600800LL * 1000000;
    size_t n = rc_bench_cal_entries(&b, now_us, kv, 16);
    ck_assert_uint_eq(n, 8);
    const char *want[8][2] = {
        {"cal.bench", "lab1"},          {"cal.dac.gain", "0.2"},
        {"cal.dac.offset", "-3.5"},     {"cal.dac.uncertainty", "1.25"},
        {"cal.dac.date", "2026-11-01"}, {"cal.dac.instrument", "Fluke 87V"},
        {"cal.dac.serial", "12345678"}, {"cal.dac.age_days", "24"},
    };
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(kv[i].key, want[i][0]);
        ck_assert_str_eq(kv[i].value, want[i][1]);
    }
    ck_assert_uint_eq(rc_bench_cal_entries(&b, now_us, kv, 3), 3);
    ck_assert_str_eq(kv[2].key, "cal.dac.offset");
}
END_TEST

static Suite *bench_suite(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("file");
    tcase_add_test(tc, test_full_file);
    tcase_add_test(tc, test_defaults);
    tcase_add_loop_test(tc, test_bad_files, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_example_benches);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_cal_entries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(bench_suite());
}
