/*
 * test_interop_fixture.h - the traces the interop tests export, import,
 * replay and compare, built sample by sample so every expected value is
 * known exactly.
 *
 * The "cut" trace, 1 kHz, 4000 samples (t = 0 .. 3.999 s):
 *   rail_v   12 V before 1 s, 0 V from 1 s to 3 s, 12 V from 3 s
 *   rail_a   0.05 A while the rail is up, 0 while it is down
 *   ac_lost  1 from 1.5 s to 2 s
 *   ch_state ready (2) while up, holdup (3) from 1 s to 1.2 s, off (0) after
 *   events   rail_rise at 0 (the analyzer counts a fall only after the rail
 *            was seen up), mark "activation" at 0.9 s, rail_fall at 1 s,
 *            ad1 at 2.5 s, rail_rise at 3 s
 * A variant moves the cut's end, the AD1 and the rail level, and shifts
 * every time, so that diff has something to find.
 */
#ifndef RC_TEST_INTEROP_FIXTURE_H
#define RC_TEST_INTEROP_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/interop.h"
#include "railcut/trace.h"
#include "testutil.h"

#define CUT_SAMPLES 4000

typedef struct cut_variant {
    int64_t shift_us; /* added to every time */
    int64_t rise_us;  /* end of the cut (3 s) */
    int64_t ad1_us;   /* 2.5 s; -1 = no AD1 */
    float high_v;     /* 12 V */
    uint32_t rate_hz; /* header rate: 1000 */
} cut_variant;

static inline cut_variant cut_default(void)
{
    return (cut_variant){0, 3000000, 2500000, 12.0f, 1000};
}

static inline rc_sample cut_sample(const cut_variant *v, int64_t t)
{
    bool down = t >= 1000000 && t < v->rise_us;
    rc_sample s = {
        .t_us = t + v->shift_us,
        .rail_v = down ? 0.0f : v->high_v,
        .rail_a = down ? 0.0f : 0.05f,
        .ac_lost = t >= 1500000 && t < 2000000,
        .ch_state = !down         ? RC_CH_READY
                    : t < 1200000 ? RC_CH_HOLDUP
                                  : RC_CH_OFF,
    };
    return s;
}

static inline void cut_event(rc_trace_writer *w, int64_t t, rc_event_kind kind, int32_t value,
                             const char *text)
{
    rc_event ev;
    rc_event_init(&ev, t, kind, value, text);
    ck_assert_int_eq(rc_trace_write_event(w, &ev, NULL), RC_OK);
}

static inline const char *cut_trace_variant(const char *name, const cut_variant *v)
{
    const char *path = rc_test_tmp_path(name);
    rc_trace_header h = {.start_unix_us = 1700000000000000LL,
                         .railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "ota",
                         .profile_path = "cut.rail",
                         .sample_rate_hz = v->rate_hz,
                         .outage_below_mv = 8000,
                         .restore_above_mv = 9000};
    rc_profile *p = rc_profile_new();
    rc_trace_writer *w;
    rc_error err;
    ck_assert_msg(rc_trace_writer_open(path, &h, p, &w, &err) == RC_OK, "%s", err.msg);
    rc_profile_free(p);
    rc_sample batch[500];
    size_t n = 0;
    for (int64_t i = 0; i < CUT_SAMPLES; i++) {
        batch[n++] = cut_sample(v, i * 1000);
        if (n == 500) {
            ck_assert_int_eq(rc_trace_write_samples(w, batch, n, &err), RC_OK);
            n = 0;
        }
    }
    cut_event(w, v->shift_us, RC_EV_RAIL_RISE, 9000, NULL);
    cut_event(w, 900000 + v->shift_us, RC_EV_MARK, 0, "activation");
    cut_event(w, 1000000 + v->shift_us, RC_EV_RAIL_FALL, 8000, NULL);
    if (v->ad1_us >= 0 && v->ad1_us < v->rise_us) {
        cut_event(w, v->ad1_us + v->shift_us, RC_EV_AD1, 0, "ch-model");
        cut_event(w, v->rise_us + v->shift_us, RC_EV_RAIL_RISE, 9000, NULL);
    } else {
        cut_event(w, v->rise_us + v->shift_us, RC_EV_RAIL_RISE, 9000, NULL);
        if (v->ad1_us >= 0)
            cut_event(w, v->ad1_us + v->shift_us, RC_EV_AD1, 0, "ch-model");
    }
    ck_assert_int_eq(rc_trace_writer_close(w, 3999000 + v->shift_us, &err), RC_OK);
    return path;
}

static inline const char *cut_trace(const char *name)
{
    cut_variant v = cut_default();
    return cut_trace_variant(name, &v);
}

static inline rc_trace *open_trace(const char *path)
{
    rc_trace *t;
    rc_error err;
    ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s", err.msg);
    return t;
}

/* Collects every sample of a trace (small traces only). */
typedef struct sample_list {
    rc_sample *s;
    size_t n, cap;
} sample_list;

static inline int collect_samples(void *ctx, const rc_sample *s, size_t n)
{
    sample_list *l = ctx;
    if (l->n + n > l->cap) {
        l->cap = (l->n + n) * 2;
        l->s = realloc(l->s, l->cap * sizeof *l->s);
        ck_assert_ptr_nonnull(l->s);
    }
    memcpy(l->s + l->n, s, n * sizeof *s);
    l->n += n;
    return 0;
}

static inline sample_list read_all(const char *path)
{
    rc_trace *t = open_trace(path);
    sample_list l = {0};
    ck_assert_int_eq(rc_trace_read_samples(t, INT64_MIN, INT64_MAX, collect_samples, &l, NULL),
                     RC_OK);
    rc_trace_close(t);
    return l;
}

#endif
