/*
 * test_trace_store.c - the 1.1 store: int16 channels with gain and offset,
 * the summary pyramid against a brute-force pass, fast open against a
 * verifying open, follow mode with a writer thread, overrun records with a
 * deliberately slow sink, time pairs, annotations and repair.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "railcut/trace.h"
#include "test_trace_fixture.h"
#include "testutil.h"
#include "trace/format.h"

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

#define N_RAW 300000 /* > 64^3: three summary levels, a ragged tail */
#define RAW_PERIOD_US 2

static const rc_trace_channel raw_channels[] = {
    {"rail_v", "V", RC_TRACE_STORE_I16, 0.001, 0.5},
    {"rail_a", "A", RC_TRACE_STORE_F32, 1, 0},
    {"ch_state", "enum", RC_TRACE_STORE_U8, 1, 0},
};

static int16_t code_at(size_t i)
{
    /* A saw with a spike every 10007 samples: min and max move around. */
    return (int16_t)((int)(i % 2000) - 1000 + (i % 10007 == 5 ? 20000 : 0));
}

static float amps_at(size_t i)
{
    return (float)((i * 7919) % 1000) / 1000.0f;
}

static void write_raw_trace(const char *path, size_t n, bool threaded)
{
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer_options o = {.channels = raw_channels, .n_channels = 3,
                                 .block_samples = 5000, .threaded = threaded};
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_OK);
    enum { CHUNK = 7777 };
    static int16_t v[CHUNK];
    static float a[CHUNK];
    static uint8_t s[CHUNK];
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        for (size_t i = 0; i < k; i++) {
            v[i] = code_at(at + i);
            a[i] = amps_at(at + i);
            s[i] = (uint8_t)((at + i) % 4);
        }
        const void *cols[] = {v, a, s};
        ck_assert_int_eq(rc_trace_write_columns(w, (int64_t)at * RAW_PERIOD_US, RAW_PERIOD_US, k,
                                                cols, &err),
                         RC_OK);
    }
    rc_event ev;
    rc_event_init(&ev, 10, RC_EV_SEGMENT, 0, "");
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    ck_assert_int_eq(rc_trace_write_time_pair(w, 1700000000000000LL, 0, &err), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, (int64_t)n * RAW_PERIOD_US, &err), RC_OK);
}

/* ---- int16 channels ------------------------------------------------------------- */

typedef struct raw_check {
    size_t next;
    bool units;
} raw_check;

static int check_raw_fn(void *ctx, int64_t t0, int64_t period, const void *values, size_t n)
{
    raw_check *c = ctx;
    ck_assert_int_eq(t0, (int64_t)c->next * RAW_PERIOD_US);
    ck_assert(n == 1 || period == RAW_PERIOD_US);
    const int16_t *v = values;
    /* One assertion per batch: Check reports each one to its parent. */
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += v[i] != code_at(c->next + i);
    ck_assert_uint_eq(bad, 0);
    c->next += n;
    return 0;
}

static int check_values_fn(void *ctx, int64_t t0, int64_t period, const double *v, size_t n)
{
    raw_check *c = ctx;
    (void)period;
    ck_assert_int_eq(t0, (int64_t)c->next * RAW_PERIOD_US);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += fabs(v[i] - (code_at(c->next + i) * 0.001 + 0.5)) > 1e-9;
    ck_assert_uint_eq(bad, 0);
    c->next += n;
    return 0;
}

