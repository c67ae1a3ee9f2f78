/*
 * cmd_devices.c - `railcut devices`: the FT2232H boards attached to this
 * host, one line each, with the device strings a bench file can use, and
 * with --identify what the railcut gateware on each says of itself.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "railcut/bench.h"

static const char devices_help[] =
    "usage: railcut devices [--identify]\n"
    "\n"
    "Lists the attached FTDI FT2232H devices (0403:6010) through libftdi1: bus and\n"
    "address, serial number, manufacturer and description, and the device\n"
    "string for a bench file's `device =` key. A board whose strings cannot be\n"
    "read (claimed by another process, or no permission: see the udev rule in\n"
    "docs/bench-setup.md) is listed without them.\n"
    "\n"
    "  --identify            also ask the gateware on each board (channel B, 3 Mbaud)\n"
    "                        to identify itself: protocol, version and board. This\n"
    "                        configures it, which puts its rail in the safe state, so\n"
    "                        a board whose bench lock a run holds is not asked.\n"
    "RAILCUT_LOCK_DIR overrides where bench locks are kept.\n";

static const char *board_name(unsigned id)
{
    static const char *const names[] = {"simulation", "icebreaker", "hx8k"};
    return id < sizeof names / sizeof names[0] ? names[id] : "unknown";
}

/* One line under the device: the gateware's identity, or why there is none. */
static void identify(const rc_ftdi_device *d)
{
    if (!d->serial[0]) {
        puts("  gateware: not asked (no serial number)");
        return;
    }
    bool held = false;
    pid_t pid = 0;
    int64_t since;
    rc_error err;
    const char *lock_dir = getenv("RAILCUT_LOCK_DIR");
    if (rc_bench_lock_query(d->serial, lock_dir, &held, &pid, &since, &err) == RC_OK && held) {
        printf("  gateware: not asked (bench busy, held by PID %d)\n", (int)pid);
        return;
    }
    rc_bench b;
    rc_bench_init(&b);
    snprintf(b.device, sizeof b.device, "s:%s", d->serial);
    rc_bench_link *link;
    if (rc_bench_link_open(&b, &link, &err) != RC_OK) {
        printf("  gateware: no answer (%s)\n", err.msg);
        return;
    }
    rc_link_identify id;
    rc_bench_link_identity(link, &id);
    rc_bench_link_close(link);
    printf("  gateware: protocol %u.%u, version %u.%u.%u, board %s (%u), FIFO %u\n",
           id.proto_major, id.proto_minor, id.gw_major, id.gw_minor, id.gw_patch,
           board_name(id.board_id), id.board_id, id.fifo_depth);
}

int cmd_devices(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"identify", no_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool ask = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i': ask = true; break;
        case 'h': fputs(devices_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("devices", "unknown option");
        }
    }
    if (optind != argc)
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
        if (ask)
            identify(d);
    }
    free(devs);
    return RC_EXIT_PASS;
}
