/*
 * msg.c - link message payloads: one struct per message type <-> the
 * little-endian payload bytes of docs/protocol.md.
 *
 * For each type a put_* appends the fields to a frame payload in wire order
 * and a get_* reads them back from a payload whose length was checked
 * first. The check_* functions hold the ranges of the specification and are
 * applied both when encoding (a caller's mistake: RC_ERR_ARG) and when
 * decoding (damage or a misbehaving peer: RC_ERR_FORMAT), so whatever one
 * side accepts the other can represent.
 */
#include <assert.h>
#include <string.h>

#include "railcut/link.h"

/* ---- names ---- */

static const char *const h2f_names[] = {
    NULL,   "identify", "configure", "segment", "arm",        "start",
    "stop", "pins",     "heartbeat", "release", "clear_trip",
};
static const char *const f2h_names[] = {
    NULL, "identify_reply", "samples", "events", "uart", "status", "ack", "nak",
};
static const char *const event_names[] = {
    NULL,
    "rail_fall",
    "rail_rise",
    "alert_edge",
    "ch_present_edge",
    "segment_start",
    "wait_done",
    "wait_timeout",
    "run_end",
    "underrun",
    "trip",
    "clamp",
    "overrun",
    "uart_error",
};
static const char *const nak_names[] = {
    NULL, "unknown_type", "length", "range", "state", "fifo_full", "clamp", "empty", "tripped",
};

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *name_in(const char *const *names, int n, int i)
{
    return i > 0 && i < n ? names[i] : NULL;
}

const char *rc_link_type_name(int type)
{
    if (type < 0 || type > 0xFF)
        return NULL;
    if (type & 0x80)
        return name_in(f2h_names, N_OF(f2h_names), type & 0x7F);
    return name_in(h2f_names, N_OF(h2f_names), type);
}

const char *rc_link_event_name(int kind)
{
    return name_in(event_names, N_OF(event_names), kind);
}

const char *rc_link_nak_name(int reason)
{
    return name_in(nak_names, N_OF(nak_names), reason);
}

/* ---- byte access ---- */

static void put_le(rc_link_frame *f, uint64_t v, int nbytes)
{
    assert(f->len + nbytes <= RC_LINK_MAX_PAYLOAD);
    for (int i = 0; i < nbytes; i++)
        f->payload[f->len++] = (uint8_t)(v >> (8 * i));
}

/* Reads from a payload whose length was checked against the layout. */
typedef struct reader {
    const uint8_t *p;
    size_t off;
} reader;

static uint64_t get_le(reader *r, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++)
        v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
    r->off += (size_t)nbytes;
    return v;
}

static uint8_t get_u8(reader *r)
{
    return (uint8_t)get_le(r, 1);
}

static uint16_t get_u16(reader *r)
{
    return (uint16_t)get_le(r, 2);
}

static uint32_t get_u32(reader *r)
{
    return (uint32_t)get_le(r, 4);
}

/* ---- range checks, shared by both directions ---- */

static rc_status check_tick(uint64_t tick, const char *what, rc_status st, rc_error *err)
{
    if (tick > RC_LINK_TICK_MAX)
        return rc_error_set(err, st, "link %s: tick %llu exceeds 48 bits", what,
                            (unsigned long long)tick);
    return RC_OK;
}

static rc_status check_config(const rc_link_config *c, rc_status st, rc_error *err)
{
    if (c->block_ticks < 1 || c->block_ticks > 1000000)
        return rc_error_set(err, st, "link configure: block_ticks %u outside 1..1000000",
                            (unsigned)c->block_ticks);
    if (c->fall_code > c->rise_code)
        return rc_error_set(err, st, "link configure: fall_code %u above rise_code %u",
                            (unsigned)c->fall_code, (unsigned)c->rise_code);
    if (c->ovp_code == 0 || c->ocp_code == 0)
        return rc_error_set(err, st,
                            "link configure: ovp_code and ocp_code must be at least 1");
    if (c->watchdog_ms == 0)
        return rc_error_set(err, st, "link configure: watchdog_ms must be at least 1");
    if (c->sniff_bit_clocks != 0 && c->sniff_bit_clocks < 4)
        return rc_error_set(err, st,
                            "link configure: sniff_bit_clocks %u is neither 0 nor 4 or more",
                            (unsigned)c->sniff_bit_clocks);
    if (c->safe_pins & ~(RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST))
        return rc_error_set(err, st, "link configure: safe_pins 0x%02x has unknown bits",
                            (unsigned)c->safe_pins);
    if (c->flags & ~(RC_LINK_CFG_SAMPLES | RC_LINK_CFG_UART))
        return rc_error_set(err, st, "link configure: flags 0x%02x has unknown bits",
                            (unsigned)c->flags);
    return RC_OK;
}

