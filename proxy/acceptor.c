/*
 * acceptor: accept clients, answer stats, watch signals. See acceptor.h.
 */
#include "acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "stats.h"

/* Clients taken per wakeup before looking at signals again. */
#define ACCEPT_BATCH 64
/* How long to stop accepting after running out of descriptors. */
#define ACCEPT_BACKOFF_MS 100

/* The loop's own state, private to the main thread. */
struct accept_state {
    uint64_t next_sid;
    int reserve_fd;             /* spare descriptor for EMFILE */
    uint64_t paused_until_ms;   /* EMFILE back-off */
    uint64_t fd_refusals;       /* clients closed for lack of descriptors */
};

static bool at_maxconn(const struct acceptor *a)
{
    return a->cfg->maxconn > 0 &&
           atomic_load(&a->shared->live_sessions) >= a->cfg->maxconn;
}

/*
 * Out of descriptors: free the spare one, accept the waiting client and
 * close it at once (it sees a clean close instead of hanging in the
 * queue), take the spare back, and pause accepting for a moment.
 */
static void refuse_for_lack_of_fds(const struct acceptor *a,
                                   struct accept_state *st, int err)
{
    if (st->reserve_fd != -1) {
        int fd;

        close(st->reserve_fd);
        fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd != -1)
            close(fd);
        st->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    st->fd_refusals++;
    st->paused_until_ms = clock_now_ms() + ACCEPT_BACKOFF_MS;
    log_event(a->log, LOG_ERROR, "accept_fail", "err=%s refused=%llu "
              "pause_ms=%d", strerrorname_np(err),
              (unsigned long long)st->fd_refusals, ACCEPT_BACKOFF_MS);
}

/* Takes up to ACCEPT_BATCH waiting clients and deals them to the pool. */
static void accept_clients(const struct acceptor *a, struct accept_state *st)
{
    for (int i = 0; i < ACCEPT_BATCH && !at_maxconn(a); i++) {
        struct net_addr peer = { .len = sizeof(peer.sa) };
        int fd = accept4(a->listen_fd, (struct sockaddr *)&peer.sa, &peer.len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                errno == ENOMEM)
                refuse_for_lack_of_fds(a, st, errno);
            else if (errno != EAGAIN && errno != EINTR &&
                     errno != ECONNABORTED)
                log_event(a->log, LOG_ERROR, "accept_fail", "err=%s",
                          strerrorname_np(errno));
            return;
        }
        atomic_fetch_add(&a->shared->live_sessions, 1);
        if (pool_dispatch(a->pool, fd, ++st->next_sid, &peer) == -1) {
            log_event(a->log, LOG_ERROR, "accept_fail", "sid=%llu err=ENOMEM",
                      (unsigned long long)st->next_sid);
            close(fd);
            atomic_fetch_sub(&a->shared->live_sessions, 1);
        }
    }
}

/* Sends the backend table to one stats client and closes it. */
static void serve_stats(const struct acceptor *a)
{
    char table[BALANCER_MAX_BACKENDS * 160];
    int fd = accept4(a->stats_fd, NULL, NULL, SOCK_CLOEXEC);
    size_t len;

    if (fd == -1)
        return;
    len = stats_format(a->shared->balancer, table, sizeof(table));
    /* Blocking and small: one write is enough, and a client that does
     * not read only loses its own table. */
    if (net_write(fd, table, len) < 0)
        log_event(a->log, LOG_WARN, "stats_fail", "err=%s",
                  strerrorname_np(errno));
    close(fd);
}

/* Reads one signal; returns it, or 0 when there was none. */
static int take_signal(const struct acceptor *a)
{
    struct signalfd_siginfo info;

    if (read(a->signal_fd, &info, sizeof(info)) != sizeof(info))
        return 0;
    if (info.ssi_signo == SIGUSR1) {
        stats_log(a->shared->balancer, a->log);
        return 0;
    }
    return (int)info.ssi_signo;
}

/* Fills the poll set; the listener is left out while accepting is paused. */
static int poll_timeout(const struct acceptor *a, const struct accept_state *st,
                        struct pollfd *fds)
{
    uint64_t now = clock_now_ms();
    bool paused = now < st->paused_until_ms;
    bool listening = !paused && !at_maxconn(a);

    fds[0] = (struct pollfd){ .fd = listening ? a->listen_fd : -1,
                              .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = a->stats_fd, .events = POLLIN };
    fds[2] = (struct pollfd){ .fd = a->signal_fd, .events = POLLIN };
    fds[3] = (struct pollfd){ .fd = a->wake_fd, .events = POLLIN };
    return paused ? (int)(st->paused_until_ms - now) : -1;
}

int acceptor_run(const struct acceptor *a)
{
    struct accept_state st = { .reserve_fd = open("/dev/null",
                                                  O_RDONLY | O_CLOEXEC) };
    int signo = 0;

    while (signo == 0) {
        struct pollfd fds[4];
        uint64_t counter;
        int timeout = poll_timeout(a, &st, fds);

        if (poll(fds, 4, timeout) == -1) {
            if (errno == EINTR)
                continue;
            signo = -1;
            break;
        }
        if (fds[3].revents & POLLIN &&
            read(a->wake_fd, &counter, sizeof(counter)) == -1 &&
            errno != EAGAIN)
            log_event(a->log, LOG_ERROR, "wake_fail", "err=%s",
                      strerrorname_np(errno));
        if (fds[0].revents & POLLIN)
            accept_clients(a, &st);
        if (fds[1].revents & POLLIN)
            serve_stats(a);
        if (fds[2].revents & POLLIN)
            signo = take_signal(a);
    }
    if (st.reserve_fd != -1)
        close(st.reserve_fd);
    return signo;
}
