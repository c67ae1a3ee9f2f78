/*
 * uart_alert.c - AD1 from the CH's debug UART: sniffed bytes are assembled
 * into lines and each line is matched against a POSIX extended regex.
 *
 * The matcher holds the compiled pattern, the line being assembled (at most
 * RC_ALERT_LINE_MAX bytes; the rest of a longer line is dropped but the line
 * still ends at its newline), and the time of the line's first byte, which
 * is the event's time: the CH started printing the alert then. NUL bytes
 * (line noise while the CH browns out) are stored as '?' so the line stays
 * one C string for regexec.
 */
#include <assert.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "railcut/bench.h"

struct rc_uart_alert {
    regex_t re;
    char source[RC_EVENT_TEXT_MAX];
    char line[RC_ALERT_LINE_MAX + 1];
    size_t len;
    bool started; /* a byte of the current line has been seen */
    int64_t first_us;
};

rc_status rc_uart_alert_new(const char *pattern, rc_uart_alert **out, rc_error *err)
{
    assert(pattern && out);
    *out = NULL;
    rc_uart_alert *m = calloc(1, sizeof *m);
    if (!m)
        return rc_error_set(err, RC_ERR_NOMEM, "out of memory");
    int rc = regcomp(&m->re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &m->re, msg, sizeof msg);
        free(m);
        return rc_error_set(err, RC_ERR_PARSE, "bad UART alert pattern '%s': %s", pattern, msg);
    }
    snprintf(m->source, sizeof m->source, "uart:%s", pattern);
    *out = m;
    return RC_OK;
}

void rc_uart_alert_free(rc_uart_alert *m)
{
    if (!m)
        return;
    regfree(&m->re);
    free(m);
}

static bool end_line(rc_uart_alert *m, rc_event *ev)
{
    m->line[m->len] = '\0';
    bool hit = m->started && regexec(&m->re, m->line, 0, NULL, 0) == 0;
    if (hit)
        rc_event_init(ev, m->first_us, RC_EV_AD1, 0, m->source);
    m->len = 0;
    m->started = false;
    return hit;
}

bool rc_uart_alert_byte(rc_uart_alert *m, int64_t t_us, uint8_t byte, rc_event *ev)
{
    assert(m && ev);
    if (byte == '\n')
        return end_line(m, ev);
    if (byte == '\r')
        return false;
    if (!m->started) {
        m->started = true;
        m->first_us = t_us;
    }
    if (m->len < RC_ALERT_LINE_MAX)
        m->line[m->len++] = byte ? (char)byte : '?';
    return false;
}
