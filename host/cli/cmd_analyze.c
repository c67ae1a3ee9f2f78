/*
 * cmd_analyze.c - `railcut analyze`: judge a recorded trace again, e.g. with
 * another guard band, merge gap or scenario, and write its reports.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "railcut/trace.h"

static const char analyze_help[] =
    "usage: railcut analyze TRACE [options]\n"
    "\n"
    "Judges a trace written by `railcut run` (or any .rct): outage episodes,\n"
    "MP102A checks and the profile's expectations, exactly as at the end of a run.\n"
    "\n"
    "  --json FILE           JSON report ('-' = stdout)\n"
    "  --junit FILE          JUnit XML report ('-' = stdout)\n"
    "  -q, --quiet           no text report\n" CLI_ANALYSIS_HELP "\n"
    "exit codes: 0 pass, 1 a check failed, 2 bad input, 3 the run did not complete\n";

int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", required_argument, NULL, 'j'},
        {"junit", required_argument, NULL, 'J'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_ANALYSIS_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    rc_analysis_config cfg;
    rc_analysis_config_default(&cfg);
    cli_reports reports = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int handled = cli_analysis_option("analyze", opt, optarg, &cfg);
        if (handled < 0)
            return RC_EXIT_USAGE;
        if (handled)
            continue;
        switch (opt) {
        case 'j': reports.json_path = optarg; break;
        case 'J': reports.junit_path = optarg; break;
        case 'q': reports.quiet = true; break;
        case 'h': fputs(analyze_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("analyze", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("analyze", optind >= argc ? "no TRACE given" : "one TRACE only");
    const char *path = argv[optind];

    rc_error err;
    rc_trace *trace;
    rc_status st = rc_trace_open(path, &trace, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    cli_warn_damage(path, trace, "judging");
    rc_analysis *analysis;
    st = rc_analyze_trace(trace, &cfg, &analysis, &err);
    const rc_trace_header *hdr = rc_trace_get_header(trace);
    rc_report_context ctx = {hdr->profile_path, path, hdr->backend, NULL};
    int code;
    if (st != RC_OK) {
        code = cli_error(st, &err);
    } else {
        st = cli_reports_open(&reports, &err);
        if (st == RC_OK)
            st = cli_reports_write(&reports, analysis, &ctx, &err);
        code = st == RC_OK ? cli_verdict_exit(analysis) : cli_error(st, &err);
        rc_analysis_free(analysis);
    }
    rc_trace_close(trace);
    return code;
}
