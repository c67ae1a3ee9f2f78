/*
 * rel_util.h - what the reliability tests share: running the railcut
 * binary (directly, no shell) with its output captured in files, and
 * reading a trace's samples and events for comparison.
 */
#ifndef RC_REL_UTIL_H
#define RC_REL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "railcut/event.h"

typedef struct rel_result {
    int exit_code; /* -1 when killed by a signal */
    int signal;    /* the signal, or 0 */
    char *out;     /* captured stdout, NUL-terminated */
    char *err;     /* captured stderr */
} rel_result;

/* Called in the child before exec (environment, limits). */
typedef void (*rel_child_fn)(void *ctx);

/* A path under the test's scratch directory (created when missing); valid
 * until the next call of rel_path. */
const char *rel_path(const char *name);

/* Starts railcut with argv (NULL-terminated, without the program name);
 * stdout and stderr go to out_path and err_path, stdin is /dev/null. */
pid_t rel_spawn(const char *const *argv, const char *out_path, const char *err_path,
                rel_child_fn setup, void *ctx);

/* Waits for pid and collects what rel_spawn captured. */
rel_result rel_wait(pid_t pid, const char *out_path, const char *err_path);

/* rel_spawn + rel_wait with scratch output files. */
rel_result rel_railcut(const char *const *argv, rel_child_fn setup, void *ctx);
void rel_result_free(rel_result *r);

/* The file's contents, NUL-terminated; NULL when it cannot be read. */
char *rel_slurp(const char *path, size_t *len);

/* Every sample and event of a trace (as far as it reads). */
typedef struct rel_trace_data {
    rc_sample *samples;
    size_t n_samples;
    rc_event *events;
    size_t n_events;
    bool damaged;
    bool complete;
} rel_trace_data;

/* RC_OK from rc_trace_open is required; fails the test otherwise. */
void rel_trace_load(const char *path, rel_trace_data *out);
void rel_trace_data_free(rel_trace_data *d);

/* Fails the test unless a's samples and events are the first ones of b,
 * equal field for field. */
void rel_check_prefix(const rel_trace_data *a, const rel_trace_data *b, const char *what);

void rel_sleep_ms(long ms);

#endif
