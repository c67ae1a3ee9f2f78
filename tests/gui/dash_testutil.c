/*
 * dash_testutil.c - the railcut-dash tests' shared helpers (dash_testutil.h).
 * Failures inside them fail the calling Check test.
 */
#include "dash_testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL2/SDL_image.h>
#include <check.h>

#include "railcut/trace.h"

const char *dash_tmp_path(const char *name)
{
    static char paths[16][512];
    static unsigned n;
    char *p = paths[n++ % 16];
    mkdir(RC_GUI_TMP_DIR, 0777);
    snprintf(p, sizeof paths[0], "%s/%ld-%u-%s", RC_GUI_TMP_DIR, (long)getpid(), n, name);
    return p;
}

int dash_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *dash_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

void dash_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

void dash_record(char *path, size_t len, const char *name, const char *args)
{
    snprintf(path, len, "%s", dash_tmp_path(name));
    const char *err = dash_tmp_path("record.err");
    int code = dash_sh("%s run %s/ota-reboot.rail %s --trace %s -q >/dev/null 2>%s",
                       RAILCUT_BIN, PROFILES, args, path, err);
    char *text = dash_slurp(err);
    ck_assert_msg(code == 0 || code == 1, "railcut run exited %d: %s", code, text ? text : "");
    free(text);
}

long long dash_first_event_us(const char *path, rc_event_kind kind)
{
    rc_trace *t;
    rc_error err;
    ck_assert_msg(rc_trace_open(path, &t, &err) == RC_OK, "%s", err.msg);
    size_t n;
    const rc_event *ev = rc_trace_get_events(t, &n);
    long long at = -1;
    for (size_t i = 0; i < n && at < 0; i++)
        if (ev[i].kind == kind)
            at = ev[i].t_us;
    rc_trace_close(t);
    return at;
}

SDL_Surface *dash_load_png(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    ck_assert_msg(raw != NULL, "cannot load %s: %s", path, IMG_GetError());
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    ck_assert_ptr_nonnull(s);
    return s;
}

uint32_t dash_rgb_at(const SDL_Surface *s, int x, int y)
{
    ck_assert(x >= 0 && x < s->w && y >= 0 && y < s->h);
    const uint32_t *row = (const uint32_t *)((const uint8_t *)s->pixels + y * s->pitch);
    return row[x] & 0xffffffu;
}

int dash_count_in_rect(const SDL_Surface *s, rect r, uint32_t c)
{
    int n = 0;
    for (int x = r.x; x < r.x + r.w; x++)
        for (int y = r.y; y < r.y + r.h; y++)
            n += dash_rgb_at(s, x, y) == c;
    return n;
}

int dash_count_in_column(const SDL_Surface *s, int x, int y0, int y1, uint32_t c)
{
    return dash_count_in_rect(s, (rect){x, y0, 1, y1 - y0 + 1}, c);
}

rect dash_below_title(rect r)
{
    return (rect){r.x, r.y + 24, r.w, r.h - 24};
}
