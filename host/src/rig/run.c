/*
 * run.c - the run loop: one compiled profile on one backend, open to close.
 *
 * The loop knows no backend. It opens the device, loads the segment list,
 * starts it, then polls in steps: with pace "max" each poll asks for a big
 * slice of device time; with "realtime" the device time requested follows
 * the wall clock times the pace factor and the loop sleeps in between. The
 * user's sink is wrapped (run_ctx) so that each RC_EV_SEGMENT is followed by
 * the RC_EV_MARK events of the marks placed at that segment, and so that the
 * running segment is known for progress reports. Whatever happens, the last
 * event delivered is RC_EV_RUN_END.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "railcut/clock.h"
#include "railcut/rig.h"

/* Device time per poll at pace max: large enough that polling costs
 * nothing, small enough that Ctrl-C and progress stay responsive. */
#define MAX_PACE_STEP_US 1000000LL
/* At realtime pace, device time per poll and the sleep between polls. */
#define REALTIME_STEP_US 100000LL
#define REALTIME_SLEEP_NS 10000000L

void rc_rig_config_default(rc_rig_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->sample_rate_hz = RC_DEFAULT_SAMPLE_RATE_HZ;
    cfg->outage_below_mv = RC_DEFAULT_OUTAGE_BELOW_MV;
    cfg->restore_above_mv = RC_DEFAULT_RESTORE_ABOVE_MV;
    rc_ch_params_default(&cfg->ch);
    rc_supply_params_default(&cfg->supply);
}

rc_status rc_pace_parse(const char *text, rc_pace *pace, double *factor, rc_error *err)
{
    if (strcmp(text, "max") == 0) {
        *pace = RC_PACE_MAX;
        *factor = 1.0;
        return RC_OK;
    }
    if (strcmp(text, "realtime") == 0) {
        *pace = RC_PACE_REALTIME;
        *factor = 1.0;
        return RC_OK;
    }
    char *end;
    errno = 0;
    double f = strtod(text, &end);
    if (end != text && *end == 'x')
        end++;
    if (end == text || *end != '\0' || errno != 0 || !isfinite(f) || f <= 0.0)
        return rc_error_set(err, RC_ERR_PARSE,
                            "bad pace '%s' (expected max, realtime or a factor such as 10)",
                            text);
    *pace = RC_PACE_REALTIME;
    *factor = f;
    return RC_OK;
}

typedef struct run_ctx {
    const rc_sink *user;
    const rc_profile *profile;
    size_t segment;
} run_ctx;

static rc_status run_on_samples(void *ctx, const rc_sample *s, size_t n, rc_error *err)
{
    run_ctx *r = ctx;
    return r->user->on_samples ? r->user->on_samples(r->user->ctx, s, n, err) : RC_OK;
}

static rc_status run_on_event(void *ctx, const rc_event *ev, rc_error *err)
{
    run_ctx *r = ctx;
    rc_status st = r->user->on_event ? r->user->on_event(r->user->ctx, ev, err) : RC_OK;
    if (st != RC_OK || ev->kind != RC_EV_SEGMENT)
        return st;
    r->segment = (size_t)ev->value;
    for (size_t i = 0; st == RC_OK && i < r->profile->n_marks; i++) {
        const rc_mark *mk = &r->profile->marks[i];
        if (mk->segment != r->segment || !r->user->on_event)
            continue;
        rc_event mark;
        rc_event_init(&mark, ev->t_us, RC_EV_MARK, (int32_t)i, mk->name);
        st = r->user->on_event(r->user->ctx, &mark, err);
    }
    return st;
}

static void sleep_a_little(void)
{
    struct timespec ts = {0, REALTIME_SLEEP_NS};
    nanosleep(&ts, NULL);
}

static bool stop_requested(const rc_run_options *opt)
{
    return opt->stop_requested && *opt->stop_requested;
}

