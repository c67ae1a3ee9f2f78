/*
 * fuzz_bench.c - feeds arbitrary bytes to the bench-file reader, to the
 * external feed's line parser (line by line, as the server splits them) and
 * to the UART alert matcher, so all three readers of outside text see
 * hostile input. An accepted bench's calibration is also turned into trace
 * header entries.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "railcut/bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Holds in every build type, unlike assert. */
static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void feed_lines(const uint8_t *data, size_t size)
{
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        rc_event ev;
        rc_error err;
        if (rc_feed_parse_line((const char *)data + start, i - start, 1795600800000000LL, &ev,
                               &err) == RC_OK)
            check(ev.kind == RC_EV_AD1 && ev.t_us >= 0);
        start = i + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rc_bench b;
    rc_error err;
    if (rc_bench_parse((const char *)data, size, "fuzz.ini", &b, &err) == RC_OK) {
        rc_bench_kv kv[32];
        size_t n = rc_bench_cal_entries(&b, 1795600800000000LL, kv, 32);
        check(n <= 32);
    }
    feed_lines(data, size);
    rc_uart_alert *m;
    if (rc_uart_alert_new("AD1|[Aa]lert [0-9]+$", &m, NULL) == RC_OK) {
        for (size_t i = 0; i < size; i++) {
            rc_event ev;
            if (rc_uart_alert_byte(m, (int64_t)i, data[i], &ev))
                check(ev.kind == RC_EV_AD1 && ev.t_us <= (int64_t)i);
        }
        rc_uart_alert_free(m);
    }
    return 0;
}
