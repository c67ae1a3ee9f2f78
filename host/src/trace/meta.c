/*
 * meta.c - the JSON payloads of a trace: HEAD (run metadata) and PROF (the
 * compiled profile).
 *
 * Both are single JSON objects written with cJSON, unformatted. Integers are
 * JSON numbers and must lie within +-2^53 so that a double holds them
 * exactly; the writer refuses anything larger rather than store it rounded.
 * Enumerations in PROF are stored as their C values (they are stable: see
 * railcut/profile.h). Only the source text may be null. Decoding ignores members it does
 * not know, so a newer minor version can add some; it checks every member
 * it uses, and the profile as a whole with rc_prof_check, so a reader never
 * hands out an index that points nowhere.
 */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "trace/format.h"

/* ---- Encoding -------------------------------------------------------------- */

/* Adds an integer member; false when it cannot be stored exactly. It is
 * printed by us, in plain decimal, because cJSON would print a double
 * (1700000000000000 as "1.7e+15"). */
static bool add_int(cJSON *obj, const char *key, int64_t v)
{
    if (v > RC_JSON_INT_MAX || v < -RC_JSON_INT_MAX)
        return false;
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    return cJSON_AddRawToObject(obj, key, text) != NULL;
}

static bool add_str(cJSON *obj, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key)) != NULL;
}

static bool add_bool(cJSON *obj, const char *key, bool b)
{
    return cJSON_AddBoolToObject(obj, key, b) != NULL;
}

/* "2026-11-25T08:45:18.000000Z": for people reading the file; the reader
 * uses start_unix_us. */
static void format_utc(int64_t unix_us, char *buf, size_t len)
{
    int64_t secs = unix_us / 1000000, frac = unix_us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, len, "invalid");
        return;
    }
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06lldZ", date, (long long)frac);
}

static rc_status print_or_fail(cJSON *root, bool ok, const char *what, char **out,
                               rc_error *err)
{
    *out = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!ok)
        return rc_error_set(err, RC_ERR_ARG,
                            "trace %s: a value is out of range (integers are limited to "
                            "+-2^53), a name is missing, or memory ran out",
                            what);
    if (!*out)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory encoding the trace %s", what);
    return RC_OK;
}

rc_status rc_head_encode(const rc_trace_header *hdr, char **out, rc_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory encoding the trace header");
    char utc[64];
    format_utc(hdr->start_unix_us, utc, sizeof utc);
    bool ok =
        add_str(root, "start_utc", utc) && add_int(root, "start_unix_us", hdr->start_unix_us) &&
        add_str(root, "railcut_version", hdr->railcut_version ? hdr->railcut_version : "") &&
        add_str(root, "backend", hdr->backend ? hdr->backend : "") &&
        add_str(root, "scenario", hdr->scenario ? hdr->scenario : "") &&
        add_str(root, "profile_path", hdr->profile_path ? hdr->profile_path : "") &&
        add_int(root, "sample_rate_hz", hdr->sample_rate_hz);
    cJSON *thr = ok ? cJSON_AddObjectToObject(root, "thresholds") : NULL;
    ok = thr && add_int(thr, "outage_below_mv", hdr->outage_below_mv) &&
         add_int(thr, "restore_above_mv", hdr->restore_above_mv);
    cJSON *model = ok ? cJSON_AddObjectToObject(root, "model") : NULL;
    ok = model != NULL;
    for (size_t i = 0; ok && i < hdr->n_model_params; i++) {
        const rc_kv *kv = &hdr->model_params[i];
        ok = kv->key && add_str(model, kv->key, kv->value ? kv->value : "");
    }
    return print_or_fail(root, ok, "header", out, err);
}

static bool encode_segment(cJSON *arr, const rc_segment *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return add_int(o, "kind", s->kind) && add_int(o, "start_us", s->start_us) &&
           add_int(o, "duration_us", s->duration_us) && add_int(o, "from_mv", s->from_mv) &&
           add_int(o, "to_mv", s->to_mv) && add_bool(o, "rail_on", s->rail_on) &&
           add_bool(o, "ac_lost", s->ac_lost) && add_int(o, "wait_on", s->wait_on) &&
           add_int(o, "file", s->file) && add_int(o, "line", s->line);
}

