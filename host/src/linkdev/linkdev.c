/*
 * linkdev.c - the link device model: what the gateware does with host frames
 * (docs/protocol.md), run in 1 MHz ticks over the bench model.
 *
 * Layout: a link decoder for host bytes and a growable queue of FPGA -> host
 * bytes (out, read from out_pos); the gateware state, counters and outputs;
 * the segment FIFO as a ring (fifo, head, count) and the running entry (cur,
 * its start tick, ramp accumulator and wait result); the bench model, created
 * at each CONFIGURE with the configured crossing thresholds, whose time is
 * tick - origin; and the sample block being filled plus the SAMPLES frame
 * being gathered.
 *
 * advance() moves from one interesting tick to the next (entry end, ramp
 * code change, block end, watchdog deadline, alert release) and lets the
 * model jump over quiet spans, so a long cut costs almost nothing. The model
 * reports rail crossings, the CH's ready/down (the CH-present input) and AD1
 * (the alert input) at the exact microsecond; a wait entry's condition halts
 * the model there. The emulated ADC's block min/max are taken over the model
 * outputs at every tick the loop stops at (at least each block's two ends).
 * Choices the protocol leaves to the gateware: the block grid restarts at the
 * first tick of a run, every EVENTS frame carries one record, and the queue
 * of host-bound bytes never overflows (a real link's overruns are not
 * modelled).
 *
 * Over-voltage and over-current trips are checked on the emulated ADC codes
 * at every tick the loop stops at (at least each block's two ends), not at
 * every ADC sample; a trip forces the rail off whatever the safe state says
 * (docs/protocol.md, open question 2).
 *
 * The converters follow the parameters' transfer (value = gain * code +
 * offset), so a known calibration error can be injected. The CH's debug
 * UART prints a line at each CH event when the sniffer is configured; the
 * whole line is queued at the event, in UART frames whose byte gaps are one
 * character time (10 bits of sniff_bit_clocks), as a sniffer would report
 * it once the bytes had arrived.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/linkdev.h"

#define TICK_NONE UINT64_MAX
#define SAMPLES_MAX_WAIT_TICKS 20000u /* a SAMPLES frame leaves within 20 ms */

struct rc_linkdev {
    rc_linkdev_params p;
    rc_link_decoder dec;
    uint8_t tx_seq;
    uint8_t *out;
    size_t out_len, out_pos, out_cap;
    bool nomem; /* the host-bound queue could not grow: bytes were lost */

    uint64_t tick;
    rc_link_state state;
    uint8_t trips;
    rc_link_config cfg;
    uint64_t last_rx_tick;
    uint8_t last_rx_seq;
    uint16_t underruns;
    uint32_t seg_id;

    uint16_t dac_code;
    uint8_t pins;
    bool ch_present, alert;
    uint64_t alert_release_tick;

    rc_link_seg fifo[RC_LINKDEV_FIFO_DEPTH];
    size_t head, count;
    uint64_t start_tick; /* first entry's tick after START, TICK_NONE otherwise */
    bool running;
    rc_link_seg cur;
    uint64_t cur_start;
    bool ramp_held;
    bool wait_met;
    uint64_t wait_tick;

    rc_bench_model *model;
    uint64_t origin;

    bool block_open;
    uint64_t block_start;
    rc_link_block block;
    rc_link_samples pend;
};

void rc_linkdev_params_default(rc_linkdev_params *p)
{
    memset(p, 0, sizeof *p);
    rc_link_identify *id = &p->id;
    id->proto_major = RC_LINK_PROTO_MAJOR;
    id->proto_minor = RC_LINK_PROTO_MINOR;
    id->gw_major = 1;
    id->board_id = 0;
    id->clock_hz = 12000000u;
    id->tick_hz = 1000000u;
    id->adc_rate_hz = 1000000u;
    id->max_dac_code = 65535u;
    id->fifo_depth = RC_LINKDEV_FIFO_DEPTH;
    id->min_block_ticks = 10u;
    id->dac_bits = 16;
    id->adc_bits = 16;
    id->caps = RC_LINK_CAP_RAMP | RC_LINK_CAP_CURRENT | RC_LINK_CAP_SNIFFER |
               RC_LINK_CAP_ALERT | RC_LINK_CAP_OVP | RC_LINK_CAP_OCP;
    rc_ch_params_default(&p->ch);
    rc_supply_params_default(&p->supply);
    p->dac = (rc_linkdev_converter){RC_LINKDEV_DAC_NV_PER_CODE / 1e6, 0};
    p->adc_v = (rc_linkdev_converter){RC_LINKDEV_ADC_UV_PER_CODE / 1e3, 0};
    p->adc_a = (rc_linkdev_converter){RC_LINKDEV_ADC_UA_PER_CODE / 1e3, 0};
}

