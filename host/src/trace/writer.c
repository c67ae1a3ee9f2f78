/*
 * writer.c - the .rct trace writer's public side: argument checks, and the
 * optional writer thread with its bounded queue. Encoding is wcore.c's.
 *
 * Unthreaded, every call goes straight to the core. Threaded, the producer
 * (the run loop) copies each call into a slot of a fixed ring of slots
 * (slot_bytes each, n_slots of them: the queue bound) and the writer thread
 * takes slots in order and drives the core. The ring is allocated once, so
 * memory does not grow with the run. A producer that finds every slot taken
 * waits at most max_wait_us; what still does not fit is counted as lost
 * (times and counts), and the thread writes that as a LOST chunk, so an
 * overrun is visible in the trace and in rc_trace_writer_get_stats. The
 * thread flushes at least every flush_us of wall time and writes a
 * (UTC, device time) pair with each such flush.
 *
 * Times are checked here, on the producer's side, so a bad call fails at
 * once in both modes; I/O errors found by the thread are returned by the
 * next call.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "railcut/rig.h"
#include "trace/format.h"

#define SLOT_BYTES (64u * 1024u)
#define DEFAULT_MAX_WAIT_US 100000

typedef enum slot_kind { K_SAMPLES, K_COLUMNS, K_EVENTS, K_TIME, K_FLUSH } slot_kind;

typedef struct slot {
    slot_kind kind;
    size_t n;         /* samples or events */
    int64_t t0, period; /* K_COLUMNS; K_TIME: unix_us, device_us */
    uint8_t *data;
} slot;

struct rc_trace_writer {
    rc_wcore *core;
    char *path;
    size_t sizes[RC_TRACE_MAX_CHANNELS];
    size_t n_ch, sample_bytes;
    bool standard;
    bool any_sample, any_event;
    int64_t last_sample_us, last_event_us;

    bool threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work, room, flushed;
    slot *slots;
    size_t n_slots, slot_bytes, head, count;
    bool busy; /* the thread holds the slot before head */
    bool stop;
    uint64_t flush_req, flush_done;
    int64_t flush_us, max_wait_us;
    rc_status thread_status;
    rc_error thread_err;
    rc_trace_gap lost;
    bool lost_pending;
    rc_trace_writer_stats stats;
    void (*ref_free)(void *ctx); /* called when the writer is freed */
    void *ref_ctx;
};

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- The writer thread --------------------------------------------------------- */

static rc_status run_slot(rc_trace_writer *w, const slot *s, rc_error *err)
{
    switch (s->kind) {
    case K_SAMPLES: return rc_wcore_samples(w->core, (const rc_sample *)s->data, s->n, err);
    case K_COLUMNS: {
        const void *cols[RC_TRACE_MAX_CHANNELS];
        size_t at = 0;
        for (size_t i = 0; i < w->n_ch; i++) {
            cols[i] = s->data + at;
            at += s->n * w->sizes[i];
        }
        return rc_wcore_columns(w->core, s->t0, s->period, s->n, cols, err);
    }
    case K_EVENTS: {
        rc_status st = RC_OK;
        for (size_t i = 0; st == RC_OK && i < s->n; i++)
            st = rc_wcore_event(w->core, (const rc_event *)s->data + i, err);
        return st;
    }
    case K_TIME: return rc_wcore_time_pair(w->core, s->t0, s->period, err);
    case K_FLUSH: return rc_wcore_flush(w->core, err);
    }
    return RC_OK;
}

/* A periodic flush, with a time pair when samples have advanced. */
static rc_status timed_flush(rc_trace_writer *w, int64_t *paired_us, rc_error *err)
{
    int64_t dev = rc_wcore_last_sample_us(w->core);
    rc_status st = RC_OK;
    if (dev != INT64_MIN && dev != *paired_us) {
        st = rc_wcore_time_pair(w->core, clock_us(CLOCK_REALTIME), dev, err);
        *paired_us = dev;
    }
    return st == RC_OK ? rc_wcore_flush(w->core, err) : st;
}

static void thread_error(rc_trace_writer *w, rc_status st, const rc_error *err)
{
    if (st != RC_OK && w->thread_status == RC_OK) {
        w->thread_status = st;
        w->thread_err = *err;
    }
}

/* Takes the next piece of work (lock held; released while the core runs).
 * Once the core has failed, slots are still taken so producers never wait
 * on a dead writer. */
