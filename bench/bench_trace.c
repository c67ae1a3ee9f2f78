/*
 * bench_trace.c - the trace store at scale: the workload of the reference
 * measurements for Joulescope's JLS (N samples at 1 MS/s, one channel).
 *
 *   ingest     int16 codes and float32 values into a finished file (page
 *              cache), unthreaded and through the writer thread: samples/s,
 *              bytes/sample including summaries and index, peak RSS
 *   summary    2000-column summaries of spans from the whole file down to
 *              1 ms, warm cache: the median of 5
 *   open       fast open + first full view (2000 columns of the whole file),
 *              of the finished file and of the same file cut as by a crash
 *
 * usage: bench_trace [SAMPLES [DIR [int16]]]   (default 100000000 /tmp);
 * with int16, only the unthreaded int16 ingest, summaries and opens (for a
 * 1e9-sample file, where the other files would not fit the page cache)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "railcut/trace.h"

#define CHUNK 65536
#define COLUMNS 2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the process (all threads): the machine may be shared, so
 * wall time alone can mislead. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static double file_mb(const char *path, uint64_t *bytes)
{
    struct stat st;
    *bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    return (double)*bytes / 1e6;
}

static void die(const char *what, const rc_error *err)
{
    fprintf(stderr, "bench_trace: %s: %s\n", what, err->msg);
    exit(1);
}

/* A rail-like waveform: a 12 V level with ripple and a deterministic noise. */
static void fill(int16_t *codes, float *volts, uint64_t at, size_t n)
{
    uint32_t x = (uint32_t)(at * 2654435761u) | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        double v = 12.0 + 0.05 * sin((double)(at + i) * 0.001) + (double)(x & 0xff) * 1e-4;
        codes[i] = (int16_t)(v / 0.0005);
        volts[i] = (float)v;
    }
}

static void ingest(const char *path, uint64_t n, bool f32, bool threaded)
{
    static int16_t codes[CHUNK];
    static float volts[CHUNK];
    rc_trace_channel ch = {"rail_v", "V", f32 ? RC_TRACE_STORE_F32 : RC_TRACE_STORE_I16,
                           f32 ? 1 : 0.0005, 0};
    rc_trace_header h = {.start_unix_us = 1700000000000000LL, .railcut_version = "bench",
                         .backend = "bench", .scenario = "test", .profile_path = "",
                         .sample_rate_hz = 1000000};
    rc_trace_writer_options o = {.channels = &ch, .n_channels = 1, .block_samples = CHUNK,
                                 .threaded = threaded, .max_wait_us = 60000000};
    rc_trace_writer *w;
    rc_error err;
    /* The waveform is made once: the benchmark measures the store. */
    fill(codes, volts, 0, CHUNK);
    double t0 = now_s(), c0 = cpu_s();
    if (rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err) != RC_OK)
        die("open", &err);
    for (uint64_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? (size_t)(n - at) : CHUNK;
        const void *cols[] = {f32 ? (const void *)volts : (const void *)codes};
        if (rc_trace_write_columns(w, (int64_t)at, 1, k, cols, &err) != RC_OK)
            die("write", &err);
    }
    rc_trace_writer_stats ws;
    rc_trace_writer_get_stats(w, &ws);
    if (rc_trace_writer_close(w, (int64_t)n, &err) != RC_OK)
        die("close", &err);
    double dt = now_s() - t0, dc = cpu_s() - c0;
    uint64_t bytes;
    double mb = file_mb(path, &bytes);
    printf("| ingest %s%s | %.2f | %.2f | %.1f | %.1f | %.3f | %.1f | %.1f | %llu |\n",
           f32 ? "float32" : "int16", threaded ? ", writer thread" : "", dt, dc,
           (double)n / dt / 1e6, (double)n / dc / 1e6, (double)bytes / (double)n, mb,
           peak_rss_mb(), (unsigned long long)ws.samples_lost);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summaries(const char *path, uint64_t n)
{
    rc_trace *t;
    rc_error err;
    if (rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err) != RC_OK)
        die("open", &err);
    static double mn[COLUMNS], mx[COLUMNS], mean[COLUMNS];
    printf("\n| span | samples | median ms | worst ms | CPU ms (median) |\n"
           "|---|---:|---:|---:|---:|\n");
    for (uint64_t span = n; span >= 1000; span /= 10) {
        int64_t from = (int64_t)(n - span) / 2;
        double times[5], cpu[5];
        rc_trace_summary(t, 0, from, from + (int64_t)span, COLUMNS, mn, mx, mean, &err);
        for (int r = 0; r < 5; r++) {
            double t0 = now_s(), c0 = cpu_s();
            if (rc_trace_summary(t, 0, from, from + (int64_t)span, COLUMNS, mn, mx, mean, &err) !=
                RC_OK)
                die("summary", &err);
            times[r] = (now_s() - t0) * 1e3;
            cpu[r] = (cpu_s() - c0) * 1e3;
        }
        qsort(times, 5, sizeof times[0], cmp_double);
        qsort(cpu, 5, sizeof cpu[0], cmp_double);
        printf("| %.6g s | %llu | %.3f | %.3f | %.3f |\n", (double)span / 1e6,
               (unsigned long long)span, times[2], times[4], cpu[2]);
    }
    rc_trace_close(t);
}

static void open_view(const char *path, const char *what)
{
    static double mn[COLUMNS], mx[COLUMNS], mean[COLUMNS];
    rc_trace *t;
    rc_error err;
    double t0 = now_s();
    if (rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err) != RC_OK)
        die("open", &err);
    double t1 = now_s();
    const rc_trace_stats *st = rc_trace_get_stats(t);
    if (st->samples && rc_trace_summary(t, 0, st->first_us, st->last_us + 1, COLUMNS, mn, mx,
                                        mean, &err) != RC_OK)
        die("view", &err);
    double t2 = now_s();
    printf("| %s | %llu | %s | %.2f | %.2f | %.2f |\n", what,
           (unsigned long long)st->samples, st->indexed ? "yes" : "no", (t1 - t0) * 1e3,
           (t2 - t1) * 1e3, (t2 - t0) * 1e3);
    rc_trace_close(t);
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ull;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char p16[4096], p32[4096];
    snprintf(p16, sizeof p16, "%s/bench_trace_i16.rct", dir);
    snprintf(p32, sizeof p32, "%s/bench_trace_f32.rct", dir);
    printf("%llu samples at 1 MS/s, one channel\n\n",
           (unsigned long long)n);
    printf("| step | wall s | CPU s | M samples/s (wall) | (CPU) | bytes/sample | file MB | "
           "peak RSS MB | lost |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    bool only16 = argc > 3 && strcmp(argv[3], "int16") == 0;
    if (!only16) {
        ingest(p16, n, false, true);
        ingest(p32, n, true, false);
        ingest(p32, n, true, true);
    }
    ingest(p16, n, false, false);
    summaries(p16, n);
    printf("\n| open + first view | samples | indexed | open ms | view ms | total ms |\n"
           "|---|---:|---|---:|---:|---:|\n");
    open_view(p16, "finished");
    uint64_t bytes;
    file_mb(p16, &bytes);
    /* As a crash leaves it: END, the last index and part of a block gone. */
    if (truncate(p16, (off_t)(bytes - bytes / 1000 - 777)) != 0)
        perror("truncate");
    open_view(p16, "cut (crash)");
    unlink(p16);
    unlink(p32);
    return 0;
}
