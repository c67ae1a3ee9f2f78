/*
 * cmd_characterize.c - `railcut characterize MODE`: run many generated
 * probes into a CH and report where its behaviour changes, with a confidence
 * interval. The method is the library's (railcut/characterize.h); this file
 * adds the options, the probe directory, the bench-time estimate, the
 * progress line, Ctrl-C and the reports.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "railcut/characterize.h"
#include "railcut/units.h"

static const char characterize_help[] =
    "usage: railcut characterize MODE [options]\n"
    "\n"
    "Runs generated probe profiles into a CH, one at a time, and reports where\n"
    "its behaviour changes, with a 95 % confidence interval (docs/characterization.md).\n"
    "Every probe's profile and trace are kept in the probe directory.\n"
    "\n"
    "modes:\n"
    "  ad1-threshold   outage length at which AD1 starts to appear (staircase)\n"
    "  restore-reset   shortest restore that resets the outage timer (staircase)\n"
    "  holdup          longest cut ridden through without a reboot (staircase)\n"
    "  uvlo            rail voltage at which the CH drops out and recovers (ramps)\n"
    "  ad1-latency     AD1 latency over repeated outages: min/median/p95/max\n"
    "\n"
    "staircase modes:\n"
    "  --from T --to T       probed range (ad1-threshold 175s..185s, others 0s..10s)\n"
    "  --resolution T        grid step (ad1-threshold 0.1s, others 10ms)\n"
    "  --reversals N         stop after N reversals at the final step (12)\n"
    "  --max-probes N        ... or after N probes (200)\n"
    "  --outage T            restore-reset: each of the two cuts (120s)\n"
    "repeated modes:\n"
    "  --repeats N           probes (uvlo 5, ad1-latency 30)\n"
    "  --outage T            ad1-latency: the cut (190s)\n"
    "  --low V --high V      uvlo: ramp between these (5V, 12V)\n"
    "  --ramp V              uvlo: ramp rate per second (0.1V)\n"
    "every mode:\n"
    "  --settle T            powered and ready this long before the probe (60s)\n"
    "  --wait T              time-out of every wait (120s)\n"
    "  --observe T           observation window at the end (60s)\n"
    "  --seed N              base seed; each probe's CH seed derives from it (1)\n"
    "  --backend NAME        backend (default sim); probes always run one at a time\n"
    "  --ch FILE             CH and supply model parameters (INI)\n"
    "  --ch-set NAME=VALUE   one model parameter (repeatable), e.g. jitter.qualify=1s\n"
    "  --rate HZ             sample rate (default 100)\n"
    "  --pace MODE           max (default), realtime, or a speed factor\n"
    "  --dir DIR             probe directory (default traces/characterize-<mode>-<UTC>/)\n"
    "  --json FILE           JSON result ('-' = stdout)\n"
    "  -q, --quiet           only the answer; no probe list, no progress\n" CLI_PROGRESS_HELP
    "\n"
    "exit codes: 0 converged, 1 not converged (outside the range, probes ran out),\n"
    "            2 bad input or usage, 3 device or I/O failure, or stopped\n";

typedef struct char_args {
    rc_char_config cfg;
    cli_strings ch_set;
    const char *dir;
    const char *json_path;
    bool quiet;
    cli_progress_mode progress_mode;
    cli_progress progress;
    char label[64];
} char_args;

static int parse_duration(const char *opt, const char *arg, int64_t *out)
{
    rc_error err;
    if (rc_parse_duration_us(arg, out, &err) != RC_OK)
        return cli_usage_error("characterize", "--%s: %s", opt, err.msg);
    return 0;
}

static int parse_volts(const char *opt, const char *arg, int32_t *out)
{
    rc_error err;
    if (rc_parse_voltage_mv(arg, out, &err) != RC_OK)
        return cli_usage_error("characterize", "--%s: %s", opt, err.msg);
    return 0;
}

/* Options that only make sense after the mode has set its defaults. */
static int apply_option(char_args *a, int opt, const char *arg)
{
    rc_char_config *c = &a->cfg;
    unsigned long v;
    rc_error err;
    switch (opt) {
    case 'f': return parse_duration("from", arg, &c->lo_us);
    case 't': return parse_duration("to", arg, &c->hi_us);
    case 'R': return parse_duration("resolution", arg, &c->resolution_us);
    case 'O': return parse_duration("outage", arg, &c->outage_us);
    case 'S': return parse_duration("settle", arg, &c->settle_us);
    case 'W': return parse_duration("wait", arg, &c->wait_us);
    case 'o': return parse_duration("observe", arg, &c->observe_us);
    case 'l': return parse_volts("low", arg, &c->lo_mv);
    case 'H': return parse_volts("high", arg, &c->hi_mv);
    case 'm': return parse_volts("ramp", arg, &c->ramp_mv_per_s);
    case 'v':
        if (cli_parse_count("characterize", "reversals", arg, 0, 10000, &v))
            return RC_EXIT_USAGE;
        c->reversals = (unsigned)v;
        return 0;
    case 'M':
        if (cli_parse_count("characterize", "max-probes", arg, 0, 100000, &v))
            return RC_EXIT_USAGE;
        c->max_probes = (unsigned)v;
        return 0;
    case 'n':
        if (cli_parse_count("characterize", "repeats", arg, 0, 100000, &v))
            return RC_EXIT_USAGE;
        c->repeats = (unsigned)v;
        return 0;
    case 's':
        if (cli_parse_count("characterize", "seed", arg, 0, (unsigned long)INT64_MAX, &v))
            return RC_EXIT_USAGE;
        c->seed = (int64_t)v;
        return 0;
    case 'r':
        if (cli_parse_count("characterize", "rate", arg, 1, 1000000, &v))
            return RC_EXIT_USAGE;
        c->rig.sample_rate_hz = (uint32_t)v;
        return 0;
    case 'p':
        if (rc_pace_parse(arg, &c->pace, &c->pace_factor, &err) != RC_OK)
            return cli_usage_error("characterize", "--pace: %s", err.msg);
        return 0;
    case 'b': c->backend = arg; return 0;
    case 'c': c->ch_file = arg; return 0;
    case 'C': cli_strings_add(&a->ch_set, arg); return 0;
    case 'd': a->dir = arg; return 0;
    case 'j': a->json_path = arg; return 0;
    case 'q': a->quiet = true; return 0;
    case 'P': return cli_progress_option("characterize", arg, &a->progress_mode);
    default: return cli_usage_error("characterize", "unknown option");
    }
}

