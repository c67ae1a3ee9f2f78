/*
 * test_gwsession.c - the link session the ftdi and cosim backends share,
 * over a fake transport: the host's frames are decoded and kept, and a
 * scripted gateware answers them (or not) and sends frames of its own,
 * handed to the session one step (one tick) later. Checked: repeated
 * frames dropped and noted, CRC-bad frames counted, RUN_END awaiting its
 * trailing samples, NAKs as errors with the field offset, retries of an
 * unanswered command, the FIFO credit, segment reporting, the reorder
 * horizon and device faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwsession/gwsession.h"
#include "testutil.h"

#define MAX_SENT 64
#define MAX_EVENTS 64
#define FIFO_DEPTH 2
#define TIMEOUT_US 500

/* ---- the fake gateware ---- */

typedef struct fake {
    rc_gws s;
    uint64_t tick;
    /* what the host sent */
    rc_link_decoder h2f;
    rc_link_msg sent[MAX_SENT];
    uint8_t sent_seq[MAX_SENT];
    size_t n_sent;
    /* what the gateware will send at the next step */
    uint8_t out[4096];
    size_t n_out;
    uint8_t dev_seq;
    bool silent;          /* answers nothing */
    bool nak_segments;    /* SEGMENT refused: clamp, offset 10 */
    uint16_t fifo_used;   /* entries the fake FIFO holds */
    int unanswered_tries; /* what the unanswered op was told, 0 = not called */
    /* what the sink got */
    rc_event ev[MAX_EVENTS];
    size_t n_ev;
    rc_sample samples[64];
    size_t n_samples;
} fake;

/* Queues a gateware frame; seq is the fake's own count. */
static void device_send_seq(fake *f, const rc_link_msg *m, uint8_t seq)
{
    size_t n;
    rc_error err;
    ck_assert_msg(rc_link_msg_encode(m, seq, f->out + f->n_out, sizeof f->out - f->n_out, &n,
                                     &err) == RC_OK,
                  "%s", err.msg);
    f->n_out += n;
}

static void device_send(fake *f, const rc_link_msg *m)
{
    device_send_seq(f, m, f->dev_seq++);
}

static void answer(fake *f, const rc_link_msg *m, uint8_t seq)
{
    rc_link_msg a = {.type = RC_LINK_ACK};
    a.u.ack = (rc_link_ack){.type = (uint8_t)m->type, .seq = seq};
    if (m->type == RC_LINK_IDENTIFY) {
        a = (rc_link_msg){.type = RC_LINK_IDENTIFY_REPLY};
        a.u.identify = (rc_link_identify){.proto_major = RC_LINK_PROTO_MAJOR,
                                          .clock_hz = 12000000u,
                                          .tick_hz = 1000000u,
                                          .max_dac_code = 15000,
                                          .fifo_depth = FIFO_DEPTH,
                                          .min_block_ticks = 1};
    } else if (m->type == RC_LINK_HEARTBEAT) {
        a = (rc_link_msg){.type = RC_LINK_STATUS};
        a.u.status = (rc_link_status){.tick = f->tick, .last_rx_seq = seq};
    } else if (m->type == RC_LINK_SEGMENT && f->nak_segments) {
        a = (rc_link_msg){.type = RC_LINK_NAK};
        a.u.nak = (rc_link_nak){
            .type = RC_LINK_SEGMENT, .seq = seq, .reason = RC_LINK_NAK_CLAMP, .offset = 10};
    } else if (m->type == RC_LINK_SEGMENT) {
        f->fifo_used++;
        a.u.ack.info = (uint16_t)(FIFO_DEPTH - f->fifo_used);
    }
    device_send(f, &a);
}

static rc_status fake_write(void *ctx, const uint8_t *frame, size_t n, rc_error *err)
{
    (void)err;
    fake *f = ctx;
    size_t used = 0;
    for (;;) {
        rc_link_frame fr;
        bool got;
        used += rc_link_decoder_feed(&f->h2f, frame + used, n - used, &fr, &got);
        if (!got)
            break;
        ck_assert_uint_lt(f->n_sent, MAX_SENT);
        rc_link_msg *m = &f->sent[f->n_sent];
        ck_assert_int_eq(rc_link_msg_from_frame(&fr, m, NULL), RC_OK);
        f->sent_seq[f->n_sent++] = fr.seq;
        if (!f->silent)
            answer(f, m, fr.seq);
    }
    ck_assert_uint_eq(used, n);
    return RC_OK;
}