static bool encode_mark(cJSON *arr, const rc_mark *m)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return add_str(o, "name", m->name) && add_int(o, "segment", (int64_t)m->segment);
}

static bool encode_expect(cJSON *arr, const rc_expect *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return add_int(o, "kind", e->kind) && add_int(o, "mark", e->mark) &&
           add_int(o, "lo_us", e->lo_us) && add_int(o, "hi_us", e->hi_us) &&
           add_int(o, "bound_us", e->bound_us) && add_str(o, "text", e->text) &&
           add_int(o, "file", e->file) && add_int(o, "line", e->line);
}

static bool encode_param(cJSON *arr, const rc_param *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return add_str(o, "name", p->name) && add_str(o, "value", p->value) &&
           add_bool(o, "overridden", p->overridden);
}

static bool encode_string(cJSON *arr, const char *s)
{
    cJSON *item = s ? cJSON_CreateString(s) : cJSON_CreateNull();
    if (!item || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

rc_status rc_prof_encode(const rc_profile *p, char **out, rc_error *err)
{
    *out = NULL;
    rc_status st = rc_prof_check(p, err);
    if (st != RC_OK)
        return rc_error_prefix(err, RC_ERR_ARG, "profile cannot be stored in a trace");
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory encoding the trace profile");
    bool ok = add_int(root, "scenario", p->scenario) &&
              add_int(root, "nominal_mv", p->nominal_mv) &&
              add_int(root, "observe_us", p->observe_us) &&
              add_int(root, "nominal_us", p->nominal_us);
    cJSON *segs = ok ? cJSON_AddArrayToObject(root, "segments") : NULL;
    ok = segs != NULL;
    for (size_t i = 0; ok && i < p->n_segs; i++)
        ok = encode_segment(segs, &p->segs[i]);
    cJSON *marks = ok ? cJSON_AddArrayToObject(root, "marks") : NULL;
    ok = marks != NULL;
    for (size_t i = 0; ok && i < p->n_marks; i++)
        ok = encode_mark(marks, &p->marks[i]);
    cJSON *expects = ok ? cJSON_AddArrayToObject(root, "expects") : NULL;
    ok = expects != NULL;
    for (size_t i = 0; ok && i < p->n_expects; i++)
        ok = encode_expect(expects, &p->expects[i]);
    cJSON *params = ok ? cJSON_AddArrayToObject(root, "params") : NULL;
    ok = params != NULL;
    for (size_t i = 0; ok && i < p->n_params; i++)
        ok = encode_param(params, &p->params[i]);
    cJSON *files = ok ? cJSON_AddArrayToObject(root, "files") : NULL;
    ok = files != NULL;
    for (size_t i = 0; ok && i < p->n_files; i++)
        ok = encode_string(files, p->files[i]);
    ok = ok && add_str(root, "source", p->source);
    return print_or_fail(root, ok, "profile", out, err);
}

/* ---- Decoding -------------------------------------------------------------- */

static rc_status get_int(const cJSON *obj, const char *key, int64_t lo, int64_t hi,
                         int64_t *out, rc_error *err)
{
    assert(lo >= -RC_JSON_INT_MAX && hi <= RC_JSON_INT_MAX);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item))
        return rc_error_set(err, RC_ERR_FORMAT, "member \"%s\" missing or not a number", key);
    double d = item->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
        return rc_error_set(err, RC_ERR_FORMAT, "member \"%s\" out of range", key);
    *out = (int64_t)d;
    return RC_OK;
}

static rc_status get_i32(const cJSON *obj, const char *key, int64_t lo, int64_t hi,
                         int32_t *out, rc_error *err)
{
    int64_t v = 0;
    rc_status st = get_int(obj, key, lo, hi, &v, err);
    *out = (int32_t)v;
    return st;
}

static rc_status get_bool(const cJSON *obj, const char *key, bool *out, rc_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsBool(item))
        return rc_error_set(err, RC_ERR_FORMAT, "member \"%s\" missing or not a boolean", key);
    *out = cJSON_IsTrue(item);
    return RC_OK;
}

