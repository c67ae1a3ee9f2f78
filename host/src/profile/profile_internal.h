/*
 * profile_internal.h - pieces shared by the .rail compiler (rail.c), the CSV
 * waveform reader (csv.c) and the profile object itself (profile.c).
 */
#ifndef RC_PROFILE_INTERNAL_H
#define RC_PROFILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/profile.h"

/* Bounds that keep any input, however hostile, cheap to compile. */
#define RC_PROFILE_MAX_SEGMENTS 1000000
#define RC_PROFILE_MAX_FILE_BYTES (16u * 1024u * 1024u)

/* Reads a whole regular file into a NUL-terminated buffer the caller frees.
 * Devices, directories and files above RC_PROFILE_MAX_FILE_BYTES are refused. */
rc_status rc_profile_read_file(const char *path, char **text, size_t *len, rc_error *err);

/* Appends a segment (growing p->segs); RC_ERR_NOMEM on allocation failure. */
rc_status rc_profile_push_segment(rc_profile *p, const rc_segment *seg);

/* Appends a copy of name to p->files and returns its index through out. */
rc_status rc_profile_add_file(rc_profile *p, const char *name, int *out);

/* CSV waveforms row by row (csv.c), for readers that stream large files
 * (trace import) and for the waveform profile itself. */
typedef struct rc_csv_columns {
    int time, rail, ac_lost;    /* cell indexes; -1 = absent */
    int time_scale, rail_scale; /* decimals: value text -> us, mV */
    int n;                      /* cells in the header */
} rc_csv_columns;

typedef struct rc_csv_point {
    int64_t t_us; /* as written (not yet relative to the first point) */
    int32_t mv;
    bool ac_lost;
    int line;
} rc_csv_point;

typedef struct rc_csv_rows {
    const char *name; /* for "name:line: message" */
    rc_error *err;
    int line;         /* of the last line given */
    bool have_header;
    rc_csv_columns cols;
} rc_csv_rows;

void rc_csv_rows_init(rc_csv_rows *r, const char *name, rc_error *err);
/* Takes the next line (without its newline). The first line that is not
 * blank or a comment is the header; every later one is a point, returned
 * with *is_point set. Errors are "name:line: message" (RC_ERR_PARSE). The
 * order of times is the caller's to check. */
rc_status rc_csv_rows_line(rc_csv_rows *r, const char *line, size_t len, rc_csv_point *pt,
                           bool *is_point);

#endif
