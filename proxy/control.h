/*
 * control: the main thread's loop once the proxy runs.
 *
 * It waits (poll) on two descriptors: the optional stats socket and a
 * signalfd. A stats client gets the backend table and is closed; SIGUSR1
 * logs the table; SIGINT/SIGTERM end the loop. Clients are accepted by
 * the workers themselves (acceptor.h), not here.
 *
 * Runs on the main thread only.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include "balancer.h"
#include "log.h"

struct control {
    int stats_fd;               /* -1: no stats port */
    int signal_fd;              /* SIGINT, SIGTERM, SIGUSR1 (blocked) */
    struct balancer *balancer;
    const struct logger *log;
};

/*
 * Runs until SIGINT or SIGTERM arrives. Returns the signal number, or -1
 * with errno if the loop itself failed.
 */
int control_run(const struct control *control);

#endif
