/*
 * cmd_info.c - `railcut info`: what a trace holds (header, profile, model
 * parameters, channels, counts, events, overruns, annotations) and, for a
 * damaged or incomplete file, where the readable part ends. With --follow
 * it keeps reading a trace that is still being recorded.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "railcut/trace.h"
#include "railcut/units.h"

#define DEFAULT_EVENT_LINES 40

static const char info_help[] =
    "usage: railcut info TRACE [--events] [--params] [--follow [--interval T]]\n"
    "\n"
    "Prints a trace's header (start in UTC, backend, scenario, profile), its\n"
    "channels, contents (samples, events, time span, samples lost to recorder\n"
    "overruns, annotations) and whether it is complete.\n"
    "  --events       list every event (default: the first 40)\n"
    "  --params       list every CH and supply model parameter\n"
    "  --follow       keep reading a trace that is being recorded: print new\n"
    "                 events and progress until its end record arrives\n"
    "  --interval T   how often --follow looks (default 250ms)\n"
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

static const char *storage_name(rc_trace_storage s)
{
    switch (s) {
    case RC_TRACE_STORE_F32: return "float32";
    case RC_TRACE_STORE_I16: return "int16";
    case RC_TRACE_STORE_U8: return "uint8";
    }
    return "?";
}

static void print_channels(const rc_trace *t)
{
    size_t n;
    const rc_trace_channel *ch = rc_trace_get_channels(t, &n);
    for (size_t i = 0; i < n; i++) {
        printf("  channel   %-10s %-5s %s", ch[i].name, ch[i].unit, storage_name(ch[i].storage));
        if (ch[i].storage == RC_TRACE_STORE_I16)
            printf(", value = code * %g + %g", ch[i].gain, ch[i].offset);
        putchar('\n');
    }
}

static void print_losses(const rc_trace *t)
{
    const rc_trace_stats *s = rc_trace_get_stats(t);
    size_t n;
    const rc_trace_gap *g = rc_trace_get_gaps(t, &n);
    if (s->annotations)
        printf("annotated   %llu events added after the run (source shown with each)\n",
               (unsigned long long)s->annotations);
    if (n == 0)
        return;
    printf("OVERRUN     the recorder lost %llu samples and %llu events in %zu stretches:\n",
           (unsigned long long)s->samples_lost, (unsigned long long)s->events_lost, n);
    for (size_t i = 0; i < n; i++) {
        char from[32], to[32];
        rc_format_seconds(g[i].from_us, from, sizeof from);
        rc_format_seconds(g[i].to_us, to, sizeof to);
        printf("  lost      %s s .. %s s: %llu samples, %llu events\n", from, to,
               (unsigned long long)g[i].samples, (unsigned long long)g[i].events);
    }
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
        printf("; no end record: the recorder was stopped (crash, kill) or is still\n"
               "            recording; everything up to its last flush is above\n");
    if (s->pending_bytes)
        printf("pending     %llu bytes at the end are still being written\n",
               (unsigned long long)s->pending_bytes);
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
        const char *src = rc_trace_event_source(t, i);
        if (src)
            printf("  [annotated by %s]", src);
        putchar('\n');
    }
    if (shown < n)
        printf("  ... %zu more (--events lists all)\n", n - shown);
}

static void print_damage(const rc_trace *t)
{
    const rc_trace_damage *d = rc_trace_get_damage(t);
    const rc_trace_stats *s = rc_trace_get_stats(t);
    char last[32];
    rc_format_seconds(s->last_us, last, sizeof last);
    printf("DAMAGED     from byte %llu of %llu: %s\n"
           "            readable up to %s s (%llu samples, %llu events), shown above;\n"
           "            railcut repair IN -o OUT writes that part as a clean trace\n",
           (unsigned long long)d->offset, (unsigned long long)s->file_bytes, d->reason, last,
           (unsigned long long)s->samples, (unsigned long long)s->events);
}

/* --follow: reads what the recorder appends until its end record arrives
 * or the file turns out damaged. */
static int follow(rc_trace *t, int64_t interval_us)
{
    size_t shown;
    rc_trace_get_events(t, &shown);
    for (;;) {
        const rc_trace_stats *s = rc_trace_get_stats(t);
        if (s->complete || rc_trace_get_damage(t)->damaged)
            break;
        struct timespec ts = {(time_t)(interval_us / 1000000), (long)(interval_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        bool grew;
        rc_error err;
        rc_status st = rc_trace_refresh(t, &grew, &err);
        if (st != RC_OK)
            return cli_error(st, &err);
        if (!grew)
            continue;
        size_t n;
        const rc_event *ev = rc_trace_get_events(t, &n);
        for (; shown < n; shown++) {
            char when[32];
            rc_format_seconds(ev[shown].t_us, when, sizeof when);
            printf("  %16s s  %-14s %s\n", when,
                   rc_event_kind_name((rc_event_kind)ev[shown].kind), ev[shown].text);
        }
        char last[32];
        rc_format_seconds(s->last_us, last, sizeof last);
        printf("following   %s s, %llu samples, %llu lost\n", last,
               (unsigned long long)s->samples, (unsigned long long)s->samples_lost);
        fflush(stdout);
    }
    if (rc_trace_get_stats(t)->complete)
        printf("complete    the recorder wrote its end record\n");
    return RC_EXIT_PASS;
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"events", no_argument, NULL, 'e'},
        {"params", no_argument, NULL, 'p'},
        {"follow", no_argument, NULL, 'f'},
        {"interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all_events = false, all_params = false, following = false;
    int64_t interval_us = 250000;
    rc_error err;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'e': all_events = true; break;
        case 'p': all_params = true; break;
        case 'f': following = true; break;
        case 'i':
            if (rc_parse_duration_us(optarg, &interval_us, &err) != RC_OK || interval_us <= 0)
                return cli_usage_error("info", "--interval %s: expected a duration", optarg);
            break;
        case 'h': fputs(info_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("info", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("info", optind >= argc ? "no TRACE given" : "one TRACE only");
    rc_trace *t;
    rc_status st = rc_trace_open_ex(argv[optind],
                                    following ? RC_TRACE_OPEN_FAST : RC_TRACE_OPEN_VERIFY, &t,
                                    &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    printf("trace       %s\n", argv[optind]);
    print_header(t);
    print_profile_summary(rc_trace_get_profile(t));
    print_model_params(t, all_params);
    print_channels(t);
    print_contents(t);
    print_losses(t);
    print_events(t, all_events);
    int code = following ? follow(t, interval_us) : RC_EXIT_PASS;
    if (rc_trace_get_damage(t)->damaged) {
        print_damage(t);
        code = RC_EXIT_USAGE;
    }
    rc_trace_close(t);
    return code;
}