/* Copies a string or null item; *out stays NULL for null. */
static rc_status dup_item(const cJSON *item, const char *key, char **out, rc_error *err)
{
    *out = NULL;
    if (cJSON_IsNull(item))
        return RC_OK;
    if (!cJSON_IsString(item) || !item->valuestring)
        return rc_error_set(err, RC_ERR_FORMAT, "member \"%s\" missing or not a string", key);
    *out = strdup(item->valuestring);
    return *out ? RC_OK : rc_error_set(err, RC_ERR_NOMEM, "out of memory");
}

static rc_status get_str(const cJSON *obj, const char *key, char **out, rc_error *err)
{
    return dup_item(cJSON_GetObjectItemCaseSensitive(obj, key), key, out, err);
}

/* Like get_str, but never NULL: the header's strings are always readable. */
static rc_status get_str_nonnull(const cJSON *obj, const char *key, char **out, rc_error *err)
{
    rc_status st = get_str(obj, key, out, err);
    if (st == RC_OK && !*out) {
        *out = strdup("");
        if (!*out)
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    return st;
}

static rc_status decode_model(const cJSON *model, rc_head_store *h, rc_error *err)
{
    if (!cJSON_IsObject(model))
        return rc_error_set(err, RC_ERR_FORMAT, "member \"model\" missing or not an object");
    size_t n = (size_t)cJSON_GetArraySize(model);
    h->kv = n ? calloc(n, sizeof *h->kv) : NULL;
    if (n && !h->kv)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, model)
    {
        if (!item->string)
            return rc_error_set(err, RC_ERR_FORMAT, "model parameter without a name");
        rc_kv *kv = &h->kv[h->n_kv++];
        kv->key = strdup(item->string);
        if (!kv->key)
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
        rc_status st = dup_item(item, item->string, &kv->value, err);
        if (st == RC_OK && !kv->value)
            st = rc_error_set(err, RC_ERR_FORMAT, "model parameter \"%s\" is null", kv->key);
        if (st != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status decode_head(const cJSON *root, rc_head_store *h, rc_error *err)
{
    rc_trace_header *hdr = &h->hdr;
    int64_t v = 0;
    rc_status st = get_int(root, "start_unix_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX,
                           &hdr->start_unix_us, err);
    static const char *const keys[4] = {"railcut_version", "backend", "scenario",
                                        "profile_path"};
    for (int i = 0; st == RC_OK && i < 4; i++)
        st = get_str_nonnull(root, keys[i], &h->strings[i], err);
    if (st != RC_OK)
        return st;
    hdr->railcut_version = h->strings[0];
    hdr->backend = h->strings[1];
    hdr->scenario = h->strings[2];
    hdr->profile_path = h->strings[3];
    st = get_int(root, "sample_rate_hz", 0, UINT32_MAX, &v, err);
    hdr->sample_rate_hz = (uint32_t)v;
    const cJSON *thr = cJSON_GetObjectItemCaseSensitive(root, "thresholds");
    if (st == RC_OK && !cJSON_IsObject(thr))
        st = rc_error_set(err, RC_ERR_FORMAT, "member \"thresholds\" missing or not an object");
    if (st == RC_OK)
        st = get_i32(thr, "outage_below_mv", INT32_MIN, INT32_MAX, &hdr->outage_below_mv, err);
    if (st == RC_OK)
        st =
            get_i32(thr, "restore_above_mv", INT32_MIN, INT32_MAX, &hdr->restore_above_mv, err);
    if (st == RC_OK)
        st = decode_model(cJSON_GetObjectItemCaseSensitive(root, "model"), h, err);
    hdr->model_params = h->kv;
    hdr->n_model_params = h->n_kv;
    return st;
}

static cJSON *parse_object(const char *text, size_t len, rc_error *err)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        rc_error_set(err, RC_ERR_FORMAT, "payload is not a JSON object");
        return NULL;
    }
    return root;
}

rc_status rc_head_decode(const char *text, size_t len, rc_head_store *out, rc_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = parse_object(text, len, err);
    if (!root)
        return RC_ERR_FORMAT;
    rc_status st = decode_head(root, out, err);
    cJSON_Delete(root);
    if (st != RC_OK)
        rc_head_store_free(out);
    return st;
}

void rc_head_store_free(rc_head_store *h)
{
    for (int i = 0; i < 4; i++)
        free(h->strings[i]);
    for (size_t i = 0; i < h->n_kv; i++) {
        free(h->kv[i].key);
        free(h->kv[i].value);
    }
    free(h->kv);
    memset(h, 0, sizeof *h);
}

/* Returns the array member and its length; a missing member is an error. */
static rc_status get_array(const cJSON *root, const char *key, const cJSON **arr, size_t *n,
                           rc_error *err)
{
    *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsArray(*arr))
        return rc_error_set(err, RC_ERR_FORMAT, "member \"%s\" missing or not an array", key);
    *n = (size_t)cJSON_GetArraySize(*arr);
    return RC_OK;
}

