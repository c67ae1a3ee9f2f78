/*
 * railcut_emu.c - an emulated FT2232H with the railcut gateware behind its
 * channel B, for testing the ftdi backend through the unmodified libftdi1 and
 * libusb (docs/ftdi-driver.md, "Testing without hardware").
 *
 * Usage: umockdev-wrapper railcut-emu [options] -- COMMAND [ARGS...]
 * The program builds a umockdev testbed holding one FT2232H (0403:6010, bus
 * 1, address 2, serial RC000001), attaches a usbfs ioctl handler to its node
 * and runs COMMAND under it, returning COMMAND's exit status.
 *
 * USB side: control transfers answer the FTDI vendor requests and string
 * descriptors; bulk OUT on endpoint 0x04 feeds the link device model
 * (railcut/linkdev.h), bulk IN on 0x83 returns its bytes in 512-byte packets,
 * each led by the two modem-status bytes. Every URB completes at submit and
 * is reaped in submit order (urbs, a queue of resolved URB data). Channel A
 * is described below.
 *
 * Time: the device model moves on by --step-us each time a bulk IN finds
 * nothing to send, so it runs as fast as the host drains it, but never more
 * than HOST_LEAD_TICKS past the host's last bytes.
 *
 * Faults: --unplug-at US (every ioctl fails with ENODEV from that device
 * tick), --hang-at US (bulk IN is never completed: the device stops
 * answering), --corrupt-every N (one bit flipped in every Nth byte of
 * SAMPLES frames), --drop-every N (every Nth SAMPLES byte is lost),
 * --dup-every N (every Nth SAMPLES frame is sent twice, same sequence
 * number), --stall-at US --stall-ms MS (from that device tick the link
 * delivers nothing for MS of wall time, then goes on where it stopped),
 * --proto-major N (identify reports another protocol version).
 *
 * Converters and identity: --dac-cal G,O, --adc-v-cal G,O and --adc-a-cal
 * G,O give the emulated DAC and ADCs a true transfer of value = G * code + O
 * (mV or mA), a known error for calibration tests; --load-ohm R puts a dummy
 * load of R ohms on the CH connector (what the current ADC measures);
 * --board-id N is the board identify reports.
 *
 * Channel A: in MPSSE mode (SET_BITMODE) its bytes go to the MPSSE command
 * processor with the board's SPI flash behind it (spi_flash.h), so iceprog
 * really programs the flash; holding CRESET_B low stops the gateware and
 * releasing it starts a fresh one (unconfigured, rail off). --flash-out FILE
 * saves the flash at the end. Outside MPSSE mode channel A answers only with
 * modem status.
 *
 * Control: --sigint-at US sends SIGINT to COMMAND once at that device tick
 * (Ctrl-C mid-run); --status-out FILE writes the gateware's final state when
 * COMMAND has ended, as "state S rail on|off ac_lost on|off dac CODE".
 */
#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <umockdev.h>
#include <unistd.h>

#include "railcut/linkdev.h"
#include "spi_flash.h"

#define NODE "/dev/bus/usb/001/002"
#define EP_A_IN 0x81
#define EP_A_OUT 0x02
#define EP_B_IN 0x83
#define EP_B_OUT 0x04
#define PACKET 512
#define TICK_NEVER UINT64_MAX
/* Device time runs at most this far past the host's last bytes: more than
 * the ftdi backend's heartbeat period, less than its watchdog, so time waits
 * for a busy host instead of tripping the watchdog. */
#define HOST_LEAD_TICKS 400000u

