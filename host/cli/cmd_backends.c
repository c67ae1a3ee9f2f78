/*
 * cmd_backends.c - `railcut backends`: the driver registry, one line each.
 */
#include <string.h>

#include "cli.h"

int cmd_backends(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: railcut backends\n\nLists the backends `railcut run --backend` accepts.");
        return RC_EXIT_PASS;
    }
    if (argc > 1)
        return cli_usage_error("backends", "takes no arguments");
    size_t n;
    const rc_driver *const *drivers = rc_driver_list(&n);
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(drivers[i]->name) > width)
            width = (int)strlen(drivers[i]->name);
    for (size_t i = 0; i < n; i++)
        printf("%-*s  %s\n", width, drivers[i]->name, drivers[i]->description);
    return RC_EXIT_PASS;
}
