/*
 * cmd_run.c - `railcut run`: compile a profile, run it on a backend, record
 * the trace, then judge the trace and report. The pipeline itself is the
 * library's job (railcut/suite.h), shared with `railcut suite`; this file adds
 * the options, the default trace path, the progress line, Ctrl-C and reports.
 *
 * Order matters for "bad input loses nothing": everything that can be
 * rejected (profile, CH file, options, output paths) is checked before the
 * backend is opened, and once a run has started its trace is always
 * finalised, whether the run completes, is stopped with Ctrl-C, or the
 * backend fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "railcut/bench.h"
#include "railcut/profile.h"
#include "railcut/rig.h"
#include "railcut/suite.h"
#include "railcut/units.h"

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
    "  --bench NAME          the bench NAME.ini (docs/bench-setup.md): held locked for\n"
    "                        the run, its calibration recorded in the trace\n"
    "  --bench-dir DIR       where bench files are (default ./benches, then\n"
    "                        ~/.config/railcut/benches)\n"
    "  --feed-bind HOST:PORT take AD1 reports (\"AD1 @S\", \"AD1 <UTC>Z\") on this TCP\n"
    "                        address during the run (default: the bench's, if its\n"
    "                        [alert] feed = yes; docs/bench-setup.md)\n"
    "outputs:\n"
    "  --trace FILE          trace path (default traces/<UTC time>-<profile>.rct)\n"
    "  --json FILE           JSON report ('-' = stdout)\n"
    "  --junit FILE          JUnit XML report ('-' = stdout)\n"
    "  -q, --quiet           no text report, no progress line\n" CLI_PROGRESS_HELP
    "  --dash                watch the run live in railcut-dash (the run goes on without it)\n"
    "analysis:\n" CLI_ANALYSIS_HELP "\n"
    "exit codes: 0 pass, 1 a check failed, 2 bad input or usage,\n"
    "            3 device or I/O failure, or the run did not complete\n";

typedef struct run_args {
    const char *profile_path;
    cli_strings set;
    cli_strings ch_set;
    const char *trace_path;
    rc_job job;
    cli_reports reports;
    bool dash;
    cli_progress_mode progress;
    const char *bench_name;
    const char *bench_dir;
    rc_bench bench;
    char bench_device[256]; /* the bench's device string with its link settings */
} run_args;

