/*
 * test_trace.c - .rct writer and reader: round trip of every field, block
 * boundaries, sample range selection, versions, unknown chunks, crafted
 * damage and the error paths.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "railcut/rig.h"
#include "railcut/trace.h"
#include "test_trace_fixture.h"
#include "testutil.h"

/* ---- Helpers ----------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void write_bytes(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* A chunk with its CRC, as the spec says, built independently of the writer. */
static size_t make_chunk(uint8_t *out, const char type[4], const uint8_t *payload, uint32_t len)
{
    memcpy(out, type, 4);
    put32(out + 4, 0);
    put32(out + 8, len);
    memcpy(out + 12, payload, len);
    put32(out + 12 + len, (uint32_t)crc32(0, out, 12 + len));
    return 16 + len;
}

/* Offset just past the chunk whose type is `type` (the first one). */
static size_t offset_after(const uint8_t *b, size_t n, const char type[4])
{
    size_t off = 16;
    while (off + 16 <= n) {
        size_t end = off + 16 + get32(b + off + 8);
        if (memcmp(b + off, type, 4) == 0)
            return end;
        off = end;
    }
    ck_abort_msg("chunk %.4s not found", type);
    return 0;
}

/* Writes a copy of the fixture trace with extra bytes inserted after the
 * first chunk of type after_type; returns its path. */
static const char *insert_into_fixture(const char *after_type, const uint8_t *extra,
                                       size_t n_extra)
{
    const char *src = rc_test_tmp_path("fix");
    fix_write(src);
    size_t n;
    uint8_t *b = (uint8_t *)rc_test_read_file(src, &n);
    ck_assert_ptr_nonnull(b);
    size_t at = offset_after(b, n, after_type);
    uint8_t *out = malloc(n + n_extra);
    memcpy(out, b, at);
    memcpy(out + at, extra, n_extra);
    memcpy(out + at + n_extra, b + at, n - at);
    const char *path = rc_test_tmp_path("crafted");
    write_bytes(path, out, n + n_extra);
    free(out);
    free(b);
    return path;
}

static size_t read_all(rc_trace *t, rc_sample *s, size_t cap)
{
    fix_collect c = {s, 0, cap};
    rc_error err;
    ck_assert_int_eq(rc_trace_read_samples(t, INT64_MIN, INT64_MAX, fix_collect_fn, &c, &err),
                     RC_OK);
    return c.n;
}

/* ---- Round trip ---------------------------------------------------------------- */

static rc_profile *full_profile(void)
{
    rc_profile *p = rc_profile_new();
    p->scenario = RC_SCENARIO_OUTAGE;
    p->nominal_mv = 11500;
    p->observe_us = 120000000;
    p->nominal_us = 4000000000LL;
    p->n_segs = 4;
    p->segs = calloc(4, sizeof *p->segs);
    p->segs[0] =
        (rc_segment){RC_SEG_WAIT, 0, 60000000, 12000, 12000, true, false, RC_WAIT_READY, 0, 3};
    p->segs[1] =
        (rc_segment){RC_SEG_RAMP, 60000000, 1500, 12000, 0, true, true, RC_WAIT_NONE, 1, 7};
    p->segs[2] =
        (rc_segment){RC_SEG_HOLD, 60001500, 179999999, 0, 0, false, true, RC_WAIT_NONE, 1, 8};
    p->segs[3] = (rc_segment){RC_SEG_OBSERVE, 240001499, 3759998501LL, 12000, 12000,
                              true,           false,     RC_WAIT_NONE, -1,    0};
    p->n_marks = 2;
    p->marks = calloc(2, sizeof *p->marks);
    p->marks[0] = (rc_mark){fix_strdup("cut"), 1};
    p->marks[1] = (rc_mark){fix_strdup("back \"on\""), 3};
    p->n_expects = 4;
    p->expects = calloc(4, sizeof *p->expects);
    p->expects[0] = (rc_expect){RC_EXPECT_AD1, -1, 0, 0, 0, fix_strdup("expect ad1"), 0, 10};
    p->expects[1] = (rc_expect){RC_EXPECT_NO_AD1, -1, 0, 0, 0, fix_strdup(""), 0, 11};
    p->expects[2] = (rc_expect){RC_EXPECT_AD1_WINDOW,
                                1,
                                180000001,
                                185000000,
                                0,
                                fix_strdup("expect ad1 between 180.000001s and 185s after cut"),
                                0,
                                12};
    p->expects[3] = (rc_expect){RC_EXPECT_MAX_OUTAGE_BELOW,
                                -1,
                                0,
                                0,
                                180000000,
                                fix_strdup("expect max_outage < 180s"),
                                0,
                                13};
    p->n_params = 2;
    p->params = calloc(2, sizeof *p->params);
    p->params[0] = (rc_param){fix_strdup("off"), fix_strdup("179.999999s"), true};
    p->params[1] = (rc_param){fix_strdup("blips"), fix_strdup("3"), false};
    p->n_files = 2;
    p->files = calloc(2, sizeof *p->files);
    p->files[0] = fix_strdup("profiles/ota.rail");
    p->files[1] = fix_strdup("profiles/common/cut.rail");
    p->source = fix_strdup("# OTA reboot\ninclude \"common/cut.rail\"\n\ttab and \xc3\xa9\n");
    return p;
}