START_TEST(test_int16_channels_round_trip)
{
    const char *path = rc_test_tmp_path("raw16");
    write_raw_trace(path, N_RAW, false);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    size_t n_ch;
    const rc_trace_channel *ch = rc_trace_get_channels(t, &n_ch);
    ck_assert_uint_eq(n_ch, 3);
    ck_assert_str_eq(ch[0].name, "rail_v");
    ck_assert_str_eq(ch[0].unit, "V");
    ck_assert_int_eq(ch[0].storage, RC_TRACE_STORE_I16);
    ck_assert_double_eq(ch[0].gain, 0.001);
    ck_assert_double_eq(ch[0].offset, 0.5);
    ck_assert_int_eq(ch[1].storage, RC_TRACE_STORE_F32);
    ck_assert_double_eq(ch[1].gain, 1);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, N_RAW);
    raw_check c = {0};
    ck_assert_int_eq(rc_trace_read_raw(t, 0, INT64_MIN, INT64_MAX, check_raw_fn, &c, &err),
                     RC_OK);
    ck_assert_uint_eq(c.next, N_RAW);
    c = (raw_check){.next = 1000};
    ck_assert_int_eq(rc_trace_read_values(t, 0, 2000, 2 * 1500, check_values_fn, &c, &err),
                     RC_OK);
    ck_assert_uint_eq(c.next, 1500);
    ck_assert_int_eq(rc_trace_read_raw(t, 3, 0, 10, check_raw_fn, &c, &err), RC_ERR_ARG);
    /* rc_sample reads need the standard channels' names and types: rail_v
     * is int16 here, so it reads as 0; ch_state is known. */
    rc_sample got[8];
    fix_collect fc = {got, 0, 8};
    ck_assert_int_eq(rc_trace_read_samples(t, 0, 8 * RAW_PERIOD_US, fix_collect_fn, &fc, &err),
                     RC_OK);
    ck_assert_uint_eq(fc.n, 8);
    ck_assert_float_eq(got[3].rail_v, 0);
    ck_assert_float_eq(got[3].rail_a, amps_at(3));
    ck_assert_uint_eq(got[3].ch_state, 3);
    rc_trace_close(t);
}
END_TEST

/* ---- Summaries ---------------------------------------------------------------- */

/* Brute force over the raw samples of [s0, s1) for channel 0, in units. */
static void brute(size_t s0, size_t s1, double *mn, double *mx, double *mean)
{
    *mn = INFINITY;
    *mx = -INFINITY;
    double sum = 0;
    for (size_t i = s0; i < s1; i++) {
        double v = code_at(i) * 0.001 + 0.5;
        *mn = v < *mn ? v : *mn;
        *mx = v > *mx ? v : *mx;
        sum += v;
    }
    *mean = s1 > s0 ? sum / (double)(s1 - s0) : NAN;
}

/* The run's index of the first sample at or after time a (N_RAW if none). */
static size_t index_at(int64_t a)
{
    size_t i = a <= 0 ? 0 : (size_t)((a + RAW_PERIOD_US - 1) / RAW_PERIOD_US);
    return i > N_RAW ? N_RAW : i;
}

/* Checks rc_trace_summary against a brute-force pass over what each column
 * must cover: its samples widened to whole entries of the level the view
 * reads (the coarsest whose 64^k samples fit in a column), clipped to the
 * span; NaN where the column itself holds no sample. Returns that level. */
static int check_summary(rc_trace *t, int64_t from, int64_t to, size_t cols)
{
    double mn[64], mx[64], mean[64];
    rc_error err;
    ck_assert_uint_le(cols, 64);
    ck_assert_int_eq(rc_trace_summary(t, 0, from, to, cols, mn, mx, mean, &err), RC_OK);
    size_t all0 = index_at(from), all1 = index_at(to), per_col = (all1 - all0) / cols;
    int k = 0;
    size_t unit = 1;
    while (k < 8 && unit * 64 <= per_col) {
        unit *= 64;
        k++;
    }
    for (size_t c = 0; c < cols; c++) {
        size_t s0 = index_at(from + (to - from) * (int64_t)c / (int64_t)cols);
        size_t s1 = index_at(from + (to - from) * (int64_t)(c + 1) / (int64_t)cols);
        if (s0 == s1) {
            ck_assert_msg(isnan(mn[c]) && isnan(mx[c]) && isnan(mean[c]),
                          "column %zu of [%lld, %lld) holds no sample but has %g..%g", c,
                          (long long)from, (long long)to, mn[c], mx[c]);
            continue;
        }
        size_t w0 = s0 / unit * unit, w1 = (s1 + unit - 1) / unit * unit;
        w0 = w0 < all0 ? all0 : w0;
        w1 = w1 > all1 ? all1 : w1;
        double bmn, bmx, bmean;
        brute(w0, w1, &bmn, &bmx, &bmean);
        ck_assert_msg(fabs(mn[c] - bmn) < 1e-5 && fabs(mx[c] - bmx) < 1e-5,
                      "column %zu of [%lld, %lld): %g..%g, want %g..%g (level %d)", c,
                      (long long)from, (long long)to, mn[c], mx[c], bmn, bmx, k);
        ck_assert_double_eq_tol(mean[c], bmean, 1e-4);
    }
    return k;
}

