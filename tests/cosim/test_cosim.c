/*
 * test_cosim.c - the cosim backend at the link level: corrupted and dropped
 * bytes both ways (counted, resynchronised, noted in the trace), heartbeat
 * loss (the watchdog's safe state shows in the events), the build-time DAC
 * clamp refusing a command, and skipping idle ticks giving exactly what
 * clocking every tick gives.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cosim/cosim_hw.h"
#include "cosim/cosim_internal.h"
#include "railcut/link.h"
#include "railcut/rig.h"
#include "rig/rig_internal.h"

#define MAX_EVENTS 256
#define MAX_SAMPLES 4096

/* ---- a run with its events and samples kept ---- */

typedef struct capture {
    rc_event ev[MAX_EVENTS];
    size_t n_ev;
    rc_sample s[MAX_SAMPLES];
    size_t n_s;
    rc_status st;
    rc_run_result res;
    rc_link_status status;
    rc_link_stats f2h;
    uint64_t cycles, skipped;
} capture;

static rc_status on_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    (void)err;
    capture *c = ctx;
    for (size_t i = 0; i < n && c->n_s < MAX_SAMPLES; i++)
        c->s[c->n_s++] = s[i];
    return RC_OK;
}

static rc_status on_event(void *ctx, const rc_event *ev, rc_error *err)
{
    (void)err;
    capture *c = ctx;
    ck_assert_uint_lt(c->n_ev, MAX_EVENTS);
    c->ev[c->n_ev++] = *ev;
    return RC_OK;
}

/* The driver with faults set after open and the link state kept at stop. */
static rc_cosim_faults run_faults;
static bool run_skipping;
static capture *run_capture;

static rc_status open_hooked(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    rc_status st = rc_driver_cosim.open(cfg, out, err);
    if (st == RC_OK) {
        rc_cosim_set_faults(*out, &run_faults);
        rc_cosim_set_skipping(*out, run_skipping);
    }
    return st;
}

static rc_status stop_hooked(rc_device *dev, rc_error *err)
{
    rc_cosim_link_state(dev, &run_capture->status, &run_capture->f2h);
    run_capture->cycles = rc_cosim_cycles(dev);
    run_capture->skipped = rc_cosim_skipped_ticks(dev);
    return rc_driver_cosim.stop(dev, err);
}

static void run_on(const rc_driver *base, const char *text, uint32_t rate_hz,
                   const rc_cosim_faults *faults, bool skipping, capture *c)
{
    memset(c, 0, sizeof *c);
    rc_error err;
    rc_profile_options po = RC_PROFILE_OPTIONS_INIT;
    po.observe_us = 0;
    rc_profile *p;
    ck_assert_msg(rc_profile_parse("t.rail", text, strlen(text), &po, &p, &err) == RC_OK, "%s",
                  err.msg);
    rc_driver drv = *base;
    if (base == &rc_driver_cosim) {
        drv.open = open_hooked;
        drv.stop = stop_hooked;
    }
    run_faults = *faults;
    run_skipping = skipping;
    run_capture = c;
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.sample_rate_hz = rate_hz;
    rc_run_options opt = {.pace = RC_PACE_MAX};
    rc_sink sink = {.ctx = c, .on_samples = on_samples, .on_event = on_event};
    c->st = rc_run(&drv, &cfg, p, &opt, &sink, &c->res, &err);
    rc_profile_free(p);
}

static void run_text(const char *text, uint32_t rate_hz, const rc_cosim_faults *faults,
                     bool skipping, capture *c)
{
    run_on(&rc_driver_cosim, text, rate_hz, faults, skipping, c);
}

static const rc_event *find(const capture *c, rc_event_kind kind, size_t nth)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == kind && nth-- == 0)
            return &c->ev[i];
    return NULL;
}

static int cmp_event(const void *pa, const void *pb)
{
    const rc_event *x = pa, *y = pb;
    if (x->t_us != y->t_us)
        return x->t_us < y->t_us ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return (x->value > y->value) - (x->value < y->value);
}

/* The events other than notes, by time (the order within one microsecond
 * is the order the backend learnt of them, not part of the comparison). */
static size_t sorted_events(const capture *c, rc_event *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind != RC_EV_NOTE)
            out[n++] = c->ev[i];
    qsort(out, n, sizeof *out, cmp_event);
    return n;
}