/* ---- host-bound frames ---- */

static void queue_bytes(rc_linkdev *d, const uint8_t *b, size_t n)
{
    if (d->out_len + n > d->out_cap) {
        size_t cap = d->out_cap ? d->out_cap * 2 : 4096;
        while (cap < d->out_len + n)
            cap *= 2;
        uint8_t *grown = realloc(d->out, cap);
        if (!grown) {
            d->nomem = true;
            return;
        }
        d->out = grown;
        d->out_cap = cap;
    }
    memcpy(d->out + d->out_len, b, n);
    d->out_len += n;
}

static void send(rc_linkdev *d, const rc_link_msg *m)
{
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    rc_error err;
    rc_status st = rc_link_msg_encode(m, d->tx_seq++, buf, sizeof buf, &n, &err);
    assert(st == RC_OK);
    (void)st;
    queue_bytes(d, buf, n);
}

/* The version bytes go out as configured, even a version this host's
 * encoder would refuse: the model can play a gateware of another version. */
static void send_identify(rc_linkdev *d)
{
    rc_link_msg m = {.type = RC_LINK_IDENTIFY_REPLY};
    m.u.identify = d->p.id;
    m.u.identify.proto_major = RC_LINK_PROTO_MAJOR;
    rc_link_frame f;
    rc_error err;
    rc_status st = rc_link_msg_to_frame(&m, d->tx_seq++, &f, &err);
    assert(st == RC_OK);
    f.payload[0] = d->p.id.proto_major;
    f.payload[1] = d->p.id.proto_minor;
    uint8_t buf[RC_LINK_MAX_FRAME];
    size_t n;
    st = rc_link_frame_encode(&f, buf, sizeof buf, &n, &err);
    assert(st == RC_OK);
    (void)st;
    queue_bytes(d, buf, n);
}

static void send_event(rc_linkdev *d, uint64_t tick, rc_link_event_kind kind, uint8_t arg,
                       uint32_t value)
{
    rc_link_msg m = {.type = RC_LINK_EVENTS};
    m.u.events.n = 1;
    m.u.events.ev[0] = (rc_link_event){.tick = tick, .kind = kind, .arg = arg, .value = value};
    send(d, &m);
}

void rc_linkdev_status(const rc_linkdev *d, rc_link_status *s)
{
    memset(s, 0, sizeof *s);
    s->tick = d->tick;
    s->state = (uint8_t)d->state;
    s->trips = d->trips;
    s->fifo_level = (uint16_t)d->count;
    s->underruns = d->underruns;
    s->crc_errors = (uint16_t)d->dec.stats.crc_errors;
    s->rx_dropped = (uint16_t)d->dec.stats.oversize;
    s->last_rx_seq = d->last_rx_seq;
    s->io = (uint8_t)(d->pins & (RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST));
    if (d->alert)
        s->io |= RC_LINK_IO_ALERT;
    if (d->ch_present)
        s->io |= RC_LINK_IO_CH_PRESENT;
    s->dac_code = d->dac_code;
    s->seg_id = d->seg_id;
}

static void send_status(rc_linkdev *d)
{
    rc_link_msg m = {.type = RC_LINK_STATUS};
    rc_linkdev_status(d, &m.u.status);
    send(d, &m);
}

static void send_ack(rc_linkdev *d, const rc_link_frame *f, uint16_t info)
{
    rc_link_msg m = {.type = RC_LINK_ACK};
    m.u.ack = (rc_link_ack){.type = f->type, .seq = f->seq, .info = info};
    send(d, &m);
}

static void send_nak(rc_linkdev *d, const rc_link_frame *f, rc_link_nak_reason reason,
                     uint8_t offset)
{
    rc_link_msg m = {.type = RC_LINK_NAK};
    m.u.nak = (rc_link_nak){
        .type = f->type, .seq = f->seq, .reason = (uint8_t)reason, .offset = offset};
    send(d, &m);
}

