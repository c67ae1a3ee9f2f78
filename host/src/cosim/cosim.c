/*
 * cosim.c - the "cosim" backend: the gateware's RTL, compiled by Verilator
 * (fpga/cosim), under the same run loop as the sim, talking the link
 * protocol with the host encoder and decoder, with the sim's bench model
 * (supply + CH, host/src/model) behind its DAC and ADC (docs/cosim.md).
 *
 * Layout: the Verilated gateware (hw, behind cosim_hw.h) and the bench
 * model; the host side of the link is the session the ftdi backend uses
 * too (gwsession.h: commands and answers, the segment FIFO and its credit,
 * the run's reported state, the event and sample buffers), over a queue of
 * host -> FPGA bytes fed one per clock, with the gateware's bytes handed
 * back to the session as each tick makes them; the bench's own inputs
 * (the CH-present pin, the alert pulse) and the link faults to inject.
 *
 * Time: everything runs on the gateware's tick counter; the wall clock is
 * never read, so a run is exactly repeatable. The model starts when the
 * sequencer first drives the outputs (tick t0, the first SEGMENT_START),
 * and model time is tick - t0, the run's t_us. The output pins a tick
 * shows are what the sequencer set one tick before, so at tick g the model
 * takes the pins and moves from g - 1 - t0 to g - t0, and the ADC sample at
 * tick g is the model's rail at g - t0. The CH's ready signal drives the
 * CH-present input and each AD1 pulses the alert input for
 * ALERT_PULSE_TICKS; what only the CH knows (ch_boot, ch_power_lost,
 * restored, and ch_down of a CH that was never ready) is reported from the
 * model as the sim reports it.
 *
 * Converters of the cosimulation build: DAC 1 mV per code (the clamp,
 * RC_COSIM_HW_MAX_DAC_CODE, is 15 V); ADC 12 bit, 4 mV and 1 mA per code,
 * truncating. With thresholds that are whole codes, "code < fall_code" is
 * exactly "rail below outage_below_mv", so the gateware's crossings fall on
 * the model's microsecond.
 *
 * Idle ticks are skipped: when the gateware is idle (rc_cosim_hw_quiet_ticks)
 * the model jumps ahead with the outputs held, stopping at its first event,
 * and the gateware's counters move by the same number of ticks.
 *
 * The "cosim-12m" driver runs the board build instead (cosim_pins.h: 12 MHz,
 * the link through the UART, the converters through SPI) under the same
 * loop, clocking every tick; only now_tick and the hw_ calls choose between
 * the two models.
 */
#include <stdlib.h>
#include <string.h>

#include "cosim/cosim_hw.h"
#include "cosim/cosim_internal.h"
#include "cosim/cosim_pins.h"
#include "gwsession/gwsession.h"
#include "model/model_internal.h"

#define ANSWER_TICKS 20000 /* a command unanswered this long: the gateware is stuck */
#define ALERT_PULSE_TICKS 1000u
#define SAFE_STATE_TICKS 20000u /* a trip is reported after the safe state shows */
#define POLL_STEP_TICKS 100000u
#define DAC_UV_PER_CODE 1000
#define ADC_MV_PER_CODE 4
#define ADC_MAX_CODE 4095
#define OVP_CODE 3750u /* 15 V */
#define OCP_CODE 2000u /* 2 A */

struct rc_device {
    rc_rig_config cfg;
    rc_gws link;
    rc_cosim_hw *hw;     /* the cosimulation build, or */
    rc_cosim_pins *pins; /* the board build (cosim-12m) */
    rc_bench_model *model;
    bool model_on;
    uint64_t t0;
    bool start_checked; /* the first SEGMENT_START was compared with t0 */
    bool skipping;
    uint64_t skipped;

    uint8_t *h2f;
    size_t h2f_len, h2f_cap;
    rc_cosim_faults faults;

    bool chp_pin;
    uint64_t alert_until;
};

static uint64_t now_tick(const rc_device *d)
{
    return d->pins ? rc_cosim_pins_now(d->pins) : rc_cosim_hw_now(d->hw);
}

static void hw_outputs(const rc_device *d, rc_cosim_hw_out *o)
{
    if (d->pins)
        rc_cosim_pins_outputs(d->pins, o);
    else
        rc_cosim_hw_outputs(d->hw, o);
}

static size_t hw_tick(rc_device *d, const rc_cosim_hw_in *in, uint8_t *tx, size_t *tx_n)
{
    if (d->pins)
        return rc_cosim_pins_tick(d->pins, in, d->h2f, d->h2f_len, tx, tx_n);
    return rc_cosim_hw_tick(d->hw, in, d->h2f, d->h2f_len, tx, tx_n);
}

/* ---- the bench model behind the pins ---- */

static void on_model_event(void *ctx, const rc_event *ev)
{
    rc_device *d = ctx;
    uint64_t tick = d->t0 + (uint64_t)ev->t_us;
    switch ((rc_event_kind)ev->kind) {
    case RC_EV_CH_READY: d->chp_pin = true; break;
    case RC_EV_CH_DOWN:
        /* A CH that goes down before it was ready never raised CH present:
         * only the CH knows, so the model says it. */
        if (!d->chp_pin)
            rc_gws_push_event(&d->link, tick, RC_EV_CH_DOWN, ev->value, ev->text);
        d->chp_pin = false;
        rc_gws_release_if_waiting(&d->link, RC_WAIT_DOWN);
        break;
    case RC_EV_AD1: d->alert_until = tick + ALERT_PULSE_TICKS; break;
    case RC_EV_RESTORED:
        rc_gws_push_event(&d->link, tick, (rc_event_kind)ev->kind, ev->value, ev->text);
        rc_gws_release_if_waiting(&d->link, RC_WAIT_RESTORED);
        break;
    case RC_EV_CH_BOOT:
    case RC_EV_CH_POWER_LOST:
        rc_gws_push_event(&d->link, tick, (rc_event_kind)ev->kind, ev->value, ev->text);
        break;
    default: break;
    }
    /* Every model event changes what the gateware sees: a skip ends here. */
    rc_bench_model_halt(d->model);
}

static void model_inputs(rc_device *d)
{
    rc_cosim_hw_out o;
    hw_outputs(d, &o);
    if (!d->model_on && o.seq_active) {
        d->model_on = true;
        d->t0 = now_tick(d);
        d->link.start_tick = d->t0; /* confirmed by the first SEGMENT_START */
        return;
    }
    if (d->model_on)
        rc_bench_model_set_inputs(d->model, (int32_t)o.dac_code * DAC_UV_PER_CODE / 1000,
                                  o.rail_on, o.ac_lost);
}

static uint16_t adc_code(int64_t value, int64_t per_code)
{
    int64_t code = value / per_code;
    return (uint16_t)(code < 0 ? 0 : code > ADC_MAX_CODE ? ADC_MAX_CODE : code);
}

static void bench_inputs(const rc_device *d, rc_cosim_hw_in *in)
{
    memset(in, 0, sizeof *in);
    if (d->model_on) {
        rc_sample s;
        rc_bench_model_sample(d->model, &s);
        in->adc_v = adc_code(rc_bench_model_rail_nv(d->model), ADC_MV_PER_CODE * 1000000LL);
        in->adc_a = adc_code((int64_t)(s.rail_a * 1000.0f + 0.5f), 1);
    }
    in->ch_present = d->chp_pin;
    in->alert = now_tick(d) < d->alert_until;
}

/* What the model adds to the session's report of a device event: the first
 * segment must start with the outputs (tick t0), and a host wait for
 * "down" that starts with the CH already down ends at once, as the sim has
 * it. */
static void on_link_event(void *ctx, const rc_link_event *e)
{
    rc_device *d = ctx;
    if (e->kind != RC_LINK_EV_SEGMENT_START)
        return;
    if (!d->start_checked) {
        d->start_checked = true;
        if (e->tick != d->t0)
            rc_gws_fail(&d->link, e->tick,
                        "cosim: the first segment started at tick %llu, the outputs at %llu",
                        (unsigned long long)e->tick, (unsigned long long)d->t0);
    }
    if (!d->chp_pin && d->model_on) {
        rc_sample now;
        rc_bench_model_sample(d->model, &now);
        if (now.ch_state == RC_CH_OFF)
            rc_gws_release_if_waiting(&d->link, RC_WAIT_DOWN);
    }
}

/* ---- link bytes both ways ---- */

static bool fault_due(const rc_device *d, int64_t at_us)
{
    return at_us >= 0 && d->link.have_start &&
           now_tick(d) >= d->link.start_tick + (uint64_t)at_us;
}

