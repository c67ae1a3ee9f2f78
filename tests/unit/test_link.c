/*
 * test_link.c - the golden vectors of docs/protocol.md both ways: the
 * document's table equals tests/data/link-vectors.txt; messages built here
 * from the values the document states encode to exactly those bytes; each
 * vector decodes to one frame and re-encodes unchanged; the corrupted and
 * resynchronisation vectors give the stated result. Also the CRC parameters.
 */
#include "test_link_fixture.h"

static link_vector vecs[LINK_MAX_VECTORS];
static size_t n_vecs;

static void load(void)
{
    n_vecs = link_load_vectors(vecs);
}

/* The messages the document's "Contents" paragraph describes, by name. */
static rc_link_msg expected_msg(const char *name, uint8_t *seq)
{
    rc_link_msg m;
    memset(&m, 0, sizeof m);
    if (strcmp(name, "identify") == 0) {
        m.type = RC_LINK_IDENTIFY;
        *seq = 0;
    } else if (strcmp(name, "identify_reply") == 0) {
        m.type = RC_LINK_IDENTIFY_REPLY;
        m.u.identify = (rc_link_identify){1,      0,     0,  1,  0,  1,  12000000, 1000000,
                                          250000, 60000, 64, 10, 16, 12, 0x3F};
        *seq = 0;
    } else if (strcmp(name, "configure") == 0) {
        m.type = RC_LINK_CONFIGURE;
        m.u.config = (rc_link_config){50, 2000, 2200, 3900, 3000, 0, 500, 100, 104, 0, 3};
        *seq = 1;
    } else if (strcmp(name, "segment_hold") == 0) {
        m.type = RC_LINK_SEGMENT;
        m.u.seg = (rc_link_seg){0, 172000000, 0, 0, 0, 0, RC_LINK_WAIT_NONE};
        *seq = 2;
    } else if (strcmp(name, "segment_ramp") == 0) {
        m.type = RC_LINK_SEGMENT;
        m.u.seg = (rc_link_seg){1, 5000, 43690, 30000, -45936017, RC_LINK_PIN_RAIL_EN, 0};
        *seq = 3;
    } else if (strcmp(name, "segment_wait_last") == 0) {
        m.type = RC_LINK_SEGMENT;
        m.u.seg = (rc_link_seg){2,
                                300000000,
                                43690,
                                43690,
                                0,
                                RC_LINK_PIN_RAIL_EN | RC_LINK_SEG_LAST,
                                RC_LINK_WAIT_HOST};
        *seq = 4;
    } else if (strcmp(name, "arm") == 0) {
        m.type = RC_LINK_ARM;
        *seq = 5;
    } else if (strcmp(name, "start") == 0) {
        m.type = RC_LINK_START;
        *seq = 6;
    } else if (strcmp(name, "stop") == 0) {
        m.type = RC_LINK_STOP;
        *seq = 7;
    } else if (strcmp(name, "pins") == 0) {
        m.type = RC_LINK_PINS;
        m.u.pins = (rc_link_pins){43690, RC_LINK_PIN_RAIL_EN | RC_LINK_PIN_AC_LOST};
        *seq = 8;
    } else if (strcmp(name, "heartbeat") == 0) {
        m.type = RC_LINK_HEARTBEAT;
        *seq = 9;
    } else if (strcmp(name, "release") == 0) {
        m.type = RC_LINK_RELEASE;
        m.u.release_seg_id = 2;
        *seq = 10;
    } else if (strcmp(name, "clear_trip") == 0) {
        m.type = RC_LINK_CLEAR_TRIP;
        *seq = 11;
    } else if (strcmp(name, "samples") == 0) {
        m.type = RC_LINK_SAMPLES;
        m.u.samples.tick = 1000000;
        m.u.samples.n = 2;
        m.u.samples.blocks[0] = (rc_link_block){3000, 3010, 500, 520};
        m.u.samples.blocks[1] = (rc_link_block){2990, 3005, 498, 530};
        *seq = 1;
    } else if (strcmp(name, "events") == 0) {
        m.type = RC_LINK_EVENTS;
        m.u.events.n = 3;
        m.u.events.ev[0] = (rc_link_event){1000000, RC_LINK_EV_SEGMENT_START, 0, 0};
        m.u.events.ev[1] = (rc_link_event){1000123, RC_LINK_EV_RAIL_FALL, 0, 1998};
        m.u.events.ev[2] = (rc_link_event){181000456, RC_LINK_EV_ALERT_EDGE, 1, 0};
        *seq = 2;
    } else if (strcmp(name, "uart") == 0) {
        m.type = RC_LINK_UART;
        m.u.uart.tick = 2000000;
        m.u.uart.n = 3;
        memcpy(m.u.uart.bytes, "OK\n", 3);
        m.u.uart.gap_ticks[1] = 87;
        m.u.uart.gap_ticks[2] = 87;
        *seq = 3;
    } else if (strcmp(name, "status") == 0) {
        m.type = RC_LINK_STATUS;
        m.u.status = (rc_link_status){5000000, RC_LINK_STATE_RUNNING,
                                      0,       2,
                                      0,       1,
                                      0,       0,
                                      9,       RC_LINK_PIN_RAIL_EN | RC_LINK_IO_ALERT,
                                      43690,   1};
        *seq = 4;
    } else if (strcmp(name, "ack") == 0) {
        m.type = RC_LINK_ACK;
        m.u.ack = (rc_link_ack){RC_LINK_SEGMENT, 2, 63};
        *seq = 5;
    } else if (strcmp(name, "nak") == 0) {
        m.type = RC_LINK_NAK;
        m.u.nak = (rc_link_nak){RC_LINK_SEGMENT, 4, RC_LINK_NAK_CLAMP, 10};
        *seq = 6;
    } else {
        ck_abort_msg("no expected message for %s", name);
    }
    return m;
}

