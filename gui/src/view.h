/*
 * view.h - what part of the trace is on screen and where each part of the
 * screen is: the time window, cursors, channel toggles, and the rectangles of
 * the layout, with the mappings between pixels and trace time.
 */
#ifndef DASH_VIEW_H
#define DASH_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL2/SDL.h>

#define DASH_MIN_SPAN_US 1000LL /* 1 ms across the plot: a few samples at 1 kHz */

typedef struct dash_view {
    int64_t t0_us;   /* trace time at the plot's left edge */
    int64_t span_us; /* trace time across the plot */
    bool follow;     /* live: keep the newest data at the right edge */
    bool show_v, show_a, show_ac, show_ch, show_events, show_overlay;
    bool cursor_set[2];
    int64_t cursor_us[2];
    bool help;
} dash_view;

/* Screen rectangles, in drawable pixels. */
typedef struct dash_layout {
    int w, h;
    float scale;      /* drawable pixels per point (HiDPI) x --scale x size factor */
    int font_px[3];   /* small, normal, large */
    int pad;
    SDL_Rect header;  /* title line */
    SDL_Rect markers; /* event labels above the plots */
    SDL_Rect plot_v;  /* rail volts */
    SDL_Rect plot_a;  /* rail amps */
    SDL_Rect lane_ac; /* AC Lost */
    SDL_Rect lane_ch; /* CH state */
    SDL_Rect axis;    /* time axis: seconds, then UTC */
    SDL_Rect footer;  /* cursor readout, hints */
    SDL_Rect panel;   /* status panel at the right */
    SDL_Rect plots;   /* union of markers .. lane_ch: where time runs left to right */
} dash_layout;

void dash_view_init(dash_view *v);
void dash_view_fit(dash_view *v, int64_t first_us, int64_t last_us);
/* factor < 1 zooms in; about_us stays at the same pixel. */
void dash_view_zoom(dash_view *v, double factor, int64_t about_us);
/* Moves the window by a fraction of its span (negative: earlier). */
void dash_view_pan(dash_view *v, double fraction);
/* Live mode: scrolls so that end_us stays in view near the right edge. */
void dash_view_follow_to(dash_view *v, int64_t end_us);

/* dpi_scale: drawable pixels per point (1 normally, 2 on a HiDPI display);
 * ui_scale: the user's --scale on top of it. */
void dash_layout_compute(dash_layout *l, int w, int h, float dpi_scale, float ui_scale);
/* Whether two views show the same thing (a frame of one is a frame of the other). */
bool dash_view_equal(const dash_view *a, const dash_view *b);

int64_t dash_x_to_us(const dash_view *v, const SDL_Rect *r, int x);
/* Pixel x of a time; may lie outside r. */
int dash_us_to_x(const dash_view *v, const SDL_Rect *r, int64_t t_us);
bool dash_in_rect(const SDL_Rect *r, int x, int y);

#endif
