/*
 * suite.c - the suite file reader (format in docs/suite-format.md).
 *
 * A suite file is line-oriented like a .rail profile: one command per line,
 * words separated by blanks, '#' comments, file names in double quotes.
 * Settings at the top (suite, backend, ch, ch_set, observe) are defaults for
 * the `case ... end` blocks that follow. The reader splits each line into at
 * most MAX_WORDS words (slices of the text, with their column), dispatches
 * on the first, and builds an rc_suite: an array of rc_suite_case, each
 * owning its strings. Paths are resolved against the suite file's directory
 * as they are read. Every error is "file:line:col: message", then the line
 * and a caret under the column.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "railcut/suite.h"
#include "railcut/units.h"

#define MAX_WORDS 64
#define MAX_SUITE_BYTES (16u * 1024u * 1024u)

typedef struct word {
    const char *text; /* not NUL-terminated; quotes excluded when quoted */
    size_t len;
    int col;          /* 1-based */
    bool quoted;
} word;

typedef struct defaults {
    char *backend;
    char *ch_file;
    char **ch_set;
    size_t n_ch_set;
    int64_t observe_us;
} defaults;

typedef struct parser {
    const char *name;   /* for messages */
    char *dir;          /* directory of the suite file, "" for none */
    const char *line;   /* current line and its length, for the caret */
    size_t line_len;
    int lineno;
    rc_error *err;
    rc_suite *s;
    defaults def;
    rc_suite_case *open;     /* the case being read, NULL outside one */
    int open_col;
    bool have_suite_name;
} parser;

