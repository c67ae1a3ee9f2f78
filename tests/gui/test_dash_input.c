/*
 * test_dash_input.c - the keys and mouse of railcut-dash, without a display:
 * `--script FILE` feeds inputs through the window's own handler, then
 * `--screenshot` renders the frame and `--dump-state` writes the view as
 * JSON. The tests check the view with exact numbers (the window after three
 * wheel steps at a known column, the times of cursors clicked at known
 * columns, Δt and ΔV) and the pixels where it matters (the AD1 marker in the
 * centre column after "next event", the cursors' lines, toggled channels
 * gone, the overlay's AD1 on the main AD1's column, the help box).
 *
 * Pixels map to times as in the dashboard: a click at column x is the time
 * t0 + round((x - plots.x) * span / plots.w); a time t is drawn in column
 * plots.x + floor((t - t0) * plots.w / span).
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <check.h>
#include <cjson/cJSON.h>

#include "dash_testutil.h"
#include "railcut/trace.h"

/* More colours of the dashboard's palette (gui/src/dash.h). */
#define OVERLAY 0xf06292u
#define CURSOR 0xfff176u
#define PANEL_BG 0x1e232cu
#define PLOT_BG 0x191d25u
#define CH_READY 0x66bb6au

/* The ad1 trace: 185 s cut of ota-reboot.rail at 1 kHz. */
#define T_END_US 375008504LL
#define T_AD1_US 232016787LL

typedef struct shot {
    int exit_code;
    char err[2048];
    cJSON *state;
    const char *png;
} shot;

static char ad1_trace[512], bad_trace[512];

static void make_traces(void)
{
    dash_record(ad1_trace, sizeof ad1_trace, "ad1.rct", "--set off=185s");
    dash_record(bad_trace, sizeof bad_trace, "bad.rct",
                "--set off=185s --ch " CH_FILES "/defect-timer-offset.ini");
}

/* Runs railcut-dash --screenshot with a script (NULL: none) in dir (NULL: the
 * tmp dir); the state is parsed when it exits 0. */
static shot run_in(const char *dir, const char *trace, const char *opts, const char *script)
{
    shot s = {.png = dash_tmp_path("shot.png")};
    const char *state = dash_tmp_path("state.json"), *err = dash_tmp_path("stderr");
    char script_opt[600] = "";
    if (script) {
        const char *sp = dash_tmp_path("script.txt");
        dash_write_file(sp, script);
        snprintf(script_opt, sizeof script_opt, "--script %s", sp);
    }
    s.exit_code =
        dash_sh("cd %s && %s --screenshot %s --dump-state %s %s %s %s >/dev/null 2>%s",
           dir ? dir : RC_GUI_TMP_DIR, DASH_BIN, s.png, state, script_opt, opts, trace, err);
    char *e = dash_slurp(err);
    snprintf(s.err, sizeof s.err, "%s", e ? e : "");
    free(e);
    if (s.exit_code == 0) {
        char *text = dash_slurp(state);
        ck_assert_msg(text != NULL, "no state written");
        s.state = cJSON_Parse(text);
        free(text);
        ck_assert_msg(s.state != NULL, "state is not JSON");
    }
    return s;
}

static shot run_ok(const char *trace, const char *opts, const char *script)
{
    shot s = run_in(NULL, trace, opts, script);
    ck_assert_msg(s.exit_code == 0, "railcut-dash exited %d: %s", s.exit_code, s.err);
    return s;
}

static const cJSON *get(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    ck_assert_msg(v != NULL, "no '%s' in the state", name);
    return v;
}

static long long num(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);
    ck_assert_msg(cJSON_IsNumber(v), "'%s' is not a number", name);
    return (long long)llround(v->valuedouble);
}

static bool flag(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);
    ck_assert_msg(cJSON_IsBool(v), "'%s' is not a bool", name);
    return cJSON_IsTrue(v);
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);
    ck_assert_msg(cJSON_IsString(v), "'%s' is not a string", name);
    return v->valuestring;
}

static rect layout_rect(const cJSON *state, const char *name)
{
    const cJSON *a = get(get(state, "layout"), name);
    ck_assert_int_eq(cJSON_GetArraySize(a), 4);
    return (rect){cJSON_GetArrayItem(a, 0)->valueint, cJSON_GetArrayItem(a, 1)->valueint,
                  cJSON_GetArrayItem(a, 2)->valueint, cJSON_GetArrayItem(a, 3)->valueint};
}

