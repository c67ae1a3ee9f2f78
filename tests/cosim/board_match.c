/*
 * board_match.c - runs a profile on the board build (cosim-12m) and on the
 * cosimulation build (cosim) and matches the two runs' events
 * (board_match.h). A capture holds one run's events in arrival order; the
 * match pairs the nth event of a kind on one build with the nth of the same
 * kind on the other.
 */
#include "board_match.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cosim/cosim_internal.h"

static rc_status on_event(void *ctx, const rc_event *ev, rc_error *err)
{
    (void)err;
    board_capture *c = ctx;
    ck_assert_uint_lt(c->n_ev, BOARD_MAX_EVENTS);
    if (ev->kind != RC_EV_NOTE)
        c->ev[c->n_ev++] = *ev;
    return RC_OK;
}

/* The capture whose run is under way, for the stop hooks to note cycles. */
static board_capture *stop_capture;

static rc_status open_stepped(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    rc_status st = rc_driver_cosim.open(cfg, out, err);
    if (st == RC_OK)
        rc_cosim_set_skipping(*out, false);
    return st;
}

static rc_status stop_word(rc_device *dev, rc_error *err)
{
    stop_capture->cycles = rc_cosim_cycles(dev);
    return rc_driver_cosim.stop(dev, err);
}

static rc_status stop_pins(rc_device *dev, rc_error *err)
{
    stop_capture->cycles = rc_cosim_cycles(dev);
    return rc_driver_cosim_12m.stop(dev, err);
}

void board_config(rc_rig_config *cfg)
{
    rc_rig_config_default(cfg);
    cfg->ch.boot_us = 100000;
    cfg->ch.outage_qualify_us = 250000;
    cfg->ch.ad1_latency_us = 5000;
    cfg->ch.restored_latency_us = 20000;
}

void board_run(bool board, bool skip, const rc_profile *p, const rc_rig_config *cfg,
               board_capture *c)
{
    memset(c, 0, sizeof *c);
    rc_driver drv = board ? rc_driver_cosim_12m : rc_driver_cosim;
    if (!board && !skip)
        drv.open = open_stepped;
    drv.stop = board ? stop_pins : stop_word;
    stop_capture = c;
    rc_run_options opt = {.pace = RC_PACE_MAX};
    rc_sink sink = {.ctx = c, .on_event = on_event};
    rc_error err;
    rc_status st = rc_run(&drv, cfg, p, &opt, &sink, &c->res, &err);
    ck_assert_msg(st == RC_OK, "%s", err.msg);
}

const rc_event *board_find(const board_capture *c, rc_event_kind kind, size_t nth)
{
    for (size_t i = 0; i < c->n_ev; i++)
        if (c->ev[i].kind == kind && nth-- == 0)
            return &c->ev[i];
    return NULL;
}

static bool is_rail_edge(const rc_event *e)
{
    return e->kind == RC_EV_RAIL_FALL || e->kind == RC_EV_RAIL_RISE;
}

static size_t nth_of_kind(const board_capture *c, size_t i)
{
    size_t n = 0;
    for (size_t k = 0; k < i; k++)
        n += c->ev[k].kind == c->ev[i].kind;
    return n;
}

static const rc_event *same_kind(const board_capture *c, const board_capture *other, size_t i)
{
    return board_find(c, (rc_event_kind)other->ev[i].kind, nth_of_kind(other, i));
}

static void print_events(const board_capture *word, const board_capture *pins)
{
    for (size_t i = 0; i < pins->n_ev; i++) {
        const rc_event *b = &pins->ev[i];
        const rc_event *w = same_kind(word, pins, i);
        fprintf(stderr, "  kind %2d value %6d: cosim %9lld, cosim-12m %9lld\n", b->kind,
                b->value, w ? (long long)w->t_us : -1LL, (long long)b->t_us);
    }
}

static bool is_sequencer_event(const rc_event *e)
{
    switch ((rc_event_kind)e->kind) {
    case RC_EV_SEGMENT:
    case RC_EV_MARK:
    case RC_EV_RAIL_CUT:
    case RC_EV_RAIL_RESTORE:
    case RC_EV_AC_LOST_ON:
    case RC_EV_AC_LOST_OFF:
    case RC_EV_WAIT_TIMEOUT:
    case RC_EV_OBSERVE:
    case RC_EV_RUN_END: return true;
    default: return false;
    }
}

/* A wait's end moves everything after it by its difference (the shift). */
board_match board_assert_matches(const board_capture *word, const board_capture *pins)
{
    board_match m = {0, 0, 0};
    if (word->n_ev != pins->n_ev)
        print_events(word, pins);
    ck_assert_uint_eq(word->n_ev, pins->n_ev);
    int64_t grid = -1, shift = 0;
    for (size_t i = 0; i < pins->n_ev; i++) {
        const rc_event *b = &pins->ev[i];
        const rc_event *w = same_kind(word, pins, i);
        ck_assert_ptr_nonnull(w);
        ck_assert_int_eq(w->value, b->value);
        int64_t d = b->t_us - w->t_us - shift;
        if (b->kind == RC_EV_WAIT_DONE) {
            shift = b->t_us - w->t_us;
        } else if (is_sequencer_event(b) ? d != 0 : d < 0 || d > MODEL_SLACK_US) {
            print_events(word, pins);
            ck_abort_msg("event %zu (kind %d) at %lld on cosim-12m, %lld on cosim, shift %lld",
                         i, b->kind, (long long)b->t_us, (long long)w->t_us, (long long)shift);
        } else if (is_sequencer_event(b)) {
            m.exact++;
        } else {
            m.model++;
            m.max_lag_us = d > m.max_lag_us ? d : m.max_lag_us;
        }
        if (is_rail_edge(b)) {
            if (grid < 0)
                grid = b->t_us % ADC_GRID_US;
            ck_assert_int_eq(b->t_us % ADC_GRID_US, grid);
        }
    }
    return m;
}
