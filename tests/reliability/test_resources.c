/*
 * test_resources.c - railcut when the disk fills up or an output cannot be
 * written.
 *
 * Disk full is injected two ways: the ENOSPC shim (enospc_shim.c, preloaded)
 * lets the trace file take a fixed number of bytes and then fails every
 * write with ENOSPC; RLIMIT_FSIZE makes the kernel refuse writes past a size
 * (EFBIG; railcut ignores SIGXFSZ so that it sees the error). Either way the
 * run must end with exit 3 and a message naming the trace and the cause,
 * and the bytes that did reach the file must read back as the start of the
 * same run recorded in full. An output that cannot be created must be
 * refused with exit 3 before the run starts: the profile used would take
 * six minutes at --pace realtime, so a run that started would not end
 * within the test's time-out.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rel_util.h"

#define PROFILE RC_FIXTURES_DIR "/profiles/ota-reboot.rail"
#define SHIM_BYTES 1500000
#define FSIZE_BYTES (800 * 1024)

static rel_trace_data reference;

static void load_reference(void)
{
    if (reference.samples)
        return;
    const char *path = rel_path("reference.rct");
    const char *argv[] = {"run", PROFILE, "--trace", path, "-q", NULL};
    rel_result r = rel_railcut(argv, NULL, NULL);
    ck_assert_msg(r.exit_code == 0, "reference run: exit %d: %s", r.exit_code, r.err);
    rel_result_free(&r);
    rel_trace_load(path, &reference);
}

typedef struct shim_env {
    const char *path;
    long bytes;
} shim_env;

static void preload_shim(void *ctx)
{
    const shim_env *e = ctx;
    char bytes[32];
    snprintf(bytes, sizeof bytes, "%ld", e->bytes);
    setenv("LD_PRELOAD", RC_ENOSPC_SHIM, 1);
    setenv("ENOSPC_SHIM_PATH", e->path, 1);
    setenv("ENOSPC_SHIM_BYTES", bytes, 1);
    /* A sanitized railcut: the shim is loaded ahead of the ASan runtime. */
    setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=1", 1);
}

static void limit_file_size(void *ctx)
{
    (void)ctx;
    struct rlimit rl = {FSIZE_BYTES, FSIZE_BYTES};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(125);
    signal(SIGXFSZ, SIG_DFL); /* railcut must ignore it itself */
}

static off_t file_size(const char *path)
{
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    return sb.st_size;
}

/* What reached the disk before it filled reads back as the run's start,
 * and repair makes a clean trace of it. */
static void check_kept(const char *path, off_t expected_bytes)
{
    ck_assert_int_eq(file_size(path), expected_bytes);
    rel_trace_data kept;
    rel_trace_load(path, &kept);
    ck_assert(!kept.complete);
    ck_assert_uint_gt(kept.n_samples, 10000);
    load_reference();
    rel_check_prefix(&kept, &reference, "disk full");
    char repaired[4096];
    snprintf(repaired, sizeof repaired, "%s", rel_path("repaired.rct"));
    unlink(repaired);
    const char *argv[] = {"repair", path, "-o", repaired, NULL};
    rel_result r = rel_railcut(argv, NULL, NULL);
    ck_assert_msg(r.exit_code == 0, "repair: %s", r.err);
    rel_result_free(&r);
    rel_trace_data clean;
    rel_trace_load(repaired, &clean);
    ck_assert(!clean.damaged && clean.complete);
    ck_assert_uint_eq(clean.n_samples, kept.n_samples);
    rel_trace_data_free(&clean);
    rel_trace_data_free(&kept);
}

/* Paced, so the writer thread has flushed events as well as samples when
 * the disk fills (at about 140 s of the run's 362). */
START_TEST(test_enospc_paced)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", rel_path("enospc.rct"));
    unlink(path);
    shim_env env = {path, SHIM_BYTES};
    const char *argv[] = {"run", PROFILE, "--pace", "50", "--trace", path, "-q", NULL};
    rel_result r = rel_railcut(argv, preload_shim, &env);
    ck_assert_msg(r.exit_code == 3, "exit %d: %s", r.exit_code, r.err);
    char msg[4200];
    snprintf(msg, sizeof msg, "railcut: %s: write failed: No space left on device\n", path);
    ck_assert_msg(strstr(r.err, msg), "%s", r.err);
    rel_result_free(&r);
    check_kept(path, SHIM_BYTES);
}
END_TEST

/* As fast as the sim goes: the queue holds more than the disk takes. */
START_TEST(test_enospc_max_pace)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", rel_path("enospc-max.rct"));
    unlink(path);
    shim_env env = {path, SHIM_BYTES};
    const char *argv[] = {"run", PROFILE, "--trace", path, "-q", "--json", "-", NULL};
    rel_result r = rel_railcut(argv, preload_shim, &env);
    ck_assert_msg(r.exit_code == 3, "exit %d: %s", r.exit_code, r.err);
    ck_assert_msg(strstr(r.err, "No space left on device"), "%s", r.err);
    ck_assert_str_eq(r.out, ""); /* no report from a run that was not recorded */
    rel_result_free(&r);
    check_kept(path, SHIM_BYTES);
}
END_TEST

