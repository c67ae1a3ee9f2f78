/*
 * test_interop_ref.c - a replay's new trace keeps the played rail as the
 * reference channel ref_rail_v: exact values (straight lines between the
 * original's samples, its first sample at t = 0, its last value after its
 * end) through the threaded writer, the plain writer for profiles that are
 * not traces, refused options, rows read beside rc_sample, and the channel
 * in CSV, VCD and sigrok exports.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_interop_fixture.h"

#define SHIFT_US 5000 /* the original's first sample: the replay's t = 0 */
#define NEW_PERIOD_US 250
#define NEW_SAMPLES 18000 /* 4.5 s: past the original's end (3.999 s) */

static rc_trace_header new_header(void)
{
    return (rc_trace_header){.start_unix_us = 1700000000000000LL,
                             .railcut_version = "0.1.0",
                             .backend = "sim",
                             .scenario = "ota",
                             .profile_path = "",
                             .sample_rate_hz = 4000};
}

/* The reference the new trace must hold at its time t (microseconds). */
static double expected_ref(int64_t t)
{
    cut_variant v = cut_default();
    if (t >= (CUT_SAMPLES - 1) * 1000)
        return cut_sample(&v, (CUT_SAMPLES - 1) * 1000).rail_v;
    int64_t a = t / 1000 * 1000;
    double va = cut_sample(&v, a).rail_v, vb = cut_sample(&v, a + 1000).rail_v;
    return va + (vb - va) * (double)(t - a) / 1000.0;
}

/* Writes the replay's trace: NEW_SAMPLES samples whose rail is 1 V, at
 * NEW_PERIOD_US, through the writer that rc_replay_writer_open gives for
 * profile_path. */
static const char *write_replay(const char *name, const char *profile_path, bool threaded)
{
    const char *path = rc_test_tmp_path(name);
    rc_trace_header h = new_header();
    rc_trace_writer_options o = {.threaded = threaded};
    rc_trace_writer *w;
    rc_error err;
    ck_assert_msg(rc_replay_writer_open(path, &h, NULL, profile_path, &o, &w, &err) == RC_OK,
                  "%s", err.msg);
    rc_sample batch[700];
    size_t n = 0;
    for (int64_t i = 0; i < NEW_SAMPLES; i++) {
        batch[n++] = (rc_sample){.t_us = i * NEW_PERIOD_US, .rail_v = 1.0f, .ch_state = 2};
        if (n == sizeof batch / sizeof batch[0] || i + 1 == NEW_SAMPLES) {
            ck_assert_int_eq(rc_trace_write_samples(w, batch, n, &err), RC_OK);
            n = 0;
        }
    }
    ck_assert_int_eq(rc_trace_writer_close(w, NEW_SAMPLES * NEW_PERIOD_US, &err), RC_OK);
    return path;
}

/* Replays are recognised by the ".rct" the test paths do not end in. */
static const char *rct_path(const char *name)
{
    static char paths[4][600];
    static unsigned counter;
    char *p = paths[counter++ % 4];
    snprintf(p, sizeof paths[0], "%s.rct", rc_test_tmp_path(name));
    return p;
}

static const char *shifted_original(void)
{
    cut_variant v = cut_default();
    v.shift_us = SHIFT_US;
    const char *written = cut_trace_variant("ref-original", &v);
    const char *path = rct_path("ref-original");
    ck_assert_int_eq(rename(written, path), 0);
    return path;
}

typedef struct ref_check {
    size_t n, bad;
    int64_t first_bad_us;
    double got, want;
} ref_check;

static int check_rows(void *ctx, const rc_sample *s, const double *const *extra, size_t n)
{
    ref_check *c = ctx;
    for (size_t i = 0; i < n; i++, c->n++) {
        double want = expected_ref(s[i].t_us);
        if (s[i].rail_v != 1.0f || fabs(extra[0][i] - want) > 1e-6) {
            if (c->bad++ == 0) {
                c->first_bad_us = s[i].t_us;
                c->got = extra[0][i];
                c->want = want;
            }
        }
    }
    return 0;
}

