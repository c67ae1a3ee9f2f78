/*
 * export_sr.c - a trace as a sigrok session file (.sr), for PulseView and
 * sigrok-cli.
 *
 * A session is a zip archive (format version 2) holding:
 *   version          "2"
 *   metadata         INI: [global] sigrok version; [device 1] samplerate,
 *                    total probes (logic), probeN names, total analog,
 *                    analogN names (N counts on after the logic probes),
 *                    capturefile and unitsize for the logic data
 *   logic-1-1        one byte per sample, bit 0 = ac_lost
 *   analog-1-N-1     little-endian float32 per sample, one member per
 *                    analog channel (rail_v, rail_a, ch_state, and a
 *                    replay's reference rail ref_rail_v)
 * Sigrok sessions have one sample rate and no gaps, so the trace is put on
 * the grid t0 + k / rate (the header's rate; t0 = the first sample of the
 * span), each grid point taking the last trace sample at or before it.
 * A trace recorded at that rate comes out unchanged.
 *
 * libzip writes the archive when it is closed, pulling each member from a
 * source callback: each member is produced there from the trace in ranges
 * of RC_INTEROP_CHUNK_SAMPLES grid points, so memory stays flat. Deflate
 * runs at level 1: the rails are mostly constant and compress well anyway,
 * and the higher levels cost several times the time for a few percent.
 * docs/interop.md says why libzip rather than libsigrok's own srzip writer.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "interop/interop_internal.h"

enum { LANE_RAIL_V, LANE_RAIL_A, LANE_CH_STATE, LANE_REF, LANE_LOGIC, N_LANES };

typedef struct grid {
    int64_t t0_us;
    uint32_t rate_hz;
    uint64_t n; /* grid points */
} grid;

/* One member being produced: a cursor over the grid and a buffer of bytes. */
typedef struct sr_member {
    rc_trace *t;
    const grid *g;
    int lane;
    uint64_t k;      /* next grid point to produce */
    rc_sample carry; /* last trace sample at or before grid point k */
    double carry_ref; /* its reference rail (LANE_REF) */
    size_t ref;       /* the reference channel (LANE_REF) */
    unsigned char *buf;
    size_t buf_len, buf_pos;
    size_t fill; /* grid points put in buf by the current read */
    size_t want;
    zip_error_t zerr;
    rc_error *err; /* the first trace error, for the caller's message */
    rc_status *status;
} sr_member;

static size_t lane_size(int lane)
{
    return lane == LANE_LOGIC ? 1 : 4;
}

static int64_t grid_time(const grid *g, uint64_t k)
{
    return g->t0_us + (int64_t)((k * 1000000u) / g->rate_hz);
}

static void put_value(sr_member *m, const rc_sample *s)
{
    unsigned char *p = m->buf + m->fill * lane_size(m->lane);
    if (m->lane == LANE_LOGIC) {
        *p = s->ac_lost ? 1 : 0;
    } else {
        float f = m->lane == LANE_RAIL_V   ? s->rail_v
                  : m->lane == LANE_RAIL_A ? s->rail_a
                  : m->lane == LANE_REF    ? (float)m->carry_ref
                                           : (float)s->ch_state;
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        for (int i = 0; i < 4; i++)
            p[i] = (unsigned char)(u >> (8 * i)); /* little-endian on any host */
    }
    m->fill++;
}

static int on_rows(void *ctx, const rc_sample *s, const double *const *extra, size_t n)
{
    sr_member *m = ctx;
    for (size_t i = 0; i < n; i++) {
        while (m->fill < m->want && grid_time(m->g, m->k + m->fill) < s[i].t_us)
            put_value(m, &m->carry);
        m->carry = s[i];
        if (m->lane == LANE_REF)
            m->carry_ref = extra[0][i];
    }
    return 0;
}

/* Produces the next range of grid points into buf. */
static bool produce(sr_member *m)
{
    uint64_t left = m->g->n - m->k;
    m->want = left < RC_INTEROP_CHUNK_SAMPLES ? (size_t)left : RC_INTEROP_CHUNK_SAMPLES;
    m->fill = 0;
    if (m->want == 0)
        return true;
    /* The carry holds the samples up to the previous grid point. */
    int64_t from = m->k > 0 ? grid_time(m->g, m->k - 1) + 1 : grid_time(m->g, 0);
    int64_t to = grid_time(m->g, m->k + m->want - 1) + 1;
    rc_status st = rc_trace_read_rows(m->t, from, to, &m->ref, m->lane == LANE_REF ? 1 : 0,
                                      on_rows, m, m->err);
    if (st != RC_OK) {
        *m->status = st;
        return false;
    }
    while (m->fill < m->want)
        put_value(m, &m->carry);
    m->k += m->want;
    m->buf_len = m->want * lane_size(m->lane);
    m->buf_pos = 0;
    return true;
}

