/*
 * cosim_hw.h - the Verilated gateware as the cosim backend sees it: one
 * call per 1 us tick, link bytes in and out, the ADC samples and CH signals
 * going in, the rail, AC Lost and DAC code coming out. Implemented in C++
 * (fpga/cosim/cosim_hw.cpp) over the model Verilator builds from
 * fpga/cosim/railcut_cosim.v; everything else in railcut stays C.
 */
#ifndef RAILCUT_COSIM_HW_H
#define RAILCUT_COSIM_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Build-time figures of the cosimulation gateware (fpga/cosim). */
#define RC_COSIM_HW_MAX_DAC_CODE 15000u /* 1 mV per code: the clamp is 15 V */
#define RC_COSIM_HW_BYTES_PER_TICK 4    /* one link byte per clock each way */

typedef struct rc_cosim_hw rc_cosim_hw;

/* What the gateware drives, as its registered output pins show it now. */
typedef struct rc_cosim_hw_out {
    bool rail_on;       /* load switch closed */
    bool ac_lost;       /* AC Lost pulled (only ever while the rail is on) */
    uint16_t dac_code;  /* the code the DAC is given, after the clamp */
    bool seq_active;    /* the sequencer drives the outputs (RUNNING or DONE) */
} rc_cosim_hw_out;

/* What the bench feeds it during the next tick. */
typedef struct rc_cosim_hw_in {
    uint16_t adc_v;     /* 12-bit rail-voltage code, sampled at this tick */
    uint16_t adc_a;     /* 12-bit rail-current code */
    bool ch_present;    /* the CH's present signal asserted */
    bool alert;         /* the alert input asserted */
} rc_cosim_hw_in;

/* Builds the model and holds it in reset, then releases it at a tick
 * boundary. NULL when out of memory. */
rc_cosim_hw *rc_cosim_hw_new(void);
void rc_cosim_hw_free(rc_cosim_hw *hw);

/* The gateware's tick counter (its `now`). */
uint64_t rc_cosim_hw_now(const rc_cosim_hw *hw);
/* Clock cycles simulated so far (skipped ticks not counted). */
uint64_t rc_cosim_hw_cycles(const rc_cosim_hw *hw);

void rc_cosim_hw_outputs(const rc_cosim_hw *hw, rc_cosim_hw_out *out);

/* Runs one tick with the given inputs, feeding up to
 * RC_COSIM_HW_BYTES_PER_TICK of the rx bytes (one per clock) and appending
 * the bytes the gateware sends to tx (room for RC_COSIM_HW_BYTES_PER_TICK
 * needed). Returns how many rx bytes were taken; *tx_n is set. */
size_t rc_cosim_hw_tick(rc_cosim_hw *hw, const rc_cosim_hw_in *in, const uint8_t *rx,
                        size_t rx_n, uint8_t *tx, size_t *tx_n);

/* How many of the next ticks (at most limit) the gateware would spend
 * doing nothing but count: no link traffic, no record or event in flight,
 * no sequencer entry ending or ramp changing its code, no watchdog trip, no sample
 * block closing, no DAC word going out. 0 when the next tick has work. */
uint64_t rc_cosim_hw_quiet_ticks(const rc_cosim_hw *hw, uint64_t limit);

/* Moves every counter that runs during idle ticks by n at once, as n ticks
 * with the same inputs and no ADC sample would; n at most what
 * rc_cosim_hw_quiet_ticks allowed. */
void rc_cosim_hw_skip(rc_cosim_hw *hw, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif
