/*
 * pool: the fixed set of worker threads.
 *
 * Created and started once at start-up, stopped and joined once at the
 * end: the number of threads never changes with load. Every worker
 * accepts, and keeps the clients it accepts while it has at most one
 * session more than the least loaded worker: such a session starts at
 * once, on the thread the kernel woke. Past that, the client goes to the
 * least loaded worker, which evens out what the kernel's choice of worker
 * leaves uneven. A client stays on its worker for its whole life.
 *
 * pool_dispatch is called by any worker, at the same time; the other
 * functions by the main thread only.
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "net.h"
#include "session.h"

struct pool;
struct worker;

/*
 * Creates and starts count workers sharing *shared. On failure nothing is
 * left running and NULL is returned with errno.
 */
struct pool *pool_start(size_t count, struct proxy_shared *shared,
                        const struct logger *log);

/*
 * Gives the accepted client fd to a worker: the calling worker while its
 * load (worker_load) is at most the least load + 1, else a least loaded
 * one (the first, on a tie; from a thread that is no worker, always that
 * one). Returns 0, or -1 (the fd was not taken; the caller closes it).
 * Safe from several threads at once.
 */
int pool_dispatch(struct pool *pool, int fd, uint64_t sid,
                  const struct net_addr *client);

/*
 * Makes every worker accept from listen_fd and deal the clients with
 * pool_dispatch. listen_fd stays the caller's, to close after pool_stop.
 */
void pool_listen(struct pool *pool, int listen_fd);

/* The number of worker threads. */
size_t pool_size(const struct pool *pool);

/* Worker index (0 .. pool_size() - 1), e.g. to ask it for its sessions
 * with worker_sessions(). Valid until pool_free. */
struct worker *pool_worker(const struct pool *pool, size_t index);

/*
 * Stops every worker: sessions may drain for grace_ms, then the rest are
 * closed. Returns once every thread was joined. The pool stays until
 * pool_free (the control socket may still ask it: a worker that has ended
 * answers worker_sessions with none).
 */
void pool_stop(struct pool *pool, long grace_ms);

/* Frees a stopped pool. */
void pool_free(struct pool *pool);

#endif
