/*
 * dash_testutil.h - what the railcut-dash tests share: temporary paths,
 * shell commands, traces recorded by the real `railcut run`, and reading the
 * PNGs railcut-dash writes (pixels in ARGB8888, compared as 0xRRGGBB).
 */
#ifndef RAILCUT_DASH_TESTUTIL_H
#define RAILCUT_DASH_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <SDL2/SDL.h>

#include "railcut/event.h"

#define PROFILES RC_FIXTURES_DIR "/profiles"
#define CH_FILES RC_FIXTURES_DIR "/ch"

/* Colours of the dashboard's palette (gui/src/dash.h) the tests look for. */
#define VOLTS 0x4fc3f7u
#define AD1 0xff1744u

typedef struct rect {
    int x, y, w, h;
} rect;

/* A fresh path under the tests' tmp dir; the last 16 stay valid. */
const char *dash_tmp_path(const char *name);

/* Runs a command line through /bin/sh (arguments are trusted test strings);
 * returns its exit code, -1 if it did not exit. */
int dash_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The file's whole text (NUL-terminated, caller frees); NULL if missing. */
char *dash_slurp(const char *path);
void dash_write_file(const char *path, const char *text);

/* Records fixtures/profiles/ota-reboot.rail with extra run ARGS into a new
 * tmp file NAME; its path goes to PATH. */
void dash_record(char *path, size_t len, const char *name, const char *args);

/* The time of the first event of KIND in the trace, -1 if none. */
long long dash_first_event_us(const char *path, rc_event_kind kind);

SDL_Surface *dash_load_png(const char *path);
uint32_t dash_rgb_at(const SDL_Surface *s, int x, int y);
/* Pixels of colour C inside R, and in column X between Y0 and Y1 inclusive. */
int dash_count_in_rect(const SDL_Surface *s, rect r, uint32_t c);
int dash_count_in_column(const SDL_Surface *s, int x, int y0, int y1, uint32_t c);

/* The volts plot below its "rail V" title, which is drawn in the volts colour. */
rect dash_below_title(rect r);

#endif