/* A ramp's slope must point from start_code toward end_code; holds and
 * waits have slope 0, and a wait holds one code. */
static rc_status check_seg(const rc_link_seg *s, rc_status st, rc_error *err)
{
    if (s->duration_ticks < 1 || s->duration_ticks > RC_LINK_TICK_MAX)
        return rc_error_set(err, st, "link segment %u: duration_ticks %llu outside 1..2^48-1",
                            (unsigned)s->seg_id, (unsigned long long)s->duration_ticks);
    if (s->pins & ~(RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST | RC_LINK_SEG_LAST))
        return rc_error_set(err, st, "link segment %u: pins 0x%02x has unknown bits",
                            (unsigned)s->seg_id, (unsigned)s->pins);
    if (s->wait > RC_LINK_WAIT_RAIL_FALL)
        return rc_error_set(err, st, "link segment %u: unknown wait condition %u",
                            (unsigned)s->seg_id, (unsigned)s->wait);
    bool up = s->end_code > s->start_code, down = s->end_code < s->start_code;
    if ((up && s->slope < 0) || (down && s->slope > 0) || (!up && !down && s->slope != 0))
        return rc_error_set(err, st,
                            "link segment %u: slope %ld does not lead from code %u to %u",
                            (unsigned)s->seg_id, (long)s->slope, (unsigned)s->start_code,
                            (unsigned)s->end_code);
    if (s->wait != RC_LINK_WAIT_NONE && (up || down))
        return rc_error_set(err, st, "link segment %u: a wait cannot ramp",
                            (unsigned)s->seg_id);
    return RC_OK;
}

static rc_status check_pins(const rc_link_pins *p, rc_status st, rc_error *err)
{
    if (p->pins & ~(RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST))
        return rc_error_set(err, st, "link pins: 0x%02x has unknown bits", (unsigned)p->pins);
    return RC_OK;
}

static rc_status check_identify(const rc_link_identify *id, rc_status st, rc_error *err)
{
    if (id->clock_hz == 0 || id->tick_hz == 0 || id->fifo_depth == 0 ||
        id->min_block_ticks == 0)
        return rc_error_set(err, st,
                            "link identify_reply: clock_hz, tick_hz, fifo_depth and "
                            "min_block_ticks must be non-zero");
    return RC_OK;
}

static rc_status check_samples(const rc_link_samples *s, rc_status st, rc_error *err)
{
    if (s->n < 1 || s->n > RC_LINK_MAX_BLOCKS)
        return rc_error_set(err, st, "link samples: %u blocks outside 1..%d", (unsigned)s->n,
                            RC_LINK_MAX_BLOCKS);
    for (int k = 0; k < s->n; k++) {
        const rc_link_block *b = &s->blocks[k];
        if (b->v_min > b->v_max || b->i_min > b->i_max)
            return rc_error_set(err, st,
                                "link samples: block %d has a minimum above its maximum", k);
    }
    return check_tick(s->tick, "samples", st, err);
}

