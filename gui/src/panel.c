/*
 * panel.c - the status panel: the state of the run at one instant (cursor A
 * when placed, else the newest data in view): rail volts and amps, the
 * profile segment, the outage clock counting toward 180 s, AD1 count and
 * latency from the start of its outage, the checks as judged so far, and the
 * backend's link counters where a backend has them.
 *
 * The panel is laid out top-down with a running y; each section draws a
 * heading and its lines and advances y.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dash.h"
#include "railcut/analyze.h"

typedef struct pen {
    dash_app *app;
    int x, y, w;
} pen;

static void heading(pen *p, const char *title)
{
    const dash_layout *l = &p->app->layout;
    p->y += l->pad;
    dash_colour(p->app->r, DASH_C_GRID);
    SDL_RenderDrawLine(p->app->r, p->x, p->y, p->x + p->w, p->y);
    p->y += l->pad / 2;
    dash_text_draw(p->app->text, DASH_SMALL, p->x, p->y, DASH_C_DIM, DASH_LEFT, title);
    p->y += dash_text_height(p->app->text, DASH_SMALL) + l->pad / 4;
}

static void line(pen *p, dash_font f, SDL_Color c, const char *s)
{
    dash_text_draw(p->app->text, f, p->x, p->y, c, DASH_LEFT, s);
    p->y += dash_text_height(p->app->text, f);
}

/* Word-wraps s into at most max_lines lines of the panel's width. */
static void wrapped(pen *p, dash_font f, SDL_Color c, const char *s, int max_lines)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    char *rest = buf;
    for (int n = 0; n < max_lines && *rest; n++) {
        size_t len = strlen(rest), cut = dash_text_fit(p->app->text, f, rest, p->w);
        if (cut < len) {
            /* break at the last space that fits; a word longer than a line is cut */
            size_t sp = cut;
            while (sp > 0 && rest[sp] != ' ')
                sp--;
            cut = sp > 0 ? sp : cut > 0 ? cut : 1;
        }
        char save = rest[cut];
        rest[cut] = '\0';
        line(p, f, c, rest);
        rest[cut] = save;
        rest += cut;
        while (*rest == ' ')
            rest++;
    }
}

/* What the sections that need the analysis show before it has finished. */
static void pending(pen *p)
{
    const dash_trace *dt = &p->app->main;
    if (dt->analysis_error[0])
        wrapped(p, DASH_SMALL, DASH_C_FAIL, dt->analysis_error, 3);
    else
        line(p, DASH_NORMAL, DASH_C_DIM, "analysing the trace\xe2\x80\xa6");
}

int64_t dash_panel_time(const dash_app *app)
{
    if (app->view.cursor_set[0])
        return app->view.cursor_us[0];
    int64_t end = dash_trace_end_us(&app->main);
    int64_t right = app->view.t0_us + app->view.span_us;
    return right < end ? right : end;
}

static void section_rail(pen *p, int64_t t_us)
{
    dash_app *app = p->app;
    char ts[48], utc[48];
    dash_format_s(ts, sizeof ts, t_us);
    dash_format_utc(utc, sizeof utc, rc_trace_device_to_utc(app->main.t, t_us), false);
    heading(p, app->view.cursor_set[0] ? "AT CURSOR A" : app->live ? "NOW" : "AT RIGHT EDGE");
    char buf[128];
    snprintf(buf, sizeof buf, "%s   %s UTC", ts, utc);
    line(p, DASH_MONO, DASH_C_TEXT, buf);
    rc_sample s;
    bool found = false;
    rc_error err;
    dash_trace_sample_at(&app->main, t_us, &s, &found, &err);
    int y = p->y + app->layout.pad / 4;
    if (found) {
        int w = dash_text_drawf(app->text, DASH_LARGE, p->x, y, DASH_C_VOLTS, DASH_LEFT,
                                "%.3f V", s.rail_v);
        dash_text_drawf(app->text, DASH_LARGE, p->x + w + 3 * app->layout.pad, y, DASH_C_AMPS,
                        DASH_LEFT, "%.3f A", s.rail_a);
        p->y = y + dash_text_height(app->text, DASH_LARGE);
        snprintf(buf, sizeof buf, "CH %s%s", rc_ch_state_name((rc_ch_state)s.ch_state),
                 s.ac_lost ? "   AC Lost" : "");
        line(p, DASH_NORMAL, DASH_C_TEXT, buf);
    } else {
        line(p, DASH_NORMAL, DASH_C_DIM, "no sample here");
    }
}

