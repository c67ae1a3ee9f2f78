/*
 * gwsession.h - the host side of one link session with the railcut
 * gateware (docs/protocol.md), shared by the backends that talk to it: ftdi
 * (a real bench, bytes over USB) and cosim (the Verilated gateware, bytes
 * through its ports). Not part of the public API.
 *
 * A backend hands the session its transport and time base (rc_gws_ops) and
 * feeds it every byte the gateware sends (rc_gws_receive); the session
 * encodes commands and waits for their answers, uploads the profile's
 * segments against the FIFO credit, turns EVENTS and SAMPLES into rc_event
 * and rc_sample, and delivers them in time order to the run's sink.
 */
#ifndef RAILCUT_GWSESSION_H
#define RAILCUT_GWSESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/link.h"
#include "railcut/rig.h"

#define RC_GWS_WATCHDOG_MS 1000u
#define RC_GWS_HEARTBEAT_TICKS 250000u /* a quarter of the watchdog */
#define RC_GWS_REORDER_TICKS 16        /* events are held until the device is this far past */

/* What differs between backends: how bytes move and how time passes. */
typedef struct rc_gws_ops {
    void *ctx;
    const char *name; /* the backend: the first word of every message */
    /* Sends one frame's wire bytes. */
    rc_status (*write)(void *ctx, const uint8_t *frame, size_t n, rc_error *err);
    /* While a command waits: moves bytes (and, simulated, time) on by one
     * step, handing what arrives to rc_gws_receive. */
    rc_status (*step)(void *ctx, rc_error *err);
    /* The device's tick now, as far as the backend knows it. */
    uint64_t (*now_tick)(void *ctx);
    /* The clock answers are awaited on, in us, and how long one try waits. */
    int64_t (*clock_us)(void *ctx);
    int64_t answer_timeout_us;
    /* The error for a command of this type that no try got an answer to. */
    rc_status (*unanswered)(void *ctx, rc_link_type type, int tries, rc_error *err);
    /* Optional: a device event the session has just reported (after start). */
    void (*on_event)(void *ctx, const rc_link_event *e);
    /* Optional: sniffed CH debug-UART bytes. */
    void (*on_uart)(void *ctx, const rc_link_uart *u);
    /* Optional: when set, sample blocks go here instead of becoming samples. */
    void (*on_blocks)(void *ctx, const rc_link_samples *s);
} rc_gws_ops;

/* How the device's reports read as railcut's events and samples. */
typedef struct rc_gws_config {
    uint32_t sample_rate_hz;  /* one sample block per 10^6 / rate ticks */
    int32_t outage_below_mv;  /* the value of RAIL_FALL events */
    int32_t restore_above_mv; /* the value of RAIL_RISE events */
    bool alert_pin;           /* the alert input is wired: its rising edges are AD1 */
    rc_rig_cal adc_v, adc_a;  /* ADC code -> rail mV, mA */
} rc_gws_config;

typedef struct rc_gws {
    rc_gws_ops ops;
    rc_gws_config cfg;

    /* The link: decoder, sequence numbers, the command awaiting an answer. */
    rc_link_decoder dec;
    uint8_t tx_seq;
    uint64_t last_tx_tick;
    rc_link_identify id; /* the backend's identify fills it */
    bool awaiting;
    rc_link_type await_type;
    uint8_t await_seq;
    bool have_answer;
    rc_link_msg answer;
    bool have_status;
    rc_link_status status; /* the last STATUS */
    bool have_rx_seq;
    uint8_t rx_seq;         /* SEQ of the last frame handled */
    uint64_t repeats;       /* frames the link delivered twice in a row */
    uint64_t noted_repeats; /* of them, already recorded as notes */
    rc_link_stats noted;    /* decoder counts already recorded as notes */

    /* The profile and its FIFO entries (segments of zero length hold no
     * time and have none). */
    rc_segment *segs;
    size_t n_segs;
    rc_link_seg *entries;
    size_t n_entries, next_entry;
    uint16_t fifo_free;
    bool seg_in_flight; /* a SEGMENT sent by top-up, unanswered */
    uint8_t seg_seq;
    int64_t seg_sent_us; /* on the ops clock */

    /* The run as reported. t_us = tick - start_tick, the first entry's
     * SEGMENT_START tick. */
    bool started, done, have_start;
    uint64_t start_tick;
    uint64_t end_tick;     /* RUN_END's tick, once done */
    uint64_t samples_tick; /* the last sample block reported */
    uint64_t device_tick;  /* the latest tick the frames showed (to RUN_END) */
    size_t reported_seg;   /* profile segments reported so far */
    size_t released;       /* reported_seg when the last RELEASE was sent */
    bool rail_on, ac_lost, ch_present;
    rc_status fault; /* a trip, underrun or refusal ended the run */
    uint64_t fault_tick;
    char fault_msg[128];

    /* Output not yet delivered. */
    rc_event *events;
    size_t n_events, cap_events;
    rc_sample *samples;
    size_t n_samples, cap_samples;
    bool nomem;
} rc_gws;

