/*
 * spi_flash.h - the emulated FT2232H's channel A in MPSSE mode with the
 * board's SPI configuration flash behind it, as iceprog drives it.
 */
#ifndef RAILCUT_EMU_SPI_FLASH_H
#define RAILCUT_EMU_SPI_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_FLASH_BYTES (16u << 20) /* W25Q128JV, as on the iCEBreaker */

typedef struct emu_flash emu_flash;

/* An erased flash (every byte 0xFF), chip select and CRESET released.
 * NULL when out of memory. */
emu_flash *emu_flash_new(void);
void emu_flash_free(emu_flash *f);

/* MPSSE command bytes from the host (channel A bulk OUT), in any chunking. */
void emu_mpsse_write(emu_flash *f, const uint8_t *data, size_t len);
/* The channel left MPSSE mode (SET_BITMODE reset): every pin is an input
 * again, so chip select and CRESET_B are released. */
void emu_mpsse_release(emu_flash *f);
/* The MPSSE engine's answers waiting for the host (channel A bulk IN). */
size_t emu_mpsse_pending(const emu_flash *f);
size_t emu_mpsse_read(emu_flash *f, uint8_t *out, size_t cap);

/* The FPGA's CRESET_B (ADBUS7): false while the programmer holds it low. */
bool emu_flash_fpga_running(const emu_flash *f);

/* Writes the flash from address 0 to the end of the last 64 KiB block
 * that was erased or written. Returns false on an I/O error. */
bool emu_flash_save(const emu_flash *f, const char *path);

#endif
