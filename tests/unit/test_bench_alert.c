/*
 * test_bench_alert.c - alert sources: the UART line assembler and regex
 * matcher on byte streams, the feed line parser (exact times, junk), and the
 * feed server with clients on 127.0.0.1 (replies, events, line and
 * connection limits).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "railcut/bench.h"
#include "testutil.h"

/* Feeds text to the matcher, byte i at t0 + 10 us * i; returns the events. */
static size_t feed_text(rc_uart_alert *m, int64_t t0, const char *text, size_t len,
                        rc_event *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        rc_event ev;
        if (rc_uart_alert_byte(m, t0 + 10 * (int64_t)i, (uint8_t)text[i], &ev)) {
            ck_assert_uint_lt(n, cap);
            out[n++] = ev;
        }
    }
    return n;
}

START_TEST(test_uart_matches_lines)
{
    rc_uart_alert *m;
    rc_error err;
    ck_assert_int_eq(rc_uart_alert_new("^ALERT (AD1|0x8F)", &m, &err), RC_OK);
    const char *text = "boot 1.2\r\nALERT AD1 raised\r\nALERT AD2\nALERT 0x8F\n";
    rc_event ev[4];
    size_t n = feed_text(m, 1000, text, strlen(text), ev, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ev[0].kind, RC_EV_AD1);
    ck_assert_int_eq(ev[0].t_us, 1000 + 10 * 10); /* first byte of line 2 is byte 10 */
    ck_assert_str_eq(ev[0].text, "uart:^ALERT (AD1|0x8F)");
    ck_assert_int_eq(
        ev[1].t_us, 1000 + 10 * (int64_t)strlen("boot 1.2\r\nALERT AD1 raised\r\nALERT AD2\n"));
    /* A line still open produces nothing until its newline. */
    ck_assert_uint_eq(feed_text(m, 0, "ALERT AD1", 9, ev, 4), 0);
    rc_event last;
    ck_assert(rc_uart_alert_byte(m, 999, '\n', &last));
    ck_assert_int_eq(last.t_us, 0);
    rc_uart_alert_free(m);
}
END_TEST

START_TEST(test_uart_long_and_binary_lines)
{
    rc_uart_alert *m;
    ck_assert_int_eq(rc_uart_alert_new("AD1$", &m, NULL), RC_OK);
    char text[600];
    memset(text, 'x', sizeof text);
    memcpy(text + 250, "AD1", 3);
    text[599] = '\n';
    rc_event ev[2];
    /* Cut at 256 bytes: the tail is dropped, so "AD1$" cannot match the end. */
    ck_assert_uint_eq(feed_text(m, 0, text, sizeof text, ev, 2), 0);
    const char bin[] = {'\0', (char)0xff, 'A', 'D', '1', '\n', '\n', '\r', '\n'};
    ck_assert_uint_eq(feed_text(m, 50, bin, sizeof bin, ev, 2), 1);
    ck_assert_int_eq(ev[0].t_us, 50);
    /* A long pattern is cut to the event's text field. */
    rc_uart_alert_free(m);
    ck_assert_int_eq(
        rc_uart_alert_new("a very long pattern that will not fit in forty", &m, NULL), RC_OK);
    ck_assert_uint_eq(
        feed_text(m, 0, "a very long pattern that will not fit in forty\n", 47, ev, 2), 1);
    ck_assert_uint_eq(strlen(ev[0].text), RC_EVENT_TEXT_MAX - 1);
    rc_uart_alert_free(m);
}
END_TEST

START_TEST(test_uart_bad_pattern)
{
    rc_uart_alert *m = (rc_uart_alert *)1;
    rc_error err;
    ck_assert_int_eq(rc_uart_alert_new("(AD1", &m, &err), RC_ERR_PARSE);
    ck_assert_ptr_null(m);
    ck_assert_msg(strncmp(err.msg, "bad UART alert pattern '(AD1': ", 31) == 0, "%s", err.msg);
}
END_TEST

/* 2026-11-25T10:00:00Z */
#define START_US (1795600800LL * 1000000)

