/*
 * stats: the table, the metrics and the stats port's requests. See
 * stats.h.
 */
#include "stats.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "log_sink.h"

/* Headers come before the body, which is formatted first at this offset
 * (to learn its length) and then moved up behind them. */
#define HEADER_ROOM 512
/* Longer than any method: a longer upper-case word is no HTTP. */
#define METHOD_MAX 16

/* A buffer being filled; whatever does not fit is cut. */
struct out {
    char *buf;
    size_t size;
    size_t used;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->used + 1 >= o->size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->used, o->size - o->used, fmt, ap);
    va_end(ap);
    /* Only whole pieces: a cut one is dropped. */
    if (n > 0 && (size_t)n < o->size - o->used)
        o->used += (size_t)n;
    o->buf[o->used] = '\0';
}

void stats_totals_read(const struct proxy_shared *shared,
                       struct log_sink *sink, struct stats_totals *totals)
{
    totals->accepted = atomic_load(&shared->next_sid);
    totals->live = atomic_load(&shared->live_sessions);
    totals->accept_pauses = atomic_load(&shared->accept_episodes);
    totals->log_dropped = sink != NULL ? log_sink_dropped(sink) : 0;
}

/* Formats row index (without newline) into buf. */
static int format_row(struct balancer *balancer, size_t index,
                      const struct balancer_stats *row, char *buf,
                      size_t size)
{
    const struct balancer_backend_spec *spec = balancer_spec(balancer, index);
    char addr[NET_ADDR_STRLEN];

    return snprintf(buf, size, "name=%s addr=%s state=%s active=%d picks=%llu "
                    "failures=%llu", spec->name,
                    net_addr_format(&spec->addr, addr, sizeof(addr)),
                    row->up ? "up" : "down", row->active,
                    (unsigned long long)row->picks,
                    (unsigned long long)row->failures);
}

size_t stats_format(struct balancer *balancer,
                    const struct stats_totals *totals, char *buf, size_t size)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    struct out o = { buf, size, 0 };
    char line[256];
    size_t slots;

    buf[0] = '\0';
    slots = balancer_snapshot(balancer, rows);
    for (size_t i = 0; i < slots; i++) {
        if (rows[i].removed)
            continue;
        format_row(balancer, i, &rows[i], line, sizeof(line));
        put(&o, "%s\n", line);
    }
    put(&o, "total accepted=%llu live=%ld accept_pauses=%llu "
        "log_dropped=%llu\n", (unsigned long long)totals->accepted,
        totals->live, (unsigned long long)totals->accept_pauses,
        (unsigned long long)totals->log_dropped);
    return o.used;
}

/* The # HELP and # TYPE lines of one metric. */
static void put_family(struct out *o, const char *name, const char *type,
                       const char *help)
{
    put(o, "# HELP proxylab_%s %s\n# TYPE proxylab_%s %s\n", name, help, name,
        type);
}

/* One metric per backend; which: 0 up, 1 active, 2 picks, 3 failures.
 * Backend names are letters, digits, '_', '-' and '.' (config.c), so
 * they need no escaping as label values. */
static void put_backend_metric(struct out *o, struct balancer *balancer,
                               const struct balancer_stats *rows, size_t slots,
                               int which)
{
    static const char *const names[] = { "backend_up", "backend_active",
        "backend_picks_total", "backend_failures_total" };
    static const char *const helps[] = {
        "Whether the backend is up (1) or down (0).",
        "Sessions on the backend now, connects in progress included.",
        "Times the balancer chose the backend.",
        "Failed connects to the backend, and sessions it closed before "
        "its first byte." };

    put_family(o, names[which], which < 2 ? "gauge" : "counter",
               helps[which]);
    for (size_t i = 0; i < slots; i++) {
        const struct balancer_stats *r = &rows[i];
        unsigned long long value = which == 0 ? (unsigned long long)r->up
            : which == 1 ? (unsigned long long)r->active
            : which == 2 ? (unsigned long long)r->picks
            : (unsigned long long)r->failures;

        if (!r->removed)
            put(o, "proxylab_%s{backend=\"%s\"} %llu\n", names[which],
                balancer_spec(balancer, i)->name, value);
    }
}

