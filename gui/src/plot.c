/*
 * plot.c - the plots: rail volts and amps against time, AC Lost and CH state
 * lanes, outage episodes shaded, the 180 s mark of each outage, event markers
 * with labels, the cursors, the overlay trace, and the shared time axis.
 *
 * Everything is drawn from a dash_frame (one column per pixel). Zoomed out a
 * column is drawn as its min..max bar, joined to its neighbours so a steep
 * edge stays one stroke; zoomed in (raw_ok) the samples are drawn as points
 * joined by lines. Times come from the trace's events and analysis, exact to
 * the microsecond; pixels only round them for display.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dash.h"
#include "railcut/analyze.h"

#define MAX_LABELS 96

typedef struct label_row {
    int n;
    int left[MAX_LABELS], right[MAX_LABELS];
} label_row;

static int y_of(const SDL_Rect *r, double v, double lo, double hi)
{
    double f = (v - lo) / (hi - lo);
    if (f < -0.02)
        f = -0.02;
    if (f > 1.02)
        f = 1.02;
    return r->y + r->h - 1 - (int)lround(f * (r->h - 1));
}

/* 1, 2, 5 x 10^k: the smallest step at least min_step. */
static double nice_step(double min_step)
{
    double p = pow(10.0, floor(log10(min_step)));
    for (int i = 0; i < 3; i++) {
        double m = (double[]){1, 2, 5}[i] * p;
        if (m >= min_step)
            return m;
    }
    return 10 * p;
}

double dash_volts_top(const dash_trace *dt)
{
    int32_t mv = 0;
    for (size_t i = 0; i < dt->profile->n_segs; i++) {
        const rc_segment *s = &dt->profile->segs[i];
        mv = s->from_mv > mv ? s->from_mv : mv;
        mv = s->to_mv > mv ? s->to_mv : mv;
    }
    if (mv <= 0)
        mv = dt->profile->nominal_mv > 0 ? dt->profile->nominal_mv : RC_DEFAULT_NOMINAL_MV;
    return ceil(mv * 1.2 / 2000.0) * 2.0;
}

static double amps_top(const dash_frame *f)
{
    double a = 0;
    for (int i = 0; i < f->n_cols; i++)
        if (f->cols[i].n && f->cols[i].a_max > a)
            a = f->cols[i].a_max;
    return nice_step(a > 0.01 ? a * 1.15 : 0.1);
}

static void draw_y_axis(dash_app *app, const SDL_Rect *r, double lo, double hi,
                        const char *unit, SDL_Color c)
{
    double step = nice_step((hi - lo) / 4.0);
    int x_label = r->x - app->layout.pad / 2;
    int th = dash_text_height(app->text, DASH_SMALL);
    dash_colour(app->r, DASH_C_GRID);
    for (double v = lo; v <= hi + step * 1e-6; v += step) {
        int y = y_of(r, v, lo, hi);
        SDL_RenderDrawLine(app->r, r->x, y, r->x + r->w - 1, y);
        char buf[32];
        snprintf(buf, sizeof buf, step < 0.1 ? "%.2f" : step < 1 ? "%.1f" : "%.0f", v);
        int ty = y - th / 2;
        if (ty < r->y)
            ty = r->y;
        if (ty + th > r->y + r->h)
            ty = r->y + r->h - th;
        dash_text_draw(app->text, DASH_SMALL, x_label, ty, DASH_C_DIM, DASH_RIGHT, buf);
        dash_colour(app->r, DASH_C_GRID);
    }
    dash_text_draw(app->text, DASH_BOLD, r->x + app->layout.pad / 2, r->y + 2, c, DASH_LEFT,
                   unit);
}

/* Column envelope of one channel: min..max bars joined to the neighbours.
 * The frame was queried for the screen's window, so column i is pixel i. */