static void assert_same_events(const capture *a, const capture *b)
{
    static rc_event x[MAX_EVENTS], y[MAX_EVENTS];
    size_t nx = sorted_events(a, x), ny = sorted_events(b, y);
    for (size_t i = 0; i < nx && i < ny; i++) {
        ck_assert_int_eq(x[i].t_us, y[i].t_us);
        ck_assert_int_eq(x[i].kind, y[i].kind);
        ck_assert_int_eq(x[i].value, y[i].value);
    }
    ck_assert_uint_eq(nx, ny);
}

/* Rail on for 1.2 s, a cut of 0.6 s: heartbeats at 0.25 s steps of device
 * time, a falling and a rising rail edge. */
static const char *const SHORT =
    "level 12V\nrestore\nhold 1200ms\ncut\nhold 600ms\nrestore\nhold 300ms\n";

static capture clean, faulty;

START_TEST(clean_run_edges)
{
    static capture sim;
    rc_cosim_faults none = RC_COSIM_FAULTS_NONE;
    run_on(&rc_driver_sim, SHORT, 1000, &none, true, &sim);
    run_text(SHORT, 1000, &none, true, &clean);
    ck_assert_int_eq(clean.st, RC_OK);
    ck_assert_int_eq(clean.res.end, RC_RUN_COMPLETE);
    ck_assert_int_eq(clean.res.end_us, 2100000);
    /* No waits, so every event of the sim at the same microsecond: the
     * 4.252 ms rise from 0 V, the fall to 8 V 7.521 ms after the cut of a
     * CH still booting, and the 3.450 ms rise from the 0.6 s decay. */
    ck_assert_int_eq(find(&clean, RC_EV_RAIL_RISE, 0)->t_us, 4252);
    ck_assert_int_eq(find(&clean, RC_EV_RAIL_FALL, 0)->t_us, 1200000 + 7521);
    ck_assert_int_eq(find(&clean, RC_EV_RAIL_RISE, 1)->t_us, 1800000 + 3450);
    assert_same_events(&sim, &clean);
    ck_assert_int_eq(clean.status.crc_errors, 0);
    ck_assert_int_eq(clean.status.rx_dropped, 0);
    ck_assert_int_eq(clean.f2h.crc_errors, 0);
    ck_assert_uint_eq(clean.f2h.frames_lost, 0);
    ck_assert_ptr_null(find(&clean, RC_EV_NOTE, 0));
    /* One sample per 1 ms block from t = 0 to the end. */
    ck_assert_uint_ge(clean.n_s, 2099);
    ck_assert_uint_le(clean.n_s, 2101);
}
END_TEST

START_TEST(corrupted_heartbeat_is_counted)
{
    rc_cosim_faults f = RC_COSIM_FAULTS_NONE;
    f.corrupt_heartbeat_us = 400000;
    run_text(SHORT, 1000, &f, true, &faulty);
    rc_cosim_faults none = RC_COSIM_FAULTS_NONE;
    run_text(SHORT, 1000, &none, true, &clean);
    ck_assert_int_eq(faulty.st, RC_OK);
    ck_assert_int_eq(faulty.status.crc_errors, 1);
    ck_assert_int_eq(faulty.status.rx_dropped, 0);
    assert_same_events(&clean, &faulty);
}
END_TEST

START_TEST(dropped_heartbeat_byte_is_counted)
{
    rc_cosim_faults f = RC_COSIM_FAULTS_NONE;
    f.drop_heartbeat_us = 400000;
    run_text(SHORT, 1000, &f, true, &faulty);
    rc_cosim_faults none = RC_COSIM_FAULTS_NONE;
    run_text(SHORT, 1000, &none, true, &clean);
    ck_assert_int_eq(faulty.st, RC_OK);
    /* Without its SEQ the frame's LEN is the CRC's high byte: the gateware
     * drops the candidate (too long, or cut off by the byte time-out) or
     * rejects its CRC; either way one frame is lost and counted. */
    ck_assert_int_eq(faulty.status.crc_errors + faulty.status.rx_dropped, 1);
    assert_same_events(&clean, &faulty);
}
END_TEST

START_TEST(corrupted_samples_frame_is_noted)
{
    rc_cosim_faults f = RC_COSIM_FAULTS_NONE;
    f.corrupt_samples_us = 500000;
    run_text(SHORT, 1000, &f, true, &faulty);
    rc_cosim_faults none = RC_COSIM_FAULTS_NONE;
    run_text(SHORT, 1000, &none, true, &clean);
    ck_assert_int_eq(faulty.st, RC_OK);
    ck_assert_uint_eq(faulty.f2h.crc_errors, 1);
    ck_assert_uint_eq(faulty.f2h.frames_lost, 1);
    ck_assert_uint_eq(faulty.f2h.resyncs, 1);
    /* The frame's seven 1 ms blocks are gone, nothing else. */
    ck_assert_uint_eq(faulty.n_s + 7, clean.n_s);
    const rc_event *note = find(&faulty, RC_EV_NOTE, 0);
    ck_assert_ptr_nonnull(note);
    ck_assert_msg(strncmp(note->text, "link: 1 crc, ", 13) == 0, "%s", note->text);
    ck_assert(strstr(note->text, ", 1 lost") != NULL);
    ck_assert_int_ge(note->t_us, 500000);
    assert_same_events(&clean, &faulty);
}
END_TEST

