/*
 * cmd_devices.c - `railcut devices`: the FT2232H boards attached to this
 * host, one line each, with the device strings a bench file can use.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "railcut/bench.h"

static const char devices_help[] =
    "usage: railcut devices\n"
    "\n"
    "Lists the attached FTDI FT2232H devices (0403:6010) through libftdi1: bus and\n"
    "address, serial number, manufacturer and description, and the device\n"
    "string for a bench file's `device =` key. A board whose strings cannot be\n"
    "read (claimed by another process, or no permission: see the udev rule in\n"
    "docs/bench-setup.md) is listed without them. The gateware identity is not\n"
    "queried here; `railcut flash` and `railcut run --backend ftdi` check it.\n";

int cmd_devices(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(devices_help, stdout);
        return RC_EXIT_PASS;
    }
    if (argc > 1)
        return cli_usage_error("devices", "takes no arguments");
    rc_ftdi_device *devs;
    size_t n;
    rc_error err;
    rc_status st = rc_ftdi_list(&devs, &n, &err);
    if (st != RC_OK) {
        /* No USB at all (a container, a CI runner) is not a failure to list. */
        printf("no FTDI devices found (%s)\n", err.msg);
        return RC_EXIT_PASS;
    }
    if (n == 0) {
        puts("no FTDI devices found");
        return RC_EXIT_PASS;
    }
    printf("%-8s %-10s %-16s %-24s %s\n", "BUS/ADDR", "VID:PID", "SERIAL", "DESCRIPTION",
           "DEVICE STRING");
    for (size_t i = 0; i < n; i++) {
        const rc_ftdi_device *d = &devs[i];
        char where[16], id[16], device[96];
        snprintf(where, sizeof where, "%03u/%03u", d->bus, d->address);
        snprintf(id, sizeof id, "%04x:%04x", d->vid, d->pid);
        if (d->serial[0])
            snprintf(device, sizeof device, "s:%s", d->serial);
        else
            snprintf(device, sizeof device, "d:%s", where);
        printf("%-8s %-10s %-16s %-24s %s\n", where, id, d->serial[0] ? d->serial : "-",
               d->description[0] ? d->description : "-", device);
    }
    free(devs);
    return RC_EXIT_PASS;
}