static const cJSON *cursor(const cJSON *state, int k)
{
    return cJSON_GetArrayItem(get(state, "cursors"), k);
}

static void shot_free(shot *s)
{
    cJSON_Delete(s->state);
    s->state = NULL;
}

/* The dashboard's mappings (gui/src/view.c), restated. */
static long long x_to_us(long long t0, long long span, rect p, int x)
{
    return t0 + llround((double)(x - p.x) * (double)span / p.w);
}

static int us_to_x(long long t0, long long span, rect p, long long t)
{
    return p.x + (int)floor((double)(t - t0) * p.w / (double)span);
}

/* One zoom step about a time (dash_view_zoom). */
static void zoom(long long *t0, long long *span, double factor, long long about)
{
    double s = (double)*span * factor;
    double rel = (double)(about - *t0) / (double)*span;
    *t0 = about - llround(rel * s);
    *span = llround(s);
}

/* The plot columns at 1280x720, from a frame without input. */
static rect plots_1280(void)
{
    shot s = run_ok(ad1_trace, "", NULL);
    rect p = layout_rect(s.state, "plots");
    shot_free(&s);
    return p;
}

START_TEST(wheel_zooms_about_the_pointer)
{
    rect p = plots_1280();
    int x = p.x + p.w / 4, y = p.y + p.h / 2;
    char script[128];
    snprintf(script, sizeof script, "wheel up %d %d 3\n", x, y);
    shot s = run_ok(ad1_trace, "--at 0 --span 100", script);
    long long t0 = 0, span = 100000000, about = x_to_us(0, span, p, x);
    for (int i = 0; i < 3; i++)
        zoom(&t0, &span, 1 / 1.25, about);
    ck_assert_int_eq(span, 51200000); /* 100 s / 1.25^3 */
    ck_assert_int_eq(num(s.state, "span_us"), span);
    ck_assert_int_eq(num(s.state, "t0_us"), t0);
    /* the time under the pointer stays under it */
    ck_assert_int_le(llabs(x_to_us(t0, span, p, x) - about), 1);
    ck_assert(!flag(s.state, "follow"));
    shot_free(&s);

    snprintf(script, sizeof script, "wheel down %d %d 3\n", x, y);
    s = run_ok(ad1_trace, "--at 0 --span 100", script);
    t0 = 0, span = 100000000;
    for (int i = 0; i < 3; i++)
        zoom(&t0, &span, 1.25, about);
    ck_assert_int_eq(span, 195312500); /* 100 s x 1.25^3 */
    ck_assert_int_eq(num(s.state, "span_us"), span);
    ck_assert_int_eq(num(s.state, "t0_us"), t0);
    shot_free(&s);

    /* a different column: a different window of the same span */
    snprintf(script, sizeof script, "wheel up %d %d 3\n", p.x + 3 * p.w / 4, y);
    s = run_ok(ad1_trace, "--at 0 --span 100", script);
    ck_assert_int_eq(num(s.state, "span_us"), 51200000);
    ck_assert_int_ne(num(s.state, "t0_us"), t0);
    shot_free(&s);
}
END_TEST

START_TEST(keys_zoom_about_the_centre)
{
    shot s = run_ok(ad1_trace, "--at 0 --span 100", "key + = +\n");
    ck_assert_int_eq(num(s.state, "span_us"), 51200000);
    ck_assert_int_eq(num(s.state, "t0_us") + 51200000 / 2, 50000000);
    shot_free(&s);
    s = run_ok(ad1_trace, "--at 0 --span 100", "key -\nkey -\n");
    ck_assert_int_eq(num(s.state, "span_us"), 156250000);
    ck_assert_int_eq(num(s.state, "t0_us") + 156250000 / 2, 50000000);
    shot_free(&s);
}
END_TEST

START_TEST(zoom_stops_at_one_millisecond)
{
    shot s = run_ok(ad1_trace, "--at 30 --span 0.002", "key + + + + +\n");
    ck_assert_int_eq(num(s.state, "span_us"), 1000);
    shot_free(&s);
}
END_TEST

