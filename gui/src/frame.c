/*
 * frame.c - one whole frame: the data queries for the window in view, then
 * the plots, the status panel, the header (trace, profile, backend, live or
 * replay, start in UTC), the footer (cursor readout and hints) and the help
 * overlay; and the small drawing and formatting helpers the other files share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dash.h"

void dash_colour(SDL_Renderer *r, SDL_Color c)
{
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

void dash_fill(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    dash_colour(r, c);
    SDL_RenderFillRect(r, rc);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
}

void dash_vline_dashed(SDL_Renderer *r, int x, int y0, int y1, int dash)
{
    dash = dash < 2 ? 2 : dash;
    for (int y = y0; y <= y1; y += 2 * dash) {
        int end = y + dash - 1 < y1 ? y + dash - 1 : y1;
        SDL_RenderDrawLine(r, x, y, x, end);
    }
}

void dash_format_s(char *buf, size_t len, int64_t t_us)
{
    const char *sign = t_us < 0 ? "-" : "";
    uint64_t a = t_us < 0 ? (uint64_t)(-(t_us + 1)) + 1 : (uint64_t)t_us;
    snprintf(buf, len, "%s%" PRIu64 ".%06" PRIu64 " s", sign, a / 1000000, a % 1000000);
}

void dash_format_utc(char *buf, size_t len, int64_t unix_us, bool with_date)
{
    int64_t us = unix_us;
    int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    int ms = (int)((us - secs * 1000000) / 1000);
    time_t tt = (time_t)secs;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char hms[32];
    strftime(hms, sizeof hms, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03d", hms, ms);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void draw_header(dash_app *app)
{
    const dash_layout *l = &app->layout;
    const dash_trace *dt = &app->main;
    dash_fill(app->r, &l->header, DASH_C_PANEL_BG);
    int y = (l->header.h - dash_text_height(app->text, DASH_BOLD)) / 2;
    int x = l->pad;
    x += dash_text_draw(app->text, DASH_BOLD, x, y, DASH_C_TEXT, DASH_LEFT, "railcut-dash");
    x += 2 * l->pad;
    bool live = app->live && !dash_trace_complete(dt);
    SDL_Color mode_c = live ? DASH_C_FAIL : DASH_C_PASS;
    x += dash_text_draw(app->text, DASH_BOLD, x, y, mode_c, DASH_LEFT, live ? "LIVE" : "REPLAY");
    x += 2 * l->pad;
    char start[48], buf[512];
    dash_format_utc(start, sizeof start, rc_trace_device_to_utc(dt->t, 0), true);
    snprintf(buf, sizeof buf, "%s   %s   railcut %s, backend %s, scenario %s   started %s UTC",
             base_name(dt->path), base_name(dt->hdr->profile_path), dt->hdr->railcut_version,
             dt->hdr->backend, dt->hdr->scenario, start);
    x += dash_text_draw(app->text, DASH_NORMAL, x, y, DASH_C_DIM, DASH_LEFT, buf);
    if (app->has_overlay) {
        snprintf(buf, sizeof buf, "overlay %s aligned on %s", base_name(app->overlay.path),
                 app->align_on);
        dash_text_draw(app->text, DASH_NORMAL, l->w - l->pad, y, DASH_C_OVERLAY, DASH_RIGHT,
                       buf);
    }
}

static bool volts_at(dash_app *app, int64_t t_us, float *v)
{
    rc_sample s;
    bool found = false;
    rc_error err;
    dash_trace_sample_at(&app->main, t_us, &s, &found, &err);
    *v = found ? s.rail_v : 0;
    return found;
}

void dash_readout_compute(dash_app *app, dash_readout *out)
{
    const dash_view *v = &app->view;
    memset(out, 0, sizeof *out);
    char t[48];
    for (int k = 0; k < 2; k++) {
        if (!v->cursor_set[k])
            continue;
        out->have_v[k] = volts_at(app, v->cursor_us[k], &out->volts[k]);
        dash_format_s(t, sizeof t, v->cursor_us[k]);
        if (out->have_v[k])
            snprintf(out->cursor[k], sizeof out->cursor[k], "%c %s %.3f V", 'A' + k, t,
                     out->volts[k]);
        else
            snprintf(out->cursor[k], sizeof out->cursor[k], "%c %s", 'A' + k, t);
    }
    if (!v->cursor_set[0] || !v->cursor_set[1])
        return;
    dash_format_s(t, sizeof t, v->cursor_us[1] - v->cursor_us[0]);
    if (out->have_v[0] && out->have_v[1])
        snprintf(out->delta, sizeof out->delta, "\xce\x94t %s  \xce\x94V %+.3f V", t,
                 out->volts[1] - out->volts[0]);
    else
        snprintf(out->delta, sizeof out->delta, "\xce\x94t %s", t);
}

static void draw_footer(dash_app *app)
{
    const dash_layout *l = &app->layout;
    dash_fill(app->r, &l->footer, DASH_C_BG);
    int y = l->footer.y + (l->footer.h - dash_text_height(app->text, DASH_MONO)) / 2;
    int x = l->pad;
    dash_readout ro;
    dash_readout_compute(app, &ro);
    for (int k = 0; k < 2; k++)
        if (ro.cursor[k][0])
            x += dash_text_draw(app->text, DASH_MONO, x, y, DASH_C_CURSOR, DASH_LEFT,
                                ro.cursor[k]) + 2 * l->pad;
    if (ro.delta[0])
        x += dash_text_draw(app->text, DASH_MONO, x, y, DASH_C_TEXT, DASH_LEFT, ro.delta) +
             2 * l->pad;
    if (app->note[0])
        dash_text_draw(app->text, DASH_NORMAL, x, y, DASH_C_DIM, DASH_LEFT, app->note);
    dash_text_draw(app->text, DASH_NORMAL, l->footer.x + l->footer.w - l->pad, y, DASH_C_DIM,
                   DASH_RIGHT, "? help");
}

static const char *const help_lines[][2] = {
    {"wheel, + / -", "zoom in / out about the mouse (keys: about the centre)"},
    {"drag, \xe2\x86\x90 / \xe2\x86\x92", "pan (Shift: a whole screen)"},
    {"f or Home", "zoom to fit the whole trace"},
    {"n / p", "centre the next / previous event"},
    {"1 / 2", "place cursor A / B at the mouse (left / right click too)"},
    {"c", "clear the cursors"},
    {"v  a  l  s  e  o", "toggle volts, amps, AC Lost, CH state, events, overlay"},
    {"space", "live: follow the newest data on / off"},
    {"F12 or Ctrl+S", "save a PNG screenshot"},
    {"?", "this help"},
    {"q or Esc", "quit"},
};

static void draw_help(dash_app *app)
{
    const dash_layout *l = &app->layout;
    size_t n = sizeof help_lines / sizeof help_lines[0];
    int lh = dash_text_height(app->text, DASH_NORMAL) + l->pad / 2;
    int key_w = (int)(170 * l->scale), w = (int)(640 * l->scale);
    int h = (int)(n + 2) * lh + 2 * l->pad;
    SDL_Rect box = {(l->w - w) / 2, (l->h - h) / 2, w, h};
    SDL_Rect shade = {0, 0, l->w, l->h};
    dash_fill(app->r, &shade, (SDL_Color){0, 0, 0, 150});
    dash_fill(app->r, &box, DASH_C_PANEL_BG);
    dash_colour(app->r, DASH_C_GRID);
    SDL_RenderDrawRect(app->r, &box);
    int x = box.x + 2 * l->pad, y = box.y + l->pad;
    dash_text_draw(app->text, DASH_BOLD, x, y, DASH_C_TEXT, DASH_LEFT, "Keys and mouse");
    y += 2 * lh;
    for (size_t i = 0; i < n; i++, y += lh) {
        dash_text_draw(app->text, DASH_MONO, x, y, DASH_C_CURSOR, DASH_LEFT, help_lines[i][0]);
        dash_text_draw(app->text, DASH_NORMAL, x + key_w, y, DASH_C_TEXT, DASH_LEFT,
                       help_lines[i][1]);
    }
}

void dash_draw_chrome(dash_app *app)
{
    draw_header(app);
    draw_footer(app);
    if (app->view.help)
        draw_help(app);
}

/* The background around the plots: the header, panel, footer and the two
 * plots fill their own rectangles, so clearing the whole drawable first
 * would write most pixels twice, and fills are most of a frame's cost in
 * the software renderer. */
