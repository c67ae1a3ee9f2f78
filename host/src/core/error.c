/*
 * error.c - status names, exit codes and the caller-owned message buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "railcut/error.h"

rc_status rc_error_set(rc_error *err, rc_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

rc_status rc_error_prefix(rc_error *err, rc_status status, const char *fmt, ...)
{
    if (!err)
        return status;
    char prefix[RC_ERROR_MSG_MAX / 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[RC_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    /* The prefix is short by construction; the old message keeps what fits. */
    int room = (int)(sizeof err->msg - strlen(prefix) - 3);
    snprintf(err->msg, sizeof err->msg, "%s: %.*s", prefix, room, old);
    return status;
}

const char *rc_status_str(rc_status status)
{
    switch (status) {
    case RC_OK: return "ok";
    case RC_ERR_ARG: return "bad argument";
    case RC_ERR_NOMEM: return "out of memory";
    case RC_ERR_PARSE: return "parse error";
    case RC_ERR_IO: return "I/O error";
    case RC_ERR_FORMAT: return "bad trace format";
    case RC_ERR_DEVICE: return "device error";
    case RC_ERR_NOT_FOUND: return "not found";
    case RC_ERR_UNSUPPORTED: return "unsupported";
    case RC_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

int rc_status_exit_code(rc_status status)
{
    switch (status) {
    case RC_OK: return 0;
    case RC_ERR_ARG:
    case RC_ERR_PARSE:
    case RC_ERR_FORMAT:
    case RC_ERR_NOT_FOUND:
    case RC_ERR_UNSUPPORTED: return 2;
    case RC_ERR_NOMEM:
    case RC_ERR_IO:
    case RC_ERR_DEVICE:
    case RC_ERR_INTERRUPTED: return 3;
    }
    return 3;
}
