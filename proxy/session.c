/*
 * session: the life of one relayed connection. See session.h.
 *
 * Every socket is added to the worker's epoll set once, edge-triggered,
 * for reading and writing (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET), and
 * stays there until it is closed. Epoll then reports changes, not states,
 * so the session keeps the state itself: each relay's status says which
 * edge it waits for (readable source, or writable destination), and an
 * event that no relay waits for is ignored. A relay only waits after the
 * socket said EAGAIN or after a short read, so the edge it waits for is
 * sure to come. Two cases need more:
 *
 *  - a FIN that arrives together with the last bytes brings no edge of its
 *    own: EPOLLRDHUP tells the relay its source is closed, and it reads on
 *    to the end of file;
 *  - a relay that stopped at its read limit (RELAY_MORE) may leave bytes
 *    that no new edge will announce: EPOLL_CTL_MOD makes epoll report the
 *    socket again while it is still readable.
 *
 * The registration itself only changes where events would otherwise wake
 * the loop for nothing, as under back-pressure (see fit_interest). A
 * connection-per-request session thus costs two epoll_ctl calls (the two
 * adds), and only bulk transfers pay for more.
 */
#include "session.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "acceptor.h"
#include "clock.h"
#include "logfmt.h"
#include "relay.h"

/* Reads per wakeup and direction, so no session starves the others. */
#define SESSION_MAX_READS 4

/* Reads a broken session may still make to hand on the broken side's last
 * bytes before the reset (64 KiB each): bounded, and in practice stopped
 * sooner by the end of those bytes or by a full destination. */
#define SESSION_DRAIN_READS 64

/* The sides session_close resets (SO_LINGER 0) rather than closes. */
#define SESSION_RST_CLIENT 1u
#define SESSION_RST_BACKEND 2u
#define SESSION_RST_BOTH (SESSION_RST_CLIENT | SESSION_RST_BACKEND)

/* One socket of a session; its address is the epoll data. */
struct session_end {
    struct session *session;
    int fd;
    uint32_t events;            /* registered with epoll */
};

/* What every socket is first registered for; fit_interest takes EPOLLIN
 * or EPOLLOUT off where they would only wake the loop for nothing. */
#define SESSION_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

enum session_state {
    SESSION_CONNECTING,
    SESSION_RELAYING,
    SESSION_CLOSED,
    SESSION_QUEUED              /* waiting in the balancer's queue */
};

static const char *const state_names[] = { "connecting", "relaying",
                                           "closed", "queued" };

/* Fields ordered so that no padding is left: one is allocated per
 * connection, and its size is most of the proxy's memory per idle one. */
struct session {
    uint64_t id;
    enum session_state state;
    int attempts;
    struct session_end client;
    struct session_end backend;
    struct relay c2b;           /* client to backend */
    struct relay b2c;           /* backend to client */
    enum relay_status c2b_status;
    enum relay_status b2c_status;
    int backend_index;          /* -1: no backend held */
    uint8_t rst;                /* SESSION_RST_*: how session_close ends */
    bool backend_ended_silent;  /* the backend's FIN or error came before
                                 * any byte from it, while the client's
                                 * stream was still open */
    uint64_t tried;             /* backends that failed for this session */
    uint64_t started_ns;
    uint64_t deadline_ms;       /* of the list it is on */
    struct session_list *list;
    struct session *prev;
    struct session *next;
    struct balancer_waiter *waiter;     /* while queued (or served and on
                                         * its way through the mailbox) */
};
/* On 64-bit Linux: 232 bytes, a 240-byte malloc chunk. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct session) <= 232,
               "struct session grew: check the memory per idle connection");

/* --- timer lists ------------------------------------------------------ */

static void list_remove(struct session *s)
{
    struct session_list *list = s->list;

    if (list == NULL)
        return;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        list->head = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    else
        list->tail = s->prev;
    s->prev = s->next = NULL;
    s->list = NULL;
}

/* Every list has one timeout, so appending keeps it in deadline order. */
static void list_append(struct session_list *list, struct session *s,
                        uint64_t deadline_ms)
{
    list_remove(s);
    s->deadline_ms = deadline_ms;
    s->list = list;
    s->prev = list->tail;
    s->next = NULL;
    if (list->tail != NULL)
        list->tail->next = s;
    else
        list->head = s;
    list->tail = s;
}

/* --- epoll interest ---------------------------------------------------- */

/* Adds end to the epoll set for good. If the socket is ready already,
 * epoll reports it at once. */
static int watch(struct worker_ctx *ctx, struct session_end *end)
{
    struct epoll_event ev = { .events = SESSION_EVENTS, .data.ptr = end };

    end->events = SESSION_EVENTS;
    return epoll_ctl(ctx->epoll_fd, EPOLL_CTL_ADD, end->fd, &ev);
}

