/*
 * test_interop.c - exports (CSV, VCD, sigrok session) checked value by
 * value, and the CSV and sigrok imports, including every error path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zip.h>

#include "interop/interop_internal.h"
#include "test_interop_fixture.h"

static char *export_text(const char *trace, rc_export_format f, int64_t from, int64_t to,
                         unsigned channels, rc_export_stats *stats)
{
    rc_trace *t = open_trace(trace);
    rc_export_options o;
    rc_export_options_init(&o);
    o.format = f;
    o.from_us = from;
    o.to_us = to;
    o.channels = channels;
    const char *out = rc_test_tmp_path("export");
    rc_error err;
    ck_assert_msg(rc_export(t, out, &o, stats, &err) == RC_OK, "%s", err.msg);
    rc_trace_close(t);
    char *text = rc_test_read_file(out, NULL);
    ck_assert_ptr_nonnull(text);
    return text;
}

static size_t count_lines(const char *text, const char *prefix)
{
    size_t n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            n++;
    return n;
}

/* ---- Number formatting ------------------------------------------------------- */

START_TEST(fixed_point_text)
{
    char buf[48];
    ck_assert_int_eq(rc_interop_format_fixed(buf, 12.0, 3, false), 6);
    ck_assert_str_eq(buf, "12.000");
    rc_interop_format_fixed(buf, -1.5, 3, false);
    ck_assert_str_eq(buf, "-1.500");
    rc_interop_format_fixed(buf, -0.0004, 3, false);
    ck_assert_str_eq(buf, "0.000");
    rc_interop_format_fixed(buf, 0.0005, 3, false);
    ck_assert_str_eq(buf, "0.001");
    rc_interop_format_fixed(buf, 12.0, 6, true);
    ck_assert_str_eq(buf, "12");
    rc_interop_format_fixed(buf, 0.05f, 6, true);
    ck_assert_str_eq(buf, "0.05");
    rc_interop_format_fixed(buf, 11.999999, 6, true);
    ck_assert_str_eq(buf, "11.999999");
    ck_assert_int_eq(rc_interop_format_fixed(buf, NAN, 3, false), 0);
    ck_assert_str_eq(buf, "");
    rc_interop_format_fixed(buf, 1e20, 3, false);
    ck_assert_str_eq(buf, "1.000e+20");
    rc_interop_format_us(buf, 181500001);
    ck_assert_str_eq(buf, "181.500001");
    rc_interop_format_us(buf, -1);
    ck_assert_str_eq(buf, "-0.000001");
    rc_interop_format_us(buf, INT64_MIN);
    ck_assert_str_eq(buf, "-9223372036854.775808");
}
END_TEST

/* ---- CSV ------------------------------------------------------------------- */

START_TEST(csv_rows_and_events)
{
    rc_export_stats st;
    char *text =
        export_text(cut_trace("cut"), RC_EXPORT_CSV, INT64_MIN, INT64_MAX, RC_EXPORT_ALL, &st);
    ck_assert_uint_eq(st.samples, CUT_SAMPLES);
    ck_assert_uint_eq(st.events, 5);
    ck_assert_ptr_nonnull(strstr(text, "\ntime_s,rail_v,rail_a,ac_lost,ch_state\n"
                                       "# event,0.000000,rail_rise,9000,\n"
                                       "0.000000,12.000,0.050000,0,2\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n0.999000,12.000,0.050000,0,2\n"
                                       "# event,1.000000,rail_fall,8000,\n"
                                       "1.000000,0.000,0.000000,0,3\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n1.500000,0.000,0.000000,1,0\n"));
    ck_assert_ptr_nonnull(strstr(text, "# event,2.500000,ad1,0,ch-model\n2.500000,"));
    ck_assert_ptr_nonnull(strstr(text, "# event,0.900000,mark,0,activation\n0.900000,"));
    ck_assert_ptr_nonnull(strstr(text, "\n3.999000,12.000,0.050000,0,2\n"));
    ck_assert_uint_eq(count_lines(text, "# event,"), 5);
    ck_assert_uint_eq(count_lines(text, "0") + count_lines(text, "1") + count_lines(text, "2") +
                          count_lines(text, "3"),
                      CUT_SAMPLES);
    free(text);
}
END_TEST

START_TEST(csv_span_and_channels)
{
    rc_export_stats st;
    unsigned mask;
    ck_assert_int_eq(rc_export_channels_parse("rail_v,ac_lost", &mask, NULL), RC_OK);
    ck_assert_uint_eq(mask, RC_EXPORT_RAIL_V | RC_EXPORT_AC_LOST);
    char *text = export_text(cut_trace("cut"), RC_EXPORT_CSV, 1499000, 1502000, mask, &st);
    ck_assert_uint_eq(st.samples, 3);
    ck_assert_uint_eq(st.events, 0);
    ck_assert_ptr_nonnull(strstr(text, "\ntime_s,rail_v,ac_lost\n1.499000,0.000,0\n"
                                       "1.500000,0.000,1\n1.501000,0.000,1\n"));
    ck_assert_ptr_null(strstr(text, "# event"));
    free(text);
}
END_TEST

START_TEST(csv_reads_back)
{
    const char *trace = cut_trace("cut");
    rc_trace *t = open_trace(trace);
    rc_export_options o;
    rc_export_options_init(&o);
    const char *csv = rc_test_tmp_path("back.csv");
    ck_assert_int_eq(rc_export(t, csv, &o, NULL, NULL), RC_OK);
    rc_trace_close(t);
    const char *back = rc_test_tmp_path("back.rct");
    rc_import_stats st;
    rc_error err;
    ck_assert_msg(rc_import(csv, back, NULL, &st, &err) == RC_OK, "%s", err.msg);
    ck_assert_uint_eq(st.samples, CUT_SAMPLES);
    ck_assert_uint_eq(st.sample_rate_hz, 1000);
    ck_assert_int_eq(st.last_us, 3999000);
    sample_list l = read_all(back);
    ck_assert_uint_eq(l.n, CUT_SAMPLES);
    cut_variant v = cut_default();
    for (size_t i = 0; i < l.n; i++) {
        rc_sample want = cut_sample(&v, (int64_t)i * 1000);
        ck_assert_int_eq(l.s[i].t_us, want.t_us);
        ck_assert(l.s[i].rail_v == want.rail_v);
        ck_assert_uint_eq(l.s[i].ac_lost, want.ac_lost);
        ck_assert(isnan(l.s[i].rail_a));
    }
    free(l.s);
    t = open_trace(back);
    size_t n;
    const rc_event *ev = rc_trace_get_events(t, &n);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(ev[5].kind, RC_EV_RUN_END);
    ck_assert_int_eq(ev[5].t_us, 3999000);
    ck_assert_int_eq(ev[5].value, 0);
    ck_assert_int_eq(ev[0].kind, RC_EV_RAIL_RISE);
    ck_assert_int_eq(ev[0].value, 9000);
    ck_assert_int_eq(ev[1].t_us, 900000);
    ck_assert_str_eq(ev[1].text, "activation");
    ck_assert_int_eq(ev[3].kind, RC_EV_AD1);
    ck_assert_int_eq(ev[3].t_us, 2500000);
    ck_assert_str_eq(ev[3].text, "ch-model");
    rc_trace_close(t);
}
END_TEST

START_TEST(options_refused)
{
    unsigned mask;
    rc_error err;
    rc_export_format f;
    ck_assert_int_eq(rc_export_channels_parse("rail_v,volts", &mask, &err), RC_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown channel 'volts'"));
    ck_assert_int_eq(rc_export_channels_parse("", &mask, &err), RC_ERR_ARG);
    ck_assert_int_eq(rc_export_format_from_name("vcd", &f, &err), RC_OK);
    ck_assert_int_eq(f, RC_EXPORT_VCD);
    ck_assert_int_eq(rc_export_format_from_name("json", &f, &err), RC_ERR_ARG);
    rc_trace *t = open_trace(cut_trace("cut"));
    rc_export_options o;
    rc_export_options_init(&o);
    o.from_us = 2000000;
    o.to_us = 2000000;
    const char *out = rc_test_tmp_path("empty");
    ck_assert_int_eq(rc_export(t, out, &o, NULL, &err), RC_ERR_ARG);
    rc_export_options_init(&o);
    o.format = RC_EXPORT_SR;
    o.channels = RC_EXPORT_EVENTS;
    ck_assert_int_eq(rc_export(t, out, &o, NULL, &err), RC_ERR_UNSUPPORTED);
    struct stat sb;
    ck_assert_int_ne(stat(out, &sb), 0);
    rc_export_options_init(&o);
    ck_assert_int_eq(rc_export(t, "/nonexistent/dir/x.csv", &o, NULL, &err), RC_ERR_IO);
    rc_trace_close(t);
}
END_TEST

/* ---- VCD ------------------------------------------------------------------- */

START_TEST(vcd_structure_and_changes)
{
    rc_export_stats st;
    char *text =
        export_text(cut_trace("cut"), RC_EXPORT_VCD, INT64_MIN, INT64_MAX, RC_EXPORT_ALL, &st);
    ck_assert_uint_eq(st.samples, CUT_SAMPLES);
    ck_assert_uint_eq(st.events, 5);
    ck_assert_ptr_nonnull(strstr(text, "$timescale 1 us $end\n$scope module railcut $end\n"
                                       "$var real 64 ! rail_v $end\n"
                                       "$var real 64 \" rail_a $end\n"
                                       "$var wire 1 # ac_lost $end\n"
                                       "$var wire 2 $ ch_state $end\n"));
    /* Event wires: kind 2 (mark) is id '!' + 4 + 2 = '\'', rail_fall (7) ',',
     * rail_rise (8) '-', ad1 (13) '2'. */
    ck_assert_ptr_nonnull(strstr(text, "$var wire 1 ' ev_mark $end\n"));
    ck_assert_ptr_nonnull(strstr(text, "$var wire 1 2 ev_ad1 $end\n"));
    ck_assert_ptr_nonnull(strstr(text, "$enddefinitions $end\n#0\n$dumpvars\n0'\n0,\n0-\n02\n"
                                       "$end\n1-\nr12 !\nr0.05 \"\n0#\nb10 $\n#1\n0-\n"
                                       "#900000\n1'\n"
                                       "#900001\n0'\n#1000000\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n#1000000\n1,\nr0 !\nr0 \"\nb11 $\n#1000001\n0,\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n#1500000\n1#\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n#2500000\n12\n#2500001\n02\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n#3000000\n1-\nr12 !\n"));
    /* Only changes: three rail_v values in all. */
    ck_assert_uint_eq(count_lines(text, "r12 !") + count_lines(text, "r0 !"), 3);
    free(text);
}
END_TEST

START_TEST(vcd_span_without_events)
{
    char *text =
        export_text(cut_trace("cut"), RC_EXPORT_VCD, 2998000, 3001000, RC_EXPORT_RAIL_V, NULL);
    ck_assert_ptr_nonnull(strstr(text, "$var real 64 ! rail_v $end\n$upscope $end\n"));
    ck_assert_ptr_null(strstr(text, "ev_"));
    ck_assert_ptr_nonnull(strstr(text, "#2998000\n$dumpvars\n$end\nr0 !\n#3000000\nr12 !\n"));
    ck_assert_ptr_null(strstr(text, "#2999000"));
    free(text);
}
END_TEST

/* ---- sigrok ---------------------------------------------------------------- */

static char *zip_member(zip_t *za, const char *name, size_t *len)
{
    zip_stat_t st;
    ck_assert_msg(zip_stat(za, name, 0, &st) == 0, "no member %s", name);
    char *buf = calloc(1, (size_t)st.size + 1);
    zip_file_t *f = zip_fopen(za, name, 0);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    *len = (size_t)st.size;
    return buf;
}

static float member_float(const char *buf, size_t i)
{
    float f;
    memcpy(&f, buf + 4 * i, sizeof f);
    return f;
}

static const char *export_sr(const char *trace, unsigned channels, rc_export_stats *st)
{
    rc_trace *t = open_trace(trace);
    rc_export_options o;
    rc_export_options_init(&o);
    o.format = RC_EXPORT_SR;
    o.channels = channels;
    const char *out = rc_test_tmp_path("session.sr");
    rc_error err;
    ck_assert_msg(rc_export(t, out, &o, st, &err) == RC_OK, "%s", err.msg);
    rc_trace_close(t);
    return out;
}

START_TEST(sr_members_and_values)
{
    rc_export_stats st;
    const char *sr = export_sr(cut_trace("cut"), RC_EXPORT_ALL, &st);
    ck_assert_uint_eq(st.samples, CUT_SAMPLES);
    zip_t *za = zip_open(sr, ZIP_RDONLY | ZIP_CHECKCONS, NULL);
    ck_assert_ptr_nonnull(za);
    size_t len;
    char *version = zip_member(za, "version", &len);
    ck_assert_str_eq(version, "2");
    char *meta = zip_member(za, "metadata", &len);
    ck_assert_str_eq(meta, "[global]\nsigrok version=0.5.2\n\n[device 1]\n"
                           "capturefile=logic-1\ntotal probes=1\nsamplerate=1 kHz\n"
                           "total analog=3\nprobe1=ac_lost\nanalog2=rail_v\nanalog3=rail_a\n"
                           "analog4=ch_state\nunitsize=1\n");
    char *v = zip_member(za, "analog-1-2-1", &len);
    ck_assert_uint_eq(len, 4 * CUT_SAMPLES);
    ck_assert(member_float(v, 999) == 12.0f);
    ck_assert(member_float(v, 1000) == 0.0f);
    ck_assert(member_float(v, 3000) == 12.0f);
    char *a = zip_member(za, "analog-1-3-1", &len);
    ck_assert(member_float(a, 0) == 0.05f);
    char *s = zip_member(za, "analog-1-4-1", &len);
    ck_assert(member_float(s, 1100) == 3.0f);
    char *l = zip_member(za, "logic-1-1", &len);
    ck_assert_uint_eq(len, CUT_SAMPLES);
    ck_assert_uint_eq((unsigned char)l[1499], 0);
    ck_assert_uint_eq((unsigned char)l[1500], 1);
    ck_assert_uint_eq((unsigned char)l[1999], 1);
    ck_assert_uint_eq((unsigned char)l[2000], 0);
    zip_discard(za);
    free(version);
    free(meta);
    free(v);
    free(a);
    free(s);
    free(l);
}
END_TEST

START_TEST(sr_reads_back_whole)
{
    const char *sr = export_sr(cut_trace("cut"), RC_EXPORT_ALL, NULL);
    const char *back = rc_test_tmp_path("sr-back.rct");
    rc_import_stats st;
    rc_error err;
    rc_import_options o;
    rc_import_options_init(&o);
    o.format = RC_IMPORT_SR;
    ck_assert_msg(rc_import(sr, back, &o, &st, &err) == RC_OK, "%s", err.msg);
    ck_assert_uint_eq(st.samples, CUT_SAMPLES);
    ck_assert_uint_eq(st.sample_rate_hz, 1000);
    sample_list l = read_all(back);
    cut_variant v = cut_default();
    ck_assert_uint_eq(l.n, CUT_SAMPLES);
    for (size_t i = 0; i < l.n; i++) {
        rc_sample want = cut_sample(&v, (int64_t)i * 1000);
        ck_assert_int_eq(l.s[i].t_us, want.t_us);
        ck_assert(l.s[i].rail_v == want.rail_v);
        ck_assert(l.s[i].rail_a == want.rail_a);
        ck_assert_uint_eq(l.s[i].ac_lost, want.ac_lost);
        ck_assert_uint_eq(l.s[i].ch_state, want.ch_state);
    }
    free(l.s);
    /* Sessions hold no events: the import closes the recording itself. */
    rc_trace *t = open_trace(back);
    size_t n;
    const rc_event *ev = rc_trace_get_events(t, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].kind, RC_EV_RUN_END);
    ck_assert_int_eq(ev[0].t_us, 3999000);
    ck_assert_str_eq(ev[0].text, "import");
    ck_assert(rc_trace_get_stats(t)->complete);
    ck_assert_uint_eq(rc_trace_get_stats(t)->end_reason, 0);
    rc_trace_close(t);
}
END_TEST

