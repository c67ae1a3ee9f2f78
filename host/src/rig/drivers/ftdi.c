/*
 * ftdi.c - the "ftdi" backend: a real bench, the gateware behind an FT2232H,
 * driven through libftdi1 over the link protocol (docs/protocol.md,
 * docs/ftdi-driver.md).
 *
 * Layout: the libftdi context and a reader thread that drains the USB into
 * a bounded byte ring (ring, ring_head, ring_len under lock) so the device's
 * buffer never backs up while the host is busy writing the trace; the
 * reader's first fatal error is kept for the main thread. The main thread
 * hands the ring's bytes to the link session it shares with the cosim
 * backend (gwsession.h), which decodes them, answers the waiting command,
 * paces the segment writes by the FIFO credit and turns EVENTS and SAMPLES
 * into rc_event/rc_sample. What is this backend's own: USB, wall-clock
 * limits (answer time-outs, a silent device, heartbeats when the device's
 * ticks do not come, the wait for the samples that trail RUN_END), the
 * calibration, the UART sniffer and direct control.
 *
 * Time: the session's time base is the device's tick as its frames show
 * it (1 tick = 1 us; identify must say so); the first entry's
 * SEGMENT_START tick is t = 0.
 *
 * Codes become millivolts and milliamps through the bench's calibration
 * (rc_rig_config's dac_cal, rail_v_cal, rail_a_cal: value = gain * code +
 * offset), in both directions: setpoints to DAC codes, thresholds and trip
 * levels to ADC codes, ADC codes to samples. A converter without one uses the
 * reference board's nominal conversion: 250 uV per DAC and rail-voltage ADC
 * code, offset 0, and 100 uA per current ADC code.
 *
 * Sniffed CH debug-UART bytes (UART frames) go through an rc_uart_alert when
 * the configuration has a pattern: a matching line is an AD1 at its first
 * byte's tick, held and ordered like the gateware's own events.
 *
 * The same device serves a direct-control session (rc_bench_link, for
 * calibration and for checking a freshly flashed gateware): immediate DAC and
 * rail writes (PINS) and the mean ADC codes over a span of device time, with
 * a keep-alive thread that heartbeats while the caller waits for an operator.
 */
#include <libftdi1/ftdi.h>
#include <libusb-1.0/libusb.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "railcut/bench.h"
#include "railcut/clock.h"
#include "gwsession/gwsession.h"
#include "railcut/link.h"
#include "rig/rig_internal.h"

#define FTDI_VID 0x0403
#define FT2232H_PID 0x6010
#define DEFAULT_BAUD 3000000
#define DEFAULT_LATENCY_MS 1
#define RING_BYTES (4u << 20)
#define READ_CHUNK 4096
/* ftdi_read_data returns once it has this much or the device has nothing:
 * one high-speed packet's payload keeps the latency to one packet. */
#define USB_READ_BYTES 510
#define USB_READ_TIMEOUT_MS 200
#define USB_RETRIES 5
#define ANSWER_TIMEOUT_US 500000
#define COMMAND_TRIES 3
#define SILENCE_LIMIT_US 3000000 /* no good frame for this long: device gone */
#define HEARTBEAT_US (RC_GWS_WATCHDOG_MS * 1000 / 4) /* on the wall clock */
#define POLL_SLICE_US 100000
/* After RUN_END, how long the SAMPLES frame that ends the run is waited
 * for; it trails RUN_END by a frame, so only a frame the link lost takes
 * this long, and the run then ends without it. */
#define TAIL_WAIT_US 500000
#define OVP_MV 15000
#define OCP_MA 2000
#define NOMINAL_DAC_MV_PER_CODE 0.25
#define NOMINAL_ADC_MV_PER_CODE 0.25
#define NOMINAL_ADC_MA_PER_CODE 0.1
#define DEFAULT_UART_BAUD 115200u

typedef struct ftdi_spec {
    char open[256]; /* libftdi open string, or "" */
    char desc[256]; /* "desc:" product description */
    char serial[256];
    char channel;
    int baud;
    int latency_ms;
} ftdi_spec;

struct rc_device {
    rc_rig_config cfg;
    ftdi_spec spec;
    struct ftdi_context *ftdi;
    bool usb_open;

    pthread_t reader;
    bool reader_running;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint8_t *ring;
    size_t ring_head, ring_len;
    bool reader_stop;
    int read_error; /* libusb/libftdi code of the reader's fatal error, 0 none */
    char read_msg[128];

    rc_gws link;
    int64_t last_rx_wall, last_tx_wall;
    int64_t done_wall; /* monotonic wall time RUN_END arrived */