START_TEST(drag_pans_by_the_pixels_moved)
{
    rect p = plots_1280();
    int y = p.y + p.h / 2;
    char script[128];
    snprintf(script, sizeof script, "drag %d %d %d %d\n", p.x + 600, y, p.x + 400, y);
    shot s = run_ok(ad1_trace, "--at 0 --span 100", script);
    /* 200 columns to the left: the window moves 200/w of its span later */
    ck_assert_int_eq(num(s.state, "t0_us"), (long long)(200.0 * 100000000.0 / p.w));
    ck_assert_int_eq(num(s.state, "span_us"), 100000000);
    /* a drag is not a click: no cursor */
    ck_assert(cJSON_IsNull(cursor(s.state, 0)));
    shot_free(&s);

    /* a drag that starts in the status panel moves nothing */
    rect panel = {0};
    s = run_ok(ad1_trace, "--at 0 --span 100", NULL);
    panel = layout_rect(s.state, "panel");
    shot_free(&s);
    snprintf(script, sizeof script, "drag %d %d %d %d\n", panel.x + 50, y, panel.x + 10, y);
    s = run_ok(ad1_trace, "--at 0 --span 100", script);
    ck_assert_int_eq(num(s.state, "t0_us"), 0);
    shot_free(&s);
}
END_TEST

START_TEST(arrow_keys_pan)
{
    shot s = run_ok(ad1_trace, "--at 0 --span 100", "key Right\n");
    ck_assert_int_eq(num(s.state, "t0_us"), 10000000);
    shot_free(&s);
    s = run_ok(ad1_trace, "--at 0 --span 100", "key shift+Right Left\n");
    ck_assert_int_eq(num(s.state, "t0_us"), 90000000);
    shot_free(&s);
    s = run_ok(ad1_trace, "--at 0 --span 100", "key shift+Left\n");
    ck_assert_int_eq(num(s.state, "t0_us"), -100000000);
    ck_assert_int_eq(num(s.state, "span_us"), 100000000);
    shot_free(&s);
}
END_TEST

START_TEST(fit_shows_the_whole_trace)
{
    /* 0 .. 375.008504 s with 2 % of it as a margin each side */
    const long long margin = T_END_US / 50;
    static const char *const scripts[] = {"key f\n", "key Home\n", "key + + Right\nkey f\n"};
    for (int i = 0; i < 3; i++) {
        shot s = run_ok(ad1_trace, "--at 100 --span 2", scripts[i]);
        ck_assert_int_eq(num(s.state, "t0_us"), -margin);
        ck_assert_int_eq(num(s.state, "span_us"), T_END_US + 2 * margin);
        shot_free(&s);
    }
}
END_TEST

/* "n" centres the next event with a marker: the AD1 after 210 s, drawn in
 * the centre column; again, the rail restore; "p" back to the AD1, then to
 * the CH going down 180 s before it. */
START_TEST(next_and_previous_event)
{
    ck_assert_int_eq(dash_first_event_us(ad1_trace, RC_EV_AD1), T_AD1_US);
    shot s = run_ok(ad1_trace, "--at 200 --span 20", "key n\n");
    ck_assert_int_eq(num(s.state, "t0_us"), T_AD1_US - 10000000);
    ck_assert_str_eq(str(s.state, "note"), "ad1 at 232.016787 s");
    rect p = layout_rect(s.state, "plots"), pv = layout_rect(s.state, "plot_v");
    int x = us_to_x(T_AD1_US - 10000000, 20000000, p, T_AD1_US);
    ck_assert_int_le(abs(x - (p.x + p.w / 2)), 1);
    SDL_Surface *img = dash_load_png(s.png);
    int y = pv.y + pv.h / 3;
    ck_assert_int_ge(dash_count_in_column(img, x, y, y + 20, AD1), 20);
    ck_assert_int_eq(dash_count_in_column(img, x - 3, y, y + 20, AD1), 0);
    SDL_FreeSurface(img);
    shot_free(&s);

    s = run_ok(ad1_trace, "--at 200 --span 20", "key n n\n");
    ck_assert_int_eq(num(s.state, "t0_us"), 235004252LL - 10000000);
    ck_assert_str_eq(str(s.state, "note"), "rail_restore at 235.004252 s");
    shot_free(&s);
    s = run_ok(ad1_trace, "--at 200 --span 20", "key n n p\n");
    ck_assert_int_eq(num(s.state, "t0_us"), T_AD1_US - 10000000);
    shot_free(&s);
    s = run_ok(ad1_trace, "--at 200 --span 20", "key p\n");
    ck_assert_int_eq(num(s.state, "t0_us"), 52016786LL - 10000000);
    ck_assert_str_eq(str(s.state, "note"), "ch_down at 52.016786 s");
    shot_free(&s);
    /* nothing after the run's end: the window stays */
    s = run_ok(ad1_trace, "--at 380 --span 20", "key n\n");
    ck_assert_int_eq(num(s.state, "t0_us"), 380000000);
    ck_assert_str_eq(str(s.state, "note"), "");
    shot_free(&s);
}
END_TEST