static void section_segment(pen *p, int64_t t_us)
{
    const dash_trace *dt = &p->app->main;
    const rc_profile *prof = dt->profile;
    heading(p, "PROFILE SEGMENT");
    long idx = -1;
    for (size_t i = 0; i < dt->n_events && dt->events[i].t_us <= t_us; i++)
        if (dt->events[i].kind == RC_EV_SEGMENT)
            idx = dt->events[i].value;
    if (idx < 0 || (size_t)idx >= prof->n_segs) {
        line(p, DASH_NORMAL, DASH_C_DIM, prof->n_segs ? "before the first segment" : "no profile");
        return;
    }
    const rc_segment *sg = &prof->segs[idx];
    char buf[160], dur[48];
    dash_format_s(dur, sizeof dur, sg->duration_us);
    snprintf(buf, sizeof buf, "%ld of %zu: %s %s%s%s", idx + 1, prof->n_segs,
             rc_seg_kind_name(sg->kind), sg->kind == RC_SEG_WAIT ? rc_wait_on_name(sg->wait_on) : "",
             sg->kind == RC_SEG_WAIT ? ", timeout " : " ", dur);
    line(p, DASH_NORMAL, DASH_C_TEXT, buf);
    int n = snprintf(buf, sizeof buf, "rail %s at %.2f V%s", sg->rail_on ? "on" : "cut",
                     sg->to_mv / 1000.0, sg->ac_lost ? ", AC Lost" : "");
    if (sg->line > 0) /* line 0: added by the compiler (the observation window) */
        snprintf(buf + n, sizeof buf - (size_t)n, ", line %d", sg->line);
    line(p, DASH_SMALL, DASH_C_DIM, buf);
}

static const rc_episode *episode_at(const rc_analysis *a, int64_t t_us)
{
    for (size_t i = 0; i < a->n_raw; i++)
        if (a->raw[i].start_us <= t_us && (t_us < a->raw[i].end_us || a->raw[i].open))
            return &a->raw[i];
    return NULL;
}

static void clock_bar(pen *p, int64_t elapsed_us)
{
    const dash_layout *l = &p->app->layout;
    SDL_Rect bar = {p->x, p->y + l->pad / 4, p->w, l->pad + 2};
    dash_fill(p->app->r, &bar, DASH_C_PLOT_BG);
    double f = (double)elapsed_us / (double)RC_MP102A_LIMIT_US;
    SDL_Rect fill = bar;
    fill.w = (int)lround((f > 1 ? 1 : f) * bar.w);
    dash_fill(p->app->r, &fill, f > 1 ? DASH_C_FAIL : f > 0.9 ? DASH_C_MARGINAL : DASH_C_VOLTS);
    p->y = bar.y + bar.h + l->pad / 4;
}

static void section_outage(pen *p, int64_t t_us)
{
    const rc_analysis *a = p->app->main.analysis;
    heading(p, "OUTAGE CLOCK (MP102A: MORE THAN 180 s)");
    if (!a) {
        pending(p);
        return;
    }
    const rc_episode *ep = episode_at(a, t_us);
    char buf[128], d[48];
    if (ep) {
        int64_t elapsed = t_us - ep->start_us;
        dash_format_s(d, sizeof d, elapsed);
        snprintf(buf, sizeof buf, "rail down %s", d);
        line(p, DASH_LARGE, elapsed > RC_MP102A_LIMIT_US ? DASH_C_FAIL : DASH_C_TEXT, buf);
        clock_bar(p, elapsed);
        dash_format_s(d, sizeof d, ep->start_us);
        snprintf(buf, sizeof buf, "since %s", d);
        line(p, DASH_SMALL, DASH_C_DIM, buf);
        return;
    }
    line(p, DASH_LARGE, DASH_C_PASS, "rail up");
    const rc_episode *last = NULL;
    for (size_t i = 0; i < a->n_raw && a->raw[i].end_us <= t_us; i++)
        last = &a->raw[i];
    if (last) {
        dash_format_s(d, sizeof d, last->end_us - last->start_us);
        snprintf(buf, sizeof buf, "last interruption %s", d);
        line(p, DASH_SMALL, last->end_us - last->start_us > RC_MP102A_LIMIT_US ? DASH_C_FAIL
                                                                             : DASH_C_DIM, buf);
    }
}

