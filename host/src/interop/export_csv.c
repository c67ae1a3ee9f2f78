/*
 * export_csv.c - a trace as CSV: one row per sample, units in the column
 * names, events as `#` comment lines in time order.
 *
 *   # railcut export: backend sim, scenario ota, 1000 Hz
 *   time_s,rail_v,rail_a,ac_lost,ch_state
 *   0.000000,0.000,0.000000,0,0
 *   # event,181.500000,ad1,0,ch-model
 *
 * A replay's trace adds its reference rail as a last column, ref_rail_v
 * (volts, three decimals).
 *
 * Times are exact (microseconds as seconds with six decimals), volts have
 * three decimals and amps six, so the file is itself a valid CSV waveform
 * (docs/profile-language.md) and reads back with `railcut import` or
 * `railcut run`. A value the trace does not hold (NaN) is an empty cell.
 * Rows are formatted by hand into one buffer: printf per cell would cost
 * more than the trace read.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "interop/interop_internal.h"

typedef struct csv_export {
    FILE *out;
    unsigned channels;
    const rc_event *ev; /* events of the span not yet written */
    size_t n_ev;
    rc_export_stats *stats;
} csv_export;

static void write_event(csv_export *c, const rc_event *ev)
{
    char t[32], text[RC_EVENT_TEXT_MAX];
    rc_interop_format_us(t, ev->t_us);
    size_t i = 0;
    for (; i + 1 < sizeof text && ev->text[i]; i++)
        text[i] = ev->text[i] == '\n' || ev->text[i] == '\r' ? ' ' : ev->text[i];
    text[i] = '\0';
    const char *kind = rc_event_kind_name((rc_event_kind)ev->kind);
    fprintf(c->out, "# event,%s,%s,%" PRId32 ",%s\n", t, kind ? kind : "unknown", ev->value,
            text);
    c->stats->events++;
}

/* Writes the events before time t_us (all of them when t_us is INT64_MAX). */
static void write_events_before(csv_export *c, int64_t t_us, bool inclusive)
{
    while (c->n_ev > 0 && (c->ev->t_us < t_us || (inclusive && c->ev->t_us == t_us))) {
        write_event(c, c->ev);
        c->ev++;
        c->n_ev--;
    }
}

static int on_rows(void *ctx, const rc_sample *s, const double *const *extra, size_t n)
{
    csv_export *c = ctx;
    char row[160];
    for (size_t i = 0; i < n; i++) {
        write_events_before(c, s[i].t_us, true);
        int len = rc_interop_format_us(row, s[i].t_us);
        if (c->channels & RC_EXPORT_RAIL_V) {
            row[len++] = ',';
            len += rc_interop_format_fixed(row + len, s[i].rail_v, 3, false);
        }
        if (c->channels & RC_EXPORT_RAIL_A) {
            row[len++] = ',';
            len += rc_interop_format_fixed(row + len, s[i].rail_a, 6, false);
        }
        /* Both are single digits: 0/1 and 0..3. */
        if (c->channels & RC_EXPORT_AC_LOST) {
            row[len++] = ',';
            row[len++] = s[i].ac_lost ? '1' : '0';
        }
        if (c->channels & RC_EXPORT_CH_STATE) {
            row[len++] = ',';
            row[len++] = (char)('0' + (s[i].ch_state > 9 ? 9 : s[i].ch_state));
        }
        if (c->channels & RC_EXPORT_REF_RAIL_V) {
            row[len++] = ',';
            len += rc_interop_format_fixed(row + len, extra[0][i], 3, false);
        }
        assert(len < (int)sizeof row - 1);
        row[len++] = '\n';
        fwrite(row, 1, (size_t)len, c->out);
    }
    c->stats->samples += n;
    return ferror(c->out) ? 1 : 0;
}

rc_status rc_export_csv(rc_trace *t, FILE *out, const rc_export_options *opt,
                        rc_export_stats *stats, rc_error *err)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    csv_export c = {out, opt->channels, NULL, 0, stats};
    if (opt->channels & RC_EXPORT_EVENTS)
        c.ev = rc_interop_events_in(t, opt->from_us, opt->to_us, &c.n_ev);
    fprintf(out, "# railcut export: backend %s, scenario %s, %" PRIu32 " Hz\n",
            h->backend[0] ? h->backend : "-", h->scenario[0] ? h->scenario : "-",
            h->sample_rate_hz);
    if (opt->channels & RC_EXPORT_EVENTS)
        fputs("# events: # event,time_s,kind,value,text\n", out);
    fputs("time_s", out);
    static const char *const names[] = {",rail_v", ",rail_a", ",ac_lost", ",ch_state"};
    for (unsigned i = 0; i < 4; i++)
        if (opt->channels & (1u << i))
            fputs(names[i], out);
    size_t ref = 0;
    bool with_ref = (opt->channels & RC_EXPORT_REF_RAIL_V) && rc_interop_ref_channel(t, &ref);
    if (with_ref)
        fputs("," RC_REPLAY_REF_CHANNEL, out);
    fputc('\n', out);
    rc_status st = RC_OK;
    if (opt->channels & ~(unsigned)RC_EXPORT_EVENTS)
        st = rc_trace_read_rows(t, opt->from_us, opt->to_us, &ref, with_ref ? 1 : 0, on_rows, &c,
                                err);
    if (st == RC_OK)
        write_events_before(&c, INT64_MAX, true);
    return st;
}
