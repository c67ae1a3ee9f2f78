/*
 * railcut/bench.h - a real bench: its configuration file, its calibration,
 * the lock that keeps two processes off one bench, the attached FTDI
 * devices, and the alert sources that turn CH debug-UART lines and an
 * external event feed into AD1 events (docs/bench-setup.md).
 *
 * A bench file is an INI file (inih) with the sections [bench], [limits],
 * [safe], [pins], [alert] and one [cal.<what>] section per calibrated
 * quantity. Calibration is linear: value = gain * code + offset, in mV per
 * code and mV (or mA per code and mA for the current ADC).
 */
#ifndef RAILCUT_BENCH_H
#define RAILCUT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "railcut/error.h"
#include "railcut/event.h"
#include "railcut/link.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_BENCH_NAME_MAX 64
#define RC_BENCH_TEXT_MAX 128
#define RC_BENCH_PATTERN_MAX 256
#define RC_BENCH_MAX_PINS 24

/* ---- Calibration ---------------------------------------------------------- */

/* One linear calibration: value = gain * code + offset. For the DAC the value
 * is the programmed rail setpoint in mV; for the rail-volts ADC the rail in
 * mV; for the current ADC the CH current in mA. */
typedef struct rc_bench_cal {
    bool set;                           /* false: no calibration recorded */
    double gain;                        /* mV (mA) per code */
    double offset;                      /* mV (mA) at code 0 */
    double uncertainty;                 /* standard uncertainty, mV (mA) */
    char date[32];                      /* ISO 8601 date "2026-11-25" */
    char instrument[RC_BENCH_TEXT_MAX]; /* reference DMM, operator-entered */
    char serial[RC_BENCH_TEXT_MAX];     /* its serial number */
} rc_bench_cal;

typedef enum rc_bench_cal_kind {
    RC_BENCH_CAL_DAC = 0,    /* [cal.dac]: DAC code -> setpoint mV */
    RC_BENCH_CAL_RAIL_V = 1, /* [cal.rail_v]: ADC D0 code -> rail mV */
    RC_BENCH_CAL_RAIL_A = 2, /* [cal.rail_a]: ADC D1 code -> CH mA */
    RC_BENCH_CAL_COUNT = 3,
} rc_bench_cal_kind;

/* "dac", "rail_v", "rail_a"; NULL when out of range. */
const char *rc_bench_cal_name(rc_bench_cal_kind kind);

/* Least-squares straight line through n (code, reading) points. */
typedef struct rc_cal_fit {
    double gain;
    double offset;
    double residual_rms; /* root mean square of reading - fitted value */
    double residual_max; /* largest |reading - fitted value| */
    double uncertainty;  /* residual standard deviation (n - 2 degrees of
                          * freedom, 0 for two points) combined in quadrature
                          * with the reference's own uncertainty */
    size_t n;
} rc_cal_fit;

/* RC_ERR_ARG when n < 2, the codes are all equal, or a value is not finite. */
rc_status rc_cal_fit_linear(const double *code, const double *reading, size_t n,
                            double reference_uncertainty, rc_cal_fit *out, rc_error *err);

/* ---- Bench configuration --------------------------------------------------- */

typedef struct rc_bench_pin {
    char signal[32]; /* "rail_en_n", "ac_lost", ... */
    char pin[32];    /* "43", "PMOD1B-1", "P4" */
} rc_bench_pin;

typedef struct rc_bench {
    /* [bench] */
    char name[RC_BENCH_NAME_MAX];
    char device[RC_BENCH_TEXT_MAX]; /* ftdi device string: "s:SERIAL",
                                     * "s:0x0403:0x6010:SERIAL", "i:0x0403:0x6010[:INDEX]",
                                     * "d:BUS/ADDR", "desc:TEXT" */
    char board[32];                 /* "icebreaker" or "hx8k" */
    char channel;                   /* FT2232H channel of the link, 'A' or 'B' */
    uint32_t baud;                  /* link baud rate, e.g. 3000000 */
    uint32_t latency_ms;            /* FTDI latency timer, 1..255 */
    char serial[RC_BENCH_NAME_MAX]; /* FTDI serial number: the lock's key; from
                                     * `serial =` or an "s:" device string */
    /* [cal.*] */
    rc_bench_cal cal[RC_BENCH_CAL_COUNT];
    /* [limits] */
    int32_t max_rail_mv;    /* over-voltage trip */
    int32_t max_current_ma; /* over-current trip */
    /* [safe] */
    bool safe_rail_on;
    int32_t safe_rail_mv;
    bool safe_ac_lost;
    /* [pins] */
    rc_bench_pin pins[RC_BENCH_MAX_PINS];
    size_t n_pins;
    /* [alert] */
    bool alert_pin; /* the alert input is wired */
    bool alert_active_high;
    char uart_pattern[RC_BENCH_PATTERN_MAX]; /* POSIX extended regex; "" = none */
    uint32_t uart_baud;                      /* CH debug UART, e.g. 115200 */
    bool feed;                               /* accept an external event feed */
    char feed_bind[64];                      /* "127.0.0.1:7878" */
} rc_bench;

