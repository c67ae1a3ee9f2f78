/*
 * bench_file.c - the bench file: defaults, the inih reader, the search for
 * NAME.ini, the rewrite of one calibration section, and the calibration as
 * trace-header key/values.
 *
 * The reader keeps one parse context: the rc_bench being filled (a copy, so
 * a file with an error changes nothing) and the first error. Each section has
 * a table of keys; an unknown section or key is answered with the nearest
 * known name. Checks that need the whole file (required keys, the serial
 * taken from the device string) run after the last line.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "bench/bench_internal.h"
#include "core/diag.h"
#include "railcut/bench.h"
#include "railcut/units.h"

/* inih's line buffer is 200 bytes including the newline and the NUL. */
#define BENCH_LINE_MAX 198

static const char *const cal_names[RC_BENCH_CAL_COUNT] = {"dac", "rail_v", "rail_a"};

const char *rc_bench_cal_name(rc_bench_cal_kind kind)
{
    if ((int)kind < 0 || kind >= RC_BENCH_CAL_COUNT)
        return NULL;
    return cal_names[kind];
}

void rc_bench_init(rc_bench *b)
{
    assert(b);
    memset(b, 0, sizeof *b);
    b->channel = 'B';
    b->baud = 3000000;
    b->latency_ms = 1;
    b->max_rail_mv = 15000;
    b->max_current_ma = 2000;
    b->alert_pin = true;
    b->alert_active_high = true;
    b->uart_baud = 115200;
    snprintf(b->feed_bind, sizeof b->feed_bind, "127.0.0.1:0");
}

/* ---- dates ----------------------------------------------------------------- */

int64_t rc_bench_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool rc_bench_parse_date(const char *text, int64_t *days)
{
    int y, m, d;
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 4, &y) ||
        !digits(text + 5, 2, &m) || !digits(text + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *days = rc_bench_days_from_civil(y, m, d);
    return true;
}

/* ---- the reader ------------------------------------------------------------- */

typedef struct parse_ctx {
    rc_bench b;
    rc_status status;
    rc_error err;
} parse_ctx;

typedef rc_status (*key_fn)(rc_bench *b, const char *section, const char *key,
                            const char *value, rc_error *err);

static rc_status copy_text(char *dst, size_t cap, const char *key, const char *value,
                           rc_error *err)
{
    if (strlen(value) >= cap)
        return rc_error_set(err, RC_ERR_PARSE, "'%s' is longer than %zu characters", key,
                            cap - 1);
    memcpy(dst, value, strlen(value) + 1);
    return RC_OK;
}

static rc_status parse_uint(const char *key, const char *value, unsigned long lo,
                            unsigned long hi, uint32_t *out, rc_error *err)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno || v < lo || v > hi)
        return rc_error_set(err, RC_ERR_PARSE, "'%s' must be a whole number from %lu to %lu",
                            key, lo, hi);
    *out = (uint32_t)v;
    return RC_OK;
}

static rc_status parse_bool(const char *key, const char *value, const char *yes, const char *no,
                            bool *out, rc_error *err)
{
    if (strcmp(value, yes) == 0)
        *out = true;
    else if (strcmp(value, no) == 0)
        *out = false;
    else
        return rc_error_set(err, RC_ERR_PARSE, "'%s' must be '%s' or '%s', not '%s'", key, yes,
                            no, value);
    return RC_OK;
}

static rc_status parse_real(const char *key, const char *value, double *out, rc_error *err)
{
    char *end;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || !isfinite(v))
        return rc_error_set(err, RC_ERR_PARSE, "'%s' must be a number, not '%s'", key, value);
    *out = v;
    return RC_OK;
}

