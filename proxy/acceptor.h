/*
 * acceptor: takes new clients from the listening socket. Every worker has
 * one, in its own epoll set, so that the worker woken by a new client is
 * the one that accepts it, with no other thread in between.
 *
 *     listen fd (EPOLLEXCLUSIVE in every worker's epoll set)
 *        └─► the woken worker: acceptor_take(): accept4, sid, dispatch()
 *                └─► pool_dispatch(): this worker, or the least loaded
 *
 * EPOLLEXCLUSIVE makes the kernel wake one waiting worker per new client
 * rather than all of them. Which one it wakes is its choice, so the pool
 * (dispatch) decides who keeps the client: the accepting worker, where it
 * starts at once, unless that worker is ahead of the least loaded one.
 *
 * With --maxconn reached an acceptor takes its listener out of the epoll
 * set, so new clients wait in the kernel's listen queue; acceptor_tend(),
 * called once per loop pass, puts it back once sessions have ended. A slot
 * is reserved (live_sessions counted up) before each accept4, so several
 * acceptors never let more than maxconn sessions in. Out of file
 * descriptors (EMFILE/ENFILE), it closes the waiting client with the help
 * of a reserved descriptor, logs it, and pauses for a moment instead of
 * spinning.
 *
 * An acceptor belongs to its worker's thread.
 */
#ifndef ACCEPTOR_H
#define ACCEPTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "net.h"
#include "session.h"

/* Where an accepted client goes: returns 0, or -1 (fd not taken). */
typedef int (*acceptor_dispatch_fn)(void *arg, int fd, uint64_t sid,
                                    const struct net_addr *client);

struct acceptor {
    int listen_fd;              /* -1: not listening (yet, or any more) */
    int epoll_fd;               /* the worker's epoll set */
    bool registered;            /* listen_fd is in the epoll set */
    int reserve_fd;             /* spare descriptor for EMFILE */
    uint64_t paused_until_ms;   /* EMFILE back-off */
    struct session_shared *shared;
    const struct logger *log;
    acceptor_dispatch_fn dispatch;
    void *dispatch_arg;
};

/* An acceptor that does not listen yet; acceptor_close() is safe on it. */
void acceptor_init(struct acceptor *a, int epoll_fd,
                   struct session_shared *shared, const struct logger *log);

/*
 * Starts listening on listen_fd (not owned: the caller closes it after the
 * acceptor is closed) at the next acceptor_tend(). Its epoll events carry
 * the acceptor's address as data.ptr.
 */
void acceptor_listen(struct acceptor *a, int listen_fd,
                     acceptor_dispatch_fn dispatch, void *dispatch_arg);

/* The listener is readable: takes the clients waiting, up to a batch. */
void acceptor_take(struct acceptor *a, uint64_t now_ms);

/*
 * Once per loop pass: listens, or stops, as maxconn and the EMFILE pause
 * say. Returns the milliseconds until the pause ends, or -1 for none.
 */
int acceptor_tend(struct acceptor *a, uint64_t now_ms);

/* Stops listening for good and frees the spare descriptor. */
void acceptor_close(struct acceptor *a);

#endif