START_TEST(sr_grid_holds_over_gaps)
{
    /* 1 kHz header, samples at 0, 1, 2 ms and 6 ms: the grid has 7 points,
     * 3..5 ms holding the 2 ms value. */
    const char *path = rc_test_tmp_path("gap.rct");
    rc_trace_header h = {.railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "test",
                         .profile_path = "",
                         .sample_rate_hz = 1000};
    rc_profile *p = rc_profile_new();
    rc_trace_writer *w;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p, &w, NULL), RC_OK);
    rc_profile_free(p);
    rc_sample s[4] = {{0, 1.0f, 0, 0, 0},
                      {1000, 2.0f, 0, 0, 0},
                      {2000, 3.0f, 0, 0, 0},
                      {6000, 7.0f, 0, 0, 0}};
    ck_assert_int_eq(rc_trace_write_samples(w, s, 4, NULL), RC_OK);
    ck_assert_int_eq(rc_trace_writer_close(w, 6000, NULL), RC_OK);
    rc_export_stats st;
    const char *sr = export_sr(path, RC_EXPORT_RAIL_V, &st);
    ck_assert_uint_eq(st.samples, 7);
    zip_t *za = zip_open(sr, ZIP_RDONLY, NULL);
    size_t len;
    char *meta = zip_member(za, "metadata", &len);
    ck_assert_ptr_nonnull(strstr(meta, "total probes=0\n"));
    ck_assert_ptr_null(strstr(meta, "capturefile"));
    char *v = zip_member(za, "analog-1-1-1", &len);
    ck_assert_uint_eq(len, 28);
    const float want[] = {1, 2, 3, 3, 3, 3, 7};
    for (size_t i = 0; i < 7; i++)
        ck_assert(member_float(v, i) == want[i]);
    zip_discard(za);
    free(meta);
    free(v);
}
END_TEST

