/*
 * diag.c - "file:line:col" diagnostics with a caret, and edit distance.
 */
#include <stdio.h>
#include <string.h>

#include "core/diag.h"

enum { SHOWN_MAX = 300, NAME_MAX_LEN = 63 };

rc_status rc_diag_at(rc_error *err, const char *file, int line, int col, const char *text,
                     size_t len, const char *message)
{
    if (!err)
        return RC_ERR_PARSE;
    char shown[SHOWN_MAX + 1], caret[SHOWN_MAX + 2];
    size_t n = len < SHOWN_MAX ? len : SHOWN_MAX;
    memcpy(shown, text, n);
    shown[n] = '\0';
    size_t c = 0;
    /* Tabs are copied so the caret lines up whatever the tab width. */
    for (int i = 1; i < col && c < SHOWN_MAX; i++, c++)
        caret[c] = (size_t)(i - 1) < n && text[i - 1] == '\t' ? '\t' : ' ';
    caret[c++] = '^';
    caret[c] = '\0';
    int w = snprintf(err->msg, sizeof err->msg, "%s:%d:%d: %s\n  %s\n  %s", file, line, col,
                     message, shown, caret);
    if (w < 0)
        err->msg[0] = '\0';
    return RC_ERR_PARSE;
}

size_t rc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
        return NAME_MAX_LEN + 1;
    size_t row[NAME_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}
