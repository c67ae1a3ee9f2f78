/*
 * chunk.c - the two pieces of the chunk framing used by both writer and
 * reader: the chunk CRC and printable chunk type names for messages.
 *
 * A chunk's CRC-32 (zlib's crc32, the same polynomial as PNG) covers the
 * 12-byte chunk header and the payload, so a damaged length or type is
 * caught as surely as damaged data.
 */
#include <assert.h>
#include <stdio.h>

#include <zlib.h>

#include "trace/format.h"

uint32_t rc_crc32(const uint8_t *data, size_t len)
{
    assert(len <= RC_TRACE_CHUNK_MAX);
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
}

uint32_t rc_chunk_crc(const uint8_t *header, const uint8_t *payload, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, header, RC_TRACE_CHUNK_HEADER_LEN);
    /* zlib takes uInt lengths; payloads are capped far below 4 GiB. */
    assert(len <= RC_TRACE_CHUNK_MAX);
    if (len)
        crc = crc32(crc, payload, (uInt)len);
    return (uint32_t)crc;
}

void rc_fourcc_name(uint32_t type, char out[12])
{
    uint8_t b[4];
    rc_put_u32(b, type);
    for (int i = 0; i < 4; i++) {
        if (b[i] < 0x20 || b[i] > 0x7e) {
            snprintf(out, 12, "0x%08x", (unsigned)type);
            return;
        }
    }
    snprintf(out, 12, "%c%c%c%c", b[0], b[1], b[2], b[3]);
}