static void thread_step(rc_trace_writer *w)
{
    rc_error err;
    rc_status st = RC_OK;
    if (w->lost_pending) {
        rc_trace_gap g = w->lost;
        w->lost_pending = false;
        memset(&w->lost, 0, sizeof w->lost);
        w->stats.overruns++;
        pthread_mutex_unlock(&w->mu);
        if (w->thread_status == RC_OK)
            st = rc_wcore_lost(w->core, &g, &err);
        pthread_mutex_lock(&w->mu);
        thread_error(w, st, &err);
        return;
    }
    slot *s = &w->slots[w->head];
    w->head = (w->head + 1) % w->n_slots;
    w->count--;
    w->busy = true;
    pthread_mutex_unlock(&w->mu);
    if (w->thread_status == RC_OK)
        st = run_slot(w, s, &err);
    pthread_mutex_lock(&w->mu);
    thread_error(w, st, &err);
    w->busy = false;
    if (s->kind == K_FLUSH) {
        w->flush_done++;
        w->stats.flushes++;
        pthread_cond_broadcast(&w->flushed);
    }
    pthread_cond_broadcast(&w->room);
}

static void *writer_thread(void *arg)
{
    rc_trace_writer *w = arg;
    int64_t next_flush = clock_us(CLOCK_MONOTONIC) + w->flush_us, paired_us = INT64_MIN;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (clock_us(CLOCK_MONOTONIC) >= next_flush) {
            /* Due flushes come first, so a busy queue still reaches the disk. */
            pthread_mutex_unlock(&w->mu);
            rc_error err;
            rc_status st = w->thread_status == RC_OK ? timed_flush(w, &paired_us, &err) : RC_OK;
            pthread_mutex_lock(&w->mu);
            thread_error(w, st, &err);
            w->stats.flushes++;
            next_flush = clock_us(CLOCK_MONOTONIC) + w->flush_us;
        } else if (w->count || w->lost_pending) {
            thread_step(w);
        } else if (w->stop) {
            break;
        } else {
            struct timespec ts = {(time_t)(next_flush / 1000000),
                                  (long)(next_flush % 1000000) * 1000};
            pthread_cond_timedwait(&w->work, &w->mu, &ts);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- The producer's side of the queue -------------------------------------------- */

/* Waits (lock held) until a slot is free or the deadline passes (-1: no
 * deadline). Returns the free slot, or NULL on timeout. */
static slot *claim_slot(rc_trace_writer *w, int64_t deadline_us)
{
    while (w->count + (w->busy ? 1u : 0u) >= w->n_slots) {
        if (deadline_us < 0) {
            pthread_cond_wait(&w->room, &w->mu);
            continue;
        }
        struct timespec ts = {(time_t)(deadline_us / 1000000),
                              (long)(deadline_us % 1000000) * 1000};
        if (pthread_cond_timedwait(&w->room, &w->mu, &ts) == ETIMEDOUT &&
            w->count + (w->busy ? 1u : 0u) >= w->n_slots)
            return NULL;
    }
    slot *s = &w->slots[(w->head + w->count) % w->n_slots];
    s->n = 0;
    return s;
}

static void publish(rc_trace_writer *w)
{
    w->count++;
    size_t used = (w->count + (w->busy ? 1u : 0u)) * w->slot_bytes;
    if (used > w->stats.queue_peak_bytes)
        w->stats.queue_peak_bytes = used;
    pthread_cond_signal(&w->work);
}

static void record_lost(rc_trace_writer *w, int64_t from_us, int64_t to_us, uint64_t samples,
                        uint64_t events)
{
    if (!w->lost_pending || from_us < w->lost.from_us)
        w->lost.from_us = from_us;
    if (!w->lost_pending || to_us > w->lost.to_us)
        w->lost.to_us = to_us;
    w->lost.samples += samples;
    w->lost.events += events;
    w->lost_pending = true;
    w->stats.samples_lost += samples;
    w->stats.events_lost += events;
    pthread_cond_signal(&w->work);
}

/* The tail slot, when the thread has not taken it and it can take more. */
static slot *tail_slot(rc_trace_writer *w, slot_kind kind, size_t bytes)
{
    if (w->count == 0)
        return NULL;
    slot *s = &w->slots[(w->head + w->count - 1) % w->n_slots];
    size_t elem = kind == K_SAMPLES ? sizeof(rc_sample) : sizeof(rc_event);
    if (s->kind != kind || (s->n * elem) + bytes > w->slot_bytes)
        return NULL;
    return s;
}

static rc_status thread_failed(rc_trace_writer *w, rc_error *err)
{
    if (err)
        *err = w->thread_err;
    return w->thread_status;
}

/* Queues n samples or events (elem bytes each) of kind, splitting them over
 * slots; a part that finds no room in time is recorded as lost. */
static rc_status queue_items(rc_trace_writer *w, slot_kind kind, const void *items, size_t n,
                             size_t elem, rc_error *err)
{
    const uint8_t *p = items;
    int64_t deadline = clock_us(CLOCK_MONOTONIC) + w->max_wait_us;
    pthread_mutex_lock(&w->mu);
    rc_status st = w->thread_status;
    while (st == RC_OK && n > 0) {
        slot *s = tail_slot(w, kind, elem);
        bool fresh = s == NULL;
        if (fresh && !(s = claim_slot(w, deadline))) {
            const rc_sample *smp = (const rc_sample *)p;
            const rc_event *ev = (const rc_event *)p;
            if (kind == K_SAMPLES)
                record_lost(w, smp[0].t_us, smp[n - 1].t_us, n, 0);
            else
                record_lost(w, ev[0].t_us, ev[n - 1].t_us, 0, n);
            break;
        }
        if (fresh)
            s->kind = kind;
        size_t k = (w->slot_bytes - s->n * elem) / elem;
        k = k < n ? k : n;
        memcpy(s->data + s->n * elem, p, k * elem);
        s->n += k;
        p += k * elem;
        n -= k;
        if (fresh)
            publish(w);
        if (kind == K_SAMPLES)
            w->stats.samples += k;
        else
            w->stats.events += k;
    }
    if (st != RC_OK)
        thread_failed(w, err);
    pthread_mutex_unlock(&w->mu);
    return st;
}

static rc_status queue_columns(rc_trace_writer *w, int64_t t0, int64_t period, size_t n,
                               const void *const *cols, rc_error *err)
{
    int64_t deadline = clock_us(CLOCK_MONOTONIC) + w->max_wait_us;
    size_t per_slot = w->slot_bytes / w->sample_bytes, at = 0;
    pthread_mutex_lock(&w->mu);
    rc_status st = w->thread_status;
    while (st == RC_OK && at < n) {
        slot *s = claim_slot(w, deadline);
        if (!s) {
            record_lost(w, t0 + (int64_t)at * period, t0 + (int64_t)(n - 1) * period, n - at, 0);
            break;
        }
        size_t k = n - at < per_slot ? n - at : per_slot, off = 0;
        *s = (slot){K_COLUMNS, k, t0 + (int64_t)at * period, period, s->data};
        for (size_t i = 0; i < w->n_ch; i++) {
            memcpy(s->data + off, (const uint8_t *)cols[i] + at * w->sizes[i], k * w->sizes[i]);
            off += k * w->sizes[i];
        }
        publish(w);
        w->stats.samples += k;
        at += k;
    }
    if (st != RC_OK)
        thread_failed(w, err);
    pthread_mutex_unlock(&w->mu);
    return st;
}

/* Queues a flush or a time pair and, for a flush, waits until it is done. */
static rc_status queue_control(rc_trace_writer *w, slot_kind kind, int64_t a, int64_t b,
                               rc_error *err)
{
    pthread_mutex_lock(&w->mu);
    slot *s = claim_slot(w, -1);
    *s = (slot){kind, 0, a, b, s->data};
    publish(w);
    uint64_t ticket = kind == K_FLUSH ? ++w->flush_req : 0;
    while (kind == K_FLUSH && w->flush_done < ticket && w->thread_status == RC_OK)
        pthread_cond_wait(&w->flushed, &w->mu);
    rc_status st = w->thread_status;
    if (st != RC_OK)
        thread_failed(w, err);
    pthread_mutex_unlock(&w->mu);
    return st;
}

/* ---- Opening ------------------------------------------------------------------------ */

/* The standard channels followed by the reference channels, into chans. */
static rc_status with_refs(const rc_trace_writer_options *o, rc_trace_channel *chans,
                           rc_error *err)
{
    static const rc_trace_channel standard[RC_TRACE_CHANNELS] = {
        {"rail_v", "V", RC_TRACE_STORE_F32, 1, 0},
        {"rail_a", "A", RC_TRACE_STORE_F32, 1, 0},
        {"ac_lost", "bool", RC_TRACE_STORE_U8, 1, 0},
        {"ch_state", "enum", RC_TRACE_STORE_U8, 1, 0},
    };
    if (o->channels || !o->ref_fn || !o->ref_channels ||
        o->n_ref_channels > RC_TRACE_MAX_CHANNELS - RC_TRACE_CHANNELS)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace writer: reference channels need the standard channels, a "
                            "function and at most %d of them",
                            RC_TRACE_MAX_CHANNELS - RC_TRACE_CHANNELS);
    memcpy(chans, standard, sizeof standard);
    for (size_t i = 0; i < o->n_ref_channels; i++) {
        if (o->ref_channels[i].storage != RC_TRACE_STORE_F32)
            return rc_error_set(err, RC_ERR_ARG,
                                "trace writer: reference channel %zu must be float32", i);
        chans[RC_TRACE_CHANNELS + i] = o->ref_channels[i];
    }
    return RC_OK;
}

static void writer_free(rc_trace_writer *w)
{
    if (w->ref_free)
        w->ref_free(w->ref_ctx);
    for (size_t i = 0; w->slots && i < w->n_slots; i++)
        free(w->slots[i].data);
    free(w->slots);
    free(w->path);
    free(w);
}

static rc_status start_thread(rc_trace_writer *w, const rc_trace_writer_options *o,
                              rc_error *err)
{
    size_t bound = o->queue_bytes ? o->queue_bytes : RC_TRACE_QUEUE_BYTES;
    w->slot_bytes = bound / 4 < SLOT_BYTES ? bound / 4 : SLOT_BYTES;
    if (w->slot_bytes < w->sample_bytes || w->slot_bytes < sizeof(rc_sample) ||
        w->slot_bytes < sizeof(rc_event))
        return rc_error_set(err, RC_ERR_ARG, "trace writer: queue of %zu bytes is too small",
                            bound);
    w->n_slots = bound / w->slot_bytes;
    w->flush_us = o->flush_us > 0 ? o->flush_us : RC_TRACE_FLUSH_US;
    w->max_wait_us = o->max_wait_us > 0 ? o->max_wait_us : DEFAULT_MAX_WAIT_US;
    w->stats.queue_bytes = w->n_slots * w->slot_bytes;
    w->slots = calloc(w->n_slots, sizeof *w->slots);
    for (size_t i = 0; w->slots && i < w->n_slots; i++)
        if (!(w->slots[i].data = malloc(w->slot_bytes)))
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (!w->slots)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, &ca);
    pthread_cond_init(&w->room, &ca);
    pthread_cond_init(&w->flushed, &ca);
    pthread_condattr_destroy(&ca);
    w->threaded = true;
    if (pthread_create(&w->thread, NULL, writer_thread, w) != 0) {
        w->threaded = false;
        return rc_error_set(err, RC_ERR_NOMEM, "trace writer: cannot start its thread");
    }
    return RC_OK;
}

