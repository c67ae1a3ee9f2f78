/*
 * params.c - the CH and supply parameters: defaults, names, units, parsing.
 *
 * One table (params[]) describes every parameter: its canonical name, whether
 * it lives in rc_supply_params ("supply.NAME") or rc_ch_params (bare NAME),
 * its value type (which fixes the accepted units), the field offset, the
 * accepted range and a one-line description. rc_model_param_set, the INI
 * loader and rc_model_params_foreach all walk this table, so a parameter is
 * added in exactly one place (plus its default below and docs/ch-model.md).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "core/diag.h"
#include "railcut/model.h"
#include "railcut/units.h"

typedef enum param_type {
    P_VOLTAGE,    /* int32_t millivolts: "8V", "9000mV" */
    P_DURATION,   /* int64_t microseconds: "20s", "250ms" */
    P_CURRENT,    /* int32_t milliamps: "150mA", "1A" */
    P_SLEW,       /* int32_t mV per ms: "12V/ms", "500mV/ms", "12mV/us" */
    P_CAPACITY,   /* int32_t microfarads: "470uF", "1mF" */
    P_RESISTANCE, /* int32_t ohms: "100ohm", "1kohm" */
    P_BOOL,       /* bool: true/false, yes/no, on/off, 1/0 */
    P_AD1_MODE,   /* rc_ad1_mode: last-gasp, on-restore */
    P_DISCHARGE,  /* rc_discharge: open, active */
    P_INTEGER,    /* int64_t without a unit: "42" */
} param_type;

typedef struct param_desc {
    const char *name; /* without the "supply." prefix */
    bool supply;      /* field of rc_supply_params, else rc_ch_params */
    size_t offset;
    param_type type;
    int64_t min, max; /* accepted range, in the field's unit */
    const char *description;
} param_desc;

/* Hold-up and recharge times multiply in the storage arithmetic of the bench
 * model; 2000 s each keeps the product inside int64_t. */
#define STORAGE_MAX_US (2000LL * 1000000LL)
#define DURATION_MAX_US (24LL * 3600LL * 1000000LL)

#define CH(field) false, offsetof(rc_ch_params, field)
#define SUP(field) true, offsetof(rc_supply_params, field)

static const param_desc params[] = {
    {"uvlo_off", CH(uvlo_off_mv), P_VOLTAGE, 1, 100000,
     "input below this: the CH loses power and its outage timer starts"},
    {"uvlo_on", CH(uvlo_on_mv), P_VOLTAGE, 1, 100000,
     "input at or above this: power is back (hysteresis above uvlo_off)"},
    {"holdup", CH(holdup_us), P_DURATION, 0, STORAGE_MAX_US,
     "ride-through on full storage after losing input"},
    {"recharge", CH(recharge_us), P_DURATION, 0, STORAGE_MAX_US,
     "time to recharge the hold-up storage from empty"},
    {"boot", CH(boot_us), P_DURATION, 0, DURATION_MAX_US, "power-up to ready"},
    {"outage_qualify", CH(outage_qualify_us), P_DURATION, 0, DURATION_MAX_US,
     "AD1 is owed after MORE than this without power"},
    {"ad1_mode", CH(ad1_mode), P_AD1_MODE, 0, 1,
     "last-gasp: AD1 on stored energy; on-restore: AD1 after reboot"},
    {"ad1_latency", CH(ad1_latency_us), P_DURATION, 0, DURATION_MAX_US,
     "qualification (last-gasp) or ready (on-restore) to AD1"},
    {"restored_latency", CH(restored_latency_us), P_DURATION, 0, DURATION_MAX_US,
     "ready to the power-restored alert"},
    {"run_current", CH(run_ma), P_CURRENT, 0, 100000, "drawn while booting or ready"},
    {"charge_current", CH(charge_ma), P_CURRENT, 0, 100000,
     "extra current while the hold-up storage recharges"},
    {"leak_current", CH(leak_ma), P_CURRENT, 0, 100000,
     "drawn by the input stage while under UVLO"},
    {"defect_short_restore", CH(defect_short_restore_us), P_DURATION, 0, DURATION_MAX_US,
     "defect: restores shorter than this do not reset the outage timer"},
    {"defect_timer_offset", CH(defect_timer_offset_us), P_DURATION, -DURATION_MAX_US,
     DURATION_MAX_US, "defect: the timer qualifies at outage_qualify + this"},
    {"defect_no_ad1", CH(defect_no_ad1), P_BOOL, 0, 1, "defect: AD1 is never sent"},
    {"defect_double_ad1", CH(defect_double_ad1), P_BOOL, 0, 1,
     "defect: AD1 is sent twice, 5 s apart"},
    {"slew", SUP(slew_mv_per_ms), P_SLEW, 1, INT32_MAX,
     "how fast the supply output follows its setpoint"},
    {"current_limit", SUP(current_limit_ma), P_CURRENT, 1, 100000,
     "output current limit; it clips the inrush into the rail"},
    {"discharge", SUP(discharge), P_DISCHARGE, 0, 1,
     "what a cut does: open (rail floats) or active (resistor pulls it down)"},
    {"discharge_resistance", SUP(discharge_ohm), P_RESISTANCE, 1, 100000000,
     "active discharge resistance"},
    {"rail_capacitance", SUP(rail_uf), P_CAPACITY, 1, 100000000,
     "capacitance on the CH side of the load switch"},
    {"jitter.qualify", CH(jitter_qualify_us), P_DURATION, 0, DURATION_MAX_US,
     "each outage qualifies at its limit + a uniform draw in [-this, +this]"},
    {"jitter.ad1_latency", CH(jitter_ad1_latency_us), P_DURATION, 0, DURATION_MAX_US,
     "each AD1 latency + a uniform draw in [-this, +this]"},
    {"jitter.boot", CH(jitter_boot_us), P_DURATION, 0, DURATION_MAX_US,
     "each boot time + a uniform draw in [-this, +this]"},
    {"seed", CH(seed), P_INTEGER, 0, INT64_MAX, "seed of the jitter draws"},
};

