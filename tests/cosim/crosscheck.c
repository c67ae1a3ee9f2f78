/*
 * crosscheck.c - every fixture profile on the sim and on the cosim backend,
 * compared event by event (docs/cosim.md, "What is exact").
 *
 * usage: crosscheck RAILCUT FIXTURES TMPDIR RATE_HZ SHARD NSHARDS [PROFILE...]
 *
 * Runs `railcut run` on both backends for the profiles of shard SHARD (the
 * sorted list of the .rail files under fixtures/profiles, every NSHARDS-th from SHARD;
 * only the named ones, relative to fixtures/profiles, when PROFILEs are
 * given) and compares:
 *   - the exit codes and verdicts, and every check's name and result;
 *   - the events (notes left out, texts ignored), after mapping each sim
 *     time to the cosim time it must have: a wait met by an event ends on
 *     the gateware WAIT_LATENCY ticks after the event (1 tick to debounce
 *     or 3 to carry the host's RELEASE, then the protocol's D + 1), where
 *     the sim ends it at the event, so each completed wait moves every later
 *     time by exactly that many ticks, and its wait_done by one less;
 *   - the episodes: the same number, durations, open flags and AC Lost
 *     time (their starts and ends are the rail events compared above).
 * The first difference of a profile is printed and fails the test.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "railcut/profile.h"

#define MAX_PROFILES 256
#define MAX_EVENTS 4096
#define CMD_MAX 4096

/* Gateware ticks from the event that meets a wait to the next entry's start. */
#define WAIT_LATENCY_INPUT 2 /* ready (CH-present) and ad1 (alert) waits */
#define WAIT_LATENCY_HOST 4  /* restored and down waits, released by the host */

typedef struct ev {
    long long t_us;
    char kind[24];
    char value[24];
} ev;

static char *profiles[MAX_PROFILES];
static size_t n_profiles;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t len = strlen(path);
    if (type == FTW_F && len > 5 && strcmp(path + len - 5, ".rail") == 0 &&
        n_profiles < MAX_PROFILES)
        profiles[n_profiles++] = strdup(path);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* "  351.058509 s  wait_done      4" -> 351058509 us, "wait_done", "4". */
static bool parse_event(const char *line, ev *e)
{
    long long sec = 0, frac = 0;
    int digits = 0;
    const char *p = line;
    while (*p == ' ')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        sec = sec * 10 + (*p++ - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; digits++)
            frac = frac * 10 + (*p++ - '0');
    for (; digits < 6; digits++)
        frac *= 10;
    if (strncmp(p, " s ", 3) != 0)
        return false;
    e->t_us = sec * 1000000LL + frac;
    e->value[0] = '\0';
    return sscanf(p + 3, "%23s %23s", e->kind, e->value) >= 1;
}

/* The trace's events, notes left out. */
static size_t read_events(const char *railcut, const char *trace, ev *out)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "'%s' info '%s' --events", railcut, trace);
    FILE *f = popen(cmd, "r");
    if (!f)
        return 0;
    char line[512];
    size_t n = 0;
    bool on = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "events:", 7) == 0) {
            on = true;
            continue;
        }
        ev e;
        if (on && n < MAX_EVENTS && parse_event(line, &e) && strcmp(e.kind, "note") != 0) {
            if (strcmp(e.kind, "ad1") == 0 || strcmp(e.kind, "restored") == 0)
                e.value[0] = '\0'; /* the source text: "ch-model" or "pin" */
            out[n++] = e;
        }
    }
    pclose(f);
    return n;
}

static int cmp_ev(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    if (x->t_us != y->t_us)
        return x->t_us < y->t_us ? -1 : 1;
    int c = strcmp(x->kind, y->kind);
    return c ? c : strcmp(x->value, y->value);
}

static bool is(const ev *e, const char *kind)
{
    return strcmp(e->kind, kind) == 0;
}

/* What met the wait that ended with sim event done_at: the sim reports the
 * event just before it at the same time; none (the segment's own start
 * comes first) when the condition held as the wait began. */
