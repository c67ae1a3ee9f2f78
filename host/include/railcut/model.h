/*
 * railcut/model.h - the golden model of the bench: programmable supply with a
 * load switch, and the Communications Hub (CH) it powers.
 *
 * Used by the sim backend, by the cosim backend (behind the gateware's DAC and
 * ADC pins) and by tests. All parameters are documented in docs/ch-model.md,
 * have named defaults that describe a conformant CH (AD1 when, and only when,
 * the rail has been interrupted for more than 180 s), and can be set from a CH
 * file (INI, sections [ch] and [supply]) or "--ch-set name=value".
 */
#ifndef RAILCUT_MODEL_H
#define RAILCUT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "railcut/error.h"
#include "railcut/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rc_ad1_mode {
    RC_AD1_LAST_GASP = 0,  /* sent on stored energy once the outage qualifies */
    RC_AD1_ON_RESTORE = 1, /* sent after power returns and the CH has rebooted */
} rc_ad1_mode;

typedef enum rc_discharge {
    RC_DISCHARGE_OPEN = 0,   /* cut leaves the rail floating: it decays through the CH load */
    RC_DISCHARGE_ACTIVE = 1, /* cut pulls the rail down through a discharge resistor */
} rc_discharge;

typedef struct rc_supply_params {
    int32_t slew_mv_per_ms;    /* how fast the output follows the setpoint */
    int32_t current_limit_ma;  /* output current limit; inrush above it is clipped */
    rc_discharge discharge;    /* what a cut does to the rail */
    int32_t discharge_ohm;     /* active discharge resistance */
    int32_t rail_uf;           /* rail capacitance on the CH side of the switch */
} rc_supply_params;

typedef struct rc_ch_params {
    int32_t uvlo_off_mv;        /* input below this: CH loses power, outage timer starts */
    int32_t uvlo_on_mv;         /* input at or above this: power back (hysteresis) */
    int64_t holdup_us;          /* ride-through on full storage after losing input */
    int64_t recharge_us;        /* time to recharge storage from empty */
    int64_t boot_us;            /* power-up to ready */
    int64_t outage_qualify_us;  /* AD1 owed after MORE than this without power (180 s) */
    rc_ad1_mode ad1_mode;
    int64_t ad1_latency_us;     /* from qualification (last-gasp) or ready (on-restore) to AD1 */
    int64_t restored_latency_us;/* from ready to the power-restored alert */
    int32_t run_ma;             /* current drawn while booting or ready */
    int32_t charge_ma;          /* extra current while recharging storage */
    /* Injectable defects (all off by default). */
    int64_t defect_short_restore_us; /* restores shorter than this do not reset the timer */
    int64_t defect_timer_offset_us;  /* timer qualifies at outage_qualify_us + offset */
    bool defect_no_ad1;              /* AD1 never sent */
    bool defect_double_ad1;          /* AD1 sent twice */
    int32_t leak_ma;            /* drawn by the input stage while under UVLO (bleed) */
    /* Seeded randomness, so repeated runs differ like a real CH's do. Each
     * figure is drawn per occurrence, uniformly in [-jitter, +jitter]; with
     * every jitter zero (the default) the model is exactly deterministic. */
    int64_t jitter_qualify_us;     /* each outage qualifies at its limit + a draw */
    int64_t jitter_ad1_latency_us; /* each AD1 latency + a draw, never below 0 */
    int64_t jitter_boot_us;        /* each boot time + a draw, never below 0 */
    int64_t seed;                  /* seeds the draws; same seed, same run */
} rc_ch_params;

/* Conformant defaults; see docs/ch-model.md for the values and why. */
void rc_ch_params_default(rc_ch_params *ch);
void rc_supply_params_default(rc_supply_params *sup);

/* One parameter by name, as in a CH file or --ch-set: "uvlo_off=8V",
 * "boot=20s", "ad1_mode=on-restore", "supply.slew=12V/ms",
 * "defect_double_ad1=true". Names without "supply." address the CH. */
rc_status rc_model_param_set(rc_ch_params *ch, rc_supply_params *sup,
                             const char *name, const char *value, rc_error *err);

/* Loads an INI CH file ([ch] and [supply] sections) on top of the current
 * values. Errors name "file:line: message". */
rc_status rc_model_params_load(rc_ch_params *ch, rc_supply_params *sup,
                               const char *path, rc_error *err);

/* Checks that the parameters make a model that can run (ordered thresholds,
 * positive slew and capacitance, a current limit above the CH's draw, no
 * negative times). The sim checks again when it opens, but callers check
 * first so that bad parameters never start a run. RC_ERR_ARG if not. */
rc_status rc_model_params_check(const rc_ch_params *ch, const rc_supply_params *sup,
                                int32_t outage_below_mv, int32_t restore_above_mv,
                                rc_error *err);

/* Calls fn for every parameter with its canonical name, its value formatted
 * as it would be written in a CH file, its unit and a one-line description. */
typedef void (*rc_model_param_fn)(void *ctx, const char *name, const char *value,
                                  const char *unit, const char *description);
void rc_model_params_foreach(const rc_ch_params *ch, const rc_supply_params *sup,
                             rc_model_param_fn fn, void *ctx);

/* ---- The stepping model (used by the sim and cosim backends) ---------------
 * The bench model advances in integer microseconds. Inputs are the commanded
 * supply setpoint, load switch and AC Lost; outputs are the rail voltage and
 * current at the CH and the CH's state, plus exact events delivered through
 * the callback at the microsecond they happen. */
typedef struct rc_bench_model rc_bench_model;

typedef void (*rc_model_event_fn)(void *ctx, const rc_event *ev);

rc_status rc_bench_model_new(const rc_ch_params *ch, const rc_supply_params *sup,
                             int32_t outage_below_mv, int32_t restore_above_mv,
                             rc_model_event_fn on_event, void *ctx,
                             rc_bench_model **out, rc_error *err);
void rc_bench_model_free(rc_bench_model *m);

/* Sets the commanded inputs from time t_us on. */
void rc_bench_model_set_inputs(rc_bench_model *m, int32_t setpoint_mv, bool rail_on,
                               bool ac_lost);

/* Advances the model from its current time to t_us (> current time), or
 * less far when the event callback calls rc_bench_model_halt.
 * Events are emitted in time order. */
void rc_bench_model_advance(rc_bench_model *m, int64_t t_us);

/* Called from the event callback: the running advance() returns as soon as
 * the current microsecond is complete (the sim backend ends a wait segment at
 * the microsecond its event happened). */
void rc_bench_model_halt(rc_bench_model *m);

/* Instantaneous outputs at the model's current time. */
void rc_bench_model_sample(const rc_bench_model *m, rc_sample *out);
int64_t rc_bench_model_now(const rc_bench_model *m);

#ifdef __cplusplus
}
#endif

#endif
