/*
 * enospc_shim.c - an LD_PRELOAD library that makes one file's disk fill up:
 * after ENOSPC_SHIM_BYTES bytes written to the file named by
 * ENOSPC_SHIM_PATH, every further write to it fails with ENOSPC.
 *
 * The trace writer writes through stdio, whose own flushes call the
 * kernel from inside libc where no preload can reach, so the stream is
 * caught at fopen and its fwrite calls are counted: the bytes that still
 * fit are written (a full disk takes a partial write), the rest are
 * refused: fwrite returns a short count with errno ENOSPC.
 * Plain write/pwrite on a descriptor of the file are limited the same way.
 * Other files are not touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

FILE *fopen(const char *path, const char *mode);
FILE *fopen64(const char *path, const char *mode);
size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *watched;           /* the stream opened on the path, or NULL */
static unsigned long long used; /* bytes written to it so far */

static void *real(const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn)
        abort();
    return fn;
}

static bool is_target(const char *path)
{
    const char *want = getenv("ENOSPC_SHIM_PATH");
    return want && path && strcmp(path, want) == 0;
}

static unsigned long long budget(void)
{
    const char *b = getenv("ENOSPC_SHIM_BYTES");
    return b ? strtoull(b, NULL, 10) : ULLONG_MAX;
}

/* How many of n bytes still fit; counts them as written. */
static size_t take(size_t n)
{
    unsigned long long cap = budget();
    size_t room = used >= cap ? 0 : (cap - used < n ? (size_t)(cap - used) : n);
    used += room;
    return room;
}

static FILE *watch(FILE *f, const char *path, const char *mode)
{
    if (f && is_target(path) && strchr(mode, 'w')) {
        pthread_mutex_lock(&lock);
        watched = f;
        used = 0;
        pthread_mutex_unlock(&lock);
    }
    return f;
}

FILE *fopen(const char *path, const char *mode)
{
    FILE *(*fn)(const char *, const char *) = real("fopen");
    return watch(fn(path, mode), path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    FILE *(*fn)(const char *, const char *) = real("fopen64");
    return watch(fn(path, mode), path, mode);
}

size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f)
{
    size_t (*fn)(const void *, size_t, size_t, FILE *) = real("fwrite");
    pthread_mutex_lock(&lock);
    bool limited = f == watched && size > 0;
    size_t items = limited ? take(size * n) / size : n;
    pthread_mutex_unlock(&lock);
    size_t done = items ? fn(ptr, size, items, f) : 0;
    if (limited && done < n)
        errno = ENOSPC;
    return done;
}

/* Whether fd is open on the target file. */
static bool fd_is_target(int fd)
{
    const char *want = getenv("ENOSPC_SHIM_PATH");
    if (!want)
        return false;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0)
        return false;
    path[len] = '\0';
    char resolved[PATH_MAX];
    return realpath(want, resolved) && strcmp(resolved, path) == 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t (*fn)(int, const void *, size_t) = real("write");
    if (fd <= STDERR_FILENO || !fd_is_target(fd))
        return fn(fd, buf, n);
    pthread_mutex_lock(&lock);
    size_t room = take(n);
    pthread_mutex_unlock(&lock);
    if (room == 0 && n > 0) {
        errno = ENOSPC;
        return -1;
    }
    return fn(fd, buf, room);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t (*fn)(int, const void *, size_t, off_t) = real("pwrite");
    if (fd <= STDERR_FILENO || !fd_is_target(fd))
        return fn(fd, buf, n, off);
    pthread_mutex_lock(&lock);
    size_t room = take(n);
    pthread_mutex_unlock(&lock);
    if (room == 0 && n > 0) {
        errno = ENOSPC;
        return -1;
    }
    return fn(fd, buf, room, off);
}