static const ev *wait_trigger(const ev *sim, size_t done_at)
{
    for (size_t i = done_at; i-- > 0 && sim[i].t_us == sim[done_at].t_us;) {
        if (is(&sim[i], "segment"))
            return NULL;
        if (is(&sim[i], "ch_ready") || is(&sim[i], "ad1") || is(&sim[i], "restored") ||
            is(&sim[i], "ch_down"))
            return &sim[i];
    }
    return NULL;
}

/* Sim times mapped to the cosim times they must have. The gateware ends a
 * wait later than the sim (docs/cosim.md): met by an input (ready, ad1) it
 * starts the next entry WAIT_LATENCY_INPUT ticks after the event, met by
 * the host's RELEASE (restored, down) WAIT_LATENCY_HOST ticks after, and
 * already met as it began one tick after its start. The entries (segment
 * events and what they report) move with that; what the rail does (its
 * edges, the CH losing or getting power) keeps the time of the last entry
 * that changed the outputs; the CH's own timers keep the time of what
 * started them: ready follows the boot, down the power loss, restored the
 * ready, and AD1 the later of the power loss and the ready. */
/* Whether segment i changes what the outputs drive (pins or setpoint). */
static bool changes_outputs(const rc_profile *p, size_t i)
{
    if (i == 0 || i >= p->n_segs)
        return true;
    const rc_segment *s = &p->segs[i], *prev = &p->segs[i - 1];
    return s->rail_on != prev->rail_on || s->ac_lost != prev->ac_lost ||
           s->from_mv != prev->to_mv || s->kind == RC_SEG_RAMP || prev->kind == RC_SEG_RAMP;
}

static void map_sim_times(ev *sim, size_t n, const rc_profile *p)
{
    static long long shift_of[MAX_EVENTS];
    long long shift = 0, rail = 0, boot = 0, lost = 0, ready = 0;
    long long lost_t = -1, ready_t = -1;
    for (size_t i = 0; i < n; i++) {
        long long sh = shift;
        if (is(&sim[i], "segment") && changes_outputs(p, strtoul(sim[i].value, NULL, 10)))
            rail = shift;
        if (is(&sim[i], "rail_fall") || is(&sim[i], "rail_rise") || is(&sim[i], "ch_boot") ||
            is(&sim[i], "ch_power_lost"))
            sh = rail;
        else if (is(&sim[i], "ch_ready"))
            sh = boot;
        else if (is(&sim[i], "ch_down"))
            sh = lost;
        else if (is(&sim[i], "restored"))
            sh = ready;
        else if (is(&sim[i], "ad1"))
            sh = lost_t > ready_t ? lost : ready;
        if (is(&sim[i], "wait_done")) {
            const ev *trigger = wait_trigger(sim, i);
            if (trigger) {
                long long base = shift_of[trigger - sim];
                int lat = is(trigger, "restored") || is(trigger, "ch_down")
                              ? WAIT_LATENCY_HOST
                              : WAIT_LATENCY_INPUT;
                sh = base + lat - 1;
                shift = base + lat;
            } else {
                shift = sh + 1;
            }
        }
        if (is(&sim[i], "ch_boot"))
            boot = sh;
        if (is(&sim[i], "ch_power_lost")) {
            lost = sh;
            lost_t = sim[i].t_us;
        }
        if (is(&sim[i], "ch_ready")) {
            ready = sh;
            ready_t = sim[i].t_us;
        }
        shift_of[i] = sh;
    }
    for (size_t i = 0; i < n; i++)
        sim[i].t_us += shift_of[i];
}

static bool run(const char *railcut, const char *profile, const char *backend, const char *tmp,
                unsigned rate, int *rc)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s' --backend %s --rate %u -q --trace '%s/%s.rct' --json '%s/%s.json' "
             "> '%s/%s.out' 2>&1",
             railcut, profile, backend, rate, tmp, backend, tmp, backend, tmp, backend);
    int st = system(cmd);
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return *rc >= 0 && *rc <= 1;
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double jnum(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1.0;
}