typedef struct emu {
    rc_linkdev *dev;
    GQueue urbs; /* completed URBs waiting to be reaped */
    GMutex lock;
    uint64_t step_us;
    uint64_t unplug_at, hang_at;
    unsigned corrupt_every, drop_every, dup_every;
    unsigned long samples_bytes;  /* SAMPLES bytes seen, for the fault counters */
    unsigned long samples_frames; /* SAMPLES frames passed on */
    size_t frame_left;            /* bytes left in the frame being scanned */
    bool in_samples;
    uint8_t hdr[5];
    size_t hdr_len;
    uint8_t frame[RC_LINK_MAX_FRAME]; /* the SAMPLES frame passed on so far */
    size_t frame_len;
    uint8_t dup[RC_LINK_MAX_FRAME]; /* a frame to send again, from dup_pos */
    size_t dup_len, dup_pos;
    uint64_t stall_at, stall_ms;
    gint64 stall_since;       /* monotonic wall time the stall began, 0 before */
    uint8_t proto_major;      /* what identify reports */
    rc_linkdev_params params; /* the gateware, to start afresh after a reset */
    emu_flash *flash;         /* channel A: the MPSSE engine and the SPI flash */
    bool mpsse;               /* channel A is in MPSSE mode */
    bool fpga_running;        /* CRESET_B released: the gateware runs */
    const char *flash_out;
    uint64_t last_write_tick; /* device time of the host's last bytes */
    uint64_t sigint_at;       /* device tick of the Ctrl-C, TICK_NEVER for none */
    pid_t child;              /* COMMAND, once started */
    const char *status_out;
} emu;

/* Device, configuration, two vendor interfaces (A: 0x81/0x02, B: 0x83/0x04). */
static const char descriptors[] = "120100020000004003041060000701020301"
                                  "090237000201008032"
                                  "0904000002ffffff02"
                                  "07058102000200"
                                  "07050202000200"
                                  "0904010002ffffff02"
                                  "07058302000200"
                                  "07050402000200";

static const char *const strings[] = {NULL, "FTDI", "Dual RS232-H", "RC000001"};

/* String descriptor idx as UTF-16LE; returns its length. */
static size_t string_desc(unsigned idx, uint8_t *out, size_t cap)
{
    uint8_t d[64] = {0, 3};
    size_t n = 2;
    if (idx == 0) {
        d[n++] = 0x09;
        d[n++] = 0x04;
    } else if (idx < 4) {
        for (const char *c = strings[idx]; *c; c++) {
            d[n++] = (uint8_t)*c;
            d[n++] = 0;
        }
    }
    d[0] = (uint8_t)n;
    n = n < cap ? n : cap;
    memcpy(out, d, n);
    return n;
}

/* A SAMPLES frame has been passed on whole: every dup_every-th is queued
 * to be sent again right after itself. */
static void frame_done(emu *e)
{
    e->samples_frames++;
    if (e->dup_every && e->samples_frames % e->dup_every == 0) {
        memcpy(e->dup, e->frame, e->frame_len);
        e->dup_len = e->frame_len;
        e->dup_pos = 0;
    }
}

/* Tracks frame boundaries in the host-bound stream so faults hit SAMPLES
 * frames only, and keeps the SAMPLES frame as passed on; returns false
 * when byte b is to be dropped. */
static bool fault_byte(emu *e, uint8_t *b)
{
    if (e->frame_left == 0) {
        e->hdr[e->hdr_len++] = *b;
        if (e->hdr_len == 1 && *b != RC_LINK_SYNC0)
            e->hdr_len = 0;
        if (e->hdr_len == 5) {
            e->frame_left = (size_t)e->hdr[4] + RC_LINK_CRC_BYTES;
            e->in_samples = e->hdr[2] == RC_LINK_SAMPLES;
            memcpy(e->frame, e->hdr, 5);
            e->frame_len = 5;
            e->hdr_len = 0;
        }
        return true;
    }
    e->frame_left--;
    if (!e->in_samples)
        return true;
    e->samples_bytes++;
    if (e->corrupt_every && e->samples_bytes % e->corrupt_every == 0)
        *b ^= 0x10;
    bool keep = !(e->drop_every && e->samples_bytes % e->drop_every == 0);
    if (keep)
        e->frame[e->frame_len++] = *b;
    if (e->frame_left == 0)
        frame_done(e);
    return keep;
}

/* The next byte for the host: a repeated frame's, else the device's. */
static bool next_byte(emu *e, uint8_t *b)
{
    if (e->dup_pos < e->dup_len) {
        *b = e->dup[e->dup_pos++];
        return true;
    }
    while (rc_linkdev_pending(e->dev) > 0) {
        rc_linkdev_read(e->dev, b, 1);
        if (fault_byte(e, b))
            return true;
    }
    return false;
}

