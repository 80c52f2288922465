/*
 * faultlink_conn: the two directions of one connection, the switch
 * between splice and the shaping stream, and how a connection ends. See
 * faultlink_conn.h.
 *
 * Both sockets are registered once, edge-triggered, for reading and
 * writing; the side's flags remember what epoll said until a call meets
 * EAGAIN (twemproxy's way), so no epoll_ctl is needed after the start.
 */
#include "faultlink_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../proxy/relay.h"
#include "faultlink_stream.h"

#define CONN_MAX_READS 64       /* reads per direction per pass: be fair */
#define CONN_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
#define CONN_PIPE_SIZE (256 * 1024)

/* One direction: from side[dir] to the other side. */
struct faultlink_way {
    bool shaped;                /* through the stream, not the relay */
    bool blocked;               /* waiting for the destination */
    bool src_eof;               /* shaped: the source's end was read */
    bool done;                  /* the end was passed on */
    bool again;                 /* stopped with work left: run again now */
    bool cut_resets;            /* the cut is reset bytes=N: RST, not FIN */
    struct relay relay;
    struct faultlink_stream stream;
    struct faultlink_shape want;    /* what the faults in force say */
    uint64_t wake_ms;           /* the stream's next due byte, 0: none */
    uint64_t fin_ms;            /* slow-close: the FIN goes then, 0: unset */
    uint64_t timeout_ms;        /* timeout after=D: close then, 0: none */
    uint64_t reset_ms;          /* reset after=D: RST then, 0: none */
    uint64_t bytes;             /* written to the destination */
    unsigned applied;           /* kinds applied (and logged) */
};

struct faultlink_conn {
    struct faultlink_env *env;
    struct faultlink_conn *prev;
    struct faultlink_conn *next;
    uint64_t id;
    bool connected;             /* the target's connect completed */
    bool dead;                  /* closed, freed after this epoll batch */
    int close_err;              /* errno of the failure that ends it */
    struct faultlink_side side[2];
    struct faultlink_way way[FAULTLINK_DIRS];
    struct heap_node timer;
};

/* The reason a connection ends, and whether with an RST. */
struct ending {
    const char *reason;
    bool reset;
};

struct faultlink_conn *faultlink_conn_of_timer(struct heap_node *node)
{
    return (struct faultlink_conn *)(void *)((char *)node -
        offsetof(struct faultlink_conn, timer));
}

static void list_unlink(struct faultlink_conn *conn)
{
    if (conn->prev != NULL)
        conn->prev->next = conn->next;
    else
        conn->env->conns = conn->next;
    if (conn->next != NULL)
        conn->next->prev = conn->prev;
}

/* Frees everything; logs ev=close. */
static void conn_end(struct faultlink_conn *conn, struct ending end)
{
    const struct logger *lg = conn->env->lg;

    if (conn->close_err != 0)
        log_event(lg, LOG_INFO, "close", "id=%" PRIu64 " bytes_up=%" PRIu64
                  " bytes_down=%" PRIu64 " reason=%s err=%s", conn->id,
                  conn->way[FAULTLINK_UP].bytes, conn->way[FAULTLINK_DOWN].bytes,
                  end.reason, log_errno_name(conn->close_err));
    else
        log_event(lg, LOG_INFO, "close", "id=%" PRIu64 " bytes_up=%" PRIu64
                  " bytes_down=%" PRIu64 " reason=%s", conn->id,
                  conn->way[FAULTLINK_UP].bytes, conn->way[FAULTLINK_DOWN].bytes,
                  end.reason);
    for (int s = 0; s < 2; s++) {
        if (conn->side[s].fd == -1)
            continue;
        if (end.reset)
            net_close_reset(conn->side[s].fd);
        else
            close(conn->side[s].fd);
    }
    for (int d = 0; d < FAULTLINK_DIRS; d++) {
        relay_free(&conn->way[d].relay);
        faultlink_stream_free(&conn->way[d].stream);
    }
    heap_remove(conn->env->timers, &conn->timer);
    list_unlink(conn);
    /* The other side's event may still wait in this epoll batch. */
    conn->dead = true;
    conn->next = conn->env->dead;
    conn->env->dead = conn;
}

