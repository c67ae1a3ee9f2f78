/*
 * fuzz_profile.c - feeds arbitrary bytes to both profile readers: as .rail
 * text and as a CSV waveform. The .rail name sits in a directory that does
 * not exist, so relative includes find nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include "railcut/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const set[] = {"off=179.9s", "n=2"};
    rc_profile_options opt = RC_PROFILE_OPTIONS_INIT;
    /* the default limit (4 M commands) is covered by unit tests; a low one
     * keeps each execution fast so the fuzzer explores the grammar */
    opt.max_steps = 20000;
    rc_profile *p = NULL;
    rc_error err;
    const char *text = (const char *)data;

    if (rc_profile_parse("/nonexistent-railcut-fuzz/f.rail", text, size, &opt, &p, &err) ==
        RC_OK)
        rc_profile_free(p);
    /* Again with overrides, which only succeed when both names are declared. */
    opt.set = set;
    opt.n_set = 2;
    if (rc_profile_parse("/nonexistent-railcut-fuzz/f.rail", text, size, &opt, &p, &err) ==
        RC_OK)
        rc_profile_free(p);
    opt.set = NULL;
    opt.n_set = 0;
    if (rc_profile_parse_csv("f.csv", text, size, &opt, &p, &err) == RC_OK)
        rc_profile_free(p);
    return 0;
}