static void check_profiles_equal(const rc_profile *a, const rc_profile *b)
{
    ck_assert_int_eq(a->scenario, b->scenario);
    ck_assert_int_eq(a->nominal_mv, b->nominal_mv);
    ck_assert_int_eq(a->observe_us, b->observe_us);
    ck_assert_int_eq(a->nominal_us, b->nominal_us);
    ck_assert_uint_eq(a->n_segs, b->n_segs);
    for (size_t i = 0; i < a->n_segs; i++) {
        const rc_segment *x = &a->segs[i], *y = &b->segs[i];
        ck_assert_int_eq(x->kind, y->kind);
        ck_assert_int_eq(x->start_us, y->start_us);
        ck_assert_int_eq(x->duration_us, y->duration_us);
        ck_assert_int_eq(x->from_mv, y->from_mv);
        ck_assert_int_eq(x->to_mv, y->to_mv);
        ck_assert_int_eq(x->rail_on, y->rail_on);
        ck_assert_int_eq(x->ac_lost, y->ac_lost);
        ck_assert_int_eq(x->wait_on, y->wait_on);
        ck_assert_int_eq(x->file, y->file);
        ck_assert_int_eq(x->line, y->line);
    }
    ck_assert_uint_eq(a->n_marks, b->n_marks);
    for (size_t i = 0; i < a->n_marks; i++) {
        ck_assert_str_eq(a->marks[i].name, b->marks[i].name);
        ck_assert_uint_eq(a->marks[i].segment, b->marks[i].segment);
    }
    ck_assert_uint_eq(a->n_expects, b->n_expects);
    for (size_t i = 0; i < a->n_expects; i++) {
        const rc_expect *x = &a->expects[i], *y = &b->expects[i];
        ck_assert_int_eq(x->kind, y->kind);
        ck_assert_int_eq(x->mark, y->mark);
        ck_assert_int_eq(x->lo_us, y->lo_us);
        ck_assert_int_eq(x->hi_us, y->hi_us);
        ck_assert_int_eq(x->bound_us, y->bound_us);
        ck_assert_pstr_eq(x->text, y->text);
        ck_assert_int_eq(x->file, y->file);
        ck_assert_int_eq(x->line, y->line);
    }
    ck_assert_uint_eq(a->n_params, b->n_params);
    for (size_t i = 0; i < a->n_params; i++) {
        ck_assert_str_eq(a->params[i].name, b->params[i].name);
        ck_assert_str_eq(a->params[i].value, b->params[i].value);
        ck_assert_int_eq(a->params[i].overridden, b->params[i].overridden);
    }
    ck_assert_uint_eq(a->n_files, b->n_files);
    for (size_t i = 0; i < a->n_files; i++)
        ck_assert_str_eq(a->files[i], b->files[i]);
    ck_assert_pstr_eq(a->source, b->source);
}

/* 10000 samples at 1 ms (three blocks: 4096, 4096, 1808), then 500 at 2 ms. */
#define RT_FAST 10000
#define RT_SLOW 500
#define RT_SAMPLES (RT_FAST + RT_SLOW)
#define RT_EVENTS 600

static rc_sample rt_sample(size_t i)
{
    int64_t t =
        i < RT_FAST ? (int64_t)i * 1000 : RT_FAST * 1000LL + (int64_t)(i - RT_FAST) * 2000;
    rc_sample s = {t, 12.0f - (float)i / 1000.0f, (float)i * 1e-4f, (uint8_t)(i % 7 == 0),
                   (uint8_t)(i % 4)};
    if (i == 77)
        s.rail_v = NAN;
    return s;
}

static rc_event rt_event(size_t i)
{
    rc_event ev;
    char text[64];
    if (i % 3 == 0)
        snprintf(text, sizeof text, "%s", "");
    else if (i % 3 == 1)
        snprintf(text, sizeof text, "note %zu", i);
    else
        snprintf(text, sizeof text, "%039zu-and-more-that-is-cut", i);
    /* Pairs of events share a time: equal times are in order. */
    rc_event_init(&ev, (int64_t)(i / 2) * 17, (rc_event_kind)(1 + i % 19), (int32_t)i - 300,
                  text);
    return ev;
}

