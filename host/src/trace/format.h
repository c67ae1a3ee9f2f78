/*
 * format.h - private on-disk constants and helpers of the .rct container,
 * shared by the writer and the reader. docs/trace-format.md is the spec.
 *
 * Layout: a 16-byte file header (magic, version major/minor u16, CRC-32 of
 * the first 12 bytes), then chunks. A chunk is a 12-byte header (type fourcc,
 * flags, payload length, all u32 little-endian), the payload, and a CRC-32
 * over header and payload. All integers are little-endian; floats are IEEE
 * 754 binary32 bit patterns stored as u32.
 */
#ifndef RC_TRACE_FORMAT_H
#define RC_TRACE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "railcut/error.h"
#include "railcut/profile.h"
#include "railcut/trace.h"

#define RC_TRACE_MAGIC "\x89RCT\r\n\x1a\n"
#define RC_TRACE_MAGIC_LEN 8
#define RC_TRACE_FILE_HEADER_LEN 16
#define RC_TRACE_CHUNK_HEADER_LEN 12
#define RC_TRACE_CHUNK_CRC_LEN 4
/* Readers refuse longer payloads as corrupt: real chunks are far smaller
 * (a full sample block is about 40 KiB), and this keeps a flipped length
 * from making a reader allocate gigabytes. */
#define RC_TRACE_CHUNK_MAX (64u * 1024u * 1024u)

/* Fourccs are the four ASCII bytes in file order, read as a u32 LE. */
#define RC_FOURCC(a, b, c, d)                                                                  \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define RC_CHUNK_HEAD RC_FOURCC('H', 'E', 'A', 'D')
#define RC_CHUNK_PROF RC_FOURCC('P', 'R', 'O', 'F')
#define RC_CHUNK_CHAN RC_FOURCC('C', 'H', 'A', 'N')
#define RC_CHUNK_SAMP RC_FOURCC('S', 'A', 'M', 'P')
#define RC_CHUNK_EVNT RC_FOURCC('E', 'V', 'N', 'T')
#define RC_CHUNK_END RC_FOURCC('E', 'N', 'D', ' ')
/* 1.1 */
#define RC_CHUNK_SCAL RC_FOURCC('S', 'C', 'A', 'L')
#define RC_CHUNK_SUMM RC_FOURCC('S', 'U', 'M', 'M')
#define RC_CHUNK_INDX RC_FOURCC('I', 'N', 'D', 'X')
#define RC_CHUNK_TIME RC_FOURCC('T', 'I', 'M', 'E')
#define RC_CHUNK_LOST RC_FOURCC('L', 'O', 'S', 'T')
#define RC_CHUNK_ANNO RC_FOURCC('A', 'N', 'N', 'O')

/* Writer block sizes: a block is written when it is full (or on flush). */
#define RC_TRACE_SAMP_BLOCK 4096u
#define RC_TRACE_EVNT_BLOCK 256u

/* SAMP payload: t0_us i64, period_us i64, count u32, then the columns. */
#define RC_SAMP_HEADER_LEN 20
/* EVNT payload: count u32, then records of t_us i64, kind u16, value i32,
 * text length u8 and the text bytes. */
#define RC_EVNT_HEADER_LEN 4
#define RC_EVNT_RECORD_MIN 15
/* END payload: end_us i64, reason u32; 1.1 adds the offset of the last
 * INDX chunk, u64 (0 when there is none). */
#define RC_END_LEN 12
#define RC_END_LEN_1_1 20

/* SCAL payload: per channel, gain and offset as f64 bit patterns (u64). */
#define RC_SCAL_ENTRY_LEN 16
/* SUMM payload: level u8, reserved u8 (0), channel u16, first entry u64,
 * count u32, then count entries of min, max, mean (f32 each). An entry of
 * level k covers samples [e * 64^k, (e + 1) * 64^k) of the run's sample
 * counter (all SAMP blocks in order, from 0). */
#define RC_SUMM_HEADER_LEN 16
#define RC_SUMM_ENTRY_LEN 12
#define RC_SUMM_FACTOR 64u
#define RC_SUMM_SHIFT 6
#define RC_SUMM_LEVELS 8    /* levels 1..8; 64^8 samples is years at 1 MS/s */
#define RC_SUMM_BATCH 1024u /* entries per SUMM chunk (fewer on close) */
/* INDX payload: offset of the previous INDX u64 (0: none), count u32, then
 * count entries of 32 bytes: chunk offset u64, type u32, payload length
 * u32, a u64, b u64. SAMP: a = t0_us, b = period_us. SUMM: a = first entry,
 * b = level | channel << 8 | count << 32. Other types: 0, 0. */
#define RC_INDX_HEADER_LEN 12
#define RC_INDX_ENTRY_LEN 32
/* The writer writes an INDX after this many bytes of indexed chunks (and
 * before END), so that an open reads at most this much without an index. */
#define RC_INDX_EVERY_BYTES (1024u * 1024u)
/* TIME payload: unix_us i64, device_us i64. */
#define RC_TIME_LEN 16
/* LOST payload: from_us i64, to_us i64, samples u64, events u64. */
#define RC_LOST_LEN 32
/* ANNO payload: source length u8, source bytes, then an EVNT payload. */

/* END reasons: 0..2 are the RC_EV_RUN_END values (complete, stopped,
 * device error) of the last run-end event written; this one means the
 * writer was closed without a run-end event. */
#define RC_END_REASON_CLOSED 255u

/* Channel storage types in CHAN. */
enum { RC_STORE_F32 = 1, RC_STORE_U8 = 2, RC_STORE_I16 = 3 };
#define RC_TRACE_MAX_CHANNELS 64
#define RC_TRACE_BLOCK_MIN 16u
#define RC_TRACE_BLOCK_MAX 65536u

