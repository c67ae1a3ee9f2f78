/*
 * cmd_import.c - `railcut import`: a scope or logger capture (CSV waveform,
 * sigrok session) written as a trace, to analyze, diff, export or replay.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "railcut/interop.h"

static const char import_help[] =
    "usage: railcut import CAPTURE -o TRACE [options]\n"
    "\n"
    "Reads a capture, streaming, and writes it as a trace (backend import):\n"
    "  csv  the CSV waveform rules of `railcut run wave.csv`: a header naming\n"
    "       time_s|time_ms|time_us, rail_v|rail_mv and optionally ac_lost\n"
    "  sr   a sigrok session: the rail is the analog channel --rail names, else\n"
    "       one called rail_v, else the first; rail_a and ch_state analog\n"
    "       channels and an ac_lost logic probe are read when present\n"
    "\n"
    "  -o, --output TRACE    the trace to write (required)\n"
    "  --format F            csv or sr (default: by extension, .sr = sr)\n"
    "  --rail NAME           sr: the analog channel to read as the rail\n"
    "\n"
    "exit codes: 0 imported, 2 bad input or usage, 3 I/O failure\n";

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"rail", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    rc_import_options io;
    rc_import_options_init(&io);
    const char *out_path = NULL;
    rc_error err;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': out_path = optarg; break;
        case 'f':
            if (rc_import_format_from_name(optarg, &io.format, &err) != RC_OK)
                return cli_usage_error("import", "--format: %s", err.msg);
            break;
        case 'r': io.rail_channel = optarg; break;
        case 'h': fputs(import_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("import", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("import",
                               optind >= argc ? "no CAPTURE given" : "one CAPTURE only");
    if (!out_path)
        return cli_usage_error("import", "no output trace (-o TRACE)");
    rc_import_stats stats;
    rc_status st = rc_import(argv[optind], out_path, &io, &stats, &err);
    if (st == RC_ERR_PARSE) {
        fprintf(stderr, "%s\n", err.msg);
        return rc_status_exit_code(st);
    }
    if (st != RC_OK)
        return cli_error(st, &err);
    fprintf(stderr, "railcut: %s: %llu samples, %u Hz\n", out_path,
            (unsigned long long)stats.samples, stats.sample_rate_hz);
    return RC_EXIT_PASS;
}