static rc_status check_events(const rc_link_events *e, rc_status st, rc_error *err)
{
    if (e->n < 1 || e->n > RC_LINK_MAX_EVENTS)
        return rc_error_set(err, st, "link events: %u records outside 1..%d", (unsigned)e->n,
                            RC_LINK_MAX_EVENTS);
    for (int k = 0; k < e->n; k++) {
        const rc_link_event *ev = &e->ev[k];
        if (rc_link_event_name(ev->kind) == NULL)
            return rc_error_set(err, st, "link events: record %d has unknown kind 0x%02x", k,
                                (unsigned)ev->kind);
        if (check_tick(ev->tick, "events", st, err) != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status check_uart(const rc_link_uart *u, rc_status st, rc_error *err)
{
    if (u->n < 1 || u->n > RC_LINK_MAX_UART)
        return rc_error_set(err, st, "link uart: %u bytes outside 1..%d", (unsigned)u->n,
                            RC_LINK_MAX_UART);
    if (u->gap_ticks[0] != 0)
        return rc_error_set(err, st, "link uart: the first byte has a gap");
    return check_tick(u->tick, "uart", st, err);
}

static rc_status check_status(const rc_link_status *s, rc_status st, rc_error *err)
{
    if (s->state > RC_LINK_STATE_TRIPPED)
        return rc_error_set(err, st, "link status: unknown state %u", (unsigned)s->state);
    if (s->trips & ~(RC_LINK_TRIP_WATCHDOG | RC_LINK_TRIP_OVP | RC_LINK_TRIP_OCP))
        return rc_error_set(err, st, "link status: trips 0x%02x has unknown bits",
                            (unsigned)s->trips);
    unsigned io_bits =
        RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST | RC_LINK_IO_ALERT | RC_LINK_IO_CH_PRESENT;
    if (s->io & ~io_bits)
        return rc_error_set(err, st, "link status: io 0x%02x has unknown bits",
                            (unsigned)s->io);
    return check_tick(s->tick, "status", st, err);
}

static rc_status check_ack(const rc_link_ack *a, rc_status st, rc_error *err)
{
    if ((a->type & 0x80) || rc_link_type_name(a->type) == NULL)
        return rc_error_set(err, st, "link ack: 0x%02x is not a host command",
                            (unsigned)a->type);
    return RC_OK;
}

static rc_status check_nak(const rc_link_nak *n, rc_status st, rc_error *err)
{
    if (rc_link_nak_name(n->reason) == NULL)
        return rc_error_set(err, st, "link nak: unknown reason %u", (unsigned)n->reason);
    return RC_OK;
}

static rc_status check_msg(const rc_link_msg *m, rc_status st, rc_error *err)
{
    switch (m->type) {
    case RC_LINK_CONFIGURE: return check_config(&m->u.config, st, err);
    case RC_LINK_SEGMENT: return check_seg(&m->u.seg, st, err);
    case RC_LINK_PINS: return check_pins(&m->u.pins, st, err);
    case RC_LINK_IDENTIFY_REPLY: return check_identify(&m->u.identify, st, err);
    case RC_LINK_SAMPLES: return check_samples(&m->u.samples, st, err);
    case RC_LINK_EVENTS: return check_events(&m->u.events, st, err);
    case RC_LINK_UART: return check_uart(&m->u.uart, st, err);
    case RC_LINK_STATUS: return check_status(&m->u.status, st, err);
    case RC_LINK_ACK: return check_ack(&m->u.ack, st, err);
    case RC_LINK_NAK: return check_nak(&m->u.nak, st, err);
    default: return RC_OK;
    }
}

/* ---- encoding ---- */

static void put_config(rc_link_frame *f, const rc_link_config *c)
{
    put_le(f, c->block_ticks, 4);
    put_le(f, c->fall_code, 2);
    put_le(f, c->rise_code, 2);
    put_le(f, c->ovp_code, 2);
    put_le(f, c->ocp_code, 2);
    put_le(f, c->safe_dac_code, 2);
    put_le(f, c->watchdog_ms, 2);
    put_le(f, c->debounce_ticks, 2);
    put_le(f, c->sniff_bit_clocks, 2);
    put_le(f, c->safe_pins, 1);
    put_le(f, c->flags, 1);
}

static void put_seg(rc_link_frame *f, const rc_link_seg *s)
{
    put_le(f, s->seg_id, 4);
    put_le(f, s->duration_ticks, 6);
    put_le(f, s->start_code, 2);
    put_le(f, s->end_code, 2);
    put_le(f, (uint32_t)s->slope, 4);
    put_le(f, s->pins, 1);
    put_le(f, s->wait, 1);
}

static void put_identify(rc_link_frame *f, const rc_link_identify *id)
{
    put_le(f, id->proto_major, 1);
    put_le(f, id->proto_minor, 1);
    put_le(f, id->gw_major, 1);
    put_le(f, id->gw_minor, 1);
    put_le(f, id->gw_patch, 2);
    put_le(f, id->board_id, 2);
    put_le(f, id->clock_hz, 4);
    put_le(f, id->tick_hz, 4);
    put_le(f, id->adc_rate_hz, 4);
    put_le(f, id->max_dac_code, 2);
    put_le(f, id->fifo_depth, 2);
    put_le(f, id->min_block_ticks, 2);
    put_le(f, id->dac_bits, 1);
    put_le(f, id->adc_bits, 1);
    put_le(f, id->caps, 4);
}

static void put_samples(rc_link_frame *f, const rc_link_samples *s)
{
    put_le(f, s->tick, 6);
    put_le(f, s->n, 1);
    for (int k = 0; k < s->n; k++) {
        put_le(f, s->blocks[k].v_min, 2);
        put_le(f, s->blocks[k].v_max, 2);
        put_le(f, s->blocks[k].i_min, 2);
        put_le(f, s->blocks[k].i_max, 2);
    }
}

static void put_events(rc_link_frame *f, const rc_link_events *e)
{
    put_le(f, e->n, 1);
    for (int k = 0; k < e->n; k++) {
        put_le(f, e->ev[k].tick, 6);
        put_le(f, e->ev[k].kind, 1);
        put_le(f, e->ev[k].arg, 1);
        put_le(f, e->ev[k].value, 4);
    }
}

static void put_uart(rc_link_frame *f, const rc_link_uart *u)
{
    put_le(f, u->tick, 6);
    put_le(f, u->n, 1);
    for (int k = 0; k < u->n; k++) {
        put_le(f, u->bytes[k], 1);
        put_le(f, u->gap_ticks[k], 2);
    }
}

static void put_status(rc_link_frame *f, const rc_link_status *s)
{
    put_le(f, s->tick, 6);
    put_le(f, s->state, 1);
    put_le(f, s->trips, 1);
    put_le(f, s->fifo_level, 2);
    put_le(f, s->underruns, 2);
    put_le(f, s->overruns, 2);
    put_le(f, s->crc_errors, 2);
    put_le(f, s->rx_dropped, 2);
    put_le(f, s->last_rx_seq, 1);
    put_le(f, s->io, 1);
    put_le(f, s->dac_code, 2);
    put_le(f, s->seg_id, 4);
}

static void put_payload(rc_link_frame *f, const rc_link_msg *m)
{
    switch (m->type) {
    case RC_LINK_CONFIGURE: put_config(f, &m->u.config); break;
    case RC_LINK_SEGMENT: put_seg(f, &m->u.seg); break;
    case RC_LINK_PINS:
        put_le(f, m->u.pins.dac_code, 2);
        put_le(f, m->u.pins.pins, 1);
        break;
    case RC_LINK_RELEASE: put_le(f, m->u.release_seg_id, 4); break;
    case RC_LINK_IDENTIFY_REPLY: put_identify(f, &m->u.identify); break;
    case RC_LINK_SAMPLES: put_samples(f, &m->u.samples); break;
    case RC_LINK_EVENTS: put_events(f, &m->u.events); break;
    case RC_LINK_UART: put_uart(f, &m->u.uart); break;
    case RC_LINK_STATUS: put_status(f, &m->u.status); break;
    case RC_LINK_ACK:
        put_le(f, m->u.ack.type, 1);
        put_le(f, m->u.ack.seq, 1);
        put_le(f, m->u.ack.info, 2);
        break;
    case RC_LINK_NAK:
        put_le(f, m->u.nak.type, 1);
        put_le(f, m->u.nak.seq, 1);
        put_le(f, m->u.nak.reason, 1);
        put_le(f, m->u.nak.offset, 1);
        break;
    default: break; /* the commands without payload */
    }
}

rc_status rc_link_msg_to_frame(const rc_link_msg *m, uint8_t seq, rc_link_frame *f,
                               rc_error *err)
{
    if (rc_link_type_name((int)m->type) == NULL)
        return rc_error_set(err, RC_ERR_ARG, "link: unknown message type 0x%02x",
                            (unsigned)m->type);
    if (m->type == RC_LINK_IDENTIFY_REPLY && m->u.identify.proto_major != RC_LINK_PROTO_MAJOR)
        return rc_error_set(err, RC_ERR_ARG, "link identify_reply: protocol major %u is not %d",
                            (unsigned)m->u.identify.proto_major, RC_LINK_PROTO_MAJOR);
    rc_status st = check_msg(m, RC_ERR_ARG, err);
    if (st != RC_OK)
        return st;
    f->type = (uint8_t)m->type;
    f->seq = seq;
    f->len = 0;
    put_payload(f, m);
    return RC_OK;
}

rc_status rc_link_msg_encode(const rc_link_msg *m, uint8_t seq, uint8_t *out, size_t cap,
                             size_t *out_len, rc_error *err)
{
    rc_link_frame f;
    rc_status st = rc_link_msg_to_frame(m, seq, &f, err);
    if (st != RC_OK)
        return st;
    return rc_link_frame_encode(&f, out, cap, out_len, err);
}

/* ---- decoding ---- */

/* Payload length of a fixed-size type; -1 for the variable ones. */
static int fixed_len(rc_link_type t)
{
    switch (t) {
    case RC_LINK_CONFIGURE: return 22;
    case RC_LINK_SEGMENT: return 20;
    case RC_LINK_PINS: return 3;
    case RC_LINK_RELEASE: return 4;
    case RC_LINK_IDENTIFY_REPLY: return 32;
    case RC_LINK_STATUS: return 26;
    case RC_LINK_ACK:
    case RC_LINK_NAK: return 4;
    case RC_LINK_SAMPLES:
    case RC_LINK_EVENTS:
    case RC_LINK_UART: return -1;
    default: return 0;
    }
}

/* Length a variable-size payload must have, from its count byte; -1 when
 * the count byte itself is missing. */
static int variable_len(const rc_link_frame *f)
{
    switch (f->type) {
    case RC_LINK_SAMPLES: return f->len < 7 ? -1 : 7 + 8 * f->payload[6];
    case RC_LINK_EVENTS: return f->len < 1 ? -1 : 1 + 12 * f->payload[0];
    default: return f->len < 7 ? -1 : 7 + 3 * f->payload[6];
    }
}

static rc_status check_len(const rc_link_frame *f, rc_error *err)
{
    int want = fixed_len((rc_link_type)f->type);
    if (want < 0)
        want = variable_len(f);
    if (want < 0)
        return rc_error_set(err, RC_ERR_FORMAT, "link %s: payload of %u bytes lacks its count",
                            rc_link_type_name(f->type), (unsigned)f->len);
    if (want != (int)f->len)
        return rc_error_set(err, RC_ERR_FORMAT, "link %s: payload of %u bytes, expected %d",
                            rc_link_type_name(f->type), (unsigned)f->len, want);
    return RC_OK;
}

static void get_config(reader *r, rc_link_config *c)
{
    c->block_ticks = get_u32(r);
    c->fall_code = get_u16(r);
    c->rise_code = get_u16(r);
    c->ovp_code = get_u16(r);
    c->ocp_code = get_u16(r);
    c->safe_dac_code = get_u16(r);
    c->watchdog_ms = get_u16(r);
    c->debounce_ticks = get_u16(r);
    c->sniff_bit_clocks = get_u16(r);
    c->safe_pins = get_u8(r);
    c->flags = get_u8(r);
}

static void get_seg(reader *r, rc_link_seg *s)
{
    s->seg_id = get_u32(r);
    s->duration_ticks = get_le(r, 6);
    s->start_code = get_u16(r);
    s->end_code = get_u16(r);
    s->slope = (int32_t)get_u32(r);
    s->pins = get_u8(r);
    s->wait = get_u8(r);
}

static void get_identify(reader *r, rc_link_identify *id)
{
    id->proto_major = get_u8(r);
    id->proto_minor = get_u8(r);
    id->gw_major = get_u8(r);
    id->gw_minor = get_u8(r);
    id->gw_patch = get_u16(r);
    id->board_id = get_u16(r);
    id->clock_hz = get_u32(r);
    id->tick_hz = get_u32(r);
    id->adc_rate_hz = get_u32(r);
    id->max_dac_code = get_u16(r);
    id->fifo_depth = get_u16(r);
    id->min_block_ticks = get_u16(r);
    id->dac_bits = get_u8(r);
    id->adc_bits = get_u8(r);
    id->caps = get_u32(r);
}

static void get_samples(reader *r, rc_link_samples *s)
{
    s->tick = get_le(r, 6);
    s->n = get_u8(r);
    for (int k = 0; k < s->n && k < RC_LINK_MAX_BLOCKS; k++) {
        s->blocks[k].v_min = get_u16(r);
        s->blocks[k].v_max = get_u16(r);
        s->blocks[k].i_min = get_u16(r);
        s->blocks[k].i_max = get_u16(r);
    }
}

static void get_events(reader *r, rc_link_events *e)
{
    e->n = get_u8(r);
    for (int k = 0; k < e->n && k < RC_LINK_MAX_EVENTS; k++) {
        e->ev[k].tick = get_le(r, 6);
        e->ev[k].kind = get_u8(r);
        e->ev[k].arg = get_u8(r);
        e->ev[k].value = get_u32(r);
    }
}

static void get_uart(reader *r, rc_link_uart *u)
{
    u->tick = get_le(r, 6);
    u->n = get_u8(r);
    for (int k = 0; k < u->n && k < RC_LINK_MAX_UART; k++) {
        u->bytes[k] = get_u8(r);
        u->gap_ticks[k] = get_u16(r);
    }
}

static void get_status(reader *r, rc_link_status *s)
{
    s->tick = get_le(r, 6);
    s->state = get_u8(r);
    s->trips = get_u8(r);
    s->fifo_level = get_u16(r);
    s->underruns = get_u16(r);
    s->overruns = get_u16(r);
    s->crc_errors = get_u16(r);
    s->rx_dropped = get_u16(r);
    s->last_rx_seq = get_u8(r);
    s->io = get_u8(r);
    s->dac_code = get_u16(r);
    s->seg_id = get_u32(r);
}

static void get_payload(reader *r, rc_link_msg *m)
{
    switch (m->type) {
    case RC_LINK_CONFIGURE: get_config(r, &m->u.config); break;
    case RC_LINK_SEGMENT: get_seg(r, &m->u.seg); break;
    case RC_LINK_PINS:
        m->u.pins.dac_code = get_u16(r);
        m->u.pins.pins = get_u8(r);
        break;
    case RC_LINK_RELEASE: m->u.release_seg_id = get_u32(r); break;
    case RC_LINK_IDENTIFY_REPLY: get_identify(r, &m->u.identify); break;
    case RC_LINK_SAMPLES: get_samples(r, &m->u.samples); break;
    case RC_LINK_EVENTS: get_events(r, &m->u.events); break;
    case RC_LINK_UART: get_uart(r, &m->u.uart); break;
    case RC_LINK_STATUS: get_status(r, &m->u.status); break;
    case RC_LINK_ACK:
        m->u.ack.type = get_u8(r);
        m->u.ack.seq = get_u8(r);
        m->u.ack.info = get_u16(r);
        break;
    case RC_LINK_NAK:
        m->u.nak.type = get_u8(r);
        m->u.nak.seq = get_u8(r);
        m->u.nak.reason = get_u8(r);
        m->u.nak.offset = get_u8(r);
        break;
    default: break;
    }
}

/* The version bytes lead the identify reply so that a host can name a
 * gateware it cannot talk to. */
static rc_status check_version(const rc_link_frame *f, rc_link_msg *m, rc_error *err)
{
    if (f->type != RC_LINK_IDENTIFY_REPLY || f->len < 2)
        return RC_OK;
    m->u.identify.proto_major = f->payload[0];
    m->u.identify.proto_minor = f->payload[1];
    if (f->payload[0] != RC_LINK_PROTO_MAJOR)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "link: gateware speaks protocol %u.%u, this host %d.%d",
                            (unsigned)f->payload[0], (unsigned)f->payload[1],
                            RC_LINK_PROTO_MAJOR, RC_LINK_PROTO_MINOR);
    return RC_OK;
}

rc_status rc_link_msg_from_frame(const rc_link_frame *f, rc_link_msg *m, rc_error *err)
{
    memset(m, 0, sizeof *m);
    if (rc_link_type_name(f->type) == NULL)
        return rc_error_set(err, RC_ERR_FORMAT, "link: unknown message type 0x%02x",
                            (unsigned)f->type);
    m->type = (rc_link_type)f->type;
    rc_status st = check_version(f, m, err);
    if (st == RC_OK)
        st = check_len(f, err);
    if (st != RC_OK)
        return st;
    reader r = {f->payload, 0};
    get_payload(&r, m);
    assert(r.off == f->len);
    return check_msg(m, RC_ERR_FORMAT, err);
}

/* ---- board limits ---- */

static rc_status check_code(uint16_t code, const char *what, const rc_link_identify *id,
                            rc_error *err)
{
    if (code > id->max_dac_code)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "link %s: DAC code %u above the board's limit %u", what,
                            (unsigned)code, (unsigned)id->max_dac_code);
    return RC_OK;
}

rc_status rc_link_check_limits(const rc_link_msg *m, const rc_link_identify *id, rc_error *err)
{
    switch (m->type) {
    case RC_LINK_CONFIGURE:
        if (m->u.config.block_ticks < id->min_block_ticks)
            return rc_error_set(err, RC_ERR_UNSUPPORTED,
                                "link configure: block_ticks %u below the board's minimum %u",
                                (unsigned)m->u.config.block_ticks,
                                (unsigned)id->min_block_ticks);
        return check_code(m->u.config.safe_dac_code, "configure", id, err);
    case RC_LINK_SEGMENT:
        if (check_code(m->u.seg.start_code, "segment", id, err) != RC_OK)
            return RC_ERR_UNSUPPORTED;
        return check_code(m->u.seg.end_code, "segment", id, err);
    case RC_LINK_PINS: return check_code(m->u.pins.dac_code, "pins", id, err);
    default: return RC_OK;
    }
}
