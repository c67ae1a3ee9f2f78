/*
 * test_linkdev.c - the link device model answers host frames as
 * docs/protocol.md says the gateware does: identify, configure, FIFO, arm,
 * start, sequencer timing to the tick, ramps, waits, underrun, watchdog;
 * converters with a set gain and offset, the dummy load, the CH's debug-UART
 * lines.
 */
#include <string.h>

#include "railcut/linkdev.h"
#include "testutil.h"

#define MAX_GOT 256

typedef struct fixture {
    rc_linkdev *dev;
    uint8_t seq;
    rc_link_msg got[MAX_GOT];
    size_t n_got;
    rc_link_decoder dec;
} fixture;

static void setup(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    rc_linkdev_params p;
    rc_linkdev_params_default(&p);
    rc_error err;
    ck_assert_int_eq(rc_linkdev_new(&p, &fx->dev, &err), RC_OK);
    rc_link_decoder_init(&fx->dec);
}

/* Decodes everything the device has queued into fx->got. */
static void drain(fixture *fx)
{
    uint8_t buf[4096];
    size_t n;
    while ((n = rc_linkdev_read(fx->dev, buf, sizeof buf)) > 0) {
        size_t used = 0;
        for (;;) {
            rc_link_frame f;
            bool ok;
            used += rc_link_decoder_feed(&fx->dec, buf + used, n - used, &f, &ok);
            if (!ok)
                break;
            rc_error err;
            ck_assert_uint_lt(fx->n_got, MAX_GOT);
            ck_assert_int_eq(rc_link_msg_from_frame(&f, &fx->got[fx->n_got++], &err), RC_OK);
        }
    }
}

static void put(fixture *fx, const rc_link_msg *m)
{
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_error err;
    ck_assert_int_eq(rc_link_msg_encode(m, fx->seq++, buf, sizeof buf, &n, &err), RC_OK);
    rc_linkdev_write(fx->dev, buf, n);
    drain(fx);
}

static void put_empty(fixture *fx, rc_link_type t)
{
    rc_link_msg m = {.type = t};
    put(fx, &m);
}

static const rc_link_msg *last_of(const fixture *fx, rc_link_type t)
{
    for (size_t i = fx->n_got; i-- > 0;)
        if (fx->got[i].type == t)
            return &fx->got[i];
    return NULL;
}

/* The first event of a kind, or NULL. */
static const rc_link_event *event_of(const fixture *fx, rc_link_event_kind kind)
{
    for (size_t i = 0; i < fx->n_got; i++)
        if (fx->got[i].type == RC_LINK_EVENTS && fx->got[i].u.events.ev[0].kind == kind)
            return &fx->got[i].u.events.ev[0];
    return NULL;
}

/* Advances to tick with a heartbeat every 200 ms, as a host does. */
static void run_to(fixture *fx, uint64_t tick)
{
    while (rc_linkdev_now(fx->dev) < tick) {
        uint64_t next = rc_linkdev_now(fx->dev) + 200000;
        rc_linkdev_advance(fx->dev, next < tick ? next : tick);
        put_empty(fx, RC_LINK_HEARTBEAT);
    }
}

/* The configuration most tests use: 1 ms blocks, fall/rise at codes
 * 32000/36000, trips out of reach, a 1 s watchdog. */
static rc_link_config default_config(uint8_t flags)
{
    return (rc_link_config){.block_ticks = 1000,
                            .fall_code = 32000,
                            .rise_code = 36000,
                            .ovp_code = 60000,
                            .ocp_code = 60000,
                            .watchdog_ms = 1000,
                            .flags = flags};
}

static void send_config(fixture *fx, const rc_link_config *config)
{
    rc_link_msg m = {.type = RC_LINK_CONFIGURE};
    m.u.config = *config;
    put(fx, &m);
    ck_assert_ptr_nonnull(last_of(fx, RC_LINK_ACK));
}

static void configure(fixture *fx, uint8_t flags)
{
    rc_link_config config = default_config(flags);
    send_config(fx, &config);
}

static void segment(fixture *fx, uint32_t id, uint64_t dur, uint16_t from, uint16_t to,
                    int32_t slope, uint8_t pins, uint8_t wait)
{
    rc_link_msg m = {.type = RC_LINK_SEGMENT};
    m.u.seg = (rc_link_seg){.seg_id = id,
                            .duration_ticks = dur,
                            .start_code = from,
                            .end_code = to,
                            .slope = slope,
                            .pins = pins,
                            .wait = wait};
    put(fx, &m);
}