    rc_rig_cal dac, adc_v, adc_a; /* in use: the configuration's or nominal */
    rc_uart_alert *uart;          /* NULL: no pattern */

    /* Direct-control session: sample blocks from probe_from to probe_to
     * (ticks) are summed while probing. */
    uint64_t probe_from, probe_to, probe_last;
    double probe_v, probe_i;
    size_t probe_n;
};

/* ---- device string ---- */

static bool parse_option(ftdi_spec *s, const char *key, const char *val)
{
    char *end;
    long v = strtol(val, &end, 10);
    if (strcmp(key, "channel") == 0 && (val[0] == 'A' || val[0] == 'B') && val[1] == '\0') {
        s->channel = val[0];
        return true;
    }
    if (*end != '\0' || end == val)
        return false;
    if (strcmp(key, "baud") == 0 && v >= 300 && v <= 12000000)
        s->baud = (int)v;
    else if (strcmp(key, "latency") == 0 && v >= 1 && v <= 255)
        s->latency_ms = (int)v;
    else
        return false;
    return true;
}

/* "SPEC[?channel=B&baud=3000000&latency=1]"; SPEC is a libftdi open string
 * ("d:BUS/ADDR", "i:VID:PID[:INDEX]", "s:VID:PID:SERIAL"), "s:SERIAL",
 * "desc:TEXT", or empty for the first FT2232H. */
static rc_status parse_device(const char *text, ftdi_spec *s, rc_error *err)
{
    memset(s, 0, sizeof *s);
    s->channel = 'B';
    s->baud = DEFAULT_BAUD;
    s->latency_ms = DEFAULT_LATENCY_MS;
    if (!text)
        return RC_OK;
    char buf[256];
    if (strlen(text) >= sizeof buf)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: device string too long");
    strcpy(buf, text);
    char *q = strchr(buf, '?');
    if (q) {
        *q++ = '\0';
        for (char *save, *opt = strtok_r(q, "&", &save); opt;
             opt = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(opt, '=');
            if (eq)
                *eq++ = '\0';
            if (!eq || !parse_option(s, opt, eq))
                return rc_error_set(err, RC_ERR_ARG,
                                    "ftdi: bad option '%s' in device '%s' (channel=A|B, "
                                    "baud=300..12000000, latency=1..255)",
                                    opt, text);
        }
    }
    if (strncmp(buf, "desc:", 5) == 0)
        snprintf(s->desc, sizeof s->desc, "%s", buf + 5);
    else if (strncmp(buf, "s:", 2) == 0 && !strchr(buf + 2, ':'))
        snprintf(s->serial, sizeof s->serial, "%s", buf + 2);
    else
        snprintf(s->open, sizeof s->open, "%s", buf);
    return RC_OK;
}

/* ---- USB ---- */

static rc_status usb_error(rc_device *d, int code, const char *what, rc_error *err)
{
    return rc_error_set(err, RC_ERR_DEVICE, "ftdi: %s failed: %s (%d)", what,
                        ftdi_get_error_string(d->ftdi), code);
}

static rc_status usb_open(rc_device *d, rc_error *err)
{
    const ftdi_spec *s = &d->spec;
    d->ftdi = ftdi_new();
    if (!d->ftdi)
        return rc_error_set(err, RC_ERR_NOMEM, "ftdi: out of memory");
    int rc = ftdi_set_interface(d->ftdi, s->channel == 'A' ? INTERFACE_A : INTERFACE_B);
    if (rc < 0)
        return usb_error(d, rc, "selecting the channel", err);
    if (s->desc[0] || s->serial[0])
        rc = ftdi_usb_open_desc(d->ftdi, FTDI_VID, FT2232H_PID, s->desc[0] ? s->desc : NULL,
                                s->serial[0] ? s->serial : NULL);
    else if (s->open[0])
        rc = ftdi_usb_open_string(d->ftdi, s->open);
    else
        rc = ftdi_usb_open(d->ftdi, FTDI_VID, FT2232H_PID);
    if (rc < 0)
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: cannot open the device '%s': %s (%d)",
                            d->cfg.device ? d->cfg.device : "0403:6010",
                            ftdi_get_error_string(d->ftdi), rc);
    d->usb_open = true;
    d->ftdi->usb_read_timeout = USB_READ_TIMEOUT_MS;
    if ((rc = ftdi_set_baudrate(d->ftdi, s->baud)) < 0)
        return usb_error(d, rc, "setting the baud rate", err);
    if ((rc = ftdi_set_line_property(d->ftdi, BITS_8, STOP_BIT_1, NONE)) < 0)
        return usb_error(d, rc, "setting 8N1", err);
    if ((rc = ftdi_setflowctrl(d->ftdi, SIO_DISABLE_FLOW_CTRL)) < 0)
        return usb_error(d, rc, "disabling flow control", err);
    if ((rc = ftdi_set_latency_timer(d->ftdi, (unsigned char)s->latency_ms)) < 0)
        return usb_error(d, rc, "setting the latency timer", err);
    if ((rc = ftdi_tcioflush(d->ftdi)) < 0)
        return usb_error(d, rc, "flushing the buffers", err);
    return RC_OK;
}

