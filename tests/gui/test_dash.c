/*
 * test_dash.c - end-to-end tests of railcut-dash: traces recorded by the real
 * `railcut run`, frames rendered by `railcut-dash --screenshot` (SDL's software
 * renderer, no display), and the PNGs checked pixel by pixel: their size, the
 * rail drawn where the rail was, the AD1 marker in the column of its exact time,
 * a live trace growing between two frames, every error path of the options,
 * and `railcut run --dash` when the dashboard is not installed.
 *
 * railcut-dash prints one "frame ..." line with the layout and the time window
 * of the image it wrote; the tests map times to pixels with it, the same way
 * the dashboard does: x = plots.x + floor((t - t0) * plots.w / span).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <check.h>

#include "dash_testutil.h"
#include "railcut/trace.h"

typedef struct frame_info {
    int w, h;
    long long t0_us, span_us;
    double v_top;
    rect plots, plot_v, plot_a, lane_ch;
    unsigned long long samples;
} frame_info;

typedef struct result {
    int exit_code;
    char out[4096];
    char err[4096];
} result;

static char ad1_trace[512], good_trace[512], bad_trace[512];

/* The text of PATH into BUF, cut to fit ("" if missing). */
static void read_into(const char *path, char *buf, size_t len)
{
    char *text = dash_slurp(path);
    snprintf(buf, len, "%s", text ? text : "");
    free(text);
}

/* Runs a command line through the shell (arguments are trusted test strings). */
static result run(const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    const char *out = dash_tmp_path("stdout"), *err = dash_tmp_path("stderr");
    result r = {.exit_code = dash_sh("%s >%s 2>%s </dev/null", args, out, err)};
    read_into(out, r.out, sizeof r.out);
    read_into(err, r.err, sizeof r.err);
    return r;
}

static void make_traces(void)
{
    dash_record(ad1_trace, sizeof ad1_trace, "ad1.rct", "--set off=185s");
    dash_record(good_trace, sizeof good_trace, "good.rct", "");
    dash_record(bad_trace, sizeof bad_trace, "bad.rct",
                "--set off=185s --ch " CH_FILES "/defect-timer-offset.ini");
}

static rect field_rect(const char *line, const char *name)
{
    char key[32];
    snprintf(key, sizeof key, " %s=", name);
    const char *p = strstr(line, key);
    ck_assert_msg(p != NULL, "no %s in '%s'", name, line);
    rect r;
    ck_assert_int_eq(sscanf(p + strlen(key), "%d,%d,%d,%d", &r.x, &r.y, &r.w, &r.h), 4);
    return r;
}

static frame_info parse_frame(const char *out)
{
    const char *line = strstr(out, "frame ");
    ck_assert_msg(line != NULL, "no frame line in '%s'", out);
    frame_info f;
    ck_assert_int_eq(sscanf(line, "frame size=%dx%d t0_us=%lld span_us=%lld v_top=%lf", &f.w,
                            &f.h, &f.t0_us, &f.span_us, &f.v_top),
                     5);
    f.plots = field_rect(line, "plots");
    f.plot_v = field_rect(line, "plot_v");
    f.plot_a = field_rect(line, "plot_a");
    f.lane_ch = field_rect(line, "lane_ch");
    ck_assert_int_eq(sscanf(strstr(line, " samples=") + 9, "%llu", &f.samples), 1);
    return f;
}

/* Renders TRACE with extra options; checks the exit code and returns the frame line. */
static frame_info shoot(const char *png, const char *trace, const char *opts)
{
    result r = run("%s --screenshot %s %s %s", DASH_BIN, png, opts, trace);
    ck_assert_msg(r.exit_code == 0, "railcut-dash exited %d: %s", r.exit_code, r.err);
    return parse_frame(r.out);
}

static int x_of(const frame_info *f, long long t_us)
{
    return f->plots.x + (int)((t_us - f->t0_us) * f->plots.w / f->span_us);
}

static int y_of_volts(const frame_info *f, double v)
{
    const rect *r = &f->plot_v;
    return r->y + r->h - 1 - (int)(v / f->v_top * (r->h - 1) + 0.5);
}

