/*
 * railcut/link.h - the host side of the host <-> FPGA link protocol
 * (docs/protocol.md): the frame CRC, the frame encoder, a streaming decoder
 * that resynchronises after corrupted or dropped bytes, typed messages with
 * range checks, and the conversion of profile segments to segment FIFO
 * entries. Used by every driver that talks to the gateware.
 *
 * Layers: bytes <-> rc_link_frame (sync, type, seq, length, payload, CRC)
 * <-> rc_link_msg (one struct per message type). Nothing here does I/O.
 */
#ifndef RAILCUT_LINK_H
#define RAILCUT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"
#include "railcut/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_LINK_PROTO_MAJOR 1
#define RC_LINK_PROTO_MINOR 0

#define RC_LINK_SYNC0 0xA5u
#define RC_LINK_SYNC1 0x5Au
#define RC_LINK_HEADER_BYTES 5 /* sync0, sync1, type, seq, len */
#define RC_LINK_CRC_BYTES 2
#define RC_LINK_MAX_PAYLOAD 64
#define RC_LINK_MAX_FRAME (RC_LINK_HEADER_BYTES + RC_LINK_MAX_PAYLOAD + RC_LINK_CRC_BYTES)
#define RC_LINK_CRC_INIT 0xFFFFu
#define RC_LINK_TICK_MAX ((UINT64_C(1) << 48) - 1) /* ticks are 48-bit */

#define RC_LINK_MAX_BLOCKS 7 /* sample blocks per SAMPLES frame */
#define RC_LINK_MAX_EVENTS 5 /* records per EVENTS frame */
#define RC_LINK_MAX_UART 19  /* sniffed bytes per UART frame */

typedef enum rc_link_type {
    RC_LINK_IDENTIFY = 0x01,
    RC_LINK_CONFIGURE = 0x02,
    RC_LINK_SEGMENT = 0x03,
    RC_LINK_ARM = 0x04,
    RC_LINK_START = 0x05,
    RC_LINK_STOP = 0x06,
    RC_LINK_PINS = 0x07,
    RC_LINK_HEARTBEAT = 0x08,
    RC_LINK_RELEASE = 0x09,
    RC_LINK_CLEAR_TRIP = 0x0A,
    RC_LINK_IDENTIFY_REPLY = 0x81,
    RC_LINK_SAMPLES = 0x82,
    RC_LINK_EVENTS = 0x83,
    RC_LINK_UART = 0x84,
    RC_LINK_STATUS = 0x85,
    RC_LINK_ACK = 0x86,
    RC_LINK_NAK = 0x87,
} rc_link_type;

/* Output pins (PINS, SEGMENT, CONFIGURE safe_pins, STATUS io). */
#define RC_LINK_PIN_RAIL_EN 0x01u /* load switch closed: rail on */
#define RC_LINK_PIN_AC_LOST 0x02u /* AC Lost asserted */
#define RC_LINK_SEG_LAST 0x80u    /* SEGMENT pins: the run ends with this entry */
/* Inputs in STATUS io. */
#define RC_LINK_IO_ALERT 0x10u
#define RC_LINK_IO_CH_PRESENT 0x20u

/* CONFIGURE flags. */
#define RC_LINK_CFG_SAMPLES 0x01u /* stream SAMPLES */
#define RC_LINK_CFG_UART 0x02u    /* stream sniffed UART bytes */

/* STATUS trips, latched. */
#define RC_LINK_TRIP_WATCHDOG 0x01u
#define RC_LINK_TRIP_OVP 0x02u
#define RC_LINK_TRIP_OCP 0x04u

/* IDENTIFY_REPLY caps. */
#define RC_LINK_CAP_RAMP 0x01u
#define RC_LINK_CAP_CURRENT 0x02u
#define RC_LINK_CAP_SNIFFER 0x04u
#define RC_LINK_CAP_ALERT 0x08u
#define RC_LINK_CAP_OVP 0x10u
#define RC_LINK_CAP_OCP 0x20u
#define RC_LINK_CAP_12MBAUD 0x40u

typedef enum rc_link_wait {
    RC_LINK_WAIT_NONE = 0,
    RC_LINK_WAIT_HOST = 1, /* until RELEASE */
    RC_LINK_WAIT_ALERT = 2,
    RC_LINK_WAIT_CH_PRESENT = 3,
    RC_LINK_WAIT_RAIL_RISE = 4,
    RC_LINK_WAIT_RAIL_FALL = 5,
} rc_link_wait;