static zip_int64_t member_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    sr_member *m = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        m->k = 0;
        m->buf_len = m->buf_pos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        if (m->buf_pos == m->buf_len && m->k < m->g->n && !produce(m)) {
            zip_error_set(&m->zerr, ZIP_ER_READ, 0);
            return -1;
        }
        size_t n = m->buf_len - m->buf_pos;
        if (n > len)
            n = (size_t)len;
        memcpy(data, m->buf + m->buf_pos, n);
        m->buf_pos += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE: return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->size = m->g->n * lane_size(m->lane);
        st->valid |= ZIP_STAT_SIZE;
        return sizeof *st;
    }
    case ZIP_SOURCE_ERROR: return zip_error_to_data(&m->zerr, data, len);
    case ZIP_SOURCE_FREE: return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
                                              ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default: zip_error_set(&m->zerr, ZIP_ER_OPNOTSUPP, 0); return -1;
    }
}

static int first_sample(void *ctx, const rc_sample *s, size_t n)
{
    if (n > 0)
        *(rc_sample *)ctx = s[0];
    return 1;
}

static int last_sample(void *ctx, const rc_sample *s, size_t n)
{
    if (n > 0)
        *(rc_sample *)ctx = s[n - 1];
    return 0;
}

/* The grid: from the first sample of the span to the last, at the header's
 * rate. The last sample is looked for in growing windows before the end. */
static rc_status make_grid(rc_trace *t, const rc_export_options *opt, grid *g, rc_error *err)
{
    const rc_trace_stats *ts = rc_trace_get_stats(t);
    g->rate_hz = rc_trace_get_header(t)->sample_rate_hz;
    if (g->rate_hz == 0 || g->rate_hz > 1000000u)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "sample rate %" PRIu32 " Hz cannot be written as a sigrok session",
                            g->rate_hz);
    rc_sample first = {.t_us = INT64_MIN}, last = {.t_us = INT64_MIN};
    rc_status st =
        rc_trace_read_samples(t, opt->from_us, opt->to_us, first_sample, &first, err);
    g->n = 0;
    if (st != RC_OK || first.t_us == INT64_MIN)
        return st;
    int64_t end = opt->to_us < ts->last_us ? opt->to_us : ts->last_us + 1;
    for (int64_t window = 1000000; last.t_us == INT64_MIN; window *= 4) {
        int64_t from = end - window > first.t_us ? end - window : first.t_us;
        st = rc_trace_read_samples(t, from, end, last_sample, &last, err);
        if (st != RC_OK)
            return st;
        assert(last.t_us != INT64_MIN || from > first.t_us);
    }
    g->t0_us = first.t_us;
    g->n = (uint64_t)(last.t_us - first.t_us) * g->rate_hz / 1000000u + 1;
    return RC_OK;
}

static void rate_text(char *buf, size_t len, uint32_t hz)
{
    if (hz % 1000000u == 0)
        snprintf(buf, len, "%" PRIu32 " MHz", hz / 1000000u);
    else if (hz % 1000u == 0)
        snprintf(buf, len, "%" PRIu32 " kHz", hz / 1000u);
    else
        snprintf(buf, len, "%" PRIu32 " Hz", hz);
}