/* Within the stall: from stall_at, for stall_ms of wall time. */
static bool stalled(emu *e)
{
    if (rc_linkdev_now(e->dev) < e->stall_at)
        return false;
    gint64 now = g_get_monotonic_time();
    if (e->stall_since == 0)
        e->stall_since = now;
    if (now - e->stall_since < (gint64)e->stall_ms * 1000)
        return true;
    e->stall_at = TICK_NEVER;
    return false;
}

/* Fills a bulk IN buffer: 512-byte packets, each two status bytes first. */
static int fill_in(emu *e, uint8_t *buf, int len)
{
    if (stalled(e)) {
        buf[0] = 0x32;
        buf[1] = 0x60;
        return len < 2 ? len : 2;
    }
    uint64_t next = rc_linkdev_now(e->dev) + e->step_us;
    if (rc_linkdev_pending(e->dev) == 0 && next <= e->last_write_tick + HOST_LEAD_TICKS)
        rc_linkdev_advance(e->dev, next);
    int n = 0;
    while (n + 2 <= len) {
        buf[n++] = 0x32;
        buf[n++] = 0x60;
        int room = PACKET - 2;
        if (room > len - n)
            room = len - n;
        int got = 0;
        uint8_t b;
        while (got < room && next_byte(e, &b))
            buf[n + got++] = b;
        n += got;
        if (got < room)
            break;
    }
    return n;
}

/* CRESET_B: held low, the FPGA is unconfigured (the gateware gone, its
 * outputs and so the rail off); released, it loads the flash and a fresh
 * gateware starts, in its reset state, at tick 0. */
static void fpga_check(emu *e)
{
    bool running = emu_flash_fpga_running(e->flash);
    if (running == e->fpga_running)
        return;
    e->fpga_running = running;
    if (running)
        return;
    rc_linkdev *fresh;
    rc_error err;
    if (rc_linkdev_new(&e->params, &fresh, &err) != RC_OK)
        return;
    rc_linkdev_free(e->dev);
    e->dev = fresh;
    e->last_write_tick = 0;
}

/* Channel A's bulk IN: the MPSSE engine's answers, in 512-byte packets each
 * led by the two status bytes. */
static int fill_mpsse(emu *e, uint8_t *buf, int len)
{
    int n = 0;
    while (n + 2 <= len) {
        buf[n++] = 0x32;
        buf[n++] = 0x60;
        int room = PACKET - 2;
        if (room > len - n)
            room = len - n;
        int got = (int)emu_mpsse_read(e->flash, buf + n, (size_t)room);
        n += got;
        if (got < room)
            break;
    }
    return n;
}

/* The descriptors as bytes: device, then configuration with its interfaces
 * and endpoints; returns the count (at most cap). */
static size_t descriptor_bytes(uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *h = descriptors; h[0] && h[1] && n < cap; h += 2) {
        char pair[3] = {h[0], h[1], 0};
        out[n++] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return n;
}

static int control(emu *e, struct usbdevfs_urb *urb, uint8_t *buf)
{
    uint8_t type = buf[0], req = buf[1];
    unsigned value = buf[2] | buf[3] << 8u;
    unsigned len = buf[6] | buf[7] << 8u;
    uint8_t *data = buf + 8;
    (void)urb;
    if (type == 0x40 && req == 0x0B && buf[4] == 1) { /* SET_BITMODE, channel A */
        e->mpsse = (value >> 8) == 0x02;
        if (!e->mpsse)
            emu_mpsse_release(e->flash);
        fpga_check(e);
    }
    if (type == 0x80 && req == 6 && (value >> 8) == 3)
        return (int)string_desc(value & 0xFF, data, len);
    if (type == 0x80 && req == 6 && ((value >> 8) == 1 || (value >> 8) == 2)) {
        uint8_t all[sizeof descriptors / 2];
        size_t n = descriptor_bytes(all, sizeof all);
        size_t from = (value >> 8) == 1 ? 0 : 18;
        size_t k = (value >> 8) == 1 ? 18 : n - 18;
        k = k < len ? k : len;
        memcpy(data, all + from, k);
        return (int)k;
    }
    if (type == 0xC0 && req == 0x0A && len >= 1) { /* latency timer */
        data[0] = 1;
        return 1;
    }
    if (type == 0xC0 && req == 0x05 && len >= 2) { /* modem status */
        data[0] = 0x32;
        data[1] = 0x60;
        return 2;
    }
    return 0;
}

