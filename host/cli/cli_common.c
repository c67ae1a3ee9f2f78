/*
 * cli_common.c - helpers shared by the subcommands: error printing, repeated
 * options, analyzer options, report outputs, output directories, damaged
 * traces and the progress line.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "railcut/clock.h"
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

static rc_status open_report(const char *path, char *partial, size_t len, FILE **out,
                             rc_error *err)
{
    partial[0] = '\0';
    if (!path)
        return RC_OK;
    if (strcmp(path, "-") == 0) {
        *out = stdout;
        return RC_OK;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return rc_error_set(err, RC_ERR_IO, "cannot write report '%s': it is a directory", path);
    if ((size_t)snprintf(partial, len, "%s.partial", path) >= len)
        return rc_error_set(err, RC_ERR_IO, "cannot write report '%s': path too long", path);
    *out = fopen(partial, "w");
    if (!*out) {
        rc_error_set(err, RC_ERR_IO, "cannot write report '%s': %s", path, strerror(errno));
        partial[0] = '\0';
        return RC_ERR_IO;
    }
    return RC_OK;
}

rc_status cli_reports_open(cli_reports *r, rc_error *err)
{
    if (r->json_path && r->junit_path && strcmp(r->json_path, "-") == 0 &&
        strcmp(r->junit_path, "-") == 0)
        return rc_error_set(err, RC_ERR_ARG, "--json - and --junit - cannot both use stdout");
    rc_status st =
        open_report(r->json_path, r->json_partial, sizeof r->json_partial, &r->json, err);
    if (st == RC_OK)
        st = open_report(r->junit_path, r->junit_partial, sizeof r->junit_partial, &r->junit,
                         err);
    if (st != RC_OK)
        cli_reports_close(r);
    return st;
}

/* Closes one report; a complete one replaces PATH, anything else is removed. */
static rc_status finish_report(FILE **f, const char *path, char *partial, bool keep,
                               rc_error *err)
{
    if (!*f)
        return RC_OK;
    bool failed = ferror(*f) != 0;
    if (*f == stdout)
        failed |= fflush(*f) != 0;
    else
        failed |= fclose(*f) != 0;
    *f = NULL;
    if (partial[0]) {
        if (keep && !failed && rename(partial, path) != 0)
            failed = true;
        if (!keep || failed)
            unlink(partial);
        partial[0] = '\0';
    }
    if (keep && failed)
        return rc_error_set(err, RC_ERR_IO, "error writing report '%s'", path);
    return RC_OK;
}

rc_status cli_reports_finish(cli_reports *r, rc_status written, rc_error *err)
{
    bool keep = written == RC_OK;
    rc_status json =
        finish_report(&r->json, r->json_path, r->json_partial, keep, keep ? err : NULL);
    rc_status junit =
        finish_report(&r->junit, r->junit_path, r->junit_partial, keep, keep ? err : NULL);
    if (written != RC_OK)
        return written;
    return json != RC_OK ? json : junit;
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
    return cli_reports_finish(r, st, err);
}

void cli_reports_close(cli_reports *r)
{
    cli_reports_finish(r, RC_ERR_INTERRUPTED, NULL);
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
    return rc_clock_monotonic_us() / 1000;
}

int cli_progress_option(const char *cmd, const char *arg, cli_progress_mode *mode)
{
    if (strcmp(arg, "bar") == 0)
        *mode = CLI_PROGRESS_BAR;
    else if (strcmp(arg, "plain") == 0)
        *mode = CLI_PROGRESS_PLAIN;
    else if (strcmp(arg, "none") == 0)
        *mode = CLI_PROGRESS_NONE;
    else
        return cli_usage_error(cmd, "--progress: '%s' is not bar, plain or none", arg);
    return 0;
}

void cli_progress_setup(cli_progress *p, bool quiet, cli_progress_mode mode)
{
    memset(p, 0, sizeof *p);
    bool tty = isatty(STDERR_FILENO) != 0;
    p->enabled = !quiet && mode != CLI_PROGRESS_NONE && (mode != CLI_PROGRESS_AUTO || tty);
    p->plain = mode == CLI_PROGRESS_PLAIN;
    p->start_ms = cli_now_ms();
    p->last_tenth = -1;
    p->cut_at_us = -1;
}

void cli_progress_init(cli_progress *p, bool quiet)
{
    cli_progress_setup(p, quiet, CLI_PROGRESS_AUTO);
}

/* Plain lines every 10 % or 5 s; the bar at most every 100 ms. */
static bool due(cli_progress *p, double frac, bool final)
{
    int64_t now = cli_now_ms();
    if (p->plain) {
        int tenth = (int)(frac * 10);
        if (!final && tenth == p->last_tenth && now - p->last_draw_ms < 5000)
            return false;
        p->last_tenth = tenth;
    } else if (!final && now - p->last_draw_ms < 100) {
        return false;
    }
    p->last_draw_ms = now;
    return true;
}

