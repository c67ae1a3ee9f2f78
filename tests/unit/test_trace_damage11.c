/*
 * test_trace_damage11.c - damage handling of the 1.1 chunk types (SCAL,
 * SUMM, TIME, LOST, INDX, the longer END, ANNO), exhaustively: a trace that
 * holds each of them is truncated at every byte and has every bit flipped.
 * A verifying open must report damage at the start of the chunk holding the
 * broken byte and return exactly what came before it; a fast open must not
 * crash and must never return a sample or summary that was not written.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/trace.h"
#include "test_trace_damage_util.h"
#include "test_trace_fixture.h"
#include "testutil.h"
#include "trace/format.h"

#define RICH_SAMPLES 200 /* three level-1 summary entries and a tail */
#define RICH_PERIOD 10

static const rc_trace_channel rich_channels[] = {
    {"adc", "V", RC_TRACE_STORE_I16, 0.5, -1},
    {"flag", "bool", RC_TRACE_STORE_U8, 1, 0},
};

static int16_t rich_code(size_t i)
{
    return (int16_t)(i * 37 % 101) - 50;
}

static void write_rich(const char *path)
{
    rc_trace_header h;
    fix_header(&h);
    rc_wcore *c;
    rc_error err;
    ck_assert_int_eq(rc_wcore_open(path, &h, NULL, rich_channels, 2, 64, &c, &err), RC_OK);
    int16_t v[RICH_SAMPLES];
    uint8_t f[RICH_SAMPLES];
    for (size_t i = 0; i < RICH_SAMPLES; i++) {
        v[i] = rich_code(i);
        f[i] = (uint8_t)(i & 1);
    }
    const void *cols[] = {v, f};
    ck_assert_int_eq(rc_wcore_columns(c, 0, RICH_PERIOD, RICH_SAMPLES, cols, &err), RC_OK);
    rc_event ev;
    rc_event_init(&ev, 5, RC_EV_MARK, 0, "m");
    ck_assert_int_eq(rc_wcore_event(c, &ev, &err), RC_OK);
    ck_assert_int_eq(rc_wcore_time_pair(c, 1700000000000000LL, 0, &err), RC_OK);
    rc_trace_gap g = {2000, 2100, 11, 1};
    ck_assert_int_eq(rc_wcore_lost(c, &g, &err), RC_OK);
    ck_assert_int_eq(rc_wcore_close(c, RICH_SAMPLES * RICH_PERIOD, &err), RC_OK);
    rc_event_init(&ev, 7, RC_EV_AD1, 0, "wan");
    ck_assert_int_eq(rc_trace_annotate(path, &ev, 1, "wan", &err), RC_OK);
}

/* The rich trace and its chunk layout: every 1.1 chunk type is in it. */
static void load_rich(damage_file *r)
{
    const char *path = rc_test_tmp_path("rich");
    write_rich(path);
    damage_load(r, path);
    const char *types[] = {"SCAL", "SUMM", "TIME", "LOST", "INDX", "END ", "ANNO", "SAMP"};
    for (int i = 0; i < 8; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->n; k++)
            seen |= memcmp(r->bytes + r->start[k], types[i], 4) == 0;
        ck_assert_msg(seen, "no %s chunk in the rich trace", types[i]);
    }
    ck_assert_uint_eq(r->samples_through[r->n], RICH_SAMPLES);
}

typedef struct got {
    size_t n, bad;
} got;

static int collect(void *ctx, int64_t t0, int64_t period, const void *values, size_t n)
{
    got *g = ctx;
    const int16_t *v = values;
    for (size_t i = 0; i < n; i++) {
        size_t k = g->n + i;
        g->bad += t0 + (int64_t)i * period != (int64_t)k * RICH_PERIOD || v[i] != rich_code(k);
    }
    g->n += n;
    return 0;
}

