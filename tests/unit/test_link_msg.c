/*
 * test_link_msg.c - every range and length check of the link messages, in
 * both directions (encoding refuses with RC_ERR_ARG, decoding with
 * RC_ERR_FORMAT), the protocol version check, and the board limits, each
 * at its boundary.
 */
#include "test_link_fixture.h"

static rc_link_msg valid(rc_link_type type)
{
    rc_link_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    switch (type) {
    case RC_LINK_CONFIGURE:
        m.u.config = (rc_link_config){50, 2000, 2200, 3900, 3000, 0, 500, 100, 104, 0, 3};
        break;
    case RC_LINK_SEGMENT: m.u.seg = (rc_link_seg){7, 1000, 100, 200, 1677721, 1, 0}; break;
    case RC_LINK_IDENTIFY_REPLY:
        m.u.identify = (rc_link_identify){1,      0,     0,  1,  0,  1,  12000000, 1000000,
                                          250000, 60000, 64, 10, 16, 12, 0x3F};
        break;
    case RC_LINK_SAMPLES:
        m.u.samples.n = 1;
        m.u.samples.blocks[0] = (rc_link_block){1, 2, 3, 4};
        break;
    case RC_LINK_EVENTS:
        m.u.events.n = 2;
        m.u.events.ev[0] = (rc_link_event){10, RC_LINK_EV_RAIL_RISE, 0, 2300};
        m.u.events.ev[1] = (rc_link_event){10, RC_LINK_EV_TRIP, 2, 3950};
        break;
    case RC_LINK_UART:
        m.u.uart.n = 1;
        m.u.uart.bytes[0] = 'x';
        break;
    case RC_LINK_ACK: m.u.ack = (rc_link_ack){RC_LINK_PINS, 1, 0}; break;
    case RC_LINK_NAK: m.u.nak = (rc_link_nak){0x77, 1, RC_LINK_NAK_UNKNOWN_TYPE, 0xFF}; break;
    default: break;
    }
    return m;
}

/* Encoding must fail with RC_ERR_ARG and a message naming the problem. */
static void enc_fails(const rc_link_msg *m, const char *needle)
{
    rc_link_frame f;
    rc_error err;
    ck_assert_int_eq(rc_link_msg_to_frame(m, 0, &f, &err), RC_ERR_ARG);
    ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
}

static rc_link_frame frame_of(const rc_link_msg *m)
{
    rc_link_frame f;
    rc_error err;
    ck_assert_msg(rc_link_msg_to_frame(m, 0, &f, &err) == RC_OK, "%s", err.msg);
    return f;
}

/* Decoding must fail with `want` and a message naming the problem. */
static void dec_fails(const rc_link_frame *f, rc_status want, const char *needle)
{
    rc_link_msg m;
    rc_error err;
    ck_assert_int_eq(rc_link_msg_from_frame(f, &m, &err), want);
    ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
}

/* Checks one bad field both ways: the encoder refuses the message, and a
 * valid frame with the same field patched in raw bytes is refused too. */
static void both_fail(const rc_link_msg *bad, size_t off, const uint8_t *raw, size_t n,
                      const char *needle)
{
    enc_fails(bad, needle);
    rc_link_msg good = valid(bad->type);
    rc_link_frame f = frame_of(&good);
    ck_assert_uint_le(off + n, f.len);
    memcpy(f.payload + off, raw, n);
    dec_fails(&f, RC_ERR_FORMAT, needle);
}

static void ok_both_ways(const rc_link_msg *m)
{
    rc_link_frame f = frame_of(m);
    rc_link_msg back;
    rc_error err;
    ck_assert_msg(rc_link_msg_from_frame(&f, &back, &err) == RC_OK, "%s", err.msg);
    rc_link_frame again = frame_of(&back);
    ck_assert_uint_eq(again.len, f.len);
    ck_assert_mem_eq(again.payload, f.payload, f.len);
}

