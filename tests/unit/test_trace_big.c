/*
 * test_trace_big.c - ten million samples written and read back: memory
 * must stay flat on both sides. Held in memory, 10^7 rc_samples would take
 * 160 MB; the process's peak resident size may grow by far less than that
 * (the reader keeps a block index of about 2500 entries and one block).
 * Every sample is checked on the way back, so the test also proves the
 * stream is complete and in order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "railcut/trace.h"
#include "test_trace_fixture.h"
#include "testutil.h"

#define BIG_SAMPLES 10000000LL
#define PERIOD_US 100
#define MAX_GROWTH_KB (24L * 1024L)

static long peak_rss_kb(void)
{
    struct rusage ru;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
    return ru.ru_maxrss;
}

static rc_sample big_sample(int64_t i)
{
    rc_sample s = {i * PERIOD_US, (float)(i % 12001) / 1000.0f, (float)(i % 97) / 100.0f,
                   (uint8_t)((i >> 20) & 1), (uint8_t)(i % 4)};
    return s;
}

typedef struct checker {
    int64_t next;
    size_t max_batch;
} checker;

static int check_fn(void *ctx, const rc_sample *s, size_t n)
{
    checker *c = ctx;
    if (n > c->max_batch)
        c->max_batch = n;
    for (size_t i = 0; i < n; i++) {
        rc_sample want = big_sample(c->next);
        if (!fix_same_sample(&s[i], &want))
            ck_abort_msg("sample %lld differs", (long long)c->next);
        c->next++;
    }
    return 0;
}

START_TEST(test_ten_million_samples_flat_memory)
{
    const char *path = rc_test_tmp_path("big");
    long before = peak_rss_kb();
    rc_trace_header h;
    fix_header(&h);
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, NULL, &w, &err), RC_OK);
    rc_sample batch[1000];
    for (int64_t i = 0; i < BIG_SAMPLES; i += 1000) {
        for (int j = 0; j < 1000; j++)
            batch[j] = big_sample(i + j);
        ck_assert_int_eq(rc_trace_write_samples(w, batch, 1000, &err), RC_OK);
        if (i % 2500000 == 0) {
            rc_event ev;
            rc_event_init(&ev, i * PERIOD_US, RC_EV_NOTE, 0, "quarter");
            ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
        }
    }
    ck_assert_int_eq(rc_trace_writer_close(w, BIG_SAMPLES * PERIOD_US, &err), RC_OK);
    ck_assert_int_lt(peak_rss_kb() - before, MAX_GROWTH_KB);

    rc_trace *t;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert_uint_eq(st->samples, (uint64_t)BIG_SAMPLES);
    ck_assert_uint_eq(st->events, 4);
    ck_assert_int_eq(st->last_us, (BIG_SAMPLES - 1) * PERIOD_US);
    checker c = {0, 0};
    ck_assert_int_eq(rc_trace_read_samples(t, INT64_MIN, INT64_MAX, check_fn, &c, &err), RC_OK);
    ck_assert_int_eq(c.next, BIG_SAMPLES);
    ck_assert_uint_le(c.max_batch, 4096);
    /* A window in the middle reads only what it asks for. */
    c.next = 5000000;
    ck_assert_int_eq(rc_trace_read_samples(t, 5000000LL * PERIOD_US, 5000100LL * PERIOD_US,
                                           check_fn, &c, &err),
                     RC_OK);
    ck_assert_int_eq(c.next, 5000100);
    rc_trace_close(t);
    ck_assert_int_lt(peak_rss_kb() - before, MAX_GROWTH_KB);
    unlink(path);
}
END_TEST

static Suite *big_suite(void)
{
    Suite *s = suite_create("trace_big");
    TCase *tc = tcase_create("big");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_ten_million_samples_flat_memory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(big_suite());
}
