/*
 * app.c - the dashboard's lifecycle: open the trace (waiting for it to appear
 * when a run is about to write it), open and align the overlay, set the first
 * view, attach a renderer (layout and fonts), follow a growing trace, close.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dash.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static rc_status open_waiting(dash_trace *dt, const char *path, int64_t wait_us, rc_error *err)
{
    for (int64_t waited = 0;; waited += 100000) {
        rc_status st = dash_trace_open(dt, path, true, err);
        if (st == RC_OK || waited >= wait_us)
            return st;
        sleep_ms(100);
    }
}

static rc_status align_overlay(dash_app *app, const dash_options *o, rc_error *err)
{
    const char *name = o->align ? o->align : "ad1";
    rc_event_kind kind = rc_event_kind_from_name(name);
    if (kind == 0)
        return rc_error_set(err, RC_ERR_ARG, "--align: '%s' is not an event kind (e.g. ad1, "
                            "rail_fall, rail_cut, mark)", name);
    snprintf(app->align_on, sizeof app->align_on, "%s", name);
    int64_t t_main, t_over;
    if (!dash_trace_first_event(&app->main, kind, &t_main))
        return rc_error_set(err, RC_ERR_NOT_FOUND, "--align %s: %s has no %s event", name,
                            app->main.path, name);
    if (!dash_trace_first_event(&app->overlay, kind, &t_over))
        return rc_error_set(err, RC_ERR_NOT_FOUND, "--align %s: %s has no %s event", name,
                            app->overlay.path, name);
    app->overlay_shift_us = t_main - t_over;
    return RC_OK;
}

static void first_view(dash_app *app, const dash_options *o)
{
    dash_view *v = &app->view;
    dash_view_init(v);
    const rc_trace_stats *s = app->main.stats;
    int64_t end = dash_trace_end_us(&app->main);
    if (app->live && !dash_trace_complete(&app->main) && !o->have_at) {
        /* A run that is starting: show its first minutes, the newest data at the right. */
        v->span_us = o->have_span ? o->span_us : 300LL * 1000000LL;
        v->t0_us = 0;
        if (end > v->span_us)
            dash_view_follow_to(v, end);
        v->follow = true;
    } else {
        dash_view_fit(v, s->first_us, end);
    }
    if (o->have_at)
        v->t0_us = o->at_us;
    if (o->have_span)
        v->span_us = o->span_us;
    for (int k = 0; k < o->n_cursors; k++) {
        v->cursor_set[k] = true;
        v->cursor_us[k] = o->cursor_us[k];
    }
}

rc_status dash_app_open(dash_app *app, const dash_options *o, rc_error *err)
{
    memset(app, 0, sizeof *app);
    dash_frame_init(&app->frame);
    dash_frame_init(&app->overlay_frame);
    rc_status st = open_waiting(&app->main, o->trace_path, o->wait_us, err);
    if (st != RC_OK)
        return st;
    app->live = o->follow == 1 || (o->follow < 0 && !dash_trace_complete(&app->main));
    if (o->overlay_path) {
        st = dash_trace_open(&app->overlay, o->overlay_path, false, err);
        if (st != RC_OK) {
            dash_trace_close(&app->main);
            return st;
        }
        app->has_overlay = true;
        st = align_overlay(app, o, err);
        if (st != RC_OK) {
            dash_app_close(app);
            return st;
        }
    }
    first_view(app, o);
    return RC_OK;
}

rc_status dash_app_attach(dash_app *app, SDL_Renderer *r, int w, int h, float dpi_scale,
                          float ui_scale, const char *font_path, rc_error *err)
{
    app->r = r;
    app->dpi_scale = dpi_scale;
    dash_layout_compute(&app->layout, w, h, dpi_scale, ui_scale);
    if (app->text)
        dash_text_close(app->text);
    app->text = NULL;
    return dash_text_open(&app->text, r, font_path, app->layout.font_px, err);
}

void dash_app_close(dash_app *app)
{
    dash_text_close(app->text);
    dash_frame_free(&app->frame);
    dash_frame_free(&app->overlay_frame);
    dash_trace_close(&app->main);
    if (app->has_overlay)
        dash_trace_close(&app->overlay);
    memset(app, 0, sizeof *app);
}

bool dash_app_tick(dash_app *app, rc_error *err)
{
    bool grew = false;
    if (app->live && dash_trace_follow(&app->main, &grew, err) == RC_OK && grew &&
        app->view.follow)
        dash_view_follow_to(&app->view, dash_trace_end_us(&app->main));
    bool analysed = dash_trace_poll_analysis(&app->main);
    return grew || analysed;
}
