/*
 * cmd_suite.c - `railcut suite`: run every case of a suite file, print a live
 * table as cases finish, write JUnit and JSON reports, and exit non-zero if
 * any case did not give the verdict and check results it expects.
 *
 * Order: the suite is read, the trace directory is made, every selected case
 * is prepared (CH file and parameters, analysis options, profile, backend);
 * only then are the report files opened (so a bad case leaves an existing
 * report as it was) and the cases run. A case that cannot be prepared stops
 * the suite and removes the fresh trace directory again. Each case's trace
 * is kept in the trace directory, named after the case.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "railcut/bench.h"
#include "railcut/suite.h"
#include "railcut/units.h"

static const char suite_help[] =
    "usage: railcut suite FILE [options]\n"
    "\n"
    "Runs every case of a suite file (docs/suite-format.md): each case is a\n"
    "profile with its parameters, a CH and a backend, and the verdict and check\n"
    "results it must give. Prints one table row per case as it finishes (case,\n"
    "longest raw interruption and longest merged outage in seconds, first AD1,\n"
    "verdict, expected verdict, result) and what differed for each case that\n"
    "did not match. Every case's trace is kept.\n"
    "\n"
    "options:\n"
    "  --backend NAME        run every case on this backend instead of its own\n"
    "  --bench NAME          cases on a hardware backend run on the bench NAME.ini\n"
    "                        (docs/bench-setup.md): its device, calibration and\n"
    "                        alert sources; held locked while each case records\n"
    "  --bench-dir DIR       where bench files are (default ./benches, then\n"
    "                        ~/.config/railcut/benches)\n"
    "  --jobs N              run up to N sim cases at once (default 1); cases on\n"
    "                        any other backend always run one at a time\n"
    "  --filter PATTERN      only the cases whose name matches (shell pattern, or\n"
    "                        a plain substring)\n"
    "  --trace-dir DIR       where traces go (default traces/<suite>-<UTC time>/)\n"
    "  --rate HZ             sample rate (default 1000)\n"
    "  --json FILE           JSON summary ('-' = stdout)\n"
    "  --junit FILE          JUnit XML, one testcase per case ('-' = stdout)\n"
    "  -q, --quiet           no table, no progress\n" CLI_PROGRESS_HELP
    "analysis:\n" CLI_ANALYSIS_HELP "\n"
    "exit codes: 0 every case as expected, 1 a case differed, 2 bad suite file\n"
    "            (or a case's profile, CH file or backend), 3 device or I/O failure\n";

typedef struct suite_args {
    const char *suite_path;
    const char *trace_dir;
    const char *bench_name, *bench_dir;
    rc_bench bench;
    char bench_device[RC_BENCH_TEXT_MAX + 64];
    rc_suite_run_options run;
    cli_reports reports;
    cli_progress_mode progress;
} suite_args;

static int parse_args(int argc, char **argv, suite_args *a)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},
        {"bench", required_argument, NULL, 'B'},
        {"bench-dir", required_argument, NULL, 'D'},
        {"jobs", required_argument, NULL, 'j'},
        {"filter", required_argument, NULL, 'f'},
        {"trace-dir", required_argument, NULL, 't'},
        {"rate", required_argument, NULL, 'r'},
        {"json", required_argument, NULL, 'J'},
        {"junit", required_argument, NULL, 'U'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        CLI_ANALYSIS_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int opt;
    unsigned long v;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int handled = cli_analysis_option("suite", opt, optarg, &a->run.analysis);
        if (handled < 0)
            return RC_EXIT_USAGE;
        if (handled)
            continue;
        switch (opt) {
        case 'b': a->run.backend = optarg; break;
        case 'B': a->bench_name = optarg; break;
        case 'D': a->bench_dir = optarg; break;
        case 'f': a->run.filter = optarg; break;
        case 't': a->trace_dir = optarg; break;
        case 'J': a->reports.json_path = optarg; break;
        case 'U': a->reports.junit_path = optarg; break;
        case 'q': a->reports.quiet = true; break;
        case 'P':
            if (cli_progress_option("suite", optarg, &a->progress))
                return RC_EXIT_USAGE;
            break;
        case 'j':
            if (cli_parse_count("suite", "jobs", optarg, 1, 64, &v))
                return RC_EXIT_USAGE;
            a->run.jobs = (unsigned)v;
            break;
        case 'r':
            if (cli_parse_count("suite", "rate", optarg, 1, 1000000, &v))
                return RC_EXIT_USAGE;
            a->run.rig.sample_rate_hz = (uint32_t)v;
            break;
        case 'h': fputs(suite_help, stdout); return -1;
        default: return cli_usage_error("suite", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("suite", optind >= argc ? "no suite FILE given" : "one FILE only");
    a->suite_path = argv[optind];
    return 0;
}

/* --bench: the cases on hardware run on this bench (RAILCUT_LOCK_DIR moves
 * the locks); the ftdi backend reads the link settings from the device
 * string. */