static const struct option longopts[] = {
    {"from", required_argument, NULL, 'f'},       {"to", required_argument, NULL, 't'},
    {"resolution", required_argument, NULL, 'R'}, {"outage", required_argument, NULL, 'O'},
    {"settle", required_argument, NULL, 'S'},     {"wait", required_argument, NULL, 'W'},
    {"observe", required_argument, NULL, 'o'},    {"low", required_argument, NULL, 'l'},
    {"high", required_argument, NULL, 'H'},       {"ramp", required_argument, NULL, 'm'},
    {"reversals", required_argument, NULL, 'v'},  {"max-probes", required_argument, NULL, 'M'},
    {"repeats", required_argument, NULL, 'n'},    {"seed", required_argument, NULL, 's'},
    {"rate", required_argument, NULL, 'r'},       {"pace", required_argument, NULL, 'p'},
    {"backend", required_argument, NULL, 'b'},    {"ch", required_argument, NULL, 'c'},
    {"ch-set", required_argument, NULL, 'C'},     {"dir", required_argument, NULL, 'd'},
    {"json", required_argument, NULL, 'j'},       {"quiet", no_argument, NULL, 'q'},
    {"progress", required_argument, NULL, 'P'},   {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, char_args *a)
{
    /* The mode comes first: its defaults are the base the options change. */
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            fputs(characterize_help, stdout);
            return -1;
        }
        return cli_usage_error("characterize", "no MODE given");
    }
    rc_char_mode mode;
    if (rc_char_mode_from_name(argv[1], &mode) != RC_OK)
        return cli_usage_error("characterize",
                               "unknown mode '%s' (ad1-threshold, restore-reset, holdup, "
                               "uvlo, ad1-latency)",
                               argv[1]);
    rc_char_config_init(&a->cfg, mode);
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(characterize_help, stdout);
            return -1;
        }
        int code = apply_option(a, opt, optarg);
        if (code)
            return code;
    }
    if (optind != argc)
        return cli_usage_error("characterize", "unexpected argument '%s'", argv[optind]);
    return 0;
}

