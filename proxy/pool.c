/*
 * pool: start, feed and stop the worker threads. See pool.h.
 */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "worker.h"

struct pool {
    size_t count;
    struct worker **workers;
};

static void destroy(struct pool *pool)
{
    for (size_t i = 0; i < pool->count; i++)
        worker_destroy(pool->workers[i]);
    free(pool->workers);
    free(pool);
}

struct pool *pool_start(size_t count, struct proxy_shared *shared,
                        const struct logger *log)
{
    struct pool *pool = calloc(1, sizeof(*pool));

    if (pool == NULL)
        return NULL;
    pool->workers = calloc(count, sizeof(*pool->workers));
    if (pool->workers == NULL) {
        free(pool);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        pool->workers[i] = worker_create((int)i, shared, log);
        if (pool->workers[i] == NULL || worker_start(pool->workers[i]) == -1) {
            int saved = errno;

            pool->count = i + 1;
            pool_stop(pool, 0);
            pool_free(pool);
            errno = saved;
            return NULL;
        }
    }
    pool->count = count;
    return pool;
}

int pool_dispatch(struct pool *pool, int fd, uint64_t sid,
                  const struct net_addr *client)
{
    struct worker *self = worker_current(), *least = pool->workers[0];
    long least_load = worker_load(least);

    for (size_t i = 1; i < pool->count; i++) {
        long load = worker_load(pool->workers[i]);

        if (load < least_load) {
            least = pool->workers[i];
            least_load = load;
        }
    }
    if (self == NULL || worker_load(self) > least_load + 1)
        self = least;
    return worker_hand_off(self, fd, sid, client);
}

/* pool_dispatch in the shape the workers' acceptors call. */
static int dispatch(void *pool, int fd, uint64_t sid,
                    const struct net_addr *client)
{
    return pool_dispatch(pool, fd, sid, client);
}

void pool_listen(struct pool *pool, int listen_fd)
{
    for (size_t i = 0; i < pool->count; i++)
        worker_listen(pool->workers[i], listen_fd, dispatch, pool);
}

size_t pool_size(const struct pool *pool)
{
    return pool->count;
}

struct worker *pool_worker(const struct pool *pool, size_t index)
{
    return pool->workers[index];
}

void pool_stop(struct pool *pool, long grace_ms)
{
    uint64_t deadline = clock_now_ms() + (uint64_t)grace_ms;

    for (size_t i = 0; i < pool->count; i++) {
        if (pool->workers[i] != NULL)
            worker_stop(pool->workers[i], deadline);
    }
    for (size_t i = 0; i < pool->count; i++) {
        if (pool->workers[i] != NULL)
            worker_join(pool->workers[i]);
    }
}

void pool_free(struct pool *pool)
{
    destroy(pool);
}