/* Defaults: channel B, 3000000 baud, latency 1 ms, limits 15 V / 2 A, safe
 * state rail off, alert pin wired active high, UART 115200, no feed,
 * feed_bind "127.0.0.1:0", no calibration. */
void rc_bench_init(rc_bench *b);

/* Parses bench-file text. `file` names the text in messages
 * ("file:line: message", with "did you mean" for a misspelt section or key).
 * RC_ERR_PARSE on any bad line, unknown key or out-of-range value. */
rc_status rc_bench_parse(const char *text, size_t len, const char *file, rc_bench *out,
                         rc_error *err);

/* Reads and parses a bench file; RC_ERR_IO when it cannot be read. */
rc_status rc_bench_load(const char *path, rc_bench *out, rc_error *err);

/* Finds NAME.ini: in dir when dir is not NULL, else in ./benches, then in
 * $HOME/.config/railcut/benches. RC_ERR_NOT_FOUND lists the places tried. */
rc_status rc_bench_find(const char *name, const char *dir, char *path, size_t cap,
                        rc_error *err);

/* Rewrites the [cal.<kind>] section of the bench file at path with c, keeping
 * every other line (comments included) as it was; the section is appended
 * when the file has none. Written to a temporary file and renamed. */
rc_status rc_bench_store_cal(const char *path, rc_bench_cal_kind kind, const rc_bench_cal *c,
                             rc_error *err);

/* The calibration as trace-header key/values: "cal.dac.gain", ".offset",
 * ".uncertainty", ".date", ".instrument", ".serial", ".age_days" (whole days
 * from its date to now_unix_us) for each calibrated quantity, and
 * "cal.bench". Returns how many entries were written (at most cap). */
typedef struct rc_bench_kv {
    char key[48];
    char value[RC_BENCH_TEXT_MAX];
} rc_bench_kv;
size_t rc_bench_cal_entries(const rc_bench *b, int64_t now_unix_us, rc_bench_kv *out,
                            size_t cap);

/* ---- Lock ------------------------------------------------------------------ */

/* One lock file per FTDI serial number, "railcut-bench-<serial>.lock", under
 * lock_dir, or (lock_dir NULL) /run/lock/railcut, $XDG_RUNTIME_DIR or /tmp,
 * the first that is writable. Held with flock for the life of the process
 * and holding "PID UNIX_SECONDS". */
typedef struct rc_bench_lock rc_bench_lock;

/* RC_ERR_DEVICE "bench busy, held by PID n (since 2026-11-25T10:01:02Z)"
 * when a live process holds it. A lock file left by a dead process is
 * taken over. */
rc_status rc_bench_lock_acquire(const char *serial, const char *lock_dir, rc_bench_lock **out,
                                rc_error *err);
void rc_bench_lock_release(rc_bench_lock *lock);

/* *held is true when a live process holds the lock; *pid and *since_unix_s
 * then say which and since when. Never takes the lock. */
rc_status rc_bench_lock_query(const char *serial, const char *lock_dir, bool *held, pid_t *pid,
                              int64_t *since_unix_s, rc_error *err);

/* ---- Devices ---------------------------------------------------------------- */

typedef struct rc_ftdi_device {
    uint16_t vid, pid;
    uint8_t bus, address;
    char manufacturer[64];
    char description[64];
    char serial[64];
} rc_ftdi_device;

/* Lists attached FT2232H devices (0403:6010) through libftdi1. *out is
 * allocated (free with free()), *n may be 0. RC_ERR_DEVICE when libusb
 * cannot be initialised. */