/* ---- Import errors ----------------------------------------------------------- */

static void import_fails(const char *text, rc_status want, const char *msg_part)
{
    const char *in = rc_test_write_file("bad.csv", text);
    const char *out = rc_test_tmp_path("bad.rct");
    rc_error err;
    ck_assert_int_eq(rc_import(in, out, NULL, NULL, &err), want);
    ck_assert_msg(strstr(err.msg, msg_part) && strncmp(err.msg, in, strlen(in)) == 0,
                  "got '%s', want '%s'", err.msg, msg_part);
    struct stat sb;
    ck_assert_int_ne(stat(out, &sb), 0);
}

START_TEST(csv_import_errors)
{
    import_fails("", RC_ERR_PARSE, ":1: empty file");
    import_fails("t,rail_v\n0,12\n", RC_ERR_PARSE, ":1: header needs a time column");
    import_fails("# capture\ntime_s,rail_v\n", RC_ERR_PARSE, ":2: no data rows");
    import_fails("time_s,rail_v\n0,12\n0.001,12V\n", RC_ERR_PARSE,
                 ":3: bad rail_v value '12V'");
    import_fails("time_s,rail_v\n0,12\n0.001,12\n0.001,11\n", RC_ERR_PARSE,
                 ":4: time does not increase (previous row at line 3)");
    import_fails("time_s,rail_v,ac_lost\n0,12,0\n0.001,12\n", RC_ERR_PARSE,
                 ":3: row has 2 cells, the header has 3");
    import_fails("time_s,rail_v\n0,12\n0.0000001,12\n", RC_ERR_PARSE, ":3: bad time_s value");
    import_fails("time_s,rail_v\n0,31\n", RC_ERR_PARSE, ":2: voltage '31' is outside");
    import_fails("time_s,rail_v\n0,\x01\x02junk\n", RC_ERR_PARSE, ":2: bad rail_v value");
    import_fails("time_s,rail_v\n0,12\n# event,0.5,sunrise,0,\n", RC_ERR_PARSE,
                 ":3: bad event line: unknown kind");
    import_fails("time_s,rail_v\n0,12\n# event,0.5\n", RC_ERR_PARSE,
                 ":3: bad event line: expected # event,time_s,kind,value,text");
    import_fails("time_s,rail_v\n0,12\n# event,0.5,ad1,x,\n", RC_ERR_PARSE,
                 ":3: bad event line: value");
}
END_TEST

