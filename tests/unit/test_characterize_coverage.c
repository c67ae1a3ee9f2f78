/*
 * test_characterize_coverage.c - do the characterisation intervals hold the
 * truth as often as they claim? Many seeded simulated CHs, no runs: each
 * probe's answer is drawn from the sim CH's jitter model (jitter.qualify: a
 * uniform draw in [-J, +J] added to the threshold), the staircase walks the
 * same path as the runner's, and the interval comes from the same fit. The
 * counts are deterministic (fixed seeds), so the thresholds below cannot
 * flake; they sit well under the measured coverage
 * (docs/characterization.md) and well above the ~80 % of the old
 * profile-likelihood interval.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "characterize/char_internal.h"
#include "testutil.h"

#define REPEATS 400
#define MAX_PROBES 200

/* splitmix64, as the sim CH draws its jitter. */
static double uniform01(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

typedef struct coverage {
    unsigned covered;   /* intervals that held the threshold */
    unsigned converged; /* staircases that reached their reversals */
    double width_max;   /* widest interval, s */
} coverage;

/* One ad1-threshold characterisation on the default grid (175 s to 185 s by
 * 0.1 s) of a CH whose 50 % point is `truth` and whose jitter is +-jitter_s. */
static void one_staircase(double truth, double jitter_s, unsigned reversals, uint64_t *rng,
                          coverage *c)
{
    const double from = 175.0, resolution = 0.1;
    double x[MAX_PROBES];
    bool yes[MAX_PROBES];
    size_t n = 0;
    rc_char_stair stair;
    rc_char_stair_init(&stair, 100, reversals);
    rc_char_stair_state state = RC_STAIR_GOING;
    while (n < MAX_PROBES && state == RC_STAIR_GOING) {
        x[n] = from + (double)stair.k * resolution;
        yes[n] = x[n] > truth + (2 * uniform01(rng) - 1) * jitter_s;
        bool reversal;
        state = rc_char_stair_record(&stair, yes[n++], &reversal);
    }
    double estimate, lo, hi;
    rc_char_fit_threshold(x, yes, n, resolution, &estimate, &lo, &hi);
    c->converged += state == RC_STAIR_CONVERGED;
    c->covered += lo <= truth && truth <= hi;
    c->width_max = hi - lo > c->width_max ? hi - lo : c->width_max;
}

/* REPEATS characterisations, each with a threshold anywhere in a grid cell
 * around 180 s (so no grid alignment helps). */
static coverage staircase_coverage(double jitter_s, unsigned reversals, uint64_t seed)
{
    coverage c = {0, 0, 0};
    uint64_t rng = seed;
    for (unsigned i = 0; i < REPEATS; i++)
        one_staircase(180.0 + 0.1 * uniform01(&rng), jitter_s, reversals, &rng, &c);
    return c;
}

START_TEST(test_deterministic_ch)
{
    /* The interval is the gap between the longest "no" and the shortest
     * "yes": one resolution wide, always around the threshold. */
    coverage c = staircase_coverage(0, 12, 1);
    ck_assert_uint_eq(c.covered, REPEATS);
    ck_assert_uint_eq(c.converged, REPEATS);
    ck_assert_double_le(c.width_max, 0.1 + 1e-9);
}
END_TEST

START_TEST(test_jitter_of_a_few_steps)
{
    coverage c = staircase_coverage(0.3, 12, 2);
    ck_assert_uint_eq(c.converged, REPEATS);
    ck_assert_msg(c.covered >= 0.92 * REPEATS, "covered %u of %u", c.covered, REPEATS);
}
END_TEST

START_TEST(test_jitter_of_ten_steps)
{
    /* +-1 s around 180 s with the default 12 reversals: the old interval
     * held the threshold in ~80 % of runs. */
    coverage c = staircase_coverage(1.0, 12, 3);
    ck_assert_uint_eq(c.converged, REPEATS);
    ck_assert_msg(c.covered >= 0.90 * REPEATS, "covered %u of %u", c.covered, REPEATS);
}
END_TEST

START_TEST(test_jitter_of_twenty_steps)
{
    /* Wider jitter needs more reversals (docs/characterization.md). */
    coverage c = staircase_coverage(2.0, 48, 4);
    ck_assert_uint_eq(c.converged, REPEATS);
    ck_assert_msg(c.covered >= 0.90 * REPEATS, "covered %u of %u", c.covered, REPEATS);
}
END_TEST

/* Share of REPEATS samples of n uniform draws in [1, 3] whose median
 * interval (ad1-latency) or mean's t interval (uvlo) holds 2. */
static unsigned repeated_coverage(size_t n, bool median, uint64_t seed)
{
    uint64_t rng = seed;
    unsigned covered = 0;
    double v[64];
    ck_assert_uint_le(n, 64);
    for (unsigned i = 0; i < REPEATS; i++) {
        for (size_t j = 0; j < n; j++)
            v[j] = 1.0 + 2.0 * uniform01(&rng);
        rc_char_stat st;
        rc_char_describe(v, n, &st);
        if (median) {
            covered += st.median_ci_lo <= 2.0 && 2.0 <= st.median_ci_hi;
        } else {
            rc_char_estimate_mean(&st, 0.0);
            covered += st.ci_lo <= 2.0 && 2.0 <= st.ci_hi;
        }
    }
    return covered;
}

/* Each of three sample sizes covered at least `share` of the time. */
static void assert_repeated_coverage(const size_t sizes[3], bool median, uint64_t seed,
                                     double share)
{
    for (size_t i = 0; i < 3; i++) {
        unsigned covered = repeated_coverage(sizes[i], median, seed + i);
        ck_assert_msg(covered >= share * REPEATS, "n %zu: covered %u", sizes[i], covered);
    }
}

START_TEST(test_latency_median_interval)
{
    /* Order statistics: at least 95 % for any distribution, 1 - 2/2^n for
     * small n where the ranks are clamped to min and max (n = 5: 93.75 %). */
    static const size_t sizes[] = {5, 30, 60};
    assert_repeated_coverage(sizes, true, 10, 0.92);
}
END_TEST

START_TEST(test_uvlo_mean_interval)
{
    static const size_t sizes[] = {3, 5, 30};
    assert_repeated_coverage(sizes, false, 20, 0.91);
}
END_TEST

START_TEST(test_staircase_walk)
{
    /* steps 16, 8, 4, 2, 1 on 100 grid steps, then reversals at 1 */
    rc_char_stair s;
    rc_char_stair_init(&s, 100, 2);
    ck_assert_int_eq(s.k, 50);
    ck_assert_int_eq(s.step, 16);
    bool rev;
    ck_assert_int_eq(rc_char_stair_record(&s, true, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(s.k, 34);
    ck_assert(!rev);
    ck_assert_int_eq(rc_char_stair_record(&s, false, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(s.k, 42);
    ck_assert_int_eq(s.step, 8);
    for (int64_t step = 4; step >= 1; step /= 2) {
        rc_char_stair_record(&s, s.prev ? false : true, &rev);
        ck_assert_int_eq(s.step, step);
        ck_assert(!rev);
    }
    ck_assert_int_eq(rc_char_stair_record(&s, !s.prev, &rev), RC_STAIR_GOING);
    ck_assert(rev);
    ck_assert_int_eq(rc_char_stair_record(&s, !s.prev, &rev), RC_STAIR_CONVERGED);
    ck_assert(rev);
    ck_assert_uint_eq(s.n_rev, 2);

    /* three answers in a row that push out of an end */
    rc_char_stair_init(&s, 4, 2);
    ck_assert_int_eq(s.step, 1);
    ck_assert_int_eq(rc_char_stair_record(&s, false, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(rc_char_stair_record(&s, false, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(s.k, 4);
    ck_assert_int_eq(rc_char_stair_record(&s, false, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(rc_char_stair_record(&s, false, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(rc_char_stair_record(&s, false, &rev), RC_STAIR_ABOVE);
    rc_char_stair_init(&s, 4, 2);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(rc_char_stair_record(&s, true, &rev), RC_STAIR_GOING);
    ck_assert_int_eq(rc_char_stair_record(&s, true, &rev), RC_STAIR_BELOW);
}
END_TEST

START_TEST(test_fit_separated_trials)
{
    /* A staircase that swings between 179.9 s (no) and 180.0 s (yes): with
     * five swings the interval is the gap between them; with two, a slope
     * as shallow as the gap still fits, and the interval is wider. */
    static const double x[] = {179.8, 180.1, 180.0, 179.9, 180.0, 179.9,
                               180.0, 179.9, 180.0, 179.9, 180.0, 179.9};
    static const bool yes[] = {false, true, true, false, true, false,
                               true, false, true, false, true, false};
    double estimate, lo, hi;
    rc_char_fit_threshold(x, yes, 12, 0.1, &estimate, &lo, &hi);
    ck_assert_double_eq_tol(estimate, 179.95, 1e-9);
    ck_assert_double_eq_tol(lo, 179.9, 1e-9);
    ck_assert_double_eq_tol(hi, 180.0, 1e-9);
    rc_char_fit_threshold(x, yes, 6, 0.1, &estimate, &lo, &hi);
    ck_assert_double_eq_tol(estimate, 179.95, 1e-9);
    ck_assert_double_eq_tol(lo, 179.85, 1e-9);
    ck_assert_double_eq_tol(hi, 180.04, 1e-9);
}
END_TEST

static Suite *coverage_suite(void)
{
    Suite *s = suite_create("characterize coverage");
    TCase *tc = tcase_create("intervals");
    /* 400 fits per case: seconds each, more under the sanitizers */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_staircase_walk);
    tcase_add_test(tc, test_fit_separated_trials);
    tcase_add_test(tc, test_deterministic_ch);
    tcase_add_test(tc, test_jitter_of_a_few_steps);
    tcase_add_test(tc, test_jitter_of_ten_steps);
    tcase_add_test(tc, test_jitter_of_twenty_steps);
    tcase_add_test(tc, test_latency_median_interval);
    tcase_add_test(tc, test_uvlo_mean_interval);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(coverage_suite());
}