START_TEST(test_round_trip)
{
    const char *path = rc_test_tmp_path("rt");
    rc_kv kv[] = {{"uvlo_off", "8V"}, {"boot", "20s"}, {"ad1_mode", "on-restore"}};
    rc_trace_header h = {1732521918123456LL,
                         "0.1.0",
                         "sim",
                         "outage",
                         "profiles/ota.rail",
                         5000,
                         7999,
                         9001,
                         kv,
                         3};
    rc_profile *p = full_profile();
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p, &w, &err), RC_OK);
    for (size_t i = 0; i < RT_SAMPLES; i += 250) {
        rc_sample batch[250];
        for (size_t j = 0; j < 250; j++)
            batch[j] = rt_sample(i + j);
        ck_assert_int_eq(rc_trace_write_samples(w, batch, 250, &err), RC_OK);
    }
    for (size_t i = 0; i < RT_EVENTS; i++) {
        rc_event ev = rt_event(i);
        ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    }
    rc_event end;
    rc_event_init(&end, 11000000, RC_EV_RUN_END, 1, NULL);
    ck_assert_int_eq(rc_trace_write_event(w, &end, &err), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, 11000001, &err), RC_OK);

    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    unsigned major, minor;
    rc_trace_get_version(t, &major, &minor);
    ck_assert_uint_eq(major, 1);
    ck_assert_uint_eq(minor, 1);
    const rc_trace_header *rh = rc_trace_get_header(t);
    ck_assert_int_eq(rh->start_unix_us, 1732521918123456LL);
    ck_assert_str_eq(rh->railcut_version, "0.1.0");
    ck_assert_str_eq(rh->backend, "sim");
    ck_assert_str_eq(rh->scenario, "outage");
    ck_assert_str_eq(rh->profile_path, "profiles/ota.rail");
    ck_assert_uint_eq(rh->sample_rate_hz, 5000);
    ck_assert_int_eq(rh->outage_below_mv, 7999);
    ck_assert_int_eq(rh->restore_above_mv, 9001);
    ck_assert_uint_eq(rh->n_model_params, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_str_eq(rh->model_params[i].key, kv[i].key);
        ck_assert_str_eq(rh->model_params[i].value, kv[i].value);
    }
    check_profiles_equal(rc_trace_get_profile(t), p);

    static rc_sample got[RT_SAMPLES];
    ck_assert_uint_eq(read_all(t, got, RT_SAMPLES), RT_SAMPLES);
    for (size_t i = 0; i < RT_SAMPLES; i++) {
        rc_sample want = rt_sample(i);
        ck_assert_msg(fix_same_sample(&got[i], &want), "sample %zu differs", i);
    }
    size_t n_ev;
    const rc_event *ev = rc_trace_get_events(t, &n_ev);
    ck_assert_uint_eq(n_ev, RT_EVENTS + 1);
    for (size_t i = 0; i < RT_EVENTS; i++) {
        rc_event want = rt_event(i);
        ck_assert_msg(fix_same_event(&ev[i], &want), "event %zu differs", i);
    }
    ck_assert_uint_eq(strlen(ev[2].text), RC_EVENT_TEXT_MAX - 1);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert_uint_eq(st->samples, RT_SAMPLES);
    ck_assert_uint_eq(st->events, RT_EVENTS + 1);
    ck_assert_int_eq(st->first_us, 0);
    ck_assert_int_eq(st->last_us, 11000000);
    ck_assert(st->complete);
    ck_assert_int_eq(st->end_us, 11000001);
    ck_assert_uint_eq(st->end_reason, 1);
    /* HEAD PROF CHAN, SAMP x4 (4096, 4096, 1808 at 1 ms; 500 at 2 ms),
     * EVNT x3 (256, 256, 89), SUMM x8 (levels 1 and 2 of 4 channels: 164
     * and 2 entries each, written on close), INDX, END. */
    ck_assert_uint_eq(st->chunks, 3 + 4 + 3 + 8 + 1 + 1);
    rc_trace_close(t);
    rc_profile_free(p);
}
END_TEST

/* Round-trips one profile through a trace; returns 1 if it was loaded. */
static int round_trip_profile_file(const char *file)
{
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    rc_profile *p;
    rc_error err;
    /* Fixtures that are meant to fail to compile are not this test's business. */
    if (rc_profile_load_any(file, &opt, &p, &err) != RC_OK)
        return 0;
    const char *path = rc_test_tmp_path("fixture-profile");
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w;
    ck_assert_msg(rc_trace_writer_open(path, &h, p, &w, &err) == RC_OK, "%s: %s", file,
                  err.msg);
    ck_assert_int_eq(rc_trace_writer_close(w, 0, &err), RC_OK);
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert_msg(!rc_trace_get_damage(t)->damaged, "%s: %s", file,
                  rc_trace_get_damage(t)->reason);
    check_profiles_equal(rc_trace_get_profile(t), p);
    rc_trace_close(t);
    rc_profile_free(p);
    unlink(path);
    return 1;
}

static int round_trip_profile_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int loaded = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".rail") == 0)
            loaded += round_trip_profile_file(path);
        else if (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0)
            loaded += round_trip_profile_file(path);
        else
            loaded += round_trip_profile_dir(path);
    }
    closedir(d);
    return loaded;
}

/* Every profile the project ships, as the compiler builds it, survives a
 * trace unchanged. */
START_TEST(test_fixture_profiles_round_trip)
{
    int loaded = round_trip_profile_dir(RC_FIXTURES_DIR "/profiles");
    ck_assert_int_gt(loaded, 10);
}
END_TEST

START_TEST(test_header_defaults_and_no_profile)
{
    const char *path = rc_test_tmp_path("nulls");
    rc_trace_header h = {0};
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, 0, &err), RC_OK);
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    const rc_trace_header *rh = rc_trace_get_header(t);
    ck_assert_str_eq(rh->backend, "");
    ck_assert_str_eq(rh->railcut_version, "");
    ck_assert_uint_eq(rh->n_model_params, 0);
    const rc_profile *p = rc_trace_get_profile(t);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->n_segs, 0);
    ck_assert_ptr_null(p->source);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert(st->complete);
    ck_assert_uint_eq(st->end_reason, 255);
    ck_assert_uint_eq(st->samples, 0);
    ck_assert_int_eq(st->first_us, 0);
    ck_assert_int_eq(st->last_us, 0);
    rc_trace_close(t);
}
END_TEST