static void draw_envelope(dash_app *app, const dash_frame *f, const SDL_Rect *r, bool amps,
                          double lo, double hi, SDL_Color c)
{
    dash_colour(app->r, c);
    int prev_lo = -1, prev_hi = -1;
    for (int i = 0; i < f->n_cols; i++) {
        const dash_column *col = &f->cols[i];
        float mn = amps ? col->a_min : col->v_min, mx = amps ? col->a_max : col->v_max;
        if (!col->n || isnan(mn)) {
            prev_lo = prev_hi = -1;
            continue;
        }
        int y_top = y_of(r, mx, lo, hi), y_bot = y_of(r, mn, lo, hi);
        int a = y_top, b = y_bot;
        if (prev_lo >= 0) {
            /* reach the previous column so an edge has no gap */
            a = prev_lo < a ? prev_lo : a;
            b = prev_hi > b ? prev_hi : b;
        }
        SDL_RenderDrawLine(app->r, r->x + i, a, r->x + i, b);
        prev_lo = y_bot;
        prev_hi = y_top;
    }
}

static void draw_raw(dash_app *app, const dash_frame *f, const SDL_Rect *r, int64_t shift_us,
                     bool amps, double lo, double hi, SDL_Color c)
{
    dash_colour(app->r, c);
    int px = -1, py = -1;
    int64_t period_us = f->n_raw > 1 ? f->raw[1].t_us - f->raw[0].t_us : f->span_us;
    bool dots = period_us * r->w / f->span_us >= 6;
    for (size_t i = 0; i < f->n_raw; i++) {
        float v = amps ? f->raw[i].rail_a : f->raw[i].rail_v;
        if (isnan(v)) {
            px = -1;
            continue;
        }
        int x = dash_us_to_x(&app->view, r, f->raw[i].t_us + shift_us);
        int y = y_of(r, v, lo, hi);
        if (px >= 0)
            SDL_RenderDrawLine(app->r, px, py, x, y);
        if (dots) {
            SDL_Rect d = {x - 2, y - 2, 5, 5};
            SDL_RenderFillRect(app->r, &d);
        }
        px = x;
        py = y;
    }
}

/* shift_us: added to the frame's sample times (the overlay's alignment). */
static void draw_channel(dash_app *app, const dash_frame *f, const SDL_Rect *r,
                         int64_t shift_us, bool amps, double lo, double hi, SDL_Color c)
{
    if (f->raw_ok)
        draw_raw(app, f, r, shift_us, amps, lo, hi, c);
    else
        draw_envelope(app, f, r, amps, lo, hi, c);
}

static SDL_Color state_colour(int state)
{
    switch (state) {
    case RC_CH_BOOTING: return (SDL_Color){253, 216, 53, 255};
    case RC_CH_READY: return (SDL_Color){102, 187, 106, 255};
    case RC_CH_HOLDUP: return (SDL_Color){255, 138, 101, 255};
    default: return (SDL_Color){69, 90, 100, 255};
    }
}

/* Columns [c0, c1) of a lane holding one value: a CH state, or AC Lost (1)
 * or not (0, a thin baseline). */
static void lane_bar(dash_app *app, const SDL_Rect *r, int inset, int c0, int c1, bool ch,
                     int value)
{
    SDL_Rect bar = {r->x + c0, r->y + inset, c1 - c0, r->h - 2 * inset};
    if (ch) {
        dash_colour(app->r, state_colour(value));
    } else if (value) {
        dash_colour(app->r, DASH_C_AC_LOST);
    } else {
        bar.y = r->y + r->h - inset - 2;
        bar.h = 2;
        dash_colour(app->r, DASH_C_GRID);
    }
    SDL_RenderFillRect(app->r, &bar);
    if (!ch)
        return;
    /* Name the state inside its bar when the bar is wide enough. */
    const char *name = rc_ch_state_name((rc_ch_state)value);
    int w = dash_text_width(app->text, DASH_SMALL, name);
    if (w + 2 * app->layout.pad <= bar.w)
        dash_text_draw(app->text, DASH_SMALL, bar.x + bar.w / 2,
                       r->y + (r->h - dash_text_height(app->text, DASH_SMALL)) / 2, DASH_C_BG,
                       DASH_CENTER, name);
}

