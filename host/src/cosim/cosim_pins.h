/*
 * cosim_pins.h - the board build of the gateware (fpga/cosim/railcut_pins.v:
 * 12 MHz clock, link through the UART at 3 Mbaud, ADCs and DAC on their SPI
 * pins) as the cosim backend sees it: the calls of cosim_hw.h, one 1 us
 * tick (12 clocks) at a time. Implemented in C++ (fpga/cosim/cosim_pins.cpp),
 * which plays the UART's far end and the converters at pin level.
 */
#ifndef RAILCUT_COSIM_PINS_H
#define RAILCUT_COSIM_PINS_H

#include "cosim/cosim_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_COSIM_PINS_CLKS_PER_TICK 12
#define RC_COSIM_PINS_CLKS_PER_BIT 4 /* 3 Mbaud from 12 MHz, 8N1: 40 clocks a byte */

typedef struct rc_cosim_pins rc_cosim_pins;

/* Builds the model, resets it and releases it at a tick boundary. NULL when
 * out of memory. */
rc_cosim_pins *rc_cosim_pins_new(void);
void rc_cosim_pins_free(rc_cosim_pins *p);

uint64_t rc_cosim_pins_now(const rc_cosim_pins *p);
uint64_t rc_cosim_pins_cycles(const rc_cosim_pins *p);

/* dac_code is the last word the DAC latched (CS rising), not the guard's
 * register: the DAC's output moves when its SPI transfer ends. */
void rc_cosim_pins_outputs(const rc_cosim_pins *p, rc_cosim_hw_out *out);

/* One tick, as rc_cosim_hw_tick: in->adc_v and in->adc_a are what the ADCs
 * convert if a conversion starts (CS falls) during this tick. Link bytes go
 * out on the RX pin one after another (at most one starts per tick); tx
 * gets the bytes whose stop bit ended this tick. */
size_t rc_cosim_pins_tick(rc_cosim_pins *p, const rc_cosim_hw_in *in, const uint8_t *rx,
                          size_t rx_n, uint8_t *tx, size_t *tx_n);

#ifdef __cplusplus
}
#endif

#endif
