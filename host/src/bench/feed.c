/*
 * feed.c - the external event feed: a WAN-side harness reports AD1 over a
 * local TCP socket, one line per alert.
 *
 * The line parser is exact (no floating point): "AD1 @S[.ffffff]" is device
 * time, "AD1 YYYY-MM-DDTHH:MM:SS[.ffffff]Z" is UTC, moved to the device
 * timeline by subtracting the run's start time. The server is one thread
 * polling the listening socket, a stop pipe and up to RC_FEED_MAX_CLIENTS
 * connections, each with a line buffer of RC_ALERT_LINE_MAX bytes; a longer
 * line is refused and skipped up to its newline, a connection over the
 * limit is told so and closed.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench_internal.h"
#include "railcut/bench.h"

#define MAX_SECONDS 100000000000LL /* about 3000 years: keeps microseconds in range */

/* ---- the line parser ------------------------------------------------------ */

/* An optional fraction ".f" of 1..6 digits, as microseconds. */
static bool parse_fraction(const char **p, int64_t *out_us)
{
    const char *s = *p;
    int64_t frac = 0;
    int nd = 0;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            if (++nd > 6)
                return false;
            frac = frac * 10 + (*s++ - '0');
        }
        if (nd == 0)
            return false;
    }
    for (int i = nd; i < 6; i++)
        frac *= 10;
    *out_us = frac;
    *p = s;
    return true;
}

/* Whole seconds then an optional fraction, as microseconds. */
static bool parse_seconds(const char **p, int64_t *out_us)
{
    const char *s = *p;
    int64_t whole = 0;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9') {
        whole = whole * 10 + (*s++ - '0');
        if (whole > MAX_SECONDS)
            return false;
    }
    int64_t frac;
    if (!parse_fraction(&s, &frac))
        return false;
    *out_us = whole * 1000000 + frac;
    *p = s;
    return true;
}

/* n digits, then the separator sep unless it is '\0'. */
static bool parse_n(const char **p, int n, char sep, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    if (sep && (*p)[n] != sep)
        return false;
    *out = v;
    *p += n + (sep ? 1 : 0);
    return true;
}

/* "2026-11-25T10:01:02.123Z" -> microseconds since 1970. */
static bool parse_utc(const char **p, int64_t *out_us)
{
    if (strnlen(*p, 11) < 11 || (*p)[10] != 'T')
        return false;
    char date[11];
    memcpy(date, *p, 10);
    date[10] = '\0';
    int64_t days;
    if (!rc_bench_parse_date(date, &days))
        return false;
    const char *s = *p + 11;
    int h, mi, sec;
    int64_t frac_us;
    if (!parse_n(&s, 2, ':', &h) || !parse_n(&s, 2, ':', &mi) || !parse_n(&s, 2, '\0', &sec) ||
        !parse_fraction(&s, &frac_us) || *s != 'Z')
        return false;
    if (h > 23 || mi > 59 || sec > 59)
        return false;
    *out_us = ((days * 24 + h) * 60 + mi) * 60000000LL + sec * 1000000LL + frac_us;
    *p = s + 1;
    return true;
}

rc_status rc_feed_parse_line(const char *line, size_t len, int64_t start_unix_us, rc_event *ev,
                             rc_error *err)
{
    assert(line && ev);
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len > RC_ALERT_LINE_MAX)
        return rc_error_set(err, RC_ERR_PARSE, "line longer than %d bytes", RC_ALERT_LINE_MAX);
    char buf[RC_ALERT_LINE_MAX + 1];
    memcpy(buf, line, len);
    buf[len] = '\0';
    if (strlen(buf) != len)
        return rc_error_set(err, RC_ERR_PARSE, "NUL byte in the line");
    if (strncmp(buf, "AD1 ", 4) != 0)
        return rc_error_set(err, RC_ERR_PARSE,
                            "expected 'AD1 @SECONDS' or 'AD1 YYYY-MM-DDTHH:MM:SS[.ffffff]Z'");
    const char *p = buf + 4;
    while (*p == ' ')
        p++;
    int64_t t_us;
    if (*p == '@') {
        p++;
        if (!parse_seconds(&p, &t_us) || *p != '\0')
            return rc_error_set(err, RC_ERR_PARSE,
                                "bad device time (seconds, at most 6 decimals): '%s'", buf + 4);
    } else {
        int64_t utc_us;
        if (!parse_utc(&p, &utc_us) || *p != '\0')
            return rc_error_set(err, RC_ERR_PARSE,
                                "bad UTC time (YYYY-MM-DDTHH:MM:SS[.ffffff]Z): '%s'", buf + 4);
        t_us = utc_us - start_unix_us;
        if (t_us < 0)
            return rc_error_set(err, RC_ERR_PARSE, "time is before the run started");
    }
    rc_event_init(ev, t_us, RC_EV_AD1, 0, "feed");
    return RC_OK;
}

/* ---- the server --------------------------------------------------------------- */

typedef struct client {
    int fd; /* -1: free slot */
    char line[RC_ALERT_LINE_MAX + 1];
    size_t len;
    bool overlong; /* skipping the rest of a line that was too long */
} client;

struct rc_feed_server {
    int listen_fd;
    int stop_pipe[2];
    uint16_t port;
    int64_t start_unix_us;
    rc_feed_fn on_event;
    void *ctx;
    client clients[RC_FEED_MAX_CLIENTS];
    pthread_t thread;
};

