/*
 * check_idle: the proxy's idle timeout, seen from the logs.
 *
 *   idle-closed within D   the proxy closed the sessions that went quiet,
 *                          each one between its idle timeout T and T + D
 *                          after its last activity, and let no session
 *                          stay quiet longer than T + D
 *
 * A session's last activity before its close is the latest of its
 * connected line and, in its backend's log, the request lines
 * (ev=line/data, one per request the backend read) and the moments their
 * replies were due (ts + delay_ms) that came before the close. A session
 * closed with reason=idle_timeout must have been quiet at least T (less 5
 * ms: the proxy's clock ticks in milliseconds) and at most T + D; any
 * other session must have been quiet at most T + D before its close (a
 * client that ends after a longer silence shows a session the timeout
 * missed). A run in which no session was closed by the timeout fails:
 * nothing was shown. With rate= backends a reply's later bytes are not
 * seen: its activity counts from its first.
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

/*
 * How long session s had been quiet when it closed, in seconds, as above;
 * -1 when it never connected or has no close line. *pending (may be NULL)
 * tells whether its backend had read a request whose reply was due only
 * after the close (a backend slower than the idle timeout).
 */
double check_idle_quiet(const struct check_proxy *proxy,
                        const struct check_backends *backends,
                        const struct check_session *s, bool *pending);

/* "expect idle-closed within D". */
void check_idle_closed(const struct scenario_expect *e,
                       const struct check_proxy *proxy,
                       const struct check_backends *backends,
                       struct check_verdict *verdict);

#endif
