/*
 * stats: the backend table and the proxy's counters, for the --stats port
 * and for SIGUSR1.
 *
 * The table has one line per backend and one line of totals, in logfmt so
 * that people and scripts read it alike:
 *
 *     name=b1 addr=127.0.0.1:9090 state=up active=2 picks=40 failures=0
 *     total accepted=40 live=2 accept_pauses=0 log_dropped=0
 *
 * The stats port speaks plain TCP and HTTP/1.0 on the same socket:
 * stats_parse_request() tells them apart from the first bytes a client
 * sends, and stats_respond() writes the answer: the table as is, or an
 * HTTP response with the table (GET /) or the same numbers in
 * Prometheus' text exposition format (GET /metrics).
 *
 * The backend counters are a snapshot taken under the balancer's lock.
 * Any thread; no state of its own.
 */
#ifndef STATS_H
#define STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balancer.h"
#include "log.h"
#include "session.h"

/* Stats clients served at once; more wait in the listen queue. */
#define STATS_MAX_CLIENTS 8
/* Room for any answer: 64 backends' rows or metrics, and headers. */
#define STATS_RESPONSE_MAX (BALANCER_MAX_BACKENDS * 640 + 2048)

/* The proxy-wide counters, read at one moment (each one atomically). */
struct stats_totals {
    uint64_t accepted;          /* sessions accepted since start */
    long live;                  /* sessions open now */
    uint64_t accept_pauses;     /* episodes without descriptors to accept */
    uint64_t log_dropped;       /* log lines the log writer dropped */
};

/* What a stats client asked for, as far as its bytes tell. */
enum stats_request {
    STATS_REQ_MORE,             /* an HTTP request begun: wait for more */
    STATS_REQ_PLAIN,            /* not HTTP (or nothing): the bare table */
    STATS_REQ_TABLE,            /* GET / */
    STATS_REQ_METRICS,          /* GET /metrics */
    STATS_REQ_NOT_FOUND,        /* GET of another path */
    STATS_REQ_BAD_METHOD        /* an HTTP method other than GET or HEAD */
};

/* Reads the counters in *shared, and the lines sink dropped (NULL: 0). */
void stats_totals_read(const struct proxy_shared *shared,
                       struct log_sink *sink, struct stats_totals *totals);

/* Writes the table into buf (cut to size). Returns the length written. */
size_t stats_format(struct balancer *balancer,
                    const struct stats_totals *totals, char *buf, size_t size);

/*
 * Writes the counters in Prometheus' text format (version 0.0.4): a
 * # HELP and a # TYPE line before the samples of each metric. Returns
 * the length written (cut to size).
 */
size_t stats_format_metrics(struct balancer *balancer,
                            const struct stats_totals *totals, char *buf,
                            size_t size);

/*
 * Classifies the len bytes a stats client sent so far. complete: it will
 * send no more (end of file, full buffer, or its time is up). HTTP is
 * told by a request line that starts with an upper-case method and a
 * space; its answer waits for the blank line after the headers, or for
 * complete with at least the request line. *head is set for HEAD.
 */
enum stats_request stats_parse_request(const char *buf, size_t len,
                                       bool complete, bool *head);

/*
 * Writes the whole answer to request (not STATS_REQ_MORE) into buf of
 * STATS_RESPONSE_MAX bytes: the bare table, or an HTTP/1.0 response with
 * Content-Type and Content-Length (headers only when head). Returns its
 * length.
 */
size_t stats_respond(struct balancer *balancer,
                     const struct stats_totals *totals,
                     enum stats_request request, bool head, char *buf);

/* Logs the table, one ev=stats line per backend. */
void stats_log(struct balancer *balancer, const struct logger *log);

#endif
