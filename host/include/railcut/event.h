/*
 * railcut/event.h - what a backend reports: periodic samples and exact events.
 *
 * Time is int64_t microseconds since the start of the run (t = 0 is the start
 * of the first profile segment) everywhere in railcut. Samples are periodic
 * snapshots of the analog and digital state; events are exact, timestamped to
 * the microsecond by whoever times the edges (the sim model, or the FPGA).
 */
#ifndef RAILCUT_EVENT_H
#define RAILCUT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* State of the Communications Hub as the CH model (or a CH-state input) sees it. */
typedef enum rc_ch_state {
    RC_CH_OFF = 0,     /* unpowered */
    RC_CH_BOOTING = 1, /* powered, not yet ready */
    RC_CH_READY = 2,   /* running on the rail */
    RC_CH_HOLDUP = 3,  /* rail lost, running on its hold-up storage */
} rc_ch_state;

const char *rc_ch_state_name(rc_ch_state state);

typedef struct rc_sample {
    int64_t t_us;
    float rail_v;    /* rail voltage at the CH connector, volts */
    float rail_a;    /* current drawn by the CH, amps */
    uint8_t ac_lost; /* 1 while the AC Lost signal is asserted to the CH */
    uint8_t ch_state; /* rc_ch_state */
} rc_sample;

/* Event kinds. Values are stored in traces: append new kinds, never renumber. */
typedef enum rc_event_kind {
    RC_EV_SEGMENT = 1,       /* a profile segment starts; value = segment index */
    RC_EV_MARK = 2,          /* a named point of the profile; text = mark name */
    RC_EV_RAIL_CUT = 3,      /* load switch opened (hard cut commanded) */
    RC_EV_RAIL_RESTORE = 4,  /* load switch closed (restore commanded) */
    RC_EV_AC_LOST_ON = 5,    /* AC Lost asserted to the CH */
    RC_EV_AC_LOST_OFF = 6,   /* AC Lost released */
    RC_EV_RAIL_FALL = 7,     /* rail fell below the outage threshold; value = threshold mV */
    RC_EV_RAIL_RISE = 8,     /* rail rose back to the restore threshold; value = threshold mV */
    RC_EV_CH_POWER_LOST = 9, /* CH saw its input drop below UVLO; its outage timer starts */
    RC_EV_CH_DOWN = 10,      /* CH stopped running (hold-up exhausted or never charged) */
    RC_EV_CH_BOOT = 11,      /* CH started booting (input rose above UVLO on) */
    RC_EV_CH_READY = 12,     /* CH ready signal */
    RC_EV_AD1 = 13,          /* Power Outage Alert; text = source ("ch-model", "pin", ...) */
    RC_EV_RESTORED = 14,     /* CH power-restored alert; text = source */
    RC_EV_WAIT_DONE = 15,    /* a wait segment's event arrived; value = segment index */
    RC_EV_WAIT_TIMEOUT = 16, /* a wait segment timed out; value = segment index */
    RC_EV_OBSERVE = 17,      /* the observation window starts */
    RC_EV_RUN_END = 18,      /* the run ended; value = 0 complete, 1 stopped, 2 device error */
    RC_EV_NOTE = 19,         /* free text, e.g. an operator annotation */
} rc_event_kind;

#define RC_EVENT_TEXT_MAX 40

typedef struct rc_event {
    int64_t t_us;
    uint16_t kind; /* rc_event_kind */
    int32_t value;
    char text[RC_EVENT_TEXT_MAX]; /* NUL-terminated, may be empty */
} rc_event;

/* Stable lower-case names ("ad1", "rail_fall", ...) used in reports and traces. */
const char *rc_event_kind_name(rc_event_kind kind);
/* Reverse of rc_event_kind_name; returns 0 when the name is unknown. */
rc_event_kind rc_event_kind_from_name(const char *name);

/* Fills an event; text may be NULL. Text longer than the field is truncated. */
void rc_event_init(rc_event *ev, int64_t t_us, rc_event_kind kind, int32_t value,
                   const char *text);

#ifdef __cplusplus
}
#endif

#endif