typedef enum rc_link_state {
    RC_LINK_STATE_UNCONFIGURED = 0,
    RC_LINK_STATE_IDLE = 1,
    RC_LINK_STATE_ARMED = 2,
    RC_LINK_STATE_RUNNING = 3,
    RC_LINK_STATE_DONE = 4,
    RC_LINK_STATE_TRIPPED = 5,
} rc_link_state;

typedef enum rc_link_event_kind {
    RC_LINK_EV_RAIL_FALL = 0x01,
    RC_LINK_EV_RAIL_RISE = 0x02,
    RC_LINK_EV_ALERT_EDGE = 0x03,
    RC_LINK_EV_CH_PRESENT_EDGE = 0x04,
    RC_LINK_EV_SEGMENT_START = 0x05,
    RC_LINK_EV_WAIT_DONE = 0x06,
    RC_LINK_EV_WAIT_TIMEOUT = 0x07,
    RC_LINK_EV_RUN_END = 0x08,
    RC_LINK_EV_UNDERRUN = 0x09,
    RC_LINK_EV_TRIP = 0x0A,
    RC_LINK_EV_CLAMP = 0x0B,
    RC_LINK_EV_OVERRUN = 0x0C,
    RC_LINK_EV_UART_ERROR = 0x0D,
} rc_link_event_kind;

typedef enum rc_link_nak_reason {
    RC_LINK_NAK_UNKNOWN_TYPE = 1,
    RC_LINK_NAK_LENGTH = 2,
    RC_LINK_NAK_RANGE = 3,
    RC_LINK_NAK_STATE = 4,
    RC_LINK_NAK_FIFO_FULL = 5,
    RC_LINK_NAK_CLAMP = 6,
    RC_LINK_NAK_EMPTY = 7,
    RC_LINK_NAK_TRIPPED = 8,
} rc_link_nak_reason;

/* Lower-case names ("segment", "rail_fall", "fifo_full"); NULL when unknown. */
const char *rc_link_type_name(int type);
const char *rc_link_event_name(int kind);
const char *rc_link_nak_name(int reason);

/* CRC-16/CCITT-FALSE, continued from crc (start with RC_LINK_CRC_INIT). */
uint16_t rc_link_crc16(uint16_t crc, const uint8_t *data, size_t len);

/* One frame without its sync bytes and CRC. */
typedef struct rc_link_frame {
    uint8_t type;
    uint8_t seq;
    uint8_t len;
    uint8_t payload[RC_LINK_MAX_PAYLOAD];
} rc_link_frame;

/* Writes the frame's wire bytes (RC_LINK_MAX_FRAME at most) to out.
 * RC_ERR_ARG when len exceeds RC_LINK_MAX_PAYLOAD or cap is too small. */
rc_status rc_link_frame_encode(const rc_link_frame *f, uint8_t *out, size_t cap,
                               size_t *out_len, rc_error *err);

/* What a decoder has seen on its stream. */
typedef struct rc_link_stats {
    uint64_t frames;          /* good frames delivered */
    uint64_t crc_errors;      /* candidates rejected by the CRC */
    uint64_t oversize;        /* candidates with LEN > RC_LINK_MAX_PAYLOAD */
    uint64_t discarded_bytes; /* bytes that were not part of a good frame */
    uint64_t resyncs;         /* good frames that followed discarded bytes */
    uint64_t seq_gaps;        /* frames whose seq was not the previous + 1 */
    uint64_t frames_lost;     /* sum of the gaps' sizes (mod 256 each) */
} rc_link_stats;

/* Streaming decoder. Holds at most one candidate frame; a rejected candidate
 * is re-examined from its second byte, so a bad byte costs only its frame. */
typedef struct rc_link_decoder {
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t held;     /* bytes in buf, from the candidate's SYNC0 */
    size_t examined; /* bytes of buf already checked against the frame layout */
    bool have_seq;   /* a frame was received: last_seq is the reference */
    uint8_t last_seq;
    bool discarding; /* bytes were discarded since the last good frame */
    rc_link_stats stats;
} rc_link_decoder;

void rc_link_decoder_init(rc_link_decoder *d);