#define N_PARAMS (sizeof params / sizeof params[0])

void rc_ch_params_default(rc_ch_params *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->uvlo_off_mv = 8000;
    ch->uvlo_on_mv = 9000;
    ch->holdup_us = 2000000;
    ch->recharge_us = 30000000;
    ch->boot_us = 20000000;
    ch->outage_qualify_us = 180000000;
    ch->ad1_mode = RC_AD1_LAST_GASP;
    ch->ad1_latency_us = 2000000;
    ch->restored_latency_us = 1000000;
    ch->run_ma = 150;
    ch->charge_ma = 100;
    ch->leak_ma = 5;
}

void rc_supply_params_default(rc_supply_params *sup)
{
    memset(sup, 0, sizeof *sup);
    sup->slew_mv_per_ms = 12000;
    sup->current_limit_ma = 1000;
    sup->discharge = RC_DISCHARGE_OPEN;
    sup->discharge_ohm = 100;
    sup->rail_uf = 470;
}

static const char *type_unit(param_type type)
{
    switch (type) {
    case P_VOLTAGE: return "V";
    case P_DURATION: return "s";
    case P_CURRENT: return "mA";
    case P_SLEW: return "V/ms";
    case P_CAPACITY: return "uF";
    case P_RESISTANCE: return "ohm";
    case P_BOOL: return "bool";
    case P_AD1_MODE: return "last-gasp|on-restore";
    case P_DISCHARGE: return "open|active";
    case P_INTEGER: return "";
    }
    return "";
}

/* ---- value parsing: each returns the value in the field's unit ---------- */

/* Exact decimal with a unit; factors[i] is the field unit per units[i],
 * times 1000 so that sub-units (nF for a uF field) can be written. */
static rc_status parse_scaled(const char *text, int64_t *out, const char *const *units,
                              const int64_t *factors, const char *what, const char *field_unit,
                              rc_error *err)
{
    int64_t scaled;
    const char *unit;
    if (rc_parse_decimal(text, 3, &scaled, &unit, err) != RC_OK)
        return rc_error_set(err, RC_ERR_PARSE, "bad %s '%s'", what, text);
    const int64_t denom = 1000 * 1000;
    for (size_t i = 0; units[i]; i++) {
        if (strcmp(unit, units[i]) != 0)
            continue;
        if (scaled > INT64_MAX / factors[i] || scaled < -INT64_MAX / factors[i])
            return rc_error_set(err, RC_ERR_PARSE, "%s '%s' is too large", what, text);
        int64_t v = scaled * factors[i];
        if (v % denom != 0)
            return rc_error_set(err, RC_ERR_PARSE, "%s '%s' is finer than 1%s", what, text,
                                field_unit);
        *out = v / denom;
        return RC_OK;
    }
    return rc_error_set(err, RC_ERR_PARSE, "bad %s '%s' (expected e.g. 1%s)", what, text,
                        units[0]);
}