/* Transient USB errors are retried; these are not. */
static bool fatal_usb(int rc)
{
    return rc == LIBUSB_ERROR_NO_DEVICE || rc == LIBUSB_ERROR_NOT_FOUND || rc == -666;
}

static void reader_fail(rc_device *d, int rc)
{
    pthread_mutex_lock(&d->lock);
    d->read_error = rc;
    snprintf(d->read_msg, sizeof d->read_msg, "%s",
             fatal_usb(rc) ? "the device was unplugged" : ftdi_get_error_string(d->ftdi));
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* Appends to the ring, waiting while it is full (the device then holds the
 * rest, and the gateware counts what it cannot keep). */
static bool ring_put(rc_device *d, const uint8_t *b, size_t n)
{
    pthread_mutex_lock(&d->lock);
    size_t done = 0;
    while (done < n && !d->reader_stop) {
        if (d->ring_len == RING_BYTES) {
            pthread_cond_wait(&d->cond, &d->lock);
            continue;
        }
        size_t tail = (d->ring_head + d->ring_len) % RING_BYTES;
        size_t room = RING_BYTES - d->ring_len;
        size_t span = RING_BYTES - tail < room ? RING_BYTES - tail : room;
        size_t k = n - done < span ? n - done : span;
        memcpy(d->ring + tail, b + done, k);
        d->ring_len += k;
        done += k;
        pthread_cond_broadcast(&d->cond);
    }
    bool stop = d->reader_stop;
    pthread_mutex_unlock(&d->lock);
    return !stop;
}

static void *reader_main(void *arg)
{
    rc_device *d = arg;
    uint8_t buf[USB_READ_BYTES];
    int failures = 0;
    for (;;) {
        pthread_mutex_lock(&d->lock);
        bool stop = d->reader_stop;
        pthread_mutex_unlock(&d->lock);
        if (stop)
            break;
        int n = ftdi_read_data(d->ftdi, buf, sizeof buf);
        if (n == LIBUSB_ERROR_TIMEOUT) {
            continue; /* a silent device: the main thread decides when that is fatal */
        }
        if (n < 0) {
            if (fatal_usb(n) || ++failures > USB_RETRIES) {
                reader_fail(d, n);
                break;
            }
            struct timespec ts = {0, 10000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        failures = 0;
        if (n > 0 && !ring_put(d, buf, (size_t)n))
            break;
    }
    return NULL;
}

/* Takes what the ring holds, waiting up to wait_us for something. Returns
 * the count, 0 when nothing came; *fatal is the reader's error, if any. */
static size_t ring_take(rc_device *d, uint8_t *out, size_t cap, int64_t wait_us, int *fatal)
{
    pthread_mutex_lock(&d->lock);
    if (d->ring_len == 0 && d->read_error == 0 && wait_us > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)(wait_us % 1000000) * 1000L;
        ts.tv_sec += (time_t)(wait_us / 1000000) + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&d->cond, &d->lock, &ts);
    }
    size_t n = d->ring_len < cap ? d->ring_len : cap;
    size_t first = RING_BYTES - d->ring_head < n ? RING_BYTES - d->ring_head : n;
    memcpy(out, d->ring + d->ring_head, first);
    memcpy(out + first, d->ring, n - first);
    d->ring_head = (d->ring_head + n) % RING_BYTES;
    d->ring_len -= n;
    *fatal = n == 0 ? d->read_error : 0;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return n;
}

static rc_status device_lost(rc_device *d, rc_error *err)
{
    return rc_error_set(err, RC_ERR_DEVICE, "ftdi: link lost: %s", d->read_msg);
}

/* libftdi reports every failed bulk write as -1, hiding an unplug; the
 * reader thread sees the real libusb code, so give it a moment to say. */
static bool reader_saw_unplug(rc_device *d)
{
    const struct timespec step = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 50; i++) {
        pthread_mutex_lock(&d->lock);
        bool gone = fatal_usb(d->read_error);
        pthread_mutex_unlock(&d->lock);
        if (gone)
            return true;
        nanosleep(&step, NULL);
    }
    return false;
}

