/*
 * fuzz_ch.c - feeds arbitrary bytes to the CH file reader (the [ch] and
 * [supply] INI files of fixtures/ch/, read through inih). The reader only
 * takes a path, so each input is written to one scratch file first.
 *
 * Properties checked beyond "no crash": a refused file leaves the
 * parameters exactly as they were; an accepted one lists every parameter
 * with a value that, written back through rc_model_param_set, is accepted
 * and formats to the same text (what `railcut run --ch` records in a trace
 * must load again).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "railcut/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LISTING_MAX 8192

/* Holds in every build type, unlike assert. */
static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static char scratch_path[64];

static void remove_scratch(void)
{
    unlink(scratch_path);
}

/* The scratch file, made once per process. */
static const char *scratch(void)
{
    if (scratch_path[0])
        return scratch_path;
    const char *dir = getenv("TMPDIR");
    snprintf(scratch_path, sizeof scratch_path, "%s/fuzz-ch-XXXXXX",
             dir && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(scratch_path);
    check(fd >= 0);
    close(fd);
    atexit(remove_scratch);
    return scratch_path;
}

typedef struct listing {
    char text[LISTING_MAX];
    size_t len;
} listing;

static void list_one(void *ctx, const char *name, const char *value, const char *unit,
                     const char *description)
{
    listing *l = ctx;
    (void)unit;
    (void)description;
    int n = snprintf(l->text + l->len, sizeof l->text - l->len, "%s=%s\n", name, value);
    check(n > 0 && (size_t)n < sizeof l->text - l->len);
    l->len += (size_t)n;
}

static void list(const rc_ch_params *ch, const rc_supply_params *sup, listing *out)
{
    out->len = 0;
    out->text[0] = '\0';
    rc_model_params_foreach(ch, sup, list_one, out);
}

/* Every listed value, set again by name, is accepted and lists the same. */
static void check_round_trip(const rc_ch_params *ch, const rc_supply_params *sup,
                             const listing *before)
{
    rc_ch_params ch2 = *ch;
    rc_supply_params sup2 = *sup;
    char line[256];
    for (const char *p = before->text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p);
        check(n < sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        char *eq = strchr(line, '=');
        check(eq != NULL);
        *eq = '\0';
        rc_error err;
        check(rc_model_param_set(&ch2, &sup2, line, eq + 1, &err) == RC_OK);
        p = nl + 1;
    }
    listing after;
    list(&ch2, &sup2, &after);
    check(after.len == before->len && memcmp(after.text, before->text, after.len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = scratch();
    FILE *f = fopen(path, "wb");
    check(f != NULL);
    check(fwrite(data, 1, size, f) == size);
    check(fclose(f) == 0);

    rc_ch_params ch;
    rc_supply_params sup;
    rc_ch_params_default(&ch);
    rc_supply_params_default(&sup);
    listing defaults, got;
    list(&ch, &sup, &defaults);
    rc_error err;
    rc_status st = rc_model_params_load(&ch, &sup, path, &err);
    list(&ch, &sup, &got);
    if (st != RC_OK) {
        check(err.msg[0] != '\0');
        check(got.len == defaults.len && memcmp(got.text, defaults.text, got.len) == 0);
        return 0;
    }
    check_round_trip(&ch, &sup, &got);
    rc_model_params_check(&ch, &sup, 8000, 9000, &err);
    return 0;
}
