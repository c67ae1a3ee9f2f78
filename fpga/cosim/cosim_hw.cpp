// cosim_hw.cpp - the extern "C" shim between the cosim backend (C) and the
// C++ model Verilator builds from railcut_cosim.v (docs/cosim.md).
//
// The model is clocked CLKS_PER_TICK times per 1 us tick. A tick starts
// right after the clock edge on which the gateware's tick counter moved;
// inputs are set then, the ADC sample is valid for the tick's first clock,
// rx bytes go in one per clock, and a tx byte is taken on every clock whose
// edge sees tx_valid (tx_ready is tied high). The outputs are read once the
// tick's last edge has moved the counter again.
//
// Skipping: rc_cosim_hw_quiet_ticks reads the registers cosim.vlt makes
// public to decide that the gateware is idle, and rc_cosim_hw_skip moves
// the counters that run while it idles (tick counter, sequencer entry and
// the accumulator of a ramp between two code steps, watchdog, the
// reporter's block wait) by the skipped ticks. `quiet` counts
// the ticks since the last link byte or FIFO level change, so that records
// being written or read between the public registers' changes are done.
#include <cassert>
#include <cstdint>
#include <new>

// Verilator's own headers are not written for -Wextra -Wshadow.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wshadow"
#include "Vrailcut_cosim.h"
#include "Vrailcut_cosim___024root.h"
#include "verilated.h"
#pragma GCC diagnostic pop

#include "cosim/cosim_hw.h"

namespace {

constexpr int CLKS_PER_TICK = 4;
static_assert(CLKS_PER_TICK == RC_COSIM_HW_BYTES_PER_TICK, "a link byte per clock");
constexpr uint64_t TICKS_PER_MS = 1000;
constexpr uint64_t FLUSH_TICKS = 20000;  // railcut_core's reporter default
constexpr unsigned QUIET_TICKS_NEEDED = 3;
constexpr uint8_t SEQ_ARMED = 1, SEQ_RUNNING = 2;
constexpr uint8_t RX_HUNT = 0, REPORTER_IDLE = 0;
constexpr uint64_t SAFETY_TICKS = 2;  // kept clocked before any deadline

}  // namespace

struct rc_cosim_hw {
    VerilatedContext ctx;
    Vrailcut_cosim top{&ctx};
    uint64_t cycles = 0;
    unsigned quiet = 0;
    uint16_t ev_level = 0, blk_level = 0;
};

#define CORE(hw, name) ((hw)->top.rootp->railcut_cosim__DOT__u_core__DOT__##name)

static void clock(rc_cosim_hw *hw, uint8_t *tx, size_t *tx_n)
{
    Vrailcut_cosim &t = hw->top;
    t.clk = 0;
    t.eval();
    if (tx && t.tx_valid)
        tx[(*tx_n)++] = t.tx_data;
    t.clk = 1;
    t.eval();
    hw->cycles++;
}

extern "C" rc_cosim_hw *rc_cosim_hw_new(void)
{
    rc_cosim_hw *hw = new (std::nothrow) rc_cosim_hw;
    if (!hw)
        return nullptr;
    Vrailcut_cosim &t = hw->top;
    t.rst = 1;
    t.ch_present_n = 1;
    for (int i = 0; i < 4 * CLKS_PER_TICK; i++)
        clock(hw, nullptr, nullptr);
    t.rst = 0;
    uint64_t start = rc_cosim_hw_now(hw);
    while (rc_cosim_hw_now(hw) == start)
        clock(hw, nullptr, nullptr);
    return hw;
}

extern "C" void rc_cosim_hw_free(rc_cosim_hw *hw)
{
    if (!hw)
        return;
    hw->top.final();
    delete hw;
}

extern "C" uint64_t rc_cosim_hw_now(const rc_cosim_hw *hw)
{
    return CORE(hw, u_time__DOT__now);
}

extern "C" uint64_t rc_cosim_hw_cycles(const rc_cosim_hw *hw)
{
    return hw->cycles;
}

