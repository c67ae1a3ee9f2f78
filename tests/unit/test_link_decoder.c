/*
 * test_link_decoder.c - the streaming decoder: any chunking gives the same
 * frames; corrupting, dropping or inserting a byte anywhere in a stream costs
 * exactly the frame it hit and never delivers a wrong frame; every rejection
 * path is counted; sequence gaps are counted with wrap-around; a frame can
 * complete from bytes already held.
 */
#include "test_link_fixture.h"

#define STREAM_MAX 2048
#define FRAMES_MAX 64

/* Every good golden frame once, renumbered 0, 1, 2, ... so the stream has no
 * sequence gap. starts[k] is where frame k begins. */
typedef struct stream {
    uint8_t bytes[STREAM_MAX];
    size_t len;
    size_t starts[FRAMES_MAX + 1];
    rc_link_frame frames[FRAMES_MAX];
    size_t n;
} stream;

static stream st;

static void build_stream(void)
{
    link_vector v[LINK_MAX_VECTORS];
    size_t nv = link_load_vectors(v);
    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < nv; i++) {
        if (strcmp(v[i].result, "ok") != 0)
            continue;
        rc_link_decoder d;
        rc_link_decoder_init(&d);
        rc_link_frame f;
        ck_assert_uint_eq(link_decode_all(&d, v[i].bytes, v[i].len, 0, &f, 1), 1);
        f.seq = (uint8_t)st.n;
        st.frames[st.n] = f;
        st.starts[st.n] = st.len;
        st.len += link_frame_bytes(&f, st.bytes + st.len);
        st.n++;
    }
    st.starts[st.n] = st.len;
    ck_assert_uint_eq(st.n, 19);
}

static bool same_frame(const rc_link_frame *a, const rc_link_frame *b)
{
    return a->type == b->type && a->seq == b->seq && a->len == b->len &&
           memcmp(a->payload, b->payload, a->len) == 0;
}

/* Index of the frame holding byte pos of the clean stream. */
static size_t frame_at(size_t pos)
{
    size_t k = 0;
    while (st.starts[k + 1] <= pos)
        k++;
    return k;
}

/* Decodes a damaged copy in the given chunking and checks that exactly the
 * frames other than `lost` come out, in order and unchanged. Zero bytes
 * follow the damage, as more traffic would: a candidate whose corrupted LEN
 * reaches past the end is then decided instead of staying pending. */
static void expect_all_but(const uint8_t *bytes, size_t len, size_t chunk, size_t lost,
                           rc_link_decoder *d, size_t pos)
{
    static uint8_t padded[STREAM_MAX + 2 * RC_LINK_MAX_FRAME];
    ck_assert_uint_le(len, STREAM_MAX + 1);
    memcpy(padded, bytes, len);
    memset(padded + len, 0, 2 * RC_LINK_MAX_FRAME);
    rc_link_frame got[FRAMES_MAX];
    rc_link_decoder_init(d);
    size_t n = link_decode_all(d, padded, len + 2 * RC_LINK_MAX_FRAME, chunk, got, FRAMES_MAX);
    ck_assert_msg(n == st.n - 1, "damage at byte %zu (frame %zu, offset %zu): %zu frames", pos,
                  lost, pos - st.starts[lost], n);
    for (size_t i = 0, k = 0; i < n; i++, k++) {
        if (k == lost)
            k++;
        ck_assert_msg(same_frame(&got[i], &st.frames[k]), "frame %zu delivered wrong", k);
    }
    ck_assert_uint_eq(d->stats.frames, st.n - 1);
    ck_assert_uint_eq(d->held, 0);
    /* Every byte is either in a delivered frame or counted as discarded. */
    size_t framed = st.len - (st.starts[lost + 1] - st.starts[lost]);
    ck_assert_uint_eq(d->stats.discarded_bytes, len + 2 * RC_LINK_MAX_FRAME - framed);
    /* A lost frame in the middle shows as one gap of one frame. */
    bool inner = lost > 0 && lost + 1 < st.n;
    ck_assert_uint_eq(d->stats.seq_gaps, inner ? 1 : 0);
    ck_assert_uint_eq(d->stats.frames_lost, inner ? 1 : 0);
    ck_assert_uint_eq(d->stats.resyncs, lost + 1 < st.n ? 1 : 0);
}