/* ---- outputs and the model ---- */

static uint16_t clamp_code(const rc_linkdev *d, uint32_t code)
{
    return code > d->p.id.max_dac_code ? d->p.id.max_dac_code : (uint16_t)code;
}

static int32_t code_to_value(const rc_linkdev_converter *c, uint32_t code)
{
    double v = c->gain * code + c->offset;
    return v <= 0 ? 0 : v >= INT32_MAX ? INT32_MAX : (int32_t)lround(v);
}

/* A value in V (A) as the ADC codes it. */
static uint16_t adc_code(const rc_linkdev_converter *c, double value)
{
    double code = (value * 1000.0 - c->offset) / c->gain;
    if (code <= 0.0)
        return 0;
    return code >= 65535.0 ? 65535u : (uint16_t)code;
}

static uint16_t rail_v_code(const rc_linkdev *d, const rc_sample *s)
{
    return adc_code(&d->p.adc_v, s->rail_v);
}

static uint16_t rail_a_code(const rc_linkdev *d, const rc_sample *s)
{
    double amps = d->p.load_ohm > 0 ? s->rail_v / d->p.load_ohm : s->rail_a;
    return adc_code(&d->p.adc_a, amps);
}

/* Drives the model's inputs from the DAC code and pins, from now on. */
static void set_outputs(rc_linkdev *d, uint16_t code, uint8_t pins)
{
    d->dac_code = clamp_code(d, code);
    d->pins = pins & (RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST);
    if (d->model)
        rc_bench_model_set_inputs(d->model, code_to_value(&d->p.dac, d->dac_code),
                                  (d->pins & RC_LINK_PIN_RAIL_EN) != 0,
                                  (d->pins & RC_LINK_PIN_AC_LOST) != 0);
}

static void apply_safe_state(rc_linkdev *d)
{
    set_outputs(d, d->cfg.safe_dac_code, d->cfg.safe_pins);
}

static void set_state(rc_linkdev *d, rc_link_state s, bool *changed)
{
    if (d->state != s)
        *changed = true;
    d->state = s;
}

static void clear_fifo(rc_linkdev *d)
{
    d->head = 0;
    d->count = 0;
    d->running = false;
    d->start_tick = TICK_NONE;
}

static void wait_condition(rc_linkdev *d, rc_link_wait w, uint64_t tick)
{
    if (!d->running || d->wait_met || d->cur.wait != w)
        return;
    d->wait_met = true;
    d->wait_tick = tick;
    rc_bench_model_halt(d->model);
}

/* The CH prints text from tick on, one character time per byte. */
static void uart_line(rc_linkdev *d, uint64_t tick, const char *text)
{
    const rc_link_config *c = &d->cfg;
    if (c->sniff_bit_clocks == 0 || !(c->flags & RC_LINK_CFG_UART))
        return;
    uint64_t char_ticks =
        (10u * (uint64_t)c->sniff_bit_clocks * d->p.id.tick_hz + d->p.id.clock_hz / 2) /
        d->p.id.clock_hz;
    size_t len = strlen(text);
    for (size_t at = 0; at < len; at += RC_LINK_MAX_UART) {
        rc_link_msg m = {.type = RC_LINK_UART};
        rc_link_uart *u = &m.u.uart;
        u->tick = tick + at * char_ticks;
        u->n = (uint8_t)(len - at < RC_LINK_MAX_UART ? len - at : RC_LINK_MAX_UART);
        for (size_t k = 0; k < u->n; k++) {
            u->bytes[k] = (uint8_t)text[at + k];
            u->gap_ticks[k] = (uint16_t)(k == 0 ? 0 : char_ticks);
        }
        send(d, &m);
    }
}