/* One tick: what the gateware queued reaches the host. */
static rc_status fake_step(void *ctx, rc_error *err)
{
    (void)err;
    fake *f = ctx;
    f->tick++;
    size_t n = f->n_out;
    f->n_out = 0;
    rc_gws_receive(&f->s, f->out, n);
    return RC_OK;
}

static uint64_t fake_now(void *ctx)
{
    return ((fake *)ctx)->tick;
}

static int64_t fake_clock(void *ctx)
{
    return (int64_t)((fake *)ctx)->tick;
}

static rc_status fake_unanswered(void *ctx, rc_link_type type, int tries, rc_error *err)
{
    fake *f = ctx;
    f->unanswered_tries = tries;
    return rc_error_set(err, RC_ERR_DEVICE, "no answer to %s", rc_link_type_name(type));
}

static rc_status sink_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    (void)err;
    fake *f = ctx;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(f->n_samples, 64);
        f->samples[f->n_samples++] = s[i];
    }
    return RC_OK;
}

static rc_status sink_event(void *ctx, const rc_event *ev, rc_error *err)
{
    (void)err;
    fake *f = ctx;
    ck_assert_uint_lt(f->n_ev, MAX_EVENTS);
    f->ev[f->n_ev++] = *ev;
    return RC_OK;
}

static fake *fake_new(void)
{
    fake *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    rc_link_decoder_init(&f->h2f);
    f->tick = 100;
    const rc_gws_ops ops = {
        .ctx = f,
        .name = "fake",
        .write = fake_write,
        .step = fake_step,
        .now_tick = fake_now,
        .clock_us = fake_clock,
        .answer_timeout_us = TIMEOUT_US,
        .unanswered = fake_unanswered,
    };
    const rc_gws_config cfg = {
        .sample_rate_hz = 1000,
        .outage_below_mv = 8000,
        .restore_above_mv = 9000,
        .alert_pin = true,
        .adc_v = {.gain = 4, .offset = 0},
        .adc_a = {.gain = 0.5, .offset = 10},
    };
    rc_gws_init(&f->s, &ops, &cfg);
    f->s.id.fifo_depth = FIFO_DEPTH;
    return f;
}

static void fake_free(fake *f)
{
    rc_gws_free(&f->s);
    free(f);
}

static void deliver(fake *f, bool report_fault, rc_status want)
{
    rc_sink sink = {.ctx = f, .on_samples = sink_samples, .on_event = sink_event};
    rc_error err = {{0}};
    rc_status st = rc_gws_deliver(&f->s, RC_OK, &sink, report_fault, &err);
    ck_assert_msg(st == want, "deliver: %d, %s", st, err.msg);
}

/* hold 0 us (rail on), hold 1 ms, cut for 2 ms, restore for 1 ms. */
static const rc_segment segs[] = {
    {.kind = RC_SEG_HOLD, .duration_us = 0, .from_mv = 12000, .to_mv = 12000, .rail_on = true},
    {.kind = RC_SEG_HOLD,
     .duration_us = 1000,
     .from_mv = 12000,
     .to_mv = 12000,
     .rail_on = true},
    {.kind = RC_SEG_HOLD, .duration_us = 2000, .from_mv = 12000, .to_mv = 12000},
    {.kind = RC_SEG_HOLD,
     .duration_us = 1000,
     .from_mv = 12000,
     .to_mv = 12000,
     .rail_on = true},
};

static const rc_link_dac_cal cal = {
    .offset_mv = 0, .nv_per_code = 1000000, .max_code = 15000, .tick_hz = 1000000};

static void load_and_start(fake *f)
{
    rc_profile p = {.segs = (rc_segment *)segs, .n_segs = 4};
    rc_error err;
    ck_assert_msg(rc_gws_load(&f->s, &p, &cal, &err) == RC_OK, "%s", err.msg);
    ck_assert_msg(rc_gws_start(&f->s, &err) == RC_OK, "%s", err.msg);
}