START_TEST(test_sink_writes)
{
    const char *path = rc_test_tmp_path("sink");
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_OK);
    rc_sink sink;
    rc_trace_writer_sink(w, &sink);
    ck_assert_ptr_eq(sink.ctx, w);
    rc_sample s[2] = {fix_sample(0), fix_sample(1)};
    ck_assert_int_eq(sink.on_samples(sink.ctx, s, 2, &err), RC_OK);
    rc_event ev = fix_event(1);
    ck_assert_int_eq(sink.on_event(sink.ctx, &ev, &err), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, 5, &err), RC_OK);
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    rc_sample got[2];
    ck_assert_uint_eq(read_all(t, got, 2), 2);
    ck_assert(fix_same_sample(&got[1], &s[1]));
    size_t n;
    ck_assert(fix_same_event(&rc_trace_get_events(t, &n)[0], &ev));
    ck_assert_uint_eq(n, 1);
    rc_trace_close(t);
}
END_TEST

/* ---- Sample range selection ------------------------------------------------------ */

/* Samples at 10 us for 10000 samples (blocks of 4096), then a gap and 100 at 7 us. */
static const char *range_trace(void)
{
    const char *path = rc_test_tmp_path("range");
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_OK);
    for (int64_t i = 0; i < 10000; i++) {
        rc_sample s = {i * 10, (float)i, 0, 0, 0};
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
    }
    for (int64_t i = 0; i < 100; i++) {
        rc_sample s = {200000 + i * 7, (float)(10000 + i), 0, 0, 0};
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
    }
    ck_assert_int_eq(rc_trace_writer_close(w, 201000, &err), RC_OK);
    return path;
}

typedef struct range_case {
    int64_t from, to;
    size_t count;
    int64_t first, last;
} range_case;

START_TEST(test_read_range_exact)
{
    const char *path = range_trace();
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    static const range_case cases[] = {
        {0, 10, 1, 0, 0},
        {0, 11, 2, 0, 10},
        {1, 10, 0, 0, 0},
        {5, 15, 1, 10, 10},
        {10, 10, 0, 0, 0},
        {10, 11, 1, 10, 10},
        {20, 10, 0, 0, 0},
        {-100, 0, 0, 0, 0},
        {40950, 40970, 2, 40950, 40960}, /* across the first block boundary */
        {40951, 40961, 1, 40960, 40960},
        {99990, 100000, 1, 99990, 99990},
        {99991, 200000, 0, 0, 0},           /* the gap */
        {99991, 200001, 1, 200000, 200000}, /* into the 7 us block */
        {200001, 200014, 1, 200007, 200007},
        {200693, INT64_MAX, 1, 200693, 200693},
        {200694, INT64_MAX, 0, 0, 0},
        {INT64_MIN, INT64_MAX, 10100, 0, 200693},
        {INT64_MIN, INT64_MIN, 0, 0, 0},
    };
    static rc_sample got[10100];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const range_case *c = &cases[i];
        fix_collect col = {got, 0, 10100};
        ck_assert_int_eq(rc_trace_read_samples(t, c->from, c->to, fix_collect_fn, &col, &err),
                         RC_OK);
        ck_assert_msg(col.n == c->count, "case %zu: %zu samples, want %zu", i, col.n, c->count);
        if (c->count) {
            ck_assert_int_eq(got[0].t_us, c->first);
            ck_assert_int_eq(got[col.n - 1].t_us, c->last);
        }
        for (size_t j = 1; j < col.n; j++)
            ck_assert_int_lt(got[j - 1].t_us, got[j].t_us);
    }
    /* Values follow their times across blocks. */
    fix_collect col = {got, 0, 10100};
    ck_assert_int_eq(rc_trace_read_samples(t, 81910, 81950, fix_collect_fn, &col, &err), RC_OK);
    ck_assert_uint_eq(col.n, 4);
    ck_assert_float_eq(got[0].rail_v, 8191.0f);
    ck_assert_float_eq(got[3].rail_v, 8194.0f);
    rc_trace_close(t);
}
END_TEST

static int stop_after_first(void *ctx, const rc_sample *s, size_t n)
{
    (void)s;
    size_t *calls = ctx;
    ck_assert_uint_le(n, 4096);
    (*calls)++;
    return 1;
}

START_TEST(test_read_stops_when_asked)
{
    const char *path = range_trace();
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    size_t calls = 0;
    ck_assert_int_eq(
        rc_trace_read_samples(t, INT64_MIN, INT64_MAX, stop_after_first, &calls, &err), RC_OK);
    ck_assert_uint_eq(calls, 1);
    ck_assert_int_eq(rc_trace_read_samples(t, 0, 1, NULL, NULL, &err), RC_ERR_ARG);
    rc_trace_close(t);
}
END_TEST

/* Damages the second sample block on disk after the trace was opened:
 * ranges that do not touch it still read (only overlapping blocks are
 * read), and a range that does fails instead of handing out other data. */
