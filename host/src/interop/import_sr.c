/*
 * import_sr.c - a sigrok session (.sr) read as a trace.
 *
 * The session's `metadata` (INI, read with inih) gives the sample rate, the
 * logic probes (probeN, bit N-1 of each unitsize-byte logic sample) and the
 * analog channels (analogN). The data members are read as streams, in
 * lock-step and in batches, never whole:
 *   analog-1-N-K   float32 little-endian, chunks K = 1, 2, ... concatenated
 *   logic-1-K      (capturefile-K; or capturefile alone in old sessions)
 * The rail is the analog channel named by the options, else one named
 * "rail_v", else the first analog channel; "rail_a" and "ch_state" analog
 * channels and an "ac_lost" logic probe are taken when present, so a
 * session written by `railcut export --format sr` reads back whole.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include <zip.h>

#include "interop/interop_internal.h"

#define MAX_CHANNELS 512
#define MAX_META_BYTES (64u * 1024u)
#define BATCH 4096

typedef struct sr_meta {
    uint64_t rate_hz;
    unsigned n_probes, n_analog, unitsize;
    char capturefile[64];
    int rail, rail_a, ch_state; /* analog index (1-based, as in the names); 0 = none */
    int ac_lost_bit;            /* -1 = none */
    int first_analog;
    const char *want_rail;
    bool want_rail_found;
    bool bad_rate;
} sr_meta;

/* A member stream: chunk files name-1, name-2, ... read as one. */
typedef struct sr_stream {
    zip_t *za;
    char prefix[64];
    bool single; /* the member is the prefix itself (no chunk numbers) */
    int chunk;
    zip_file_t *f;
    bool done;
} sr_stream;

static bool parse_rate(const char *v, uint64_t *out)
{
    char *end;
    double x = strtod(v, &end);
    while (*end == ' ')
        end++;
    double mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1e3, end++;
    else if (*end == 'M')
        mult = 1e6, end++;
    else if (*end == 'G')
        mult = 1e9, end++;
    if (*end && strcmp(end, "Hz") != 0)
        return false;
    double hz = x * mult;
    if (!(hz >= 1 && hz <= 1e12) || hz != floor(hz))
        return false;
    *out = (uint64_t)hz;
    return true;
}

static int on_meta(void *user, const char *section, const char *name, const char *value)
{
    sr_meta *m = user;
    if (strcmp(section, "device 1") != 0)
        return 1;
    unsigned idx;
    char tail;
    if (strcmp(name, "samplerate") == 0) {
        m->bad_rate = !parse_rate(value, &m->rate_hz);
    } else if (strcmp(name, "total probes") == 0) {
        m->n_probes = (unsigned)strtoul(value, NULL, 10);
    } else if (strcmp(name, "total analog") == 0) {
        m->n_analog = (unsigned)strtoul(value, NULL, 10);
    } else if (strcmp(name, "unitsize") == 0) {
        m->unitsize = (unsigned)strtoul(value, NULL, 10);
    } else if (strcmp(name, "capturefile") == 0) {
        snprintf(m->capturefile, sizeof m->capturefile, "%s", value);
    } else if (sscanf(name, "probe%u%c", &idx, &tail) == 1 && idx >= 1 && idx <= 64) {
        if (strcmp(value, "ac_lost") == 0)
            m->ac_lost_bit = (int)idx - 1;
    } else if (sscanf(name, "analog%u%c", &idx, &tail) == 1 && idx >= 1 &&
               idx <= MAX_CHANNELS) {
        if (m->first_analog == 0 || (int)idx < m->first_analog)
            m->first_analog = (int)idx;
        if (m->want_rail ? strcmp(value, m->want_rail) == 0 : strcmp(value, "rail_v") == 0) {
            m->rail = (int)idx;
            m->want_rail_found = true;
        }
        if (strcmp(value, "rail_a") == 0)
            m->rail_a = (int)idx;
        if (strcmp(value, "ch_state") == 0)
            m->ch_state = (int)idx;
    }
    return 1;
}