static void check_reference(const char *path)
{
    rc_trace *t = open_trace(path);
    size_t n_ch;
    const rc_trace_channel *ch = rc_trace_get_channels(t, &n_ch);
    ck_assert_uint_eq(n_ch, 5);
    ck_assert_str_eq(ch[4].name, RC_REPLAY_REF_CHANNEL);
    ck_assert_str_eq(ch[4].unit, "V");
    ck_assert_int_eq(ch[4].storage, RC_TRACE_STORE_F32);
    ref_check c = {0};
    size_t ref = 4;
    rc_error err;
    ck_assert_int_eq(rc_trace_read_rows(t, INT64_MIN, INT64_MAX, &ref, 1, check_rows, &c, &err),
                     RC_OK);
    ck_assert_uint_eq(c.n, NEW_SAMPLES);
    ck_assert_msg(c.bad == 0, "%zu bad rows, first at %lld us: %g, want %g", c.bad,
                  (long long)c.first_bad_us, c.got, c.want);
    /* A summary of the reference is one of a normal channel. */
    double mn[3], mx[3];
    ck_assert_int_eq(rc_trace_summary(t, 4, 0, 3000000, 3, mn, mx, NULL, &err), RC_OK);
    ck_assert_double_eq(mx[0], 12.0);
    ck_assert_double_eq(mn[1], 0.0);
    ck_assert_double_eq(mn[2], 0.0);
    rc_trace_close(t);
}

START_TEST(reference_follows_the_original)
{
    const char *orig = shifted_original();
    /* Spot values: a step's straight line, before and after the original. */
    ck_assert_double_eq(expected_ref(999250), 9.0);
    ck_assert_double_eq(expected_ref(999750), 3.0);
    ck_assert_double_eq(expected_ref(4400000), 12.0);
    check_reference(write_replay("ref-threaded.rct", orig, true));
    check_reference(write_replay("ref-direct.rct", orig, false));
}
END_TEST

START_TEST(reference_only_for_traces)
{
    const char *path = write_replay("ref-none.rct", "profile.rail", false);
    rc_trace *t = open_trace(path);
    size_t n_ch;
    rc_trace_get_channels(t, &n_ch);
    ck_assert_uint_eq(n_ch, 4);
    rc_trace_close(t);
    /* A trace that cannot be opened is refused before anything is written. */
    rc_trace_header h = new_header();
    rc_trace_writer *w;
    rc_error err;
    const char *out = rc_test_tmp_path("ref-missing.rct");
    ck_assert_int_eq(rc_replay_writer_open(out, &h, NULL, rct_path("absent"), NULL, &w, &err),
                     RC_ERR_IO);
    FILE *f = fopen(out, "rb");
    ck_assert_ptr_null(f);
}
END_TEST

static int frees;

static void count_free(void *ctx)
{
    (void)ctx;
    frees++;
}

static void zero_ref(void *ctx, const rc_sample *s, size_t n, float *const *values)
{
    (void)ctx;
    (void)s;
    for (size_t i = 0; i < n; i++)
        values[0][i] = 0;
}

