/*
 * cmd_run.c - `railcut run`: compile a profile, run it on a backend, record
 * the trace, then judge the trace and report.
 *
 * Order matters for "bad input loses nothing": everything that can be
 * rejected (profile, CH file, options, output paths) is checked before the
 * backend is opened, and once a run has started its trace is always
 * finalised, whether the run completes, is stopped with Ctrl-C, or the
 * backend fails.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "cli.h"
#include "railcut/model.h"
#include "railcut/profile.h"
#include "railcut/rig.h"
#include "railcut/trace.h"
#include "railcut/units.h"
#include "railcut/version.h"

#define FLUSH_INTERVAL_MS 250

static const char run_help[] =
    "usage: railcut run PROFILE [options]\n"
    "\n"
    "Runs PROFILE (.rail, or a .csv waveform) into a Communications Hub on a\n"
    "backend, records every sample and event to a trace (.rct), then judges the\n"
    "trace: MP102A checks (mp102a.ch always, mp102a.esme for scenario ota) and the\n"
    "profile's own expectations. Prints the verdict and the trace path.\n"
    "\n"
    "profile:\n"
    "  --set NAME=VALUE      override a profile parameter (repeatable), e.g. off=179.9s\n"
    "  --observe T           observation window after the last step (default 120s)\n"
    "rig:\n"
    "  --backend NAME        backend to drive (default sim; railcut backends lists them)\n"
    "  --ch FILE             CH and supply model parameters (INI; see fixtures/ch/)\n"
    "  --ch-set NAME=VALUE   one model parameter (repeatable), e.g. ad1_mode=on-restore\n"
    "  --rate HZ             sample rate (default 1000)\n"
    "  --pace MODE           max (default), realtime, or a speed factor such as 10\n"
    "outputs:\n"
    "  --trace FILE          trace path (default traces/<UTC time>-<profile>.rct)\n"
    "  --json FILE           JSON report ('-' = stdout)\n"
    "  --junit FILE          JUnit XML report ('-' = stdout)\n"
    "  -q, --quiet           no text report, no progress line\n"
    "analysis:\n" CLI_ANALYSIS_HELP "\n"
    "exit codes: 0 pass, 1 a check failed, 2 bad input or usage,\n"
    "            3 device or I/O failure, or the run did not complete\n";

typedef struct run_args {
    const char *profile_path;
    cli_strings set;
    cli_strings ch_set;
    const char *ch_file;
    const char *backend;
    const char *trace_path;
    int64_t observe_us;
    rc_pace pace;
    double pace_factor;
    rc_rig_config rig;
    rc_analysis_config analysis;
    cli_reports reports;
} run_args;

static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig)
{
    (void)sig;
    stop_requested = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C kills at once */
}

static int parse_rate(const char *arg, uint32_t *rate)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || *end || v == 0 || v > 1000000)
        return cli_usage_error("run", "--rate: '%s' is not a rate in Hz (1 to 1000000)", arg);
    *rate = (uint32_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, run_args *a)
{
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'},
        {"observe", required_argument, NULL, 'o'},
        {"backend", required_argument, NULL, 'b'},
        {"ch", required_argument, NULL, 'c'},
        {"ch-set", required_argument, NULL, 'C'},
        {"rate", required_argument, NULL, 'r'},
        {"pace", required_argument, NULL, 'p'},
        {"trace", required_argument, NULL, 't'},
        {"json", required_argument, NULL, 'j'},
        {"junit", required_argument, NULL, 'J'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_ANALYSIS_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    rc_error err;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int handled = cli_analysis_option("run", opt, optarg, &a->analysis);
        if (handled < 0)
            return RC_EXIT_USAGE;
        if (handled)
            continue;
        switch (opt) {
        case 's': cli_strings_add(&a->set, optarg); break;
        case 'C': cli_strings_add(&a->ch_set, optarg); break;
        case 'c': a->ch_file = optarg; break;
        case 'b': a->backend = optarg; break;
        case 't': a->trace_path = optarg; break;
        case 'j': a->reports.json_path = optarg; break;
        case 'J': a->reports.junit_path = optarg; break;
        case 'q': a->reports.quiet = true; break;
        case 'o':
            if (rc_parse_duration_us(optarg, &a->observe_us, &err) != RC_OK)
                return cli_usage_error("run", "--observe: %s", err.msg);
            break;
        case 'r':
            if (parse_rate(optarg, &a->rig.sample_rate_hz))
                return RC_EXIT_USAGE;
            break;
        case 'p':
            if (rc_pace_parse(optarg, &a->pace, &a->pace_factor, &err) != RC_OK)
                return cli_usage_error("run", "--pace: %s", err.msg);
            break;
        case 'h': fputs(run_help, stdout); return -1;
        default: return cli_usage_error("run", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("run", optind >= argc ? "no PROFILE given" : "one PROFILE only");
    a->profile_path = argv[optind];
    return 0;
}

static rc_status load_model(run_args *a, rc_error *err)
{
    if (a->ch_file) {
        rc_status st = rc_model_params_load(&a->rig.ch, &a->rig.supply, a->ch_file, err);
        if (st != RC_OK)
            return st;
    }
    for (size_t i = 0; i < a->ch_set.count; i++) {
        const char *item = a->ch_set.items[i];
        const char *eq = strchr(item, '=');
        if (!eq)
            return rc_error_set(err, RC_ERR_ARG, "--ch-set %s: expected NAME=VALUE", item);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - item), item);
        rc_status st = rc_model_param_set(&a->rig.ch, &a->rig.supply, name, eq + 1, err);
        if (st != RC_OK)
            return rc_error_prefix(err, st, "--ch-set %s", item);
    }
    return RC_OK;
}

static const char *profile_basename(const char *path, char *buf, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, len, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
    return buf;
}

/* traces/<UTC>-<profile>.rct, with -2, -3... if two runs start in one second. */
static rc_status default_trace_path(const char *profile_path, char *out, size_t len,
                                    rc_error *err)
{
    if (mkdir("traces", 0777) != 0 && errno != EEXIST)
        return rc_error_set(err, RC_ERR_IO, "cannot create ./traces: %s", strerror(errno));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32], base[128];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    profile_basename(profile_path, base, sizeof base);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(out, len, "traces/%s-%s.rct", stamp, base);
        else
            snprintf(out, len, "traces/%s-%s-%d.rct", stamp, base, n);
        struct stat sb;
        if (stat(out, &sb) != 0)
            return RC_OK;
    }
    return rc_error_set(err, RC_ERR_IO, "too many traces named traces/%s-%s*", stamp, base);
}