/* Gateware bytes to the session, one at a time; the SAMPLES fault flips a
 * bit of a SAMPLES frame's first payload byte on the way. */
static void receive(rc_device *d, uint8_t *b, size_t n)
{
    const rc_link_decoder *dec = &d->link.dec;
    for (size_t i = 0; i < n; i++) {
        if (fault_due(d, d->faults.corrupt_samples_us) && dec->held == RC_LINK_HEADER_BYTES &&
            dec->buf[2] == RC_LINK_SAMPLES) {
            b[i] ^= 0x10;
            d->faults.corrupt_samples_us = -1;
        }
        rc_gws_receive(&d->link, b + i, 1);
    }
}

static bool h2f_append(rc_device *d, const uint8_t *b, size_t n)
{
    if (d->h2f_len + n > d->h2f_cap) {
        size_t cap = d->h2f_cap ? d->h2f_cap * 2 : 1024;
        while (cap < d->h2f_len + n)
            cap *= 2;
        uint8_t *grown = realloc(d->h2f, cap);
        if (!grown)
            return false;
        d->h2f = grown;
        d->h2f_cap = cap;
    }
    memcpy(d->h2f + d->h2f_len, b, n);
    d->h2f_len += n;
    return true;
}

/* Applies the HEARTBEAT faults to the frame's wire bytes. */
static void damage_heartbeat(rc_device *d, uint8_t *buf, size_t *n)
{
    if (fault_due(d, d->faults.corrupt_heartbeat_us)) {
        buf[2] ^= 0x01; /* the TYPE byte: the CRC no longer matches */
        d->faults.corrupt_heartbeat_us = -1;
    } else if (fault_due(d, d->faults.drop_heartbeat_us)) {
        memmove(buf + 3, buf + 4, *n - 4);
        (*n)--;
        d->faults.drop_heartbeat_us = -1;
    }
}

/* A frame for the gateware: queued, fed one byte per clock by run_tick. */
static rc_status link_write(void *ctx, const uint8_t *frame, size_t n, rc_error *err)
{
    rc_device *d = ctx;
    if (fault_due(d, d->faults.silence_us))
        return RC_OK;
    uint8_t buf[RC_LINK_MAX_FRAME];
    memcpy(buf, frame, n);
    if (buf[2] == RC_LINK_HEARTBEAT)
        damage_heartbeat(d, buf, &n);
    if (!h2f_append(d, buf, n))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    return RC_OK;
}

/* ---- time ---- */

/* One tick with the model moved to it, or, when skip_limit allows and the
 * gateware is idle, a jump over idle ticks first. */
static void run_tick(rc_device *d, uint64_t skip_limit)
{
    model_inputs(d);
    uint64_t g = now_tick(d);
    uint64_t n = d->skipping && d->h2f_len == 0 ? rc_cosim_hw_quiet_ticks(d->hw, skip_limit) : 0;
    if (d->alert_until > g && d->alert_until - g < n)
        n = d->alert_until - g;
    if (d->model_on && g == d->t0)
        n = 0; /* the model starts with this tick's outputs, not yet shown */
    uint64_t k = n;
    if (d->model_on) {
        int64_t target = (int64_t)(g + n - d->t0);
        if (target > rc_bench_model_now(d->model))
            rc_bench_model_advance(d->model, target);
        k = (uint64_t)rc_bench_model_now(d->model) + d->t0 - g;
    }
    if (k > 0) {
        rc_cosim_hw_skip(d->hw, k);
        d->skipped += k;
    }
    rc_cosim_hw_in in;
    bench_inputs(d, &in);
    uint8_t tx[RC_COSIM_HW_BYTES_PER_TICK];
    size_t tx_n;
    size_t used = hw_tick(d, &in, tx, &tx_n);
    memmove(d->h2f, d->h2f + used, d->h2f_len - used);
    d->h2f_len -= used;
    receive(d, tx, tx_n);
}

/* While a command waits: one tick, never skipping. */
static rc_status link_step(void *ctx, rc_error *err)
{
    (void)err;
    run_tick(ctx, 0);
    return RC_OK;
}

static uint64_t link_now_tick(void *ctx)
{
    return now_tick(ctx);
}

/* Answers are awaited in the gateware's ticks, 1 us each. */
static int64_t link_clock_us(void *ctx)
{
    return (int64_t)now_tick(ctx);
}