/* EVENTS frames, RC_LINK_MAX_EVENTS records at most each. */
static void device_events(fake *f, const rc_link_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i += RC_LINK_MAX_EVENTS) {
        rc_link_msg m = {.type = RC_LINK_EVENTS};
        m.u.events.n = (uint8_t)(n - i < RC_LINK_MAX_EVENTS ? n - i : RC_LINK_MAX_EVENTS);
        memcpy(m.u.events.ev, ev + i, m.u.events.n * sizeof *ev);
        device_send(f, &m);
    }
}

static void step(fake *f)
{
    ck_assert_int_eq(fake_step(f, NULL), RC_OK);
}

static const rc_event *find(const fake *f, rc_event_kind kind, size_t nth)
{
    for (size_t i = 0; i < f->n_ev; i++)
        if (f->ev[i].kind == kind && nth-- == 0)
            return &f->ev[i];
    return NULL;
}

/* ---- tests ---- */

START_TEST(load_fills_the_fifo_and_start_arms)
{
    fake *f = fake_new();
    load_and_start(f);
    /* Three entries (the zero-length segment has none), two fit. */
    ck_assert_uint_eq(f->s.n_entries, 3);
    ck_assert_uint_eq(f->n_sent, 4);
    ck_assert_int_eq(f->sent[0].type, RC_LINK_SEGMENT);
    ck_assert_uint_eq(f->sent[0].u.seg.seg_id, 1);
    ck_assert_uint_eq(f->sent[0].u.seg.duration_ticks, 1000);
    ck_assert_uint_eq(f->sent[0].u.seg.start_code, 12000);
    ck_assert_uint_eq(f->sent[1].u.seg.seg_id, 2);
    ck_assert_int_eq(f->sent[2].type, RC_LINK_ARM);
    ck_assert_int_eq(f->sent[3].type, RC_LINK_START);
    ck_assert_uint_eq(f->sent_seq[3], 3);
    ck_assert_uint_eq(f->s.next_entry, 2);
    ck_assert_uint_eq(f->s.fifo_free, 0);
    /* No credit: top-up waits; a STATUS with one entry used gives one. */
    rc_error err;
    ck_assert_int_eq(rc_gws_top_up(&f->s, &err), RC_OK);
    ck_assert_uint_eq(f->n_sent, 4);
    f->fifo_used = 1;
    rc_link_msg st = {.type = RC_LINK_STATUS};
    st.u.status = (rc_link_status){.tick = 150, .fifo_level = 1};
    device_send(f, &st);
    step(f);
    ck_assert_uint_eq(f->s.fifo_free, 1);
    ck_assert_uint_eq(f->s.device_tick, 150);
    ck_assert_int_eq(rc_gws_top_up(&f->s, &err), RC_OK);
    ck_assert_uint_eq(f->n_sent, 5);
    ck_assert_uint_eq(f->sent[4].u.seg.seg_id, 3);
    ck_assert_uint_eq(f->sent[4].u.seg.pins & RC_LINK_SEG_LAST, RC_LINK_SEG_LAST);
    ck_assert(f->s.seg_in_flight);
    step(f); /* its ACK */
    ck_assert(!f->s.seg_in_flight);
    ck_assert_uint_eq(f->s.next_entry, 3);
    ck_assert_uint_eq(f->s.fifo_free, 0);
    /* Every entry sent: nothing more, even with credit. */
    f->s.fifo_free = 2;
    ck_assert_int_eq(rc_gws_top_up(&f->s, &err), RC_OK);
    ck_assert_uint_eq(f->n_sent, 5);
    fake_free(f);
}
END_TEST

