/*
 * episodes.c - outage episodes and AC Lost intervals of one run.
 *
 * Raw episodes are intervals in which the rail was below the outage
 * threshold, after it had first been seen up (the bench starts with the rail
 * cut, and a CH that was never powered has no outage). They come from the
 * exact rail_fall/rail_rise events, or, when the run has no crossing events
 * at all, from the samples with hysteresis. Merged episodes join raw ones
 * separated by a restoration strictly shorter than merge_gap_us.
 *
 * AC Lost is kept as a sorted list of disjoint half-open spans, from the
 * ac_lost_on/off events, or from the samples' ac_lost flag when the run has
 * no such events (a sample's flag holds until the next sample).
 *
 * Everything is built into growable arrays and handed to the rc_analysis
 * (episodes) or to the caller (AC spans). Samples are streamed, at most
 * twice: once to derive episodes or AC spans when events lack them, once for
 * each episode's lowest voltage.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"

typedef struct episode_list {
    rc_episode *v;
    size_t n, cap;
} episode_list;

typedef struct span_list {
    rc_span *v;
    size_t n, cap;
} span_list;

static bool episode_push(episode_list *l, int64_t start_us)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        rc_episode *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (rc_episode){.start_us = start_us, .end_us = start_us, .min_v = NAN};
    return true;
}

static bool span_push(span_list *l, int64_t start_us, int64_t end_us)
{
    if (end_us <= start_us)
        return true; /* an empty span covers nothing */
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        rc_span *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (rc_span){start_us, end_us};
    return true;
}

/* The rail state machine shared by the event and the sample paths. */
typedef struct rail_tracker {
    episode_list eps;
    bool seen_up; /* the rail was up at least once: outages count from here */
    bool down;    /* an episode is open */
} rail_tracker;

static bool rail_fall(rail_tracker *r, int64_t t_us)
{
    if (!r->seen_up || r->down)
        return true;
    r->down = true;
    return episode_push(&r->eps, t_us);
}

static void rail_rise(rail_tracker *r, int64_t t_us)
{
    r->seen_up = true;
    if (!r->down)
        return;
    r->down = false;
    r->eps.v[r->eps.n - 1].end_us = t_us;
}

static void rail_finish(rail_tracker *r, int64_t end_us)
{
    if (!r->down)
        return;
    rc_episode *e = &r->eps.v[r->eps.n - 1];
    e->end_us = end_us > e->start_us ? end_us : e->start_us;
    e->open = true;
}

typedef struct ac_tracker {
    span_list spans;
    bool on;
    int64_t since_us;
} ac_tracker;

static bool ac_set(ac_tracker *ac, bool on, int64_t t_us)
{
    if (on == ac->on)
        return true;
    ac->on = on;
    if (on) {
        ac->since_us = t_us;
        return true;
    }
    return span_push(&ac->spans, ac->since_us, t_us);
}

static bool has_kind(const rc_analysis_input *in, rc_event_kind a, rc_event_kind b)
{
    for (size_t i = 0; i < in->n_events; i++)
        if (in->events[i].kind == a || in->events[i].kind == b)
            return true;
    return false;
}

static bool episodes_from_events(const rc_analysis_input *in, rail_tracker *r)
{
    for (size_t i = 0; i < in->n_events; i++) {
        const rc_event *ev = &in->events[i];
        if (ev->kind == RC_EV_RAIL_FALL && !rail_fall(r, ev->t_us))
            return false;
        if (ev->kind == RC_EV_RAIL_RISE)
            rail_rise(r, ev->t_us);
    }
    return true;
}

static bool ac_from_events(const rc_analysis_input *in, ac_tracker *ac)
{
    for (size_t i = 0; i < in->n_events; i++) {
        const rc_event *ev = &in->events[i];
        if (ev->kind == RC_EV_AC_LOST_ON && !ac_set(ac, true, ev->t_us))
            return false;
        if (ev->kind == RC_EV_AC_LOST_OFF && !ac_set(ac, false, ev->t_us))
            return false;
    }
    return true;
}

