/*
 * bench_interop.c - speed and memory of the exports (CSV, VCD, sigrok
 * session) and the imports (CSV, sigrok session) on a long trace, and, when
 * libsigrok is available, its own srzip writer on the same samples for the
 * choice documented in docs/interop.md.
 *
 * The trace: N samples at 1 kHz (default 10 M, i.e. 2.8 hours) of a rail
 * that cuts for 175 s every 10 minutes with AC Lost toggling inside, ramps
 * at each edge and a little deterministic noise, plus four events per cut.
 * Each step runs in a child process so that its peak RSS (ru_maxrss) is its
 * own. Output goes to a directory given on the command line (default /tmp).
 *
 *   bench_interop [samples] [dir]
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "railcut/interop.h"
#include "railcut/trace.h"

#ifdef RAILCUT_HAVE_LIBSIGROK
#include <libsigrok/libsigrok.h>
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double file_mb(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
}

static void die(const char *what, const rc_error *err)
{
    fprintf(stderr, "bench_interop: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static float rail_at(int64_t i)
{
    int64_t in_cycle = i % 600000; /* 10 min at 1 kHz */
    float v = in_cycle >= 60000 && in_cycle < 235000 ? 0.0f : 12.0f;
    if (in_cycle >= 59990 && in_cycle < 60000)
        v = 12.0f * (float)(60000 - in_cycle) / 10.0f;
    return v + (float)((i * 7919) % 11) * 0.001f;
}

static void make_trace(const char *path, uint64_t n)
{
    rc_trace_header h = {.start_unix_us = 1700000000000000LL,
                         .railcut_version = "bench",
                         .backend = "sim",
                         .scenario = "ota",
                         .profile_path = "bench",
                         .sample_rate_hz = 1000,
                         .outage_below_mv = 8000,
                         .restore_above_mv = 9000};
    rc_profile *p = rc_profile_new();
    rc_trace_writer *w;
    rc_error err;
    if (rc_trace_writer_open(path, &h, p, &w, &err) != RC_OK)
        die(path, &err);
    rc_profile_free(p);
    enum { B = 4096 };
    static rc_sample s[B];
    for (uint64_t i = 0; i < n; i += B) {
        size_t m = n - i < B ? (size_t)(n - i) : B;
        for (size_t k = 0; k < m; k++) {
            int64_t j = (int64_t)(i + k);
            int64_t c = j % 600000;
            s[k] = (rc_sample){j * 1000, rail_at(j), rail_at(j) > 1 ? 0.05f : 0.0f,
                               c >= 100000 && c<150000, rail_at(j)> 1 ? 2 : 0};
        }
        if (rc_trace_write_samples(w, s, m, &err) != RC_OK)
            die("write", &err);
    }
    for (int64_t t = 60000000; t < (int64_t)n * 1000; t += 600000000) {
        rc_event ev;
        rc_event_init(&ev, t, RC_EV_RAIL_FALL, 8000, NULL);
        rc_trace_write_event(w, &ev, NULL);
        rc_event_init(&ev, t + 40000000, RC_EV_AC_LOST_ON, 0, NULL);
        rc_trace_write_event(w, &ev, NULL);
        rc_event_init(&ev, t + 90000000, RC_EV_AC_LOST_OFF, 0, NULL);
        rc_trace_write_event(w, &ev, NULL);
        rc_event_init(&ev, t + 175000000, RC_EV_RAIL_RISE, 9000, NULL);
        rc_trace_write_event(w, &ev, NULL);
    }
    if (rc_trace_writer_close(w, ((int64_t)n - 1) * 1000, &err) != RC_OK)
        die("close", &err);
}

typedef void (*step_fn)(const char *in, const char *out);

/* Runs fn in a child, which reports its own peak RSS through a pipe;
 * prints wall time, rate, output size and that peak. */