START_TEST(load_twice_after_start_is_refused)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_profile p = {.segs = (rc_segment *)segs, .n_segs = 4};
    rc_error err;
    ck_assert_int_eq(rc_gws_load(&f->s, &p, &cal, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "fake: load after start");
    ck_assert_int_eq(rc_gws_start(&f->s, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "fake: started twice");
    fake_free(f);
}
END_TEST

START_TEST(profile_without_time_is_refused)
{
    fake *f = fake_new();
    rc_profile p = {.segs = (rc_segment *)segs, .n_segs = 1};
    rc_error err;
    ck_assert_int_eq(rc_gws_load(&f->s, &p, &cal, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "fake: the profile holds no time");
    ck_assert_uint_eq(f->n_sent, 0);
    fake_free(f);
}
END_TEST

START_TEST(segments_are_reported_with_their_edges)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {
        {.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1},
        {.tick = 2000, .kind = RC_LINK_EV_SEGMENT_START, .value = 2},
        {.tick = 2300, .kind = RC_LINK_EV_RAIL_FALL},
        {.tick = 4000, .kind = RC_LINK_EV_SEGMENT_START, .value = 3},
        {.tick = 4001, .kind = RC_LINK_EV_RAIL_RISE},
        {.tick = 4010, .kind = RC_LINK_EV_ALERT_EDGE, .arg = 1},
        {.tick = 4020, .kind = RC_LINK_EV_ALERT_EDGE, .arg = 0},
        {.tick = 4030, .kind = RC_LINK_EV_CH_PRESENT_EDGE, .arg = 1},
        {.tick = 4500, .kind = RC_LINK_EV_WAIT_TIMEOUT, .value = 3},
    };
    device_events(f, ev, sizeof ev / sizeof ev[0]);
    step(f);
    ck_assert(f->s.have_start);
    ck_assert_uint_eq(f->s.start_tick, 1000);
    ck_assert_uint_eq(f->s.device_tick, 4500);
    ck_assert_int_eq(rc_gws_now_us(&f->s), 0); /* the device's tick is before the start */
    f->tick = 5000;
    ck_assert_int_eq(rc_gws_now_us(&f->s), 4000);
    deliver(f, true, RC_OK);
    static const struct {
        rc_event_kind kind;
        int64_t t_us;
        int32_t value;
    } want[] = {
        {RC_EV_SEGMENT, 0, 0},    {RC_EV_RAIL_RESTORE, 0, 0},    {RC_EV_SEGMENT, 0, 1},
        {RC_EV_SEGMENT, 1000, 2}, {RC_EV_RAIL_CUT, 1000, 0},     {RC_EV_RAIL_FALL, 1300, 8000},
        {RC_EV_SEGMENT, 3000, 3}, {RC_EV_RAIL_RESTORE, 3000, 0}, {RC_EV_RAIL_RISE, 3001, 9000},
        {RC_EV_AD1, 3010, 0},     {RC_EV_CH_READY, 3030, 0},     {RC_EV_WAIT_TIMEOUT, 3501, 3},
    };
    ck_assert_uint_eq(f->n_ev, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < f->n_ev; i++) {
        ck_assert_int_eq(f->ev[i].kind, want[i].kind);
        ck_assert_int_eq(f->ev[i].t_us, want[i].t_us);
        ck_assert_int_eq(f->ev[i].value, want[i].value);
    }
    ck_assert_str_eq(find(f, RC_EV_AD1, 0)->text, "pin");
    fake_free(f);
}
END_TEST

START_TEST(unwired_alert_pin_gives_no_ad1)
{
    fake *f = fake_new();
    f->s.cfg.alert_pin = false;
    load_and_start(f);
    rc_link_event ev[] = {
        {.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1},
        {.tick = 1010, .kind = RC_LINK_EV_ALERT_EDGE, .arg = 1},
        {.tick = 1020, .kind = RC_LINK_EV_RUN_END},
    };
    device_events(f, ev, 3);
    step(f);
    deliver(f, true, RC_OK);
    ck_assert_ptr_null(find(f, RC_EV_AD1, 0));
    ck_assert_ptr_nonnull(find(f, RC_EV_SEGMENT, 3)); /* RUN_END reported the rest */
    fake_free(f);
}
END_TEST

START_TEST(repeated_frame_is_dropped_and_noted)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {{.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1}};
    rc_link_msg m = {.type = RC_LINK_EVENTS};
    m.u.events.n = 1;
    m.u.events.ev[0] = ev[0];
    uint8_t seq = f->dev_seq++;
    device_send_seq(f, &m, seq);
    device_send_seq(f, &m, seq);
    ev[0] = (rc_link_event){.tick = 2000, .kind = RC_LINK_EV_SEGMENT_START, .value = 2};
    device_events(f, ev, 1);
    step(f);
    ck_assert_uint_eq(f->s.repeats, 1);
    f->tick = 3000;
    deliver(f, false, RC_OK);
    ck_assert_ptr_null(find(f, RC_EV_NOTE, 0)); /* noted now, held for the horizon */
    f->tick = 3100;
    deliver(f, false, RC_OK);
    /* One SEGMENT 1 (not two), then SEGMENT 2; the repeat is a note of its
     * own, not frames lost. */
    ck_assert_ptr_nonnull(find(f, RC_EV_SEGMENT, 1));
    ck_assert_int_eq(find(f, RC_EV_SEGMENT, 1)->value, 1);
    ck_assert_int_eq(find(f, RC_EV_SEGMENT, 2)->value, 2);
    ck_assert_ptr_null(find(f, RC_EV_SEGMENT, 3));
    const rc_event *note = find(f, RC_EV_NOTE, 0);
    ck_assert_ptr_nonnull(note);
    ck_assert_str_eq(note->text, "link: 1 repeated");
    ck_assert_int_eq(note->value, 1);
    ck_assert_int_eq(note->t_us, 2000);
    ck_assert_ptr_null(find(f, RC_EV_NOTE, 1));
    /* Noted once. */
    deliver(f, false, RC_OK);
    ck_assert_ptr_null(find(f, RC_EV_NOTE, 1));
    fake_free(f);
}
END_TEST

