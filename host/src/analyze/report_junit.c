/*
 * report_junit.c - the rc_analysis as a JUnit XML test suite, for CI.
 *
 * One <testsuite> (name = the context's suite name, or "railcut") holding one
 * <testcase classname="railcut.<profile file name without extension>"
 * name="<check name>"> per check: a failed check carries <failure
 * message="detail">, a skipped one <skipped message="detail"/>. When the run
 * itself could not be judged (verdict error) one more testcase named "run"
 * carries an <error>. The trace path goes to <system-out>. Every text is
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
    if (c->result == RC_CHECK_FAIL)
        return "failure";
    if (c->result == RC_CHECK_SKIP)
        return "skipped";
    return NULL;
}

rc_status rc_report_junit(FILE *out, const rc_analysis *a, const rc_report_context *ctx,
                          rc_error *err)
{
    if (!out || !a)
        return rc_error_set(err, RC_ERR_ARG, "rc_report_junit: missing argument");
    size_t failures = 0, skipped = 0, errors = a->verdict == RC_VERDICT_ERROR;
    for (size_t i = 0; i < a->n_checks; i++) {
        failures += a->checks[i].result == RC_CHECK_FAIL;
        skipped += a->checks[i].result == RC_CHECK_SKIP;
    }
    char cls[256];
    profile_class(ctx, cls, sizeof cls);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", out);
    put_escaped(out, ctx && ctx->suite_name ? ctx->suite_name : "railcut");
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
            a->n_checks + errors, failures, errors, skipped);
    for (size_t i = 0; i < a->n_checks; i++) {
        const rc_check *c = &a->checks[i];
        put_case(out, cls, c->name, check_tag(c), c->detail);
    }
    if (errors)
        put_case(out, cls, "run", "error", a->error);
    fputs("  <system-out>trace: ", out);
    put_escaped(out, ctx && ctx->trace_path ? ctx->trace_path : "-");
    fputs("</system-out>\n</testsuite>\n", out);
    if (ferror(out))
        return rc_error_set(err, RC_ERR_IO, "writing the JUnit report failed");
    return RC_OK;
}
