/*
 * main.c - railcut-dash: options, then one of three modes. The window mode
 * opens an SDL window and loops on input, following the trace while a run
 * writes it. The screenshot mode renders one frame into a memory surface with
 * SDL's software renderer (no display or X server needed) and writes a PNG.
 * The benchmark mode times frames (bench.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL2/SDL_image.h>
#include <SDL2/SDL_ttf.h>

#include "dash.h"
#include "input.h"
#include "railcut/units.h"
#include "script.h"

#define FOLLOW_POLL_MS 200

static const char usage[] =
    "usage: railcut-dash [options] TRACE\n"
    "\n"
    "Shows a railcut trace (.rct): rail volts and amps, AC Lost, CH state, outage\n"
    "episodes with their 180 s mark, AD1 and other events, and the status panel.\n"
    "A trace that is still being written is followed live.\n"
    "\n"
    "  --overlay B.rct       draw a second trace over the first ...\n"
    "  --align EVENT         ... aligned on the first EVENT of each (default ad1;\n"
    "                        e.g. rail_fall, rail_cut, mark)\n"
    "  --follow, --no-follow follow the file as it grows (default: when it has no end)\n"
    "  --wait T              wait up to T for TRACE to appear (default 0)\n"
    "  --size WxH            window or image size (default 1280x720)\n"
    "  --at T                time at the left edge (default: fit the whole trace)\n"
    "  --span S              time across the plot\n"
    "  --cursor T            place cursor A, then B (repeatable, at most twice)\n"
    "  --font FILE           TrueType font (default " DASH_FONT_SANS ")\n"
    "  --scale F             type and lines F times larger (0.5 to 4; a window\n"
    "                        multiplies it with the display's pixel density)\n"
    "  --software            window mode: use SDL's software renderer\n"
    "  --screenshot OUT.png  render one frame to OUT.png and exit (no display needed);\n"
    "                        the image stands for a display of --scale pixels a point\n"
    "  --script FILE         screenshot: first feed the keys and mouse in FILE\n"
    "  --dump-state FILE     screenshot: write the view (window, cursors, readout,\n"
    "                        toggles, layout) as JSON to FILE (- for stdout)\n"
    "  --bench               time frames at 1920x1080 at several zoom levels\n"
    "\n"
    "Times are seconds (\"185\", \"232.0168\") or durations with a unit (\"3min\").\n"
    "Press ? in the window for the keys.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "railcut-dash: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(railcut-dash --help shows the options)\n");
    return 2;
}

/* A plain number is seconds; anything else goes to the library's parser. */
static bool parse_time(const char *s, int64_t *out_us)
{
    char *end;
    double secs = strtod(s, &end);
    if (end != s && *end == '\0') {
        *out_us = (int64_t)(secs * 1e6 + (secs < 0 ? -0.5 : 0.5));
        return true;
    }
    rc_error err;
    return rc_parse_duration_us(s, out_us, &err) == RC_OK;
}

static bool parse_size(const char *s, int *w, int *h)
{
    return sscanf(s, "%dx%d", w, h) == 2 && *w >= 320 && *h >= 240 && *w <= 16384 &&
           *h <= 16384;
}

static bool parse_scale(const char *s, float *out)
{
    char *end;
    double f = strtod(s, &end);
    *out = (float)f;
    return end != s && *end == '\0' && f >= 0.5 && f <= 4.0;
}