START_TEST(test_identify)
{
    fixture fx;
    setup(&fx);
    put_empty(&fx, RC_LINK_IDENTIFY);
    ck_assert_uint_eq(fx.n_got, 1);
    ck_assert_int_eq(fx.got[0].type, RC_LINK_IDENTIFY_REPLY);
    ck_assert_uint_eq(fx.got[0].u.identify.proto_major, RC_LINK_PROTO_MAJOR);
    ck_assert_uint_eq(fx.got[0].u.identify.fifo_depth, RC_LINKDEV_FIFO_DEPTH);
    ck_assert_uint_eq(fx.got[0].u.identify.tick_hz, 1000000u);
    rc_linkdev_free(fx.dev);
}
END_TEST

START_TEST(test_state_naks)
{
    fixture fx;
    setup(&fx);
    segment(&fx, 0, 10, 0, 0, 0, 0, 0);
    ck_assert_uint_eq(last_of(&fx, RC_LINK_NAK)->u.nak.reason, RC_LINK_NAK_STATE);
    configure(&fx, 0);
    put_empty(&fx, RC_LINK_ARM);
    ck_assert_uint_eq(last_of(&fx, RC_LINK_NAK)->u.nak.reason, RC_LINK_NAK_EMPTY);
    put_empty(&fx, RC_LINK_START);
    ck_assert_uint_eq(last_of(&fx, RC_LINK_NAK)->u.nak.reason, RC_LINK_NAK_STATE);
    for (uint32_t i = 0; i < RC_LINKDEV_FIFO_DEPTH; i++) {
        segment(&fx, i, 10, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(last_of(&fx, RC_LINK_ACK)->u.ack.info, RC_LINKDEV_FIFO_DEPTH - 1 - i);
    }
    size_t before = fx.n_got;
    segment(&fx, 99, 10, 0, 0, 0, 0, 0);
    ck_assert_uint_eq(fx.n_got, before + 1);
    ck_assert_uint_eq(last_of(&fx, RC_LINK_NAK)->u.nak.reason, RC_LINK_NAK_FIFO_FULL);
    rc_link_frame f = {.type = 0x33, .seq = fx.seq++, .len = 0};
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_error err;
    ck_assert_int_eq(rc_link_frame_encode(&f, buf, sizeof buf, &n, &err), RC_OK);
    rc_linkdev_write(fx.dev, buf, n);
    drain(&fx);
    ck_assert_uint_eq(last_of(&fx, RC_LINK_NAK)->u.nak.reason, RC_LINK_NAK_UNKNOWN_TYPE);
    rc_linkdev_free(fx.dev);
}
END_TEST

START_TEST(test_sequencer_timing)
{
    fixture fx;
    setup(&fx);
    rc_linkdev_advance(fx.dev, 500);
    configure(&fx, 0);
    segment(&fx, 7, 1000, 48000, 48000, 0, RC_LINK_PIN_RAIL_EN, 0);
    segment(&fx, 8, 2500, 48000, 48000, 0, RC_LINK_SEG_LAST, 0);
    put_empty(&fx, RC_LINK_ARM);
    put_empty(&fx, RC_LINK_START);
    ck_assert_int_eq(last_of(&fx, RC_LINK_STATUS)->u.status.state, RC_LINK_STATE_RUNNING);
    rc_linkdev_advance(fx.dev, 10000);
    drain(&fx);
    const rc_link_event *s = event_of(&fx, RC_LINK_EV_SEGMENT_START);
    ck_assert_uint_eq(s->tick, 501);
    ck_assert_uint_eq(s->value, 7);
    const rc_link_event *end = event_of(&fx, RC_LINK_EV_RUN_END);
    ck_assert_uint_eq(end->tick, 501 + 1000 + 2500);
    ck_assert_uint_eq(end->value, 8);
    ck_assert_int_eq(last_of(&fx, RC_LINK_STATUS)->u.status.state, RC_LINK_STATE_DONE);
    rc_linkdev_free(fx.dev);
}
END_TEST

START_TEST(test_underrun)
{
    fixture fx;
    setup(&fx);
    configure(&fx, 0);
    segment(&fx, 3, 200, 48000, 48000, 0, RC_LINK_PIN_RAIL_EN, 0);
    put_empty(&fx, RC_LINK_ARM);
    put_empty(&fx, RC_LINK_START);
    rc_linkdev_advance(fx.dev, 1000);
    drain(&fx);
    const rc_link_event *u = event_of(&fx, RC_LINK_EV_UNDERRUN);
    ck_assert_ptr_nonnull(u);
    ck_assert_uint_eq(u->tick, 1 + 200);
    rc_link_status st;
    rc_linkdev_status(fx.dev, &st);
    ck_assert_uint_eq(st.underruns, 1);
    ck_assert_int_eq(st.state, RC_LINK_STATE_IDLE);
    ck_assert_uint_eq(st.io & RC_LINK_PIN_RAIL_EN, 0);
    rc_linkdev_free(fx.dev);
}
END_TEST

/* The protocol's golden ramp: 43690 -> 30000 in 5000 ticks reaches 30002 at
 * its last tick. */
START_TEST(test_ramp_codes)
{
    fixture fx;
    setup(&fx);
    configure(&fx, 0);
    segment(&fx, 0, 5000, 43690, 30000, -45936017, RC_LINK_PIN_RAIL_EN, 0);
    segment(&fx, 1, 100, 30000, 30000, 0, RC_LINK_SEG_LAST, 0);
    put_empty(&fx, RC_LINK_ARM);
    put_empty(&fx, RC_LINK_START);
    rc_link_status st;
    rc_linkdev_advance(fx.dev, 1);
    rc_linkdev_status(fx.dev, &st);
    ck_assert_uint_eq(st.dac_code, 43690);
    rc_linkdev_advance(fx.dev, 2);
    rc_linkdev_status(fx.dev, &st);
    ck_assert_uint_eq(st.dac_code, 43687);
    rc_linkdev_advance(fx.dev, 1 + 4999);
    rc_linkdev_status(fx.dev, &st);
    ck_assert_uint_eq(st.dac_code, 30002);
    rc_linkdev_advance(fx.dev, 1 + 5000);
    rc_linkdev_status(fx.dev, &st);
    ck_assert_uint_eq(st.dac_code, 30000);
    ck_assert_uint_eq(st.seg_id, 1);
    rc_linkdev_free(fx.dev);
}
END_TEST

/* A CH-present wait: the CH boots on the rail, WAIT_DONE carries the ready
 * tick D and the next entry starts at D + 1. */
START_TEST(test_wait_ch_present)
{
    fixture fx;
    setup(&fx);
    configure(&fx, 0);
    segment(&fx, 0, 60000000, 48000, 48000, 0, RC_LINK_PIN_RAIL_EN, RC_LINK_WAIT_CH_PRESENT);
    segment(&fx, 1, 1000, 48000, 48000, 0, RC_LINK_PIN_RAIL_EN | RC_LINK_SEG_LAST, 0);
    put_empty(&fx, RC_LINK_ARM);
    put_empty(&fx, RC_LINK_START);
    run_to(&fx, 30000000);
    const rc_link_event *edge = event_of(&fx, RC_LINK_EV_CH_PRESENT_EDGE);
    const rc_link_event *done = event_of(&fx, RC_LINK_EV_WAIT_DONE);
    ck_assert_ptr_nonnull(edge);
    ck_assert_ptr_nonnull(done);
    ck_assert_uint_eq(done->tick, edge->tick);
    ck_assert_uint_eq(done->arg, RC_LINK_WAIT_CH_PRESENT);
    ck_assert_uint_gt(done->tick, 20000000);
    const rc_link_event *end = event_of(&fx, RC_LINK_EV_RUN_END);
    ck_assert_uint_eq(end->tick, done->tick + 1 + 1000);
    ck_assert_ptr_null(event_of(&fx, RC_LINK_EV_TRIP));
    rc_linkdev_free(fx.dev);
}
END_TEST

START_TEST(test_watchdog_and_samples)
{
    fixture fx;
    setup(&fx);
    configure(&fx, RC_LINK_CFG_SAMPLES);
    rc_linkdev_advance(fx.dev, 999999);
    drain(&fx);
    ck_assert_ptr_null(event_of(&fx, RC_LINK_EV_TRIP));
    const rc_link_msg *s = last_of(&fx, RC_LINK_SAMPLES);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->u.samples.tick % 1000, 0);
    rc_linkdev_advance(fx.dev, 1000001);
    drain(&fx);
    const rc_link_event *t = event_of(&fx, RC_LINK_EV_TRIP);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->tick, 1000000);
    ck_assert_uint_eq(t->arg, 1);
    put_empty(&fx, RC_LINK_ARM);
    ck_assert_uint_eq(last_of(&fx, RC_LINK_NAK)->u.nak.reason, RC_LINK_NAK_TRIPPED);
    put_empty(&fx, RC_LINK_CLEAR_TRIP);
    rc_link_status st;
    rc_linkdev_status(fx.dev, &st);
    ck_assert_int_eq(st.state, RC_LINK_STATE_IDLE);
    ck_assert_uint_eq(st.trips, 0);
    rc_linkdev_free(fx.dev);
}
END_TEST

