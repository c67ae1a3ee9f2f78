/*
 * railcut/units.h - exact parsing and formatting of quantities with units.
 *
 * Durations are integer microseconds and voltages integer millivolts; decimal
 * text is converted exactly (no floating point), so "179.9s" is 179900000 us
 * and "0.1us" is an error, not a rounding.
 */
#ifndef RAILCUT_UNITS_H
#define RAILCUT_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "10us", "250ms", "179.9s", "3min", "1.5h". A unit is required. */
rc_status rc_parse_duration_us(const char *text, int64_t *out_us, rc_error *err);
/* "12V", "11.5V", "9000mV". A unit is required. */
rc_status rc_parse_voltage_mv(const char *text, int32_t *out_mv, rc_error *err);
/* "150mA", "1.2A". A unit is required. */
rc_status rc_parse_current_ma(const char *text, int32_t *out_ma, rc_error *err);
/* Splits "179.9s" into an exact decimal scaled by 10^scale_digits and a unit
 * suffix; the building block of the parsers above. Returns RC_ERR_PARSE if
 * the number has more than scale_digits decimals or overflows. */
rc_status rc_parse_decimal(const char *text, int scale_digits, int64_t *out_scaled,
                           const char **unit, rc_error *err);

/* Exact, shortest human form: 179900000 -> "179.9s", 250000 -> "250ms",
 * 180000000 -> "180s", 900000000 -> "15min", 12 -> "12us". Never rounds. */
void rc_format_duration(int64_t us, char *buf, size_t len);
/* Seconds with 6 decimals, trailing zeros trimmed: "179.9", "0.000012". */
void rc_format_seconds(int64_t us, char *buf, size_t len);
/* 11500 -> "11.5V" */
void rc_format_voltage(int32_t mv, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
