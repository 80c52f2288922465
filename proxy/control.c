/*
 * control: answer stats, watch signals. See control.h.
 */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "count_of.h"
#include "net.h"
#include "stats.h"

/* How long a stats client has to show that it speaks HTTP: a request
 * comes right after the connect, so after this a silent client is taken
 * for a plain one and gets the table. */
#define STATS_WAIT_MS 200
/* How long a client has to take its answer, and then to close. */
#define STATS_SEND_MS 2000
#define STATS_LINGER_MS 1000
/* How long the port is left alone after accept4 found no descriptor. */
#define STATS_ACCEPT_PAUSE_MS 100
/* Request bytes kept: a request line and a few headers. */
#define STATS_REQUEST_MAX 2048

enum stats_phase {
    STATS_FREE,                 /* slot unused */
    STATS_READING,              /* waiting for the request, if any */
    STATS_WRITING,              /* sending the answer */
    STATS_DRAINING              /* answer sent and FIN given: reading to
                                 * the client's end of file, so that
                                 * closing does not reset it */
};

/* One stats client. Its deadline bounds each phase: no client can hold
 * the main thread, which only ever does non-blocking reads and writes. */
struct stats_client {
    int fd;
    enum stats_phase phase;
    uint64_t deadline_ms;
    size_t request_len;
    char request[STATS_REQUEST_MAX];
    char *response;             /* STATS_RESPONSE_MAX bytes while writing */
    size_t response_len;
    size_t sent;
};

/* The main thread's loop state. */
struct control_loop {
    const struct control *control;
    struct stats_client clients[STATS_MAX_CLIENTS];
    uint64_t accept_paused_until_ms;    /* out of descriptors until then */
    bool removals_pending;              /* a reload's backends draining */
};

static void client_close(struct stats_client *sc)
{
    close(sc->fd);
    free(sc->response);
    *sc = (struct stats_client){ .fd = -1, .phase = STATS_FREE };
}

/* Sends what the client takes; on the last byte gives the FIN and starts
 * draining. Returns -1 when the client is gone. */
static int client_write(const struct control *c, struct stats_client *sc,
                        uint64_t now_ms)
{
    while (sc->sent < sc->response_len) {
        ssize_t n = send(sc->fd, sc->response + sc->sent,
                         sc->response_len - sc->sent, MSG_NOSIGNAL);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n == -1) {
            log_event(c->log, LOG_WARN, "stats_fail", "err=%s",
                      strerrorname_np(errno));
            return -1;
        }
        sc->sent += (size_t)n;
    }
    shutdown(sc->fd, SHUT_WR);
    sc->phase = STATS_DRAINING;
    sc->deadline_ms = now_ms + STATS_LINGER_MS;
    return 0;
}

/* The request is known (or given up on): builds the answer and starts
 * sending it. Returns -1 when the client is gone or no memory is left. */
static int client_answer(const struct control *c, struct stats_client *sc,
                         enum stats_request request, bool head,
                         uint64_t now_ms)
{
    struct stats_totals totals;

    sc->response = malloc(STATS_RESPONSE_MAX);
    if (sc->response == NULL) {
        log_event(c->log, LOG_WARN, "stats_fail", "err=ENOMEM");
        return -1;
    }
    stats_totals_read(c->shared, c->log->sink, &totals);
    sc->response_len = stats_respond(c->balancer, &totals, request, head,
                                     sc->response);
    sc->phase = STATS_WRITING;
    sc->deadline_ms = now_ms + STATS_SEND_MS;
    return client_write(c, sc, now_ms);
}

/* Reads what the client sent. Returns the bytes read, 0 at its end of
 * file, -2 when nothing is there yet, -1 on an error. */
static ssize_t client_read(struct stats_client *sc, char *buf, size_t size)
{
    for (;;) {
        ssize_t n = recv(sc->fd, buf, size, 0);

        if (n >= 0)
            return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -2;
        if (errno != EINTR)
            return -1;
    }
}

/* Reading the request: answers once its bytes tell what to answer, or
 * once the client's time is up. Returns -1 when the client is gone. */