/* Writes one frame, retrying transient USB errors. */
static rc_status link_write(void *ctx, const uint8_t *frame, size_t n, rc_error *err)
{
    rc_device *d = ctx;
    int rc = 0;
    for (int tries = 0; tries < USB_RETRIES; tries++) {
        rc = ftdi_write_data(d->ftdi, frame, (int)n);
        if (rc == (int)n)
            break;
        if (rc >= 0 || fatal_usb(rc))
            break;
    }
    if (rc != (int)n)
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: write failed: %s",
                            fatal_usb(rc) || reader_saw_unplug(d)
                                ? "the device was unplugged"
                                : ftdi_get_error_string(d->ftdi));
    d->last_tx_wall = rc_clock_monotonic_us();
    return RC_OK;
}

/* ---- what only this backend takes from the device ---- */

/* A value in mV (mA) as the nearest ADC code, within the code range. */
static uint16_t value_code(const rc_rig_cal *c, double value)
{
    double code = round((value - c->offset) / c->gain);
    return code < 0 ? 0 : code > 65535 ? 65535 : (uint16_t)code;
}

/* Direct control: the blocks inside the measuring span are summed. */
static void probe_samples(void *ctx, const rc_link_samples *s)
{
    rc_device *d = ctx;
    uint32_t block = 1000000u / d->cfg.sample_rate_hz;
    for (size_t k = 0; k < s->n; k++) {
        uint64_t tick = s->tick + k * block;
        const rc_link_block *b = &s->blocks[k];
        d->probe_last = tick;
        if (tick < d->probe_from || tick + block > d->probe_to)
            continue;
        d->probe_v += ((double)b->v_min + b->v_max) / 2.0;
        d->probe_i += ((double)b->i_min + b->i_max) / 2.0;
        d->probe_n++;
    }
}

/* Sniffed bytes, each at its start bit's tick; a completed matching line is
 * an AD1 at its first byte, held and ordered like the gateware's events. */
static void on_uart(void *ctx, const rc_link_uart *u)
{
    rc_device *d = ctx;
    if (!d->uart || !d->link.have_start)
        return;
    uint64_t start = d->link.start_tick;
    uint64_t tick = u->tick;
    for (size_t k = 0; k < u->n; k++) {
        tick += u->gap_ticks[k];
        if (tick < start)
            continue;
        rc_event ev;
        if (rc_uart_alert_byte(d->uart, (int64_t)(tick - start), u->bytes[k], &ev))
            rc_gws_push_event(&d->link, start + (uint64_t)ev.t_us, RC_EV_AD1, 0, ev.text);
    }
}

static void on_link_event(void *ctx, const rc_link_event *e)
{
    rc_device *d = ctx;
    if (e->kind == RC_LINK_EV_RUN_END)
        d->done_wall = rc_clock_monotonic_us();
}

/* Hands the session whatever the reader has, waiting up to wait_us for
 * bytes. */
static rc_status pump(rc_device *d, int64_t wait_us, rc_error *err)
{
    uint8_t buf[READ_CHUNK];
    int fatal;
    size_t n = ring_take(d, buf, sizeof buf, wait_us, &fatal);
    if (n == 0 && fatal)
        return device_lost(d, err);
    if (rc_gws_receive(&d->link, buf, n) > 0)
        d->last_rx_wall = rc_clock_monotonic_us();
    if (d->link.nomem)
        return rc_error_set(err, RC_ERR_NOMEM, "ftdi: out of memory for events");
    return RC_OK;
}

/* ---- the session's transport and time base ---- */

static rc_status link_step(void *ctx, rc_error *err)
{
    return pump(ctx, 20000, err);
}

/* The device's tick as far as its frames have shown it. */
static uint64_t link_now_tick(void *ctx)
{
    const rc_device *d = ctx;
    return d->link.device_tick;
}

static int64_t link_clock_us(void *ctx)
{
    (void)ctx;
    return rc_clock_monotonic_us();
}

static rc_status link_unanswered(void *ctx, rc_link_type type, int tries, rc_error *err)
{
    (void)ctx;
    return rc_error_set(err, RC_ERR_DEVICE,
                        "ftdi: the device did not answer %s (%d tries of %d ms): is the "
                        "railcut gateware loaded and the channel right?",
                        rc_link_type_name(type), tries, ANSWER_TIMEOUT_US / 1000);
}