START_TEST(crc_bad_frame_is_counted)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {{.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1}};
    device_events(f, ev, 1);
    step(f);
    /* A SAMPLES frame with a payload bit flipped, then a good frame. */
    rc_link_msg m = {.type = RC_LINK_SAMPLES};
    m.u.samples.tick = 1000;
    m.u.samples.n = 1;
    m.u.samples.blocks[0] = (rc_link_block){3000, 3000, 100, 100};
    size_t before = f->n_out;
    device_send(f, &m);
    size_t bad_len = f->n_out - before;
    f->out[before + RC_LINK_HEADER_BYTES] ^= 0x10;
    ev[0] = (rc_link_event){.tick = 2000, .kind = RC_LINK_EV_SEGMENT_START, .value = 2};
    device_events(f, ev, 1);
    step(f);
    ck_assert_uint_eq(f->s.dec.stats.crc_errors, 1);
    f->tick = 2500;
    deliver(f, false, RC_OK);
    f->tick = 2600;
    deliver(f, false, RC_OK);
    ck_assert_uint_eq(f->n_samples, 0);
    ck_assert_int_eq(find(f, RC_EV_SEGMENT, 2)->value, 2); /* resynchronised */
    const rc_event *note = find(f, RC_EV_NOTE, 0);
    ck_assert_ptr_nonnull(note);
    char want[RC_EVENT_TEXT_MAX];
    snprintf(want, sizeof want, "link: 1 crc, %zu bytes, 1 lost", bad_len);
    ck_assert_str_eq(note->text, want);
    ck_assert_int_eq(note->value, 2); /* crc + lost */
    ck_assert_int_eq(note->t_us, 1500);
    fake_free(f);
}
END_TEST

START_TEST(run_end_awaits_the_trailing_samples)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {
        {.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1},
        {.tick = 5000, .kind = RC_LINK_EV_RUN_END},
    };
    device_events(f, ev, 2);
    rc_link_msg m = {.type = RC_LINK_SAMPLES};
    m.u.samples.tick = 1000;
    m.u.samples.n = 3;
    for (size_t k = 0; k < 3; k++)
        m.u.samples.blocks[k] = (rc_link_block){2999, 3001, (uint16_t)(100 + k), 102};
    device_send(f, &m);
    step(f);
    ck_assert(f->s.done);
    ck_assert_uint_eq(f->s.end_tick, 5000);
    ck_assert(!rc_gws_samples_in(&f->s));
    f->tick = 9000;
    ck_assert_int_eq(rc_gws_now_us(&f->s), 4000); /* held at RUN_END */
    /* The blocks up to the end trail RUN_END: the one that ends at it is not
     * the last, the one that starts at it is; one after it is dropped. */
    m.u.samples.tick = 4000;
    m.u.samples.n = 1;
    device_send(f, &m);
    step(f);
    ck_assert_uint_eq(f->s.samples_tick, 4000);
    ck_assert(!rc_gws_samples_in(&f->s));
    m.u.samples.tick = 5000;
    m.u.samples.n = 2;
    device_send(f, &m);
    step(f);
    ck_assert(rc_gws_samples_in(&f->s));
    ck_assert_uint_eq(f->s.samples_tick, 5000);
    deliver(f, true, RC_OK);
    ck_assert_uint_eq(f->n_samples, 5);
    ck_assert_int_eq(f->samples[0].t_us, 0);
    ck_assert_int_eq(f->samples[4].t_us, 4000);
    /* Mid codes through the calibration: 3000 * 4 mV; 101 * 0.5 + 10 mA. */
    ck_assert_float_eq(f->samples[0].rail_v, 12.0f);
    ck_assert_float_eq_tol(f->samples[1].rail_a, 0.06075f, 1e-7f);
    ck_assert(!f->samples[0].ac_lost);
    ck_assert_int_eq(f->samples[0].ch_state, RC_CH_OFF);
    fake_free(f);
}
END_TEST