START_TEST(test_corrupt_frame_ignored)
{
    fixture fx;
    setup(&fx);
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_error err;
    rc_link_msg m = {.type = RC_LINK_HEARTBEAT};
    ck_assert_int_eq(rc_link_msg_encode(&m, 0, buf, sizeof buf, &n, &err), RC_OK);
    buf[3] ^= 0x40;
    rc_linkdev_write(fx.dev, buf, n);
    drain(&fx);
    ck_assert_uint_eq(fx.n_got, 0);
    rc_link_status st;
    rc_linkdev_status(fx.dev, &st);
    ck_assert_uint_eq(st.crc_errors, 1);
    rc_linkdev_free(fx.dev);
}
END_TEST

static void setup_with(fixture *fx, const rc_linkdev_params *p)
{
    memset(fx, 0, sizeof *fx);
    rc_error err;
    ck_assert_int_eq(rc_linkdev_new(p, &fx->dev, &err), RC_OK);
    rc_link_decoder_init(&fx->dec);
}

/* The emulated DAC and ADCs follow the parameters' gain and offset: code
 * 48000 sets 0.2525 * 48000 - 30 = 12090 mV, which the rail ADC codes as
 * (12090 - 12) / 0.249 = 48506.02 -> 48506, and the 100 ohm dummy load's
 * 120.9 mA the current ADC as (120.9 + 0.5) / 0.1012 = 1199.6 -> 1199. */
