/*
 * railcut/linkdev.h - the link device model: the gateware's behaviour at frame
 * level (docs/protocol.md), in C, over the bench model (railcut/model.h).
 *
 * It consumes host -> FPGA bytes and produces FPGA -> host bytes as the
 * gateware does: identify, configure, the segment FIFO with its depth and
 * underrun, arm/start/stop, the sequencer in 1 MHz ticks (1 tick = 1 us),
 * sample blocks with min/max, rail crossings, wait conditions, the heartbeat
 * watchdog and its safe state, status, ACK and NAK. The emulated FT2232H
 * (tests/emu) puts it behind a USB device so the ftdi backend can be tested
 * through the real libftdi1; nothing here does I/O.
 *
 * The CH's signals are taken from the bench model: the CH-present input is
 * asserted while the CH runs (from its ready to its down event) and the alert
 * input pulses for RC_LINKDEV_ALERT_PULSE_TICKS at each AD1.
 */
#ifndef RAILCUT_LINKDEV_H
#define RAILCUT_LINKDEV_H

#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"
#include "railcut/link.h"
#include "railcut/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_LINKDEV_FIFO_DEPTH 32
#define RC_LINKDEV_ALERT_PULSE_TICKS 1000
/* Emulated converters: 250 uV per DAC and rail-voltage ADC code (code 48000
 * is 12 V), 100 uA per current ADC code. The ftdi backend's default
 * calibration is the same. */
#define RC_LINKDEV_DAC_NV_PER_CODE 250000u
#define RC_LINKDEV_ADC_UV_PER_CODE 250u
#define RC_LINKDEV_ADC_UA_PER_CODE 100u

typedef struct rc_linkdev_params {
    rc_link_identify id; /* what IDENTIFY answers; rc_linkdev_params_default */
    rc_ch_params ch;
    rc_supply_params supply;
} rc_linkdev_params;

/* iCEBreaker-like identity (protocol 1.0, 1 MHz ticks, 1 MHz ADC, FIFO of
 * RC_LINKDEV_FIFO_DEPTH) and the model's conformant CH and supply. */
void rc_linkdev_params_default(rc_linkdev_params *p);

typedef struct rc_linkdev rc_linkdev;

rc_status rc_linkdev_new(const rc_linkdev_params *p, rc_linkdev **out, rc_error *err);
void rc_linkdev_free(rc_linkdev *d);

/* Host -> FPGA bytes, in any chunking; answered frames are queued at once. */
void rc_linkdev_write(rc_linkdev *d, const uint8_t *data, size_t len);

/* Runs the gateware up to tick (later than now; earlier is ignored). */
void rc_linkdev_advance(rc_linkdev *d, uint64_t tick);
uint64_t rc_linkdev_now(const rc_linkdev *d);

/* FPGA -> host bytes waiting to be read. */
size_t rc_linkdev_pending(const rc_linkdev *d);
/* Takes up to cap waiting bytes; returns how many. */
size_t rc_linkdev_read(rc_linkdev *d, uint8_t *out, size_t cap);

/* The gateware's STATUS as it would send it now. */
void rc_linkdev_status(const rc_linkdev *d, rc_link_status *out);

#ifdef __cplusplus
}
#endif

#endif