typedef struct model_kvs {
    rc_kv *items;
    size_t count;
    size_t cap;
} model_kvs;

static void collect_param(void *ctx, const char *name, const char *value, const char *unit,
                          const char *description)
{
    (void)unit;
    (void)description;
    model_kvs *kvs = ctx;
    if (kvs->count == kvs->cap) {
        size_t cap = kvs->cap ? kvs->cap * 2 : 32;
        rc_kv *grown = realloc(kvs->items, cap * sizeof *grown);
        if (!grown)
            return;
        kvs->items = grown;
        kvs->cap = cap;
    }
    char *k = strdup(name), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return;
    }
    kvs->items[kvs->count++] = (rc_kv){k, v};
}

static void free_kvs(model_kvs *kvs)
{
    for (size_t i = 0; i < kvs->count; i++) {
        free(kvs->items[i].key);
        free(kvs->items[i].value);
    }
    free(kvs->items);
}

/* The sink the run loop writes to: the trace writer, flushed at least every
 * FLUSH_INTERVAL_MS of wall time so a reader or a crash sees recent data. */
typedef struct recording {
    rc_trace_writer *writer;
    rc_sink writer_sink;
    int64_t last_flush_ms;
} recording;

static rc_status maybe_flush(recording *r, rc_error *err)
{
    int64_t now = cli_now_ms();
    if (now - r->last_flush_ms < FLUSH_INTERVAL_MS)
        return RC_OK;
    r->last_flush_ms = now;
    return rc_trace_writer_flush(r->writer, err);
}

static rc_status record_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    recording *r = ctx;
    rc_status st = r->writer_sink.on_samples(r->writer_sink.ctx, s, n, err);
    return st == RC_OK ? maybe_flush(r, err) : st;
}

static rc_status record_event(void *ctx, const rc_event *ev, rc_error *err)
{
    recording *r = ctx;
    rc_status st = r->writer_sink.on_event(r->writer_sink.ctx, ev, err);
    return st == RC_OK ? maybe_flush(r, err) : st;
}

static void on_progress(void *ctx, const rc_run_progress *p)
{
    cli_progress_draw(ctx, p, false);
}

static int64_t unix_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Runs the profile and finalises the trace whatever happens. Returns the run
 * status; the trace is closed on return. */
