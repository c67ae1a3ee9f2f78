/*
 * repair.c - rc_trace_repair: a damaged trace rewritten as a clean one.
 *
 * The input is opened with a verifying walk, so everything taken from it
 * passed its CRC and checks. The output is written by the writer core from
 * scratch: same header, profile and channels; every sample block (decoded
 * from storage to native columns and written again, so summaries and the
 * index are rebuilt); recorded events, time pairs and gaps; then a note
 * event saying where the input was lost; END (the input's end time when its
 * END was read, else the last time read); and the annotations, one ANNO
 * chunk per source.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/reader_internal.h"

/* Decodes block b's columns into native arrays in cols (one allocation). */
static rc_status decode_block(rc_trace *t, const samp_block *b, uint8_t **mem,
                              const void **cols, rc_error *err)
{
    rc_status st = rc_load_chunk(t, &t->block_cache, b->offset, RC_CHUNK_SAMP, b->len, NULL, err);
    if (st != RC_OK)
        return st;
    const uint8_t *src = t->block_cache.buf + RC_TRACE_CHUNK_HEADER_LEN + RC_SAMP_HEADER_LEN;
    uint8_t *dst = realloc(*mem, (size_t)b->count * t->sample_bytes);
    if (!dst)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    *mem = dst;
    for (size_t c = 0; c < t->n_cols; c++) {
        const column *k = &t->cols[c];
        cols[c] = dst;
        for (uint32_t i = 0; i < b->count; i++, src += k->size) {
            if (k->size == 4)
                ((float *)dst)[i] = rc_get_f32(src);
            else if (k->size == 2)
                ((int16_t *)dst)[i] = (int16_t)rc_get_u16(src);
            else
                dst[i] = *src;
        }
        dst += (size_t)b->count * k->size;
    }
    return RC_OK;
}

static rc_status copy_samples(rc_trace *t, rc_wcore *w, rc_error *err)
{
    uint8_t *mem = NULL;
    const void *cols[RC_TRACE_MAX_CHANNELS];
    rc_status st = RC_OK;
    for (size_t i = 0; st == RC_OK && i < t->n_blocks; i++) {
        const samp_block *b = &t->blocks[i];
        st = decode_block(t, b, &mem, cols, err);
        if (st == RC_OK)
            st = rc_wcore_columns(w, b->t0_us, b->period_us, b->count, cols, err);
    }
    free(mem);
    return st;
}

static rc_status copy_rest(rc_trace *t, rc_wcore *w, rc_error *err)
{
    rc_status st = RC_OK;
    for (size_t i = 0; st == RC_OK && i < t->n_rec; i++)
        st = rc_wcore_event(w, &t->rec[i], err);
    for (size_t i = 0; st == RC_OK && i < t->n_pairs; i++)
        st = rc_wcore_time_pair(w, t->pairs[i].unix_us, t->pairs[i].device_us, err);
    for (size_t i = 0; st == RC_OK && i < t->n_gaps; i++)
        st = rc_wcore_lost(w, &t->gaps[i], err);
    if (st == RC_OK && t->damage.damaged) {
        rc_event note;
        int64_t at = t->n_rec && t->rec[t->n_rec - 1].t_us > t->stats.last_us
                         ? t->rec[t->n_rec - 1].t_us
                         : t->stats.last_us;
        char text[RC_EVENT_TEXT_MAX];
        snprintf(text, sizeof text, "repair: lost from byte %llu",
                 (unsigned long long)t->damage.offset);
        rc_event_init(&note, at, RC_EV_NOTE, 0, text);
        st = rc_wcore_event(w, &note, err);
    }
    return st;
}

/* One ANNO chunk per source, events in time order within it. */
static rc_status copy_annotations(rc_trace *t, const char *out_path, rc_error *err)
{
    rc_event *ev = malloc((t->n_ann ? t->n_ann : 1) * sizeof *ev);
    if (!ev)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = RC_OK;
    for (size_t s = 0; st == RC_OK && s < t->n_sources; s++) {
        size_t n = 0;
        for (size_t i = 0; i < t->n_events; i++)
            if (t->event_src[i] == t->sources[s])
                ev[n++] = t->events[i];
        for (size_t at = 0; st == RC_OK && at < n; at += RC_TRACE_EVNT_BLOCK) {
            size_t k = n - at < RC_TRACE_EVNT_BLOCK ? n - at : RC_TRACE_EVNT_BLOCK;
            st = rc_trace_annotate(out_path, ev + at, k, t->sources[s], err);
        }
    }
    free(ev);
    return st;
}

static rc_status rewrite(rc_trace *t, const char *out_path, rc_error *err)
{
    rc_wcore *w;
    rc_status st = rc_wcore_open(out_path, &t->head.hdr, t->profile, t->n_cols ? t->chan : NULL,
                                 t->n_cols, 0, &w, err);
    if (st != RC_OK)
        return st;
    st = copy_samples(t, w, err);
    if (st == RC_OK)
        st = copy_rest(t, w, err);
    rc_error cerr;
    int64_t end_us = t->stats.complete ? t->stats.end_us : t->stats.last_us;
    rc_status cst = rc_wcore_close(w, end_us, &cerr);
    if (st == RC_OK && cst != RC_OK) {
        *err = cerr;
        st = cst;
    }
    return st == RC_OK ? copy_annotations(t, out_path, err) : st;
}

rc_status rc_trace_repair(const char *in_path, const char *out_path,
                          rc_trace_repair_report *rep, rc_error *err)
{
    if (!in_path || !out_path || strcmp(in_path, out_path) == 0)
        return rc_error_set(err, RC_ERR_ARG, "repair: the output must be a different file");
    rc_trace *t;
    rc_status st = rc_trace_open(in_path, &t, err);
    if (st != RC_OK)
        return st;
    rc_trace_repair_report r = {
        .was_damaged = t->damage.damaged,
        .was_complete = t->stats.complete,
        .lost_offset = t->damage.damaged ? t->damage.offset : t->stats.file_bytes,
        .lost_bytes = t->damage.damaged ? t->stats.file_bytes - t->damage.offset : 0,
        .samples = t->stats.samples,
        .events = t->n_events,
    };
    st = rewrite(t, out_path, err);
    rc_trace_close(t);
    if (st == RC_OK && rep)
        *rep = r;
    return st;
}
