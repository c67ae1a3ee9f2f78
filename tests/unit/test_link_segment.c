/*
 * test_link_segment.c - profile segments to segment FIFO entries: exact
 * millivolt -> DAC code rounding, whole ticks, ramp slopes (checked against
 * the gateware's accumulator as docs/protocol.md defines it), pins, waits,
 * and refusal at the board's clamp instead of wrapping.
 */
#include "test_link_fixture.h"

/* 1 mV per code, 1 MHz ticks, the golden vectors' clamp. */
static const rc_link_dac_cal cal_1mv = {0, 1000000, 60000, 1000000};

static rc_segment seg(rc_seg_kind kind, int64_t duration_us, int32_t from_mv, int32_t to_mv)
{
    rc_segment s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.duration_us = duration_us;
    s.from_mv = from_mv;
    s.to_mv = to_mv;
    s.line = 12;
    return s;
}

START_TEST(test_mv_to_code)
{
    rc_link_dac_cal cal = {0, 250000, 60000, 1000000}; /* 0.25 mV per code */
    uint16_t code = 0;
    rc_error err;
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 12000, &code, &err), RC_OK);
    ck_assert_uint_eq(code, 48000);
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 15000, &code, &err), RC_OK);
    ck_assert_uint_eq(code, 60000);
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 15001, &code, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "15001 mV needs DAC code 60004, above the board's limit 60000");
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 0, &code, &err), RC_OK);
    ck_assert_uint_eq(code, 0);

    /* Nearest code, halves up: 0.4 mV per code. */
    cal.nv_per_code = 400000;
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 1, &code, &err), RC_OK); /* 2.5 */
    ck_assert_uint_eq(code, 3);
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 3, &code, &err), RC_OK); /* 7.5 */
    ck_assert_uint_eq(code, 8);
    cal.nv_per_code = 300000;
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 1, &code, &err), RC_OK); /* 3.33 */
    ck_assert_uint_eq(code, 3);
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 2, &code, &err), RC_OK); /* 6.67 */
    ck_assert_uint_eq(code, 7);

    /* An offset: code 0 is 100 mV; below it by half a code or more is refused. */
    cal = (rc_link_dac_cal){100, 1000000, 60000, 1000000};
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 100, &code, &err), RC_OK);
    ck_assert_uint_eq(code, 0);
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 99, &code, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "99 mV is below DAC code 0 (100 mV)");
    ck_assert_int_eq(rc_link_mv_to_code(&cal, INT32_MIN, &code, &err), RC_ERR_UNSUPPORTED);
    ck_assert_int_eq(rc_link_mv_to_code(&cal, INT32_MAX, &code, &err), RC_ERR_UNSUPPORTED);
    cal.nv_per_code = 1000001; /* 99.9999 -> 100, 0.5 code below 0 rounds up to 0 */
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 200, &code, &err), RC_OK);
    ck_assert_uint_eq(code, 100);

    cal.nv_per_code = 0;
    ck_assert_int_eq(rc_link_mv_to_code(&cal, 100, &code, &err), RC_ERR_ARG);
}
END_TEST

