/*
 * test_analyze_fixture.h - synthetic runs for the analyzer's tests: events and
 * samples built by hand, profiles built field by field, and the core called
 * directly (no trace file involved).
 */
#ifndef RC_ANALYZE_FIXTURE_H
#define RC_ANALYZE_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_internal.h"
#include "testutil.h"

#define S 1000000LL
#define MAX_EVENTS 64
#define MAX_SAMPLES 64

typedef struct run {
    rc_event ev[MAX_EVENTS];
    size_t n_ev;
    rc_sample samples[MAX_SAMPLES];
    size_t n_samples;
    rc_profile *profile;
    rc_analysis_config cfg;
    const char *damage;
    int64_t end_us;
    size_t sample_passes; /* times the core streamed the samples */
} run;

static inline void run_init(run *r, rc_scenario scenario)
{
    memset(r, 0, sizeof *r);
    r->profile = rc_profile_new();
    ck_assert_ptr_nonnull(r->profile);
    r->profile->scenario = scenario;
    r->profile->files = malloc(sizeof *r->profile->files);
    r->profile->files[0] = strdup("profiles/ota.rail");
    r->profile->n_files = 1;
    rc_analysis_config_default(&r->cfg);
}

static inline void run_free(run *r)
{
    rc_profile_free(r->profile);
}

/* Events may be added out of order: they are kept sorted (stable). */
static inline void ev(run *r, int64_t t_us, rc_event_kind kind, int32_t value, const char *text)
{
    ck_assert_uint_lt(r->n_ev, MAX_EVENTS);
    size_t i = r->n_ev++;
    while (i > 0 && r->ev[i - 1].t_us > t_us) {
        r->ev[i] = r->ev[i - 1];
        i--;
    }
    rc_event_init(&r->ev[i], t_us, kind, value, text);
}

static inline void up(run *r, int64_t t_us)
{
    ev(r, t_us, RC_EV_RAIL_RISE, 9000, NULL);
}

static inline void down(run *r, int64_t t_us)
{
    ev(r, t_us, RC_EV_RAIL_FALL, 8000, NULL);
}

static inline void ad1(run *r, int64_t t_us)
{
    ev(r, t_us, RC_EV_AD1, 0, "ch-model");
}

/* A complete run ending at end_us. */
static inline void finish(run *r, int64_t end_us)
{
    r->end_us = end_us;
    ev(r, end_us, RC_EV_RUN_END, 0, NULL);
}

static inline void sample(run *r, int64_t t_us, float rail_v, int ac_lost)
{
    ck_assert_uint_lt(r->n_samples, MAX_SAMPLES);
    r->samples[r->n_samples++] = (rc_sample){.t_us = t_us, .rail_v = rail_v,
                                             .ac_lost = (uint8_t)ac_lost};
}

/* Streams in batches of 3, so batch boundaries fall mid-episode. */
static inline rc_status read_fixture_samples(void *ctx, rc_sample_fn fn, void *fn_ctx,
                                             rc_error *err)
{
    (void)err;
    run *r = ctx;
    r->sample_passes++;
    for (size_t i = 0; i < r->n_samples; i += 3) {
        size_t n = r->n_samples - i < 3 ? r->n_samples - i : 3;
        if (fn(fn_ctx, &r->samples[i], n))
            break;
    }
    return RC_OK;
}

static inline rc_status analyze_status(run *r, rc_analysis **out, rc_error *err)
{
    rc_analysis_input in = {.profile = r->profile,
                            .scenario = r->profile->scenario,
                            .events = r->ev,
                            .n_events = r->n_ev,
                            .read_samples = r->n_samples ? read_fixture_samples : NULL,
                            .samples_ctx = r,
                            .end_us = r->end_us,
                            .damage = r->damage};
    return rc_analyze_run(&in, &r->cfg, out, err);
}

static inline rc_analysis *analyze(run *r)
{
    rc_analysis *a = NULL;
    rc_error err = {{0}};
    rc_status st = analyze_status(r, &a, &err);
    ck_assert_msg(st == RC_OK, "analysis failed: %s", err.msg);
    ck_assert_ptr_nonnull(a);
    return a;
}

static inline const rc_check *check_named(const rc_analysis *a, const char *name)
{
    for (size_t i = 0; i < a->n_checks; i++)
        if (strcmp(a->checks[i].name, name) == 0)
            return &a->checks[i];
    ck_abort_msg("no check named %s", name);
    return NULL;
}

static inline void assert_detail_has(const rc_check *c, const char *text)
{
    ck_assert_msg(strstr(c->detail, text) != NULL, "%s: \"%s\" not in \"%s\"", c->name, text,
                  c->detail);
}

/* Analyses the run, asserts the check's result and (unless NULL) a text of
 * its detail, and frees the analysis and the run. */
static inline void analyze_check(run *r, const char *name, rc_check_result result,
                                 const char *text)
{
    rc_analysis *a = analyze(r);
    const rc_check *c = check_named(a, name);
    ck_assert_msg(c->result == result, "%s: result %d, want %d", name, c->result, result);
    if (text)
        assert_detail_has(c, text);
    rc_analysis_free(a);
    run_free(r);
}

static inline void add_expect(rc_profile *p, rc_expect_kind kind, const char *text, int line)
{
    p->expects = realloc(p->expects, (p->n_expects + 1) * sizeof *p->expects);
    p->expects[p->n_expects++] = (rc_expect){.kind = kind, .mark = -1, .text = strdup(text),
                                             .line = line};
}

static inline rc_expect *last_expect(rc_profile *p)
{
    return &p->expects[p->n_expects - 1];
}

static inline void add_mark(rc_profile *p, const char *name, size_t segment)
{
    p->marks = realloc(p->marks, (p->n_marks + 1) * sizeof *p->marks);
    p->marks[p->n_marks++] = (rc_mark){.name = strdup(name), .segment = segment};
}

static inline void add_segment(rc_profile *p, rc_seg_kind kind, rc_wait_on wait_on,
                               int64_t duration_us, int line)
{
    p->segs = realloc(p->segs, (p->n_segs + 1) * sizeof *p->segs);
    p->segs[p->n_segs++] = (rc_segment){.kind = kind, .duration_us = duration_us,
                                        .wait_on = wait_on, .line = line};
}

#endif