/* calloc for an array member of the profile; n == 0 gives NULL. */
static void *alloc_array(size_t n, size_t size, rc_status *st, rc_error *err)
{
    void *p = n ? calloc(n, size) : NULL;
    if (n && !p)
        *st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    return p;
}

static rc_status decode_segment(const cJSON *o, rc_segment *s, rc_error *err)
{
    int64_t kind = 0, wait_on = 0;
    rc_status st = get_int(o, "kind", INT32_MIN, INT32_MAX, &kind, err);
    if (st == RC_OK)
        st = get_int(o, "start_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &s->start_us, err);
    if (st == RC_OK)
        st = get_int(o, "duration_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &s->duration_us, err);
    if (st == RC_OK)
        st = get_i32(o, "from_mv", INT32_MIN, INT32_MAX, &s->from_mv, err);
    if (st == RC_OK)
        st = get_i32(o, "to_mv", INT32_MIN, INT32_MAX, &s->to_mv, err);
    if (st == RC_OK)
        st = get_bool(o, "rail_on", &s->rail_on, err);
    if (st == RC_OK)
        st = get_bool(o, "ac_lost", &s->ac_lost, err);
    if (st == RC_OK)
        st = get_int(o, "wait_on", INT32_MIN, INT32_MAX, &wait_on, err);
    if (st == RC_OK)
        st = get_i32(o, "file", INT32_MIN, INT32_MAX, &s->file, err);
    if (st == RC_OK)
        st = get_i32(o, "line", INT32_MIN, INT32_MAX, &s->line, err);
    s->kind = (rc_seg_kind)kind;
    s->wait_on = (rc_wait_on)wait_on;
    return st;
}

static rc_status decode_expect(const cJSON *o, rc_expect *e, rc_error *err)
{
    int64_t kind = 0;
    rc_status st = get_int(o, "kind", INT32_MIN, INT32_MAX, &kind, err);
    if (st == RC_OK)
        st = get_i32(o, "mark", INT32_MIN, INT32_MAX, &e->mark, err);
    if (st == RC_OK)
        st = get_int(o, "lo_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &e->lo_us, err);
    if (st == RC_OK)
        st = get_int(o, "hi_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &e->hi_us, err);
    if (st == RC_OK)
        st = get_int(o, "bound_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &e->bound_us, err);
    if (st == RC_OK)
        st = get_str(o, "text", &e->text, err);
    if (st == RC_OK)
        st = get_i32(o, "file", INT32_MIN, INT32_MAX, &e->file, err);
    if (st == RC_OK)
        st = get_i32(o, "line", INT32_MIN, INT32_MAX, &e->line, err);
    e->kind = (rc_expect_kind)kind;
    return st;
}

static rc_status decode_segments(const cJSON *root, rc_profile *p, rc_error *err)
{
    const cJSON *arr, *o;
    size_t n = 0, i = 0;
    rc_status st = get_array(root, "segments", &arr, &n, err);
    if (st != RC_OK)
        return st;
    p->segs = alloc_array(n, sizeof *p->segs, &st, err);
    if (st != RC_OK)
        return st;
    p->n_segs = n;
    cJSON_ArrayForEach(o, arr)
    {
        if ((st = decode_segment(o, &p->segs[i++], err)) != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status decode_marks(const cJSON *root, rc_profile *p, rc_error *err)
{
    const cJSON *arr, *o;
    size_t n = 0, i = 0;
    rc_status st = get_array(root, "marks", &arr, &n, err);
    if (st != RC_OK)
        return st;
    p->marks = alloc_array(n, sizeof *p->marks, &st, err);
    if (st != RC_OK)
        return st;
    p->n_marks = n;
    cJSON_ArrayForEach(o, arr)
    {
        rc_mark *m = &p->marks[i++];
        int64_t seg = 0;
        if ((st = get_str(o, "name", &m->name, err)) != RC_OK ||
            (st = get_int(o, "segment", 0, RC_JSON_INT_MAX, &seg, err)) != RC_OK)
            return st;
        m->segment = (size_t)seg;
    }
    return RC_OK;
}

static rc_status decode_expects(const cJSON *root, rc_profile *p, rc_error *err)
{
    const cJSON *arr, *o;
    size_t n = 0, i = 0;
    rc_status st = get_array(root, "expects", &arr, &n, err);
    if (st != RC_OK)
        return st;
    p->expects = alloc_array(n, sizeof *p->expects, &st, err);
    if (st != RC_OK)
        return st;
    p->n_expects = n;
    cJSON_ArrayForEach(o, arr)
    {
        if ((st = decode_expect(o, &p->expects[i++], err)) != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status decode_params(const cJSON *root, rc_profile *p, rc_error *err)
{
    const cJSON *arr, *o;
    size_t n = 0, i = 0;
    rc_status st = get_array(root, "params", &arr, &n, err);
    if (st != RC_OK)
        return st;
    p->params = alloc_array(n, sizeof *p->params, &st, err);
    if (st != RC_OK)
        return st;
    p->n_params = n;
    cJSON_ArrayForEach(o, arr)
    {
        rc_param *pa = &p->params[i++];
        if ((st = get_str(o, "name", &pa->name, err)) != RC_OK ||
            (st = get_str(o, "value", &pa->value, err)) != RC_OK ||
            (st = get_bool(o, "overridden", &pa->overridden, err)) != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status decode_files(const cJSON *root, rc_profile *p, rc_error *err)
{
    const cJSON *arr, *o;
    size_t n = 0, i = 0;
    rc_status st = get_array(root, "files", &arr, &n, err);
    if (st != RC_OK)
        return st;
    p->files = alloc_array(n, sizeof *p->files, &st, err);
    if (st != RC_OK)
        return st;
    p->n_files = n;
    cJSON_ArrayForEach(o, arr)
    {
        if ((st = dup_item(o, "files[]", &p->files[i++], err)) != RC_OK)
            return st;
    }
    return RC_OK;
}

static rc_status decode_prof(const cJSON *root, rc_profile *p, rc_error *err)
{
    int64_t scenario = 0;
    rc_status st = get_int(root, "scenario", INT32_MIN, INT32_MAX, &scenario, err);
    p->scenario = (rc_scenario)scenario;
    if (st == RC_OK)
        st = get_i32(root, "nominal_mv", INT32_MIN, INT32_MAX, &p->nominal_mv, err);
    if (st == RC_OK)
        st =
            get_int(root, "observe_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &p->observe_us, err);
    if (st == RC_OK)
        st =
            get_int(root, "nominal_us", -RC_JSON_INT_MAX, RC_JSON_INT_MAX, &p->nominal_us, err);
    if (st == RC_OK)
        st = decode_segments(root, p, err);
    if (st == RC_OK)
        st = decode_marks(root, p, err);
    if (st == RC_OK)
        st = decode_expects(root, p, err);
    if (st == RC_OK)
        st = decode_params(root, p, err);
    if (st == RC_OK)
        st = decode_files(root, p, err);
    if (st == RC_OK)
        st = get_str(root, "source", &p->source, err);
    if (st == RC_OK)
        st = rc_prof_check(p, err);
    return st;
}

rc_status rc_prof_decode(const char *text, size_t len, rc_profile **out, rc_error *err)
{
    *out = NULL;
    cJSON *root = parse_object(text, len, err);
    if (!root)
        return RC_ERR_FORMAT;
    rc_profile *p = rc_profile_new();
    rc_status st =
        p ? decode_prof(root, p, err) : rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    cJSON_Delete(root);
    if (st != RC_OK) {
        rc_profile_free(p);
        return st;
    }
    *out = p;
    return RC_OK;
}

/* ---- Validation ------------------------------------------------------------ */

static bool file_ok(const rc_profile *p, int file)
{
    return file >= -1 && (p->n_files == 0 || file < (int64_t)p->n_files);
}

static rc_status check_segments(const rc_profile *p, rc_error *err)
{
    for (size_t i = 0; i < p->n_segs; i++) {
        const rc_segment *s = &p->segs[i];
        if ((unsigned)s->kind > RC_SEG_OBSERVE || (unsigned)s->wait_on > RC_WAIT_DOWN)
            return rc_error_set(err, RC_ERR_FORMAT, "segment %zu: unknown kind or wait", i);
        if (s->duration_us < 0 || !file_ok(p, s->file) || s->line < 0)
            return rc_error_set(err, RC_ERR_FORMAT,
                                "segment %zu: negative duration or bad source position", i);
    }
    return RC_OK;
}

static rc_status check_refs(const rc_profile *p, rc_error *err)
{
    for (size_t i = 0; i < p->n_marks; i++) {
        if (p->marks[i].segment >= p->n_segs)
            return rc_error_set(err, RC_ERR_FORMAT, "mark %zu: segment %zu does not exist", i,
                                p->marks[i].segment);
    }
    for (size_t i = 0; i < p->n_expects; i++) {
        const rc_expect *e = &p->expects[i];
        if ((unsigned)e->kind > RC_EXPECT_MAX_OUTAGE_BELOW)
            return rc_error_set(err, RC_ERR_FORMAT, "expectation %zu: unknown kind", i);
        if (e->mark < -1 || e->mark >= (int64_t)p->n_marks)
            return rc_error_set(err, RC_ERR_FORMAT, "expectation %zu: mark %d does not exist",
                                i, e->mark);
        if (!file_ok(p, e->file) || e->line < 0)
            return rc_error_set(err, RC_ERR_FORMAT, "expectation %zu: bad source position", i);
    }
    return RC_OK;
}

/* Names and texts are never NULL in a profile, so users can print them;
 * only the source text is optional. */
static rc_status check_strings(const rc_profile *p, rc_error *err)
{
    for (size_t i = 0; i < p->n_marks; i++) {
        if (!p->marks[i].name)
            return rc_error_set(err, RC_ERR_FORMAT, "mark %zu has no name", i);
    }
    for (size_t i = 0; i < p->n_expects; i++) {
        if (!p->expects[i].text)
            return rc_error_set(err, RC_ERR_FORMAT, "expectation %zu has no text", i);
    }
    for (size_t i = 0; i < p->n_params; i++) {
        if (!p->params[i].name || !p->params[i].value)
            return rc_error_set(err, RC_ERR_FORMAT, "parameter %zu has no name or value", i);
    }
    for (size_t i = 0; i < p->n_files; i++) {
        if (!p->files[i])
            return rc_error_set(err, RC_ERR_FORMAT, "file %zu has no name", i);
    }
    return RC_OK;
}

rc_status rc_prof_check(const rc_profile *p, rc_error *err)
{
    if ((p->n_segs && !p->segs) || (p->n_marks && !p->marks) || (p->n_expects && !p->expects) ||
        (p->n_params && !p->params) || (p->n_files && !p->files))
        return rc_error_set(err, RC_ERR_ARG, "profile has a count without its array");
    if ((unsigned)p->scenario > RC_SCENARIO_OUTAGE)
        return rc_error_set(err, RC_ERR_FORMAT, "unknown scenario %d", (int)p->scenario);
    rc_status st = check_segments(p, err);
    if (st == RC_OK)
        st = check_refs(p, err);
    return st == RC_OK ? check_strings(p, err) : st;
}
