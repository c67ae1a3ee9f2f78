/*
 * units.c - exact decimal quantities with units.
 *
 * A quantity is parsed as an integer mantissa scaled by a power of ten
 * (rc_parse_decimal), then multiplied by its unit's factor in integers, so
 * "179.9s" becomes exactly 179900000 us. Anything finer than the target
 * resolution (1 us, 1 mV, 1 mA) is refused rather than rounded.
 */
#include <ctype.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "railcut/units.h"

#define MAX_SCALE_DIGITS 9

static const int64_t pow10_table[] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
    1000000000LL,
};

rc_status rc_parse_decimal(const char *text, int scale_digits, int64_t *out_scaled,
                           const char **unit, rc_error *err)
{
    if (scale_digits < 0 || scale_digits > MAX_SCALE_DIGITS)
        return rc_error_set(err, RC_ERR_ARG, "bad scale %d", scale_digits);
    const char *p = text;
    bool negative = false;
    if (*p == '-' || *p == '+')
        negative = *p++ == '-';
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return rc_error_set(err, RC_ERR_PARSE, "expected a number in '%s'", text);
    int64_t value = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (value > (INT64_MAX / 10 - 9) / pow10_table[scale_digits])
            return rc_error_set(err, RC_ERR_PARSE, "number too large in '%s'", text);
        value = value * 10 + (*p - '0');
    }
    value *= pow10_table[scale_digits];
    if (*p == '.') {
        p++;
        int decimals = 0;
        for (; isdigit((unsigned char)*p); p++, decimals++) {
            if (*p == '0')
                continue;
            if (decimals >= scale_digits)
                return rc_error_set(err, RC_ERR_PARSE, "'%s' is more precise than the resolution",
                                    text);
            value += (*p - '0') * pow10_table[scale_digits - decimals - 1];
        }
    }
    *out_scaled = negative ? -value : value;
    if (unit)
        *unit = p;
    return RC_OK;
}

typedef struct unit_factor {
    const char *name;
    int64_t factor;     /* target units per 1 of this unit */
    int scale_digits;   /* decimals that stay integral after multiplying */
} unit_factor;

static rc_status parse_with_units(const char *text, const unit_factor *units, size_t n_units,
                                  const char *what, const char *target, int64_t *out,
                                  rc_error *err)
{
    /* Find the unit first, so the decimal scale fits it: 1 s = 10^6 us allows
     * 6 decimals, 1 us allows none. */
    size_t len = strlen(text);
    size_t num_len = 0;
    while (num_len < len && (isdigit((unsigned char)text[num_len]) || text[num_len] == '.' ||
                             text[num_len] == '-' || text[num_len] == '+'))
        num_len++;
    const char *suffix = text + num_len;
    if (*suffix == '\0')
        return rc_error_set(err, RC_ERR_PARSE, "%s '%s' needs a unit (%s)", what, text, target);
    for (size_t i = 0; i < n_units; i++) {
        if (strcmp(suffix, units[i].name) != 0)
            continue;
        char number[64];
        if (num_len >= sizeof number)
            return rc_error_set(err, RC_ERR_PARSE, "number too long in '%s'", text);
        memcpy(number, text, num_len);
        number[num_len] = '\0';
        int64_t scaled;
        const char *rest;
        rc_status st = rc_parse_decimal(number, units[i].scale_digits, &scaled, &rest, err);
        if (st != RC_OK)
            return st;
        if (*rest != '\0')
            return rc_error_set(err, RC_ERR_PARSE, "bad number in %s '%s'", what, text);
        int64_t per_scaled = units[i].factor / pow10_table[units[i].scale_digits];
        if (scaled != 0 && (scaled > INT64_MAX / per_scaled || scaled < -INT64_MAX / per_scaled))
            return rc_error_set(err, RC_ERR_PARSE, "%s '%s' is out of range", what, text);
        *out = scaled * per_scaled;
        return RC_OK;
    }
    return rc_error_set(err, RC_ERR_PARSE, "unknown unit '%s' in %s '%s' (%s)", suffix, what,
                        text, target);
}

static const unit_factor duration_units[] = {
    {"us", 1LL, 0},
    {"ms", 1000LL, 3},
    {"s", 1000000LL, 6},
    {"min", 60000000LL, 6},
    {"h", 3600000000LL, 6},
};

rc_status rc_parse_duration_us(const char *text, int64_t *out_us, rc_error *err)
{
    return parse_with_units(text, duration_units, sizeof duration_units / sizeof duration_units[0],
                            "duration", "us, ms, s, min or h", out_us, err);
}

static rc_status parse_milli(const char *text, const char *base, const char *what,
                             const char *target, int32_t *out, rc_error *err)
{
    char milli[8];
    snprintf(milli, sizeof milli, "m%s", base);
    const unit_factor units[] = {{milli, 1, 0}, {base, 1000, 3}};
    int64_t value;
    rc_status st = parse_with_units(text, units, 2, what, target, &value, err);
    if (st != RC_OK)
        return st;
    if (value > INT32_MAX || value < -INT32_MAX)
        return rc_error_set(err, RC_ERR_PARSE, "%s '%s' is out of range", what, text);
    *out = (int32_t)value;
    return RC_OK;
}

rc_status rc_parse_voltage_mv(const char *text, int32_t *out_mv, rc_error *err)
{
    return parse_milli(text, "V", "voltage", "V or mV", out_mv, err);
}

rc_status rc_parse_current_ma(const char *text, int32_t *out_ma, rc_error *err)
{
    return parse_milli(text, "A", "current", "A or mA", out_ma, err);
}

/* Writes value/10^digits with trailing zeros trimmed, e.g. (179900000, 6) -> "179.9". */
static void format_scaled(int64_t value, int digits, const char *unit, char *buf, size_t len)
{
    const char *sign = value < 0 ? "-" : "";
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    uint64_t scale = (uint64_t)pow10_table[digits];
    uint64_t whole = mag / scale, frac = mag % scale;
    if (frac == 0) {
        snprintf(buf, len, "%s%" PRIu64 "%s", sign, whole, unit);
        return;
    }
    char fracbuf[24];
    snprintf(fracbuf, sizeof fracbuf, "%0*" PRIu64, digits, frac);
    for (size_t i = strlen(fracbuf); i > 0 && fracbuf[i - 1] == '0'; i--)
        fracbuf[i - 1] = '\0';
    snprintf(buf, len, "%s%" PRIu64 ".%s%s", sign, whole, fracbuf, unit);
}

void rc_format_duration(int64_t us, char *buf, size_t len)
{
    int64_t mag = us < 0 ? -us : us;
    if (mag != 0 && mag % 3600000000LL == 0)
        format_scaled(us / 3600000000LL, 0, "h", buf, len);
    else if (mag >= 600000000LL && mag % 60000000LL == 0)
        /* Minutes only from 10 min on: the 180 s limit reads best in seconds. */
        format_scaled(us / 60000000LL, 0, "min", buf, len);
    else if (mag >= 1000000)
        format_scaled(us, 6, "s", buf, len);
    else if (mag >= 1000)
        format_scaled(us, 3, "ms", buf, len);
    else
        format_scaled(us, 0, "us", buf, len);
}

void rc_format_seconds(int64_t us, char *buf, size_t len)
{
    format_scaled(us, 6, "", buf, len);
}

void rc_format_voltage(int32_t mv, char *buf, size_t len)
{
    format_scaled(mv, 3, "V", buf, len);
}
