/*
 * segment.c - profile segments (rc_segment: microseconds and millivolts) to
 * segment FIFO entries (rc_link_seg: ticks and DAC codes).
 *
 * Everything is integer arithmetic: a setpoint maps to the nearest DAC code
 * through the bench's calibration (offset in mV, step in nV per code), a
 * duration must be a whole number of ticks, and a ramp's slope is the code
 * difference in 24-bit fixed point divided by its ticks, truncated toward
 * zero so the gateware never overshoots the end code. Anything the board
 * cannot represent (a code above its build-time clamp, a negative code, a
 * slope over 128 codes per tick) is refused, never wrapped or clamped.
 */
#include <stdint.h>

#include "railcut/link.h"

#define US_PER_S INT64_C(1000000)

rc_status rc_link_mv_to_code(const rc_link_dac_cal *cal, int32_t mv, uint16_t *code,
                             rc_error *err)
{
    if (cal->nv_per_code == 0)
        return rc_error_set(err, RC_ERR_ARG, "DAC calibration has zero nV per code");
    int64_t half = cal->nv_per_code / 2;
    int64_t scaled = ((int64_t)mv - cal->offset_mv) * 1000000 + half;
    if (scaled < 0)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "%d mV is below DAC code 0 (%d mV)", mv,
                            cal->offset_mv);
    int64_t c = scaled / cal->nv_per_code;
    if (c > cal->max_code)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "%d mV needs DAC code %lld, above the board's limit %u", mv,
                            (long long)c, (unsigned)cal->max_code);
    *code = (uint16_t)c;
    return RC_OK;
}

rc_status rc_link_us_to_ticks(uint32_t tick_hz, int64_t us, uint64_t *ticks, rc_error *err)
{
    if (us < 0 || tick_hz == 0)
        return rc_error_set(err, RC_ERR_ARG, "cannot convert %lld us at %u ticks/s",
                            (long long)us, (unsigned)tick_hz);
    uint64_t whole_s = (uint64_t)(us / US_PER_S);
    uint64_t rem_us = (uint64_t)(us % US_PER_S);
    if (whole_s > RC_LINK_TICK_MAX / tick_hz)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "%lld us exceeds the 48-bit tick range",
                            (long long)us);
    if (rem_us * tick_hz % US_PER_S != 0)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "%lld us is not a whole number of ticks at %u ticks/s",
                            (long long)us, (unsigned)tick_hz);
    uint64_t t = whole_s * tick_hz + rem_us * tick_hz / US_PER_S;
    if (t > RC_LINK_TICK_MAX)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "%lld us exceeds the 48-bit tick range",
                            (long long)us);
    *ticks = t;
    return RC_OK;
}

static uint8_t wait_from_profile(const rc_segment *s)
{
    if (s->kind != RC_SEG_WAIT)
        return RC_LINK_WAIT_NONE;
    switch (s->wait_on) {
    case RC_WAIT_AD1: return RC_LINK_WAIT_ALERT;
    case RC_WAIT_READY:
    case RC_WAIT_RESTORED:
    case RC_WAIT_DOWN: return RC_LINK_WAIT_HOST;
    default: return RC_LINK_WAIT_NONE;
    }
}

static rc_status ramp_slope(const rc_link_seg *out, int32_t *slope, rc_error *err)
{
    int64_t delta = ((int64_t)out->end_code - out->start_code) * (INT64_C(1) << 24);
    int64_t q = delta / (int64_t)out->duration_ticks; /* C truncates toward zero */
    if (q > INT32_MAX || q < INT32_MIN)
        return rc_error_set(
            err, RC_ERR_UNSUPPORTED,
            "ramp from code %u to %u in %llu ticks is steeper than 128 codes per "
            "tick",
            (unsigned)out->start_code, (unsigned)out->end_code,
            (unsigned long long)out->duration_ticks);
    *slope = (int32_t)q;
    return RC_OK;
}

static rc_status convert(const rc_segment *s, const rc_link_dac_cal *cal, rc_link_seg *out,
                         rc_error *err)
{
    rc_status st = rc_link_us_to_ticks(cal->tick_hz, s->duration_us, &out->duration_ticks, err);
    if (st != RC_OK)
        return st;
    if (out->duration_ticks == 0)
        return rc_error_set(err, RC_ERR_ARG, "a segment of zero ticks holds no time");
    st = rc_link_mv_to_code(cal, s->from_mv, &out->start_code, err);
    if (st != RC_OK)
        return st;
    out->end_code = out->start_code;
    out->slope = 0;
    if (s->kind != RC_SEG_RAMP)
        return RC_OK;
    st = rc_link_mv_to_code(cal, s->to_mv, &out->end_code, err);
    if (st != RC_OK)
        return st;
    return ramp_slope(out, &out->slope, err);
}

rc_status rc_link_seg_from_segment(const rc_segment *s, uint32_t seg_id, bool last,
                                   const rc_link_dac_cal *cal, rc_link_seg *out, rc_error *err)
{
    rc_link_seg e = {.seg_id = seg_id};
    rc_status st = convert(s, cal, &e, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "segment %u (line %d)", (unsigned)seg_id, s->line);
    e.pins =
        (uint8_t)((s->rail_on ? RC_LINK_PIN_RAIL_EN : 0u) |
                  (s->ac_lost ? RC_LINK_PIN_AC_LOST : 0u) | (last ? RC_LINK_SEG_LAST : 0u));
    e.wait = wait_from_profile(s);
    *out = e;
    return RC_OK;
}