START_TEST(test_us_to_ticks)
{
    uint64_t t = 0;
    rc_error err;
    ck_assert_int_eq(rc_link_us_to_ticks(1000000, 172000000, &t, &err), RC_OK);
    ck_assert_uint_eq(t, 172000000);
    ck_assert_int_eq(rc_link_us_to_ticks(1000000, 0, &t, &err), RC_OK);
    ck_assert_uint_eq(t, 0);
    ck_assert_int_eq(rc_link_us_to_ticks(1000000, (int64_t)RC_LINK_TICK_MAX, &t, &err), RC_OK);
    ck_assert_uint_eq(t, RC_LINK_TICK_MAX);
    ck_assert_int_eq(rc_link_us_to_ticks(1000000, (int64_t)RC_LINK_TICK_MAX + 1, &t, &err),
                     RC_ERR_UNSUPPORTED);
    ck_assert_int_eq(rc_link_us_to_ticks(1000000, INT64_MAX, &t, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "9223372036854775807 us exceeds the 48-bit tick range");

    /* 12 MHz ticks: every microsecond is 12 ticks. */
    ck_assert_int_eq(rc_link_us_to_ticks(12000000, 1500001, &t, &err), RC_OK);
    ck_assert_uint_eq(t, 18000012);
    /* 32768 Hz ticks: 15625 us is 512 ticks exactly, 1 us is not whole. */
    ck_assert_int_eq(rc_link_us_to_ticks(32768, 15625, &t, &err), RC_OK);
    ck_assert_uint_eq(t, 512);
    ck_assert_int_eq(rc_link_us_to_ticks(32768, 2015625, &t, &err), RC_OK);
    ck_assert_uint_eq(t, 2 * 32768 + 512);
    ck_assert_int_eq(rc_link_us_to_ticks(32768, 1, &t, &err), RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "1 us is not a whole number of ticks at 32768 ticks/s");

    ck_assert_int_eq(rc_link_us_to_ticks(1000000, -1, &t, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_link_us_to_ticks(0, 1, &t, &err), RC_ERR_ARG);
}
END_TEST

START_TEST(test_hold_and_pins)
{
    rc_link_seg e;
    rc_error err;
    rc_segment s = seg(RC_SEG_HOLD, 172000000, 0, 0);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 0, false, &cal_1mv, &e, &err), RC_OK);
    /* Exactly the golden segment_hold entry. */
    rc_link_msg m = {.type = RC_LINK_SEGMENT, .u.seg = e};
    uint8_t out[RC_LINK_MAX_FRAME];
    size_t len = 0;
    ck_assert_int_eq(rc_link_msg_encode(&m, 2, out, sizeof out, &len, &err), RC_OK);
    link_vector v[LINK_MAX_VECTORS];
    size_t nv = link_load_vectors(v);
    const link_vector *gold = link_find(v, nv, "segment_hold");
    ck_assert_uint_eq(len, gold->len);
    ck_assert_mem_eq(out, gold->bytes, len);

    s = seg(RC_SEG_OBSERVE, 120000000, 12000, 12000);
    s.rail_on = true;
    s.ac_lost = true;
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 41, true, &cal_1mv, &e, &err), RC_OK);
    ck_assert_uint_eq(e.seg_id, 41);
    ck_assert_uint_eq(e.duration_ticks, 120000000);
    ck_assert_uint_eq(e.start_code, 12000);
    ck_assert_uint_eq(e.end_code, 12000);
    ck_assert_int_eq(e.slope, 0);
    ck_assert_uint_eq(e.pins, RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST | RC_LINK_SEG_LAST);
    ck_assert_uint_eq(e.wait, RC_LINK_WAIT_NONE);

    s.rail_on = false;
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 41, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_uint_eq(e.pins, RC_LINK_PIN_AC_LOST);
}
END_TEST

/* The gateware's ramp as docs/protocol.md defines it: a 40-bit accumulator
 * with 24 fraction bits, stopping at end_code. Returns the code at the
 * entry's last tick and fails if any tick overshoots end_code. */
static unsigned ramp_last_code(const rc_link_seg *e)
{
    int64_t acc = (int64_t)e->start_code << 24;
    int64_t end = (int64_t)e->end_code << 24;
    bool up = e->end_code > e->start_code;
    for (uint64_t t = 1; t < e->duration_ticks; t++) {
        acc += e->slope;
        if ((up && acc > end) || (!up && acc < end))
            acc = end;
        unsigned code = (unsigned)(acc >> 24);
        ck_assert(up ? code <= e->end_code : code >= e->end_code);
    }
    return (unsigned)(acc >> 24);
}

START_TEST(test_ramp)
{
    rc_link_seg e;
    rc_error err;
    rc_segment s = seg(RC_SEG_RAMP, 5000, 43690, 30000);
    s.rail_on = true;
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 1, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_uint_eq(e.start_code, 43690);
    ck_assert_uint_eq(e.end_code, 30000);
    ck_assert_int_eq(e.slope, -45936017);
    ck_assert_uint_eq(e.duration_ticks, 5000);
    rc_link_msg m = {.type = RC_LINK_SEGMENT, .u.seg = e};
    uint8_t out[RC_LINK_MAX_FRAME];
    size_t len = 0;
    ck_assert_int_eq(rc_link_msg_encode(&m, 3, out, sizeof out, &len, &err), RC_OK);
    link_vector v[LINK_MAX_VECTORS];
    size_t nv = link_load_vectors(v);
    const link_vector *gold = link_find(v, nv, "segment_ramp");
    ck_assert_mem_eq(out, gold->bytes, gold->len);
    /* 4999 steps of -2.738 codes, as docs/protocol.md states. */
    ck_assert_uint_eq(ramp_last_code(&e), 30002);

    /* Rising, exact: 3000 codes in 1000 ticks is 3 codes per tick. */
    s = seg(RC_SEG_RAMP, 1000, 10000, 13000);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 2, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_int_eq(e.slope, 3 << 24);
    ck_assert_uint_eq(ramp_last_code(&e), 12997);

    /* A ramp of one code over 20 s: the slope truncates to 0. */
    s = seg(RC_SEG_RAMP, 20000000, 10000, 10001);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 3, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_int_eq(e.slope, 0);
    ck_assert_uint_eq(e.end_code, 10001);

    /* 127 codes per tick fits, 128 does not. */
    s = seg(RC_SEG_RAMP, 1, 0, 127);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 4, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_int_eq(e.slope, 127 << 24);
    s = seg(RC_SEG_RAMP, 1, 128, 0);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 4, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_int_eq(e.slope, INT32_MIN);
    s = seg(RC_SEG_RAMP, 1, 0, 128);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 4, false, &cal_1mv, &e, &err),
                     RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.msg, "segment 4 (line 12): ramp from code 0 to 128 in 1 ticks is "
                              "steeper than 128 codes per tick");
}
END_TEST

