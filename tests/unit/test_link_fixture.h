/*
 * test_link_fixture.h - the golden link vectors of docs/protocol.md, loaded
 * from tests/data/link-vectors.txt ("name direction result hex" per line),
 * shared by the link tests.
 */
#ifndef RC_TEST_LINK_FIXTURE_H
#define RC_TEST_LINK_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/link.h"
#include "testutil.h"

#define LINK_VECTORS_PATH RC_FIXTURES_DIR "/../tests/data/link-vectors.txt"
#define LINK_DOC_PATH RC_FIXTURES_DIR "/../docs/protocol.md"
#define LINK_MAX_VECTORS 64
#define LINK_VECTOR_BYTES 128

typedef struct link_vector {
    char name[40];
    char dir[8];
    char result[48];
    uint8_t bytes[LINK_VECTOR_BYTES];
    size_t len;
} link_vector;

/* Parses hex digits, skipping spaces; returns the byte count or -1. */
static inline int link_parse_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p == ' ')
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else
            return -1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? (int)n : -1;
}

/* Loads every vector; fails the test on a malformed line. */
static inline size_t link_load_vectors(link_vector *v)
{
    FILE *f = fopen(LINK_VECTORS_PATH, "r");
    ck_assert_ptr_nonnull(f);
    char line[512], hex[400];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        ck_assert_uint_lt(n, LINK_MAX_VECTORS);
        link_vector *x = &v[n];
        ck_assert_int_eq(sscanf(line, "%39s %7s %47s %399s", x->name, x->dir, x->result, hex),
                         4);
        int len = link_parse_hex(hex, x->bytes, sizeof x->bytes);
        ck_assert_int_gt(len, 0);
        x->len = (size_t)len;
        n++;
    }
    fclose(f);
    return n;
}

static inline const link_vector *link_find(const link_vector *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    ck_abort_msg("no golden vector %s", name);
    return NULL;
}

/* Feeds bytes in chunks of `chunk` (0 = all at once) and collects frames. */
static inline size_t link_decode_all(rc_link_decoder *d, const uint8_t *bytes, size_t len,
                                     size_t chunk, rc_link_frame *frames, size_t max_frames)
{
    size_t n = 0, pos = 0;
    do {
        size_t take = chunk == 0 || len - pos < chunk ? len - pos : chunk;
        const uint8_t *p = bytes + pos;
        size_t left = take;
        bool got;
        for (;;) {
            rc_link_frame f;
            size_t used = rc_link_decoder_feed(d, p, left, &f, &got);
            ck_assert_uint_le(used, left);
            p += used;
            left -= used;
            if (!got)
                break;
            ck_assert_uint_lt(n, max_frames);
            frames[n++] = f;
        }
        ck_assert_uint_eq(left, 0);
        pos += take;
    } while (pos < len);
    return n;
}

/* Wire bytes of a decoded frame. */
static inline size_t link_frame_bytes(const rc_link_frame *f, uint8_t *out)
{
    size_t len = 0;
    rc_error err;
    ck_assert_int_eq(rc_link_frame_encode(f, out, RC_LINK_MAX_FRAME, &len, &err), RC_OK);
    return len;
}

#endif
