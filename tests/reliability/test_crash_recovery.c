/*
 * test_crash_recovery.c - a recording killed with SIGKILL keeps what it
 * flushed.
 *
 * One reference run of fixtures/profiles/ota-reboot.rail at full speed,
 * then KILLS (10) paced runs of the same profile (--pace 100: 362 s of
 * device time in about 4 s, the writer thread flushing every 250 ms, some
 * 14 flushes a run), each killed
 * at a point drawn from a fixed seed: once the trace on disk has reached a
 * drawn device time, after a drawn extra delay of 0..300 ms, so kills land
 * between flushes and in the middle of chunk writes. For every killed
 * trace:
 *   - the library opens it (damage, if any, is reported, never an error);
 *   - every sample and event that was on disk before the kill is still
 *     there, and the trace is a prefix of the reference, field for field;
 *   - `railcut info` reads it: exit 0 when undamaged, else exit 2 with the
 *     byte where the damage starts;
 *   - `railcut repair` writes a clean trace holding the same samples and
 *     events (plus its note), which `railcut info` reads with exit 0 and
 *     `railcut analyze` judges (its verdict: the run did not complete).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "railcut/trace.h"
#include "rel_util.h"

/* Kills per run; RC_REL_KILLS overrides it (the sanitizer build uses
 * fewer: its runs, reads and repairs take several times longer). */
#define KILLS 10
#define SEED 20261125u
#define PROFILE RC_FIXTURES_DIR "/profiles/ota-reboot.rail"
#define PACE "100"
/* Kill points, device time: from the first boot to well before the end
 * (362 s), so every kill interrupts a running recording. The file lags the
 * run by up to a flush (25 s of device time at --pace 100) and the extra
 * delay adds up to 30 s more. */
#define KILL_FROM_US 1000000LL
#define KILL_TO_US 240000000LL
#define EXTRA_DELAY_MAX_MS 300
#define POLL_MS 25

static rel_trace_data reference;

/* A small deterministic generator (xorshift32), so the kill points are the
 * same on every machine and a failure names a point that can be rerun. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Kill index's point: a whole millisecond of device time and a delay. */
static void kill_point(int index, int64_t *at_us, long *delay_ms)
{
    const uint32_t span_ms = (uint32_t)((KILL_TO_US - KILL_FROM_US) / 1000);
    uint32_t state = SEED;
    for (int i = 0; i < index; i++) {
        next_random(&state);
        next_random(&state);
    }
    *at_us = KILL_FROM_US + (int64_t)(next_random(&state) % span_ms) * 1000;
    *delay_ms = (long)(next_random(&state) % (EXTRA_DELAY_MAX_MS + 1));
}

static void record_reference(void)
{
    const char *path = rel_path("reference.rct");
    const char *argv[] = {"run", PROFILE, "--trace", path, "-q", NULL};
    rel_result r = rel_railcut(argv, NULL, NULL);
    ck_assert_msg(r.exit_code == 0, "reference run: exit %d: %s", r.exit_code, r.err);
    rel_result_free(&r);
    rel_trace_load(path, &reference);
    ck_assert(reference.complete && !reference.damaged);
    ck_assert_uint_gt(reference.n_samples, 360000);
}

/* How far the trace on disk reads now: its samples and events. Returns
 * false while the file does not yet open. The fast open reads the index
 * and what follows it, so polling costs little however long the file. */
static bool on_disk(const char *path, uint64_t *samples, uint64_t *events, int64_t *last_us)
{
    rc_trace *t;
    if (rc_trace_open_ex(path, RC_TRACE_OPEN_FAST, &t, NULL) != RC_OK)
        return false;
    const rc_trace_stats *s = rc_trace_get_stats(t);
    *samples = s->samples;
    *events = s->events;
    *last_us = s->samples ? s->last_us : -1;
    rc_trace_close(t);
    return true;
}

/* Starts a paced run and kills it at the drawn point; returns what was on
 * disk at the last look before the kill. */
static void record_and_kill(int index, const char *path, uint64_t *seen_samples,
                            uint64_t *seen_events)
{
    int64_t at_us;
    long delay_ms;
    kill_point(index, &at_us, &delay_ms);
    unlink(path);
    char out[4096], err[4096];
    snprintf(out, sizeof out, "%s", rel_path("kill.out"));
    snprintf(err, sizeof err, "%s", rel_path("kill.err"));
    const char *argv[] = {"run", PROFILE, "--pace", PACE, "--trace", path, "-q", NULL};
    pid_t pid = rel_spawn(argv, out, err, NULL, NULL);
    int64_t last_us = -1;
    *seen_samples = *seen_events = 0;
    while (last_us < at_us) {
        ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0,
                      "kill %d: the run ended before %lld us was on disk", index,
                      (long long)at_us);
        rel_sleep_ms(POLL_MS);
        on_disk(path, seen_samples, seen_events, &last_us);
    }
    rel_sleep_ms(delay_ms);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    rel_result r = rel_wait(pid, out, err);
    ck_assert_msg(r.signal == SIGKILL, "kill %d: the run was not killed (exit %d)", index,
                  r.exit_code);
    rel_result_free(&r);
}