static void step(const char *name, step_fn fn, const char *in, const char *out, uint64_t n)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe", NULL);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        fn(in, out);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        long kb = ru.ru_maxrss;
        if (write(fds[1], &kb, sizeof kb) != sizeof kb)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    long kb = 0;
    int status;
    if (pid < 0 || read(fds[0], &kb, sizeof kb) != sizeof kb ||
        waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_interop: %s failed\n", name);
        exit(1);
    }
    close(fds[0]);
    double dt = now_s() - t0;
    printf("| %-16s | %10" PRIu64 " | %7.2f | %8.2f | %9.1f | %6.1f |\n", name, n, dt,
           (double)n / dt / 1e6, file_mb(out), kb / 1024.0);
    fflush(stdout);
}

static void do_export(const char *in, const char *out, rc_export_format f)
{
    rc_trace *t;
    rc_error err;
    if (rc_trace_open(in, &t, &err) != RC_OK)
        die(in, &err);
    rc_export_options o;
    rc_export_options_init(&o);
    o.format = f;
    if (rc_export(t, out, &o, NULL, &err) != RC_OK)
        die(out, &err);
    rc_trace_close(t);
}

static void export_csv(const char *in, const char *out)
{
    do_export(in, out, RC_EXPORT_CSV);
}

static void export_vcd(const char *in, const char *out)
{
    do_export(in, out, RC_EXPORT_VCD);
}

static void export_sr(const char *in, const char *out)
{
    do_export(in, out, RC_EXPORT_SR);
}

static void import_any(const char *in, const char *out)
{
    rc_error err;
    if (rc_import(in, out, NULL, NULL, &err) != RC_OK)
        die(in, &err);
}

#ifdef RAILCUT_HAVE_LIBSIGROK
/* libsigrok's srzip output module fed the rail_v channel of the trace in
 * packets of 4096 samples, as a driver would. */
typedef struct srzip_feed {
    const struct sr_output *o;
    struct sr_channel *ch;
    float buf[4096];
    size_t n;
} srzip_feed;

static void srzip_flush(srzip_feed *f)
{
    struct sr_analog_encoding enc = {
        .unitsize = sizeof(float),
        .is_signed = TRUE,
        .is_float = TRUE,
        .is_bigendian = FALSE,
        .digits = 3,
        .is_digits_decimal = TRUE,
        .scale = {1, 1},
        .offset = {0, 1},
    };
    struct sr_analog_meaning meaning = {
        .mq = SR_MQ_VOLTAGE,
        .unit = SR_UNIT_VOLT,
        .channels = g_slist_append(NULL, f->ch),
    };
    struct sr_analog_spec spec = {.spec_digits = 3};
    struct sr_datafeed_analog analog = {
        .data = f->buf,
        .num_samples = (uint32_t)f->n,
        .encoding = &enc,
        .meaning = &meaning,
        .spec = &spec,
    };
    struct sr_datafeed_packet pkt = {SR_DF_ANALOG, &analog};
    GString *out = NULL;
    if (sr_output_send(f->o, &pkt, &out) != SR_OK)
        die("sr_output_send", NULL);
    if (out)
        g_string_free(out, TRUE);
    g_slist_free(meaning.channels);
    f->n = 0;
}

static int srzip_samples(void *ctx, const rc_sample *s, size_t n)
{
    srzip_feed *f = ctx;
    for (size_t i = 0; i < n; i++) {
        f->buf[f->n++] = s[i].rail_v;
        if (f->n == 4096)
            srzip_flush(f);
    }
    return 0;
}

static void send_simple(const struct sr_output *o, uint16_t type, const void *payload)
{
    struct sr_datafeed_packet pkt = {type, payload};
    GString *out = NULL;
    sr_output_send(o, &pkt, &out);
    if (out)
        g_string_free(out, TRUE);
}

