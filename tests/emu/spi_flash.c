/*
 * spi_flash.c - channel A of the emulated FT2232H as iceprog uses it: the
 * MPSSE command processor (FTDI AN_108) and, behind it, the board's SPI NOR
 * flash (W25Q128JV command set) and the FPGA's CRESET_B and CDONE pins.
 *
 * Layout: the MPSSE parser (the command byte, its header bytes, then the
 * data bytes of a byte-mode shift still to come), the low and high GPIO
 * bytes (value and direction as last set), the answers queued for the host
 * (out, read from out_pos), and the flash: its memory, write-enable latch,
 * power-down state and the transaction in progress (opcode, address, bytes
 * clocked since chip select went low).
 *
 * Pins (iceprog's wiring): ADBUS0 SCK, ADBUS1 MOSI, ADBUS2 MISO, ADBUS4 the
 * flash's chip select (low = selected), ADBUS6 CDONE (input), ADBUS7 the
 * FPGA's CRESET_B (low = held in reset). A pin that is not an output is
 * pulled up. Erase and program take no time: the status register's BUSY bit
 * is never set. Unknown MPSSE commands are answered 0xFA and the command, as
 * the chip does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spi_flash.h"

#define PIN_CS 0x10u
#define PIN_CDONE 0x40u
#define PIN_CRESET 0x80u

#define MC_DATA_TMS 0x40u
#define MC_DATA_IN 0x20u
#define MC_DATA_OUT 0x10u
#define MC_DATA_BITS 0x02u

#define SR_WEL 0x02u

static const uint8_t jedec_id[3] = {0xEF, 0x40, 0x18};

struct emu_flash {
    uint8_t cmd;
    uint8_t hdr[3];
    size_t hdr_have;
    size_t data_left; /* bytes of a byte-mode shift still to come */

    uint8_t low_value, low_dir, high_value, high_dir;

    uint8_t *out;
    size_t out_len, out_pos, out_cap;

    uint8_t *mem;
    size_t used_end; /* end of the last 64 KiB block erased or written */
    bool wel, powered_down, selected;
    uint8_t op;
    uint32_t addr;
    size_t txn_len;
};

emu_flash *emu_flash_new(void)
{
    emu_flash *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->mem = malloc(EMU_FLASH_BYTES);
    if (!f->mem) {
        free(f);
        return NULL;
    }
    memset(f->mem, 0xFF, EMU_FLASH_BYTES);
    return f;
}

void emu_flash_free(emu_flash *f)
{
    if (!f)
        return;
    free(f->mem);
    free(f->out);
    free(f);
}

static void answer(emu_flash *f, uint8_t b)
{
    if (f->out_len == f->out_cap) {
        size_t cap = f->out_cap ? f->out_cap * 2 : 4096;
        uint8_t *grown = realloc(f->out, cap);
        if (!grown)
            return; /* the host sees a short answer and gives up */
        f->out = grown;
        f->out_cap = cap;
    }
    f->out[f->out_len++] = b;
}

/* ---- the flash ---- */

static void touch(emu_flash *f, uint32_t end)
{
    size_t block_end = ((size_t)end + 0xFFFFu) & ~(size_t)0xFFFFu;
    if (block_end > f->used_end)
        f->used_end = block_end;
}

static void erase(emu_flash *f, uint32_t addr, uint32_t size)
{
    uint32_t start = addr & ~(size - 1) & (EMU_FLASH_BYTES - 1);
    memset(f->mem + start, 0xFF, size);
    touch(f, start + size);
}

static bool has_address(uint8_t op)
{
    return op == 0x02 || op == 0x03 || op == 0x0B || op == 0x20 || op == 0x52 || op == 0xD8;
}

/* One byte clocked while selected: MOSI in, MISO out. */
static uint8_t spi_byte(emu_flash *f, uint8_t mosi)
{
    size_t idx = f->txn_len++;
    if (idx == 0) {
        f->op = mosi;
        return 0xFF;
    }
    if (f->powered_down)
        return 0xFF; /* only a release (0xAB) is heard */
    if (has_address(f->op) && idx <= 3) {
        f->addr = (f->addr << 8 | mosi) & (EMU_FLASH_BYTES - 1);
        return 0xFF;
    }
    switch (f->op) {
    case 0x9F: return idx <= 3 ? jedec_id[idx - 1] : 0x00;
    case 0x05: return f->wel ? SR_WEL : 0x00;
    case 0x03: return f->mem[f->addr++ & (EMU_FLASH_BYTES - 1)];
    case 0x0B: return idx == 4 ? 0xFF : f->mem[f->addr++ & (EMU_FLASH_BYTES - 1)];
    case 0x02: {
        /* Page program wraps within the 256-byte page and only clears bits. */
        uint32_t at = (f->addr & ~0xFFu) | ((f->addr + (uint32_t)(idx - 4)) & 0xFFu);
        if (f->wel) {
            f->mem[at] &= mosi;
            touch(f, at + 1);
        }
        return 0xFF;
    }
    case 0xAB: return 0x17; /* device ID after the dummy bytes */
    default: return 0x00;
    }
}

/* Chip select went high: the command takes effect. */
static void end_transaction(emu_flash *f)
{
    bool addressed = f->txn_len >= 4;
    if (f->powered_down) {
        if (f->txn_len >= 1 && f->op == 0xAB)
            f->powered_down = false;
        return;
    }
    switch (f->op) {
    case 0x06: f->wel = true; break;
    case 0x04: f->wel = false; break;
    case 0x20:
    case 0x52:
    case 0xD8:
        if (f->wel && addressed)
            erase(f, f->addr, f->op == 0x20 ? 0x1000u : f->op == 0x52 ? 0x8000u : 0x10000u);
        f->wel = false;
        break;
    case 0x60:
    case 0xC7:
        if (f->wel)
            erase(f, 0, EMU_FLASH_BYTES);
        f->wel = false;
        break;
    case 0x01:
    case 0x02: f->wel = false; break;
    case 0xB9: f->powered_down = true; break;
    default: break;
    }
}