START_TEST(test_any_chunking_same_frames)
{
    build_stream();
    static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 70, 71, 72, 1000};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        rc_link_decoder d;
        rc_link_decoder_init(&d);
        rc_link_frame got[FRAMES_MAX];
        size_t n = link_decode_all(&d, st.bytes, st.len, chunks[c], got, FRAMES_MAX);
        ck_assert_uint_eq(n, st.n);
        for (size_t k = 0; k < n; k++)
            ck_assert(same_frame(&got[k], &st.frames[k]));
        ck_assert_uint_eq(d.stats.frames, st.n);
        ck_assert_uint_eq(d.stats.discarded_bytes, 0);
        ck_assert_uint_eq(d.stats.resyncs, 0);
        ck_assert_uint_eq(d.stats.seq_gaps, 0);
        ck_assert_uint_eq(d.held, 0);
    }
}
END_TEST

START_TEST(test_random_chunking)
{
    build_stream();
    uint32_t rng = 12345;
    for (int round = 0; round < 200; round++) {
        rc_link_decoder d;
        rc_link_decoder_init(&d);
        size_t pos = 0, n = 0;
        while (pos < st.len) {
            rng = rng * 1103515245u + 12345u;
            size_t take = (rng >> 16) % 90;
            if (take > st.len - pos)
                take = st.len - pos;
            rc_link_frame got[FRAMES_MAX];
            size_t m = link_decode_all(&d, st.bytes + pos, take, 0, got, FRAMES_MAX);
            for (size_t k = 0; k < m; k++)
                ck_assert(same_frame(&got[k], &st.frames[n + k]));
            n += m;
            pos += take;
        }
        ck_assert_uint_eq(n, st.n);
        ck_assert_uint_eq(d.stats.discarded_bytes, 0);
    }
}
END_TEST

START_TEST(test_corrupt_every_byte)
{
    build_stream();
    static const uint8_t masks[] = {0x01, 0x10, 0x80, 0xFF};
    static uint8_t bad[STREAM_MAX];
    for (size_t pos = 0; pos < st.len; pos++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(bad, st.bytes, st.len);
            bad[pos] ^= masks[m];
            rc_link_decoder d;
            expect_all_but(bad, st.len, pos % 2 ? 1 : 0, frame_at(pos), &d, pos);
            size_t in_frame = pos - st.starts[frame_at(pos)];
            if (in_frame >= 2 && in_frame != 4)
                ck_assert_uint_ge(d.stats.crc_errors, 1);
            ck_assert_uint_ge(d.stats.discarded_bytes, 1);
        }
    }
}
END_TEST

START_TEST(test_drop_every_byte)
{
    build_stream();
    static uint8_t bad[STREAM_MAX];
    for (size_t pos = 0; pos < st.len; pos++) {
        memcpy(bad, st.bytes, pos);
        memcpy(bad + pos, st.bytes + pos + 1, st.len - pos - 1);
        rc_link_decoder d;
        expect_all_but(bad, st.len - 1, pos % 3, frame_at(pos), &d, pos);
        ck_assert_uint_ge(d.stats.discarded_bytes, 1);
    }
}
END_TEST

START_TEST(test_insert_every_byte)
{
    build_stream();
    static uint8_t bad[STREAM_MAX + 1];
    static const uint8_t junk[] = {0x00, RC_LINK_SYNC0, RC_LINK_SYNC1};
    for (size_t pos = 1; pos < st.len; pos++) {
        for (size_t j = 0; j < sizeof junk; j++) {
            memcpy(bad, st.bytes, pos);
            bad[pos] = junk[j];
            memcpy(bad + pos + 1, st.bytes + pos, st.len - pos);
            /* Inserting a copy of the byte before is inserting it one
             * earlier: an extra A5 after a SYNC0 is junk before the frame. */
            size_t at = pos;
            while (at > 0 && st.bytes[at - 1] == junk[j])
                at--;
            size_t k = frame_at(at);
            rc_link_decoder d;
            if (st.starts[k] == at) {
                /* Junk between frames costs no frame. */
                rc_link_frame got[FRAMES_MAX];
                rc_link_decoder_init(&d);
                ck_assert_uint_eq(link_decode_all(&d, bad, st.len + 1, 1, got, FRAMES_MAX),
                                  st.n);
                ck_assert_uint_eq(d.stats.discarded_bytes, 1);
                ck_assert_uint_eq(d.stats.resyncs, 1);
                continue;
            }
            expect_all_but(bad, st.len + 1, pos % 2, k, &d, pos);
        }
    }
}
END_TEST

