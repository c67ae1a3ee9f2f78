/*
 * ftdi.c - the "ftdi" backend: a real bench, the gateware behind an FT2232H,
 * driven through libftdi1 over the link protocol (docs/protocol.md,
 * docs/ftdi-driver.md).
 *
 * Layout: the libftdi context and a reader thread that drains the USB into
 * a bounded byte ring (ring, ring_head, ring_len under lock) so the device's
 * buffer never backs up while the host is busy writing the trace; the
 * reader's first fatal error is kept for the main thread. The main thread
 * decodes the ring with an rc_link_decoder and handles every frame in one
 * place: answers (ACK, NAK, IDENTIFY_REPLY) go to the answer slot the
 * waiting command looks at, STATUS and FIFO credits pace the segment writes,
 * EVENTS and SAMPLES become rc_event/rc_sample in two growable buffers.
 *
 * The profile's segments become FIFO entries (entries[], with the profile
 * index of each in entry_seg[]); segments of zero length hold no time and are
 * not sent, but their RC_EV_SEGMENT events are still reported when the next
 * entry starts, as the sim does. The first entry's SEGMENT_START tick is
 * t = 0: every device tick after it maps to t_us = tick - start_tick
 * (1 tick = 1 us; identify must say so). Events are held until the device
 * has moved REORDER_TICKS past them and then delivered in time order, since
 * the gateware reports debounced edges late.
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
#define WATCHDOG_MS 1000u
#define HEARTBEAT_US (WATCHDOG_MS * 1000 / 4)
#define POLL_SLICE_US 100000
/* After RUN_END, how long the SAMPLES frame that ends the run is waited
 * for; it trails RUN_END by a frame, so only a frame the link lost takes
 * this long, and the run then ends without it. */
#define TAIL_WAIT_US 500000
#define REORDER_TICKS 16
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

    rc_link_decoder dec;
    uint8_t tx_seq;
    int64_t last_rx_wall, last_tx_wall;
    uint64_t last_tx_tick;
    rc_link_identify id;
    bool have_answer;
    rc_link_msg answer;

    rc_segment *segs;
    size_t n_segs;
    rc_link_seg *entries;
    size_t *entry_seg;
    size_t n_entries, next_entry;
    uint16_t fifo_free;
    bool seg_in_flight;
    uint8_t seg_seq;
    int64_t seg_sent_wall;

    bool started, done, have_start;
    uint64_t start_tick, device_tick;
    uint64_t end_tick;     /* RUN_END's tick, once done */
    int64_t done_wall;     /* monotonic wall time RUN_END arrived */
    uint64_t samples_tick; /* the last sample block reported */
    size_t reported_seg;   /* profile segments reported so far */
    bool rail_on, ac_lost, ch_present;
    rc_status fault; /* a trip or underrun ended the run */
    char fault_msg[128];
    rc_link_stats noted; /* link errors already recorded as notes */
    bool have_rx_seq;
    uint8_t rx_seq;         /* SEQ of the last frame handled */
    uint64_t repeats;       /* frames the link delivered twice in a row */
    uint64_t noted_repeats; /* of them, already recorded as notes */

    rc_event *events;
    size_t n_events, cap_events;
    rc_sample *samples;
    size_t n_samples, cap_samples;
    bool nomem;

    rc_rig_cal dac, adc_v, adc_a; /* in use: the configuration's or nominal */
    rc_uart_alert *uart;          /* NULL: no pattern */

    /* Direct-control session: sample blocks from probe_from to probe_to
     * (ticks) are summed while probing. */
    bool probing;
    bool have_status;
    uint64_t status_tick;
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