static rc_status parse_slew(const char *text, int64_t *out, rc_error *err)
{
    static const char *const units[] = {"V/ms", "mV/ms", "mV/us", "V/us", NULL};
    static const int64_t factors[] = {1000000, 1000, 1000000, 1000000000};
    return parse_scaled(text, out, units, factors, "slew rate", "mV/ms", err);
}

static rc_status parse_capacity(const char *text, int64_t *out, rc_error *err)
{
    static const char *const units[] = {"uF", "mF", "nF", "F", NULL};
    static const int64_t factors[] = {1000, 1000000, 1, 1000000000};
    return parse_scaled(text, out, units, factors, "capacitance", "uF", err);
}

static rc_status parse_resistance(const char *text, int64_t *out, rc_error *err)
{
    static const char *const units[] = {"ohm", "kohm", "Mohm", NULL};
    static const int64_t factors[] = {1000, 1000000, 1000000000};
    return parse_scaled(text, out, units, factors, "resistance", "ohm", err);
}

static rc_status parse_bool(const char *text, int64_t *out, rc_error *err)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return RC_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return RC_OK;
        }
    }
    return rc_error_set(err, RC_ERR_PARSE, "bad boolean '%s' (expected true or false)", text);
}

static rc_status parse_choice(const char *text, const char *a, const char *b, int64_t *out,
                              rc_error *err)
{
    if (strcmp(text, a) == 0)
        *out = 0;
    else if (strcmp(text, b) == 0)
        *out = 1;
    else
        return rc_error_set(err, RC_ERR_PARSE, "bad value '%s' (expected %s or %s)", text, a,
                            b);
    return RC_OK;
}

static rc_status parse_integer(const char *text, int64_t *out, rc_error *err)
{
    int64_t v = 0;
    if (!*text)
        return rc_error_set(err, RC_ERR_PARSE, "bad integer '' (expected e.g. 42)");
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9' || v > (INT64_MAX - (*c - '0')) / 10)
            return rc_error_set(err, RC_ERR_PARSE, "bad integer '%s' (expected e.g. 42)", text);
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return RC_OK;
}

static rc_status parse_value(const param_desc *d, const char *text, int64_t *out, rc_error *err)
{
    int32_t v32;
    rc_status st;
    switch (d->type) {
    case P_VOLTAGE:
        st = rc_parse_voltage_mv(text, &v32, err);
        *out = v32;
        return st;
    case P_CURRENT:
        st = rc_parse_current_ma(text, &v32, err);
        *out = v32;
        return st;
    case P_DURATION: return rc_parse_duration_us(text, out, err);
    case P_SLEW: return parse_slew(text, out, err);
    case P_CAPACITY: return parse_capacity(text, out, err);
    case P_RESISTANCE: return parse_resistance(text, out, err);
    case P_BOOL: return parse_bool(text, out, err);
    case P_AD1_MODE: return parse_choice(text, "last-gasp", "on-restore", out, err);
    case P_DISCHARGE: return parse_choice(text, "open", "active", out, err);
    case P_INTEGER: return parse_integer(text, out, err);
    }
    return rc_error_set(err, RC_ERR_ARG, "parameter type %d", (int)d->type);
}

/* ---- field access ---------------------------------------------------- */

static void *field_ptr(const param_desc *d, rc_ch_params *ch, rc_supply_params *sup)
{
    return (char *)(d->supply ? (void *)sup : (void *)ch) + d->offset;
}

static void store_value(const param_desc *d, void *p, int64_t v)
{
    switch (d->type) {
    case P_DURATION:
    case P_INTEGER: *(int64_t *)p = v; break;
    case P_BOOL: *(bool *)p = v != 0; break;
    case P_AD1_MODE: *(rc_ad1_mode *)p = (rc_ad1_mode)v; break;
    case P_DISCHARGE: *(rc_discharge *)p = (rc_discharge)v; break;
    default: *(int32_t *)p = (int32_t)v; break;
    }
}