static void on_model_event(void *ctx, const rc_event *ev)
{
    rc_linkdev *d = ctx;
    uint64_t tick = d->origin + (uint64_t)ev->t_us;
    rc_sample s;
    rc_bench_model_sample(d->model, &s);
    uint16_t v_code = rail_v_code(d, &s);
    switch ((rc_event_kind)ev->kind) {
    case RC_EV_RAIL_FALL:
        send_event(d, tick, RC_LINK_EV_RAIL_FALL, 0, v_code);
        wait_condition(d, RC_LINK_WAIT_RAIL_FALL, tick);
        break;
    case RC_EV_RAIL_RISE:
        send_event(d, tick, RC_LINK_EV_RAIL_RISE, 0, v_code);
        wait_condition(d, RC_LINK_WAIT_RAIL_RISE, tick);
        break;
    case RC_EV_CH_READY:
        uart_line(d, tick, RC_LINKDEV_UART_READY);
        if (!d->ch_present)
            send_event(d, tick, RC_LINK_EV_CH_PRESENT_EDGE, 1, 0);
        d->ch_present = true;
        wait_condition(d, RC_LINK_WAIT_CH_PRESENT, tick);
        break;
    case RC_EV_CH_DOWN:
        if (d->ch_present)
            send_event(d, tick, RC_LINK_EV_CH_PRESENT_EDGE, 0, 0);
        d->ch_present = false;
        break;
    case RC_EV_CH_POWER_LOST: uart_line(d, tick, RC_LINKDEV_UART_POWER_LOST); break;
    case RC_EV_RESTORED: uart_line(d, tick, RC_LINKDEV_UART_RESTORED); break;
    case RC_EV_AD1:
        uart_line(d, tick, RC_LINKDEV_UART_AD1);
        if (!d->alert)
            send_event(d, tick, RC_LINK_EV_ALERT_EDGE, 1, 0);
        d->alert = true;
        d->alert_release_tick = tick + RC_LINKDEV_ALERT_PULSE_TICKS;
        wait_condition(d, RC_LINK_WAIT_ALERT, tick);
        break;
    default: break;
    }
}

/* A new model per CONFIGURE: its crossing thresholds are the configured
 * codes, and its time starts at this tick. */
static bool new_model(rc_linkdev *d)
{
    rc_bench_model *m;
    rc_error err;
    int32_t fall_mv = code_to_value(&d->p.adc_v, d->cfg.fall_code);
    int32_t rise_mv = code_to_value(&d->p.adc_v, d->cfg.rise_code);
    if (rc_bench_model_new(&d->p.ch, &d->p.supply, fall_mv, rise_mv, on_model_event, d, &m,
                           &err) != RC_OK)
        return false;
    rc_bench_model_free(d->model);
    d->model = m;
    d->origin = d->tick;
    d->ch_present = false;
    d->alert = false;
    d->alert_release_tick = TICK_NONE;
    return true;
}

/* ---- the sequencer ---- */

static int64_t ramp_acc(const rc_link_seg *s, uint64_t k)
{
    return ((int64_t)s->start_code << 24) + (int64_t)k * s->slope;
}

static bool ramp_reached(const rc_link_seg *s, int64_t code)
{
    return s->slope > 0 ? code >= s->end_code : code <= s->end_code;
}

/* Offset of the next tick at which the running ramp's code changes. */
static uint64_t ramp_next_k(const rc_linkdev *d)
{
    const rc_link_seg *s = &d->cur;
    uint64_t k = d->tick - d->cur_start;
    int64_t c = ramp_acc(s, k) >> 24;
    int64_t start = (int64_t)s->start_code << 24;
    if (s->slope > 0) {
        int64_t need = ((c + 1) << 24) - start;
        return (uint64_t)((need + s->slope - 1) / s->slope);
    }
    int64_t span = start - (c << 24);
    return (uint64_t)(span / -(int64_t)s->slope) + 1;
}

static void update_ramp(rc_linkdev *d)
{
    if (d->cur.slope == 0 || d->ramp_held)
        return;
    int64_t code = ramp_acc(&d->cur, d->tick - d->cur_start) >> 24;
    if (ramp_reached(&d->cur, code)) {
        code = d->cur.end_code;
        d->ramp_held = true;
    }
    if (code < 0)
        code = 0;
    if (code != d->dac_code)
        set_outputs(d, (uint16_t)(code > 65535 ? 65535 : code), d->cur.pins);
}

static void start_entry(rc_linkdev *d)
{
    assert(d->count > 0);
    d->cur = d->fifo[d->head];
    d->head = (d->head + 1) % RC_LINKDEV_FIFO_DEPTH;
    d->count--;
    d->running = true;
    d->cur_start = d->tick;
    d->ramp_held = false;
    d->wait_met = false;
    d->seg_id = d->cur.seg_id;
    send_event(d, d->tick, RC_LINK_EV_SEGMENT_START, 0, d->cur.seg_id);
    set_outputs(d, d->cur.start_code, d->cur.pins);
    if (d->cur.wait == RC_LINK_WAIT_CH_PRESENT && d->ch_present) {
        d->wait_met = true;
        d->wait_tick = d->tick;
    }
}

