/*
 * html.c - the conformance report: one self-contained HTML page (inline CSS
 * and SVG, no script, no external asset) for a set of traces and, optionally,
 * a characterisation result.
 *
 * Per trace: what ran (backend, scenario, profile, calibration), the verdict
 * and its checks, the episodes and AD1s, two plots (rail voltage, current)
 * and the CH/model parameters. A plot is drawn from `columns` min/max pairs:
 * the samples are streamed once through rc_trace_read_samples and each one
 * only widens the pair of its pixel column, so memory and page size depend on
 * the plot width, never on the trace length. Each plot shades the outage
 * episodes, marks where each would pass the 180 s limit and marks every AD1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "characterize/char_internal.h"
#include "railcut/analyze.h"
#include "railcut/trace.h"
#include "railcut/units.h"

#define PLOT_HEIGHT 160
#define MARGIN_LEFT 56
#define MARGIN_RIGHT 12
#define MARGIN_TOP 10
#define MARGIN_BOTTOM 28

void rc_html_options_init(rc_html_options *opt)
{
    memset(opt, 0, sizeof *opt);
    rc_analysis_config_default(&opt->analysis);
    opt->plot_width = 900;
}

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

static const char style[] =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}"
    "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;"
    "margin-top:32px}h3{font-size:15px}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left;font-size:13px}th{background:#f2f2f2}"
    ".pass{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}"
    ".error,.skip{color:#8a6d00;font-weight:bold}"
    "svg{background:#fff;border:1px solid #ddd;display:block;margin:6px 0}"
    "svg text{font-size:11px;font-family:sans-serif}.note{color:#555;font-size:13px}";

/* ---- plots ----------------------------------------------------------------- */

typedef struct column {
    float v_min, v_max, a_min, a_max;
    bool used;
} column;

typedef struct decimator {
    column *cols;
    unsigned n;
    int64_t end_us;
    float v_top, a_top;
} decimator;

static int on_samples(void *ctx, const rc_sample *s, size_t n)
{
    decimator *d = ctx;
    for (size_t i = 0; i < n; i++) {
        int64_t c64 = d->end_us > 0 ? s[i].t_us * (int64_t)d->n / (d->end_us + 1) : 0;
        column *c = &d->cols[c64 < 0 ? 0 : c64 >= d->n ? d->n - 1 : c64];
        if (!c->used) {
            c->v_min = c->v_max = s[i].rail_v;
            c->a_min = c->a_max = s[i].rail_a;
            c->used = true;
        }
        c->v_min = fminf(c->v_min, s[i].rail_v);
        c->v_max = fmaxf(c->v_max, s[i].rail_v);
        c->a_min = fminf(c->a_min, s[i].rail_a);
        c->a_max = fmaxf(c->a_max, s[i].rail_a);
        d->v_top = fmaxf(d->v_top, s[i].rail_v);
        d->a_top = fmaxf(d->a_top, s[i].rail_a);
    }
    return 0;
}

static double x_of(const decimator *d, int64_t t_us)
{
    return MARGIN_LEFT + (double)d->n * (double)t_us / (double)(d->end_us > 0 ? d->end_us : 1);
}

static double y_of(double v, double top)
{
    return MARGIN_TOP + PLOT_HEIGHT * (1.0 - v / top);
}

/* 1, 2 or 5 times a power of ten, so that about `want` ticks span `range`. */
static double tick_step(double range, int want)
{
    double raw = range / want, p = pow(10, floor(log10(raw)));
    return raw / p < 2 ? p : raw / p < 5 ? 2 * p : 5 * p;
}

static void plot_axes(FILE *out, const decimator *d, double top, const char *unit)
{
    double w = d->n, end_s = (double)d->end_us / 1e6;
    fprintf(out, "<rect x='%d' y='%d' width='%.0f' height='%d' fill='none' stroke='#999'/>\n",
            MARGIN_LEFT, MARGIN_TOP, w, PLOT_HEIGHT);
    double ys = tick_step(top, 4);
    for (double v = 0; v <= top + 1e-9; v += ys)
        fprintf(out,
                "<line x1='%d' x2='%.0f' y1='%.1f' y2='%.1f' stroke='#eee'/>"
                "<text x='%d' y='%.1f' text-anchor='end'>%g %s</text>\n",
                MARGIN_LEFT, MARGIN_LEFT + w, y_of(v, top), y_of(v, top), MARGIN_LEFT - 4,
                y_of(v, top) + 4, v, unit);
    double xs = tick_step(end_s > 0 ? end_s : 1, 8);
    for (double t = 0; t <= end_s + 1e-9; t += xs)
        fprintf(out, "<text x='%.1f' y='%d' text-anchor='middle'>%g s</text>\n",
                x_of(d, (int64_t)(t * 1e6)), MARGIN_TOP + PLOT_HEIGHT + 16, t);
}