static int64_t load_value(const param_desc *d, const void *p)
{
    switch (d->type) {
    case P_DURATION:
    case P_INTEGER: return *(const int64_t *)p;
    case P_BOOL: return *(const bool *)p;
    case P_AD1_MODE: return *(const rc_ad1_mode *)p;
    case P_DISCHARGE: return *(const rc_discharge *)p;
    default: return *(const int32_t *)p;
    }
}

/* In the big unit when exact, else in the small one: 1000 -> "1A",
 * 150 -> "150mA". */
static void format_scaled(int64_t v, const char *big, int64_t factor, const char *small,
                          char *buf, size_t len)
{
    if (v % factor == 0)
        snprintf(buf, len, "%lld%s", (long long)(v / factor), big);
    else
        snprintf(buf, len, "%lld%s", (long long)v, small);
}

static void format_value(const param_desc *d, int64_t v, char *buf, size_t len)
{
    switch (d->type) {
    case P_VOLTAGE: rc_format_voltage((int32_t)v, buf, len); break;
    case P_DURATION:
        if (v < 0) {
            buf[0] = '-';
            rc_format_duration(-v, buf + 1, len - 1);
        } else {
            rc_format_duration(v, buf, len);
        }
        break;
    case P_CURRENT: format_scaled(v, "A", 1000, "mA", buf, len); break;
    case P_SLEW: format_scaled(v, "V/ms", 1000, "mV/ms", buf, len); break;
    case P_CAPACITY: snprintf(buf, len, "%lduF", (long)v); break;
    case P_RESISTANCE: snprintf(buf, len, "%ldohm", (long)v); break;
    case P_BOOL: snprintf(buf, len, "%s", v ? "true" : "false"); break;
    case P_AD1_MODE: snprintf(buf, len, "%s", v ? "on-restore" : "last-gasp"); break;
    case P_DISCHARGE: snprintf(buf, len, "%s", v ? "active" : "open"); break;
    case P_INTEGER: snprintf(buf, len, "%lld", (long long)v); break;
    }
}

/* ---- lookup with suggestions ----------------------------------------- */

static void canonical_name(const param_desc *d, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", d->supply ? "supply." : "", d->name);
}

