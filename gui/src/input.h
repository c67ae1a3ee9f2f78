/*
 * input.h - turns SDL events into view changes, and saves screenshots.
 */
#ifndef DASH_INPUT_H
#define DASH_INPUT_H

#include <stdbool.h>

#include "dash.h"

typedef struct dash_drag {
    bool active;
    bool moved;     /* a click without motion places cursor A instead */
    int x;          /* pixel where the drag started */
    int64_t t0_us;  /* the window's left edge then */
} dash_drag;

/* Applies one event; false when the user asked to quit. */
bool dash_input(dash_app *app, const SDL_Event *e, dash_drag *drag);

/* Reads the renderer's pixels (w x h) and writes them to path as PNG. */
rc_status dash_save_png(SDL_Renderer *r, int w, int h, const char *path, rc_error *err);

#endif