static rc_status link_unanswered(void *ctx, rc_link_type type, int tries, rc_error *err)
{
    (void)ctx;
    (void)tries;
    return rc_error_set(err, RC_ERR_DEVICE, "cosim: the gateware did not answer %s",
                        rc_link_type_name(type));
}

/* ---- the driver ---- */

static rc_status identify(rc_device *d, rc_error *err)
{
    rc_link_msg m = {.type = RC_LINK_IDENTIFY}, a;
    rc_status st = rc_gws_command(&d->link, &m, 1, &a, err);
    if (st != RC_OK)
        return st;
    if (a.u.identify.tick_hz != 1000000u || a.u.identify.max_dac_code != RC_COSIM_HW_MAX_DAC_CODE)
        return rc_error_set(err, RC_ERR_DEVICE,
                            "cosim: the gateware model is not the cosimulation build (tick %u "
                            "Hz, DAC clamp %u)",
                            a.u.identify.tick_hz, a.u.identify.max_dac_code);
    d->link.id = a.u.identify;
    return RC_OK;
}

static rc_status threshold_code(int32_t mv, uint16_t *code, rc_error *err)
{
    if (mv < 0 || mv % ADC_MV_PER_CODE != 0 || mv / ADC_MV_PER_CODE > ADC_MAX_CODE)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "cosim: a crossing threshold of %d mV is not a whole ADC code (%d mV "
                            "steps up to %d mV)",
                            mv, ADC_MV_PER_CODE, ADC_MV_PER_CODE * ADC_MAX_CODE);
    *code = (uint16_t)(mv / ADC_MV_PER_CODE);
    return RC_OK;
}

static rc_status configure(rc_device *d, rc_error *err)
{
    rc_link_msg m;
    rc_status st = rc_gws_configure_msg(&d->link, &m, err);
    if (st != RC_OK)
        return st;
    m.u.config.ovp_code = OVP_CODE;
    m.u.config.ocp_code = OCP_CODE;
    st = threshold_code(d->cfg.outage_below_mv, &m.u.config.fall_code, err);
    if (st == RC_OK)
        st = threshold_code(d->cfg.restore_above_mv, &m.u.config.rise_code, err);
    if (st == RC_OK)
        st = rc_link_check_limits(&m, &d->link.id, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "cosim");
    return rc_gws_command_ack(&d->link, &m, 1, NULL, err);
}

static void cosim_close(rc_device *d)
{
    if (!d)
        return;
    rc_cosim_hw_free(d->hw);
    rc_cosim_pins_free(d->pins);
    rc_bench_model_free(d->model);
    rc_gws_free(&d->link);
    free(d->h2f);
    free(d);
}

static void link_init(rc_device *d)
{
    const rc_gws_ops ops = {
        .ctx = d,
        .name = "cosim",
        .write = link_write,
        .step = link_step,
        .now_tick = link_now_tick,
        .clock_us = link_clock_us,
        .answer_timeout_us = ANSWER_TICKS,
        .unanswered = link_unanswered,
        .on_event = on_link_event,
    };
    const rc_gws_config cfg = {
        .sample_rate_hz = d->cfg.sample_rate_hz,
        .outage_below_mv = d->cfg.outage_below_mv,
        .restore_above_mv = d->cfg.restore_above_mv,
        .alert_pin = true, /* the model drives it */
        .adc_v = {.gain = ADC_MV_PER_CODE, .offset = 0},
        .adc_a = {.gain = 1, .offset = 0},
    };
    rc_gws_init(&d->link, &ops, &cfg);
}

static rc_status open_model(const rc_rig_config *cfg, bool board, rc_device **out,
                            rc_error *err)
{
    rc_device *d = calloc(1, sizeof *d);
    if (!d)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    d->cfg = *cfg;
    d->skipping = !board; /* the board build clocks every tick */
    d->faults = (rc_cosim_faults)RC_COSIM_FAULTS_NONE;
    link_init(d);
    rc_status st = rc_bench_model_new(&cfg->ch, &cfg->supply, cfg->outage_below_mv,
                                      cfg->restore_above_mv, on_model_event, d, &d->model, err);
    if (st != RC_OK) {
        cosim_close(d);
        return rc_error_prefix(err, st, "cosim");
    }
    if (board)
        d->pins = rc_cosim_pins_new();
    else
        d->hw = rc_cosim_hw_new();
    if (!d->hw && !d->pins)
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (st == RC_OK)
        st = identify(d, err);
    if (st == RC_OK)
        st = configure(d, err);
    if (st != RC_OK) {
        cosim_close(d);
        return st;
    }
    *out = d;
    return RC_OK;
}

