/*
 * measure.c - what one probe's trace says: the measured value and the
 * response that the characterisation modes work with.
 *
 * Everything is read from the trace and its analysis, never from the
 * backend, so a probe on hardware is measured like one on sim. The probe
 * profile places the mark "probe" just before the part under test; only
 * episodes, alerts and CH events from that mark on count (the power-up
 * before it is not part of the probe). Episodes are the analyzer's raw
 * episodes (rail below the outage threshold until it is back at the restore
 * threshold), so lengths are measured at the rail as the MP102A checks
 * measure them.
 */
#include <math.h>
#include <string.h>

#include "characterize/char_internal.h"

typedef struct probe_view {
    int64_t mark_us;
    const rc_event *ev;
    size_t n_ev;
    const rc_episode *ep; /* raw episodes from the mark on */
    size_t n_ep;
    const rc_ad1 *ad1; /* AD1s from the mark on */
    size_t n_ad1;
} probe_view;

static bool find_mark(const rc_event *ev, size_t n, int64_t *t_us)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == RC_EV_MARK && strcmp(ev[i].text, "probe") == 0) {
            *t_us = ev[i].t_us;
            return true;
        }
    return false;
}

/* First event of a kind at or after t_us; NULL if none. */
static const rc_event *event_after(const probe_view *v, rc_event_kind kind, int64_t t_us)
{
    for (size_t i = 0; i < v->n_ev; i++)
        if (v->ev[i].kind == kind && v->ev[i].t_us >= t_us)
            return &v->ev[i];
    return NULL;
}

static void make_view(rc_trace *t, const rc_analysis *a, int64_t mark_us, probe_view *v)
{
    v->mark_us = mark_us;
    v->ev = rc_trace_get_events(t, &v->n_ev);
    size_t i = 0;
    while (i < a->n_raw && a->raw[i].start_us < mark_us)
        i++;
    v->ep = a->raw ? a->raw + i : NULL; /* no episodes: no array to point into */
    v->n_ep = a->n_raw - i;
    size_t j = 0;
    while (j < a->n_ad1 && a->ad1[j].t_us < mark_us)
        j++;
    v->ad1 = a->ad1 ? a->ad1 + j : NULL;
    v->n_ad1 = a->n_ad1 - j;
}

/* One cut: its outage length; response as the mode asks. */
static void measure_cut(const probe_view *v, bool rebooted, rc_char_probe *p)
{
    if (v->n_ep == 0 || v->ep[0].open)
        return;
    p->valid = true;
    p->value = v->ep[0].end_us - v->ep[0].start_us;
    p->response = rebooted ? event_after(v, RC_EV_CH_DOWN, v->mark_us) != NULL : v->n_ad1 > 0;
}

/* Two cuts: the restore between them, as the rail saw it (0 when the rail
 * never got back to the restore threshold); response: the timer was reset,
 * that is no AD1. */
static void measure_restore(const probe_view *v, rc_char_probe *p)
{
    if (v->n_ep == 0)
        return;
    p->valid = true;
    p->value = v->n_ep >= 2 ? v->ep[1].start_us - v->ep[0].end_us : 0;
    p->response = v->n_ad1 == 0;
}

/* AD1 during the outage: from the 180 s mark of the episode; after it: from
 * the CH's ready after the restore (from the restore if it never got ready). */
static void measure_latency(const probe_view *v, int64_t limit_us, rc_char_probe *p)
{
    if (v->n_ep == 0 || v->n_ad1 == 0)
        return;
    const rc_episode *ep = &v->ep[0];
    int64_t t = v->ad1[0].t_us;
    p->valid = true;
    p->response = t <= ep->end_us;
    if (p->response) {
        p->value = t - (ep->start_us + limit_us);
        return;
    }
    const rc_event *ready = event_after(v, RC_EV_CH_READY, ep->end_us);
    p->value = t - (ready && ready->t_us <= t ? ready->t_us : ep->end_us);
}

typedef struct interp {
    int64_t t_us;
    rc_sample before, after;
    bool have_before, have_after;
} interp;

static int on_samples(void *ctx, const rc_sample *s, size_t n)
{
    interp *ip = ctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i].t_us <= ip->t_us) {
            ip->before = s[i];
            ip->have_before = true;
        } else {
            ip->after = s[i];
            ip->have_after = true;
            return 1;
        }
    }
    return 0;
}

/* Rail voltage at t_us in mV, interpolated between the samples around it. */
static rc_status rail_mv_at(rc_trace *t, int64_t t_us, int64_t period_us, int64_t *mv,
                            bool *found, rc_error *err)
{
    interp ip = {.t_us = t_us};
    rc_status st =
        rc_trace_read_samples(t, t_us - 2 * period_us, t_us + 2 * period_us + 1, on_samples, &ip,
                              err);
    *found = st == RC_OK && ip.have_before;
    if (!*found)
        return st;
    double v = ip.before.rail_v;
    if (ip.have_after && ip.after.t_us > ip.before.t_us) {
        double f = (double)(t_us - ip.before.t_us) / (double)(ip.after.t_us - ip.before.t_us);
        v += f * (ip.after.rail_v - ip.before.rail_v);
    }
    *mv = llround(v * 1000.0);
    return RC_OK;
}

/* Rail voltage when the CH lost its input, and when it booted again. */
static rc_status measure_uvlo(rc_trace *t, const probe_view *v, rc_char_probe *p,
                              rc_error *err)
{
    const rc_event *lost = event_after(v, RC_EV_CH_POWER_LOST, v->mark_us);
    const rc_event *boot = lost ? event_after(v, RC_EV_CH_BOOT, lost->t_us) : NULL;
    if (!boot)
        return RC_OK;
    uint32_t rate = rc_trace_get_header(t)->sample_rate_hz;
    int64_t period_us = rate ? 1000000 / rate : 1000000;
    bool found_lost, found_boot;
    rc_status st = rail_mv_at(t, lost->t_us, period_us, &p->value, &found_lost, err);
    if (st == RC_OK)
        st = rail_mv_at(t, boot->t_us, period_us, &p->value2, &found_boot, err);
    p->valid = st == RC_OK && found_lost && found_boot;
    return st;
}

rc_status rc_char_measure(const rc_char_config *cfg, rc_trace *t, const rc_analysis *a,
                          rc_char_probe *p, rc_error *err)
{
    size_t n_ev;
    const rc_event *ev = rc_trace_get_events(t, &n_ev);
    int64_t mark_us;
    p->valid = false;
    if (!find_mark(ev, n_ev, &mark_us))
        return RC_OK;
    probe_view v;
    make_view(t, a, mark_us, &v);
    switch (cfg->mode) {
    case RC_CHAR_AD1_THRESHOLD: measure_cut(&v, false, p); break;
    case RC_CHAR_HOLDUP: measure_cut(&v, true, p); break;
    case RC_CHAR_RESTORE_RESET: measure_restore(&v, p); break;
    case RC_CHAR_AD1_LATENCY: measure_latency(&v, cfg->analysis.limit_us, p); break;
    case RC_CHAR_UVLO: return measure_uvlo(t, &v, p, err);
    }
    return RC_OK;
}