START_TEST(test_read_only_touches_overlapping_blocks)
{
    const char *path = range_trace();
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    size_t n;
    uint8_t *b = (uint8_t *)rc_test_read_file(path, &n);
    size_t first_samp = offset_after(b, n, "CHAN");
    size_t second_samp = first_samp + 16 + get32(b + first_samp + 8);
    ck_assert_mem_eq(b + second_samp, "SAMP", 4);
    b[second_samp + 16 + 20] ^= 0x40; /* a rail_v byte of sample 4096 */
    write_bytes(path, b, n);
    free(b);
    static rc_sample got[10100];
    fix_collect col = {got, 0, 10100};
    ck_assert_int_eq(rc_trace_read_samples(t, 0, 40960, fix_collect_fn, &col, &err), RC_OK);
    ck_assert_uint_eq(col.n, 4096);
    col.n = 0;
    ck_assert_int_eq(rc_trace_read_samples(t, 81920, 201000, fix_collect_fn, &col, &err),
                     RC_OK);
    ck_assert_uint_eq(col.n, 10000 - 8192 + 100);
    col.n = 0;
    ck_assert_int_eq(rc_trace_read_samples(t, 40950, 40970, fix_collect_fn, &col, &err),
                     RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "changed or became unreadable"));
    ck_assert_uint_eq(col.n, 1); /* sample 4095, from the intact block */
    rc_trace_close(t);
}
END_TEST

/* ---- Versions and unknown chunks ------------------------------------------------ */

static const char *fixture_with_version(unsigned major, unsigned minor)
{
    const char *path = rc_test_tmp_path("ver");
    fix_write(path);
    size_t n;
    uint8_t *b = (uint8_t *)rc_test_read_file(path, &n);
    b[8] = (uint8_t)major;
    b[9] = (uint8_t)(major >> 8);
    b[10] = (uint8_t)minor;
    b[11] = (uint8_t)(minor >> 8);
    put32(b + 12, (uint32_t)crc32(0, b, 12));
    write_bytes(path, b, n);
    free(b);
    return path;
}

START_TEST(test_newer_major_refused)
{
    rc_trace *t = (rc_trace *)1;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(fixture_with_version(2, 0), &t, &err), RC_ERR_FORMAT);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 2.0"));
    ck_assert_ptr_nonnull(strstr(err.msg, "newer railcut"));
    ck_assert_int_eq(rc_trace_open(fixture_with_version(0, 9), &t, &err), RC_ERR_FORMAT);
}
END_TEST

START_TEST(test_newer_minor_read)
{
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(fixture_with_version(1, 7), &t, &err), RC_OK);
    unsigned major, minor;
    rc_trace_get_version(t, &major, &minor);
    ck_assert_uint_eq(major, 1);
    ck_assert_uint_eq(minor, 7);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, FIX_SAMPLES);
    rc_trace_close(t);
}
END_TEST

START_TEST(test_unknown_chunk_skipped)
{
    uint8_t chunk[64];
    size_t n = make_chunk(chunk, "XTRA", (const uint8_t *)"later data", 10);
    const char *path = insert_into_fixture("CHAN", chunk, n);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert_uint_eq(st->chunks, 10);
    ck_assert_uint_eq(st->samples, FIX_SAMPLES);
    ck_assert_uint_eq(st->events, FIX_EVENTS);
    ck_assert(st->complete);
    rc_sample got[FIX_SAMPLES];
    ck_assert_uint_eq(read_all(t, got, FIX_SAMPLES), FIX_SAMPLES);
    rc_sample want = fix_sample(5);
    ck_assert(fix_same_sample(&got[5], &want));
    rc_trace_close(t);
}
END_TEST

/* ---- Crafted damage: valid CRC, invalid content ----------------------------------- */

/* Inserts a chunk after CHAN and checks the reader stops there with reason. */
static void expect_damage_after_chan(const char type[4], const uint8_t *payload, uint32_t len,
                                     const char *reason)
{
    uint8_t chunk[512];
    ck_assert_uint_le(len + 16, sizeof chunk);
    size_t n = make_chunk(chunk, type, payload, len);
    const char *path = insert_into_fixture("CHAN", chunk, n);
    size_t fsize;
    uint8_t *b = (uint8_t *)rc_test_read_file(path, &fsize);
    size_t at = offset_after(b, fsize, "CHAN");
    free(b);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    const rc_trace_damage *d = rc_trace_get_damage(t);
    ck_assert(d->damaged);
    ck_assert_uint_eq(d->offset, at);
    ck_assert_msg(strstr(d->reason, reason), "reason \"%s\" lacks \"%s\"", d->reason, reason);
    char where[64];
    snprintf(where, sizeof where, "chunk 4 (%.4s) at offset %zu: ", type, at);
    ck_assert_msg(strstr(d->reason, where) == d->reason, "reason \"%s\"", d->reason);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, 0);
    ck_assert_uint_eq(rc_trace_get_stats(t)->events, 0);
    ck_assert(!rc_trace_get_stats(t)->complete);
    ck_assert_uint_eq(rc_trace_get_stats(t)->chunks, 3);
    rc_trace_close(t);
}

