/*
 * main.c - the railcut command line: global help, version and subcommand
 * dispatch. Each subcommand lives in cmd_<name>.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "railcut/version.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cmd_run, "run a profile into a CH on a backend, write a trace, judge it"},
    {"suite", cmd_suite, "run a suite of profiles with expected verdicts (JUnit, JSON)"},
    {"characterize", cmd_characterize,
     "find where a CH's behaviour changes (AD1 threshold, UVLO, hold-up...)"},
    {"report", cmd_report, "write a self-contained HTML conformance report of traces"},
    {"analyze", cmd_analyze, "judge a recorded trace again (other thresholds, reports)"},
    {"info", cmd_info, "print what a trace holds, and where it is damaged"},
    {"annotate", cmd_annotate, "add events to a recorded trace (e.g. AD1 seen later in UTC)"},
    {"repair", cmd_repair, "rewrite a damaged or cut trace as a clean one"},
    {"check", cmd_check, "compile a profile and list its segments, without running it"},
    {"backends", cmd_backends, "list the backends this build can drive"},
    {"devices", cmd_devices, "list the attached FTDI (FT2232H) boards"},
    {"calibrate", cmd_calibrate, "calibrate a bench's DAC and ADCs against a reference DMM"},
    {"flash", cmd_flash, "write a gateware bitstream to a bench's FPGA board (iceprog)"},
    {"export", cmd_export, "write a trace as CSV, VCD (GTKWave) or a sigrok session"},
    {"import", cmd_import, "read a scope or logger capture (CSV, sigrok .sr) as a trace"},
    {"replay", cmd_replay, "play a recorded trace's rail into a CH (run TRACE.rct)"},
    {"diff", cmd_diff, "compare two traces: episodes, AD1 times, rail deviation"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fprintf(out,
            "railcut %s - power-rail interruption emulator for smart-metering\n"
            "Communications Hubs (MP102A: no CH power cut over 180 s during an OTA).\n"
            "\n"
            "usage: railcut COMMAND [options]   (railcut COMMAND --help for details)\n"
            "\n"
            "commands:\n",
            RAILCUT_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "exit codes:\n"
            "  0  every applicable check passed\n"
            "  1  a check failed (verdict fail)\n"
            "  2  bad input or usage (profile, CSV, CH file, option, corrupt trace)\n"
            "  3  device or I/O failure, or the run did not complete\n"
            "\n"
            "example:\n"
            "  railcut run fixtures/profiles/ota-reboot.rail --set off=185s --json -\n"
            "  railcut suite fixtures/suites/mp102a-ch.suite --jobs 2 --junit ch.xml\n"
            "\n"
            "docs: docs/profile-language.md, docs/analysis.md, docs/ch-model.md,\n"
            "      docs/trace-format.md, docs/suite-format.md\n");
}

int main(int argc, char **argv)
{
    /* A file-size limit (ulimit -f) then makes writes fail with EFBIG, which
     * every writer reports and a run ends on cleanly, instead of killing
     * railcut in the middle of a chunk. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        print_help(stderr);
        return RC_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *sub_argv[] = {argv[2], "--help", NULL};
                    return commands[i].fn(2, sub_argv);
                }
        }
        print_help(stdout);
        return RC_EXIT_PASS;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("railcut %s\n", RAILCUT_VERSION);
        return RC_EXIT_PASS;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "railcut: unknown command '%s' (railcut --help lists them)\n", name);
    return RC_EXIT_USAGE;
}
