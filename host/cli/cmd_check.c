/*
 * cmd_check.c - `railcut check`: compile a profile and print what it would
 * do (parameters, segments with exact times, marks, expectations) without
 * touching a backend. A bad profile gets the same file:line:col error as run.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "railcut/profile.h"
#include "railcut/units.h"

static const char check_help[] =
    "usage: railcut check PROFILE [--set NAME=VALUE]... [--observe T]\n"
    "\n"
    "Compiles PROFILE (.rail or .csv) and lists its segments with exact times.\n"
    "Nominal times count every wait at its time-out.\n"
    "exit codes: 0 the profile compiles, 2 it does not\n";

static void print_params(const rc_profile *p)
{
    if (p->n_params == 0)
        return;
    puts("parameters:");
    for (size_t i = 0; i < p->n_params; i++)
        printf("  %s = %s%s\n", p->params[i].name, p->params[i].value,
               p->params[i].overridden ? "  (--set)" : "");
}

static void print_segment(const rc_profile *p, size_t i)
{
    const rc_segment *s = &p->segs[i];
    char start[32], dur[32], from[16], to[16], level[40];
    rc_format_seconds(s->start_us, start, sizeof start);
    rc_format_duration(s->duration_us, dur, sizeof dur);
    rc_format_voltage(s->from_mv, from, sizeof from);
    rc_format_voltage(s->to_mv, to, sizeof to);
    if (s->from_mv == s->to_mv)
        snprintf(level, sizeof level, "%s", from);
    else
        snprintf(level, sizeof level, "%s->%s", from, to);
    const char *file = s->file >= 0 && (size_t)s->file < p->n_files ? p->files[s->file] : "?";
    const char *base = strrchr(file, '/');
    printf("  %4zu  %12s  %10s  %-7s  %-13s  %-4s  %-7s  ", i, start, dur,
           rc_seg_kind_name(s->kind), level, s->rail_on ? "on" : "cut",
           s->ac_lost ? "lost" : "ok");
    if (s->line > 0)
        printf("%s:%d", base ? base + 1 : file, s->line);
    else
        printf("(observation window)");
    if (s->kind == RC_SEG_WAIT)
        printf("  until %s", rc_wait_on_name(s->wait_on));
    for (size_t m = 0; m < p->n_marks; m++)
        if (p->marks[m].segment == i)
            printf("  <- mark %s", p->marks[m].name);
    putchar('\n');
}

/* Named the way the analyzer names its check: "line 4" in the profile
 * itself, "s.rail:4" (base name) when it comes from an included file. */
static void print_expect(const rc_profile *p, const rc_expect *x)
{
    if (x->file <= 0 || (size_t)x->file >= p->n_files) {
        printf("  line %d: %s\n", x->line, x->text);
        return;
    }
    const char *file = p->files[x->file];
    const char *base = strrchr(file, '/');
    printf("  %s:%d: %s\n", base ? base + 1 : file, x->line, x->text);
}

static void print_profile(const char *path, const rc_profile *p)
{
    char total[32], observe[32];
    rc_format_seconds(p->nominal_us, total, sizeof total);
    rc_format_duration(p->observe_us, observe, sizeof observe);
    printf("%s: scenario %s, %zu segments, nominal length %s s (observation %s included)\n",
           path, rc_scenario_name(p->scenario), p->n_segs, total, observe);
    print_params(p);
    printf("segments:\n  %4s  %12s  %10s  %-7s  %-13s  %-4s  %-7s  %s\n", "#", "start s",
           "duration", "kind", "setpoint", "rail", "ac", "source");
    for (size_t i = 0; i < p->n_segs; i++)
        print_segment(p, i);
    if (p->n_expects)
        puts("expectations:");
    for (size_t i = 0; i < p->n_expects; i++)
        print_expect(p, &p->expects[i]);
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'},
        {"observe", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_strings set = {0};
    rc_profile_options popt = RC_PROFILE_OPTIONS_INIT;
    rc_error err;
    int opt, code = RC_EXIT_PASS;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's': cli_strings_add(&set, optarg); break;
        case 'o':
            if (rc_parse_duration_us(optarg, &popt.observe_us, &err) != RC_OK)
                code = cli_usage_error("check", "--observe: %s", err.msg);
            break;
        case 'h': fputs(check_help, stdout); cli_strings_free(&set); return RC_EXIT_PASS;
        default: code = cli_usage_error("check", "unknown option");
        }
    }
    if (code == RC_EXIT_PASS && optind != argc - 1)
        code = cli_usage_error("check", optind >= argc ? "no PROFILE given" : "one PROFILE only");
    if (code != RC_EXIT_PASS) {
        cli_strings_free(&set);
        return code;
    }
    popt.set = set.items;
    popt.n_set = set.count;
    rc_profile *p;
    rc_status st = rc_profile_load_any(argv[optind], &popt, &p, &err);
    cli_strings_free(&set);
    if (st != RC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return rc_status_exit_code(st);
    }
    print_profile(argv[optind], p);
    rc_profile_free(p);
    return RC_EXIT_PASS;
}
