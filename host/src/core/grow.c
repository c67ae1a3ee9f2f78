/*
 * grow.c - rc_grow (grow.h): capacities start at 16 elements and double
 * until the need fits, so n appends cost O(n) copies in all.
 */
#include "core/grow.h"

#include <stdlib.h>

void *rc_grow(void *buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return buf;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(buf, n * elem);
    if (p)
        *cap = n;
    return p;
}