/* A window of 0.1 s a column: cursors clicked at columns 250 and 800 are at
 * 25 s (12 V, before the cut) and 80 s (0 V, in the outage). */
START_TEST(two_cursors_and_their_readout)
{
    rect p = plots_1280();
    char opts[64], script[256];
    snprintf(opts, sizeof opts, "--at 0 --span %.1f", p.w * 0.1);
    int y = p.y + p.h / 2;
    snprintf(script, sizeof script, "click %d %d\nrclick %d %d\n", p.x + 250, y, p.x + 800, y);
    shot s = run_ok(ad1_trace, opts, script);
    ck_assert_int_eq(num(cursor(s.state, 0), "t_us"), 25000000);
    ck_assert_int_eq(num(cursor(s.state, 1), "t_us"), 80000000);
    ck_assert_str_eq(str(cursor(s.state, 0), "readout"), "A 25.000000 s 12.000 V");
    ck_assert_str_eq(str(cursor(s.state, 1), "readout"), "B 80.000000 s 0.000 V");
    ck_assert_int_eq(num(s.state, "delta_t_us"), 55000000);
    ck_assert_str_eq(str(s.state, "delta_readout"),
                     "\xce\x94t 55.000000 s  \xce\x94V -12.000 V");
    /* the cursor lines in their columns, and the readout in the footer */
    SDL_Surface *img = dash_load_png(s.png);
    rect pv = layout_rect(s.state, "plot_v"), foot = layout_rect(s.state, "footer");
    for (int k = 0; k < 2; k++) {
        int x = p.x + (k == 0 ? 250 : 800);
        ck_assert_int_ge(dash_count_in_column(img, x, pv.y, pv.y + pv.h - 1, CURSOR), pv.h / 2);
        ck_assert_int_eq(dash_count_in_column(img, x - 2, pv.y, pv.y + pv.h / 3, CURSOR), 0);
    }
    ck_assert_int_gt(dash_count_in_rect(img, foot, CURSOR), 50);
    SDL_FreeSurface(img);
    shot_free(&s);

    /* keys 1 and 2 place them at the pointer, B before A: a negative Δt */
    snprintf(script, sizeof script, "move %d %d\nkey 1\nmove %d %d\nkey 2\n", p.x + 600, y,
             p.x + 100, y);
    s = run_ok(ad1_trace, opts, script);
    ck_assert_int_eq(num(s.state, "delta_t_us"), -50000000);
    ck_assert_str_eq(str(s.state, "delta_readout"),
                     "\xce\x94t -50.000000 s  \xce\x94V +12.000 V");
    shot_free(&s);

    /* a double click places A; c clears both */
    snprintf(script, sizeof script, "dblclick %d %d\n", p.x + 10, y);
    s = run_ok(ad1_trace, opts, script);
    ck_assert_int_eq(num(cursor(s.state, 0), "t_us"), 1000000);
    ck_assert(cJSON_IsNull(cursor(s.state, 1)));
    ck_assert(cJSON_IsNull(get(s.state, "delta_t_us")));
    shot_free(&s);
    snprintf(script, sizeof script, "click %d %d\nrclick %d %d\nkey c\n", p.x + 250, y,
             p.x + 800, y);
    s = run_ok(ad1_trace, opts, script);
    ck_assert(cJSON_IsNull(cursor(s.state, 0)));
    ck_assert(cJSON_IsNull(cursor(s.state, 1)));
    img = dash_load_png(s.png);
    ck_assert_int_eq(dash_count_in_rect(img, p, CURSOR), 0);
    SDL_FreeSurface(img);
    shot_free(&s);
}
END_TEST