START_TEST(test_valid_messages_round_trip)
{
    static const rc_link_type types[] = {
        RC_LINK_IDENTIFY, RC_LINK_CONFIGURE,  RC_LINK_SEGMENT,        RC_LINK_ARM,
        RC_LINK_START,    RC_LINK_STOP,       RC_LINK_PINS,           RC_LINK_HEARTBEAT,
        RC_LINK_RELEASE,  RC_LINK_CLEAR_TRIP, RC_LINK_IDENTIFY_REPLY, RC_LINK_SAMPLES,
        RC_LINK_EVENTS,   RC_LINK_UART,       RC_LINK_STATUS,         RC_LINK_ACK,
        RC_LINK_NAK,
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        rc_link_msg m = valid(types[i]);
        ok_both_ways(&m);
    }
}
END_TEST

START_TEST(test_config_ranges)
{
    rc_link_msg m = valid(RC_LINK_CONFIGURE);
    m.u.config.block_ticks = 1;
    ok_both_ways(&m);
    m.u.config.block_ticks = 1000000;
    ok_both_ways(&m);
    m.u.config.block_ticks = 0;
    both_fail(&m, 0, (const uint8_t[]){0, 0, 0, 0}, 4, "block_ticks 0");
    m.u.config.block_ticks = 1000001;
    both_fail(&m, 0, (const uint8_t[]){0x41, 0x42, 0x0F, 0}, 4, "block_ticks 1000001");

    m = valid(RC_LINK_CONFIGURE);
    m.u.config.fall_code = 2200; /* equal thresholds: no hysteresis, allowed */
    ok_both_ways(&m);
    m.u.config.fall_code = 2201;
    both_fail(&m, 4, (const uint8_t[]){0x99, 0x08}, 2, "fall_code 2201 above rise_code 2200");

    m = valid(RC_LINK_CONFIGURE);
    m.u.config.ovp_code = 0;
    both_fail(&m, 8, (const uint8_t[]){0, 0}, 2, "ovp_code");
    m = valid(RC_LINK_CONFIGURE);
    m.u.config.ocp_code = 0;
    both_fail(&m, 10, (const uint8_t[]){0, 0}, 2, "ocp_code");
    m = valid(RC_LINK_CONFIGURE);
    m.u.config.watchdog_ms = 0;
    both_fail(&m, 14, (const uint8_t[]){0, 0}, 2, "watchdog_ms");

    m = valid(RC_LINK_CONFIGURE);
    m.u.config.sniff_bit_clocks = 0;
    ok_both_ways(&m);
    m.u.config.sniff_bit_clocks = 4;
    ok_both_ways(&m);
    m.u.config.sniff_bit_clocks = 3;
    both_fail(&m, 18, (const uint8_t[]){3, 0}, 2, "sniff_bit_clocks 3");

    m = valid(RC_LINK_CONFIGURE);
    m.u.config.safe_pins = 0x04;
    both_fail(&m, 20, (const uint8_t[]){0x04}, 1, "safe_pins 0x04");
    m = valid(RC_LINK_CONFIGURE);
    m.u.config.flags = 0x80;
    both_fail(&m, 21, (const uint8_t[]){0x80}, 1, "flags 0x80");
}
END_TEST