static int load_bench(suite_args *a)
{
    if (!a->bench_name)
        return 0;
    int code = cli_bench_load(a->bench_name, a->bench_dir, &a->bench, NULL, 0);
    if (code != 0)
        return code;
    const rc_bench *b = &a->bench;
    cli_bench_device(b, a->bench_device, sizeof a->bench_device);
    a->run.rig.device = a->bench_device;
    a->run.bench = b;
    a->run.bench_lock_dir = getenv("RAILCUT_LOCK_DIR");
    return 0;
}

/* ---- The live table -------------------------------------------------------- */

typedef struct table {
    FILE *out;
    int name_width;
    bool quiet;
    cli_progress progress; /* cases done of selected */
    size_t done, selected;
} table;

static void print_row(const table *t, const rc_case_result *r);

static void print_header(const table *t)
{
    fprintf(t->out, "%-*s  %-11s  %-11s  %-12s  %-7s  %-8s  %s\n", t->name_width, "case",
            "outage s", "merged s", "AD1 s", "verdict", "expected", "result");
}

static void on_case_done(void *ctx, const rc_case_result *r)
{
    table *t = ctx;
    t->done++;
    if (t->progress.enabled && !t->progress.plain)
        fputs("\r\033[K", stderr); /* the row goes where the bar was */
    print_row(t, r);
    cli_progress_count(&t->progress, t->done, t->selected, t->done == t->selected);
}

static void print_row(const table *t, const rc_case_result *r)
{
    if (t->quiet)
        return;
    const rc_analysis *a = r->job.analysis;
    /* Raw and merged side by side: a case can fail on merged episodes
     * (staged cuts, chatter) while every raw one is short. */
    char outage[32] = "-", merged[32] = "-", ad1[32] = "-";
    if (a) {
        rc_format_seconds(a->max_outage_us, outage, sizeof outage);
        rc_format_seconds(a->max_merged_outage_us, merged, sizeof merged);
        if (a->n_ad1)
            rc_format_seconds(a->ad1[0].t_us, ad1, sizeof ad1);
        if (a->n_ad1 > 1)
            snprintf(ad1 + strlen(ad1), sizeof ad1 - strlen(ad1), " +%zu", a->n_ad1 - 1);
    }
    const char *result = r->outcome == RC_CASE_MATCHED      ? "ok"
                         : r->outcome == RC_CASE_MISMATCHED ? "MISMATCH"
                                                            : "ERROR";
    fprintf(t->out, "%-*s  %-11s  %-11s  %-12s  %-7s  %-8s  %s\n", t->name_width, r->c->name,
            outage, merged, ad1, a ? rc_verdict_name(a->verdict) : "-",
            rc_verdict_name(r->c->verdict), result);
    if (r->outcome == RC_CASE_MISMATCHED)
        fprintf(t->out, "    %s\n    trace: %s\n", r->diff, r->trace_path);
    else if (r->outcome == RC_CASE_ERROR)
        fprintf(t->out, "    %s\n", r->error.msg);
    fflush(t->out);
}

static size_t count_selected(const rc_suite *s, const char *filter)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_cases; i++)
        n += rc_suite_case_selected(&s->cases[i], filter);
    return n;
}

/* Width of the case column; 0 when the filter selects no case. */
static int name_width(const rc_suite *s, const char *filter)
{
    int w = 0;
    for (size_t i = 0; i < s->n_cases; i++) {
        int len = (int)strlen(s->cases[i].name);
        if (rc_suite_case_selected(&s->cases[i], filter) && len > w)
            w = len;
    }
    return w == 0 ? 0 : w < 4 ? 4 : w;
}

/* ---- Reports and exit code ------------------------------------------------- */

static rc_status write_reports(cli_reports *rep, const rc_suite *s, const rc_case_result *r,
                               rc_error *err)
{
    rc_status st = RC_OK;
    if (rep->json)
        st = rc_suite_report_json(rep->json, s, r, s->n_cases, err);
    if (st == RC_OK && rep->junit)
        st = rc_suite_report_junit(rep->junit, s, r, s->n_cases, err);
    return cli_reports_finish(rep, st, err);
}

