/*
 * fuzz_link.c - feeds arbitrary bytes to the link decoder and the message
 * layer, and checks what must always hold:
 *   - decoding all at once and in chunks (sizes taken from the input) gives
 *     the same frames and the same counts;
 *   - every input byte is accounted for: discarded, part of a delivered
 *     frame, or still held (at most one frame's worth);
 *   - a payload that decodes re-encodes to exactly the same bytes;
 *   - a profile segment built from the input either converts to an entry
 *     that the encoder and the board limits accept, or is refused.
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 1024

static void require(int ok)
{
    if (!ok)
        abort();
}

static void check_message(const rc_link_frame *f)
{
    rc_link_msg m;
    rc_link_frame again;
    rc_error err;
    if (rc_link_msg_from_frame(f, &m, &err) != RC_OK)
        return;
    require(rc_link_msg_to_frame(&m, f->seq, &again, &err) == RC_OK);
    require(again.type == f->type && again.len == f->len);
    require(memcmp(again.payload, f->payload, f->len) == 0);
}

/* Decodes data in chunks of `chunk` bytes (0 = all at once); returns the
 * frames delivered and leaves the decoder's counts in d. */
static size_t decode(const uint8_t *data, size_t size, size_t chunk, rc_link_decoder *d,
                     rc_link_frame *frames)
{
    size_t n = 0, pos = 0, framed = 0;
    rc_link_decoder_init(d);
    while (pos < size) {
        size_t take = chunk == 0 || size - pos < chunk ? size - pos : chunk;
        const uint8_t *p = data + pos;
        size_t left = take;
        for (;;) {
            bool got;
            rc_link_frame f;
            size_t used = rc_link_decoder_feed(d, p, left, &f, &got);
            require(used <= left);
            p += used;
            left -= used;
            if (!got)
                break;
            framed += RC_LINK_HEADER_BYTES + f.len + RC_LINK_CRC_BYTES;
            if (n < MAX_FRAMES)
                frames[n] = f;
            n++;
        }
        require(left == 0);
        pos += take;
    }
    require(d->held < RC_LINK_MAX_FRAME);
    require(d->stats.discarded_bytes + framed + d->held == size);
    require(d->stats.frames == n);
    return n;
}

/* Reads a little-endian value from the input, zero past its end. */
static uint64_t take_le(const uint8_t *data, size_t size, size_t off, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes && off + (size_t)i < size; i++)
        v |= (uint64_t)data[off + (size_t)i] << (8 * i);
    return v;
}

static void check_segment(const uint8_t *data, size_t size)
{
    rc_link_dac_cal cal = {
        .offset_mv = (int32_t)take_le(data, size, 0, 4),
        .nv_per_code = (uint32_t)take_le(data, size, 4, 4),
        .max_code = (uint16_t)take_le(data, size, 8, 2),
        .tick_hz = (uint32_t)take_le(data, size, 10, 4),
    };
    rc_segment s;
    memset(&s, 0, sizeof s);
    s.kind = (rc_seg_kind)(take_le(data, size, 14, 1) % 4);
    s.duration_us = (int64_t)take_le(data, size, 15, 8);
    s.from_mv = (int32_t)take_le(data, size, 23, 4);
    s.to_mv = s.kind == RC_SEG_RAMP ? (int32_t)take_le(data, size, 27, 4) : s.from_mv;
    s.wait_on = (rc_wait_on)(take_le(data, size, 31, 1) % 5);
    s.rail_on = take_le(data, size, 32, 1) & 1;
    s.ac_lost = take_le(data, size, 32, 1) & 2;

    rc_link_seg e;
    rc_error err;
    if (rc_link_seg_from_segment(&s, 1, true, &cal, &e, &err) != RC_OK)
        return;
    rc_link_msg m = {.type = RC_LINK_SEGMENT, .u.seg = e};
    rc_link_frame f;
    require(rc_link_msg_to_frame(&m, 0, &f, &err) == RC_OK);
    rc_link_identify id = {.max_dac_code = cal.max_code, .min_block_ticks = 1};
    require(rc_link_check_limits(&m, &id, &err) == RC_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rc_link_frame whole[MAX_FRAMES], split[MAX_FRAMES];
    rc_link_decoder a, b;

    size_t n = decode(data, size, 0, &a, whole);
    size_t chunk = size > 0 ? 1 + data[0] % 80 : 1;
    require(decode(data, size, chunk, &b, split) == n);
    require(memcmp(&a.stats, &b.stats, sizeof a.stats) == 0);
    for (size_t i = 0; i < n && i < MAX_FRAMES; i++) {
        require(whole[i].type == split[i].type && whole[i].seq == split[i].seq);
        require(whole[i].len == split[i].len);
        require(memcmp(whole[i].payload, split[i].payload, whole[i].len) == 0);
        check_message(&whole[i]);
    }
    check_segment(data, size);
    return 0;
}
