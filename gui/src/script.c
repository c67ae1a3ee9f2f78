/*
 * script.c - `--script FILE` and `--dump-state FILE`.
 *
 * A script is a text file of one input per line, turned into the SDL events a
 * window would deliver and fed through the window's own handler (dash_input),
 * so a test of the keys and mouse exercises the same code as a user:
 *
 *     # comment
 *     key NAME...            keys pressed in turn, named as SDL names them
 *                            ("Left", "F12", "Home", "+", "?", "n"), with
 *                            "shift+" and "ctrl+" prefixes
 *     move X Y               the pointer to X, Y (window points)
 *     click X Y              left button pressed and released there
 *     dblclick X Y           a double click
 *     rclick X Y             right button
 *     drag X0 Y0 X1 Y1       left button pressed at X0 Y0, moved, released at X1 Y1
 *     wheel up|down X Y [N]  N wheel steps (default 1) with the pointer at X Y
 *
 * Positions are window points, as SDL reports them: on a 2x display (or at
 * --scale 2 in a screenshot) point 100 is pixel 200. A frame is drawn after
 * each line, as the window loop draws after each batch of events, so F12
 * saves what the line before left on screen. q or Esc ends the script.
 *
 * The state dump is one JSON object (cJSON): the time window, follow and
 * help, the channel toggles, the cursors with the footer's readout strings,
 * the footer note, the overlay's alignment and the layout rectangles.
 */
#include "script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "input.h"

#define MAX_WORDS 8
#define DRAG_STEPS 4

typedef struct script {
    dash_app *app;
    dash_drag drag;
    const char *path;
    int line;
    bool quit;
} script;

static void feed(script *sc, SDL_Event *e)
{
    e->common.timestamp = SDL_GetTicks();
    if (!sc->quit && !dash_input(sc->app, e, &sc->drag))
        sc->quit = true;
}

static rc_status bad(const script *sc, const char *fmt, const char *what, rc_error *err)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, what);
    return rc_error_set(err, RC_ERR_PARSE, "%s:%d: %s", sc->path, sc->line, msg);
}

/* "shift+ctrl+Left" -> key and modifiers. */
static bool key_of(const char *word, SDL_Keycode *key, Uint16 *mod)
{
    *mod = KMOD_NONE;
    for (;;) {
        if (strncmp(word, "shift+", 6) == 0 && word[6]) {
            *mod |= KMOD_LSHIFT;
            word += 6;
        } else if (strncmp(word, "ctrl+", 5) == 0 && word[5]) {
            *mod |= KMOD_LCTRL;
            word += 5;
        } else {
            break;
        }
    }
    *key = SDL_GetKeyFromName(word);
    return *key != SDLK_UNKNOWN;
}

static rc_status keys(script *sc, char **w, int n, rc_error *err)
{
    if (n < 2)
        return bad(sc, "%s needs a key name", w[0], err);
    for (int i = 1; i < n; i++) {
        SDL_Event e = {.type = SDL_KEYDOWN};
        if (!key_of(w[i], &e.key.keysym.sym, &e.key.keysym.mod))
            return bad(sc, "'%s' is not a key SDL knows (e.g. Left, F12, Home, +, ?, n)", w[i],
                       err);
        e.key.state = SDL_PRESSED;
        e.key.keysym.scancode = SDL_GetScancodeFromKey(e.key.keysym.sym);
        feed(sc, &e);
        e.type = SDL_KEYUP;
        e.key.state = SDL_RELEASED;
        feed(sc, &e);
    }
    return RC_OK;
}

/* Reads n integers from w; false when one is not a number. */
static bool ints(char **w, int n, int *out)
{
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long v = strtol(w[i], &end, 10);
        if (end == w[i] || *end || errno || v < -100000 || v > 100000)
            return false;
        out[i] = (int)v;
    }
    return true;
}

static void motion(script *sc, int x, int y, Uint32 buttons)
{
    SDL_Event e = {.type = SDL_MOUSEMOTION};
    e.motion.x = x;
    e.motion.y = y;
    e.motion.state = buttons;
    feed(sc, &e);
}

static void button(script *sc, Uint32 type, Uint8 which, Uint8 clicks, int x, int y)
{
    SDL_Event e = {.type = type};
    e.button.button = which;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = clicks;
    e.button.x = x;
    e.button.y = y;
    feed(sc, &e);
}