START_TEST(image_has_the_asked_size)
{
    static const char *sizes[] = {"1280x720", "1920x1080", "800x600"};
    static const int wh[][2] = {{1280, 720}, {1920, 1080}, {800, 600}};
    for (int i = 0; i < 3; i++) {
        const char *png = dash_tmp_path("size.png");
        char opt[32];
        snprintf(opt, sizeof opt, "--size %s", sizes[i]);
        frame_info f = shoot(png, ad1_trace, opt);
        ck_assert_int_eq(f.w, wh[i][0]);
        ck_assert_int_eq(f.h, wh[i][1]);
        SDL_Surface *s = dash_load_png(png);
        ck_assert_int_eq(s->w, wh[i][0]);
        ck_assert_int_eq(s->h, wh[i][1]);
        SDL_FreeSurface(s);
    }
}
END_TEST

START_TEST(default_size_is_1280x720_and_fits_the_trace)
{
    const char *png = dash_tmp_path("default.png");
    frame_info f = shoot(png, ad1_trace, "");
    ck_assert_int_eq(f.w, 1280);
    ck_assert_int_eq(f.h, 720);
    /* Zoom to fit: the whole run, 0 .. 375.008504 s, with a 2 % margin each side. */
    ck_assert_int_lt(f.t0_us, 0);
    ck_assert_int_gt(f.t0_us + f.span_us, 375008504LL);
    ck_assert_int_eq(f.samples, 375009);
}
END_TEST

/* The CH is powered at 12 V from 0 to 50.004 s and after 235.004 s; the rail
 * is cut in between. The volts trace must be at 12 V and at 0 V there. */
START_TEST(rail_is_drawn_where_the_rail_was)
{
    const char *png = dash_tmp_path("rail.png");
    frame_info f = shoot(png, ad1_trace, "--size 1920x1080");
    SDL_Surface *s = dash_load_png(png);
    int y12 = y_of_volts(&f, 12.0), y0 = y_of_volts(&f, 0.0);
    long long up[] = {25000000, 40000000, 300000000, 360000000};
    for (int i = 0; i < 4; i++) {
        int x = x_of(&f, up[i]);
        ck_assert_msg(dash_count_in_column(s, x, y12 - 1, y12 + 1, VOLTS) > 0,
                      "no 12 V trace at t=%lld us (x=%d y=%d)", up[i], x, y12);
        ck_assert_int_eq(dash_count_in_column(s, x, y0 - 2, y0 + 1, VOLTS), 0);
    }
    long long down[] = {100000000, 150000000, 200000000};
    for (int i = 0; i < 3; i++) {
        int x = x_of(&f, down[i]);
        ck_assert_msg(dash_count_in_column(s, x, y0 - 1, y0 + 1, VOLTS) > 0,
                      "no 0 V trace at t=%lld us", down[i]);
        ck_assert_int_eq(dash_count_in_column(s, x, f.plot_v.y, y12 + 2, VOLTS), 0);
    }
    SDL_FreeSurface(s);
}
END_TEST

/* The AD1 marker is a 2-pixel line in the column of the AD1's exact time. */
static void check_ad1_column(const char *opts)
{
    long long t_ad1 = dash_first_event_us(ad1_trace, RC_EV_AD1);
    ck_assert_int_eq(t_ad1, 232016787LL);
    const char *png = dash_tmp_path("ad1.png");
    frame_info f = shoot(png, ad1_trace, opts);
    SDL_Surface *s = dash_load_png(png);
    int x = x_of(&f, t_ad1);
    int y_mid = f.plot_v.y + f.plot_v.h / 3;
    int hits = dash_count_in_column(s, x, y_mid, y_mid + 20, AD1) +
               dash_count_in_column(s, x + 1, y_mid, y_mid + 20, AD1);
    ck_assert_msg(hits >= 20, "AD1 marker not at x=%d (%d hits)", x, hits);
    ck_assert_int_eq(dash_count_in_column(s, x - 3, y_mid, y_mid + 20, AD1), 0);
    ck_assert_int_eq(dash_count_in_column(s, x + 4, y_mid, y_mid + 20, AD1), 0);
    SDL_FreeSurface(s);
}

START_TEST(ad1_marker_at_its_time_whole_trace)
{
    check_ad1_column("--size 1280x720");
}
END_TEST

START_TEST(ad1_marker_at_its_time_zoomed_in)
{
    /* 2 s across the plot: one pixel is about 1.7 ms. */
    check_ad1_column("--size 1280x720 --at 231 --span 2");
}
END_TEST

START_TEST(ad1_marker_at_its_time_full_hd)
{
    check_ad1_column("--size 1920x1080 --at 200 --span 60");
}
END_TEST

