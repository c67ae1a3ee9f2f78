/*
 * fuzz_suite.c - feeds arbitrary bytes to the suite reader, and compares
 * every case it accepts with a fixed analysis, so the reader, the case
 * defaults and the comparison's message building all see hostile input. The
 * name sits in a directory that does not exist; nothing is run.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "railcut/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rc_suite *s = NULL;
    rc_error err;
    if (rc_suite_parse("/nonexistent-railcut-fuzz/f.suite", (const char *)data, size, &s,
                       &err) != RC_OK)
        return 0;
    rc_check checks[2];
    memset(checks, 0, sizeof checks);
    strcpy(checks[0].name, "mp102a.ch");
    checks[0].result = RC_CHECK_PASS;
    strcpy(checks[1].name, "expect:12");
    checks[1].result = RC_CHECK_FAIL;
    rc_analysis a;
    memset(&a, 0, sizeof a);
    a.checks = checks;
    a.n_checks = 2;
    a.verdict = RC_VERDICT_FAIL;
    char diff[256];
    for (size_t i = 0; i < s->n_cases; i++) {
        rc_suite_case_compare(&s->cases[i], &a, diff, sizeof diff);
        rc_suite_case_selected(&s->cases[i], "*a*");
    }
    rc_suite_free(s);
    return 0;
}
