/*
 * worker: one thread running one epoll loop that owns the sessions handed
 * to it.
 *
 *     acceptor ──worker_hand_off()──► [ mailbox: mutex + queue ] ──eventfd──┐
 *                                                                          ▼
 *     worker thread:  epoll_wait ─► mailbox: start sessions
 *                                 ─► socket events: session_handle_event()
 *                                 ─► timers: session_expire()
 *
 * Only the mailbox (queue and stop request) is shared with other threads,
 * under the worker's mutex; the eventfd wakes the loop. Everything else in a
 * worker, its sessions included, belongs to its thread alone.
 */
#ifndef WORKER_H
#define WORKER_H

#include <stdint.h>

#include "log.h"
#include "net.h"
#include "session.h"

struct worker;

/*
 * Makes a worker (epoll set, eventfd, scratch buffer) without starting its
 * thread. Returns NULL with errno on failure.
 */
struct worker *worker_create(int id, struct session_shared *shared,
                             const struct logger *parent);

/* Starts the worker's thread. Returns 0, or -1 with errno. */
int worker_start(struct worker *worker);

/*
 * Hands a client to the worker (any thread). The worker takes ownership of
 * fd. Returns 0, or -1 (ENOMEM; fd is not taken).
 */
int worker_hand_off(struct worker *worker, int fd, uint64_t sid,
                    const struct net_addr *client);

/*
 * Asks the worker to stop (any thread): it accepts no more clients, lets
 * its sessions finish until deadline_ms (clock_now_ms() time), then closes
 * the rest and its thread returns.
 */
void worker_stop(struct worker *worker, uint64_t deadline_ms);

/* Waits for a started worker's thread to return. */
void worker_join(struct worker *worker);

/* Frees a worker whose thread was joined or never started. */
void worker_destroy(struct worker *worker);

#endif
