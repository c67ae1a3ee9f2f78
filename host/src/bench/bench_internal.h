/*
 * bench_internal.h - helpers shared by the bench module's files.
 */
#ifndef RC_BENCH_INTERNAL_H
#define RC_BENCH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
int64_t rc_bench_days_from_civil(int64_t y, int m, int d);

/* Parses exactly "YYYY-MM-DD" with a valid month and day; false otherwise. */
bool rc_bench_parse_date(const char *text, int64_t *days);

#endif
