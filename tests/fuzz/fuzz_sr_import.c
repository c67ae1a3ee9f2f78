/*
 * fuzz_sr_import.c - `railcut import` of a sigrok session on arbitrary
 * bytes: libzip's archive checks, the metadata (INI) reader, the channel
 * layout and the lock-step member streams (import_check.h says what must
 * hold).
 */
#include <stddef.h>
#include <stdint.h>

#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_check(data, size, RC_IMPORT_SR, "sr", "sr");
    return 0;
}
