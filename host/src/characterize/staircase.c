/*
 * staircase.c - the 1-up/1-down staircase of the threshold modes, as a state
 * machine over grid indices that knows nothing of probes or traces, so the
 * runner and the coverage tests walk exactly the same path.
 *
 * The probed settings are the grid indices 0..k_max. The walk starts at
 * k_max / 2 with a step of the largest power of two not above k_max / 4,
 * steps down after a response and up after none (which settles on the 50 %
 * point), halves the step at every reversal until it is one index, then
 * counts reversals at that step. Three responses in a row at an end of the
 * grid that push the walk out of it mean the threshold lies outside.
 */
#include <assert.h>

#include "characterize/char_internal.h"

#define STUCK_AT_END 3

int64_t rc_char_stair_first_step(int64_t k_max)
{
    int64_t step = 1;
    while (step * 2 <= k_max / 4)
        step *= 2;
    return step;
}

void rc_char_stair_init(rc_char_stair *s, int64_t k_max, unsigned reversals)
{
    assert(k_max > 0 && reversals > 0);
    s->k_max = k_max;
    s->k = k_max / 2;
    s->step = rc_char_stair_first_step(k_max);
    s->reversals = reversals;
    s->n_rev = 0;
    s->stuck = 0;
    s->have_prev = false;
    s->prev = false;
}

rc_char_stair_state rc_char_stair_record(rc_char_stair *s, bool response, bool *final_reversal)
{
    *final_reversal = false;
    if (s->have_prev && response != s->prev) {
        if (s->step > 1) {
            s->step /= 2;
        } else {
            s->n_rev++;
            *final_reversal = true;
        }
    }
    s->have_prev = true;
    s->prev = response;
    if (s->n_rev >= s->reversals)
        return RC_STAIR_CONVERGED;
    bool at_end = (s->k == 0 && response) || (s->k == s->k_max && !response);
    s->stuck = at_end ? s->stuck + 1 : 0;
    if (s->stuck >= STUCK_AT_END)
        return response ? RC_STAIR_BELOW : RC_STAIR_ABOVE;
    s->k += response ? -s->step : s->step;
    s->k = s->k < 0 ? 0 : s->k > s->k_max ? s->k_max : s->k;
    return RC_STAIR_GOING;
}