static uint64_t entry_end(const rc_linkdev *d)
{
    return d->wait_met ? d->wait_tick + 1 : d->cur_start + d->cur.duration_ticks;
}

static void end_entry(rc_linkdev *d, bool *changed)
{
    const rc_link_seg *s = &d->cur;
    if (s->wait != RC_LINK_WAIT_NONE) {
        if (d->wait_met)
            send_event(d, d->wait_tick, RC_LINK_EV_WAIT_DONE, s->wait, s->seg_id);
        else
            send_event(d, d->tick - 1, RC_LINK_EV_WAIT_TIMEOUT, s->wait, s->seg_id);
    }
    d->running = false;
    if (s->pins & RC_LINK_SEG_LAST) {
        send_event(d, d->tick, RC_LINK_EV_RUN_END, 0, s->seg_id);
        set_state(d, RC_LINK_STATE_DONE, changed);
    } else if (d->count > 0) {
        start_entry(d);
    } else {
        send_event(d, d->tick, RC_LINK_EV_UNDERRUN, 0, s->seg_id);
        d->underruns++;
        apply_safe_state(d);
        set_state(d, RC_LINK_STATE_IDLE, changed);
    }
}

/* ---- samples ---- */

static void block_take(rc_linkdev *d, bool fresh)
{
    rc_sample s;
    rc_bench_model_sample(d->model, &s);
    uint16_t v = rail_v_code(d, &s);
    uint16_t i = rail_a_code(d, &s);
    rc_link_block *b = &d->block;
    if (fresh) {
        *b = (rc_link_block){v, v, i, i};
        return;
    }
    b->v_min = v < b->v_min ? v : b->v_min;
    b->v_max = v > b->v_max ? v : b->v_max;
    b->i_min = i < b->i_min ? i : b->i_min;
    b->i_max = i > b->i_max ? i : b->i_max;
}

static void flush_samples(rc_linkdev *d)
{
    if (d->pend.n == 0)
        return;
    rc_link_msg m = {.type = RC_LINK_SAMPLES};
    m.u.samples = d->pend;
    send(d, &m);
    d->pend.n = 0;
}

static void open_block_grid(rc_linkdev *d)
{
    flush_samples(d);
    d->block_open = (d->cfg.flags & RC_LINK_CFG_SAMPLES) != 0;
    d->block_start = d->tick;
    if (d->block_open)
        block_take(d, true);
}

static void close_block(rc_linkdev *d)
{
    block_take(d, false);
    if (d->pend.n == 0)
        d->pend.tick = d->block_start;
    d->pend.blocks[d->pend.n++] = d->block;
    d->block_start += d->cfg.block_ticks;
    block_take(d, true);
    if (d->pend.n == RC_LINK_MAX_BLOCKS)
        flush_samples(d);
}

/* ---- time ---- */

