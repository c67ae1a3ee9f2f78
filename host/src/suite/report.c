/*
 * report.c - the reports of a suite run: a JSON summary and one JUnit file
 * with one testcase per case.
 *
 * Both walk the rc_case_result array in suite order and leave out the cases
 * that did not run. The JSON is built as a cJSON tree and printed at once;
 * the JUnit XML is written as it goes, with every text escaped.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "railcut/suite.h"

static const char *outcome_name(rc_case_outcome o)
{
    switch (o) {
    case RC_CASE_MATCHED: return "match";
    case RC_CASE_MISMATCHED: return "mismatch";
    case RC_CASE_ERROR: return "error";
    case RC_CASE_NOT_RUN: return "not-run";
    }
    return "?";
}

typedef struct tally {
    size_t run, matched, mismatched, errors;
} tally;

static tally count(const rc_case_result *r, size_t n)
{
    tally t = {0};
    for (size_t i = 0; i < n; i++) {
        switch (r[i].outcome) {
        case RC_CASE_MATCHED: t.matched++; break;
        case RC_CASE_MISMATCHED: t.mismatched++; break;
        case RC_CASE_ERROR: t.errors++; break;
        case RC_CASE_NOT_RUN: continue;
        }
        t.run++;
    }
    return t;
}

static double seconds(int64_t us)
{
    return (double)us / 1e6;
}

/* ---- JSON ------------------------------------------------------------------ */

static cJSON *string_array(char **items, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(items[i]));
    return arr;
}

static cJSON *expected_json(const rc_suite_case *c)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "verdict", rc_verdict_name(c->verdict));
    cJSON *checks = cJSON_AddObjectToObject(e, "checks");
    for (size_t i = 0; i < c->n_checks; i++)
        cJSON_AddStringToObject(checks, c->checks[i].name,
                                rc_check_result_name(c->checks[i].result));
    return e;
}

static void add_analysis(cJSON *o, const rc_analysis *a)
{
    cJSON_AddStringToObject(o, "verdict", rc_verdict_name(a->verdict));
    cJSON_AddNumberToObject(o, "max_outage_s", seconds(a->max_outage_us));
    cJSON_AddNumberToObject(o, "max_merged_outage_s", seconds(a->max_merged_outage_us));
    cJSON *ad1 = cJSON_AddArrayToObject(o, "ad1_s");
    for (size_t i = 0; i < a->n_ad1; i++)
        cJSON_AddItemToArray(ad1, cJSON_CreateNumber(seconds(a->ad1[i].t_us)));
    cJSON *checks = cJSON_AddArrayToObject(o, "checks");
    for (size_t i = 0; i < a->n_checks; i++) {
        cJSON *chk = cJSON_CreateObject();
        cJSON_AddStringToObject(chk, "name", a->checks[i].name);
        cJSON_AddStringToObject(chk, "result", rc_check_state_name(&a->checks[i]));
        cJSON_AddBoolToObject(chk, "marginal", a->checks[i].marginal);
        cJSON_AddStringToObject(chk, "detail", a->checks[i].detail);
        cJSON_AddItemToArray(checks, chk);
    }
}

static cJSON *case_json(const rc_case_result *r)
{
    const rc_suite_case *c = r->c;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "outcome", outcome_name(r->outcome));
    cJSON_AddStringToObject(o, "profile", c->profile);
    cJSON_AddItemToObject(o, "set", string_array(c->set, c->n_set));
    if (c->ch_file)
        cJSON_AddStringToObject(o, "ch", c->ch_file);
    else
        cJSON_AddNullToObject(o, "ch");
    cJSON_AddItemToObject(o, "ch_set", string_array(c->ch_set, c->n_ch_set));
    cJSON_AddStringToObject(o, "trace", r->trace_path);
    cJSON_AddNumberToObject(o, "wall_s", seconds(r->wall_us));
    cJSON_AddItemToObject(o, "expected", expected_json(c));
    if (r->outcome == RC_CASE_MISMATCHED)
        cJSON_AddStringToObject(o, "differences", r->diff);
    else
        cJSON_AddNullToObject(o, "differences");
    if (r->outcome == RC_CASE_ERROR)
        cJSON_AddStringToObject(o, "error", r->error.msg);
    else
        cJSON_AddNullToObject(o, "error");
    if (r->job.analysis)
        add_analysis(o, r->job.analysis);
    return o;
}