static int client_on_request(const struct control *c, struct stats_client *sc,
                             uint64_t now_ms)
{
    size_t room = sizeof(sc->request) - sc->request_len;
    ssize_t n = room > 0 ? client_read(sc, sc->request + sc->request_len,
                                       room) : -2;
    enum stats_request request;
    bool head, complete;

    if (n == -1)
        return -1;
    if (n > 0)
        sc->request_len += (size_t)n;
    complete = n == 0 || sc->request_len == sizeof(sc->request) ||
               now_ms >= sc->deadline_ms;
    request = stats_parse_request(sc->request, sc->request_len, complete,
                                  &head);
    if (request == STATS_REQ_MORE)
        return 0;
    return client_answer(c, sc, request, head, now_ms);
}

/* Draining: reads and drops until the client's end of file. Returns -1
 * once it came (or on an error): then the client can be closed. */
static int client_drain(struct stats_client *sc)
{
    char sink[512];
    ssize_t n;

    while ((n = client_read(sc, sink, sizeof(sink))) > 0)
        continue;
    return n == -2 ? 0 : -1;
}

/* Moves one client on, after an event or at its deadline. */
static void client_step(struct control_loop *loop, struct stats_client *sc,
                        uint64_t now_ms)
{
    const struct control *c = loop->control;
    int rc = 0;

    if (sc->phase == STATS_READING)
        rc = client_on_request(c, sc, now_ms);
    else if (sc->phase == STATS_WRITING)
        rc = now_ms >= sc->deadline_ms ? -1 : client_write(c, sc, now_ms);
    else if (sc->phase == STATS_DRAINING)
        rc = now_ms >= sc->deadline_ms ? -1 : client_drain(sc);
    if (rc == -1)
        client_close(sc);
}

/* The busy client to give way to a newcomer: one already answered and
 * draining, else the one that came first. */
static struct stats_client *oldest_client(struct control_loop *loop)
{
    struct stats_client *pick = &loop->clients[0];

    for (size_t i = 1; i < STATS_MAX_CLIENTS; i++) {
        struct stats_client *sc = &loop->clients[i];
        bool draining = sc->phase == STATS_DRAINING;
        bool pick_draining = pick->phase == STATS_DRAINING;

        if ((draining && !pick_draining) ||
            (draining == pick_draining && sc->deadline_ms < pick->deadline_ms))
            pick = sc;
    }
    return pick;
}

/*
 * A free slot, made if need be: when every slot is busy, the oldest
 * client is finished at once, so that idle connections cannot keep the
 * port from answering. A silent one gets the table now, as at the end of
 * its wait, and is closed behind its answer; one that has not taken its
 * answer is closed.
 */
static struct stats_client *free_slot(struct control_loop *loop,
                                      uint64_t now_ms)
{
    struct stats_client *sc;

    for (size_t i = 0; i < STATS_MAX_CLIENTS; i++) {
        if (loop->clients[i].phase == STATS_FREE)
            return &loop->clients[i];
    }
    sc = oldest_client(loop);
    if (sc->phase == STATS_READING)
        client_step(loop, sc, sc->deadline_ms > now_ms ? sc->deadline_ms
                                                       : now_ms);
    if (sc->phase != STATS_FREE)
        client_close(sc);
    return sc;
}

/* Takes one waiting stats client into a slot. */
static void stats_accept(struct control_loop *loop, uint64_t now_ms)
{
    int fd = accept4(loop->control->stats_fd, NULL, NULL,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd != -1)
        *free_slot(loop, now_ms) = (struct stats_client){
            .fd = fd, .phase = STATS_READING,
            .deadline_ms = now_ms + STATS_WAIT_MS };
    else if (net_local_failure(errno))
        /* The client stays queued and the port readable: without a pause
         * the loop would spin until a descriptor is free. */
        loop->accept_paused_until_ms = now_ms + STATS_ACCEPT_PAUSE_MS;
}

void control_signals(sigset_t *set)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGUSR2,
                                   SIGALRM };

    for (size_t i = 0; i < COUNT_OF(signals); i++)
        sigaddset(set, signals[i]);
}

/* Reads one signal and acts on it; returns it when it ends the loop,
 * else 0. */
