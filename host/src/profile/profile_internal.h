/*
 * profile_internal.h - pieces shared by the .rail compiler (rail.c), the CSV
 * waveform reader (csv.c) and the profile object itself (profile.c).
 */
#ifndef RC_PROFILE_INTERNAL_H
#define RC_PROFILE_INTERNAL_H

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

#endif
