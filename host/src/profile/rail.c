/*
 * rail.c - the .rail profile language: lexer, parser and compiler to segments.
 *
 * Compilation runs in two passes over an in-memory tree:
 *   1. parse: every file (the main one and its includes, inlined where the
 *      include stands) is cut into lines and tokens; each line becomes a
 *      `stmt` holding its tokens, and a `repeat` stmt owns the block of stmts
 *      up to its `end`. Parameter declarations are collected here, so a
 *      parameter is known everywhere in the profile, whatever the order.
 *   2. compile: the tree is executed in order against a small machine state
 *      (setpoint mV, load switch, AC Lost, nominal time). Instantaneous
 *      commands change the state; hold, ramp and wait append an rc_segment
 *      carrying the state. A repeat runs its block `count` times; with a
 *      count of 0 the block still runs once "dry" (nothing emitted, state
 *      restored) so its errors are reported.
 *
 * Source texts stay in `srcs` until the end, so any error, in either pass,
 * can quote its line and put a caret under its column.
 */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "profile/profile_internal.h"

#define MAX_INCLUDE_DEPTH 16
#define MAX_STEPS 4000000L /* commands executed, repeats expanded */
#define MAX_LEVEL_MV 30000
#define MAX_REPEAT_COUNT 1000000L

typedef enum cmd {
    CMD_SCENARIO, CMD_NOMINAL, CMD_OBSERVE, CMD_PARAM, CMD_LEVEL, CMD_RAMP, CMD_HOLD,
    CMD_CUT, CMD_RESTORE, CMD_AC_LOST, CMD_REPEAT, CMD_END, CMD_INCLUDE, CMD_WAIT,
    CMD_MARK, CMD_EXPECT,
} cmd;

typedef struct cmd_info {
    const char *name;
    cmd id;
    const char *usage;
    bool top_level_only; /* not allowed inside a repeat block */
} cmd_info;