rc_status rc_suite_report_json(FILE *out, const rc_suite *s, const rc_case_result *r,
                               size_t n, rc_error *err)
{
    tally t = count(r, n);
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(root, "suite", s->name);
    cJSON_AddStringToObject(root, "file", s->path ? s->path : "");
    cJSON_AddNumberToObject(root, "cases", (double)t.run);
    cJSON_AddNumberToObject(root, "matched", (double)t.matched);
    cJSON_AddNumberToObject(root, "mismatched", (double)t.mismatched);
    cJSON_AddNumberToObject(root, "errors", (double)t.errors);
    cJSON_AddBoolToObject(root, "ok", t.run > 0 && t.matched == t.run);
    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < n; i++)
        if (r[i].outcome != RC_CASE_NOT_RUN)
            cJSON_AddItemToArray(results, case_json(&r[i]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    int w = fprintf(out, "%s\n", text);
    free(text);
    if (w < 0)
        return rc_error_set(err, RC_ERR_IO, "error writing the JSON report");
    return RC_OK;
}

/* ---- JUnit ----------------------------------------------------------------- */

/* XML text or attribute value: markup characters escaped, control characters
 * other than tab and newlines (not allowed in XML 1.0) replaced by '?'. */
static void xml_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            fputc(ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' ? '?' : ch, out);
        }
    }
}

static void junit_system_out(FILE *out, const rc_case_result *r)
{
    const rc_suite_case *c = r->c;
    fputs("    <system-out>trace: ", out);
    xml_escaped(out, r->trace_path);
    fputs("\nprofile: ", out);
    xml_escaped(out, c->profile);
    for (size_t i = 0; i < c->n_set; i++) {
        fputs(i ? " " : " --set ", out);
        xml_escaped(out, c->set[i]);
    }
    if (c->ch_file) {
        fputs("\nch: ", out);
        xml_escaped(out, c->ch_file);
    }
    for (size_t i = 0; i < c->n_ch_set; i++) {
        fputs(i ? " " : "\nch_set: ", out);
        xml_escaped(out, c->ch_set[i]);
    }
    const rc_analysis *a = r->job.analysis;
    if (a) {
        fprintf(out, "\nverdict: %s", rc_verdict_name(a->verdict));
        for (size_t i = 0; i < a->n_checks; i++) {
            fprintf(out, "\n%s %s: ", rc_check_state_name(&a->checks[i]), a->checks[i].name);
            xml_escaped(out, a->checks[i].detail);
        }
    }
    fputs("</system-out>\n", out);
}

static void junit_case(FILE *out, const char *suite, const rc_case_result *r)
{
    fputs("  <testcase classname=\"railcut.", out);
    xml_escaped(out, suite);
    fputs("\" name=\"", out);
    xml_escaped(out, r->c->name);
    fprintf(out, "\" time=\"%.3f\">\n", seconds(r->wall_us));
    const char *tag = r->outcome == RC_CASE_MISMATCHED ? "failure"
                      : r->outcome == RC_CASE_ERROR    ? "error"
                                                       : NULL;
    if (tag) {
        const char *msg = r->outcome == RC_CASE_MISMATCHED ? r->diff : r->error.msg;
        fprintf(out, "    <%s message=\"", tag);
        xml_escaped(out, msg);
        fputs("\">", out);
        xml_escaped(out, msg);
        fprintf(out, "</%s>\n", tag);
    }
    junit_system_out(out, r);
    fputs("  </testcase>\n", out);
}

rc_status rc_suite_report_junit(FILE *out, const rc_suite *s, const rc_case_result *r,
                                size_t n, rc_error *err)
{
    tally t = count(r, n);
    int64_t wall_us = 0;
    for (size_t i = 0; i < n; i++)
        wall_us += r[i].wall_us;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", out);
    xml_escaped(out, s->name);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n",
            t.run, t.mismatched, t.errors, seconds(wall_us));
    for (size_t i = 0; i < n; i++)
        if (r[i].outcome != RC_CASE_NOT_RUN)
            junit_case(out, s->name, &r[i]);
    fputs("</testsuite>\n", out);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "error writing the JUnit report");
    return RC_OK;
}