static rc_status read_member_text(zip_t *za, const char *path, const char *name, char **out,
                                  rc_error *err)
{
    zip_stat_t st;
    if (zip_stat(za, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return rc_error_set(err, RC_ERR_FORMAT, "%s: no '%s' member: not a sigrok session",
                            path, name);
    if (st.size > MAX_META_BYTES)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: '%s' is too large (%" PRIu64 " bytes)",
                            path, name, (uint64_t)st.size);
    char *text = malloc((size_t)st.size + 1);
    zip_file_t *f = text ? zip_fopen(za, name, 0) : NULL;
    zip_int64_t got = f ? zip_fread(f, text, st.size) : -1;
    if (f)
        zip_fclose(f);
    if (got != (zip_int64_t)st.size) {
        free(text);
        return rc_error_set(err, RC_ERR_FORMAT, "%s: '%s': %s", path, name,
                            text ? "cannot be read (truncated or corrupt)" : "out of memory");
    }
    text[st.size] = '\0';
    *out = text;
    return RC_OK;
}

static rc_status read_meta(zip_t *za, const char *path, sr_meta *m, rc_error *err)
{
    char *text;
    rc_status st = read_member_text(za, path, "version", &text, err);
    if (st != RC_OK)
        return st;
    bool v2 = strncmp(text, "2", 1) == 0;
    free(text);
    if (!v2)
        return rc_error_set(err, RC_ERR_UNSUPPORTED, "%s: sigrok session version is not 2",
                            path);
    st = read_member_text(za, path, "metadata", &text, err);
    if (st != RC_OK)
        return st;
    int line = ini_parse_string(text, on_meta, m);
    free(text);
    if (line != 0)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: metadata:%d: not INI", path, line);
    if (m->bad_rate || m->rate_hz == 0)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: metadata: no usable samplerate", path);
    if (m->rate_hz > 1000000u)
        return rc_error_set(err, RC_ERR_UNSUPPORTED,
                            "%s: %" PRIu64 " Hz is above 1 MHz: trace times are microseconds",
                            path, m->rate_hz);
    if (m->want_rail && !m->want_rail_found)
        return rc_error_set(err, RC_ERR_NOT_FOUND, "%s: no analog channel named '%s'", path,
                            m->want_rail);
    if (!m->rail)
        m->rail = m->first_analog;
    if (!m->rail)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: no analog channel to read as the rail",
                            path);
    if (m->ac_lost_bit >= 0 &&
        (m->unitsize == 0 || m->unitsize > 8 || (unsigned)m->ac_lost_bit >= 8 * m->unitsize ||
         !m->capturefile[0]))
        return rc_error_set(err, RC_ERR_FORMAT, "%s: metadata: bad logic layout", path);
    return RC_OK;
}

static void stream_init(sr_stream *s, zip_t *za, const char *prefix)
{
    *s = (sr_stream){.za = za};
    snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
    s->single = zip_name_locate(za, prefix, 0) >= 0;
}

/* Reads up to n bytes, moving on to the next chunk member as each ends.
 * Returns the count, or -1 when a member cannot be read. */
static zip_int64_t stream_read(sr_stream *s, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n && !s->done) {
        if (!s->f) {
            char name[96];
            if (s->single && s->chunk > 0) {
                s->done = true;
                break;
            }
            s->chunk++;
            if (s->single)
                snprintf(name, sizeof name, "%s", s->prefix);
            else
                snprintf(name, sizeof name, "%s-%d", s->prefix, s->chunk);
            if (zip_name_locate(s->za, name, 0) < 0) {
                s->done = true;
                break;
            }
            s->f = zip_fopen(s->za, name, 0);
            if (!s->f)
                return -1;
        }
        zip_int64_t r = zip_fread(s->f, buf + got, n - got);
        if (r < 0)
            return -1;
        if (r == 0) {
            zip_fclose(s->f);
            s->f = NULL;
        }
        got += (size_t)r;
    }
    return (zip_int64_t)got;
}

static void stream_close(sr_stream *s)
{
    if (s->f)
        zip_fclose(s->f);
    s->f = NULL;
}