static void emit_line(const cli_progress *p, double frac, const char *text, bool final)
{
    if (p->plain) {
        fprintf(stderr, "progress: %3d%% %s\n", (int)(frac * 100), text);
    } else {
        const int width = 24;
        char bar[32];
        int filled = (int)(frac * width);
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '=' : ' ';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %3d%% %s\033[K", bar, (int)(frac * 100), text);
        if (final)
            fputs("\r\033[K", stderr);
    }
    fflush(stderr);
}

static void seconds(int64_t us, char *buf, size_t len)
{
    snprintf(buf, len, "%.1f", (double)us / 1e6);
}

/* Starts the outage clock when the running segment cuts the rail. */
static void track_cut(cli_progress *p, const rc_run_progress *rp, const rc_segment *seg)
{
    if (!seg || seg->rail_on)
        p->cut_at_us = -1;
    else if (p->cut_at_us < 0 || rp->segment < p->segment)
        p->cut_at_us = rp->now_us;
    p->segment = rp->segment;
}

void cli_progress_draw(cli_progress *p, const rc_run_progress *rp, bool final)
{
    if (!p->enabled)
        return;
    const rc_segment *seg =
        rp->profile && rp->segment < rp->profile->n_segs ? &rp->profile->segs[rp->segment] : NULL;
    track_cut(p, rp, seg);
    int64_t total = p->total_us > 0 ? p->total_us : p->done_us + rp->nominal_us;
    int64_t now = p->done_us + rp->now_us;
    double frac = total > 0 ? (double)now / (double)total : 1.0;
    frac = frac > 1.0 ? 1.0 : frac < 0 ? 0 : frac;
    if (final)
        frac = p->total_us > 0 ? frac : 1.0;
    if (!due(p, frac, final))
        return;
    int64_t wall_ms = cli_now_ms() - p->start_ms;
    int64_t left_us = total > now ? total - now : 0;
    double wall_left = now > 0 ? (double)wall_ms / 1000.0 * (double)left_us / (double)now : 0;
    char v_now[32], v_left[32], outage[48] = "";
    seconds(now, v_now, sizeof v_now);
    seconds(left_us, v_left, sizeof v_left);
    if (p->cut_at_us >= 0) {
        char down[32];
        seconds(rp->now_us - p->cut_at_us, down, sizeof down);
        snprintf(outage, sizeof outage, "  rail cut %s s", down);
    }
    char text[320];
    snprintf(text, sizeof text,
             "%s%svirtual %s s, %s s left  wall %.1f s, ~%.1f s left%s  segment %zu/%zu %s "
             "(line %d)",
             p->label ? p->label : "", p->label ? "  " : "", v_now, v_left,
             (double)wall_ms / 1000.0, wall_left, outage, rp->segment + 1,
             rp->profile ? rp->profile->n_segs : 0, seg ? rc_seg_kind_name(seg->kind) : "",
             seg ? seg->line : 0);
    emit_line(p, frac, text, final);
}

void cli_progress_count(cli_progress *p, size_t done, size_t total, bool final)
{
    if (!p->enabled)
        return;
    double frac = total ? (double)done / (double)total : 1.0;
    if (!due(p, frac, final))
        return;
    int64_t wall_ms = cli_now_ms() - p->start_ms;
    double left = done ? (double)wall_ms / 1000.0 * (double)(total - done) / (double)done : 0;
    char text[160];
    snprintf(text, sizeof text, "%zu/%zu done  wall %.1f s, ~%.1f s left", done, total,
             (double)wall_ms / 1000.0, left);
    emit_line(p, frac, text, final);
}

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
    (void)sig;
    stop_flag = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C kills at once */
}

volatile sig_atomic_t *cli_stop_flag(void)
{
    return &stop_flag;
}

void cli_catch_sigint(void)
{
    signal(SIGINT, on_sigint);
}

void cli_release_sigint(void)
{
    signal(SIGINT, SIG_DFL);
}

int cli_parse_count(const char *cmd, const char *opt, const char *arg, unsigned long min,
                    unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || *end || arg[0] == '-' || arg[0] == '\0' || v < min || v > max)
        return cli_usage_error(cmd, "--%s: '%s' is not a number from %lu to %lu", opt, arg, min,
                               max);
    *out = v;
    return 0;
}

static rc_status dir_error(const char *path, rc_error *err)
{
    return rc_error_set(err, RC_ERR_IO, "cannot create directory '%s': %s", path,
                        strerror(errno));
}

rc_status cli_make_output_dir(const char *given, const char *stem, char *out, size_t len,
                              bool *created, rc_error *err)
{
    *created = false;
    if (given) {
        snprintf(out, len, "%s", given);
        if (mkdir(out, 0777) == 0)
            *created = true;
        else if (errno != EEXIST)
            return dir_error(out, err);
        return RC_OK;
    }
    if (mkdir("traces", 0777) != 0 && errno != EEXIST)
        return dir_error("traces", err);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(out, len, "traces/%s-%s", stem, stamp);
        else
            snprintf(out, len, "traces/%s-%s-%d", stem, stamp, n);
        if (mkdir(out, 0777) == 0) {
            *created = true;
            return RC_OK;
        }
        if (errno != EEXIST)
            return dir_error(out, err);
    }
    return rc_error_set(err, RC_ERR_IO, "too many directories named traces/%s-%s*", stem, stamp);
}

void cli_warn_damage(const char *path, const rc_trace *trace, const char *doing)
{
    const rc_trace_damage *d = rc_trace_get_damage(trace);
    if (d->damaged)
        fprintf(stderr, "railcut: %s: damaged at byte %llu: %s; %s what precedes it\n", path,
                (unsigned long long)d->offset, d->reason, doing);
}

int cli_bench_load(const char *name, const char *dir, rc_bench *bench, char *path, size_t cap)
{
    char found[1024];
    if (!path) {
        path = found;
        cap = sizeof found;
    }
    rc_error err;
    rc_status st = rc_bench_find(name, dir, path, cap, &err);
    if (st == RC_OK)
        st = rc_bench_load(path, bench, &err);
    if (st != RC_OK)
        return cli_error(st == RC_ERR_NOT_FOUND ? RC_ERR_ARG : st, &err);
    return 0;
}

void cli_bench_device(const rc_bench *b, char *out, size_t len)
{
    if (strchr(b->device, '?'))
        snprintf(out, len, "%s", b->device);
    else
        snprintf(out, len, "%s?channel=%c&baud=%u&latency=%u", b->device, b->channel,
                 (unsigned)b->baud, (unsigned)b->latency_ms);
}