static int parse_args(int argc, char **argv, dash_options *o)
{
    static const struct option longopts[] = {
        {"overlay", required_argument, NULL, 'O'}, {"align", required_argument, NULL, 'A'},
        {"follow", no_argument, NULL, 'F'},        {"no-follow", no_argument, NULL, 'N'},
        {"wait", required_argument, NULL, 'W'},    {"size", required_argument, NULL, 'S'},
        {"at", required_argument, NULL, 'a'},      {"span", required_argument, NULL, 's'},
        {"cursor", required_argument, NULL, 'c'},  {"font", required_argument, NULL, 'f'},
        {"software", no_argument, NULL, 'R'},      {"screenshot", required_argument, NULL, 'P'},
        {"bench", no_argument, NULL, 'B'},         {"help", no_argument, NULL, 'h'},
        {"scale", required_argument, NULL, 'X'},   {"script", required_argument, NULL, 'I'},
        {"dump-state", required_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    *o = (dash_options){.follow = -1, .w = 1280, .h = 720, .scale = 1.0f};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'O': o->overlay_path = optarg; break;
        case 'A': o->align = optarg; break;
        case 'F': o->follow = 1; break;
        case 'N': o->follow = 0; break;
        case 'f': o->font_path = optarg; break;
        case 'R': o->software = true; break;
        case 'P': o->screenshot = optarg; break;
        case 'B': o->bench = true; break;
        case 'I': o->script = optarg; break;
        case 'D': o->dump_state = optarg; break;
        case 'X':
            if (!parse_scale(optarg, &o->scale))
                return usage_error("--scale: '%s' is not a number from 0.5 to 4", optarg);
            break;
        case 'W':
            if (!parse_time(optarg, &o->wait_us) || o->wait_us < 0)
                return usage_error("--wait: '%s' is not a time", optarg);
            break;
        case 'S':
            if (!parse_size(optarg, &o->w, &o->h))
                return usage_error("--size: '%s' is not WxH (320x240 or more)", optarg);
            break;
        case 'a':
            if (!parse_time(optarg, &o->at_us))
                return usage_error("--at: '%s' is not a time", optarg);
            o->have_at = true;
            break;
        case 's':
            if (!parse_time(optarg, &o->span_us) || o->span_us < DASH_MIN_SPAN_US)
                return usage_error("--span: '%s' is not a span of 1 ms or more", optarg);
            o->have_span = true;
            break;
        case 'c':
            if (o->n_cursors == 2)
                return usage_error("--cursor: at most two (%s is a third)", optarg);
            if (!parse_time(optarg, &o->cursor_us[o->n_cursors]))
                return usage_error("--cursor: '%s' is not a time", optarg);
            o->n_cursors++;
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: return usage_error("%s", "unknown option");
        }
    }
    if (optind != argc - 1)
        return usage_error("%s", optind >= argc ? "no TRACE given" : "one TRACE only");
    o->trace_path = argv[optind];
    if ((o->script || o->dump_state) && !o->screenshot)
        return usage_error("%s needs --screenshot", o->script ? "--script" : "--dump-state");
    return 0;
}

static void print_rect(const char *name, const SDL_Rect *r)
{
    printf(" %s=%d,%d,%d,%d", name, r->x, r->y, r->w, r->h);
}

/* One line that says where things are, for scripts and tests that read the PNG. */
static void print_geometry(const dash_app *app)
{
    const dash_layout *l = &app->layout;
    printf("frame size=%dx%d t0_us=%lld span_us=%lld v_top=%g", l->w, l->h,
           (long long)app->view.t0_us, (long long)app->view.span_us,
           dash_volts_top(&app->main));
    print_rect("plots", &l->plots);
    print_rect("plot_v", &l->plot_v);
    print_rect("plot_a", &l->plot_a);
    print_rect("lane_ac", &l->lane_ac);
    print_rect("lane_ch", &l->lane_ch);
    print_rect("panel", &l->panel);
    printf(" samples=%llu\n", (unsigned long long)app->main.stats->samples);
}

static int fail(const rc_error *err, rc_status st)
{
    fprintf(stderr, "railcut-dash: %s\n", err->msg);
    return rc_status_exit_code(st);
}

static int screenshot(dash_app *app, const dash_options *o)
{
    rc_error err;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, o->w, o->h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
    if (!r) {
        rc_error_set(&err, RC_ERR_DEVICE, "software renderer: %s", SDL_GetError());
        SDL_FreeSurface(s);
        return fail(&err, RC_ERR_DEVICE);
    }
    dash_trace_wait_analysis(&app->main);
    /* The image is the drawable of a display with o->scale pixels a point. */
    rc_status st = dash_app_attach(app, r, o->w, o->h, o->scale, 1.0f, o->font_path, &err);
    if (st == RC_OK && o->script)
        st = dash_script_run(app, o->script, &err);
    if (st == RC_OK)
        st = dash_draw(app, &err);
    if (st == RC_OK)
        st = dash_save_png(r, o->w, o->h, o->screenshot, &err);
    if (st == RC_OK && o->dump_state)
        st = dash_state_dump(app, o->dump_state, &err);
    if (st == RC_OK)
        print_geometry(app);
    dash_text_close(app->text);
    app->text = NULL;
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
    return st == RC_OK ? 0 : fail(&err, st);
}