START_TEST(cursor_outside_the_data_has_no_volts)
{
    shot s = run_ok(ad1_trace, "--at 400 --span 100 --cursor 410 --cursor 420", NULL);
    ck_assert(cJSON_IsNull(get(cursor(s.state, 0), "volts")));
    ck_assert_str_eq(str(cursor(s.state, 0), "readout"), "A 410.000000 s");
    ck_assert_str_eq(str(s.state, "delta_readout"), "\xce\x94t 10.000000 s");
    ck_assert(cJSON_IsNull(get(s.state, "delta_v")));
    shot_free(&s);
}
END_TEST

START_TEST(channel_toggles)
{
    static const char *const keys = "valseo";
    static const char *const names[] = {"volts",    "amps",   "ac_lost",
                                        "ch_state", "events", "overlay"};
    for (int i = 0; i < 6; i++) {
        char script[32];
        snprintf(script, sizeof script, "key %c\n", keys[i]);
        shot s = run_ok(ad1_trace, "", script);
        const cJSON *show = get(s.state, "show");
        for (int j = 0; j < 6; j++)
            ck_assert_msg(flag(show, names[j]) == (i != j), "%s after key %c", names[j],
                          keys[i]);
        shot_free(&s);
        snprintf(script, sizeof script, "key %c %c\n", keys[i], keys[i]);
        s = run_ok(ad1_trace, "", script);
        ck_assert(flag(get(s.state, "show"), names[i]));
        shot_free(&s);
    }
}
END_TEST

/* What each toggle hides is gone from the picture, and comes back. */
START_TEST(toggled_channels_are_not_drawn)
{
    shot s = run_ok(ad1_trace, "", NULL);
    rect pv = dash_below_title(layout_rect(s.state, "plot_v")),
         lane = layout_rect(s.state, "lane_ch");
    SDL_Surface *img = dash_load_png(s.png);
    ck_assert_int_gt(dash_count_in_rect(img, pv, VOLTS), 500);
    ck_assert_int_gt(dash_count_in_rect(img, pv, AD1), 20);
    ck_assert_int_gt(dash_count_in_rect(img, lane, CH_READY), 500);
    SDL_FreeSurface(img);
    shot_free(&s);

    s = run_ok(ad1_trace, "", "key v e s\n");
    img = dash_load_png(s.png);
    ck_assert_int_eq(dash_count_in_rect(img, pv, VOLTS), 0);
    ck_assert_int_eq(dash_count_in_rect(img, pv, AD1), 0);
    ck_assert_int_eq(dash_count_in_rect(img, lane, CH_READY), 0);
    SDL_FreeSurface(img);
    shot_free(&s);

    s = run_ok(ad1_trace, "", "key v e s\nkey v e s\n");
    img = dash_load_png(s.png);
    ck_assert_int_gt(dash_count_in_rect(img, pv, VOLTS), 500);
    ck_assert_int_gt(dash_count_in_rect(img, pv, AD1), 20);
    SDL_FreeSurface(img);
    shot_free(&s);
}
END_TEST

/* The overlay's AD1 marker (dashed, overlay colour) lands on the column of
 * the main trace's AD1 when aligned on ad1, and where the rail_fall shift
 * puts it when aligned on rail_fall; "o" hides the overlay. */
START_TEST(overlay_alignment)
{
    long long bad_ad1 = dash_first_event_us(bad_trace, RC_EV_AD1);
    ck_assert_int_gt(bad_ad1, 0);
    ck_assert_int_ne(bad_ad1, T_AD1_US);
    char opts[1024];
    snprintf(opts, sizeof opts, "--overlay %s --align ad1 --at 200 --span 60", bad_trace);
    shot s = run_ok(ad1_trace, opts, NULL);
    const cJSON *ov = get(s.state, "overlay");
    ck_assert_int_eq(num(ov, "shift_us"), T_AD1_US - bad_ad1);
    ck_assert_str_eq(str(ov, "align"), "ad1");
    rect p = layout_rect(s.state, "plots"), pv = layout_rect(s.state, "plot_v");
    int x = us_to_x(200000000, 60000000, p, T_AD1_US);
    int y0 = pv.y + pv.h / 4, y1 = pv.y + pv.h * 3 / 4;
    SDL_Surface *img = dash_load_png(s.png);
    ck_assert_int_ge(dash_count_in_column(img, x, y0, y1, OVERLAY), (y1 - y0) / 3);
    ck_assert_int_eq(dash_count_in_column(img, x - 3, y0, y1, OVERLAY), 0);
    SDL_FreeSurface(img);
    shot_free(&s);

    long long shift =
        dash_first_event_us(ad1_trace, RC_EV_RAIL_FALL) - dash_first_event_us(bad_trace, RC_EV_RAIL_FALL);
    snprintf(opts, sizeof opts, "--overlay %s --align rail_fall --at 200 --span 60", bad_trace);
    s = run_ok(ad1_trace, opts, NULL);
    ck_assert_int_eq(num(get(s.state, "overlay"), "shift_us"), shift);
    x = us_to_x(200000000, 60000000, p, bad_ad1 + shift);
    ck_assert_int_gt(abs(x - us_to_x(200000000, 60000000, p, T_AD1_US)), 10);
    img = dash_load_png(s.png);
    ck_assert_int_ge(dash_count_in_column(img, x, y0, y1, OVERLAY), (y1 - y0) / 3);
    SDL_FreeSurface(img);
    shot_free(&s);

    s = run_ok(ad1_trace, opts, "key o\n");
    ck_assert(!flag(get(s.state, "show"), "overlay"));
    img = dash_load_png(s.png);
    ck_assert_int_eq(dash_count_in_rect(img, p, OVERLAY), 0);
    SDL_FreeSurface(img);
    shot_free(&s);
}
END_TEST

