/*
 * test_bench.c - the bench commands through the real railcut binary:
 * devices with no FTDI attached, flash's refusals (not a bitstream, bench
 * busy, iceprog missing or failing) and its iceprog command line, calibrate
 * on a simulated board with a known error in the DMM readings, and run
 * --bench (lock held by another process, calibration in the trace header).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"

#include "harness.h"

/* A fresh directory per test with benches/ holding the example benches. */
static char dir[512];

static void setup_dir(void)
{
    static unsigned n;
    mkdir(RC_CLI_TMP_DIR, 0777);
    snprintf(dir, sizeof dir, "%s/bench-%ld-%u", RC_CLI_TMP_DIR, (long)getpid(), n++);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    char path[1024], cmd[2048];
    snprintf(path, sizeof path, "%s/benches", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/locks", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(cmd, sizeof cmd, "cp %s/benches/*.ini %s/benches/", RC_FIXTURES_DIR, dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Runs `railcut ARGS` in the test directory with its own lock directory. */
static cli_result railcut(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static cli_result railcut(const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return cli_shell("cd %s && RAILCUT_LOCK_DIR=%s/locks %s %s", dir, dir, RAILCUT_BIN, args);
}

/* Another process holding the bench lock the way railcut does. */
static pid_t hold_lock(const char *serial)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/locks/railcut-bench-%s.lock", dir, serial);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR | O_CREAT, 0666);
        char text[64];
        int n = snprintf(text, sizeof text, "%d 1795600800\n", (int)getpid());
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(fd, text, (size_t)n) != n ||
            write(fds[1], "y", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    char ok;
    ck_assert_int_eq(read(fds[0], &ok, 1), 1);
    close(fds[0]);
    return pid;
}

static void release(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void write_bitstream(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    const unsigned char head[] = {0xff, 0x00, 'r',  'c',  0x00, 0xff, 0x7e,
                                  0xaa, 0x99, 0x7e, 0x51, 0x00, 0x01, 0x05};
    fwrite(head, 1, sizeof head, f);
    fclose(f);
}

/* A stand-in iceprog that records its arguments and exits with `code`. */
static void fake_iceprog(int code)
{
    char path[1024], text[1024];
    snprintf(path, sizeof path, "%s/iceprog", dir);
    snprintf(text, sizeof text, "#!/bin/sh\necho \"$@\" > %s/iceprog.args\nexit %d\n", dir,
             code);
    cli_write_file(path, text);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(test_devices_none)
{
    setup_dir();
    cli_result r = railcut("devices");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_msg(strncmp(r.out, "no FTDI devices found", 21) == 0, "%s", r.out);
    cli_result_free(&r);
    r = railcut("devices extra");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

START_TEST(test_flash_refuses_non_bitstream)
{
    setup_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/firmware.hex", dir);
    cli_write_file(path, ":10000000FFFFFFFF\n");
    cli_result r = railcut("flash firmware.hex --bench icebreaker");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_str_eq(r.err,
                     "railcut: firmware.hex is not an iCE40 bitstream (no preamble 7E AA "
                     "99 7E in its first 4096 bytes)\n");
    cli_result_free(&r);
    r = railcut("flash missing.bin");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = railcut("flash");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

START_TEST(test_flash_refuses_busy_bench)
{
    setup_dir();
    write_bitstream("railcut.bin");
    fake_iceprog(0);
    pid_t pid = hold_lock("ICEB0001");
    cli_result r = railcut("flash railcut.bin --bench icebreaker --iceprog ./iceprog");
    ck_assert_int_eq(r.exit_code, 3);
    char want[256];
    snprintf(want, sizeof want,
             "railcut: bench busy (FTDI serial ICEB0001), held by PID %d (since "
             "2026-11-25T10:00:00Z)\n",
             (int)pid);
    ck_assert_str_eq(r.err, want);
    cli_result_free(&r);
    char args[1024];
    snprintf(args, sizeof args, "%s/iceprog.args", dir);
    ck_assert_int_ne(access(args, F_OK), 0); /* iceprog never ran */
    release(pid);
    /* Once the holder is gone, its lock is taken over. */
    r = railcut("flash railcut.bin --bench icebreaker --iceprog ./iceprog --no-verify");
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
}
END_TEST

START_TEST(test_flash_iceprog)
{
    setup_dir();
    write_bitstream("railcut.bin");
    fake_iceprog(0);
    cli_result r = railcut("flash railcut.bin --bench hx8k --iceprog ./iceprog --no-verify");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_msg(strstr(r.out, "written: railcut.bin to bench hx8k\n") != NULL, "%s", r.out);
    cli_result_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/iceprog.args", dir);
    char *args = cli_slurp(path, NULL);
    ck_assert_str_eq(args, "-d s:0x0403:0x6010:HX8K0001 railcut.bin\n");
    free(args);
    r = railcut("flash railcut.bin --sram --iceprog ./iceprog --no-verify");
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
    args = cli_slurp(path, NULL);
    ck_assert_str_eq(args, "-S railcut.bin\n");
    free(args);
    fake_iceprog(1);
    r = railcut("flash railcut.bin --bench hx8k --iceprog ./iceprog");
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_str_eq(r.err, "railcut: ./iceprog failed (exit 1); the board was not written\n");
    cli_result_free(&r);
    r = railcut("flash railcut.bin --bench hx8k --iceprog ./no-such-iceprog");
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_str_eq(r.err, "railcut: cannot run ./no-such-iceprog: No such file or directory "
                            "(install fpga-icestorm, or give --iceprog)\n");
    cli_result_free(&r);
    r = railcut("flash railcut.bin --bench nowhere");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

/* The stored value of `key` in section [sec] of the bench file. */
static double stored(const char *text, const char *sec, const char *key)
{
    char head[64], pat[64];
    snprintf(head, sizeof head, "[%s]\n", sec);
    const char *p = strstr(text, head);
    ck_assert_ptr_nonnull(p);
    snprintf(pat, sizeof pat, "\n%s = ", key);
    p = strstr(p, pat);
    ck_assert_ptr_nonnull(p);
    return strtod(p + strlen(pat), NULL);
}

START_TEST(test_calibrate_recovers_error)
{
    setup_dir();
    /* The simulated board puts code * 0.25 mV on the rail into 100 ohm. The
     * readings carry a known error: 2 % high and 35 mV low on the voltage,
     * 1 % high and 0.5 mA high on the current. */
    const int codes[4] = {8000, 20000, 32000, 44000};
    char text[2048] = "# reference\nKeysight 34461A\nMY5400\n0.001\n0.0001\n";
    for (int i = 0; i < 4; i++) {
        double mv = codes[i] * 0.25;
        double v = (mv * 1.02 - 35) / 1000;
        double a = (mv / 100 * 1.01 + 0.5) / 1000;
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "%.7f\n%.8f\n", v, a);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/readings.txt", dir);
    cli_write_file(path, text);
    cli_result r = railcut("calibrate --bench icebreaker --simulate --readings readings.txt "
                           "--codes 8000,20000,32000,44000");
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    ck_assert_msg(
        strstr(r.out, "point 1: DAC code 8000, rail ADC code 8000, current ADC code 200\n"),
        "%s", r.out);
    cli_result_free(&r);
    snprintf(path, sizeof path, "%s/benches/icebreaker.ini", dir);
    char *bench = cli_slurp(path, NULL);
    ck_assert(fabs(stored(bench, "cal.dac", "gain") - 0.255) < 1e-9);
    ck_assert(fabs(stored(bench, "cal.dac", "offset") + 35) < 1e-6);
    ck_assert(fabs(stored(bench, "cal.rail_v", "gain") - 0.255) < 1e-9);
    ck_assert(fabs(stored(bench, "cal.rail_v", "offset") + 35) < 1e-6);
    ck_assert(fabs(stored(bench, "cal.rail_a", "gain") - 0.101) < 1e-9);
    ck_assert(fabs(stored(bench, "cal.rail_a", "offset") - 0.5) < 1e-6);
    /* Exact readings: the uncertainty is the reference's. */
    ck_assert(fabs(stored(bench, "cal.dac", "uncertainty") - 1.0) < 1e-6);
    ck_assert(fabs(stored(bench, "cal.rail_a", "uncertainty") - 0.1) < 1e-6);
    ck_assert(strstr(bench, "instrument = Keysight 34461A\nserial = MY5400\n"));
    /* The rest of the file is as it was. */
    ck_assert(strstr(bench, "[pins]\n; iCEBreaker pin numbers (docs/hardware.md, pin table).\n"
                            "rail_en_n = 43\n"));
    free(bench);
    /* A run on the bench records this calibration. */
    r = railcut("run %s/profiles/ota/reboot-10s.rail --bench icebreaker --trace t.rct -q",
                RC_FIXTURES_DIR);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    r = railcut("info t.rct --params");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_msg(strstr(r.out, "  cal.bench                    icebreaker\n"), "%s", r.out);
    ck_assert(strstr(r.out, "  cal.dac.gain                 0.255\n"));
    ck_assert(strstr(r.out, "  cal.rail_a.instrument        Keysight 34461A\n"));
    ck_assert(strstr(r.out, "  cal.dac.age_days             0\n"));
    cli_result_free(&r);
}
END_TEST

START_TEST(test_calibrate_errors)
{
    setup_dir();
    cli_result r = railcut("calibrate");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_str_eq(r.err, "railcut calibrate: --bench NAME is required\n"
                            "(railcut calibrate --help shows the options)\n");
    cli_result_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/short.txt", dir);
    cli_write_file(path, "DMM\n123\n0.001\n0.0001\n2.0\n");
    r = railcut("calibrate --bench hx8k --simulate --readings short.txt");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_str_eq(
        r.err, "railcut calibrate: no answer for \"point 1: DMM current into the load (A)\"\n");
    cli_result_free(&r);
    cli_write_file(path, "DMM\n123\nabc\n");
    r = railcut("calibrate --bench hx8k --simulate --readings short.txt");
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_str_eq(r.err, "railcut calibrate: line 3: \"abc\" is not a number (its voltage "
                            "uncertainty here (V))\n");
    cli_result_free(&r);
    r = railcut("calibrate --bench hx8k --simulate --codes 5 --readings short.txt");
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
    r = railcut("calibrate --bench hx8k --readings short.txt");
    ck_assert_int_eq(r.exit_code, 3);
    cli_result_free(&r);
    pid_t pid = hold_lock("HX8K0001");
    r = railcut("calibrate --bench hx8k --simulate --readings short.txt");
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_msg(strstr(r.err, "bench busy (FTDI serial HX8K0001), held by PID"), "%s", r.err);
    cli_result_free(&r);
    release(pid);
}
END_TEST

START_TEST(test_run_bench_busy)
{
    setup_dir();
    pid_t pid = hold_lock("HX8K0001");
    cli_result r = railcut("run %s/profiles/ota/reboot-10s.rail --bench hx8k --trace t.rct -q",
                           RC_FIXTURES_DIR);
    ck_assert_int_eq(r.exit_code, 3);
    char want[256];
    snprintf(want, sizeof want,
             "railcut: bench busy (FTDI serial HX8K0001), held by PID %d (since "
             "2026-11-25T10:00:00Z)\n",
             (int)pid);
    ck_assert_str_eq(r.err, want);
    cli_result_free(&r);
    release(pid);
    r = railcut("run %s/profiles/ota/reboot-10s.rail --bench nosuch --trace t.rct -q",
                RC_FIXTURES_DIR);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_msg(strstr(r.err, "railcut: no bench 'nosuch' (looked for benches/nosuch.ini"),
                  "%s", r.err);
    cli_result_free(&r);
    r = railcut("run %s/profiles/ota/reboot-10s.rail --bench hx8k --bench-dir benches --trace "
                "t.rct -q",
                RC_FIXTURES_DIR);
    ck_assert_int_eq(r.exit_code, 0);
    cli_result_free(&r);
}
END_TEST

/* A loopback port that was free a moment ago. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* A WAN-side harness: connects (retrying while railcut starts), reports
 * `line` and exits 0 when the feed answered "ok". */
static pid_t feed_client(int port, const char *line)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid != 0)
        return pid;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int tries = 0; tries < 500; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            char reply[64] = "";
            if (send(fd, line, strlen(line), 0) < 0 ||
                recv(fd, reply, sizeof reply - 1, 0) <= 0)
                _exit(2);
            _exit(strcmp(reply, "ok\n") == 0 ? 0 : 3);
        }
        close(fd);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    _exit(4);
}

START_TEST(test_run_feed)
{
    setup_dir();
    int port = free_port();
    pid_t client = feed_client(port, "AD1 @100.25\n");
    /* The profile expects no AD1: the reported one makes it fail. */
    cli_result r =
        railcut("run %s/profiles/ota/reboot-10s.rail --feed-bind 127.0.0.1:%d --pace 100 "
                "--trace t.rct -q",
                RC_FIXTURES_DIR, port);
    int status;
    ck_assert_int_eq(waitpid(client, &status, 0), client);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "feed client failed");
    ck_assert_msg(r.exit_code == 1, "%s", r.err);
    cli_result_free(&r);
    r = railcut("info t.rct --events");
    ck_assert_msg(
        strstr(r.out, "          100.25 s  ad1            feed  [annotated by feed]\n"), "%s",
        r.out);
    cli_result_free(&r);
    /* A port already taken: nothing is run. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    r = railcut(
        "run %s/profiles/ota/reboot-10s.rail --feed-bind 127.0.0.1:%d --trace t2.rct -q",
        RC_FIXTURES_DIR, port);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_msg(strstr(r.err, "feed on 127.0.0.1:"), "%s", r.err);
    cli_result_free(&r);
    close(fd);
    r = railcut("run %s/profiles/ota/reboot-10s.rail --feed-bind nowhere --trace t2.rct -q",
                RC_FIXTURES_DIR);
    ck_assert_int_eq(r.exit_code, 2);
    cli_result_free(&r);
}
END_TEST

/* The emulated FT2232H (tests/emu), when this build has it and umockdev is installed. */
static bool have_emulator(char *emu, size_t cap)
{
    snprintf(emu, cap, "%s/tests/emu/railcut-emu", RC_BUILD_DIR);
    return access(emu, X_OK) == 0 && system("command -v umockdev-wrapper >/dev/null") == 0;
}

START_TEST(test_emulated_board)
{
    char emu[1024];
    if (!have_emulator(emu, sizeof emu))
        return;
    setup_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/benches/emu.ini", dir);
    cli_write_file(path, "[bench]\nname = emu\ndevice = s:RC000001\nboard = icebreaker\n"
                         "[cal.dac]\ngain = 0.25\noffset = 0\ndate = 2026-11-20\n"
                         "instrument = nominal\nserial = none\n");
    snprintf(path, sizeof path, "%s/short.rail", dir);
    cli_write_file(path, "level 12V\nrestore\nhold 2s\ncut\nhold 1s\n");
    const char *env = "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 umockdev-wrapper";
    char cmd[4096];
    snprintf(
        cmd, sizeof cmd,
        "cd %s && RAILCUT_LOCK_DIR=%s/locks %s %s --step-us 20000 -- %s devices >devices.txt",
        dir, dir, env, emu, RAILCUT_BIN);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/devices.txt", dir);
    char *out = cli_slurp(path, NULL);
    ck_assert_msg(strstr(out, "001/002  0403:6010  RC000001"), "%s", out);
    ck_assert(strstr(out, " s:RC000001\n"));
    free(out);
    snprintf(cmd, sizeof cmd,
             "cd %s && RAILCUT_LOCK_DIR=%s/locks %s %s --step-us 20000 -- %s run short.rail "
             "--backend ftdi --bench emu --trace emu.rct -q",
             dir, dir, env, emu, RAILCUT_BIN);
    char logged[4200];
    snprintf(logged, sizeof logged, "%s 2>run.txt", cmd);
    int status = system(logged);
    snprintf(path, sizeof path, "%s/run.txt", dir);
    out = cli_slurp(path, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit %d: %s",
                  WEXITSTATUS(status), out);
    free(out);
    cli_result r = railcut("info emu.rct --params");
    ck_assert_msg(strstr(r.out, "backend     ftdi\n"), "%s", r.out);
    ck_assert(strstr(r.out, "  cal.dac.gain                 0.25\n"));
    cli_result_free(&r);
    /* The same bench held by another process: refused before the board is opened. */
    pid_t pid = hold_lock("RC000001");
    size_t used = strlen(cmd);
    snprintf(cmd + used, sizeof cmd - used, " 2>busy.txt");
    status = system(cmd);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    snprintf(path, sizeof path, "%s/busy.txt", dir);
    out = cli_slurp(path, NULL);
    ck_assert_msg(strstr(out, "railcut: bench busy (FTDI serial RC000001), held by PID"), "%s",
                  out);
    free(out);
    release(pid);
}
END_TEST

static Suite *bench_cli_suite(void)
{
    Suite *s = suite_create("bench_cli");
    TCase *tc = tcase_create("bench");
    tcase_add_test(tc, test_devices_none);
    tcase_add_test(tc, test_flash_refuses_non_bitstream);
    tcase_add_test(tc, test_flash_refuses_busy_bench);
    tcase_add_test(tc, test_flash_iceprog);
    tcase_add_test(tc, test_calibrate_recovers_error);
    tcase_add_test(tc, test_calibrate_errors);
    tcase_add_test(tc, test_run_bench_busy);
    tcase_add_test(tc, test_run_feed);
    tcase_add_test(tc, test_emulated_board);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bench_cli_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