START_TEST(test_feed_parse_times)
{
    rc_event ev;
    rc_error err;
    const char *l = "AD1 2026-11-25T10:01:02.123Z";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err), RC_OK);
    ck_assert_int_eq(ev.kind, RC_EV_AD1);
    ck_assert_int_eq(ev.t_us, 62123000);
    ck_assert_str_eq(ev.text, "feed");
    l = "AD1 2026-11-25T10:00:00Z\r";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err), RC_OK);
    ck_assert_int_eq(ev.t_us, 0);
    l = "AD1 2026-11-26T00:00:00.000001Z";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err), RC_OK);
    ck_assert_int_eq(ev.t_us, 14 * 3600000000LL + 1);
    l = "AD1 @123.456";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err), RC_OK);
    ck_assert_int_eq(ev.t_us, 123456000);
    l = "AD1   @0.000001  ";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err), RC_OK);
    ck_assert_int_eq(ev.t_us, 1);
    l = "AD1 @180";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), 0, &ev, &err), RC_OK);
    ck_assert_int_eq(ev.t_us, 180000000);
}
END_TEST

static const char *const junk_lines[] = {
    "",
    "AD1",
    "AD1 ",
    "ad1 @1",
    "AD2 @1",
    "AD1 @",
    "AD1 @1.",
    "AD1 @1.1234567",
    "AD1 @-1",
    "AD1 @1x",
    "AD1 @99999999999999999999",
    "AD1 2026-11-25T10:01:02.123",
    "AD1 2026-11-25 10:01:02Z",
    "AD1 2026-13-25T10:01:02Z",
    "AD1 2026-02-29T10:01:02Z",
    "AD1 2026-11-25T24:00:00Z",
    "AD1 2026-11-25T10:60:00Z",
    "AD1 2026-11-25T10:00:60Z",
    "AD1 2026-11-25T10:00:0Z",
    "AD1 2026-11-25T10:00:00.Z",
    "AD1 2026-11-25T10:00:00ZZ",
    "AD1 2026-11-25T09:59:59.999999Z", /* before the run started */
    "AD1 2026-11",
};

START_TEST(test_feed_parse_junk)
{
    const char *l = junk_lines[_i];
    rc_event ev;
    rc_error err;
    ck_assert_msg(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err) == RC_ERR_PARSE, "%s",
                  l);
}
END_TEST

START_TEST(test_feed_parse_messages)
{
    rc_event ev;
    rc_error err;
    char big[300];
    memset(big, 'x', sizeof big);
    ck_assert_int_eq(rc_feed_parse_line(big, sizeof big, 0, &ev, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "line longer than 256 bytes");
    ck_assert_int_eq(rc_feed_parse_line("AD1 @1\0", 7, 0, &ev, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "NUL byte in the line");
    ck_assert_int_eq(rc_feed_parse_line("hello", 5, 0, &ev, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "expected 'AD1 @SECONDS' or 'AD1 YYYY-MM-DDTHH:MM:SS[.ffffff]Z'");
    ck_assert_int_eq(rc_feed_parse_line("AD1 @x", 6, 0, &ev, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "bad device time (seconds, at most 6 decimals): '@x'");
    const char *l = "AD1 2026-11-25T09:00:00Z";
    ck_assert_int_eq(rc_feed_parse_line(l, strlen(l), START_US, &ev, &err), RC_ERR_PARSE);
    ck_assert_str_eq(err.msg, "time is before the run started");
}
END_TEST

/* ---- the server ---------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

typedef struct collected {
    pthread_mutex_t mu;
    rc_event ev[16];
    size_t n;
} collected;

static void on_event(void *ctx, const rc_event *ev)
{
    collected *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (c->n < 16)
        c->ev[c->n++] = *ev;
    pthread_mutex_unlock(&c->mu);
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_text(int fd, const char *text, size_t len)
{
    ck_assert_int_eq(send(fd, text, len, 0), (ssize_t)len);
}

/* Reads one reply line. */
static void read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t got = recv(fd, buf + n, 1, 0);
        ck_assert_int_eq(got, 1);
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = '\0';
}

START_TEST(test_feed_server)
{
    collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
    rc_feed_server *s;
    rc_error err;
    ck_assert_int_eq(rc_feed_server_start(NULL, START_US, on_event, &c, &s, &err), RC_OK);
    uint16_t port = rc_feed_server_port(s);
    ck_assert_uint_ne(port, 0);
    int fd = connect_to(port);
    char reply[512];
    /* A line in two pieces, then two lines in one piece. */
    send_text(fd, "AD1 @1", 6);
    sleep_ms(20);
    send_text(fd, "2.5\n", 4);
    read_line(fd, reply, sizeof reply);
    ck_assert_str_eq(reply, "ok");
    send_text(fd, "junk\nAD1 2026-11-25T10:03:00Z\r\n", 31);
    read_line(fd, reply, sizeof reply);
    ck_assert_str_eq(reply,
                     "error: expected 'AD1 @SECONDS' or 'AD1 YYYY-MM-DDTHH:MM:SS[.ffffff]Z'");
    read_line(fd, reply, sizeof reply);
    ck_assert_str_eq(reply, "ok");
    /* A line over the limit is refused as a whole; the next line is fine. */
    char big[400];
    memset(big, 'A', sizeof big);
    send_text(fd, big, sizeof big);
    send_text(fd, "\nAD1 @7\n", 8);
    read_line(fd, reply, sizeof reply);
    ck_assert_str_eq(reply, "error: line longer than 256 bytes");
    read_line(fd, reply, sizeof reply);
    ck_assert_str_eq(reply, "ok");
    close(fd);
    rc_feed_server_stop(s);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_int_eq(c.ev[0].t_us, 12500000);
    ck_assert_int_eq(c.ev[1].t_us, 180000000);
    ck_assert_int_eq(c.ev[2].t_us, 7000000);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(c.ev[i].kind, RC_EV_AD1);
        ck_assert_str_eq(c.ev[i].text, "feed");
    }
}
END_TEST

START_TEST(test_feed_connection_limit)
{
    collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
    rc_feed_server *s;
    ck_assert_int_eq(rc_feed_server_start("127.0.0.1:0", 0, on_event, &c, &s, NULL), RC_OK);
    int fds[RC_FEED_MAX_CLIENTS];
    char reply[128];
    for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++) {
        fds[i] = connect_to(rc_feed_server_port(s));
        /* A round trip makes sure the server has taken this connection. */
        send_text(fds[i], "AD1 @1\n", 7);
        read_line(fds[i], reply, sizeof reply);
        ck_assert_str_eq(reply, "ok");
    }
    int extra = connect_to(rc_feed_server_port(s));
    read_line(extra, reply, sizeof reply);
    ck_assert_str_eq(reply, "error: too many connections");
    char byte;
    ck_assert_int_eq(recv(extra, &byte, 1, 0), 0); /* closed by the server */
    close(extra);
    /* A slot freed is a slot available again. */
    close(fds[0]);
    sleep_ms(50);
    fds[0] = connect_to(rc_feed_server_port(s));
    send_text(fds[0], "AD1 @2\n", 7);
    read_line(fds[0], reply, sizeof reply);
    ck_assert_str_eq(reply, "ok");
    for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++)
        close(fds[i]);
    rc_feed_server_stop(s);
    ck_assert_uint_eq(c.n, RC_FEED_MAX_CLIENTS + 1);
}
END_TEST