START_TEST(csv_import_rates_and_units)
{
    const char *in = rc_test_write_file("ms.csv", "time_ms,rail_mv,ac_lost\n-2,12000,0\n"
                                                  "-1,11500,1\n0,0,1\n");
    const char *out = rc_test_tmp_path("ms.rct");
    rc_import_stats st;
    ck_assert_int_eq(rc_import(in, out, NULL, &st, NULL), RC_OK);
    ck_assert_uint_eq(st.sample_rate_hz, 1000);
    sample_list l = read_all(out);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.s[1].t_us, 1000);
    ck_assert(l.s[1].rail_v == 11.5f);
    ck_assert_uint_eq(l.s[1].ac_lost, 1);
    ck_assert_int_eq(l.s[2].t_us, 2000);
    free(l.s);
    in = rc_test_write_file("odd.csv", "time_us,rail_v\n0,12\n3,12\n7,12\n");
    ck_assert_int_eq(rc_import(in, out, NULL, &st, NULL), RC_OK);
    ck_assert_uint_eq(st.sample_rate_hz, 0);
    ck_assert_int_eq(st.last_us, 7);
}
END_TEST

static const char *write_zip(const char *name, const char *const *members, size_t n)
{
    const char *path = rc_test_tmp_path(name);
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
    ck_assert_ptr_nonnull(za);
    for (size_t i = 0; i < n; i += 3) {
        /* Length "s": a text member, its strlen; else a byte count. */
        size_t len =
            members[i + 2][0] == 's' ? strlen(members[i + 1]) : (size_t)atoi(members[i + 2]);
        zip_source_t *src = zip_source_buffer(za, members[i + 1], len, 0);
        ck_assert_int_ge(zip_file_add(za, members[i], src, 0), 0);
    }
    ck_assert_int_eq(zip_close(za), 0);
    return path;
}

static void sr_fails(const char *path, const char *rail, rc_status want, const char *msg_part)
{
    rc_import_options o;
    rc_import_options_init(&o);
    o.format = RC_IMPORT_SR;
    o.rail_channel = rail;
    rc_error err;
    const char *out = rc_test_tmp_path("bad-sr.rct");
    ck_assert_int_eq(rc_import(path, out, &o, NULL, &err), want);
    ck_assert_msg(strstr(err.msg, msg_part), "got '%s', want '%s'", err.msg, msg_part);
    struct stat sb;
    ck_assert_int_ne(stat(out, &sb), 0);
}