/* What any open returns is written data: samples a prefix, summaries in range. */
static void check_no_garbage(rc_trace *t, const char *what)
{
    size_t n_ch;
    rc_trace_get_channels(t, &n_ch);
    if (n_ch == 0)
        return;
    got g = {0};
    rc_error err;
    rc_status st = rc_trace_read_raw(t, 0, INT64_MIN, INT64_MAX, collect, &g, &err);
    ck_assert_msg(st == RC_OK || st == RC_ERR_FORMAT, "%s: read status %d", what, st);
    ck_assert_msg(g.bad == 0, "%s: %zu samples differ", what, g.bad);
    double mn[3], mx[3];
    st = rc_trace_summary(t, 0, 0, RICH_SAMPLES * RICH_PERIOD, 3, mn, mx, NULL, &err);
    ck_assert_msg(st == RC_OK || st == RC_ERR_FORMAT, "%s: summary status %d", what, st);
    for (int c = 0; st == RC_OK && c < 3; c++)
        ck_assert_msg(isnan(mn[c]) || (mn[c] >= -50 * 0.5 - 1 && mx[c] <= 50 * 0.5 - 1),
                      "%s: summary %g..%g out of range", what, mn[c], mx[c]);
}

static void check_verified(rc_trace *t, const damage_file *r, size_t k, bool damaged,
                           const char *what)
{
    const rc_trace_damage *d = rc_trace_get_damage(t);
    ck_assert_msg(d->damaged == damaged, "%s: damaged %d", what, d->damaged);
    if (damaged)
        ck_assert_msg(d->offset == r->start[k], "%s: damage at %llu, want %zu", what,
                      (unsigned long long)d->offset, r->start[k]);
    ck_assert_msg(rc_trace_get_stats(t)->samples == r->samples_through[k], "%s: %llu samples",
                  what, (unsigned long long)rc_trace_get_stats(t)->samples);
    size_t n_ev;
    rc_trace_get_events(t, &n_ev);
    ck_assert_msg(n_ev == r->events_through[k], "%s: %zu events", what, n_ev);
    check_no_garbage(t, what);
}

static void check_truncated(const damage_file *r, const char *path, size_t len, size_t k,
                            bool boundary, const char *what)
{
    (void)len; /* the chunk and the boundary say all that is checked */
    rc_trace *t;
    rc_error err;
    ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s: %s", what, err.msg);
    check_verified(t, r, k, !boundary, what);
    rc_trace_close(t);
    ck_assert_msg(rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err) == RC_OK, "%s: %s", what,
                  err.msg);
    /* A cut chunk is pending for a fast open, never damage. */
    ck_assert_msg(!rc_trace_get_damage(t)->damaged, "%s: fast open damaged", what);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, r->samples_through[k]);
    check_no_garbage(t, what);
    rc_trace_close(t);
}

START_TEST(test_rich_truncated_at_every_offset)
{
    damage_file r;
    load_rich(&r);
    damage_each_truncation(&r, rc_test_tmp_path("rich-trunc"), 16, check_truncated);
    free(r.bytes);
}
END_TEST

static void check_flipped(const damage_file *r, const char *path, size_t at, size_t k,
                          const char *what)
{
    (void)at; /* the chunk it falls in is what is checked */
    rc_trace *t;
    rc_error err;
    ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s: %s", what, err.msg);
    check_verified(t, r, k, true, what);
    rc_trace_close(t);
    if (rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err) == RC_OK) {
        check_no_garbage(t, what);
        rc_trace_close(t);
    }
}

START_TEST(test_rich_every_bit_flipped)
{
    damage_file r;
    load_rich(&r);
    damage_each_bit_flip(&r, rc_test_tmp_path("rich-flip"), 16, check_flipped);
    free(r.bytes);
}
END_TEST

static Suite *damage11_suite(void)
{
    Suite *s = suite_create("trace_damage11");
    TCase *tc = tcase_create("damage11");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_rich_truncated_at_every_offset);
    tcase_add_test(tc, test_rich_every_bit_flipped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(damage11_suite());
}
