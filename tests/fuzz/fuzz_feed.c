/*
 * fuzz_feed.c - feeds arbitrary bytes, as one line, to the external event
 * feed's line parser (rc_feed_parse_line), which reads text from any
 * process that can reach the feed's TCP port.
 *
 * Properties checked beyond "no crash": an accepted line is an AD1 event at
 * a time not before the run started, with text "feed"; the same line with
 * a trailing "\r" or space gives the same event (the server strips them);
 * and the time, written back as "AD1 @S.ffffff", parses to the same
 * microsecond.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "railcut/bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-25T00:00:00Z: the run's start, so UTC lines before it fail. */
#define START_UNIX_US 1795564800000000LL
/* The parser's own bound on whole seconds of device time. */
#define DEVICE_SECONDS_MAX 100000000000LL

/* Holds in every build type, unlike assert. */
static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void check_device_round_trip(int64_t t_us)
{
    if (t_us / 1000000 > DEVICE_SECONDS_MAX)
        return;
    char line[64];
    int n = snprintf(line, sizeof line, "AD1 @%lld.%06lld", (long long)(t_us / 1000000),
                     (long long)(t_us % 1000000));
    rc_event ev;
    rc_error err;
    check(rc_feed_parse_line(line, (size_t)n, START_UNIX_US, &ev, &err) == RC_OK);
    check(ev.t_us == t_us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    rc_event ev;
    rc_error err;
    rc_status st = rc_feed_parse_line(line, size, START_UNIX_US, &ev, &err);
    check(st == RC_OK || st == RC_ERR_PARSE);
    if (st != RC_OK) {
        check(err.msg[0] != '\0');
        return 0;
    }
    check(ev.kind == RC_EV_AD1 && ev.t_us >= 0 && strcmp(ev.text, "feed") == 0);
    if (size < RC_ALERT_LINE_MAX) {
        char padded[RC_ALERT_LINE_MAX + 1];
        memcpy(padded, line, size);
        padded[size] = (size % 2) ? '\r' : ' ';
        rc_event again;
        check(rc_feed_parse_line(padded, size + 1, START_UNIX_US, &again, &err) == RC_OK);
        check(again.t_us == ev.t_us);
    }
    check_device_round_trip(ev.t_us);
    return 0;
}