static const cmd_info commands[] = {
    {"scenario", CMD_SCENARIO, "scenario ota|outage|test", true},
    {"nominal", CMD_NOMINAL, "nominal VOLTAGE", true},
    {"observe", CMD_OBSERVE, "observe DURATION", true},
    {"param", CMD_PARAM, "param NAME = VALUE", true},
    {"level", CMD_LEVEL, "level VOLTAGE|PERCENT", false},
    {"ramp", CMD_RAMP, "ramp to VOLTAGE over DURATION", false},
    {"hold", CMD_HOLD, "hold DURATION", false},
    {"cut", CMD_CUT, "cut", false},
    {"restore", CMD_RESTORE, "restore", false},
    {"ac_lost", CMD_AC_LOST, "ac_lost on|off", false},
    {"repeat", CMD_REPEAT, "repeat COUNT", false},
    {"end", CMD_END, "end", false},
    {"include", CMD_INCLUDE, "include \"FILE\"", false},
    {"wait", CMD_WAIT, "wait ready|ad1|restored|down timeout DURATION", false},
    {"mark", CMD_MARK, "mark NAME", false},
    {"expect", CMD_EXPECT, "expect [no] ad1 | expect ad1 within D [after MARK] | "
                           "expect ad1 between D and D [after MARK] | expect max_outage < D",
     true},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

typedef struct tok {
    char *text;
    int col;     /* 1-based byte column of the first character */
    int width;   /* bytes in the source, quotes included */
    bool quoted;
} tok;

typedef struct block {
    struct stmt *v;
    size_t n, cap;
} block;

typedef struct stmt {
    const cmd_info *info;
    int file, line;
    tok *toks;
    int ntok;
    block body; /* repeat only */
} stmt;

typedef struct src {
    char *text;
    size_t len;
    char *real; /* canonical path for cycle detection */
} src;

typedef struct param_decl {
    char *name;
    char *value;
    bool overridden;
    const char *set_text; /* the --set string when overridden */
    int file, line;
} param_decl;

typedef struct mark_loc {
    int file, line;
} mark_loc;

typedef struct pending_mark {
    size_t expect;
    char *name;
    int file, line, col;
} pending_mark;

typedef struct machine {
    int32_t mv;
    bool rail_on;
    bool ac_lost;
    int64_t t_us;
} machine;

typedef struct parser {
    rc_profile *p;
    rc_error *err;
    src *srcs; /* parallel to p->files */
    int chain[MAX_INCLUDE_DEPTH + 1];
    int depth;
    param_decl *params;
    size_t n_params;
    mark_loc *mark_locs;
    pending_mark *pending;
    size_t n_pending;
    block root;
    machine m;
    bool level_used; /* a command has already relied on the nominal level */
    bool have_scenario, have_nominal, have_observe;
    long steps;
    long max_steps; /* MAX_STEPS or the caller's lower limit */
} parser;

/* ---- errors ---------------------------------------------------------- */

static rc_status nomem(parser *ps)
{
    return rc_error_set(ps->err, RC_ERR_NOMEM, "out of memory while compiling the profile");
}

static void line_bounds(const src *s, int line, const char **start, size_t *len)
{
    const char *p = s->text, *end = s->text + s->len;
    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    if (e > p && e[-1] == '\r')
        e--;
    *start = p;
    *len = (size_t)(e - p);
}

/* "file:line:col: message\n  source line\n  caret" */
static rc_status fail_at(parser *ps, int file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static rc_status fail_at(parser *ps, int file, int line, int col, const char *fmt, ...)
{
    if (!ps->err)
        return RC_ERR_PARSE;
    char msg[RC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *text;
    size_t len;
    line_bounds(&ps->srcs[file], line, &text, &len);
    return rc_diag_at(ps->err, ps->p->files[file], line, col, text, len, msg);
}

static rc_status fail_tok(parser *ps, const stmt *st, int i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rc_status fail_tok(parser *ps, const stmt *st, int i, const char *fmt, ...)
{
    char msg[RC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int col;
    if (i < st->ntok)
        col = st->toks[i].col;
    else /* just past the last token: where the missing word should be */
        col = st->toks[st->ntok - 1].col + st->toks[st->ntok - 1].width + 1;
    return fail_at(ps, st->file, st->line, col, "%s", msg);
}

/* ---- did you mean ---------------------------------------------------- */

static const char *nearest_command(const char *word)
{
    const char *best = NULL;
    size_t best_d = 3; /* farther than two edits is not a typo */
    for (size_t i = 0; i < N_COMMANDS; i++) {
        size_t d = rc_edit_distance(word, commands[i].name);
        if (d < best_d && d < strlen(commands[i].name)) {
            best_d = d;
            best = commands[i].name;
        }
    }
    return best;
}

/* ---- lexer ----------------------------------------------------------- */

static void free_stmt(stmt *st);

static void free_block(block *b)
{
    for (size_t i = 0; i < b->n; i++)
        free_stmt(&b->v[i]);
    free(b->v);
    memset(b, 0, sizeof *b);
}

static void free_stmt(stmt *st)
{
    for (int i = 0; i < st->ntok; i++)
        free(st->toks[i].text);
    free(st->toks);
    free_block(&st->body);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_single(char c)
{
    return c == '=' || c == '<';
}

static rc_status push_tok(parser *ps, stmt *st, const char *s, size_t n, int col, int width,
                          bool quoted)
{
    tok *grown = realloc(st->toks, (size_t)(st->ntok + 1) * sizeof *grown);
    if (!grown)
        return nomem(ps);
    st->toks = grown;
    tok *t = &st->toks[st->ntok];
    t->text = malloc(n + 1);
    if (!t->text)
        return nomem(ps);
    memcpy(t->text, s, n);
    t->text[n] = '\0';
    t->col = col;
    t->width = width;
    t->quoted = quoted;
    st->ntok++;
    return RC_OK;
}

/* Splits one line (without its newline) into st->toks. */
static rc_status tokenize(parser *ps, stmt *st, const char *line, size_t len)
{
    size_t i = 0;
    while (i < len) {
        char c = line[i];
        int col = (int)i + 1;
        if (c == '\0')
            return fail_at(ps, st->file, st->line, col, "NUL byte in profile text");
        if (is_space(c)) {
            i++;
            continue;
        }
        if (c == '#')
            break;
        rc_status s;
        if (c == '"') {
            const char *close = memchr(line + i + 1, '"', len - i - 1);
            if (!close)
                return fail_at(ps, st->file, st->line, col, "unterminated string");
            size_t n = (size_t)(close - (line + i + 1));
            if (memchr(line + i + 1, '\0', n))
                return fail_at(ps, st->file, st->line, col, "NUL byte in profile text");
            s = push_tok(ps, st, line + i + 1, n, col, (int)n + 2, true);
            i += n + 2;
        } else if (is_single(c)) {
            s = push_tok(ps, st, line + i, 1, col, 1, false);
            i++;
        } else {
            size_t j = i;
            while (j < len && !is_space(line[j]) && line[j] != '#' && line[j] != '"' &&
                   !is_single(line[j]) && line[j] != '\0')
                j++;
            s = push_tok(ps, st, line + i, j - i, col, (int)(j - i), false);
            i = j;
        }
        if (s != RC_OK)
            return s;
    }
    return RC_OK;
}

/* ---- parser ---------------------------------------------------------- */

static const cmd_info *find_command(const char *word)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(word, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static bool is_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
            return false;
    return true;
}

static stmt *block_push(block *b)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        stmt *grown = realloc(b->v, cap * sizeof *grown);
        if (!grown)
            return NULL;
        b->v = grown;
        b->cap = cap;
    }
    stmt *st = &b->v[b->n++];
    memset(st, 0, sizeof *st);
    return st;
}

static param_decl *find_param(parser *ps, const char *name)
{
    for (size_t i = 0; i < ps->n_params; i++)
        if (strcmp(ps->params[i].name, name) == 0)
            return &ps->params[i];
    return NULL;
}

static rc_status declare_param(parser *ps, const stmt *st)
{
    if (st->ntok < 2 || st->toks[1].quoted || !is_name(st->toks[1].text))
        return fail_tok(ps, st, 1, "expected a parameter name: %s", st->info->usage);
    if (st->ntok < 3 || strcmp(st->toks[2].text, "=") != 0 || st->toks[2].quoted)
        return fail_tok(ps, st, 2, "expected `=` after the parameter name: %s",
                        st->info->usage);
    if (st->ntok < 4)
        return fail_tok(ps, st, 3, "missing default value: %s", st->info->usage);
    if (st->toks[3].text[0] == '$')
        return fail_tok(ps, st, 3, "a default must be a value, not another parameter");
    if (st->ntok > 4)
        return fail_tok(ps, st, 4, "unexpected `%s` after the default value",
                        st->toks[4].text);
    const param_decl *old = find_param(ps, st->toks[1].text);
    if (old && old->file == st->file && old->line == st->line)
        return RC_OK; /* the same file included twice declares it once */
    if (old)
        return fail_tok(ps, st, 1, "parameter `%s` already declared at %s:%d",
                        st->toks[1].text, ps->p->files[old->file], old->line);
    param_decl *grown = realloc(ps->params, (ps->n_params + 1) * sizeof *grown);
    if (!grown)
        return nomem(ps);
    ps->params = grown;
    param_decl *d = &ps->params[ps->n_params];
    memset(d, 0, sizeof *d);
    d->name = strdup(st->toks[1].text);
    d->value = strdup(st->toks[3].text);
    d->file = st->file;
    d->line = st->line;
    ps->n_params++;
    if (!d->name || !d->value)
        return nomem(ps);
    return RC_OK;
}

static rc_status parse_file(parser *ps, int file, block *into, bool in_repeat);

/* Directory part of a file name, with its trailing slash ("" for none). */
static char *join_relative(const char *base, const char *rel)
{
    const char *slash = strrchr(base, '/');
    size_t dir = rel[0] == '/' || !slash ? 0 : (size_t)(slash - base) + 1;
    size_t n = strlen(rel);
    char *out = malloc(dir + n + 1);
    if (!out)
        return NULL;
    memcpy(out, base, dir);
    memcpy(out + dir, rel, n + 1);
    return out;
}

static rc_status add_src(parser *ps, const char *name, char *text, size_t len, int *out)
{
    src *grown = realloc(ps->srcs, (ps->p->n_files + 1) * sizeof *grown);
    if (!grown) {
        free(text);
        return nomem(ps);
    }
    ps->srcs = grown;
    src *s = &ps->srcs[ps->p->n_files];
    s->text = text;
    s->len = len;
    s->real = realpath(name, NULL);
    if (!s->real)
        s->real = strdup(name);
    if (!s->real || rc_profile_add_file(ps->p, name, out) != RC_OK) {
        free(s->text);
        free(s->real);
        return nomem(ps);
    }
    return RC_OK;
}

static void chain_text(parser *ps, int last, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i <= ps->depth; i++) {
        int f = i < ps->depth ? ps->chain[i] : last;
        int w = snprintf(buf + used, n - used, "%s%s", i ? " -> " : "", ps->p->files[f]);
        if (w < 0 || (size_t)w >= n - used)
            return;
        used += (size_t)w;
    }
}

static rc_status do_include(parser *ps, const stmt *st, block *into, bool in_repeat)
{
    if (st->ntok < 2 || !st->toks[1].quoted)
        return fail_tok(ps, st, 1, "expected a quoted file name: %s", st->info->usage);
    if (st->ntok > 2)
        return fail_tok(ps, st, 2, "unexpected `%s` after the file name", st->toks[2].text);
    if (st->toks[1].text[0] == '\0')
        return fail_tok(ps, st, 1, "empty file name");
    char *path = join_relative(ps->p->files[st->file], st->toks[1].text);
    if (!path)
        return nomem(ps);
    char *real = realpath(path, NULL);
    int file = -1;
    for (size_t i = 0; real && i < ps->p->n_files; i++)
        if (strcmp(ps->srcs[i].real, real) == 0)
            file = (int)i;
    free(real);
    rc_status s = RC_OK;
    if (file < 0) {
        char *text;
        size_t len;
        rc_error io;
        s = rc_profile_read_file(path, &text, &len, &io);
        if (s != RC_OK) {
            s = fail_tok(ps, st, 1, "cannot include \"%s\": %s", st->toks[1].text, io.msg);
            free(path);
            return s;
        }
        s = add_src(ps, path, text, len, &file);
    }
    free(path);
    if (s != RC_OK)
        return s;
    for (int i = 0; i < ps->depth; i++) {
        if (ps->chain[i] == file) {
            char chain[600];
            chain_text(ps, file, chain, sizeof chain);
            return fail_tok(ps, st, 1, "include cycle: %s", chain);
        }
    }
    if (ps->depth > MAX_INCLUDE_DEPTH) {
        char chain[600];
        chain_text(ps, file, chain, sizeof chain);
        return fail_tok(ps, st, 1, "includes nested deeper than %d: %s", MAX_INCLUDE_DEPTH,
                        chain);
    }
    return parse_file(ps, file, into, in_repeat);
}

typedef struct open_repeat {
    block *body;
    int line, col;
} open_repeat;

/* Parses one line into the innermost open block; repeat/end move the stack. */
static rc_status parse_line(parser *ps, int file, int line, const char *text, size_t len,
                            open_repeat *stack, int *top, int base)
{
    stmt tmp = {.file = file, .line = line};
    rc_status s = tokenize(ps, &tmp, text, len);
    if (s != RC_OK || tmp.ntok == 0) {
        free_stmt(&tmp);
        return s;
    }
    const tok *first = &tmp.toks[0];
    tmp.info = first->quoted ? NULL : find_command(first->text);
    if (!tmp.info) {
        const char *near = first->quoted ? NULL : nearest_command(first->text);
        if (near)
            s = fail_at(ps, file, line, first->col, "unknown command `%s`; did you mean `%s`?",
                        first->text, near);
        else
            s = fail_at(ps, file, line, first->col, "unknown command `%s`", first->text);
        free_stmt(&tmp);
        return s;
    }
    bool in_repeat = *top > 0;
    if (tmp.info->top_level_only && in_repeat) {
        s = fail_at(ps, file, line, first->col, "`%s` is not allowed inside a repeat block",
                    first->text);
        free_stmt(&tmp);
        return s;
    }
    if (tmp.info->id == CMD_END) {
        if (*top <= base)
            s = fail_at(ps, file, line, first->col, "`end` without a matching `repeat`");
        else if (tmp.ntok > 1)
            s = fail_tok(ps, &tmp, 1, "unexpected `%s` after end", tmp.toks[1].text);
        else
            (*top)--;
        free_stmt(&tmp);
        return s;
    }
    if (tmp.info->id == CMD_PARAM) {
        s = declare_param(ps, &tmp);
        if (s != RC_OK) {
            free_stmt(&tmp);
            return s;
        }
    }
    if (tmp.info->id == CMD_INCLUDE) {
        s = do_include(ps, &tmp, stack[*top].body, in_repeat);
        free_stmt(&tmp);
        return s;
    }
    stmt *st = block_push(stack[*top].body);
    if (!st) {
        free_stmt(&tmp);
        return nomem(ps);
    }
    *st = tmp;
    if (st->info->id == CMD_REPEAT) {
        if (*top >= 63)
            return fail_at(ps, file, line, first->col, "repeat blocks nested deeper than 63");
        (*top)++;
        stack[*top] = (open_repeat){&st->body, line, first->col};
    }
    return RC_OK;
}

static rc_status parse_file(parser *ps, int file, block *into, bool in_repeat)
{
    open_repeat stack[64];
    /* An included file inside a repeat counts as inside it, but its own
     * repeat/end must balance within the file. */
    int base = in_repeat ? 1 : 0, top = base;
    stack[base] = (open_repeat){into, 0, 0};
    if (base)
        stack[0] = stack[1];
    ps->chain[ps->depth++] = file;
    const char *text = ps->srcs[file].text;
    size_t len = ps->srcs[file].len;
    size_t pos = 0;
    int line = 1;
    rc_status s = RC_OK;
    while (pos < len && s == RC_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        s = parse_line(ps, file, line, text + pos, n, stack, &top, base);
        pos += n + 1;
        line++;
    }
    if (s == RC_OK && top > base)
        s = fail_at(ps, file, stack[top].line, stack[top].col,
                    "`repeat` without a matching `end`");
    ps->depth--;
    return s;
}

/* ---- values ---------------------------------------------------------- */

/* The text of argument i, with a $parameter replaced by its value; `from`
 * receives a note on where a substituted value came from ("" otherwise). */
static rc_status arg_value(parser *ps, const stmt *st, int i, const char *what,
                           const char **value, char *from, size_t from_len)
{
    from[0] = '\0';
    if (i >= st->ntok)
        return fail_tok(ps, st, i, "missing %s: %s", what, st->info->usage);
    const tok *t = &st->toks[i];
    if (t->quoted)
        return fail_tok(ps, st, i, "expected %s, not a quoted string: %s", what, st->info->usage);
    if (t->text[0] != '$') {
        *value = t->text;
        return RC_OK;
    }
    const param_decl *d = find_param(ps, t->text + 1);
    if (!d)
        return fail_tok(ps, st, i, "unknown parameter `%s` (declare it with `param %s = ...`)",
                        t->text, t->text + 1);
    if (d->overridden)
        snprintf(from, from_len, " (value of %s, from --set %s)", t->text, d->set_text);
    else
        snprintf(from, from_len, " (value of %s, default at %s:%d)", t->text,
                 ps->p->files[d->file], d->line);
    *value = d->value;
    return RC_OK;
}

static rc_status arg_duration(parser *ps, const stmt *st, int i, int64_t *us)
{
    const char *v;
    char from[300];
    rc_status s = arg_value(ps, st, i, "duration", &v, from, sizeof from);
    if (s != RC_OK)
        return s;
    rc_error e;
    if (rc_parse_duration_us(v, us, &e) != RC_OK)
        return fail_tok(ps, st, i, "%s%s", e.msg, from);
    if (*us < 0)
        return fail_tok(ps, st, i, "duration '%s' is negative%s", v, from);
    return RC_OK;
}

static rc_status arg_voltage(parser *ps, const stmt *st, int i, int32_t *mv)
{
    const char *v;
    char from[300];
    rc_status s = arg_value(ps, st, i, "voltage", &v, from, sizeof from);
    if (s != RC_OK)
        return s;
    rc_error e;
    size_t n = strlen(v);
    if (n > 0 && v[n - 1] == '%') {
        int64_t milli_pct;
        const char *unit;
        if (rc_parse_decimal(v, 3, &milli_pct, &unit, &e) != RC_OK)
            return fail_tok(ps, st, i, "%s%s", e.msg, from);
        if (strcmp(unit, "%") != 0 || milli_pct > 1000000)
            return fail_tok(ps, st, i, "bad percentage '%s'%s", v, from);
        /* nominal * pct / 100, rounded to the nearest millivolt */
        *mv = (int32_t)((ps->p->nominal_mv * milli_pct + 50000) / 100000);
        ps->level_used = true;
    } else if (rc_parse_voltage_mv(v, mv, &e) != RC_OK) {
        return fail_tok(ps, st, i, "%s%s", e.msg, from);
    }
    if (*mv < 0 || *mv > MAX_LEVEL_MV)
        return fail_tok(ps, st, i, "level '%s' is outside 0..30V%s", v, from);
    return RC_OK;
}

static rc_status arg_count(parser *ps, const stmt *st, int i, long *count)
{
    const char *v;
    char from[300];
    rc_status s = arg_value(ps, st, i, "count", &v, from, sizeof from);
    if (s != RC_OK)
        return s;
    long n = 0;
    size_t k = 0;
    for (; isdigit((unsigned char)v[k]) && n <= MAX_REPEAT_COUNT; k++)
        n = n * 10 + (v[k] - '0');
    if (k == 0 || v[k] != '\0' || n > MAX_REPEAT_COUNT)
        return fail_tok(ps, st, i, "repeat count must be a whole number 0..%ld, not '%s'%s",
                        MAX_REPEAT_COUNT, v, from);
    *count = n;
    return RC_OK;
}

/* Argument i must be one of the words in `choices` (NULL-terminated). */
static rc_status arg_choice(parser *ps, const stmt *st, int i, const char *what,
                            const char *const *choices, int *out)
{
    const char *v;
    char from[300];
    rc_status s = arg_value(ps, st, i, what, &v, from, sizeof from);
    if (s != RC_OK)
        return s;
    char list[200] = "";
    for (int k = 0; choices[k]; k++) {
        if (strcmp(v, choices[k]) == 0) {
            *out = k;
            return RC_OK;
        }
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", choices[k]);
    }
    return fail_tok(ps, st, i, "expected %s (%s), not '%s'%s", what, list, v, from);
}

static rc_status expect_word(parser *ps, const stmt *st, int i, const char *word)
{
    if (i < st->ntok && !st->toks[i].quoted && strcmp(st->toks[i].text, word) == 0)
        return RC_OK;
    if (i < st->ntok)
        return fail_tok(ps, st, i, "expected `%s`, not `%s`: %s", word, st->toks[i].text,
                        st->info->usage);
    return fail_tok(ps, st, i, "expected `%s`: %s", word, st->info->usage);
}

static rc_status no_more(parser *ps, const stmt *st, int n)
{
    if (st->ntok > n)
        return fail_tok(ps, st, n, "unexpected `%s`: %s", st->toks[n].text, st->info->usage);
    return RC_OK;
}

/* ---- compiler -------------------------------------------------------- */

static rc_status emit(parser *ps, const stmt *st, rc_seg_kind kind, int64_t dur_us,
                      int32_t to_mv, rc_wait_on on, bool dry)
{
    if (dry)
        return RC_OK;
    if (ps->p->n_segs >= RC_PROFILE_MAX_SEGMENTS)
        return fail_tok(ps, st, 0, "profile expands to more than %d segments",
                        RC_PROFILE_MAX_SEGMENTS);
    if (dur_us > INT64_MAX / 2 - ps->m.t_us)
        return fail_tok(ps, st, 0, "profile is too long (time overflows)");
    rc_segment seg = {
        .kind = kind, .start_us = ps->m.t_us, .duration_us = dur_us,
        .from_mv = ps->m.mv, .to_mv = to_mv, .rail_on = ps->m.rail_on,
        .ac_lost = ps->m.ac_lost, .wait_on = on, .file = st->file, .line = st->line,
    };
    if (rc_profile_push_segment(ps->p, &seg) != RC_OK)
        return nomem(ps);
    ps->m.t_us += dur_us;
    return RC_OK;
}

static rc_status exec_setting(parser *ps, const stmt *st)
{
    rc_status s = RC_OK;
    bool *seen = st->info->id == CMD_SCENARIO  ? &ps->have_scenario
                 : st->info->id == CMD_NOMINAL ? &ps->have_nominal
                                               : &ps->have_observe;
    if (*seen)
        return fail_tok(ps, st, 0, "`%s` given twice", st->info->name);
    *seen = true;
    if (st->info->id == CMD_SCENARIO) {
        static const char *const names[] = {"test", "ota", "outage", NULL};
        int k = 0;
        s = arg_choice(ps, st, 1, "a scenario", names, &k);
        if (s == RC_OK && rc_scenario_from_name(names[k], &ps->p->scenario) != RC_OK)
            s = fail_tok(ps, st, 1, "unknown scenario");
    } else if (st->info->id == CMD_NOMINAL) {
        int32_t mv = 0;
        if (ps->level_used || ps->p->n_segs > 0)
            return fail_tok(ps, st, 0, "`nominal` must come before any level, ramp, hold or wait");
        s = arg_voltage(ps, st, 1, &mv);
        if (s == RC_OK && mv == 0)
            s = fail_tok(ps, st, 1, "nominal level must be above 0V");
        if (s == RC_OK) {
            ps->p->nominal_mv = mv;
            ps->m.mv = mv;
        }
    } else {
        s = arg_duration(ps, st, 1, &ps->p->observe_us);
    }
    return s != RC_OK ? s : no_more(ps, st, 2);
}

static rc_status exec_wait(parser *ps, const stmt *st, bool dry)
{
    static const char *const events[] = {"ready", "ad1", "restored", "down", NULL};
    static const rc_wait_on on[] = {RC_WAIT_READY, RC_WAIT_AD1, RC_WAIT_RESTORED, RC_WAIT_DOWN};
    int k = 0;
    int64_t us = 0;
    rc_status s = arg_choice(ps, st, 1, "an event", events, &k);
    if (s == RC_OK)
        s = expect_word(ps, st, 2, "timeout");
    if (s == RC_OK)
        s = arg_duration(ps, st, 3, &us);
    if (s == RC_OK && us == 0)
        s = fail_tok(ps, st, 3, "a wait needs a time-out above 0");
    if (s == RC_OK)
        s = no_more(ps, st, 4);
    if (s == RC_OK)
        s = emit(ps, st, RC_SEG_WAIT, us, ps->m.mv, on[k], dry);
    return s;
}

static rc_status exec_mark(parser *ps, const stmt *st, bool dry)
{
    if (st->ntok < 2 || st->toks[1].quoted || !is_name(st->toks[1].text))
        return fail_tok(ps, st, 1, "expected a mark name: %s", st->info->usage);
    rc_status s = no_more(ps, st, 2);
    if (s != RC_OK || dry)
        return s;
    const char *name = st->toks[1].text;
    if (strcmp(name, "start") == 0)
        return fail_tok(ps, st, 1, "`start` is reserved for the start of the run");
    for (size_t i = 0; i < ps->p->n_marks; i++)
        if (strcmp(ps->p->marks[i].name, name) == 0)
            return fail_tok(ps, st, 1, "mark `%s` already set at %s:%d", name,
                            ps->p->files[ps->mark_locs[i].file], ps->mark_locs[i].line);
    size_t n = ps->p->n_marks + 1;
    rc_mark *marks = realloc(ps->p->marks, n * sizeof *marks);
    if (!marks)
        return nomem(ps);
    ps->p->marks = marks;
    mark_loc *locs = realloc(ps->mark_locs, n * sizeof *locs);
    if (!locs)
        return nomem(ps);
    ps->mark_locs = locs;
    marks[n - 1].name = strdup(name);
    marks[n - 1].segment = ps->p->n_segs;
    locs[n - 1] = (mark_loc){st->file, st->line};
    ps->p->n_marks = n;
    return marks[n - 1].name ? RC_OK : nomem(ps);
}

/* "expect ... after NAME" from token i on: records the mark to resolve later. */
static rc_status expect_after(parser *ps, const stmt *st, int i, size_t expect)
{
    if (i >= st->ntok)
        return RC_OK;
    rc_status s = expect_word(ps, st, i, "after");
    if (s == RC_OK && (i + 1 >= st->ntok || st->toks[i + 1].quoted))
        s = fail_tok(ps, st, i + 1, "expected a mark name or `start` after `after`");
    if (s == RC_OK)
        s = no_more(ps, st, i + 2);
    if (s != RC_OK || strcmp(st->toks[i + 1].text, "start") == 0)
        return s;
    pending_mark *grown = realloc(ps->pending, (ps->n_pending + 1) * sizeof *grown);
    if (!grown)
        return nomem(ps);
    ps->pending = grown;
    pending_mark *pm = &ps->pending[ps->n_pending];
    pm->expect = expect;
    pm->name = strdup(st->toks[i + 1].text);
    pm->file = st->file;
    pm->line = st->line;
    pm->col = st->toks[i + 1].col;
    if (!pm->name)
        return nomem(ps);
    ps->n_pending++;
    return RC_OK;
}

static rc_status expect_clause(parser *ps, const stmt *st, rc_expect *ex, size_t index)
{
    int i = 1;
    bool no = i < st->ntok && strcmp(st->toks[i].text, "no") == 0 && !st->toks[i].quoted;
    if (no)
        i++;
    if (i < st->ntok && !no && strcmp(st->toks[i].text, "max_outage") == 0) {
        rc_status s = expect_word(ps, st, i + 1, "<");
        if (s == RC_OK)
            s = arg_duration(ps, st, i + 2, &ex->bound_us);
        if (s == RC_OK && ex->bound_us == 0)
            s = fail_tok(ps, st, i + 2, "max_outage < 0 can never hold");
        ex->kind = RC_EXPECT_MAX_OUTAGE_BELOW;
        return s != RC_OK ? s : no_more(ps, st, i + 3);
    }
    rc_status s = expect_word(ps, st, i, "ad1");
    if (s != RC_OK)
        return s;
    i++;
    ex->kind = no ? RC_EXPECT_NO_AD1 : RC_EXPECT_AD1;
    if (no || i >= st->ntok)
        return no_more(ps, st, i);
    ex->kind = RC_EXPECT_AD1_WINDOW;
    if (strcmp(st->toks[i].text, "within") == 0) {
        s = arg_duration(ps, st, i + 1, &ex->hi_us);
        return s != RC_OK ? s : expect_after(ps, st, i + 2, index);
    }
    if (strcmp(st->toks[i].text, "between") == 0) {
        s = arg_duration(ps, st, i + 1, &ex->lo_us);
        if (s == RC_OK)
            s = expect_word(ps, st, i + 2, "and");
        if (s == RC_OK)
            s = arg_duration(ps, st, i + 3, &ex->hi_us);
        if (s == RC_OK && ex->hi_us < ex->lo_us)
            s = fail_tok(ps, st, i + 3, "window ends before it starts");
        return s != RC_OK ? s : expect_after(ps, st, i + 4, index);
    }
    return fail_tok(ps, st, i, "expected `within` or `between` after `expect ad1`, not `%s`",
                    st->toks[i].text);
}

static rc_status exec_expect(parser *ps, const stmt *st)
{
    size_t n = ps->p->n_expects + 1;
    rc_expect *grown = realloc(ps->p->expects, n * sizeof *grown);
    if (!grown)
        return nomem(ps);
    ps->p->expects = grown;
    rc_expect *ex = &grown[n - 1];
    memset(ex, 0, sizeof *ex);
    ex->mark = -1;
    ex->file = st->file;
    ex->line = st->line;
    /* The clause as written: from the first token to the end of the last. */
    const char *text;
    size_t len;
    line_bounds(&ps->srcs[st->file], st->line, &text, &len);
    const tok *last = &st->toks[st->ntok - 1];
    size_t from = (size_t)st->toks[0].col - 1, to = (size_t)(last->col - 1 + last->width);
    assert(to <= len && from < to);
    ex->text = malloc(to - from + 1);
    ps->p->n_expects = n;
    if (!ex->text)
        return nomem(ps);
    memcpy(ex->text, text + from, to - from);
    ex->text[to - from] = '\0';
    return expect_clause(ps, st, ex, n - 1);
}

static rc_status exec_block(parser *ps, const block *b, bool dry);

/* Every command executed and every pass through a repeat block counts, so
 * even empty nested repeats stay within the step limit. */
static rc_status count_step(parser *ps, const stmt *st)
{
    if (++ps->steps > ps->max_steps)
        return fail_tok(ps, st, 0, "profile expands to more than %ld commands", ps->max_steps);
    return RC_OK;
}

static rc_status exec_repeat(parser *ps, const stmt *st, bool dry)
{
    long count = 0;
    rc_status s = arg_count(ps, st, 1, &count);
    if (s == RC_OK)
        s = no_more(ps, st, 2);
    if (s != RC_OK)
        return s;
    if (dry || count == 0) {
        machine saved = ps->m;
        s = exec_block(ps, &st->body, true);
        ps->m = saved;
        return s;
    }
    for (long k = 0; k < count && s == RC_OK; k++) {
        s = count_step(ps, st);
        if (s == RC_OK)
            s = exec_block(ps, &st->body, false);
    }
    return s;
}

static rc_status exec_stmt(parser *ps, const stmt *st, bool dry)
{
    static const char *const on_off[] = {"off", "on", NULL};
    rc_status s = RC_OK;
    int32_t mv = 0;
    int64_t us = 0;
    int k = 0;
    s = count_step(ps, st);
    if (s != RC_OK)
        return s;
    switch (st->info->id) {
    case CMD_SCENARIO:
    case CMD_NOMINAL:
    case CMD_OBSERVE: return exec_setting(ps, st);
    case CMD_PARAM: return RC_OK; /* declared while parsing */
    case CMD_LEVEL:
        s = arg_voltage(ps, st, 1, &mv);
        if (s == RC_OK)
            s = no_more(ps, st, 2);
        if (s == RC_OK)
            ps->m.mv = mv;
        ps->level_used = true;
        return s;
    case CMD_RAMP:
        s = expect_word(ps, st, 1, "to");
        if (s == RC_OK)
            s = arg_voltage(ps, st, 2, &mv);
        if (s == RC_OK)
            s = expect_word(ps, st, 3, "over");
        if (s == RC_OK)
            s = arg_duration(ps, st, 4, &us);
        if (s == RC_OK)
            s = no_more(ps, st, 5);
        ps->level_used = true;
        if (s == RC_OK && us > 0)
            s = emit(ps, st, RC_SEG_RAMP, us, mv, RC_WAIT_NONE, dry);
        if (s == RC_OK)
            ps->m.mv = mv;
        return s;
    case CMD_HOLD:
        s = arg_duration(ps, st, 1, &us);
        if (s == RC_OK)
            s = no_more(ps, st, 2);
        if (s == RC_OK && us > 0)
            s = emit(ps, st, RC_SEG_HOLD, us, ps->m.mv, RC_WAIT_NONE, dry);
        ps->level_used = true;
        return s;
    case CMD_CUT:
    case CMD_RESTORE:
        s = no_more(ps, st, 1);
        ps->m.rail_on = st->info->id == CMD_RESTORE;
        return s;
    case CMD_AC_LOST:
        s = arg_choice(ps, st, 1, "a state", on_off, &k);
        if (s == RC_OK)
            s = no_more(ps, st, 2);
        ps->m.ac_lost = k == 1;
        return s;
    case CMD_REPEAT: return exec_repeat(ps, st, dry);
    case CMD_WAIT:
        ps->level_used = true;
        return exec_wait(ps, st, dry);
    case CMD_MARK: return exec_mark(ps, st, dry);
    case CMD_EXPECT: return exec_expect(ps, st);
    case CMD_END:
    case CMD_INCLUDE: break;
    }
    assert(!"end and include never reach the compiler");
    return RC_ERR_ARG;
}

static rc_status exec_block(parser *ps, const block *b, bool dry)
{
    rc_status s = RC_OK;
    for (size_t i = 0; i < b->n && s == RC_OK; i++)
        s = exec_stmt(ps, &b->v[i], dry);
    return s;
}

/* ---- --set, marks, results ------------------------------------------- */

static rc_status apply_overrides(parser *ps, const rc_profile_options *opt)
{
    for (size_t i = 0; opt && i < opt->n_set; i++) {
        const char *set = opt->set[i];
        const char *eq = set ? strchr(set, '=') : NULL;
        if (!eq || eq == set)
            return rc_error_set(ps->err, RC_ERR_PARSE, "--set %s: expected name=value",
                                set ? set : "(null)");
        size_t n = (size_t)(eq - set);
        param_decl *d = NULL;
        for (size_t k = 0; k < ps->n_params && !d; k++)
            if (strlen(ps->params[k].name) == n && memcmp(ps->params[k].name, set, n) == 0)
                d = &ps->params[k];
        if (!d) {
            char names[600] = "";
            for (size_t k = 0; k < ps->n_params; k++) {
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "",
                         ps->params[k].name);
            }
            return rc_error_set(ps->err, RC_ERR_NOT_FOUND,
                                "--set %s: %s declares no parameter `%.*s` (%s%s)", set,
                                ps->p->files[0], (int)n, set,
                                ps->n_params ? "declared: " : "it declares none",
                                names);
        }
        if (d->overridden)
            return rc_error_set(ps->err, RC_ERR_PARSE,
                                "--set %s: parameter `%.*s` already set by --set %s", set,
                                (int)n, set, d->set_text);
        char *value = strdup(eq + 1);
        if (!value)
            return nomem(ps);
        free(d->value);
        d->value = value;
        d->overridden = true;
        d->set_text = set;
    }
    return RC_OK;
}

static rc_status resolve_marks(parser *ps)
{
    for (size_t i = 0; i < ps->n_pending; i++) {
        const pending_mark *pm = &ps->pending[i];
        int found = -1;
        for (size_t k = 0; k < ps->p->n_marks && found < 0; k++)
            if (strcmp(ps->p->marks[k].name, pm->name) == 0)
                found = (int)k;
        if (found < 0)
            return fail_at(ps, pm->file, pm->line, pm->col, "no mark named `%s` in the profile",
                           pm->name);
        ps->p->expects[pm->expect].mark = found;
    }
    return RC_OK;
}

static rc_status export_params(parser *ps)
{
    if (ps->n_params == 0)
        return RC_OK;
    ps->p->params = calloc(ps->n_params, sizeof *ps->p->params);
    if (!ps->p->params)
        return nomem(ps);
    for (size_t i = 0; i < ps->n_params; i++) {
        rc_param *out = &ps->p->params[i];
        out->name = ps->params[i].name;
        out->value = ps->params[i].value;
        out->overridden = ps->params[i].overridden;
        ps->params[i].name = ps->params[i].value = NULL;
        ps->p->n_params++;
    }
    return RC_OK;
}

static void parser_free(parser *ps)
{
    for (size_t i = 0; ps->p && i < ps->p->n_files; i++) {
        free(ps->srcs[i].text);
        free(ps->srcs[i].real);
    }
    free(ps->srcs);
    for (size_t i = 0; i < ps->n_params; i++) {
        free(ps->params[i].name);
        free(ps->params[i].value);
    }
    free(ps->params);
    for (size_t i = 0; i < ps->n_pending; i++)
        free(ps->pending[i].name);
    free(ps->pending);
    free(ps->mark_locs);
    free_block(&ps->root);
}

static rc_status add_observe(parser *ps)
{
    rc_profile *p = ps->p;
    if (p->n_segs >= RC_PROFILE_MAX_SEGMENTS || p->observe_us > INT64_MAX / 2 - ps->m.t_us)
        return rc_error_set(ps->err, RC_ERR_PARSE, "%s: profile too long for its observation window",
                            p->files[0]);
    rc_segment seg = {
        .kind = RC_SEG_OBSERVE, .start_us = ps->m.t_us, .duration_us = p->observe_us,
        .from_mv = ps->m.mv, .to_mv = ps->m.mv, .rail_on = ps->m.rail_on,
        .ac_lost = ps->m.ac_lost, .wait_on = RC_WAIT_NONE, .file = 0, .line = 0,
    };
    if (rc_profile_push_segment(p, &seg) != RC_OK)
        return nomem(ps);
    ps->m.t_us += p->observe_us;
    return RC_OK;
}

static rc_status compile(parser *ps, const char *text, size_t len, const rc_profile_options *opt)
{
    rc_profile *p = ps->p;
    assert(p->n_files == 1);
    p->source = malloc(len + 1);
    src *main_src = &ps->srcs[0];
    main_src->text = malloc(len + 1);
    main_src->real = realpath(p->files[0], NULL);
    if (!main_src->real)
        main_src->real = strdup(p->files[0]);
    if (!p->source || !main_src->text || !main_src->real)
        return nomem(ps);
    memcpy(p->source, text, len);
    p->source[len] = '\0';
    memcpy(main_src->text, text, len);
    main_src->text[len] = '\0';
    main_src->len = len;
    ps->max_steps = opt && opt->max_steps > 0 && opt->max_steps < MAX_STEPS ? opt->max_steps
                                                                              : MAX_STEPS;
    rc_status s = parse_file(ps, 0, &ps->root, false);
    if (s == RC_OK)
        s = apply_overrides(ps, opt);
    ps->m = (machine){.mv = p->nominal_mv, .rail_on = false, .ac_lost = false, .t_us = 0};
    if (s == RC_OK)
        s = exec_block(ps, &ps->root, false);
    if (s == RC_OK)
        s = resolve_marks(ps);
    if (s == RC_OK && opt && opt->observe_us >= 0)
        p->observe_us = opt->observe_us;
    if (s == RC_OK)
        s = add_observe(ps);
    if (s == RC_OK) {
        p->nominal_us = ps->m.t_us;
        s = export_params(ps);
    }
    return s;
}

rc_status rc_profile_parse(const char *name, const char *text, size_t len,
                           const rc_profile_options *opt, rc_profile **out, rc_error *err)
{
    if (!name || (!text && len) || !out)
        return rc_error_set(err, RC_ERR_ARG, "rc_profile_parse: missing argument");
    *out = NULL;
    parser ps = {.err = err};
    ps.p = rc_profile_new();
    int file0;
    if (!ps.p || rc_profile_add_file(ps.p, name, &file0) != RC_OK) {
        rc_profile_free(ps.p);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    ps.srcs = calloc(1, sizeof *ps.srcs);
    rc_status s = ps.srcs ? compile(&ps, text ? text : "", len, opt) : nomem(&ps);
    parser_free(&ps);
    if (s != RC_OK) {
        rc_profile_free(ps.p);
        return s;
    }
    *out = ps.p;
    return RC_OK;
}