static int exit_code(const rc_suite *s, const rc_case_result *r, const table *t,
                     const char *trace_dir)
{
    size_t run = 0, matched = 0, mismatched = 0, errors = 0;
    bool device = false;
    for (size_t i = 0; i < s->n_cases; i++) {
        if (r[i].outcome == RC_CASE_NOT_RUN)
            continue;
        run++;
        matched += r[i].outcome == RC_CASE_MATCHED;
        mismatched += r[i].outcome == RC_CASE_MISMATCHED;
        errors += r[i].outcome == RC_CASE_ERROR;
        device |= r[i].outcome == RC_CASE_ERROR || r[i].job.run_status == RC_ERR_DEVICE;
    }
    if (!t->quiet)
        fprintf(t->out, "%zu case%s: %zu as expected, %zu not, %zu error%s; traces in %s\n", run,
                run == 1 ? "" : "s", matched, mismatched, errors, errors == 1 ? "" : "s",
                trace_dir);
    if (device)
        return RC_EXIT_DEVICE;
    return mismatched ? RC_EXIT_FAIL : RC_EXIT_PASS;
}

static int run_suite(suite_args *a)
{
    rc_error err;
    rc_suite *s;
    rc_status st = rc_suite_load(a->suite_path, &s, &err);
    if (st != RC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return st == RC_ERR_NOMEM ? RC_EXIT_DEVICE : RC_EXIT_USAGE;
    }
    int width = name_width(s, a->run.filter);
    if (width == 0) {
        rc_suite_free(s);
        return cli_usage_error("suite", "no case matches the filter '%s'", a->run.filter);
    }
    char dir[4096];
    bool created = false;
    table t = {.out = stdout, .name_width = width, .quiet = a->reports.quiet};
    a->run.trace_dir = dir;
    a->run.stop_requested = cli_stop_flag();
    a->run.on_case_done = on_case_done;
    a->run.ctx = &t;
    rc_suite_plan *plan = NULL;
    st = cli_make_output_dir(a->trace_dir, s->name, dir, sizeof dir, &created, &err);
    if (st != RC_OK) {
        rc_suite_free(s);
        return cli_error(st, &err);
    }
    st = rc_suite_prepare(s, &a->run, &plan, &err);
    if (st != RC_OK) {
        /* A case could not be prepared: nothing ran, leave nothing behind. */
        if (created)
            rmdir(dir);
        fprintf(stderr, "%s\n", err.msg);
        rc_suite_free(s);
        return st == RC_ERR_NOMEM ? RC_EXIT_DEVICE : RC_EXIT_USAGE;
    }
    st = cli_reports_open(&a->reports, &err);
    if (st != RC_OK) {
        rc_suite_plan_free(plan);
        if (created)
            rmdir(dir);
        rc_suite_free(s);
        return cli_error(st, &err);
    }
    if (a->reports.json == stdout || a->reports.junit == stdout)
        t.out = stderr;
    cli_progress_setup(&t.progress, a->reports.quiet, a->progress);
    t.selected = count_selected(s, a->run.filter);
    if (!t.quiet)
        print_header(&t);
    rc_case_result *results;
    cli_catch_sigint();
    st = rc_suite_execute(plan, &results, &err);
    cli_release_sigint();
    rc_suite_plan_free(plan);
    int code;
    if (st != RC_OK && st != RC_ERR_INTERRUPTED) {
        cli_reports_close(&a->reports);
        code = cli_error(st, &err);
    } else {
        code = exit_code(s, results, &t, dir);
        if (st == RC_ERR_INTERRUPTED) {
            fprintf(stderr, "railcut: suite stopped; cases not run are left out\n");
            code = RC_EXIT_DEVICE;
        }
        rc_status rst = write_reports(&a->reports, s, results, &err);
        if (rst != RC_OK)
            code = cli_error(rst, &err);
        rc_suite_results_free(results, s->n_cases);
    }
    rc_suite_free(s);
    return code;
}

int cmd_suite(int argc, char **argv)
{
    suite_args a = {0};
    rc_suite_run_options_init(&a.run);
    int code = parse_args(argc, argv, &a);
    if (code == 0)
        code = load_bench(&a);
    if (code == 0)
        return run_suite(&a);
    return code < 0 ? RC_EXIT_PASS : code;
}