rc_status rc_trace_writer_open_ex(const char *path, const rc_trace_header *hdr,
                                  const rc_profile *profile,
                                  const rc_trace_writer_options *opt, rc_trace_writer **out,
                                  rc_error *err)
{
    static const rc_trace_writer_options defaults;
    const rc_trace_writer_options *o = opt ? opt : &defaults;
    *out = NULL;
    rc_trace_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path ? path : ""))) {
        free(w);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    rc_trace_channel chans[RC_TRACE_MAX_CHANNELS];
    const rc_trace_channel *ch = o->channels;
    size_t n_ch = o->n_channels;
    rc_status st = o->n_ref_channels ? with_refs(o, chans, err) : RC_OK;
    if (st == RC_OK && o->n_ref_channels) {
        ch = chans;
        n_ch = RC_TRACE_CHANNELS + o->n_ref_channels;
    }
    if (st == RC_OK)
        st = rc_wcore_open(path, hdr, profile, ch, n_ch, o->block_samples, &w->core, err);
    if (st == RC_OK && o->n_ref_channels) {
        rc_wcore_set_ref(w->core, o->ref_fn, o->ref_ctx);
        w->ref_free = o->ref_free;
        w->ref_ctx = o->ref_ctx;
    }
    if (st == RC_OK) {
        w->n_ch = rc_wcore_sizes(w->core, w->sizes);
        for (size_t i = 0; i < w->n_ch; i++)
            w->sample_bytes += w->sizes[i];
        w->standard = rc_wcore_standard(w->core);
        if (o->threaded)
            st = start_thread(w, o, err);
    }
    if (st != RC_OK) {
        if (w->core) {
            rc_error ignored;
            rc_wcore_close(w->core, 0, &ignored);
        }
        w->ref_free = NULL;
        writer_free(w);
        if (o->ref_free)
            o->ref_free(o->ref_ctx);
        return st;
    }
    *out = w;
    return RC_OK;
}