START_TEST(test_file_size_limit)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", rel_path("fsize.rct"));
    unlink(path);
    const char *argv[] = {"run", PROFILE, "--pace", "50", "--trace", path, "-q", NULL};
    rel_result r = rel_railcut(argv, limit_file_size, NULL);
    ck_assert_msg(r.signal == 0, "killed by signal %d", r.signal);
    ck_assert_msg(r.exit_code == 3, "exit %d: %s", r.exit_code, r.err);
    ck_assert_msg(strstr(r.err, "write failed: File too large"), "%s", r.err);
    rel_result_free(&r);
    check_kept(path, FSIZE_BYTES);
}
END_TEST

/* repair writing to a full disk fails cleanly too. */
START_TEST(test_repair_enospc)
{
    load_reference();
    char in[4096], out[4096];
    snprintf(in, sizeof in, "%s", rel_path("reference.rct"));
    snprintf(out, sizeof out, "%s", rel_path("repair-full.rct"));
    unlink(out);
    shim_env env = {out, 100000};
    const char *argv[] = {"repair", in, "-o", out, NULL};
    rel_result r = rel_railcut(argv, preload_shim, &env);
    ck_assert_msg(r.exit_code == 3, "exit %d: %s", r.exit_code, r.err);
    ck_assert_msg(strstr(r.err, "No space left on device"), "%s", r.err);
    rel_result_free(&r);
}
END_TEST

/* Each bad output: exit 3 with the path and the reason, no trace made, and
 * the report an earlier run left at JSON untouched. */
static void check_refused(const char *trace, const char *json, const char *expect)
{
    static const char earlier[] = "{\"earlier\": true}\n";
    FILE *f = fopen(json, "w");
    bool json_writable = f != NULL;
    if (f) {
        fputs(earlier, f);
        fclose(f);
    }
    const char *argv[] = {"run", PROFILE, "--pace", "realtime", "--trace",
                          trace, "-q",    "--json", json,       NULL};
    rel_result r = rel_railcut(argv, NULL, NULL);
    ck_assert_msg(r.exit_code == 3, "%s: exit %d: %s", trace, r.exit_code, r.err);
    ck_assert_msg(strstr(r.err, expect), "expected '%s' in: %s", expect, r.err);
    rel_result_free(&r);
    if (json_writable) {
        char kept[64] = "";
        f = fopen(json, "r");
        ck_assert_ptr_nonnull(f);
        size_t n = fread(kept, 1, sizeof kept - 1, f);
        fclose(f);
        kept[n] = '\0';
        ck_assert_str_eq(kept, earlier);
    }
}

START_TEST(test_unwritable_outputs)
{
    char file[4096], dir[4096], json[4096], trace[4096], under[4200];
    snprintf(file, sizeof file, "%s", rel_path("plain-file"));
    snprintf(dir, sizeof dir, "%s", rel_path("a-dir"));
    snprintf(json, sizeof json, "%s", rel_path("report.json"));
    snprintf(trace, sizeof trace, "%s", rel_path("never.rct"));
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    mkdir(dir, 0777);
    check_refused("/nonexistent/x.rct", json,
                  "railcut: /nonexistent/x.rct: cannot create: No such file or directory");
    snprintf(under, sizeof under, "%s/x.rct", file);
    check_refused(under, json, "cannot create: Not a directory");
    check_refused(dir, json, "cannot create: Is a directory");
    check_refused("/proc/x.rct", json, "railcut: /proc/x.rct: cannot create:");
    check_refused(trace, "/nonexistent/r.json",
                  "railcut: cannot write report '/nonexistent/r.json': No such file or "
                  "directory");
    ck_assert_int_ne(access(trace, F_OK), 0);
    if (geteuid() != 0) { /* root writes into a read-only directory */
        char ro[4096], inside[4200];
        snprintf(ro, sizeof ro, "%s", rel_path("read-only"));
        mkdir(ro, 0555);
        chmod(ro, 0555);
        snprintf(inside, sizeof inside, "%s/x.rct", ro);
        check_refused(inside, json, "cannot create: Permission denied");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resources");
    TCase *tc = tcase_create("disk");
    tcase_add_test(tc, test_enospc_paced);
    tcase_add_test(tc, test_enospc_max_pace);
    tcase_add_test(tc, test_file_size_limit);
    tcase_add_test(tc, test_repair_enospc);
    tcase_add_test(tc, test_unwritable_outputs);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    rel_trace_data_free(&reference);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