/*
 * Fits end's registration to the relay that reads from it (reader) and the
 * one that writes to it (writer), given what epoll just reported for it
 * (seen; 0 when the event was for the other socket). The exact interest is
 * EPOLLIN unless the reader waits for its destination, and EPOLLOUT only
 * while the writer waits. epoll_ctl is only called when that matters:
 *
 *  - an interest is missing, or EPOLLIN is there but unwanted (every
 *    arriving segment would wake the loop for nothing);
 *  - the reader stopped at its read limit (RELAY_MORE): the call makes
 *    epoll report the socket again if it is still readable;
 *  - a writable edge came that nobody waited for: a socket the proxy
 *    writes much to announces every ACK that frees room (not once its
 *    writing is over: the edges that follow our FIN do not repeat).
 *
 * An unwanted EPOLLOUT is otherwise left in place: it costs nothing until
 * such an edge comes, and removing it up front would cost a call on every
 * connection.
 */
static int fit_interest(struct worker_ctx *ctx, struct session_end *end,
                        enum relay_status reader, enum relay_status writer,
                        uint32_t seen)
{
    uint32_t want = EPOLLRDHUP | EPOLLET;
    struct epoll_event ev;
    bool idle_out = (seen & (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLERR |
                             EPOLLHUP)) == EPOLLOUT &&
                    writer != RELAY_WANT_WRITE && writer != RELAY_DONE;
    bool missing, unwanted_in;

    if (reader != RELAY_WANT_WRITE)
        want |= EPOLLIN;
    if (writer == RELAY_WANT_WRITE)
        want |= EPOLLOUT;
    missing = (want & ~end->events) != 0;
    unwanted_in = (end->events & EPOLLIN) && !(want & EPOLLIN);
    if (!missing && !unwanted_in && reader != RELAY_MORE && !idle_out)
        return 0;
    ev = (struct epoll_event){ .events = want, .data.ptr = end };
    if (epoll_ctl(ctx->epoll_fd, EPOLL_CTL_MOD, end->fd, &ev) == -1)
        return -1;
    end->events = want;
    return 0;
}

/* Closing a descriptor also removes it from the epoll set (the proxy never
 * duplicates one), so no EPOLL_CTL_DEL is spent on it. With reset, the
 * peer gets an RST instead of a FIN (bytes not yet sent are dropped). */
static void drop_end(struct session_end *end, bool reset)
{
    if (end->fd == -1)
        return;
    if (reset)
        net_close_reset(end->fd);
    else
        close(end->fd);
    end->fd = -1;
}

/* --- logging ----------------------------------------------------------- */

static const char *backend_name(const struct worker_ctx *ctx, int index)
{
    return balancer_spec(ctx->shared->balancer, (size_t)index)->name;
}

static double elapsed_ms(const struct session *s)
{
    return (double)(clock_now_ns() - s->started_ns) / 1e6;
}

/* Logs an up/down change caused by this session's connect failure. */
static void log_state_change(struct worker_ctx *ctx, int index,
                             const struct balancer_change *change)
{
    if (change->went_down)
        log_event(ctx->log, LOG_WARN, "backend_down",
                  "be=%s seq=%llu reason=connect_failed",
                  backend_name(ctx, index),
                  (unsigned long long)change->state_seq);
}

/* --- closing ----------------------------------------------------------- */

/* A client of this worker is gone (its session ended, or never began):
 * it leaves the worker's load and the proxy's live sessions. */
static void count_out(struct worker_ctx *ctx)
{
    atomic_fetch_sub(&ctx->load, 1);
    atomic_fetch_sub(&ctx->shared->live_sessions, 1);
}

/*
 * Whether the backend ended the session without a byte although the
 * client had sent some: it took a request and gave nothing back, which is
 * what a backend that accepts and closes at once does. The client's bytes
 * may be read after the backend's end (both race to the proxy), so they
 * are counted at the close. Not blamed: a backend that closes on a client
 * that sent nothing (it may be timing out an idle client), or one that
 * closes after the client's FIN (a protocol may need no answer).
 */
static bool backend_closed_early(const struct session *s)
{
    return s->backend_ended_silent && s->c2b.bytes_read > 0;
}

/*
 * How the session's end counts for its backend: a close before the
 * backend's first byte is its failure (an early close when the client had
 * sent bytes, a silent one when not), and so is a reset by the backend.
 * Only the early close has a line of its own (backend_early_close).
 */
static enum balancer_release_kind release_kind(const struct session *s,
                                               const char *reason)
{
    if (backend_closed_early(s))
        return BALANCER_RELEASE_EARLY_CLOSE;
    if (s->backend_ended_silent)
        return BALANCER_RELEASE_SILENT_CLOSE;
    if (strcmp(reason, "backend_reset") == 0)
        return BALANCER_RELEASE_BACKEND_RESET;
    return BALANCER_RELEASE_OK;
}

