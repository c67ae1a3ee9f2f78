/*
 * test_trace_golden.c - the example trace in docs/trace-format.md is the
 * writer's output, byte for byte, so the document and the code cannot
 * drift apart. The document's hexdump (hexdump -Cv format, between the
 * "golden-hexdump" marker and the end of the code block that follows it)
 * is parsed here and compared with a fresh write of the fixture trace.
 * On a mismatch the actual bytes are printed in the same format.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/trace.h"
#include "test_trace_fixture.h"
#include "testutil.h"

#define DOC_PATH RC_FIXTURES_DIR "/../docs/trace-format.md"

/* Parses one hexdump line "00000010  aa bb ...  |....|" into out; returns the
 * number of bytes, or -1 for a line that is only an offset (the total). */
static int parse_line(const char *line, size_t expect_offset, uint8_t *out)
{
    char *end;
    unsigned long off = strtoul(line, &end, 16);
    ck_assert_msg(end != line, "hexdump line without offset: %s", line);
    ck_assert_msg(off == expect_offset, "hexdump offset %lx, expected %zx", off, expect_offset);
    int n = 0;
    const char *p = end;
    while (*p && *p != '|' && *p != '\n') {
        while (*p == ' ')
            p++;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            break;
        unsigned v;
        ck_assert_int_eq(sscanf(p, "%2x", &v), 1);
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n == 0 ? -1 : n;
}

static uint8_t *doc_bytes(size_t *len)
{
    char *doc = rc_test_read_file(DOC_PATH, NULL);
    ck_assert_msg(doc != NULL, "cannot read %s", DOC_PATH);
    char *p = strstr(doc, "<!-- golden-hexdump -->");
    ck_assert_ptr_nonnull(p);
    p = strstr(p, "```");
    ck_assert_ptr_nonnull(p);
    p = strchr(p, '\n') + 1;
    uint8_t *bytes = malloc(65536);
    size_t n = 0;
    bool total_seen = false;
    while (strncmp(p, "```", 3) != 0) {
        ck_assert_msg(!total_seen, "hexdump continues after its total");
        int got = parse_line(p, n, bytes + n);
        if (got < 0)
            total_seen = true;
        else
            n += (size_t)got;
        p = strchr(p, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    ck_assert(total_seen);
    free(doc);
    *len = n;
    return bytes;
}

static void print_hexdump(const uint8_t *b, size_t n)
{
    for (size_t off = 0; off < n; off += 16) {
        fprintf(stderr, "%08zx ", off);
        for (size_t i = 0; i < 16; i++) {
            if (i == 8)
                fputc(' ', stderr);
            if (off + i < n)
                fprintf(stderr, " %02x", b[off + i]);
            else
                fputs("   ", stderr);
        }
        fputs("  |", stderr);
        for (size_t i = 0; i < 16 && off + i < n; i++)
            fputc(isprint(b[off + i]) ? b[off + i] : '.', stderr);
        fputs("|\n", stderr);
    }
    fprintf(stderr, "%08zx\n", n);
}

START_TEST(test_writer_matches_document)
{
    const char *path = rc_test_tmp_path("golden");
    fix_write(path);
    size_t n_actual, n_doc;
    uint8_t *actual = (uint8_t *)rc_test_read_file(path, &n_actual);
    uint8_t *doc = doc_bytes(&n_doc);
    size_t first_diff = 0;
    while (first_diff < n_actual && first_diff < n_doc && actual[first_diff] == doc[first_diff])
        first_diff++;
    if (n_actual != n_doc || first_diff != n_actual) {
        print_hexdump(actual, n_actual);
        ck_abort_msg("writer output (%zu bytes) differs from %s (%zu bytes) at byte %zu",
                     n_actual, DOC_PATH, n_doc, first_diff);
    }
    free(actual);
    free(doc);
}
END_TEST

START_TEST(test_document_example_reads_back)
{
    const char *path = rc_test_tmp_path("golden-doc");
    size_t n;
    uint8_t *doc = doc_bytes(&n);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(doc, 1, n, f), n);
    fclose(f);
    free(doc);
    rc_trace *t;
    rc_error err;
    ck_assert_int_eq(rc_trace_open(path, &t, &err), RC_OK);
    ck_assert(!rc_trace_get_damage(t)->damaged);
    const rc_trace_stats *st = rc_trace_get_stats(t);
    ck_assert_uint_eq(st->chunks, 9);
    ck_assert_uint_eq(st->samples, FIX_SAMPLES);
    ck_assert_uint_eq(st->events, FIX_EVENTS);
    ck_assert(st->complete);
    ck_assert_int_eq(st->end_us, FIX_END_US);
    ck_assert_uint_eq(st->end_reason, 0);
    ck_assert_str_eq(rc_trace_get_header(t)->scenario, "ota");
    ck_assert_str_eq(rc_trace_get_profile(t)->marks[0].name, "cut");
    rc_trace_close(t);
}
END_TEST

static Suite *golden_suite(void)
{
    Suite *s = suite_create("trace_golden");
    TCase *tc = tcase_create("golden");
    tcase_add_test(tc, test_writer_matches_document);
    tcase_add_test(tc, test_document_example_reads_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(golden_suite());
}
