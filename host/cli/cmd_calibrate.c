/*
 * cmd_calibrate.c - `railcut calibrate --bench NAME`: the guided calibration
 * of a bench against a reference DMM.
 *
 * The procedure holds the bench lock throughout. It asks for the reference
 * instrument, then for each DAC code of the plan sets the code with the rail
 * on into the dummy load, takes the ADC codes of rail volts and current, and
 * asks the operator for the DMM's voltage and current at the CH connector.
 * Three least-squares fits follow (DAC code -> mV, volts ADC code -> mV,
 * current ADC code -> mA); their residuals and uncertainties are printed and
 * the three [cal.*] sections of the bench file are rewritten.
 *
 * The answers come from stdin (with prompts) or, for a run without an
 * operator, from --readings FILE: one answer per line in the order of the
 * prompts, '#' comments and blank lines skipped. The board is driven over
 * its link (rc_bench_link: PINS for the DAC code with the rail on, then the
 * mean ADC codes over MEASURE_SPAN_US once the rail has settled for
 * SETTLE_US); --simulate replaces it by a simulated one with the emulator's
 * nominal converters.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "railcut/bench.h"

#define MAX_POINTS 16
#define SETTLE_US 200000
#define MEASURE_SPAN_US 100000

/* The simulated board: the emulator's converters (railcut/linkdev.h) and a
 * 100 ohm dummy load. */
#define SIM_DAC_MV_PER_CODE 0.25
#define SIM_ADC_MV_PER_CODE 0.25
#define SIM_ADC_MA_PER_CODE 0.1
#define SIM_LOAD_OHM 100.0

static const char calibrate_help[] =
    "usage: railcut calibrate --bench NAME [options]\n"
    "\n"
    "Calibrates a bench against a reference DMM (docs/bench-setup.md): sets\n"
    "DAC codes with a dummy load on the CH connector, asks for the DMM's rail\n"
    "voltage and current at each, fits gain and offset for the DAC, the rail-volts\n"
    "ADC and the current ADC, prints residuals and uncertainties and stores the\n"
    "result, dated, in the bench file.\n"
    "\n"
    "  --bench NAME          the bench NAME.ini (required)\n"
    "  --bench-dir DIR       where bench files are (default ./benches, then\n"
    "                        ~/.config/railcut/benches)\n"
    "  --readings FILE       the answers, one per line, instead of prompts\n"
    "  --codes C1,C2,...     DAC codes to use (default: 2, 5, 8 and 11 V by the\n"
    "                        bench's present calibration)\n"
    "  --simulate            a simulated board instead of the bench's hardware\n"
    "\n"
    "The rail is on at each DAC code while its readings are asked for, and off\n"
    "(the gateware's safe state) when calibrate ends.\n"
    "\n"
    "exit codes: 0 stored, 2 bad input or usage, 3 bench busy or device failure\n";

typedef struct answers {
    FILE *in;
    bool prompt;
    int line;
} answers;

/* The next answer, without its newline; NULL at the end of input. */
static const char *ask(answers *a, const char *question, char *buf, size_t cap)
{
    if (a->prompt) {
        printf("%s: ", question);
        fflush(stdout);
    }
    while (fgets(buf, (int)cap, a->in)) {
        a->line++;
        buf[strcspn(buf, "\r\n")] = '\0';
        if (!a->prompt && (buf[0] == '#' || buf[0] == '\0'))
            continue;
        return buf;
    }
    fprintf(stderr, "railcut calibrate: no answer for \"%s\"\n", question);
    return NULL;
}

static bool ask_number(answers *a, const char *question, double *out)
{
    char buf[256];
    if (!ask(a, question, buf, sizeof buf))
        return false;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || errno || !isfinite(v)) {
        fprintf(stderr, "railcut calibrate: line %d: \"%s\" is not a number (%s)\n", a->line,
                buf, question);
        return false;
    }
    *out = v;
    return true;
}

typedef struct point {
    double dac_code, adc_v_code, adc_a_code;
    double dmm_mv, dmm_ma;
} point;

/* The simulated board at a DAC code: rail and current as the ADCs code them. */
static void sim_measure(double dac_code, point *p)
{
    double rail_mv = dac_code * SIM_DAC_MV_PER_CODE;
    p->adc_v_code = round(rail_mv / SIM_ADC_MV_PER_CODE);
    p->adc_a_code = round(rail_mv / SIM_LOAD_OHM / SIM_ADC_MA_PER_CODE);
}

