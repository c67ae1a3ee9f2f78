/*
 * test_trace_damage.c - the reader's promises on broken files, checked
 * exhaustively on the fixture trace: truncated at every byte offset, and
 * with every single bit flipped. Each variant must open or fail cleanly;
 * when it opens, the damage must be reported at the start of the chunk that
 * holds the broken byte, no more samples or events may come back than were
 * written, and what does come back must equal what was written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/trace.h"
#include "test_trace_fixture.h"
#include "testutil.h"

typedef struct fixture_file {
    uint8_t *bytes;
    size_t len;
    size_t chunk_start[16]; /* offsets of the chunks, then len */
    size_t n_chunks;
    size_t samples_through[16]; /* samples in chunks [0, i) */
    size_t events_through[16];
} fixture_file;

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walks the fixture with the spec's rules (not the reader's code). */
static void load_fixture(fixture_file *f)
{
    const char *path = rc_test_tmp_path("damage-src");
    fix_write(path);
    f->bytes = (uint8_t *)rc_test_read_file(path, &f->len);
    ck_assert_ptr_nonnull(f->bytes);
    size_t off = 16, samples = 0, events = 0;
    f->n_chunks = 0;
    while (off < f->len) {
        ck_assert_uint_lt(f->n_chunks, 15);
        f->chunk_start[f->n_chunks] = off;
        f->samples_through[f->n_chunks] = samples;
        f->events_through[f->n_chunks] = events;
        const uint8_t *c = f->bytes + off;
        if (memcmp(c, "SAMP", 4) == 0)
            samples += get32(c + 12 + 16);
        if (memcmp(c, "EVNT", 4) == 0)
            events += get32(c + 12);
        off += 16 + get32(c + 8);
        f->n_chunks++;
    }
    ck_assert_uint_eq(off, f->len);
    f->chunk_start[f->n_chunks] = f->len;
    f->samples_through[f->n_chunks] = samples;
    f->events_through[f->n_chunks] = events;
    ck_assert_uint_eq(f->n_chunks, 9);
    ck_assert_uint_eq(samples, FIX_SAMPLES);
    ck_assert_uint_eq(events, FIX_EVENTS);
}