static inline size_t rc_storage_size(unsigned storage)
{
    return storage == RC_STORE_F32 ? 4 : storage == RC_STORE_I16 ? 2 : 1;
}

/* The four channels of an rc_sample, in the order the writer stores them. */
#define RC_TRACE_CHANNELS 4
#define RC_SAMPLE_BYTES 10 /* 4 + 4 + 1 + 1 */

/* JSON numbers are doubles: integers beyond 2^53 would not survive. */
#define RC_JSON_INT_MAX 9007199254740992LL

static inline void rc_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void rc_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void rc_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t rc_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rc_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rc_get_u64(const uint8_t *p)
{
    return (uint64_t)rc_get_u32(p) | (uint64_t)rc_get_u32(p + 4) << 32;
}

static inline void rc_put_f32(uint8_t *p, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    rc_put_u32(p, bits);
}

static inline void rc_put_f64(uint8_t *p, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    rc_put_u64(p, bits);
}

static inline double rc_get_f64(const uint8_t *p)
{
    uint64_t bits = rc_get_u64(p);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline float rc_get_f32(const uint8_t *p)
{
    uint32_t bits = rc_get_u32(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Minimum, maximum and sum of n values of a column as stored in a SAMP
 * payload (storage RC_STORE_*), as numbers before gain and offset; n is 1 to
 * RC_FOLD_MAX (a block's worth: int16 sums stay exact). fold.c. */
#define RC_FOLD_MAX RC_TRACE_BLOCK_MAX
void rc_fold_stored(unsigned storage, const uint8_t *v, size_t n, double *mn, double *mx,
                    double *sum);
/* The same for n_groups consecutive groups of RC_SUMM_FACTOR values: group
 * g's minimum, maximum and sum go to mn[g], mx[g] and sum[g]. */
void rc_fold_groups(unsigned storage, const uint8_t *v, size_t n_groups, double *mn, double *mx,
                    double *sum);

/* zlib's CRC-32 of a buffer (the file header's CRC covers its first 12 bytes). */
uint32_t rc_crc32(const uint8_t *data, size_t len);
/* CRC-32 of a chunk: header (type, flags, length) then payload. */
uint32_t rc_chunk_crc(const uint8_t *header, const uint8_t *payload, size_t len);

/* "SAMP", or the bytes as hex when they are not printable (damaged types). */
void rc_fourcc_name(uint32_t type, char out[12]);

/* ---- HEAD and PROF payloads (JSON, meta.c) --------------------------------- */

/* Set *out to a malloc'd, NUL-terminated JSON text. RC_ERR_ARG when a value
 * cannot be stored exactly or the profile fails rc_prof_check. */
rc_status rc_head_encode(const rc_trace_header *hdr, char **out, rc_error *err);
rc_status rc_prof_encode(const rc_profile *p, char **out, rc_error *err);

/* The reader's copy of the header: owns its strings. */
typedef struct rc_head_store {
    rc_trace_header hdr;
    char *strings[4]; /* railcut_version, backend, scenario, profile_path */
    rc_kv *kv;
    size_t n_kv;
} rc_head_store;

/* Decoding fails with RC_ERR_FORMAT (a message without offset) when the text
 * is not the JSON the writer produces; unknown members are ignored. */
rc_status rc_head_decode(const char *text, size_t len, rc_head_store *out, rc_error *err);
void rc_head_store_free(rc_head_store *h);
rc_status rc_prof_decode(const char *text, size_t len, rc_profile **out, rc_error *err);

/* Checks what readers rely on: counts and indices in range, enums known. */
rc_status rc_prof_check(const rc_profile *p, rc_error *err);

/* ---- Writer core (writer.c), driven directly or by the thread (queue.c) ---- */

typedef struct rc_wcore rc_wcore;

rc_status rc_wcore_open(const char *path, const rc_trace_header *hdr, const rc_profile *profile,
                        const rc_trace_channel *ch, size_t n_ch, uint32_t block_samples,
                        rc_wcore **out, rc_error *err);
/* Samples must be the four standard channels; times already checked. */
rc_status rc_wcore_samples(rc_wcore *c, const rc_sample *s, size_t n, rc_error *err);
rc_status rc_wcore_columns(rc_wcore *c, int64_t t0_us, int64_t period_us, size_t n,
                           const void *const *cols, rc_error *err);
rc_status rc_wcore_event(rc_wcore *c, const rc_event *ev, rc_error *err);
rc_status rc_wcore_time_pair(rc_wcore *c, int64_t unix_us, int64_t device_us, rc_error *err);
rc_status rc_wcore_lost(rc_wcore *c, const rc_trace_gap *gap, rc_error *err);
rc_status rc_wcore_flush(rc_wcore *c, rc_error *err);
/* Writes pending summaries, INDX and END; closes and frees c. */
rc_status rc_wcore_close(rc_wcore *c, int64_t end_us, rc_error *err);
/* The last sample time written (INT64_MIN before any). */
int64_t rc_wcore_last_sample_us(const rc_wcore *c);
/* Bytes per value of each channel (sizes holds RC_TRACE_MAX_CHANNELS);
 * returns the channel count. */
size_t rc_wcore_sizes(const rc_wcore *c, size_t *sizes);
bool rc_wcore_standard(const rc_wcore *c);
/* Channels 4 .. n - 1 of a core whose first four are the standard ones are
 * filled by fn for every rc_sample written (rc_trace_writer_options). */
void rc_wcore_set_ref(rc_wcore *c, rc_trace_ref_fn fn, void *ctx);

/* Encodes an EVNT payload of n events into buf (capacity cap); returns its
 * length, or 0 when it does not fit. */
size_t rc_evnt_encode(const rc_event *ev, size_t n, uint8_t *buf, size_t cap);

#endif