static void plot_marks(FILE *out, const decimator *d, const rc_analysis *a, int64_t limit_us)
{
    for (size_t i = 0; i < a->n_raw; i++) {
        const rc_episode *e = &a->raw[i];
        double x0 = x_of(d, e->start_us), x1 = x_of(d, e->end_us);
        fprintf(out,
                "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='#f4b4b4' "
                "fill-opacity='0.45'><title>outage %.6f s</title></rect>\n",
                x0, MARGIN_TOP, x1 - x0 > 1 ? x1 - x0 : 1, PLOT_HEIGHT,
                (double)(e->end_us - e->start_us) / 1e6);
        if (e->start_us + limit_us <= d->end_us)
            fprintf(out,
                    "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#c62828' "
                    "stroke-dasharray='4 3'/><text x='%.1f' y='%d' fill='#c62828'>180 s</text>\n",
                    x_of(d, e->start_us + limit_us), x_of(d, e->start_us + limit_us), MARGIN_TOP,
                    MARGIN_TOP + PLOT_HEIGHT, x_of(d, e->start_us + limit_us) + 3,
                    MARGIN_TOP + 12);
    }
    for (size_t i = 0; i < a->n_ad1; i++)
        fprintf(out,
                "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#6a1b9a' stroke-width='2'/>"
                "<text x='%.1f' y='%d' fill='#6a1b9a' font-weight='bold'>AD1</text>\n",
                x_of(d, a->ad1[i].t_us), x_of(d, a->ad1[i].t_us), MARGIN_TOP,
                MARGIN_TOP + PLOT_HEIGHT, x_of(d, a->ad1[i].t_us) + 3, MARGIN_TOP + 26);
}

/* The envelope of the columns: maxima left to right, minima back. */
static void plot_envelope(FILE *out, const decimator *d, bool current, double top,
                          const char *color)
{
    fprintf(out, "<polygon fill='%s' stroke='%s' stroke-width='1.2' points='", color, color);
    for (unsigned i = 0; i < d->n; i++)
        if (d->cols[i].used)
            fprintf(out, "%u,%.1f ", MARGIN_LEFT + i,
                    y_of(current ? d->cols[i].a_max : d->cols[i].v_max, top));
    for (unsigned i = d->n; i-- > 0;)
        if (d->cols[i].used)
            fprintf(out, "%u,%.1f ", MARGIN_LEFT + i,
                    y_of(current ? d->cols[i].a_min : d->cols[i].v_min, top));
    fputs("'/>\n", out);
}

static void plot(FILE *out, const decimator *d, const rc_analysis *a, int64_t limit_us,
                 bool current)
{
    double top = current ? (d->a_top > 0 ? d->a_top * 1.15 : 1) : (d->v_top > 0 ? d->v_top * 1.1 : 1);
    fprintf(out,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%u' height='%d' role='img' "
            "aria-label='%s'>\n",
            d->n + MARGIN_LEFT + MARGIN_RIGHT, PLOT_HEIGHT + MARGIN_TOP + MARGIN_BOTTOM,
            current ? "CH current" : "rail voltage");
    plot_marks(out, d, a, limit_us);
    plot_axes(out, d, top, current ? "A" : "V");
    plot_envelope(out, d, current, top, current ? "#2e7d32" : "#1565c0");
    fputs("</svg>\n", out);
}

static rc_status plots(FILE *out, rc_trace *t, const rc_analysis *a, const rc_html_options *opt,
                       rc_error *err)
{
    decimator d = {.n = opt->plot_width ? opt->plot_width : 900, .end_us = a->end_us};
    d.cols = calloc(d.n, sizeof *d.cols);
    if (!d.cols)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    rc_status st = rc_trace_read_samples(t, 0, INT64_MAX, on_samples, &d, err);
    if (st == RC_OK) {
        fputs("<h3>Rail voltage at the CH</h3>\n", out);
        plot(out, &d, a, opt->analysis.limit_us, false);
        fputs("<h3>CH current</h3>\n", out);
        plot(out, &d, a, opt->analysis.limit_us, true);
        fprintf(out,
                "<p class='note'>Shaded: outage episodes (rail below the outage threshold); "
                "dashed: 180 s after an episode began; purple: AD1. Each pixel column shows "
                "the minimum and maximum of its samples.</p>\n");
    }
    free(d.cols);
    return st;
}