static rc_status fail_at(parser *ps, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rc_status fail_at(parser *ps, int col, const char *fmt, ...)
{
    if (!ps->err)
        return RC_ERR_PARSE;
    char msg[RC_ERROR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rc_diag_at(ps->err, ps->name, ps->lineno, col, ps->line, ps->line_len, msg);
}

static rc_status nomem(parser *ps)
{
    return rc_error_set(ps->err, RC_ERR_NOMEM, "out of memory while reading the suite");
}

static bool word_is(const word *w, const char *s)
{
    return !w->quoted && strlen(s) == w->len && memcmp(w->text, s, w->len) == 0;
}

static char *word_dup(const word *w)
{
    return strndup(w->text, w->len);
}

/* Splits a line into words; a quoted word runs to the next '"'. */
static rc_status split(parser *ps, word *words, int *n_words)
{
    int n = 0;
    size_t i = 0;
    while (i < ps->line_len) {
        char ch = ps->line[i];
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            i++;
            continue;
        }
        if (ch == '#')
            break;
        if (n == MAX_WORDS)
            return fail_at(ps, (int)i + 1, "too many words on one line (at most %d)", MAX_WORDS);
        word *w = &words[n++];
        w->col = (int)i + 1;
        if (ch == '"') {
            const char *close = memchr(ps->line + i + 1, '"', ps->line_len - i - 1);
            if (!close)
                return fail_at(ps, w->col, "unterminated string");
            w->text = ps->line + i + 1;
            w->len = (size_t)(close - w->text);
            w->quoted = true;
            i = (size_t)(close - ps->line) + 1;
            continue;
        }
        w->text = ps->line + i;
        w->quoted = false;
        while (i < ps->line_len && !strchr(" \t\r#\"", ps->line[i]))
            i++;
        w->len = (size_t)(ps->line + i - w->text);
    }
    *n_words = n;
    return RC_OK;
}

/* Case and suite names become file names: keep them plain. */
static bool plain_name(const word *w)
{
    if (w->quoted || w->len == 0 || w->len > 100 || w->text[0] == '.' || w->text[0] == '-')
        return false;
    for (size_t i = 0; i < w->len; i++) {
        char ch = w->text[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

static char *resolve_path(const parser *ps, const word *w)
{
    if (w->text[0] == '/' || ps->dir[0] == '\0')
        return word_dup(w);
    size_t dir_len = strlen(ps->dir);
    const char *sep = ps->dir[dir_len - 1] == '/' ? "" : "/";
    size_t n = dir_len + 1 + w->len + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%.*s", ps->dir, sep, (int)w->len, w->text);
    return p;
}

static rc_status want_words(parser *ps, const word *words, int n, int lo, int hi,
                            const char *usage)
{
    if (n < lo)
        return fail_at(ps, words[0].col + (int)words[0].len, "missing words; usage: %s",
                       usage);
    if (n > hi)
        return fail_at(ps, words[hi].col, "unexpected '%.*s'; usage: %s", (int)words[hi].len,
                       words[hi].text, usage);
    return RC_OK;
}

static rc_status want_file(parser *ps, const word *w, char **slot, const char *what)
{
    if (!w->quoted)
        return fail_at(ps, w->col, "%s file name must be in double quotes", what);
    if (w->len == 0)
        return fail_at(ps, w->col, "empty %s file name", what);
    if (*slot)
        return fail_at(ps, w->col - 1, "%s given twice", what);
    *slot = resolve_path(ps, w);
    return *slot ? RC_OK : nomem(ps);
}

static rc_status add_string(parser *ps, char ***list, size_t *n, const char *s, size_t len)
{
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return nomem(ps);
    *list = grown;
    grown[*n] = strndup(s, len);
    if (!grown[*n])
        return nomem(ps);
    (*n)++;
    return RC_OK;
}

/* set / ch_set: one or more NAME=VALUE words. */
static rc_status add_assignments(parser *ps, const word *words, int n, char ***list,
                                 size_t *count)
{
    if (n < 2)
        return fail_at(ps, words[0].col + (int)words[0].len,
                       "missing NAME=VALUE after '%.*s'", (int)words[0].len, words[0].text);
    for (int i = 1; i < n; i++) {
        const word *w = &words[i];
        const char *eq = memchr(w->text, '=', w->len);
        if (w->quoted || !eq)
            return fail_at(ps, w->col, "expected NAME=VALUE, got '%.*s'", (int)w->len, w->text);
        if (eq == w->text)
            return fail_at(ps, w->col, "missing name before '='");
        if (eq == w->text + w->len - 1)
            return fail_at(ps, w->col + (int)w->len, "missing value after '='");
        rc_status st = add_string(ps, list, count, w->text, w->len);
        if (st != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status parse_observe(parser *ps, const word *words, int n, int64_t *out)
{
    rc_status st = want_words(ps, words, n, 2, 2, "observe DURATION");
    if (st != RC_OK)
        return st;
    if (*out >= 0)
        return fail_at(ps, words[0].col, "observe given twice");
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)words[1].len, words[1].text);
    rc_error e;
    if (words[1].quoted || words[1].len >= sizeof text ||
        rc_parse_duration_us(text, out, &e) != RC_OK)
        return fail_at(ps, words[1].col, "bad duration '%.*s'", (int)words[1].len,
                       words[1].text);
    return RC_OK;
}

static rc_status parse_backend(parser *ps, const word *words, int n, char **slot)
{
    rc_status st = want_words(ps, words, n, 2, 2, "backend NAME");
    if (st != RC_OK)
        return st;
    if (*slot)
        return fail_at(ps, words[0].col, "backend given twice");
    if (!plain_name(&words[1]))
        return fail_at(ps, words[1].col, "bad backend name");
    *slot = word_dup(&words[1]);
    return *slot ? RC_OK : nomem(ps);
}

/* ---- Expectations ---------------------------------------------------------- */

static bool known_check(const char *name, size_t len)
{
    static const char *const fixed[] = {"mp102a.ch", "mp102a.esme", "profile.waits"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strlen(fixed[i]) == len && memcmp(fixed[i], name, len) == 0)
            return true;
    /* expect:LINE or expect:FILE:LINE, as the analyzer names them. */
    if (len <= 7 || memcmp(name, "expect:", 7) != 0)
        return false;
    const char *colon = name + len;
    while (colon > name + 7 && colon[-1] >= '0' && colon[-1] <= '9')
        colon--;
    return colon < name + len && (colon == name + 7 || colon[-1] == ':');
}

static int result_from(const char *v, size_t len, bool verdict)
{
    static const char *const checks[] = {"pass", "fail", "skip"};
    static const char *const verdicts[] = {"pass", "fail", "error"};
    const char *const *names = verdict ? verdicts : checks;
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && memcmp(names[i], v, len) == 0)
            return i;
    return -1;
}

static rc_status add_expect(parser *ps, rc_suite_case *c, bool *have_verdict, const word *w)
{
    const char *eq = w->quoted ? NULL : memchr(w->text, '=', w->len);
    if (!eq)
        return fail_at(ps, w->col, "expected CHECK=RESULT, got '%.*s'", (int)w->len, w->text);
    size_t name_len = (size_t)(eq - w->text), value_len = w->len - name_len - 1;
    int value_col = w->col + (int)name_len + 1;
    bool verdict = name_len == 7 && memcmp(w->text, "verdict", 7) == 0;
    if (!verdict && !known_check(w->text, name_len))
        return fail_at(ps, w->col,
                       "unknown check '%.*s' (verdict, mp102a.ch, mp102a.esme, profile.waits, "
                       "expect:LINE)",
                       (int)name_len, w->text);
    int r = result_from(eq + 1, value_len, verdict);
    if (r < 0)
        return fail_at(ps, value_col, "bad result '%.*s' for %.*s (%s)", (int)value_len, eq + 1,
                       (int)name_len, w->text, verdict ? "pass, fail or error" : "pass, fail or skip");
    if (verdict) {
        if (*have_verdict)
            return fail_at(ps, w->col, "verdict expected twice");
        *have_verdict = true;
        c->verdict = (rc_verdict)r;
        return RC_OK;
    }
    for (size_t i = 0; i < c->n_checks; i++)
        if (strlen(c->checks[i].name) == name_len &&
            memcmp(c->checks[i].name, w->text, name_len) == 0)
            return fail_at(ps, w->col, "%.*s expected twice (first at line %d)", (int)name_len,
                           w->text, c->checks[i].line);
    rc_suite_check *grown = realloc(c->checks, (c->n_checks + 1) * sizeof *grown);
    if (!grown)
        return nomem(ps);
    c->checks = grown;
    rc_suite_check *chk = &c->checks[c->n_checks];
    chk->name = strndup(w->text, name_len);
    if (!chk->name)
        return nomem(ps);
    chk->result = (rc_check_result)r;
    chk->line = ps->lineno;
    c->n_checks++;
    return RC_OK;
}

/* ---- Commands -------------------------------------------------------------- */

typedef struct case_state {
    bool have_verdict;
    bool have_observe;
} case_state;

static rc_status begin_case(parser *ps, const word *words, int n)
{
    rc_status st = want_words(ps, words, n, 2, 2, "case NAME");
    if (st != RC_OK)
        return st;
    if (ps->open)
        return fail_at(ps, words[0].col, "case inside case '%s' (missing 'end'?)",
                       ps->open->name);
    if (!plain_name(&words[1]))
        return fail_at(ps, words[1].col,
                       "bad case name '%.*s' (letters, digits, '.', '_' and '-'; it names the "
                       "trace file)",
                       (int)words[1].len, words[1].text);
    for (size_t i = 0; i < ps->s->n_cases; i++)
        if (strlen(ps->s->cases[i].name) == words[1].len &&
            memcmp(ps->s->cases[i].name, words[1].text, words[1].len) == 0)
            return fail_at(ps, words[1].col, "case '%.*s' defined twice (first at line %d)",
                           (int)words[1].len, words[1].text, ps->s->cases[i].line);
    rc_suite_case *grown = realloc(ps->s->cases, (ps->s->n_cases + 1) * sizeof *grown);
    if (!grown)
        return nomem(ps);
    ps->s->cases = grown;
    rc_suite_case *c = &grown[ps->s->n_cases++];
    memset(c, 0, sizeof *c);
    c->observe_us = -1;
    c->line = ps->lineno;
    c->name = word_dup(&words[1]);
    if (!c->name)
        return nomem(ps);
    ps->open = c;
    ps->open_col = words[0].col;
    return RC_OK;
}

/* Fills what the case left to the suite's defaults. */
static rc_status end_case(parser *ps, const word *words, int n, const case_state *cs)
{
    rc_status st = want_words(ps, words, n, 1, 1, "end");
    if (st != RC_OK)
        return st;
    rc_suite_case *c = ps->open;
    if (!c->profile)
        return fail_at(ps, words[0].col, "case '%s' has no profile", c->name);
    if (!cs->have_verdict)
        return fail_at(ps, words[0].col,
                       "case '%s' has no expected verdict (expect verdict=pass|fail|error)",
                       c->name);
    if (!c->backend)
        c->backend = strdup(ps->def.backend ? ps->def.backend : "sim");
    if (!c->ch_file && ps->def.ch_file)
        c->ch_file = strdup(ps->def.ch_file);
    if (!c->backend || (ps->def.ch_file && !c->ch_file))
        return nomem(ps);
    if (c->observe_us < 0)
        c->observe_us = ps->def.observe_us;
    /* Suite-wide ch_set first, so the case's own settings win. */
    char **merged = NULL;
    size_t n_merged = 0;
    for (size_t i = 0; i < ps->def.n_ch_set && st == RC_OK; i++)
        st = add_string(ps, &merged, &n_merged, ps->def.ch_set[i], strlen(ps->def.ch_set[i]));
    for (size_t i = 0; i < c->n_ch_set && st == RC_OK; i++)
        st = add_string(ps, &merged, &n_merged, c->ch_set[i], strlen(c->ch_set[i]));
    for (size_t i = 0; i < c->n_ch_set; i++)
        free(c->ch_set[i]);
    free(c->ch_set);
    c->ch_set = merged;
    c->n_ch_set = n_merged;
    ps->open = NULL;
    return st;
}

static rc_status case_command(parser *ps, const word *words, int n, case_state *cs)
{
    rc_suite_case *c = ps->open;
    const word *cmd = &words[0];
    if (word_is(cmd, "profile")) {
        rc_status st = want_words(ps, words, n, 2, 2, "profile \"FILE\"");
        return st != RC_OK ? st : want_file(ps, &words[1], &c->profile, "profile");
    }
    if (word_is(cmd, "ch")) {
        rc_status st = want_words(ps, words, n, 2, 2, "ch \"FILE\"");
        return st != RC_OK ? st : want_file(ps, &words[1], &c->ch_file, "ch");
    }
    if (word_is(cmd, "set"))
        return add_assignments(ps, words, n, &c->set, &c->n_set);
    if (word_is(cmd, "ch_set"))
        return add_assignments(ps, words, n, &c->ch_set, &c->n_ch_set);
    if (word_is(cmd, "backend"))
        return parse_backend(ps, words, n, &c->backend);
    if (word_is(cmd, "observe"))
        return parse_observe(ps, words, n, &c->observe_us);
    if (word_is(cmd, "expect")) {
        if (n < 2)
            return fail_at(ps, cmd->col + (int)cmd->len,
                           "missing CHECK=RESULT; usage: expect verdict=pass mp102a.ch=pass ...");
        for (int i = 1; i < n; i++) {
            rc_status st = add_expect(ps, c, &cs->have_verdict, &words[i]);
            if (st != RC_OK)
                return st;
        }
        return RC_OK;
    }
    if (word_is(cmd, "end"))
        return end_case(ps, words, n, cs);
    if (word_is(cmd, "case"))
        return begin_case(ps, words, n);
    if (word_is(cmd, "suite"))
        return fail_at(ps, cmd->col, "'suite' is a setting of the whole file, not of a case");
    return fail_at(ps, cmd->col,
                   "unknown command '%.*s' in a case (profile, set, ch, ch_set, backend, "
                   "observe, expect, end)",
                   (int)cmd->len, cmd->text);
}

static rc_status settings_command(parser *ps, const word *words, int n)
{
    const word *cmd = &words[0];
    bool setting = word_is(cmd, "suite") || word_is(cmd, "backend") || word_is(cmd, "ch") ||
                   word_is(cmd, "ch_set") || word_is(cmd, "observe");
    if (setting && ps->s->n_cases > 0)
        return fail_at(ps, cmd->col, "suite settings go before the first case");
    if (word_is(cmd, "suite")) {
        rc_status st = want_words(ps, words, n, 2, 2, "suite NAME");
        if (st != RC_OK)
            return st;
        if (ps->have_suite_name)
            return fail_at(ps, cmd->col, "suite name given twice");
        if (!plain_name(&words[1]))
            return fail_at(ps, words[1].col,
                           "bad suite name '%.*s' (letters, digits, '.', '_' and '-')",
                           (int)words[1].len, words[1].text);
        free(ps->s->name);
        ps->s->name = word_dup(&words[1]);
        ps->have_suite_name = true;
        return ps->s->name ? RC_OK : nomem(ps);
    }
    if (word_is(cmd, "backend"))
        return parse_backend(ps, words, n, &ps->def.backend);
    if (word_is(cmd, "ch")) {
        rc_status st = want_words(ps, words, n, 2, 2, "ch \"FILE\"");
        return st != RC_OK ? st : want_file(ps, &words[1], &ps->def.ch_file, "ch");
    }
    if (word_is(cmd, "ch_set"))
        return add_assignments(ps, words, n, &ps->def.ch_set, &ps->def.n_ch_set);
    if (word_is(cmd, "observe"))
        return parse_observe(ps, words, n, &ps->def.observe_us);
    if (word_is(cmd, "case"))
        return begin_case(ps, words, n);
    if (word_is(cmd, "end"))
        return fail_at(ps, cmd->col, "'end' without 'case'");
    if (word_is(cmd, "profile") || word_is(cmd, "set") || word_is(cmd, "expect"))
        return fail_at(ps, cmd->col, "'%.*s' outside a case (write it between 'case NAME' and "
                       "'end')", (int)cmd->len, cmd->text);
    return fail_at(ps, cmd->col,
                   "unknown command '%.*s' (suite, backend, ch, ch_set, observe, case)",
                   (int)cmd->len, cmd->text);
}

static void free_defaults(defaults *d)
{
    free(d->backend);
    free(d->ch_file);
    for (size_t i = 0; i < d->n_ch_set; i++)
        free(d->ch_set[i]);
    free(d->ch_set);
}

/* "dir/name.suite" -> dir "dir", name "name". */
static rc_status name_from_path(parser *ps, const char *path)
{
    const char *slash = strrchr(path, '/');
    ps->dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup("");
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    ps->s->name = strndup(base, len);
    ps->s->path = strdup(path);
    if (!ps->dir || !ps->s->name || !ps->s->path)
        return nomem(ps);
    return RC_OK;
}

static rc_status parse_lines(parser *ps, const char *text, size_t len)
{
    word words[MAX_WORDS];
    case_state cs = {0};
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        ps->line = p;
        ps->line_len = (size_t)((nl ? nl : end) - p);
        ps->lineno++;
        p = nl ? nl + 1 : end;
        int n = 0;
        rc_status st = split(ps, words, &n);
        if (st != RC_OK)
            return st;
        if (n == 0)
            continue;
        if (words[0].quoted)
            return fail_at(ps, words[0].col, "a line starts with a command, not a string");
        bool starting = !ps->open && word_is(&words[0], "case");
        st = ps->open ? case_command(ps, words, n, &cs) : settings_command(ps, words, n);
        if (st != RC_OK)
            return st;
        if (starting)
            cs = (case_state){0};
    }
    return RC_OK;
}

static rc_status check_end(parser *ps, const char *text, size_t len)
{
    if (ps->open) {
        /* Point at the unclosed `case`. */
        int target = ps->open->line;
        const char *p = text;
        for (int l = 1; l < target; l++)
            p = memchr(p, '\n', len - (size_t)(p - text)) + 1;
        const char *nl = memchr(p, '\n', len - (size_t)(p - text));
        ps->line = p;
        ps->line_len = (size_t)((nl ? nl : text + len) - p);
        ps->lineno = target;
        return fail_at(ps, ps->open_col, "case '%s' has no 'end'", ps->open->name);
    }
    if (ps->s->n_cases == 0) {
        ps->line = "";
        ps->line_len = 0;
        ps->lineno = ps->lineno ? ps->lineno : 1;
        return fail_at(ps, 1, "the suite has no cases");
    }
    return RC_OK;
}

rc_status rc_suite_parse(const char *name, const char *text, size_t len, rc_suite **out,
                         rc_error *err)
{
    *out = NULL;
    if (!name || (!text && len))
        return rc_error_set(err, RC_ERR_ARG, "rc_suite_parse: missing argument");
    parser ps = {.name = name, .err = err, .def = {.observe_us = -1}};
    ps.s = calloc(1, sizeof *ps.s);
    if (!ps.s)
        return nomem(&ps);
    rc_status st = name_from_path(&ps, name);
    if (st == RC_OK && len && memchr(text, '\0', len))
        st = rc_error_set(err, RC_ERR_PARSE, "%s: not a text file (NUL byte)", name);
    if (st == RC_OK)
        st = parse_lines(&ps, text, len);
    if (st == RC_OK)
        st = check_end(&ps, text, len);
    free_defaults(&ps.def);
    free(ps.dir);
    if (st != RC_OK) {
        rc_suite_free(ps.s);
        return st;
    }
    *out = ps.s;
    return RC_OK;
}

rc_status rc_suite_load(const char *path, rc_suite **out, rc_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return rc_error_set(err, RC_ERR_IO, "cannot open suite '%s': %s", path, strerror(errno));
    char *buf = malloc(MAX_SUITE_BYTES + 1);
    if (!buf) {
        fclose(f);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, MAX_SUITE_BYTES + 1, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    rc_status st;
    if (failed)
        st = rc_error_set(err, RC_ERR_IO, "cannot read suite '%s'", path);
    else if (n > MAX_SUITE_BYTES)
        st = rc_error_set(err, RC_ERR_PARSE, "%s: larger than 16 MiB", path);
    else
        st = rc_suite_parse(path, buf, n, out, err);
    free(buf);
    return st;
}

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void rc_suite_free(rc_suite *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_cases; i++) {
        rc_suite_case *c = &s->cases[i];
        free(c->name);
        free(c->profile);
        free_strings(c->set, c->n_set);
        free(c->ch_file);
        free_strings(c->ch_set, c->n_ch_set);
        free(c->backend);
        for (size_t k = 0; k < c->n_checks; k++)
            free(c->checks[k].name);
        free(c->checks);
    }
    free(s->cases);
    free(s->name);
    free(s->path);
    free(s);
}

bool rc_suite_case_selected(const rc_suite_case *c, const char *filter)
{
    if (!filter)
        return true;
    if (strpbrk(filter, "*?["))
        return fnmatch(filter, c->name, 0) == 0;
    return strstr(c->name, filter) != NULL;
}