static rc_status bench_key(rc_bench *b, const char *section, const char *key, const char *value,
                           rc_error *err)
{
    (void)section;
    if (strcmp(key, "name") == 0)
        return copy_text(b->name, sizeof b->name, key, value, err);
    if (strcmp(key, "device") == 0)
        return copy_text(b->device, sizeof b->device, key, value, err);
    if (strcmp(key, "serial") == 0)
        return copy_text(b->serial, sizeof b->serial, key, value, err);
    if (strcmp(key, "board") == 0) {
        if (strcmp(value, "icebreaker") != 0 && strcmp(value, "hx8k") != 0)
            return rc_error_set(err, RC_ERR_PARSE,
                                "'board' must be 'icebreaker' or 'hx8k', not '%s'", value);
        return copy_text(b->board, sizeof b->board, key, value, err);
    }
    if (strcmp(key, "channel") == 0) {
        if (strcmp(value, "A") != 0 && strcmp(value, "B") != 0)
            return rc_error_set(err, RC_ERR_PARSE, "'channel' must be 'A' or 'B', not '%s'",
                                value);
        b->channel = value[0];
        return RC_OK;
    }
    if (strcmp(key, "baud") == 0)
        return parse_uint(key, value, 300, 12000000, &b->baud, err);
    assert(strcmp(key, "latency_ms") == 0);
    return parse_uint(key, value, 1, 255, &b->latency_ms, err);
}

static rc_status limits_key(rc_bench *b, const char *section, const char *key,
                            const char *value, rc_error *err)
{
    (void)section;
    rc_status st;
    if (strcmp(key, "max_rail") == 0) {
        st = rc_parse_voltage_mv(value, &b->max_rail_mv, err);
        if (st == RC_OK && b->max_rail_mv <= 0)
            st = rc_error_set(err, RC_ERR_PARSE, "'max_rail' must be above 0V");
        return st;
    }
    assert(strcmp(key, "max_current") == 0);
    st = rc_parse_current_ma(value, &b->max_current_ma, err);
    if (st == RC_OK && b->max_current_ma <= 0)
        st = rc_error_set(err, RC_ERR_PARSE, "'max_current' must be above 0mA");
    return st;
}

static rc_status safe_key(rc_bench *b, const char *section, const char *key, const char *value,
                          rc_error *err)
{
    (void)section;
    if (strcmp(key, "rail") == 0)
        return parse_bool(key, value, "on", "off", &b->safe_rail_on, err);
    if (strcmp(key, "ac_lost") == 0)
        return parse_bool(key, value, "on", "off", &b->safe_ac_lost, err);
    assert(strcmp(key, "rail_voltage") == 0);
    rc_status st = rc_parse_voltage_mv(value, &b->safe_rail_mv, err);
    if (st == RC_OK && b->safe_rail_mv < 0)
        st = rc_error_set(err, RC_ERR_PARSE, "'rail_voltage' must not be negative");
    return st;
}

static rc_status pins_key(rc_bench *b, const char *section, const char *key, const char *value,
                          rc_error *err)
{
    (void)section;
    for (size_t i = 0; i < b->n_pins; i++)
        if (strcmp(b->pins[i].signal, key) == 0)
            return rc_error_set(err, RC_ERR_PARSE, "pin '%s' is given twice", key);
    assert(b->n_pins < RC_BENCH_MAX_PINS);
    rc_bench_pin *p = &b->pins[b->n_pins];
    rc_status st = copy_text(p->pin, sizeof p->pin, key, value, err);
    if (st != RC_OK)
        return st;
    snprintf(p->signal, sizeof p->signal, "%s", key);
    b->n_pins++;
    return RC_OK;
}

static rc_status alert_key(rc_bench *b, const char *section, const char *key, const char *value,
                           rc_error *err)
{
    (void)section;
    if (strcmp(key, "pin") == 0)
        return parse_bool(key, value, "yes", "no", &b->alert_pin, err);
    if (strcmp(key, "pin_active") == 0)
        return parse_bool(key, value, "high", "low", &b->alert_active_high, err);
    if (strcmp(key, "uart_pattern") == 0)
        return copy_text(b->uart_pattern, sizeof b->uart_pattern, key, value, err);
    if (strcmp(key, "uart_baud") == 0)
        return parse_uint(key, value, 300, 3000000, &b->uart_baud, err);
    if (strcmp(key, "feed") == 0)
        return parse_bool(key, value, "yes", "no", &b->feed, err);
    assert(strcmp(key, "feed_bind") == 0);
    return copy_text(b->feed_bind, sizeof b->feed_bind, key, value, err);
}

