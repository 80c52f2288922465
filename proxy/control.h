/*
 * control: the main thread's loop once the proxy runs.
 *
 * It waits (poll) on the optional stats socket, its clients, and a
 * signalfd. Each stats client (at most STATS_MAX_CLIENTS at once) gets an
 * answer as stats.h describes: HTTP if its first bytes are an HTTP
 * request, else (other bytes, or nothing for STATS_WAIT_MS, 200 ms) the
 * bare table; then a FIN, and the client's bytes are read to its end of
 * file so that closing never resets it. Every step is non-blocking and
 * bounded by a deadline, so a slow or silent client holds only its own
 * slot. Signals: SIGINT/SIGTERM end the loop; SIGUSR1 logs the
 * backend table; SIGHUP reloads the config file (reload.h); SIGUSR2 and
 * SIGALRM, whose default action would kill the proxy with its sessions,
 * are logged and ignored. While a reload's removed backends drain, the
 * loop wakes every RELOAD_POLL_MS to remove those that have (reload_poll).
 * Clients are accepted by the workers themselves (acceptor.h), not here.
 *
 * Runs on the main thread only.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <signal.h>

#include "balancer.h"
#include "log.h"
#include "reload.h"
#include "session.h"

struct control {
    int stats_fd;               /* -1: no stats port */
    int signal_fd;              /* the control_signals() set, blocked */
    struct balancer *balancer;
    const struct proxy_shared *shared;      /* counters for the stats */
    struct reload *reload;                  /* SIGHUP */
    const struct logger *log;
};

/* Adds the signals control_run() reads from its signalfd to *set. */
void control_signals(sigset_t *set);

/*
 * Runs until SIGINT or SIGTERM arrives. Returns the signal number, or -1
 * with errno if the loop itself failed.
 */
int control_run(const struct control *control);

#endif