size_t stats_format_metrics(struct balancer *balancer,
                            const struct stats_totals *totals, char *buf,
                            size_t size)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    struct out o = { buf, size, 0 };
    size_t slots;

    buf[0] = '\0';
    slots = balancer_snapshot(balancer, rows);
    for (int which = 0; which < 4; which++)
        put_backend_metric(&o, balancer, rows, slots, which);
    put_family(&o, "sessions_accepted_total", "counter",
               "Client connections accepted.");
    put(&o, "proxylab_sessions_accepted_total %llu\n",
        (unsigned long long)totals->accepted);
    put_family(&o, "sessions_live", "gauge", "Sessions open now.");
    put(&o, "proxylab_sessions_live %ld\n", totals->live);
    put_family(&o, "accept_pauses_total", "counter",
               "Times accepting paused for lack of file descriptors.");
    put(&o, "proxylab_accept_pauses_total %llu\n",
        (unsigned long long)totals->accept_pauses);
    put_family(&o, "log_dropped_total", "counter",
               "Log lines the log writer dropped.");
    put(&o, "proxylab_log_dropped_total %llu\n",
        (unsigned long long)totals->log_dropped);
    return o.used;
}

/* The answer to a complete HTTP request line: method, then target. */
static enum stats_request classify_request_line(const char *buf,
                                                size_t method_len, bool *head)
{
    const char *target = buf + method_len + 1;
    /* The line's '\n' bounds the scan (buf has no NUL). */
    size_t target_len = strcspn(target, " ?\r\n");

    *head = method_len == 4 && memcmp(buf, "HEAD", 4) == 0;
    if (!*head && !(method_len == 3 && memcmp(buf, "GET", 3) == 0))
        return STATS_REQ_BAD_METHOD;
    if (target_len == 1 && target[0] == '/')
        return STATS_REQ_TABLE;
    if (target_len == 8 && memcmp(target, "/metrics", 8) == 0)
        return STATS_REQ_METRICS;
    return STATS_REQ_NOT_FOUND;
}

/* Whether buf holds the blank line that ends an HTTP request's headers. */
static bool has_headers_end(const char *buf, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (buf[i] == '\n' && (buf[i - 1] == '\n' ||
                               (i >= 2 && buf[i - 1] == '\r' &&
                                buf[i - 2] == '\n')))
            return true;
    }
    return false;
}

enum stats_request stats_parse_request(const char *buf, size_t len,
                                       bool complete, bool *head)
{
    size_t method_len = 0;
    const char *line_end;

    *head = false;
    while (method_len < len && method_len <= METHOD_MAX &&
           buf[method_len] >= 'A' && buf[method_len] <= 'Z')
        method_len++;
    if (method_len == len)      /* nothing, or a method so far */
        return complete ? STATS_REQ_PLAIN : STATS_REQ_MORE;
    if (method_len == 0 || method_len > METHOD_MAX || buf[method_len] != ' ')
        return STATS_REQ_PLAIN;
    if (!complete && !has_headers_end(buf, len))
        return STATS_REQ_MORE;
    line_end = memchr(buf, '\n', len);
    if (line_end == NULL)       /* cut short: no request to answer */
        return STATS_REQ_PLAIN;
    return classify_request_line(buf, method_len, head);
}

/* The status line of an HTTP answer. */
static const char *status_of(enum stats_request request)
{
    switch (request) {
    case STATS_REQ_NOT_FOUND:
        return "404 Not Found";
    case STATS_REQ_BAD_METHOD:
        return "405 Method Not Allowed";
    default:
        return "200 OK";
    }
}

size_t stats_respond(struct balancer *balancer,
                     const struct stats_totals *totals,
                     enum stats_request request, bool head, char *buf)
{
    char *body = buf + HEADER_ROOM;
    size_t body_size = STATS_RESPONSE_MAX - HEADER_ROOM, body_len;
    struct out header = { buf, HEADER_ROOM, 0 };

    if (request == STATS_REQ_METRICS)
        body_len = stats_format_metrics(balancer, totals, body, body_size);
    else if (request == STATS_REQ_PLAIN || request == STATS_REQ_TABLE)
        body_len = stats_format(balancer, totals, body, body_size);
    else
        body_len = (size_t)snprintf(body, body_size, "%s: try GET / or "
                                    "GET /metrics\n", status_of(request));
    if (request == STATS_REQ_PLAIN) {
        memmove(buf, body, body_len);
        return body_len;
    }
    put(&header, "HTTP/1.0 %s\r\nContent-Type: text/plain; %s\r\n"
        "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
        status_of(request), request == STATS_REQ_METRICS
        ? "version=0.0.4; charset=utf-8" : "charset=utf-8", body_len,
        request == STATS_REQ_BAD_METHOD ? "Allow: GET, HEAD\r\n" : "");
    if (head)
        return header.used;
    memmove(buf + header.used, body, body_len);
    return header.used + body_len;
}

void stats_log(struct balancer *balancer, const struct logger *log)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    char line[256];

    size_t slots = balancer_snapshot(balancer, rows);

    for (size_t i = 0; i < slots; i++) {
        if (!rows[i].removed) {
            format_row(balancer, i, &rows[i], line, sizeof(line));
            log_event(log, LOG_INFO, "stats", "%s", line);
        }
    }
}