static bool unplugged(const emu *e)
{
    return rc_linkdev_now(e->dev) >= e->unplug_at;
}

static void submit(emu *e, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *urb_data =
        umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
    struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;
    UMockdevIoctlData *buf =
        umockdev_ioctl_data_resolve(urb_data, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
                                    (gsize)urb->buffer_length, NULL);
    urb->status = 0;
    if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
        urb->actual_length = control(e, urb, buf->data);
    } else if (urb->endpoint == EP_B_OUT) {
        if (e->fpga_running)
            rc_linkdev_write(e->dev, buf->data, (size_t)urb->buffer_length);
        e->last_write_tick = rc_linkdev_now(e->dev);
        urb->actual_length = urb->buffer_length;
    } else if (urb->endpoint == EP_B_IN) {
        if (rc_linkdev_now(e->dev) >= e->hang_at) {
            /* Never completed: kept aside until the host discards it. */
            g_queue_push_tail(&e->urbs, NULL);
            g_queue_push_tail(&e->urbs, urb_data);
            umockdev_ioctl_client_complete(client, 0, 0);
            g_object_unref(buf);
            return;
        }
        urb->actual_length = fill_in(e, buf->data, urb->buffer_length);
    } else if (urb->endpoint == EP_A_OUT) {
        if (e->mpsse) {
            emu_mpsse_write(e->flash, buf->data, (size_t)urb->buffer_length);
            fpga_check(e);
        }
        urb->actual_length = urb->buffer_length;
    } else if (urb->endpoint == EP_A_IN) {
        urb->actual_length = fill_mpsse(e, buf->data, urb->buffer_length);
    } else if (urb->endpoint & 0x80) {
        buf->data[0] = 0x32;
        buf->data[1] = 0x60;
        urb->actual_length = urb->buffer_length < 2 ? urb->buffer_length : 2;
    } else {
        urb->actual_length = urb->buffer_length;
    }
    g_object_unref(buf);
    g_queue_push_tail(&e->urbs, urb_data);
    umockdev_ioctl_client_complete(client, 0, 0);
}

/* The first completed URB, skipping held ones (a NULL marks the next entry
 * as held); held URBs are handed back only once discarded. */
static UMockdevIoctlData *take_reapable(emu *e)
{
    for (GList *l = e->urbs.head; l; l = l->next) {
        if (l->data == NULL) {
            l = l->next;
            continue;
        }
        UMockdevIoctlData *d = l->data;
        g_queue_delete_link(&e->urbs, l);
        return d;
    }
    return NULL;
}

static void discard(emu *e, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    gulong addr = (gulong) * (void **)arg->data;
    for (GList *l = e->urbs.head; l; l = l->next) {
        UMockdevIoctlData *d = l->data;
        if (d && d->client_addr == addr) {
            if (l->prev && l->prev->data == NULL)
                g_queue_delete_link(&e->urbs, l->prev);
            ((struct usbdevfs_urb *)d->data)->status = -ENOENT;
            umockdev_ioctl_client_complete(client, 0, 0);
            return;
        }
    }
    umockdev_ioctl_client_complete(client, -1, EINVAL);
}

/* After the unplug: URBs still queued are handed back failed, then every
 * request fails with ENODEV, as usbfs does for a vanished device. */
static void gone(emu *e, UMockdevIoctlClient *client, gulong req, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *urb = NULL;
    if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY) {
        while (!urb && !g_queue_is_empty(&e->urbs))
            urb = g_queue_pop_head(&e->urbs);
    }
    if (!urb) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return;
    }
    struct usbdevfs_urb *u = (struct usbdevfs_urb *)urb->data;
    u->status = -ESHUTDOWN;
    u->actual_length = 0;
    UMockdevIoctlData *ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
    umockdev_ioctl_data_set_ptr(ptr, 0, urb);
    g_object_unref(ptr);
    g_object_unref(urb);
    umockdev_ioctl_client_complete(client, 0, 0);
}

