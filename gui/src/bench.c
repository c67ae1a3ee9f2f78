/*
 * bench.c - `railcut-dash --bench TRACE`: frame times at 1920x1080.
 *
 * For each zoom level (the whole trace, then 1/10, 1/100, 1/1000 of it, and a
 * 1 s window where samples are drawn one by one) it draws BENCH_FRAMES frames,
 * each panned by one pixel column so that every frame queries new data, and
 * times per frame: the query (the columns from the reader's summary, or the
 * samples when zoomed in); the render alone (into a memory surface with SDL's
 * software renderer), as wall time and as the thread's CPU time, which load
 * from other processes does not inflate; and, when a display is there (e.g.
 * under xvfb-run), render + present in a window with the software renderer,
 * with the present alone beside it. The first frame, drawn with an empty text
 * cache, is reported on its own as well as in the percentiles. Percentiles go
 * to stdout, with the load average before and after and the resident memory
 * (peak, and at the end).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dash.h"

#define BENCH_W 1920
#define BENCH_H 1080
#define BENCH_FRAMES 300

typedef struct timings {
    double query_ms[BENCH_FRAMES];
    double render_ms[BENCH_FRAMES];
    double render_cpu_ms[BENCH_FRAMES]; /* this thread's CPU time: what load elsewhere cannot inflate */
    double present_ms[BENCH_FRAMES];    /* SDL_RenderPresent alone */
    double total_ms[BENCH_FRAMES];      /* render + present */
} timings;

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)ceil(p / 100.0 * n) - 1;
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static void report(const char *what, const char *level, double *v)
{
    printf("  %-22s %-8s p50 %7.2f  p95 %7.2f  p99 %7.2f  max %7.2f ms\n", what, level,
           pct(v, BENCH_FRAMES, 50), pct(v, BENCH_FRAMES, 95), pct(v, BENCH_FRAMES, 99),
           pct(v, BENCH_FRAMES, 100));
}

static void print_load(const char *when)
{
    char buf[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fgets(buf, sizeof buf, f))
        buf[strcspn(buf, "\n")] = '\0';
    if (f)
        fclose(f);
    printf("  load average %s: %s\n", when, buf[0] ? buf : "unknown");
}

/* Draws the frames of one level; present != NULL also presents each one. */
static rc_status run_level(dash_app *app, int64_t span_us, timings *t, SDL_Renderer *present,
                           rc_error *err)
{
    const dash_layout *l = &app->layout;
    int64_t end = dash_trace_end_us(&app->main);
    app->view.span_us = span_us;
    app->view.t0_us = (end - span_us) / 2;
    for (int i = 0; i < BENCH_FRAMES; i++) {
        app->view.t0_us += span_us / l->plots.w;
        double t0 = now_ms();
        rc_status st = dash_frame_query(&app->frame, &app->main, app->view.t0_us, span_us,
                                        l->plots.w, err);
        if (st != RC_OK)
            return st;
        double t1 = now_ms(), c1 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        st = dash_draw(app, err);
        if (st != RC_OK)
            return st;
        /* SDL batches drawing until present; flushing here keeps the
         * rasterising in the render time, and only the hand-over to the X
         * server in the present time. */
        SDL_RenderFlush(app->r);
        double t2 = now_ms(), c2 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        if (present)
            SDL_RenderPresent(present);
        double t3 = now_ms();
        t->query_ms[i] = t1 - t0;
        t->render_ms[i] = t2 - t1;
        t->render_cpu_ms[i] = c2 - c1;
        t->present_ms[i] = t3 - t2;
        t->total_ms[i] = t3 - t1;
    }
    return RC_OK;
}

static rc_status run_levels(dash_app *app, SDL_Renderer *r, bool present, rc_error *err)
{
    int64_t end = dash_trace_end_us(&app->main);
    int64_t full = end - app->main.stats->first_us;
    int64_t spans[5] = {full, full / 10, full / 100, full / 1000, 1000000};
    const char *names[5] = {"whole", "1/10", "1/100", "1/1000", "1 s"};
    rc_status st = dash_app_attach(app, r, BENCH_W, BENCH_H, 1.0f, 1.0f, NULL, err);
    bool first = true;
    for (int k = 0; k < 5 && st == RC_OK; k++) {
        if (spans[k] < DASH_MIN_SPAN_US)
            continue;
        timings t;
        st = run_level(app, spans[k], &t, present ? r : NULL, err);
        if (st != RC_OK)
            break;
        if (first)
            printf("  %-31s %.2f ms (%.2f ms CPU)\n",
                   present ? "first frame, render + present" : "first frame, render",
                   present ? t.total_ms[0] : t.render_ms[0], t.render_cpu_ms[0]);
        first = false;
        if (present) {
            report("render + present", names[k], t.total_ms);
            report("present alone", names[k], t.present_ms);
            report("render, CPU time", names[k], t.render_cpu_ms);
        } else {
            report("query", names[k], t.query_ms);
            report("render", names[k], t.render_ms);
            report("render, CPU time", names[k], t.render_cpu_ms);
        }
    }
    return st;
}

static rc_status bench_offscreen(dash_app *app, rc_error *err)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, BENCH_W, BENCH_H, 32,
                                                    SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
    if (!r) {
        SDL_FreeSurface(s);
        return rc_error_set(err, RC_ERR_DEVICE, "software renderer: %s", SDL_GetError());
    }
    rc_status st = run_levels(app, r, false, err);
    dash_text_close(app->text);
    app->text = NULL;
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
    return st;
}

static rc_status bench_window(dash_app *app, rc_error *err)
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        printf("  render + present: no display (%s); run under xvfb-run\n", SDL_GetError());
        return RC_OK;
    }
    /* Present the software renderer's surface as it is (XShm under X11), not
     * through an OpenGL texture, which on a machine without a GPU is another
     * software rasteriser. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_Window *win = SDL_CreateWindow("railcut-dash bench", 0, 0, BENCH_W, BENCH_H, 0);
    SDL_Renderer *r = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    rc_status st = RC_OK;
    if (r)
        st = run_levels(app, r, true, err);
    else
        printf("  render + present: no window (%s)\n", SDL_GetError());
    dash_text_close(app->text);
    app->text = NULL;
    if (r)
        SDL_DestroyRenderer(r);
    if (win)
        SDL_DestroyWindow(win);
    return st;
}

/* Resident memory now (the peak above includes the analysis thread's reader,
 * closed once the analysis is in). */
static long resident_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    if (f)
        fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

rc_status dash_bench(dash_app *app, const dash_options *o, rc_error *err)
{
    const rc_trace_stats *s = app->main.stats;
    printf("railcut-dash bench: %s\n  %llu samples, %.3f s, %llu bytes; %dx%d, %d frames a "
           "level, SDL software renderer\n",
           o->trace_path, (unsigned long long)s->samples,
           (double)(dash_trace_end_us(&app->main) - s->first_us) / 1e6,
           (unsigned long long)s->file_bytes, BENCH_W, BENCH_H, BENCH_FRAMES);
    app->view.cursor_set[0] = app->view.cursor_set[1] = false;
    dash_trace_wait_analysis(&app->main);
    print_load("before");
    rc_status st = bench_offscreen(app, err);
    if (st == RC_OK)
        st = bench_window(app, err);
    print_load("after");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak resident memory %ld KiB (the analysis's reader included), at the end %ld KiB\n",
           ru.ru_maxrss, resident_kib());
    return st;
}
