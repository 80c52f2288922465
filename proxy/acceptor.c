/*
 * acceptor: accept clients in a worker's loop. See acceptor.h.
 */
#include "acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stats.h"

/* Clients taken per wakeup, so that a burst does not starve the sessions
 * the worker already has. */
#define ACCEPT_BATCH 16
/* How long to stop accepting after running out of descriptors, unless a
 * session ends sooner: long enough not to spin, short enough that the
 * clients waiting in the listen queue hardly notice. */
#define ACCEPT_BACKOFF_MS 100

struct acceptor_fds acceptor_fds_fit(long nofile, const struct config *cfg)
{
    struct acceptor_fds fds;

    /* stdin/out/err, listener, signalfd, margin (log, /proc reads...) */
    fds.fixed = 3 + 1 + 1 + 4;
    /* the reserve; per worker: epoll set, eventfd */
    fds.fixed += 1 + 2L * cfg->threads;
    if (cfg->stats_enabled)
        fds.fixed += 1 + STATS_MAX_CLIENTS;
    if (cfg->health_interval_ms > 0)
        fds.fixed += 1 + (long)cfg->backend_count;
    fds.fit = (nofile - fds.fixed) / ACCEPTOR_FDS_PER_SESSION;
    fds.fit_splicing = (nofile - fds.fixed) / ACCEPTOR_FDS_SPLICING;
    return fds;
}

void acceptor_shared_init(struct proxy_shared *shared)
{
    atomic_init(&shared->accept_paused_until_ms, 0);
    atomic_init(&shared->accept_paused_live, 0);
    atomic_init(&shared->accept_episode_ms, 0);
    atomic_init(&shared->accept_held, 0);
    atomic_init(&shared->accept_episodes, 0);
    atomic_init(&shared->reserve_fd, -1);
}

void acceptor_init(struct acceptor *a, int epoll_fd,
                   struct proxy_shared *shared, const struct logger *log)
{
    *a = (struct acceptor){ .listen_fd = -1, .epoll_fd = epoll_fd,
                            .shared = shared, .log = log };
}

/* Takes a descriptor for the reserve if it is spent. Returns 0, or -1
 * with errno when there is no descriptor to take. */
static int fill_reserve(struct acceptor *a)
{
    int spent = -1, fd;

    if (atomic_load(&a->shared->reserve_fd) != -1)
        return 0;
    fd = fcntl(a->epoll_fd, F_DUPFD_CLOEXEC, 0);
    if (fd == -1)
        return -1;
    /* Another acceptor may have filled it meanwhile. */
    if (!atomic_compare_exchange_strong(&a->shared->reserve_fd, &spent, fd))
        close(fd);
    return 0;
}

int acceptor_spend_reserve(struct proxy_shared *shared)
{
    int fd = atomic_exchange(&shared->reserve_fd, -1);

    if (fd == -1)
        return -1;
    close(fd);
    return 0;
}

void acceptor_listen(struct acceptor *a, int listen_fd,
                     acceptor_dispatch_fn dispatch, void *dispatch_arg)
{
    a->listen_fd = listen_fd;
    a->dispatch = dispatch;
    a->dispatch_arg = dispatch_arg;
    /* Filled now, so that the descriptors the proxy holds do not change
     * at its first client; if it fails, the first accept tries again. */
    fill_reserve(a);
}

/* Adds or removes the listener from the epoll set. */
static void set_registered(struct acceptor *a, bool on)
{
    /* Level-triggered: a client left waiting is reported again.
     * EPOLLEXCLUSIVE allows no EPOLL_CTL_MOD, hence add and delete. */
    struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
                              .data.ptr = a };

    if (epoll_ctl(a->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
                  a->listen_fd, &ev) == -1) {
        log_event(a->log, LOG_ERROR, "epoll_fail", "what=listen err=%s",
                  strerrorname_np(errno));
        return;
    }
    a->registered = on;
}

/*
 * Counts a session in before it is accepted, so that acceptors on other
 * workers see it at once. Returns false at maxconn (nothing counted).
 */
static bool reserve_slot(const struct acceptor *a)
{
    long maxconn = a->shared->config->maxconn;
    long before = atomic_fetch_add(&a->shared->live_sessions, 1);

    if (maxconn > 0 && before >= maxconn) {
        atomic_fetch_sub(&a->shared->live_sessions, 1);
        return false;
    }
    return true;
}

/* How long every acceptor still holds off, in ms: 0 once the pause has
 * run out or a session has ended since it began. */
static uint64_t pause_left(const struct acceptor *a, uint64_t now_ms)
{
    const struct proxy_shared *sh = a->shared;
    uint64_t until = atomic_load(&sh->accept_paused_until_ms);

    if (now_ms >= until || atomic_load(&sh->live_sessions) <
                           atomic_load(&sh->accept_paused_live))
        return 0;
    return until - now_ms;
}