#define META(rate)                                                                             \
    "[global]\nsigrok version=0.5.2\n[device 1]\ntotal probes=0\nsamplerate=" rate             \
    "\ntotal analog=2\nanalog1=CH1\nanalog2=rail_a\n"

START_TEST(sr_import_errors)
{
    sr_fails(rc_test_write_file("junk.sr", "this is not a zip"), NULL, RC_ERR_FORMAT,
             "not a sigrok session");
    const char *no_meta[] = {"version", "2", "s"};
    sr_fails(write_zip("nometa.sr", no_meta, 3), NULL, RC_ERR_FORMAT, "no 'metadata' member");
    const char *v3[] = {"version", "3", "s", "metadata", META("1 kHz"), "s"};
    sr_fails(write_zip("v3.sr", v3, 6), NULL, RC_ERR_UNSUPPORTED, "version is not 2");
    static const char floats[16] = {0, 0, 0x40, 0x41, 0, 0, 0x40, 0x41, 0, 0, 0x40, 0x41};
    const char *fast[] = {"version",      "2",    "s", "metadata", META("2 MHz"), "s",
                          "analog-1-1-1", floats, "12"};
    sr_fails(write_zip("fast.sr", fast, 9), NULL, RC_ERR_UNSUPPORTED, "above 1 MHz");
    const char *short_a[] = {"version",      "2",    "s",  "metadata",     META("1 kHz"), "s",
                             "analog-1-1-1", floats, "12", "analog-1-2-1", floats,        "8"};
    sr_fails(write_zip("short.sr", short_a, 12), NULL, RC_ERR_FORMAT,
             "analog-1-2 ends before the rail channel");
    const char *odd[] = {"version",      "2",    "s", "metadata", META("1 kHz"), "s",
                         "analog-1-1-1", floats, "10"};
    sr_fails(write_zip("odd.sr", odd, 9), NULL, RC_ERR_FORMAT, "not a whole number of floats");
    sr_fails(write_zip("odd.sr", odd, 9), "CH9", RC_ERR_NOT_FOUND,
             "no analog channel named 'CH9'");
    const char *norate[] = {"version", "2", "s", "metadata", META("fast"), "s"};
    sr_fails(write_zip("norate.sr", norate, 6), NULL, RC_ERR_FORMAT, "no usable samplerate");
}
END_TEST

START_TEST(sr_import_chunks_and_rail_choice)
{
    /* The rail is the first analog channel (CH1), in two chunk members. */
    static const char a[8] = {0, 0, 0x40, 0x41, 0, 0, 0x40, 0x41}; /* 12, 12 */
    static const char b[4] = {0, 0, 0, 0};                         /* 0 */
    static const char amps[12] = {0};
    const char *m[] = {
        "version",      "2", "s", "metadata",     META("100 Hz"), "s", "analog-1-1-1", a, "8",
        "analog-1-1-2", b,   "4", "analog-1-2-1", amps,           "12"};
    const char *sr = write_zip("chunks.sr", m, 15);
    const char *out = rc_test_tmp_path("chunks.rct");
    rc_import_stats st;
    rc_error err;
    rc_import_options o;
    rc_import_options_init(&o);
    o.format = RC_IMPORT_SR;
    ck_assert_msg(rc_import(sr, out, &o, &st, &err) == RC_OK, "%s", err.msg);
    ck_assert_uint_eq(st.samples, 3);
    ck_assert_uint_eq(st.sample_rate_hz, 100);
    sample_list l = read_all(out);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.s[2].t_us, 20000);
    ck_assert(l.s[0].rail_v == 12.0f && l.s[2].rail_v == 0.0f);
    ck_assert(l.s[2].rail_a == 0.0f);
    free(l.s);
}
END_TEST