START_TEST(test_summary_matches_brute_force)
{
    const char *path = rc_test_tmp_path("summ");
    write_raw_trace(path, N_RAW, false);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    int64_t end = N_RAW * RAW_PERIOD_US;
    ck_assert_int_eq(check_summary(t, 0, end, 1), 3);         /* whole file */
    ck_assert_int_eq(check_summary(t, 0, end, 64), 2);
    ck_assert_int_eq(check_summary(t, 1, end - 1, 61), 2);    /* both ends ragged */
    ck_assert_int_eq(check_summary(t, 123, 123 + 2 * 64 * 40, 40), 1);
    ck_assert_int_eq(check_summary(t, 123, 123 + 2 * 4095 * 7, 7), 1);
    ck_assert_int_eq(check_summary(t, 1001, 1001 + 2 * 63 * 30, 30), 0); /* exact */
    ck_assert_int_eq(check_summary(t, 1001, 1001 + 2 * 30, 30), 0);
    check_summary(t, end - 5000, end + 5000, 10);  /* the tail and past it */
    check_summary(t, -100, 50, 3);                 /* before the start */
    /* A spike is never lost at any level. */
    double mx[1];
    ck_assert_int_eq(rc_trace_summary(t, 0, 0, end, 1, NULL, mx, NULL, &err), RC_OK);
    double bmn, bmx, bmean;
    brute(0, N_RAW, &bmn, &bmx, &bmean);
    ck_assert_double_gt(bmx, 19);
    ck_assert_double_eq_tol(mx[0], bmx, 1e-6);
    ck_assert_int_eq(rc_trace_summary(t, 9, 0, end, 1, NULL, mx, NULL, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_trace_summary(t, 0, 10, 10, 1, NULL, mx, NULL, &err), RC_ERR_ARG);
    rc_trace_close(t);
}
END_TEST

/* The end of the trace at every level: the last column partly past the
 * last sample, a span reaching far past it, a span entirely after it. No
 * column may show a value it does not hold (the widening to whole entries
 * once gave the last column of a span past the end the values of the last
 * entry). */
START_TEST(test_summary_at_the_end)
{
    const char *path = rc_test_tmp_path("summ-end");
    write_raw_trace(path, N_RAW, false);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err), RC_OK);
    int64_t last = (N_RAW - 1) * RAW_PERIOD_US, end = N_RAW * RAW_PERIOD_US;
    /* The last column holds exactly the last sample, then nothing. */
    check_summary(t, last - 2 * 64 * 63, last + 2 * 64, 64);
    check_summary(t, last - 2 * 64 * 63 + 1, last + 1 + 2 * 64, 64);
    /* The last column half past the end, at levels 0 to 3. */
    for (int64_t width = 2 * 10; width <= 2 * 300000; width *= 7)
        check_summary(t, end - 10 * width - width / 2, end + width / 2, 11);
    /* Spans reaching past the end: later columns are NaN. */
    ck_assert_int_eq(check_summary(t, 0, 2 * end, 64), 2);
    ck_assert_int_eq(check_summary(t, end / 2, end * 100, 64), 1);
    check_summary(t, last, last + 64 * 1000, 64);
    /* Entirely after the last sample, from the very next microsecond. */
    double mn[64], mx[64], mean[64];
    for (int64_t from = last + 1; from < end + 10; from += 3) {
        ck_assert_int_eq(rc_trace_summary(t, 0, from, from + 50000000, 64, mn, mx, mean, &err),
                         RC_OK);
        for (int c = 0; c < 64; c++)
            ck_assert(isnan(mn[c]) && isnan(mx[c]) && isnan(mean[c]));
    }
    rc_trace_close(t);
}
END_TEST

/* ---- Fast open ------------------------------------------------------------------- */

START_TEST(test_fast_open_equals_verifying_open)
{
    const char *path = rc_test_tmp_path("fast");
    write_raw_trace(path, N_RAW, false);
    rc_trace *a, *b;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &a, &err), RC_OK);
    ck_assert_int_eq(rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &b, &err), RC_OK);
    const rc_trace_stats *sa = rc_trace_get_stats(a), *sb = rc_trace_get_stats(b);
    ck_assert(!sa->indexed);
    ck_assert(sb->indexed);
    ck_assert_uint_eq(sa->samples, sb->samples);
    ck_assert_uint_eq(sa->events, sb->events);
    ck_assert_uint_eq(sa->chunks, sb->chunks);
    ck_assert(sb->complete);
    ck_assert_int_eq(sa->end_us, sb->end_us);
    ck_assert_int_eq(sa->first_us, sb->first_us);
    ck_assert_int_eq(sa->last_us, sb->last_us);
    double m1[16], m2[16];
    ck_assert_int_eq(rc_trace_summary(a, 0, 0, N_RAW * 2, 16, m1, NULL, NULL, &err), RC_OK);
    ck_assert_int_eq(rc_trace_summary(b, 0, 0, N_RAW * 2, 16, m2, NULL, NULL, &err), RC_OK);
    ck_assert_mem_eq(m1, m2, sizeof m1);
    raw_check c = {0};
    ck_assert_int_eq(rc_trace_read_raw(b, 0, INT64_MIN, INT64_MAX, check_raw_fn, &c, &err),
                     RC_OK);
    ck_assert_uint_eq(c.next, N_RAW);
    rc_trace_close(a);
    rc_trace_close(b);
}
END_TEST