/* ---- pins ---- */

/* A pin's level: driven when an output, else pulled up. */
static bool low_pin(const emu_flash *f, uint8_t pin)
{
    return !(f->low_dir & pin) || (f->low_value & pin);
}

bool emu_flash_fpga_running(const emu_flash *f)
{
    return low_pin(f, PIN_CRESET);
}

static void pins_changed(emu_flash *f)
{
    bool selected = !low_pin(f, PIN_CS);
    if (selected && !f->selected) {
        f->txn_len = 0;
        f->op = 0;
        f->addr = 0;
    } else if (!selected && f->selected) {
        end_transaction(f);
    }
    f->selected = selected;
}

void emu_mpsse_release(emu_flash *f)
{
    f->low_dir = 0;
    f->high_dir = 0;
    f->hdr_have = 0;
    f->data_left = 0;
    pins_changed(f);
}

static uint8_t read_low(const emu_flash *f)
{
    uint8_t v = (uint8_t)((f->low_value & f->low_dir) | (uint8_t)~f->low_dir);
    /* CDONE: the FPGA configured itself from the flash once let out of reset. */
    v = (uint8_t)(v & ~PIN_CDONE);
    if (emu_flash_fpga_running(f))
        v |= PIN_CDONE;
    return v;
}

/* ---- the MPSSE command processor ---- */

/* Bytes of the command's header, the command byte included. */
static size_t header_len(uint8_t cmd)
{
    if (!(cmd & 0x80)) {
        if (cmd & MC_DATA_TMS)
            return 3;
        if (cmd & MC_DATA_BITS)
            return cmd & MC_DATA_OUT ? 3 : 2;
        return 3;
    }
    switch (cmd) {
    case 0x80:
    case 0x82:
    case 0x86:
    case 0x8F:
    case 0x9C:
    case 0x9D:
    case 0x9E: return 3;
    case 0x8E: return 2;
    default: return 1;
    }
}

static bool known_special(uint8_t cmd)
{
    return (cmd >= 0x80 && cmd <= 0x8F) || (cmd >= 0x94 && cmd <= 0x97) || cmd == 0x9C ||
           cmd == 0x9D || cmd == 0x9E;
}

/* A byte shifted out by a byte-mode command (or, with no data out, a byte
 * clocked in): it reaches the flash only while selected. */
static void shift_byte(emu_flash *f, uint8_t mosi)
{
    uint8_t miso = f->selected ? spi_byte(f, mosi) : 0xFF;
    if (f->cmd & MC_DATA_IN)
        answer(f, miso);
}

static void run_special(emu_flash *f)
{
    switch (f->cmd) {
    case 0x80:
        f->low_value = f->hdr[1];
        f->low_dir = f->hdr[2];
        pins_changed(f);
        break;
    case 0x82:
        f->high_value = f->hdr[1];
        f->high_dir = f->hdr[2];
        break;
    case 0x81: answer(f, read_low(f)); break;
    case 0x83: answer(f, (uint8_t)((f->high_value & f->high_dir) | (uint8_t)~f->high_dir)); break;
    default:
        if (!known_special(f->cmd)) {
            answer(f, 0xFA);
            answer(f, f->cmd);
        }
        break;
    }
}

/* The header is complete. */
static void run_header(emu_flash *f)
{
    uint8_t cmd = f->cmd;
    if (cmd & 0x80) {
        run_special(f);
        return;
    }
    if (cmd & (MC_DATA_TMS | MC_DATA_BITS)) {
        /* Bit shifts are not flash traffic (iceprog uses them only for
         * SRAM configuration and dummy clocks). */
        if (cmd & MC_DATA_IN)
            answer(f, 0xFF);
        return;
    }
    size_t n = ((size_t)f->hdr[1] | (size_t)f->hdr[2] << 8) + 1;
    if (cmd & MC_DATA_OUT) {
        f->data_left = n;
        return;
    }
    if (cmd & MC_DATA_IN)
        for (size_t i = 0; i < n; i++)
            shift_byte(f, 0xFF);
}

void emu_mpsse_write(emu_flash *f, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (f->data_left > 0) {
            f->data_left--;
            shift_byte(f, b);
            continue;
        }
        if (f->hdr_have == 0)
            f->cmd = b;
        f->hdr[f->hdr_have < 3 ? f->hdr_have : 2] = b;
        f->hdr_have++;
        if (f->hdr_have == header_len(f->cmd)) {
            f->hdr_have = 0;
            run_header(f);
        }
    }
}

size_t emu_mpsse_pending(const emu_flash *f)
{
    return f->out_len - f->out_pos;
}

size_t emu_mpsse_read(emu_flash *f, uint8_t *out, size_t cap)
{
    size_t n = emu_mpsse_pending(f);
    if (n > cap)
        n = cap;
    if (n == 0)
        return 0; /* nothing queued yet: out may still be NULL */
    memcpy(out, f->out + f->out_pos, n);
    f->out_pos += n;
    if (f->out_pos == f->out_len)
        f->out_pos = f->out_len = 0;
    return n;
}

bool emu_flash_save(const emu_flash *f, const char *path)
{
    FILE *out = fopen(path, "wb");
    if (!out)
        return false;
    bool ok = fwrite(f->mem, 1, f->used_end, out) == f->used_end;
    return fclose(out) == 0 && ok;
}
