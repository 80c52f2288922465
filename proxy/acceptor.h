/*
 * acceptor: the main thread's loop once the proxy runs.
 *
 * It waits (poll) on four descriptors: the listening socket, the optional
 * stats socket, a signalfd and a wake-up eventfd. New clients get a session
 * id and are dealt to the worker pool; a stats client gets the backend table
 * and is closed; SIGUSR1 logs the table; SIGINT/SIGTERM end the loop.
 *
 * With --maxconn reached it stops accepting, so new clients wait in the
 * kernel's listen queue until a session ends (a worker then writes wake_fd).
 * Out of file descriptors (EMFILE/ENFILE) it closes the waiting client with
 * the help of a reserved descriptor, logs it, and pauses accepting for a
 * moment instead of spinning.
 *
 * Runs on the main thread only.
 */
#ifndef ACCEPTOR_H
#define ACCEPTOR_H

#include "balancer.h"
#include "config.h"
#include "log.h"
#include "pool.h"
#include "session.h"

struct acceptor {
    int listen_fd;
    int stats_fd;               /* -1: no stats port */
    int signal_fd;              /* SIGINT, SIGTERM, SIGUSR1 (blocked) */
    int wake_fd;                /* eventfd written by workers below maxconn */
    const struct config *cfg;
    struct session_shared *shared;
    struct pool *pool;
    const struct logger *log;
};

/*
 * Runs until SIGINT or SIGTERM arrives. Returns the signal number, or -1
 * with errno if the loop itself failed.
 */
int acceptor_run(const struct acceptor *acceptor);

#endif