/* Runs of equal value in a lane, from the columns or the raw samples. */
static void draw_lane(dash_app *app, const dash_frame *f, const SDL_Rect *r, bool ch)
{
    dash_fill(app->r, r, DASH_C_PLOT_BG);
    int inset = r->h / 5;
    if (!f->raw_ok) {
        /* one bar per run of columns with the same value */
        int start = 0, prev = -1;
        for (int i = 0; i <= f->n_cols; i++) {
            int value = -1;
            if (i < f->n_cols && f->cols[i].n)
                value = ch ? f->cols[i].state : f->cols[i].ac_lost;
            if (value == prev)
                continue;
            if (prev >= 0)
                lane_bar(app, r, inset, start, i, ch, prev);
            start = i;
            prev = value;
        }
        return;
    }
    /* Zoomed in: each sample holds until the next one. */
    for (size_t i = 0; i + 1 < f->n_raw; i++) {
        int x0 = dash_us_to_x(&app->view, r, f->raw[i].t_us);
        int x1 = dash_us_to_x(&app->view, r, f->raw[i + 1].t_us);
        SDL_Rect bar = {x0, r->y + inset, x1 - x0, r->h - 2 * inset};
        if (ch)
            dash_colour(app->r, state_colour(f->raw[i].ch_state));
        else if (f->raw[i].ac_lost)
            dash_colour(app->r, DASH_C_AC_LOST);
        else
            continue;
        SDL_RenderFillRect(app->r, &bar);
    }
}

static void draw_lane_labels(dash_app *app)
{
    const dash_layout *l = &app->layout;
    int th = dash_text_height(app->text, DASH_SMALL);
    if (app->view.show_ac)
        dash_text_draw(app->text, DASH_SMALL, l->lane_ac.x - l->pad / 2,
                       l->lane_ac.y + (l->lane_ac.h - th) / 2, DASH_C_AC_LOST, DASH_RIGHT,
                       "AC Lost");
    if (app->view.show_ch)
        dash_text_draw(app->text, DASH_SMALL, l->lane_ch.x - l->pad / 2,
                       l->lane_ch.y + (l->lane_ch.h - th) / 2, DASH_C_TEXT, DASH_RIGHT,
                       "CH");
}

/* An opaque colour that looks like c laid over bg: bands drawn straight after
 * the plot backgrounds need no per-pixel blending, which is most of the cost
 * of a large translucent rectangle in the software renderer. */
static SDL_Color over(SDL_Color bg, SDL_Color c)
{
    int a = c.a;
    return (SDL_Color){(Uint8)((c.r * a + bg.r * (255 - a)) / 255),
                       (Uint8)((c.g * a + bg.g * (255 - a)) / 255),
                       (Uint8)((c.b * a + bg.b * (255 - a)) / 255), 255};
}

/* Fills [t0, t1) of the volts and amps plots with c over their background. */
static void band(dash_app *app, int64_t t0_us, int64_t t1_us, SDL_Color c)
{
    const dash_layout *l = &app->layout;
    const SDL_Rect *plots[2] = {&l->plot_v, &l->plot_a};
    SDL_Color fill = over(DASH_C_PLOT_BG, c);
    for (int i = 0; i < 2; i++) {
        const SDL_Rect *p = plots[i];
        int x0 = dash_us_to_x(&app->view, p, t0_us), x1 = dash_us_to_x(&app->view, p, t1_us);
        x0 = x0 < p->x ? p->x : x0;
        x1 = x1 > p->x + p->w ? p->x + p->w : x1;
        SDL_Rect r = {x0, p->y, x1 - x0, p->h};
        if (r.w > 0)
            dash_fill(app->r, &r, fill);
    }
}

/* Outage episodes shaded, and stretches the recorder lost (overruns) in grey:
 * no data there, not a flat rail. Drawn before the grid and the data. */
static void draw_bands(dash_app *app)
{
    const rc_analysis *a = app->main.analysis;
    for (size_t i = 0; a && i < a->n_raw; i++)
        band(app, a->raw[i].start_us, a->raw[i].end_us, DASH_C_OUTAGE);
    size_t n;
    const rc_trace_gap *g = rc_trace_get_gaps(app->main.t, &n);
    for (size_t i = 0; i < n; i++)
        band(app, g[i].from_us, g[i].to_us + 1, DASH_C_GAP);
}