static int take_signal(const struct control *c)
{
    struct signalfd_siginfo info;
    int signo;

    if (read(c->signal_fd, &info, sizeof(info)) != sizeof(info))
        return 0;
    signo = (int)info.ssi_signo;
    if (signo == SIGINT || signo == SIGTERM)
        return signo;
    log_event(c->log, LOG_INFO, "signal", "sig=%s action=%s",
              sigabbrev_np(signo), signo == SIGUSR1 ? "stats"
              : signo == SIGHUP ? "reload" : "ignored");
    if (signo == SIGUSR1)
        stats_log(c->balancer, c->log);
    if (signo == SIGHUP) {
        struct reload_result result;

        /* Its outcome is logged (ev=reload); nobody waits for an answer. */
        reload_run(c->reload, RELOAD_SIGNAL, c->log, &result);
    }
    return 0;
}

/* Fills fds: [0] the stats port, [1] the signalfd, then one per busy
 * client (slot[k] says whose). Returns the count and sets *timeout to the
 * nearest deadline (-1: none). */
static nfds_t fill_pollfds(const struct control_loop *loop,
                           struct pollfd *fds, size_t *slot,
                           uint64_t now_ms, int *timeout)
{
    static const short wanted[] = {
        [STATS_READING] = POLLIN, [STATS_WRITING] = POLLOUT,
        [STATS_DRAINING] = POLLIN };
    nfds_t count = 2;

    *timeout = -1;
    for (size_t i = 0; i < STATS_MAX_CLIENTS; i++) {
        const struct stats_client *sc = &loop->clients[i];
        int left;

        if (sc->phase == STATS_FREE)
            continue;
        left = sc->deadline_ms > now_ms ? (int)(sc->deadline_ms - now_ms) : 0;
        if (*timeout < 0 || left < *timeout)
            *timeout = left;
        slot[count] = i;
        fds[count++] = (struct pollfd){ .fd = sc->fd,
                                        .events = wanted[sc->phase] };
    }
    if (now_ms < loop->accept_paused_until_ms) {
        int left = (int)(loop->accept_paused_until_ms - now_ms);

        if (*timeout < 0 || left < *timeout)
            *timeout = left;
    }
    if (loop->removals_pending && (*timeout < 0 || *timeout > RELOAD_POLL_MS))
        *timeout = RELOAD_POLL_MS;
    fds[0] = (struct pollfd){ .fd = now_ms < loop->accept_paused_until_ms
                                        ? -1 : loop->control->stats_fd,
                              .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = loop->control->signal_fd,
                              .events = POLLIN };
    return count;
}

/* Closes every stats client left. */
static void close_clients(struct control_loop *loop)
{
    for (size_t i = 0; i < STATS_MAX_CLIENTS; i++) {
        if (loop->clients[i].phase != STATS_FREE)
            client_close(&loop->clients[i]);
    }
}

int control_run(const struct control *c)
{
    struct control_loop loop = { .control = c };
    int signo = 0;

    for (size_t i = 0; i < STATS_MAX_CLIENTS; i++)
        loop.clients[i] = (struct stats_client){ .fd = -1 };
    while (signo == 0) {
        struct pollfd fds[2 + STATS_MAX_CLIENTS];
        size_t slot[2 + STATS_MAX_CLIENTS];
        int timeout;
        nfds_t count = fill_pollfds(&loop, fds, slot, clock_now_ms(),
                                    &timeout);
        uint64_t now_ms;

        if (poll(fds, count, timeout) == -1 && errno != EINTR) {
            close_clients(&loop);
            return -1;
        }
        now_ms = clock_now_ms();
        for (nfds_t k = 2; k < count; k++) {
            struct stats_client *sc = &loop.clients[slot[k]];

            if (fds[k].revents != 0 || now_ms >= sc->deadline_ms)
                client_step(&loop, sc, now_ms);
        }
        if (fds[0].revents & POLLIN)
            stats_accept(&loop, now_ms);
        if (fds[1].revents & POLLIN)
            signo = take_signal(c);
        loop.removals_pending = c->reload != NULL &&
                                reload_poll(c->reload, c->log);
    }
    close_clients(&loop);
    return signo;
}

