/*
 * cmd_replay.c - `railcut replay`: a recorded trace drives the rail of a
 * backend. It is `railcut run TRACE.rct` (the run pipeline turns a trace
 * into a piecewise-linear profile, see railcut/interop.h) with --tol as the
 * name of the profile's one parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char replay_help[] =
    "usage: railcut replay TRACE [--tol V] [run options]\n"
    "\n"
    "Plays the rail of a recorded trace (rail_v and ac_lost) into a CH on a\n"
    "backend, records a new trace and judges it, like `railcut run TRACE`. The\n"
    "recorded rail becomes a piecewise-linear profile that stays within --tol of\n"
    "every recorded sample (decimated; AC Lost edges are kept exactly); the new\n"
    "trace carries that profile, the reference rail, in its header.\n"
    "\n"
    "  --tol V               decimation tolerance (default 10mV; 0V keeps every\n"
    "                        sample)\n"
    "  every option of `railcut run` (--backend, --ch, --ch-set, --rate, --trace,\n"
    "  --json, --observe, ...); see railcut run --help\n"
    "\n"
    "exit codes: as railcut run\n";

int cmd_replay(int argc, char **argv)
{
    char **run_argv = calloc(2 * (size_t)argc + 2, sizeof *run_argv); /* --tol=V: 2 */
    char **owned = calloc((size_t)argc + 1, sizeof *owned);
    if (!run_argv || !owned) {
        free(run_argv);
        free(owned);
        fputs("railcut: out of memory\n", stderr);
        return RC_EXIT_DEVICE;
    }
    int n = 0, n_owned = 0, code = -1;
    run_argv[n++] = "run";
    for (int i = 1; i < argc && code < 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(replay_help, stdout);
            code = RC_EXIT_PASS;
        } else if (strcmp(a, "--tol") == 0 || strncmp(a, "--tol=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                code = cli_usage_error("replay", "--tol needs a voltage, e.g. 5mV");
                break;
            }
            char *set = malloc(strlen(v) + 5);
            if (set) {
                strcpy(set, "tol=");
                strcat(set, v);
                owned[n_owned++] = set;
                run_argv[n++] = "--set";
                run_argv[n++] = set;
            }
        } else {
            run_argv[n++] = argv[i];
        }
    }
    if (code < 0)
        code = cmd_run(n, run_argv);
    for (int i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    free(run_argv);
    return code;
}
