/*
 * test_rig.c - the driver registry, pace parsing, the sim backend and the
 * run loop, with profiles built by hand.
 *
 * Rail figures (defaults, docs/ch-model.md): from 0 V the rail reaches 9 V
 * 4252 us after a restore; the CH is ready 20 s after that.
 */
#include <stdlib.h>
#include <string.h>

#include "railcut/rig.h"
#include "rig/rig_internal.h"
#include "testutil.h"

#define S 1000000LL
#define RISE_US 4252

typedef struct capture {
    rc_event *ev;
    size_t n, cap;
    rc_sample *s;
    size_t ns, scap;
    int progress_calls;
    int fail_on_event; /* > 0: the nth event fails with RC_ERR_IO */
} capture;

static rc_status cap_event(void *ctx, const rc_event *ev, rc_error *err)
{
    capture *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->ev = realloc(c->ev, c->cap * sizeof *c->ev);
    }
    c->ev[c->n++] = *ev;
    if (c->fail_on_event && (int)c->n == c->fail_on_event)
        return rc_error_set(err, RC_ERR_IO, "disk full");
    return RC_OK;
}

static rc_status cap_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    (void)err;
    capture *c = ctx;
    if (c->ns + n > c->scap) {
        c->scap = (c->ns + n) * 2;
        c->s = realloc(c->s, c->scap * sizeof *c->s);
    }
    memcpy(c->s + c->ns, s, n * sizeof *s);
    c->ns += n;
    return RC_OK;
}

static void cap_free(capture *c)
{
    free(c->ev);
    free(c->s);
}

static rc_sink sink_for(capture *c)
{
    rc_sink sink = {c, cap_samples, cap_event};
    return sink;
}

static rc_segment seg(rc_seg_kind kind, int64_t dur, int32_t from, int32_t to, bool on)
{
    rc_segment s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.duration_us = dur;
    s.from_mv = from;
    s.to_mv = to;
    s.rail_on = on;
    return s;
}

static rc_profile *profile_of(const rc_segment *segs, size_t n)
{
    rc_profile *p = rc_profile_new();
    ck_assert_ptr_nonnull(p);
    p->segs = malloc(n * sizeof *segs);
    memcpy(p->segs, segs, n * sizeof *segs);
    p->n_segs = n;
    int64_t start = 0;
    for (size_t i = 0; i < n; i++) {
        p->segs[i].start_us = start;
        start += segs[i].duration_us;
    }
    p->nominal_us = start;
    return p;
}

static void add_mark(rc_profile *p, const char *name, size_t segment)
{
    p->marks = realloc(p->marks, (p->n_marks + 1) * sizeof *p->marks);
    p->marks[p->n_marks].name = strdup(name);
    p->marks[p->n_marks].segment = segment;
    p->n_marks++;
}

static void on_progress(void *ctx, const rc_run_progress *p)
{
    capture *c = ctx;
    ck_assert_int_le(p->now_us, p->nominal_us);
    c->progress_calls++;
}

static rc_status run_sim(const rc_profile *p, const rc_rig_config *cfg, capture *c,
                         rc_run_result *res, volatile sig_atomic_t *stop)
{
    rc_run_options opt = {RC_PACE_MAX, 1.0, stop, on_progress, c};
    rc_sink sink = sink_for(c);
    rc_error err;
    return rc_run(rc_driver_find("sim"), cfg, p, &opt, &sink, res, &err);
}

static int64_t at(const capture *c, rc_event_kind kind, int nth)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].kind == kind && nth-- == 0)
            return c->ev[i].t_us;
    return -1;
}

static size_t index_of(const capture *c, rc_event_kind kind, int nth)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].kind == kind && nth-- == 0)
            return i;
    ck_abort_msg("no event %s", rc_event_kind_name(kind));
    return 0;
}

START_TEST(test_registry)
{
    size_t n = 0;
    const rc_driver *const *list = rc_driver_list(&n);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(list[0]->name, "sim");
    ck_assert_ptr_eq(rc_driver_find("sim"), list[0]);
    ck_assert_ptr_null(rc_driver_find("nope"));
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(list[i]->description);
        ck_assert_ptr_nonnull(list[i]->poll);
    }
}
END_TEST