static float le_float(const unsigned char *p)
{
    uint32_t u =
        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

typedef struct sr_reader {
    sr_meta meta;
    sr_stream rail, rail_a, ch_state, logic;
    unsigned char rail_buf[BATCH * 4], a_buf[BATCH * 4], s_buf[BATCH * 4], l_buf[BATCH * 8];
    rc_sample out[BATCH];
} sr_reader;

/* Reads exactly n samples' bytes from an optional stream. */
static rc_status read_lane(sr_stream *s, bool present, unsigned char *buf, size_t bytes,
                           const char *path, rc_error *err)
{
    if (!present)
        return RC_OK;
    zip_int64_t got = stream_read(s, buf, bytes);
    if (got < 0)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: %s: cannot be read (truncated or corrupt)",
                            path, s->prefix);
    if ((size_t)got != bytes)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: %s ends before the rail channel", path,
                            s->prefix);
    return RC_OK;
}

static rc_status read_samples(sr_reader *r, const char *path, rc_import_out *o, rc_error *err)
{
    const sr_meta *m = &r->meta;
    uint64_t k = 0;
    for (;;) {
        zip_int64_t got = stream_read(&r->rail, r->rail_buf, sizeof r->rail_buf);
        if (got < 0)
            return rc_error_set(err, RC_ERR_FORMAT,
                                "%s: %s: cannot be read (truncated or corrupt)", path,
                                r->rail.prefix);
        if (got % 4 != 0)
            return rc_error_set(err, RC_ERR_FORMAT, "%s: %s: not a whole number of floats",
                                path, r->rail.prefix);
        size_t n = (size_t)got / 4;
        if (n == 0)
            break;
        rc_status st = read_lane(&r->rail_a, m->rail_a, r->a_buf, n * 4, path, err);
        if (st == RC_OK)
            st = read_lane(&r->ch_state, m->ch_state, r->s_buf, n * 4, path, err);
        if (st == RC_OK)
            st =
                read_lane(&r->logic, m->ac_lost_bit >= 0, r->l_buf, n * m->unitsize, path, err);
        if (st != RC_OK)
            return st;
        for (size_t i = 0; i < n; i++, k++) {
            rc_sample *s = &r->out[i];
            s->t_us = (int64_t)(k * 1000000u / m->rate_hz);
            s->rail_v = le_float(r->rail_buf + 4 * i);
            s->rail_a = m->rail_a ? le_float(r->a_buf + 4 * i) : NAN;
            float state = m->ch_state ? le_float(r->s_buf + 4 * i) : 0.0f;
            s->ch_state = state >= 0 && state <= 3 ? (uint8_t)state : 0;
            s->ac_lost = 0;
            if (m->ac_lost_bit >= 0) {
                const unsigned char *u = r->l_buf + i * m->unitsize;
                s->ac_lost = (u[m->ac_lost_bit / 8] >> (m->ac_lost_bit % 8)) & 1u;
            }
        }
        st = rc_import_out_samples(o, (uint32_t)m->rate_hz, r->out, n, err);
        if (st != RC_OK)
            return st;
        if (k > (uint64_t)INT64_MAX / 4000000u)
            return rc_error_set(err, RC_ERR_FORMAT, "%s: capture is too long", path);
    }
    if (k == 0)
        return rc_error_set(err, RC_ERR_FORMAT, "%s: %s: no samples", path, r->rail.prefix);
    return RC_OK;
}

rc_status rc_import_sr(const char *path, const rc_import_options *opt, rc_import_out *o,
                       rc_error *err)
{
    int zerr;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        rc_status st = rc_error_set(err, RC_ERR_FORMAT, "%s: not a sigrok session: %s", path,
                                    zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    sr_reader *r = calloc(1, sizeof *r);
    if (!r) {
        zip_close(za);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    r->meta.ac_lost_bit = -1;
    r->meta.want_rail = opt->rail_channel;
    rc_status st = read_meta(za, path, &r->meta, err);
    if (st == RC_OK) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "analog-1-%d", r->meta.rail);
        stream_init(&r->rail, za, prefix);
        snprintf(prefix, sizeof prefix, "analog-1-%d", r->meta.rail_a);
        stream_init(&r->rail_a, za, prefix);
        snprintf(prefix, sizeof prefix, "analog-1-%d", r->meta.ch_state);
        stream_init(&r->ch_state, za, prefix);
        stream_init(&r->logic, za, r->meta.capturefile);
        st = read_samples(r, path, o, err);
    }
    stream_close(&r->rail);
    stream_close(&r->rail_a);
    stream_close(&r->ch_state);
    stream_close(&r->logic);
    free(r);
    zip_discard(za);
    return st;
}