START_TEST(nak_is_an_error_with_the_field_offset)
{
    fake *f = fake_new();
    f->nak_segments = true;
    rc_profile p = {.segs = (rc_segment *)segs, .n_segs = 4};
    rc_error err;
    ck_assert_int_eq(rc_gws_load(&f->s, &p, &cal, &err), RC_ERR_DEVICE);
    ck_assert_str_eq(err.msg, "fake: the gateware refused segment: clamp (offset 10)");
    ck_assert_uint_eq(f->s.next_entry, 0);
    fake_free(f);
}
END_TEST

START_TEST(unanswered_command_is_tried_again)
{
    fake *f = fake_new();
    f->silent = true;
    rc_link_msg m = {.type = RC_LINK_IDENTIFY}, a;
    rc_error err;
    ck_assert_int_eq(rc_gws_command(&f->s, &m, 3, &a, &err), RC_ERR_DEVICE);
    ck_assert_str_eq(err.msg, "no answer to identify");
    ck_assert_int_eq(f->unanswered_tries, 3);
    ck_assert_uint_eq(f->n_sent, 3);
    ck_assert_uint_eq(f->sent_seq[2], 2);
    ck_assert_uint_eq(f->tick, 100 + 3 * TIMEOUT_US);
    /* An ACK for another SEQ is not the answer. */
    m = (rc_link_msg){.type = RC_LINK_ARM};
    rc_link_msg wrong = {.type = RC_LINK_ACK};
    wrong.u.ack = (rc_link_ack){.type = RC_LINK_ARM, .seq = 7};
    device_send(f, &wrong);
    f->unanswered_tries = 0;
    ck_assert_int_eq(rc_gws_command(&f->s, &m, 1, &a, &err), RC_ERR_DEVICE);
    ck_assert_int_eq(f->unanswered_tries, 1);
    /* Answered: the reply comes back. */
    f->silent = false;
    m = (rc_link_msg){.type = RC_LINK_IDENTIFY};
    ck_assert_int_eq(rc_gws_command(&f->s, &m, 1, &a, &err), RC_OK);
    ck_assert_int_eq(a.type, RC_LINK_IDENTIFY_REPLY);
    ck_assert_uint_eq(a.u.identify.fifo_depth, FIFO_DEPTH);
    /* A HEARTBEAT's answer is the STATUS naming its SEQ. */
    m = (rc_link_msg){.type = RC_LINK_HEARTBEAT};
    ck_assert_int_eq(rc_gws_command(&f->s, &m, 1, &a, &err), RC_OK);
    ck_assert_int_eq(a.type, RC_LINK_STATUS);
    ck_assert_uint_eq(a.u.status.last_rx_seq, 5);
    fake_free(f);
}
END_TEST

START_TEST(refused_top_up_ends_the_run)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {{.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1}};
    device_events(f, ev, 1);
    f->fifo_used = 1;
    rc_link_msg st = {.type = RC_LINK_STATUS};
    st.u.status = (rc_link_status){.tick = 1100, .fifo_level = 1};
    device_send(f, &st);
    step(f);
    f->nak_segments = true;
    f->tick = 1200;
    rc_error err;
    ck_assert_int_eq(rc_gws_top_up(&f->s, &err), RC_OK);
    step(f);
    ck_assert_uint_eq(f->s.fault_tick, 1201);
    ck_assert(!f->s.seg_in_flight);
    ck_assert_uint_eq(f->s.fifo_free, 0);
    ck_assert_int_eq(f->s.fault, RC_ERR_DEVICE);
    rc_sink sink = {.ctx = f, .on_event = sink_event};
    ck_assert_int_eq(rc_gws_deliver(&f->s, RC_OK, &sink, true, &err), RC_ERR_DEVICE);
    ck_assert_str_eq(err.msg, "fake: the gateware reported a refused segment");
    ck_assert_str_eq(find(f, RC_EV_NOTE, 0)->text, "a refused segment");
    fake_free(f);
}
END_TEST