static rc_status send_msg(rc_device *d, const rc_link_msg *m, uint8_t *seq, rc_error *err)
{
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_status st = rc_link_msg_encode(m, d->tx_seq, buf, sizeof buf, &n, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "ftdi");
    if (seq)
        *seq = d->tx_seq;
    d->tx_seq++;
    int rc = 0;
    for (int tries = 0; tries < USB_RETRIES; tries++) {
        rc = ftdi_write_data(d->ftdi, buf, (int)n);
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
    d->last_tx_tick = d->device_tick;
    return RC_OK;
}

/* ---- what the device reports ---- */

static void push_event(rc_device *d, uint64_t tick, rc_event_kind kind, int32_t value,
                       const char *text)
{
    if (d->n_events == d->cap_events) {
        size_t cap = d->cap_events ? d->cap_events * 2 : 256;
        rc_event *grown = realloc(d->events, cap * sizeof *grown);
        if (!grown) {
            d->nomem = true;
            return;
        }
        d->events = grown;
        d->cap_events = cap;
    }
    rc_event_init(&d->events[d->n_events++], (int64_t)(tick - d->start_tick), kind, value,
                  text);
}

static void push_sample(rc_device *d, const rc_sample *s)
{
    if (d->n_samples == d->cap_samples) {
        size_t cap = d->cap_samples ? d->cap_samples * 2 : 1024;
        rc_sample *grown = realloc(d->samples, cap * sizeof *grown);
        if (!grown) {
            d->nomem = true;
            return;
        }
        d->samples = grown;
        d->cap_samples = cap;
    }
    d->samples[d->n_samples++] = *s;
}

/* RC_EV_SEGMENT for profile segment i at tick, with the output edges and
 * the observation window, as the sim reports them. */
static void report_segment(rc_device *d, size_t i, uint64_t tick)
{
    const rc_segment *s = &d->segs[i];
    push_event(d, tick, RC_EV_SEGMENT, (int32_t)i, NULL);
    if (s->rail_on != d->rail_on)
        push_event(d, tick, s->rail_on ? RC_EV_RAIL_RESTORE : RC_EV_RAIL_CUT, 0, NULL);
    if (s->ac_lost != d->ac_lost)
        push_event(d, tick, s->ac_lost ? RC_EV_AC_LOST_ON : RC_EV_AC_LOST_OFF, 0, NULL);
    d->rail_on = s->rail_on;
    d->ac_lost = s->ac_lost;
    if (s->kind == RC_SEG_OBSERVE)
        push_event(d, tick, RC_EV_OBSERVE, 0, NULL);
    if (s->kind == RC_SEG_WAIT && s->duration_us == 0)
        push_event(d, tick, RC_EV_WAIT_TIMEOUT, (int32_t)i, NULL);
    d->reported_seg = i + 1;
}

/* Reports the skipped zero-length segments before profile segment upto. */
static void report_segments_before(rc_device *d, size_t upto, uint64_t tick)
{
    while (d->reported_seg < upto)
        report_segment(d, d->reported_seg, tick);
}

static void fault(rc_device *d, uint64_t tick, const char *what)
{
    push_event(d, tick, RC_EV_NOTE, 0, what);
    if (d->fault == RC_OK) {
        d->fault = RC_ERR_DEVICE;
        snprintf(d->fault_msg, sizeof d->fault_msg, "ftdi: the gateware reported %s", what);
    }
}

static void on_device_event(rc_device *d, const rc_link_event *e)
{
    if (e->kind == RC_LINK_EV_SEGMENT_START && !d->have_start) {
        d->have_start = true;
        d->start_tick = e->tick;
    }
    if (!d->have_start || e->tick < d->start_tick)
        return;
    size_t seg = e->value < d->n_segs ? e->value : d->n_segs - 1;
    switch ((rc_link_event_kind)e->kind) {
    case RC_LINK_EV_SEGMENT_START:
        report_segments_before(d, seg, e->tick);
        report_segment(d, seg, e->tick);
        break;
    case RC_LINK_EV_WAIT_DONE:
        push_event(d, e->tick, RC_EV_WAIT_DONE, (int32_t)seg, NULL);
        break;
    case RC_LINK_EV_WAIT_TIMEOUT:
        push_event(d, e->tick + 1, RC_EV_WAIT_TIMEOUT, (int32_t)seg, NULL);
        break;
    case RC_LINK_EV_RUN_END:
        report_segments_before(d, d->n_segs, e->tick);
        d->done = true;
        d->done_wall = rc_clock_monotonic_us();
        d->end_tick = e->tick;
        d->device_tick = e->tick;
        break;
    case RC_LINK_EV_RAIL_FALL:
        push_event(d, e->tick, RC_EV_RAIL_FALL, d->cfg.outage_below_mv, NULL);
        break;
    case RC_LINK_EV_RAIL_RISE:
        push_event(d, e->tick, RC_EV_RAIL_RISE, d->cfg.restore_above_mv, NULL);
        break;
    case RC_LINK_EV_ALERT_EDGE:
        if (e->arg == 1 && !d->cfg.alert_pin_unwired)
            push_event(d, e->tick, RC_EV_AD1, 0, "pin");
        break;
    case RC_LINK_EV_CH_PRESENT_EDGE:
        d->ch_present = e->arg == 1;
        push_event(d, e->tick, d->ch_present ? RC_EV_CH_READY : RC_EV_CH_DOWN, 0, NULL);
        break;
    case RC_LINK_EV_UNDERRUN: fault(d, e->tick, "a segment FIFO underrun"); break;
    case RC_LINK_EV_TRIP:
        fault(d, e->tick,
              e->arg == 1   ? "a watchdog trip"
              : e->arg == 2 ? "an over-voltage trip"
                            : "an over-current trip");
        break;
    case RC_LINK_EV_CLAMP:
        push_event(d, e->tick, RC_EV_NOTE, 0, "link: DAC code clamped");
        break;
    case RC_LINK_EV_OVERRUN:
        push_event(d, e->tick, RC_EV_NOTE, (int32_t)e->value, "link: device overrun");
        break;
    default: break;
    }
}

static double code_value(const rc_rig_cal *c, double code)
{
    return c->gain * code + c->offset;
}

/* A value in mV (mA) as the nearest ADC code, within the code range. */
static uint16_t value_code(const rc_rig_cal *c, double value)
{
    double code = round((value - c->offset) / c->gain);
    return code < 0 ? 0 : code > 65535 ? 65535 : (uint16_t)code;
}

static void probe_samples(rc_device *d, const rc_link_samples *s, uint32_t block)
{
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

static void on_samples(rc_device *d, const rc_link_samples *s)
{
    uint32_t block = 1000000u / d->cfg.sample_rate_hz;
    if (d->probing) {
        probe_samples(d, s, block);
        return;
    }
    for (size_t k = 0; k < s->n; k++) {
        uint64_t tick = s->tick + k * block;
        if (!d->have_start || tick < d->start_tick || (d->done && tick > d->end_tick))
            continue;
        d->samples_tick = tick;
        const rc_link_block *b = &s->blocks[k];
        rc_sample out = {
            .t_us = (int64_t)(tick - d->start_tick),
            .rail_v = (float)(code_value(&d->adc_v, ((double)b->v_min + b->v_max) / 2.0) / 1000.0),
            .rail_a = (float)(code_value(&d->adc_a, ((double)b->i_min + b->i_max) / 2.0) / 1000.0),
            .ac_lost = d->ac_lost,
            .ch_state = d->ch_present ? RC_CH_READY : RC_CH_OFF,
        };
        push_sample(d, &out);
    }
}

/* Sniffed bytes, each at its start bit's tick; a completed matching line is
 * an AD1 at its first byte. */
static void on_uart(rc_device *d, const rc_link_uart *u)
{
    if (!d->uart || !d->have_start)
        return;
    uint64_t tick = u->tick;
    for (size_t k = 0; k < u->n; k++) {
        tick += u->gap_ticks[k];
        if (tick < d->start_tick)
            continue;
        rc_event ev;
        if (rc_uart_alert_byte(d->uart, (int64_t)(tick - d->start_tick), u->bytes[k], &ev))
            push_event(d, d->start_tick + (uint64_t)ev.t_us, RC_EV_AD1, 0, ev.text);
    }
}

static void see_tick(rc_device *d, uint64_t tick)
{
    if (tick > d->device_tick && !d->done)
        d->device_tick = tick;
}

static void on_frame(rc_device *d, const rc_link_frame *f)
{
    rc_link_msg m;
    rc_error err;
    rc_status st = rc_link_msg_from_frame(f, &m, &err);
    d->last_rx_wall = rc_clock_monotonic_us();
    /* The gateware numbers every frame it sends, so the SEQ just handled,
     * again, is the link repeating a frame whose samples and events were
     * taken already. */
    if (d->have_rx_seq && f->seq == d->rx_seq) {
        d->repeats++;
        return;
    }
    d->have_rx_seq = true;
    d->rx_seq = f->seq;
    if (st == RC_ERR_UNSUPPORTED && f->type == RC_LINK_IDENTIFY_REPLY)
        m.type = RC_LINK_IDENTIFY_REPLY; /* another version: identify() names it */
    else if (st != RC_OK)
        return;
    switch (m.type) {
    case RC_LINK_ACK:
    case RC_LINK_NAK:
        if (d->seg_in_flight && m.u.ack.type == RC_LINK_SEGMENT && m.u.ack.seq == d->seg_seq) {
            d->seg_in_flight = false;
            if (m.type == RC_LINK_ACK) {
                d->fifo_free = m.u.ack.info;
                d->next_entry++;
            } else {
                d->fifo_free = 0;
            }
            break;
        }
        d->answer = m;
        d->have_answer = true;
        break;
    case RC_LINK_IDENTIFY_REPLY:
        d->answer = m;
        d->have_answer = true;
        break;
    case RC_LINK_STATUS:
        d->have_status = true;
        d->status_tick = m.u.status.tick;
        see_tick(d, m.u.status.tick);
        if (!d->seg_in_flight)
            d->fifo_free = (uint16_t)(d->id.fifo_depth - m.u.status.fifo_level);
        break;
    case RC_LINK_EVENTS:
        for (size_t i = 0; i < m.u.events.n; i++) {
            on_device_event(d, &m.u.events.ev[i]);
            see_tick(d, m.u.events.ev[i].tick);
        }
        break;
    case RC_LINK_SAMPLES:
        on_samples(d, &m.u.samples);
        see_tick(d, m.u.samples.tick);
        break;
    case RC_LINK_UART: on_uart(d, &m.u.uart); break;
    default: break;
    }
}

/* Decodes whatever the reader has, waiting up to wait_us for bytes. */
static rc_status pump(rc_device *d, int64_t wait_us, rc_error *err)
{
    uint8_t buf[READ_CHUNK];
    int fatal;
    size_t n = ring_take(d, buf, sizeof buf, wait_us, &fatal);
    if (n == 0 && fatal)
        return device_lost(d, err);
    size_t used = 0;
    for (;;) {
        rc_link_frame f;
        bool got;
        used += rc_link_decoder_feed(&d->dec, buf + used, n - used, &f, &got);
        if (!got)
            break;
        on_frame(d, &f);
    }
    if (d->nomem)
        return rc_error_set(err, RC_ERR_NOMEM, "ftdi: out of memory for events");
    return RC_OK;
}

/* Sends m and waits for its answer; idempotent commands are repeated (with
 * a new seq) when no answer comes. */
static rc_status command(rc_device *d, const rc_link_msg *m, rc_link_msg *answer, int tries,
                         rc_error *err)
{
    for (int t = 0; t < tries; t++) {
        uint8_t seq;
        d->have_answer = false;
        rc_status st = send_msg(d, m, &seq, err);
        int64_t deadline = rc_clock_monotonic_us() + ANSWER_TIMEOUT_US;
        while (st == RC_OK && rc_clock_monotonic_us() < deadline) {
            st = pump(d, 20000, err);
            bool mine = d->have_answer && (m->type == RC_LINK_IDENTIFY
                                               ? d->answer.type == RC_LINK_IDENTIFY_REPLY
                                               : d->answer.type != RC_LINK_IDENTIFY_REPLY &&
                                                     d->answer.u.ack.seq == seq &&
                                                     d->answer.u.ack.type == m->type);
            if (st == RC_OK && mine) {
                *answer = d->answer;
                return RC_OK;
            }
        }
        if (st != RC_OK)
            return st;
    }
    return rc_error_set(err, RC_ERR_DEVICE,
                        "ftdi: the device did not answer %s (%d tries of %d ms): is the "
                        "railcut gateware loaded and the channel right?",
                        rc_link_type_name(m->type), tries, ANSWER_TIMEOUT_US / 1000);
}

/* ACK or a clear error naming the NAK. */
static rc_status command_ack(rc_device *d, const rc_link_msg *m, int tries, rc_link_ack *ack,
                             rc_error *err)
{
    rc_link_msg a;
    rc_status st = command(d, m, &a, tries, err);
    if (st != RC_OK)
        return st;
    if (a.type == RC_LINK_NAK) {
        const char *why = rc_link_nak_name(a.u.nak.reason);
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: the gateware refused %s: %s (offset %u)",
                            rc_link_type_name(m->type), why ? why : "unknown reason",
                            a.u.nak.offset);
    }
    if (ack)
        *ack = a.u.ack;
    return RC_OK;
}

/* ---- the driver ---- */

static rc_status identify(rc_device *d, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_IDENTIFY}, a;
    rc_status st = command(d, &m, &a, COMMAND_TRIES, err);
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
    d->id = *id;
    return RC_OK;
}

