/*
 * test_trace_fixture.h - the small trace shared by the trace tests: the
 * example of docs/trace-format.md (its hexdump), the input of the
 * truncation and bit-flip tests, and the seed of the fuzz corpus.
 *
 * Content: a header, a two-segment profile with one mark, one expectation
 * and one parameter, six samples at 1 ms in two blocks (a flush after the
 * third), three events in two blocks, and an END chunk at 6 ms.
 */
#ifndef RC_TEST_TRACE_FIXTURE_H
#define RC_TEST_TRACE_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/trace.h"
#include "testutil.h"

#define FIX_SAMPLES 6
#define FIX_EVENTS 3
#define FIX_END_US 6000

static inline void fix_header(rc_trace_header *h)
{
    static const rc_kv kv[] = {{"uvlo_off", "8V"}};
    memset(h, 0, sizeof *h);
    h->start_unix_us = 1700000000123456LL;
    h->railcut_version = "0.1.0";
    h->backend = "sim";
    h->scenario = "ota";
    h->profile_path = "a.rail";
    h->sample_rate_hz = 1000;
    h->outage_below_mv = 8000;
    h->restore_above_mv = 9000;
    h->model_params = kv;
    h->n_model_params = 1;
}

static inline char *fix_strdup(const char *s)
{
    char *d = strdup(s);
    ck_assert_ptr_nonnull(d);
    return d;
}

static inline rc_profile *fix_profile(void)
{
    rc_profile *p = rc_profile_new();
    ck_assert_ptr_nonnull(p);
    p->scenario = RC_SCENARIO_OTA;
    p->nominal_mv = 12000;
    p->observe_us = 3000;
    p->nominal_us = 6000;
    p->n_segs = 2;
    p->segs = calloc(2, sizeof *p->segs);
    p->segs[0] =
        (rc_segment){RC_SEG_HOLD, 0, 3000, 12000, 12000, true, false, RC_WAIT_NONE, 0, 1};
    p->segs[1] = (rc_segment){RC_SEG_OBSERVE, 3000,  3000,         12000, 12000,
                              false,          false, RC_WAIT_NONE, 0,     2};
    p->n_marks = 1;
    p->marks = calloc(1, sizeof *p->marks);
    p->marks[0] = (rc_mark){fix_strdup("cut"), 1};
    p->n_expects = 1;
    p->expects = calloc(1, sizeof *p->expects);
    p->expects[0] =
        (rc_expect){RC_EXPECT_NO_AD1, -1, 0, 0, 0, fix_strdup("expect no ad1"), 0, 3};
    p->n_params = 1;
    p->params = calloc(1, sizeof *p->params);
    p->params[0] = (rc_param){fix_strdup("on"), fix_strdup("3ms"), false};
    p->n_files = 1;
    p->files = calloc(1, sizeof *p->files);
    p->files[0] = fix_strdup("a.rail");
    p->source = fix_strdup("hold 3ms\n");
    return p;
}

static inline rc_sample fix_sample(int i)
{
    rc_sample s = {(int64_t)i * 1000, i < 3 ? 12.0f : 0.5f, 0.125f * (float)i, 0,
                   (uint8_t)(i < 3 ? RC_CH_READY : RC_CH_HOLDUP)};
    return s;
}

static inline rc_event fix_event(int i)
{
    rc_event ev;
    if (i == 0)
        rc_event_init(&ev, 0, RC_EV_SEGMENT, 0, NULL);
    else if (i == 1)
        rc_event_init(&ev, 3000, RC_EV_AD1, 0, "ch-model");
    else
        rc_event_init(&ev, FIX_END_US, RC_EV_RUN_END, 0, NULL);
    return ev;
}

/* Writes the fixture trace to path. */
static inline void fix_write(const char *path)
{
    rc_trace_header h;
    fix_header(&h);
    rc_profile *p = fix_profile();
    rc_trace_writer *w = NULL;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p, &w, &err), RC_OK);
    rc_profile_free(p);
    for (int i = 0; i < FIX_SAMPLES; i++) {
        rc_sample s = fix_sample(i);
        ck_assert_int_eq(rc_trace_write_samples(w, &s, 1, &err), RC_OK);
        if (i == 0) {
            rc_event ev = fix_event(0);
            ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
        }
        if (i == 2)
            ck_assert_int_eq(rc_trace_writer_flush(w, &err), RC_OK);
    }
    for (int i = 1; i < FIX_EVENTS; i++) {
        rc_event ev = fix_event(i);
        ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    }
    ck_assert_int_eq(rc_trace_writer_close(w, FIX_END_US, &err), RC_OK);
}

static inline int fix_same_sample(const rc_sample *a, const rc_sample *b)
{
    return a->t_us == b->t_us && memcmp(&a->rail_v, &b->rail_v, sizeof a->rail_v) == 0 &&
           memcmp(&a->rail_a, &b->rail_a, sizeof a->rail_a) == 0 && a->ac_lost == b->ac_lost &&
           a->ch_state == b->ch_state;
}

static inline int fix_same_event(const rc_event *a, const rc_event *b)
{
    return a->t_us == b->t_us && a->kind == b->kind && a->value == b->value &&
           strcmp(a->text, b->text) == 0;
}

/* Collects every sample into a caller-sized array. */
typedef struct fix_collect {
    rc_sample *s;
    size_t n, cap;
} fix_collect;

static inline int fix_collect_fn(void *ctx, const rc_sample *s, size_t n)
{
    fix_collect *c = ctx;
    ck_assert_uint_le(c->n + n, c->cap);
    memcpy(c->s + c->n, s, n * sizeof *s);
    c->n += n;
    return 0;
}

#endif