/* Releases the backend, counting a failure as release_kind says, and logs
 * the close line (after the early close's own line), then what the
 * release changed in the balancer (a drain, an ejection...). */
static void release_and_log(struct worker_ctx *ctx, struct session *s,
                            const char *reason)
{
    static const char *const rst_names[] = { "none", "client", "backend",
                                             "both" };
    bool early = backend_closed_early(s);
    struct balancer_change change;
    struct balancer_events events;
    const char *be = backend_name(ctx, s->backend_index);

    balancer_release_ev(ctx->shared->balancer, (size_t)s->backend_index,
                        release_kind(s, reason), &change, &events);
    if (early)
        log_event(ctx->log, LOG_WARN, "backend_early_close",
                  "sid=%llu be=%s failures=%llu client_bytes=%llu",
                  (unsigned long long)s->id, be,
                  (unsigned long long)change.failures,
                  (unsigned long long)s->c2b.bytes_read);
    log_event(ctx->log, LOG_INFO, "close",
              "sid=%llu be=%s seq=%llu active=%d bytes_c2b=%llu "
              "bytes_b2c=%llu ms=%.3f reason=%s rst=%s",
              (unsigned long long)s->id, be, (unsigned long long)change.seq,
              change.active, (unsigned long long)s->c2b.bytes,
              (unsigned long long)s->b2c.bytes, elapsed_ms(s), reason,
              rst_names[s->rst]);
    balancer_log_events(ctx->shared->balancer, ctx->log, &events, NULL);
}

static void take_served(struct worker_ctx *ctx, struct session *s,
                        struct balancer_waiter *w);

/*
 * Takes a queued session out of the balancer's queue. Returns true when
 * it left it (*seq and *depth say when, and the queue's depth after);
 * false when a release had served it meanwhile: the session then holds
 * that pick (logged here), and the waiter, on its way to the mailbox, is
 * left for session_waiter_ready to free.
 */
static bool leave_queue(struct worker_ctx *ctx, struct session *s,
                        uint64_t *seq, size_t *depth)
{
    struct balancer_waiter *w = s->waiter;

    list_remove(s);
    s->waiter = NULL;
    if (balancer_cancel_wait(ctx->shared->balancer, w, seq, depth) == 1) {
        free(w);
        return true;
    }
    w->session = NULL;
    take_served(ctx, s, w);
    return false;
}

/* Ends the session: sockets closed (or reset, as s->rst says), backend
 * released once, line logged. The memory is freed later by session_reap(). */
static void session_close(struct worker_ctx *ctx, struct session *s,
                          const char *reason)
{
    uint64_t seq;
    size_t depth;

    /* Still queued (the proxy stops: the other ways out of the queue log
     * their own line first): it leaves the queue, logged, for leaving
     * takes a decision number; or it holds the pick that served it
     * meanwhile (released below). */
    if (s->waiter != NULL) {
        uint64_t waited = ctx->now_ms - s->waiter->queued_ms;

        if (leave_queue(ctx, s, &seq, &depth))
            log_event(ctx->log, LOG_INFO, "queue_abandoned", "sid=%llu "
                      "seq=%llu ms=%llu depth=%zu", (unsigned long long)s->id,
                      (unsigned long long)seq, (unsigned long long)waited,
                      depth);
    }
    if (s->state == SESSION_CLOSED)
        return;
    drop_end(&s->client, s->rst & SESSION_RST_CLIENT);
    drop_end(&s->backend, s->rst & SESSION_RST_BACKEND);
    if (s->backend_index >= 0)
        release_and_log(ctx, s, reason);
    else
        log_event(ctx->log, LOG_INFO, "close",
                  "sid=%llu be=- bytes_c2b=0 bytes_b2c=0 ms=%.3f reason=%s "
                  "rst=none", (unsigned long long)s->id, elapsed_ms(s), reason);
    ctx->splicing -= (size_t)relay_splicing(&s->c2b) +
                     (size_t)relay_splicing(&s->b2c);
    relay_free(&s->c2b);
    relay_free(&s->b2c);
    s->state = SESSION_CLOSED;
    list_append(&ctx->closed, s, 0);
    ctx->sessions--;
    count_out(ctx);
}

void session_reap(struct worker_ctx *ctx)
{
    while (ctx->closed.head != NULL) {
        struct session *s = ctx->closed.head;

        list_remove(s);
        free(s);
    }
}

void session_close_all(struct worker_ctx *ctx, const char *reason)
{
    while (ctx->queued.head != NULL)
        session_close(ctx, ctx->queued.head, reason);
    while (ctx->connecting.head != NULL)
        session_close(ctx, ctx->connecting.head, reason);
    while (ctx->relaying.head != NULL)
        session_close(ctx, ctx->relaying.head, reason);
    session_reap(ctx);
}

/* --- choosing and connecting ------------------------------------------- */

/* Logs a pick with the counts it was made from; queued_ms >= 0 for a
 * session that waited in the queue. */