START_TEST(test_pace_parse)
{
    rc_pace pace;
    double f;
    rc_error err;
    ck_assert_int_eq(rc_pace_parse("max", &pace, &f, &err), RC_OK);
    ck_assert_int_eq(pace, RC_PACE_MAX);
    ck_assert_int_eq(rc_pace_parse("realtime", &pace, &f, &err), RC_OK);
    ck_assert_int_eq(pace, RC_PACE_REALTIME);
    ck_assert_double_eq(f, 1.0);
    ck_assert_int_eq(rc_pace_parse("10", &pace, &f, &err), RC_OK);
    ck_assert_int_eq(pace, RC_PACE_REALTIME);
    ck_assert_double_eq(f, 10.0);
    ck_assert_int_eq(rc_pace_parse("0.5x", &pace, &f, &err), RC_OK);
    ck_assert_double_eq(f, 0.5);
    ck_assert_int_eq(rc_pace_parse("0", &pace, &f, &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_pace_parse("-2", &pace, &f, &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_pace_parse("fast", &pace, &f, &err), RC_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "fast"));
    ck_assert_int_eq(rc_pace_parse("", &pace, &f, &err), RC_ERR_PARSE);
    ck_assert_int_eq(rc_pace_parse("inf", &pace, &f, &err), RC_ERR_PARSE);
}
END_TEST

START_TEST(test_config_default)
{
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    ck_assert_uint_eq(cfg.sample_rate_hz, RC_DEFAULT_SAMPLE_RATE_HZ);
    ck_assert_int_eq(cfg.outage_below_mv, RC_DEFAULT_OUTAGE_BELOW_MV);
    ck_assert_int_eq(cfg.restore_above_mv, RC_DEFAULT_RESTORE_ABOVE_MV);
    ck_assert_int_eq(cfg.ch.uvlo_off_mv, cfg.outage_below_mv);
    ck_assert_int_eq(cfg.ch.uvlo_on_mv, cfg.restore_above_mv);
    ck_assert_int_eq(cfg.supply.rail_uf, 470);
}
END_TEST

START_TEST(test_segments_samples_run_end)
{
    const rc_segment segs[] = {seg(RC_SEG_HOLD, 1 * S, 12000, 12000, true),
                               seg(RC_SEG_OBSERVE, 500000, 12000, 12000, true)};
    rc_profile *p = profile_of(segs, 2);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_OK);
    ck_assert_int_eq(res.end, RC_RUN_COMPLETE);
    ck_assert_int_eq(res.end_us, 1500000);
    const struct {
        int64_t t;
        rc_event_kind kind;
        int32_t value;
    } want[] = {{0, RC_EV_SEGMENT, 0},
                {0, RC_EV_RAIL_RESTORE, 0},
                {RISE_US, RC_EV_RAIL_RISE, 9000},
                {RISE_US, RC_EV_CH_BOOT, 0},
                {S, RC_EV_SEGMENT, 1},
                {S, RC_EV_OBSERVE, 0},
                {1500000, RC_EV_RUN_END, 0}};
    ck_assert_uint_eq(c.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < c.n; i++) {
        ck_assert_int_eq(c.ev[i].t_us, want[i].t);
        ck_assert_int_eq(c.ev[i].kind, want[i].kind);
        ck_assert_int_eq(c.ev[i].value, want[i].value);
    }
    /* 1 kS/s: t = 0, 1 ms, ..., 1.5 s */
    ck_assert_uint_eq(c.ns, 1501);
    for (size_t i = 0; i < c.ns; i++)
        ck_assert_int_eq(c.s[i].t_us, (int64_t)i * 1000);
    ck_assert_float_eq(c.s[0].rail_v, 0.0f);
    ck_assert_float_eq_tol(c.s[1].rail_v, 2.117021f, 1e-5f);
    ck_assert_float_eq(c.s[10].rail_v, 12.0f);
    ck_assert_int_eq(c.s[10].ch_state, RC_CH_BOOTING);
    ck_assert_int_ge(c.progress_calls, 2);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_sample_rate_grid)
{
    const rc_segment segs[] = {seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, false)};
    rc_profile *p = profile_of(segs, 1);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.sample_rate_hz = 3;
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_OK);
    ck_assert_uint_eq(c.ns, 4);
    ck_assert_int_eq(c.s[1].t_us, 333333);
    ck_assert_int_eq(c.s[2].t_us, 666666);
    ck_assert_int_eq(c.s[3].t_us, 1000000);
    cap_free(&c);
    cfg.sample_rate_hz = 0;
    c = (capture){0};
    rc_error err;
    rc_run_options opt = {RC_PACE_MAX, 1.0, NULL, NULL, NULL};
    rc_sink sink = sink_for(&c);
    ck_assert_int_eq(rc_run(rc_driver_find("sim"), &cfg, p, &opt, &sink, &res, &err),
                     RC_ERR_ARG);
    ck_assert_int_eq(res.end, RC_RUN_DEVICE_ERROR);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.ev[0].kind, RC_EV_RUN_END);
    ck_assert_int_eq(c.ev[0].value, 2);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_wait_done_and_timeout)
{
    rc_segment segs[] = {seg(RC_SEG_HOLD, 1000, 12000, 12000, true),
                         seg(RC_SEG_WAIT, 60 * S, 12000, 12000, true),
                         seg(RC_SEG_HOLD, 1 * S, 12000, 12000, false),
                         seg(RC_SEG_WAIT, 10 * S, 12000, 12000, false),
                         seg(RC_SEG_WAIT, 5 * S, 12000, 12000, false),
                         seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, false)};
    segs[1].wait_on = RC_WAIT_READY;
    segs[3].wait_on = RC_WAIT_AD1;  /* times out */
    segs[4].wait_on = RC_WAIT_DOWN; /* already down: ends at once */
    rc_profile *p = profile_of(segs, 6);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_OK);
    int64_t ready = RISE_US + 20 * S;
    ck_assert_int_eq(at(&c, RC_EV_CH_READY, 0), ready);
    ck_assert_int_eq(at(&c, RC_EV_WAIT_DONE, 0), ready);
    size_t done = index_of(&c, RC_EV_WAIT_DONE, 0);
    ck_assert_int_eq(c.ev[done].value, 1);
    ck_assert_int_eq(c.ev[done - 1].kind, RC_EV_CH_READY);
    ck_assert_int_eq(c.ev[done + 1].kind, RC_EV_SEGMENT);
    ck_assert_int_eq(c.ev[done + 1].value, 2);
    ck_assert_int_eq(c.ev[done + 1].t_us, ready);
    ck_assert_int_eq(c.ev[done + 2].kind, RC_EV_RAIL_CUT);
    ck_assert_int_eq(at(&c, RC_EV_WAIT_TIMEOUT, 0), ready + 11 * S);
    ck_assert_int_eq(at(&c, RC_EV_WAIT_DONE, 1), ready + 11 * S);
    ck_assert_int_eq(at(&c, RC_EV_OBSERVE, 0), ready + 11 * S);
    ck_assert_int_eq(res.end_us, ready + 12 * S);
    ck_assert_int_eq(c.ev[c.n - 1].kind, RC_EV_RUN_END);
    ck_assert_int_eq(c.ev[c.n - 1].t_us, ready + 12 * S);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_wait_ad1_ends_early)
{
    rc_segment segs[] = {seg(RC_SEG_HOLD, 60 * S, 12000, 12000, true),
                         seg(RC_SEG_WAIT, 300 * S, 12000, 12000, false),
                         seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, true)};
    segs[1].wait_on = RC_WAIT_AD1;
    rc_profile *p = profile_of(segs, 3);
    add_mark(p, "cut", 1);
    add_mark(p, "back", 2);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_OK);
    int64_t lost = at(&c, RC_EV_CH_POWER_LOST, 0);
    ck_assert_int_eq(lost, 60 * S + 12534);
    int64_t ad1 = lost + 182 * S + 1;
    ck_assert_int_eq(at(&c, RC_EV_AD1, 0), ad1);
    ck_assert_int_eq(at(&c, RC_EV_WAIT_DONE, 0), ad1);
    ck_assert_int_eq(at(&c, RC_EV_RAIL_RESTORE, 1), ad1);
    ck_assert_int_eq(res.end_us, ad1 + 1 * S);
    /* marks follow their segment's event, with the mark's index and name */
    size_t s1 = index_of(&c, RC_EV_SEGMENT, 1);
    ck_assert_int_eq(c.ev[s1 + 1].kind, RC_EV_MARK);
    ck_assert_str_eq(c.ev[s1 + 1].text, "cut");
    ck_assert_int_eq(c.ev[s1 + 1].value, 0);
    ck_assert_int_eq(c.ev[s1 + 1].t_us, 60 * S);
    size_t s2 = index_of(&c, RC_EV_SEGMENT, 2);
    ck_assert_int_eq(c.ev[s2 + 1].kind, RC_EV_MARK);
    ck_assert_str_eq(c.ev[s2 + 1].text, "back");
    ck_assert_int_eq(c.ev[s2 + 1].t_us, ad1);
    /* events and samples each in time order */
    for (size_t i = 1; i < c.n; i++)
        ck_assert_int_le(c.ev[i - 1].t_us, c.ev[i].t_us);
    for (size_t i = 1; i < c.ns; i++)
        ck_assert_int_eq(c.s[i].t_us, (int64_t)i * 1000);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_wait_ready_after_ride_through)
{
    /* 1 s cut of a ready CH with full storage: it rides through, so a wait
     * for ready at the restore ends at once */
    rc_segment segs[] = {seg(RC_SEG_HOLD, 60 * S, 12000, 12000, true),
                         seg(RC_SEG_HOLD, 1 * S, 12000, 12000, false),
                         seg(RC_SEG_WAIT, 60 * S, 12000, 12000, true),
                         seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, true)};
    segs[2].wait_on = RC_WAIT_READY;
    rc_profile *p = profile_of(segs, 4);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_OK);
    ck_assert_int_eq(at(&c, RC_EV_CH_DOWN, 0), -1);
    ck_assert_int_eq(at(&c, RC_EV_WAIT_DONE, 0), 61 * S);
    ck_assert_int_eq(res.end_us, 62 * S);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_ramp_exact)
{
    const rc_segment segs[] = {seg(RC_SEG_HOLD, 1 * S, 12000, 12000, true),
                               seg(RC_SEG_RAMP, 1 * S, 12000, 0, true),
                               seg(RC_SEG_RAMP, 1 * S, 0, 12000, true),
                               seg(RC_SEG_OBSERVE, 100000, 12000, 12000, true)};
    rc_profile *p = profile_of(segs, 4);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_OK);
    /* the gateware's ramp: slope trunc(-12000 * 2^24 / 1e6) = -201326, setpoint
     * the integer part of 12000 + k * slope / 2^24, below 8000 mV from
     * k = 333335; the output follows one microsecond later */
    ck_assert_int_eq(at(&c, RC_EV_RAIL_FALL, 0), 1 * S + 333336);
    /* sample in the middle of the first ramp, one us late: k = 499999 gives
     * 12000 - 5999.97 = 6000.03, so 6000 mV */
    ck_assert_float_eq_tol(c.s[1500].rail_v, 6.000f, 1e-4f);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