/* The CH debug UART's bit time in FPGA clocks, 0 when nothing listens. */
static uint16_t sniff_bit_clocks(const rc_device *d)
{
    if (!d->uart)
        return 0;
    uint32_t baud = d->cfg.uart_baud ? d->cfg.uart_baud : DEFAULT_UART_BAUD;
    uint32_t clocks = (d->id.clock_hz + baud / 2) / baud;
    return clocks > 65535u ? 65535u : (uint16_t)clocks;
}

static rc_link_dac_cal dac_cal(const rc_device *d)
{
    return (rc_link_dac_cal){.offset_mv = (int32_t)lround(d->dac.offset),
                             .nv_per_code = (uint32_t)lround(d->dac.gain * 1e6),
                             .max_code = d->id.max_dac_code,
                             .tick_hz = d->id.tick_hz};
}

static rc_status configure(rc_device *d, rc_error *err)
{
    if (d->cfg.sample_rate_hz == 0 || 1000000u % d->cfg.sample_rate_hz != 0)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "ftdi: sample rate %u Hz is not a whole number of 1 us ticks",
                            d->cfg.sample_rate_hz);
    rc_link_msg m = {.type = RC_LINK_CONFIGURE};
    m.u.config = (rc_link_config){
        .block_ticks = 1000000u / d->cfg.sample_rate_hz,
        .fall_code = value_code(&d->adc_v, d->cfg.outage_below_mv),
        .rise_code = value_code(&d->adc_v, d->cfg.restore_above_mv),
        .ovp_code = value_code(&d->adc_v, d->cfg.max_rail_mv ? d->cfg.max_rail_mv : OVP_MV),
        .ocp_code =
            value_code(&d->adc_a, d->cfg.max_current_ma ? d->cfg.max_current_ma : OCP_MA),
        .safe_pins = (uint8_t)((d->cfg.safe_rail_on ? RC_LINK_PIN_RAIL_EN : 0u) |
                               (d->cfg.safe_ac_lost ? RC_LINK_PIN_AC_LOST : 0u)),
        .watchdog_ms = WATCHDOG_MS,
        .sniff_bit_clocks = sniff_bit_clocks(d),
        .flags = RC_LINK_CFG_SAMPLES,
    };
    if (m.u.config.sniff_bit_clocks) {
        if (!(d->id.caps & RC_LINK_CAP_SNIFFER))
            return rc_error_set(err, RC_ERR_UNSUPPORTED,
                                "ftdi: the bench's alert source is a UART pattern, but this "
                                "gateware has no UART sniffer");
        m.u.config.flags |= RC_LINK_CFG_UART;
    }
    if (m.u.config.ovp_code == 0)
        m.u.config.ovp_code = 1;
    if (m.u.config.ocp_code == 0)
        m.u.config.ocp_code = 1;
    if (m.u.config.fall_code > m.u.config.rise_code)
        return rc_error_set(err, RC_ERR_ARG,
                            "ftdi: the rail-volts calibration maps the outage threshold above "
                            "the restore threshold");
    rc_link_dac_cal cal = dac_cal(d);
    rc_status st = rc_link_mv_to_code(&cal, d->cfg.safe_rail_mv > cal.offset_mv
                                                ? d->cfg.safe_rail_mv
                                                : cal.offset_mv,
                                      &m.u.config.safe_dac_code, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "ftdi: the safe state's rail");
    st = rc_link_check_limits(&m, &d->id, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "ftdi");
    return command_ack(d, &m, COMMAND_TRIES, NULL, err);
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
    free(d->segs);
    free(d->entries);
    free(d->entry_seg);
    free(d->events);
    free(d->samples);
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
    rc_link_decoder_init(&d->dec);
    const char *device = cfg->device ? cfg->device : getenv("RAILCUT_FTDI_DEVICE");
    if (device && !*device)
        device = NULL;
    d->cfg.device = device;
    rc_status st = use_calibration(d, err);
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