static int count_screenshots(const char *dir, char *name, size_t len)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "railcut-dash-", 13) == 0 && l > 4 &&
            strcmp(e->d_name + l - 4, ".png") == 0) {
            snprintf(name, len, "%s", e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* F12 and Ctrl+S save the frame on screen in the current directory. */
START_TEST(screenshot_key_saves_the_frame)
{
    static const char *const scripts[] = {"key F12\n", "key ctrl+s\n"};
    for (int i = 0; i < 2; i++) {
        const char *dir = dash_tmp_path("keyshot");
        mkdir(dir, 0777);
        shot s = run_in(dir, ad1_trace, "--at 200 --span 60", scripts[i]);
        ck_assert_msg(s.exit_code == 0, "%s", s.err);
        char name[256], path[1024], note[300];
        ck_assert_int_eq(count_screenshots(dir, name, sizeof name), 1);
        snprintf(note, sizeof note, "saved %s", name);
        ck_assert_str_eq(str(s.state, "note"), note);
        /* ctrl+s saves; it does not also toggle the CH lane */
        ck_assert(flag(get(s.state, "show"), "ch_state"));
        snprintf(path, sizeof path, "%s/%s", dir, name);
        SDL_Surface *saved = dash_load_png(path), *final = dash_load_png(s.png);
        ck_assert_int_eq(saved->w, 1280);
        ck_assert_int_eq(saved->h, 720);
        /* the same plots as the frame the script ended on */
        rect pv = layout_rect(s.state, "plot_v");
        for (int y = pv.y; y < pv.y + pv.h; y += 7)
            for (int x = pv.x; x < pv.x + pv.w; x += 3)
                ck_assert_uint_eq(dash_rgb_at(saved, x, y), dash_rgb_at(final, x, y));
        SDL_FreeSurface(saved);
        SDL_FreeSurface(final);
        shot_free(&s);
    }
}
END_TEST

/* "?" shows the help box over a darkened frame; "?" again hides it. */
START_TEST(help_on_question_mark)
{
    shot s = run_ok(ad1_trace, "", NULL);
    ck_assert(!flag(s.state, "help"));
    rect pv = layout_rect(s.state, "plot_v");
    SDL_Surface *img = dash_load_png(s.png);
    int plot_bg = dash_count_in_rect(img, pv, PLOT_BG);
    ck_assert_int_gt(plot_bg, pv.w * pv.h / 2);
    ck_assert_int_lt(dash_count_in_rect(img, pv, PANEL_BG), 100);
    ck_assert_int_eq(dash_count_in_rect(img, (rect){0, 0, img->w, img->h}, CURSOR), 0);
    SDL_FreeSurface(img);
    shot_free(&s);

    s = run_ok(ad1_trace, "", "key ?\n");
    ck_assert(flag(s.state, "help"));
    img = dash_load_png(s.png);
    ck_assert_int_eq(dash_count_in_rect(img, pv, PLOT_BG), 0); /* all of it shaded or boxed */
    ck_assert_int_gt(dash_count_in_rect(img, pv, PANEL_BG), pv.w * pv.h / 4);
    /* the key names are drawn in the cursor colour */
    ck_assert_int_gt(dash_count_in_rect(img, (rect){0, 0, img->w, img->h}, CURSOR), 50);
    SDL_FreeSurface(img);
    shot_free(&s);

    s = run_ok(ad1_trace, "", "key ?\nkey ?\n");
    ck_assert(!flag(s.state, "help"));
    shot_free(&s);
    s = run_ok(ad1_trace, "", "key /\n");
    ck_assert(flag(s.state, "help"));
    shot_free(&s);
}
END_TEST

/* The frame leaves no pixel undrawn (the image starts black and
 * transparent; the palette has no black), with and without the lanes. */
START_TEST(every_pixel_is_drawn)
{
    static const char *const scripts[] = {"key ?\n", "key l s\n", "key v a e\n"};
    static const char *const sizes[] = {"--size 1280x720", "--size 1920x1080",
                                        "--size 800x600 --scale 1.5"};
    for (int i = 0; i < 3; i++) {
        shot s = run_ok(ad1_trace, sizes[i], scripts[i]);
        SDL_Surface *img = dash_load_png(s.png);
        ck_assert_int_eq(dash_count_in_rect(img, (rect){0, 0, img->w, img->h}, 0x000000u), 0);
        SDL_FreeSurface(img);
        shot_free(&s);
    }
}
END_TEST

START_TEST(pointer_motion_changes_nothing)
{
    shot a = run_ok(ad1_trace, "--at 10 --span 30", NULL);
    shot b =
        run_ok(ad1_trace, "--at 10 --span 30", "move 300 300\nmove 500 400\nmove 1200 20\n");
    char *ta = cJSON_Print(a.state), *tb = cJSON_Print(b.state);
    ck_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    shot_free(&a);
    shot_free(&b);
}
END_TEST

/* At --scale 2 a 2560x1440 image is what a 2x display shows of a 1280x720
 * window: the layout doubled, and scripted positions in points. */
START_TEST(hidpi_scale_doubles_the_layout_and_the_pointer)
{
    shot one = run_ok(ad1_trace, "--at 0 --span 100", NULL);
    rect p1 = layout_rect(one.state, "plots");
    char script[64];
    snprintf(script, sizeof script, "click %d %d\n", p1.x + 300, p1.y + p1.h / 2);
    shot two = run_ok(ad1_trace, "--at 0 --span 100 --size 2560x1440 --scale 2", script);
    rect p2 = layout_rect(two.state, "plots");
    ck_assert_int_le(abs(p2.x - 2 * p1.x), 2);
    ck_assert_int_le(abs(p2.w - 2 * p1.w), 4);
    ck_assert_int_le(abs(p2.h - 2 * p1.h), 4);
    const cJSON *f1 = get(get(one.state, "layout"), "font_px");
    const cJSON *f2 = get(get(two.state, "layout"), "font_px");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(cJSON_GetArrayItem(f2, i)->valueint,
                         2 * cJSON_GetArrayItem(f1, i)->valueint);
    ck_assert_int_eq(num(two.state, "dpi_scale"), 2);
    /* the click at point x is pixel 2x */
    ck_assert_int_eq(num(cursor(two.state, 0), "t_us"),
                     x_to_us(0, 100000000, p2, 2 * (p1.x + 300)));
    ck_assert_int_le(
        llabs(num(cursor(two.state, 0), "t_us") - x_to_us(0, 100000000, p1, p1.x + 300)),
        100000000 / p1.w);
    SDL_Surface *img = dash_load_png(two.png);
    ck_assert_int_eq(img->w, 2560);
    SDL_FreeSurface(img);
    shot_free(&one);
    shot_free(&two);
}
END_TEST

/* Type grows with the height: 13 px body text at 720 lines, 16 at 1080. */
START_TEST(type_size_follows_the_height)
{
    shot s = run_ok(ad1_trace, "--size 1920x1080", NULL);
    ck_assert_int_eq(cJSON_GetArrayItem(get(get(s.state, "layout"), "font_px"), 1)->valueint,
                     16);
    shot_free(&s);
    s = run_ok(ad1_trace, "--size 1280x720", NULL);
    ck_assert_int_eq(cJSON_GetArrayItem(get(get(s.state, "layout"), "font_px"), 1)->valueint,
                     13);
    shot_free(&s);
    /* a 1280x720 window on a 1.5x display */
    s = run_ok(ad1_trace, "--size 1920x1080 --scale 1.5", NULL);
    ck_assert_int_eq(cJSON_GetArrayItem(get(get(s.state, "layout"), "font_px"), 1)->valueint,
                     20);
    shot_free(&s);
}
END_TEST

START_TEST(quit_key_ends_the_script)
{
    shot s = run_ok(ad1_trace, "", "key v\nkey q\nkey a\n");
    ck_assert(!flag(get(s.state, "show"), "volts"));
    ck_assert(flag(get(s.state, "show"), "amps"));
    shot_free(&s);
}
END_TEST

START_TEST(script_errors_name_file_and_line)
{
    shot s = run_in(NULL, ad1_trace, "", "key v\n\n  # fine\njump 3 4\n");
    ck_assert_int_eq(s.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(s.err, "script.txt:4: unknown input 'jump'"));
    s = run_in(NULL, ad1_trace, "", "key Nokey\n");
    ck_assert_int_eq(s.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(s.err, ":1: 'Nokey' is not a key"));
    s = run_in(NULL, ad1_trace, "", "key\n");
    ck_assert_int_eq(s.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(s.err, ":1: key needs a key name"));
    static const char *const bad_mouse[] = {
        "wheel left 3 4\n", "wheel up 3\n", "wheel up 3 4 0\n", "click 3\n",
        "click a b\n",      "drag 1 2 3\n", "move 1 2 3\n"};
    for (size_t i = 0; i < sizeof bad_mouse / sizeof bad_mouse[0]; i++) {
        s = run_in(NULL, ad1_trace, "", bad_mouse[i]);
        ck_assert_msg(s.exit_code == 2, "'%s' exited %d", bad_mouse[i], s.exit_code);
        ck_assert_ptr_nonnull(strstr(s.err, "script.txt:1: "));
    }
    /* nothing is written when the script fails */
    ck_assert_int_eq(access(s.png, F_OK), -1);

    ck_assert_int_eq(dash_sh("%s --screenshot %s --script /nonexistent/s.txt %s 2>/dev/null",
                        DASH_BIN, dash_tmp_path("x.png"), ad1_trace),
                     3);
    ck_assert_int_eq(dash_sh("%s --script /dev/null %s 2>/dev/null", DASH_BIN, ad1_trace), 2);
    ck_assert_int_eq(dash_sh("%s --dump-state - %s 2>/dev/null", DASH_BIN, ad1_trace), 2);
    ck_assert_int_eq(dash_sh("%s --screenshot %s --scale 9 %s 2>/dev/null", DASH_BIN,
                        dash_tmp_path("x.png"), ad1_trace),
                     2);
    ck_assert_int_eq(dash_sh("%s --screenshot %s --scale x %s 2>/dev/null", DASH_BIN,
                        dash_tmp_path("x.png"), ad1_trace),
                     2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("railcut-dash input");
    TCase *tc = tcase_create("script");
    tcase_add_unchecked_fixture(tc, make_traces, NULL);
    tcase_set_timeout(tc, 240); /* generous: sanitizer builds on a busy machine */
    tcase_add_test(tc, wheel_zooms_about_the_pointer);
    tcase_add_test(tc, keys_zoom_about_the_centre);
    tcase_add_test(tc, zoom_stops_at_one_millisecond);
    tcase_add_test(tc, drag_pans_by_the_pixels_moved);
    tcase_add_test(tc, arrow_keys_pan);
    tcase_add_test(tc, fit_shows_the_whole_trace);
    tcase_add_test(tc, next_and_previous_event);
    tcase_add_test(tc, two_cursors_and_their_readout);
    tcase_add_test(tc, cursor_outside_the_data_has_no_volts);
    tcase_add_test(tc, channel_toggles);
    tcase_add_test(tc, toggled_channels_are_not_drawn);
    tcase_add_test(tc, overlay_alignment);
    tcase_add_test(tc, screenshot_key_saves_the_frame);
    tcase_add_test(tc, help_on_question_mark);
    tcase_add_test(tc, every_pixel_is_drawn);
    tcase_add_test(tc, pointer_motion_changes_nothing);
    tcase_add_test(tc, hidpi_scale_doubles_the_layout_and_the_pointer);
    tcase_add_test(tc, type_size_follows_the_height);
    tcase_add_test(tc, quit_key_ends_the_script);
    tcase_add_test(tc, script_errors_name_file_and_line);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
