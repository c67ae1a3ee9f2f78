/*
 * cmd_info.c - `railcut info`: what a trace holds (header, profile, model
 * parameters, channels, counts, events) and, for a damaged or incomplete
 * file, where the readable part ends.
 */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "railcut/trace.h"
#include "railcut/units.h"

#define DEFAULT_EVENT_LINES 40

static const char info_help[] =
    "usage: railcut info TRACE [--events] [--params]\n"
    "\n"
    "Prints a trace's header (start in UTC, backend, scenario, profile), its\n"
    "contents (samples, events, time span) and whether it is complete.\n"
    "  --events   list every event (default: the first 40)\n"
    "  --params   list every CH and supply model parameter\n"
    "exit codes: 0 readable to its end, 2 not a trace or damaged (the readable\n"
    "part is still described)\n";

static void print_utc(int64_t unix_us)
{
    time_t secs = (time_t)(unix_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    printf("%s.%06lldZ", buf, (long long)(unix_us % 1000000));
}

static void print_header(const rc_trace *t)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    unsigned major, minor;
    rc_trace_get_version(t, &major, &minor);
    char below[16], above[16];
    rc_format_voltage(h->outage_below_mv, below, sizeof below);
    rc_format_voltage(h->restore_above_mv, above, sizeof above);
    printf("format      .rct %u.%u, written by railcut %s\n", major, minor,
           h->railcut_version ? h->railcut_version : "?");
    printf("started     ");
    print_utc(h->start_unix_us);
    printf("\nbackend     %s\nscenario    %s\nprofile     %s\n", h->backend, h->scenario,
           h->profile_path);
    printf("sampling    %u Hz; outage below %s, restored at %s\n", h->sample_rate_hz, below,
           above);
}

static void print_profile_summary(const rc_profile *p)
{
    if (!p)
        return;
    char total[32];
    rc_format_seconds(p->nominal_us, total, sizeof total);
    printf("segments    %zu, nominal %s s; %zu marks, %zu expectations\n", p->n_segs, total,
           p->n_marks, p->n_expects);
    for (size_t i = 0; i < p->n_params; i++)
        printf("  param     %s = %s%s\n", p->params[i].name, p->params[i].value,
               p->params[i].overridden ? " (--set)" : "");
    for (size_t i = 0; i < p->n_expects; i++)
        printf("  expect    line %d: %s\n", p->expects[i].line, p->expects[i].text);
}

static void print_model_params(const rc_trace *t, bool all)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    if (!all) {
        printf("model       %zu CH/supply parameters (--params lists them)\n",
               h->n_model_params);
        return;
    }
    puts("model parameters:");
    for (size_t i = 0; i < h->n_model_params; i++)
        printf("  %-28s %s\n", h->model_params[i].key, h->model_params[i].value);
}

static void print_contents(const rc_trace *t)
{
    const rc_trace_stats *s = rc_trace_get_stats(t);
    char first[32], last[32], end[32];
    rc_format_seconds(s->first_us, first, sizeof first);
    rc_format_seconds(s->last_us, last, sizeof last);
    rc_format_seconds(s->end_us, end, sizeof end);
    printf("contents    %llu bytes, %llu chunks, %llu samples, %llu events\n",
           (unsigned long long)s->file_bytes, (unsigned long long)s->chunks,
           (unsigned long long)s->samples, (unsigned long long)s->events);
    printf("time span   %s s .. %s s", first, last);
    if (s->complete)
        printf("; run ended at %s s\n", end);
    else
        printf("; no end record: the recorder stopped before finishing\n");
}

static void print_events(const rc_trace *t, bool all)
{
    size_t n;
    const rc_event *ev = rc_trace_get_events(t, &n);
    size_t shown = all || n <= DEFAULT_EVENT_LINES ? n : DEFAULT_EVENT_LINES;
    if (n)
        puts("events:");
    for (size_t i = 0; i < shown; i++) {
        char when[32];
        rc_format_seconds(ev[i].t_us, when, sizeof when);
        printf("  %16s s  %-14s", when, rc_event_kind_name((rc_event_kind)ev[i].kind));
        if (ev[i].kind == RC_EV_RAIL_FALL || ev[i].kind == RC_EV_RAIL_RISE) {
            char v[16];
            rc_format_voltage(ev[i].value, v, sizeof v);
            printf(" %s", v);
        } else if (ev[i].kind == RC_EV_SEGMENT || ev[i].kind == RC_EV_WAIT_DONE ||
                   ev[i].kind == RC_EV_WAIT_TIMEOUT || ev[i].kind == RC_EV_RUN_END) {
            printf(" %d", ev[i].value);
        }
        if (ev[i].text[0])
            printf(" %s", ev[i].text);
        putchar('\n');
    }
    if (shown < n)
        printf("  ... %zu more (--events lists all)\n", n - shown);
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"events", no_argument, NULL, 'e'},
        {"params", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all_events = false, all_params = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'e': all_events = true; break;
        case 'p': all_params = true; break;
        case 'h': fputs(info_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("info", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("info", optind >= argc ? "no TRACE given" : "one TRACE only");
    rc_error err;
    rc_trace *t;
    rc_status st = rc_trace_open(argv[optind], &t, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    printf("trace       %s\n", argv[optind]);
    print_header(t);
    print_profile_summary(rc_trace_get_profile(t));
    print_model_params(t, all_params);
    print_contents(t);
    print_events(t, all_events);
    const rc_trace_damage *d = rc_trace_get_damage(t);
    int code = RC_EXIT_PASS;
    if (d->damaged) {
        printf("DAMAGED     from byte %llu: %s\n            everything before it is shown above\n",
               (unsigned long long)d->offset, d->reason);
        code = RC_EXIT_USAGE;
    }
    rc_trace_close(t);
    return code;
}