/* Pass 1 over the samples: whatever the events did not give. */
typedef struct derive_pass {
    const rc_analysis_config *cfg;
    rail_tracker *rail; /* NULL when the events gave the episodes */
    ac_tracker *ac;     /* NULL when the events gave AC Lost */
    int64_t last_us;
    bool any;
    bool nomem;
    bool disorder;
} derive_pass;

static int derive_one(derive_pass *p, const rc_sample *s)
{
    if (p->any && s->t_us < p->last_us) {
        p->disorder = true;
        return 1;
    }
    p->any = true;
    p->last_us = s->t_us;
    if (p->rail) {
        double mv = (double)s->rail_v * 1000.0;
        if (mv >= (double)p->cfg->restore_above_mv)
            rail_rise(p->rail, s->t_us);
        else if (mv < (double)p->cfg->outage_below_mv && !rail_fall(p->rail, s->t_us))
            p->nomem = true;
    }
    if (p->ac && !ac_set(p->ac, s->ac_lost != 0, s->t_us))
        p->nomem = true;
    return p->nomem ? 1 : 0;
}

static int derive_batch(void *ctx, const rc_sample *s, size_t n)
{
    derive_pass *p = ctx;
    for (size_t i = 0; i < n; i++)
        if (derive_one(p, &s[i]))
            return 1;
    return 0;
}

static float min_ignoring_nan(float a, float b)
{
    if (isnan(a))
        return b;
    if (isnan(b))
        return a;
    return a < b ? a : b;
}

/* Pass 2: the lowest sampled voltage within each raw episode, ends included. */
typedef struct min_pass {
    rc_episode *eps;
    size_t n;
    size_t first; /* first episode that can still contain a later sample */
} min_pass;

static int min_batch(void *ctx, const rc_sample *s, size_t n)
{
    min_pass *p = ctx;
    for (size_t i = 0; i < n; i++) {
        int64_t t = s[i].t_us;
        while (p->first < p->n && p->eps[p->first].end_us < t)
            p->first++;
        /* Episodes may touch (a rise and a fall at the same microsecond). */
        for (size_t j = p->first; j < p->n && p->eps[j].start_us <= t; j++) {
            rc_episode *e = &p->eps[j];
            if (t <= e->end_us)
                e->min_v = min_ignoring_nan(e->min_v, s[i].rail_v);
        }
    }
    return 0;
}

int64_t rc_spans_overlap_us(const rc_span *spans, size_t n, int64_t start_us,
                            int64_t end_us)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t lo = spans[i].start_us > start_us ? spans[i].start_us : start_us;
        int64_t hi = spans[i].end_us < end_us ? spans[i].end_us : end_us;
        if (hi > lo)
            total += hi - lo;
    }
    return total;
}

int64_t rc_spans_longest_gap_us(const rc_span *spans, size_t n, int64_t start_us,
                                int64_t end_us)
{
    int64_t pos = start_us, best = 0;
    for (size_t i = 0; i < n && spans[i].start_us < end_us; i++) {
        if (spans[i].end_us <= pos)
            continue;
        if (spans[i].start_us - pos > best)
            best = spans[i].start_us - pos;
        pos = spans[i].end_us;
    }
    if (end_us - pos > best)
        best = end_us - pos;
    return best;
}

static rc_status merge_episodes(rc_analysis *a, int64_t merge_gap_us, rc_error *err)
{
    if (a->n_raw == 0)
        return RC_OK;
    a->merged = malloc(a->n_raw * sizeof *a->merged);
    if (!a->merged)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory merging episodes");
    a->merged[0] = a->raw[0];
    a->n_merged = 1;
    for (size_t i = 1; i < a->n_raw; i++) {
        rc_episode *cur = &a->merged[a->n_merged - 1];
        const rc_episode *next = &a->raw[i];
        if (next->start_us - cur->end_us < merge_gap_us) {
            cur->end_us = next->end_us;
            cur->open = next->open;
            cur->min_v = min_ignoring_nan(cur->min_v, next->min_v);
        } else {
            a->merged[a->n_merged++] = *next;
        }
    }
    return RC_OK;
}

