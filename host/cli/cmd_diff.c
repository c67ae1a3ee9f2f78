/*
 * cmd_diff.c - `railcut diff A B`: two traces aligned and compared for
 * triage (episodes, AD1 times and latencies, rail deviation).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "railcut/interop.h"
#include "railcut/units.h"

static const char diff_help[] =
    "usage: railcut diff A B [options]\n"
    "\n"
    "Aligns trace B on trace A and compares what matters for triage: outage\n"
    "episodes (count, start, duration), AD1 alerts (time, latency from the\n"
    "start of the outage before them) and the largest rail voltage deviation\n"
    "over the aligned overlap (B interpolated on A's sample times, or the\n"
    "other way round when B is sampled finer).\n"
    "\n"
    "  --align WHAT          first-outage (default), start, an event kind (ad1,\n"
    "                        rail_fall, ch_ready, ...) or mark:NAME\n"
    "  --tol-v V             rail deviation allowed (default 0.5V)\n"
    "  --tol-t T             time difference allowed (default 100ms)\n"
    "  --json FILE           JSON report ('-' = stdout)\n"
    "  --outage-below V      outage threshold used for episodes (8V)\n"
    "  --restore-above V     restore threshold (9V)\n"
    "\n"
    "exit codes: 0 within tolerances, 1 beyond, 2 bad input or usage\n";

static int parse_volts(const char *arg, double *out)
{
    rc_error err;
    int32_t mv;
    if (rc_parse_voltage_mv(arg, &mv, &err) != RC_OK || mv < 0)
        return cli_usage_error("diff", "--tol-v: %s", mv < 0 ? "negative" : err.msg);
    *out = mv / 1000.0;
    return 0;
}

static int open_both(const char *a_path, const char *b_path, rc_trace **a, rc_trace **b)
{
    rc_error err;
    rc_status st = rc_trace_open(a_path, a, &err);
    if (st == RC_OK) {
        st = rc_trace_open(b_path, b, &err);
        if (st != RC_OK)
            rc_trace_close(*a);
    }
    if (st != RC_OK) {
        cli_error(st, &err);
        return RC_EXIT_USAGE;
    }
    const char *paths[] = {a_path, b_path};
    rc_trace *traces[] = {*a, *b};
    for (int i = 0; i < 2; i++)
        cli_warn_damage(paths[i], traces[i], "comparing");
    return 0;
}

static int report(const rc_diff *d, const char *a_path, const char *b_path,
                  const rc_diff_options *o, const char *json_path)
{
    rc_error err;
    bool json_stdout = json_path && strcmp(json_path, "-") == 0;
    rc_status st =
        rc_diff_report_text(json_stdout ? stderr : stdout, d, a_path, b_path, o, &err);
    if (st == RC_OK && json_path) {
        FILE *f = json_stdout ? stdout : fopen(json_path, "w");
        if (!f)
            return cli_error(
                rc_error_set(&err, RC_ERR_IO, "%s: %s", json_path, strerror(errno)), &err);
        st = rc_diff_report_json(f, d, a_path, b_path, o, &err);
        if (!json_stdout && fclose(f) != 0 && st == RC_OK)
            st = rc_error_set(&err, RC_ERR_IO, "%s: %s", json_path, strerror(errno));
    }
    if (st != RC_OK)
        return cli_error(st, &err);
    return d->within ? RC_EXIT_PASS : RC_EXIT_FAIL;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"align", required_argument, NULL, 'a'},
        {"tol-v", required_argument, NULL, 'v'},
        {"tol-t", required_argument, NULL, 't'},
        {"json", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        CLI_ANALYSIS_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    rc_diff_options o;
    rc_diff_options_init(&o);
    const char *json_path = NULL;
    rc_error err;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int handled = cli_analysis_option("diff", opt, optarg, &o.analysis);
        if (handled < 0)
            return RC_EXIT_USAGE;
        if (handled)
            continue;
        switch (opt) {
        case 'a': o.align = optarg; break;
        case 'v':
            if (parse_volts(optarg, &o.tol_v))
                return RC_EXIT_USAGE;
            break;
        case 't':
            if (rc_parse_duration_us(optarg, &o.tol_us, &err) != RC_OK)
                return cli_usage_error("diff", "--tol-t: %s", err.msg);
            break;
        case 'j': json_path = optarg; break;
        case 'h': fputs(diff_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("diff", "unknown option");
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("diff", "two traces, A and B, are needed");
    const char *a_path = argv[optind], *b_path = argv[optind + 1];
    rc_trace *a, *b;
    int code = open_both(a_path, b_path, &a, &b);
    if (code)
        return code;
    rc_diff *d;
    rc_status st = rc_diff_traces(a, b, &o, &d, &err);
    if (st != RC_OK) {
        cli_error(st, &err);
        code = RC_EXIT_USAGE;
    } else {
        code = report(d, a_path, b_path, &o, json_path);
        rc_diff_free(d);
    }
    rc_trace_close(a);
    rc_trace_close(b);
    return code;
}
