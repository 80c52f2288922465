/*
 * check_idle: the proxy's idle timeout, seen from the logs.
 *
 *   idle-closed within D   the proxy closed the sessions that went quiet,
 *                          each one between its idle timeout T and T + D
 *                          after its last activity, and let no session
 *                          stay quiet longer than T + D
 *
 * What a session did is read from its connected line and, in its
 * backend's log, the request lines (ev=line/data, logged when the backend
 * read a request) and the moments their replies were due (ts + delay_ms).
 * A request line comes a little after the proxy wrote the request, a reply
 * a little before the proxy relayed it, so each bound uses the side that
 * cannot wrong the proxy:
 *   - a session closed with reason=idle_timeout less than T (minus 5 ms
 *     for the proxy's millisecond clock) after its last reply (or its
 *     connect) was closed too early;
 *   - a session, closed for any reason, quiet more than T + D since its
 *     last request or reply was closed too late (a client that ends after
 *     a longer silence shows a session the timeout missed).
 * A run in which no session was closed by the timeout fails: nothing was
 * shown. With rate= backends a reply's later bytes are not seen: its
 * activity counts from its first.
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_IDLE_H
#define CHECK_IDLE_H

#include <stdbool.h>

#include "check.h"
#include "check_backends.h"
#include "check_proxy.h"

/* Slack for the proxy's millisecond clock, in seconds. */
#define CHECK_IDLE_SLACK_S 0.005

/* The proxy's idle timeout from the scenario's proxy options, in ms
 * (its default when not given; 0: none). */
long check_idle_timeout_ms(const struct scenario *scenario);

/* How long a session had been quiet when it closed, in seconds. */
struct check_idle_quiet {
    double since_reply;         /* since its connected line or the last
                                   reply due before the close: the proxy
                                   moved those bytes at that time or later */
    double since_any;           /* since any of those or a request line: the
                                   proxy moved a request at that time or
                                   sooner */
    bool reply_pending;         /* a request read was answered only after
                                   the close (a backend slower than that) */
};

/*
 * Measures session s as above into *quiet. Returns false when it never
 * connected or has no close line.
 */
bool check_idle_quiet(const struct check_proxy *proxy,
                      const struct check_backends *backends,
                      const struct check_session *s,
                      struct check_idle_quiet *quiet);

/* "expect idle-closed within D". */
void check_idle_closed(const struct scenario_expect *e,
                       const struct check_proxy *proxy,
                       const struct check_backends *backends,
                       struct check_verdict *verdict);

#endif
