/*
 * cli.h - what the railcut subcommands share: exit codes, option helpers,
 * report outputs and the progress line.
 *
 * Each subcommand is one file (cmd_<name>.c) with one entry point
 * `int cmd_<name>(int argc, char **argv)` returning the process exit code.
 */
#ifndef RC_CLI_H
#define RC_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "railcut/analyze.h"
#include "railcut/bench.h"
#include "railcut/error.h"
#include "railcut/rig.h"
#include "railcut/trace.h"

/* Exit codes, documented in `railcut --help` and the README. */
enum {
    RC_EXIT_PASS = 0,   /* every applicable check passed */
    RC_EXIT_FAIL = 1,   /* a check failed */
    RC_EXIT_USAGE = 2,  /* bad input or usage */
    RC_EXIT_DEVICE = 3, /* device or I/O failure, or the run did not complete */
};

int cmd_run(int argc, char **argv);
int cmd_suite(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_backends(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_characterize(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_annotate(int argc, char **argv);
int cmd_repair(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_flash(int argc, char **argv);

/* Prints "railcut: <msg>" to stderr and returns the exit code for status. */
int cli_error(rc_status status, const rc_error *err);
/* Prints "railcut <cmd>: <formatted>" plus a hint to run --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable list of "name=value" strings from repeated options. */
typedef struct cli_strings {
    const char **items;
    size_t count;
} cli_strings;
void cli_strings_add(cli_strings *list, const char *item);
void cli_strings_free(cli_strings *list);

/* Options of the analyzer shared by run and analyze. Returns 1 when the
 * option was one of them, 0 if not, -1 (after printing) on a bad value. */
int cli_analysis_option(const char *cmd, int opt, const char *arg, rc_analysis_config *cfg);
#define CLI_ANALYSIS_LONG_OPTIONS                                                             \
    {"guard", required_argument, NULL, 0x100}, {"merge-gap", required_argument, NULL, 0x101}, \
        {"scenario", required_argument, NULL, 0x102},                                        \
        {"ad1-latency-max", required_argument, NULL, 0x103},                                 \
        {"outage-below", required_argument, NULL, 0x104},                                    \
        {"restore-above", required_argument, NULL, 0x105}
#define CLI_ANALYSIS_HELP                                                                      \
    "  --guard T             mark results within T of 180 s as marginal (e.g. 2s)\n"          \
    "  --merge-gap T         restores shorter than T do not end a merged episode (1s)\n"       \
    "  --scenario NAME       ota, outage or test; overrides the profile's\n"                   \
    "  --ad1-latency-max T   AD1 must follow qualification or restore within T (60s)\n"       \
    "  --outage-below V      outage threshold (8V); exact crossings come from the backend\n"   \
    "  --restore-above V     restore threshold (9V)\n"

/* Report outputs: --json FILE and --junit FILE, "-" meaning stdout. Files
 * are opened before a run starts, so a bad path never wastes a run. They
 * are written as FILE.partial and renamed over FILE only when complete, so
 * a run that fails or is refused leaves an earlier report intact. */
typedef struct cli_reports {
    const char *json_path;
    const char *junit_path;
    FILE *json;
    FILE *junit;
    bool quiet;
    char json_partial[4096];
    char junit_partial[4096];
} cli_reports;

rc_status cli_reports_open(cli_reports *r, rc_error *err);
/* Writes the text report (stdout, or stderr when a machine report goes to
 * stdout) and the JSON and JUnit reports, then finishes them. */
rc_status cli_reports_write(cli_reports *r, const rc_analysis *a, const rc_report_context *ctx,
                            rc_error *err);
/* Closes the report files and, when written is RC_OK, moves them into
 * place; otherwise removes the partial files. Returns the first failure. */
rc_status cli_reports_finish(cli_reports *r, rc_status written, rc_error *err);
/* Abandons the reports: no file is changed. */
void cli_reports_close(cli_reports *r);

/* Exit code for a finished analysis. */
int cli_verdict_exit(const rc_analysis *a);

/* Progress of long runs on stderr. `bar` redraws one line on a terminal;
 * `plain` prints a line every 10 % or every 5 s of wall time (CI logs);
 * `none` is silent. The default (auto) is the bar on a terminal, else none. */
typedef enum cli_progress_mode {
    CLI_PROGRESS_AUTO = 0,
    CLI_PROGRESS_NONE = 1,
    CLI_PROGRESS_BAR = 2,
    CLI_PROGRESS_PLAIN = 3,
} cli_progress_mode;

typedef struct cli_progress {
    bool enabled;
    bool plain;
    int64_t last_draw_ms;
    int64_t start_ms;      /* wall clock at init */
    int last_tenth;        /* plain: last 10 % step printed */
    size_t segment;        /* last segment seen, to start the outage clock */
    int64_t cut_at_us;     /* device time the rail was cut; -1 while it is on */
    const char *label;     /* e.g. "probe 3/23"; may be NULL */
    int64_t done_us;       /* virtual time of earlier runs of the same command */
    int64_t total_us;      /* virtual time of all runs; 0 = this run's nominal length */
} cli_progress;

/* --progress=MODE: "bar", "plain" or "none". Returns 0, or prints and returns 2. */
int cli_progress_option(const char *cmd, const char *arg, cli_progress_mode *mode);
#define CLI_PROGRESS_HELP                                                                     \
    "  --progress MODE       bar (default on a terminal), plain (a line every 10 %% or\n"     \
    "                        5 s, for CI logs) or none\n"

void cli_progress_init(cli_progress *p, bool quiet);
void cli_progress_setup(cli_progress *p, bool quiet, cli_progress_mode mode);
/* One run: elapsed and remaining virtual and wall time, the outage clock
 * (how long the rail has been cut), the running segment. */
void cli_progress_draw(cli_progress *p, const rc_run_progress *rp, bool final);
/* Counted work (suite cases): done of total, wall time and its estimate. */
void cli_progress_count(cli_progress *p, size_t done, size_t total, bool final);

/* Ctrl-C: the first one sets the returned flag (the run stops cleanly and
 * finalises its trace), a second one kills at once. */
volatile sig_atomic_t *cli_stop_flag(void);
void cli_catch_sigint(void);
void cli_release_sigint(void);

/* An unsigned option value in [min, max]; prints a usage error and returns
 * non-zero otherwise. */
int cli_parse_count(const char *cmd, const char *opt, const char *arg, unsigned long min,
                    unsigned long max, unsigned long *out);

/* The output directory of a many-trace command: GIVEN (created if missing),
 * or traces/STEM-<UTC> (with -2, -3... when two start in one second).
 * *created says whether this call made it. */
rc_status cli_make_output_dir(const char *given, const char *stem, char *out, size_t len,
                              bool *created, rc_error *err);

/* Warns on stderr when an opened trace is damaged, saying that the command
 * goes on with what precedes the damage ("judging", "exporting"...). */
void cli_warn_damage(const char *path, const rc_trace *trace, const char *doing);

/* Finds bench NAME (in DIR, or the default places) and loads it; its file
 * goes to path (cap bytes) when path is not NULL. Returns 0, or prints the
 * error and returns its exit code. */
int cli_bench_load(const char *name, const char *dir, rc_bench *bench, char *path, size_t cap);

/* The device string the ftdi backend opens for a bench: its device with the
 * bench's link settings, unless the device string already carries options. */
void cli_bench_device(const rc_bench *b, char *out, size_t len);

/* Monotonic wall clock in milliseconds. */
int64_t cli_now_ms(void);

#endif