/* Index of the chunk holding byte offset (n_chunks when at the end). */
static size_t chunk_of(const fixture_file *f, size_t offset)
{
    size_t i = 0;
    while (i < f->n_chunks && f->chunk_start[i + 1] <= offset)
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

/* Checks an opened variant: exactly the samples and events of the first
 * `good` chunks, and they equal the written ones. */
static void check_prefix(rc_trace *t, const fixture_file *f, size_t good, const char *what)
{
    rc_sample got[FIX_SAMPLES + 1];
    fix_collect c = {got, 0, FIX_SAMPLES};
    rc_error err;
    ck_assert_int_eq(rc_trace_read_samples(t, INT64_MIN, INT64_MAX, fix_collect_fn, &c, &err),
                     RC_OK);
    ck_assert_msg(c.n == f->samples_through[good], "%s: %zu samples, want %zu", what, c.n,
                  f->samples_through[good]);
    ck_assert_uint_eq(rc_trace_get_stats(t)->samples, c.n);
    for (size_t i = 0; i < c.n; i++) {
        rc_sample want = fix_sample((int)i);
        ck_assert_msg(fix_same_sample(&got[i], &want), "%s: sample %zu differs", what, i);
    }
    size_t n_ev;
    const rc_event *ev = rc_trace_get_events(t, &n_ev);
    ck_assert_msg(n_ev == f->events_through[good], "%s: %zu events, want %zu", what, n_ev,
                  f->events_through[good]);
    for (size_t i = 0; i < n_ev; i++) {
        rc_event want = fix_event((int)i);
        ck_assert_msg(fix_same_event(&ev[i], &want), "%s: event %zu differs", what, i);
    }
    ck_assert_uint_eq(rc_trace_get_stats(t)->chunks, good);
    ck_assert_ptr_nonnull(rc_trace_get_profile(t));
    if (good >= 2)
        ck_assert_str_eq(rc_trace_get_profile(t)->marks[0].name, "cut");
    else
        ck_assert_uint_eq(rc_trace_get_profile(t)->n_segs, 0);
    ck_assert_str_eq(rc_trace_get_header(t)->backend, good >= 1 ? "sim" : "");
}

START_TEST(test_truncated_at_every_offset)
{
    fixture_file f;
    load_fixture(&f);
    const char *path = rc_test_tmp_path("trunc");
    write_variant(path, f.bytes, 0);
    for (size_t len = 0; len <= f.len; len++) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu", len);
        if (len)
            put_byte(path, len - 1, f.bytes[len - 1], true);
        rc_trace *t = NULL;
        rc_error err;
        rc_status st = rc_trace_open(path, &t, &err);
        if (len < 16) {
            ck_assert_msg(st == RC_ERR_FORMAT, "%s: status %d", what, st);
            ck_assert_ptr_null(t);
            continue;
        }
        ck_assert_msg(st == RC_OK, "%s: %s", what, err.msg);
        size_t k = chunk_of(&f, len);
        bool boundary = len == 16 || (k <= f.n_chunks && f.chunk_start[k] == len);
        const rc_trace_damage *d = rc_trace_get_damage(t);
        ck_assert_msg(d->damaged == !boundary, "%s: damaged %d", what, d->damaged);
        if (!boundary) {
            ck_assert_msg(d->offset == f.chunk_start[k], "%s: damage at %llu, want %zu", what,
                          (unsigned long long)d->offset, f.chunk_start[k]);
            ck_assert_ptr_nonnull(strstr(d->reason, "truncated chunk"));
            char present[48];
            snprintf(present, sizeof present, ": %zu of ", len - f.chunk_start[k]);
            ck_assert_msg(strstr(d->reason, present), "%s: reason %s", what, d->reason);
        }
        check_prefix(t, &f, k, what);
        ck_assert(rc_trace_get_stats(t)->complete == (len == f.len));
        ck_assert_uint_eq(rc_trace_get_stats(t)->file_bytes, len);
        rc_trace_close(t);
    }
    free(f.bytes);
}
END_TEST

START_TEST(test_every_bit_flipped)
{
    fixture_file f;
    load_fixture(&f);
    const char *path = rc_test_tmp_path("flip");
    write_variant(path, f.bytes, f.len);
    for (size_t at = 0; at < f.len; at++) {
        for (int bit = 0; bit < 8; bit++) {
            char what[64];
            snprintf(what, sizeof what, "bit %d of byte %zu flipped", bit, at);
            put_byte(path, at, f.bytes[at] ^ (uint8_t)(1u << bit), false);
            rc_trace *t = NULL;
            rc_error err;
            rc_status st = rc_trace_open(path, &t, &err);
            if (at < 16) {
                ck_assert_msg(st == RC_ERR_FORMAT, "%s: status %d", what, st);
                ck_assert_ptr_null(t);
                continue;
            }
            ck_assert_msg(st == RC_OK, "%s: %s", what, err.msg);
            size_t k = chunk_of(&f, at);
            const rc_trace_damage *d = rc_trace_get_damage(t);
            ck_assert_msg(d->damaged, "%s: not detected", what);
            ck_assert_msg(d->offset == f.chunk_start[k], "%s: damage at %llu, want %zu", what,
                          (unsigned long long)d->offset, f.chunk_start[k]);
            check_prefix(t, &f, k, what);
            ck_assert(!rc_trace_get_stats(t)->complete);
            rc_trace_close(t);
        }
        put_byte(path, at, f.bytes[at], false);
    }
    free(f.bytes);
}
END_TEST

static Suite *damage_suite(void)
{
    Suite *s = suite_create("trace_damage");
    TCase *tc = tcase_create("damage");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_truncated_at_every_offset);
    tcase_add_test(tc, test_every_bit_flipped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(damage_suite());
}
