/*
 * job.c - one run from profile to verdict: the pipeline behind `railcut run`
 * and every case of a suite.
 *
 * A job goes through two steps. rc_job_prepare does everything that can be
 * rejected without touching a device or writing a file (CH model parameters,
 * profile, backend) and holds the results in an rc_job_plan: the model
 * parameters in a private rc_rig_config, the compiled profile, the driver.
 * rc_job_execute then opens the trace writer (header with the model
 * parameters as name/value text) with its writer thread, which flushes every
 * flush_interval_ms of wall time, runs the profile into it, finalises the trace
 * whatever the run did, re-opens it and analyzes it. Nothing here is global,
 * so jobs on different threads do not share state.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "railcut/clock.h"
#include "railcut/interop.h"
#include "railcut/model.h"
#include "railcut/suite.h"
#include "railcut/trace.h"
#include "railcut/version.h"

struct rc_job_plan {
    const rc_job *job;
    rc_rig_config rig;
    rc_profile *profile;
    const rc_driver *drv;
    bool executed;
};

void rc_job_init(rc_job *job)
{
    memset(job, 0, sizeof *job);
    job->observe_us = -1;
    job->backend = "sim";
    rc_rig_config_default(&job->rig);
    rc_analysis_config_default(&job->analysis);
    job->pace = RC_PACE_MAX;
    job->pace_factor = 1.0;
    job->flush_interval_ms = RC_JOB_FLUSH_INTERVAL_MS;
}

static rc_rig_cal rig_cal(const rc_bench_cal *c)
{
    return c->set ? (rc_rig_cal){.gain = c->gain, .offset = c->offset} : (rc_rig_cal){0};
}

/* What a hardware backend takes from the bench file: its calibration,
 * where AD1 comes from, its trip limits and its safe state. */
static void bench_to_rig(const rc_bench *b, rc_rig_config *rig)
{
    rig->dac_cal = rig_cal(&b->cal[RC_BENCH_CAL_DAC]);
    rig->rail_v_cal = rig_cal(&b->cal[RC_BENCH_CAL_RAIL_V]);
    rig->rail_a_cal = rig_cal(&b->cal[RC_BENCH_CAL_RAIL_A]);
    rig->uart_pattern = b->uart_pattern[0] ? b->uart_pattern : NULL;
    rig->uart_baud = b->uart_baud;
    rig->alert_pin_unwired = !b->alert_pin;
    rig->max_rail_mv = b->max_rail_mv;
    rig->max_current_ma = b->max_current_ma;
    rig->safe_rail_on = b->safe_rail_on;
    rig->safe_rail_mv = b->safe_rail_mv;
    rig->safe_ac_lost = b->safe_ac_lost;
}

static rc_status load_model(const rc_job *job, rc_rig_config *rig, rc_error *err)
{
    if (job->ch_file) {
        rc_status st = rc_model_params_load(&rig->ch, &rig->supply, job->ch_file, err);
        if (st != RC_OK)
            return st;
    }
    for (size_t i = 0; i < job->n_ch_set; i++) {
        const char *item = job->ch_set[i];
        const char *eq = strchr(item, '=');
        if (!eq)
            return rc_error_set(err, RC_ERR_ARG, "--ch-set %s: expected NAME=VALUE", item);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - item), item);
        rc_status st = rc_model_param_set(&rig->ch, &rig->supply, name, eq + 1, err);
        if (st != RC_OK)
            return rc_error_prefix(err, st, "--ch-set %s", item);
    }
    return RC_OK;
}

rc_status rc_job_prepare(const rc_job *job, rc_job_plan **out, rc_job_stage *stage,
                         rc_error *err)
{
    *out = NULL;
    *stage = RC_JOB_MODEL;
    if (!job->profile_path || !job->backend)
        return rc_error_set(err, RC_ERR_ARG, "job without a profile or a backend");
    rc_job_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    plan->job = job;
    plan->rig = job->rig;
    /* One threshold pair serves the crossing detector and the analyzer. */
    plan->rig.outage_below_mv = job->analysis.outage_below_mv;
    plan->rig.restore_above_mv = job->analysis.restore_above_mv;
    if (job->bench)
        bench_to_rig(job->bench, &plan->rig);
    rc_status st = load_model(job, &plan->rig, err);
    if (st == RC_OK)
        st = rc_model_params_check(&plan->rig.ch, &plan->rig.supply, plan->rig.outage_below_mv,
                                   plan->rig.restore_above_mv, err);
    if (st == RC_OK)
        st = rc_analysis_config_check(&job->analysis, err);
    if (st == RC_OK) {
        *stage = RC_JOB_PROFILE;
        rc_profile_options popt = RC_PROFILE_OPTIONS_INIT;
        popt.set = job->set;
        popt.n_set = job->n_set;
        popt.observe_us = job->observe_us;
        st = rc_replay_is_trace_path(job->profile_path)
                 ? rc_replay_profile_load(job->profile_path, &popt, &plan->profile, err)
                 : rc_profile_load_any(job->profile_path, &popt, &plan->profile, err);
    }
    if (st == RC_OK) {
        if (job->analysis.scenario_override)
            plan->profile->scenario = job->analysis.scenario;
        *stage = RC_JOB_BACKEND;
        plan->drv = rc_driver_find(job->backend);
        if (!plan->drv)
            st = rc_error_set(err, RC_ERR_NOT_FOUND,
                              "no backend '%s' (railcut backends lists them)", job->backend);
    }
    if (st != RC_OK) {
        rc_job_plan_free(plan);
        return st;
    }
    *out = plan;
    return RC_OK;
}