START_TEST(reference_options_refused)
{
    rc_trace_header h = new_header();
    rc_trace_channel ref = {"ref", "V", RC_TRACE_STORE_F32, 1, 0};
    rc_trace_channel bad = {"ref", "V", RC_TRACE_STORE_I16, 0.001, 0};
    rc_trace_writer_options o = {
        .ref_channels = &ref, .n_ref_channels = 1, .ref_fn = zero_ref, .ref_free = count_free};
    rc_trace_writer *w;
    rc_error err;
    const char *path = rc_test_tmp_path("ref-opts.rct");
    frees = 0;
    o.ref_fn = NULL;
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_ERR_ARG);
    o.ref_fn = zero_ref;
    o.ref_channels = &bad;
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err.msg, "float32"));
    o.ref_channels = &ref;
    o.channels = &ref;
    o.n_channels = 1;
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_ERR_ARG);
    ck_assert_int_eq(frees, 3);
    /* Accepted: the context is freed once, at close. */
    o.channels = NULL;
    o.n_channels = 0;
    ck_assert_int_eq(rc_trace_writer_open_ex(path, &h, NULL, &o, &w, &err), RC_OK);
    rc_sample s = {.t_us = 0, .rail_v = 5};
    ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
    ck_assert_int_eq(frees, 3);
    ck_assert_int_eq(rc_trace_writer_close(w, 1, &err), RC_OK);
    ck_assert_int_eq(frees, 4);
    /* Rows: a channel that does not exist. */
    rc_trace *t = open_trace(path);
    size_t nope = 5;
    ck_assert_int_eq(rc_trace_read_rows(t, 0, 10, &nope, 1, check_rows, NULL, &err),
                     RC_ERR_ARG);
    rc_trace_close(t);
}
END_TEST

static char *export_text(const char *trace, rc_export_format format, unsigned channels,
                         rc_status want)
{
    rc_trace *t = open_trace(trace);
    rc_export_options o;
    rc_export_options_init(&o);
    o.format = format;
    o.channels = channels;
    o.from_us = 999000;
    o.to_us = 1000001;
    const char *out = rc_test_tmp_path("ref-export");
    rc_error err;
    rc_status st = rc_export(t, out, &o, NULL, &err);
    rc_trace_close(t);
    ck_assert_msg(st == want, "export: %s", err.msg);
    return st == RC_OK ? rc_test_read_file(out, NULL) : NULL;
}

START_TEST(reference_is_exported)
{
    const char *replayed = write_replay("ref-export.rct", shifted_original(), false);
    char *csv = export_text(replayed, RC_EXPORT_CSV, RC_EXPORT_ALL, RC_OK);
    ck_assert_ptr_nonnull(strstr(csv, "time_s,rail_v,rail_a,ac_lost,ch_state,ref_rail_v\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\n0.999250,1.000,0.000000,0,2,9.000\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\n0.999750,1.000,0.000000,0,2,3.000\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\n1.000000,1.000,0.000000,0,2,0.000\n"));
    free(csv);
    csv = export_text(replayed, RC_EXPORT_CSV, RC_EXPORT_REF_RAIL_V, RC_OK);
    ck_assert_ptr_nonnull(strstr(csv, "time_s,ref_rail_v\n0.999000,12.000\n0.999250,9.000\n"));
    free(csv);
    char *vcd = export_text(replayed, RC_EXPORT_VCD, RC_EXPORT_ALL, RC_OK);
    ck_assert_ptr_nonnull(strstr(vcd, "$var real 64 e ref_rail_v $end\n"));
    ck_assert_ptr_nonnull(strstr(vcd, "#999250\nr9 e\n"));
    free(vcd);
    /* A trace without one: left out of "all", refused when named. */
    csv = export_text(cut_trace("ref-plain.rct"), RC_EXPORT_CSV, RC_EXPORT_ALL, RC_OK);
    ck_assert_ptr_null(strstr(csv, "ref_rail_v"));
    free(csv);
    export_text(cut_trace("ref-plain.rct"), RC_EXPORT_CSV,
                RC_EXPORT_RAIL_V | RC_EXPORT_REF_RAIL_V, RC_ERR_NOT_FOUND);
    unsigned mask;
    rc_error err;
    ck_assert_int_eq(rc_export_channels_parse("rail_v,ref_rail_v", &mask, &err), RC_OK);
    ck_assert_uint_eq(mask, RC_EXPORT_RAIL_V | RC_EXPORT_REF_RAIL_V);
}
END_TEST

static Suite *ref_suite(void)
{
    Suite *s = suite_create("interop_ref");
    TCase *tc = tcase_create("ref");
    tcase_add_test(tc, reference_follows_the_original);
    tcase_add_test(tc, reference_only_for_traces);
    tcase_add_test(tc, reference_options_refused);
    tcase_add_test(tc, reference_is_exported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(ref_suite());
}