START_TEST(full_fifo_waits_for_credit)
{
    fake *f = fake_new();
    load_and_start(f);
    f->s.fifo_free = 1; /* as a stale STATUS would say */
    rc_error err;
    ck_assert_int_eq(rc_gws_top_up(&f->s, &err), RC_OK);
    ck_assert_uint_eq(f->n_sent, 5);
    f->n_out = 0; /* instead of the fake's ACK: */
    rc_link_msg nak = {.type = RC_LINK_NAK};
    nak.u.nak = (rc_link_nak){.type = RC_LINK_SEGMENT,
                              .seq = f->sent_seq[4],
                              .reason = RC_LINK_NAK_FIFO_FULL,
                              .offset = 0xFF};
    device_send(f, &nak);
    step(f);
    ck_assert(!f->s.seg_in_flight);
    ck_assert_uint_eq(f->s.fifo_free, 0);
    ck_assert_uint_eq(f->s.next_entry, 2);
    ck_assert_int_eq(f->s.fault, RC_OK);
    fake_free(f);
}
END_TEST

START_TEST(events_wait_for_the_reorder_horizon)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {
        {.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1},
        {.tick = 1090, .kind = RC_LINK_EV_RAIL_RISE},
        {.tick = 1080, .kind = RC_LINK_EV_RAIL_FALL},
    };
    device_events(f, ev, 3);
    step(f);
    f->tick = 1100; /* horizon: t_us 100 - 16 = 84 */
    deliver(f, false, RC_OK);
    ck_assert_uint_eq(f->n_ev, 4); /* SEGMENT 0, RAIL_RESTORE, SEGMENT 1, RAIL_FALL */
    ck_assert_int_eq(f->ev[3].kind, RC_EV_RAIL_FALL);
    ck_assert_int_eq(f->ev[3].t_us, 80);
    f->tick = 1106;
    deliver(f, false, RC_OK);
    ck_assert_uint_eq(f->n_ev, 5);
    ck_assert_int_eq(f->ev[4].kind, RC_EV_RAIL_RISE);
    ck_assert_int_eq(f->ev[4].t_us, 90);
    fake_free(f);
}
END_TEST

START_TEST(trip_is_noted_and_reported)
{
    fake *f = fake_new();
    load_and_start(f);
    rc_link_event ev[] = {
        {.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1},
        {.tick = 1200, .kind = RC_LINK_EV_TRIP, .arg = 2},
        {.tick = 1300, .kind = RC_LINK_EV_TRIP, .arg = 1},
        {.tick = 1400, .kind = RC_LINK_EV_OVERRUN, .value = 7},
    };
    device_events(f, ev, 4);
    step(f);
    ck_assert_uint_eq(f->s.fault_tick, 1200);
    /* Not yet reported when the backend says so: everything is delivered. */
    deliver(f, false, RC_OK);
    ck_assert_str_eq(find(f, RC_EV_NOTE, 0)->text, "an over-voltage trip");
    ck_assert_int_eq(find(f, RC_EV_NOTE, 0)->t_us, 200);
    ck_assert_str_eq(find(f, RC_EV_NOTE, 1)->text, "a watchdog trip");
    ck_assert_str_eq(find(f, RC_EV_NOTE, 2)->text, "link: device overrun");
    ck_assert_int_eq(find(f, RC_EV_NOTE, 2)->value, 7);
    rc_error err;
    rc_sink sink = {0};
    ck_assert_int_eq(rc_gws_deliver(&f->s, RC_OK, &sink, true, &err), RC_ERR_DEVICE);
    ck_assert_str_eq(err.msg, "fake: the gateware reported an over-voltage trip");
    fake_free(f);
}
END_TEST