rc_status rc_trace_writer_open(const char *path, const rc_trace_header *hdr,
                               const rc_profile *profile, rc_trace_writer **out, rc_error *err)
{
    return rc_trace_writer_open_ex(path, hdr, profile, NULL, out, err);
}

/* ---- Writing ------------------------------------------------------------------------ */

rc_status rc_trace_write_samples(rc_trace_writer *w, const rc_sample *s, size_t n,
                                 rc_error *err)
{
    if (!w->standard)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace writer: rc_sample needs the standard channels; use columns");
    for (size_t i = 0; i < n; i++) {
        if ((w->any_sample || i > 0) && s[i].t_us <= (i ? s[i - 1].t_us : w->last_sample_us))
            return rc_error_set(err, RC_ERR_ARG,
                                "trace writer: sample at %lld us does not follow %lld us",
                                (long long)s[i].t_us,
                                (long long)(i ? s[i - 1].t_us : w->last_sample_us));
    }
    if (n == 0)
        return RC_OK;
    w->any_sample = true;
    w->last_sample_us = s[n - 1].t_us;
    if (w->threaded)
        return queue_items(w, K_SAMPLES, s, n, sizeof *s, err);
    w->stats.samples += n;
    return rc_wcore_samples(w->core, s, n, err);
}

