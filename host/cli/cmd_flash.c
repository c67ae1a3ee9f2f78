/*
 * cmd_flash.c - `railcut flash BITSTREAM [--bench NAME]`: writes a gateware
 * bitstream to the FPGA board with iceprog (fpga-icestorm).
 *
 * Order of checks: the file must be an iCE40 bitstream (its preamble
 * 7E AA 99 7E within the first 4 KiB, after the optional comment block),
 * the bench must be free (its lock is taken for the whole write, so no run
 * can start meanwhile), then iceprog runs against the bench's FTDI serial
 * number ("-d s:0x0403:0x6010:SERIAL", libftdi's form for a serial). Last,
 * the new gateware is asked to identify itself over the link (channel B):
 * it must speak this railcut's protocol and be built for the bench's board.
 */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli.h"
#include "railcut/bench.h"

extern char **environ;

#define PREAMBLE_SEARCH_BYTES 4096

static const char flash_help[] =
    "usage: railcut flash BITSTREAM [--bench NAME] [options]\n"
    "\n"
    "Writes an iCE40 bitstream (e.g. build/fpga/icebreaker/railcut.bin) to the\n"
    "FPGA board's SPI flash with iceprog, through FT2232H channel A. With --bench\n"
    "the board is the bench's (by FTDI serial number) and the bench must not be\n"
    "in use: a run holding its lock makes flash refuse. The rail stays off while\n"
    "the FPGA is being configured (docs/hardware.md).\n"
    "\n"
    "  --bench NAME          the bench NAME.ini\n"
    "  --bench-dir DIR       where bench files are (default ./benches, then\n"
    "                        ~/.config/railcut/benches)\n"
    "  --sram                load into SRAM only (iceprog -S), lost at power-off\n"
    "  --iceprog PATH        the iceprog program (default: iceprog on PATH)\n"
    "  --no-verify           do not ask the new gateware to identify itself\n"
    "\n"
    "After writing, the gateware must answer identify over the link with this\n"
    "railcut's protocol and, with --bench, the bench's board.\n"
    "RAILCUT_LOCK_DIR overrides where bench locks are kept.\n"
    "exit codes: 0 written and verified, 2 not a bitstream or bad usage,\n"
    "            3 bench busy, iceprog missing or failed, or the gateware did not\n"
    "            identify as expected (no answer, another protocol or board)\n";

/* The iCE40 configuration preamble, after icepack's optional comment. */
static int check_bitstream(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "railcut: %s: %s\n", path, strerror(errno));
        return RC_EXIT_USAGE;
    }
    unsigned char buf[PREAMBLE_SEARCH_BYTES];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t i = 0; i + 4 <= n; i++)
        if (buf[i] == 0x7E && buf[i + 1] == 0xAA && buf[i + 2] == 0x99 && buf[i + 3] == 0x7E)
            return 0;
    fprintf(stderr,
            "railcut: %s is not an iCE40 bitstream (no preamble 7E AA 99 7E in its first %d "
            "bytes)\n",
            path, PREAMBLE_SEARCH_BYTES);
    return RC_EXIT_USAGE;
}

static int run_iceprog(const char *iceprog, const char *serial, bool sram, const char *path)
{
    char device[128];
    const char *argv[8];
    int n = 0;
    argv[n++] = iceprog;
    if (serial) {
        snprintf(device, sizeof device, "s:0x0403:0x6010:%s", serial);
        argv[n++] = "-d";
        argv[n++] = device;
    }
    if (sram)
        argv[n++] = "-S";
    argv[n++] = path;
    argv[n] = NULL;
    pid_t pid;
    int rc = posix_spawnp(&pid, iceprog, NULL, NULL, (char *const *)argv, environ);
    if (rc != 0) {
        fprintf(stderr,
                "railcut: cannot run %s: %s (install fpga-icestorm, or give --iceprog)\n",
                iceprog, strerror(rc));
        return RC_EXIT_DEVICE;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return RC_EXIT_DEVICE;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "railcut: %s failed (exit %d); the board was not written\n", iceprog,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return RC_EXIT_DEVICE;
    }
    return 0;
}

static const char *board_name(unsigned id)
{
    static const char *const names[] = {"simulation", "icebreaker", "hx8k"};
    return id < sizeof names / sizeof names[0] ? names[id] : "unknown";
}

/* The gateware just written identifies itself over the link: open checks
 * the protocol; the board must be the bench's. */
static int verify_gateware(const rc_bench *bench, bool have_bench)
{
    rc_bench b;
    if (have_bench)
        b = *bench;
    else
        rc_bench_init(&b);
    rc_bench_link *link;
    rc_error err;
    rc_status st = rc_bench_link_open(&b, &link, &err);
    if (st != RC_OK) {
        fprintf(stderr, "railcut: written, but the new gateware did not identify itself: %s\n",
                err.msg);
        return RC_EXIT_DEVICE;
    }
    rc_link_identify id;
    rc_bench_link_identity(link, &id);
    rc_bench_link_close(link);
    printf("gateware: protocol %u.%u, version %u.%u.%u, board %s (%u)\n", id.proto_major,
           id.proto_minor, id.gw_major, id.gw_minor, id.gw_patch, board_name(id.board_id),
           id.board_id);
    if (have_bench && strcmp(board_name(id.board_id), bench->board) != 0) {
        fprintf(stderr,
                "railcut: the gateware on bench %s is built for board %s (%u), the bench is "
                "%s: flash the bitstream built for %s\n",
                bench->name, board_name(id.board_id), id.board_id, bench->board, bench->board);
        return RC_EXIT_DEVICE;
    }
    return 0;
}

int cmd_flash(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bench", required_argument, NULL, 'b'}, {"bench-dir", required_argument, NULL, 'd'},
        {"sram", no_argument, NULL, 'S'},        {"iceprog", required_argument, NULL, 'i'},
        {"no-verify", no_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bench_name = NULL, *bench_dir = NULL, *iceprog = "iceprog";
    bool sram = false, verify = true;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': bench_name = optarg; break;
        case 'd': bench_dir = optarg; break;
        case 'S': sram = true; break;
        case 'i': iceprog = optarg; break;
        case 'n': verify = false; break;
        case 'h': fputs(flash_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("flash", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("flash",
                               optind >= argc ? "no BITSTREAM given" : "one BITSTREAM only");
    const char *path = argv[optind];
    int code = check_bitstream(path);
    if (code != 0)
        return code;
    rc_bench bench;
    rc_bench_lock *lock = NULL;
    if (bench_name) {
        code = cli_bench_load(bench_name, bench_dir, &bench, NULL, 0);
        if (code != 0)
            return code;
        rc_error err;
        rc_status st = rc_bench_lock_acquire(bench.serial, getenv("RAILCUT_LOCK_DIR"), &lock, &err);
        if (st != RC_OK)
            return cli_error(st, &err);
    }
    code = run_iceprog(iceprog, bench_name ? bench.serial : NULL, sram, path);
    if (code == 0) {
        printf("written: %s%s%s\n", path, bench_name ? " to bench " : "",
               bench_name ? bench.name : "");
        fflush(stdout);
    }
    if (code == 0 && verify)
        code = verify_gateware(&bench, bench_name != NULL);
    rc_bench_lock_release(lock);
    return code == 0 ? RC_EXIT_PASS : code;
}
