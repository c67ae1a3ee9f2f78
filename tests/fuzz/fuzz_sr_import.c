/*
 * fuzz_sr_import.c - `railcut import` of a sigrok session on arbitrary
 * bytes: libzip's archive checks, the metadata (INI) reader, the channel
 * layout and the lock-step member streams. Whatever the input, the import
 * either fails with a message or writes a trace that reads back with as
 * many samples as it said. Input and output go through files under /tmp
 * named with the process id, reused across inputs and removed at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "railcut/interop.h"
#include "railcut/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char in_path[64], out_path[64];

static void remove_files(void)
{
    unlink(in_path);
    unlink(out_path);
}

static int count_samples(void *ctx, const rc_sample *s, size_t n)
{
    uint64_t *count = ctx;
    for (size_t i = 0; i < n; i++)
        *count += s[i].ch_state <= 3;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!in_path[0]) {
        snprintf(in_path, sizeof in_path, "/tmp/railcut-fuzz-sr-%ld.sr", (long)getpid());
        snprintf(out_path, sizeof out_path, "/tmp/railcut-fuzz-sr-%ld.rct", (long)getpid());
        atexit(remove_files);
    }
    FILE *f = fopen(in_path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    rc_import_options opt;
    rc_import_options_init(&opt);
    opt.format = RC_IMPORT_SR;
    rc_import_stats st;
    rc_error err;
    if (rc_import(in_path, out_path, &opt, &st, &err) != RC_OK) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    rc_trace *t;
    if (rc_trace_open(out_path, &t, &err) != RC_OK)
        abort();
    uint64_t n = 0;
    if (rc_trace_read_samples(t, INT64_MIN, INT64_MAX, count_samples, &n, &err) != RC_OK ||
        n != st.samples)
        abort();
    rc_trace_close(t);
    return 0;
}
