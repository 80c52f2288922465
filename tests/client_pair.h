/*
 * client_pair: hands a test-made client to the proxy's code as the
 * acceptor would (test_pool.c, test_balancer_worker.c).
 *
 * Static, like the other test fixtures: the test runner links every module
 * of the programs, where a short global name could clash.
 */
#ifndef CLIENT_PAIR_H
#define CLIENT_PAIR_H

#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acceptor.h"
#include "net.h"
#include "session.h"

/*
 * Gives one end of a new socketpair to `to` as a client through give (a
 * pool's dispatch, or a worker's hand-off), counting it in live_sessions
 * first as the acceptor does. Returns the test's end, or -1 (then nothing
 * is left open or counted).
 */
static inline int client_pair_give(struct proxy_shared *shared,
                                   acceptor_dispatch_fn give, void *to,
                                   uint64_t sid, const struct net_addr *addr)
{
    int pair[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == -1)
        return -1;
    if (net_set_nonblock(pair[1]) == -1) {
        close(pair[0]);
        close(pair[1]);
        return -1;
    }
    atomic_fetch_add(&shared->live_sessions, 1);
    if (give(to, pair[1], sid, addr) == -1) {
        atomic_fetch_sub(&shared->live_sessions, 1);
        close(pair[0]);
        close(pair[1]);
        return -1;
    }
    return pair[0];
}

#endif