static rc_status cal_key(rc_bench *b, const char *section, const char *key, const char *value,
                         rc_error *err)
{
    int kind = 0;
    while (strcmp(cal_names[kind], section + 4) != 0)
        kind++;
    rc_bench_cal *c = &b->cal[kind];
    c->set = true;
    if (strcmp(key, "gain") == 0)
        return parse_real(key, value, &c->gain, err);
    if (strcmp(key, "offset") == 0)
        return parse_real(key, value, &c->offset, err);
    if (strcmp(key, "uncertainty") == 0) {
        rc_status st = parse_real(key, value, &c->uncertainty, err);
        if (st == RC_OK && c->uncertainty < 0)
            st = rc_error_set(err, RC_ERR_PARSE, "'uncertainty' must not be negative");
        return st;
    }
    if (strcmp(key, "date") == 0) {
        int64_t days;
        if (!rc_bench_parse_date(value, &days))
            return rc_error_set(err, RC_ERR_PARSE, "'date' must be YYYY-MM-DD, not '%s'",
                                value);
        return copy_text(c->date, sizeof c->date, key, value, err);
    }
    if (strcmp(key, "instrument") == 0)
        return copy_text(c->instrument, sizeof c->instrument, key, value, err);
    assert(strcmp(key, "serial") == 0);
    return copy_text(c->serial, sizeof c->serial, key, value, err);
}

typedef struct section_desc {
    const char *name;
    const char *const *keys; /* NULL-terminated; NULL: any key (the pin map) */
    key_fn fn;
} section_desc;

static const char *const bench_keys[] = {"name", "device",     "board",  "channel",
                                         "baud", "latency_ms", "serial", NULL};
static const char *const limits_keys[] = {"max_rail", "max_current", NULL};
static const char *const safe_keys[] = {"rail", "rail_voltage", "ac_lost", NULL};
static const char *const pin_keys[] = {
    "rail_en_n", "ac_lost",  "host_present", "ch_present", "ch_uart", "alert",  "dac_cs",
    "dac_din",   "dac_ldac", "dac_sclk",     "adc_cs",     "adc_d0",  "adc_d1", "adc_sclk",
    "uart_rx",   "uart_tx",  "clk",          "led_green",  "led_red", NULL};
static const char *const alert_keys[] = {
    "pin", "pin_active", "uart_pattern", "uart_baud", "feed", "feed_bind", NULL};
static const char *const cal_keys[] = {"gain",       "offset", "uncertainty", "date",
                                       "instrument", "serial", NULL};