/* Verdict, checks and episodes; prints the first difference. */
static bool compare_reports(const char *name, const cJSON *s, const cJSON *c)
{
    if (strcmp(jstr(s, "verdict"), jstr(c, "verdict")) != 0) {
        printf("%s: verdict %s on sim, %s on cosim\n", name, jstr(s, "verdict"),
               jstr(c, "verdict"));
        return false;
    }
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(s, "checks");
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(c, "checks");
    if (cJSON_GetArraySize(sc) != cJSON_GetArraySize(cc)) {
        printf("%s: %d checks on sim, %d on cosim\n", name, cJSON_GetArraySize(sc),
               cJSON_GetArraySize(cc));
        return false;
    }
    for (int i = 0; i < cJSON_GetArraySize(sc); i++) {
        const cJSON *a = cJSON_GetArrayItem(sc, i), *b = cJSON_GetArrayItem(cc, i);
        const cJSON *ok_a = cJSON_GetObjectItemCaseSensitive(a, "ok");
        const cJSON *ok_b = cJSON_GetObjectItemCaseSensitive(b, "ok");
        if (strcmp(jstr(a, "name"), jstr(b, "name")) != 0 ||
            cJSON_IsTrue(ok_a) != cJSON_IsTrue(ok_b)) {
            printf("%s: check %s %s on sim, %s %s on cosim\n", name, jstr(a, "name"),
                   cJSON_IsTrue(ok_a) ? "ok" : "failed", jstr(b, "name"),
                   cJSON_IsTrue(ok_b) ? "ok" : "failed");
            return false;
        }
    }
    static const char *const lists[] = {"episodes", "merged_episodes"};
    for (size_t l = 0; l < 2; l++) {
        const cJSON *se = cJSON_GetObjectItemCaseSensitive(s, lists[l]);
        const cJSON *ce = cJSON_GetObjectItemCaseSensitive(c, lists[l]);
        if (cJSON_GetArraySize(se) != cJSON_GetArraySize(ce)) {
            printf("%s: %d %s on sim, %d on cosim\n", name, cJSON_GetArraySize(se), lists[l],
                   cJSON_GetArraySize(ce));
            return false;
        }
        for (int i = 0; i < cJSON_GetArraySize(se); i++) {
            const cJSON *a = cJSON_GetArrayItem(se, i), *b = cJSON_GetArrayItem(ce, i);
            bool same = jnum(a, "duration_s") == jnum(b, "duration_s") &&
                        jnum(a, "ac_lost_s") == jnum(b, "ac_lost_s") &&
                        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "open")) ==
                            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "open"));
            if (!same) {
                printf("%s: %s[%d] lasts %.6f s (AC Lost %.6f s) on sim, %.6f s (%.6f s) on "
                       "cosim\n",
                       name, lists[l], i, jnum(a, "duration_s"), jnum(a, "ac_lost_s"),
                       jnum(b, "duration_s"), jnum(b, "ac_lost_s"));
                return false;
            }
        }
    }
    return true;
}

static void print_ev(const char *who, const ev *e)
{
    if (e)
        printf("  %-6s %lld.%06lld s  %s %s\n", who, e->t_us / 1000000, e->t_us % 1000000,
               e->kind, e->value);
    else
        printf("  %-6s (nothing)\n", who);
}

static bool compare_events(const char *name, ev *sim, size_t ns, ev *co, size_t nc,
                           const rc_profile *p)
{
    map_sim_times(sim, ns, p);
    qsort(sim, ns, sizeof *sim, cmp_ev);
    qsort(co, nc, sizeof *co, cmp_ev);
    for (size_t i = 0; i < ns || i < nc; i++) {
        const ev *a = i < ns ? &sim[i] : NULL, *b = i < nc ? &co[i] : NULL;
        if (a && b && a->t_us == b->t_us && is(a, b->kind) && strcmp(a->value, b->value) == 0)
            continue;
        printf("%s: first differing event (sim times mapped to the gateware's):\n", name);
        print_ev("sim", a);
        print_ev("cosim", b);
        return false;
    }
    return true;
}

