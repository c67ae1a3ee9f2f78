/*
 * view.c - the time window and the screen layout.
 *
 * The window is [t0_us, t0_us + span_us) in trace time. The layout splits the
 * drawable into a header line, a column of plots sharing one time axis (event
 * labels, volts, amps, AC Lost, CH state, the axis), a footer, and the status
 * panel at the right. Sizes derive from the drawable height and the HiDPI
 * scale so that 1280x720 and 1920x1080 both read well.
 */
#include "view.h"

#include <assert.h>
#include <math.h>

void dash_view_init(dash_view *v)
{
    *v = (dash_view){
        .t0_us = 0,
        .span_us = 60LL * 1000000LL,
        .show_v = true,
        .show_a = true,
        .show_ac = true,
        .show_ch = true,
        .show_events = true,
        .show_overlay = true,
    };
}

void dash_view_fit(dash_view *v, int64_t first_us, int64_t last_us)
{
    int64_t span = last_us - first_us;
    if (span < DASH_MIN_SPAN_US)
        span = DASH_MIN_SPAN_US;
    /* A little margin so the last sample is not on the border. */
    int64_t margin = span / 50;
    v->t0_us = first_us - margin;
    v->span_us = span + 2 * margin;
}

void dash_view_zoom(dash_view *v, double factor, int64_t about_us)
{
    assert(factor > 0);
    double span = (double)v->span_us * factor;
    if (span < DASH_MIN_SPAN_US)
        span = DASH_MIN_SPAN_US;
    if (span > 1e15)
        span = 1e15;
    double rel = (double)(about_us - v->t0_us) / (double)v->span_us;
    v->t0_us = about_us - (int64_t)llround(rel * span);
    v->span_us = (int64_t)llround(span);
}

void dash_view_pan(dash_view *v, double fraction)
{
    v->t0_us += (int64_t)llround((double)v->span_us * fraction);
}

void dash_view_follow_to(dash_view *v, int64_t end_us)
{
    int64_t right = end_us + v->span_us / 50;
    if (right > v->t0_us + v->span_us || end_us < v->t0_us)
        v->t0_us = right - v->span_us;
}

static SDL_Rect rect(int x, int y, int w, int h)
{
    return (SDL_Rect){x, y, w > 1 ? w : 1, h > 1 ? h : 1};
}

bool dash_view_equal(const dash_view *a, const dash_view *b)
{
    return a->t0_us == b->t0_us && a->span_us == b->span_us && a->follow == b->follow &&
           a->show_v == b->show_v && a->show_a == b->show_a && a->show_ac == b->show_ac &&
           a->show_ch == b->show_ch && a->show_events == b->show_events &&
           a->show_overlay == b->show_overlay && a->help == b->help &&
           a->cursor_set[0] == b->cursor_set[0] && a->cursor_set[1] == b->cursor_set[1] &&
           (!a->cursor_set[0] || a->cursor_us[0] == b->cursor_us[0]) &&
           (!a->cursor_set[1] || a->cursor_us[1] == b->cursor_us[1]);
}

void dash_layout_compute(dash_layout *l, int w, int h, float dpi_scale, float ui_scale)
{
    /* Type size follows the height in points: 13 px at 720, 16 at 1080. */
    float s = (float)h / dpi_scale / 720.0f;
    if (s < 0.8f)
        s = 0.8f;
    l->w = w;
    l->h = h;
    l->scale = dpi_scale * ui_scale * (s < 1.0f ? s : 1.0f + (s - 1.0f) * 0.5f);
    l->font_px[0] = (int)lroundf(11.0f * l->scale);
    l->font_px[1] = (int)lroundf(13.0f * l->scale);
    l->font_px[2] = (int)lroundf(17.0f * l->scale);
    int pad = (int)lroundf(8.0f * l->scale);
    int line = l->font_px[1] + pad;
    l->pad = pad;

    int panel_w = (int)lroundf(300.0f * l->scale);
    int axis_label_w = (int)lroundf(56.0f * l->scale);
    l->header = rect(0, 0, w, line + pad / 2);
    l->panel = rect(w - panel_w, l->header.h, panel_w, h - l->header.h);
    l->footer = rect(0, h - line, w - panel_w, line);

    int x = axis_label_w;
    int pw = w - panel_w - x - pad;
    int top = l->header.h + pad / 2;
    int axis_h = 2 * l->font_px[0] + 3 * pad / 2;
    int lane_h = l->font_px[1] + pad;
    int markers_h = 2 * (l->font_px[0] + pad / 2) + pad / 2;
    int bottom = l->footer.y - axis_h;
    int lanes = 2 * lane_h + pad;
    int analog = bottom - top - markers_h - lanes - pad;
    int v_h = analog * 62 / 100;

    l->markers = rect(x, top, pw, markers_h);
    l->plot_v = rect(x, l->markers.y + markers_h, pw, v_h);
    l->plot_a = rect(x, l->plot_v.y + v_h + pad / 2, pw, analog - v_h - pad / 2);
    l->lane_ac = rect(x, l->plot_a.y + l->plot_a.h + pad, pw, lane_h - 2);
    l->lane_ch = rect(x, l->lane_ac.y + lane_h, pw, lane_h - 2);
    l->axis = rect(x, bottom, pw, axis_h);
    l->plots = rect(x, top, pw, bottom - top);
}

int64_t dash_x_to_us(const dash_view *v, const SDL_Rect *r, int x)
{
    return v->t0_us + (int64_t)llround((double)(x - r->x) * (double)v->span_us / r->w);
}

int dash_us_to_x(const dash_view *v, const SDL_Rect *r, int64_t t_us)
{
    double x = (double)(t_us - v->t0_us) * r->w / (double)v->span_us;
    if (x < -1e6)
        x = -1e6;
    if (x > 1e6)
        x = 1e6;
    return r->x + (int)floor(x);
}

bool dash_in_rect(const SDL_Rect *r, int x, int y)
{
    return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}