/* A file cut at any point: the fast open takes the last index before the
 * cut and walks the rest; what it returns is a prefix of what was written,
 * and a cut chunk is pending, not damage. */
START_TEST(test_fast_open_of_cut_files)
{
    const char *path = rc_test_tmp_path("cut-src");
    write_raw_trace(path, N_RAW, false);
    size_t len;
    char *bytes = rc_test_read_file(path, &len);
    ck_assert_ptr_nonnull(bytes);
    const char *cut = rc_test_tmp_path("cut");
    for (size_t at = 100; at < len; at += len / 37) {
        FILE *f = fopen(cut, "wb");
        ck_assert_uint_eq(fwrite(bytes, 1, at, f), at);
        fclose(f);
        rc_trace *t;
        rc_error err;
        ck_assert_int_eq(rc_trace_open_ex(cut, RC_TRACE_OPEN_FAST, &t, &err), RC_OK);
        ck_assert(!rc_trace_get_damage(t)->damaged);
        const rc_trace_stats *st = rc_trace_get_stats(t);
        ck_assert(!st->complete);
        size_t n_ch;
        rc_trace_get_channels(t, &n_ch);
        if (n_ch == 0) {
            ck_assert_uint_eq(st->samples, 0);
            rc_trace_close(t);
            continue;
        }
        raw_check c = {0};
        rc_status rs = rc_trace_read_raw(t, 0, INT64_MIN, INT64_MAX, check_raw_fn, &c, &err);
        ck_assert_msg(rs == RC_OK, "cut at %zu: %s", at, err.msg);
        ck_assert_uint_eq(c.next, st->samples);
        if (st->samples) {
            double mn[4];
            ck_assert_int_eq(
                rc_trace_summary(t, 0, 0, (int64_t)st->samples * 2, 4, mn, NULL, NULL, &err),
                RC_OK);
        }
        rc_trace *v;
        ck_assert_int_eq(rc_trace_open(cut, &v, &err), RC_OK);
        ck_assert_uint_eq(rc_trace_get_stats(v)->samples, st->samples);
        rc_trace_close(v);
        rc_trace_close(t);
    }
    free(bytes);
}
END_TEST

/* ---- 1.0 files ------------------------------------------------------------------ */

/* The 1.0 fixture, kept as a fuzz seed: written before 1.1 existed. */
#define V10_FIXTURE RC_FIXTURES_DIR "/../tests/fuzz/corpus/trace/fixture"

START_TEST(test_version_1_0_file_reads_both_ways)
{
    for (unsigned flags = 0; flags <= RC_TRACE_OPEN_FAST; flags++) {
        rc_trace *t;
        rc_error err;
        ck_assert_int_eq(rc_trace_open_ex(V10_FIXTURE, flags, &t, &err), RC_OK);
        unsigned major, minor;
        rc_trace_get_version(t, &major, &minor);
        ck_assert_uint_eq(major, 1);
        ck_assert_uint_eq(minor, 0);
        ck_assert(!rc_trace_get_damage(t)->damaged);
        const rc_trace_stats *st = rc_trace_get_stats(t);
        ck_assert(!st->indexed);
        ck_assert(st->complete);
        ck_assert_uint_eq(st->samples, FIX_SAMPLES);
        ck_assert_uint_eq(st->events, FIX_EVENTS);
        ck_assert_int_eq(st->end_us, FIX_END_US);
        rc_sample got[FIX_SAMPLES];
        fix_collect c = {got, 0, FIX_SAMPLES};
        ck_assert_int_eq(rc_trace_read_samples(t, INT64_MIN, INT64_MAX, fix_collect_fn, &c, &err),
                         RC_OK);
        ck_assert_uint_eq(c.n, FIX_SAMPLES);
        rc_sample want = fix_sample(4);
        ck_assert(fix_same_sample(&got[4], &want));
        /* Summaries come from the samples when a file has none. */
        double mx[2];
        ck_assert_int_eq(rc_trace_summary(t, 1, 0, 6000, 2, NULL, mx, NULL, &err), RC_OK);
        ck_assert_double_eq_tol(mx[1], fix_sample(5).rail_a, 1e-7);
        rc_trace_close(t);
    }
}
END_TEST