START_TEST(test_feed_bad_bind)
{
    collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
    rc_feed_server *s;
    rc_error err;
    ck_assert_int_eq(rc_feed_server_start("localhost:80", 0, on_event, &c, &s, &err),
                     RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "feed address 'localhost' is not a numeric IPv4 address");
    ck_assert_int_eq(rc_feed_server_start("127.0.0.1", 0, on_event, &c, &s, &err), RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "feed address '127.0.0.1' is not HOST:PORT");
    ck_assert_int_eq(rc_feed_server_start("127.0.0.1:70000", 0, on_event, &c, &s, &err),
                     RC_ERR_ARG);
    ck_assert_str_eq(err.msg, "bad port in feed address '127.0.0.1:70000'");
    /* A port in use. */
    ck_assert_int_eq(rc_feed_server_start(NULL, 0, on_event, &c, &s, &err), RC_OK);
    char bind_text[32];
    snprintf(bind_text, sizeof bind_text, "127.0.0.1:%u", rc_feed_server_port(s));
    rc_feed_server *second;
    ck_assert_int_eq(rc_feed_server_start(bind_text, 0, on_event, &c, &second, &err),
                     RC_ERR_IO);
    rc_feed_server_stop(s);
}
END_TEST

static Suite *alert_suite(void)
{
    Suite *s = suite_create("bench_alert");
    TCase *tc = tcase_create("alert");
    tcase_add_test(tc, test_uart_matches_lines);
    tcase_add_test(tc, test_uart_long_and_binary_lines);
    tcase_add_test(tc, test_uart_bad_pattern);
    tcase_add_test(tc, test_feed_parse_times);
    tcase_add_loop_test(tc, test_feed_parse_junk, 0,
                        (int)(sizeof junk_lines / sizeof junk_lines[0]));
    tcase_add_test(tc, test_feed_parse_messages);
    tcase_add_test(tc, test_feed_server);
    tcase_add_test(tc, test_feed_connection_limit);
    tcase_add_test(tc, test_feed_bad_bind);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rc_test_run(alert_suite());
}
