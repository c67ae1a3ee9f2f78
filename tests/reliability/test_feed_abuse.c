/*
 * test_feed_abuse.c - the external event feed under hostile clients.
 *
 * Where it listens: with no address the feed server binds 127.0.0.1 only,
 * as does a bench file that names none; an explicit 0.0.0.0 is the one way
 * to listen on every interface. Checked in /proc/net/tcp, which shows the
 * address a listening socket is bound to.
 *
 * During a paced `railcut run --feed-bind`, clients throw at it: seeded
 * random junk lines, lines far over the length cap, NUL bytes, a well-formed
 * line split over two sends, a partial line followed by a half-close, a
 * client that never reads its replies, a reset connection, and more
 * connections than the cap. Every line must be answered ("ok" for the
 * well-formed AD1 lines only), extra connections refused, and the run must
 * complete with exactly the well-formed AD1 reports in its trace.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "railcut/bench.h"
#include "rel_util.h"

#define PROFILE RC_FIXTURES_DIR "/profiles/ota-reboot.rail"
#define SEED 7878u
#define JUNK_LINES 200

static void ignore_event(void *ctx, const rc_event *ev)
{
    (void)ctx;
    (void)ev;
}

/* The local address (host byte order) /proc/net/tcp lists for the socket
 * listening on port; false when there is none. */
static bool listening_address(uint16_t port, uint32_t *addr)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned a, p, state;
        if (sscanf(line, " %*u: %8X:%4X %*8X:%*4X %2X", &a, &p, &state) == 3 && p == port &&
            state == 0x0A) {  /* TCP_LISTEN */
            *addr = ntohl(a); /* the kernel prints the address as a native-order word */
            found = true;
        }
    }
    fclose(f);
    return found;
}

static uint32_t bound_address(const char *bind)
{
    rc_feed_server *s;
    rc_error err;
    ck_assert_msg(rc_feed_server_start(bind, 0, ignore_event, NULL, &s, &err) == RC_OK, "%s",
                  err.msg);
    uint32_t addr = 0xFFFFFFFFu;
    ck_assert(listening_address(rc_feed_server_port(s), &addr));
    rc_feed_server_stop(s);
    return addr;
}

START_TEST(test_binds_loopback_by_default)
{
    ck_assert_uint_eq(bound_address(NULL), INADDR_LOOPBACK);
    rc_bench b;
    rc_bench_init(&b);
    ck_assert(!b.feed);
    ck_assert_uint_eq(bound_address(b.feed_bind), INADDR_LOOPBACK);
    ck_assert_uint_eq(bound_address("0.0.0.0:0"), INADDR_ANY);
}
END_TEST

/* ---- clients ---------------------------------------------------------- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int try_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    close(fd);
    return -1;
}

/* railcut is starting: retry until its feed listens. */
static int connect_when_up(int port, pid_t railcut)
{
    for (int tries = 0; tries < 1000; tries++) {
        int fd = try_connect(port);
        if (fd >= 0)
            return fd;
        ck_assert_msg(waitpid(railcut, NULL, WNOHANG) == 0,
                      "railcut ended before its feed listened");
        rel_sleep_ms(10);
    }
    ck_abort_msg("the feed never listened on port %d", port);
    return -1;
}