static void log_pick(struct worker_ctx *ctx, const struct session *s,
                     int index, const struct balancer_view *view,
                     long long queued_ms)
{
    char cand[LOG_LINE_MAX / 2], waited[32] = "", p2c[80];

    if (!log_enabled(ctx->log, LOG_INFO))
        return;
    if (queued_ms >= 0)
        snprintf(waited, sizeof(waited), " queued_ms=%lld", queued_ms);
    log_event(ctx->log, LOG_INFO, "pick", "sid=%llu seq=%llu be=%s "
              "cand=\"%s\"%s%s", (unsigned long long)s->id,
              (unsigned long long)view->seq, backend_name(ctx, index),
              balancer_view_format(ctx->shared->balancer, view, cand,
                                   sizeof(cand)), waited,
              balancer_p2c_format(ctx->shared->balancer, view, p2c,
                                  sizeof(p2c)));
}

/* The waiter a pick may queue, when there is a queue (NULL otherwise, or
 * without memory: the session is then refused as without a queue). One
 * is kept ready per worker, and taken by the session that queues. */
static struct balancer_waiter *spare_waiter(struct worker_ctx *ctx,
                                            const struct session *s)
{
    struct balancer_waiter *w = ctx->spare_waiter;

    if (ctx->shared->config->tuning.queue_max == 0)
        return NULL;
    if (w == NULL) {
        w = malloc(sizeof(*w));
        if (w == NULL)
            return NULL;
        ctx->spare_waiter = w;
    }
    memset(w, 0, offsetof(struct balancer_waiter, view));
    w->sid = s->id;
    w->ready = ctx->waiter_ready;
    w->owner = ctx->waiter_owner;
    return w;
}

/* Registers the client for its end only (a reset or FIN): a client that
 * goes away while its session waits leaves the queue. Its bytes wait in
 * the socket; watch_client asks for them once connected. */
static int watch_client_end(struct worker_ctx *ctx, struct session *s)
{
    struct epoll_event ev = { .events = EPOLLRDHUP | EPOLLET,
                              .data.ptr = &s->client };

    if (s->client.events != 0)
        return 0;
    s->client.events = ev.events;
    return epoll_ctl(ctx->epoll_fd, EPOLL_CTL_ADD, s->client.fd, &ev);
}

/* The session waits in the queue: the waiter is its own now. */
static void queue_session(struct worker_ctx *ctx, struct session *s,
                          const struct balancer_view *view)
{
    struct balancer_waiter *w = ctx->spare_waiter;

    ctx->spare_waiter = NULL;
    w->session = s;
    w->queued_ms = ctx->now_ms;
    s->waiter = w;
    s->state = SESSION_QUEUED;
    log_event(ctx->log, LOG_INFO, "queued", "sid=%llu seq=%llu depth=%zu",
              (unsigned long long)s->id, (unsigned long long)view->seq,
              view->queue_depth);
    list_append(&ctx->queued, s, ctx->now_ms +
                (uint64_t)ctx->shared->config->tuning.queue_timeout_ms);
    if (watch_client_end(ctx, s) == -1)
        session_close(ctx, s, "error");
}

/*
 * Picks a backend and logs the decision with the counts it was made from.
 * Returns its index, BALANCER_QUEUED when the session now waits in the
 * queue (it is then no longer the caller's to drive), or -1.
 */
static int pick_backend(struct worker_ctx *ctx, struct session *s)
{
    struct balancer_view view;
    struct balancer_events events;
    char cand[LOG_LINE_MAX / 2];
    struct balancer *balancer = ctx->shared->balancer;
    int index = balancer_pick_or_queue(balancer, s->tried, &view,
                                       spare_waiter(ctx, s), &events);

    balancer_log_events(balancer, ctx->log, &events, NULL);
    if (index >= 0) {
        log_pick(ctx, s, index, &view, -1);
    } else if (index == BALANCER_QUEUED) {
        queue_session(ctx, s, &view);
    } else {
        if (view.refused >= 0)
            log_event(ctx->log, LOG_ERROR, "pick_refused", "sid=%llu seq=%llu "
                      "chosen=%s cand=\"%s\"", (unsigned long long)s->id,
                      (unsigned long long)view.seq,
                      (size_t)view.refused < view.count
                          ? backend_name(ctx, view.refused) : "(none)",
                      balancer_view_format(balancer, &view, cand,
                                           sizeof(cand)));
        if (view.queue_full)
            log_event(ctx->log, LOG_WARN, "queue_full", "sid=%llu seq=%llu "
                      "depth=%zu", (unsigned long long)s->id,
                      (unsigned long long)view.seq, view.queue_depth);
        log_event(ctx->log, LOG_WARN, "no_backend", "sid=%llu seq=%llu "
                  "cand=\"%s\"", (unsigned long long)s->id,
                  (unsigned long long)view.seq,
                  balancer_view_format(balancer, &view, cand, sizeof(cand)));
    }
    return index;
}