/* Each episode's duration at the top of the volts plot, when it fits. */
static void draw_episode_labels(dash_app *app)
{
    const rc_analysis *a = app->main.analysis;
    const SDL_Rect *p = &app->layout.plot_v;
    for (size_t i = 0; a && i < a->n_raw; i++) {
        int x0 = dash_us_to_x(&app->view, p, a->raw[i].start_us);
        int x1 = dash_us_to_x(&app->view, p, a->raw[i].end_us);
        x0 = x0 < p->x ? p->x : x0;
        x1 = x1 > p->x + p->w ? p->x + p->w : x1;
        char d[48], buf[96];
        dash_format_s(d, sizeof d, a->raw[i].end_us - a->raw[i].start_us);
        snprintf(buf, sizeof buf, "%s %s", a->raw[i].open ? "outage so far" : "outage", d);
        int w = dash_text_width(app->text, DASH_SMALL, buf);
        if (w + 2 * app->layout.pad < x1 - x0)
            dash_text_draw(app->text, DASH_SMALL, (x0 + x1) / 2, p->y + app->layout.pad / 2,
                           DASH_C_LIMIT, DASH_CENTER, buf);
    }
}

static bool place_label(label_row *rows, int n_rows, int left, int right, int *row)
{
    for (int k = 0; k < n_rows; k++) {
        label_row *lr = &rows[k];
        bool clear = lr->n < MAX_LABELS;
        for (int i = 0; i < lr->n && clear; i++)
            clear = right + 4 < lr->left[i] || left > lr->right[i] + 4;
        if (clear) {
            lr->left[lr->n] = left;
            lr->right[lr->n] = right;
            lr->n++;
            *row = k;
            return true;
        }
    }
    return false;
}

/* A vertical line over the plots and, where there is room, its label. */
static void draw_marker(dash_app *app, label_row *rows, int64_t t_us, const char *text,
                        SDL_Color c, bool strong, bool dashed)
{
    const dash_layout *l = &app->layout;
    const SDL_Rect *p = &l->plots;
    int x = dash_us_to_x(&app->view, p, t_us);
    if (x < p->x || x >= p->x + p->w)
        return;
    int y0 = l->plot_v.y, y1 = p->y + p->h - 1;
    dash_colour(app->r, c);
    if (dashed) {
        dash_vline_dashed(app->r, x, y0, y1, (int)lroundf(5 * l->scale));
        if (strong)
            dash_vline_dashed(app->r, x + 1, y0, y1, (int)lroundf(5 * l->scale));
    } else {
        SDL_RenderDrawLine(app->r, x, y0, x, y1);
        if (strong)
            SDL_RenderDrawLine(app->r, x + 1, y0, x + 1, y1);
    }
    int w = dash_text_width(app->text, DASH_SMALL, text);
    int left = x - w / 2, row;
    left = left < p->x ? p->x : left + w > p->x + p->w ? p->x + p->w - w : left;
    if (!place_label(rows, 2, left, left + w, &row))
        return;
    int th = dash_text_height(app->text, DASH_SMALL);
    int ty = l->markers.y + l->markers.h - (2 - row) * (th + l->pad / 2);
    dash_colour(app->r, c);
    SDL_RenderDrawLine(app->r, x, ty + th, x, y0);
    if (strong) {
        SDL_Rect box = {left - 3, ty - 1, w + 6, th + 2};
        dash_fill(app->r, &box, c);
        dash_text_draw(app->text, DASH_SMALL, left, ty, DASH_C_BG, DASH_LEFT, text);
    } else {
        SDL_Rect box = {left - 3, ty - 1, w + 6, th + 2};
        dash_fill(app->r, &box, DASH_C_BG);
        dash_text_draw(app->text, DASH_SMALL, left, ty, c, DASH_LEFT, text);
    }
}

/* Which events get a marker, and in which order their labels claim room. */
static int event_rank(rc_event_kind k)
{
    switch (k) {
    case RC_EV_AD1: return 0;
    case RC_EV_RESTORED: return 1;
    case RC_EV_MARK: return 2;
    case RC_EV_RAIL_CUT: case RC_EV_RAIL_RESTORE: return 3;
    case RC_EV_CH_POWER_LOST: case RC_EV_CH_DOWN: case RC_EV_CH_READY: return 4;
    case RC_EV_AC_LOST_ON: case RC_EV_AC_LOST_OFF: case RC_EV_WAIT_TIMEOUT: return 4;
    case RC_EV_RAIL_FALL: case RC_EV_RAIL_RISE: case RC_EV_CH_BOOT: return 5;
    case RC_EV_OBSERVE: case RC_EV_RUN_END: case RC_EV_NOTE: return 5;
    default: return -1;
    }
}

