/*
 * stats: the backend table, for the --stats port and for SIGUSR1.
 *
 * One line per backend, in logfmt so that people and scripts read it alike:
 *
 *     name=b1 addr=127.0.0.1:9090 state=up active=2 picks=40 failures=0
 *
 * The counters are a snapshot taken under the balancer's lock. Any thread.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>

#include "balancer.h"
#include "log.h"

/* Writes the table into buf (cut to size). Returns the length written. */
size_t stats_format(struct balancer *balancer, char *buf, size_t size);

/* Logs the table, one ev=stats line per backend. */
void stats_log(struct balancer *balancer, const struct logger *log);

#endif