/* The connect to the held backend failed with err: release it as failed,
 * and remember not to try it again for this session. */
static void connect_failed(struct worker_ctx *ctx, struct session *s, int err)
{
    struct balancer_change change;
    struct balancer_events events;
    int index = s->backend_index;

    drop_end(&s->backend, false);
    balancer_release_ev(ctx->shared->balancer, (size_t)index,
                        BALANCER_RELEASE_CONNECT_FAILED, &change, &events);
    s->backend_index = -1;
    s->tried |= (uint64_t)1 << index;
    log_event(ctx->log, LOG_WARN, "connect_fail",
              "sid=%llu be=%s seq=%llu active=%d err=%s attempt=%d",
              (unsigned long long)s->id, backend_name(ctx, index),
              (unsigned long long)change.seq, change.active,
              log_errno_name(err),
              s->attempts);
    log_state_change(ctx, index, &change);
    /* What the failure set off (an ejection, a drained backend) takes
     * decision numbers of its own: logged, or the replay finds holes. */
    balancer_log_events(ctx->shared->balancer, ctx->log, &events, NULL);
}

/* Starts a non-blocking connect to the backend just picked. Returns 0 when
 * it is under way, else -1 with errno. */
static int start_connect(struct worker_ctx *ctx, struct session *s)
{
    const struct balancer_backend_spec *spec =
        balancer_spec(ctx->shared->balancer, (size_t)s->backend_index);
    int fd = net_connect(&spec->addr);

    /* Out of descriptors: the one kept for this is spent (acceptor.h),
     * and taken again before the next client. */
    if (fd == -1 && (errno == EMFILE || errno == ENFILE) &&
        acceptor_spend_reserve(ctx->shared) == 0)
        fd = net_connect(&spec->addr);
    if (fd == -1)
        return -1;
    s->backend.fd = fd;
    /* Writable means connected; an error or hang-up means it failed. */
    if (watch(ctx, &s->backend) == -1)
        return -1;
    s->state = SESSION_CONNECTING;
    list_append(&ctx->connecting, s,
                ctx->now_ms + (uint64_t)ctx->shared->config->connect_timeout_ms);
    return 0;
}

/* Starts connecting to the backend the session holds. Returns true when
 * that is under way or the session was closed, false when the backend
 * failed (released, and marked tried): another must be picked. */
static bool connect_picked(struct worker_ctx *ctx, struct session *s)
{
    int err;

    s->attempts++;
    if (start_connect(ctx, s) == 0)
        return true;
    err = errno;
    if (net_local_failure(err)) {
        log_event(ctx->log, LOG_ERROR, "connect_fail",
                  "sid=%llu be=%s err=%s attempt=%d local=1",
                  (unsigned long long)s->id,
                  backend_name(ctx, s->backend_index),
                  strerrorname_np(err), s->attempts);
        session_close(ctx, s, "no_resources");
        return true;
    }
    connect_failed(ctx, s, err);
    return false;
}

/* Picks backends until a connect is under way, or the session waits in
 * the queue, or closes the session when none is left. Every failed backend
 * is skipped for the rest of this session, so the loop ends after at most
 * one attempt per backend. */
static void connect_backend(struct worker_ctx *ctx, struct session *s)
{
    for (;;) {
        int index;

        if (s->attempts > 0)
            log_event(ctx->log, LOG_INFO, "retry", "sid=%llu attempt=%d",
                      (unsigned long long)s->id, s->attempts + 1);
        index = pick_backend(ctx, s);
        if (index == BALANCER_QUEUED)
            return;
        s->backend_index = index;
        if (s->backend_index < 0) {
            session_close(ctx, s, "no_backend");
            return;
        }
        if (connect_picked(ctx, s))
            return;
    }
}

/* A queued session was served: it holds the pick the release made for
 * it, logged with how long it waited. */
static void take_served(struct worker_ctx *ctx, struct session *s,
                        struct balancer_waiter *w)
{
    uint64_t waited = ctx->now_ms > w->queued_ms ? ctx->now_ms - w->queued_ms
                                                 : 0;

    s->backend_index = w->index;
    s->state = SESSION_CONNECTING;
    log_pick(ctx, s, w->index, &w->view, (long long)waited);
}

void session_waiter_ready(struct worker_ctx *ctx, struct balancer_waiter *w)
{
    struct session *s = w->session;

    if (s != NULL) {
        s->waiter = NULL;
        list_remove(s);
        take_served(ctx, s, w);
    }
    free(w);
    if (s != NULL && !connect_picked(ctx, s))
        connect_backend(ctx, s);
}

