/*
 * testutil.h - small helpers shared by the unit tests.
 */
#ifndef RC_TESTUTIL_H
#define RC_TESTUTIL_H

#include <stddef.h>

#include <check.h>

/* A fresh path under the build's test tmp directory: <tmp>/<name>.<pid>.<n> */
const char *rc_test_tmp_path(const char *name);

/* Writes text to a fresh tmp file and returns its path. */
const char *rc_test_write_file(const char *name, const char *text);

/* Reads a whole file (NUL-terminated, caller frees); NULL on error. */
char *rc_test_read_file(const char *path, size_t *len);

/* Runs a suite and returns the process exit status (0 when all passed). */
int rc_test_run(Suite *s);

#endif