static size_t encode(uint8_t type, uint8_t seq, const uint8_t *payload, uint8_t len,
                     uint8_t *out)
{
    rc_link_frame f = {.type = type, .seq = seq, .len = len};
    if (len > 0)
        memcpy(f.payload, payload, len);
    return link_frame_bytes(&f, out);
}

START_TEST(test_sequence_gaps)
{
    static const uint8_t seqs[] = {254, 255, 0, 1, 4, 5, 3, 3};
    uint8_t bytes[256];
    size_t len = 0;
    for (size_t i = 0; i < sizeof seqs; i++)
        len += encode(RC_LINK_HEARTBEAT, seqs[i], NULL, 0, bytes + len);
    rc_link_decoder d;
    rc_link_decoder_init(&d);
    rc_link_frame got[16];
    ck_assert_uint_eq(link_decode_all(&d, bytes, len, 1, got, 16), sizeof seqs);
    /* 1 -> 4 loses 2; 5 -> 3 is 253 behind; 3 -> 3 is a repeat, 255 behind. */
    ck_assert_uint_eq(d.stats.seq_gaps, 3);
    ck_assert_uint_eq(d.stats.frames_lost, 2 + 253 + 255);
    ck_assert_uint_eq(d.last_seq, 3);
}
END_TEST