void session_start(struct worker_ctx *ctx, int client_fd, uint64_t sid,
                   const struct net_addr *client_addr)
{
    char addr[NET_ADDR_STRLEN];
    struct session *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        log_event(ctx->log, LOG_ERROR, "accept_fail", "sid=%llu err=ENOMEM",
                  (unsigned long long)sid);
        close(client_fd);
        count_out(ctx);
        return;
    }
    ctx->sessions++;
    s->id = sid;
    s->started_ns = clock_now_ns();
    s->client = (struct session_end){ .session = s, .fd = client_fd };
    s->backend = (struct session_end){ .session = s, .fd = -1 };
    s->backend_index = -1;
    relay_init(&s->c2b);
    relay_init(&s->b2c);
    log_event(ctx->log, LOG_INFO, "accept", "sid=%llu client=%s",
              (unsigned long long)sid,
              net_addr_format(client_addr, addr, sizeof(addr)));
    connect_backend(ctx, s);
}

/* --- events ------------------------------------------------------------ */

/* Logs the connect, with the proxy's own address on the backend side:
 * the backend sees it as its peer, which ties its log to this session. */
static void log_connected(struct worker_ctx *ctx, const struct session *s)
{
    struct net_addr local;
    char addr[NET_ADDR_STRLEN] = "-";

    if (net_local_addr(s->backend.fd, &local) == 0)
        net_addr_format(&local, addr, sizeof(addr));
    log_event(ctx->log, LOG_INFO, "connected", "sid=%llu be=%s local=%s "
              "ms=%.3f", (unsigned long long)s->id,
              backend_name(ctx, s->backend_index), addr, elapsed_ms(s));
}

static void on_relay_event(struct worker_ctx *ctx, struct session *s,
                           bool is_client, uint32_t events);

/* Adds the client to the epoll set for relaying. A client registered for
 * its end only while queued is modified instead, which also reports what
 * it sent meanwhile (a modification checks the socket's readiness again). */
static int watch_client(struct worker_ctx *ctx, struct session *s)
{
    struct epoll_event ev = { .events = SESSION_EVENTS,
                              .data.ptr = &s->client };

    if (s->client.events == 0)
        return watch(ctx, &s->client);
    if (epoll_ctl(ctx->epoll_fd, EPOLL_CTL_MOD, s->client.fd, &ev) == -1)
        return -1;
    s->client.events = SESSION_EVENTS;
    return 0;
}

/* The connect finished one way or the other. */
static void on_connect_result(struct worker_ctx *ctx, struct session *s,
                              uint32_t events)
{
    /* Writable without an error flag means connected: only a failure
     * needs the SO_ERROR system call to learn why. */
    int err = events & (EPOLLERR | EPOLLHUP) ? net_connect_result(s->backend.fd)
                                             : 0;

    if (err != 0) {
        connect_failed(ctx, s, err);
        connect_backend(ctx, s);
        return;
    }
    s->state = SESSION_RELAYING;
    /* The client socket inherited TCP_NODELAY from the listener. */
    net_set_nodelay(s->backend.fd);
    if (log_enabled(ctx->log, LOG_INFO))
        log_connected(ctx, s);
    s->c2b_status = RELAY_WANT_READ;
    s->b2c_status = RELAY_WANT_READ;
    /* What the client sent meanwhile is reported as soon as it is added. */
    if (watch_client(ctx, s) == -1) {
        session_close(ctx, s, "error");
        return;
    }
    list_append(&ctx->relaying, s, ctx->shared->config->idle_timeout_ms > 0
                ? ctx->now_ms + (uint64_t)ctx->shared->config->idle_timeout_ms
                : UINT64_MAX);
    /* A backend that speaks first may have sent bytes already: this edge
     * was their only announcement. */
    if (events & EPOLLIN)
        on_relay_event(ctx, s, false, events);
}

/* Why a relay stopped, in the words of the close event. */
static const char *failure_reason(enum relay_status status, bool c2b, int err)
{
    /* c2b: the source is the client; b2c: the source is the backend. */
    bool client_side = (status == RELAY_SOURCE_ERROR) == c2b;

    if (status == RELAY_NO_MEMORY)
        return "no_memory";
    if (err == ECONNRESET || err == EPIPE)
        return client_side ? "client_reset" : "backend_reset";
    return client_side ? "client_error" : "backend_error";
}

static bool relay_failed(enum relay_status status)
{
    return status == RELAY_SOURCE_ERROR || status == RELAY_DEST_ERROR ||
           status == RELAY_NO_MEMORY;
}

/* The backend's end (its FIN, or an error on its socket) just came. */
static void note_backend_end(struct session *s)
{
    if (s->b2c.bytes_read == 0 && !s->c2b.done)
        s->backend_ended_silent = true;
}

/*
 * A relay failed with status (errno err). A broken socket ends that side's
 * stream abnormally, and the other side must learn it the same way, not
 * from a FIN that would make a cut stream look whole: what the broken side
 * sent before it broke and the other side can take now goes out, without
 * waiting, then the other side is reset. When the proxy itself lost bytes
 * (no memory), both sides are reset.
 */