static int64_t longest(const rc_episode *eps, size_t n)
{
    int64_t best = 0;
    for (size_t i = 0; i < n; i++)
        if (eps[i].end_us - eps[i].start_us > best)
            best = eps[i].end_us - eps[i].start_us;
    return best;
}

static rc_status read_pass(const rc_analysis_input *in, rc_sample_fn fn, void *ctx,
                           rc_error *err)
{
    rc_status st = in->read_samples(in->samples_ctx, fn, ctx, err);
    if (st != RC_OK)
        return rc_error_prefix(err, st, "reading samples");
    return RC_OK;
}

/* Fills the trackers from the events and, where the events say nothing, the samples. */
static rc_status collect(const rc_analysis_input *in, const rc_analysis_config *cfg,
                         rail_tracker *rail, ac_tracker *ac, bool *from_events,
                         rc_error *err)
{
    *from_events = has_kind(in, RC_EV_RAIL_FALL, RC_EV_RAIL_RISE);
    bool ac_events = has_kind(in, RC_EV_AC_LOST_ON, RC_EV_AC_LOST_OFF);
    if (*from_events && !episodes_from_events(in, rail))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory building episodes");
    if (ac_events && !ac_from_events(in, ac))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory building AC Lost spans");
    if (in->read_samples && (!*from_events || !ac_events)) {
        derive_pass p = {.cfg = cfg,
                         .rail = *from_events ? NULL : rail,
                         .ac = ac_events ? NULL : ac};
        rc_status st = read_pass(in, derive_batch, &p, err);
        if (st != RC_OK)
            return st;
        if (p.nomem)
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory building episodes");
        if (p.disorder)
            return rc_error_set(err, RC_ERR_FORMAT, "samples out of time order at %lld us",
                                (long long)p.last_us);
    }
    rail_finish(rail, in->end_us);
    if (ac->on && !span_push(&ac->spans, ac->since_us, in->end_us))
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory building AC Lost spans");
    return RC_OK;
}

static rc_status fill_episodes(const rc_analysis_input *in, const rc_analysis_config *cfg,
                               rc_analysis *a, const span_list *ac, rc_error *err)
{
    if (in->read_samples && a->n_raw > 0) {
        min_pass p = {.eps = a->raw, .n = a->n_raw};
        rc_status st = read_pass(in, min_batch, &p, err);
        if (st != RC_OK)
            return st;
    }
    for (size_t i = 0; i < a->n_raw; i++)
        a->raw[i].ac_lost_us =
            rc_spans_overlap_us(ac->v, ac->n, a->raw[i].start_us, a->raw[i].end_us);
    rc_status st = merge_episodes(a, cfg->merge_gap_us, err);
    if (st != RC_OK)
        return st;
    for (size_t i = 0; i < a->n_merged; i++)
        a->merged[i].ac_lost_us =
            rc_spans_overlap_us(ac->v, ac->n, a->merged[i].start_us, a->merged[i].end_us);
    a->max_outage_us = longest(a->raw, a->n_raw);
    a->max_merged_outage_us = longest(a->merged, a->n_merged);
    return RC_OK;
}

rc_status rc_episodes_build(const rc_analysis_input *in, const rc_analysis_config *cfg,
                            rc_analysis *a, rc_span **ac_out, size_t *n_ac, rc_error *err)
{
    assert(in && cfg && a && ac_out && n_ac);
    rail_tracker rail = {0};
    ac_tracker ac = {0};
    rc_status st = collect(in, cfg, &rail, &ac, &a->from_events, err);
    a->raw = rail.eps.v;
    a->n_raw = rail.eps.n;
    if (st == RC_OK)
        st = fill_episodes(in, cfg, a, &ac.spans, err);
    if (st != RC_OK) {
        free(ac.spans.v);
        return st;
    }
    *ac_out = ac.spans.v;
    *n_ac = ac.spans.n;
    return RC_OK;
}