START_TEST(test_segment_ranges)
{
    rc_link_msg m = valid(RC_LINK_SEGMENT);
    m.u.seg.duration_ticks = RC_LINK_TICK_MAX;
    ok_both_ways(&m);
    m.u.seg.duration_ticks = 0;
    both_fail(&m, 4, (const uint8_t[]){0, 0, 0, 0, 0, 0}, 6, "duration_ticks 0");
    m.u.seg.duration_ticks = RC_LINK_TICK_MAX + 1;
    enc_fails(&m, "duration_ticks 281474976710656");

    m = valid(RC_LINK_SEGMENT);
    m.u.seg.pins = RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST | RC_LINK_SEG_LAST;
    ok_both_ways(&m);
    m.u.seg.pins = 0x04;
    both_fail(&m, 18, (const uint8_t[]){0x04}, 1, "pins 0x04");

    m = valid(RC_LINK_SEGMENT);
    m.u.seg.start_code = m.u.seg.end_code = 5;
    m.u.seg.slope = 0;
    m.u.seg.wait = RC_LINK_WAIT_RAIL_FALL;
    ok_both_ways(&m);
    m.u.seg.wait = 6;
    both_fail(&m, 19, (const uint8_t[]){6}, 1, "unknown wait condition 6");

    /* Slope against the direction of the ramp, or on a hold. */
    m = valid(RC_LINK_SEGMENT);
    m.u.seg.slope = -1;
    both_fail(&m, 14, (const uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF}, 4, "slope -1");
    m = valid(RC_LINK_SEGMENT);
    m.u.seg.start_code = 300;
    enc_fails(&m, "slope 1677721 does not lead from code 300 to 200");
    m.u.seg.slope = -1677721;
    ok_both_ways(&m);
    m = valid(RC_LINK_SEGMENT);
    m.u.seg.end_code = 100;
    both_fail(&m, 12, (const uint8_t[]){100, 0}, 2, "does not lead from code 100 to 100");
    /* A slope of 0 on a ramp is allowed: a ramp slower than 2^-24 codes
     * per tick steps only at its end. */
    m = valid(RC_LINK_SEGMENT);
    m.u.seg.slope = 0;
    ok_both_ways(&m);

    m = valid(RC_LINK_SEGMENT);
    m.u.seg.wait = RC_LINK_WAIT_HOST;
    both_fail(&m, 19, (const uint8_t[]){1}, 1, "a wait cannot ramp");
}
END_TEST

START_TEST(test_pins_and_identify_ranges)
{
    rc_link_msg m = valid(RC_LINK_PINS);
    m.u.pins.pins = 0x03;
    ok_both_ways(&m);
    m.u.pins.pins = 0x80;
    both_fail(&m, 2, (const uint8_t[]){0x80}, 1, "0x80 has unknown bits");

    m = valid(RC_LINK_IDENTIFY_REPLY);
    m.u.identify.tick_hz = 0;
    both_fail(&m, 12, (const uint8_t[]){0, 0, 0, 0}, 4, "must be non-zero");
    m = valid(RC_LINK_IDENTIFY_REPLY);
    m.u.identify.fifo_depth = 0;
    both_fail(&m, 22, (const uint8_t[]){0, 0}, 2, "must be non-zero");
}
END_TEST

