/*
 * fuzz_csv_import.c - `railcut import` of a CSV capture on arbitrary bytes:
 * the streaming CSV reader (rows, exported event lines) and the trace it
 * writes (import_check.h says what must hold).
 */
#include <stddef.h>
#include <stdint.h>

#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_check(data, size, RC_IMPORT_CSV, "csv", "csv");
    return 0;
}