static SDL_Renderer *make_renderer(SDL_Window *win, bool software)
{
    SDL_Renderer *r = NULL;
    if (software)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0"); /* no GL texture in between */
    else
        r = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    return r ? r : SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
}

static rc_status attach_window(dash_app *app, SDL_Window *win, const dash_options *o,
                               rc_error *err)
{
    int ww, wh, dw, dh;
    SDL_GetWindowSize(win, &ww, &wh);
    SDL_GetRendererOutputSize(app->r, &dw, &dh);
    float dpi = ww > 0 ? (float)dw / (float)ww : 1.0f;
    return dash_app_attach(app, app->r, dw, dh, dpi, o->scale, o->font_path, err);
}

static int window_loop(dash_app *app, SDL_Window *win, const dash_options *o)
{
    rc_error err;
    dash_drag drag = {0};
    bool dirty = true;
    uint32_t last_poll = 0;
    for (;;) {
        if (dirty) {
            rc_status st = dash_draw(app, &err);
            if (st != RC_OK)
                return fail(&err, st);
            SDL_RenderPresent(app->r);
            dirty = false;
        }
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, FOLLOW_POLL_MS)) {
            /* Only what changes the picture redraws: the pointer moving over
             * the window, key releases and the like do not. */
            dash_view before = app->view;
            char note[sizeof app->note];
            memcpy(note, app->note, sizeof note);
            do {
                if (!dash_input(app, &e, &drag))
                    return 0;
                dirty |= e.type == SDL_WINDOWEVENT;
                if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
                    rc_status st = attach_window(app, win, o, &err);
                    if (st != RC_OK)
                        return fail(&err, st);
                }
            } while (SDL_PollEvent(&e));
            dirty |= !dash_view_equal(&before, &app->view) || strcmp(note, app->note) != 0;
        }
        if (SDL_GetTicks() - last_poll >= FOLLOW_POLL_MS) {
            last_poll = SDL_GetTicks();
            dirty |= dash_app_tick(app, &err);
        }
    }
}

static int window_mode(dash_app *app, const dash_options *o)
{
    rc_error err;
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        rc_error_set(&err, RC_ERR_DEVICE, "no display: %s (--screenshot needs none)",
                     SDL_GetError());
        return fail(&err, RC_ERR_DEVICE);
    }
    char title[512];
    snprintf(title, sizeof title, "railcut-dash: %s", o->trace_path);
    SDL_Window *win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                       o->w, o->h,
                                       SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    app->r = win ? make_renderer(win, o->software) : NULL;
    if (!app->r) {
        rc_error_set(&err, RC_ERR_DEVICE, "cannot open a window: %s", SDL_GetError());
        if (win)
            SDL_DestroyWindow(win);
        return fail(&err, RC_ERR_DEVICE);
    }
    rc_status st = attach_window(app, win, o, &err);
    int code = st == RC_OK ? window_loop(app, win, o) : fail(&err, st);
    dash_text_close(app->text);
    app->text = NULL;
    SDL_DestroyRenderer(app->r);
    SDL_DestroyWindow(win);
    return code;
}

int main(int argc, char **argv)
{
    dash_options o;
    int code = parse_args(argc, argv, &o);
    if (code)
        return code < 0 ? 0 : code;
    if (TTF_Init() != 0) {
        fprintf(stderr, "railcut-dash: SDL_ttf: %s\n", TTF_GetError());
        return 3;
    }
    IMG_Init(IMG_INIT_PNG);
    dash_app app;
    rc_error err;
    rc_status st = dash_app_open(&app, &o, &err);
    if (st != RC_OK) {
        code = fail(&err, st);
    } else {
        if (o.bench)
            st = dash_bench(&app, &o, &err);
        code = o.bench ? (st == RC_OK ? 0 : fail(&err, st))
               : o.screenshot ? screenshot(&app, &o) : window_mode(&app, &o);
        dash_app_close(&app);
    }
    IMG_Quit();
    TTF_Quit();
    SDL_Quit();
    return code;
}
