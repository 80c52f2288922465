/*
 * check_health: "expect health exact", the health checker judged from its
 * own results.
 *
 * The proxy logs every check (ev=check be= ok=, at --log-level debug,
 * which the harness always asks for) and every state change
 * (backend_up/backend_down with a reason). Replayed in time order, per
 * backend:
 *
 *   - on time: a change by the checks comes exactly when the streak
 *     reaches the threshold: backend_down reason=check_failed after
 *     --fall failed checks in a row, backend_up reason=check_ok after
 *     --rise good ones; never sooner, and never later than the next check
 *     of that backend;
 *   - true: no check passes while the harness knows the backend cannot
 *     answer (crashed or stopped and not yet back, declared down or
 *     start= and not yet started, or a blackhole). A paused backend still
 *     accepts connects, so its checks may pass.
 *
 * A streak that a passive change (a failed connect, from a worker) cut or
 * came close to is not judged: the order of the two is not exact in the
 * log. Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_HEALTH_H
#define CHECK_HEALTH_H

#include "check.h"
#include "check_proxy.h"

/* "expect health exact". */
void check_health_exact(const struct check_proxy *proxy,
                        struct check_verdict *verdict);

#endif