static void link_init(rc_device *d)
{
    const rc_gws_ops ops = {
        .ctx = d,
        .name = "ftdi",
        .write = link_write,
        .step = link_step,
        .now_tick = link_now_tick,
        .clock_us = link_clock_us,
        .answer_timeout_us = ANSWER_TIMEOUT_US,
        .unanswered = link_unanswered,
        .on_event = on_link_event,
        .on_uart = on_uart,
    };
    const rc_gws_config cfg = {
        .sample_rate_hz = d->cfg.sample_rate_hz,
        .outage_below_mv = d->cfg.outage_below_mv,
        .restore_above_mv = d->cfg.restore_above_mv,
        .alert_pin = !d->cfg.alert_pin_unwired,
        .adc_v = d->adc_v,
        .adc_a = d->adc_a,
    };
    rc_gws_init(&d->link, &ops, &cfg);
}

/* ---- the driver ---- */

static rc_status identify(rc_device *d, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_IDENTIFY}, a;
    rc_status st = rc_gws_command(&d->link, &m, COMMAND_TRIES, &a, err);
    if (st != RC_OK)
        return st;
    const rc_link_identify *id = &a.u.identify;
    if (id->proto_major != RC_LINK_PROTO_MAJOR)
        return rc_error_set(err, RC_ERR_DEVICE,
                            "ftdi: the gateware speaks link protocol %u.%u, railcut speaks "
                            "%u.%u: flash a matching bitstream",
                            id->proto_major, id->proto_minor, RC_LINK_PROTO_MAJOR,
                            RC_LINK_PROTO_MINOR);
    if (id->tick_hz != 1000000u)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "ftdi: the gateware ticks at %u Hz; railcut needs 1 MHz (1 tick = "
                            "1 us)",
                            id->tick_hz);
    d->link.id = *id;
    return RC_OK;
}

/* The CH debug UART's bit time in FPGA clocks, 0 when nothing listens. */
static uint16_t sniff_bit_clocks(const rc_device *d)
{
    if (!d->uart)
        return 0;
    uint32_t baud = d->cfg.uart_baud ? d->cfg.uart_baud : DEFAULT_UART_BAUD;
    uint32_t clocks = (d->link.id.clock_hz + baud / 2) / baud;
    return clocks > 65535u ? 65535u : (uint16_t)clocks;
}

static rc_link_dac_cal dac_cal(const rc_device *d)
{
    return (rc_link_dac_cal){.offset_mv = (int32_t)lround(d->dac.offset),
                             .nv_per_code = (uint32_t)lround(d->dac.gain * 1e6),
                             .max_code = d->link.id.max_dac_code,
                             .tick_hz = d->link.id.tick_hz};
}

static rc_status configure(rc_device *d, rc_error *err)
{
    rc_link_msg m;
    rc_status st = rc_gws_configure_msg(&d->link, &m, err);
    if (st != RC_OK)
        return st;
    rc_link_config *c = &m.u.config;
    c->fall_code = value_code(&d->adc_v, d->cfg.outage_below_mv);
    c->rise_code = value_code(&d->adc_v, d->cfg.restore_above_mv);
    c->ovp_code = value_code(&d->adc_v, d->cfg.max_rail_mv ? d->cfg.max_rail_mv : OVP_MV);
    c->ocp_code = value_code(&d->adc_a, d->cfg.max_current_ma ? d->cfg.max_current_ma : OCP_MA);
    c->safe_pins = (uint8_t)((d->cfg.safe_rail_on ? RC_LINK_PIN_RAIL_EN : 0u) |
                             (d->cfg.safe_ac_lost ? RC_LINK_PIN_AC_LOST : 0u));
    c->sniff_bit_clocks = sniff_bit_clocks(d);
    if (c->sniff_bit_clocks) {
        if (!(d->link.id.caps & RC_LINK_CAP_SNIFFER))
            return rc_error_set(err, RC_ERR_UNSUPPORTED,
                                "ftdi: the bench's alert source is a UART pattern, but this "
                                "gateware has no UART sniffer");
        c->flags |= RC_LINK_CFG_UART;
    }
    if (c->ovp_code == 0)
        c->ovp_code = 1;
    if (c->ocp_code == 0)
        c->ocp_code = 1;
    if (c->fall_code > c->rise_code)
        return rc_error_set(err, RC_ERR_ARG,
                            "ftdi: the rail-volts calibration maps the outage threshold above "
                            "the restore threshold");
    rc_link_dac_cal cal = dac_cal(d);
    st = rc_link_mv_to_code(
        &cal, d->cfg.safe_rail_mv > cal.offset_mv ? d->cfg.safe_rail_mv : cal.offset_mv,
        &c->safe_dac_code, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "ftdi: the safe state's rail");
    st = rc_link_check_limits(&m, &d->link.id, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "ftdi");
    return rc_gws_command_ack(&d->link, &m, COMMAND_TRIES, NULL, err);
}