rc_status rc_trace_write_columns(rc_trace_writer *w, int64_t t0_us, int64_t period_us, size_t n,
                                 const void *const *columns, rc_error *err)
{
    if (n == 0)
        return RC_OK;
    int64_t span, last;
    if ((n > 1 && period_us <= 0) ||
        __builtin_mul_overflow(n > 1 ? period_us : 0, (int64_t)(n - 1), &span) ||
        __builtin_add_overflow(t0_us, span, &last))
        return rc_error_set(err, RC_ERR_ARG, "trace writer: bad period %lld us for %zu samples",
                            (long long)period_us, n);
    if (w->any_sample && t0_us <= w->last_sample_us)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace writer: sample at %lld us does not follow %lld us",
                            (long long)t0_us, (long long)w->last_sample_us);
    w->any_sample = true;
    w->last_sample_us = last;
    if (w->threaded)
        return queue_columns(w, t0_us, period_us, n, columns, err);
    w->stats.samples += n;
    return rc_wcore_columns(w->core, t0_us, period_us, n, columns, err);
}

rc_status rc_trace_write_event(rc_trace_writer *w, const rc_event *ev, rc_error *err)
{
    if (w->any_event && ev->t_us < w->last_event_us)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace writer: event at %lld us is earlier than %lld us",
                            (long long)ev->t_us, (long long)w->last_event_us);
    w->any_event = true;
    w->last_event_us = ev->t_us;
    if (w->threaded)
        return queue_items(w, K_EVENTS, ev, 1, sizeof *ev, err);
    w->stats.events++;
    return rc_wcore_event(w->core, ev, err);
}

rc_status rc_trace_write_time_pair(rc_trace_writer *w, int64_t unix_us, int64_t device_us,
                                   rc_error *err)
{
    if (w->threaded)
        return queue_control(w, K_TIME, unix_us, device_us, err);
    return rc_wcore_time_pair(w->core, unix_us, device_us, err);
}

rc_status rc_trace_writer_flush(rc_trace_writer *w, rc_error *err)
{
    if (w->threaded)
        return queue_control(w, K_FLUSH, 0, 0, err);
    w->stats.flushes++;
    return rc_wcore_flush(w->core, err);
}

void rc_trace_writer_get_stats(rc_trace_writer *w, rc_trace_writer_stats *out)
{
    if (w->threaded)
        pthread_mutex_lock(&w->mu);
    *out = w->stats;
    if (w->threaded)
        pthread_mutex_unlock(&w->mu);
}

rc_status rc_trace_writer_close(rc_trace_writer *w, int64_t end_us, rc_error *err)
{
    rc_status st = RC_OK;
    if (w->threaded) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->work);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        st = w->thread_status;
        if (st != RC_OK)
            *err = w->thread_err;
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->room);
        pthread_cond_destroy(&w->flushed);
    }
    if (st == RC_OK && w->lost_pending) {
        w->stats.overruns++;
        st = rc_wcore_lost(w->core, &w->lost, err);
    }
    rc_error cerr;
    rc_status cst = rc_wcore_close(w->core, end_us, &cerr);
    if (st == RC_OK && cst != RC_OK) {
        st = cst;
        *err = cerr;
    }
    writer_free(w);
    return st;
}

/* ---- Sink adapter ------------------------------------------------------------------- */

static rc_status sink_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    return rc_trace_write_samples(ctx, s, n, err);
}

static rc_status sink_event(void *ctx, const rc_event *ev, rc_error *err)
{
    return rc_trace_write_event(ctx, ev, err);
}

void rc_trace_writer_sink(rc_trace_writer *w, struct rc_sink *sink)
{
    sink->ctx = w;
    sink->on_samples = sink_samples;
    sink->on_event = sink_event;
}