/* ---- tables ---------------------------------------------------------------- */

static const char *result_class(rc_check_result r)
{
    return r == RC_CHECK_PASS ? "pass" : r == RC_CHECK_FAIL ? "fail" : "skip";
}

static const char *result_name(rc_check_result r)
{
    return r == RC_CHECK_PASS ? "pass" : r == RC_CHECK_FAIL ? "fail" : "skip";
}

static void row(FILE *out, const char *name, const char *value)
{
    fputs("<tr><th>", out);
    esc(out, name);
    fputs("</th><td>", out);
    esc(out, value);
    fputs("</td></tr>\n", out);
}

static void run_table(FILE *out, const rc_trace *t, const char *path)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    char start[64] = "", rate[32];
    time_t secs = (time_t)(h->start_unix_us / 1000000);
    struct tm tm;
    if (gmtime_r(&secs, &tm))
        strftime(start, sizeof start, "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(rate, sizeof rate, "%u Hz", h->sample_rate_hz);
    fputs("<table>\n", out);
    row(out, "trace", path);
    row(out, "profile", h->profile_path);
    row(out, "backend", h->backend);
    row(out, "scenario", h->scenario);
    row(out, "started", start);
    row(out, "sample rate", rate);
    row(out, "railcut", h->railcut_version);
    row(out, "calibration",
        strcmp(h->backend, "sim") == 0 ? "simulated, no calibration" : "none recorded in the trace");
    fputs("</table>\n", out);
}