static void check_info(const char *path, const rel_trace_data *killed)
{
    const char *argv[] = {"info", path, NULL};
    rel_result r = rel_railcut(argv, NULL, NULL);
    if (killed->damaged) {
        ck_assert_msg(r.exit_code == 2, "info on a damaged trace: exit %d", r.exit_code);
        ck_assert_msg(strstr(r.out, "DAMAGED     from byte "), "%s", r.out);
        ck_assert_msg(strstr(r.out, "railcut repair IN -o OUT"), "%s", r.out);
    } else {
        ck_assert_msg(r.exit_code == 0, "info: exit %d: %s", r.exit_code, r.err);
    }
    char count[64];
    snprintf(count, sizeof count, " %zu samples, %zu events", killed->n_samples,
             killed->n_events);
    ck_assert_msg(strstr(r.out, count), "info does not say '%s':\n%s", count, r.out);
    rel_result_free(&r);
}

/* The repaired trace: everything the killed one held, then repair's note. */
static void check_repair(const char *path, const rel_trace_data *killed)
{
    char repaired[4096];
    snprintf(repaired, sizeof repaired, "%s", rel_path("repaired.rct"));
    unlink(repaired);
    const char *argv[] = {"repair", path, "-o", repaired, NULL};
    rel_result r = rel_railcut(argv, NULL, NULL);
    ck_assert_msg(r.exit_code == 0, "repair: exit %d: %s", r.exit_code, r.err);
    char kept[96];
    snprintf(kept, sizeof kept, "kept        %zu samples, ", killed->n_samples);
    ck_assert_msg(strstr(r.out, kept), "%s", r.out);
    ck_assert_msg(strstr(r.out, "incomplete: ended at the last time read"), "%s", r.out);
    rel_result_free(&r);

    rel_trace_data clean;
    rel_trace_load(repaired, &clean);
    ck_assert(!clean.damaged && clean.complete);
    ck_assert_uint_eq(clean.n_samples, killed->n_samples);
    ck_assert_uint_ge(clean.n_events, killed->n_events);
    rel_check_prefix(killed, &clean, "repaired");
    rel_trace_data_free(&clean);

    const char *info[] = {"info", repaired, NULL};
    r = rel_railcut(info, NULL, NULL);
    ck_assert_msg(r.exit_code == 0, "info on the repaired trace: exit %d: %s", r.exit_code,
                  r.out);
    rel_result_free(&r);
    const char *analyze[] = {"analyze", repaired, "-q", "--json", "-", NULL};
    r = rel_railcut(analyze, NULL, NULL);
    ck_assert_msg(r.exit_code != 2, "analyze refused the repaired trace: %s", r.err);
    ck_assert_msg(strstr(r.out, "\"verdict\""), "no verdict: %s", r.out);
    rel_result_free(&r);
}

START_TEST(test_kill_during_recording)
{
    int index = _i;
    if (!reference.samples)
        record_reference();
    char path[4096];
    snprintf(path, sizeof path, "%s", rel_path("killed.rct"));
    uint64_t seen_samples, seen_events;
    record_and_kill(index, path, &seen_samples, &seen_events);

    rel_trace_data killed;
    rel_trace_load(path, &killed);
    ck_assert(!killed.complete);
    ck_assert_msg(killed.n_samples >= seen_samples && killed.n_events >= seen_events,
                  "kill %d: %zu samples and %zu events after the kill, %llu and %llu before",
                  index, killed.n_samples, killed.n_events, (unsigned long long)seen_samples,
                  (unsigned long long)seen_events);
    rel_check_prefix(&killed, &reference, "killed");
    printf("kill %d: %zu samples, %zu events, %s\n", index, killed.n_samples, killed.n_events,
           killed.damaged ? "a chunk half written" : "ends at a chunk boundary");
    check_info(path, &killed);
    check_repair(path, &killed);
    rel_trace_data_free(&killed);
}
END_TEST

int main(void)
{
    const char *env = getenv("RC_REL_KILLS");
    int kills = env ? atoi(env) : KILLS;
    if (kills <= 0) {
        fprintf(stderr, "RC_REL_KILLS='%s' is not a positive count\n", env);
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("crash_recovery");
    TCase *tc = tcase_create("kill");
    /* No fork: the reference run is recorded once for all kills. */
    tcase_add_loop_test(tc, test_kill_during_recording, 0, kills);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    rel_trace_data_free(&reference);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