/* A synchronous control transfer (USBDEVFS_CONTROL, as libusb-0.1 and so
 * iceprog's libftdi use), answered like a control URB. */
static void control_ioctl(emu *e, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *ct_data =
        umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ctrltransfer), NULL);
    struct usbdevfs_ctrltransfer *ct = (struct usbdevfs_ctrltransfer *)ct_data->data;
    UMockdevIoctlData *buf = umockdev_ioctl_data_resolve(
        ct_data, G_STRUCT_OFFSET(struct usbdevfs_ctrltransfer, data), ct->wLength, NULL);
    uint8_t setup[8 + 4096] = {ct->bRequestType, ct->bRequest, (uint8_t)ct->wValue,
                               (uint8_t)(ct->wValue >> 8), (uint8_t)ct->wIndex,
                               (uint8_t)(ct->wIndex >> 8), (uint8_t)ct->wLength,
                               (uint8_t)(ct->wLength >> 8)};
    size_t len = ct->wLength < 4096 ? ct->wLength : 4096;
    if (buf)
        memcpy(setup + 8, buf->data, len);
    int n = control(e, NULL, setup);
    if (buf && (ct->bRequestType & 0x80))
        memcpy(buf->data, setup + 8, (size_t)n < len ? (size_t)n : len);
    if (buf)
        g_object_unref(buf);
    g_object_unref(ct_data);
    umockdev_ioctl_client_complete(client, (ct->bRequestType & 0x80) ? n : (long)len, 0);
}

/* read() of the device node: usbfs gives the descriptors (libusb-0.1 reads
 * the device descriptor this way when it scans the bus). */
static gboolean on_read(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer ctx)
{
    (void)base;
    (void)ctx;
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    uint8_t all[sizeof descriptors / 2];
    size_t n = descriptor_bytes(all, sizeof all);
    n = n < (size_t)arg->data_len ? n : (size_t)arg->data_len;
    memcpy(arg->data, all, n);
    umockdev_ioctl_client_complete(client, (glong)n, 0);
    return TRUE;
}

static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer ctx)
{
    emu *e = ctx;
    (void)base;
    gulong req = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    g_mutex_lock(&e->lock);
    gboolean handled = TRUE;
    if (e->child > 0 && rc_linkdev_now(e->dev) >= e->sigint_at) {
        kill(e->child, SIGINT);
        e->sigint_at = TICK_NEVER;
    }
    if (unplugged(e)) {
        gone(e, client, req, arg);
    } else if (req == USBDEVFS_GET_CAPABILITIES) {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
        *(guint32 *)d->data = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM;
        g_object_unref(d);
        umockdev_ioctl_client_complete(client, 0, 0);
    } else if (req == USBDEVFS_CLAIMINTERFACE || req == USBDEVFS_RELEASEINTERFACE ||
               req == USBDEVFS_CLEAR_HALT || req == USBDEVFS_RESET || req == USBDEVFS_RESETEP) {
        umockdev_ioctl_client_complete(client, 0, 0);
    } else if (req == USBDEVFS_CONTROL) {
        control_ioctl(e, client, arg);
    } else if (req == USBDEVFS_SETCONFIGURATION || req == USBDEVFS_SETINTERFACE) {
        umockdev_ioctl_client_complete(client, 0, 0);
    } else if (req == USBDEVFS_SUBMITURB) {
        submit(e, client, arg);
    } else if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY) {
        UMockdevIoctlData *urb = take_reapable(e);
        if (urb) {
            UMockdevIoctlData *ptr =
                umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
            umockdev_ioctl_data_set_ptr(ptr, 0, urb);
            g_object_unref(ptr);
            g_object_unref(urb);
            umockdev_ioctl_client_complete(client, 0, 0);
        } else {
            umockdev_ioctl_client_complete(client, -1, EAGAIN);
        }
    } else if (req == USBDEVFS_DISCARDURB) {
        discard(e, client, arg);
    } else {
        handled = FALSE;
    }
    g_mutex_unlock(&e->lock);
    return handled;
}