START_TEST(test_converters_and_dummy_load)
{
    rc_linkdev_params p;
    rc_linkdev_params_default(&p);
    ck_assert(RC_LINK_CAP_SNIFFER & p.id.caps);
    p.dac = (rc_linkdev_converter){0.2525, -30};
    p.adc_v = (rc_linkdev_converter){0.249, 12};
    p.adc_a = (rc_linkdev_converter){0.1012, -0.5};
    p.load_ohm = 100;
    fixture fx;
    setup_with(&fx, &p);
    configure(&fx, RC_LINK_CFG_SAMPLES);
    rc_link_msg pins = {.type = RC_LINK_PINS};
    pins.u.pins = (rc_link_pins){.dac_code = 48000, .pins = RC_LINK_PIN_RAIL_EN};
    put(&fx, &pins);
    run_to(&fx, 600000);
    const rc_link_msg *s = last_of(&fx, RC_LINK_SAMPLES);
    ck_assert_ptr_nonnull(s);
    const rc_link_block *b = &s->u.samples.blocks[s->u.samples.n - 1];
    ck_assert_uint_eq(b->v_min, 48506);
    ck_assert_uint_eq(b->v_max, 48506);
    ck_assert_uint_eq(b->i_min, 1199);
    ck_assert_uint_eq(b->i_max, 1199);
    rc_linkdev_free(fx.dev);

    rc_linkdev *d;
    p.load_ohm = -1;
    ck_assert_int_eq(rc_linkdev_new(&p, &d, NULL), RC_ERR_ARG);
    p.load_ohm = 0;
    p.adc_v.gain = 0;
    ck_assert_int_eq(rc_linkdev_new(&p, &d, NULL), RC_ERR_ARG);
}
END_TEST

