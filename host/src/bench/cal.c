/*
 * cal.c - calibration: the least-squares line through (code, reading)
 * points, and the rewrite of one [cal.<kind>] section of a bench file.
 *
 * The fit centres the codes on their mean before summing, so codes around
 * 60000 with readings in millivolts keep their precision. The rewrite reads
 * the file as lines, drops the six calibration keys from the section (other
 * lines, comments included, stay where they were), puts the new keys right
 * after the section header (or appends the section), and renames a
 * temporary file over the original.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/bench.h"

rc_status rc_cal_fit_linear(const double *code, const double *reading, size_t n,
                            double reference_uncertainty, rc_cal_fit *out, rc_error *err)
{
    assert(out);
    if (n < 2 || !code || !reading)
        return rc_error_set(err, RC_ERR_ARG, "a calibration needs at least two points");
    if (!isfinite(reference_uncertainty) || reference_uncertainty < 0)
        return rc_error_set(err, RC_ERR_ARG, "bad reference uncertainty");
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(code[i]) || !isfinite(reading[i]))
            return rc_error_set(err, RC_ERR_ARG, "point %zu is not a finite number", i + 1);
        mx += code[i];
        my += reading[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (code[i] - mx) * (code[i] - mx);
        sxy += (code[i] - mx) * (reading[i] - my);
    }
    if (sxx == 0)
        return rc_error_set(err, RC_ERR_ARG, "all calibration points have the same code");
    rc_cal_fit f = {.n = n};
    f.gain = sxy / sxx;
    f.offset = my - f.gain * mx;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double r = reading[i] - (f.gain * code[i] + f.offset);
        ss += r * r;
        if (fabs(r) > f.residual_max)
            f.residual_max = fabs(r);
    }
    f.residual_rms = sqrt(ss / (double)n);
    double s2 = n > 2 ? ss / (double)(n - 2) : 0.0;
    f.uncertainty = sqrt(s2 + reference_uncertainty * reference_uncertainty);
    *out = f;
    return RC_OK;
}

/* ---- rewriting a section --------------------------------------------------- */

static const char *const cal_keys[] = {"gain", "offset",     "uncertainty",
                                       "date", "instrument", "serial"};

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* "[name]" with optional spaces around it: copies name into out. */
static bool section_header(const char *line, char *out, size_t cap)
{
    const char *p = skip_space(line);
    if (*p != '[')
        return false;
    const char *end = strchr(p, ']');
    if (!end || (size_t)(end - p - 1) >= cap)
        return false;
    memcpy(out, p + 1, (size_t)(end - p - 1));
    out[end - p - 1] = '\0';
    return true;
}

static bool is_cal_key_line(const char *line)
{
    const char *p = skip_space(line);
    for (size_t i = 0; i < sizeof cal_keys / sizeof cal_keys[0]; i++) {
        size_t k = strlen(cal_keys[i]);
        if (strncmp(p, cal_keys[i], k) == 0) {
            const char *q = skip_space(p + k);
            if (*q == '=' || *q == ':')
                return true;
        }
    }
    return false;
}

static void write_cal_keys(FILE *f, const rc_bench_cal *c)
{
    fprintf(f, "gain = %.9g\noffset = %.9g\nuncertainty = %.9g\ndate = %s\n", c->gain,
            c->offset, c->uncertainty, c->date);
    fprintf(f, "instrument = %s\nserial = %s\n", c->instrument, c->serial);
}

static bool one_line_text(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

rc_status rc_bench_store_cal(const char *path, rc_bench_cal_kind kind, const rc_bench_cal *c,
                             rc_error *err)
{
    assert(path && c);
    const char *name = rc_bench_cal_name(kind);
    if (!name)
        return rc_error_set(err, RC_ERR_ARG, "bad calibration kind %d", (int)kind);
    if (!one_line_text(c->instrument) || !one_line_text(c->serial) || !one_line_text(c->date))
        return rc_error_set(err, RC_ERR_ARG, "calibration text must be on one line");
    char want[32];
    snprintf(want, sizeof want, "cal.%s", name);
    FILE *in = fopen(path, "r");
    if (!in)
        return rc_error_set(err, RC_ERR_IO, "%s: %s", path, strerror(errno));
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fclose(in);
        return rc_error_set(err, RC_ERR_IO, "%s: %s", tmp, strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    bool in_section = false, written = false, ends_with_newline = true;
    while (getline(&line, &cap, in) > 0) {
        char sec[64];
        ends_with_newline = line[strlen(line) - 1] == '\n';
        if (section_header(line, sec, sizeof sec)) {
            in_section = strcmp(sec, want) == 0 && !written;
            fputs(line, out);
            if (!ends_with_newline)
                fputc('\n', out);
            if (in_section) {
                write_cal_keys(out, c);
                written = true;
            }
            continue;
        }
        if (in_section && is_cal_key_line(line))
            continue;
        fputs(line, out);
    }
    free(line);
    bool read_failed = ferror(in);
    fclose(in);
    if (!written) {
        fprintf(out, "%s[%s]\n", ends_with_newline ? "\n" : "\n\n", want);
        write_cal_keys(out, c);
    }
    bool write_failed = fflush(out) != 0 || ferror(out);
    write_failed |= fclose(out) != 0;
    if (read_failed || write_failed || rename(tmp, path) != 0) {
        remove(tmp);
        return rc_error_set(err, RC_ERR_IO, "%s: cannot rewrite the bench file", path);
    }
    return RC_OK;
}
