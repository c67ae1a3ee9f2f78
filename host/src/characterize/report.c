/*
 * report.c - a characterisation result as text (for people) and JSON (for
 * tools and `railcut report --characterization`).
 *
 * Figures are printed in the mode's unit: seconds with microsecond digits,
 * volts with millivolt digits. The JSON layout is documented in
 * docs/characterization.md; a NAN (no data) is written as null.
 */
#include <math.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "characterize/char_internal.h"
#include "railcut/units.h"

static int digits(const rc_char_result *r)
{
    return r->unit[0] == 'V' ? 3 : 6;
}

static void print_stat_line(FILE *out, const rc_char_result *r, const char *what,
                            const rc_char_stat *st)
{
    int d = digits(r);
    fprintf(out, "%s: %s\n", rc_char_mode_name(r->mode), what);
    if (st->n == 0) {
        fprintf(out, "  no measurement\n");
        return;
    }
    fprintf(out, "  estimate %.*f %s, 95%% CI [%.*f, %.*f] %s\n", d, st->estimate, r->unit, d,
            st->ci_lo, d, st->ci_hi, r->unit);
    fprintf(out, "  n %zu  mean %.*f  sd %.*f  min %.*f  median %.*f  p95 %.*f  max %.*f\n",
            st->n, d, st->mean, d, st->sd, d, st->min, d, st->median, d, st->p95, d, st->max);
    if (r->mode == RC_CHAR_AD1_LATENCY && st->n > 1) {
        double half = rc_char_t975(st->n - 1) * st->sd / sqrt((double)st->n);
        fprintf(out, "  mean 95%% CI [%.*f, %.*f] %s\n", d, st->mean - half, d, st->mean + half,
                r->unit);
    }
}

static const char *response_word(rc_char_mode mode, bool response)
{
    switch (mode) {
    case RC_CHAR_AD1_THRESHOLD: return response ? "AD1" : "no AD1";
    case RC_CHAR_RESTORE_RESET: return response ? "reset" : "not reset";
    case RC_CHAR_HOLDUP: return response ? "rebooted" : "rode through";
    case RC_CHAR_AD1_LATENCY: return response ? "last-gasp" : "after restore";
    case RC_CHAR_UVLO: return "";
    }
    return "";
}

static void print_probe(FILE *out, const rc_char_result *r, const rc_char_probe *p)
{
    char cmd[32], val[48];
    if (r->mode == RC_CHAR_UVLO) {
        rc_format_voltage((int32_t)p->command, cmd, sizeof cmd);
        snprintf(val, sizeof val, "%.3f / %.3f V", (double)p->value / 1000,
                 (double)p->value2 / 1000);
    } else {
        rc_format_duration(p->command, cmd, sizeof cmd);
        snprintf(val, sizeof val, "%.6f s", (double)p->value / 1e6);
    }
    fprintf(out, "  %5u  %-12s %-22s %-13s %-6s %s\n", p->index, cmd, p->valid ? val : "-",
            p->valid ? response_word(r->mode, p->response) : "", rc_verdict_name(p->verdict),
            p->trace_path);
}

rc_status rc_char_report_text(FILE *out, const rc_char_result *r, bool list_probes,
                              rc_error *err)
{
    print_stat_line(out, r, r->quantity, &r->stat);
    if (r->quantity2)
        print_stat_line(out, r, r->quantity2, &r->stat2);
    fprintf(out, "  %s%s%s\n", r->converged ? "converged" : "NOT converged",
            r->note[0] ? ": " : "", r->note);
    fprintf(out, "  method: %s\n", r->method);
    char virt[32];
    rc_format_seconds(r->virtual_us, virt, sizeof virt);
    fprintf(out, "  %zu probes on %s, seed %lld; bench time %s s, wall time %.3f s\n",
            r->n_probes, r->backend, (long long)r->seed, virt, (double)r->wall_us / 1e6);
    if (list_probes) {
        fprintf(out, "  probe  %-12s %-22s %-13s %-6s trace\n",
                r->mode == RC_CHAR_UVLO ? "floor" : "setting", "measured", "response",
                "verdict");
        for (size_t i = 0; i < r->n_probes; i++)
            print_probe(out, r, &r->probes[i]);
    }
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "error writing the characterisation report");
    return RC_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