/* A DAC whose code 0 gives more than 0 V (a positive calibrated offset)
 * cannot go lower: setpoints below that are set as code 0. */
static rc_segment dac_floor(const rc_segment *s, const rc_link_dac_cal *cal)
{
    rc_segment out = *s;
    if (out.from_mv < cal->offset_mv)
        out.from_mv = cal->offset_mv;
    if (out.to_mv < cal->offset_mv)
        out.to_mv = cal->offset_mv;
    return out;
}

static rc_status compile(rc_device *d, rc_error *err)
{
    size_t last = d->n_segs;
    for (size_t i = 0; i < d->n_segs; i++)
        if (d->segs[i].duration_us > 0)
            last = i;
    if (last == d->n_segs)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "ftdi: the profile holds no time");
    rc_link_dac_cal cal = dac_cal(d);
    d->n_entries = 0;
    for (size_t i = 0; i <= last; i++) {
        const rc_segment *s = &d->segs[i];
        if (s->duration_us == 0)
            continue;
        rc_link_seg *e = &d->entries[d->n_entries];
        rc_segment low = dac_floor(s, &cal);
        rc_status st = rc_link_seg_from_segment(&low, (uint32_t)i, i == last, &cal, e, err);
        if (st != RC_OK)
            return rc_error_prefix(err, st, "ftdi: segment %zu", i);
        /* The CH-present input is the CH's ready signal: the gateware
         * times a ready wait to the tick, with no host round trip. */
        if (s->kind == RC_SEG_WAIT && s->wait_on == RC_WAIT_READY)
            e->wait = RC_LINK_WAIT_CH_PRESENT;
        d->entry_seg[d->n_entries++] = i;
    }
    return RC_OK;
}

