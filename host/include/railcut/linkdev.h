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
 * input pulses for RC_LINKDEV_ALERT_PULSE_TICKS at each AD1. With the UART
 * sniffer configured, the CH's debug UART prints one line per CH event
 * (RC_LINKDEV_UART_* below), each line starting at the event's tick.
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

/* Lines the emulated CH prints on its debug UART. */
#define RC_LINKDEV_UART_READY "ch: ready\n"
#define RC_LINKDEV_UART_POWER_LOST "ch: supply lost, running on hold-up\n"
#define RC_LINKDEV_UART_AD1 "ALERT AD1 power outage\n"
#define RC_LINKDEV_UART_RESTORED "ALERT 0x8F35 power restored\n"

/* A converter's true transfer: value = gain * code + offset, in mV (DAC,
 * rail-volts ADC) or mA (current ADC). A DAC setpoint below 0 mV is 0 mV;
 * an ADC code is the value's, truncated to 0..65535. */
typedef struct rc_linkdev_converter {
    double gain;
    double offset;
} rc_linkdev_converter;

typedef struct rc_linkdev_params {
    rc_link_identify id; /* what IDENTIFY answers; rc_linkdev_params_default */
    rc_ch_params ch;
    rc_supply_params supply;
    /* The emulated converters, nominal by default; a calibration test sets
     * a known gain and offset error here. */
    rc_linkdev_converter dac, adc_v, adc_a;
    /* > 0: a dummy load of this many ohms on the CH connector, as for a
     * calibration: the current ADC measures rail / load_ohm (the CH model
     * still runs, but its current is not measured). */
    double load_ohm;
} rc_linkdev_params;

/* iCEBreaker-like identity (protocol 1.0, 1 MHz ticks, 1 MHz ADC, FIFO of
 * RC_LINKDEV_FIFO_DEPTH, UART sniffer), the model's conformant CH and
 * supply, nominal converters and no dummy load. */
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