const rc_profile *rc_job_plan_profile(const rc_job_plan *plan)
{
    return plan->profile;
}

const rc_driver *rc_job_plan_driver(const rc_job_plan *plan)
{
    return plan->drv;
}

void rc_job_plan_free(rc_job_plan *plan)
{
    if (!plan)
        return;
    rc_profile_free(plan->profile);
    free(plan);
}

/* The CH and supply parameters as name/value text for the trace header. */
typedef struct model_kvs {
    rc_kv *items;
    size_t count;
    size_t cap;
    bool failed;
} model_kvs;

static void collect_param(void *ctx, const char *name, const char *value, const char *unit,
                          const char *description)
{
    (void)unit;
    (void)description;
    model_kvs *kvs = ctx;
    if (kvs->failed)
        return;
    if (kvs->count == kvs->cap) {
        size_t cap = kvs->cap ? kvs->cap * 2 : 32;
        rc_kv *grown = realloc(kvs->items, cap * sizeof *grown);
        if (!grown) {
            kvs->failed = true;
            return;
        }
        kvs->items = grown;
        kvs->cap = cap;
    }
    char *k = strdup(name), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        kvs->failed = true;
        return;
    }
    kvs->items[kvs->count++] = (rc_kv){k, v};
}

static void free_kvs(model_kvs *kvs)
{
    for (size_t i = 0; i < kvs->count; i++) {
        free(kvs->items[i].key);
        free(kvs->items[i].value);
    }
    free(kvs->items);
}

static rc_status open_writer(const rc_job_plan *plan, const char *trace_path,
                             int64_t start_unix_us, rc_trace_writer **w, rc_error *err)
{
    model_kvs kvs = {0};
    rc_model_params_foreach(&plan->rig.ch, &plan->rig.supply, collect_param, &kvs);
    if (plan->job->bench) {
        rc_bench_kv cal[1 + 7 * RC_BENCH_CAL_COUNT]; /* cal.bench, 7 per quantity */
        size_t n = rc_bench_cal_entries(plan->job->bench, start_unix_us, cal,
                                        sizeof cal / sizeof cal[0]);
        for (size_t i = 0; i < n; i++)
            collect_param(&kvs, cal[i].key, cal[i].value, NULL, NULL);
    }
    if (kvs.failed) {
        free_kvs(&kvs);
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    }
    rc_trace_header hdr = {
        .start_unix_us = start_unix_us,
        .railcut_version = RAILCUT_VERSION,
        .backend = plan->drv->name,
        .scenario = rc_scenario_name(plan->profile->scenario),
        .profile_path = plan->job->profile_path,
        .sample_rate_hz = plan->rig.sample_rate_hz,
        .outage_below_mv = plan->rig.outage_below_mv,
        .restore_above_mv = plan->rig.restore_above_mv,
        .model_params = kvs.items,
        .n_model_params = kvs.count,
    };
    /* At full speed the run may wait for the disk (up to 10 s) rather than
     * lose samples; paced runs wait at most the writer's default. */
    rc_trace_writer_options wopt = {
        .threaded = true,
        .flush_us = plan->job->flush_interval_ms * 1000,
        .max_wait_us = plan->job->pace == RC_PACE_MAX ? 10000000 : 0,
    };
    /* A replayed trace is kept in the new one as a reference channel. */
    rc_status st = rc_replay_writer_open(trace_path, &hdr, plan->profile,
                                         plan->job->profile_path, &wopt, w, err);
    free_kvs(&kvs);
    return st;
}

/* Runs the profile into an open writer and closes it whatever happens. The
 * run's own status goes to out->run_status; the return value is the close's. */
static rc_status record_run(const rc_job_plan *plan, rc_trace_writer *writer,
                            rc_job_outcome *out, rc_error *err)
{
    const rc_job *job = plan->job;
    rc_sink sink;
    rc_trace_writer_sink(writer, &sink);
    rc_run_options opt = {
        .pace = job->pace,
        .pace_factor = job->pace_factor,
        .stop_requested = job->stop_requested,
        .progress = job->progress,
        .progress_ctx = job->progress_ctx,
    };
    out->run_status = rc_run(plan->drv, &plan->rig, plan->profile, &opt, &sink, &out->run,
                             &out->run_error);
    rc_trace_writer_stats ws;
    rc_trace_writer_get_stats(writer, &ws);
    rc_status st = rc_trace_writer_close(writer, out->run.end_us, err);
    /* Losses happen only inside the run's own calls: final once it returned. */
    out->samples_lost = ws.samples_lost;
    out->events_lost = ws.events_lost;
    return st;
}

