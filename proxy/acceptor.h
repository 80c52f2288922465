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
 * acceptors never let more than maxconn sessions in.
 *
 * The proxy keeps one descriptor in reserve (proxy_shared.reserve_fd, a
 * duplicate of an epoll set's): a session whose backend socket cannot be
 * had for lack of descriptors spends it and tries once more (session.c),
 * and an acceptor takes a new one before it accepts again. So a client is
 * accepted only with a descriptor left for a backend socket, and while
 * none runs short that costs no system call. (Two sessions short at the
 * same moment share one reserve: the second fails with local=1.)
 *
 * Out of file descriptors (accept4 fails with EMFILE/ENFILE, or the
 * reserve cannot be taken again), every
 * acceptor stops listening for ACCEPT_BACKOFF_MS (100 ms), or until a
 * session ends if that comes first, and the clients wait in the listen
 * queue, as HAProxy does. One ev=accept_paused line starts such an
 * episode, one ev=accept_resumed line with the number of pauses ends it
 * at the next accepted client. The pause lives in struct proxy_shared,
 * so that the workers pause together.
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
    struct proxy_shared *shared;
    const struct logger *log;
    acceptor_dispatch_fn dispatch;
    void *dispatch_arg;
};

/* Descriptors one session holds: client and backend socket, and while
 * it splices bulk data both ways (relay.h) two pipes more. */
#define ACCEPTOR_FDS_PER_SESSION 2
#define ACCEPTOR_FDS_SPLICING 6

/* What the descriptor limit leaves for sessions (acceptor_fds_fit). */
struct acceptor_fds {
    long fixed;         /* descriptors held whatever the load */
    long fit;           /* sessions that fit, with sockets only */
    long fit_splicing;  /* sessions that fit if all of them splice */
};

/*
 * Counts the descriptors the proxy holds whatever the load (standard
 * streams, listener, signalfd, the reserve, stats port and its clients,
 * an epoll set and an eventfd per worker, the checker's eventfd and sockets, a margin
 * of 4) and how many sessions fit beside them under a limit of nofile.
 * fit may be 0 or less: then not even the threads fit.
 */
struct acceptor_fds acceptor_fds_fit(long nofile, const struct config *cfg);

/* Initialises the pause fields and the reserve of *shared (before any
 * acceptor runs). The reserve is closed by acceptor_spend_reserve. */
void acceptor_shared_init(struct proxy_shared *shared);

/* An acceptor that does not listen yet; acceptor_close() is safe on it. */
void acceptor_init(struct acceptor *a, int epoll_fd,
                   struct proxy_shared *shared, const struct logger *log);

/*
 * Starts listening on listen_fd (not owned: the caller closes it after the
 * acceptor is closed) at the next acceptor_tend(), and fills the reserve.
 * Its epoll events carry the acceptor's address as data.ptr.
 */
void acceptor_listen(struct acceptor *a, int listen_fd,
                     acceptor_dispatch_fn dispatch, void *dispatch_arg);

/* The listener is readable: takes the clients waiting, up to a batch. */
void acceptor_take(struct acceptor *a, uint64_t now_ms);

/*
 * Once per loop pass: listens, or stops, as maxconn and the pause for
 * lack of descriptors say. Returns the milliseconds until the pause ends, or -1 for none.
 */
int acceptor_tend(struct acceptor *a, uint64_t now_ms);

/* Closes the reserve, making room for one descriptor (a session short of
 * one, or the end of the run). Returns 0, or -1 when it was spent. Any
 * thread. */
int acceptor_spend_reserve(struct proxy_shared *shared);

/* Stops listening for good. */
void acceptor_close(struct acceptor *a);

#endif