static void fill_background(dash_app *app)
{
    const dash_layout *l = &app->layout;
    const SDL_Rect *v = &l->plot_v, *a = &l->plot_a;
    int top = l->header.h, bottom = l->footer.y, right = v->x + v->w;
    const SDL_Rect bg[5] = {
        {0, top, v->x, bottom - top},                         /* y-axis labels */
        {right, top, l->panel.x - right, bottom - top},       /* up to the panel */
        {v->x, top, v->w, v->y - top},                        /* event labels */
        {v->x, v->y + v->h, v->w, a->y - (v->y + v->h)},      /* volts | amps */
        {v->x, a->y + a->h, v->w, bottom - (a->y + a->h)},    /* lanes, time axis */
    };
    dash_colour(app->r, DASH_C_BG);
    for (int i = 0; i < 5; i++)
        if (bg[i].w > 0 && bg[i].h > 0)
            SDL_RenderFillRect(app->r, &bg[i]);
}

rc_status dash_draw(dash_app *app, rc_error *err)
{
    const dash_layout *l = &app->layout;
    const dash_view *v = &app->view;
    rc_status st = dash_frame_query(&app->frame, &app->main, v->t0_us, v->span_us, l->plots.w,
                                    err);
    if (st == RC_OK && app->has_overlay)
        st = dash_frame_query(&app->overlay_frame, &app->overlay,
                              v->t0_us - app->overlay_shift_us, v->span_us, l->plots.w, err);
    if (st != RC_OK)
        return st;
    fill_background(app);
    dash_draw_plots(app);
    dash_draw_panel(app);
    dash_draw_chrome(app);
    dash_text_frame_end(app->text);
    return RC_OK;
}
