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
#include "test_trace_damage_util.h"
#include "test_trace_fixture.h"
#include "testutil.h"

/* The fixture trace and its chunk layout. */
static void load_fixture(damage_file *f)
{
    const char *path = rc_test_tmp_path("damage-src");
    fix_write(path);
    damage_load(f, path);
    ck_assert_uint_eq(f->n, 9);
    ck_assert_uint_eq(f->samples_through[f->n], FIX_SAMPLES);
    ck_assert_uint_eq(f->events_through[f->n], FIX_EVENTS);
}

/* Checks an opened variant: exactly the samples and events of the first
 * `good` chunks, and they equal the written ones. */
static void check_prefix(rc_trace *t, const damage_file *f, size_t good, const char *what)
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

static void check_truncated(const damage_file *f, const char *path, size_t len, size_t k,
                            bool boundary, const char *what)
{
    rc_trace *t = NULL;
    rc_error err;
    rc_status st = rc_trace_open(path, &t, &err);
    if (len < 16) {
        ck_assert_msg(st == RC_ERR_FORMAT, "%s: status %d", what, st);
        ck_assert_ptr_null(t);
        return;
    }
    ck_assert_msg(st == RC_OK, "%s: %s", what, err.msg);
    const rc_trace_damage *d = rc_trace_get_damage(t);
    ck_assert_msg(d->damaged == !boundary, "%s: damaged %d", what, d->damaged);
    if (!boundary) {
        ck_assert_msg(d->offset == f->start[k], "%s: damage at %llu, want %zu", what,
                      (unsigned long long)d->offset, f->start[k]);
        ck_assert_ptr_nonnull(strstr(d->reason, "truncated chunk"));
        char present[48];
        snprintf(present, sizeof present, ": %zu of ", len - f->start[k]);
        ck_assert_msg(strstr(d->reason, present), "%s: reason %s", what, d->reason);
    }
    check_prefix(t, f, k, what);
    ck_assert(rc_trace_get_stats(t)->complete == (len == f->len));
    ck_assert_uint_eq(rc_trace_get_stats(t)->file_bytes, len);
    rc_trace_close(t);
}

START_TEST(test_truncated_at_every_offset)
{
    damage_file f;
    load_fixture(&f);
    damage_each_truncation(&f, rc_test_tmp_path("trunc"), 0, check_truncated);
    free(f.bytes);
}
END_TEST

static void check_flipped(const damage_file *f, const char *path, size_t at, size_t k,
                          const char *what)
{
    rc_trace *t = NULL;
    rc_error err;
    rc_status st = rc_trace_open(path, &t, &err);
    if (at < 16) {
        ck_assert_msg(st == RC_ERR_FORMAT, "%s: status %d", what, st);
        ck_assert_ptr_null(t);
        return;
    }
    ck_assert_msg(st == RC_OK, "%s: %s", what, err.msg);
    const rc_trace_damage *d = rc_trace_get_damage(t);
    ck_assert_msg(d->damaged, "%s: not detected", what);
    ck_assert_msg(d->offset == f->start[k], "%s: damage at %llu, want %zu", what,
                  (unsigned long long)d->offset, f->start[k]);
    check_prefix(t, f, k, what);
    ck_assert(!rc_trace_get_stats(t)->complete);
    rc_trace_close(t);
}

START_TEST(test_every_bit_flipped)
{
    damage_file f;
    load_fixture(&f);
    damage_each_bit_flip(&f, rc_test_tmp_path("flip"), 0, check_flipped);
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
