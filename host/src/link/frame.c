/*
 * frame.c - link framing: the encoder and the streaming decoder.
 *
 * Wire layout (docs/protocol.md): A5 5A TYPE SEQ LEN PAYLOAD[LEN] CRC_HI
 * CRC_LO, with the CRC over TYPE..PAYLOAD. Because the CRC goes high byte
 * first, the CRC over TYPE..CRC_LO of a good frame is zero.
 *
 * The decoder keeps the current candidate in buf[0..held), starting at its
 * SYNC0, and has checked buf[0..examined) against the layout. New bytes are
 * appended only once every held byte is examined. When a candidate is
 * rejected (bad SYNC1, oversize LEN, bad CRC) its first byte is discarded and
 * the rest is examined again from the start, so a frame swallowed by a
 * corrupted LEN is still found. held never exceeds RC_LINK_MAX_FRAME: a
 * candidate is decided as soon as its last byte arrives.
 */
#include <assert.h>
#include <string.h>

#include "railcut/link.h"

rc_status rc_link_frame_encode(const rc_link_frame *f, uint8_t *out, size_t cap,
                               size_t *out_len, rc_error *err)
{
    if (f->len > RC_LINK_MAX_PAYLOAD)
        return rc_error_set(err, RC_ERR_ARG, "link frame payload of %u bytes exceeds %d",
                            (unsigned)f->len, RC_LINK_MAX_PAYLOAD);
    size_t total = RC_LINK_HEADER_BYTES + f->len + RC_LINK_CRC_BYTES;
    if (cap < total)
        return rc_error_set(err, RC_ERR_ARG, "link frame needs %zu bytes, buffer holds %zu",
                            total, cap);
    out[0] = RC_LINK_SYNC0;
    out[1] = RC_LINK_SYNC1;
    out[2] = f->type;
    out[3] = f->seq;
    out[4] = f->len;
    memcpy(out + RC_LINK_HEADER_BYTES, f->payload, f->len);
    uint16_t crc = rc_link_crc16(RC_LINK_CRC_INIT, out + 2, 3u + f->len);
    out[RC_LINK_HEADER_BYTES + f->len] = (uint8_t)(crc >> 8);
    out[RC_LINK_HEADER_BYTES + f->len + 1] = (uint8_t)(crc & 0xFFu);
    *out_len = total;
    return RC_OK;
}

void rc_link_decoder_init(rc_link_decoder *d)
{
    memset(d, 0, sizeof *d);
}

static void drop_front(rc_link_decoder *d, size_t n)
{
    assert(n <= d->held);
    memmove(d->buf, d->buf + n, d->held - n);
    d->held -= n;
    d->examined = 0;
}

/* The candidate at buf[0] is not a frame: discard its first byte and look
 * again at the rest, which may hold the start of the next frame. */
static void reject(rc_link_decoder *d)
{
    d->stats.discarded_bytes++;
    d->discarding = true;
    drop_front(d, 1);
}

static void deliver(rc_link_decoder *d, size_t total, rc_link_frame *out)
{
    out->type = d->buf[2];
    out->seq = d->buf[3];
    out->len = d->buf[4];
    memcpy(out->payload, d->buf + RC_LINK_HEADER_BYTES, out->len);
    d->stats.frames++;
    if (d->discarding)
        d->stats.resyncs++;
    d->discarding = false;
    uint8_t expected = (uint8_t)(d->last_seq + 1u);
    if (d->have_seq && out->seq != expected) {
        d->stats.seq_gaps++;
        d->stats.frames_lost += (uint8_t)(out->seq - expected);
    }
    d->have_seq = true;
    d->last_seq = out->seq;
    drop_front(d, total);
}

/* Checks the next unexamined byte; true when it completed a good frame. */
static bool examine(rc_link_decoder *d, rc_link_frame *out)
{
    size_t k = d->examined++;
    uint8_t b = d->buf[k];

    if ((k == 0 && b != RC_LINK_SYNC0) || (k == 1 && b != RC_LINK_SYNC1)) {
        reject(d);
        return false;
    }
    if (k == 4 && b > RC_LINK_MAX_PAYLOAD) {
        d->stats.oversize++;
        reject(d);
        return false;
    }
    if (k < 4)
        return false;
    size_t total = RC_LINK_HEADER_BYTES + d->buf[4] + RC_LINK_CRC_BYTES;
    if (k + 1 < total)
        return false;
    if (rc_link_crc16(RC_LINK_CRC_INIT, d->buf + 2, total - 2) != 0) {
        d->stats.crc_errors++;
        reject(d);
        return false;
    }
    deliver(d, total, out);
    return true;
}

size_t rc_link_decoder_feed(rc_link_decoder *d, const uint8_t *data, size_t len,
                            rc_link_frame *out, bool *got)
{
    size_t used = 0;

    *got = false;
    for (;;) {
        if (d->examined == d->held) {
            if (used == len)
                return used;
            assert(d->held < RC_LINK_MAX_FRAME);
            d->buf[d->held++] = data[used++];
        }
        if (examine(d, out)) {
            *got = true;
            return used;
        }
    }
}