void rc_gws_init(rc_gws *s, const rc_gws_ops *ops, const rc_gws_config *cfg);
/* Frees what the session holds (not s); safe on a zeroed rc_gws. */
void rc_gws_free(rc_gws *s);

/* ---- bytes from the gateware (frames.c) ---- */

/* Decodes and handles every frame the bytes complete; returns how many
 * frames were complete (repeated and unreadable ones included). */
size_t rc_gws_receive(rc_gws *s, const uint8_t *bytes, size_t n);

/* An event at a device tick, for the backend's own reports. */
void rc_gws_push_event(rc_gws *s, uint64_t tick, rc_event_kind kind, int32_t value,
                       const char *text);
/* Records the run's fault (the first one stays) without a note. */
void rc_gws_fail(rc_gws *s, uint64_t tick, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- commands and the run (gwsession.c) ---- */

/* Encodes m with the next SEQ (returned in *seq when not NULL) and writes it. */
rc_status rc_gws_send(rc_gws *s, const rc_link_msg *m, uint8_t *seq, rc_error *err);
/* Sends m and waits for its answer (ACK/NAK, IDENTIFY_REPLY, or the STATUS
 * of a HEARTBEAT), sending it again (with a new SEQ) up to tries times. */
rc_status rc_gws_command(rc_gws *s, const rc_link_msg *m, int tries, rc_link_msg *answer,
                         rc_error *err);
/* The same, with a NAK an RC_ERR_DEVICE naming its reason and field offset. */
rc_status rc_gws_command_ack(rc_gws *s, const rc_link_msg *m, int tries, rc_link_ack *ack,
                             rc_error *err);

/* The session's part of CONFIGURE: one sample block per 10^6 / rate
 * ticks, the watchdog, samples on. RC_ERR_UNSUPPORTED when the rate is not
 * a whole number of ticks; the backend adds thresholds and trip levels. */
rc_status rc_gws_configure_msg(const rc_gws *s, rc_link_msg *m, rc_error *err);

/* Keeps the profile, makes its FIFO entries with cal (ready waits wait for
 * the CH-present input) and fills the FIFO. */
rc_status rc_gws_load(rc_gws *s, const rc_profile *p, const rc_link_dac_cal *cal,
                      rc_error *err);
/* ARM, then START. */
rc_status rc_gws_start(rc_gws *s, rc_error *err);
/* Sends the next entry when the FIFO has room and no write is unanswered. */
rc_status rc_gws_top_up(rc_gws *s, rc_error *err);
/* STOP: the gateware returns to its safe state. */
rc_status rc_gws_stop(rc_gws *s, int tries, rc_error *err);

bool rc_gws_heartbeat_due(const rc_gws *s);
rc_status rc_gws_heartbeat(rc_gws *s, rc_error *err);
/* Ticks until the host has something of its own to send. */
uint64_t rc_gws_idle_ticks(const rc_gws *s);
/* Ends the running host wait (RELEASE) when it waits for w. */
void rc_gws_release_if_waiting(rc_gws *s, rc_wait_on w);

/* Device time since the run's start (held at RUN_END's tick once done). */
int64_t rc_gws_now_us(const rc_gws *s);
/* The run has ended and the sample blocks up to its end have arrived. */
bool rc_gws_samples_in(const rc_gws *s);
/* The end of a poll that ran with status st: link errors noted, samples
 * and the events the device has moved past delivered (all of them once the
 * run is over), and a reported fault made the poll's error when
 * report_fault. Returns the poll's status. */
rc_status rc_gws_deliver(rc_gws *s, rc_status st, const rc_sink *sink, bool report_fault,
                         rc_error *err);

#endif