/* AD1 reports from the external feed, collected on the feed's thread while
 * the run records and added to the finalised trace afterwards. */
typedef struct feed_events {
    pthread_mutex_t mu;
    rc_event *ev;
    size_t n, cap;
    bool failed;
} feed_events;

static void on_feed_event(void *ctx, const rc_event *ev)
{
    feed_events *fe = ctx;
    pthread_mutex_lock(&fe->mu);
    if (fe->n == fe->cap) {
        size_t cap = fe->cap ? fe->cap * 2 : 8;
        rc_event *grown = realloc(fe->ev, cap * sizeof *grown);
        if (grown) {
            fe->ev = grown;
            fe->cap = cap;
        }
    }
    if (fe->n < fe->cap)
        fe->ev[fe->n++] = *ev;
    else
        fe->failed = true;
    pthread_mutex_unlock(&fe->mu);
}

static int by_time(const void *a, const void *b)
{
    int64_t ta = ((const rc_event *)a)->t_us, tb = ((const rc_event *)b)->t_us;
    return (ta > tb) - (ta < tb);
}

static rc_status add_feed_events(const char *trace_path, feed_events *fe, rc_error *err)
{
    if (fe->failed)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory for feed events");
    if (fe->n == 0)
        return RC_OK;
    qsort(fe->ev, fe->n, sizeof *fe->ev, by_time);
    return rc_trace_annotate(trace_path, fe->ev, fe->n, "feed", err);
}

/* Records the run with the bench locked (two processes never drive one
 * bench) and the feed listening, both from before the trace is created until
 * it is finalised. */
static rc_status record_on_bench(const rc_job_plan *plan, const char *trace_path,
                                 rc_job_outcome *out, rc_error *err)
{
    const rc_job *job = plan->job;
    rc_bench_lock *lock = NULL;
    rc_feed_server *feed = NULL;
    feed_events fe = {.mu = PTHREAD_MUTEX_INITIALIZER};
    int64_t start_unix_us = rc_clock_utc_us();
    out->stage = RC_JOB_RUN;
    rc_status st = RC_OK;
    if (job->bench)
        st = rc_bench_lock_acquire(job->bench->serial, job->bench_lock_dir, &lock, err);
    if (st == RC_OK && job->feed_bind)
        st = rc_feed_server_start(job->feed_bind, start_unix_us, on_feed_event, &fe, &feed, err);
    rc_trace_writer *writer;
    if (st == RC_OK) {
        out->stage = RC_JOB_TRACE;
        st = open_writer(plan, trace_path, start_unix_us, &writer, err);
        if (st == RC_OK)
            st = record_run(plan, writer, out, err);
    }
    rc_feed_server_stop(feed);
    if (st == RC_OK && feed)
        st = add_feed_events(trace_path, &fe, err);
    free(fe.ev);
    rc_bench_lock_release(lock);
    return st;
}

static rc_status judge(const rc_job *job, const char *trace_path, rc_job_outcome *out,
                       rc_error *err)
{
    rc_trace *trace;
    rc_status st = rc_trace_open(trace_path, &trace, err);
    if (st != RC_OK)
        return st;
    st = rc_analyze_trace(trace, &job->analysis, &out->analysis, err);
    rc_trace_close(trace);
    return st;
}

rc_status rc_job_execute(rc_job_plan *plan, const char *trace_path, rc_job_outcome *out,
                         rc_error *err)
{
    assert(!plan->executed);
    plan->executed = true;
    memset(out, 0, sizeof *out);
    rc_status st = record_on_bench(plan, trace_path, out, err);
    if (st != RC_OK)
        return st;
    /* A device error or a stop ends the run early but the trace is whole up
     * to there: it is judged (verdict "error"). Anything else is not a run. */
    if (out->run_status != RC_OK && out->run_status != RC_ERR_DEVICE &&
        out->run_status != RC_ERR_INTERRUPTED) {
        out->stage = RC_JOB_RUN;
        *err = out->run_error;
        return out->run_status;
    }
    out->stage = RC_JOB_ANALYZE;
    st = judge(plan->job, trace_path, out, err);
    if (st != RC_OK)
        return st;
    out->stage = RC_JOB_DONE;
    return RC_OK;
}

rc_status rc_job_run(const rc_job *job, const char *trace_path, rc_job_outcome *out,
                     rc_error *err)
{
    rc_job_plan *plan;
    rc_job_stage stage;
    rc_status st = rc_job_prepare(job, &plan, &stage, err);
    if (st != RC_OK) {
        memset(out, 0, sizeof *out);
        out->stage = stage;
        return st;
    }
    st = rc_job_execute(plan, trace_path, out, err);
    rc_job_plan_free(plan);
    return st;
}
