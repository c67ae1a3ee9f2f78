/*
 * cli_common.c - helpers shared by the subcommands: error printing, repeated
 * options, analyzer options, report outputs and the progress line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "railcut/units.h"

int cli_error(rc_status status, const rc_error *err)
{
    fprintf(stderr, "railcut: %s\n", err && err->msg[0] ? err->msg : rc_status_str(status));
    return rc_status_exit_code(status);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "railcut %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(railcut %s --help shows the options)\n", cmd);
    va_end(ap);
    return RC_EXIT_USAGE;
}

void cli_strings_add(cli_strings *list, const char *item)
{
    const char **grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown) {
        fprintf(stderr, "railcut: out of memory\n");
        exit(RC_EXIT_DEVICE);
    }
    grown[list->count++] = item;
    list->items = grown;
}

void cli_strings_free(cli_strings *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

static int bad_value(const char *cmd, const char *option, const rc_error *err)
{
    cli_usage_error(cmd, "--%s: %s", option, err->msg);
    return -1;
}

int cli_analysis_option(const char *cmd, int opt, const char *arg, rc_analysis_config *cfg)
{
    rc_error err;
    switch (opt) {
    case 0x100:
        return rc_parse_duration_us(arg, &cfg->guard_us, &err) == RC_OK
                   ? 1
                   : bad_value(cmd, "guard", &err);
    case 0x101:
        return rc_parse_duration_us(arg, &cfg->merge_gap_us, &err) == RC_OK
                   ? 1
                   : bad_value(cmd, "merge-gap", &err);
    case 0x102:
        if (rc_scenario_from_name(arg, &cfg->scenario) != RC_OK) {
            cli_usage_error(cmd, "--scenario: '%s' is not ota, outage or test", arg);
            return -1;
        }
        cfg->scenario_override = true;
        return 1;
    case 0x103:
        return rc_parse_duration_us(arg, &cfg->ad1_latency_max_us, &err) == RC_OK
                   ? 1
                   : bad_value(cmd, "ad1-latency-max", &err);
    case 0x104:
        return rc_parse_voltage_mv(arg, &cfg->outage_below_mv, &err) == RC_OK
                   ? 1
                   : bad_value(cmd, "outage-below", &err);
    case 0x105:
        return rc_parse_voltage_mv(arg, &cfg->restore_above_mv, &err) == RC_OK
                   ? 1
                   : bad_value(cmd, "restore-above", &err);
    default:
        return 0;
    }
}

static rc_status open_report(const char *path, FILE **out, rc_error *err)
{
    if (!path)
        return RC_OK;
    if (strcmp(path, "-") == 0) {
        *out = stdout;
        return RC_OK;
    }
    *out = fopen(path, "w");
    if (!*out)
        return rc_error_set(err, RC_ERR_IO, "cannot write report '%s': %s", path, strerror(errno));
    return RC_OK;
}

rc_status cli_reports_open(cli_reports *r, rc_error *err)
{
    if (r->json_path && r->junit_path && strcmp(r->json_path, "-") == 0 &&
        strcmp(r->junit_path, "-") == 0)
        return rc_error_set(err, RC_ERR_ARG, "--json - and --junit - cannot both use stdout");
    rc_status st = open_report(r->json_path, &r->json, err);
    if (st == RC_OK)
        st = open_report(r->junit_path, &r->junit, err);
    return st;
}

static rc_status finish_report(FILE *f, const char *path, rc_error *err)
{
    if (!f)
        return RC_OK;
    bool failed = ferror(f) != 0;
    if (f == stdout)
        failed |= fflush(f) != 0;
    else
        failed |= fclose(f) != 0;
    if (failed)
        return rc_error_set(err, RC_ERR_IO, "error writing report '%s'", path);
    return RC_OK;
}

rc_status cli_reports_write(cli_reports *r, const rc_analysis *a, const rc_report_context *ctx,
                            rc_error *err)
{
    bool stdout_taken = r->json == stdout || r->junit == stdout;
    rc_status st = RC_OK;
    if (!r->quiet)
        st = rc_report_text(stdout_taken ? stderr : stdout, a, ctx, err);
    if (st == RC_OK && r->json)
        st = rc_report_json(r->json, a, ctx, err);
    if (st == RC_OK && r->junit)
        st = rc_report_junit(r->junit, a, ctx, err);
    rc_status close_json = finish_report(r->json, r->json_path, st == RC_OK ? err : NULL);
    rc_status close_junit = finish_report(r->junit, r->junit_path, st == RC_OK ? err : NULL);
    r->json = r->junit = NULL;
    if (st == RC_OK)
        st = close_json != RC_OK ? close_json : close_junit;
    return st;
}

void cli_reports_close(cli_reports *r)
{
    if (r->json && r->json != stdout)
        fclose(r->json);
    if (r->junit && r->junit != stdout)
        fclose(r->junit);
    r->json = r->junit = NULL;
}

int cli_verdict_exit(const rc_analysis *a)
{
    switch (a->verdict) {
    case RC_VERDICT_PASS: return RC_EXIT_PASS;
    case RC_VERDICT_FAIL: return RC_EXIT_FAIL;
    case RC_VERDICT_ERROR: return RC_EXIT_DEVICE;
    }
    return RC_EXIT_DEVICE;
}

int64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress_init(cli_progress *p, bool quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->last_draw_ms = 0;
}

void cli_progress_draw(cli_progress *p, const rc_run_progress *rp, bool final)
{
    if (!p->enabled)
        return;
    int64_t now = cli_now_ms();
    if (!final && now - p->last_draw_ms < 100)
        return;
    p->last_draw_ms = now;
    const int width = 30;
    double frac = rp->nominal_us > 0 ? (double)rp->now_us / (double)rp->nominal_us : 1.0;
    if (frac > 1.0)
        frac = 1.0;
    int filled = (int)(frac * width);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '=' : ' ';
    bar[width] = '\0';
    char now_s[32], total_s[32];
    rc_format_seconds(rp->now_us - rp->now_us % 100000, now_s, sizeof now_s);
    rc_format_seconds(rp->nominal_us, total_s, sizeof total_s);
    const rc_segment *seg =
        rp->profile && rp->segment < rp->profile->n_segs ? &rp->profile->segs[rp->segment] : NULL;
    fprintf(stderr, "\r[%s] %3d%%  %s / %s s  segment %zu/%zu %s (line %d)\033[K", bar,
            (int)(frac * 100), now_s, total_s, rp->segment + 1,
            rp->profile ? rp->profile->n_segs : 0, seg ? rc_seg_kind_name(seg->kind) : "",
            seg ? seg->line : 0);
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}
