/*
 * grow.h - the growable arrays of the library's modules: an array of elem-
 * sized elements with a capacity, doubled as needed.
 */
#ifndef RC_CORE_GROW_H
#define RC_CORE_GROW_H

#include <stddef.h>

/* Returns buf grown (by doubling) to hold need elements; NULL when out of
 * memory, leaving buf and *cap as they were. */
void *rc_grow(void *buf, size_t *cap, size_t need, size_t elem);

#endif
