/*
 * ftdi_list.c - the FT2232H devices attached to this host, through libftdi1.
 *
 * One libftdi context for the whole listing: ftdi_usb_find_all gives a
 * linked list of libusb devices, and ftdi_usb_get_strings reads each one's
 * manufacturer, description and serial (which opens the device briefly; a
 * device another process has claimed still lists, with empty strings).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <ftdi.h>
#include <libusb.h>

#include "railcut/bench.h"

#define FTDI_VID 0x0403
#define FT2232H_PID 0x6010

static void fill(struct ftdi_context *ftdi, struct libusb_device *dev, rc_ftdi_device *out)
{
    memset(out, 0, sizeof *out);
    out->vid = FTDI_VID;
    out->pid = FT2232H_PID;
    out->bus = libusb_get_bus_number(dev);
    out->address = libusb_get_device_address(dev);
    if (ftdi_usb_get_strings(ftdi, dev, out->manufacturer, sizeof out->manufacturer,
                             out->description, sizeof out->description, out->serial,
                             sizeof out->serial) < 0) {
        out->manufacturer[0] = out->description[0] = out->serial[0] = '\0';
    }
}

rc_status rc_ftdi_list(rc_ftdi_device **out, size_t *n, rc_error *err)
{
    assert(out && n);
    *out = NULL;
    *n = 0;
    struct ftdi_context *ftdi = ftdi_new();
    if (!ftdi)
        return rc_error_set(err, RC_ERR_DEVICE, "cannot initialise libftdi (libusb)");
    struct ftdi_device_list *list = NULL;
    int count = ftdi_usb_find_all(ftdi, &list, FTDI_VID, FT2232H_PID);
    if (count < 0) {
        rc_status st = rc_error_set(err, RC_ERR_DEVICE, "cannot list FTDI devices: %s",
                                    ftdi_get_error_string(ftdi));
        ftdi_free(ftdi);
        return st;
    }
    rc_ftdi_device *devs = count ? calloc((size_t)count, sizeof *devs) : NULL;
    if (count && !devs) {
        ftdi_list_free(&list);
        ftdi_free(ftdi);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    size_t i = 0;
    for (struct ftdi_device_list *p = list; p && i < (size_t)count; p = p->next)
        fill(ftdi, p->dev, &devs[i++]);
    ftdi_list_free(&list);
    ftdi_free(ftdi);
    *out = devs;
    *n = i;
    return RC_OK;
}