static void click(script *sc, Uint8 which, Uint8 clicks, int x, int y)
{
    motion(sc, x, y, 0);
    button(sc, SDL_MOUSEBUTTONDOWN, which, clicks, x, y);
    button(sc, SDL_MOUSEBUTTONUP, which, clicks, x, y);
}

static void drag(script *sc, const int *p)
{
    motion(sc, p[0], p[1], 0);
    button(sc, SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 1, p[0], p[1]);
    for (int i = 1; i <= DRAG_STEPS; i++)
        motion(sc, p[0] + (p[2] - p[0]) * i / DRAG_STEPS, p[1] + (p[3] - p[1]) * i / DRAG_STEPS,
               SDL_BUTTON_LMASK);
    button(sc, SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 1, p[2], p[3]);
}

static void wheel(script *sc, int dir, int x, int y, int steps)
{
    motion(sc, x, y, 0);
    for (int i = 0; i < steps; i++) {
        SDL_Event e = {.type = SDL_MOUSEWHEEL};
        e.wheel.y = dir;
        e.wheel.preciseY = (float)dir;
        e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
        e.wheel.mouseX = x;
        e.wheel.mouseY = y;
        feed(sc, &e);
    }
}

static rc_status mouse(script *sc, char **w, int n, rc_error *err)
{
    int p[4], steps = 1;
    const char *a = w[0];
    if (strcmp(a, "wheel") == 0) {
        int dir = n < 2 ? 0 : strcmp(w[1], "up") == 0 ? 1 : strcmp(w[1], "down") == 0 ? -1 : 0;
        if (dir == 0 || (n != 4 && n != 5) || !ints(w + 2, 2, p) ||
            (n == 5 && (!ints(w + 4, 1, &steps) || steps < 1 || steps > 1000)))
            return bad(sc, "%s: want 'wheel up|down X Y [STEPS]'", a, err);
        wheel(sc, dir, p[0], p[1], steps);
        return RC_OK;
    }
    bool is_drag = strcmp(a, "drag") == 0;
    int want = is_drag ? 4 : 2;
    if (n != want + 1 || !ints(w + 1, want, p))
        return bad(sc, is_drag ? "%s: want 'drag X0 Y0 X1 Y1'" : "%s: want X Y", a, err);
    if (is_drag)
        drag(sc, p);
    else if (strcmp(a, "move") == 0)
        motion(sc, p[0], p[1], 0);
    else if (strcmp(a, "click") == 0)
        click(sc, SDL_BUTTON_LEFT, 1, p[0], p[1]);
    else if (strcmp(a, "dblclick") == 0)
        click(sc, SDL_BUTTON_LEFT, 2, p[0], p[1]);
    else
        click(sc, SDL_BUTTON_RIGHT, 1, p[0], p[1]);
    return RC_OK;
}

static rc_status run_line(script *sc, char *text, rc_error *err)
{
    char *w[MAX_WORDS], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(text, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (t[0] == '#')
            break;
        if (n == MAX_WORDS)
            return bad(sc, "more than %s words", "8", err);
        w[n++] = t;
    }
    if (n == 0)
        return RC_OK;
    if (strcmp(w[0], "key") == 0)
        return keys(sc, w, n, err);
    static const char *const pointer[] = {"move",   "click", "dblclick",
                                          "rclick", "drag",  "wheel"};
    for (size_t i = 0; i < sizeof pointer / sizeof pointer[0]; i++)
        if (strcmp(w[0], pointer[i]) == 0)
            return mouse(sc, w, n, err);
    return bad(sc, "unknown input '%s' (key, move, click, dblclick, rclick, drag, wheel)", w[0],
               err);
}

rc_status dash_script_run(dash_app *app, const char *path, rc_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return rc_error_set(err, RC_ERR_IO, "cannot open script %s: %s", path, strerror(errno));
    script sc = {.app = app, .path = path};
    char text[512];
    /* the window shows a frame before the first input arrives */
    rc_status st = dash_draw(app, err);
    while (st == RC_OK && !sc.quit && fgets(text, sizeof text, f)) {
        sc.line++;
        st = run_line(&sc, text, err);
        if (st == RC_OK)
            st = dash_draw(app, err);
    }
    fclose(f);
    return st;
}

static cJSON *rect_json(const SDL_Rect *r)
{
    const int v[4] = {r->x, r->y, r->w, r->h};
    return cJSON_CreateIntArray(v, 4);
}