static void ftdi_close(rc_device *d)
{
    if (!d)
        return;
    if (d->reader_running) {
        pthread_mutex_lock(&d->lock);
        d->reader_stop = true;
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->reader, NULL);
    }
    if (d->usb_open)
        ftdi_usb_close(d->ftdi);
    if (d->ftdi)
        ftdi_free(d->ftdi);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d->ring);
    rc_gws_free(&d->link);
    rc_uart_alert_free(d->uart);
    free(d);
}

static rc_rig_cal pick_cal(rc_rig_cal c, double nominal_gain)
{
    return c.gain != 0 ? c : (rc_rig_cal){.gain = nominal_gain, .offset = 0};
}

static rc_status use_calibration(rc_device *d, rc_error *err)
{
    d->dac = pick_cal(d->cfg.dac_cal, NOMINAL_DAC_MV_PER_CODE);
    d->adc_v = pick_cal(d->cfg.rail_v_cal, NOMINAL_ADC_MV_PER_CODE);
    d->adc_a = pick_cal(d->cfg.rail_a_cal, NOMINAL_ADC_MA_PER_CODE);
    const rc_rig_cal *all[] = {&d->dac, &d->adc_v, &d->adc_a};
    for (size_t i = 0; i < 3; i++)
        if (!isfinite(all[i]->gain) || !isfinite(all[i]->offset) || all[i]->gain <= 0)
            return rc_error_set(err, RC_ERR_ARG,
                                "ftdi: a calibration gain must be positive and finite");
    if (d->dac.gain * 1e6 > UINT32_MAX || fabs(d->dac.offset) > INT32_MAX)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: the DAC calibration is out of range");
    return RC_OK;
}

static rc_status ftdi_open(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    rc_device *d = calloc(1, sizeof *d);
    if (!d)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    d->cfg = *cfg;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    const char *device = cfg->device ? cfg->device : getenv("RAILCUT_FTDI_DEVICE");
    if (device && !*device)
        device = NULL;
    d->cfg.device = device;
    rc_status st = use_calibration(d, err);
    link_init(d);
    if (st == RC_OK)
        st = parse_device(device, &d->spec, err);
    if (st == RC_OK && cfg->uart_pattern && *cfg->uart_pattern)
        st = rc_uart_alert_new(cfg->uart_pattern, &d->uart, err);
    if (st == RC_OK && !(d->ring = malloc(RING_BYTES)))
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (st == RC_OK)
        st = usb_open(d, err);
    if (st == RC_OK) {
        if (pthread_create(&d->reader, NULL, reader_main, d) != 0)
            st = rc_error_set(err, RC_ERR_DEVICE, "ftdi: cannot start the reader thread");
        else
            d->reader_running = true;
    }
    d->last_rx_wall = rc_clock_monotonic_us();
    if (st == RC_OK)
        st = identify(d, err);
    if (st == RC_OK)
        st = configure(d, err);
    if (st != RC_OK) {
        ftdi_close(d);
        return st;
    }
    *out = d;
    return RC_OK;
}

static rc_status ftdi_load(rc_device *d, const rc_profile *p, rc_error *err)
{
    rc_link_dac_cal cal = dac_cal(d);
    return rc_gws_load(&d->link, p, &cal, err);
}

static rc_status ftdi_start(rc_device *d, rc_error *err)
{
    return rc_gws_start(&d->link, err);
}

/* Due on the device's ticks, or on the wall clock when they do not come. */
static rc_status heartbeat_if_due(rc_device *d, rc_error *err)
{
    bool wall = rc_clock_monotonic_us() - d->last_tx_wall >= HEARTBEAT_US;
    if (!wall && !rc_gws_heartbeat_due(&d->link))
        return RC_OK;
    return rc_gws_heartbeat(&d->link, err);
}

static rc_status check_silence(rc_device *d, rc_error *err)
{
    int64_t now = rc_clock_monotonic_us();
    if (now - d->last_rx_wall > SILENCE_LIMIT_US)
        return rc_error_set(err, RC_ERR_DEVICE,
                            "ftdi: the device stopped answering (nothing for %d ms)",
                            SILENCE_LIMIT_US / 1000);
    if (d->link.seg_in_flight && now - d->link.seg_sent_us > SILENCE_LIMIT_US)
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: a segment write was never answered");
    return RC_OK;
}