/* ---- Follow --------------------------------------------------------------------- */

typedef struct follow_ctx {
    const char *path;
    atomic_bool done;
} follow_ctx;

static void *follow_writer(void *arg)
{
    follow_ctx *f = arg;
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer_options o = {.threaded = true, .flush_us = 2000};
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open_ex(f->path, &h, NULL, &o, &w, &err), RC_OK);
    for (int i = 0; i < 40000; i++) {
        rc_sample s = {.t_us = i * 100, .rail_v = (float)(i % 13), .ch_state = 2};
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
        if (i % 1000 == 0) {
            rc_event ev;
            rc_event_init(&ev, s.t_us, RC_EV_MARK, i, "m");
            ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
            sleep_us(500);
        }
    }
    rc_trace_writer_stats ws;
    rc_trace_writer_get_stats(w, &ws);
    ck_assert_uint_eq(ws.samples_lost, 0);
    ck_assert_uint_eq(ws.samples, 40000);
    ck_assert_int_eq(rc_trace_writer_close(w, 4000000, &err), RC_OK);
    f->done = true;
    return NULL;
}

START_TEST(test_follow_while_writing)
{
    follow_ctx f = {rc_test_tmp_path("follow"), false};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, follow_writer, &f), 0);
    rc_trace *t = NULL;
    rc_error err;
    while (!t) {
        if (rc_trace_open_ex(f.path, RC_TRACE_OPEN_FAST, &t, &err) != RC_OK)
            sleep_us(200);
    }
    uint64_t seen = 0;
    int grew_times = 0;
    for (;;) {
        bool done = f.done, grew;
        ck_assert_int_eq(rc_trace_refresh(t, &grew, &err), RC_OK);
        ck_assert(!rc_trace_get_damage(t)->damaged);
        const rc_trace_stats *st = rc_trace_get_stats(t);
        ck_assert_uint_ge(st->samples, seen);
        seen = st->samples;
        grew_times += grew;
        if (done && !grew)
            break;
        sleep_us(300);
    }
    ck_assert_int_ge(grew_times, 2);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert(st->complete);
    ck_assert_uint_eq(st->samples, 40000);
    ck_assert_uint_eq(st->events, 40);
    ck_assert_uint_eq(st->pending_bytes, 0);
    /* Time pairs came with the periodic flushes: t = 0 was moments ago. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t utc0 = rc_trace_device_to_utc(t, 0), now_us = (int64_t)now.tv_sec * 1000000;
    ck_assert_int_lt(llabs(now_us - utc0), 60 * 1000000LL);
    ck_assert_int_ne(utc0, 1700000000123456LL);
    pthread_join(th, NULL);
    rc_trace_close(t);
}
END_TEST

/* ---- Overrun ------------------------------------------------------------------- */

typedef struct slow_reader {
    const char *fifo, *copy;
    atomic_bool go;
} slow_reader;

/* Reads nothing until told to, then copies the FIFO to a file. */
static void *slow_reader_fn(void *arg)
{
    slow_reader *r = arg;
    int fd = open(r->fifo, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    while (!r->go)
        sleep_us(1000);
    FILE *out = fopen(r->copy, "wb");
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, (size_t)n, out), (size_t)n);
    fclose(out);
    close(fd);
    return NULL;
}