START_TEST(test_protocol_version)
{
    rc_link_msg m = valid(RC_LINK_IDENTIFY_REPLY);
    m.u.identify.proto_minor = 9; /* a newer minor still decodes */
    ok_both_ways(&m);

    m.u.identify.proto_major = 2;
    enc_fails(&m, "protocol major 2");
    rc_link_msg good = valid(RC_LINK_IDENTIFY_REPLY);
    rc_link_frame f = frame_of(&good);
    f.payload[0] = 2;
    f.payload[1] = 3;
    rc_link_msg back;
    rc_error err;
    ck_assert_int_eq(rc_link_msg_from_frame(&f, &back, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "link: gateware speaks protocol 2.3, this host 1.0");
    ck_assert_uint_eq(back.u.identify.proto_major, 2);
    ck_assert_uint_eq(back.u.identify.proto_minor, 3);
    /* Another major is named even when its payload has another length. */
    f.len = 2;
    dec_fails(&f, RC_ERR_UNSUPPORTED, "protocol 2.3");
    f.len = 1;
    dec_fails(&f, RC_ERR_FORMAT, "payload of 1 bytes, expected 32");
}
END_TEST

START_TEST(test_samples_ranges)
{
    rc_link_msg m = valid(RC_LINK_SAMPLES);
    m.u.samples.n = RC_LINK_MAX_BLOCKS;
    ok_both_ways(&m);
    m.u.samples.tick = RC_LINK_TICK_MAX;
    ok_both_ways(&m);
    m.u.samples.tick = RC_LINK_TICK_MAX + 1;
    enc_fails(&m, "exceeds 48 bits");
    m = valid(RC_LINK_SAMPLES);
    m.u.samples.n = 0;
    enc_fails(&m, "0 blocks outside 1..7");
    m.u.samples.n = 8;
    enc_fails(&m, "8 blocks outside 1..7");
    m = valid(RC_LINK_SAMPLES);
    m.u.samples.blocks[0].v_min = 3;
    both_fail(&m, 7, (const uint8_t[]){3, 0}, 2, "block 0 has a minimum above its maximum");
    m = valid(RC_LINK_SAMPLES);
    m.u.samples.blocks[0].i_min = 5;
    both_fail(&m, 11, (const uint8_t[]){5, 0}, 2, "block 0 has a minimum above its maximum");

    /* n = 0 with the matching length of 7 bytes decodes to a range error. */
    rc_link_frame f = {.type = RC_LINK_SAMPLES, .len = 7};
    dec_fails(&f, RC_ERR_FORMAT, "0 blocks outside 1..7");
}
END_TEST

START_TEST(test_events_ranges)
{
    rc_link_msg m = valid(RC_LINK_EVENTS);
    m.u.events.n = RC_LINK_MAX_EVENTS;
    for (int k = 2; k < RC_LINK_MAX_EVENTS; k++)
        m.u.events.ev[k] = (rc_link_event){20, RC_LINK_EV_UART_ERROR, 0, 0};
    ok_both_ways(&m);
    m.u.events.n = RC_LINK_MAX_EVENTS + 1;
    enc_fails(&m, "6 records outside 1..5");
    m.u.events.n = 0;
    enc_fails(&m, "0 records outside 1..5");

    m = valid(RC_LINK_EVENTS);
    m.u.events.ev[1].kind = 0x0E;
    both_fail(&m, 1 + 12 + 6, (const uint8_t[]){0x0E}, 1, "record 1 has unknown kind 0x0e");
    m.u.events.ev[1].kind = 0;
    both_fail(&m, 1 + 12 + 6, (const uint8_t[]){0}, 1, "record 1 has unknown kind 0x00");

    /* A debounced edge is back-dated: records need not be in tick order. */
    m = valid(RC_LINK_EVENTS);
    m.u.events.ev[1].tick = 9;
    ok_both_ways(&m);
    m = valid(RC_LINK_EVENTS);
    m.u.events.ev[1].tick = RC_LINK_TICK_MAX + 1;
    enc_fails(&m, "exceeds 48 bits");
}
END_TEST

START_TEST(test_uart_status_ack_nak_ranges)
{
    rc_link_msg m = valid(RC_LINK_UART);
    m.u.uart.n = RC_LINK_MAX_UART;
    ok_both_ways(&m);
    m.u.uart.n = RC_LINK_MAX_UART + 1;
    enc_fails(&m, "20 bytes outside 1..19");
    m = valid(RC_LINK_UART);
    m.u.uart.gap_ticks[0] = 1;
    both_fail(&m, 8, (const uint8_t[]){1, 0}, 2, "the first byte has a gap");
    m = valid(RC_LINK_UART);
    m.u.uart.tick = RC_LINK_TICK_MAX + 1;
    enc_fails(&m, "exceeds 48 bits");

    m = valid(RC_LINK_STATUS);
    m.u.status.state = RC_LINK_STATE_TRIPPED;
    m.u.status.trips = 0x07;
    m.u.status.io = 0x33;
    ok_both_ways(&m);
    m.u.status.state = 6;
    both_fail(&m, 6, (const uint8_t[]){6}, 1, "unknown state 6");
    m = valid(RC_LINK_STATUS);
    m.u.status.trips = 0x08;
    both_fail(&m, 7, (const uint8_t[]){0x08}, 1, "trips 0x08");
    m = valid(RC_LINK_STATUS);
    m.u.status.io = 0x04;
    both_fail(&m, 19, (const uint8_t[]){0x04}, 1, "io 0x04");
    m = valid(RC_LINK_STATUS);
    m.u.status.tick = RC_LINK_TICK_MAX + 1;
    enc_fails(&m, "exceeds 48 bits");

    m = valid(RC_LINK_ACK);
    m.u.ack.type = RC_LINK_STATUS;
    both_fail(&m, 0, (const uint8_t[]){RC_LINK_STATUS}, 1, "0x85 is not a host command");
    m.u.ack.type = 0x0B;
    both_fail(&m, 0, (const uint8_t[]){0x0B}, 1, "0x0b is not a host command");

    m = valid(RC_LINK_NAK);
    m.u.nak.reason = RC_LINK_NAK_TRIPPED;
    ok_both_ways(&m);
    m.u.nak.reason = 0;
    both_fail(&m, 2, (const uint8_t[]){0}, 1, "unknown reason 0");
    m.u.nak.reason = 9;
    both_fail(&m, 2, (const uint8_t[]){9}, 1, "unknown reason 9");
}
END_TEST

START_TEST(test_types_and_lengths)
{
    rc_link_msg m = valid(RC_LINK_ARM);
    m.type = (rc_link_type)0x0B;
    enc_fails(&m, "unknown message type 0x0b");
    m.type = (rc_link_type)0x80;
    enc_fails(&m, "unknown message type 0x80");

    rc_link_frame f = {.type = 0x88};
    dec_fails(&f, RC_ERR_FORMAT, "unknown message type 0x88");

    /* Every fixed-length type, one byte short and one byte long. */
    static const struct {
        rc_link_type type;
        uint8_t len;
    } fixed[] = {
        {RC_LINK_IDENTIFY, 0},   {RC_LINK_CONFIGURE, 22},      {RC_LINK_SEGMENT, 20},
        {RC_LINK_ARM, 0},        {RC_LINK_START, 0},           {RC_LINK_STOP, 0},
        {RC_LINK_PINS, 3},       {RC_LINK_HEARTBEAT, 0},       {RC_LINK_RELEASE, 4},
        {RC_LINK_CLEAR_TRIP, 0}, {RC_LINK_STATUS, 26},         {RC_LINK_ACK, 4},
        {RC_LINK_NAK, 4},        {RC_LINK_IDENTIFY_REPLY, 32},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        rc_link_msg good = valid(fixed[i].type);
        f = frame_of(&good);
        ck_assert_uint_eq(f.len, fixed[i].len);
        char want[64];
        snprintf(want, sizeof want, "payload of %u bytes, expected %u", fixed[i].len + 1u,
                 (unsigned)fixed[i].len);
        f.len = (uint8_t)(fixed[i].len + 1);
        dec_fails(&f, RC_ERR_FORMAT, want);
        if (fixed[i].len == 0)
            continue;
        snprintf(want, sizeof want, "payload of %u bytes, expected %u", fixed[i].len - 1u,
                 (unsigned)fixed[i].len);
        f.len = (uint8_t)(fixed[i].len - 1);
        dec_fails(&f, RC_ERR_FORMAT, want);
    }

    /* Variable types: the count byte decides the length. */
    rc_link_msg s = valid(RC_LINK_SAMPLES);
    f = frame_of(&s);
    f.len = 16;
    dec_fails(&f, RC_ERR_FORMAT, "payload of 16 bytes, expected 15");
    f.len = 6;
    dec_fails(&f, RC_ERR_FORMAT, "link samples: payload of 6 bytes lacks its count");
    f.len = 15;
    f.payload[6] = 2;
    dec_fails(&f, RC_ERR_FORMAT, "expected 23");

    rc_link_msg e = valid(RC_LINK_EVENTS);
    f = frame_of(&e);
    f.len = 24;
    dec_fails(&f, RC_ERR_FORMAT, "payload of 24 bytes, expected 25");
    f.len = 0;
    dec_fails(&f, RC_ERR_FORMAT, "link events: payload of 0 bytes lacks its count");
    f.len = 25;
    f.payload[0] = 6; /* 6 records would be 73 bytes */
    dec_fails(&f, RC_ERR_FORMAT, "expected 73");

    rc_link_msg u = valid(RC_LINK_UART);
    f = frame_of(&u);
    f.len = 11;
    dec_fails(&f, RC_ERR_FORMAT, "payload of 11 bytes, expected 10");
    f.len = 6;
    dec_fails(&f, RC_ERR_FORMAT, "link uart: payload of 6 bytes lacks its count");
}
END_TEST

START_TEST(test_encode_buffer)
{
    rc_link_msg m = valid(RC_LINK_CONFIGURE);
    uint8_t out[RC_LINK_MAX_FRAME];
    size_t len = 0;
    rc_error err;
    ck_assert_int_eq(rc_link_msg_encode(&m, 1, out, 28, &len, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "link frame needs 29 bytes, buffer holds 28");
    ck_assert_int_eq(rc_link_msg_encode(&m, 1, out, 29, &len, &err), RC_OK);
    ck_assert_uint_eq(len, 29);
    m.u.config.block_ticks = 0;
    ck_assert_int_eq(rc_link_msg_encode(&m, 1, out, sizeof out, &len, &err), RC_ERR_ARG);
}
END_TEST

START_TEST(test_board_limits)
{
    rc_link_identify id = valid(RC_LINK_IDENTIFY_REPLY).u.identify;
    rc_error err;

    rc_link_msg m = valid(RC_LINK_CONFIGURE);
    m.u.config.block_ticks = 10;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_OK);
    m.u.config.block_ticks = 9;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "link configure: block_ticks 9 below the board's minimum 10");
    m.u.config.block_ticks = 10;
    m.u.config.safe_dac_code = 60000;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_OK);
    m.u.config.safe_dac_code = 60001;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "link configure: DAC code 60001 above the board's limit 60000");

    m = valid(RC_LINK_SEGMENT);
    m.u.seg.start_code = 60000;
    m.u.seg.end_code = 60000;
    m.u.seg.slope = 0;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_OK);
    m.u.seg.start_code = 60001;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "link segment: DAC code 60001 above the board's limit 60000");
    m.u.seg.start_code = 0;
    m.u.seg.end_code = 65535;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "link segment: DAC code 65535 above the board's limit 60000");

    m = valid(RC_LINK_PINS);
    m.u.pins.dac_code = 60000;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_OK);
    m.u.pins.dac_code = 60001;
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_ERR_UNSUPPORTED);

    m = valid(RC_LINK_HEARTBEAT);
    ck_assert_int_eq(rc_link_check_limits(&m, &id, &err), RC_OK);
}
END_TEST

static Suite *link_msg_suite(void)
{
    Suite *s = suite_create("link_msg");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, test_valid_messages_round_trip);
    tcase_add_test(tc, test_config_ranges);
    tcase_add_test(tc, test_segment_ranges);
    tcase_add_test(tc, test_pins_and_identify_ranges);
    tcase_add_test(tc, test_protocol_version);
    tcase_add_test(tc, test_samples_ranges);
    tcase_add_test(tc, test_events_ranges);
    tcase_add_test(tc, test_uart_status_ack_nak_ranges);
    tcase_add_test(tc, test_types_and_lengths);
    tcase_add_test(tc, test_encode_buffer);
    tcase_add_test(tc, test_board_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(link_msg_suite());
}
