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

typedef struct rich_file {
    uint8_t *bytes;
    size_t len;
    size_t start[32]; /* chunk offsets, then len */
    size_t n;
    size_t samples_through[32];
    size_t events_through[32]; /* recorded and annotated */
} rich_file;

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
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

static void load_rich(rich_file *r)
{
    const char *path = rc_test_tmp_path("rich");
    write_rich(path);
    r->bytes = (uint8_t *)rc_test_read_file(path, &r->len);
    ck_assert_ptr_nonnull(r->bytes);
    size_t off = 16, samples = 0, events = 0;
    bool seen[8] = {false};
    const char *types[] = {"SCAL", "SUMM", "TIME", "LOST", "INDX", "END ", "ANNO", "SAMP"};
    r->n = 0;
    while (off < r->len) {
        ck_assert_uint_lt(r->n, 31);
        r->start[r->n] = off;
        r->samples_through[r->n] = samples;
        r->events_through[r->n] = events;
        const uint8_t *c = r->bytes + off;
        for (int i = 0; i < 8; i++)
            seen[i] |= memcmp(c, types[i], 4) == 0;
        if (memcmp(c, "SAMP", 4) == 0)
            samples += get32(c + 12 + 16);
        if (memcmp(c, "EVNT", 4) == 0)
            events += get32(c + 12);
        if (memcmp(c, "ANNO", 4) == 0)
            events += get32(c + 12 + 1 + c[12]);
        off += 16 + get32(c + 8);
        r->n++;
    }
    ck_assert_uint_eq(off, r->len);
    r->start[r->n] = r->len;
    r->samples_through[r->n] = samples;
    r->events_through[r->n] = events;
    for (int i = 0; i < 8; i++)
        ck_assert_msg(seen[i], "no %s chunk in the rich trace", types[i]);
    ck_assert_uint_eq(samples, RICH_SAMPLES);
}

static size_t chunk_of(const rich_file *r, size_t offset)
{
    size_t i = 0;
    while (i < r->n && r->start[i + 1] <= offset)
        i++;
    return i;
}

/* Variants are made in place, never by truncating a file: truncation is
 * slow on some file systems, and there are thousands of variants. */
static void write_variant(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

static void put_byte(const char *path, size_t at, uint8_t v, bool append)
{
    FILE *fp = fopen(path, append ? "ab" : "r+b");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fseek(fp, append ? 0 : (long)at, append ? SEEK_END : SEEK_SET), 0);
    ck_assert_int_eq(fputc(v, fp), v);
    fclose(fp);
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

static void check_verified(rc_trace *t, const rich_file *r, size_t k, bool damaged,
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

START_TEST(test_rich_truncated_at_every_offset)
{
    rich_file r;
    load_rich(&r);
    const char *path = rc_test_tmp_path("rich-trunc");
    write_variant(path, r.bytes, 16);
    for (size_t len = 16; len <= r.len; len++) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu", len);
        if (len > 16)
            put_byte(path, len - 1, r.bytes[len - 1], true);
        rc_trace *t;
        rc_error err;
        ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s: %s", what, err.msg);
        size_t k = chunk_of(&r, len);
        bool boundary = len == 16 || r.start[k] == len;
        check_verified(t, &r, k, !boundary, what);
        rc_trace_close(t);
        ck_assert_msg(rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err) == RC_OK, "%s: %s",
                      what, err.msg);
        /* A cut chunk is pending for a fast open, never damage. */
        ck_assert_msg(!rc_trace_get_damage(t)->damaged, "%s: fast open damaged", what);
        ck_assert_uint_eq(rc_trace_get_stats(t)->samples, r.samples_through[k]);
        check_no_garbage(t, what);
        rc_trace_close(t);
    }
    free(r.bytes);
}
END_TEST

START_TEST(test_rich_every_bit_flipped)
{
    rich_file r;
    load_rich(&r);
    const char *path = rc_test_tmp_path("rich-flip");
    write_variant(path, r.bytes, r.len);
    for (size_t at = 16; at < r.len; at++) {
        for (int bit = 0; bit < 8; bit++) {
            char what[64];
            snprintf(what, sizeof what, "bit %d of byte %zu flipped", bit, at);
            put_byte(path, at, r.bytes[at] ^ (uint8_t)(1u << bit), false);
            rc_trace *t;
            rc_error err;
            ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s: %s", what, err.msg);
            check_verified(t, &r, chunk_of(&r, at), true, what);
            rc_trace_close(t);
            if (rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, &err) == RC_OK) {
                check_no_garbage(t, what);
                rc_trace_close(t);
            }
        }
        put_byte(path, at, r.bytes[at], false);
    }
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
