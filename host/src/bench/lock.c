/*
 * lock.c - one lock per bench, keyed by the FTDI serial number, so that two
 * processes never drive the same bench.
 *
 * The lock is an flock(LOCK_EX) on "railcut-bench-<serial>.lock" in the
 * first writable of /run/lock/railcut, $XDG_RUNTIME_DIR and /tmp (or a
 * given directory). The kernel drops an flock when its process dies, so a
 * file left behind by a dead process is simply locked again; the file's
 * text, "PID UNIX_SECONDS\n", only says who holds it for the busy message.
 * The file is never removed: removing it would race with a process that has
 * opened it and is about to lock it.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "railcut/bench.h"

struct rc_bench_lock {
    int fd;
};

static bool safe_serial(const char *serial)
{
    if (!serial[0] || strlen(serial) > 64)
        return false;
    for (const char *p = serial; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

static bool writable_dir(const char *dir)
{
    return dir && dir[0] && access(dir, W_OK | X_OK) == 0;
}

/* /run/lock is shared by all users: railcut/ below it is made sticky and
 * writable by all, like /tmp, so every user's runs see the same locks. */
static const char *default_dir(void)
{
    if (writable_dir("/run/lock") && mkdir("/run/lock/railcut", 0777) == 0 &&
        chmod("/run/lock/railcut", 01777) != 0)
        assert(errno != EFAULT);
    if (writable_dir("/run/lock/railcut"))
        return "/run/lock/railcut";
    if (writable_dir(getenv("XDG_RUNTIME_DIR")))
        return getenv("XDG_RUNTIME_DIR");
    return "/tmp";
}

static rc_status lock_path(const char *serial, const char *lock_dir, char *path, size_t cap,
                           rc_error *err)
{
    if (!safe_serial(serial))
        return rc_error_set(err, RC_ERR_ARG,
                            "bad FTDI serial '%s' for a lock (letters, digits, '-', '_', '.')",
                            serial);
    const char *dir = lock_dir ? lock_dir : default_dir();
    int n = snprintf(path, cap, "%s/railcut-bench-%s.lock", dir, serial);
    if (n < 0 || (size_t)n >= cap)
        return rc_error_set(err, RC_ERR_ARG, "lock path too long");
    return RC_OK;
}

/* Reads "PID UNIX_SECONDS" from the file; zeros when it says nothing useful. */
static void read_holder(int fd, pid_t *pid, int64_t *since_s)
{
    char buf[64] = "";
    ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
    long long p = 0, s = 0;
    if (got > 0) {
        buf[got] = '\0';
        if (sscanf(buf, "%lld %lld", &p, &s) != 2)
            p = s = 0;
    }
    *pid = (pid_t)p;
    *since_s = s;
}

static rc_status busy(int fd, const char *serial, rc_error *err)
{
    pid_t pid;
    int64_t since_s;
    read_holder(fd, &pid, &since_s);
    char when[32] = "unknown";
    time_t t = (time_t)since_s;
    struct tm tm;
    if (since_s > 0 && gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return rc_error_set(err, RC_ERR_DEVICE,
                        "bench busy (FTDI serial %s), held by PID %lld (since %s)", serial,
                        (long long)pid, when);
}

rc_status rc_bench_lock_acquire(const char *serial, const char *lock_dir, rc_bench_lock **out,
                                rc_error *err)
{
    assert(serial && out);
    *out = NULL;
    char path[1024];
    rc_status st = lock_path(serial, lock_dir, path, sizeof path, err);
    if (st != RC_OK)
        return st;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return rc_error_set(err, RC_ERR_IO, "%s: %s", path, strerror(errno));
    /* Another user's railcut must be able to open the file to be refused. */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_uid == geteuid() && (sb.st_mode & 0666) != 0666 &&
        fchmod(fd, 0666) != 0)
        assert(errno != EBADF);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        st = errno == EWOULDBLOCK
                 ? busy(fd, serial, err)
                 : rc_error_set(err, RC_ERR_IO, "%s: %s", path, strerror(errno));
        close(fd);
        return st;
    }
    char text[64];
    int n =
        snprintf(text, sizeof text, "%lld %lld\n", (long long)getpid(), (long long)time(NULL));
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
        st = rc_error_set(err, RC_ERR_IO, "%s: %s", path, strerror(errno));
        close(fd);
        return st;
    }
    rc_bench_lock *lock = malloc(sizeof *lock);
    if (!lock) {
        close(fd);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    lock->fd = fd;
    *out = lock;
    return RC_OK;
}

void rc_bench_lock_release(rc_bench_lock *lock)
{
    if (!lock)
        return;
    /* The holder text goes first, so nobody reads a PID that no longer holds it. */
    if (ftruncate(lock->fd, 0) != 0)
        assert(errno != EBADF);
    close(lock->fd);
    free(lock);
}

rc_status rc_bench_lock_query(const char *serial, const char *lock_dir, bool *held, pid_t *pid,
                              int64_t *since_unix_s, rc_error *err)
{
    assert(serial && held && pid && since_unix_s);
    *held = false;
    *pid = 0;
    *since_unix_s = 0;
    char path[1024];
    rc_status st = lock_path(serial, lock_dir, path, sizeof path, err);
    if (st != RC_OK)
        return st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? RC_OK
                               : rc_error_set(err, RC_ERR_IO, "%s: %s", path, strerror(errno));
    /* A shared lock that cannot be had means someone holds the exclusive one. */
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        *held = true;
        read_holder(fd, pid, since_unix_s);
    } else {
        flock(fd, LOCK_UN);
    }
    close(fd);
    return RC_OK;
}
