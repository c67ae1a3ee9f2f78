/*
 * report_json.c - the machine-readable report of an rc_analysis (cJSON).
 *
 * One object: run context, verdict, the longest interruptions, the raw and
 * merged episodes, the AD1 alerts, the checks and what the recorder lost
 * (fields in docs/analysis.md).
 * Times and durations are JSON numbers in seconds, computed as us / 1e6 (a
 * correctly rounded division), which cJSON prints with 15 significant digits
 * when that reads back to the same double: 179900000 us prints as 179.9 and
 * 180000001 us as 180.000001. Unknown values (no sample in an episode, no
 * error, a skipped or inconclusive check's outcome) are null.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "analyze/analyze_internal.h"
#include "railcut/version.h"

static bool add_seconds(cJSON *o, const char *key, int64_t us)
{
    return cJSON_AddNumberToObject(o, key, (double)us / 1e6) != NULL;
}

static bool add_text(cJSON *o, const char *key, const char *value)
{
    if (!value)
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddStringToObject(o, key, value) != NULL;
}

/* Volts rounded to the millivolt: a float's extra digits are noise. */
static bool add_volts(cJSON *o, const char *key, float v)
{
    if (isnan(v))
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddNumberToObject(o, key, round((double)v * 1000.0) / 1000.0) != NULL;
}

static cJSON *finish(cJSON *o, bool ok)
{
    if (ok)
        return o;
    cJSON_Delete(o);
    return NULL;
}

static cJSON *episode_json(const rc_episode *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = add_seconds(o, "start_s", e->start_us) && add_seconds(o, "end_s", e->end_us) &&
              add_seconds(o, "duration_s", e->end_us - e->start_us) &&
              add_volts(o, "min_v", e->min_v) && cJSON_AddBoolToObject(o, "open", e->open) &&
              add_seconds(o, "ac_lost_s", e->ac_lost_us);
    return finish(o, ok);
}

static cJSON *ad1_json(const rc_ad1 *d)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = add_seconds(o, "t_s", d->t_us) && add_text(o, "source", d->source);
    return finish(o, ok);
}

static cJSON *check_json(const rc_check *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = add_text(o, "name", c->name);
    if (c->result == RC_CHECK_SKIP || c->inconclusive)
        ok = ok && cJSON_AddNullToObject(o, "ok");
    else
        ok = ok && cJSON_AddBoolToObject(o, "ok", c->result == RC_CHECK_PASS);
    ok = ok && cJSON_AddBoolToObject(o, "marginal", c->marginal) &&
         cJSON_AddBoolToObject(o, "inconclusive", c->inconclusive) &&
         add_text(o, "detail", c->detail);
    return finish(o, ok);
}

/* Adds key: [item(base[0]), item(base[1]), ...]. */
static bool add_list(cJSON *o, const char *key, const void *base, size_t n, size_t size,
                     cJSON *(*item)(const void *))
{
    cJSON *arr = cJSON_AddArrayToObject(o, key);
    if (!arr)
        return false;
    for (size_t i = 0; i < n; i++) {
        cJSON *it = item((const char *)base + i * size);
        if (!it || !cJSON_AddItemToArray(arr, it)) {
            cJSON_Delete(it);
            return false;
        }
    }
    return true;
}

static cJSON *gap_json(const rc_trace_gap *g)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = add_seconds(o, "from_s", g->from_us) && add_seconds(o, "to_s", g->to_us) &&
              cJSON_AddNumberToObject(o, "samples", (double)g->samples) &&
              cJSON_AddNumberToObject(o, "events", (double)g->events);
    return finish(o, ok);
}

static cJSON *gap_item(const void *p)
{
    return gap_json(p);
}

static cJSON *episode_item(const void *p)
{
    return episode_json(p);
}

static cJSON *ad1_item(const void *p)
{
    return ad1_json(p);
}

static cJSON *check_item(const void *p)
{
    return check_json(p);
}

static bool add_number_or_null(cJSON *o, const char *key, bool known, double v)
{
    if (!known)
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddNumberToObject(o, key, v) != NULL;
}

/* A bench run only: "calibration": {"rail_v_uncertainty_mv": n | null,
 * "rail_a_uncertainty_ma": n | null}, null meaning uncalibrated. */
static bool add_calibration(cJSON *o, const rc_analysis *a)
{
    cJSON *c = cJSON_AddObjectToObject(o, "calibration");
    return c &&
           add_number_or_null(c, "rail_v_uncertainty_mv", a->rail_v_calibrated,
                              a->rail_v_uncertainty_mv) &&
           add_number_or_null(c, "rail_a_uncertainty_ma", a->rail_a_calibrated,
                              a->rail_a_uncertainty_ma);
}

static cJSON *report_json(const rc_analysis *a, const rc_report_context *ctx)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = add_text(o, "railcut_version", RAILCUT_VERSION) &&
              add_text(o, "profile", ctx ? ctx->profile_path : NULL) &&
              add_text(o, "trace", ctx ? ctx->trace_path : NULL) &&
              add_text(o, "backend", ctx ? ctx->backend : NULL) &&
              add_text(o, "scenario", rc_scenario_name(a->scenario)) &&
              add_text(o, "verdict", rc_verdict_name(a->verdict)) &&
              add_text(o, "error", a->error[0] ? a->error : NULL) &&
              add_seconds(o, "end_s", a->end_us) &&
              add_seconds(o, "max_outage_s", a->max_outage_us) &&
              add_seconds(o, "max_merged_outage_s", a->max_merged_outage_us) &&
              add_list(o, "episodes", a->raw, a->n_raw, sizeof *a->raw, episode_item) &&
              add_list(o, "merged_episodes", a->merged, a->n_merged, sizeof *a->merged,
                       episode_item) &&
              add_list(o, "ad1", a->ad1, a->n_ad1, sizeof *a->ad1, ad1_item) &&
              add_list(o, "checks", a->checks, a->n_checks, sizeof *a->checks, check_item) &&
              add_text(o, "episodes_from", a->from_events ? "events" : "samples") &&
              cJSON_AddNumberToObject(o, "lost_samples", (double)a->lost_samples) &&
              cJSON_AddNumberToObject(o, "lost_events", (double)a->lost_events) &&
              add_list(o, "lost_spans", a->lost_spans, a->n_lost_spans, sizeof *a->lost_spans,
                       gap_item);
    if (ok && a->on_bench)
        ok = add_calibration(o, a);
    return finish(o, ok);
}

rc_status rc_report_json(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                         rc_error *err)
{
    if (!out || !a)
        return rc_error_set(err, RC_ERR_ARG, "rc_report_json: missing argument");
    cJSON *o = report_json(a, ctx);
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory building the JSON report");
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "writing the JSON report failed");
    return RC_OK;
}
