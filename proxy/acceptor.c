/*
 * acceptor: accept clients in a worker's loop. See acceptor.h.
 */
#include "acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Clients taken per wakeup, so that a burst does not starve the sessions
 * the worker already has. */
#define ACCEPT_BATCH 16
/* How long to stop accepting after running out of descriptors. */
#define ACCEPT_BACKOFF_MS 100

void acceptor_init(struct acceptor *a, int epoll_fd,
                   struct session_shared *shared, const struct logger *log)
{
    *a = (struct acceptor){ .listen_fd = -1, .epoll_fd = epoll_fd,
                            .reserve_fd = -1, .shared = shared, .log = log };
}

void acceptor_listen(struct acceptor *a, int listen_fd,
                     acceptor_dispatch_fn dispatch, void *dispatch_arg)
{
    /* Without a spare (no descriptor left even now), running out of them
     * only pauses accepting. */
    a->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    a->listen_fd = listen_fd;
    a->dispatch = dispatch;
    a->dispatch_arg = dispatch_arg;
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

/*
 * Out of descriptors: free the spare one, accept the waiting client and
 * close it at once (it sees a clean close instead of hanging in the
 * queue), take the spare back, and pause accepting for a moment.
 */
static void refuse_for_lack_of_fds(struct acceptor *a, int err,
                                   uint64_t now_ms)
{
    unsigned long long refused;

    if (a->reserve_fd != -1) {
        int fd;

        close(a->reserve_fd);
        fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd != -1)
            close(fd);
        a->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    refused = atomic_fetch_add(&a->shared->fd_refusals, 1) + 1;
    a->paused_until_ms = now_ms + ACCEPT_BACKOFF_MS;
    log_event(a->log, LOG_ERROR, "accept_fail", "err=%s refused=%llu "
              "pause_ms=%d", strerrorname_np(err), refused, ACCEPT_BACKOFF_MS);
}

void acceptor_take(struct acceptor *a, uint64_t now_ms)
{
    for (int i = 0; i < ACCEPT_BATCH && a->listen_fd != -1; i++) {
        struct net_addr peer = { .len = sizeof(peer.sa) };
        uint64_t sid;
        int fd;

        if (!reserve_slot(a))
            return;         /* acceptor_tend() stops listening */
        fd = accept4(a->listen_fd, (struct sockaddr *)&peer.sa, &peer.len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd == -1) {
            int err = errno;

            atomic_fetch_sub(&a->shared->live_sessions, 1);
            if (net_local_failure(err))
                refuse_for_lack_of_fds(a, err, now_ms);
            else if (err == EINVAL)
                acceptor_close(a);  /* the listener was shut down */
            else if (err != EAGAIN && err != EINTR && err != ECONNABORTED)
                log_event(a->log, LOG_ERROR, "accept_fail", "err=%s",
                          strerrorname_np(err));
            return;
        }
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
    bool paused = now_ms < a->paused_until_ms;
    bool full = maxconn > 0 &&
                atomic_load(&a->shared->live_sessions) >= maxconn;
    bool want = a->listen_fd != -1 && !paused && !full;

    if (want != a->registered)
        set_registered(a, want);
    return paused ? (int)(a->paused_until_ms - now_ms) : -1;
}

void acceptor_close(struct acceptor *a)
{
    if (a->registered)
        set_registered(a, false);
    a->listen_fd = -1;
    if (a->reserve_fd != -1)
        close(a->reserve_fd);
    a->reserve_fd = -1;
}