static void send_all(int fd, const void *data, size_t len)
{
    ck_assert_int_eq(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* One reply line without its newline; "" at end of stream. */
static void read_reply(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t got = recv(fd, buf + n, 1, 0);
        ck_assert_int_ge(got, 0);
        if (got == 0 || buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = '\0';
}

static void expect_reply(int fd, const char *want)
{
    char reply[512];
    read_reply(fd, reply, sizeof reply);
    ck_assert_msg(strncmp(reply, want, strlen(want)) == 0, "reply '%s', expected '%s...'",
                  reply, want);
}

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Seeded lines of random bytes (NUL, CR and high bytes included, no
 * newline), each answered with an error. */
static void throw_junk(int fd)
{
    uint32_t state = SEED;
    for (int i = 0; i < JUNK_LINES; i++) {
        char line[300];
        size_t len = next_random(&state) % 200;
        for (size_t k = 0; k < len; k++) {
            do
                line[k] = (char)(next_random(&state) & 0xFF);
            while (line[k] == '\n');
        }
        if (len >= 3 && memcmp(line, "AD1", 3) == 0)
            line[0] = 'X';
        line[len] = '\n';
        send_all(fd, line, len + 1);
        expect_reply(fd, "error: ");
    }
}

static void throw_overlong(int fd)
{
    static char big[64 * 1024];
    memset(big, 'A', sizeof big);
    memcpy(big, "AD1 @1", 6);
    send_all(fd, big, sizeof big);
    send_all(fd, "\n", 1);
    expect_reply(fd, "error: line longer than 256 bytes");
    /* Just over the cap, and a valid start with junk after the cap. */
    char line[RC_ALERT_LINE_MAX + 2];
    memset(line, '0', sizeof line);
    memcpy(line, "AD1 @", 5);
    line[RC_ALERT_LINE_MAX + 1] = '\n';
    send_all(fd, line, sizeof line);
    expect_reply(fd, "error: line longer than 256 bytes");
}

/* The reports that must be kept: 100.25 s, 150 s and 200.5 s. */
static void send_good(int fd)
{
    send_all(fd, "AD1 @100", 8);
    rel_sleep_ms(20);
    send_all(fd, ".25\n", 4);
    expect_reply(fd, "ok");
    send_all(fd, "AD1   @150\r\n", 12);
    expect_reply(fd, "ok");
    send_all(fd, "AD1 @200.500000 \n", 17);
    expect_reply(fd, "ok");
    send_all(fd, "AD1 @3\0\n", 8); /* a NUL inside: refused */
    expect_reply(fd, "error: NUL byte in the line");
    send_all(fd, "AD1 @-3\n", 8);
    expect_reply(fd, "error: bad device time");
}

/* A connection the server has taken: a round trip proves it (a slot
 * freed a moment ago may not be free yet, so a refusal is retried). */
static int take_slot(int port)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd = try_connect(port);
        if (fd >= 0) {
            char reply[512];
            send_all(fd, "junk\n", 5);
            read_reply(fd, reply, sizeof reply);
            if (strncmp(reply, "error: expected", 15) == 0)
                return fd;
            ck_assert_str_eq(reply, "error: too many connections");
            close(fd);
        }
        rel_sleep_ms(20);
    }
    ck_abort_msg("no feed slot came free");
    return -1;
}

/* Fills every slot, then checks that more connections are refused and
 * closed. */
static void over_the_cap(int port, int *held)
{
    for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++)
        held[i] = take_slot(port);
    for (int i = 0; i < 8; i++) {
        int fd = try_connect(port);
        if (fd < 0)
            continue; /* the backlog is full: refused by the kernel, as good */
        expect_reply(fd, "error: too many connections");
        char byte;
        ck_assert_int_eq(recv(fd, &byte, 1, 0), 0);
        close(fd);
    }
}

/* Half-closed with a line not ended: dropped, not recorded. A client that
 * never reads: its replies are lost, the feed goes on. A reset. */
static void rude_clients(int *held)
{
    send_all(held[0], "AD1 @42", 7);
    shutdown(held[0], SHUT_WR);
    char reply[64];
    read_reply(held[0], reply, sizeof reply);
    ck_assert_str_eq(reply, "");
    close(held[0]);

    static char lines[200000];
    for (size_t i = 0; i + 5 <= sizeof lines; i += 5)
        memcpy(lines + i, "junk\n", 5);
    send_all(held[1], lines, sizeof lines);

    struct linger hard = {1, 0};
    setsockopt(held[2], SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(held[2]);
}

START_TEST(test_junk_during_a_run)
{
    int port = free_port();
    char trace[4096], bind[64];
    snprintf(trace, sizeof trace, "%s", rel_path("feed.rct"));
    snprintf(bind, sizeof bind, "127.0.0.1:%d", port);
    unlink(trace);
    char out[4096], err[4096];
    snprintf(out, sizeof out, "%s", rel_path("feed.out"));
    snprintf(err, sizeof err, "%s", rel_path("feed.err"));
    const char *argv[] = {"run", PROFILE,   "--feed-bind", bind, "--pace",
                          "25",  "--trace", trace,         "-q", NULL};
    pid_t pid = rel_spawn(argv, out, err, NULL, NULL);

    int fd = connect_when_up(port, pid);
    throw_junk(fd);
    throw_overlong(fd);
    send_good(fd);
    close(fd);
    int held[RC_FEED_MAX_CLIENTS];
    over_the_cap(port, held);
    rude_clients(held);
    /* The feed still serves: a slot frees up and takes a good line. */
    int last = take_slot(port);
    send_all(last, "AD1 @300\n", 9);
    expect_reply(last, "ok");
    ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "the run ended while the feed was tested");
    close(last);
    for (int i = 1; i < RC_FEED_MAX_CLIENTS; i++)
        if (i != 2)
            close(held[i]);

    rel_result r = rel_wait(pid, out, err);
    /* The profile expects no AD1: the reports make the verdict fail. */
    ck_assert_msg(r.exit_code == 1, "exit %d: %s", r.exit_code, r.err);
    rel_result_free(&r);
    rel_trace_data d;
    rel_trace_load(trace, &d);
    ck_assert(d.complete && !d.damaged);
    const int64_t want[] = {100250000, 150000000, 200500000, 300000000};
    size_t n_ad1 = 0;
    for (size_t i = 0; i < d.n_events; i++) {
        if (d.events[i].kind != RC_EV_AD1)
            continue;
        ck_assert_uint_lt(n_ad1, 4);
        ck_assert_int_eq(d.events[i].t_us, want[n_ad1]);
        ck_assert_str_eq(d.events[i].text, "feed");
        n_ad1++;
    }
    ck_assert_uint_eq(n_ad1, 4);
    rel_trace_data_free(&d);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("feed_abuse");
    TCase *tc = tcase_create("feed");
    tcase_add_test(tc, test_binds_loopback_by_default);
    tcase_add_test(tc, test_junk_during_a_run);
    tcase_set_timeout(tc, 90);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