/* Clients waiting in the listen queue (Linux reports it as tcpi_unacked
 * of a listening socket); -1 when unknown. */
static long queued_clients(int listen_fd)
{
    struct tcp_info info;
    socklen_t len = sizeof(info);

    if (getsockopt(listen_fd, IPPROTO_TCP, TCP_INFO, &info, &len) == -1)
        return -1;
    return (long)info.tcpi_unacked;
}

/*
 * Out of descriptors: every acceptor stops accepting for a moment, and
 * the clients stay in the listen queue. The first pause of an episode is
 * logged; the others are only counted.
 */
static void pause_accepting(struct acceptor *a, int err, uint64_t now_ms)
{
    struct proxy_shared *sh = a->shared;
    uint64_t no_episode = 0;
    long live = atomic_load(&sh->live_sessions);

    atomic_store(&sh->accept_paused_live, live);
    atomic_store(&sh->accept_paused_until_ms, now_ms + ACCEPT_BACKOFF_MS);
    atomic_fetch_add(&sh->accept_held, 1);
    if (!atomic_compare_exchange_strong(&sh->accept_episode_ms, &no_episode,
                                        now_ms))
        return;
    atomic_fetch_add(&sh->accept_episodes, 1);
    log_event(a->log, LOG_WARN, "accept_paused", "err=%s live=%ld queued=%ld "
              "pause_ms=%d", strerrorname_np(err), live,
              queued_clients(a->listen_fd), ACCEPT_BACKOFF_MS);
}

/* A client was accepted: ends the episode of pauses, if one is open. */
static void end_episode(struct acceptor *a, uint64_t now_ms)
{
    struct proxy_shared *sh = a->shared;
    uint64_t since = atomic_load(&sh->accept_episode_ms);

    if (since == 0 ||
        !atomic_compare_exchange_strong(&sh->accept_episode_ms, &since, 0))
        return;
    log_event(a->log, LOG_INFO, "accept_resumed", "n=%llu ms=%llu live=%ld",
              (unsigned long long)atomic_exchange(&sh->accept_held, 0),
              (unsigned long long)(now_ms - since),
              atomic_load(&sh->live_sessions));
}

/*
 * Accepts one client, but only with the reserve full: the session may
 * need it for its backend socket. Returns the client's fd, or -1 with
 * errno.
 */
static int accept_with_room(struct acceptor *a, struct net_addr *peer)
{
    if (fill_reserve(a) == -1)
        return -1;
    return accept4(a->listen_fd, (struct sockaddr *)&peer->sa, &peer->len,
                   SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* accept failed with err: pause, stop, or log it. */
static void accept_failed(struct acceptor *a, int err, uint64_t now_ms)
{
    if (net_local_failure(err))
        pause_accepting(a, err, now_ms);
    else if (err == EINVAL)
        acceptor_close(a);  /* the listener was shut down */
    else if (err != EAGAIN && err != EINTR && err != ECONNABORTED)
        log_event(a->log, LOG_ERROR, "accept_fail", "err=%s",
                  strerrorname_np(err));
}

void acceptor_take(struct acceptor *a, uint64_t now_ms)
{
    for (int i = 0; i < ACCEPT_BATCH && a->listen_fd != -1; i++) {
        struct net_addr peer = { .len = sizeof(peer.sa) };
        uint64_t sid;
        int fd;

        if (pause_left(a, now_ms) > 0 || !reserve_slot(a))
            return;         /* acceptor_tend() stops listening */
        fd = accept_with_room(a, &peer);
        if (fd == -1) {
            int err = errno;

            atomic_fetch_sub(&a->shared->live_sessions, 1);
            accept_failed(a, err, now_ms);
            return;
        }
        end_episode(a, now_ms);
        sid = atomic_fetch_add(&a->shared->next_sid, 1) + 1;
        if (a->dispatch(a->dispatch_arg, fd, sid, &peer) == -1) {
            log_event(a->log, LOG_ERROR, "accept_fail", "sid=%llu err=ENOMEM",
                      (unsigned long long)sid);
            close(fd);
            atomic_fetch_sub(&a->shared->live_sessions, 1);
        }
    }
}

int acceptor_tend(struct acceptor *a, uint64_t now_ms)
{
    long maxconn = a->shared->config->maxconn;
    uint64_t left = pause_left(a, now_ms);
    bool full = maxconn > 0 &&
                atomic_load(&a->shared->live_sessions) >= maxconn;
    bool want = a->listen_fd != -1 && left == 0 && !full;

    if (want != a->registered)
        set_registered(a, want);
    return left > 0 ? (int)left : -1;
}

void acceptor_close(struct acceptor *a)
{
    if (a->registered)
        set_registered(a, false);
    a->listen_fd = -1;
}
