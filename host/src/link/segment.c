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
 *
 * The ramp itself - slope, the code at a tick, the next tick the code
 * changes - is the sequencer's accumulator in closed form: start << 24 plus
 * k slopes, integer part taken, held at the end code once reached. The sim
 * backend ramps with the same functions, so the golden model and the
 * gateware give the same code at every tick.
 */
#include <assert.h>
#include <stdint.h>

#include "railcut/link.h"

#define US_PER_S INT64_C(1000000)
#define RAMP_ONE (INT64_C(1) << 24) /* one code in the accumulator */
/* Code differences the closed form handles without overflow (2^38 codes). */
#define RAMP_MAX_SPAN (INT64_C(1) << 38)

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

int64_t rc_link_ramp_slope(int64_t start_code, int64_t end_code, uint64_t ticks)
{
    assert(ticks > 0 && ticks <= (uint64_t)INT64_MAX);
    assert(end_code - start_code < RAMP_MAX_SPAN && start_code - end_code < RAMP_MAX_SPAN);
    return (end_code - start_code) * RAMP_ONE / (int64_t)ticks; /* C truncates toward zero */
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t rc_link_ramp_code(int64_t start_code, int64_t end_code, int64_t slope, uint64_t k)
{
    if (slope == 0)
        return start_code;
    assert((slope > 0) == (end_code > start_code));
    int64_t need = (end_code - start_code) * RAMP_ONE;
    int64_t step = slope > 0 ? slope : -slope;
    /* Past need / step slopes the ramp has reached its end for certain;
     * before it k * step cannot overflow. */
    if (k > (uint64_t)((need >= 0 ? need : -need) / step))
        return end_code;
    int64_t code = floor_div(start_code * RAMP_ONE + (int64_t)k * slope, RAMP_ONE);
    if (slope > 0)
        return code < end_code ? code : end_code;
    return code > end_code ? code : end_code;
}

uint64_t rc_link_ramp_next_change(int64_t start_code, int64_t end_code, int64_t slope,
                                  uint64_t k)
{
    int64_t code = rc_link_ramp_code(start_code, end_code, slope, k);
    if (slope == 0 || code == end_code)
        return UINT64_MAX;
    int64_t start = start_code * RAMP_ONE;
    if (slope > 0) /* the first k whose accumulator reaches code + 1 */
        return (uint64_t)(((code + 1) * RAMP_ONE - start + slope - 1) / slope);
    /* the first k whose accumulator falls below code */
    return (uint64_t)((start - code * RAMP_ONE) / -slope + 1);
}

static rc_status ramp_slope(const rc_link_seg *out, int32_t *slope, rc_error *err)
{
    int64_t q = rc_link_ramp_slope(out->start_code, out->end_code, out->duration_ticks);
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