static void on_progress(void *ctx, const rc_char_progress *p)
{
    char_args *a = ctx;
    snprintf(a->label, sizeof a->label, "probe %u/~%u", p->probe + 1, p->planned);
    a->progress.label = a->label;
    a->progress.done_us = p->done_us;
    a->progress.total_us = p->done_us + (int64_t)(p->planned - p->probe) * p->run->nominal_us;
    cli_progress_draw(&a->progress, p->run, false);
}

static void print_estimate(const char_args *a, unsigned planned, int64_t probe_us)
{
    char one[32], all[32];
    rc_format_duration(probe_us, one, sizeof one);
    rc_format_seconds(probe_us * planned, all, sizeof all);
    fprintf(stderr,
            "railcut characterize %s on %s: about %u probes of at most %s each; estimated "
            "bench time %s s (%.1f h) at real time\n",
            rc_char_mode_name(a->cfg.mode), a->cfg.backend, planned, one, all,
            (double)probe_us * planned / 3.6e9);
}

static int write_json(const char_args *a, const rc_char_result *r)
{
    if (!a->json_path)
        return 0;
    rc_error err;
    bool to_stdout = strcmp(a->json_path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(a->json_path, "w");
    if (!f) {
        fprintf(stderr, "railcut: cannot write '%s': %s\n", a->json_path, strerror(errno));
        return RC_EXIT_DEVICE;
    }
    rc_status st = rc_char_report_json(f, r, &err);
    if (!to_stdout && fclose(f) != 0 && st == RC_OK)
        st = rc_error_set(&err, RC_ERR_IO, "error writing '%s'", a->json_path);
    return st == RC_OK ? 0 : cli_error(st, &err);
}

static int characterize(char_args *a)
{
    rc_error err;
    unsigned planned;
    int64_t probe_us;
    a->cfg.ch_set = a->ch_set.items;
    a->cfg.n_ch_set = a->ch_set.count;
    rc_status st = rc_char_estimate(&a->cfg, &planned, &probe_us, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    char dir[4096], stem[64];
    bool created;
    snprintf(stem, sizeof stem, "characterize-%s", rc_char_mode_name(a->cfg.mode));
    st = cli_make_output_dir(a->dir, stem, dir, sizeof dir, &created, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    a->cfg.dir = dir;
    if (!a->quiet)
        print_estimate(a, planned, probe_us);
    cli_progress_setup(&a->progress, a->quiet, a->progress_mode);
    a->cfg.progress = on_progress;
    a->cfg.ctx = a;
    a->cfg.stop_requested = cli_stop_flag();
    rc_char_result *r;
    cli_catch_sigint();
    st = rc_char_run(&a->cfg, &r, &err);
    cli_release_sigint();
    if (a->progress.enabled && !a->progress.plain)
        fputs("\r\033[K", stderr);
    if (st != RC_OK)
        return cli_error(st, &err);
    bool json_stdout = a->json_path && strcmp(a->json_path, "-") == 0;
    FILE *text = json_stdout ? stderr : stdout;
    rc_char_report_text(text, r, !a->quiet, &err);
    fprintf(text, "  probe profiles and traces: %s/\n", dir);
    int code = write_json(a, r);
    if (code == 0)
        code = *cli_stop_flag() ? RC_EXIT_DEVICE : r->converged ? RC_EXIT_PASS : RC_EXIT_FAIL;
    rc_char_result_free(r);
    return code;
}

int cmd_characterize(int argc, char **argv)
{
    char_args a;
    memset(&a, 0, sizeof a);
    int code = parse_args(argc, argv, &a);
    if (code == 0)
        code = characterize(&a);
    else if (code < 0)
        code = RC_EXIT_PASS;
    cli_strings_free(&a.ch_set);
    return code;
}
