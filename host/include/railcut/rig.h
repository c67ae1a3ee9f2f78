/*
 * railcut/rig.h - backends (the driver table) and the run loop that knows none
 * of them.
 *
 * A backend is one rc_driver: a table of function pointers (modelled on
 * libsigrok's struct sr_dev_driver). The registry is one array in
 * host/src/rig/registry.c; adding a backend is adding one file and one line.
 * The device, not the host, times every edge: load() hands it the whole
 * segment list, start() starts it, and poll() returns what happened, as
 * samples and exact events, through a sink.
 */
#ifndef RAILCUT_RIG_H
#define RAILCUT_RIG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"
#include "railcut/event.h"
#include "railcut/model.h"
#include "railcut/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RC_DEFAULT_SAMPLE_RATE_HZ 1000u
#define RC_DEFAULT_OUTAGE_BELOW_MV 8000
#define RC_DEFAULT_RESTORE_ABOVE_MV 9000

/* A converter's calibration: value = gain * code + offset, in mV (DAC and
 * rail-volts ADC) or mA (current ADC). gain 0 means the board's nominal one. */
typedef struct rc_rig_cal {
    double gain;
    double offset;
} rc_rig_cal;

typedef struct rc_rig_config {
    uint32_t sample_rate_hz;  /* periodic samples per second */
    int32_t outage_below_mv;  /* crossing detector: rail_fall below this */
    int32_t restore_above_mv; /* crossing detector: rail_rise at or above this */
    rc_ch_params ch;          /* sim/cosim: the modelled CH */
    rc_supply_params supply;  /* sim/cosim: the modelled supply */
    const char *device;       /* ftdi: device string (docs/ftdi-driver.md); NULL = first FT2232H */
    rc_rig_cal dac_cal;       /* ftdi: DAC code -> setpoint mV (a bench's [cal.dac]) */
    rc_rig_cal rail_v_cal;    /* ftdi: rail-volts ADC code -> rail mV ([cal.rail_v]) */
    rc_rig_cal rail_a_cal;    /* ftdi: current ADC code -> CH mA ([cal.rail_a]) */
    const char *uart_pattern; /* ftdi: a CH debug-UART line matching this POSIX ERE is AD1 */
    uint32_t uart_baud;       /* ftdi: the CH debug UART's rate; 0 = 115200 */
    bool alert_pin_unwired;   /* ftdi: edges of the alert input are not AD1 */
    int32_t max_rail_mv;      /* ftdi: over-voltage trip; 0 = 15 V */
    int32_t max_current_ma;   /* ftdi: over-current trip; 0 = 2 A */
    bool safe_rail_on;        /* ftdi: the gateware's safe state (watchdog, stop): */
    int32_t safe_rail_mv;     /*   rail switch, setpoint and AC Lost; all off */
    bool safe_ac_lost;        /*   by default */
} rc_rig_config;

void rc_rig_config_default(rc_rig_config *cfg);

/* Where a backend's output goes. Both callbacks may be NULL. Events and
 * samples are each delivered in time order. */
typedef struct rc_sink {
    void *ctx;
    rc_status (*on_samples)(void *ctx, const rc_sample *s, size_t n, rc_error *err);
    rc_status (*on_event)(void *ctx, const rc_event *ev, rc_error *err);
} rc_sink;

typedef struct rc_device rc_device; /* each driver defines its own */

typedef struct rc_poll_result {
    int64_t now_us; /* device time reached */
    bool done;      /* the last segment (observation window included) has ended */
} rc_poll_result;

typedef struct rc_driver {
    const char *name;
    const char *description;
    rc_status (*open)(const rc_rig_config *cfg, rc_device **out, rc_error *err);
    void (*close)(rc_device *dev);
    rc_status (*load)(rc_device *dev, const rc_profile *profile, rc_error *err);
    rc_status (*start)(rc_device *dev, rc_error *err);
    /* Advances (sim) or drains (hardware) up to device time until_us and
     * delivers what happened to the sink. Hardware may ignore until_us. */
    rc_status (*poll)(rc_device *dev, int64_t until_us, const rc_sink *sink,
                      rc_poll_result *res, rc_error *err);
    /* Returns the rail to the safe state (cut) and stops the sequencer. */
    rc_status (*stop)(rc_device *dev, rc_error *err);
} rc_driver;

/* The registry. */
const rc_driver *rc_driver_find(const char *name);
const rc_driver *const *rc_driver_list(size_t *count);

typedef enum rc_pace {
    RC_PACE_MAX = 0,      /* as fast as the backend can */
    RC_PACE_REALTIME = 1, /* virtual time follows the wall clock (times factor) */
} rc_pace;

/* Parses "max", "realtime" or a factor such as "10" (10x real time). */
rc_status rc_pace_parse(const char *text, rc_pace *pace, double *factor, rc_error *err);

typedef struct rc_run_progress {
    int64_t now_us;       /* device time */
    int64_t nominal_us;   /* nominal length of the whole profile */
    size_t segment;       /* index of the running segment */
    const rc_profile *profile;
} rc_run_progress;

typedef struct rc_run_options {
    rc_pace pace;
    double pace_factor;                    /* REALTIME: 1.0 = wall clock */
    volatile sig_atomic_t *stop_requested; /* set by a signal handler; may be NULL */
    void (*progress)(void *ctx, const rc_run_progress *p); /* may be NULL */
    void *progress_ctx;
} rc_run_options;

typedef enum rc_run_end {
    RC_RUN_COMPLETE = 0,
    RC_RUN_STOPPED = 1,      /* stop requested by the user */
    RC_RUN_DEVICE_ERROR = 2, /* the backend failed mid-run */
} rc_run_end;

typedef struct rc_run_result {
    rc_run_end end;
    int64_t end_us;
} rc_run_result;

/* Runs a compiled profile on a backend from open to close. Every event and
 * sample goes to the sink; for each RC_EV_SEGMENT the loop also emits the
 * RC_EV_MARK events of marks placed at that segment, and it always ends with
 * an RC_EV_RUN_END event, even when the device fails (then the status is the
 * device's error and res->end says so). */
rc_status rc_run(const rc_driver *drv, const rc_rig_config *cfg, const rc_profile *p,
                 const rc_run_options *opt, const rc_sink *sink, rc_run_result *res,
                 rc_error *err);

#ifdef __cplusplus
}
#endif

#endif