static size_t event_record(uint8_t *p, int64_t t, uint16_t kind, const char *text)
{
    put64(p, (uint64_t)t);
    p[8] = (uint8_t)kind;
    p[9] = (uint8_t)(kind >> 8);
    put32(p + 10, 0);
    size_t n = strlen(text);
    p[14] = (uint8_t)n;
    memcpy(p + 15, text, n);
    return 15 + n;
}

START_TEST(test_events_out_of_order_are_damage)
{
    uint8_t p[128];
    put32(p, 2);
    size_t n = 4;
    n += event_record(p + n, 500, RC_EV_NOTE, "b");
    n += event_record(p + n, 499, RC_EV_NOTE, "a");
    expect_damage_after_chan("EVNT", p, (uint32_t)n, "out of time order");
}
END_TEST

START_TEST(test_event_counts_checked)
{
    uint8_t p[128];
    put32(p, 3); /* claims three records, holds one */
    size_t n = 4 + event_record(p + 4, 1, RC_EV_NOTE, "x");
    expect_damage_after_chan("EVNT", p, (uint32_t)n, "does not fit");
    put32(p, 1);
    p[4 + 14] = 200; /* text length past the payload */
    expect_damage_after_chan("EVNT", p, (uint32_t)n, "text of 200 bytes");
    put32(p, 1);
    size_t m = 4 + event_record(p + 4, 1, RC_EV_NOTE, "xyz");
    expect_damage_after_chan("EVNT", p, (uint32_t)m + 2, "bytes after its records");
    p[4 + 15 + 1] = '\0';
    expect_damage_after_chan("EVNT", p, (uint32_t)m, "NUL");
    put32(p, 0);
    expect_damage_after_chan("EVNT", p, 4, "count 0");
}
END_TEST

START_TEST(test_sample_blocks_checked)
{
    uint8_t p[64] = {0};
    put64(p, 100);
    put64(p + 8, 10);
    put32(p + 16, 2); /* two samples need 20 bytes of columns */
    expect_damage_after_chan("SAMP", p, 20 + 19, "does not match");
    put64(p + 8, 0);
    expect_damage_after_chan("SAMP", p, 20 + 20, "period 0 us");
    put64(p, (uint64_t)INT64_MAX - 5);
    put64(p + 8, 10);
    expect_damage_after_chan("SAMP", p, 20 + 20, "overflows");
    put32(p + 16, 0);
    expect_damage_after_chan("SAMP", p, 20, "count 0");
}
END_TEST

START_TEST(test_samples_must_advance)
{
    /* A block that starts at the last time of the fixture's first block. */
    uint8_t p[64] = {0};
    put64(p, 2000);
    put64(p + 8, 0);
    put32(p + 16, 1);
    uint8_t chunk[128];
    size_t n = make_chunk(chunk, "SAMP", p, 20 + 10);
    const char *path = insert_into_fixture("SAMP", chunk, n);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(rc_trace_get_damage(t)->damaged);
    ck_assert_ptr_nonnull(strstr(rc_trace_get_damage(t)->reason, "not after 2000 us"));
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, 3);
    rc_trace_close(t);
}
END_TEST

START_TEST(test_absurd_length_is_damage)
{
    uint8_t chunk[16] = {'E', 'V', 'N', 'T'};
    put32(chunk + 8, 0xfffffff0u);
    const char *path = insert_into_fixture("CHAN", chunk, sizeof chunk);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert_ptr_nonnull(strstr(rc_trace_get_damage(t)->reason, "exceeds the limit"));
    rc_trace_close(t);
}
END_TEST

/* A trace built by hand: file header, then the given chunks. */
typedef struct handmade {
    uint8_t b[2048];
    size_t n;
} handmade;

static const char minimal_head[] =
    "{\"start_unix_us\":0,\"railcut_version\":\"\",\"backend\":\"\",\"scenario\":\"\","
    "\"profile_path\":\"\",\"sample_rate_hz\":0,\"thresholds\":{\"outage_below_mv\":0,"
    "\"restore_above_mv\":0},\"model\":{}}";

static void hm_start(handmade *h)
{
    memcpy(h->b, "\x89RCT\r\n\x1a\n\x01\x00\x00\x00", 12);
    put32(h->b + 12, (uint32_t)crc32(0, h->b, 12));
    h->n = 16;
}

static void hm_chunk(handmade *h, const char type[4], const void *payload, size_t len)
{
    ck_assert_uint_le(h->n + len + 16, sizeof h->b);
    h->n += make_chunk(h->b + h->n, type, payload, (uint32_t)len);
}

static rc_trace *hm_open(const handmade *h)
{
    const char *path = rc_test_tmp_path("handmade");
    write_bytes(path, h->b, h->n);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    return t;
}

static void expect_handmade_damage(const handmade *h, uint64_t offset, const char *reason)
{
    rc_trace *t = hm_open(h);
    const rc_trace_damage *d = rc_trace_get_damage(t);
    ck_assert(d->damaged);
    ck_assert_uint_eq(d->offset, offset);
    ck_assert_msg(strstr(d->reason, reason), "reason \"%s\" lacks \"%s\"", d->reason, reason);
    ck_assert_ptr_nonnull(rc_trace_get_profile(t));
    ck_assert_ptr_nonnull(rc_trace_get_header(t)->backend);
    rc_trace_close(t);
}

