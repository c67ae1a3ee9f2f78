/*
 * event.c - names of event kinds and CH states, as written in reports and traces.
 */
#include <string.h>

#include "railcut/event.h"

static const char *const event_names[] = {
    [RC_EV_SEGMENT] = "segment",
    [RC_EV_MARK] = "mark",
    [RC_EV_RAIL_CUT] = "rail_cut",
    [RC_EV_RAIL_RESTORE] = "rail_restore",
    [RC_EV_AC_LOST_ON] = "ac_lost_on",
    [RC_EV_AC_LOST_OFF] = "ac_lost_off",
    [RC_EV_RAIL_FALL] = "rail_fall",
    [RC_EV_RAIL_RISE] = "rail_rise",
    [RC_EV_CH_POWER_LOST] = "ch_power_lost",
    [RC_EV_CH_DOWN] = "ch_down",
    [RC_EV_CH_BOOT] = "ch_boot",
    [RC_EV_CH_READY] = "ch_ready",
    [RC_EV_AD1] = "ad1",
    [RC_EV_RESTORED] = "restored",
    [RC_EV_WAIT_DONE] = "wait_done",
    [RC_EV_WAIT_TIMEOUT] = "wait_timeout",
    [RC_EV_OBSERVE] = "observe",
    [RC_EV_RUN_END] = "run_end",
    [RC_EV_NOTE] = "note",
};

#define N_EVENT_NAMES (sizeof event_names / sizeof event_names[0])

const char *rc_event_kind_name(rc_event_kind kind)
{
    if ((size_t)kind < N_EVENT_NAMES && event_names[kind])
        return event_names[kind];
    return "unknown";
}

rc_event_kind rc_event_kind_from_name(const char *name)
{
    for (size_t i = 0; i < N_EVENT_NAMES; i++)
        if (event_names[i] && strcmp(event_names[i], name) == 0)
            return (rc_event_kind)i;
    return (rc_event_kind)0;
}

void rc_event_init(rc_event *ev, int64_t t_us, rc_event_kind kind, int32_t value,
                   const char *text)
{
    memset(ev, 0, sizeof *ev);
    ev->t_us = t_us;
    ev->kind = (uint16_t)kind;
    ev->value = value;
    if (text) {
        strncpy(ev->text, text, sizeof ev->text - 1);
        ev->text[sizeof ev->text - 1] = '\0';
    }
}

const char *rc_ch_state_name(rc_ch_state state)
{
    switch (state) {
    case RC_CH_OFF: return "off";
    case RC_CH_BOOTING: return "booting";
    case RC_CH_READY: return "ready";
    case RC_CH_HOLDUP: return "holdup";
    }
    return "unknown";
}