/* Sends the next entry when the FIFO has room and no write is unanswered. */
static rc_status top_up(rc_device *d, rc_error *err)
{
    if (d->seg_in_flight || d->fifo_free == 0 || d->next_entry >= d->n_entries)
        return RC_OK;
    rc_link_msg m = {.type = RC_LINK_SEGMENT};
    m.u.seg = d->entries[d->next_entry];
    d->seg_in_flight = true;
    d->seg_sent_wall = rc_clock_monotonic_us();
    return send_msg(d, &m, &d->seg_seq, err);
}

static rc_status ftdi_load(rc_device *d, const rc_profile *p, rc_error *err)
{
    if (d->started)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: load after start");
    if (p->n_segs == 0)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: the profile has no segments");
    free(d->segs);
    free(d->entries);
    free(d->entry_seg);
    d->segs = malloc(p->n_segs * sizeof *d->segs);
    d->entries = malloc(p->n_segs * sizeof *d->entries);
    d->entry_seg = malloc(p->n_segs * sizeof *d->entry_seg);
    if (!d->segs || !d->entries || !d->entry_seg)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    memcpy(d->segs, p->segs, p->n_segs * sizeof *d->segs);
    d->n_segs = p->n_segs;
    rc_status st = compile(d, err);
    /* The first FIFO load is synchronous: ARM needs it in place. */
    d->next_entry = 0;
    d->fifo_free = d->id.fifo_depth;
    while (st == RC_OK && d->next_entry < d->n_entries && d->fifo_free > 0) {
        rc_link_msg m = {.type = RC_LINK_SEGMENT};
        m.u.seg = d->entries[d->next_entry];
        rc_link_ack ack;
        st = command_ack(d, &m, 1, &ack, err);
        if (st == RC_OK) {
            d->fifo_free = ack.info;
            d->next_entry++;
        }
    }
    return st;
}