START_TEST(sr_truncated_file)
{
    const char *sr = export_sr(cut_trace("cut"), RC_EXPORT_ALL, NULL);
    size_t len;
    char *bytes = rc_test_read_file(sr, &len);
    const char *cut = rc_test_tmp_path("truncated.sr");
    FILE *f = fopen(cut, "wb");
    fwrite(bytes, 1, len / 2, f);
    fclose(f);
    free(bytes);
    sr_fails(cut, NULL, RC_ERR_FORMAT, "not a sigrok session");
}
END_TEST

/* ---- Memory ------------------------------------------------------------------ */

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

START_TEST(exports_and_imports_stream)
{
    /* 2 M samples: 32 MB as rc_sample, 50 MB as CSV text. Exporting and
     * importing them must not hold a fraction of that. */
    enum { B = 4096, N = 490 * B };
    const char *path = rc_test_tmp_path("long.rct");
    rc_trace_header h = {.railcut_version = "0.1.0",
                         .backend = "sim",
                         .scenario = "test",
                         .profile_path = "",
                         .sample_rate_hz = 1000};
    rc_profile *p = rc_profile_new();
    rc_trace_writer *w;
    ck_assert_int_eq(rc_trace_writer_open(path, &h, p, &w, NULL), RC_OK);
    rc_profile_free(p);
    static rc_sample s[B];
    for (int64_t i = 0; i < N; i += B) {
        for (int64_t k = 0; k < B; k++)
            s[k] = (rc_sample){(i + k) * 1000, (float)((i + k) % 1000) / 100.0f, 0.05f, 0, 2};
        ck_assert_int_eq(rc_trace_write_samples(w, s, B, NULL), RC_OK);
    }
    ck_assert_int_eq(rc_trace_writer_close(w, (int64_t)(N - 1) * 1000, NULL), RC_OK);
    long before = peak_rss_kb();
    rc_trace *t = open_trace(path);
    const char *out[3] = {rc_test_tmp_path("long.csv"), rc_test_tmp_path("long.vcd"),
                          rc_test_tmp_path("long.sr")};
    for (int f = 0; f < 3; f++) {
        rc_export_options o;
        rc_export_options_init(&o);
        o.format = (rc_export_format)f;
        rc_export_stats st;
        rc_error err;
        ck_assert_msg(rc_export(t, out[f], &o, &st, &err) == RC_OK, "%s", err.msg);
        ck_assert_uint_eq(st.samples, N);
    }
    rc_trace_close(t);
    rc_import_stats st;
    ck_assert_int_eq(rc_import(out[0], rc_test_tmp_path("long-back.rct"), NULL, &st, NULL),
                     RC_OK);
    ck_assert_uint_eq(st.samples, N);
    long grown_kb = peak_rss_kb() - before;
    ck_assert_msg(grown_kb < 16 * 1024, "peak RSS grew by %ld kB", grown_kb);
    for (int f = 0; f < 3; f++)
        remove(out[f]);
}
END_TEST

static Suite *interop_suite(void)
{
    Suite *s = suite_create("interop");
    TCase *tc = tcase_create("export");
    tcase_add_test(tc, fixed_point_text);
    tcase_add_test(tc, csv_rows_and_events);
    tcase_add_test(tc, csv_span_and_channels);
    tcase_add_test(tc, csv_reads_back);
    tcase_add_test(tc, options_refused);
    tcase_add_test(tc, vcd_structure_and_changes);
    tcase_add_test(tc, vcd_span_without_events);
    tcase_add_test(tc, sr_members_and_values);
    tcase_add_test(tc, sr_reads_back_whole);
    tcase_add_test(tc, sr_grid_holds_over_gaps);
    suite_add_tcase(s, tc);
    tc = tcase_create("import");
    tcase_add_test(tc, csv_import_errors);
    tcase_add_test(tc, csv_import_rates_and_units);
    tcase_add_test(tc, sr_import_errors);
    tcase_add_test(tc, sr_import_chunks_and_rail_choice);
    tcase_add_test(tc, sr_truncated_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("memory");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, exports_and_imports_stream);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(interop_suite());
}