void faultlink_conn_reap(struct faultlink_env *env)
{
    while (env->dead != NULL) {
        struct faultlink_conn *next = env->dead->next;

        free(env->dead);
        env->dead = next;
    }
}

void faultlink_conn_close(struct faultlink_conn *conn, const char *reason)
{
    conn_end(conn, (struct ending){ reason, false });
}

void faultlink_conn_close_all(struct faultlink_env *env, const char *reason)
{
    while (env->conns != NULL)
        faultlink_conn_close(env->conns, reason);
}

/* --- faults ---------------------------------------------------------- */

/* Whether this connection gets the fault in slot kind/dir. */
static bool conn_gets(const struct faultlink_conn *conn,
                      enum faultlink_kind kind, enum faultlink_dir dir)
{
    const struct faultlink_faults *faults = conn->env->faults;

    return faults->on[kind][dir] &&
           faultlink_fault_chosen(conn->env->seed, conn->id, kind, dir,
                                  faults->fault[kind][dir].toxicity);
}

/* Sets the timer-driven faults of a direction (timeout, reset after=D):
 * a deadline is kept while its fault stays on, dropped when it goes. */
static void apply_deadlines(struct faultlink_way *way, unsigned on,
                            const struct faultlink_fault *slot,
                            uint64_t now_ms)
{
    const struct faultlink_fault *timeout = &slot[FAULTLINK_TIMEOUT];
    const struct faultlink_fault *reset = &slot[FAULTLINK_RESET];

    if (!(on & (1u << FAULTLINK_TIMEOUT)) || timeout->after_ms == 0)
        way->timeout_ms = 0;
    else if (way->timeout_ms == 0)
        way->timeout_ms = now_ms + (uint64_t)timeout->after_ms;
    if (!(on & (1u << FAULTLINK_RESET)) || reset->after_ms == FAULTLINK_UNSET)
        way->reset_ms = 0;
    else if (way->reset_ms == 0)
        way->reset_ms = now_ms + (uint64_t)reset->after_ms;
}

/* What the faults on (a mask of kinds) make of a direction. */
static struct faultlink_shape shape_of(unsigned on,
                                       const struct faultlink_fault *slot,
                                       bool *cut_resets)
{
    struct faultlink_shape shape = { .cut_bytes = -1, .fin_delay_ms = -1 };
    long limit = slot[FAULTLINK_LIMIT_DATA].bytes;
    long reset = slot[FAULTLINK_RESET].bytes;

    if (on & (1u << FAULTLINK_LATENCY)) {
        shape.latency = true;
        shape.latency_ms = slot[FAULTLINK_LATENCY].latency_ms;
        shape.jitter_ms = slot[FAULTLINK_LATENCY].jitter_ms < 0 ? 0 :
                          slot[FAULTLINK_LATENCY].jitter_ms;
    }
    if (on & (1u << FAULTLINK_BANDWIDTH))
        shape.rate = slot[FAULTLINK_BANDWIDTH].rate;
    if (on & (1u << FAULTLINK_SLICER)) {
        shape.slice_size = slot[FAULTLINK_SLICER].size;
        shape.slice_delay_ms = slot[FAULTLINK_SLICER].delay_ms < 0 ? 0 :
                               slot[FAULTLINK_SLICER].delay_ms;
    }
    if (on & (1u << FAULTLINK_SLOW_CLOSE))
        shape.fin_delay_ms = slot[FAULTLINK_SLOW_CLOSE].delay_ms;
    shape.discard = (on & (1u << FAULTLINK_BLACKHOLE | 1u << FAULTLINK_TIMEOUT)) != 0;
    *cut_resets = false;
    if ((on & (1u << FAULTLINK_LIMIT_DATA)))
        shape.cut_bytes = limit;
    if ((on & (1u << FAULTLINK_RESET)) && reset != FAULTLINK_UNSET &&
        (shape.cut_bytes < 0 || reset <= shape.cut_bytes)) {
        shape.cut_bytes = reset;
        *cut_resets = true;
    }
    return shape;
}