rc_status rc_ftdi_list(rc_ftdi_device **out, size_t *n, rc_error *err);

/* ---- Direct control --------------------------------------------------------- */

/* A bench's board driven by hand rather than by a profile: identify, then
 * immediate DAC and rail writes and ADC readings, for calibration and for
 * checking a freshly flashed gateware. Implemented by the ftdi backend
 * (host/src/rig/drivers/ftdi.c) over the link protocol. While the session is
 * open a keep-alive thread heartbeats, so the outputs stay as set however
 * long the caller waits; closing it applies the gateware's safe state. */
typedef struct rc_bench_link rc_bench_link;

/* Opens the board of bench b (device, channel, baud, latency), checks the
 * gateware's identify (protocol 1.x, 1 MHz ticks) and configures it with the
 * bench's calibration (1 kHz sample blocks). RC_ERR_DEVICE when it cannot be
 * opened or does not answer. */
rc_status rc_bench_link_open(const rc_bench *b, rc_bench_link **out, rc_error *err);
/* What the gateware's identify reported. */
void rc_bench_link_identity(const rc_bench_link *l, rc_link_identify *out);
/* Immediate output (PINS): DAC code and the rail's load switch. */
rc_status rc_bench_link_set(rc_bench_link *l, uint16_t dac_code, bool rail_on, rc_error *err);
/* The mean rail-volts and current ADC codes (the mean of each block's min
 * and max) over span_us of device time, starting settle_us from now. */
rc_status rc_bench_link_measure(rc_bench_link *l, int64_t settle_us, int64_t span_us,
                                double *v_code, double *i_code, rc_error *err);
/* STOP (the safe state) and close; NULL is ignored. */
void rc_bench_link_close(rc_bench_link *l);

/* ---- Alert sources ---------------------------------------------------------- */

#define RC_ALERT_LINE_MAX 256 /* longer UART and feed lines are cut (UART) or refused (feed)   \
                               */

/* Assembles sniffed CH debug-UART bytes into lines (ended by '\n'; '\r' is
 * dropped) and matches each line against a POSIX extended regex. A matching
 * line becomes RC_EV_AD1 at the time of its first byte, with text
 * "uart:<pattern>" (cut to the event's text field). */
typedef struct rc_uart_alert rc_uart_alert;

/* RC_ERR_PARSE with regerror's text for a bad pattern. */
rc_status rc_uart_alert_new(const char *pattern, rc_uart_alert **out, rc_error *err);
void rc_uart_alert_free(rc_uart_alert *m);
/* One byte sniffed at t_us. Returns true when it completed a matching line;
 * *ev is then the AD1 event. */
bool rc_uart_alert_byte(rc_uart_alert *m, int64_t t_us, uint8_t byte, rc_event *ev);

/* One external feed line (without its newline):
 *   "AD1 2026-11-25T10:01:02.123Z"  UTC, up to 6 decimals, converted to
 *                                   device time with start_unix_us (t = 0)
 *   "AD1 @123.456"                  device time in seconds, up to 6 decimals
 * Fills *ev with RC_EV_AD1 and text "feed". RC_ERR_PARSE for anything else. */
rc_status rc_feed_parse_line(const char *line, size_t len, int64_t start_unix_us, rc_event *ev,
                             rc_error *err);

/* A small TCP server for the feed: at most RC_FEED_MAX_CLIENTS connections,
 * lines up to RC_ALERT_LINE_MAX bytes; each line is answered "ok\n" or
 * "error: <message>\n", and each good line is passed to on_event from the
 * server's thread. */
#define RC_FEED_MAX_CLIENTS 4
typedef struct rc_feed_server rc_feed_server;
typedef void (*rc_feed_fn)(void *ctx, const rc_event *ev);

/* bind is "HOST:PORT" (numeric IPv4; port 0 picks a free one), NULL for
 * "127.0.0.1:0". */
rc_status rc_feed_server_start(const char *bind, int64_t start_unix_us, rc_feed_fn on_event,
                               void *ctx, rc_feed_server **out, rc_error *err);
uint16_t rc_feed_server_port(const rc_feed_server *s);
void rc_feed_server_stop(rc_feed_server *s);

#ifdef __cplusplus
}
#endif

#endif
