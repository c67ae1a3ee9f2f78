/*
 * text.h - labels drawn with SDL2_ttf from a font of Debian's fonts-dejavu-core
 * package, cached as textures so a frame that draws the same labels as the
 * last one renders no glyphs.
 */
#ifndef DASH_TEXT_H
#define DASH_TEXT_H

#include <SDL2/SDL.h>

#include "railcut/error.h"

#define DASH_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#define DASH_FONT_SANS DASH_FONT_DIR "/DejaVuSans.ttf"
#define DASH_FONT_BOLD DASH_FONT_DIR "/DejaVuSans-Bold.ttf"
#define DASH_FONT_MONO DASH_FONT_DIR "/DejaVuSansMono.ttf"

typedef enum dash_font {
    DASH_SMALL = 0,
    DASH_NORMAL = 1,
    DASH_LARGE = 2,
    DASH_MONO = 3, /* normal size, fixed pitch: numbers that change every frame */
    DASH_BOLD = 4, /* normal size */
    DASH_N_FONTS = 5,
} dash_font;

typedef enum dash_align {
    DASH_LEFT = 0,
    DASH_CENTER = 1,
    DASH_RIGHT = 2,
} dash_align;

typedef struct dash_text dash_text;

/* sans_path NULL = DASH_FONT_SANS. The error names the file that is missing. */
rc_status dash_text_open(dash_text **out, SDL_Renderer *r, const char *sans_path,
                         const int px[3], rc_error *err);
void dash_text_close(dash_text *tx);

/* Draws s with its top-left (or top-centre, top-right) at x, y; returns its width. */
int dash_text_draw(dash_text *tx, dash_font f, int x, int y, SDL_Color c, dash_align a,
                   const char *s);
int dash_text_drawf(dash_text *tx, dash_font f, int x, int y, SDL_Color c, dash_align a,
                    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int dash_text_width(dash_text *tx, dash_font f, const char *s);
int dash_text_height(dash_text *tx, dash_font f);
/* How many bytes of s fit in width_px (whole UTF-8 characters). */
size_t dash_text_fit(dash_text *tx, dash_font f, const char *s, int width_px);

/* Frees the textures not used for a while; call once per frame. */
void dash_text_frame_end(dash_text *tx);

#endif