/* Sets the code with the rail on and takes the ADC codes, on the bench's
 * board (link) or the simulated one (link NULL). */
static int measure(rc_bench_link *link, double dac_code, point *p)
{
    if (!link) {
        sim_measure(dac_code, p);
        return 0;
    }
    rc_error err;
    rc_status st = rc_bench_link_set(link, (uint16_t)dac_code, true, &err);
    if (st == RC_OK)
        st = rc_bench_link_measure(link, SETTLE_US, MEASURE_SPAN_US, &p->adc_v_code,
                                   &p->adc_a_code, &err);
    return st == RC_OK ? 0 : cli_error(st, &err);
}

static int parse_codes(const char *arg, double *codes, size_t *n)
{
    *n = 0;
    const char *p = arg;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > 65535 || (*end != ',' && *end != '\0') ||
            *n == MAX_POINTS)
            return cli_usage_error("calibrate",
                                   "--codes: '%s' is not a list of 2 to %d DAC codes", arg,
                                   MAX_POINTS);
        codes[(*n)++] = (double)v;
        p = *end ? end + 1 : end;
    }
    if (*n < 2)
        return cli_usage_error("calibrate", "--codes: at least two codes");
    return 0;
}

/* 2, 5, 8 and 11 V through the bench's DAC calibration (or the nominal one). */
static void default_codes(const rc_bench *b, double *codes, size_t *n)
{
    const rc_bench_cal *c = &b->cal[RC_BENCH_CAL_DAC];
    double gain = c->set ? c->gain : SIM_DAC_MV_PER_CODE, offset = c->set ? c->offset : 0;
    const double mv[4] = {2000, 5000, 8000, 11000};
    *n = 0;
    for (size_t i = 0; i < 4; i++) {
        double code = round((mv[i] - offset) / gain);
        if (code >= 0 && code <= 65535 && mv[i] <= b->max_rail_mv)
            codes[(*n)++] = code;
    }
}

static void today(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%d", &tm);
}

static void print_fit(const char *name, const char *unit, const rc_cal_fit *f)
{
    printf("%-7s gain %.9g %s/code  offset %.6g %s  residual rms %.4g %s, max %.4g %s  "
           "uncertainty %.4g %s (%zu points)\n",
           name, f->gain, unit, f->offset, unit, f->residual_rms, unit, f->residual_max, unit,
           f->uncertainty, unit, f->n);
}

typedef struct cal_args {
    const char *bench_name, *bench_dir, *readings, *codes;
    bool simulate;
} cal_args;

static int collect(const rc_bench *b, const cal_args *ca, rc_bench_link *link, answers *a,
                   rc_bench_cal cal[3], point *pts, size_t *n)
{
    double codes[MAX_POINTS];
    if (ca->codes) {
        if (parse_codes(ca->codes, codes, n))
            return RC_EXIT_USAGE;
    } else {
        default_codes(b, codes, n);
    }
    char instrument[RC_BENCH_TEXT_MAX], serial[RC_BENCH_TEXT_MAX];
    double unc_v, unc_a;
    if (!ask(a, "reference instrument (make and model)", instrument, sizeof instrument) ||
        !ask(a, "its serial number", serial, sizeof serial) ||
        !ask_number(a, "its voltage uncertainty here (V)", &unc_v) ||
        !ask_number(a, "its current uncertainty here (A)", &unc_a))
        return RC_EXIT_USAGE;
    for (int k = 0; k < 3; k++) {
        memset(&cal[k], 0, sizeof cal[k]);
        snprintf(cal[k].instrument, sizeof cal[k].instrument, "%s", instrument);
        snprintf(cal[k].serial, sizeof cal[k].serial, "%s", serial);
        cal[k].uncertainty = k == RC_BENCH_CAL_RAIL_A ? fabs(unc_a) * 1000 : fabs(unc_v) * 1000;
    }
    for (size_t i = 0; i < *n; i++) {
        pts[i].dac_code = codes[i];
        int code = measure(link, codes[i], &pts[i]);
        if (code)
            return code;
        char q[128];
        printf("point %zu: DAC code %.0f, rail ADC code %.10g, current ADC code %.10g\n", i + 1,
               codes[i], pts[i].adc_v_code, pts[i].adc_a_code);
        double v, amps;
        snprintf(q, sizeof q, "point %zu: DMM voltage at the CH connector (V)", i + 1);
        if (!ask_number(a, q, &v))
            return RC_EXIT_USAGE;
        snprintf(q, sizeof q, "point %zu: DMM current into the load (A)", i + 1);
        if (!ask_number(a, q, &amps))
            return RC_EXIT_USAGE;
        pts[i].dmm_mv = v * 1000;
        pts[i].dmm_ma = amps * 1000;
    }
    return 0;
}

