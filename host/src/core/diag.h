/*
 * diag.h - diagnostics shared by the text readers (profiles, suites, CH
 * files): the "file:line:col: message" form with the offending line and a
 * caret, and the edit distance behind "did you mean" suggestions.
 */
#ifndef RC_CORE_DIAG_H
#define RC_CORE_DIAG_H

#include <stddef.h>

#include "railcut/error.h"

/* Writes "file:line:col: message\n  <source line>\n  <caret>" into err
 * (which may be NULL) and returns RC_ERR_PARSE. `text`/`len` is the source
 * line without its newline. A long message is cut short; the
 * "file:line:col:" head always survives. */
rc_status rc_diag_at(rc_error *err, const char *file, int line, int col, const char *text,
                     size_t len, const char *message);

/* Levenshtein distance; names longer than 63 characters count as far apart. */
size_t rc_edit_distance(const char *a, const char *b);

#endif
