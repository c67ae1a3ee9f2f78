/*
 * import_check.h - the body shared by the import fuzz targets (CSV and
 * sigrok): write the input to a file, import it, and check the outcome.
 * Whatever the input, the import either fails with a message or writes a
 * trace that opens and reads back with as many samples as it said. Input
 * and output go through files under /tmp named with the format and the
 * process id, reused across inputs and removed at exit.
 */
#ifndef RAILCUT_FUZZ_IMPORT_CHECK_H
#define RAILCUT_FUZZ_IMPORT_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "railcut/interop.h"
#include "railcut/trace.h"

static char import_in_path[64], import_out_path[64];

static void import_remove_files(void)
{
    unlink(import_in_path);
    unlink(import_out_path);
}

/* Sums every sample's time into a sink as it counts, so each sample the
 * reader hands over is really read (the sanitizers see every access). */
static volatile uint64_t import_sink;

static int import_count_samples(void *ctx, const rc_sample *s, size_t n)
{
    uint64_t *count = ctx;
    for (size_t i = 0; i < n; i++) {
        import_sink += (uint64_t)s[i].t_us + s[i].ch_state;
        ++*count;
    }
    return 0;
}

static void import_write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(import_in_path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
}

/* One fuzz input imported as FORMAT; NAME and EXT name its /tmp files. */
static void import_check(const uint8_t *data, size_t size, rc_import_format format,
                         const char *name, const char *ext)
{
    if (!import_in_path[0]) {
        snprintf(import_in_path, sizeof import_in_path, "/tmp/railcut-fuzz-%s-%ld.%s", name,
                 (long)getpid(), ext);
        snprintf(import_out_path, sizeof import_out_path, "/tmp/railcut-fuzz-%s-%ld.rct", name,
                 (long)getpid());
        atexit(import_remove_files);
    }
    import_write_input(data, size);
    rc_import_options opt;
    rc_import_options_init(&opt);
    opt.format = format;
    rc_import_stats st;
    rc_error err;
    if (rc_import(import_in_path, import_out_path, &opt, &st, &err) != RC_OK) {
        if (err.msg[0] == '\0')
            abort(); /* every failure says why */
        return;
    }
    rc_trace *t;
    if (rc_trace_open(import_out_path, &t, &err) != RC_OK)
        abort();
    uint64_t n = 0;
    if (rc_trace_read_samples(t, INT64_MIN, INT64_MAX, import_count_samples, &n, &err) != RC_OK ||
        n != st.samples)
        abort();
    rc_trace_close(t);
}

#endif
