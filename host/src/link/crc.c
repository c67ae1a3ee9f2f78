/*
 * crc.c - the link frame CRC: CRC-16/CCITT-FALSE (polynomial 0x1021, initial
 * value 0xFFFF, not reflected, no final XOR; check value 0x29B1 for
 * "123456789"). Computed bit by bit, MSB first, exactly as the gateware's
 * shift register does; frames are at most 71 bytes and the link carries at
 * most 1.2 MB/s, so a table would buy nothing.
 */
#include "railcut/link.h"

uint16_t rc_link_crc16(uint16_t crc, const uint8_t *data, size_t len)
{
    unsigned reg = crc;

    for (size_t i = 0; i < len; i++) {
        reg ^= (unsigned)data[i] << 8;
        for (int bit = 0; bit < 8; bit++)
            reg = ((reg & 0x8000u) ? (reg << 1) ^ 0x1021u : reg << 1) & 0xFFFFu;
    }
    return (uint16_t)reg;
}