/* Consumes bytes until a good frame is complete or the input is used up, and
 * returns how many bytes it consumed. *got is true when *out holds a frame:
 * call again with the remaining bytes (even zero of them, as a frame can
 * complete from bytes already held). When *got is false every byte was
 * consumed. Any chunking of the stream gives the same frames and counts. */
size_t rc_link_decoder_feed(rc_link_decoder *d, const uint8_t *data, size_t len,
                            rc_link_frame *out, bool *got);

/* Payloads (docs/protocol.md). Codes are raw DAC/ADC codes, times ticks. */
typedef struct rc_link_identify {
    uint8_t proto_major, proto_minor;
    uint8_t gw_major, gw_minor;
    uint16_t gw_patch;
    uint16_t board_id;
    uint32_t clock_hz;
    uint32_t tick_hz;
    uint32_t adc_rate_hz;
    uint16_t max_dac_code; /* build-time clamp */
    uint16_t fifo_depth;
    uint16_t min_block_ticks;
    uint8_t dac_bits, adc_bits;
    uint32_t caps;
} rc_link_identify;

typedef struct rc_link_config {
    uint32_t block_ticks;
    uint16_t fall_code, rise_code; /* crossing thresholds with hysteresis */
    uint16_t ovp_code, ocp_code;
    uint16_t safe_dac_code;
    uint16_t watchdog_ms;
    uint16_t debounce_ticks;
    uint16_t sniff_bit_clocks; /* 0 = sniffer off */
    uint8_t safe_pins;
    uint8_t flags;
} rc_link_config;

typedef struct rc_link_seg {
    uint32_t seg_id;
    uint64_t duration_ticks; /* 1 .. RC_LINK_TICK_MAX */
    uint16_t start_code, end_code;
    int32_t slope; /* DAC codes per tick, 24 fraction bits */
    uint8_t pins;  /* RC_LINK_PIN_* | RC_LINK_SEG_LAST */
    uint8_t wait;  /* rc_link_wait */
} rc_link_seg;

typedef struct rc_link_pins {
    uint16_t dac_code;
    uint8_t pins;
} rc_link_pins;

typedef struct rc_link_block {
    uint16_t v_min, v_max, i_min, i_max;
} rc_link_block;

typedef struct rc_link_samples {
    uint64_t tick; /* first tick of blocks[0] */
    uint8_t n;
    rc_link_block blocks[RC_LINK_MAX_BLOCKS];
} rc_link_samples;

typedef struct rc_link_event {
    uint64_t tick;
    uint8_t kind; /* rc_link_event_kind */
    uint8_t arg;
    uint32_t value;
} rc_link_event;

typedef struct rc_link_events {
    uint8_t n;
    rc_link_event ev[RC_LINK_MAX_EVENTS];
} rc_link_events;

typedef struct rc_link_uart {
    uint64_t tick; /* start bit of bytes[0] */
    uint8_t n;
    uint8_t bytes[RC_LINK_MAX_UART];
    uint16_t gap_ticks[RC_LINK_MAX_UART]; /* from the previous byte; [0] is 0 */
} rc_link_uart;

typedef struct rc_link_status {
    uint64_t tick;
    uint8_t state; /* rc_link_state */
    uint8_t trips; /* RC_LINK_TRIP_* */
    uint16_t fifo_level;
    uint16_t underruns, overruns, crc_errors, rx_dropped; /* wrap mod 2^16 */
    uint8_t last_rx_seq;
    uint8_t io; /* RC_LINK_PIN_* outputs, RC_LINK_IO_* inputs */
    uint16_t dac_code;
    uint32_t seg_id;
} rc_link_status;

typedef struct rc_link_ack {
    uint8_t type, seq;
    uint16_t info; /* free FIFO entries after a SEGMENT */
} rc_link_ack;

typedef struct rc_link_nak {
    uint8_t type, seq;
    uint8_t reason; /* rc_link_nak_reason */
    uint8_t offset; /* payload offset of the offending field, 0xFF none */
} rc_link_nak;

/* One message; `type` selects the member of u (none for empty payloads). */
typedef struct rc_link_msg {
    rc_link_type type;
    union {
        rc_link_config config;
        rc_link_seg seg;
        rc_link_pins pins;
        uint32_t release_seg_id;
        rc_link_identify identify;
        rc_link_samples samples;
        rc_link_events events;
        rc_link_uart uart;
        rc_link_status status;
        rc_link_ack ack;
        rc_link_nak nak;
    } u;
} rc_link_msg;