static const section_desc sections[] = {
    {"bench", bench_keys, bench_key},  {"limits", limits_keys, limits_key},
    {"safe", safe_keys, safe_key},     {"pins", pin_keys, pins_key},
    {"alert", alert_keys, alert_key},  {"cal.dac", cal_keys, cal_key},
    {"cal.rail_v", cal_keys, cal_key}, {"cal.rail_a", cal_keys, cal_key},
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

/* The nearest of names[] to word when it is close enough to be a slip. */
static const char *nearest(const char *word, const char *const *names, size_t stride_n)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < stride_n && names[i]; i++) {
        size_t d = rc_edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

static rc_status unknown_section(const char *section, rc_error *err)
{
    const char *names[N_SECTIONS];
    for (size_t i = 0; i < N_SECTIONS; i++)
        names[i] = sections[i].name;
    const char *near = nearest(section, names, N_SECTIONS);
    if (near)
        return rc_error_set(err, RC_ERR_PARSE, "unknown section [%s] (did you mean [%s]?)",
                            section, near);
    if (section[0] == '\0')
        return rc_error_set(err, RC_ERR_PARSE, "a key outside any section");
    return rc_error_set(err, RC_ERR_PARSE, "unknown section [%s]", section);
}

static rc_status unknown_key(const section_desc *s, const char *key, rc_error *err)
{
    const char *near = nearest(key, s->keys, SIZE_MAX);
    if (near)
        return rc_error_set(err, RC_ERR_PARSE, "unknown key '%s' in [%s] (did you mean '%s'?)",
                            key, s->name, near);
    return rc_error_set(err, RC_ERR_PARSE, "unknown key '%s' in [%s]", key, s->name);
}

static int on_value(void *user, const char *section, const char *key, const char *value)
{
    parse_ctx *c = user;
    if (c->status != RC_OK)
        return 0;
    const section_desc *s = NULL;
    for (size_t i = 0; i < N_SECTIONS; i++)
        if (strcmp(section, sections[i].name) == 0)
            s = &sections[i];
    if (!s) {
        c->status = unknown_section(section, &c->err);
        return 0;
    }
    size_t k = 0;
    while (s->keys[k] && strcmp(s->keys[k], key) != 0)
        k++;
    if (!s->keys[k]) {
        c->status = unknown_key(s, key, &c->err);
        return 0;
    }
    c->status = s->fn(&c->b, section, key, value, &c->err);
    return c->status == RC_OK;
}

/* "s:SERIAL" and libftdi's "s:VID:PID:SERIAL" carry the serial number. */
static void serial_from_device(rc_bench *b)
{
    if (strncmp(b->device, "s:", 2) != 0)
        return;
    const char *serial = strrchr(b->device, ':') + 1;
    if (strlen(serial) < sizeof b->serial)
        snprintf(b->serial, sizeof b->serial, "%s", serial);
}

static rc_status check_whole(rc_bench *b, const char *file, rc_error *err)
{
    if (b->name[0] == '\0')
        return rc_error_set(err, RC_ERR_PARSE, "%s: [bench] has no 'name'", file);
    if (b->device[0] == '\0')
        return rc_error_set(err, RC_ERR_PARSE, "%s: [bench] has no 'device'", file);
    if (b->board[0] == '\0')
        return rc_error_set(err, RC_ERR_PARSE, "%s: [bench] has no 'board'", file);
    if (b->serial[0] == '\0')
        serial_from_device(b);
    if (b->serial[0] == '\0')
        return rc_error_set(err, RC_ERR_PARSE,
                            "%s: [bench] needs 'serial' (the device string '%s' has none)",
                            file, b->device);
    for (int k = 0; k < RC_BENCH_CAL_COUNT; k++) {
        const rc_bench_cal *c = &b->cal[k];
        if (c->set && (c->gain == 0.0 || c->date[0] == '\0'))
            return rc_error_set(err, RC_ERR_PARSE,
                                "%s: [cal.%s] needs a non-zero 'gain' and a 'date'", file,
                                cal_names[k]);
    }
    if (b->safe_rail_mv > b->max_rail_mv)
        return rc_error_set(err, RC_ERR_PARSE,
                            "%s: [safe] rail_voltage is above [limits] max_rail", file);
    return RC_OK;
}

/* inih reads a longer line as several: refuse it here, with its number. */
static rc_status check_line_lengths(const char *text, size_t len, const char *file,
                                    rc_error *err)
{
    int line = 1;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        if (i - start > BENCH_LINE_MAX)
            return rc_error_set(err, RC_ERR_PARSE, "%s:%d: line longer than %d characters",
                                file, line, BENCH_LINE_MAX);
        line++;
        start = i + 1;
    }
    return RC_OK;
}

rc_status rc_bench_parse(const char *text, size_t len, const char *file, rc_bench *out,
                         rc_error *err)
{
    assert(text && file && out);
    /* inih wants a NUL-terminated string; a NUL inside the text would end it early. */
    if (memchr(text, '\0', len))
        return rc_error_set(err, RC_ERR_PARSE, "%s: not a text file (NUL byte)", file);
    rc_status lst = check_line_lengths(text, len, file, err);
    if (lst != RC_OK)
        return lst;
    char *copy = malloc(len + 1);
    if (!copy)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    parse_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        free(copy);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    rc_bench_init(&c->b);
    c->status = RC_OK;
    int line = ini_parse_string(copy, on_value, c);
    free(copy);
    rc_status st;
    if (c->status != RC_OK) {
        st = rc_error_set(err, c->status, "%s:%d: %s", file, line, c->err.msg);
    } else if (line != 0) {
        st = rc_error_set(err, RC_ERR_PARSE, "%s:%d: expected 'key = value' or [section]", file,
                          line);
    } else {
        st = check_whole(&c->b, file, err);
        if (st == RC_OK)
            *out = c->b;
    }
    free(c);
    return st;
}

