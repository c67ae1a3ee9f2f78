// cosim_pins.cpp - the extern "C" shim between the cosim backend (C) and
// the C++ model Verilator builds from railcut_pins.v, the board build at
// 12 MHz (docs/cosim.md, "The 12 MHz board build").
//
// The shim plays everything wired to the FPGA's pins, one clock at a time:
// after each rising edge it reads the outputs and sets the inputs the next
// edge samples.
// - Link, host to FPGA: the RX pin, 8N1, LSB first, 4 clocks a bit; the
//   next byte's start bit follows the stop bit at once.
// - Link, FPGA to host: the TX pin, a start bit seen, then each bit read in
//   the middle of its 4 clocks; a byte is complete in the middle of its
//   stop bit, which must be high.
// - ADCs (two AD7476A sharing CS and SCLK): CS falling latches the tick's
//   sample pair and puts the first of 4 leading zeros on MISO; each falling
//   SCLK edge while CS is low shifts out the next bit, 12 data bits MSB
//   first after the zeros.
// - DAC (AD5541A, LDAC tied low): a bit is taken on each rising SCLK edge
//   while CS is low; CS rising latches the last 16 bits as the output code.
#include <cassert>
#include <cstdint>
#include <new>

// Verilator's own headers are not written for -Wextra -Wshadow.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wshadow"
#include "Vrailcut_pins.h"
#include "Vrailcut_pins___024root.h"
#include "verilated.h"
#pragma GCC diagnostic pop

#include "cosim/cosim_pins.h"

namespace {

constexpr int CLKS_PER_BIT = RC_COSIM_PINS_CLKS_PER_BIT;
constexpr int FRAME_BITS = 10;  // start, 8 data, stop
constexpr int RESET_CLKS = 255; // as the boards' power-on counter

struct uart_out {  // host -> FPGA
    bool busy = false;
    uint16_t bits = 0;  // {stop, data, start}, LSB first
    int clk = 0;        // clocks into the frame
    bool line() const { return !busy || ((bits >> (clk / CLKS_PER_BIT)) & 1u); }
};

struct uart_in {  // FPGA -> host
    bool busy = false;
    int clk = 0;  // clocks since the start bit was first seen
    uint8_t data = 0;
};

struct adc {
    uint16_t word_v = 0, word_a = 0;  // 4 zeros + 12 data bits
    int bit = 15;                     // the bit on MISO
};

}  // namespace

struct rc_cosim_pins {
    VerilatedContext ctx;
    Vrailcut_pins top{&ctx};
    uint64_t cycles = 0;
    uart_out link_out;
    uart_in link_in;
    adc conv;
    bool adc_cs_n = true, adc_sclk = true;
    bool dac_cs_n = true, dac_sclk = false;
    uint16_t dac_shift = 0, dac_code = 0;
};

/* The ADC's MISO lines for its current bit. */
static void adc_drive(rc_cosim_pins *p)
{
    Vrailcut_pins &t = p->top;
    bool on = !p->adc_cs_n && p->conv.bit >= 0;
    t.adc_miso_v = on && ((p->conv.word_v >> p->conv.bit) & 1u);
    t.adc_miso_a = on && ((p->conv.word_a >> p->conv.bit) & 1u);
}

static void adc_pins(rc_cosim_pins *p, const rc_cosim_hw_in *in)
{
    const Vrailcut_pins &t = p->top;
    bool cs_n = t.adc_cs_n, sclk = t.adc_sclk;
    if (p->adc_cs_n && !cs_n && in) {
        p->conv.word_v = in->adc_v & 0xfffu;
        p->conv.word_a = in->adc_a & 0xfffu;
        p->conv.bit = 15;
    } else if (!cs_n && p->adc_sclk && !sclk) {
        p->conv.bit--;
    }
    p->adc_cs_n = cs_n;
    p->adc_sclk = sclk;
    adc_drive(p);
}

static void dac_pins(rc_cosim_pins *p)
{
    const Vrailcut_pins &t = p->top;
    bool cs_n = t.dac_cs_n, sclk = t.dac_sclk;
    if (!cs_n && !p->dac_sclk && sclk)
        p->dac_shift = (uint16_t)(p->dac_shift << 1 | t.dac_mosi);
    if (!p->dac_cs_n && cs_n && !t.dac_ldac_n)
        p->dac_code = p->dac_shift;
    p->dac_cs_n = cs_n;
    p->dac_sclk = sclk;
}