/* The run has ended and the sample blocks up to its end have arrived, or
 * have been waited for long enough. */
static bool samples_complete(const rc_device *d)
{
    return rc_gws_samples_in(&d->link) ||
           (d->link.done && rc_clock_monotonic_us() - d->done_wall > TAIL_WAIT_US);
}

static rc_status ftdi_poll(rc_device *d, int64_t until_us, const rc_sink *sink,
                           rc_poll_result *res, rc_error *err)
{
    rc_gws *s = &d->link;
    if (!s->started)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: poll while not running");
    int64_t slice_end = rc_clock_monotonic_us() + POLL_SLICE_US;
    rc_status st = RC_OK;
    while (st == RC_OK && !samples_complete(d) && s->fault == RC_OK) {
        st = pump(d, 10000, err);
        if (st == RC_OK)
            st = rc_gws_top_up(s, err);
        if (st == RC_OK)
            st = heartbeat_if_due(d, err);
        if (st == RC_OK)
            st = check_silence(d, err);
        /* Once done, device time stands still at the end: only the trailing
         * samples are awaited. */
        if ((!s->done && rc_gws_now_us(s) >= until_us) || rc_clock_monotonic_us() >= slice_end)
            break;
    }
    st = rc_gws_deliver(s, st, sink, true, err);
    res->now_us = rc_gws_now_us(s);
    res->done = samples_complete(d);
    return st;
}

static rc_status ftdi_stop(rc_device *d, rc_error *err)
{
    int fatal;
    pthread_mutex_lock(&d->lock);
    fatal = d->read_error;
    pthread_mutex_unlock(&d->lock);
    if (fatal)
        return RC_OK; /* unplugged: the gateware's watchdog applies the safe state */
    return rc_gws_stop(&d->link, COMMAND_TRIES, err);
}

const rc_driver rc_driver_ftdi = {
    .name = "ftdi",
    .description = "a real bench: the railcut gateware behind an FT2232H (libftdi1)",
    .open = ftdi_open,
    .close = ftdi_close,
    .load = ftdi_load,
    .start = ftdi_start,
    .poll = ftdi_poll,
    .stop = ftdi_stop,
};

/* ---- direct control (railcut/bench.h) ---- */

#define PROBE_RATE_HZ 1000u
#define KEEPER_PERIOD_US 50000

struct rc_bench_link {
    rc_device *d;
    char device[RC_BENCH_TEXT_MAX + 64];
    /* One user of d at a time: the caller, or the keep-alive thread, which
     * drains the link and heartbeats while the caller waits (for an operator
     * typing a reading, for instance) so the watchdog never trips. */
    pthread_mutex_t use;
    pthread_cond_t wake;
    pthread_t keeper;
    bool keeper_running, keeper_stop;
};

static rc_rig_cal rig_cal(const rc_bench_cal *c)
{
    return c->set ? (rc_rig_cal){.gain = c->gain, .offset = c->offset} : (rc_rig_cal){0};
}

static void *keeper_main(void *arg)
{
    rc_bench_link *l = arg;
    pthread_mutex_lock(&l->use);
    while (!l->keeper_stop) {
        rc_error err;
        if (pump(l->d, 0, &err) == RC_OK)
            heartbeat_if_due(l->d, &err);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += KEEPER_PERIOD_US * 1000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&l->wake, &l->use, &ts);
    }
    pthread_mutex_unlock(&l->use);
    return NULL;
}

rc_status rc_bench_link_open(const rc_bench *b, rc_bench_link **out, rc_error *err)
{
    rc_bench_link *l = calloc(1, sizeof *l);
    if (!l)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (strchr(b->device, '?'))
        snprintf(l->device, sizeof l->device, "%s", b->device);
    else
        snprintf(l->device, sizeof l->device, "%s?channel=%c&baud=%u&latency=%u", b->device,
                 b->channel, b->baud, b->latency_ms);
    rc_rig_config cfg;
    rc_rig_config_default(&cfg);
    cfg.sample_rate_hz = PROBE_RATE_HZ;
    cfg.device = l->device;
    cfg.dac_cal = rig_cal(&b->cal[RC_BENCH_CAL_DAC]);
    cfg.rail_v_cal = rig_cal(&b->cal[RC_BENCH_CAL_RAIL_V]);
    cfg.rail_a_cal = rig_cal(&b->cal[RC_BENCH_CAL_RAIL_A]);
    cfg.max_rail_mv = b->max_rail_mv;
    cfg.max_current_ma = b->max_current_ma;
    cfg.safe_rail_on = b->safe_rail_on;
    cfg.safe_rail_mv = b->safe_rail_mv;
    cfg.safe_ac_lost = b->safe_ac_lost;
    rc_status st = ftdi_open(&cfg, &l->d, err);
    if (st != RC_OK) {
        free(l);
        return st;
    }
    l->d->link.ops.on_blocks = probe_samples;
    l->d->probe_from = UINT64_MAX;
    pthread_mutex_init(&l->use, NULL);
    pthread_cond_init(&l->wake, NULL);
    if (pthread_create(&l->keeper, NULL, keeper_main, l) != 0) {
        rc_bench_link_close(l);
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: cannot start the keep-alive thread");
    }
    l->keeper_running = true;
    *out = l;
    return RC_OK;
}