void faultlink_conn_apply(struct faultlink_conn *conn, uint64_t now_ms)
{
    const struct faultlink_faults *faults = conn->env->faults;

    for (int d = 0; d < FAULTLINK_DIRS; d++) {
        struct faultlink_way *way = &conn->way[d];
        struct faultlink_fault slot[FAULTLINK_KINDS];
        unsigned on = 0;

        for (int k = 0; k < FAULTLINK_KINDS; k++) {
            slot[k] = faults->fault[k][d];
            if (faultlink_kind_of_listener((enum faultlink_kind)k) ||
                !conn_gets(conn, (enum faultlink_kind)k, (enum faultlink_dir)d))
                continue;
            on |= 1u << k;
            if (!(way->applied & (1u << k)))
                log_event(conn->env->lg, LOG_INFO, "fault_applied",
                          "id=%" PRIu64 " kind=%s dir=%s", conn->id,
                          faultlink_kind_name((enum faultlink_kind)k),
                          faultlink_dir_name((enum faultlink_dir)d));
        }
        way->applied = on;
        way->want = shape_of(on, slot, &way->cut_resets);
        if (way->shaped)
            faultlink_stream_configure(&way->stream, &way->want, now_ms);
        apply_deadlines(way, on, slot, now_ms);
    }
    heap_set(conn->env->timers, &conn->timer, now_ms);
}

void faultlink_conn_apply_all(struct faultlink_env *env, uint64_t now_ms)
{
    for (struct faultlink_conn *conn = env->conns; conn != NULL;
         conn = conn->next)
        faultlink_conn_apply(conn, now_ms);
}

/* --- moving bytes ---------------------------------------------------- */

/* The side a direction writes to. */
static struct faultlink_side *dest_of(struct faultlink_conn *conn, int dir)
{
    return &conn->side[dir == FAULTLINK_UP ? FAULTLINK_TARGET : FAULTLINK_CLIENT];
}

/* The side a direction reads from. */
static struct faultlink_side *source_of(struct faultlink_conn *conn, int dir)
{
    return &conn->side[dir == FAULTLINK_UP ? FAULTLINK_CLIENT : FAULTLINK_TARGET];
}

/* The reason of a failure on one side. */
static struct ending side_failed(struct faultlink_conn *conn,
                                 const struct faultlink_side *side)
{
    conn->close_err = errno;
    return (struct ending){ side == &conn->side[FAULTLINK_CLIENT] ?
                            "client_error" : "target_error", true };
}

/*
 * Gives a relay its splice pipe at once: the proxy's relay waits for a few
 * full reads before it splices, but a link exists to move bulk, so it
 * splices from the first byte (relay_pump takes a pipe it finds). Without
 * a pipe (out of descriptors) the relay copies, and makes one itself once
 * bulk shows. The pipe is enlarged so that one splice takes a whole chunk
 * of the relay's however the socket's pages are cut.
 */
static void give_pipe(struct relay *relay)
{
    int fds[2];

    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
        return;
    fcntl(fds[1], F_SETPIPE_SZ, CONN_PIPE_SIZE);
    relay->pipe_rd = fds[0];
    relay->pipe_wr = fds[1];
}

/* Moves a direction between splice and the stream when the faults ask
 * for it and nothing is held in the mode it leaves. */