START_TEST(test_overrun_is_recorded)
{
    slow_reader r = {rc_test_tmp_path("fifo"), rc_test_tmp_path("fifo-copy"), false};
    ck_assert_int_eq(mkfifo(r.fifo, 0600), 0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, slow_reader_fn, &r), 0);
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer_options o = {.threaded = true, .queue_bytes = 64 * 1024, .max_wait_us = 1000};
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open_ex(r.fifo, &h, NULL, &o, &w, &err), RC_OK);
    enum { TOTAL = 200000 };
    for (int i = 0; i < TOTAL; i += 100) {
        rc_sample s[100];
        for (int j = 0; j < 100; j++)
            s[j] = (rc_sample){.t_us = (i + j) * 10, .rail_v = 12, .ch_state = 2};
        ck_assert_int_eq(rc_trace_write_samples(w, s, 100, &err), RC_OK);
    }
    rc_trace_writer_stats ws;
    rc_trace_writer_get_stats(w, &ws);
    ck_assert_uint_gt(ws.samples_lost, 0);
    ck_assert_uint_eq(ws.samples + ws.samples_lost, TOTAL);
    ck_assert_uint_le(ws.queue_peak_bytes, 64 * 1024);
    ck_assert_uint_eq(ws.queue_bytes, 64 * 1024);
    r.go = true;
    ck_assert_int_eq(rc_trace_writer_close(w, TOTAL * 10, &err), RC_OK);
    pthread_join(th, NULL);
    rc_trace_writer_stats after = ws;
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(r.copy, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert_uint_eq(st->samples_lost, after.samples_lost);
    ck_assert_uint_eq(st->samples + st->samples_lost, TOTAL);
    size_t n_gaps;
    const rc_trace_gap *g = rc_trace_get_gaps(t, &n_gaps);
    ck_assert_uint_ge(n_gaps, 1);
    uint64_t lost = 0;
    for (size_t i = 0; i < n_gaps; i++) {
        ck_assert_int_le(g[i].from_us, g[i].to_us);
        ck_assert_int_ge(g[i].from_us, 0);
        ck_assert_int_lt(g[i].to_us, TOTAL * 10);
        lost += g[i].samples;
    }
    ck_assert_uint_eq(lost, st->samples_lost);
    rc_trace_close(t);
}
END_TEST

/* ---- Time pairs, annotations, repair ----------------------------------------------- */

START_TEST(test_time_pairs_convert)
{
    const char *path = rc_test_tmp_path("pairs");
    fix_write(path);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    /* No pairs: the header's start is t = 0. */
    ck_assert_int_eq(rc_trace_utc_to_device(t, 1700000000123456LL + 5000), 5000);
    ck_assert_int_eq(rc_trace_device_to_utc(t, 7), 1700000000123463LL);
    rc_trace_close(t);
    write_raw_trace(path, 1000, false);
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert_int_eq(rc_trace_utc_to_device(t, 1700000000000000LL + 42), 42);
    ck_assert_int_eq(rc_trace_device_to_utc(t, -3), 1700000000000000LL - 3);
    rc_trace_close(t);
}
END_TEST

START_TEST(test_annotate_merges_events)
{
    const char *path = rc_test_tmp_path("anno");
    fix_write(path);
    rc_event ev[2];
    rc_event_init(&ev[0], 1500, RC_EV_AD1, 0, "wan-hes");
    rc_event_init(&ev[1], 9000, RC_EV_NOTE, 0, "late");
    rc_error err;
    ck_assert_int_eq(rc_trace_annotate(path, ev, 2, "wan-hes", &err), RC_OK);
    rc_event_init(&ev[0], 0, RC_EV_NOTE, 0, "first");
    ck_assert_int_eq(rc_trace_annotate(path, ev, 1, "operator", &err), RC_OK);
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    size_t n;
    const rc_event *got = rc_trace_get_events(t, &n);
    ck_assert_uint_eq(n, FIX_EVENTS + 3);
    ck_assert_uint_eq(rc_trace_get_stats(t)->annotations, 3);
    /* segment@0 (recorded first on a tie), first@0, ad1@1500, ad1@3000, run_end@6000, late */
    ck_assert_int_eq(got[0].kind, RC_EV_SEGMENT);
    ck_assert_ptr_null(rc_trace_event_source(t, 0));
    ck_assert_str_eq(got[1].text, "first");
    ck_assert_str_eq(rc_trace_event_source(t, 1), "operator");
    ck_assert_int_eq(got[2].t_us, 1500);
    ck_assert_str_eq(rc_trace_event_source(t, 2), "wan-hes");
    ck_assert_int_eq(got[5].t_us, 9000);
    ck_assert_ptr_null(rc_trace_event_source(t, 99));
    rc_trace_close(t);
    /* Out of order, and onto a damaged file: refused. */
    rc_event_init(&ev[0], 5, RC_EV_NOTE, 0, "b");
    rc_event_init(&ev[1], 4, RC_EV_NOTE, 0, "a");
    ck_assert_int_eq(rc_trace_annotate(path, ev, 2, "x", &err), RC_ERR_ARG);
    FILE *f = fopen(path, "ab");
    fputs("garbage", f);
    fclose(f);
    ck_assert_int_eq(rc_trace_annotate(path, ev, 1, "x", &err), RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "repair"));
}
END_TEST

