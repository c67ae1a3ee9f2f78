/*
 * reader_internal.h - the reader's state, shared by reader.c (open, walk,
 * index, follow), read.c (sample streaming) and summary.c (column
 * summaries).
 *
 * What an open trace keeps in memory: header, profile, channels, events
 * (recorded and annotated, merged), time pairs, gaps, one entry per sample
 * block (offset, times, first sample of the run's sample counter) and one
 * per summary chunk (offset, level, first entry). Sample and summary data
 * stay on disk and are re-read, and re-checked, when used.
 */
#ifndef RC_TRACE_READER_INTERNAL_H
#define RC_TRACE_READER_INTERNAL_H

#include <stdio.h>

#include "core/grow.h"
#include "trace/format.h"

#define RC_READ_BATCH 1024

typedef enum field { F_NONE, F_RAIL_V, F_RAIL_A, F_AC_LOST, F_CH_STATE } field;

typedef struct column {
    field field;
    rc_trace_channel def; /* strings owned */
    size_t size;          /* bytes per sample */
} column;

typedef struct samp_block {
    uint64_t offset; /* of the chunk header */
    uint32_t len;    /* payload length */
    int64_t t0_us;
    int64_t period_us;
    uint32_t count;
    int64_t last_us;
    uint64_t first; /* index of its first sample in the run */
    bool verified;  /* its CRC held when a read first loaded it */
} samp_block;

typedef struct summ_chunk {
    uint64_t offset;
    uint32_t len;
    uint64_t first; /* first entry */
    uint32_t count;
    bool verified;
} summ_chunk;

typedef struct summ_list {
    summ_chunk *chunks;
    size_t n, cap;
    uint64_t entries; /* entries 0 .. entries - 1 are on disk */
    size_t hint;      /* the chunk a summary last read */
} summ_list;

typedef struct time_pair {
    int64_t unix_us, device_us;
} time_pair;

/* One loaded chunk, kept to serve repeated reads of the same data. */
typedef struct chunk_cache {
    uint64_t offset; /* UINT64_MAX: empty */
    uint8_t *buf;
    size_t cap;
} chunk_cache;

struct rc_trace {
    FILE *f;
    char *path;
    unsigned flags;
    unsigned major, minor;
    rc_head_store head;
    rc_profile *profile;
    rc_trace_damage damage;
    bool truncated; /* the damage is a chunk cut short at the end of the file */
    rc_trace_stats stats;
    uint64_t tail;  /* offset after the last chunk taken in */
    uint64_t n_chunks_seen;
    /* events: recorded (time-ordered), annotated, and both merged */
    rc_event *rec;
    size_t n_rec, cap_rec;
    rc_event *ann;
    char **ann_src;
    size_t n_ann, cap_ann;
    rc_event *events;
    const char **event_src;
    size_t n_events;
    char **sources; /* owned annotation source strings */
    size_t n_sources;
    time_pair *pairs;
    size_t n_pairs, cap_pairs;
    rc_trace_gap *gaps;
    size_t n_gaps, cap_gaps;
    samp_block *blocks;
    size_t n_blocks, cap_blocks;
    uint64_t n_samples;
    column cols[RC_TRACE_MAX_CHANNELS];
    rc_trace_channel chan[RC_TRACE_MAX_CHANNELS];
    size_t n_cols;
    size_t sample_bytes; /* sum of column sizes; 0 until CHAN is read */
    bool have_head, have_prof, have_scal;
    summ_list summ[RC_TRACE_MAX_CHANNELS][RC_SUMM_LEVELS];
    uint8_t *buf; /* one chunk: header, payload, CRC (the walk's) */
    size_t buf_cap;
    chunk_cache block_cache;
    size_t summ_block_hint; /* the block a summary last folded samples of */
    chunk_cache summ_cache[RC_SUMM_LEVELS];
    rc_sample batch[RC_READ_BATCH];
};

bool rc_read_at(rc_trace *t, uint64_t offset, void *dst, size_t len);

/* Loads a whole chunk (header, payload, CRC) at offset into cache and
 * checks its type, length and CRC; the payload is cache->buf + 12. With
 * verified non-NULL the CRC is checked only while *verified is false, and
 * sets it: data chunks are checked the first time a read touches them, and
 * repeated views do not pay for it again. */
rc_status rc_load_chunk(rc_trace *t, chunk_cache *cache, uint64_t offset, uint32_t type,
                        uint32_t len, bool *verified, rc_error *err);

/* Index of the first sample at or after time_us in the run (n_samples if
 * none). */
uint64_t rc_sample_index_at(const rc_trace *t, int64_t time_us);
/* The block holding sample index i (i < n_samples). */
size_t rc_block_of_sample(const rc_trace *t, uint64_t i);
/* The same two, starting from a guess: a view's columns move forward a
 * block or so at a time, so the guess or the block after it is usually
 * right and the binary search is skipped. rc_sample_index_near updates
 * *hint to the block it found. */
uint64_t rc_sample_index_near(const rc_trace *t, size_t *hint, int64_t time_us);
size_t rc_block_of_sample_near(const rc_trace *t, size_t hint, uint64_t i);
/* Where channel ch's column starts in block b's SAMP payload. */
size_t rc_column_offset(const rc_trace *t, const samp_block *b, size_t ch);
/* A stored value as a number, before gain and offset. */
double rc_raw_value(unsigned storage, const uint8_t *v);

#endif