static void switch_mode(struct faultlink_conn *conn, int dir, uint64_t now_ms)
{
    struct faultlink_way *way = &conn->way[dir];
    bool plain = faultlink_shape_plain(&way->want);

    if (!way->shaped && !plain && way->relay.pending == NULL &&
        way->relay.in_pipe == 0) {
        way->shaped = true;
        way->blocked = false;
        way->src_eof = way->relay.done;
        faultlink_stream_configure(&way->stream, &way->want, now_ms);
    } else if (way->shaped && plain && way->stream.queued == 0 &&
               !way->src_eof) {
        way->shaped = false;
        way->blocked = false;
        relay_free(&way->relay);
        relay_init(&way->relay);
        way->relay.source_closed = source_of(conn, dir)->rdhup;
        give_pipe(&way->relay);
    }
}

/* A direction in splice mode. Returns the ending, reason NULL if none. */
static struct ending step_relay(struct faultlink_conn *conn, int dir)
{
    struct faultlink_way *way = &conn->way[dir];
    struct faultlink_side *src = source_of(conn, dir), *dst = dest_of(conn, dir);
    uint64_t before = way->relay.bytes;
    enum relay_status status;

    /* Blocked, it holds bytes for dst; else it holds none and needs src. */
    if (way->blocked ? !dst->writable : !src->readable)
        return (struct ending){ NULL, false };
    way->relay.source_closed = src->rdhup;
    status = relay_pump(&way->relay, src->fd, dst->fd, conn->env->scratch,
                        conn->env->scratch_size, CONN_MAX_READS);
    way->bytes += way->relay.bytes - before;
    way->blocked = status == RELAY_WANT_WRITE;
    if (status == RELAY_WANT_READ)
        src->readable = false;
    else if (status == RELAY_WANT_WRITE)
        dst->writable = false;
    else if (status == RELAY_MORE)
        way->again = true;
    else if (status == RELAY_DONE)
        way->done = true;
    else if (status == RELAY_SOURCE_ERROR)
        return side_failed(conn, src);
    else if (status == RELAY_DEST_ERROR)
        return side_failed(conn, dst);
    else if (status == RELAY_NO_MEMORY)
        return (struct ending){ "no_memory", true };
    return (struct ending){ NULL, false };
}

/* Reads what the stream has room for. Returns -1 with errno on a failure
 * to read (or ENOMEM), else 0. */
static int stream_read(struct faultlink_conn *conn, int dir, uint64_t now_ms)
{
    struct faultlink_way *way = &conn->way[dir];
    struct faultlink_side *src = source_of(conn, dir);

    for (int reads = 0; src->readable && !way->src_eof; reads++) {
        size_t room = faultlink_stream_room(&way->stream);
        size_t want = room < conn->env->scratch_size ? room :
                      conn->env->scratch_size;
        ssize_t n;

        if (want == 0)
            return 0;
        if (reads == CONN_MAX_READS) {
            way->again = true;
            return 0;
        }
        n = net_read(src->fd, conn->env->scratch, want);
        if (n == NET_AGAIN)
            src->readable = false;
        else if (n == 0)
            way->src_eof = true;
        else if (n == -1 ||
                 faultlink_stream_push(&way->stream, now_ms,
                                       conn->env->scratch, (size_t)n) == -1)
            return -1;
        else if ((size_t)n < want && !src->rdhup)
            src->readable = false;  /* drained: edge-triggered epoll says more */
    }
    return 0;
}

/* Passes the source's end on once everything before it was written,
 * after the slow-close delay. */
static void stream_finish(struct faultlink_way *way, int fd, uint64_t now_ms)
{
    if (!way->src_eof || way->stream.queued > 0 || way->done)
        return;
    if (way->want.fin_delay_ms >= 0) {
        if (way->fin_ms == 0)
            way->fin_ms = now_ms + (uint64_t)way->want.fin_delay_ms;
        if (now_ms < way->fin_ms)
            return;
    }
    shutdown(fd, SHUT_WR);
    way->done = true;
}

