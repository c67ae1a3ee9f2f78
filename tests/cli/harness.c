/*
 * harness.c - the CLI tests' shared helpers (see harness.h). Commands run
 * through system(); stdout and stderr go to two fresh files in the tmp
 * directory, read back whole.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

char *cli_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    ck_assert_int_ge(size, 0);
    char *buf = calloc(1, (size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    if (len)
        *len = (size_t)size;
    return buf;
}

const char *cli_tmp_path(const char *name)
{
    static char paths[64][512];
    static unsigned n;
    char *p = paths[n++ % 64];
    mkdir(RC_CLI_TMP_DIR, 0777);
    snprintf(p, sizeof paths[0], "%s/%ld-%u-%s", RC_CLI_TMP_DIR, (long)getpid(), n, name);
    return p;
}

void cli_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

cli_result cli_vshell(const char *fmt, va_list ap)
{
    char line[4096], cmd[8192], out[512], err[512];
    vsnprintf(line, sizeof line, fmt, ap);
    snprintf(out, sizeof out, "%s", cli_tmp_path("stdout"));
    snprintf(err, sizeof err, "%s", cli_tmp_path("stderr"));
    snprintf(cmd, sizeof cmd, "cd %s && %s >%s 2>%s </dev/null", RC_CLI_TMP_DIR, line, out,
             err);
    int status = system(cmd);
    ck_assert_msg(WIFEXITED(status), "%s did not exit normally", line);
    cli_result r = {WEXITSTATUS(status), cli_slurp(out, NULL), cli_slurp(err, NULL)};
    ck_assert_ptr_nonnull(r.out);
    ck_assert_ptr_nonnull(r.err);
    return r;
}

cli_result cli_shell(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_result r = cli_vshell(fmt, ap);
    va_end(ap);
    return r;
}

cli_result cli_railcut(const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return cli_shell("%s %s", RAILCUT_BIN, args);
}

void cli_result_free(cli_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

cJSON *cli_parse_json(const char *text)
{
    ck_assert_ptr_nonnull(text);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "not JSON: %.300s", text);
    return j;
}

const cJSON *cli_check_named(const cJSON *report, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(report, "checks"))
    {
        const cJSON *n = cJSON_GetObjectItem(c, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return c;
    }
    ck_abort_msg("no check named %s", name);
    return NULL;
}

const char *cli_verdict(const cJSON *report)
{
    const cJSON *v = cJSON_GetObjectItem(report, "verdict");
    ck_assert(cJSON_IsString(v));
    return v->valuestring;
}