static void reply(int fd, const char *text)
{
    size_t len = strlen(text);
    /* A client that does not read its replies loses them; the feed goes on. */
    if (send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        assert(errno != EBADF);
}

static void handle_line(rc_feed_server *s, client *c)
{
    rc_event ev;
    rc_error err;
    if (rc_feed_parse_line(c->line, c->len, s->start_unix_us, &ev, &err) == RC_OK) {
        s->on_event(s->ctx, &ev);
        reply(c->fd, "ok\n");
        return;
    }
    char text[RC_ERROR_MSG_MAX + 16];
    snprintf(text, sizeof text, "error: %s\n", err.msg);
    reply(c->fd, text);
}

static void take_bytes(rc_feed_server *s, client *c, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            if (c->overlong)
                reply(c->fd, "error: line longer than 256 bytes\n");
            else
                handle_line(s, c);
            c->len = 0;
            c->overlong = false;
        } else if (c->len < RC_ALERT_LINE_MAX) {
            c->line[c->len++] = data[i];
        } else {
            c->overlong = true;
        }
    }
}

static void drop_client(client *c)
{
    close(c->fd);
    c->fd = -1;
    c->len = 0;
    c->overlong = false;
}

static void accept_client(rc_feed_server *s)
{
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++) {
        if (s->clients[i].fd < 0) {
            s->clients[i].fd = fd;
            return;
        }
    }
    reply(fd, "error: too many connections\n");
    close(fd);
}

static void *serve(void *arg)
{
    rc_feed_server *s = arg;
    for (;;) {
        struct pollfd pfd[RC_FEED_MAX_CLIENTS + 2];
        pfd[0] = (struct pollfd){.fd = s->stop_pipe[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++)
            pfd[i + 2] = (struct pollfd){.fd = s->clients[i].fd, .events = POLLIN};
        if (poll(pfd, RC_FEED_MAX_CLIENTS + 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[0].revents)
            break;
        if (pfd[1].revents & POLLIN)
            accept_client(s);
        for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++) {
            client *c = &s->clients[i];
            if (c->fd < 0 || !pfd[i + 2].revents || pfd[i + 2].fd != c->fd)
                continue;
            char buf[512];
            ssize_t got = recv(c->fd, buf, sizeof buf, 0);
            if (got <= 0)
                drop_client(c);
            else
                take_bytes(s, c, buf, (size_t)got);
        }
    }
    return NULL;
}

static rc_status parse_bind(const char *bind_text, struct sockaddr_in *addr, rc_error *err)
{
    char host[64];
    const char *colon = strrchr(bind_text, ':');
    if (!colon || (size_t)(colon - bind_text) >= sizeof host)
        return rc_error_set(err, RC_ERR_ARG, "feed address '%s' is not HOST:PORT", bind_text);
    memcpy(host, bind_text, (size_t)(colon - bind_text));
    host[colon - bind_text] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
        return rc_error_set(err, RC_ERR_ARG, "bad port in feed address '%s'", bind_text);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr->sin_addr) != 1)
        return rc_error_set(err, RC_ERR_ARG, "feed address '%s' is not a numeric IPv4 address",
                            host);
    return RC_OK;
}

static rc_status open_listener(rc_feed_server *s, const char *bind_text, rc_error *err)
{
    struct sockaddr_in addr;
    rc_status st = parse_bind(bind_text, &addr, err);
    if (st != RC_OK)
        return st;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0)
        return rc_error_set(err, RC_ERR_IO, "feed socket: %s", strerror(errno));
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t alen = sizeof addr;
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s->listen_fd, RC_FEED_MAX_CLIENTS) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) != 0)
        return rc_error_set(err, RC_ERR_IO, "feed on %s: %s", bind_text, strerror(errno));
    s->port = ntohs(addr.sin_port);
    return RC_OK;
}

static void close_all(rc_feed_server *s)
{
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->stop_pipe[0] >= 0)
        close(s->stop_pipe[0]);
    if (s->stop_pipe[1] >= 0)
        close(s->stop_pipe[1]);
    for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++)
        if (s->clients[i].fd >= 0)
            close(s->clients[i].fd);
    free(s);
}

rc_status rc_feed_server_start(const char *bind_text, int64_t start_unix_us,
                               rc_feed_fn on_event, void *ctx, rc_feed_server **out,
                               rc_error *err)
{
    assert(on_event && out);
    *out = NULL;
    rc_feed_server *s = calloc(1, sizeof *s);
    if (!s)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    s->listen_fd = s->stop_pipe[0] = s->stop_pipe[1] = -1;
    for (int i = 0; i < RC_FEED_MAX_CLIENTS; i++)
        s->clients[i].fd = -1;
    s->start_unix_us = start_unix_us;
    s->on_event = on_event;
    s->ctx = ctx;
    rc_status st = open_listener(s, bind_text ? bind_text : "127.0.0.1:0", err);
    if (st == RC_OK && pipe(s->stop_pipe) != 0)
        st = rc_error_set(err, RC_ERR_IO, "feed: %s", strerror(errno));
    if (st == RC_OK && pthread_create(&s->thread, NULL, serve, s) != 0)
        st = rc_error_set(err, RC_ERR_IO, "feed: cannot start its thread");
    if (st != RC_OK) {
        close_all(s);
        return st;
    }
    *out = s;
    return RC_OK;
}

uint16_t rc_feed_server_port(const rc_feed_server *s)
{
    assert(s);
    return s->port;
}

void rc_feed_server_stop(rc_feed_server *s)
{
    if (!s)
        return;
    char one = 1;
    while (write(s->stop_pipe[1], &one, 1) < 0 && errno == EINTR)
        continue;
    pthread_join(s->thread, NULL);
    close_all(s);
}