static void event_label(const rc_event *ev, char *buf, size_t len)
{
    char t[48];
    dash_format_s(t, sizeof t, ev->t_us);
    if (ev->kind == RC_EV_AD1)
        snprintf(buf, len, "AD1  %s", t);
    else if ((ev->kind == RC_EV_MARK || ev->kind == RC_EV_NOTE) && ev->text[0])
        snprintf(buf, len, "%s  %s", ev->text, t);
    else
        snprintf(buf, len, "%s  %s", rc_event_kind_name((rc_event_kind)ev->kind), t);
}

static void draw_limits(dash_app *app, label_row *rows)
{
    const rc_analysis *a = app->main.analysis;
    if (!a)
        return;
    for (size_t i = 0; i < a->n_raw; i++) {
        char buf[64], t[48];
        dash_format_s(t, sizeof t, a->raw[i].start_us + RC_MP102A_LIMIT_US);
        snprintf(buf, sizeof buf, "180 s  %s", t);
        draw_marker(app, rows, a->raw[i].start_us + RC_MP102A_LIMIT_US, buf, DASH_C_LIMIT,
                    false, true);
    }
}

static void draw_events(dash_app *app, label_row *rows)
{
    const dash_trace *dt = &app->main;
    for (int rank = 0; rank <= 5; rank++) {
        for (size_t i = 0; i < dt->n_events; i++) {
            const rc_event *ev = &dt->events[i];
            if (event_rank((rc_event_kind)ev->kind) != rank)
                continue;
            char buf[96];
            event_label(ev, buf, sizeof buf);
            bool ad1 = ev->kind == RC_EV_AD1;
            draw_marker(app, rows, ev->t_us, buf, ad1 ? DASH_C_AD1 : DASH_C_EVENT, ad1, false);
        }
        if (rank == 0)
            draw_limits(app, rows);
    }
}

static void draw_overlay_ad1(dash_app *app, label_row *rows)
{
    const dash_trace *o = &app->overlay;
    for (size_t i = 0; i < o->n_events; i++) {
        if (o->events[i].kind != RC_EV_AD1)
            continue;
        char buf[96], t[48];
        /* its time on the main trace's axis, where it is drawn */
        dash_format_s(t, sizeof t, o->events[i].t_us + app->overlay_shift_us);
        snprintf(buf, sizeof buf, "overlay AD1  %s", t);
        draw_marker(app, rows, o->events[i].t_us + app->overlay_shift_us, buf,
                    DASH_C_OVERLAY, false, true);
    }
}

static void draw_cursors(dash_app *app)
{
    const dash_layout *l = &app->layout;
    for (int k = 0; k < 2; k++) {
        if (!app->view.cursor_set[k])
            continue;
        int x = dash_us_to_x(&app->view, &l->plots, app->view.cursor_us[k]);
        if (x < l->plots.x || x >= l->plots.x + l->plots.w)
            continue;
        dash_colour(app->r, DASH_C_CURSOR);
        SDL_RenderDrawLine(app->r, x, l->plot_v.y, x, l->plots.y + l->plots.h - 1);
        dash_text_draw(app->text, DASH_BOLD, x + 3, l->plot_v.y + l->plot_v.h / 2, DASH_C_CURSOR,
                       DASH_LEFT, k == 0 ? "A" : "B");
    }
}