/* Device time to ask for next. */
static int64_t next_until(const rc_run_options *opt, int64_t now_us, int64_t wall_start_us)
{
    if (opt->pace == RC_PACE_MAX)
        return now_us + MAX_PACE_STEP_US;
    double factor = opt->pace_factor > 0.0 ? opt->pace_factor : 1.0;
    int64_t target = (int64_t)((double)(rc_clock_monotonic_us() - wall_start_us) * factor);
    return target < now_us + REALTIME_STEP_US ? target : now_us + REALTIME_STEP_US;
}

static void report_progress(const rc_run_options *opt, const run_ctx *r, int64_t now_us)
{
    if (!opt->progress)
        return;
    rc_run_progress p = {.now_us = now_us,
                         .nominal_us = r->profile->nominal_us,
                         .segment = r->segment,
                         .profile = r->profile};
    opt->progress(opt->progress_ctx, &p);
}

/* Polls until the profile is done, the user stops the run or the device
 * fails. */
static rc_status poll_loop(const rc_driver *drv, rc_device *dev, const rc_run_options *opt,
                           const rc_sink *wrapped, run_ctx *r, rc_run_result *res,
                           rc_error *err)
{
    int64_t wall_start = rc_clock_monotonic_us();
    rc_poll_result pr = {0, false};
    while (!pr.done) {
        if (stop_requested(opt)) {
            res->end = RC_RUN_STOPPED;
            return rc_error_set(err, RC_ERR_INTERRUPTED, "run stopped by the user");
        }
        int64_t until = next_until(opt, pr.now_us, wall_start);
        if (until <= pr.now_us) {
            sleep_a_little();
            continue;
        }
        rc_status st = drv->poll(dev, until, wrapped, &pr, err);
        res->end_us = pr.now_us;
        if (st != RC_OK) {
            res->end = RC_RUN_DEVICE_ERROR;
            return st;
        }
        report_progress(opt, r, pr.now_us);
    }
    res->end = RC_RUN_COMPLETE;
    return RC_OK;
}

static rc_status emit_run_end(const rc_sink *sink, const rc_run_result *res, rc_status st,
                              rc_error *err)
{
    if (!sink->on_event)
        return st;
    rc_event ev;
    rc_event_init(&ev, res->end_us, RC_EV_RUN_END, (int32_t)res->end, NULL);
    rc_error end_err;
    rc_status end_st = sink->on_event(sink->ctx, &ev, &end_err);
    if (st == RC_OK && end_st != RC_OK) {
        if (err)
            *err = end_err;
        return end_st;
    }
    return st;
}

rc_status rc_run(const rc_driver *drv, const rc_rig_config *cfg, const rc_profile *p,
                 const rc_run_options *opt, const rc_sink *sink, rc_run_result *res,
                 rc_error *err)
{
    assert(drv && cfg && p && opt && sink && res);
    res->end = RC_RUN_DEVICE_ERROR;
    res->end_us = 0;
    run_ctx r = {.user = sink, .profile = p, .segment = 0};
    rc_sink wrapped = {.ctx = &r, .on_samples = run_on_samples, .on_event = run_on_event};

    rc_device *dev = NULL;
    rc_status st = drv->open(cfg, &dev, err);
    if (st == RC_OK)
        st = drv->load(dev, p, err);
    if (st == RC_OK)
        st = drv->start(dev, err);
    if (st == RC_OK)
        st = poll_loop(drv, dev, opt, &wrapped, &r, res, err);
    if (dev) {
        /* Stop even after a failure: the rail goes back to the safe state.
         * The first error is the one reported. */
        rc_error stop_err;
        rc_status stop_st = drv->stop(dev, &stop_err);
        if (st == RC_OK && stop_st != RC_OK) {
            res->end = RC_RUN_DEVICE_ERROR;
            st = stop_st;
            if (err)
                *err = stop_err;
        }
        drv->close(dev);
    }
    return emit_run_end(sink, res, st, err);
}
