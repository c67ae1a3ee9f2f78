/*
 * input.c - keys and mouse to view changes: zoom (wheel, + and -), pan (drag,
 * arrows), fit, next and previous event, cursors, channel toggles, follow,
 * screenshot, help. Mouse positions arrive in window points and are scaled to
 * drawable pixels (HiDPI) before they meet the layout.
 */
#include "input.h"

#include <stdio.h>
#include <time.h>

#include <SDL2/SDL_image.h>

#define ZOOM_STEP 1.25
#define PAN_STEP 0.1

static int64_t mouse_us(const dash_app *app)
{
    const SDL_Rect *p = &app->layout.plots;
    int x = app->mouse_x;
    x = x < p->x ? p->x : x >= p->x + p->w ? p->x + p->w - 1 : x;
    return dash_x_to_us(&app->view, p, x);
}

static void fit(dash_app *app)
{
    const rc_trace_stats *s = app->main.stats;
    dash_view_fit(&app->view, s->first_us, dash_trace_end_us(&app->main));
}

/* Centres the next (dir > 0) or previous event that has a marker. */
static void jump_event(dash_app *app, int dir)
{
    const dash_trace *dt = &app->main;
    int64_t centre = app->view.t0_us + app->view.span_us / 2;
    const rc_event *best = NULL;
    for (size_t i = 0; i < dt->n_events; i++) {
        const rc_event *ev = &dt->events[i];
        if (ev->kind == RC_EV_SEGMENT || ev->kind == RC_EV_WAIT_DONE)
            continue;
        if (dir > 0 && ev->t_us > centre && (!best || ev->t_us < best->t_us))
            best = ev;
        if (dir < 0 && ev->t_us < centre && (!best || ev->t_us >= best->t_us))
            best = ev;
    }
    if (!best)
        return;
    app->view.t0_us = best->t_us - app->view.span_us / 2;
    app->view.follow = false;
    char t[48];
    dash_format_s(t, sizeof t, best->t_us);
    snprintf(app->note, sizeof app->note, "%s at %s",
             rc_event_kind_name((rc_event_kind)best->kind), t);
}

rc_status dash_save_png(SDL_Renderer *r, int w, int h, const char *path, rc_error *err)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return rc_error_set(err, RC_ERR_NOMEM, "screenshot: %s", SDL_GetError());
    rc_status st = RC_OK;
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
        st = rc_error_set(err, RC_ERR_DEVICE, "screenshot: %s", SDL_GetError());
    else if (IMG_SavePNG(s, path) != 0)
        st = rc_error_set(err, RC_ERR_IO, "cannot write %s: %s", path, IMG_GetError());
    SDL_FreeSurface(s);
    return st;
}

static void screenshot(dash_app *app)
{
    char path[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(path, sizeof path, "railcut-dash-%Y%m%dT%H%M%SZ.png", &tm);
    rc_error err;
    if (dash_save_png(app->r, app->layout.w, app->layout.h, path, &err) == RC_OK)
        snprintf(app->note, sizeof app->note, "saved %s", path);
    else
        snprintf(app->note, sizeof app->note, "%.200s", err.msg);
}

static void set_cursor(dash_app *app, int k)
{
    app->view.cursor_set[k] = true;
    app->view.cursor_us[k] = mouse_us(app);
}

static bool toggle(SDL_Keycode key, dash_view *v)
{
    bool *flag = key == SDLK_v ? &v->show_v : key == SDLK_a ? &v->show_a
                 : key == SDLK_l ? &v->show_ac : key == SDLK_s ? &v->show_ch
                 : key == SDLK_e ? &v->show_events : key == SDLK_o ? &v->show_overlay : NULL;
    if (flag)
        *flag = !*flag;
    return flag != NULL;
}

static bool key(dash_app *app, const SDL_KeyboardEvent *k)
{
    dash_view *v = &app->view;
    bool shift = k->keysym.mod & KMOD_SHIFT, ctrl = k->keysym.mod & KMOD_CTRL;
    int64_t centre = v->t0_us + v->span_us / 2;
    switch (k->keysym.sym) {
    case SDLK_q: case SDLK_ESCAPE: return false;
    case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS: dash_view_zoom(v, 1 / ZOOM_STEP, centre); break;
    case SDLK_MINUS: case SDLK_KP_MINUS: dash_view_zoom(v, ZOOM_STEP, centre); break;
    case SDLK_LEFT: dash_view_pan(v, shift ? -1.0 : -PAN_STEP); v->follow = false; break;
    case SDLK_RIGHT: dash_view_pan(v, shift ? 1.0 : PAN_STEP); v->follow = false; break;
    case SDLK_f: case SDLK_HOME: fit(app); v->follow = false; break;
    case SDLK_n: jump_event(app, 1); break;
    case SDLK_p: jump_event(app, -1); break;
    case SDLK_1: set_cursor(app, 0); break;
    case SDLK_2: set_cursor(app, 1); break;
    case SDLK_c: v->cursor_set[0] = v->cursor_set[1] = false; break;
    case SDLK_SPACE: v->follow = app->live && !v->follow; break;
    case SDLK_F12: screenshot(app); break;
    case SDLK_SLASH: case SDLK_QUESTION: v->help = !v->help; break;
    default:
        if (ctrl && k->keysym.sym == SDLK_s)
            screenshot(app);
        else
            toggle(k->keysym.sym, v);
    }
    return true;
}

static void mouse_to_pixels(dash_app *app, int x, int y)
{
    app->mouse_x = (int)((float)x * app->dpi_scale);
    app->mouse_y = (int)((float)y * app->dpi_scale);
}

bool dash_input(dash_app *app, const SDL_Event *e, dash_drag *drag)
{
    dash_view *v = &app->view;
    switch (e->type) {
    case SDL_QUIT: return false;
    case SDL_KEYDOWN: return key(app, &e->key);
    case SDL_MOUSEWHEEL:
        /* the pointer's position comes with the event (SDL 2.26) */
        mouse_to_pixels(app, e->wheel.mouseX, e->wheel.mouseY);
        if (e->wheel.y != 0) {
            dash_view_zoom(v, e->wheel.y > 0 ? 1 / ZOOM_STEP : ZOOM_STEP, mouse_us(app));
            v->follow = false;
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
        mouse_to_pixels(app, e->button.x, e->button.y);
        if (!dash_in_rect(&app->layout.plots, app->mouse_x, app->mouse_y))
            break;
        if (e->button.button == SDL_BUTTON_LEFT && e->button.clicks == 2) {
            set_cursor(app, 0);
        } else if (e->button.button == SDL_BUTTON_LEFT) {
            drag->active = true;
            drag->moved = false;
            drag->x = app->mouse_x;
            drag->t0_us = v->t0_us;
        } else if (e->button.button == SDL_BUTTON_RIGHT) {
            set_cursor(app, 1);
        }
        break;
    case SDL_MOUSEBUTTONUP:
        mouse_to_pixels(app, e->button.x, e->button.y);
        if (drag->active && !drag->moved && e->button.button == SDL_BUTTON_LEFT)
            set_cursor(app, 0);
        drag->active = false;
        break;
    case SDL_MOUSEMOTION:
        mouse_to_pixels(app, e->motion.x, e->motion.y);
        if (drag->active && app->mouse_x != drag->x) {
            drag->moved = true;
            int64_t dt = (int64_t)((double)(app->mouse_x - drag->x) * (double)v->span_us /
                                   app->layout.plots.w);
            v->t0_us = drag->t0_us - dt;
            v->follow = false;
        }
        break;
    default: break;
    }
    return true;
}
