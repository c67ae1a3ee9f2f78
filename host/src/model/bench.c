/*
 * bench.c - the stepping bench model: programmable supply, load switch, rail
 * capacitance and the Communications Hub behind it.
 *
 * Time advances in integer microseconds ("ticks"). Voltages are held in
 * nanovolts (int64_t) so that slow slopes (a 5 mA leak into 470 uF is
 * 10.6 uV/us) accumulate exactly. The CH's hold-up storage is an integer in
 * [0, store_full] with store_full = holdup_us * max(recharge_us, 1): it gains
 * holdup_us per tick while charging (full after recharge_us) and loses
 * max(recharge_us, 1) per tick while the CH rides through (empty after
 * holdup_us), so both ends are exact.
 *
 * One tick (now -> now + 1) runs, in this order:
 *   1. supply output moves toward the setpoint by at most the slew rate;
 *   2. rail moves: switch closed -> follows the output (rising limited by the
 *      current limit), switch open -> falls by the load (and the resistor);
 *   3. storage charges (input ok) or drains (riding through);
 *   4. CH timers due at this tick: boot done, hold-up exhausted, short-restore
 *      window over, outage qualified (using the input state BEFORE this
 *      tick's edges, so an outage that ends at this tick still counts);
 *   5. crossing detector on the new rail value (RAIL_FALL / RAIL_RISE);
 *   6. CH input edges with hysteresis (POWER_LOST / BOOT / back from hold-up);
 *   7. alerts due at this tick (AD1, RESTORED).
 * docs/ch-model.md gives the same rules as a state machine.
 *
 * Jitter: with a jitter.* parameter set, each outage's qualification limit,
 * each AD1 latency and each boot time get a uniform draw in [-j, +j] from a
 * splitmix64 generator seeded with `seed`, drawn when the outage starts, the
 * AD1 is scheduled or the boot starts. A zero jitter draws nothing, so the
 * default model is exactly deterministic.
 *
 * Speed: tick() is the reference. advance() asks quiet_ticks() how many
 * ticks ahead nothing discrete can happen and the rail moves linearly (or
 * not at all), and jumps over them with the same integer arithmetic, so a
 * jump gives exactly the state the ticks would have given.
 */
#include <assert.h>
#include <stdlib.h>

#include "model/model_internal.h"
#include "railcut/model.h"

#define NV_PER_MV 1000000LL
/* defect_double_ad1: the duplicate follows the first AD1 after this long. */
#define DOUBLE_AD1_GAP_US 5000000LL

struct rc_bench_model {
    rc_ch_params ch;
    rc_supply_params sup;
    int32_t outage_below_mv, restore_above_mv;
    rc_model_event_fn on_event;
    void *ctx;
    bool exact_stepping; /* tests: never jump */
    bool halted;
    int64_t now_us;

    /* Commanded inputs. */
    bool inputs_set;
    int64_t setpoint_nv;
    bool rail_on;
    bool ac_lost;

    /* Supply and rail. */
    int64_t out_nv;  /* supply output, before the load switch */
    int64_t rail_nv; /* rail at the CH connector */
    bool rail_low;   /* crossing detector: below outage threshold, not yet back */

    /* CH. */
    rc_ch_state state;
    bool in_ok; /* input above UVLO (with hysteresis): BOOTING or READY */
    int64_t store, store_full, store_charge, store_drain;
    int64_t boot_done_us; /* -1: not booting */

    /* Outage qualification timer. */
    bool outage_active;
    bool outage_qualified;
    int64_t outage_start_us;
    int64_t reset_due_us; /* defect_short_restore: timer resets here; -1 none */
    int64_t qualify_jitter_us; /* this outage's draw of jitter.qualify */

    uint64_t rng; /* splitmix64 state for the jitter draws */

    /* Alerts. */
    bool ad1_owed;      /* on-restore: qualified, waiting for ready */
    bool restored_owed; /* the CH went down: power-restored alert at next ready */
    int64_t ad1_due_us, ad1_repeat_due_us, restored_due_us; /* -1 none */
};

static void emit(rc_bench_model *m, rc_event_kind kind, int32_t value, const char *text)
{
    if (!m->on_event)
        return;
    rc_event ev;
    rc_event_init(&ev, m->now_us, kind, value, text);
    m->on_event(m->ctx, &ev);
}