START_TEST(test_waits)
{
    static const struct {
        rc_wait_on on;
        uint8_t want;
    } map[] = {
        {RC_WAIT_AD1, RC_LINK_WAIT_ALERT},     {RC_WAIT_READY, RC_LINK_WAIT_HOST},
        {RC_WAIT_RESTORED, RC_LINK_WAIT_HOST}, {RC_WAIT_DOWN, RC_LINK_WAIT_HOST},
        {RC_WAIT_NONE, RC_LINK_WAIT_NONE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        rc_segment s = seg(RC_SEG_WAIT, 300000000, 12000, 12000);
        s.wait_on = map[i].on;
        s.rail_on = true;
        rc_link_seg e;
        rc_error err;
        ck_assert_int_eq(rc_link_seg_from_segment(&s, 2, true, &cal_1mv, &e, &err), RC_OK);
        ck_assert_uint_eq(e.wait, map[i].want);
        ck_assert_uint_eq(e.duration_ticks, 300000000);
        ck_assert_int_eq(e.slope, 0);
    }
    /* wait_on outside a WAIT segment means nothing. */
    rc_segment s = seg(RC_SEG_HOLD, 1000, 12000, 12000);
    s.wait_on = RC_WAIT_AD1;
    rc_link_seg e;
    rc_error err;
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 0, false, &cal_1mv, &e, &err), RC_OK);
    ck_assert_uint_eq(e.wait, RC_LINK_WAIT_NONE);
}
END_TEST

START_TEST(test_refusals)
{
    rc_link_seg e;
    memset(&e, 0x5A, sizeof e);
    rc_link_seg before = e;
    rc_error err;

    rc_segment s = seg(RC_SEG_HOLD, 1000, 60001, 60001);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 3, false, &cal_1mv, &e, &err),
                     RC_ERR_UNSUPPORTED);
    ck_assert_str_eq(
        err.msg, "segment 3 (line 12): 60001 mV needs DAC code 60001, above the board's limit "
                 "60000");
    s = seg(RC_SEG_RAMP, 1000, 59000, 61000);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 3, false, &cal_1mv, &e, &err),
                     RC_ERR_UNSUPPORTED);
    s = seg(RC_SEG_HOLD, 0, 12000, 12000);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 3, false, &cal_1mv, &e, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "segment 3 (line 12): a segment of zero ticks holds no time");
    s = seg(RC_SEG_HOLD, -5, 12000, 12000);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 3, false, &cal_1mv, &e, &err), RC_ERR_ARG);
    rc_link_dac_cal slow = cal_1mv;
    slow.tick_hz = 32768;
    s = seg(RC_SEG_HOLD, 1000, 12000, 12000);
    ck_assert_int_eq(rc_link_seg_from_segment(&s, 3, false, &slow, &e, &err),
                     RC_ERR_UNSUPPORTED);
    /* A refused conversion leaves the output untouched. */
    ck_assert_mem_eq(&e, &before, sizeof e);
}
END_TEST

static Suite *link_segment_suite(void)
{
    Suite *s = suite_create("link_segment");
    TCase *tc = tcase_create("segments");
    tcase_add_test(tc, test_mv_to_code);
    tcase_add_test(tc, test_us_to_ticks);
    tcase_add_test(tc, test_hold_and_pins);
    tcase_add_test(tc, test_ramp);
    tcase_add_test(tc, test_waits);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(link_segment_suite());
}