START_TEST(no_ad1_marker_without_ad1)
{
    ck_assert_int_eq(dash_first_event_us(good_trace, RC_EV_AD1), -1);
    const char *png = dash_tmp_path("good.png");
    frame_info f = shoot(png, good_trace, "");
    SDL_Surface *s = dash_load_png(png);
    ck_assert_int_eq(dash_count_in_rect(s, f.plot_v, AD1), 0);
    SDL_FreeSurface(s);
}
END_TEST

START_TEST(window_outside_the_trace_draws_no_rail)
{
    const char *png = dash_tmp_path("outside.png");
    frame_info f = shoot(png, ad1_trace, "--at 1000 --span 10");
    ck_assert_int_eq(f.t0_us, 1000000000LL);
    ck_assert_int_eq(f.span_us, 10000000LL);
    SDL_Surface *s = dash_load_png(png);
    ck_assert_int_eq(dash_count_in_rect(s, dash_below_title(f.plot_v), VOLTS), 0);
    SDL_FreeSurface(s);
}
END_TEST

/* A window reaching past the end of the run: nothing drawn after the last
 * sample, at the summary's zoom (about 200 samples a column). */
START_TEST(nothing_drawn_after_the_run)
{
    const char *png = dash_tmp_path("after.png");
    frame_info f = shoot(png, ad1_trace, "--at 300 --span 200");
    SDL_Surface *s = dash_load_png(png);
    int x_end = x_of(&f, 375008504LL);
    rect before = {f.plot_v.x, f.plot_v.y + 24, x_end - f.plot_v.x - 1, f.plot_v.h - 24};
    rect after = {x_end + 2, f.plot_v.y, f.plot_v.x + f.plot_v.w - x_end - 2, f.plot_v.h};
    ck_assert_int_gt(dash_count_in_rect(s, before, VOLTS), 0);
    ck_assert_int_eq(dash_count_in_rect(s, after, VOLTS), 0);
    SDL_FreeSurface(s);
}
END_TEST

START_TEST(zoomed_in_samples_are_drawn_one_by_one)
{
    /* 20 ms at 1 kHz: 20 samples on 1280 px, drawn as dots joined by lines,
     * in the 12 V hold before the cut. */
    const char *png = dash_tmp_path("raw.png");
    frame_info f = shoot(png, ad1_trace, "--at 30 --span 0.02");
    SDL_Surface *s = dash_load_png(png);
    int y12 = y_of_volts(&f, 12.0);
    rect band = {f.plot_v.x, y12 - 2, f.plot_v.w, 5};
    /* dots are 5 px tall, so the band holds far more than one line of pixels */
    ck_assert_int_gt(dash_count_in_rect(s, band, VOLTS), f.plot_v.w + 20 * 10);
    SDL_FreeSurface(s);
}
END_TEST

START_TEST(overlay_aligned_on_an_event)
{
    const char *png = dash_tmp_path("overlay.png");
    result r = run("%s --screenshot %s --overlay %s --align rail_fall %s", DASH_BIN, png,
                   bad_trace, ad1_trace);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    SDL_Surface *s = dash_load_png(png);
    ck_assert_int_eq(s->w, 1280);
    SDL_FreeSurface(s);
    r = run("%s --screenshot %s --overlay %s --align ad1 %s", DASH_BIN, png, good_trace,
            ad1_trace);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "has no ad1 event"));
    r = run("%s --screenshot %s --overlay %s --align nonsense %s", DASH_BIN, png, bad_trace,
            ad1_trace);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "'nonsense' is not an event kind"));
}
END_TEST