START_TEST(test_repair_gives_clean_file)
{
    const char *path = rc_test_tmp_path("rep-src");
    write_raw_trace(path, N_RAW, false);
    rc_event ev;
    rc_event_init(&ev, 50, RC_EV_AD1, 0, "wan");
    rc_error err;
    size_t len;
    char *bytes = rc_test_read_file(path, &len);
    /* Cut two thirds in, then flip a byte in the middle of what is left. */
    size_t cut = len * 2 / 3;
    bytes[cut / 2] ^= 0x10;
    const char *damaged = rc_test_tmp_path("rep-damaged");
    FILE *f = fopen(damaged, "wb");
    ck_assert_uint_eq(fwrite(bytes, 1, cut, f), cut);
    fclose(f);
    free(bytes);
    rc_trace *d;
    ck_assert_int_eq(rc_trace_open(damaged, &d, &err), RC_OK);
    ck_assert(rc_trace_get_damage(d)->damaged);
    uint64_t kept = rc_trace_get_stats(d)->samples, dmg_at = rc_trace_get_damage(d)->offset;
    rc_trace_close(d);
    const char *out = rc_test_tmp_path("rep-out");
    rc_trace_repair_report rep;
    ck_assert_int_eq(rc_trace_repair(damaged, out, &rep, &err), RC_OK);
    ck_assert(rep.was_damaged);
    ck_assert(!rep.was_complete);
    ck_assert_uint_eq(rep.lost_offset, dmg_at);
    ck_assert_uint_eq(rep.lost_bytes, cut - dmg_at);
    ck_assert_uint_eq(rep.samples, kept);
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(out, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert(st->complete);
    ck_assert_uint_eq(st->samples, kept);
    size_t n;
    const rc_event *got = rc_trace_get_events(t, &n);
    ck_assert_int_eq(got[n - 1].kind, RC_EV_NOTE);
    ck_assert_ptr_nonnull(strstr(got[n - 1].text, "repair: lost from byte"));
    raw_check c = {0};
    ck_assert_int_eq(rc_trace_read_raw(t, 0, INT64_MIN, INT64_MAX, check_raw_fn, &c, &err),
                     RC_OK);
    ck_assert_uint_eq(c.next, kept);
    size_t n_ch;
    ck_assert_double_eq(rc_trace_get_channels(t, &n_ch)[0].gain, 0.001);
    rc_trace_close(t);
    /* A clean file with annotations repairs to the same content. */
    ck_assert_int_eq(rc_trace_annotate(out, &ev, 1, "wan", &err), RC_OK);
    const char *again = rc_test_tmp_path("rep-again");
    ck_assert_int_eq(rc_trace_repair(out, again, &rep, &err), RC_OK);
    ck_assert(!rep.was_damaged);
    ck_assert_int_eq(rc_trace_open(again, &t, &err), RC_OK);
    ck_assert_uint_eq(rc_trace_get_stats(t)->annotations, 1);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, kept);
    rc_trace_close(t);
    ck_assert_int_eq(rc_trace_repair(out, out, &rep, &err), RC_ERR_ARG);
}
END_TEST

/* ---- kill -9 ---------------------------------------------------------------------- */

/* The child records paced samples through the writer thread (flushing every
 * 20 ms) and reports on a pipe how many it has handed over, until killed. */
static void killed_recorder(const char *path, int report_fd)
{
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer_options o = {.threaded = true, .flush_us = 20000};
    rc_trace_writer *w;
    rc_error err;
    if (rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err) != RC_OK)
        _exit(1);
    for (uint32_t i = 0;; i++) {
        rc_sample s = {.t_us = (int64_t)i * 1000, .rail_v = (float)(i % 97), .ch_state = 2};
        if (rc_trace_write_samples(w, &s, 1, &err) != RC_OK)
            _exit(1);
        if (i % 50 == 49) {
            rc_event ev;
            rc_event_init(&ev, s.t_us, RC_EV_MARK, (int32_t)i, "tick");
            rc_trace_write_event(w, &ev, &err);
            uint32_t n = i + 1;
            if (write(report_fd, &n, sizeof n) != sizeof n)
                _exit(1);
        }
        if (i % 10 == 0)
            sleep_us(1000);
    }
}