/* --dash: the trace railcut-dash is to follow, until it has been started. */
static const char *dash_pending;

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
        {"dash", no_argument, NULL, 'D'},
        {"progress", required_argument, NULL, 'P'},
        {"bench", required_argument, NULL, 0x200},
        {"bench-dir", required_argument, NULL, 0x201},
        {"feed-bind", required_argument, NULL, 0x202},
        {"help", no_argument, NULL, 'h'},
        CLI_ANALYSIS_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    rc_error err;
    unsigned long rate;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int handled = cli_analysis_option("run", opt, optarg, &a->job.analysis);
        if (handled < 0)
            return RC_EXIT_USAGE;
        if (handled)
            continue;
        switch (opt) {
        case 's': cli_strings_add(&a->set, optarg); break;
        case 'C': cli_strings_add(&a->ch_set, optarg); break;
        case 'c': a->job.ch_file = optarg; break;
        case 'b': a->job.backend = optarg; break;
        case 't': a->trace_path = optarg; break;
        case 'j': a->reports.json_path = optarg; break;
        case 'J': a->reports.junit_path = optarg; break;
        case 'q': a->reports.quiet = true; break;
        case 'D': a->dash = true; break;
        case 0x200: a->bench_name = optarg; break;
        case 0x201: a->bench_dir = optarg; break;
        case 0x202: a->job.feed_bind = optarg; break;
        case 'P':
            if (cli_progress_option("run", optarg, &a->progress))
                return RC_EXIT_USAGE;
            break;
        case 'o':
            if (rc_parse_duration_us(optarg, &a->job.observe_us, &err) != RC_OK)
                return cli_usage_error("run", "--observe: %s", err.msg);
            break;
        case 'r':
            if (cli_parse_count("run", "rate", optarg, 1, 1000000, &rate))
                return RC_EXIT_USAGE;
            a->job.rig.sample_rate_hz = (uint32_t)rate;
            break;
        case 'p':
            if (rc_pace_parse(optarg, &a->job.pace, &a->job.pace_factor, &err) != RC_OK)
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

/* --bench: the bench file, whose lock the job holds (RAILCUT_LOCK_DIR moves the locks). */
static int load_bench(run_args *a)
{
    if (!a->bench_name)
        return 0;
    int code = cli_bench_load(a->bench_name, a->bench_dir, &a->bench, NULL, 0);
    if (code != 0)
        return code;
    a->job.bench = &a->bench;
    a->job.bench_lock_dir = getenv("RAILCUT_LOCK_DIR");
    cli_bench_device(&a->bench, a->bench_device, sizeof a->bench_device);
    a->job.rig.device = a->bench_device;
    if (a->bench.feed && !a->job.feed_bind)
        a->job.feed_bind = a->bench.feed_bind;
    return 0;
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

/* railcut-dash beside this railcut (build tree and install alike), else on PATH. */
static bool find_dash(char *out, size_t len)
{
    char dir[4096];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    char *slash = n > 0 ? (dir[n] = '\0', strrchr(dir, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        snprintf(out, len, "%s/railcut-dash", dir);
        if (access(out, X_OK) == 0)
            return true;
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t k = strcspn(path, ":");
        snprintf(out, len, "%.*s/railcut-dash", (int)k, path);
        if (k > 0 && access(out, X_OK) == 0)
            return true;
        path += k + (path[k] == ':');
    }
    return false;
}

/* Starts railcut-dash on the trace being written. It is detached (a double
 * fork, its own session) so the run never waits for it or depends on it, and
 * Ctrl-C stops the run but leaves the window up to show how it ended. */
static void start_dash(const char *trace_path)
{
    char exe[4200];
    if (!find_dash(exe, sizeof exe)) {
        fprintf(stderr, "railcut: warning: --dash: railcut-dash not found beside railcut or "
                        "on PATH; running without it\n");
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "railcut: warning: --dash: %s; running without it\n", strerror(errno));
        return;
    }
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            int null = open("/dev/null", O_RDWR);
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            execl(exe, "railcut-dash", "--follow", "--wait", "10", trace_path, (char *)NULL);
            _exit(127);
        }
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

static void on_progress(void *ctx, const rc_run_progress *p)
{
    if (dash_pending) {
        /* The first progress report comes once the trace file exists. */
        start_dash(dash_pending);
        dash_pending = NULL;
    }
    cli_progress_draw(ctx, p, false);
}

static int judge(run_args *a, const rc_driver *drv, const char *trace_path,
                 const rc_analysis *analysis)
{
    rc_error err;
    rc_report_context ctx = {a->profile_path, trace_path, drv->name, NULL};
    rc_status st = cli_reports_write(&a->reports, analysis, &ctx, &err);
    return st == RC_OK ? cli_verdict_exit(analysis) : cli_error(st, &err);
}

/* Runs a prepared job with the progress line and Ctrl-C handling. */
static rc_status execute(run_args *a, rc_job_plan *plan, const char *trace_path,
                         rc_job_outcome *out, rc_error *err)
{
    const rc_profile *profile = rc_job_plan_profile(plan);
    cli_progress progress;
    cli_progress_setup(&progress, a->reports.quiet, a->progress);
    a->job.progress = on_progress;
    a->job.progress_ctx = &progress;
    a->job.stop_requested = cli_stop_flag();
    dash_pending = a->dash ? trace_path : NULL;
    cli_catch_sigint();
    rc_status st = rc_job_execute(plan, trace_path, out, err);
    cli_release_sigint();
    rc_run_progress last = {.now_us = out->run.end_us, .nominal_us = profile->nominal_us,
                            .segment = profile->n_segs - 1, .profile = profile};
    cli_progress_draw(&progress, &last, true);
    return st;
}

static int run_profile(run_args *a)
{
    rc_error err;
    rc_job_plan *plan;
    rc_job_stage stage;
    rc_status st = rc_job_prepare(&a->job, &plan, &stage, &err);
    if (st != RC_OK && stage == RC_JOB_PROFILE) {
        fprintf(stderr, "%s\n", err.msg);
        return rc_status_exit_code(st);
    }
    if (st != RC_OK)
        return cli_error(st, &err);

    const rc_driver *drv = rc_job_plan_driver(plan);
    char trace_buf[4096];
    const char *trace_path = a->trace_path;
    if (!trace_path) {
        st = default_trace_path(a->profile_path, trace_buf, sizeof trace_buf, &err);
        trace_path = trace_buf;
    }
    if (st == RC_OK)
        st = cli_reports_open(&a->reports, &err);
    rc_job_outcome out = {0};
    if (st == RC_OK)
        st = execute(a, plan, trace_path, &out, &err);
    rc_job_plan_free(plan);
    if (st != RC_OK) {
        cli_reports_close(&a->reports);
        return cli_error(st, &err);
    }
    if (out.run_status != RC_OK)
        fprintf(stderr, "railcut: %s; trace finalised: %s\n", out.run_error.msg, trace_path);
    int code = judge(a, drv, trace_path, out.analysis);
    rc_analysis_free(out.analysis);
    return code;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {0};
    rc_job_init(&a.job);
    int code = parse_args(argc, argv, &a);
    if (code == 0) {
        a.job.profile_path = a.profile_path;
        a.job.set = a.set.items;
        a.job.n_set = a.set.count;
        a.job.ch_set = a.ch_set.items;
        a.job.n_ch_set = a.ch_set.count;
        code = load_bench(&a);
        if (code == 0)
            code = run_profile(&a);
    } else if (code < 0) {
        code = RC_EXIT_PASS;
    }
    cli_strings_free(&a.set);
    cli_strings_free(&a.ch_set);
    return code;
}