static rc_status record_run(run_args *a, const rc_driver *drv, const rc_profile *profile,
                            const char *trace_path, rc_error *err)
{
    model_kvs kvs = {0};
    rc_model_params_foreach(&a->rig.ch, &a->rig.supply, collect_param, &kvs);
    rc_trace_header hdr = {
        .start_unix_us = unix_now_us(),
        .railcut_version = RAILCUT_VERSION,
        .backend = drv->name,
        .scenario = rc_scenario_name(profile->scenario),
        .profile_path = a->profile_path,
        .sample_rate_hz = a->rig.sample_rate_hz,
        .outage_below_mv = a->rig.outage_below_mv,
        .restore_above_mv = a->rig.restore_above_mv,
        .model_params = kvs.items,
        .n_model_params = kvs.count,
    };
    recording rec = {.last_flush_ms = cli_now_ms()};
    rc_status st = rc_trace_writer_open(trace_path, &hdr, profile, &rec.writer, err);
    free_kvs(&kvs);
    if (st != RC_OK)
        return st;
    rc_trace_writer_sink(rec.writer, &rec.writer_sink);
    rc_sink sink = {&rec, record_samples, record_event};

    cli_progress progress;
    cli_progress_init(&progress, a->reports.quiet);
    rc_run_options opt = {
        .pace = a->pace,
        .pace_factor = a->pace_factor,
        .stop_requested = &stop_requested,
        .progress = on_progress,
        .progress_ctx = &progress,
    };
    signal(SIGINT, on_sigint);
    rc_run_result res = {0};
    rc_status run_st = rc_run(drv, &a->rig, profile, &opt, &sink, &res, err);
    signal(SIGINT, SIG_DFL);
    rc_run_progress last = {.now_us = res.end_us, .nominal_us = profile->nominal_us,
                            .profile = profile};
    cli_progress_draw(&progress, &last, true);

    rc_error close_err;
    rc_status close_st = rc_trace_writer_close(rec.writer, res.end_us, &close_err);
    if (run_st == RC_OK && close_st != RC_OK) {
        *err = close_err;
        return close_st;
    }
    if (run_st != RC_OK && close_st != RC_OK)
        fprintf(stderr, "railcut: %s\n", close_err.msg);
    return run_st;
}

static int judge(run_args *a, const rc_driver *drv, const char *trace_path)
{
    rc_error err;
    rc_trace *trace;
    rc_status st = rc_trace_open(trace_path, &trace, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    rc_analysis *analysis;
    st = rc_analyze_trace(trace, &a->analysis, &analysis, &err);
    rc_trace_close(trace);
    if (st != RC_OK)
        return cli_error(st, &err);
    rc_report_context ctx = {a->profile_path, trace_path, drv->name, NULL};
    st = cli_reports_write(&a->reports, analysis, &ctx, &err);
    int code = st == RC_OK ? cli_verdict_exit(analysis) : cli_error(st, &err);
    rc_analysis_free(analysis);
    return code;
}

static int run_profile(run_args *a)
{
    rc_error err;
    rc_status st = load_model(a, &err);
    if (st != RC_OK)
        return cli_error(st, &err);

    rc_profile_options popt = RC_PROFILE_OPTIONS_INIT;
    popt.set = a->set.items;
    popt.n_set = a->set.count;
    popt.observe_us = a->observe_us;
    rc_profile *profile;
    st = rc_profile_load_any(a->profile_path, &popt, &profile, &err);
    if (st != RC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return rc_status_exit_code(st);
    }
    if (a->analysis.scenario_override)
        profile->scenario = a->analysis.scenario;

    const rc_driver *drv = rc_driver_find(a->backend);
    char trace_buf[4096];
    const char *trace_path = a->trace_path;
    if (!drv) {
        st = rc_error_set(&err, RC_ERR_NOT_FOUND,
                          "no backend '%s' (railcut backends lists them)", a->backend);
    } else if (!trace_path) {
        st = default_trace_path(a->profile_path, trace_buf, sizeof trace_buf, &err);
        trace_path = trace_buf;
    }
    if (st == RC_OK)
        st = cli_reports_open(&a->reports, &err);
    if (st == RC_OK)
        st = record_run(a, drv, profile, trace_path, &err);
    rc_profile_free(profile);

    if (st != RC_OK && st != RC_ERR_DEVICE && st != RC_ERR_INTERRUPTED) {
        cli_reports_close(&a->reports);
        return cli_error(st, &err);
    }
    if (st != RC_OK)
        fprintf(stderr, "railcut: %s; trace finalised: %s\n", err.msg, trace_path);
    return judge(a, drv, trace_path);
}

int cmd_run(int argc, char **argv)
{
    run_args a = {.backend = "sim", .observe_us = -1, .pace = RC_PACE_MAX, .pace_factor = 1.0};
    rc_rig_config_default(&a.rig);
    rc_analysis_config_default(&a.analysis);
    int code = parse_args(argc, argv, &a);
    if (code == 0) {
        /* One threshold pair serves the crossing detector and the analyzer. */
        a.rig.outage_below_mv = a.analysis.outage_below_mv;
        a.rig.restore_above_mv = a.analysis.restore_above_mv;
        code = run_profile(&a);
    } else if (code < 0) {
        code = RC_EXIT_PASS;
    }
    cli_strings_free(&a.set);
    cli_strings_free(&a.ch_set);
    return code;
}