static int64_t qualify_limit_us(const rc_bench_model *m)
{
    return m->ch.outage_qualify_us + m->ch.defect_timer_offset_us + m->qualify_jitter_us;
}

static uint64_t next_random(rc_bench_model *m)
{
    uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform draw in [-j, +j]; 0 without drawing when j is 0. */
static int64_t draw_jitter(rc_bench_model *m, int64_t j)
{
    assert(j >= 0);
    if (j == 0)
        return 0;
    return (int64_t)(next_random(m) % (uint64_t)(2 * j + 1)) - j;
}

/* base + a draw of jitter j, never below 0. */
static int64_t jittered(rc_bench_model *m, int64_t base, int64_t j)
{
    int64_t v = base + draw_jitter(m, j);
    return v > 0 ? v : 0;
}

/* Current the CH draws from the rail, in mA. */
static int64_t ch_input_ma(const rc_bench_model *m)
{
    if (!m->in_ok)
        return m->ch.leak_ma;
    return m->ch.run_ma + (m->store < m->store_full ? m->ch.charge_ma : 0);
}

/* Rail drop per tick from a current in mA: I / C, in nV per us. */
static int64_t load_fall_nv(const rc_bench_model *m, int64_t load_ma)
{
    return load_ma * NV_PER_MV / m->sup.rail_uf;
}

/* ---- one tick ---------------------------------------------------------- */

static void slew_output(rc_bench_model *m)
{
    int64_t step = (int64_t)m->sup.slew_mv_per_ms * 1000; /* mV/ms == uV/us */
    if (m->out_nv < m->setpoint_nv)
        m->out_nv = m->out_nv + step < m->setpoint_nv ? m->out_nv + step : m->setpoint_nv;
    else if (m->out_nv > m->setpoint_nv)
        m->out_nv = m->out_nv - step > m->setpoint_nv ? m->out_nv - step : m->setpoint_nv;
}

static void move_rail(rc_bench_model *m, int64_t load_ma)
{
    if (m->rail_on) {
        /* The supply sinks as well as sources; rising, the current limit
         * leaves (limit - load) to charge the rail capacitance. */
        int64_t rise = (m->sup.current_limit_ma - load_ma) * NV_PER_MV / m->sup.rail_uf;
        if (m->rail_nv > m->out_nv || m->rail_nv + rise > m->out_nv)
            m->rail_nv = m->out_nv;
        else if (rise > 0)
            m->rail_nv += rise;
        return;
    }
    int64_t fall = load_fall_nv(m, load_ma);
    if (m->sup.discharge == RC_DISCHARGE_ACTIVE)
        fall += m->rail_nv / ((int64_t)m->sup.discharge_ohm * m->sup.rail_uf);
    m->rail_nv = m->rail_nv > fall ? m->rail_nv - fall : 0;
}

static void update_storage(rc_bench_model *m)
{
    if (m->in_ok) {
        int64_t room = m->store_full - m->store;
        m->store += room < m->store_charge ? room : m->store_charge;
    } else if (m->state == RC_CH_HOLDUP) {
        m->store = m->store > m->store_drain ? m->store - m->store_drain : 0;
    }
}

static int64_t ad1_latency(rc_bench_model *m)
{
    return jittered(m, m->ch.ad1_latency_us, m->ch.jitter_ad1_latency_us);
}

static void on_ready(rc_bench_model *m)
{
    if (m->ad1_owed) {
        m->ad1_owed = false;
        m->ad1_due_us = m->now_us + ad1_latency(m);
    }
    if (m->restored_owed) {
        m->restored_owed = false;
        m->restored_due_us = m->now_us + m->ch.restored_latency_us;
    }
}

static void become_ready(rc_bench_model *m)
{
    m->state = RC_CH_READY;
    m->boot_done_us = -1;
    emit(m, RC_EV_CH_READY, 0, NULL);
    on_ready(m);
}

/* The CH stops running. Alerts it had queued but not sent are owed again at
 * the next ready, except a last-gasp AD1, which goes out on reserved energy. */
static void go_down(rc_bench_model *m)
{
    m->state = RC_CH_OFF;
    m->boot_done_us = -1;
    emit(m, RC_EV_CH_DOWN, 0, NULL);
    if (m->ad1_due_us >= 0 && m->ch.ad1_mode == RC_AD1_ON_RESTORE) {
        m->ad1_due_us = -1;
        m->ad1_owed = true;
    }
    if (m->ch.ad1_mode == RC_AD1_ON_RESTORE)
        m->ad1_repeat_due_us = -1;
    m->restored_due_us = -1;
    m->restored_owed = true;
}

static void qualify(rc_bench_model *m)
{
    m->outage_qualified = true;
    if (m->ch.defect_no_ad1)
        return;
    if (m->ch.ad1_mode == RC_AD1_ON_RESTORE)
        m->ad1_owed = true;
    else if (m->ad1_due_us < 0)
        m->ad1_due_us = m->now_us + ad1_latency(m);
}

static void run_ch_timers(rc_bench_model *m)
{
    int64_t t = m->now_us;
    if (m->state == RC_CH_BOOTING && m->boot_done_us == t)
        become_ready(m);
    if (m->state == RC_CH_HOLDUP && m->store == 0)
        go_down(m);
    if (m->reset_due_us == t) {
        m->reset_due_us = -1;
        m->outage_active = false;
    }
    if (m->outage_active && !m->outage_qualified && !m->in_ok &&
        t - m->outage_start_us > qualify_limit_us(m))
        qualify(m);
}

static void detect_crossings(rc_bench_model *m)
{
    if (!m->rail_low && m->rail_nv < m->outage_below_mv * NV_PER_MV) {
        m->rail_low = true;
        emit(m, RC_EV_RAIL_FALL, m->outage_below_mv, NULL);
    } else if (m->rail_low && m->rail_nv >= m->restore_above_mv * NV_PER_MV) {
        m->rail_low = false;
        emit(m, RC_EV_RAIL_RISE, m->restore_above_mv, NULL);
    }
}

static void input_lost(rc_bench_model *m)
{
    m->in_ok = false;
    emit(m, RC_EV_CH_POWER_LOST, 0, NULL);
    if (m->reset_due_us >= 0) {
        /* defect_short_restore: the restore was too short, same outage. */
        m->reset_due_us = -1;
    } else {
        m->outage_active = true;
        m->outage_qualified = false;
        m->outage_start_us = m->now_us;
        m->qualify_jitter_us = draw_jitter(m, m->ch.jitter_qualify_us);
    }
    /* Hold-up carries a running CH; a booting one starts over. */
    if (m->state == RC_CH_READY && m->store > 0)
        m->state = RC_CH_HOLDUP;
    else
        go_down(m);
}

static void input_back(rc_bench_model *m)
{
    m->in_ok = true;
    if (m->outage_active) {
        if (m->ch.defect_short_restore_us > 0)
            m->reset_due_us = m->now_us + m->ch.defect_short_restore_us;
        else
            m->outage_active = false;
    }
    if (m->state == RC_CH_HOLDUP) {
        m->state = RC_CH_READY;
        on_ready(m);
        return;
    }
    assert(m->state == RC_CH_OFF);
    m->state = RC_CH_BOOTING;
    int64_t boot_us = jittered(m, m->ch.boot_us, m->ch.jitter_boot_us);
    m->boot_done_us = m->now_us + boot_us;
    emit(m, RC_EV_CH_BOOT, 0, NULL);
    if (boot_us == 0)
        become_ready(m);
}

static void update_input(rc_bench_model *m)
{
    if (m->in_ok && m->rail_nv < m->ch.uvlo_off_mv * NV_PER_MV)
        input_lost(m);
    else if (!m->in_ok && m->rail_nv >= m->ch.uvlo_on_mv * NV_PER_MV)
        input_back(m);
}

static void send_alerts(rc_bench_model *m)
{
    int64_t t = m->now_us;
    if (m->ad1_due_us == t) {
        m->ad1_due_us = -1;
        emit(m, RC_EV_AD1, 0, "ch-model");
        if (m->ch.defect_double_ad1)
            m->ad1_repeat_due_us = t + DOUBLE_AD1_GAP_US;
    }
    if (m->ad1_repeat_due_us == t) {
        m->ad1_repeat_due_us = -1;
        emit(m, RC_EV_AD1, 0, "ch-model");
    }
    if (m->restored_due_us == t) {
        m->restored_due_us = -1;
        emit(m, RC_EV_RESTORED, 0, "ch-model");
    }
}

static void tick(rc_bench_model *m)
{
    int64_t load_ma = ch_input_ma(m);
    m->now_us++;
    slew_output(m);
    move_rail(m, load_ma);
    update_storage(m);
    run_ch_timers(m);
    detect_crossings(m);
    update_input(m);
    send_alerts(m);
}

/* ---- jumping over quiet spans ----------------------------------------- */

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Ticks left before a timer due at due_us (-1: none) fires. */
static int64_t before_due(const rc_bench_model *m, int64_t due_us, int64_t n)
{
    return due_us < 0 ? n : min64(n, due_us - m->now_us - 1);
}

/* Ticks a rail falling by fall per tick stays at or above thr_mv. */
static int64_t before_below(const rc_bench_model *m, int64_t fall, int32_t thr_mv, int64_t n)
{
    int64_t thr = thr_mv * NV_PER_MV;
    assert(m->rail_nv >= thr);
    return min64(n, (m->rail_nv - thr) / fall);
}

/* How many of the next `limit` ticks change nothing but the storage level
 * and a linearly falling rail, with no event and no change of the load. */
static int64_t quiet_ticks(const rc_bench_model *m, int64_t limit, int64_t *fall_out)
{
    int64_t n = limit;
    int64_t fall = 0;
    *fall_out = 0;
    if (m->exact_stepping || m->out_nv != m->setpoint_nv)
        return 0;
    if (m->rail_on) {
        if (m->rail_nv != m->out_nv)
            return 0;
    } else if (m->rail_nv > 0) {
        if (m->sup.discharge == RC_DISCHARGE_ACTIVE)
            return 0;
        fall = load_fall_nv(m, ch_input_ma(m));
        if (fall > 0) {
            n = min64(n, m->rail_nv / fall);
            if (!m->rail_low)
                n = before_below(m, fall, m->outage_below_mv, n);
            if (m->in_ok)
                n = before_below(m, fall, m->ch.uvlo_off_mv, n);
        }
    }
    if (m->in_ok && m->store < m->store_full)
        n = min64(n, (m->store_full - m->store + m->store_charge - 1) / m->store_charge - 1);
    if (m->state == RC_CH_HOLDUP)
        n = min64(n, (m->store + m->store_drain - 1) / m->store_drain - 1);
    if (m->state == RC_CH_BOOTING)
        n = before_due(m, m->boot_done_us, n);
    n = before_due(m, m->reset_due_us, n);
    n = before_due(m, m->ad1_due_us, n);
    n = before_due(m, m->ad1_repeat_due_us, n);
    n = before_due(m, m->restored_due_us, n);
    if (m->outage_active && !m->outage_qualified && !m->in_ok)
        n = min64(n, m->outage_start_us + qualify_limit_us(m) - m->now_us);
    *fall_out = fall;
    return n > 0 ? n : 0;
}

static void jump(rc_bench_model *m, int64_t n, int64_t fall)
{
    m->now_us += n;
    m->rail_nv -= n * fall;
    if (m->in_ok && m->store < m->store_full)
        m->store += n * m->store_charge;
    else if (m->state == RC_CH_HOLDUP)
        m->store -= n * m->store_drain;
    assert(m->rail_nv >= 0 && m->store >= 0 && m->store <= m->store_full);
}

/* ---- public ------------------------------------------------------------ */

rc_status rc_model_params_check(const rc_ch_params *ch, const rc_supply_params *sup,
                                int32_t outage_below_mv, int32_t restore_above_mv,
                                rc_error *err)
{
    if (outage_below_mv <= 0 || restore_above_mv < outage_below_mv)
        return rc_error_set(err, RC_ERR_ARG,
                            "crossing thresholds: need 0 < outage_below <= restore_above");
    if (ch->uvlo_off_mv <= 0 || ch->uvlo_on_mv < ch->uvlo_off_mv)
        return rc_error_set(err, RC_ERR_ARG, "CH: need 0 < uvlo_off <= uvlo_on");
    if (sup->slew_mv_per_ms <= 0 || sup->rail_uf <= 0 || sup->discharge_ohm <= 0)
        return rc_error_set(
            err, RC_ERR_ARG,
            "supply: slew, rail_capacitance and discharge_resistance must be > 0");
    if (sup->current_limit_ma <= ch->run_ma + ch->charge_ma)
        return rc_error_set(err, RC_ERR_ARG,
                            "supply.current_limit must exceed run_current + charge_current");
    if (ch->holdup_us < 0 || ch->recharge_us < 0 || ch->boot_us < 0 ||
        ch->holdup_us > 2000000000LL || ch->recharge_us > 2000000000LL)
        return rc_error_set(err, RC_ERR_ARG, "CH: holdup and recharge must be in [0, 2000s]");
    if (ch->ad1_latency_us < 0 || ch->restored_latency_us < 0 || ch->outage_qualify_us < 0 ||
        ch->defect_short_restore_us < 0 || ch->run_ma < 0 || ch->charge_ma < 0 ||
        ch->leak_ma < 0 || ch->jitter_qualify_us < 0 || ch->jitter_ad1_latency_us < 0 ||
        ch->jitter_boot_us < 0)
        return rc_error_set(err, RC_ERR_ARG, "CH: times and currents must not be negative");
    return RC_OK;
}

rc_status rc_bench_model_new(const rc_ch_params *ch, const rc_supply_params *sup,
                             int32_t outage_below_mv, int32_t restore_above_mv,
                             rc_model_event_fn on_event, void *ctx, rc_bench_model **out,
                             rc_error *err)
{
    assert(ch && sup && out);
    rc_status st = rc_model_params_check(ch, sup, outage_below_mv, restore_above_mv, err);
    if (st != RC_OK)
        return st;
    rc_bench_model *m = calloc(1, sizeof *m);
    if (!m)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    m->ch = *ch;
    m->sup = *sup;
    m->outage_below_mv = outage_below_mv;
    m->restore_above_mv = restore_above_mv;
    m->on_event = on_event;
    m->ctx = ctx;
    m->rail_low = true; /* the bench starts with the rail discharged */
    m->state = RC_CH_OFF;
    m->store_drain = ch->recharge_us > 0 ? ch->recharge_us : 1;
    m->store_full = ch->holdup_us * m->store_drain;
    m->store_charge = ch->recharge_us > 0 ? ch->holdup_us : m->store_full;
    if (m->store_charge == 0)
        m->store_charge = 1;
    m->boot_done_us = -1;
    m->reset_due_us = -1;
    m->ad1_due_us = -1;
    m->ad1_repeat_due_us = -1;
    m->restored_due_us = -1;
    m->rng = (uint64_t)ch->seed;
    *out = m;
    return RC_OK;
}

void rc_bench_model_free(rc_bench_model *m)
{
    free(m);
}

void rc_bench_model_set_inputs(rc_bench_model *m, int32_t setpoint_mv, bool rail_on,
                               bool ac_lost)
{
    m->setpoint_nv = setpoint_mv * NV_PER_MV;
    /* Before the run the supply already sits at its first setpoint; only the
     * load switch decides what the CH sees at t = 0. */
    if (!m->inputs_set && m->now_us == 0)
        m->out_nv = m->setpoint_nv;
    m->inputs_set = true;
    m->rail_on = rail_on;
    m->ac_lost = ac_lost;
}

void rc_bench_model_advance(rc_bench_model *m, int64_t t_us)
{
    assert(t_us > m->now_us);
    m->halted = false;
    while (m->now_us < t_us && !m->halted) {
        int64_t fall;
        int64_t n = quiet_ticks(m, t_us - m->now_us, &fall);
        if (n > 0)
            jump(m, n, fall);
        else
            tick(m);
    }
}

void rc_bench_model_halt(rc_bench_model *m)
{
    m->halted = true;
}

void rc_bench_model_sample(const rc_bench_model *m, rc_sample *out)
{
    out->t_us = m->now_us;
    out->rail_v = (float)((double)m->rail_nv / 1e9);
    out->rail_a = (float)((double)ch_input_ma(m) / 1000.0);
    out->ac_lost = m->ac_lost ? 1 : 0;
    out->ch_state = (uint8_t)m->state;
}

int64_t rc_bench_model_now(const rc_bench_model *m)
{
    return m->now_us;
}

int64_t rc_bench_model_rail_nv(const rc_bench_model *m)
{
    return m->rail_nv;
}

void rc_bench_model_set_exact_stepping(rc_bench_model *m, bool on)
{
    m->exact_stepping = on;
}