START_TEST(test_crc_parameters)
{
    const uint8_t check[] = "123456789";
    ck_assert_uint_eq(rc_link_crc16(RC_LINK_CRC_INIT, check, 9), 0x29B1);
    ck_assert_uint_eq(rc_link_crc16(RC_LINK_CRC_INIT, check, 0), 0xFFFF);
    /* Continuing over a split gives the same register. */
    uint16_t part = rc_link_crc16(RC_LINK_CRC_INIT, check, 4);
    ck_assert_uint_eq(rc_link_crc16(part, check + 4, 5), 0x29B1);
    /* The CRC appended high byte first leaves a zero residue. */
    const uint8_t with_crc[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9', 0x29, 0xB1};
    ck_assert_uint_eq(rc_link_crc16(RC_LINK_CRC_INIT, with_crc, sizeof with_crc), 0);
}
END_TEST

START_TEST(test_doc_table_matches_file)
{
    load();
    ck_assert_uint_ge(n_vecs, 20);
    char *doc = rc_test_read_file(LINK_DOC_PATH, NULL);
    ck_assert_ptr_nonnull(doc);
    char *begin = strstr(doc, "<!-- golden-vectors-begin -->");
    char *end = strstr(doc, "<!-- golden-vectors-end -->");
    ck_assert_ptr_nonnull(begin);
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    size_t rows = 0;
    for (char *line = strtok(begin, "\n"); line; line = strtok(NULL, "\n")) {
        char name[40], dir[8], result[48], hex[400];
        if (sscanf(line, "| %39s | %7s | %47s | `%399[0-9a-f ]` |", name, dir, result, hex) !=
            4)
            continue;
        ck_assert_uint_lt(rows, n_vecs);
        const link_vector *v = &vecs[rows++];
        ck_assert_str_eq(name, v->name);
        ck_assert_str_eq(dir, v->dir);
        ck_assert_str_eq(result, v->result);
        uint8_t bytes[LINK_VECTOR_BYTES];
        int len = link_parse_hex(hex, bytes, sizeof bytes);
        ck_assert_int_eq(len, (int)v->len);
        ck_assert_mem_eq(bytes, v->bytes, v->len);
    }
    ck_assert_uint_eq(rows, n_vecs);
    free(doc);
}
END_TEST

START_TEST(test_vectors_cover_every_type)
{
    load();
    bool seen[256] = {false};
    size_t crc_cases = 0, resync_cases = 0;
    for (size_t i = 0; i < n_vecs; i++) {
        const link_vector *v = &vecs[i];
        bool h2f = strcmp(v->dir, "h2f") == 0;
        ck_assert(h2f || strcmp(v->dir, "f2h") == 0);
        if (strcmp(v->result, "ok") == 0) {
            ck_assert_uint_eq(v->bytes[2] & 0x80, h2f ? 0 : 0x80);
            seen[v->bytes[2]] = true;
        }
        crc_cases += strcmp(v->result, "crc_error") == 0;
        resync_cases += strncmp(v->result, "resync:", 7) == 0;
    }
    for (int t = 0; t < 256; t++)
        if (rc_link_type_name(t))
            ck_assert_msg(seen[t], "no golden vector of type 0x%02x", t);
    ck_assert_uint_ge(crc_cases, 2);
    ck_assert_uint_ge(resync_cases, 2);
}
END_TEST

START_TEST(test_messages_encode_to_vectors)
{
    load();
    size_t checked = 0;
    for (size_t i = 0; i < n_vecs; i++) {
        const link_vector *v = &vecs[i];
        if (strcmp(v->result, "ok") != 0)
            continue;
        uint8_t seq = 0, out[RC_LINK_MAX_FRAME];
        size_t len = 0;
        rc_error err;
        rc_link_msg m = expected_msg(v->name, &seq);
        ck_assert_msg(rc_link_msg_encode(&m, seq, out, sizeof out, &len, &err) == RC_OK,
                      "%s: %s", v->name, err.msg);
        ck_assert_uint_eq(len, v->len);
        ck_assert_msg(memcmp(out, v->bytes, len) == 0, "%s encodes differently", v->name);
        checked++;
    }
    ck_assert_uint_eq(checked, 19);
}
END_TEST

START_TEST(test_vectors_decode_and_reencode)
{
    load();
    for (size_t i = 0; i < n_vecs; i++) {
        const link_vector *v = &vecs[i];
        if (strcmp(v->result, "ok") != 0)
            continue;
        rc_link_decoder d;
        rc_link_decoder_init(&d);
        rc_link_frame frames[2];
        ck_assert_uint_eq(link_decode_all(&d, v->bytes, v->len, 0, frames, 2), 1);
        ck_assert_uint_eq(d.stats.frames, 1);
        ck_assert_uint_eq(d.stats.discarded_bytes, 0);
        ck_assert_uint_eq(d.stats.crc_errors, 0);
        ck_assert_uint_eq(d.held, 0);
        rc_link_msg m;
        rc_error err;
        ck_assert_msg(rc_link_msg_from_frame(&frames[0], &m, &err) == RC_OK, "%s: %s", v->name,
                      err.msg);
        bool segment = strncmp(v->name, "segment_", 8) == 0;
        ck_assert_str_eq(rc_link_type_name(m.type), segment ? "segment" : v->name);
        uint8_t out[RC_LINK_MAX_FRAME];
        size_t len = 0;
        ck_assert_int_eq(rc_link_msg_encode(&m, frames[0].seq, out, sizeof out, &len, &err),
                         RC_OK);
        ck_assert_uint_eq(len, v->len);
        ck_assert_mem_eq(out, v->bytes, len);
    }
}
END_TEST

START_TEST(test_decoded_fields)
{
    load();
    rc_link_decoder d;
    rc_link_frame f;
    rc_link_msg m;
    rc_error err;

    rc_link_decoder_init(&d);
    const link_vector *v = link_find(vecs, n_vecs, "segment_ramp");
    ck_assert_uint_eq(link_decode_all(&d, v->bytes, v->len, 1, &f, 1), 1);
    ck_assert_int_eq(rc_link_msg_from_frame(&f, &m, &err), RC_OK);
    ck_assert_uint_eq(f.seq, 3);
    ck_assert_uint_eq(m.u.seg.seg_id, 1);
    ck_assert_uint_eq(m.u.seg.duration_ticks, 5000);
    ck_assert_uint_eq(m.u.seg.start_code, 43690);
    ck_assert_uint_eq(m.u.seg.end_code, 30000);
    ck_assert_int_eq(m.u.seg.slope, -45936017);
    ck_assert_uint_eq(m.u.seg.pins, RC_LINK_PIN_RAIL_EN);

    rc_link_decoder_init(&d);
    v = link_find(vecs, n_vecs, "events");
    ck_assert_uint_eq(link_decode_all(&d, v->bytes, v->len, 0, &f, 1), 1);
    ck_assert_int_eq(rc_link_msg_from_frame(&f, &m, &err), RC_OK);
    ck_assert_uint_eq(m.u.events.n, 3);
    ck_assert_uint_eq(m.u.events.ev[2].tick, 181000456);
    ck_assert_uint_eq(m.u.events.ev[2].kind, RC_LINK_EV_ALERT_EDGE);
    ck_assert_uint_eq(m.u.events.ev[2].arg, 1);
    ck_assert_uint_eq(m.u.events.ev[1].value, 1998);

    rc_link_decoder_init(&d);
    v = link_find(vecs, n_vecs, "identify_reply");
    ck_assert_uint_eq(link_decode_all(&d, v->bytes, v->len, 0, &f, 1), 1);
    ck_assert_int_eq(rc_link_msg_from_frame(&f, &m, &err), RC_OK);
    ck_assert_uint_eq(m.u.identify.clock_hz, 12000000);
    ck_assert_uint_eq(m.u.identify.tick_hz, 1000000);
    ck_assert_uint_eq(m.u.identify.max_dac_code, 60000);
    ck_assert_uint_eq(m.u.identify.caps, 0x3F);
}
END_TEST

START_TEST(test_corrupt_vectors)
{
    load();
    size_t checked = 0;
    for (size_t i = 0; i < n_vecs; i++) {
        const link_vector *v = &vecs[i];
        if (strcmp(v->result, "crc_error") != 0)
            continue;
        for (size_t chunk = 0; chunk < 3; chunk++) {
            rc_link_decoder d;
            rc_link_decoder_init(&d);
            rc_link_frame frames[2];
            ck_assert_uint_eq(link_decode_all(&d, v->bytes, v->len, chunk, frames, 2), 0);
            ck_assert_uint_eq(d.stats.crc_errors, 1);
            ck_assert_uint_eq(d.stats.frames, 0);
            ck_assert_uint_eq(d.stats.oversize, 0);
        }
        checked++;
    }
    ck_assert_uint_eq(checked, 2);
}
END_TEST

START_TEST(test_resync_vectors)
{
    load();
    size_t checked = 0;
    for (size_t i = 0; i < n_vecs; i++) {
        const link_vector *v = &vecs[i];
        if (strncmp(v->result, "resync:", 7) != 0)
            continue;
        const link_vector *want = link_find(vecs, n_vecs, v->result + 7);
        ck_assert_str_eq(want->dir, v->dir);
        for (size_t chunk = 0; chunk < 3; chunk++) {
            rc_link_decoder d;
            rc_link_decoder_init(&d);
            rc_link_frame frames[2];
            ck_assert_uint_eq(link_decode_all(&d, v->bytes, v->len, chunk, frames, 2), 1);
            uint8_t out[RC_LINK_MAX_FRAME];
            ck_assert_uint_eq(link_frame_bytes(&frames[0], out), want->len);
            ck_assert_mem_eq(out, want->bytes, want->len);
            ck_assert_uint_eq(d.stats.discarded_bytes, v->len - want->len);
            ck_assert_uint_eq(d.stats.resyncs, 1);
            ck_assert_uint_eq(d.stats.oversize, 1);
            ck_assert_uint_eq(d.stats.crc_errors, 0);
        }
        checked++;
    }
    ck_assert_uint_eq(checked, 2);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(rc_link_type_name(RC_LINK_IDENTIFY), "identify");
    ck_assert_str_eq(rc_link_type_name(RC_LINK_CLEAR_TRIP), "clear_trip");
    ck_assert_str_eq(rc_link_type_name(RC_LINK_IDENTIFY_REPLY), "identify_reply");
    ck_assert_str_eq(rc_link_type_name(RC_LINK_NAK), "nak");
    ck_assert_ptr_null(rc_link_type_name(0x00));
    ck_assert_ptr_null(rc_link_type_name(0x0B));
    ck_assert_ptr_null(rc_link_type_name(0x80));
    ck_assert_ptr_null(rc_link_type_name(0x88));
    ck_assert_ptr_null(rc_link_type_name(0x181));
    ck_assert_str_eq(rc_link_event_name(RC_LINK_EV_RAIL_FALL), "rail_fall");
    ck_assert_str_eq(rc_link_event_name(RC_LINK_EV_UART_ERROR), "uart_error");
    ck_assert_ptr_null(rc_link_event_name(0));
    ck_assert_ptr_null(rc_link_event_name(0x0E));
    ck_assert_str_eq(rc_link_nak_name(RC_LINK_NAK_FIFO_FULL), "fifo_full");
    ck_assert_str_eq(rc_link_nak_name(RC_LINK_NAK_TRIPPED), "tripped");
    ck_assert_ptr_null(rc_link_nak_name(9));
    ck_assert_ptr_null(rc_link_nak_name(-1));
}
END_TEST

static Suite *link_suite(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("golden");
    tcase_add_test(tc, test_crc_parameters);
    tcase_add_test(tc, test_doc_table_matches_file);
    tcase_add_test(tc, test_vectors_cover_every_type);
    tcase_add_test(tc, test_messages_encode_to_vectors);
    tcase_add_test(tc, test_vectors_decode_and_reencode);
    tcase_add_test(tc, test_decoded_fields);
    tcase_add_test(tc, test_corrupt_vectors);
    tcase_add_test(tc, test_resync_vectors);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(link_suite());
}