static char *testbed_text(void)
{
    char *text = g_strdup_printf("P: /devices/pci0000:00/usb1/1-1\n"
                                 "N: bus/usb/001/002\n"
                                 "E: SUBSYSTEM=usb\n"
                                 "E: DEVTYPE=usb_device\n"
                                 "E: DRIVER=usb\n"
                                 "E: BUSNUM=001\n"
                                 "E: DEVNUM=002\n"
                                 "E: DEVNAME=" NODE "\n"
                                 "E: ID_VENDOR_ID=0403\n"
                                 "E: ID_MODEL_ID=6010\n"
                                 "A: idVendor=0403\\n\n"
                                 "A: idProduct=6010\\n\n"
                                 "A: bcdDevice=0700\\n\n"
                                 "A: busnum=1\\n\n"
                                 "A: devnum=2\\n\n"
                                 "A: speed=480\\n\n"
                                 "A: bConfigurationValue=1\\n\n"
                                 "A: bNumInterfaces= 2\\n\n"
                                 "A: serial=RC000001\\n\n"
                                 "A: product=Dual RS232-H\\n\n"
                                 "A: manufacturer=FTDI\\n\n"
                                 "H: descriptors=%s\n",
                                 descriptors);
    return text;
}

static uint64_t arg_u64(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || end == s) {
        fprintf(stderr, "railcut-emu: '%s' is not a number\n", s);
        exit(2);
    }
    return v;
}

/* "GAIN,OFFSET" */
static rc_linkdev_converter arg_converter(const char *s)
{
    char *end, *end2;
    double gain = strtod(s, &end);
    double offset = *end == ',' ? strtod(end + 1, &end2) : 0;
    if (end == s || *end != ',' || *end2 != '\0' || !(gain > 0)) {
        fprintf(stderr, "railcut-emu: '%s' is not GAIN,OFFSET with a positive gain\n", s);
        exit(2);
    }
    return (rc_linkdev_converter){gain, offset};
}

/* Options that are not plain counts; returns false when name is none of them. */
static bool parse_model_option(const char *name, const char *value, rc_linkdev_params *p)
{
    if (strcmp(name, "--dac-cal") == 0)
        p->dac = arg_converter(value);
    else if (strcmp(name, "--adc-v-cal") == 0)
        p->adc_v = arg_converter(value);
    else if (strcmp(name, "--adc-a-cal") == 0)
        p->adc_a = arg_converter(value);
    else if (strcmp(name, "--load-ohm") == 0)
        p->load_ohm = (double)arg_u64(value);
    else if (strcmp(name, "--board-id") == 0 && arg_u64(value) < 65536)
        p->id.board_id = (uint16_t)arg_u64(value);
    else
        return false;
    return true;
}

static int parse(int argc, char **argv, emu *e, rc_linkdev_params *p)
{
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "railcut-emu: %s needs a value\n", argv[i]);
            exit(2);
        }
        if (parse_model_option(argv[i], argv[i + 1], p))
            continue;
        if (strcmp(argv[i], "--flash-out") == 0) {
            e->flash_out = argv[i + 1];
            continue;
        }
        if (strcmp(argv[i], "--status-out") == 0) {
            e->status_out = argv[i + 1];
            continue;
        }
        uint64_t v = arg_u64(argv[i + 1]);
        if (strcmp(argv[i], "--step-us") == 0 && v > 0)
            e->step_us = v;
        else if (strcmp(argv[i], "--unplug-at") == 0)
            e->unplug_at = v;
        else if (strcmp(argv[i], "--sigint-at") == 0)
            e->sigint_at = v;
        else if (strcmp(argv[i], "--hang-at") == 0)
            e->hang_at = v;
        else if (strcmp(argv[i], "--corrupt-every") == 0)
            e->corrupt_every = (unsigned)v;
        else if (strcmp(argv[i], "--proto-major") == 0 && v < 256)
            e->proto_major = (uint8_t)v;
        else if (strcmp(argv[i], "--drop-every") == 0)
            e->drop_every = (unsigned)v;
        else if (strcmp(argv[i], "--dup-every") == 0)
            e->dup_every = (unsigned)v;
        else if (strcmp(argv[i], "--stall-at") == 0)
            e->stall_at = v;
        else if (strcmp(argv[i], "--stall-ms") == 0)
            e->stall_ms = v;
        else {
            fprintf(stderr, "railcut-emu: unknown option %s\n", argv[i]);
            exit(2);
        }
    }
    if (i + 1 >= argc) {
        fprintf(stderr,
                "usage: umockdev-wrapper railcut-emu [--step-us N] [--unplug-at US] "
                "[--hang-at US] [--corrupt-every N] [--drop-every N] [--dup-every N] "
                "[--stall-at US --stall-ms MS] [--proto-major N] [--dac-cal G,O] [--adc-v-cal G,O] [--adc-a-cal G,O] [--load-ohm R] "
                "[--board-id N] [--sigint-at US] [--status-out FILE] [--flash-out FILE] -- COMMAND...\n");
        exit(2);
    }
    return i + 1;
}

