/*
 * health: active TCP health checks, on a thread of their own.
 *
 * Every --health-interval the checker opens a TCP connection to every
 * backend at once and waits up to --connect-timeout (capped at the
 * interval). A connect that succeeds is a good check; refused, reset or
 * timed out is a failed one. Results go to balancer_check_result(), which
 * applies rise/fall; each change of state is logged. With no checks
 * configured (interval 0) no thread is started.
 *
 * health_start/health_stop are called by the main thread only.
 */
#ifndef HEALTH_H
#define HEALTH_H

#include "balancer.h"
#include "config.h"
#include "log.h"

struct health;

/*
 * Starts the checker thread (or nothing when cfg->health_interval_ms is 0:
 * *out is set to NULL then). Returns 0, or -1 with errno.
 */
int health_start(struct health **out, struct balancer *balancer,
                 const struct config *cfg, const struct logger *parent);

/* Stops and joins the checker thread and frees it. NULL is fine. */
void health_stop(struct health *health);

#endif
