/*
 * worker: one thread running one epoll loop that accepts clients and owns
 * the sessions dealt to it.
 *
 *     another worker ──worker_hand_off()──► [ mailbox: mutex + queue ] ──┐
 *                                                          eventfd     ▼
 *     worker thread:  epoll_wait ─► listener: acceptor_take() ─► pool
 *                                 ─► mailbox: start sessions
 *                                 ─► socket events: session_handle_event()
 *                                 ─► timers: session_expire()
 *
 * Only the mailbox (queue, served waiters of its queued sessions, requests
 * for its session list, listen and stop requests) is shared with other
 * threads, under the worker's mutex; the eventfd wakes the loop. A client
 * dealt to the worker by its own acceptor skips the mailbox. Everything
 * else in a worker, its sessions included, belongs to its thread alone.
 */
#ifndef WORKER_H
#define WORKER_H

#include <stdint.h>

#include "acceptor.h"
#include "log.h"
#include "net.h"
#include "session.h"

struct worker;

/*
 * Makes a worker (epoll set, eventfd, scratch buffer) without starting its
 * thread. Returns NULL with errno on failure.
 */
struct worker *worker_create(int id, struct proxy_shared *shared,
                             const struct logger *parent);

/* Starts the worker's thread. Returns 0, or -1 with errno. */
int worker_start(struct worker *worker);

/*
 * Hands a client to the worker (any thread). The worker takes ownership of
 * fd. On the worker's own thread the session starts at once. Returns 0, or
 * -1 (ENOMEM; fd is not taken).
 */
int worker_hand_off(struct worker *worker, int fd, uint64_t sid,
                    const struct net_addr *client);

/* The worker whose thread calls this, or NULL on any other thread. */
struct worker *worker_current(void);

/* The worker's sessions plus the clients waiting in its mailbox (any
 * thread; a snapshot). */
long worker_load(struct worker *worker);

/*
 * Asks the worker to accept from listen_fd (any thread), passing each
 * client to dispatch(dispatch_arg, ...). listen_fd stays the caller's: it
 * is closed only after the worker was joined.
 */
void worker_listen(struct worker *worker, int listen_fd,
                   acceptor_dispatch_fn dispatch, void *dispatch_arg);

/*
 * Asks the worker to stop (any thread): it accepts no more clients, lets
 * its sessions finish until deadline_ms (clock_now_ms() time), then closes
 * the rest and its thread returns.
 */
void worker_stop(struct worker *worker, uint64_t deadline_ms);

/*
 * Copies up to max of the worker's live sessions into rows (any thread but
 * the worker's own), and their number into *total. The worker is asked
 * through its mailbox and answers from its loop, so its sessions need no
 * lock; the caller waits up to timeout_ms for it. Returns the rows copied,
 * or -1 with ETIMEDOUT (a worker that stopped never answers). The rows'
 * state strings are static.
 */
int worker_sessions(struct worker *worker, struct session_row *rows,
                    size_t max, size_t *total, int timeout_ms);

/* The id the worker was created with (its "wN" name). */
int worker_id(const struct worker *worker);

/* Waits for a started worker's thread to return. */
void worker_join(struct worker *worker);

/* Frees a worker whose thread was joined or never started. */
void worker_destroy(struct worker *worker);

/* Sessions from which an unpinned worker yields whatever they move. */
#define WORKER_YIELD_SESSIONS 16

/*
 * Whether a worker that found no events yields the CPU once before it
 * sleeps: never when pinned (it cannot be moved); with
 * WORKER_YIELD_SESSIONS sessions or more; with two or more when one of its
 * relays splices (bulk). With a few sessions of small replies the yield
 * lost: sched_yield() under the kernel's EEVDF scheduler moves the
 * worker's deadline a slice on, and the client, busy on the same CPU,
 * kept it off for that slice (keep-alive, 64 B and 4 KiB at 10
 * connections: p99 3.1 and 1.8 ms against 0.5 without; docs/performance.md).
 */
bool worker_yields_before_sleep(bool pinned, size_t sessions,
                                size_t splicing);

#endif
