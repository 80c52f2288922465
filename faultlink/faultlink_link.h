/*
 * faultlink_link: fault_link's listener, control channel and event loop.
 *
 *   faultlink_link ──owns──► listen fd, epoll fd, timer heap, scratch,
 *        │                   the faults in force, every faultlink_conn,
 *        │                   the syn-drop filler socket
 *        └──borrows──► logger, stop fd, control fds (stdin, stdout)
 *
 * One thread and one epoll set: the listening socket, the stop fd (main's
 * signalfd; any readable fd stops the loop), the control input and both
 * sockets of every connection; one heap of timers. Not thread-safe:
 * everything runs on the thread that calls faultlink_link_run.
 */
#ifndef FAULTLINK_LINK_H
#define FAULTLINK_LINK_H

#include <stdint.h>

#include "faultlink_fault.h"
#include "log.h"
#include "net.h"

/* What a link is opened with. */
struct faultlink_link_config {
    struct net_addr listen;
    struct net_addr to;
    uint64_t seed;
    int stop_fd;            /* readable: the loop ends; -1: none */
    int control_in;         /* command lines; -1: none */
    int control_out;        /* one reply line per command */
    const struct faultlink_faults *faults;  /* in force from the start */
};

struct faultlink_link;

/*
 * Binds and listens, logs ev=listen and an ev=fault_on per fault in
 * force, and returns the link. Returns NULL with errno after logging
 * ev=error.
 */
struct faultlink_link *faultlink_link_open(
    const struct faultlink_link_config *config, const struct logger *lg);

/* The address the link listens on (the port behind port 0). */
const struct net_addr *faultlink_link_addr(const struct faultlink_link *link);

/*
 * Relays until stop_fd becomes readable (returns 0) or the loop itself
 * fails (logs ev=error, returns -1 with errno). End of file on the control
 * input is not an error: the link goes on without it.
 */
int faultlink_link_run(struct faultlink_link *link);

/* Closes every connection (reason=shutdown) and the listener, logs
 * ev=stop and frees the link. NULL is a no-op. */
void faultlink_link_close(struct faultlink_link *link);

#endif