START_TEST(test_metadata_chunks_checked)
{
    static const uint8_t chan[] = {1, 0, 1, 1, 'x', 0};
    expect_damage_after_chan("CHAN", chan, sizeof chan, "second CHAN chunk");
    expect_damage_after_chan("HEAD", (const uint8_t *)"{}", 2, "second HEAD chunk");
    expect_damage_after_chan("PROF", (const uint8_t *)"{}", 2, "second PROF chunk");

    handmade h;
    hm_start(&h);
    hm_chunk(&h, "HEAD", "{not json", 9);
    expect_handmade_damage(&h, 16, "chunk 1 (HEAD) at offset 16: payload is not a JSON object");
    hm_start(&h);
    hm_chunk(&h, "HEAD", "{\"start_unix_us\":1}", 19);
    expect_handmade_damage(&h, 16, "\"railcut_version\" missing");
    hm_start(&h);
    hm_chunk(&h, "CHAN", chan, sizeof chan);
    expect_handmade_damage(&h, 16, "the first chunk is not HEAD");

    size_t head_end = 16 + 16 + strlen(minimal_head);
    hm_start(&h);
    hm_chunk(&h, "HEAD", minimal_head, strlen(minimal_head));
    static const uint8_t bad_storage[] = {1, 0, 9, 1, 'x', 0};
    hm_chunk(&h, "CHAN", bad_storage, sizeof bad_storage);
    expect_handmade_damage(&h, head_end, "unknown storage type 9");
    hm_start(&h);
    hm_chunk(&h, "HEAD", minimal_head, strlen(minimal_head));
    static const uint8_t short_name[] = {1, 0, 1, 5, 'x', 0};
    hm_chunk(&h, "CHAN", short_name, sizeof short_name);
    expect_handmade_damage(&h, head_end, "runs past the payload");
    hm_start(&h);
    hm_chunk(&h, "HEAD", minimal_head, strlen(minimal_head));
    hm_chunk(&h, "PROF", "{\"scenario\":1}", 14);
    expect_handmade_damage(&h, head_end, "\"nominal_mv\" missing");
    hm_start(&h);
    hm_chunk(&h, "HEAD", minimal_head, strlen(minimal_head));
    hm_chunk(&h, "SAMP", "01234567890123456789", 20);
    expect_handmade_damage(&h, head_end, "SAMP before CHAN");
}
END_TEST

START_TEST(test_unknown_channels_skipped)
{
    /* rail_v f32, temp_c f32 (unknown to this reader), ch_state u8. */
    static const uint8_t chan[] = {3,   0, 1,   6,   'r', 'a', 'i', 'l', '_', 'v', 1,
                                   'V', 1, 6,   't', 'e', 'm', 'p', '_', 'c', 1,   'C',
                                   2,   8, 'c', 'h', '_', 's', 't', 'a', 't', 'e', 0};
    uint8_t samp[20 + 2 * 9];
    put64(samp, 1000);
    put64(samp + 8, 500);
    put32(samp + 16, 2);
    float v[4] = {11.5f, 4.0f, 25.0f, 26.0f};
    memcpy(samp + 20, v, sizeof v); /* the test host is little-endian */
    samp[36] = RC_CH_READY;
    samp[37] = RC_CH_HOLDUP;
    handmade h;
    hm_start(&h);
    hm_chunk(&h, "HEAD", minimal_head, strlen(minimal_head));
    hm_chunk(&h, "CHAN", chan, sizeof chan);
    hm_chunk(&h, "SAMP", samp, sizeof samp);
    rc_trace *t = hm_open(&h);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    rc_sample got[2];
    ck_assert_uint_eq(read_all(t, got, 2), 2);
    ck_assert_int_eq(got[1].t_us, 1500);
    ck_assert_float_eq(got[0].rail_v, 11.5f);
    ck_assert_float_eq(got[1].rail_v, 4.0f);
    ck_assert_float_eq(got[1].rail_a, 0.0f);
    ck_assert_uint_eq(got[0].ch_state, RC_CH_READY);
    ck_assert_uint_eq(got[1].ch_state, RC_CH_HOLDUP);
    ck_assert(!rc_trace_get_stats(t)->complete);
    rc_trace_close(t);
}
END_TEST

/* ---- Incomplete traces and error paths --------------------------------------------- */

START_TEST(test_incomplete_is_not_damaged)
{
    const char *path = rc_test_tmp_path("live");
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_OK);
    for (int i = 0; i < 4; i++) {
        rc_sample s = fix_sample(i);
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
    }
    rc_event ev = fix_event(1);
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    ck_assert_int_eq(rc_trace_writer_flush(w, &err), RC_OK);
    rc_sample late = fix_sample(4); /* buffered, not yet visible */
    ck_assert_int_eq(rc_trace_write_samples(w, &late, 1, &err), RC_OK);

    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert(!st->complete);
    ck_assert_uint_eq(st->samples, 4);
    ck_assert_uint_eq(st->events, 1);
    ck_assert_int_eq(st->last_us, 3000);
    ck_assert_int_eq(st->end_us, 3000);
    rc_trace_close(t);
    ck_assert_int_eq(rc_trace_writer_close(w, 4000, &err), RC_OK);
}
END_TEST

