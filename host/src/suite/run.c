/*
 * run.c - running a suite: preparing every selected case, running them on
 * worker threads, and comparing each analysis with the case's expectations.
 *
 * A suite plan holds one rc_job and one rc_job_plan per case (index = case
 * index) and one rc_case_result per case; preparing fills them all before
 * anything runs, so a bad case costs no trace and no report. Workers take
 * the next selected
 * case under `lock`; a case on any backend other than sim also holds `hw`
 * for its whole run, so hardware cases run one at a time whatever --jobs
 * says while sim cases go on beside them. Jobs share nothing but the
 * read-only suite, so no other locking is needed; results are reported
 * through on_case_done under `lock`, one call at a time.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "railcut/clock.h"
#include "railcut/suite.h"

/* ---- Comparing a run with its expectations --------------------------------- */

typedef struct diff_buf {
    char *buf;
    size_t len;
    size_t used;
} diff_buf;

static void diff_add(diff_buf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff_add(diff_buf *d, const char *fmt, ...)
{
    if (d->len == 0 || d->used + 1 >= d->len)
        return;
    if (d->used > 0)
        d->used += (size_t)snprintf(d->buf + d->used, d->len - d->used, "; ");
    if (d->used + 1 >= d->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(d->buf + d->used, d->len - d->used, fmt, ap);
    va_end(ap);
    if (w > 0)
        d->used += (size_t)w;
    if (d->used >= d->len)
        d->used = d->len - 1;
}

static const rc_check *find_check(const rc_analysis *a, const char *name)
{
    for (size_t i = 0; i < a->n_checks; i++)
        if (strcmp(a->checks[i].name, name) == 0)
            return &a->checks[i];
    return NULL;
}

/* For an unexpected verdict, say which checks made it. */
static void verdict_diff(diff_buf *d, const rc_suite_case *c, const rc_analysis *a)
{
    char why[1024] = "";
    size_t used = 0;
    if (a->verdict == RC_VERDICT_ERROR) {
        snprintf(why, sizeof why, ": %s", a->error);
    } else {
        for (size_t i = 0; i < a->n_checks && used + 1 < sizeof why; i++) {
            if (a->checks[i].result != RC_CHECK_FAIL)
                continue;
            int w = snprintf(why + used, sizeof why - used, "%s%s failed: %s",
                             used ? ", " : ": ", a->checks[i].name, a->checks[i].detail);
            used = w > 0 ? used + (size_t)w : used;
        }
    }
    diff_add(d, "expected verdict=%s, got %s%s", rc_verdict_name(c->verdict),
             rc_verdict_name(a->verdict), why);
}

bool rc_suite_case_compare(const rc_suite_case *c, const rc_analysis *a, char *diff, size_t len)
{
    diff_buf d = {diff, len, 0};
    if (len)
        diff[0] = '\0';
    bool ok = a->verdict == c->verdict;
    if (!ok)
        verdict_diff(&d, c, a);
    for (size_t i = 0; i < c->n_checks; i++) {
        const rc_suite_check *want = &c->checks[i];
        const rc_check *got = find_check(a, want->name);
        if (!got) {
            ok = false;
            diff_add(&d, "expected %s=%s, but the run has no check %s", want->name,
                     rc_check_result_name(want->result), want->name);
        } else if (got->result != want->result || got->inconclusive) {
            ok = false;
            diff_add(&d, "expected %s=%s, got %s: %s", want->name,
                     rc_check_result_name(want->result), rc_check_state_name(got),
                     got->detail);
        }
    }
    return ok;
}

/* ---- The runner ------------------------------------------------------------ */

void rc_suite_run_options_init(rc_suite_run_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->trace_dir = ".";
    opt->jobs = 1;
    rc_rig_config_default(&opt->rig);
    rc_analysis_config_default(&opt->analysis);
}

struct rc_suite_plan {
    const rc_suite *s;
    const rc_suite_run_options *opt;
    rc_case_result *results; /* handed to the caller by rc_suite_execute */
    rc_job *jobs;
    rc_job_plan **plans;     /* NULL for cases not selected */
    bool executed;
    size_t next;
    pthread_mutex_t lock;
    pthread_mutex_t hw;
};

static const char *case_backend(const rc_suite_plan *r, const rc_suite_case *c)
{
    return r->opt->backend ? r->opt->backend : c->backend;
}

static void job_for_case(const rc_suite_plan *r, const rc_suite_case *c, rc_job *job)
{
    rc_job_init(job);
    job->profile_path = c->profile;
    job->set = (const char *const *)c->set;
    job->n_set = c->n_set;
    job->observe_us = c->observe_us;
    job->ch_file = c->ch_file;
    job->ch_set = (const char *const *)c->ch_set;
    job->n_ch_set = c->n_ch_set;
    job->backend = case_backend(r, c);
    job->rig = r->opt->rig;
    job->analysis = r->opt->analysis;
    job->stop_requested = r->opt->stop_requested;
    if (r->opt->bench && strcmp(job->backend, "sim") != 0) {
        job->bench = r->opt->bench;
        job->bench_lock_dir = r->opt->bench_lock_dir;
        job->feed_bind = r->opt->bench->feed ? r->opt->bench->feed_bind : NULL;
    }
}

static rc_status prepare_all(rc_suite_plan *r, rc_error *err)
{
    for (size_t i = 0; i < r->s->n_cases; i++) {
        const rc_suite_case *c = &r->s->cases[i];
        r->results[i].c = c;
        r->results[i].outcome = RC_CASE_NOT_RUN;
        if (!rc_suite_case_selected(c, r->opt->filter))
            continue;
        job_for_case(r, c, &r->jobs[i]);
        rc_job_stage stage;
        rc_status st = rc_job_prepare(&r->jobs[i], &r->plans[i], &stage, err);
        if (st != RC_OK)
            return rc_error_prefix(err, st, "%s:%d: case '%s'", r->s->path ? r->s->path : "",
                                   c->line, c->name);
        size_t n = strlen(r->opt->trace_dir) + strlen(c->name) + 6;
        r->results[i].trace_path = malloc(n);
        if (!r->results[i].trace_path)
            return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
        snprintf(r->results[i].trace_path, n, "%s/%s.rct", r->opt->trace_dir, c->name);
    }
    return RC_OK;
}

static void run_case(rc_suite_plan *r, size_t i)
{
    rc_case_result *res = &r->results[i];
    bool hardware = strcmp(rc_job_plan_driver(r->plans[i])->name, "sim") != 0;
    if (hardware)
        pthread_mutex_lock(&r->hw);
    int64_t t0 = rc_clock_monotonic_us();
    rc_status st = rc_job_execute(r->plans[i], res->trace_path, &res->job, &res->error);
    res->wall_us = rc_clock_monotonic_us() - t0;
    if (hardware)
        pthread_mutex_unlock(&r->hw);
    if (st != RC_OK)
        res->outcome = RC_CASE_ERROR;
    else if (rc_suite_case_compare(res->c, res->job.analysis, res->diff, sizeof res->diff))
        res->outcome = RC_CASE_MATCHED;
    else
        res->outcome = RC_CASE_MISMATCHED;
}

static bool stopped(const rc_suite_plan *r)
{
    return r->opt->stop_requested && *r->opt->stop_requested;
}

static void *worker(void *arg)
{
    rc_suite_plan *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->next < r->s->n_cases && !r->plans[r->next])
            r->next++;
        if (r->next >= r->s->n_cases || stopped(r))
            break;
        size_t i = r->next++;
        pthread_mutex_unlock(&r->lock);
        run_case(r, i);
        pthread_mutex_lock(&r->lock);
        if (r->opt->on_case_done)
            r->opt->on_case_done(r->opt->ctx, &r->results[i]);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static rc_status run_workers(rc_suite_plan *r, rc_error *err)
{
    unsigned n = r->opt->jobs ? r->opt->jobs : 1;
    if (n > 64)
        n = 64;
    pthread_t threads[64];
    unsigned started = 0;
    for (; started + 1 < n; started++)
        if (pthread_create(&threads[started], NULL, worker, r) != 0)
            break;
    worker(r); /* the calling thread works too */
    for (unsigned k = 0; k < started; k++)
        pthread_join(threads[k], NULL);
    if (stopped(r))
        return rc_error_set(err, RC_ERR_INTERRUPTED, "suite stopped");
    return RC_OK;
}

void rc_suite_plan_free(rc_suite_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; plan->plans && i < plan->s->n_cases; i++)
        rc_job_plan_free(plan->plans[i]);
    free(plan->plans);
    free(plan->jobs);
    rc_suite_results_free(plan->results, plan->s->n_cases);
    free(plan);
}

rc_status rc_suite_prepare(const rc_suite *s, const rc_suite_run_options *opt,
                           rc_suite_plan **out, rc_error *err)
{
    *out = NULL;
    rc_suite_plan *r = calloc(1, sizeof *r);
    if (!r)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    size_t n = s->n_cases ? s->n_cases : 1;
    r->s = s;
    r->opt = opt;
    r->results = calloc(n, sizeof *r->results);
    r->jobs = calloc(n, sizeof *r->jobs);
    r->plans = calloc(n, sizeof *r->plans);
    rc_status st = RC_OK;
    if (!r->results || !r->jobs || !r->plans)
        st = rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    if (st == RC_OK)
        st = prepare_all(r, err);
    if (st != RC_OK) {
        rc_suite_plan_free(r);
        return st;
    }
    *out = r;
    return RC_OK;
}

rc_status rc_suite_execute(rc_suite_plan *plan, rc_case_result **results, rc_error *err)
{
    *results = NULL;
    if (plan->executed)
        return rc_error_set(err, RC_ERR_ARG, "a suite plan is executed once");
    plan->executed = true;
    pthread_mutex_init(&plan->lock, NULL);
    pthread_mutex_init(&plan->hw, NULL);
    rc_status st = run_workers(plan, err);
    pthread_mutex_destroy(&plan->lock);
    pthread_mutex_destroy(&plan->hw);
    *results = plan->results;
    plan->results = NULL;
    return st;
}

rc_status rc_suite_run(const rc_suite *s, const rc_suite_run_options *opt,
                       rc_case_result **results, rc_error *err)
{
    rc_suite_plan *plan;
    *results = NULL;
    rc_status st = rc_suite_prepare(s, opt, &plan, err);
    if (st != RC_OK)
        return st;
    st = rc_suite_execute(plan, results, err);
    rc_suite_plan_free(plan);
    return st;
}

void rc_suite_results_free(rc_case_result *results, size_t n)
{
    if (!results)
        return;
    for (size_t i = 0; i < n; i++) {
        free(results[i].trace_path);
        rc_analysis_free(results[i].job.analysis);
    }
    free(results);
}