/* The same profile with the sim stepping every microsecond. */
static void run_exact(const rc_profile *p, const rc_rig_config *cfg, capture *c)
{
    rc_device *dev;
    rc_error err;
    const rc_driver *drv = rc_driver_find("sim");
    ck_assert_int_eq(drv->open(cfg, &dev, &err), RC_OK);
    rc_sim_set_exact_stepping(dev, true);
    ck_assert_int_eq(drv->load(dev, p, &err), RC_OK);
    ck_assert_int_eq(drv->start(dev, &err), RC_OK);
    rc_sink sink = sink_for(c);
    rc_poll_result pr = {0, false};
    while (!pr.done)
        ck_assert_int_eq(drv->poll(dev, pr.now_us + 250000, &sink, &pr, &err), RC_OK);
    ck_assert_int_eq(drv->stop(dev, &err), RC_OK);
    drv->close(dev);
}

START_TEST(test_fast_equals_brute)
{
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.sample_rate_hz = 10000;
    cfg.ch.boot_us = 300000;
    cfg.ch.outage_qualify_us = 1 * S;
    cfg.ch.holdup_us = 100000;
    cfg.ch.recharge_us = 400000;
    cfg.ch.ad1_latency_us = 20000;
    cfg.ch.restored_latency_us = 10000;
    rc_segment segs[] = {seg(RC_SEG_WAIT, 2 * S, 12000, 12000, true),
                         seg(RC_SEG_RAMP, 300000, 12000, 7000, true),
                         seg(RC_SEG_RAMP, 7777, 7000, 11500, true),
                         seg(RC_SEG_HOLD, 500000, 11500, 11500, true),
                         seg(RC_SEG_HOLD, 1100000, 12000, 12000, false),
                         seg(RC_SEG_WAIT, 2 * S, 12000, 12000, true),
                         seg(RC_SEG_HOLD, 50000, 12000, 12000, false),
                         seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, true)};
    segs[0].wait_on = RC_WAIT_READY;
    segs[5].wait_on = RC_WAIT_RESTORED;
    rc_profile *p = profile_of(segs, 8);
    capture fast = {0}, brute = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &fast, &res, NULL), RC_OK);
    run_exact(p, &cfg, &brute);
    ck_assert_int_gt(at(&fast, RC_EV_AD1, 0), 0);
    ck_assert_int_gt(at(&fast, RC_EV_RESTORED, 0), 0);
    ck_assert_uint_eq(fast.n, brute.n + 1); /* + run_end */
    for (size_t i = 0; i < brute.n; i++) {
        ck_assert_int_eq(fast.ev[i].t_us, brute.ev[i].t_us);
        ck_assert_int_eq(fast.ev[i].kind, brute.ev[i].kind);
        ck_assert_int_eq(fast.ev[i].value, brute.ev[i].value);
    }
    ck_assert_uint_eq(fast.ns, brute.ns);
    ck_assert_mem_eq(fast.s, brute.s, fast.ns * sizeof *fast.s);
    cap_free(&fast);
    cap_free(&brute);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_stop_requested)
{
    const rc_segment segs[] = {seg(RC_SEG_HOLD, 10 * S, 12000, 12000, true),
                               seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, true)};
    rc_profile *p = profile_of(segs, 2);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    volatile sig_atomic_t stop = 1;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, &stop), RC_ERR_INTERRUPTED);
    ck_assert_int_eq(res.end, RC_RUN_STOPPED);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.ev[0].kind, RC_EV_RUN_END);
    ck_assert_int_eq(c.ev[0].value, 1);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_sink_error_ends_run)
{
    const rc_segment segs[] = {seg(RC_SEG_HOLD, 10 * S, 12000, 12000, true),
                               seg(RC_SEG_OBSERVE, 1 * S, 12000, 12000, true)};
    rc_profile *p = profile_of(segs, 2);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    c.fail_on_event = 2;
    rc_run_result res;
    rc_run_options opt = {RC_PACE_MAX, 1.0, NULL, NULL, NULL};
    rc_sink sink = sink_for(&c);
    rc_error err;
    ck_assert_int_eq(rc_run(rc_driver_find("sim"), &cfg, p, &opt, &sink, &res, &err),
                     RC_ERR_IO);
    ck_assert_str_eq(err.msg, "disk full");
    ck_assert_int_eq(res.end, RC_RUN_DEVICE_ERROR);
    ck_assert_int_eq(c.ev[c.n - 1].kind, RC_EV_RUN_END);
    ck_assert_int_eq(c.ev[c.n - 1].value, 2);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_realtime_pace)
{
    /* 20 ms of profile at 100x: about 0.2 ms of wall time, paced */
    const rc_segment segs[] = {seg(RC_SEG_OBSERVE, 20000, 12000, 12000, true)};
    rc_profile *p = profile_of(segs, 1);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    capture c = {0};
    rc_run_result res;
    rc_run_options opt = {RC_PACE_REALTIME, 100.0, NULL, NULL, NULL};
    rc_sink sink = sink_for(&c);
    rc_error err;
    ck_assert_int_eq(rc_run(rc_driver_find("sim"), &cfg, p, &opt, &sink, &res, &err), RC_OK);
    ck_assert_int_eq(res.end, RC_RUN_COMPLETE);
    ck_assert_int_eq(res.end_us, 20000);
    ck_assert_uint_eq(c.ns, 21);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_load_errors)
{
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    rc_profile *p = rc_profile_new();
    capture c = {0};
    rc_run_result res;
    ck_assert_int_eq(run_sim(p, &cfg, &c, &res, NULL), RC_ERR_ARG);
    ck_assert_int_eq(res.end, RC_RUN_DEVICE_ERROR);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.ev[0].kind, RC_EV_RUN_END);
    ck_assert_int_eq(c.ev[0].value, 2);
    cap_free(&c);
    rc_profile_free(p);
}
END_TEST

