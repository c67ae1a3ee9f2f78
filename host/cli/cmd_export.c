/*
 * cmd_export.c - `railcut export`: a trace, or a span and some channels of
 * it, as CSV, VCD (GTKWave) or a sigrok session (PulseView, sigrok-cli).
 */
#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "railcut/interop.h"
#include "railcut/units.h"

static const char export_help[] =
    "usage: railcut export TRACE --format csv|vcd|sr -o OUT [options]\n"
    "\n"
    "Writes a trace for other tools, streaming (memory does not grow with the\n"
    "trace):\n"
    "  csv  time_s,rail_v,rail_a,ac_lost,ch_state; events as '# event,...' lines;\n"
    "       itself a CSV waveform (railcut run / railcut import read it back)\n"
    "  vcd  value change dump for GTKWave: rails as real, ac_lost, ch_state and\n"
    "       one wire per event kind, timescale 1 us\n"
    "  sr   sigrok session for PulseView and sigrok-cli: rails and ch_state\n"
    "       analog, ac_lost logic, on the trace's sample-rate grid\n"
    "\n"
    "  --format F            csv (default), vcd or sr\n"
    "  -o, --output FILE     output file (required)\n"
    "  --from T, --to T      export only from T (inclusive) to T (exclusive), e.g. 30s\n"
    "  --channels LIST       some of rail_v,rail_a,ac_lost,ch_state,events and, in a\n"
    "                        replayed trace, ref_rail_v (default all)\n"
    "\n"
    "exit codes: 0 written, 2 bad input or usage, 3 I/O failure\n";

static int parse_time(const char *opt, const char *arg, int64_t *out)
{
    rc_error err;
    if (rc_parse_duration_us(arg, out, &err) != RC_OK)
        return cli_usage_error("export", "%s: %s", opt, err.msg);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"channels", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    rc_export_options eo;
    rc_export_options_init(&eo);
    const char *out_path = NULL;
    rc_error err;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (rc_export_format_from_name(optarg, &eo.format, &err) != RC_OK)
                return cli_usage_error("export", "--format: %s", err.msg);
            break;
        case 'o': out_path = optarg; break;
        case 'F':
            if (parse_time("--from", optarg, &eo.from_us))
                return RC_EXIT_USAGE;
            break;
        case 'T':
            if (parse_time("--to", optarg, &eo.to_us))
                return RC_EXIT_USAGE;
            break;
        case 'c':
            if (rc_export_channels_parse(optarg, &eo.channels, &err) != RC_OK)
                return cli_usage_error("export", "--channels: %s", err.msg);
            break;
        case 'h': fputs(export_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("export", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("export", optind >= argc ? "no TRACE given" : "one TRACE only");
    if (!out_path)
        return cli_usage_error("export", "no output file (-o OUT)");
    const char *path = argv[optind];
    rc_trace *trace;
    rc_status st = rc_trace_open(path, &trace, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    cli_warn_damage(path, trace, "exporting");
    rc_export_stats stats;
    st = rc_export(trace, out_path, &eo, &stats, &err);
    rc_trace_close(trace);
    if (st != RC_OK)
        return cli_error(st, &err);
    fprintf(stderr, "railcut: %s: %llu samples, %llu events\n", out_path,
            (unsigned long long)stats.samples, (unsigned long long)stats.events);
    return RC_EXIT_PASS;
}
