/*
 * cmd_report.c - `railcut report TRACE... -o report.html`: one self-contained
 * HTML conformance report of recorded traces (railcut/characterize.h,
 * rc_html_report), optionally with a characterisation result.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "railcut/characterize.h"

static const char report_help[] =
    "usage: railcut report TRACE... -o FILE [options]\n"
    "\n"
    "Writes one self-contained HTML page (inline SVG plots, no scripts, no\n"
    "external files) for the traces: per run its verdict and MP102A checks, the\n"
    "outage episodes and AD1s, plots of rail voltage and current with the\n"
    "episodes shaded, the 180 s mark and AD1 markers, and the CH parameters.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE          the HTML file ('-' = stdout); required\n"
    "  --characterization FILE    include a `railcut characterize --json` result\n"
    "  --title TEXT               page title\n"
    "  --width N                  plot width in pixels (default 900)\n"
    "analysis:\n" CLI_ANALYSIS_HELP "\n"
    "exit codes: 0 written, 2 bad input or usage (not a trace), 3 I/O failure\n";

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"characterization", required_argument, NULL, 'c'},
        {"title", required_argument, NULL, 't'},
        {"width", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        CLI_ANALYSIS_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    rc_html_options opt;
    rc_html_options_init(&opt);
    const char *output = NULL;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        int handled = cli_analysis_option("report", o, optarg, &opt.analysis);
        if (handled < 0)
            return RC_EXIT_USAGE;
        if (handled)
            continue;
        char *end;
        switch (o) {
        case 'o': output = optarg; break;
        case 'c': opt.characterization = optarg; break;
        case 't': opt.title = optarg; break;
        case 'w': {
            unsigned long w = strtoul(optarg, &end, 10);
            if (*end || w < 100 || w > 4000)
                return cli_usage_error("report", "--width: '%s' is not 100 to 4000", optarg);
            opt.plot_width = (unsigned)w;
            break;
        }
        case 'h': fputs(report_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("report", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("report", "no TRACE given");
    if (!output)
        return cli_usage_error("report", "no output file (-o FILE)");
    bool to_stdout = strcmp(output, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(output, "w");
    if (!f) {
        fprintf(stderr, "railcut: cannot write '%s': %s\n", output, strerror(errno));
        return RC_EXIT_DEVICE;
    }
    rc_error err;
    rc_status st = rc_html_report(f, (const char *const *)argv + optind, (size_t)(argc - optind),
                                  &opt, &err);
    if (!to_stdout && fclose(f) != 0 && st == RC_OK)
        st = rc_error_set(&err, RC_ERR_IO, "error writing '%s'", output);
    if (st != RC_OK) {
        if (!to_stdout)
            remove(output);
        return cli_error(st, &err);
    }
    return RC_EXIT_PASS;
}
