/*
 * report_junit.c - the rc_analysis as a JUnit XML test suite, for CI.
 *
 * One <testsuite> (name = the context's suite name, or "railcut") holding one
 * <testcase classname="railcut.<profile file name without extension>"
 * name="<check name>"> per check: a failed check carries <failure
 * message="detail">, a skipped one <skipped message="detail"/>. When the run
 * itself could not be judged (verdict error) one more testcase named "run"
 * carries an <error>. A check made inconclusive by samples the recorder
 * lost carries an <error> too, and the losses are testsuite <properties>
 * (lost_samples, lost_events, lost_spans) and lines of <system-out>, after
 * the trace path. Every text is
 * XML-escaped; the counts in the testsuite element match its testcases.
 */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze_internal.h"

static void put_escaped(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            /* Control characters other than tab and newlines are not XML. */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
                fputc('?', out);
            else
                fputc(*s, out);
        }
    }
}

/* "fixtures/profiles/ota-172s.rail" -> "ota-172s" */
static void profile_class(const rc_report_context *ctx, char *buf, size_t len)
{
    const char *path = ctx && ctx->profile_path ? ctx->profile_path : "profile";
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(buf, len, "%.*s", (int)n, base);
}

static void open_case(FILE *out, const char *cls, const char *name)
{
    fputs("  <testcase classname=\"railcut.", out);
    put_escaped(out, cls);
    fputs("\" name=\"", out);
    put_escaped(out, name);
    fputc('"', out);
}

static void put_case(FILE *out, const char *cls, const char *name, const char *tag,
                     const char *message)
{
    open_case(out, cls, name);
    if (!tag) {
        fputs("/>\n", out);
        return;
    }
    fprintf(out, ">\n    <%s message=\"", tag);
    put_escaped(out, message);
    if (strcmp(tag, "skipped") == 0) {
        fputs("\"/>\n  </testcase>\n", out);
        return;
    }
    fputs("\">", out);
    put_escaped(out, message);
    fprintf(out, "</%s>\n  </testcase>\n", tag);
}

static const char *check_tag(const rc_check *c)
{
    if (c->inconclusive)
        return "error";
    if (c->result == RC_CHECK_FAIL)
        return "failure";
    if (c->result == RC_CHECK_SKIP)
        return "skipped";
    return NULL;
}

/* lost_samples, lost_events and lost_spans ("from-to" in seconds, comma
 * separated) as testsuite properties, when the recorder lost something. */
static void put_properties(FILE *out, const rc_analysis *a)
{
    if (a->n_lost_spans == 0)
        return;
    fprintf(out,
            "  <properties>\n    <property name=\"lost_samples\" value=\"%llu\"/>\n"
            "    <property name=\"lost_events\" value=\"%llu\"/>\n"
            "    <property name=\"lost_spans\" value=\"",
            (unsigned long long)a->lost_samples, (unsigned long long)a->lost_events);
    for (size_t i = 0; i < a->n_lost_spans; i++) {
        char from[32], to[32];
        rc_format_seconds(a->lost_spans[i].from_us, from, sizeof from);
        rc_format_seconds(a->lost_spans[i].to_us, to, sizeof to);
        fprintf(out, "%s%s-%s", i ? "," : "", from, to);
    }
    fputs("\"/>\n  </properties>\n", out);
}

/* One line per lost stretch in system-out. */
static void put_lost(FILE *out, const rc_analysis *a)
{
    for (size_t i = 0; i < a->n_lost_spans; i++) {
        const rc_trace_gap *g = &a->lost_spans[i];
        char from[32], to[32];
        rc_format_seconds(g->from_us, from, sizeof from);
        rc_format_seconds(g->to_us, to, sizeof to);
        fprintf(out, "\nlost: %s s .. %s s, %llu samples, %llu events", from, to,
                (unsigned long long)g->samples, (unsigned long long)g->events);
    }
}

rc_status rc_report_junit(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                          rc_error *err)
{
    if (!out || !a)
        return rc_error_set(err, RC_ERR_ARG, "rc_report_junit: missing argument");
    size_t failures = 0, skipped = 0, inconclusive = 0;
    size_t errors = a->verdict == RC_VERDICT_ERROR;
    for (size_t i = 0; i < a->n_checks; i++) {
        const char *tag = check_tag(&a->checks[i]);
        failures += tag && strcmp(tag, "failure") == 0;
        skipped += tag && strcmp(tag, "skipped") == 0;
        inconclusive += a->checks[i].inconclusive;
    }
    char cls[256];
    profile_class(ctx, cls, sizeof cls);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", out);
    put_escaped(out, ctx && ctx->suite_name ? ctx->suite_name : "railcut");
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
            a->n_checks + errors, failures, errors + inconclusive, skipped);
    put_properties(out, a);
    for (size_t i = 0; i < a->n_checks; i++) {
        const rc_check *c = &a->checks[i];
        char message[sizeof c->detail + 64];
        if (c->inconclusive)
            snprintf(message, sizeof message, "inconclusive (samples lost): %s", c->detail);
        put_case(out, cls, c->name, check_tag(c), c->inconclusive ? message : c->detail);
    }
    if (errors)
        put_case(out, cls, "run", "error", a->error);
    fputs("  <system-out>trace: ", out);
    put_escaped(out, ctx && ctx->trace_path ? ctx->trace_path : "-");
    put_lost(out, a);
    fputs("</system-out>\n</testsuite>\n", out);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "writing the JUnit report failed");
    return RC_OK;
}