static rc_status cosim_open(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    return open_model(cfg, false, out, err);
}

static rc_status cosim_12m_open(const rc_rig_config *cfg, rc_device **out, rc_error *err)
{
    return open_model(cfg, true, out, err);
}

static rc_status cosim_load(rc_device *d, const rc_profile *p, rc_error *err)
{
    rc_link_dac_cal cal = {.offset_mv = 0,
                           .nv_per_code = DAC_UV_PER_CODE * 1000u,
                           .max_code = d->link.id.max_dac_code,
                           .tick_hz = d->link.id.tick_hz};
    return rc_gws_load(&d->link, p, &cal, err);
}

static rc_status cosim_start(rc_device *d, rc_error *err)
{
    return rc_gws_start(&d->link, err);
}

/* A trip is reported once the safe state has had time to show. */
static bool fault_settled(const rc_device *d)
{
    return d->link.fault != RC_OK && now_tick(d) >= d->link.fault_tick + SAFE_STATE_TICKS;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static rc_status cosim_poll(rc_device *d, int64_t until_us, const rc_sink *sink,
                            rc_poll_result *res, rc_error *err)
{
    rc_gws *s = &d->link;
    if (!s->started)
        return rc_error_set(err, RC_ERR_ARG, "cosim: poll while not running");
    uint64_t budget_end = now_tick(d) + POLL_STEP_TICKS;
    rc_status st = RC_OK;
    while (st == RC_OK && !rc_gws_samples_in(s) && !fault_settled(d) &&
           (rc_gws_now_us(s) < until_us || s->done) && now_tick(d) < budget_end) {
        st = rc_gws_top_up(s, err);
        if (st == RC_OK && rc_gws_heartbeat_due(s))
            st = rc_gws_heartbeat(s, err);
        if (st == RC_OK)
            run_tick(d, min_u64(rc_gws_idle_ticks(s), budget_end - now_tick(d)));
    }
    st = rc_gws_deliver(s, st, sink, fault_settled(d), err);
    res->now_us = rc_gws_now_us(s);
    res->done = rc_gws_samples_in(s);
    return st;
}

static rc_status cosim_stop(rc_device *d, rc_error *err)
{
    if (fault_due(d, d->faults.silence_us))
        return RC_OK; /* a silent host: the watchdog has applied the safe state */
    return rc_gws_stop(&d->link, 1, err);
}

/* ---- hooks for the tests (cosim_internal.h) ---- */

void rc_cosim_set_faults(rc_device *d, const rc_cosim_faults *f)
{
    d->faults = *f;
}

void rc_cosim_link_state(const rc_device *d, rc_link_status *status, rc_link_stats *f2h)
{
    *status = d->link.status;
    *f2h = d->link.dec.stats;
}

rc_status rc_cosim_command(rc_device *d, const rc_link_msg *m, rc_link_msg *answer,
                           rc_error *err)
{
    return rc_gws_command(&d->link, m, 1, answer, err);
}

uint64_t rc_cosim_cycles(const rc_device *d)
{
    return d->pins ? rc_cosim_pins_cycles(d->pins) : rc_cosim_hw_cycles(d->hw);
}

uint64_t rc_cosim_skipped_ticks(const rc_device *d)
{
    return d->skipped;
}

void rc_cosim_set_skipping(rc_device *d, bool on)
{
    d->skipping = on && !d->pins;
}

const rc_driver rc_driver_cosim = {
    .name = "cosim",
    .description = "the gateware RTL (Verilator) with the sim's supply and CH behind its pins",
    .open = cosim_open,
    .close = cosim_close,
    .load = cosim_load,
    .start = cosim_start,
    .poll = cosim_poll,
    .stop = cosim_stop,
};

const rc_driver rc_driver_cosim_12m = {
    .name = "cosim-12m",
    .description = "the gateware's 12 MHz board build (UART and SPI pins) with the sim's supply "
                   "and CH",
    .open = cosim_12m_open,
    .close = cosim_close,
    .load = cosim_load,
    .start = cosim_start,
    .poll = cosim_poll,
    .stop = cosim_stop,
};