START_TEST(errors_name_what_is_wrong)
{
    const char *png = dash_tmp_path("err.png");
    result r = run("%s --screenshot %s /nonexistent/x.rct", DASH_BIN, png);
    ck_assert_int_ne(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/x.rct"));
    r = run("%s --screenshot %s --font /nonexistent/font.ttf %s", DASH_BIN, png, ad1_trace);
    ck_assert_int_ne(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "font /nonexistent/font.ttf not found"));
    ck_assert_int_eq(access(png, F_OK), -1);
    r = run("%s --screenshot %s --size 10x10 %s", DASH_BIN, png, ad1_trace);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--size"));
    r = run("%s --screenshot %s --span 0 %s", DASH_BIN, png, ad1_trace);
    ck_assert_int_eq(r.exit_code, 2);
    r = run("%s --screenshot %s --at soon %s", DASH_BIN, png, ad1_trace);
    ck_assert_int_eq(r.exit_code, 2);
    r = run("%s --screenshot %s", DASH_BIN, png);
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no TRACE given"));
    r = run("%s --screenshot /nonexistent/dir/x.png %s", DASH_BIN, ad1_trace);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/dir/x.png"));
    const char *not_trace = dash_tmp_path("not.rct");
    FILE *fp = fopen(not_trace, "w");
    fputs("not a trace\n", fp);
    fclose(fp);
    r = run("%s --screenshot %s %s", DASH_BIN, png, not_trace);
    ck_assert_int_eq(r.exit_code, 2);
    r = run("%s --help", DASH_BIN);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--screenshot"));
}
END_TEST

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* `railcut run --dash` where no railcut-dash can be found: a warning, and the
 * run, its trace and its verdict as without --dash. */
START_TEST(run_dash_without_the_dashboard)
{
    const char *dir = dash_tmp_path("alone");
    mkdir(dir, 0777);
    result r = run("cp %s %s/railcut", RAILCUT_BIN, dir);
    ck_assert_int_eq(r.exit_code, 0);
    const char *trace = dash_tmp_path("alone.rct");
    r = run("env PATH=/usr/bin:/bin %s/railcut run %s/ota-reboot.rail --dash --trace %s -q", dir,
            PROFILES, trace);
    ck_assert_msg(r.exit_code == 0, "exit %d: %s", r.exit_code, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "--dash: railcut-dash not found"));
    frame_info f = shoot(dash_tmp_path("alone.png"), trace, "");
    ck_assert_int_gt(f.samples, 0);
}
END_TEST

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* A paced run writes the trace while two frames are taken: the second shows
 * more of it. At 50x the 375 s run would last 7.5 s; it is stopped after the
 * second frame. */
START_TEST(live_trace_grows_between_two_frames)
{
    const char *trace = dash_tmp_path("live.rct");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/ota-reboot.rail", PROFILES);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(RAILCUT_BIN, "railcut", "run", cmd, "--pace", "50", "--trace", trace, "-q",
              (char *)NULL);
        _exit(127);
    }
    while (file_size(trace) < 200000)
        sleep_ms(20);
    const char *png1 = dash_tmp_path("live1.png"), *png2 = dash_tmp_path("live2.png");
    frame_info f1 = shoot(png1, trace, "--span 400");
    sleep_ms(1500);
    frame_info f2 = shoot(png2, trace, "--span 400");
    /* Ctrl-C: the run stops and finalises its trace; no need to wait it out. */
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_gt(f2.samples, f1.samples);
    SDL_Surface *s1 = dash_load_png(png1), *s2 = dash_load_png(png2);
    int n1 = dash_count_in_rect(s1, dash_below_title(f1.plot_v), VOLTS);
    int n2 = dash_count_in_rect(s2, dash_below_title(f2.plot_v), VOLTS);
    ck_assert_msg(n2 > n1, "second frame shows no more rail (%d vs %d px)", n2, n1);
    SDL_FreeSurface(s1);
    SDL_FreeSurface(s2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("railcut-dash");
    TCase *tc = tcase_create("screenshot");
    tcase_add_unchecked_fixture(tc, make_traces, NULL);
    tcase_set_timeout(tc, 240); /* generous: sanitizer builds on a busy machine */
    tcase_add_test(tc, image_has_the_asked_size);
    tcase_add_test(tc, default_size_is_1280x720_and_fits_the_trace);
    tcase_add_test(tc, rail_is_drawn_where_the_rail_was);
    tcase_add_test(tc, ad1_marker_at_its_time_whole_trace);
    tcase_add_test(tc, ad1_marker_at_its_time_zoomed_in);
    tcase_add_test(tc, ad1_marker_at_its_time_full_hd);
    tcase_add_test(tc, no_ad1_marker_without_ad1);
    tcase_add_test(tc, window_outside_the_trace_draws_no_rail);
    tcase_add_test(tc, nothing_drawn_after_the_run);
    tcase_add_test(tc, zoomed_in_samples_are_drawn_one_by_one);
    tcase_add_test(tc, overlay_aligned_on_an_event);
    tcase_add_test(tc, errors_name_what_is_wrong);
    tcase_add_test(tc, live_trace_grows_between_two_frames);
    tcase_add_test(tc, run_dash_without_the_dashboard);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