static rc_status ftdi_start(rc_device *d, rc_error *err)
{
    if (!d->segs)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: start before load");
    if (d->started)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: started twice");
    d->started = true;
    rc_link_msg arm = {.type = RC_LINK_ARM}, start = {.type = RC_LINK_START};
    rc_status st = command_ack(d, &arm, 1, NULL, err);
    if (st == RC_OK)
        st = command_ack(d, &start, 1, NULL, err);
    return st;
}

static int cmp_event(const void *a, const void *b)
{
    const rc_event *x = a, *y = b;
    return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* Link errors since the last note, as one RC_EV_NOTE. */
static void note_link_errors(rc_device *d)
{
    const rc_link_stats *s = &d->dec.stats;
    uint64_t crc = s->crc_errors - d->noted.crc_errors;
    uint64_t dropped = s->discarded_bytes - d->noted.discarded_bytes;
    uint64_t repeats = d->repeats - d->noted_repeats;
    /* The decoder counts a repeat as a gap of 255 lost frames
     * (docs/protocol.md); here it is noted as what it is. */
    uint64_t lost = s->frames_lost - d->noted.frames_lost - 255 * repeats;
    if (!d->have_start || (crc == 0 && dropped == 0 && lost == 0 && repeats == 0))
        return;
    char text[RC_EVENT_TEXT_MAX];
    if (crc || dropped || lost) {
        snprintf(text, sizeof text, "link: %llu crc, %llu bytes, %llu lost",
                 (unsigned long long)crc, (unsigned long long)dropped, (unsigned long long)lost);
        push_event(d, d->device_tick, RC_EV_NOTE, (int32_t)(crc + lost), text);
    }
    if (repeats) {
        snprintf(text, sizeof text, "link: %llu repeated", (unsigned long long)repeats);
        push_event(d, d->device_tick, RC_EV_NOTE, (int32_t)repeats, text);
    }
    d->noted = *s;
    d->noted_repeats = d->repeats;
}

/* Delivers samples, and the events the device has moved past. A stable
 * sort keeps the order of events of one tick. */
static rc_status flush(rc_device *d, const rc_sink *sink, bool all, rc_error *err)
{
    rc_status st = RC_OK;
    if (d->n_samples && sink->on_samples)
        st = sink->on_samples(sink->ctx, d->samples, d->n_samples, err);
    d->n_samples = 0;
    for (size_t i = 1; i < d->n_events; i++)
        for (size_t j = i; j > 0 && cmp_event(&d->events[j - 1], &d->events[j]) > 0; j--) {
            rc_event t = d->events[j];
            d->events[j] = d->events[j - 1];
            d->events[j - 1] = t;
        }
    int64_t horizon = (int64_t)(d->device_tick - d->start_tick) - REORDER_TICKS;
    size_t n = 0;
    while (n < d->n_events && (all || d->events[n].t_us <= horizon)) {
        if (st == RC_OK && sink->on_event)
            st = sink->on_event(sink->ctx, &d->events[n], err);
        n++;
    }
    memmove(d->events, d->events + n, (d->n_events - n) * sizeof *d->events);
    d->n_events -= n;
    return st;
}

static rc_status heartbeat_if_due(rc_device *d, rc_error *err)
{
    int64_t now = rc_clock_monotonic_us();
    bool wall = now - d->last_tx_wall >= HEARTBEAT_US;
    bool device = d->device_tick - d->last_tx_tick >= (uint64_t)HEARTBEAT_US;
    if (!wall && !device)
        return RC_OK;
    rc_link_msg m = {.type = RC_LINK_HEARTBEAT};
    return send_msg(d, &m, NULL, err);
}

static rc_status check_silence(rc_device *d, rc_error *err)
{
    int64_t now = rc_clock_monotonic_us();
    if (now - d->last_rx_wall > SILENCE_LIMIT_US)
        return rc_error_set(err, RC_ERR_DEVICE,
                            "ftdi: the device stopped answering (nothing for %d ms)",
                            SILENCE_LIMIT_US / 1000);
    if (d->seg_in_flight && now - d->seg_sent_wall > SILENCE_LIMIT_US)
        return rc_error_set(err, RC_ERR_DEVICE, "ftdi: a segment write was never answered");
    return RC_OK;
}

static int64_t device_now_us(const rc_device *d)
{
    return d->have_start && d->device_tick > d->start_tick
               ? (int64_t)(d->device_tick - d->start_tick)
               : 0;
}

/* The run has ended and the sample blocks up to its end have arrived (they
 * may trail the RUN_END event by a SAMPLES frame), or have been waited for
 * long enough. */
static bool samples_complete(const rc_device *d)
{
    return d->done && (d->samples_tick + 1000000u / d->cfg.sample_rate_hz > d->end_tick ||
                       rc_clock_monotonic_us() - d->done_wall > TAIL_WAIT_US);
}

static rc_status ftdi_poll(rc_device *d, int64_t until_us, const rc_sink *sink,
                           rc_poll_result *res, rc_error *err)
{
    if (!d->started)
        return rc_error_set(err, RC_ERR_ARG, "ftdi: poll while not running");
    int64_t slice_end = rc_clock_monotonic_us() + POLL_SLICE_US;
    rc_status st = RC_OK;
    while (st == RC_OK && !samples_complete(d) && d->fault == RC_OK) {
        st = pump(d, 10000, err);
        if (st == RC_OK)
            st = top_up(d, err);
        if (st == RC_OK)
            st = heartbeat_if_due(d, err);
        if (st == RC_OK)
            st = check_silence(d, err);
        /* Once done, device time stands still at the end: only the trailing
         * samples are awaited. */
        if ((!d->done && device_now_us(d) >= until_us) || rc_clock_monotonic_us() >= slice_end)
            break;
    }
    note_link_errors(d);
    bool all = st != RC_OK || d->done || d->fault != RC_OK;
    rc_error flush_err;
    rc_status fst = flush(d, sink, all, &flush_err);
    if (st == RC_OK && fst != RC_OK) {
        st = fst;
        *err = flush_err;
    }
    if (st == RC_OK && d->fault != RC_OK)
        st = rc_error_set(err, d->fault, "%s", d->fault_msg);
    res->now_us = device_now_us(d);
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
    rc_link_msg m = {.type = RC_LINK_STOP};
    return command_ack(d, &m, COMMAND_TRIES, NULL, err);
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
    l->d->probing = true;
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
    *out = l->d->id;
}

rc_status rc_bench_link_set(rc_bench_link *l, uint16_t dac_code, bool rail_on, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_PINS};
    m.u.pins = (rc_link_pins){.dac_code = dac_code, .pins = rail_on ? RC_LINK_PIN_RAIL_EN : 0};
    pthread_mutex_lock(&l->use);
    rc_status st = command_ack(l->d, &m, COMMAND_TRIES, NULL, err);
    pthread_mutex_unlock(&l->use);
    return st;
}

/* The device's tick now, from the STATUS that answers a heartbeat. */
static rc_status device_tick_now(rc_device *d, uint64_t *tick, rc_error *err)
{
    for (int t = 0; t < COMMAND_TRIES; t++) {
        d->have_status = false;
        rc_link_msg hb = {.type = RC_LINK_HEARTBEAT};
        rc_status st = send_msg(d, &hb, NULL, err);
        int64_t deadline = rc_clock_monotonic_us() + ANSWER_TIMEOUT_US;
        while (st == RC_OK && !d->have_status && rc_clock_monotonic_us() < deadline)
            st = pump(d, 20000, err);
        if (st != RC_OK)
            return st;
        if (d->have_status) {
            *tick = d->status_tick;
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