static void session_fail(struct worker_ctx *ctx, struct session *s,
                         enum relay_status status, bool c2b, int err)
{
    const char *reason = failure_reason(status, c2b, err);
    bool client_broke = (status == RELAY_SOURCE_ERROR) == c2b;

    if (status == RELAY_NO_MEMORY) {
        s->rst = SESSION_RST_BOTH;
        session_close(ctx, s, reason);
        return;
    }
    /* A relay that failed reading has handed on all it read; one that
     * failed writing leaves the other relay, which reads the broken side,
     * with bytes to hand on. */
    if (status == RELAY_DEST_ERROR) {
        struct relay *other = c2b ? &s->b2c : &s->c2b;
        bool had_pipe = relay_splicing(other);

        relay_drain(other, c2b ? s->backend.fd : s->client.fd,
                    c2b ? s->client.fd : s->backend.fd, ctx->scratch,
                    ctx->scratch_size, SESSION_DRAIN_READS);
        ctx->splicing += !had_pipe && relay_splicing(other);
    }
    if (!client_broke)
        note_backend_end(s);
    s->rst = client_broke ? SESSION_RST_BACKEND : SESSION_RST_CLIENT;
    session_close(ctx, s, reason);
}

/* Runs one direction; returns false when the session was closed. */
static bool run_relay(struct worker_ctx *ctx, struct session *s, bool c2b)
{
    struct relay *relay = c2b ? &s->c2b : &s->b2c;
    enum relay_status *status = c2b ? &s->c2b_status : &s->b2c_status;
    int src = c2b ? s->client.fd : s->backend.fd;
    int dst = c2b ? s->backend.fd : s->client.fd;
    uint64_t had = relay->bytes_read;
    bool had_pipe = relay_splicing(relay);

    if (relay->done)
        return true;
    /* When the other direction is finished too, the session closes next,
     * and close() sends the FIN: no shutdown() needed. */
    relay->close_follows = (c2b ? s->b2c.done : s->c2b.done);
    *status = relay_pump(relay, src, dst, ctx->scratch, ctx->scratch_size,
                         SESSION_MAX_READS);
    ctx->splicing += !had_pipe && relay_splicing(relay);
    if (relay_failed(*status)) {
        session_fail(ctx, s, *status, c2b, errno);
        return false;
    }
    if (*status == RELAY_DONE && !c2b)
        note_backend_end(s);
    /* The backend's first byte: it works (ends its failure streak). */
    if (!c2b && had == 0 && relay->bytes_read > 0)
        balancer_first_byte(ctx->shared->balancer, (size_t)s->backend_index);
    return true;
}

/* Whether a relay in this status runs on this edge: one waiting to read
 * runs when its source turns readable, one waiting to write when its
 * destination turns writable, and one that stopped at its read limit on
 * any edge of its source. An error or hang-up runs it whatever it waits
 * for, so that it meets the error. */
static bool relay_wants(enum relay_status status, bool on_source,
                        uint32_t events)
{
    if (events & (EPOLLERR | EPOLLHUP))
        return true;
    if (status == RELAY_MORE)
        return on_source;       /* asked to be run again */
    if (status == RELAY_WANT_WRITE)
        return !on_source && (events & EPOLLOUT);
    return on_source && (events & (EPOLLIN | EPOLLRDHUP));
}

/*
 * The client of a queued session reported its end. A reset or hang-up, or
 * a FIN with nothing sent before it, means it is gone: the session leaves
 * the queue. A client that sent bytes and then its FIN may still want the
 * answer (a half-close), so it waits on.
 */
static void on_queued_event(struct worker_ctx *ctx, struct session *s,
                            uint32_t events)
{
    int pending = 0;
    uint64_t seq;
    size_t depth;
    uint64_t waited = ctx->now_ms - s->waiter->queued_ms;

    if (!(events & (EPOLLERR | EPOLLHUP)) &&
        (!(events & EPOLLRDHUP) ||
         (ioctl(s->client.fd, FIONREAD, &pending) == 0 && pending > 0)))
        return;
    if (leave_queue(ctx, s, &seq, &depth))
        log_event(ctx->log, LOG_INFO, "queue_abandoned", "sid=%llu seq=%llu "
                  "ms=%llu depth=%zu", (unsigned long long)s->id,
                  (unsigned long long)seq, (unsigned long long)waited, depth);
    session_close(ctx, s, "client_closed");
}