static const param_desc *find_param(bool supply, const char *name)
{
    for (size_t i = 0; i < N_PARAMS; i++)
        if (params[i].supply == supply && strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

/* "unknown CH parameter 'uvlo_of' (did you mean 'uvlo_off'?)"; a name that
 * exists in the other section, or is within two edits of one, is suggested. */
static rc_status unknown_param(bool supply, const char *name, rc_error *err)
{
    const param_desc *best = NULL;
    size_t best_dist = 3;
    for (size_t i = 0; i < N_PARAMS; i++) {
        size_t dist = rc_edit_distance(name, params[i].name);
        if (params[i].supply != supply)
            dist = dist == 0 ? 1 : dist + 1;
        if (dist < best_dist) {
            best_dist = dist;
            best = &params[i];
        }
    }
    const char *what = supply ? "supply" : "CH";
    if (!best)
        return rc_error_set(err, RC_ERR_NOT_FOUND,
                            "unknown %s parameter '%s' (see docs/ch-model.md)", what, name);
    char canon[64];
    canonical_name(best, canon, sizeof canon);
    return rc_error_set(err, RC_ERR_NOT_FOUND, "unknown %s parameter '%s' (did you mean '%s'?)",
                        what, name, canon);
}

static rc_status set_in_section(rc_ch_params *ch, rc_supply_params *sup, bool supply,
                                const char *name, const char *value, rc_error *err)
{
    const param_desc *d = find_param(supply, name);
    if (!d)
        return unknown_param(supply, name, err);
    int64_t v;
    rc_status st = parse_value(d, value, &v, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "%s%s", supply ? "supply." : "", name);
    if (v < d->min || v > d->max) {
        char lo[32], hi[32];
        format_value(d, d->min, lo, sizeof lo);
        format_value(d, d->max, hi, sizeof hi);
        return rc_error_set(err, RC_ERR_PARSE, "%s%s: '%s' is out of range [%s, %s]",
                            supply ? "supply." : "", name, value, lo, hi);
    }
    store_value(d, field_ptr(d, ch, sup), v);
    return RC_OK;
}

rc_status rc_model_param_set(rc_ch_params *ch, rc_supply_params *sup, const char *name,
                             const char *value, rc_error *err)
{
    assert(ch && sup && name && value);
    if (strncmp(name, "supply.", 7) == 0)
        return set_in_section(ch, sup, true, name + 7, value, err);
    if (strncmp(name, "ch.", 3) == 0)
        return set_in_section(ch, sup, false, name + 3, value, err);
    return set_in_section(ch, sup, false, name, value, err);
}

/* ---- CH files --------------------------------------------------------- */

typedef struct ini_ctx {
    rc_ch_params *ch;
    rc_supply_params *sup;
    rc_status status; /* first failure; the rest of the file is ignored */
    rc_error err;
} ini_ctx;

static int on_ini_value(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *c = user;
    if (c->status != RC_OK)
        return 1;
    if (strcmp(section, "ch") == 0)
        c->status = set_in_section(c->ch, c->sup, false, name, value, &c->err);
    else if (strcmp(section, "supply") == 0)
        c->status = set_in_section(c->ch, c->sup, true, name, value, &c->err);
    else if (section[0] == '\0')
        c->status = rc_error_set(&c->err, RC_ERR_PARSE,
                                 "'%s' is outside a [ch] or [supply] section", name);
    else
        c->status = rc_error_set(&c->err, RC_ERR_PARSE,
                                 "unknown section [%s] (expected [ch] or [supply])", section);
    return c->status == RC_OK;
}

rc_status rc_model_params_load(rc_ch_params *ch, rc_supply_params *sup, const char *path,
                               rc_error *err)
{
    assert(ch && sup && path);
    /* Values land in copies so a file with an error changes nothing. */
    ini_ctx c = {.ch = ch, .sup = sup, .status = RC_OK};
    rc_ch_params ch_copy = *ch;
    rc_supply_params sup_copy = *sup;
    c.ch = &ch_copy;
    c.sup = &sup_copy;
    int line = ini_parse(path, on_ini_value, &c);
    if (line < 0)
        return rc_error_set(err, RC_ERR_IO, "%s: cannot read CH file", path);
    if (line > 0 && c.status == RC_OK)
        return rc_error_set(err, RC_ERR_PARSE, "%s:%d: expected 'name = value' or [section]",
                            path, line);
    if (c.status != RC_OK) {
        if (err)
            *err = c.err;
        return rc_error_prefix(err, c.status == RC_ERR_NOT_FOUND ? RC_ERR_PARSE : c.status,
                               "%s:%d", path, line);
    }
    *ch = ch_copy;
    *sup = sup_copy;
    return RC_OK;
}

/* The jitter parameters and the seed are listed only when some jitter is
 * set, so a deterministic CH lists (and records in its traces) exactly the
 * parameters it always did. */
static bool is_jitter_param(const param_desc *d)
{
    return !d->supply && (d->offset == offsetof(rc_ch_params, jitter_qualify_us) ||
                          d->offset == offsetof(rc_ch_params, jitter_ad1_latency_us) ||
                          d->offset == offsetof(rc_ch_params, jitter_boot_us) ||
                          d->offset == offsetof(rc_ch_params, seed));
}

static bool list_jitter(const rc_ch_params *ch)
{
    return ch->jitter_qualify_us != 0 || ch->jitter_ad1_latency_us != 0 ||
           ch->jitter_boot_us != 0;
}

void rc_model_params_foreach(const rc_ch_params *ch, const rc_supply_params *sup,
                             rc_model_param_fn fn, void *ctx)
{
    bool jitter = list_jitter(ch);
    for (size_t i = 0; i < N_PARAMS; i++) {
        const param_desc *d = &params[i];
        if (!jitter && is_jitter_param(d))
            continue;
        const void *p =
            (const char *)(d->supply ? (const void *)sup : (const void *)ch) + d->offset;
        char name[64], value[64];
        canonical_name(d, name, sizeof name);
        format_value(d, load_value(d, p), value, sizeof value);
        fn(ctx, name, value, type_unit(d->type), d->description);
    }
}