static cJSON *layout_json(const dash_layout *l)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "w", l->w);
    cJSON_AddNumberToObject(o, "h", l->h);
    cJSON_AddNumberToObject(o, "scale", l->scale);
    cJSON_AddItemToObject(o, "font_px", cJSON_CreateIntArray(l->font_px, 3));
    cJSON_AddItemToObject(o, "header", rect_json(&l->header));
    cJSON_AddItemToObject(o, "plots", rect_json(&l->plots));
    cJSON_AddItemToObject(o, "plot_v", rect_json(&l->plot_v));
    cJSON_AddItemToObject(o, "plot_a", rect_json(&l->plot_a));
    cJSON_AddItemToObject(o, "lane_ac", rect_json(&l->lane_ac));
    cJSON_AddItemToObject(o, "lane_ch", rect_json(&l->lane_ch));
    cJSON_AddItemToObject(o, "axis", rect_json(&l->axis));
    cJSON_AddItemToObject(o, "footer", rect_json(&l->footer));
    cJSON_AddItemToObject(o, "panel", rect_json(&l->panel));
    return o;
}

static cJSON *toggles_json(const dash_view *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "volts", v->show_v);
    cJSON_AddBoolToObject(o, "amps", v->show_a);
    cJSON_AddBoolToObject(o, "ac_lost", v->show_ac);
    cJSON_AddBoolToObject(o, "ch_state", v->show_ch);
    cJSON_AddBoolToObject(o, "events", v->show_events);
    cJSON_AddBoolToObject(o, "overlay", v->show_overlay);
    return o;
}

/* Cursors A and B (null when not placed), the readout strings, and B - A. */
static void cursors_json(dash_app *app, cJSON *root)
{
    const dash_view *v = &app->view;
    dash_readout ro;
    dash_readout_compute(app, &ro);
    cJSON *cur = cJSON_AddArrayToObject(root, "cursors");
    for (int k = 0; k < 2; k++) {
        if (!v->cursor_set[k]) {
            cJSON_AddItemToArray(cur, cJSON_CreateNull());
            continue;
        }
        cJSON *c = cJSON_CreateObject();
        cJSON_AddNumberToObject(c, "t_us", (double)v->cursor_us[k]);
        if (ro.have_v[k])
            cJSON_AddNumberToObject(c, "volts", ro.volts[k]);
        else
            cJSON_AddNullToObject(c, "volts");
        cJSON_AddStringToObject(c, "readout", ro.cursor[k]);
        cJSON_AddItemToArray(cur, c);
    }
    if (v->cursor_set[0] && v->cursor_set[1])
        cJSON_AddNumberToObject(root, "delta_t_us",
                                (double)(v->cursor_us[1] - v->cursor_us[0]));
    else
        cJSON_AddNullToObject(root, "delta_t_us");
    if (ro.have_v[0] && ro.have_v[1])
        cJSON_AddNumberToObject(root, "delta_v", ro.volts[1] - ro.volts[0]);
    else
        cJSON_AddNullToObject(root, "delta_v");
    cJSON_AddStringToObject(root, "delta_readout", ro.delta);
}

static cJSON *state_json(dash_app *app)
{
    const dash_view *v = &app->view;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "t0_us", (double)v->t0_us);
    cJSON_AddNumberToObject(root, "span_us", (double)v->span_us);
    cJSON_AddBoolToObject(root, "live", app->live);
    cJSON_AddBoolToObject(root, "follow", v->follow);
    cJSON_AddBoolToObject(root, "help", v->help);
    cJSON_AddItemToObject(root, "show", toggles_json(v));
    cursors_json(app, root);
    cJSON_AddStringToObject(root, "note", app->note);
    if (app->has_overlay) {
        cJSON *o = cJSON_AddObjectToObject(root, "overlay");
        cJSON_AddStringToObject(o, "path", app->overlay.path);
        cJSON_AddStringToObject(o, "align", app->align_on);
        cJSON_AddNumberToObject(o, "shift_us", (double)app->overlay_shift_us);
    } else {
        cJSON_AddNullToObject(root, "overlay");
    }
    cJSON_AddNumberToObject(root, "dpi_scale", app->dpi_scale);
    cJSON_AddItemToObject(root, "layout", layout_json(&app->layout));
    return root;
}

rc_status dash_state_dump(dash_app *app, const char *path, rc_error *err)
{
    cJSON *root = state_json(app);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory for the state");
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    bool ok = f != NULL;
    if (f) {
        ok = fprintf(f, "%s\n", text) >= 0;
        ok = (to_stdout ? fflush(f) : fclose(f)) == 0 && ok;
    }
    free(text);
    return ok ? RC_OK
              : rc_error_set(err, RC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
}