rc_status rc_bench_load(const char *path, rc_bench *out, rc_error *err)
{
    assert(path && out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return rc_error_set(err, RC_ERR_IO, "%s: cannot read bench file: %s", path,
                            strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) {
            cap = (len + got) * 2;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
            }
            text = grown;
        }
        memcpy(text + len, chunk, got);
        len += got;
    }
    bool bad = ferror(f);
    fclose(f);
    rc_status st = bad ? rc_error_set(err, RC_ERR_IO, "%s: read error", path)
                       : rc_bench_parse(text ? text : "", len, path, out, err);
    free(text);
    return st;
}

/* ---- finding a bench ----------------------------------------------------- */

static bool valid_name(const char *name)
{
    if (name[0] == '\0' || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (*p == '/')
            return false;
    return true;
}

rc_status rc_bench_find(const char *name, const char *dir, char *path, size_t cap,
                        rc_error *err)
{
    assert(name && path && cap > 0);
    if (!valid_name(name))
        return rc_error_set(err, RC_ERR_ARG, "bad bench name '%s'", name);
    char home_dir[512] = "";
    const char *home = getenv("HOME");
    if (home && home[0])
        snprintf(home_dir, sizeof home_dir, "%s/.config/railcut/benches", home);
    const char *dirs[2] = {dir ? dir : "benches", dir ? NULL : home_dir};
    char tried[RC_ERROR_MSG_MAX / 2] = "";
    for (int i = 0; i < 2; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        int n = snprintf(path, cap, "%s/%s.ini", dirs[i], name);
        if (n < 0 || (size_t)n >= cap)
            return rc_error_set(err, RC_ERR_ARG, "bench path too long");
        if (access(path, R_OK) == 0)
            return RC_OK;
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", path);
    }
    path[0] = '\0';
    return rc_error_set(err, RC_ERR_NOT_FOUND, "no bench '%s' (looked for %s)", name, tried);
}

/* ---- calibration in the trace header ------------------------------------ */

static size_t put(rc_bench_kv *out, size_t cap, size_t n, const char *key, const char *value)
{
    if (n < cap) {
        snprintf(out[n].key, sizeof out[n].key, "%s", key);
        snprintf(out[n].value, sizeof out[n].value, "%s", value);
    }
    return n + 1;
}

size_t rc_bench_cal_entries(const rc_bench *b, int64_t now_unix_us, rc_bench_kv *out,
                            size_t cap)
{
    assert(b && (out || cap == 0));
    size_t n = put(out, cap, 0, "cal.bench", b->name);
    int64_t now_days = now_unix_us / 86400000000LL - (now_unix_us % 86400000000LL < 0);
    for (int k = 0; k < RC_BENCH_CAL_COUNT; k++) {
        const rc_bench_cal *c = &b->cal[k];
        if (!c->set)
            continue;
        char key[48], value[64];
        struct {
            const char *field;
            double v;
        } nums[] = {{"gain", c->gain}, {"offset", c->offset}, {"uncertainty", c->uncertainty}};
        for (size_t i = 0; i < 3; i++) {
            snprintf(key, sizeof key, "cal.%s.%s", cal_names[k], nums[i].field);
            snprintf(value, sizeof value, "%.9g", nums[i].v);
            n = put(out, cap, n, key, value);
        }
        snprintf(key, sizeof key, "cal.%s.date", cal_names[k]);
        n = put(out, cap, n, key, c->date);
        snprintf(key, sizeof key, "cal.%s.instrument", cal_names[k]);
        n = put(out, cap, n, key, c->instrument);
        snprintf(key, sizeof key, "cal.%s.serial", cal_names[k]);
        n = put(out, cap, n, key, c->serial);
        int64_t days;
        snprintf(key, sizeof key, "cal.%s.age_days", cal_names[k]);
        if (rc_bench_parse_date(c->date, &days))
            snprintf(value, sizeof value, "%lld", (long long)(now_days - days));
        else
            snprintf(value, sizeof value, "unknown");
        n = put(out, cap, n, key, value);
    }
    return n < cap ? n : cap;
}