START_TEST(test_max_payload_and_oversize)
{
    uint8_t payload[RC_LINK_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(0xA5 ^ i);
    uint8_t bytes[2 * RC_LINK_MAX_FRAME];
    size_t len = encode(0x42, 7, payload, RC_LINK_MAX_PAYLOAD, bytes);
    ck_assert_uint_eq(len, RC_LINK_MAX_FRAME);
    rc_link_decoder d;
    rc_link_decoder_init(&d);
    rc_link_frame got[2];
    ck_assert_uint_eq(link_decode_all(&d, bytes, len, 1, got, 2), 1);
    ck_assert_uint_eq(got[0].len, RC_LINK_MAX_PAYLOAD);
    ck_assert_mem_eq(got[0].payload, payload, RC_LINK_MAX_PAYLOAD);

    /* LEN 65 is rejected as soon as it arrives, before any payload. */
    const uint8_t over[] = {0xA5, 0x5A, 0x01, 0x00, RC_LINK_MAX_PAYLOAD + 1};
    rc_link_decoder_init(&d);
    ck_assert_uint_eq(link_decode_all(&d, over, sizeof over, 0, got, 2), 0);
    ck_assert_uint_eq(d.stats.oversize, 1);
    ck_assert_uint_eq(d.stats.discarded_bytes, sizeof over);
    ck_assert_uint_eq(d.held, 0);

    rc_link_frame f = {.type = 1, .len = RC_LINK_MAX_PAYLOAD + 1};
    rc_error err;
    size_t out_len = 0;
    ck_assert_int_eq(rc_link_frame_encode(&f, bytes, sizeof bytes, &out_len, &err), RC_ERR_ARG);
    f.len = 3;
    ck_assert_int_eq(rc_link_frame_encode(&f, bytes, 9, &out_len, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_link_frame_encode(&f, bytes, 10, &out_len, &err), RC_OK);
    ck_assert_uint_eq(out_len, 10);
}
END_TEST

START_TEST(test_bad_sync_and_junk)
{
    uint8_t bytes[64];
    size_t len = 0;
    const uint8_t junk[] = {0x5A, 0xA5, 0x00, 0xA5, 0xA5, 0xA5};
    memcpy(bytes, junk, sizeof junk);
    len = sizeof junk;
    len += encode(RC_LINK_ARM, 9, NULL, 0, bytes + len);
    rc_link_decoder d;
    rc_link_decoder_init(&d);
    rc_link_frame got[2];
    ck_assert_uint_eq(link_decode_all(&d, bytes, len, 0, got, 2), 1);
    ck_assert_uint_eq(got[0].type, RC_LINK_ARM);
    ck_assert_uint_eq(got[0].seq, 9);
    ck_assert_uint_eq(d.stats.discarded_bytes, sizeof junk);
    ck_assert_uint_eq(d.stats.resyncs, 1);
    ck_assert_uint_eq(d.stats.crc_errors, 0);
    ck_assert_uint_eq(d.stats.oversize, 0);
}
END_TEST

/* A corrupted LEN makes a candidate swallow two whole frames; both come out,
 * the second from held bytes with no new input. */
START_TEST(test_frames_complete_from_held_bytes)
{
    uint8_t bytes[64];
    const uint8_t head[] = {0xA5, 0x5A, RC_LINK_HEARTBEAT, 0x00, 12};
    memcpy(bytes, head, sizeof head);
    size_t len = sizeof head;
    len += encode(RC_LINK_START, 1, NULL, 0, bytes + len);
    len += encode(RC_LINK_STOP, 2, NULL, 0, bytes + len);
    ck_assert_uint_eq(len, 19);

    rc_link_decoder d;
    rc_link_decoder_init(&d);
    rc_link_frame f;
    bool got;
    ck_assert_uint_eq(rc_link_decoder_feed(&d, bytes, len, &f, &got), len);
    ck_assert(got);
    ck_assert_uint_eq(f.type, RC_LINK_START);
    ck_assert_uint_eq(rc_link_decoder_feed(&d, NULL, 0, &f, &got), 0);
    ck_assert(got);
    ck_assert_uint_eq(f.type, RC_LINK_STOP);
    ck_assert_uint_eq(rc_link_decoder_feed(&d, NULL, 0, &f, &got), 0);
    ck_assert(!got);
    ck_assert_uint_eq(d.stats.crc_errors, 1);
    ck_assert_uint_eq(d.stats.discarded_bytes, 5);
    ck_assert_uint_eq(d.stats.frames, 2);
    ck_assert_uint_eq(d.held, 0);
}
END_TEST

START_TEST(test_partial_frame_is_held)
{
    uint8_t bytes[16];
    size_t len = encode(RC_LINK_PINS, 3, (const uint8_t[]){1, 2, 3}, 3, bytes);
    rc_link_decoder d;
    rc_link_decoder_init(&d);
    rc_link_frame f;
    bool got;
    ck_assert_uint_eq(rc_link_decoder_feed(&d, bytes, len - 1, &f, &got), len - 1);
    ck_assert(!got);
    ck_assert_uint_eq(d.held, len - 1);
    ck_assert_uint_eq(d.stats.discarded_bytes, 0);
    ck_assert_uint_eq(rc_link_decoder_feed(&d, bytes + len - 1, 1, &f, &got), 1);
    ck_assert(got);
    ck_assert_uint_eq(f.len, 3);
    ck_assert_uint_eq(f.payload[2], 3);
}
END_TEST

static Suite *link_decoder_suite(void)
{
    Suite *s = suite_create("link_decoder");
    TCase *tc = tcase_create("decoder");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_any_chunking_same_frames);
    tcase_add_test(tc, test_random_chunking);
    tcase_add_test(tc, test_corrupt_every_byte);
    tcase_add_test(tc, test_drop_every_byte);
    tcase_add_test(tc, test_insert_every_byte);
    tcase_add_test(tc, test_sequence_gaps);
    tcase_add_test(tc, test_max_payload_and_oversize);
    tcase_add_test(tc, test_bad_sync_and_junk);
    tcase_add_test(tc, test_frames_complete_from_held_bytes);
    tcase_add_test(tc, test_partial_frame_is_held);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(link_decoder_suite());
}
