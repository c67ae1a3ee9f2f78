/*
 * railcut/error.h - the one status enum and the caller-owned message buffer.
 *
 * Every library function that can fail returns an rc_status and, when it is
 * not RC_OK, writes a human-readable message into an rc_error the caller
 * passed in (which may be NULL when the caller does not want the text).
 * The library never prints and never exits; the CLI maps statuses to exit
 * codes (see rc_status_exit_code).
 */
#ifndef RAILCUT_ERROR_H
#define RAILCUT_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rc_status {
    RC_OK = 0,
    RC_ERR_ARG = -1,         /* bad argument or usage (a programming or CLI error) */
    RC_ERR_NOMEM = -2,       /* allocation failed */
    RC_ERR_PARSE = -3,       /* bad input text: profile, CSV, CH file, --set value */
    RC_ERR_IO = -4,          /* file system error (open, write, fsync, rename) */
    RC_ERR_FORMAT = -5,      /* corrupt or truncated trace, unknown version */
    RC_ERR_DEVICE = -6,      /* backend failure: device gone, link lost, time-out */
    RC_ERR_NOT_FOUND = -7,   /* named thing does not exist (backend, parameter) */
    RC_ERR_UNSUPPORTED = -8, /* the backend or format cannot do what was asked */
    RC_ERR_INTERRUPTED = -9, /* stopped by the user (Ctrl-C) */
} rc_status;

/* Large enough for "file:line:col: message" plus the offending line and a caret. */
#define RC_ERROR_MSG_MAX 1024

typedef struct rc_error {
    char msg[RC_ERROR_MSG_MAX];
} rc_error;

/* Formats into err->msg (when err is not NULL) and returns status unchanged,
 * so call sites read: return rc_error_set(err, RC_ERR_PARSE, "...", ...); */
rc_status rc_error_set(rc_error *err, rc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (for adding file or context). */
rc_status rc_error_prefix(rc_error *err, rc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Short stable name of a status, e.g. "parse error". */
const char *rc_status_str(rc_status status);

/* CLI exit code for a status: 2 for bad input/usage, 3 for device or I/O. */
int rc_status_exit_code(rc_status status);

#ifdef __cplusplus
}
#endif

#endif
