/*
 * export_vcd.c - a trace as a Value Change Dump (IEEE 1364 §18) for GTKWave.
 *
 * Timescale 1 us, so trace times are written as they are. Variables, all in
 * scope `railcut`:
 *   rail_v, rail_a   real      (volts, amps; six decimals, trailing zeros
 *                              dropped: float32 holds no more near 12 V)
 *   ac_lost          wire 1
 *   ch_state         wire 2    (0 off, 1 booting, 2 ready, 3 holdup)
 *   ev_<kind>        wire 1    one per event kind present in the span: 1 for
 *                              the microsecond of each event, then 0
 *   ref_rail_v       real      a replay's reference rail, when the trace has it
 * Only changes are written, and a time line only before a change. Samples and events are merged
 * in time order: the events are in memory, and each event wire keeps the time at which its
 * pulse must fall, so the writer needs no more state than one value per
 * variable.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "interop/interop_internal.h"
#include "railcut/version.h"

#define MAX_KINDS 64 /* event kinds are small numbers; larger ones share "other" */

typedef struct vcd_export {
    FILE *out;
    unsigned channels;
    const rc_event *ev;
    size_t n_ev;
    int64_t now_us; /* last #time written */
    int64_t at_us;  /* time of the changes to come: written before the first */
    bool have_sample;
    rc_sample last;
    bool with_ref;
    float last_ref;
    int64_t fall_us[MAX_KINDS]; /* when each event wire returns to 0; INT64_MAX = low */
    bool used[MAX_KINDS];
    rc_export_stats *stats;
} vcd_export;

/* Identifiers: printable characters from '!'; the four sample variables
 * first, then one per event kind, then the reference rail. */
#define REF_VAR (4 + MAX_KINDS)
static void var_id(char *buf, unsigned index)
{
    buf[0] = (char)('!' + index % 90);
    buf[1] = index >= 90 ? (char)('!' + index / 90) : '\0';
    buf[2] = '\0';
}

static unsigned kind_slot(uint16_t kind)
{
    return kind < MAX_KINDS ? kind : 0;
}

static void set_time(vcd_export *v, int64_t t_us)
{
    assert(t_us >= v->at_us);
    v->at_us = t_us;
}

/* Before each value change: a time line if the time moved since the last.
 * Times are never negative here (the dump starts at 0 or later). */
static void change(vcd_export *v)
{
    if (v->at_us != v->now_us) {
        char line[32];
        int n = 0;
        line[n++] = '#';
        n += rc_interop_format_fixed(line + n, (double)v->at_us, 0, false);
        line[n++] = '\n';
        fwrite(line, 1, (size_t)n, v->out);
    }
    v->now_us = v->at_us;
}

static void write_wire(vcd_export *v, unsigned slot, int bit)
{
    char id[3];
    change(v);
    var_id(id, 4 + slot);
    fprintf(v->out, "%d%s\n", bit, id);
}

/* Writes event rises and falls with times <= limit_us, in time order. */
static void write_events_until(vcd_export *v, int64_t limit_us)
{
    for (;;) {
        int64_t next = v->n_ev ? v->ev->t_us : INT64_MAX;
        for (unsigned k = 0; k < MAX_KINDS; k++)
            if (v->fall_us[k] < next)
                next = v->fall_us[k];
        if (next == INT64_MAX || next > limit_us)
            return;
        set_time(v, next);
        for (unsigned k = 0; k < MAX_KINDS; k++)
            if (v->fall_us[k] == next) {
                write_wire(v, k, 0);
                v->fall_us[k] = INT64_MAX;
            }
        while (v->n_ev && v->ev->t_us == next) {
            unsigned k = kind_slot(v->ev->kind);
            if (v->fall_us[k] == INT64_MAX)
                write_wire(v, k, 1);
            v->fall_us[k] = next + 1;
            v->stats->events++;
            v->ev++;
            v->n_ev--;
        }
    }
}

static void write_real(vcd_export *v, unsigned index, float value)
{
    char id[3];
    change(v);
    var_id(id, index);
    char line[64];
    int n = 0;
    line[n++] = 'r';
    if (isnan(value)) {
        memcpy(line + n, "nan", 3);
        n += 3;
    } else {
        n += rc_interop_format_fixed(line + n, (double)value, 6, true);
    }
    line[n++] = ' ';
    for (const char *c = id; *c; c++)
        line[n++] = *c;
    line[n++] = '\n';
    fwrite(line, 1, (size_t)n, v->out);
}

