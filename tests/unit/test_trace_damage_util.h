/*
 * test_trace_damage_util.h - what the exhaustive damage tests share: a
 * trace file's bytes with its chunk layout (walked with the spec's rules,
 * not the reader's code), and the two loops that damage it, truncation at
 * every byte offset and every single bit flipped, each variant made in
 * place and handed to a check.
 */
#ifndef TEST_TRACE_DAMAGE_UTIL_H
#define TEST_TRACE_DAMAGE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define DAMAGE_MAX_CHUNKS 32

typedef struct damage_file {
    uint8_t *bytes;
    size_t len;
    size_t start[DAMAGE_MAX_CHUNKS]; /* chunk offsets, then len */
    size_t n;                        /* chunks */
    size_t samples_through[DAMAGE_MAX_CHUNKS]; /* samples in chunks [0, i) */
    size_t events_through[DAMAGE_MAX_CHUNKS];  /* recorded and annotated events */
} damage_file;

static inline uint32_t damage_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the trace at path and walks its chunks. */
static inline void damage_load(damage_file *f, const char *path)
{
    f->bytes = (uint8_t *)rc_test_read_file(path, &f->len);
    ck_assert_ptr_nonnull(f->bytes);
    size_t off = 16, samples = 0, events = 0;
    f->n = 0;
    while (off < f->len) {
        ck_assert_uint_lt(f->n, DAMAGE_MAX_CHUNKS - 1);
        f->start[f->n] = off;
        f->samples_through[f->n] = samples;
        f->events_through[f->n] = events;
        const uint8_t *c = f->bytes + off;
        if (memcmp(c, "SAMP", 4) == 0)
            samples += damage_get32(c + 12 + 16);
        if (memcmp(c, "EVNT", 4) == 0)
            events += damage_get32(c + 12);
        if (memcmp(c, "ANNO", 4) == 0)
            events += damage_get32(c + 12 + 1 + c[12]);
        off += 16 + damage_get32(c + 8);
        f->n++;
    }
    ck_assert_uint_eq(off, f->len);
    f->start[f->n] = f->len;
    f->samples_through[f->n] = samples;
    f->events_through[f->n] = events;
}

/* Index of the chunk holding byte offset (n when at the end). */
static inline size_t damage_chunk_of(const damage_file *f, size_t offset)
{
    size_t i = 0;
    while (i < f->n && f->start[i + 1] <= offset)
        i++;
    return i;
}

/* Variants are made in place, never by truncating a file: truncation is
 * slow on some file systems, and there are thousands of variants. */
static inline void damage_write(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

static inline void damage_put_byte(const char *path, size_t at, uint8_t v, bool append)
{
    FILE *fp = fopen(path, append ? "ab" : "r+b");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fseek(fp, append ? 0 : (long)at, append ? SEEK_END : SEEK_SET), 0);
    ck_assert_int_eq(fputc(v, fp), v);
    fclose(fp);
}

/* A check of the variant at path: cut to `len` bytes, whose chunk k is cut
 * unless `boundary` (the cut falls between chunks or right after the file
 * header). */
typedef void (*damage_truncated_fn)(const damage_file *f, const char *path, size_t len,
                                    size_t k, bool boundary, const char *what);
/* A check of the variant at path: one bit of byte `at` (in chunk k) flipped. */
typedef void (*damage_flipped_fn)(const damage_file *f, const char *path, size_t at, size_t k,
                                  const char *what);

/* Every truncation from `from` bytes to the whole file, one byte more each. */
static inline void damage_each_truncation(const damage_file *f, const char *path, size_t from,
                                          damage_truncated_fn check)
{
    damage_write(path, f->bytes, from);
    for (size_t len = from; len <= f->len; len++) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu", len);
        if (len > from)
            damage_put_byte(path, len - 1, f->bytes[len - 1], true);
        size_t k = damage_chunk_of(f, len);
        check(f, path, len, k, len == 16 || f->start[k] == len, what);
    }
}

/* Every bit of every byte from `from` on flipped, one at a time. */
static inline void damage_each_bit_flip(const damage_file *f, const char *path, size_t from,
                                        damage_flipped_fn check)
{
    damage_write(path, f->bytes, f->len);
    for (size_t at = from; at < f->len; at++) {
        for (int bit = 0; bit < 8; bit++) {
            char what[64];
            snprintf(what, sizeof what, "bit %d of byte %zu flipped", bit, at);
            damage_put_byte(path, at, f->bytes[at] ^ (uint8_t)(1u << bit), false);
            check(f, path, at, damage_chunk_of(f, at), what);
        }
        damage_put_byte(path, at, f->bytes[at], false);
    }
}

#endif
