/*
 * cmd_repair.c - `railcut repair`: a damaged or cut trace rewritten as a
 * clean one, with a note event saying what was lost.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "railcut/trace.h"

static const char repair_help[] =
    "usage: railcut repair IN -o OUT\n"
    "\n"
    "Writes everything readable in IN (a trace cut short by a crash or a kill,\n"
    "or damaged anywhere) to OUT as a clean, complete trace: header, profile,\n"
    "channels, samples, events, annotations, time pairs and overrun records,\n"
    "with summaries and index rebuilt, and a note event saying from which byte\n"
    "the input was lost. OUT can then be analysed, annotated and exported.\n"
    "  -o, --output OUT   the clean trace (must differ from IN)\n"
    "exit codes: 0 written, 2 IN is not a trace or bad usage, 3 I/O failure\n";

int cmd_repair(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case 'h': fputs(repair_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("repair", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("repair", optind >= argc ? "no IN given" : "one IN only");
    if (!out)
        return cli_usage_error("repair", "no -o OUT given");
    rc_trace_repair_report rep;
    rc_error err;
    rc_status st = rc_trace_repair(argv[optind], out, &rep, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    printf("kept        %llu samples, %llu events\n", (unsigned long long)rep.samples,
           (unsigned long long)rep.events);
    if (rep.was_damaged)
        printf("lost        %llu bytes from byte %llu of the input\n",
               (unsigned long long)rep.lost_bytes, (unsigned long long)rep.lost_offset);
    else
        printf("lost        nothing: the input read to its end\n");
    printf("input       %s\n", rep.was_complete ? "complete (its end record was kept)"
                                                 : "incomplete: ended at the last time read");
    printf("wrote       %s\n", out);
    return RC_EXIT_PASS;
}