static void checks_table(FILE *out, const rc_analysis *a)
{
    fputs("<table>\n<tr><th>check</th><th>result</th><th>detail</th></tr>\n", out);
    for (size_t i = 0; i < a->n_checks; i++) {
        const rc_check *c = &a->checks[i];
        fputs("<tr><td>", out);
        esc(out, c->name);
        fprintf(out, "</td><td class='%s'>%s%s</td><td>", result_class(c->result),
                result_name(c->result), c->marginal ? " (marginal)" : "");
        esc(out, c->detail);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void episodes_table(FILE *out, const rc_analysis *a)
{
    fprintf(out, "<p>%zu outage episode%s, longest %.6f s; %zu AD1%s.</p>\n", a->n_raw,
            a->n_raw == 1 ? "" : "s", (double)a->max_outage_us / 1e6, a->n_ad1,
            a->n_ad1 == 1 ? "" : "s");
    if (a->n_raw == 0 && a->n_ad1 == 0)
        return;
    fputs("<table>\n<tr><th>event</th><th>start s</th><th>end s</th><th>length s</th>"
          "<th>lowest V</th></tr>\n",
          out);
    for (size_t i = 0; i < a->n_raw; i++) {
        const rc_episode *e = &a->raw[i];
        fprintf(out,
                "<tr><td>outage%s</td><td>%.6f</td><td>%.6f</td><td>%.6f</td><td>%.3f</td></tr>\n",
                e->open ? " (still open)" : "", (double)e->start_us / 1e6,
                (double)e->end_us / 1e6, (double)(e->end_us - e->start_us) / 1e6,
                isnan(e->min_v) ? 0.0 : e->min_v);
    }
    for (size_t i = 0; i < a->n_ad1; i++) {
        fputs("<tr><td>AD1 (", out);
        esc(out, a->ad1[i].source);
        fprintf(out, ")</td><td>%.6f</td><td></td><td></td><td></td></tr>\n",
                (double)a->ad1[i].t_us / 1e6);
    }
    fputs("</table>\n", out);
}

static void params_table(FILE *out, const rc_trace *t)
{
    const rc_trace_header *h = rc_trace_get_header(t);
    fputs("<details><summary>CH and supply model parameters</summary>\n<table>\n", out);
    for (size_t i = 0; i < h->n_model_params; i++)
        row(out, h->model_params[i].key, h->model_params[i].value);
    fputs("</table>\n</details>\n", out);
}

static rc_status trace_section(FILE *out, const char *path, size_t index,
                               const rc_html_options *opt, rc_error *err)
{
    rc_trace *t;
    rc_status st = rc_trace_open(path, &t, err);
    if (st != RC_OK)
        return st;
    rc_analysis *a;
    st = rc_analyze_trace(t, &opt->analysis, &a, err);
    if (st != RC_OK) {
        rc_trace_close(t);
        return rc_error_prefix(err, st, "%s", path);
    }
    fprintf(out, "<h2 id='trace-%zu'>Run %zu: ", index + 1, index + 1);
    esc(out, rc_trace_get_header(t)->profile_path);
    fprintf(out, " &#8212; <span class='%s'>%s</span></h2>\n",
            a->verdict == RC_VERDICT_PASS ? "pass" : a->verdict == RC_VERDICT_FAIL ? "fail" : "error",
            rc_verdict_name(a->verdict));
    if (a->error[0]) {
        fputs("<p class='error'>", out);
        esc(out, a->error);
        fputs("</p>\n", out);
    }
    run_table(out, t, path);
    checks_table(out, a);
    episodes_table(out, a);
    st = plots(out, t, a, opt, err);
    params_table(out, t);
    rc_analysis_free(a);
    rc_trace_close(t);
    return st;
}

/* ---- characterisation -------------------------------------------------- */

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void stat_rows(FILE *out, const cJSON *st, const char *unit)
{
    if (!cJSON_IsObject(st))
        return;
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(st, "ci95");
    const cJSON *ci_lo = cJSON_GetArrayItem(ci, 0), *ci_hi = cJSON_GetArrayItem(ci, 1);
    fputs("<tr><td>", out);
    esc(out, str(st, "quantity"));
    fprintf(out, "</td><td><b>%.6g %s</b></td><td>[%.6g, %.6g] %s</td><td>%.0f</td>"
                 "<td>%.6g</td><td>%.6g</td><td>%.6g</td><td>%.6g</td><td>%.6g</td>"
                 "<td>%.6g</td></tr>\n",
            num(st, "estimate"), unit, cJSON_IsNumber(ci_lo) ? ci_lo->valuedouble : NAN,
            cJSON_IsNumber(ci_hi) ? ci_hi->valuedouble : NAN, unit, num(st, "n"),
            num(st, "mean"), num(st, "sd"), num(st, "min"), num(st, "median"), num(st, "p95"),
            num(st, "max"));
}

static rc_status characterization_section(FILE *out, const char *path, rc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rc_error_set(err, RC_ERR_IO, "cannot read %s", path);
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
            }
            text = grown;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    if (!cJSON_IsObject(root) || !cJSON_IsString(cJSON_GetObjectItem(root, "mode"))) {
        cJSON_Delete(root);
        return rc_error_set(err, RC_ERR_PARSE, "%s: not a characterisation JSON", path);
    }
    const char *unit = str(root, "unit");
    fputs("<h2 id='characterization'>Characterisation: ", out);
    esc(out, str(root, "mode"));
    fputs("</h2>\n<p>", out);
    esc(out, str(root, "method"));
    fprintf(out, ". Backend ");
    esc(out, str(root, "backend"));
    fprintf(out, ", seed %.0f, %d probes, bench time %.1f s. ", num(root, "seed"),
            cJSON_GetArraySize(cJSON_GetObjectItem(root, "probes")), num(root, "virtual_us") / 1e6);
    bool converged = cJSON_IsTrue(cJSON_GetObjectItem(root, "converged"));
    fprintf(out, "<span class='%s'>%s</span> ", converged ? "pass" : "fail",
            converged ? "converged" : "not converged");
    esc(out, str(root, "note"));
    fputs("</p>\n<table>\n<tr><th>quantity</th><th>estimate</th><th>95 % CI</th><th>n</th>"
          "<th>mean</th><th>sd</th><th>min</th><th>median</th><th>p95</th><th>max</th></tr>\n",
          out);
    stat_rows(out, cJSON_GetObjectItem(root, "result"), unit);
    stat_rows(out, cJSON_GetObjectItem(root, "result2"), unit);
    fputs("</table>\n", out);
    cJSON_Delete(root);
    return RC_OK;
}

rc_status rc_html_report(FILE *out, const char *const *traces, size_t n_traces,
                         const rc_html_options *opt, rc_error *err)
{
    const char *title = opt->title ? opt->title : "railcut conformance report";
    fputs("<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'/>\n<title>", out);
    esc(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    esc(out, title);
    fprintf(out, "</h1>\n<p class='note'>MP102A: a meter may not cut the CH's power for more "
                 "than 180 s during an OTA upgrade; a CH without power for more than 180 s "
                 "raises AD1. %zu run%s.</p>\n",
            n_traces, n_traces == 1 ? "" : "s");
    rc_status st = RC_OK;
    if (opt->characterization)
        st = characterization_section(out, opt->characterization, err);
    for (size_t i = 0; i < n_traces && st == RC_OK; i++)
        st = trace_section(out, traces[i], i, opt, err);
    fputs("</body>\n</html>\n", out);
    if (st == RC_OK && ferror(out))
        st = rc_error_set(err, RC_ERR_IO, "error writing the report");
    return st;
}