/* The bytes of every UART frame, in order, into text (NUL-terminated). */
static size_t uart_text(const fixture *fx, char *text, size_t cap, const rc_link_uart **first)
{
    size_t n = 0;
    *first = NULL;
    for (size_t i = 0; i < fx->n_got; i++) {
        if (fx->got[i].type != RC_LINK_UART)
            continue;
        const rc_link_uart *u = &fx->got[i].u.uart;
        if (!*first)
            *first = u;
        for (size_t k = 0; k < u->n && n + 1 < cap; k++)
            text[n++] = (char)u->bytes[k];
    }
    text[n] = '\0';
    return n;
}

/* With the sniffer on, the CH prints a line when it is ready, starting at
 * the ready tick, one character time (10 bits of 104 clocks at 12 MHz =
 * 86.7 -> 87 ticks) per byte; with the sniffer off it prints nothing. */
START_TEST(test_uart_lines)
{
    for (int on = 0; on < 2; on++) {
        fixture fx;
        setup(&fx);
        rc_link_config config = default_config(on ? RC_LINK_CFG_UART : 0);
        config.sniff_bit_clocks = on ? 104 : 0;
        send_config(&fx, &config);
        segment(&fx, 0, 25000000, 48000, 48000, 0, RC_LINK_PIN_RAIL_EN | RC_LINK_SEG_LAST, 0);
        put_empty(&fx, RC_LINK_ARM);
        put_empty(&fx, RC_LINK_START);
        run_to(&fx, 25000000);
        const rc_link_event *ready = event_of(&fx, RC_LINK_EV_CH_PRESENT_EDGE);
        ck_assert_ptr_nonnull(ready);
        char text[256];
        const rc_link_uart *first;
        size_t n = uart_text(&fx, text, sizeof text, &first);
        if (!on) {
            ck_assert_uint_eq(n, 0);
        } else {
            ck_assert_str_eq(text, RC_LINKDEV_UART_READY);
            ck_assert_uint_eq(first->tick, ready->tick);
            ck_assert_uint_eq(first->gap_ticks[0], 0);
            ck_assert_uint_eq(first->gap_ticks[1], 87);
        }
        rc_linkdev_free(fx.dev);
    }
}
END_TEST

/* Over-voltage: the rail, set to 12 V, passes an 11 V trip level (code
 * 44000) on its way up: TRIP with arg 2, the rail forced off although the
 * safe state has it on, and TRIPPED. */
START_TEST(test_over_voltage_trip)
{
    fixture fx;
    setup(&fx);
    rc_link_config config = default_config(0);
    config.ovp_code = 44000;
    config.safe_dac_code = 20000;
    config.safe_pins = RC_LINK_PIN_RAIL_EN;
    send_config(&fx, &config);
    segment(&fx, 0, 100000, 48000, 48000, 0, RC_LINK_PIN_RAIL_EN | RC_LINK_SEG_LAST, 0);
    put_empty(&fx, RC_LINK_ARM);
    put_empty(&fx, RC_LINK_START);
    run_to(&fx, 50000);
    const rc_link_event *t = event_of(&fx, RC_LINK_EV_TRIP);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->arg, 2);
    ck_assert_uint_ge(t->value, 44000);
    ck_assert_ptr_null(event_of(&fx, RC_LINK_EV_RUN_END));
    rc_link_status st;
    rc_linkdev_status(fx.dev, &st);
    ck_assert_int_eq(st.state, RC_LINK_STATE_TRIPPED);
    ck_assert_uint_eq(st.trips, RC_LINK_TRIP_OVP);
    ck_assert_uint_eq(st.io & RC_LINK_PIN_RAIL_EN, 0);
    ck_assert_uint_eq(st.dac_code, 20000);
    rc_linkdev_free(fx.dev);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linkdev");
    TCase *tc = tcase_create("linkdev");
    tcase_add_test(tc, test_identify);
    tcase_add_test(tc, test_state_naks);
    tcase_add_test(tc, test_sequencer_timing);
    tcase_add_test(tc, test_underrun);
    tcase_add_test(tc, test_ramp_codes);
    tcase_add_test(tc, test_wait_ch_present);
    tcase_add_test(tc, test_watchdog_and_samples);
    tcase_add_test(tc, test_corrupt_frame_ignored);
    tcase_add_test(tc, test_converters_and_dummy_load);
    tcase_add_test(tc, test_uart_lines);
    tcase_add_test(tc, test_over_voltage_trip);
    suite_add_tcase(s, tc);
    return rc_test_run(s);
}
