/*
 * rel_util.c - process and trace helpers of the reliability tests.
 *
 * Processes: railcut is exec'd directly (no shell, so a kill hits railcut
 * itself) with stdout and stderr in files that are read back whole after
 * it ends. Traces: read completely into two arrays (samples, events),
 * which is fine for the few-hundred-thousand-sample runs these tests make.
 */
#include "rel_util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "railcut/trace.h"

static void scratch_path(const char *name, char *out, size_t cap)
{
    mkdir(RC_REL_TMP_DIR, 0777);
    snprintf(out, cap, "%s/%d-%s", RC_REL_TMP_DIR, (int)getpid(), name);
}

const char *rel_path(const char *name)
{
    static char path[4096];
    scratch_path(name, path, sizeof path);
    return path;
}

static void redirect(int fd, const char *path, int flags)
{
    int f = open(path, flags, 0666);
    if (f < 0 || dup2(f, fd) < 0)
        _exit(126);
    close(f);
}

pid_t rel_spawn(const char *const *argv, const char *out_path, const char *err_path,
                rel_child_fn setup, void *ctx)
{
    size_t n = 0;
    while (argv[n])
        n++;
    const char **full = calloc(n + 2, sizeof *full);
    ck_assert_ptr_nonnull(full);
    full[0] = RAILCUT_BIN;
    memcpy(full + 1, argv, n * sizeof *argv);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        redirect(STDIN_FILENO, "/dev/null", O_RDONLY);
        redirect(STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC);
        redirect(STDERR_FILENO, err_path, O_WRONLY | O_CREAT | O_TRUNC);
        if (setup)
            setup(ctx);
        execv(RAILCUT_BIN, (char *const *)full);
        _exit(127);
    }
    free(full);
    return pid;
}

char *rel_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

rel_result rel_wait(pid_t pid, const char *out_path, const char *err_path)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    rel_result r = {
        .exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        .signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
        .out = rel_slurp(out_path, NULL),
        .err = rel_slurp(err_path, NULL),
    };
    ck_assert_ptr_nonnull(r.out);
    ck_assert_ptr_nonnull(r.err);
    return r;
}

rel_result rel_railcut(const char *const *argv, rel_child_fn setup, void *ctx)
{
    char out_path[4096], err_path[4096];
    scratch_path("stdout", out_path, sizeof out_path);
    scratch_path("stderr", err_path, sizeof err_path);
    pid_t pid = rel_spawn(argv, out_path, err_path, setup, ctx);
    return rel_wait(pid, out_path, err_path);
}

void rel_result_free(rel_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

typedef struct sample_buf {
    rc_sample *s;
    size_t n, cap;
} sample_buf;

static int take_samples(void *ctx, const rc_sample *s, size_t n)
{
    sample_buf *b = ctx;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->s = realloc(b->s, b->cap * sizeof *b->s);
        ck_assert_ptr_nonnull(b->s);
    }
    memcpy(b->s + b->n, s, n * sizeof *s);
    b->n += n;
    return 0;
}

void rel_trace_load(const char *path, rel_trace_data *out)
{
    rc_trace *t;
    rc_error err;
    rc_status st = rc_trace_open(path, &t, &err);
    ck_assert_msg(st == RC_OK, "%s: %s", path, err.msg);
    sample_buf b = {0};
    st = rc_trace_read_samples(t, INT64_MIN, INT64_MAX, take_samples, &b, &err);
    ck_assert_msg(st == RC_OK, "%s: %s", path, err.msg);
    const rc_trace_stats *stats = rc_trace_get_stats(t);
    ck_assert_uint_eq(b.n, stats->samples);
    size_t n_events;
    const rc_event *ev = rc_trace_get_events(t, &n_events);
    out->samples = b.s;
    out->n_samples = b.n;
    out->events = malloc((n_events + 1) * sizeof *ev);
    ck_assert_ptr_nonnull(out->events);
    memcpy(out->events, ev, n_events * sizeof *ev);
    out->n_events = n_events;
    out->damaged = rc_trace_get_damage(t)->damaged;
    out->complete = stats->complete;
    rc_trace_close(t);
}

void rel_trace_data_free(rel_trace_data *d)
{
    free(d->samples);
    free(d->events);
    d->samples = NULL;
    d->events = NULL;
}

void rel_check_prefix(const rel_trace_data *a, const rel_trace_data *b, const char *what)
{
    ck_assert_msg(a->n_samples <= b->n_samples, "%s: %zu samples, the full run has %zu", what,
                  a->n_samples, b->n_samples);
    for (size_t i = 0; i < a->n_samples; i++) {
        const rc_sample *x = &a->samples[i], *y = &b->samples[i];
        ck_assert_msg(x->t_us == y->t_us && x->rail_v == y->rail_v && x->rail_a == y->rail_a &&
                          x->ac_lost == y->ac_lost && x->ch_state == y->ch_state,
                      "%s: sample %zu differs (t %lld us vs %lld us)", what, i,
                      (long long)x->t_us, (long long)y->t_us);
    }
    ck_assert_msg(a->n_events <= b->n_events, "%s: %zu events, the full run has %zu", what,
                  a->n_events, b->n_events);
    for (size_t i = 0; i < a->n_events; i++) {
        const rc_event *x = &a->events[i], *y = &b->events[i];
        ck_assert_msg(x->t_us == y->t_us && x->kind == y->kind && x->value == y->value &&
                          strcmp(x->text, y->text) == 0,
                      "%s: event %zu differs (%s at %lld us vs %s at %lld us)", what, i,
                      rc_event_kind_name((rc_event_kind)x->kind), (long long)x->t_us,
                      rc_event_kind_name((rc_event_kind)y->kind), (long long)y->t_us);
    }
}

void rel_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}