/* A direction through the stream. Returns the ending, reason NULL if none. */
static struct ending step_stream(struct faultlink_conn *conn, int dir,
                                 uint64_t now_ms)
{
    struct faultlink_way *way = &conn->way[dir];
    struct faultlink_side *src = source_of(conn, dir), *dst = dest_of(conn, dir);
    uint64_t before = way->stream.written;
    enum faultlink_stream_status status;

    if (stream_read(conn, dir, now_ms) == -1) {
        if (errno == ENOMEM)
            return (struct ending){ "no_memory", true };
        return side_failed(conn, src);
    }
    way->wake_ms = 0;
    if (dst->writable || !way->blocked) {
        status = faultlink_stream_flush(&way->stream, now_ms, dst->fd,
                                        &way->wake_ms);
        way->bytes += way->stream.written - before;
        way->blocked = status == FAULTLINK_STREAM_BLOCKED;
        if (way->blocked)
            dst->writable = false;
        if (status == FAULTLINK_STREAM_ERROR)
            return side_failed(conn, dst);
        /* Room was made: what the source holds may now be read. */
        if (way->stream.written > before && src->readable)
            way->again = true;
    }
    if (faultlink_stream_cut_reached(&way->stream))
        return (struct ending){ way->cut_resets ? "reset" : "limit_data",
                                way->cut_resets };
    stream_finish(way, dst->fd, now_ms);
    return (struct ending){ NULL, false };
}

/* Deadlines of the timer-driven faults. */
static struct ending check_deadlines(struct faultlink_conn *conn,
                                     uint64_t now_ms)
{
    for (int d = 0; d < FAULTLINK_DIRS; d++) {
        const struct faultlink_way *way = &conn->way[d];

        if (way->reset_ms != 0 && now_ms >= way->reset_ms)
            return (struct ending){ "reset", true };
        if (way->timeout_ms != 0 && now_ms >= way->timeout_ms)
            return (struct ending){ "timeout", false };
    }
    return (struct ending){ NULL, false };
}

/* The earliest time the connection must be looked at again, 0: none. */
static uint64_t next_deadline(const struct faultlink_conn *conn,
                              uint64_t now_ms)
{
    uint64_t next = 0;

    for (int d = 0; d < FAULTLINK_DIRS; d++) {
        const struct faultlink_way *way = &conn->way[d];
        uint64_t times[] = {
            way->again ? now_ms : 0, way->shaped ? way->wake_ms : 0,
            way->src_eof && !way->done ? way->fin_ms : 0,
            way->timeout_ms, way->reset_ms
        };

        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
            if (times[i] != 0 && (next == 0 || times[i] < next))
                next = times[i];
    }
    return next;
}

/* Does all it can now; closes the connection when it ends. */
static void conn_progress(struct faultlink_conn *conn, uint64_t now_ms)
{
    struct ending end = check_deadlines(conn, now_ms);
    uint64_t next;

    for (int d = 0; d < FAULTLINK_DIRS && end.reason == NULL; d++) {
        struct faultlink_way *way = &conn->way[d];

        way->again = false;
        switch_mode(conn, d, now_ms);
        if (way->done)
            continue;
        end = way->shaped ? step_stream(conn, d, now_ms) : step_relay(conn, d);
    }
    if (end.reason == NULL && conn->way[FAULTLINK_UP].done &&
        conn->way[FAULTLINK_DOWN].done)
        end = (struct ending){ "done", false };
    if (end.reason != NULL) {
        conn_end(conn, end);
        return;
    }
    next = next_deadline(conn, now_ms);
    if (next == 0)
        heap_remove(conn->env->timers, &conn->timer);
    else if (heap_set(conn->env->timers, &conn->timer, next) == -1)
        conn_end(conn, (struct ending){ "no_memory", true });
}

/* --- events ---------------------------------------------------------- */

/* The target's connect has finished: success starts the relay. */
static void target_connected(struct faultlink_conn *conn, uint64_t now_ms)
{
    int err = net_connect_result(conn->side[FAULTLINK_TARGET].fd);

    if (err != 0) {
        conn->close_err = err;
        /* The client learns of it as it would from the target itself. */
        conn_end(conn, (struct ending){ "connect_failed", true });
        return;
    }
    conn->connected = true;
    net_set_nodelay(conn->side[FAULTLINK_TARGET].fd);
    conn_progress(conn, now_ms);
}