static void on_relay_event(struct worker_ctx *ctx, struct session *s,
                           bool is_client, uint32_t events)
{
    /* The peer's FIN: it may have come with the last bytes, in the same
     * edge, so the relay reading this socket must read on to the 0. */
    if (events & EPOLLRDHUP)
        (is_client ? &s->c2b : &s->b2c)->source_closed = true;
    /* c2b reads the client and writes the backend; b2c the reverse. */
    if (relay_wants(s->c2b_status, is_client, events) &&
        !run_relay(ctx, s, true))
        return;
    if (relay_wants(s->b2c_status, !is_client, events) &&
        !run_relay(ctx, s, false))
        return;
    if (s->c2b.done && s->b2c.done) {
        session_close(ctx, s, "done");
        return;
    }
    if (fit_interest(ctx, &s->client, s->c2b_status, s->b2c_status,
                     is_client ? events : 0) == -1 ||
        fit_interest(ctx, &s->backend, s->b2c_status, s->c2b_status,
                     is_client ? 0 : events) == -1) {
        /* Bytes may be stuck in the proxy: neither side may see a FIN. */
        s->rst = SESSION_RST_BOTH;
        session_close(ctx, s, "error");
        return;
    }
    if (s->state == SESSION_RELAYING && ctx->shared->config->idle_timeout_ms > 0)
        list_append(&ctx->relaying, s,
                    ctx->now_ms + (uint64_t)ctx->shared->config->idle_timeout_ms);
}

void session_handle_event(struct worker_ctx *ctx, void *endpoint,
                          uint32_t events)
{
    struct session_end *end = endpoint;
    struct session *s = end->session;

    if (s->state == SESSION_CLOSED)
        return;     /* closed earlier in this batch */
    if (s->state == SESSION_QUEUED) {
        if (end == &s->client)
            on_queued_event(ctx, s, events);
        return;
    }
    if (s->state == SESSION_CONNECTING) {
        if (end == &s->backend)
            on_connect_result(ctx, s, events);
        return;
    }
    on_relay_event(ctx, s, end == &s->client, events);
}

/* --- timers ------------------------------------------------------------ */

int session_next_timeout(const struct worker_ctx *ctx)
{
    uint64_t next = UINT64_MAX;

    if (ctx->connecting.head != NULL)
        next = ctx->connecting.head->deadline_ms;
    if (ctx->relaying.head != NULL && ctx->relaying.head->deadline_ms < next)
        next = ctx->relaying.head->deadline_ms;
    if (next == UINT64_MAX)
        return -1;
    if (next <= ctx->now_ms)
        return 0;
    return next - ctx->now_ms > 60000 ? 60000 : (int)(next - ctx->now_ms);
}

int session_queue_timeout(const struct worker_ctx *ctx)
{
    uint64_t next;

    if (ctx->queued.head == NULL)
        return -1;
    next = ctx->queued.head->deadline_ms;
    if (next <= ctx->now_ms)
        return 0;
    return next - ctx->now_ms > 60000 ? 60000 : (int)(next - ctx->now_ms);
}

void session_expire(struct worker_ctx *ctx)
{
    struct session *s;

    while ((s = ctx->connecting.head) != NULL &&
           s->deadline_ms <= ctx->now_ms) {
        connect_failed(ctx, s, ETIMEDOUT);
        connect_backend(ctx, s);
    }
    while ((s = ctx->relaying.head) != NULL && s->deadline_ms <= ctx->now_ms)
        session_close(ctx, s, "idle_timeout");
    while ((s = ctx->queued.head) != NULL && s->deadline_ms <= ctx->now_ms) {
        uint64_t waited = ctx->now_ms - s->waiter->queued_ms, seq;
        size_t depth;

        if (leave_queue(ctx, s, &seq, &depth)) {
            log_event(ctx->log, LOG_WARN, "queue_timeout", "sid=%llu "
                      "seq=%llu ms=%llu depth=%zu", (unsigned long long)s->id,
                      (unsigned long long)seq, (unsigned long long)waited,
                      depth);
            session_close(ctx, s, "queue_timeout");
        } else if (!connect_picked(ctx, s)) {
            /* Served just in time: it goes on with that pick. */
            connect_backend(ctx, s);
        }
    }
}

/* One row per session of a list, up to max in all. */
static size_t list_rows(const struct session_list *list, uint64_t now_ns,
                        struct session_row *rows, size_t used, size_t max)
{
    for (const struct session *s = list->head; s != NULL && used < max;
         s = s->next) {
        rows[used++] = (struct session_row){
            .sid = s->id, .backend = s->backend_index,
            .state = state_names[s->state],
            .age_ms = (now_ns - s->started_ns) / 1000000,
            .bytes_c2b = s->c2b.bytes, .bytes_b2c = s->b2c.bytes,
        };
    }
    return used;
}

size_t session_rows(const struct worker_ctx *ctx, struct session_row *rows,
                    size_t max)
{
    uint64_t now_ns = clock_now_ns();
    size_t used = list_rows(&ctx->queued, now_ns, rows, 0, max);

    used = list_rows(&ctx->connecting, now_ns, rows, used, max);
    return list_rows(&ctx->relaying, now_ns, rows, used, max);
}
