/*
 * text.c - fonts and a small texture cache.
 *
 * The cache is an open-addressed table of DASH_CACHE_SLOTS entries keyed by
 * (font, colour, string). Each entry remembers the frame it was last drawn
 * in; entries unused for DASH_CACHE_AGE frames are freed at frame end, and a
 * full table evicts the least recently used entry of the probe run. Numbers
 * that change every frame (the live clock) cost one glyph render each, the
 * rest of the frame's text none.
 */
#include "text.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL2/SDL_ttf.h>

#define DASH_CACHE_SLOTS 512
#define DASH_CACHE_PROBE 8
#define DASH_CACHE_AGE 120
#define DASH_TEXT_MAX 160

typedef struct entry {
    SDL_Texture *tex;
    int w, h;
    uint64_t frame;
    uint32_t hash;
    dash_font font;
    SDL_Color colour;
    char s[DASH_TEXT_MAX];
} entry;

struct dash_text {
    SDL_Renderer *r;
    TTF_Font *fonts[DASH_N_FONTS];
    int heights[DASH_N_FONTS];
    uint64_t frame;
    entry slots[DASH_CACHE_SLOTS];
};

static rc_status open_font(dash_text *tx, dash_font f, const char *path, int px, rc_error *err)
{
    if (access(path, R_OK) != 0)
        return rc_error_set(err, RC_ERR_NOT_FOUND,
                            "font %s not found (Debian package fonts-dejavu-core)", path);
    tx->fonts[f] = TTF_OpenFont(path, px);
    if (!tx->fonts[f])
        return rc_error_set(err, RC_ERR_IO, "font %s: %s", path, TTF_GetError());
    TTF_SetFontHinting(tx->fonts[f], TTF_HINTING_LIGHT);
    tx->heights[f] = TTF_FontHeight(tx->fonts[f]);
    return RC_OK;
}

/* Bold and mono fall back to the main face when their files are absent. */
static const char *variant(const char *path, const char *fallback)
{
    return access(path, R_OK) == 0 ? path : fallback;
}

rc_status dash_text_open(dash_text **out, SDL_Renderer *r, const char *sans_path,
                         const int px[3], rc_error *err)
{
    if (!TTF_WasInit() && TTF_Init() != 0)
        return rc_error_set(err, RC_ERR_DEVICE, "SDL_ttf: %s", TTF_GetError());
    dash_text *tx = calloc(1, sizeof *tx);
    if (!tx)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    tx->r = r;
    const char *sans = sans_path ? sans_path : DASH_FONT_SANS;
    rc_status st = RC_OK;
    for (int f = DASH_SMALL; f <= DASH_LARGE && st == RC_OK; f++)
        st = open_font(tx, (dash_font)f, sans, px[f], err);
    if (st == RC_OK)
        st = open_font(tx, DASH_MONO, variant(DASH_FONT_MONO, sans), px[DASH_NORMAL], err);
    if (st == RC_OK)
        st = open_font(tx, DASH_BOLD, variant(DASH_FONT_BOLD, sans), px[DASH_NORMAL], err);
    if (st != RC_OK) {
        dash_text_close(tx);
        return st;
    }
    *out = tx;
    return RC_OK;
}

void dash_text_close(dash_text *tx)
{
    if (!tx)
        return;
    for (int i = 0; i < DASH_CACHE_SLOTS; i++)
        if (tx->slots[i].tex)
            SDL_DestroyTexture(tx->slots[i].tex);
    for (int f = 0; f < DASH_N_FONTS; f++)
        if (tx->fonts[f])
            TTF_CloseFont(tx->fonts[f]);
    free(tx);
}

static uint32_t hash(dash_font f, SDL_Color c, const char *s)
{
    uint32_t h = 2166136261u ^ (uint32_t)f;
    h = (h ^ ((uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b)) * 16777619u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static bool same(const entry *e, uint32_t h, dash_font f, SDL_Color c, const char *s)
{
    return e->tex && e->hash == h && e->font == f && e->colour.r == c.r &&
           e->colour.g == c.g && e->colour.b == c.b && e->colour.a == c.a &&
           strcmp(e->s, s) == 0;
}

static entry *render(dash_text *tx, entry *e, uint32_t h, dash_font f, SDL_Color c,
                     const char *s)
{
    if (e->tex)
        SDL_DestroyTexture(e->tex);
    memset(e, 0, sizeof *e);
    SDL_Surface *surf = TTF_RenderUTF8_Blended(tx->fonts[f], s, c);
    if (!surf)
        return NULL;
    e->tex = SDL_CreateTextureFromSurface(tx->r, surf);
    e->w = surf->w;
    e->h = surf->h;
    SDL_FreeSurface(surf);
    if (!e->tex)
        return NULL;
    if (c.a != 255)
        SDL_SetTextureAlphaMod(e->tex, c.a);
    e->hash = h;
    e->font = f;
    e->colour = c;
    snprintf(e->s, sizeof e->s, "%s", s);
    return e;
}

static entry *lookup(dash_text *tx, dash_font f, SDL_Color c, const char *s)
{
    uint32_t h = hash(f, c, s);
    entry *oldest = NULL;
    for (int i = 0; i < DASH_CACHE_PROBE; i++) {
        entry *e = &tx->slots[(h + (uint32_t)i) % DASH_CACHE_SLOTS];
        if (same(e, h, f, c, s)) {
            e->frame = tx->frame;
            return e;
        }
        if (!oldest || !e->tex || (oldest->tex && e->frame < oldest->frame))
            oldest = e;
    }
    entry *e = render(tx, oldest, h, f, c, s);
    if (e)
        e->frame = tx->frame;
    return e;
}

int dash_text_draw(dash_text *tx, dash_font f, int x, int y, SDL_Color c, dash_align a,
                   const char *s)
{
    assert(f >= 0 && f < DASH_N_FONTS);
    if (!s[0])
        return 0;
    char buf[DASH_TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", s);
    entry *e = lookup(tx, f, c, buf);
    if (!e)
        return 0;
    int left = a == DASH_LEFT ? x : a == DASH_CENTER ? x - e->w / 2 : x - e->w;
    SDL_Rect dst = {left, y, e->w, e->h};
    SDL_RenderCopy(tx->r, e->tex, NULL, &dst);
    return e->w;
}

int dash_text_drawf(dash_text *tx, dash_font f, int x, int y, SDL_Color c, dash_align a,
                    const char *fmt, ...)
{
    char buf[DASH_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return dash_text_draw(tx, f, x, y, c, a, buf);
}

int dash_text_width(dash_text *tx, dash_font f, const char *s)
{
    int w = 0, h = 0;
    if (s[0])
        TTF_SizeUTF8(tx->fonts[f], s, &w, &h);
    return w;
}

int dash_text_height(dash_text *tx, dash_font f)
{
    return tx->heights[f];
}

size_t dash_text_fit(dash_text *tx, dash_font f, const char *s, int width_px)
{
    int extent = 0, count = 0;
    if (TTF_MeasureUTF8(tx->fonts[f], s, width_px, &extent, &count) != 0)
        return strlen(s);
    size_t i = 0;
    for (int c = 0; s[i] && c < count; c++)
        for (i++; ((uint8_t)s[i] & 0xc0) == 0x80; i++)
            ;
    return i;
}

void dash_text_frame_end(dash_text *tx)
{
    tx->frame++;
    for (int i = 0; i < DASH_CACHE_SLOTS; i++) {
        entry *e = &tx->slots[i];
        if (e->tex && tx->frame - e->frame > DASH_CACHE_AGE) {
            SDL_DestroyTexture(e->tex);
            e->tex = NULL;
        }
    }
}