static int check_killed_fn(void *ctx, const rc_sample *s, size_t n)
{
    size_t *next = ctx, bad = 0;
    for (size_t i = 0; i < n; i++, (*next)++)
        bad += s[i].t_us != (int64_t)*next * 1000 || s[i].rail_v != (float)(*next % 97);
    ck_assert_uint_eq(bad, 0);
    return 0;
}

START_TEST(test_killed_recording_reads_and_repairs)
{
    for (int round = 0; round < 3; round++) {
        const char *path = rc_test_tmp_path("killed");
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            killed_recorder(path, fds[1]);
        }
        close(fds[1]);
        /* Let it run, then note what it had handed over a second before the kill. */
        uint32_t n = 0, safe = 0;
        int reports = 0, wanted = 4 + 3 * round;
        while (reports < wanted && read(fds[0], &n, sizeof n) == sizeof n)
            reports++;
        safe = n;
        sleep_us(1000000);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        waitpid(pid, NULL, 0);
        close(fds[0]);
        rc_trace *t;
        rc_error err;
        ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
        const rc_trace_stats *st = rc_trace_get_stats(t);
        ck_assert(!st->complete);
        /* Damage, if any, is only a chunk cut short at the end. */
        const rc_trace_damage *d = rc_trace_get_damage(t);
        ck_assert(!d->damaged || strstr(d->reason, "truncated") != NULL);
        ck_assert_uint_ge(st->samples, safe);
        size_t next = 0;
        ck_assert_int_eq(
            rc_trace_read_samples(t, INT64_MIN, INT64_MAX, check_killed_fn, &next, &err), RC_OK);
        ck_assert_uint_eq(next, st->samples);
        uint64_t kept = st->samples;
        rc_trace_close(t);
        const char *out = rc_test_tmp_path("killed-repaired");
        rc_trace_repair_report rep;
        ck_assert_int_eq(rc_trace_repair(path, out, &rep, &err), RC_OK);
        ck_assert_int_eq(rc_trace_open(out, &t, &err), RC_OK);
        ck_assert(!rc_trace_get_damage(t)->damaged);
        ck_assert(rc_trace_get_stats(t)->complete);
        ck_assert_uint_eq(rc_trace_get_stats(t)->samples, kept);
        rc_trace_close(t);
    }
}
END_TEST

/* ---- Writer arguments ------------------------------------------------------------- */

START_TEST(test_writer_refuses_bad_options)
{
    const char *path = rc_test_tmp_path("opts");
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w;
    rc_error err;
    rc_trace_channel bad = {"v", "V", RC_TRACE_STORE_I16, 0, 0};
    rc_trace_writer_options o = {.channels = &bad, .n_channels = 1};
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_ERR_ARG);
    ck_assert_int_eq(access(path, F_OK), -1);
    o = (rc_trace_writer_options){.block_samples = 8};
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_ERR_ARG);
    o = (rc_trace_writer_options){.threaded = true, .queue_bytes = 16};
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_ERR_ARG);
    o = (rc_trace_writer_options){.channels = raw_channels, .n_channels = 3};
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_OK);
    rc_sample s = {0};
    ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_ERR_ARG);
    int16_t v[2] = {1, 2};
    float a[2] = {0, 0};
    uint8_t c[2] = {0, 0};
    const void *cols[] = {v, a, c};
    ck_assert_int_eq(rc_trace_write_columns(w, 0, 0, 2, cols, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_trace_write_columns(w, 10, 5, 2, cols, &err), RC_OK);
    ck_assert_int_eq(rc_trace_write_columns(w, 15, 5, 2, cols, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_trace_write_columns(w, INT64_MAX - 1, 5, 2, cols, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_trace_writer_close(w, 20, &err), RC_OK);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("trace_store");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_int16_channels_round_trip);
    tcase_add_test(tc, test_summary_matches_brute_force);
    tcase_add_test(tc, test_summary_at_the_end);
    tcase_add_test(tc, test_fast_open_equals_verifying_open);
    tcase_add_test(tc, test_fast_open_of_cut_files);
    tcase_add_test(tc, test_version_1_0_file_reads_both_ways);
    tcase_add_test(tc, test_follow_while_writing);
    tcase_add_test(tc, test_overrun_is_recorded);
    tcase_add_test(tc, test_time_pairs_convert);
    tcase_add_test(tc, test_annotate_merges_events);
    tcase_add_test(tc, test_repair_gives_clean_file);
    tcase_add_test(tc, test_writer_refuses_bad_options);
    tcase_add_test(tc, test_killed_recording_reads_and_repairs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(store_suite());
}
