/*
 * harness.h - what every CLI test needs: run the real railcut binary (or any
 * shell command) with its output captured, read and write files in the test
 * tmp directory, and look into JSON reports. Failures abort the current
 * Check test with a message, so callers do not check for errors.
 *
 * Each test executable is compiled with RAILCUT_BIN (the binary),
 * RC_FIXTURES_DIR (fixtures/) and RC_CLI_TMP_DIR (a scratch directory).
 */
#ifndef RAILCUT_TESTS_CLI_HARNESS_H
#define RAILCUT_TESTS_CLI_HARNESS_H

#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define PROFILES RC_FIXTURES_DIR "/profiles"
#define SUITES RC_FIXTURES_DIR "/suites"
#define CH_FILES RC_FIXTURES_DIR "/ch"

typedef struct cli_result {
    int exit_code;
    char *out; /* stdout, NUL-terminated */
    char *err; /* stderr, NUL-terminated */
} cli_result;

/* Runs `railcut ARGS` through /bin/sh in RC_CLI_TMP_DIR, stdin from
 * /dev/null (ARGS are trusted test strings). */
cli_result cli_railcut(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs any shell command line the same way. */
cli_result cli_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
cli_result cli_vshell(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

void cli_result_free(cli_result *r);

/* The whole file, NUL-terminated, or NULL when it cannot be opened;
 * *len (if given) gets its size. The caller frees it. */
char *cli_slurp(const char *path, size_t *len);

/* A path in RC_CLI_TMP_DIR unique to this process and call, ending in
 * NAME. Valid for the next 63 calls. */
const char *cli_tmp_path(const char *name);

void cli_write_file(const char *path, const char *text);

cJSON *cli_parse_json(const char *text);

/* The entry of report.checks whose name is NAME (aborts when absent). */
const cJSON *cli_check_named(const cJSON *report, const char *name);

/* report.verdict. */
const char *cli_verdict(const cJSON *report);

#endif