void rc_bench_link_identity(const rc_bench_link *l, rc_link_identify *out)
{
    *out = l->d->link.id;
}

rc_status rc_bench_link_set(rc_bench_link *l, uint16_t dac_code, bool rail_on, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_PINS};
    m.u.pins = (rc_link_pins){.dac_code = dac_code, .pins = rail_on ? RC_LINK_PIN_RAIL_EN : 0};
    pthread_mutex_lock(&l->use);
    rc_status st = rc_gws_command_ack(&l->d->link, &m, COMMAND_TRIES, NULL, err);
    pthread_mutex_unlock(&l->use);
    return st;
}

/* The device's tick now, from the STATUS that answers a heartbeat. */
static rc_status device_tick_now(rc_device *d, uint64_t *tick, rc_error *err)
{
    for (int t = 0; t < COMMAND_TRIES; t++) {
        d->link.have_status = false;
        rc_status st = rc_gws_heartbeat(&d->link, err);
        int64_t deadline = rc_clock_monotonic_us() + ANSWER_TIMEOUT_US;
        while (st == RC_OK && !d->link.have_status && rc_clock_monotonic_us() < deadline)
            st = pump(d, 20000, err);
        if (st != RC_OK)
            return st;
        if (d->link.have_status) {
            *tick = d->link.status.tick;
            return RC_OK;
        }
    }
    return rc_error_set(err, RC_ERR_DEVICE, "ftdi: the device did not answer heartbeats");
}

static rc_status probe(rc_device *d, int64_t settle_us, int64_t span_us, double *v_code,
                       double *i_code, rc_error *err)
{
    uint64_t now = 0;
    rc_status st = device_tick_now(d, &now, err);
    if (st != RC_OK)
        return st;
    uint32_t block = 1000000u / PROBE_RATE_HZ;
    d->probe_from = now + (uint64_t)settle_us;
    d->probe_to = d->probe_from + (uint64_t)span_us;
    d->probe_v = d->probe_i = 0;
    d->probe_n = 0;
    d->probe_last = 0;
    d->last_rx_wall = rc_clock_monotonic_us();
    while (st == RC_OK && d->probe_last + block < d->probe_to) {
        st = pump(d, 10000, err);
        if (st == RC_OK)
            st = heartbeat_if_due(d, err);
        if (st == RC_OK)
            st = check_silence(d, err);
    }
    d->probe_from = UINT64_MAX;
    if (st != RC_OK)
        return st;
    if (d->probe_n == 0)
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: no samples in the measuring span");
    *v_code = d->probe_v / (double)d->probe_n;
    *i_code = d->probe_i / (double)d->probe_n;
    return RC_OK;
}

rc_status rc_bench_link_measure(rc_bench_link *l, int64_t settle_us, int64_t span_us,
                                double *v_code, double *i_code, rc_error *err)
{
    if (settle_us < 0 || span_us < (int64_t)(1000000u / PROBE_RATE_HZ))
        return rc_error_set(err, RC_ERR_ARG, "ftdi: measure at least one %u us block",
                            1000000u / PROBE_RATE_HZ);
    pthread_mutex_lock(&l->use);
    rc_status st = probe(l->d, settle_us, span_us, v_code, i_code, err);
    pthread_mutex_unlock(&l->use);
    return st;
}

void rc_bench_link_close(rc_bench_link *l)
{
    if (!l)
        return;
    if (l->keeper_running) {
        pthread_mutex_lock(&l->use);
        l->keeper_stop = true;
        pthread_cond_broadcast(&l->wake);
        pthread_mutex_unlock(&l->use);
        pthread_join(l->keeper, NULL);
    }
    rc_error err;
    ftdi_stop(l->d, &err);
    ftdi_close(l->d);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->use);
    free(l);
}