extern "C" void rc_cosim_hw_outputs(const rc_cosim_hw *hw, rc_cosim_hw_out *out)
{
    const Vrailcut_cosim &t = hw->top;
    out->rail_on = !t.rail_en_n;
    out->ac_lost = t.ac_lost_pull;
    out->dac_code = t.dac_code;
    out->seq_active = t.seq_active;
}

extern "C" size_t rc_cosim_hw_tick(rc_cosim_hw *hw, const rc_cosim_hw_in *in,
                                   const uint8_t *rx, size_t rx_n, uint8_t *tx, size_t *tx_n)
{
    Vrailcut_cosim &t = hw->top;
    uint64_t before = rc_cosim_hw_now(hw);
    t.adc_v = in->adc_v & 0xfffu;
    t.adc_a = in->adc_a & 0xfffu;
    t.ch_present_n = !in->ch_present;
    t.alert = in->alert;
    size_t taken = 0;
    *tx_n = 0;
    for (int c = 0; c < CLKS_PER_TICK; c++) {
        t.adc_valid = c == 0;
        t.rx_valid = taken < rx_n;
        t.rx_data = t.rx_valid ? rx[taken++] : 0;
        clock(hw, tx, tx_n);
    }
    t.adc_valid = 0;
    t.rx_valid = 0;
    t.eval();
    assert(rc_cosim_hw_now(hw) == before + 1);
    (void)before;
    uint16_t ev = CORE(hw, ev_level), blk = CORE(hw, blk_level);
    bool busy = taken || *tx_n || ev != hw->ev_level || blk != hw->blk_level;
    hw->quiet = busy ? 0 : hw->quiet + 1;
    hw->ev_level = ev;
    hw->blk_level = blk;
    return taken;
}

static uint64_t cap(uint64_t n, uint64_t room)
{
    return room < n ? room : n;
}

/* Ticks a moving ramp keeps its DAC code: the accumulator's integer part
 * changes (or the ramp stops at its end) only after them. */
static uint64_t ramp_room(const rc_cosim_hw *hw)
{
    int64_t slope = (int32_t)CORE(hw, u_seq__DOT__slope);
    int64_t acc = (int64_t)CORE(hw, u_seq__DOT__acc);
    int64_t floor_code = acc & ~((int64_t)0xffffff);
    int64_t ticks = slope > 0 ? (floor_code + 0x1000000 - acc + slope - 1) / slope
                              : (acc - floor_code) / -slope + 1;
    return ticks > (int64_t)SAFETY_TICKS ? (uint64_t)ticks - SAFETY_TICKS : 0;
}

/* Ticks before the running entry could end or its ramp change code. */
static uint64_t sequencer_room(const rc_cosim_hw *hw, uint64_t n)
{
    uint8_t state = CORE(hw, u_seq__DOT__state);
    if (state == SEQ_ARMED && CORE(hw, u_seq__DOT__go))
        return 0;
    if (state != SEQ_RUNNING)
        return n;
    if (CORE(hw, u_seq__DOT__hit) || CORE(hw, u_seq__DOT__pending))
        return 0;
    uint64_t acc = CORE(hw, u_seq__DOT__acc);
    uint64_t held = (uint64_t)CORE(hw, u_seq__DOT__end_code) << 24;
    if (CORE(hw, u_seq__DOT__slope) != 0 && acc != held) {
        /* The guard shows a new code one tick after the ramp reached it. */
        if (hw->top.dac_code != (acc >> 24))
            return 0;
        n = cap(n, ramp_room(hw));
    }
    uint64_t remaining = CORE(hw, u_seq__DOT__remaining);
    return remaining > SAFETY_TICKS + 1 ? cap(n, remaining - SAFETY_TICKS - 1) : 0;
}

