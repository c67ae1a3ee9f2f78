/*
 * board_match.h - one profile on the gateware's board build (cosim-12m) and
 * on the cosimulation build (cosim), and the match of their events within
 * the bounds docs/cosim.md ("The 12 MHz board build") gives. Shared by the
 * Check tests of the board build.
 */
#ifndef RC_TESTS_BOARD_MATCH_H
#define RC_TESTS_BOARD_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/rig.h"

#define BOARD_MAX_EVENTS 512

/* Ticks the board build is later (docs/cosim.md). */
#define DAC_LATENCY_US 2  /* the DAC word's SPI transfer */
#define ADC_GRID_US 4     /* one conversion per 4 ticks (250 kSPS) */
#define RELEASE_US 37     /* a RELEASE frame, 11 bytes at 40 clocks, to the wait's end */
#define RELEASE_WORD_US 3 /* the same on the cosimulation build, 4 bytes per tick */
/* The rail and the CH later than the sequencer's shifted times: the DAC's
 * latency and the wait for the next conversion (docs/cosim.md). */
#define MODEL_SLACK_US (DAC_LATENCY_US + ADC_GRID_US - 1)

/* A run's events (notes left out), its result and its clock cycles. */
typedef struct board_capture {
    rc_event ev[BOARD_MAX_EVENTS];
    size_t n_ev;
    rc_run_result res;
    uint64_t cycles;
} board_capture;

/* The bench of the board-build tests: the default one with a CH that boots
 * in 100 ms, qualifies an outage after 250 ms, raises AD1 5 ms after that
 * and the restored alert 20 ms after it is ready again. */
void board_config(rc_rig_config *cfg);

/* Runs p on cosim-12m (board) or on cosim; the cosim build clocks every
 * tick unless skip. Fails the test on any error. */
void board_run(bool board, bool skip, const rc_profile *p, const rc_rig_config *cfg,
               board_capture *c);

/* The nth event of a kind, NULL if there are fewer. */
const rc_event *board_find(const board_capture *c, rc_event_kind kind, size_t nth);

/* What a match found: sequencer events exactly shifted, rail and CH events
 * within the slack, and the largest lag among the latter. */
typedef struct board_match {
    size_t exact, model;
    int64_t max_lag_us;
} board_match;

/* Every event of the board build matched, in order of its kind, with the
 * cosimulation build's, with the same value; sequencer events exactly
 * shifted by the last wait's difference, rail and CH events later by at
 * most MODEL_SLACK_US, rail edges on one 4-tick grid. Fails the test (after
 * printing both lists) on the first that is not. */
board_match board_assert_matches(const board_capture *word, const board_capture *pins);

#endif