START_TEST(heartbeat_loss_trips_the_watchdog)
{
    rc_cosim_faults f = RC_COSIM_FAULTS_NONE;
    f.silence_us = 300000;
    run_text("level 12V\nrestore\nhold 5s\n", 1000, &f, true, &faulty);
    ck_assert_int_eq(faulty.st, RC_ERR_DEVICE);
    ck_assert_int_eq(faulty.res.end, RC_RUN_DEVICE_ERROR);
    const rc_event *trip = NULL;
    for (size_t i = 0; i < faulty.n_ev; i++)
        if (faulty.ev[i].kind == RC_EV_NOTE && strstr(faulty.ev[i].text, "watchdog"))
            trip = &faulty.ev[i];
    ck_assert_ptr_nonnull(trip);
    /* The last host frame is the heartbeat at 0.25 s of device time; the
     * watchdog (1000 ms) trips a second later, and the safe state (rail
     * off) shows as the rail's fall, 7.521 ms after the cut for this CH
     * still booting (as in clean_run_edges), plus the tick the output
     * guard takes. */
    ck_assert_int_gt(trip->t_us, 1000000);
    ck_assert_int_lt(trip->t_us, 1300000);
    const rc_event *fall = find(&faulty, RC_EV_RAIL_FALL, 0);
    ck_assert_ptr_nonnull(fall);
    ck_assert_int_ge(fall->t_us - trip->t_us, 7521);
    ck_assert_int_le(fall->t_us - trip->t_us, 7523);
    ck_assert_uint_eq(faulty.status.state, RC_LINK_STATE_TRIPPED);
    ck_assert_uint_eq(faulty.status.trips & RC_LINK_TRIP_WATCHDOG, RC_LINK_TRIP_WATCHDOG);
    ck_assert_uint_eq(faulty.status.io & RC_LINK_PIN_RAIL_EN, 0);
}
END_TEST

static rc_link_msg command(rc_device *dev, const rc_link_msg *m)
{
    rc_link_msg a;
    rc_error err;
    ck_assert_msg(rc_cosim_command(dev, m, &a, &err) == RC_OK, "%s", err.msg);
    return a;
}

START_TEST(clamp_refuses_over_voltage)
{
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    rc_device *dev;
    rc_error err;
    ck_assert_msg(rc_driver_cosim.open(&cfg, &dev, &err) == RC_OK, "%s", err.msg);
    rc_link_msg m = {.type = RC_LINK_IDENTIFY};
    rc_link_msg a = command(dev, &m);
    ck_assert_int_eq(a.type, RC_LINK_IDENTIFY_REPLY);
    ck_assert_uint_eq(a.u.identify.max_dac_code, RC_COSIM_HW_MAX_DAC_CODE);
    ck_assert_uint_eq(a.u.identify.board_id, 0);
    /* 15.001 V held: one code over the clamp. */
    m = (rc_link_msg){.type = RC_LINK_SEGMENT};
    m.u.seg = (rc_link_seg){.seg_id = 0, .duration_ticks = 1000,
                            .start_code = RC_COSIM_HW_MAX_DAC_CODE + 1,
                            .end_code = RC_COSIM_HW_MAX_DAC_CODE + 1, .pins = 1};
    a = command(dev, &m);
    ck_assert_int_eq(a.type, RC_LINK_NAK);
    ck_assert_uint_eq(a.u.nak.reason, RC_LINK_NAK_CLAMP);
    ck_assert_uint_eq(a.u.nak.offset, 10);
    /* A ramp ending over the clamp names end_code. */
    m.u.seg.start_code = 12000;
    a = command(dev, &m);
    ck_assert_uint_eq(a.u.nak.reason, RC_LINK_NAK_CLAMP);
    ck_assert_uint_eq(a.u.nak.offset, 12);
    /* Immediate outputs: 20 V refused, the DAC keeps its code. */
    m = (rc_link_msg){.type = RC_LINK_PINS};
    m.u.pins = (rc_link_pins){.dac_code = 20000, .pins = RC_LINK_PIN_RAIL_EN};
    a = command(dev, &m);
    ck_assert_int_eq(a.type, RC_LINK_NAK);
    ck_assert_uint_eq(a.u.nak.reason, RC_LINK_NAK_CLAMP);
    ck_assert_uint_eq(a.u.nak.offset, 0);
    m = (rc_link_msg){.type = RC_LINK_HEARTBEAT};
    rc_link_msg status = command(dev, &m);
    ck_assert_int_eq(status.type, RC_LINK_STATUS);
    ck_assert_uint_eq(status.u.status.dac_code, 0);
    ck_assert_uint_eq(status.u.status.io & RC_LINK_PIN_RAIL_EN, 0);
    /* At the clamp itself it is accepted. */
    m = (rc_link_msg){.type = RC_LINK_PINS};
    m.u.pins = (rc_link_pins){.dac_code = RC_COSIM_HW_MAX_DAC_CODE, .pins = 0};
    a = command(dev, &m);
    ck_assert_int_eq(a.type, RC_LINK_ACK);
    rc_driver_cosim.close(dev);
}
END_TEST