/* Ticks before the watchdog could trip. */
static uint64_t watchdog_room(const rc_cosim_hw *hw, uint64_t n)
{
    if (!CORE(hw, configured) || CORE(hw, u_wd__DOT__tripped))
        return n;
    uint64_t timeout_ms = CORE(hw, watchdog_ms) ? CORE(hw, watchdog_ms) : 1;
    uint64_t used = CORE(hw, u_wd__DOT__elapsed_ms) * TICKS_PER_MS + CORE(hw, u_wd__DOT__sub);
    uint64_t limit = timeout_ms * TICKS_PER_MS;
    return used + SAFETY_TICKS < limit ? cap(n, limit - used - SAFETY_TICKS) : 0;
}

/* Ticks before a sample block closes or the reporter must flush one. */
static uint64_t samples_room(const rc_cosim_hw *hw, uint64_t n)
{
    unsigned recs = CORE(hw, u_reporter__DOT__blk_recs);
    if (recs >= 7)
        return 0;
    if (recs) {
        uint64_t wait = CORE(hw, u_reporter__DOT__blk_wait);
        n = wait + SAFETY_TICKS < FLUSH_TICKS ? cap(n, FLUSH_TICKS - wait - SAFETY_TICKS) : 0;
    }
    if (CORE(hw, u_sampler__DOT__open)) {
        uint64_t end = CORE(hw, u_sampler__DOT__t_start) + CORE(hw, block_ticks);
        uint64_t now = rc_cosim_hw_now(hw);
        n = end > now + 1 ? cap(n, end - now - 1) : 0;
    }
    return n;
}

extern "C" uint64_t rc_cosim_hw_quiet_ticks(const rc_cosim_hw *hw, uint64_t limit)
{
    bool idle = hw->quiet >= QUIET_TICKS_NEEDED && CORE(hw, u_frame_rx__DOT__state) == RX_HUNT &&
                !CORE(hw, tx_busy) && CORE(hw, reply_empty) &&
                CORE(hw, u_reporter__DOT__rstate) == REPORTER_IDLE &&
                CORE(hw, u_reporter__DOT__ev_recs) == 0 && CORE(hw, ev_level) == 0 &&
                !CORE(hw, u_alert__DOT__pending) && !CORE(hw, u_chp__DOT__pending) &&
                CORE(hw, ev_valid) == 0 && CORE(hw, u_events__DOT__pending) == 0 &&
                CORE(hw, u_events__DOT__left) == 0 &&
                !CORE(hw, u_dac__DOT__busy);
    if (!idle)
        return 0;
    uint64_t n = sequencer_room(hw, limit);
    n = watchdog_room(hw, n);
    return samples_room(hw, n);
}

extern "C" void rc_cosim_hw_skip(rc_cosim_hw *hw, uint64_t n)
{
    if (n == 0)
        return;
    CORE(hw, u_time__DOT__now) += n;
    if (CORE(hw, u_seq__DOT__state) == SEQ_RUNNING) {
        CORE(hw, u_seq__DOT__remaining) -= n;
        uint64_t held = (uint64_t)CORE(hw, u_seq__DOT__end_code) << 24;
        int64_t slope = (int32_t)CORE(hw, u_seq__DOT__slope);
        if (slope != 0 && CORE(hw, u_seq__DOT__acc) != held)
            CORE(hw, u_seq__DOT__acc) =
                (CORE(hw, u_seq__DOT__acc) + (uint64_t)(slope * (int64_t)n)) & 0xffffffffffULL;
    }
    if (CORE(hw, configured) && !CORE(hw, u_wd__DOT__tripped)) {
        uint64_t used = CORE(hw, u_wd__DOT__elapsed_ms) * TICKS_PER_MS +
                        CORE(hw, u_wd__DOT__sub) + n;
        CORE(hw, u_wd__DOT__elapsed_ms) = (uint16_t)(used / TICKS_PER_MS);
        CORE(hw, u_wd__DOT__sub) = (uint16_t)(used % TICKS_PER_MS);
    }
    if (CORE(hw, u_reporter__DOT__blk_recs)) {
        uint64_t wait = CORE(hw, u_reporter__DOT__blk_wait) + n;
        CORE(hw, u_reporter__DOT__blk_wait) = (uint16_t)(wait > 0xffff ? 0xffff : wait);
    }
    hw->top.eval();
}
