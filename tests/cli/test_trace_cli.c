/*
 * test_trace_cli.c - traces end to end: a replay's new trace keeps the
 * played rail as ref_rail_v (railcut replay and railcut run TRACE.rct), seen
 * by info and by every export (sigrok-cli reads it); samples a recorder lost
 * to an overrun (forced with a tiny writer queue in front of a reader that
 * waits) are in railcut analyze's text, JSON and JUnit reports, and such a
 * run is not passed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "harness.h"
#include "railcut/trace.h"

/* One recorded OTA run shared by the tests (made once per process). */
static const char *recorded(void)
{
    static char path[512];
    if (path[0])
        return path;
    snprintf(path, sizeof path, "%s", cli_tmp_path("ota.rct"));
    cli_result r =
        cli_railcut("run " PROFILES "/ota-reboot.rail --rate 100 -q --trace %s", path);
    ck_assert_msg(r.exit_code == 0, "run failed: %s", r.err);
    cli_result_free(&r);
    return path;
}

/* The value of CSV column `col` (0 = time) on every data row, in order. */
typedef struct column {
    char **cells;
    size_t n;
} column;

static column csv_column(const char *path, int col)
{
    char *text = cli_slurp(path, NULL);
    ck_assert_ptr_nonnull(text);
    column c = {0};
    size_t cap = 0;
    bool header = true;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        if (header) {
            header = false;
            continue;
        }
        char *cell = line;
        for (int i = 0; i < col && cell; i++) {
            cell = strchr(cell, ',');
            cell = cell ? cell + 1 : NULL;
        }
        ck_assert_ptr_nonnull(cell);
        size_t len = strcspn(cell, ",");
        if (c.n == cap) {
            cap = cap ? 2 * cap : 1024;
            c.cells = realloc(c.cells, cap * sizeof *c.cells);
        }
        c.cells[c.n++] = strndup(cell, len);
    }
    free(text);
    return c;
}

static void column_free(column *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->cells[i]);
    free(c->cells);
}

/* The replayed trace's ref_rail_v (column 5) at each of the original's
 * sample times is the original's rail_v (column 1): both are on the same
 * 100 Hz grid from t = 0, so the reference is the original sample itself. */
static void check_reference(const char *replayed)
{
    const char *a_csv = cli_tmp_path("orig.csv"), *b_csv = cli_tmp_path("replay.csv");
    cli_result r = cli_railcut("export %s -o %s", recorded(), a_csv);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    r = cli_railcut("export %s -o %s", replayed, b_csv);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    char *b_text = cli_slurp(b_csv, NULL);
    ck_assert_ptr_nonnull(
        strstr(b_text, "\ntime_s,rail_v,rail_a,ac_lost,ch_state,ref_rail_v\n"));
    free(b_text);
    column at = csv_column(a_csv, 0), av = csv_column(a_csv, 1);
    column bt = csv_column(b_csv, 0), bref = csv_column(b_csv, 5);
    /* The replay runs on: its observation window follows the recording. */
    ck_assert_uint_gt(at.n, 30000);
    ck_assert_uint_gt(bt.n, at.n);
    size_t bad = 0;
    for (size_t i = 0; i < at.n; i++)
        bad += strcmp(at.cells[i], bt.cells[i]) != 0 || strcmp(av.cells[i], bref.cells[i]) != 0;
    ck_assert_msg(bad == 0, "%zu rows differ", bad);
    /* After the recording, the last recorded level. */
    ck_assert_str_eq(bref.cells[bt.n - 1], av.cells[at.n - 1]);
    column_free(&at);
    column_free(&av);
    column_free(&bt);
    column_free(&bref);
}

START_TEST(replay_keeps_the_original_rail)
{
    const char *b = cli_tmp_path("replay.rct");
    cli_result r = cli_railcut("replay %s --tol 20mV --rate 100 -q --trace %s", recorded(), b);
    ck_assert_msg(r.exit_code == 0, "%s%s", r.out, r.err);
    cli_result_free(&r);
    r = cli_railcut("info %s", b);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "  channel   ref_rail_v V     float32\n"));
    cli_result_free(&r);
    check_reference(b);
    /* The original itself has no reference: naming it is refused. */
    r = cli_railcut("export %s --channels ref_rail_v -o %s", recorded(), cli_tmp_path("x.csv"));
    ck_assert_int_eq(r.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no ref_rail_v channel"));
    cli_result_free(&r);
}
END_TEST

START_TEST(run_of_a_trace_keeps_it_too)
{
    const char *b = cli_tmp_path("run-trace.rct");
    cli_result r = cli_railcut("run %s --rate 100 -q --trace %s", recorded(), b);
    ck_assert_msg(r.exit_code == 0, "%s%s", r.out, r.err);
    cli_result_free(&r);
    const char *vcd = cli_tmp_path("ref.vcd"), *sr = cli_tmp_path("ref.sr");
    r = cli_railcut("export %s --format vcd --channels rail_v,ref_rail_v --to 1s -o %s", b,
                    vcd);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    char *text = cli_slurp(vcd, NULL);
    ck_assert_ptr_nonnull(strstr(text, " ref_rail_v $end\n"));
    free(text);
    r = cli_railcut("export %s --format sr --channels ref_rail_v -o %s", b, sr);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    cli_result_free(&r);
    r = cli_shell("sigrok-cli -i %s --show", sr);
    ck_assert_msg(r.exit_code == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "- ref_rail_v: analog"));
    cli_result_free(&r);
}
END_TEST