static uint64_t min_tick(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static bool watchdog_armed(const rc_linkdev *d)
{
    return d->state != RC_LINK_STATE_UNCONFIGURED && d->state != RC_LINK_STATE_TRIPPED;
}

static uint64_t watchdog_deadline(const rc_linkdev *d)
{
    return d->last_rx_tick + (uint64_t)d->cfg.watchdog_ms * 1000u;
}

static uint64_t next_stop(const rc_linkdev *d, uint64_t target)
{
    uint64_t next = target;
    if (d->start_tick != TICK_NONE)
        next = min_tick(next, d->start_tick);
    if (d->running) {
        next = min_tick(next, entry_end(d));
        if (d->cur.slope != 0 && !d->ramp_held)
            next = min_tick(next, d->cur_start + ramp_next_k(d));
    }
    if (watchdog_armed(d))
        next = min_tick(next, watchdog_deadline(d));
    next = min_tick(next, d->alert_release_tick);
    if (d->block_open)
        next = min_tick(next, d->block_start + d->cfg.block_ticks);
    if (d->pend.n)
        next = min_tick(next, d->pend.tick + SAMPLES_MAX_WAIT_TICKS);
    return next;
}

static void trip_watchdog(rc_linkdev *d, bool *changed)
{
    d->trips |= RC_LINK_TRIP_WATCHDOG;
    send_event(d, d->tick, RC_LINK_EV_TRIP, 1, 0);
    clear_fifo(d);
    apply_safe_state(d);
    set_state(d, RC_LINK_STATE_TRIPPED, changed);
}

static void check_limits(rc_linkdev *d, bool *changed)
{
    if (!d->model || !watchdog_armed(d))
        return;
    rc_sample s;
    rc_bench_model_sample(d->model, &s);
    uint16_t v = rail_v_code(d, &s), i = rail_a_code(d, &s);
    uint8_t why = v >= d->cfg.ovp_code ? 2 : i >= d->cfg.ocp_code ? 3 : 0;
    if (!why)
        return;
    d->trips |= why == 2 ? RC_LINK_TRIP_OVP : RC_LINK_TRIP_OCP;
    send_event(d, d->tick, RC_LINK_EV_TRIP, why, why == 2 ? v : i);
    clear_fifo(d);
    apply_safe_state(d);
    set_outputs(d, d->dac_code, (uint8_t)(d->pins & ~RC_LINK_PIN_RAIL_EN));
    set_state(d, RC_LINK_STATE_TRIPPED, changed);
}

/* Everything due at the current tick. */
static void at_tick(rc_linkdev *d)
{
    bool changed = false;
    check_limits(d, &changed);
    if (d->block_open) {
        if (d->tick == d->block_start + d->cfg.block_ticks)
            close_block(d);
        else
            block_take(d, false);
    }
    if (d->pend.n && d->tick >= d->pend.tick + SAMPLES_MAX_WAIT_TICKS)
        flush_samples(d);
    if (d->tick == d->alert_release_tick) {
        d->alert = false;
        d->alert_release_tick = TICK_NONE;
        send_event(d, d->tick, RC_LINK_EV_ALERT_EDGE, 0, 0);
    }
    if (d->running && d->tick == entry_end(d))
        end_entry(d, &changed);
    else if (d->running)
        update_ramp(d);
    if (d->tick == d->start_tick) {
        d->start_tick = TICK_NONE;
        open_block_grid(d);
        start_entry(d);
    }
    if (watchdog_armed(d) && d->tick >= watchdog_deadline(d))
        trip_watchdog(d, &changed);
    if (changed)
        send_status(d);
}

void rc_linkdev_advance(rc_linkdev *d, uint64_t tick)
{
    while (d->tick < tick) {
        uint64_t next = next_stop(d, tick);
        assert(next > d->tick);
        if (d->model) {
            rc_bench_model_advance(d->model, (int64_t)(next - d->origin));
            d->tick = d->origin + (uint64_t)rc_bench_model_now(d->model);
        } else {
            d->tick = next;
        }
        at_tick(d);
    }
}

uint64_t rc_linkdev_now(const rc_linkdev *d)
{
    return d->tick;
}

/* ---- commands ---- */

static bool tripped(const rc_linkdev *d)
{
    return d->state == RC_LINK_STATE_TRIPPED;
}

static void do_configure(rc_linkdev *d, const rc_link_frame *f, const rc_link_config *c,
                         bool *changed)
{
    rc_link_state s = d->state;
    if (tripped(d)) {
        send_nak(d, f, RC_LINK_NAK_TRIPPED, 0xFF);
        return;
    }
    if (s != RC_LINK_STATE_UNCONFIGURED && s != RC_LINK_STATE_IDLE && s != RC_LINK_STATE_DONE) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    if (c->block_ticks < d->p.id.min_block_ticks) {
        send_nak(d, f, RC_LINK_NAK_RANGE, 0);
        return;
    }
    if (c->safe_dac_code > d->p.id.max_dac_code) {
        send_nak(d, f, RC_LINK_NAK_CLAMP, 12);
        return;
    }
    if (c->sniff_bit_clocks != 0 && !(d->p.id.caps & RC_LINK_CAP_SNIFFER)) {
        send_nak(d, f, RC_LINK_NAK_RANGE, 18);
        return;
    }
    if ((c->flags & RC_LINK_CFG_UART) && !(d->p.id.caps & RC_LINK_CAP_SNIFFER)) {
        send_nak(d, f, RC_LINK_NAK_RANGE, 21);
        return;
    }
    d->cfg = *c;
    if (!new_model(d)) {
        send_nak(d, f, RC_LINK_NAK_RANGE, 4);
        return;
    }
    clear_fifo(d);
    apply_safe_state(d);
    open_block_grid(d);
    set_state(d, RC_LINK_STATE_IDLE, changed);
    send_ack(d, f, 0);
}

static void do_segment(rc_linkdev *d, const rc_link_frame *f, const rc_link_seg *s)
{
    rc_link_state st = d->state;
    if (tripped(d)) {
        send_nak(d, f, RC_LINK_NAK_TRIPPED, 0xFF);
        return;
    }
    if (st != RC_LINK_STATE_IDLE && st != RC_LINK_STATE_ARMED && st != RC_LINK_STATE_RUNNING) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    if (s->start_code > d->p.id.max_dac_code) {
        send_nak(d, f, RC_LINK_NAK_CLAMP, 10);
        return;
    }
    if (s->end_code > d->p.id.max_dac_code) {
        send_nak(d, f, RC_LINK_NAK_CLAMP, 12);
        return;
    }
    if (d->count == d->p.id.fifo_depth) {
        send_nak(d, f, RC_LINK_NAK_FIFO_FULL, 0xFF);
        return;
    }
    d->fifo[(d->head + d->count) % RC_LINKDEV_FIFO_DEPTH] = *s;
    d->count++;
    send_ack(d, f, (uint16_t)(d->p.id.fifo_depth - d->count));
}

static void do_arm(rc_linkdev *d, const rc_link_frame *f, bool *changed)
{
    if (tripped(d)) {
        send_nak(d, f, RC_LINK_NAK_TRIPPED, 0xFF);
        return;
    }
    if (d->state != RC_LINK_STATE_IDLE) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    if (d->count == 0) {
        send_nak(d, f, RC_LINK_NAK_EMPTY, 0xFF);
        return;
    }
    set_state(d, RC_LINK_STATE_ARMED, changed);
    send_ack(d, f, 0);
}

static void do_start(rc_linkdev *d, const rc_link_frame *f, bool *changed)
{
    if (tripped(d)) {
        send_nak(d, f, RC_LINK_NAK_TRIPPED, 0xFF);
        return;
    }
    if (d->state != RC_LINK_STATE_ARMED) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    d->start_tick = d->tick + 1;
    set_state(d, RC_LINK_STATE_RUNNING, changed);
    send_ack(d, f, 0);
}

static void do_stop(rc_linkdev *d, const rc_link_frame *f, bool *changed)
{
    clear_fifo(d);
    if (d->state != RC_LINK_STATE_UNCONFIGURED && !tripped(d)) {
        apply_safe_state(d);
        set_state(d, RC_LINK_STATE_IDLE, changed);
    }
    send_ack(d, f, 0);
}

static void do_pins(rc_linkdev *d, const rc_link_frame *f, const rc_link_pins *p, bool *changed)
{
    if (tripped(d)) {
        send_nak(d, f, RC_LINK_NAK_TRIPPED, 0xFF);
        return;
    }
    if (d->state != RC_LINK_STATE_IDLE && d->state != RC_LINK_STATE_DONE) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    if (p->dac_code > d->p.id.max_dac_code) {
        send_nak(d, f, RC_LINK_NAK_CLAMP, 0);
        return;
    }
    set_outputs(d, p->dac_code, p->pins);
    set_state(d, RC_LINK_STATE_IDLE, changed);
    send_ack(d, f, 0);
}

static void do_release(rc_linkdev *d, const rc_link_frame *f, uint32_t seg_id)
{
    if (!d->running || d->cur.wait != RC_LINK_WAIT_HOST || d->cur.seg_id != seg_id ||
        d->wait_met) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    d->wait_met = true;
    d->wait_tick = d->tick;
    send_ack(d, f, 0);
}

static void do_clear_trip(rc_linkdev *d, const rc_link_frame *f, bool *changed)
{
    if (!tripped(d)) {
        send_nak(d, f, RC_LINK_NAK_STATE, 0xFF);
        return;
    }
    d->trips = 0;
    set_state(d, RC_LINK_STATE_IDLE, changed);
    send_ack(d, f, 0);
}

static void do_message(rc_linkdev *d, const rc_link_frame *f, const rc_link_msg *m,
                       bool *changed)
{
    switch (m->type) {
    case RC_LINK_IDENTIFY: send_identify(d); break;
    case RC_LINK_CONFIGURE: do_configure(d, f, &m->u.config, changed); break;
    case RC_LINK_SEGMENT: do_segment(d, f, &m->u.seg); break;
    case RC_LINK_ARM: do_arm(d, f, changed); break;
    case RC_LINK_START: do_start(d, f, changed); break;
    case RC_LINK_STOP: do_stop(d, f, changed); break;
    case RC_LINK_PINS: do_pins(d, f, &m->u.pins, changed); break;
    case RC_LINK_HEARTBEAT: send_status(d); break;
    case RC_LINK_RELEASE: do_release(d, f, m->u.release_seg_id); break;
    case RC_LINK_CLEAR_TRIP: do_clear_trip(d, f, changed); break;
    default: send_nak(d, f, RC_LINK_NAK_UNKNOWN_TYPE, 0xFF); break;
    }
}

static int h2f_len(uint8_t type)
{
    static const int lens[] = {-1, 0, 22, 20, 0, 0, 0, 3, 0, 4, 0};
    return type < sizeof lens / sizeof lens[0] ? lens[type] : -1;
}

static void on_frame(rc_linkdev *d, const rc_link_frame *f)
{
    d->last_rx_tick = d->tick;
    d->last_rx_seq = f->seq;
    int want = h2f_len(f->type);
    if (want < 0) {
        send_nak(d, f, RC_LINK_NAK_UNKNOWN_TYPE, 0xFF);
        return;
    }
    if (f->len != want) {
        send_nak(d, f, RC_LINK_NAK_LENGTH, 0xFF);
        return;
    }
    rc_link_msg m;
    rc_error err;
    if (rc_link_msg_from_frame(f, &m, &err) != RC_OK) {
        send_nak(d, f, RC_LINK_NAK_RANGE, 0xFF);
        return;
    }
    bool changed = false;
    do_message(d, f, &m, &changed);
    if (changed)
        send_status(d);
}

void rc_linkdev_write(rc_linkdev *d, const uint8_t *data, size_t len)
{
    size_t used = 0;
    for (;;) {
        rc_link_frame f;
        bool got;
        used += rc_link_decoder_feed(&d->dec, data + used, len - used, &f, &got);
        if (!got)
            break;
        on_frame(d, &f);
    }
}

size_t rc_linkdev_pending(const rc_linkdev *d)
{
    return d->out_len - d->out_pos;
}

size_t rc_linkdev_read(rc_linkdev *d, uint8_t *out, size_t cap)
{
    size_t n = rc_linkdev_pending(d);
    if (n > cap)
        n = cap;
    if (n == 0)
        return 0;
    memcpy(out, d->out + d->out_pos, n);
    d->out_pos += n;
    if (d->out_pos == d->out_len)
        d->out_pos = d->out_len = 0;
    return n;
}

rc_status rc_linkdev_new(const rc_linkdev_params *p, rc_linkdev **out, rc_error *err)
{
    if (p->id.tick_hz != 1000000u)
        return rc_error_set(err, RC_ERR_ARG, "linkdev: the model runs at 1 MHz ticks only");
    const rc_linkdev_converter *conv[] = {&p->dac, &p->adc_v, &p->adc_a};
    for (size_t i = 0; i < 3; i++)
        if (!isfinite(conv[i]->gain) || conv[i]->gain <= 0 || !isfinite(conv[i]->offset))
            return rc_error_set(err, RC_ERR_ARG, "linkdev: a converter gain must be positive");
    if (!isfinite(p->load_ohm) || p->load_ohm < 0)
        return rc_error_set(err, RC_ERR_ARG, "linkdev: the dummy load must be 0 or positive");
    if (p->id.fifo_depth == 0 || p->id.fifo_depth > RC_LINKDEV_FIFO_DEPTH)
        return rc_error_set(err, RC_ERR_ARG, "linkdev: FIFO depth must be 1 to %d",
                            RC_LINKDEV_FIFO_DEPTH);
    rc_linkdev *d = calloc(1, sizeof *d);
    if (!d)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    d->p = *p;
    rc_link_decoder_init(&d->dec);
    d->state = RC_LINK_STATE_UNCONFIGURED;
    d->start_tick = TICK_NONE;
    d->alert_release_tick = TICK_NONE;
    *out = d;
    return RC_OK;
}

void rc_linkdev_free(rc_linkdev *d)
{
    if (!d)
        return;
    rc_bench_model_free(d->model);
    free(d->out);
    free(d);
}