START_TEST(release_ends_a_host_wait_once)
{
    static const rc_segment waits[] = {
        {.kind = RC_SEG_HOLD, .duration_us = 1000, .from_mv = 12000, .to_mv = 12000},
        {.kind = RC_SEG_WAIT,
         .duration_us = 5000,
         .from_mv = 12000,
         .to_mv = 12000,
         .rail_on = true,
         .wait_on = RC_WAIT_RESTORED},
    };
    fake *f = fake_new();
    rc_profile p = {.segs = (rc_segment *)waits, .n_segs = 2};
    rc_error err;
    ck_assert_int_eq(rc_gws_load(&f->s, &p, &cal, &err), RC_OK);
    ck_assert_int_eq(rc_gws_start(&f->s, &err), RC_OK);
    size_t sent = f->n_sent;
    rc_link_event ev[] = {{.tick = 1000, .kind = RC_LINK_EV_SEGMENT_START, .value = 0}};
    device_events(f, ev, 1);
    step(f);
    rc_gws_release_if_waiting(&f->s, RC_WAIT_RESTORED); /* the hold is no wait */
    ck_assert_uint_eq(f->n_sent, sent);
    ev[0] = (rc_link_event){.tick = 2000, .kind = RC_LINK_EV_SEGMENT_START, .value = 1};
    device_events(f, ev, 1);
    step(f);
    rc_gws_release_if_waiting(&f->s, RC_WAIT_DOWN); /* another wait */
    ck_assert_uint_eq(f->n_sent, sent);
    rc_gws_release_if_waiting(&f->s, RC_WAIT_RESTORED);
    rc_gws_release_if_waiting(&f->s, RC_WAIT_RESTORED);
    ck_assert_uint_eq(f->n_sent, sent + 1);
    ck_assert_int_eq(f->sent[sent].type, RC_LINK_RELEASE);
    ck_assert_uint_eq(f->sent[sent].u.release_seg_id, 1);
    fake_free(f);
}
END_TEST

START_TEST(heartbeat_and_idle_ticks)
{
    fake *f = fake_new();
    load_and_start(f);
    uint64_t sent_at = f->s.last_tx_tick;
    ck_assert(!rc_gws_heartbeat_due(&f->s));
    ck_assert_uint_eq(rc_gws_idle_ticks(&f->s), RC_GWS_HEARTBEAT_TICKS - (f->tick - sent_at));
    f->tick = sent_at + RC_GWS_HEARTBEAT_TICKS;
    ck_assert(rc_gws_heartbeat_due(&f->s));
    ck_assert_uint_eq(rc_gws_idle_ticks(&f->s), 0);
    f->s.fifo_free = 1; /* an entry to send: no idle tick */
    f->tick = sent_at + 1;
    ck_assert_uint_eq(rc_gws_idle_ticks(&f->s), 0);
    fake_free(f);
}
END_TEST

START_TEST(configure_message_needs_whole_ticks)
{
    fake *f = fake_new();
    rc_link_msg m;
    rc_error err;
    ck_assert_int_eq(rc_gws_configure_msg(&f->s, &m, &err), RC_OK);
    ck_assert_int_eq(m.type, RC_LINK_CONFIGURE);
    ck_assert_uint_eq(m.u.config.block_ticks, 1000);
    ck_assert_uint_eq(m.u.config.watchdog_ms, RC_GWS_WATCHDOG_MS);
    ck_assert_uint_eq(m.u.config.flags, RC_LINK_CFG_SAMPLES);
    f->s.cfg.sample_rate_hz = 3000;
    ck_assert_int_eq(rc_gws_configure_msg(&f->s, &m, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "fake: sample rate 3000 Hz is not a whole number of 1 us ticks");
    fake_free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gwsession");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, load_fills_the_fifo_and_start_arms);
    tcase_add_test(tc, load_twice_after_start_is_refused);
    tcase_add_test(tc, profile_without_time_is_refused);
    tcase_add_test(tc, segments_are_reported_with_their_edges);
    tcase_add_test(tc, unwired_alert_pin_gives_no_ad1);
    tcase_add_test(tc, repeated_frame_is_dropped_and_noted);
    tcase_add_test(tc, crc_bad_frame_is_counted);
    tcase_add_test(tc, run_end_awaits_the_trailing_samples);
    tcase_add_test(tc, nak_is_an_error_with_the_field_offset);
    tcase_add_test(tc, unanswered_command_is_tried_again);
    tcase_add_test(tc, refused_top_up_ends_the_run);
    tcase_add_test(tc, full_fifo_waits_for_credit);
    tcase_add_test(tc, events_wait_for_the_reorder_horizon);
    tcase_add_test(tc, trip_is_noted_and_reported);
    tcase_add_test(tc, release_ends_a_host_wait_once);
    tcase_add_test(tc, heartbeat_and_idle_ticks);
    tcase_add_test(tc, configure_message_needs_whole_ticks);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
