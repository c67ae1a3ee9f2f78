/*
 * dash.h - the dashboard's state and the drawing entry points shared by its
 * files: data access (data.c), view and layout (view.c), text (text.c), the
 * plots (plot.c), the status panel (panel.c), the frame around them
 * (frame.c), input (input.c), and the modes: window, screenshot, benchmark
 * (main.c, bench.c).
 */
#ifndef DASH_DASH_H
#define DASH_DASH_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL2/SDL.h>

#include "data.h"
#include "text.h"
#include "view.h"

/* Palette: dark background, one distinct hue per channel. */
#define DASH_C_BG ((SDL_Color){18, 21, 27, 255})
#define DASH_C_PLOT_BG ((SDL_Color){25, 29, 37, 255})
#define DASH_C_PANEL_BG ((SDL_Color){30, 35, 44, 255})
#define DASH_C_GRID ((SDL_Color){48, 55, 68, 255})
#define DASH_C_TEXT ((SDL_Color){222, 226, 232, 255})
#define DASH_C_DIM ((SDL_Color){140, 150, 165, 255})
#define DASH_C_VOLTS ((SDL_Color){79, 195, 247, 255})
#define DASH_C_AMPS ((SDL_Color){255, 183, 77, 255})
#define DASH_C_AC_LOST ((SDL_Color){186, 104, 200, 255})
#define DASH_C_OUTAGE ((SDL_Color){229, 57, 53, 34}) /* laid over the plot background */
#define DASH_C_GAP ((SDL_Color){120, 120, 120, 60})
#define DASH_C_LIMIT ((SDL_Color){255, 82, 82, 255})
#define DASH_C_AD1 ((SDL_Color){255, 23, 68, 255})
#define DASH_C_EVENT ((SDL_Color){144, 164, 174, 255})
#define DASH_C_OVERLAY ((SDL_Color){240, 98, 146, 255})
#define DASH_C_CURSOR ((SDL_Color){255, 241, 118, 255})
#define DASH_C_PASS ((SDL_Color){102, 187, 106, 255})
#define DASH_C_FAIL ((SDL_Color){239, 83, 80, 255})
#define DASH_C_MARGINAL ((SDL_Color){255, 202, 40, 255})

typedef struct dash_app {
    SDL_Renderer *r;
    dash_text *text;
    dash_layout layout;
    dash_view view;
    dash_trace main;
    dash_frame frame;
    bool has_overlay;
    dash_trace overlay;
    dash_frame overlay_frame;
    int64_t overlay_shift_us; /* add to overlay times to align them on main's */
    char align_on[32];        /* event kind name the overlay is aligned on */
    bool live;                /* following a trace that is being written */
    char note[256];           /* one-line message in the footer (screenshot saved, ...) */
    int mouse_x, mouse_y;     /* drawable pixels */
    float dpi_scale;          /* drawable pixels per window point: mouse positions */
} dash_app;

/* Queries the data the view needs (both traces) and draws a whole frame. */
rc_status dash_draw(dash_app *app, rc_error *err);

/* Parts of the frame. */
void dash_draw_plots(dash_app *app);
void dash_draw_panel(dash_app *app);
void dash_draw_chrome(dash_app *app); /* header, axis, footer, help */

/* The footer's cursor readout: each cursor's time and volts, then the
 * difference between B and A. Strings are empty when there is nothing to
 * show (no cursor, not both). */
typedef struct dash_readout {
    char cursor[2][96];
    char delta[128];
    bool have_v[2];
    float volts[2];
} dash_readout;

void dash_readout_compute(dash_app *app, dash_readout *out);

/* Time of the status panel: cursor A when set, else the newest data in view. */
int64_t dash_panel_time(const dash_app *app);

/* Small drawing helpers (frame.c). */
void dash_fill(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c);
void dash_colour(SDL_Renderer *r, SDL_Color c);
void dash_vline_dashed(SDL_Renderer *r, int x, int y0, int y1, int dash);
/* "123.456789 s", trimmed to the digits the span needs when coarse. */
void dash_format_s(char *buf, size_t len, int64_t t_us);
/* "HH:MM:SS.mmm" of a UTC instant (from rc_trace_device_to_utc); date too
 * when with_date. */
void dash_format_utc(char *buf, size_t len, int64_t unix_us, bool with_date);


/* ---- The app's lifecycle (app.c) ----------------------------------------- */
typedef struct dash_options {
    const char *trace_path;
    const char *overlay_path; /* NULL = none */
    const char *align;        /* event kind name, default "ad1" */
    const char *font_path;    /* NULL = DejaVu Sans */
    const char *screenshot;   /* render one frame to this PNG and exit */
    bool bench;
    int follow;               /* 1 on, 0 off, -1 = when the trace is not complete */
    int64_t wait_us;          /* wait this long for the trace file to appear */
    int w, h;
    bool have_at, have_span;
    int64_t at_us, span_us;   /* window left edge and length */
    int n_cursors;
    int64_t cursor_us[2];
    bool software;            /* window: software renderer */
    float scale;              /* --scale: type and lines this many times larger */
    const char *script;       /* screenshot: feed these inputs first */
    const char *dump_state;   /* screenshot: write the view's state as JSON here */
} dash_options;

/* Opens the trace (and overlay, aligned), sets the initial view. */
rc_status dash_app_open(dash_app *app, const dash_options *o, rc_error *err);
/* Lays out for a w x h drawable and loads fonts for the renderer.
 * dpi_scale: drawable pixels per window point (mouse positions arrive in
 * points); ui_scale is the user's --scale on top of it. */
rc_status dash_app_attach(dash_app *app, SDL_Renderer *r, int w, int h, float dpi_scale,
                          float ui_scale, const char *font_path, rc_error *err);
void dash_app_close(dash_app *app);
/* Takes in new data (live) and finished analyses; true when the frame must
 * be redrawn. */
bool dash_app_tick(dash_app *app, rc_error *err);
/* Volts at the top of the volts plot for this trace. */
double dash_volts_top(const dash_trace *dt);

/* Benchmark (bench.c): prints percentiles to stdout. */
rc_status dash_bench(dash_app *app, const dash_options *o, rc_error *err);

#endif