static void section_ad1(pen *p, int64_t t_us)
{
    const rc_analysis *a = p->app->main.analysis;
    heading(p, "AD1 POWER OUTAGE ALERT");
    if (!a) {
        pending(p);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < a->n_ad1; i++)
        n += a->ad1[i].t_us <= t_us;
    char buf[160], t[48], lat[48];
    snprintf(buf, sizeof buf, n ? "%zu raised" : "none raised", n);
    line(p, DASH_LARGE, n ? DASH_C_AD1 : DASH_C_TEXT, buf);
    for (size_t i = 0; i < n && i < 3; i++) {
        const rc_ad1 *x = &a->ad1[i];
        const rc_episode *ep = NULL;
        for (size_t k = 0; k < a->n_raw && a->raw[k].start_us <= x->t_us; k++)
            ep = &a->raw[k];
        dash_format_s(t, sizeof t, x->t_us);
        if (ep) {
            dash_format_s(lat, sizeof lat, x->t_us - ep->start_us);
            snprintf(buf, sizeof buf, "at %s, %s after outage start", t, lat);
        } else {
            snprintf(buf, sizeof buf, "at %s, no outage before it", t);
        }
        wrapped(p, DASH_SMALL, DASH_C_TEXT, buf, 2);
    }
}

static void section_checks(pen *p)
{
    const dash_trace *dt = &p->app->main;
    const rc_analysis *a = dt->analysis;
    heading(p, dash_trace_complete(dt) ? "CHECKS" : "CHECKS SO FAR");
    if (!a) {
        pending(p);
        return;
    }
    if (!dash_trace_complete(dt))
        line(p, DASH_SMALL, DASH_C_MARGINAL, "provisional: the run has not ended");
    for (size_t i = 0; i < a->n_checks; i++) {
        const rc_check *c = &a->checks[i];
        SDL_Color col = c->inconclusive             ? DASH_C_MARGINAL
                        : c->result == RC_CHECK_PASS ? DASH_C_PASS
                        : c->result == RC_CHECK_FAIL ? DASH_C_FAIL : DASH_C_DIM;
        const char *word = c->inconclusive             ? "?"
                           : c->result == RC_CHECK_PASS ? "pass"
                           : c->result == RC_CHECK_FAIL ? "FAIL" : "skip";
        int w = dash_text_draw(p->app->text, DASH_BOLD, p->x, p->y, col, DASH_LEFT, word);
        char name[96];
        snprintf(name, sizeof name, "%s%s", c->name, c->marginal ? "  (marginal)" : "");
        dash_text_draw(p->app->text, DASH_NORMAL, p->x + w + p->app->layout.pad, p->y,
                       c->marginal ? DASH_C_MARGINAL : DASH_C_TEXT, DASH_LEFT, name);
        p->y += dash_text_height(p->app->text, DASH_BOLD);
        wrapped(p, DASH_SMALL, DASH_C_DIM, c->detail, 3);
    }
}

static void section_backend(pen *p)
{
    const dash_trace *dt = &p->app->main;
    const rc_trace_header *h = dt->hdr;
    heading(p, "BACKEND AND RECORDER");
    char buf[160];
    if (strcmp(h->backend, "sim") == 0)
        snprintf(buf, sizeof buf, "sim at %u Hz (simulated: no link to lose)", h->sample_rate_hz);
    else
        snprintf(buf, sizeof buf, "%s at %u Hz", h->backend, h->sample_rate_hz);
    wrapped(p, DASH_SMALL, DASH_C_TEXT, buf, 2);
    size_t n_gaps;
    rc_trace_get_gaps(dt->t, &n_gaps);
    const rc_trace_stats *s = dt->stats;
    snprintf(buf, sizeof buf, "%llu samples, %llu events; overruns %zu (%llu samples, %llu "
             "events lost)", (unsigned long long)s->samples, (unsigned long long)s->events,
             n_gaps, (unsigned long long)s->samples_lost, (unsigned long long)s->events_lost);
    wrapped(p, DASH_SMALL, n_gaps ? DASH_C_FAIL : DASH_C_DIM, buf, 2);
    const rc_trace_damage *d = rc_trace_get_damage(dt->t);
    if (d->damaged)
        wrapped(p, DASH_SMALL, DASH_C_FAIL, d->reason, 2);
}

void dash_draw_panel(dash_app *app)
{
    const dash_layout *l = &app->layout;
    dash_fill(app->r, &l->panel, DASH_C_PANEL_BG);
    pen p = {app, l->panel.x + l->pad + l->pad / 2, l->panel.y, l->panel.w - 3 * l->pad};
    int64_t t_us = dash_panel_time(app);
    SDL_RenderSetClipRect(app->r, &l->panel);
    section_rail(&p, t_us);
    section_segment(&p, t_us);
    section_outage(&p, t_us);
    section_ad1(&p, t_us);
    section_checks(&p);
    section_backend(&p);
    SDL_RenderSetClipRect(app->r, NULL);
}