START_TEST(test_writer_refuses_bad_input)
{
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w = (rc_trace_writer *)1;
    rc_error err;
    ck_assert_int_eq(
        rc_trace_writer_open(RC_TEST_TMP_DIR "/no/such/dir/x.rct", &h, NULL, &w, &err),
        RC_ERR_IO);
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot create"));

    const char *path = rc_test_tmp_path("bad");
    rc_profile *p = fix_profile();
    p->marks[0].segment = 2; /* no such segment */
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p, &w, &err), RC_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err.msg, "mark 0"));
    ck_assert_int_ne(access(path, F_OK), 0);
    p->marks[0].segment = 1;
    free(p->expects[0].text);
    p->expects[0].text = NULL;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p, &w, &err), RC_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err.msg, "expectation 0 has no text"));
    rc_profile_free(p);

    h.start_unix_us = 9007199254740993LL; /* 2^53 + 1: not exact in JSON */
    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_ERR_ARG);
    fix_header(&h);

    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_OK);
    rc_sample s = fix_sample(2);
    ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
    ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_ERR_ARG); /* same time */
    s.t_us = 1999;
    ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_ERR_ARG);
    rc_event ev = fix_event(1);
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK); /* equal time is fine */
    ev.t_us--;
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_trace_writer_close(w, 3000, &err), RC_OK);
    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, 1);
    ck_assert_uint_eq(rc_trace_get_stats(t)->events, 2);
    rc_trace_close(t);
}
END_TEST

START_TEST(test_writer_reports_io_errors)
{
    /* /dev/full accepts the open and fails every flush with ENOSPC. */
    if (access("/dev/full", W_OK) != 0)
        return;
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w = (rc_trace_writer *)1;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open("/dev/full", &h, NULL, &w, &err), RC_ERR_IO);
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(err.msg, "/dev/full: flush failed"));
    ck_assert_int_eq(access("/dev/full", F_OK), 0); /* a device is never removed */
}
END_TEST

START_TEST(test_chunks_after_end_are_read)
{
    uint8_t p[64];
    put32(p, 1);
    put64(p + 4, 7000);
    p[12] = RC_EV_NOTE;
    p[13] = 0;
    put32(p + 14, 5);
    p[18] = 2;
    memcpy(p + 19, "ok", 2);
    uint8_t chunk[96];
    size_t n = make_chunk(chunk, "EVNT", p, 21);
    const char *path = insert_into_fixture("END ", chunk, n);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert(st->complete);
    ck_assert_int_eq(st->end_us, FIX_END_US);
    ck_assert_uint_eq(st->events, FIX_EVENTS + 1);
    ck_assert_int_eq(st->last_us, 7000);
    size_t n_ev;
    const rc_event *ev = rc_trace_get_events(t, &n_ev);
    ck_assert_str_eq(ev[FIX_EVENTS].text, "ok");
    ck_assert_int_eq(ev[FIX_EVENTS].value, 5);
    rc_trace_close(t);
}
END_TEST

START_TEST(test_reader_refuses_non_traces)
{
    rc_trace *t = (rc_trace *)1;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(RC_TEST_TMP_DIR "/does-not-exist.rct", &t, &err), RC_ERR_IO);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(rc_trace_open(rc_test_write_file("empty", ""), &t, &err), RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "too short"));
    ck_assert_int_eq(
        rc_trace_open(rc_test_write_file("text", "time,rail_v\n0,12.0\n"), &t, &err),
        RC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "bad magic"));
    ck_assert_int_eq(rc_trace_open(RC_TEST_TMP_DIR, &t, &err), RC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
    ck_assert_int_eq(rc_trace_open(NULL, &t, &err), RC_ERR_ARG);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_fixture_profiles_round_trip);
    tcase_add_test(tc, test_header_defaults_and_no_profile);
    tcase_add_test(tc, test_sink_writes);
    tcase_add_test(tc, test_read_range_exact);
    tcase_add_test(tc, test_read_stops_when_asked);
    tcase_add_test(tc, test_read_only_touches_overlapping_blocks);
    tcase_add_test(tc, test_newer_major_refused);
    tcase_add_test(tc, test_newer_minor_read);
    tcase_add_test(tc, test_unknown_chunk_skipped);
    tcase_add_test(tc, test_events_out_of_order_are_damage);
    tcase_add_test(tc, test_event_counts_checked);
    tcase_add_test(tc, test_sample_blocks_checked);
    tcase_add_test(tc, test_samples_must_advance);
    tcase_add_test(tc, test_absurd_length_is_damage);
    tcase_add_test(tc, test_metadata_chunks_checked);
    tcase_add_test(tc, test_unknown_channels_skipped);
    tcase_add_test(tc, test_incomplete_is_not_damaged);
    tcase_add_test(tc, test_writer_refuses_bad_input);
    tcase_add_test(tc, test_writer_reports_io_errors);
    tcase_add_test(tc, test_chunks_after_end_are_read);
    tcase_add_test(tc, test_reader_refuses_non_traces);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(trace_suite());
}
