/*
 * check_hol: no head-of-line blocking in the proxy's workers.
 *
 *   no-hol [burst=N]   a client that started while a session of an earlier
 *                      burst was open on the worker that then took it, and
 *                      the worker's other sessions were slower, finished
 *                      first: no session waited behind another one
 *
 * Judged pairs: a session F of a later burst (or of burst N) and a session
 * S of an earlier burst (or of any other burst) that the same worker took
 * (the thr= of their accept lines), where S was accepted before F's client
 * started and closed after it. F's client start is its burst's start (the
 * simulate_client's own ev=start line, or the timeline's burst_start when
 * it has none) plus its place in the ramp, (cid - 1) x ramp / clients: a
 * client's start is not held up by the proxy, unlike its accept
 * line, which a blocked worker logs late. F must close before S. A run
 * with no judged pair fails: nothing was shown.
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_HOL_H
#define CHECK_HOL_H

#include "check.h"
#include "check_proxy.h"

/* "expect no-hol [burst=N]". */
void check_hol(const struct scenario_expect *e,
               const struct check_proxy *proxy,
               struct check_verdict *verdict);

#endif
