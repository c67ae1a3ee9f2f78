/*
 * cmd_annotate.c - `railcut annotate`: events added to a recorded trace
 * after the run, with their source (an AD1 that a WAN-side system reported
 * later in UTC, an operator's note). Times are device seconds, or UTC in
 * ISO 8601 converted through the trace's time pairs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "railcut/trace.h"
#include "railcut/units.h"

#define MAX_EVENTS 256

static const char annotate_help[] =
    "usage: railcut annotate TRACE --event NAME@TIME [--event ...] [--source S]\n"
    "\n"
    "Appends events to a trace; readers merge them with the recorded ones and\n"
    "show their source. The trace must read to its end (railcut repair first).\n"
    "  --event NAME@TIME  NAME is an event kind (ad1, restored, ch_down, ...;\n"
    "                     other names become a note with that text). TIME is\n"
    "                     device time (195.5, 195.5s, 3min) or UTC in ISO 8601\n"
    "                     (2026-11-25T09:30:01.250Z), converted with the trace's\n"
    "                     recorded (UTC, device time) pairs\n"
    "  --source S         who reported the events (default: annotate)\n"
    "exit codes: 0 appended, 2 bad input or a damaged trace, 3 I/O failure\n";

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), since timegm is not standard C or POSIX. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" -> microseconds since 1970. */
static bool parse_utc(const char *s, int64_t *unix_us)
{
    struct tm tm = {0};
    int used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6)
        return false;
    const char *p = s + used;
    int64_t frac = 0, scale = 100000;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            frac += (*p - '0') * scale;
            scale /= 10;
        }
        if (scale == 100000)
            return false;
    }
    if (strcmp(p, "Z") != 0 || scale < 0)
        return false;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    int64_t secs = days_from_civil(tm.tm_year, tm.tm_mon, tm.tm_mday) * 86400 +
                   tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    *unix_us = secs * 1000000 + frac;
    return true;
}

/* Device time: a duration with unit, or plain seconds. */
static bool parse_device(const char *s, int64_t *us)
{
    rc_error err;
    if (rc_parse_duration_us(s, us, &err) == RC_OK)
        return true;
    const char *unit;
    int64_t v;
    if (rc_parse_decimal(s, 6, &v, &unit, &err) != RC_OK || *unit)
        return false;
    *us = v;
    return true;
}

static int parse_event(const rc_trace *t, const char *arg, const char *source, rc_event *ev)
{
    const char *at = strrchr(arg, '@');
    if (!at || at == arg)
        return cli_usage_error("annotate", "--event %s: expected NAME@TIME", arg);
    char name[RC_EVENT_TEXT_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(at - arg), arg);
    int64_t when, unix_us;
    if (parse_utc(at + 1, &unix_us))
        when = rc_trace_utc_to_device(t, unix_us);
    else if (!parse_device(at + 1, &when))
        return cli_usage_error("annotate", "--event %s: TIME is neither device time nor UTC",
                               arg);
    rc_event_kind kind = rc_event_kind_from_name(name);
    rc_event_init(ev, when, kind ? kind : RC_EV_NOTE, 0, kind ? source : name);
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const rc_event *x = a, *y = b;
    return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

int cmd_annotate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"event", required_argument, NULL, 'e'},
        {"source", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *specs[MAX_EVENTS], *source = "annotate";
    size_t n = 0;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "e:s:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'e':
            if (n == MAX_EVENTS)
                return cli_usage_error("annotate", "at most %d events at a time", MAX_EVENTS);
            specs[n++] = optarg;
            break;
        case 's': source = optarg; break;
        case 'h': fputs(annotate_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("annotate", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("annotate", optind >= argc ? "no TRACE given" : "one TRACE only");
    if (n == 0)
        return cli_usage_error("annotate", "no --event given");
    const char *path = argv[optind];
    rc_error err;
    rc_trace *t;
    rc_status st = rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    rc_event ev[MAX_EVENTS];
    int code = 0;
    for (size_t i = 0; i < n && code == 0; i++)
        code = parse_event(t, specs[i], source, &ev[i]);
    rc_trace_close(t);
    if (code)
        return code;
    qsort(ev, n, sizeof ev[0], by_time);
    st = rc_trace_annotate(path, ev, n, source, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    for (size_t i = 0; i < n; i++) {
        char when[32];
        rc_format_seconds(ev[i].t_us, when, sizeof when);
        printf("added %s at %s s (source %s)\n",
               rc_event_kind_name((rc_event_kind)ev[i].kind), when, source);
    }
    return RC_EXIT_PASS;
}
