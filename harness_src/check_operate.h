/*
 * check_operate: the checks of a proxy operated while it runs, from the
 * balancer events of its log (check_proxy's seq events, replayed by
 * check_replay where counts matter).
 *
 *   drained NAME within D  every drain of NAME (ev=admin admin=draining)
 *                          ended with ev=drained within D, at 0 active
 *   slowstart NAME         during each ramp of NAME (ev=slowstart), every
 *                          cand shows its effective weight on the ramp:
 *                          weight x elapsed / ramp, give or take the
 *                          logging slack, and the whole weight after it
 *   ejected NAME within D  NAME was ejected within D of its first failed
 *                          session, after at least eject-after failures
 *   restored NAME          every ejection of NAME lasted what its number
 *                          says (min(k x eject-time, eject-max-time)) and
 *                          ended with ev=restored, neither early nor after
 *                          a later balancer decision (one more than the
 *                          slack after its end)
 *   queue-wait<=D          every session served from the queue waited at
 *                          most D, by its own queued_ms and by the log's
 *                          times; none timed out early
 *   queue fifo             sessions left the queue in the order they
 *                          entered it
 *
 * Pure functions over a built check_proxy. Single-threaded.
 */
#ifndef CHECK_OPERATE_H
#define CHECK_OPERATE_H

#include "check.h"
#include "check_proxy.h"

/* "expect drained NAME within D". */
void check_operate_drained(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           struct check_verdict *verdict);

/* "expect slowstart NAME". */
void check_operate_slowstart(const struct scenario_expect *e,
                             const struct check_proxy *proxy,
                             struct check_verdict *verdict);

/* "expect ejected NAME within D". */
void check_operate_ejected(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           struct check_verdict *verdict);

/* "expect restored NAME". */
void check_operate_restored(const struct scenario_expect *e,
                            const struct check_proxy *proxy,
                            struct check_verdict *verdict);

/* "expect queue-wait<=D". */
void check_operate_queue_wait(const struct scenario_expect *e,
                              const struct check_proxy *proxy,
                              struct check_verdict *verdict);

/* "expect queue fifo". */
void check_operate_queue_fifo(const struct check_proxy *proxy,
                              struct check_verdict *verdict);

#endif