START_TEST(test_sim_call_order)
{
    const rc_segment segs[] = {seg(RC_SEG_OBSERVE, 1000, 12000, 12000, true)};
    rc_profile *p = profile_of(segs, 1);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    const rc_driver *drv = rc_driver_find("sim");
    rc_device *dev;
    rc_error err;
    capture c = {0};
    rc_sink sink = sink_for(&c);
    rc_poll_result pr;
    ck_assert_int_eq(drv->open(&cfg, &dev, &err), RC_OK);
    ck_assert_int_eq(drv->start(dev, &err), RC_ERR_ARG);
    ck_assert_int_eq(drv->poll(dev, 1000, &sink, &pr, &err), RC_ERR_ARG);
    ck_assert_int_eq(drv->load(dev, p, &err), RC_OK);
    ck_assert_int_eq(drv->start(dev, &err), RC_OK);
    ck_assert_int_eq(drv->start(dev, &err), RC_ERR_ARG);
    ck_assert_int_eq(drv->load(dev, p, &err), RC_ERR_ARG);
    ck_assert_int_eq(drv->poll(dev, 400, &sink, &pr, &err), RC_OK);
    ck_assert_int_eq(pr.now_us, 400);
    ck_assert(!pr.done);
    ck_assert_int_eq(drv->poll(dev, 5000, &sink, &pr, &err), RC_OK);
    ck_assert_int_eq(pr.now_us, 1000);
    ck_assert(pr.done);
    ck_assert_int_eq(drv->stop(dev, &err), RC_OK);
    ck_assert_int_eq(drv->poll(dev, 6000, &sink, &pr, &err), RC_ERR_ARG);
    drv->close(dev);
    cap_free(&c);
    p->segs[0].duration_us = -1;
    ck_assert_int_eq(drv->open(&cfg, &dev, &err), RC_OK);
    ck_assert_int_eq(drv->load(dev, p, &err), RC_ERR_ARG);
    drv->close(dev);
    rc_profile_free(p);
}
END_TEST

static Suite *rig_suite(void)
{
    Suite *s = suite_create("rig");
    TCase *tc = tcase_create("rig");
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_pace_parse);
    tcase_add_test(tc, test_config_default);
    tcase_add_test(tc, test_segments_samples_run_end);
    tcase_add_test(tc, test_sample_rate_grid);
    tcase_add_test(tc, test_wait_done_and_timeout);
    tcase_add_test(tc, test_wait_ad1_ends_early);
    tcase_add_test(tc, test_wait_ready_after_ride_through);
    tcase_add_test(tc, test_ramp_exact);
    tcase_add_test(tc, test_fast_equals_brute);
    tcase_add_test(tc, test_stop_requested);
    tcase_add_test(tc, test_sink_error_ends_run);
    tcase_add_test(tc, test_realtime_pace);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_sim_call_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(rig_suite());
}