static void write_status(const emu *e)
{
    FILE *f = fopen(e->status_out, "w");
    if (!f) {
        perror(e->status_out);
        return;
    }
    rc_link_status s;
    rc_linkdev_status(e->dev, &s);
    fprintf(f, "state %u rail %s ac_lost %s dac %u\n", s.state,
            s.io & RC_LINK_PIN_RAIL_EN ? "on" : "off", s.io & RC_LINK_PIN_AC_LOST ? "on" : "off",
            s.dac_code);
    fclose(f);
}

int main(int argc, char **argv)
{
    emu e = {.step_us = 5000,
             .unplug_at = TICK_NEVER,
             .hang_at = TICK_NEVER,
             .stall_at = TICK_NEVER,
             .sigint_at = TICK_NEVER,
             .proto_major = RC_LINK_PROTO_MAJOR};
    rc_linkdev_params p;
    rc_linkdev_params_default(&p);
    int cmd = parse(argc, argv, &e, &p);
    g_queue_init(&e.urbs);
    g_mutex_init(&e.lock);
    p.id.proto_major = e.proto_major;
    e.params = p;
    e.fpga_running = true;
    if (!(e.flash = emu_flash_new())) {
        fprintf(stderr, "railcut-emu: out of memory for the flash\n");
        return 2;
    }
    rc_error err;
    if (rc_linkdev_new(&p, &e.dev, &err) != RC_OK) {
        fprintf(stderr, "railcut-emu: %s\n", err.msg);
        return 2;
    }
    UMockdevTestbed *tb = umockdev_testbed_new();
    if (!umockdev_in_mock_environment()) {
        fprintf(stderr, "railcut-emu: run me under umockdev-wrapper\n");
        return 77;
    }
    UMockdevIoctlBase *handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl", G_CALLBACK(on_ioctl), &e);
    g_signal_connect(handler, "handle-read", G_CALLBACK(on_read), &e);
    GError *gerr = NULL;
    if (!umockdev_testbed_attach_ioctl(tb, NODE, handler, &gerr)) {
        fprintf(stderr, "railcut-emu: %s\n", gerr->message);
        return 2;
    }
    char *text = testbed_text();
    if (!umockdev_testbed_add_from_string(tb, text, &gerr)) {
        fprintf(stderr, "railcut-emu: %s\n", gerr->message);
        return 2;
    }
    g_free(text);
    g_mutex_lock(&e.lock);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[cmd], argv + cmd);
        perror("railcut-emu: exec");
        _exit(127);
    }
    e.child = pid;
    g_mutex_unlock(&e.lock);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    g_mutex_lock(&e.lock);
    e.child = 0;
    g_mutex_unlock(&e.lock);
    umockdev_testbed_detach_ioctl(tb, NODE, NULL);
    if (e.status_out)
        write_status(&e);
    if (e.flash_out && !emu_flash_save(e.flash, e.flash_out))
        fprintf(stderr, "railcut-emu: cannot write %s\n", e.flash_out);
    g_object_unref(handler);
    g_object_unref(tb);
    rc_linkdev_free(e.dev);
    emu_flash_free(e.flash);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