/* Reads the TX pin after an edge; true with *byte when one is complete. */
static bool link_receive(rc_cosim_pins *p, uint8_t *byte)
{
    uart_in &u = p->link_in;
    bool line = p->top.link_tx;
    if (!u.busy) {
        if (!line) {
            u.busy = true;
            u.clk = 0;
            u.data = 0;
        }
        return false;
    }
    u.clk++;
    const int mid = CLKS_PER_BIT / 2;
    if (u.clk % CLKS_PER_BIT == mid && u.clk < 9 * CLKS_PER_BIT)
        u.data = (uint8_t)(u.data | line << (u.clk / CLKS_PER_BIT - 1));
    if (u.clk < 9 * CLKS_PER_BIT + mid)
        return false;
    u.busy = false;
    *byte = u.data;
    return line;  // a low stop bit is a framing error: the byte is lost
}

/* Sets the RX pin for the next edge; true when a new byte was started. */
static bool link_send(rc_cosim_pins *p, const uint8_t *next)
{
    uart_out &u = p->link_out;
    bool started = false;
    if (u.busy && ++u.clk == FRAME_BITS * CLKS_PER_BIT)
        u.busy = false;
    if (!u.busy && next) {
        u.busy = true;
        u.clk = 0;
        u.bits = (uint16_t)(1u << 9 | *next << 1);
        started = true;
    }
    p->top.link_rx = u.line();
    return started;
}

/* One clock: the rising edge, then the pins it moved are read and the
 * inputs for the next edge set. */
static void clock(rc_cosim_pins *p, const rc_cosim_hw_in *in)
{
    Vrailcut_pins &t = p->top;
    t.clk = 0;
    t.eval();
    t.clk = 1;
    t.eval();
    p->cycles++;
    adc_pins(p, in);
    dac_pins(p);
}

extern "C" rc_cosim_pins *rc_cosim_pins_new(void)
{
    rc_cosim_pins *p = new (std::nothrow) rc_cosim_pins;
    if (!p)
        return nullptr;
    Vrailcut_pins &t = p->top;
    t.rst = 1;
    t.link_rx = 1;
    t.ch_present_n = 1;
    for (int i = 0; i < RESET_CLKS; i++)
        clock(p, nullptr);
    t.rst = 0;
    uint64_t start = rc_cosim_pins_now(p);
    while (rc_cosim_pins_now(p) == start)
        clock(p, nullptr);
    return p;
}

extern "C" void rc_cosim_pins_free(rc_cosim_pins *p)
{
    if (!p)
        return;
    p->top.final();
    delete p;
}

extern "C" uint64_t rc_cosim_pins_now(const rc_cosim_pins *p)
{
    return p->top.rootp->railcut_pins__DOT__u_core__DOT__u_time__DOT__now;
}

extern "C" uint64_t rc_cosim_pins_cycles(const rc_cosim_pins *p)
{
    return p->cycles;
}

extern "C" void rc_cosim_pins_outputs(const rc_cosim_pins *p, rc_cosim_hw_out *out)
{
    const Vrailcut_pins &t = p->top;
    out->rail_on = !t.rail_en_n;
    out->ac_lost = t.ac_lost_pull;
    out->dac_code = p->dac_code;
    out->seq_active = t.seq_active;
}

extern "C" size_t rc_cosim_pins_tick(rc_cosim_pins *p, const rc_cosim_hw_in *in,
                                     const uint8_t *rx, size_t rx_n, uint8_t *tx, size_t *tx_n)
{
    Vrailcut_pins &t = p->top;
    uint64_t before = rc_cosim_pins_now(p);
    t.ch_present_n = !in->ch_present;
    t.alert = in->alert;
    size_t taken = 0;
    *tx_n = 0;
    for (int c = 0; c < RC_COSIM_PINS_CLKS_PER_TICK; c++) {
        if (link_send(p, taken < rx_n ? rx + taken : nullptr))
            taken++;
        clock(p, in);
        uint8_t byte;
        if (link_receive(p, &byte))
            tx[(*tx_n)++] = byte;
    }
    assert(rc_cosim_pins_now(p) == before + 1);
    assert(*tx_n <= RC_COSIM_HW_BYTES_PER_TICK);
    (void)before;
    return taken;
}