static bool check_profile(const char *railcut, const char *profile, const char *name,
                          const char *tmp, unsigned rate)
{
    int rc_sim, rc_co;
    bool ran_sim = run(railcut, profile, "sim", tmp, rate, &rc_sim);
    bool ran_co = run(railcut, profile, "cosim", tmp, rate, &rc_co);
    if (!ran_sim && rc_sim == 2 && rc_co == 2) {
        printf("%s: not a profile on its own (both backends refuse it, exit 2)\n", name);
        return true;
    }
    if (!ran_sim) {
        printf("%s: the sim run failed (exit %d)\n", name, rc_sim);
        return false;
    }
    if (!ran_co || rc_co != rc_sim) {
        char path[CMD_MAX];
        snprintf(path, sizeof path, "%s/cosim.out", tmp);
        char *out = slurp(path);
        printf("%s: exit %d on sim, %d on cosim\n%s", name, rc_sim, rc_co, out ? out : "");
        free(out);
        return false;
    }
    static ev sim[MAX_EVENTS], co[MAX_EVENTS];
    char path[CMD_MAX];
    snprintf(path, sizeof path, "%s/sim.rct", tmp);
    size_t ns = read_events(railcut, path, sim);
    snprintf(path, sizeof path, "%s/cosim.rct", tmp);
    size_t nc = read_events(railcut, path, co);
    if (ns < 5) {
        printf("%s: only %zu events on sim\n", name, ns);
        return false;
    }
    rc_profile *p;
    rc_error err;
    if (rc_profile_load_any(profile, NULL, &p, &err) != RC_OK) {
        printf("%s: %s\n", name, err.msg);
        return false;
    }
    bool ok = compare_events(name, sim, ns, co, nc, p);
    rc_profile_free(p);
    snprintf(path, sizeof path, "%s/sim.json", tmp);
    char *sj = slurp(path);
    snprintf(path, sizeof path, "%s/cosim.json", tmp);
    char *cj = slurp(path);
    cJSON *s = sj ? cJSON_Parse(sj) : NULL, *c = cj ? cJSON_Parse(cj) : NULL;
    if (!s || !c) {
        printf("%s: a JSON report is missing or unreadable\n", name);
        ok = false;
    } else if (ok) {
        ok = compare_reports(name, s, c);
    }
    cJSON_Delete(s);
    cJSON_Delete(c);
    free(sj);
    free(cj);
    if (ok)
        printf("%s: %zu events, verdict and episodes agree\n", name, ns);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr,
                "usage: crosscheck RAILCUT FIXTURES TMPDIR RATE_HZ SHARD NSHARDS [PROFILE...]\n");
        return 2;
    }
    const char *railcut = argv[1], *fixtures = argv[2], *tmp = argv[3];
    unsigned rate = (unsigned)strtoul(argv[4], NULL, 10);
    size_t shard = strtoul(argv[5], NULL, 10), nshards = strtoul(argv[6], NULL, 10);
    char dir[CMD_MAX];
    snprintf(dir, sizeof dir, "%s/profiles", fixtures);
    if (nftw(dir, collect, 16, FTW_PHYS) != 0 || n_profiles == 0 || nshards == 0) {
        fprintf(stderr, "crosscheck: no profiles under %s\n", dir);
        return 2;
    }
    qsort(profiles, n_profiles, sizeof *profiles, cmp_str);
    size_t failed = 0, ran = 0;
    for (size_t i = shard; i < n_profiles; i += nshards) {
        const char *name = profiles[i] + strlen(dir) + 1;
        bool named = argc == 7;
        for (int a = 7; a < argc; a++)
            named = named || strcmp(argv[a], name) == 0;
        if (!named)
            continue;
        ran++;
        if (!check_profile(railcut, profiles[i], name, tmp, rate))
            failed++;
    }
    printf("%zu of %zu profiles agree (shard %zu of %zu, %zu profiles in all)\n", ran - failed,
           ran, shard, nshards, n_profiles);
    if (ran == 0)
        failed = 1; /* a name that matches nothing is a mistake in the test list */
    for (size_t i = 0; i < n_profiles; i++)
        free(profiles[i]);
    return failed ? 1 : 0;
}