void faultlink_conn_event(struct faultlink_side *side, uint32_t events,
                          uint64_t now_ms)
{
    struct faultlink_conn *conn = side->conn;

    if (conn->dead)
        return;
    /* An error or hang-up is read or written into, and reported there. */
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
        side->readable = true;
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        side->writable = true;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        side->rdhup = true;
    if (!conn->connected) {
        if (side == &conn->side[FAULTLINK_TARGET])
            target_connected(conn, now_ms);
        return;
    }
    conn_progress(conn, now_ms);
}

void faultlink_conn_timer(struct faultlink_conn *conn, uint64_t now_ms)
{
    heap_remove(conn->env->timers, &conn->timer);
    if (conn->connected)
        conn_progress(conn, now_ms);
    else if (check_deadlines(conn, now_ms).reason != NULL)
        conn_end(conn, check_deadlines(conn, now_ms));
}

/* Registers both sockets. Returns 0 or -1 with errno. */
static int conn_watch(struct faultlink_conn *conn)
{
    for (int s = 0; s < 2; s++) {
        struct epoll_event ev = { .events = CONN_EVENTS,
                                  .data.ptr = &conn->side[s] };

        if (epoll_ctl(conn->env->epoll_fd, EPOLL_CTL_ADD, conn->side[s].fd,
                      &ev) == -1)
            return -1;
    }
    return 0;
}

/* Names the address the connection comes from on the target's side: the
 * target logs it as its peer, and the harness joins the two on it. The
 * kernel binds it in connect(), before the handshake ends. */
static void log_onward(const struct faultlink_conn *conn)
{
    struct net_addr local;
    char addr[NET_ADDR_STRLEN];

    if (net_local_addr(conn->side[FAULTLINK_TARGET].fd, &local) == 0)
        log_event(conn->env->lg, LOG_INFO, "onward", "id=%" PRIu64
                  " local=%s", conn->id,
                  net_addr_format(&local, addr, sizeof(addr)));
}

void faultlink_conn_open(struct faultlink_env *env, int client_fd,
                         uint64_t id, uint64_t now_ms)
{
    struct faultlink_conn *conn = calloc(1, sizeof(*conn));

    if (conn == NULL) {
        log_event(env->lg, LOG_WARN, "close", "id=%" PRIu64 " bytes_up=0 "
                  "bytes_down=0 reason=no_memory", id);
        net_close_reset(client_fd);
        return;
    }
    conn->env = env;
    conn->id = id;
    heap_node_init(&conn->timer);
    for (int s = 0; s < 2; s++)
        conn->side[s] = (struct faultlink_side){ .conn = conn, .fd = -1 };
    conn->side[FAULTLINK_CLIENT].fd = client_fd;
    for (int d = 0; d < FAULTLINK_DIRS; d++) {
        relay_init(&conn->way[d].relay);
        faultlink_stream_init(&conn->way[d].stream,
                              rng_mix(env->seed ^ (id << 1 | (uint64_t)d)));
    }
    conn->next = env->conns;
    if (env->conns != NULL)
        env->conns->prev = conn;
    env->conns = conn;
    net_set_nodelay(client_fd);
    conn->side[FAULTLINK_TARGET].fd = net_connect(&env->to);
    if (conn->side[FAULTLINK_TARGET].fd == -1 || conn_watch(conn) == -1) {
        conn->close_err = errno;
        conn_end(conn, (struct ending){ "connect_failed", true });
        return;
    }
    log_onward(conn);
    /* The sockets first: a connection without pipes still relays. */
    for (int d = 0; d < FAULTLINK_DIRS; d++)
        give_pipe(&conn->way[d].relay);
    faultlink_conn_apply(conn, now_ms);
}