static cJSON *number_or_null(double v)
{
    return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *pair(double a, double b)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, number_or_null(a));
    cJSON_AddItemToArray(arr, number_or_null(b));
    return arr;
}

static cJSON *stat_json(const char *quantity, const rc_char_stat *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "quantity", quantity);
    cJSON_AddNumberToObject(o, "n", (double)st->n);
    cJSON_AddItemToObject(o, "estimate", number_or_null(st->estimate));
    cJSON_AddItemToObject(o, "ci95", pair(st->ci_lo, st->ci_hi));
    cJSON_AddItemToObject(o, "mean", number_or_null(st->mean));
    cJSON_AddItemToObject(o, "sd", number_or_null(st->sd));
    cJSON_AddItemToObject(o, "min", number_or_null(st->min));
    cJSON_AddItemToObject(o, "median", number_or_null(st->median));
    cJSON_AddItemToObject(o, "median_ci95", pair(st->median_ci_lo, st->median_ci_hi));
    cJSON_AddItemToObject(o, "p95", number_or_null(st->p95));
    cJSON_AddItemToObject(o, "max", number_or_null(st->max));
    return o;
}

static cJSON *probe_json(const rc_char_result *r, const rc_char_probe *p)
{
    cJSON *o = cJSON_CreateObject();
    bool volts = r->mode == RC_CHAR_UVLO;
    cJSON_AddNumberToObject(o, "index", p->index);
    cJSON_AddNumberToObject(o, volts ? "command_mv" : "command_us", (double)p->command);
    cJSON_AddBoolToObject(o, "valid", p->valid);
    if (p->valid) {
        cJSON_AddNumberToObject(o, volts ? "dropout_mv" : "value_us", (double)p->value);
        if (volts)
            cJSON_AddNumberToObject(o, "recovery_mv", (double)p->value2);
        else
            cJSON_AddStringToObject(o, "response", response_word(r->mode, p->response));
    }
    cJSON_AddStringToObject(o, "verdict", rc_verdict_name(p->verdict));
    cJSON_AddNumberToObject(o, "virtual_us", (double)p->virtual_us);
    cJSON_AddStringToObject(o, "profile", p->profile_path);
    cJSON_AddStringToObject(o, "trace", p->trace_path);
    return o;
}

rc_status rc_char_report_json(FILE *out, const rc_char_result *r, rc_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "mode", rc_char_mode_name(r->mode));
    cJSON_AddStringToObject(root, "unit", r->unit);
    cJSON_AddStringToObject(root, "method", r->method);
    cJSON_AddBoolToObject(root, "converged", r->converged);
    cJSON_AddStringToObject(root, "note", r->note);
    cJSON_AddStringToObject(root, "backend", r->backend);
    cJSON_AddNumberToObject(root, "seed", (double)r->seed);
    cJSON_AddItemToObject(root, "result", stat_json(r->quantity, &r->stat));
    if (r->quantity2)
        cJSON_AddItemToObject(root, "result2", stat_json(r->quantity2, &r->stat2));
    cJSON_AddNumberToObject(root, "virtual_us", (double)r->virtual_us);
    cJSON_AddNumberToObject(root, "wall_us", (double)r->wall_us);
    cJSON *probes = cJSON_AddArrayToObject(root, "probes");
    for (size_t i = 0; i < r->n_probes; i++)
        cJSON_AddItemToArray(probes, probe_json(r, &r->probes[i]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "error writing the characterisation JSON");
    return RC_OK;
}
