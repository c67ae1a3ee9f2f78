/*
 * test_bench_lock.c - the bench lock across processes: a second process is
 * refused with the holder's PID, a lock of a dead process is taken over,
 * a released lock is free again, and bad serial numbers are refused.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "railcut/bench.h"
#include "testutil.h"

static const char *lock_dir(void)
{
    const char *dir = rc_test_tmp_path("locks");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    return dir;
}

/* A child that takes the lock, says so through the pipe and waits to be killed. */
static pid_t holder(const char *dir, const char *serial)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        rc_bench_lock *lock;
        char ok = rc_bench_lock_acquire(serial, dir, &lock, NULL) == RC_OK ? 'y' : 'n';
        if (write(fds[1], &ok, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(fds[1]);
    char ok = 0;
    ck_assert_int_eq(read(fds[0], &ok, 1), 1);
    close(fds[0]);
    ck_assert_int_eq(ok, 'y');
    return pid;
}

static void kill_and_wait(pid_t pid)
{
    kill(pid, SIGKILL);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

START_TEST(test_second_process_is_refused)
{
    const char *dir = lock_dir();
    pid_t pid = holder(dir, "RC0001");
    rc_bench_lock *lock = NULL;
    rc_error err;
    ck_assert_int_eq(rc_bench_lock_acquire("RC0001", dir, &lock, &err), RC_ERR_DEVICE);
    ck_assert_ptr_null(lock);
    char want[128];
    snprintf(want, sizeof want, "bench busy (FTDI serial RC0001), held by PID %d (since ",
             (int)pid);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    ck_assert(strlen(err.msg) == strlen(want) + strlen("2026-11-25T10:01:02Z)"));
    bool held;
    pid_t who;
    int64_t since;
    ck_assert_int_eq(rc_bench_lock_query("RC0001", dir, &held, &who, &since, &err), RC_OK);
    ck_assert(held);
    ck_assert_int_eq(who, pid);
    ck_assert_int_gt(since, 1700000000);
    /* Another serial number is another bench. */
    ck_assert_int_eq(rc_bench_lock_acquire("RC0002", dir, &lock, &err), RC_OK);
    rc_bench_lock_release(lock);
    kill_and_wait(pid);
}
END_TEST

START_TEST(test_dead_holder_is_taken_over)
{
    const char *dir = lock_dir();
    pid_t pid = holder(dir, "RC0003");
    kill_and_wait(pid);
    /* The file still names the dead PID; the lock itself died with it. */
    bool held;
    pid_t who;
    int64_t since;
    rc_error err;
    ck_assert_int_eq(rc_bench_lock_query("RC0003", dir, &held, &who, &since, &err), RC_OK);
    ck_assert(!held);
    rc_bench_lock *lock;
    ck_assert_int_eq(rc_bench_lock_acquire("RC0003", dir, &lock, &err), RC_OK);
    ck_assert_int_eq(rc_bench_lock_query("RC0003", dir, &held, &who, &since, &err), RC_OK);
    ck_assert(held);
    ck_assert_int_eq(who, getpid());
    rc_bench_lock_release(lock);
    ck_assert_int_eq(rc_bench_lock_query("RC0003", dir, &held, &who, &since, &err), RC_OK);
    ck_assert(!held);
    ck_assert_int_eq(who, 0);
}
END_TEST

START_TEST(test_release_frees_for_another_process)
{
    const char *dir = lock_dir();
    rc_bench_lock *lock;
    rc_error err;
    ck_assert_int_eq(rc_bench_lock_acquire("RC0004", dir, &lock, &err), RC_OK);
    rc_bench_lock_release(lock);
    pid_t pid = holder(dir, "RC0004");
    kill_and_wait(pid);
}
END_TEST

START_TEST(test_query_without_file)
{
    bool held = true;
    pid_t who = 1;
    int64_t since = 1;
    rc_error err;
    ck_assert_int_eq(rc_bench_lock_query("NEVER", lock_dir(), &held, &who, &since, &err),
                     RC_OK);
    ck_assert(!held);
    ck_assert_int_eq(who, 0);
}
END_TEST

START_TEST(test_bad_serial)
{
    rc_bench_lock *lock;
    rc_error err;
    ck_assert_int_eq(rc_bench_lock_acquire("../etc", "/tmp", &lock, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg,
                     "bad FTDI serial '../etc' for a lock (letters, digits, '-', '_', '.')");
    ck_assert_int_eq(rc_bench_lock_acquire("", "/tmp", &lock, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_bench_lock_acquire("A", "/nonexistent", &lock, &err), RC_ERR_IO);
}
END_TEST

static Suite *lock_suite(void)
{
    Suite *s = suite_create("bench_lock");
    TCase *tc = tcase_create("lock");
    tcase_add_test(tc, test_second_process_is_refused);
    tcase_add_test(tc, test_dead_holder_is_taken_over);
    tcase_add_test(tc, test_release_frees_for_another_process);
    tcase_add_test(tc, test_query_without_file);
    tcase_add_test(tc, test_bad_serial);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(lock_suite());
}