static void metadata(char *buf, size_t len, const grid *g, unsigned channels)
{
    static const char *const names[] = {"rail_v", "rail_a", "ch_state", RC_REPLAY_REF_CHANNEL};
    static const unsigned bits[] = {RC_EXPORT_RAIL_V, RC_EXPORT_RAIL_A, RC_EXPORT_CH_STATE,
                                    RC_EXPORT_REF_RAIL_V};
    bool logic = channels & RC_EXPORT_AC_LOST;
    unsigned n_analog = 0;
    for (int i = 0; i < 4; i++)
        n_analog += (channels & bits[i]) != 0;
    char rate[32];
    rate_text(rate, sizeof rate, g->rate_hz);
    int w = snprintf(buf, len,
                     "[global]\nsigrok version=0.5.2\n\n[device 1]\n%s"
                     "total probes=%d\nsamplerate=%s\ntotal analog=%u\n%s",
                     logic ? "capturefile=logic-1\n" : "", logic ? 1 : 0, rate, n_analog,
                     logic ? "probe1=ac_lost\n" : "");
    unsigned index = logic ? 2 : 1;
    for (int i = 0; i < 4; i++)
        if (channels & bits[i])
            w += snprintf(buf + w, len - (size_t)w, "analog%u=%s\n", index++, names[i]);
    if (logic)
        snprintf(buf + w, len - (size_t)w, "unitsize=1\n");
}

static rc_status add_buffer(zip_t *za, const char *name, const char *text, rc_error *err)
{
    zip_source_t *src = zip_source_buffer(za, text, strlen(text), 0);
    if (!src || zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(src);
        return rc_error_set(err, RC_ERR_IO, "zip: %s", zip_strerror(za));
    }
    return RC_OK;
}

static rc_status add_member(zip_t *za, const char *name, sr_member *m, rc_error *err)
{
    zip_source_t *src = zip_source_function(za, member_cb, m);
    zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
        zip_source_free(src);
        return rc_error_set(err, RC_ERR_IO, "zip: %s", zip_strerror(za));
    }
    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 1);
    return RC_OK;
}

rc_status rc_export_sr(rc_trace *t, const char *out_path, const rc_export_options *opt,
                       rc_export_stats *stats, rc_error *err)
{
    unsigned channels = opt->channels & ~(unsigned)RC_EXPORT_EVENTS;
    if (channels == 0)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "a sigrok session holds samples, not events: select a channel");
    grid g;
    rc_status st = make_grid(t, opt, &g, err);
    if (st != RC_OK)
        return st;
    int zerr;
    zip_t *za = zip_open(out_path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        st = rc_error_set(err, RC_ERR_IO, "%s: %s", out_path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    size_t ref = 0;
    if ((channels & RC_EXPORT_REF_RAIL_V) && !rc_interop_ref_channel(t, &ref))
        channels &= ~(unsigned)RC_EXPORT_REF_RAIL_V;
    char meta[512];
    metadata(meta, sizeof meta, &g, channels);
    static const unsigned bits[N_LANES] = {RC_EXPORT_RAIL_V, RC_EXPORT_RAIL_A,
                                           RC_EXPORT_CH_STATE, RC_EXPORT_REF_RAIL_V,
                                           RC_EXPORT_AC_LOST};
    sr_member members[N_LANES];
    rc_status member_status = RC_OK;
    rc_error member_err = {{0}};
    size_t n_members = 0;
    st = add_buffer(za, "version", "2", err);
    if (st == RC_OK)
        st = add_buffer(za, "metadata", meta, err);
    unsigned analog_index = (channels & RC_EXPORT_AC_LOST) ? 2 : 1;
    for (int lane = 0; lane < N_LANES && st == RC_OK; lane++) {
        if (!(channels & bits[lane]))
            continue;
        sr_member *m = &members[n_members];
        *m = (sr_member){
            .t = t, .g = &g, .lane = lane, .ref = ref, .err = &member_err,
            .status = &member_status};
        zip_error_init(&m->zerr);
        m->buf = malloc(RC_INTEROP_CHUNK_SAMPLES * lane_size(lane));
        if (!m->buf) {
            st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
            break;
        }
        n_members++;
        char name[32];
        if (lane == LANE_LOGIC)
            snprintf(name, sizeof name, "logic-1-1");
        else
            snprintf(name, sizeof name, "analog-1-%u-1", analog_index++);
        st = add_member(za, name, m, err);
    }
    if (st == RC_OK && zip_close(za) != 0) {
        st = member_status != RC_OK
                 ? rc_error_set(err, member_status, "%s", member_err.msg)
                 : rc_error_set(err, RC_ERR_IO, "%s: %s", out_path, zip_strerror(za));
    }
    if (st != RC_OK) {
        zip_discard(za);
        remove(out_path);
    }
    for (size_t i = 0; i < n_members; i++) {
        free(members[i].buf);
        zip_error_fini(&members[i].zerr);
    }
    if (st == RC_OK)
        stats->samples = g.n;
    return st;
}