/* Message -> frame with the given seq. RC_ERR_ARG for an unknown type or a
 * field out of its range (the same checks as decoding). */
rc_status rc_link_msg_to_frame(const rc_link_msg *m, uint8_t seq, rc_link_frame *f,
                               rc_error *err);

/* Frame -> message. RC_ERR_FORMAT for an unknown type, a length wrong for
 * the type or a field out of range; RC_ERR_UNSUPPORTED for an identify reply
 * of another protocol major version (proto_major/minor are still filled). */
rc_status rc_link_msg_from_frame(const rc_link_frame *f, rc_link_msg *m, rc_error *err);

/* rc_link_msg_to_frame then rc_link_frame_encode. */
rc_status rc_link_msg_encode(const rc_link_msg *m, uint8_t seq, uint8_t *out, size_t cap,
                             size_t *out_len, rc_error *err);

/* Checks an h2f message against the board's build-time limits: DAC codes up
 * to max_dac_code, block_ticks from min_block_ticks. RC_ERR_UNSUPPORTED
 * when a limit is exceeded (the host refuses; it never wraps or clamps). */
rc_status rc_link_check_limits(const rc_link_msg *m, const rc_link_identify *id, rc_error *err);

/* How setpoints and times map to the board: code = round((mv - offset_mv)
 * * 10^6 / nv_per_code), ticks = us * tick_hz / 10^6 (exact). */
typedef struct rc_link_dac_cal {
    int32_t offset_mv;    /* setpoint at DAC code 0 */
    uint32_t nv_per_code; /* setpoint step per DAC code, in nanovolts, > 0 */
    uint16_t max_code;    /* build-time clamp (identify max_dac_code) */
    uint32_t tick_hz;     /* identify tick_hz */
} rc_link_dac_cal;

/* RC_ERR_UNSUPPORTED when mv maps below code 0 or above max_code. */
rc_status rc_link_mv_to_code(const rc_link_dac_cal *cal, int32_t mv, uint16_t *code,
                             rc_error *err);
/* RC_ERR_UNSUPPORTED when us is not a whole number of ticks or the result
 * exceeds RC_LINK_TICK_MAX; RC_ERR_ARG for negative us or tick_hz 0. */
rc_status rc_link_us_to_ticks(uint32_t tick_hz, int64_t us, uint64_t *ticks, rc_error *err);

/* One profile segment -> one FIFO entry with id seg_id (the segment's index),
 * RC_LINK_SEG_LAST when last. HOLD and OBSERVE hold from_mv; RAMP goes from
 * from_mv to to_mv; WAIT maps ad1 -> ALERT and ready/restored/down -> HOST.
 * RC_ERR_UNSUPPORTED when a code or the slope is out of the board's range or
 * the duration is not whole ticks; RC_ERR_ARG for a zero duration (callers
 * leave such segments out: they hold no time). */
rc_status rc_link_seg_from_segment(const rc_segment *s, uint32_t seg_id, bool last,
                                   const rc_link_dac_cal *cal, rc_link_seg *out, rc_error *err);

/* The gateware's ramp arithmetic (docs/protocol.md, "Ramps"), for the encoder
 * and for models that must ramp exactly as the sequencer does. Codes and
 * slopes are int64_t so a model may use them beyond the board's ranges (the
 * encoder refuses those). rc_link_ramp_slope: trunc((end - start) * 2^24 /
 * ticks), codes per tick with 24 fraction bits, toward zero; ticks > 0.
 * rc_link_ramp_code: the code at offset k of the entry, the integer part of
 * (start * 2^24 + k * slope) / 2^24, held at end once it reaches end in the
 * slope's direction. rc_link_ramp_next_change: the first offset after k at which
 * that code differs from the code at k; UINT64_MAX when it never does. */
int64_t rc_link_ramp_slope(int64_t start_code, int64_t end_code, uint64_t ticks);
int64_t rc_link_ramp_code(int64_t start_code, int64_t end_code, int64_t slope, uint64_t k);
uint64_t rc_link_ramp_next_change(int64_t start_code, int64_t end_code, int64_t slope,
                                  uint64_t k);

#ifdef __cplusplus
}
#endif

#endif