/* ---- Lost samples ---------------------------------------------------------------- */

typedef struct slow_reader {
    const char *fifo, *copy;
    atomic_bool go;
} slow_reader;

/* Reads nothing until told to, then copies the FIFO to a file. */
static void *slow_reader_fn(void *arg)
{
    slow_reader *r = arg;
    int fd = open(r->fifo, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    while (!r->go) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    FILE *out = fopen(r->copy, "wb");
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, (size_t)n, out), (size_t)n);
    fclose(out);
    close(fd);
    return NULL;
}

/* A complete 20 s run at 10 kHz with the rail up, written through a 64 KiB
 * queue that the disk (a FIFO nobody reads yet) cannot drain: most samples
 * are lost. Returns how many. */
static uint64_t write_lossy_trace(const char *path)
{
    slow_reader r = {cli_tmp_path("fifo"), path, false};
    ck_assert_int_eq(mkfifo(r.fifo, 0600), 0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, slow_reader_fn, &r), 0);
    rc_trace_header h = {.start_unix_us = 1700000000000000LL,
                         .railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "ota",
                         .profile_path = "lossy.rail",
                         .sample_rate_hz = 10000,
                         .outage_below_mv = 8000,
                         .restore_above_mv = 9000};
    rc_trace_writer_options o = {
        .threaded = true, .queue_bytes = 64 * 1024, .max_wait_us = 1000};
    rc_trace_writer *w;
    rc_error err;
    ck_assert_int_eq(rc_trace_writer_open_ex(r.fifo, &h, NULL, &o, &w, &err), RC_OK);
    rc_event ev;
    rc_event_init(&ev, 0, RC_EV_RAIL_RISE, 9000, NULL);
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    enum { TOTAL = 200000 };
    for (int i = 0; i < TOTAL; i += 100) {
        rc_sample s[100];
        for (int j = 0; j < 100; j++)
            s[j] = (rc_sample){.t_us = (i + j) * 100, .rail_v = 12, .ch_state = 2};
        ck_assert_int_eq(rc_trace_write_samples(w, s, 100, &err), RC_OK);
    }
    rc_trace_writer_stats ws;
    rc_trace_writer_get_stats(w, &ws);
    ck_assert_uint_gt(ws.samples_lost, 0);
    /* The run's end is queued once the reader has drained the queue. */
    r.go = true;
    ck_assert_int_eq(rc_trace_writer_flush(w, &err), RC_OK);
    rc_event_init(&ev, TOTAL * 100, RC_EV_RUN_END, 0, NULL);
    ck_assert_int_eq(rc_trace_write_event(w, &ev, &err), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, TOTAL * 100, &err), RC_OK);
    pthread_join(th, NULL);
    unlink(r.fifo);
    return ws.samples_lost;
}

START_TEST(lost_samples_are_reported)
{
    const char *trace = cli_tmp_path("lossy.rct"), *junit = cli_tmp_path("lossy.xml");
    uint64_t lost = write_lossy_trace(trace);
    cli_result r = cli_railcut("analyze %s --junit %s", trace, junit);
    /* Not passed: the verdict is error (exit 3), every check inconclusive. */
    ck_assert_int_eq(r.exit_code, 3);
    char want[128];
    snprintf(want, sizeof want, "lost:     %llu samples, 0 events (recorder overrun)\n",
             (unsigned long long)lost);
    ck_assert_msg(strstr(r.out, want), "%s", r.out);
    ck_assert_ptr_nonnull(
        strstr(r.out, "mp102a.ch (inconclusive, the recorded data says pass)"));
    cli_result_free(&r);
    r = cli_railcut("analyze %s --json -", trace);
    ck_assert_int_eq(r.exit_code, 3);
    cJSON *report = cli_parse_json(r.out);
    ck_assert_str_eq(cli_verdict(report), "error");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(report, "lost_samples");
    ck_assert(cJSON_IsNumber(n));
    ck_assert_double_eq(n->valuedouble, (double)lost);
    const cJSON *spans = cJSON_GetObjectItemCaseSensitive(report, "lost_spans");
    ck_assert_int_ge(cJSON_GetArraySize(spans), 1);
    double sum = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, spans)
    {
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(s, "from_s");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(s, "to_s");
        ck_assert(from->valuedouble >= 0 && from->valuedouble <= to->valuedouble &&
                  to->valuedouble < 20);
        sum += cJSON_GetObjectItemCaseSensitive(s, "samples")->valuedouble;
    }
    ck_assert_double_eq(sum, (double)lost);
    const cJSON *ch = cli_check_named(report, "mp102a.ch");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ch, "ok")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ch, "inconclusive")));
    cJSON_Delete(report);
    cli_result_free(&r);
    char *xml = cli_slurp(junit, NULL);
    snprintf(want, sizeof want, "<property name=\"lost_samples\" value=\"%llu\"/>",
             (unsigned long long)lost);
    ck_assert_msg(strstr(xml, want), "%s", xml);
    ck_assert_ptr_nonnull(strstr(xml, "<error message=\"inconclusive (samples lost): "));
    ck_assert_ptr_nonnull(strstr(xml, "\nlost: "));
    free(xml);
}
END_TEST

static Suite *trace_cli_suite(void)
{
    Suite *s = suite_create("trace_cli");
    TCase *tc = tcase_create("trace");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, replay_keeps_the_original_rail);
    tcase_add_test(tc, run_of_a_trace_keeps_it_too);
    tcase_add_test(tc, lost_samples_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_cli_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