static void write_sample(vcd_export *v, const rc_sample *s, float ref)
{
    bool all = !v->have_sample;
    char id[3];
    if (v->with_ref && (all || memcmp(&ref, &v->last_ref, sizeof ref) != 0))
        write_real(v, REF_VAR, ref);
    v->last_ref = ref;
    if ((v->channels & RC_EXPORT_RAIL_V) &&
        (all || memcmp(&s->rail_v, &v->last.rail_v, sizeof s->rail_v) != 0))
        write_real(v, 0, s->rail_v);
    if ((v->channels & RC_EXPORT_RAIL_A) &&
        (all || memcmp(&s->rail_a, &v->last.rail_a, sizeof s->rail_a) != 0))
        write_real(v, 1, s->rail_a);
    if ((v->channels & RC_EXPORT_AC_LOST) && (all || s->ac_lost != v->last.ac_lost)) {
        change(v);
        var_id(id, 2);
        fprintf(v->out, "%u%s\n", s->ac_lost ? 1u : 0u, id);
    }
    if ((v->channels & RC_EXPORT_CH_STATE) && (all || s->ch_state != v->last.ch_state)) {
        change(v);
        var_id(id, 3);
        fprintf(v->out, "b%u%u %s\n", (s->ch_state >> 1) & 1u, s->ch_state & 1u, id);
    }
    v->last = *s;
    v->have_sample = true;
}

static int on_rows(void *ctx, const rc_sample *s, const double *const *extra, size_t n)
{
    vcd_export *v = ctx;
    for (size_t i = 0; i < n; i++) {
        write_events_until(v, s[i].t_us);
        set_time(v, s[i].t_us);
        write_sample(v, &s[i], v->with_ref ? (float)extra[0][i] : 0.0f);
    }
    v->stats->samples += n;
    return ferror(v->out) ? 1 : 0;
}

static void write_header(vcd_export *v, rc_trace *t)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    time_t start = (time_t)(h->start_unix_us / 1000000);
    struct tm tm;
    char date[64] = "unknown";
    if (gmtime_r(&start, &tm))
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(v->out,
            "$date %s $end\n$version railcut %s $end\n"
            "$comment backend %s, scenario %s, %" PRIu32 " Hz $end\n"
            "$timescale 1 us $end\n$scope module railcut $end\n",
            date, RAILCUT_VERSION, h->backend, h->scenario, h->sample_rate_hz);
    static const char *const decl[] = {"real 64", "real 64", "wire 1", "wire 2"};
    static const char *const names[] = {"rail_v", "rail_a", "ac_lost", "ch_state"};
    char id[3];
    for (unsigned i = 0; i < 4; i++)
        if (v->channels & (1u << i)) {
            var_id(id, i);
            fprintf(v->out, "$var %s %s %s $end\n", decl[i], id, names[i]);
        }
    for (unsigned k = 0; k < MAX_KINDS; k++)
        if (v->used[k]) {
            const char *name = k ? rc_event_kind_name((rc_event_kind)k) : NULL;
            var_id(id, 4 + k);
            fprintf(v->out, "$var wire 1 %s ev_%s $end\n", id, name ? name : "other");
        }
    if (v->with_ref) {
        var_id(id, REF_VAR);
        fprintf(v->out, "$var real 64 %s " RC_REPLAY_REF_CHANNEL " $end\n", id);
    }
    fputs("$upscope $end\n$enddefinitions $end\n", v->out);
}

rc_status rc_export_vcd(rc_trace *t, FILE *out, const rc_export_options *opt,
                        rc_export_stats *stats, rc_error *err)
{
    vcd_export v = {.out = out, .channels = opt->channels, .stats = stats};
    /* VCD times are unsigned: the dump starts at the span's start, or 0. */
    int64_t start = opt->from_us > 0 ? opt->from_us : 0;
    for (unsigned k = 0; k < MAX_KINDS; k++)
        v.fall_us[k] = INT64_MAX;
    if (opt->channels & RC_EXPORT_EVENTS) {
        v.ev = rc_interop_events_in(t, start, opt->to_us, &v.n_ev);
        for (size_t i = 0; i < v.n_ev; i++)
            v.used[kind_slot(v.ev[i].kind)] = true;
    }
    size_t ref = 0;
    v.with_ref = (opt->channels & RC_EXPORT_REF_RAIL_V) && rc_interop_ref_channel(t, &ref);
    write_header(&v, t);
    /* Event wires start low; the sample variables get their first values
     * with the first sample. */
    v.now_us = v.at_us = start;
    fprintf(out, "#%" PRId64 "\n$dumpvars\n", start);
    for (unsigned k = 0; k < MAX_KINDS; k++)
        if (v.used[k])
            write_wire(&v, k, 0);
    fputs("$end\n", out);
    rc_status st = RC_OK;
    if (opt->channels & ~(unsigned)RC_EXPORT_EVENTS)
        st = rc_trace_read_rows(t, start, opt->to_us, &ref, v.with_ref ? 1 : 0, on_rows, &v,
                                err);
    if (st == RC_OK)
        write_events_until(&v, INT64_MAX - 1);
    return st;
}