static void libsigrok_srzip(const char *in, const char *out)
{
    struct sr_context *ctx;
    if (sr_init(&ctx) != SR_OK)
        die("sr_init", NULL);
    struct sr_dev_inst *sdi = sr_dev_inst_user_new("railcut", "bench", "1");
    sr_dev_inst_channel_add(sdi, 0, SR_CHANNEL_ANALOG, "rail_v");
    srzip_feed f = {.ch = sr_dev_inst_channels_get(sdi)->data};
    f.o = sr_output_new(sr_output_find("srzip"), NULL, sdi, out);
    if (!f.o)
        die("sr_output_new srzip", NULL);
    struct sr_datafeed_header header = {1, {0, 0}};
    send_simple(f.o, SR_DF_HEADER, &header);
    struct sr_config rate = {SR_CONF_SAMPLERATE,
                             g_variant_ref_sink(g_variant_new_uint64(1000))};
    struct sr_datafeed_meta meta = {g_slist_append(NULL, &rate)};
    send_simple(f.o, SR_DF_META, &meta);
    rc_trace *t;
    rc_error err;
    if (rc_trace_open(in, &t, &err) != RC_OK)
        die(in, &err);
    rc_trace_read_samples(t, INT64_MIN, INT64_MAX, srzip_samples, &f, &err);
    if (f.n)
        srzip_flush(&f);
    rc_trace_close(t);
    send_simple(f.o, SR_DF_END, NULL);
    sr_output_free(f.o);
    g_slist_free(meta.config);
    g_variant_unref(rate.data);
    sr_exit(ctx);
}

/* Our writer on the same single channel, for a like-for-like row. */
static void export_sr_rail(const char *in, const char *out)
{
    rc_trace *t;
    rc_error err;
    if (rc_trace_open(in, &t, &err) != RC_OK)
        die(in, &err);
    rc_export_options o;
    rc_export_options_init(&o);
    o.format = RC_EXPORT_SR;
    o.channels = RC_EXPORT_RAIL_V;
    if (rc_export(t, out, &o, NULL, &err) != RC_OK)
        die(out, &err);
    rc_trace_close(t);
}
#endif

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000u;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char trace[512], csv[512], vcd[512], sr[512], back_csv[512], back_sr[512];
    snprintf(trace, sizeof trace, "%s/bench-interop.rct", dir);
    snprintf(csv, sizeof csv, "%s/bench-interop.csv", dir);
    snprintf(vcd, sizeof vcd, "%s/bench-interop.vcd", dir);
    snprintf(sr, sizeof sr, "%s/bench-interop.sr", dir);
    snprintf(back_csv, sizeof back_csv, "%s/bench-interop-csv.rct", dir);
    snprintf(back_sr, sizeof back_sr, "%s/bench-interop-sr.rct", dir);
    make_trace(trace, n);
    printf("trace: %" PRIu64 " samples at 1 kHz, %.1f MB\n\n", n, file_mb(trace));
    printf("| step             |    samples |  wall s | M smp/s |   out MB | RSS MB |\n");
    printf("|------------------|-----------:|--------:|--------:|---------:|-------:|\n");
    step("export csv", export_csv, trace, csv, n);
    step("export vcd", export_vcd, trace, vcd, n);
    step("export sr", export_sr, trace, sr, n);
    step("import csv", import_any, csv, back_csv, n);
    step("import sr", import_any, sr, back_sr, n);
#ifdef RAILCUT_HAVE_LIBSIGROK
    char sr1[512], lsr[512];
    snprintf(sr1, sizeof sr1, "%s/bench-interop-rail.sr", dir);
    snprintf(lsr, sizeof lsr, "%s/bench-interop-libsigrok.sr", dir);
    step("sr rail_v only", export_sr_rail, trace, sr1, n);
    step("libsigrok srzip", libsigrok_srzip, trace, lsr, n);
    unlink(sr1);
    unlink(lsr);
#endif
    unlink(trace);
    unlink(csv);
    unlink(vcd);
    unlink(sr);
    unlink(back_csv);
    unlink(back_sr);
    return 0;
}