static void draw_time_axis(dash_app *app)
{
    const dash_layout *l = &app->layout;
    const SDL_Rect *ax = &l->axis;
    const dash_view *v = &app->view;
    int min_px = (int)lroundf(120 * l->scale);
    double step = nice_step((double)v->span_us * min_px / ax->w);
    int64_t step_us = step < 1 ? 1 : (int64_t)step;
    int64_t first = v->t0_us / step_us * step_us;
    if (first < v->t0_us)
        first += step_us;
    int th = dash_text_height(app->text, DASH_SMALL);
    for (int64_t t = first; t < v->t0_us + v->span_us; t += step_us) {
        int x = dash_us_to_x(v, ax, t);
        dash_colour(app->r, DASH_C_GRID);
        SDL_RenderDrawLine(app->r, x, l->plot_v.y, x, l->plot_v.y + l->plot_v.h - 1);
        SDL_RenderDrawLine(app->r, x, l->plot_a.y, x, l->plot_a.y + l->plot_a.h - 1);
        dash_colour(app->r, DASH_C_DIM);
        SDL_RenderDrawLine(app->r, x, ax->y, x, ax->y + l->pad / 2);
        char s[48], u[48];
        int decimals = step_us >= 1000000 ? 0 : step_us >= 100000 ? 1 : step_us >= 10000 ? 2
                       : step_us >= 1000 ? 3 : 6;
        snprintf(s, sizeof s, "%.*f s", decimals, (double)t / 1e6);
        dash_format_utc(u, sizeof u, rc_trace_device_to_utc(app->main.t, t), false);
        if (step_us >= 1000000)
            u[8] = '\0'; /* whole seconds: HH:MM:SS */
        /* A label that would spill past either end of the axis is left out. */
        int half = dash_text_width(app->text, DASH_SMALL, u) / 2 + 2;
        if (x - half < ax->x || x + half > ax->x + ax->w)
            continue;
        dash_text_draw(app->text, DASH_SMALL, x, ax->y + l->pad / 2, DASH_C_TEXT, DASH_CENTER, s);
        dash_text_draw(app->text, DASH_SMALL, x, ax->y + l->pad / 2 + th, DASH_C_DIM,
                       DASH_CENTER, u);
    }
    dash_text_draw(app->text, DASH_SMALL, ax->x - l->pad / 2, ax->y + l->pad / 2, DASH_C_TEXT,
                   DASH_RIGHT, "t");
    dash_text_draw(app->text, DASH_SMALL, ax->x - l->pad / 2, ax->y + l->pad / 2 + th,
                   DASH_C_DIM, DASH_RIGHT, "UTC");
}

void dash_draw_plots(dash_app *app)
{
    const dash_layout *l = &app->layout;
    dash_view *v = &app->view;
    double v_top = dash_volts_top(&app->main), a_top = amps_top(&app->frame);
    dash_fill(app->r, &l->plot_v, DASH_C_PLOT_BG);
    dash_fill(app->r, &l->plot_a, DASH_C_PLOT_BG);
    draw_bands(app);
    draw_y_axis(app, &l->plot_v, 0, v_top, "rail V", DASH_C_VOLTS);
    draw_y_axis(app, &l->plot_a, 0, a_top, "rail A", DASH_C_AMPS);
    draw_time_axis(app);

    SDL_RenderSetClipRect(app->r, &l->plots);
    draw_episode_labels(app);
    if (v->show_ac)
        draw_lane(app, &app->frame, &l->lane_ac, false);
    if (v->show_ch)
        draw_lane(app, &app->frame, &l->lane_ch, true);
    label_row rows[2] = {0};
    if (v->show_events)
        draw_events(app, rows);
    if (app->has_overlay && v->show_overlay)
        draw_overlay_ad1(app, rows);
    SDL_RenderSetClipRect(app->r, &l->plot_v);
    if (app->has_overlay && v->show_overlay && v->show_v)
        draw_channel(app, &app->overlay_frame, &l->plot_v, app->overlay_shift_us, false, 0,
                     v_top, DASH_C_OVERLAY);
    if (v->show_v)
        draw_channel(app, &app->frame, &l->plot_v, 0, false, 0, v_top, DASH_C_VOLTS);
    SDL_RenderSetClipRect(app->r, &l->plot_a);
    if (app->has_overlay && v->show_overlay && v->show_a)
        draw_channel(app, &app->overlay_frame, &l->plot_a, app->overlay_shift_us, true, 0,
                     a_top, DASH_C_OVERLAY);
    if (v->show_a)
        draw_channel(app, &app->frame, &l->plot_a, 0, true, 0, a_top, DASH_C_AMPS);
    SDL_RenderSetClipRect(app->r, &l->plots);
    draw_cursors(app);
    SDL_RenderSetClipRect(app->r, NULL);
    draw_lane_labels(app);
}