START_TEST(profile_over_the_clamp_is_refused_by_the_host)
{
    capture *c = &faulty;
    rc_cosim_faults none = RC_COSIM_FAULTS_NONE;
    memset(c, 0, sizeof *c);
    rc_error err;
    rc_profile_options po = RC_PROFILE_OPTIONS_INIT;
    rc_profile *p;
    const char *text = "level 15.001V\nrestore\nhold 1s\n";
    ck_assert(rc_profile_parse("t.rail", text, strlen(text), &po, &p, &err) == RC_OK);
    run_faults = none;
    run_skipping = true;
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    rc_run_options opt = {.pace = RC_PACE_MAX};
    rc_sink sink = {.ctx = c, .on_samples = on_samples, .on_event = on_event};
    rc_status st = rc_run(&rc_driver_cosim, &cfg, p, &opt, &sink, &c->res, &err);
    rc_profile_free(p);
    ck_assert_int_eq(st, RC_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(err.msg, "segment 0") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(thresholds_off_the_adc_grid_are_refused)
{
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.outage_below_mv = 8001;
    rc_device *dev;
    rc_error err;
    ck_assert_int_eq(rc_driver_cosim.open(&cfg, &dev, &err), RC_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(err.msg, "8001 mV") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(skipping_changes_nothing)
{
    static capture stepped;
    rc_cosim_faults none = RC_COSIM_FAULTS_NONE;
    const char *text = "level 12V\nrestore\nhold 150ms\nramp to 6V over 200ms\ncut\nhold 60ms\n"
                       "level 12V\nrestore\nhold 50ms\n";
    run_text(text, 1000, &none, false, &stepped);
    run_text(text, 1000, &none, true, &clean);
    ck_assert_int_eq(stepped.st, RC_OK);
    ck_assert_int_eq(clean.st, RC_OK);
    ck_assert_uint_eq(stepped.skipped, 0);
    ck_assert_uint_gt(clean.skipped, 200000);
    ck_assert_uint_lt(clean.cycles * 4, stepped.cycles);
    assert_same_events(&stepped, &clean);
    ck_assert_uint_eq(stepped.n_s, clean.n_s);
    for (size_t i = 0; i < clean.n_s; i++) {
        ck_assert_int_eq(stepped.s[i].t_us, clean.s[i].t_us);
        ck_assert_float_eq(stepped.s[i].rail_v, clean.s[i].rail_v);
        ck_assert_float_eq(stepped.s[i].rail_a, clean.s[i].rail_a);
    }
    ck_assert_int_eq(stepped.status.crc_errors, clean.status.crc_errors);
    ck_assert_uint_eq(stepped.status.dac_code, clean.status.dac_code);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cosim");
    TCase *tc = tcase_create("link");
    tcase_add_test(tc, clean_run_edges);
    tcase_add_test(tc, corrupted_heartbeat_is_counted);
    tcase_add_test(tc, dropped_heartbeat_byte_is_counted);
    tcase_add_test(tc, corrupted_samples_frame_is_noted);
    tcase_add_test(tc, heartbeat_loss_trips_the_watchdog);
    tcase_add_test(tc, clamp_refuses_over_voltage);
    tcase_add_test(tc, profile_over_the_clamp_is_refused_by_the_host);
    tcase_add_test(tc, thresholds_off_the_adc_grid_are_refused);
    tcase_add_test(tc, skipping_changes_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