static int fit_and_store(const char *bench_path, rc_bench_cal cal[3], const point *pts,
                         size_t n)
{
    double x[3][MAX_POINTS], y[3][MAX_POINTS];
    for (size_t i = 0; i < n; i++) {
        x[0][i] = pts[i].dac_code;
        y[0][i] = pts[i].dmm_mv;
        x[1][i] = pts[i].adc_v_code;
        y[1][i] = pts[i].dmm_mv;
        x[2][i] = pts[i].adc_a_code;
        y[2][i] = pts[i].dmm_ma;
    }
    rc_cal_fit fits[3];
    rc_error err;
    for (int k = 0; k < 3; k++) {
        rc_status st = rc_cal_fit_linear(x[k], y[k], n, cal[k].uncertainty, &fits[k], &err);
        if (st != RC_OK)
            return cli_error(rc_error_prefix(&err, st, "%s fit", rc_bench_cal_name(k)), &err);
        print_fit(rc_bench_cal_name(k), k == RC_BENCH_CAL_RAIL_A ? "mA" : "mV", &fits[k]);
    }
    for (int k = 0; k < 3; k++) {
        cal[k].set = true;
        cal[k].gain = fits[k].gain;
        cal[k].offset = fits[k].offset;
        cal[k].uncertainty = fits[k].uncertainty;
        today(cal[k].date, sizeof cal[k].date);
        rc_status st = rc_bench_store_cal(bench_path, (rc_bench_cal_kind)k, &cal[k], &err);
        if (st != RC_OK)
            return cli_error(st, &err);
    }
    printf("stored in %s\n", bench_path);
    return RC_EXIT_PASS;
}

static int calibrate(const cal_args *ca)
{
    char bench_path[1024];
    rc_bench bench;
    int code = cli_bench_load(ca->bench_name, ca->bench_dir, &bench, bench_path,
                              sizeof bench_path);
    if (code != 0)
        return code;
    rc_error err;
    rc_bench_lock *lock;
    rc_status st = rc_bench_lock_acquire(bench.serial, getenv("RAILCUT_LOCK_DIR"), &lock, &err);
    if (st != RC_OK)
        return cli_error(st, &err);
    rc_bench_link *link = NULL;
    if (!ca->simulate && (st = rc_bench_link_open(&bench, &link, &err)) != RC_OK) {
        rc_bench_lock_release(lock);
        return cli_error(st, &err);
    }
    answers a = {.in = stdin, .prompt = true};
    if (ca->readings) {
        a.in = fopen(ca->readings, "r");
        a.prompt = false;
        if (!a.in) {
            rc_bench_link_close(link);
            rc_bench_lock_release(lock);
            fprintf(stderr, "railcut: %s: %s\n", ca->readings, strerror(errno));
            return RC_EXIT_USAGE;
        }
    }
    rc_bench_cal cal[3];
    point pts[MAX_POINTS];
    size_t n = 0;
    code = collect(&bench, ca, link, &a, cal, pts, &n);
    if (a.in != stdin)
        fclose(a.in);
    rc_bench_link_close(link);
    if (code == 0)
        code = fit_and_store(bench_path, cal, pts, n);
    rc_bench_lock_release(lock);
    return code;
}

int cmd_calibrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bench", required_argument, NULL, 'b'},
        {"bench-dir", required_argument, NULL, 'd'},
        {"readings", required_argument, NULL, 'r'},
        {"codes", required_argument, NULL, 'c'},
        {"simulate", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cal_args ca = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': ca.bench_name = optarg; break;
        case 'd': ca.bench_dir = optarg; break;
        case 'r': ca.readings = optarg; break;
        case 'c': ca.codes = optarg; break;
        case 's': ca.simulate = true; break;
        case 'h': fputs(calibrate_help, stdout); return RC_EXIT_PASS;
        default: return cli_usage_error("calibrate", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("calibrate", "unexpected argument '%s'", argv[optind]);
    if (!ca.bench_name)
        return cli_usage_error("calibrate", "--bench NAME is required");
    return calibrate(&ca);
}
