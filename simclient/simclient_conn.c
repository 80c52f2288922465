/*
 * simclient_conn: the state machine of one client slot.
 * See simclient_conn.h for the states and who owns what.
 *
 * The I/O loops follow twemproxy's conn_recv/conn_sendv: a positive count
 * is counted, 0 is end of file, NET_AGAIN goes back to epoll, and anything
 * else ends the connection with errno as its reason. epoll is level-
 * triggered, so a loop may stop early (CONN_READS_PER_EVENT) to be fair to
 * the other slots and simply be called again.
 */
#include "simclient_conn.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "logfmt.h"
#include "simclient_payload.h"
#include "simclient_reply.h"

/* Reads of one socket per epoll event before we let others run. */
#define CONN_READS_PER_EVENT 16
#define CONN_DETAIL_MAX 160
#define ABORT_UP SIMCLIENT_ABORT_UP
#define ABORT_DOWN SIMCLIENT_ABORT_DOWN

enum conn_state {
    CONN_IDLE,          /* no socket, no timer */
    CONN_WAITING,       /* timer = start time (ramp, retry, reconnect) */
    CONN_CONNECTING,    /* timer = connect deadline */
    CONN_RUNNING,       /* timer = deadline of the oldest open request */
    CONN_HOLDING,       /* every reply came; timer = end of --hold */
    CONN_IDLING         /* --idle: connected, silent; timer = end of it */
};

/* How the server ended the connection, as far as the client saw it. */
enum conn_end {
    CONN_END_NONE,      /* the client closed first (or never connected) */
    CONN_END_EOF,       /* a read returned end of file: a clean close */
    CONN_END_RESET,     /* a read or write failed with ECONNRESET or EPIPE */
    CONN_END_ABORT,     /* --abort: the client reset it */
    CONN_END_CLOSED     /* a behaviour's own close (FIN) */
};

static const char *const conn_end_names[] = {
    "-", "eof", "reset", "abort", "closed"
};

/* One slot; the fields after `cid` describe its current connection. */
struct simclient_conn {
    const struct simclient_conn_env *env;
    struct heap_node timer;
    enum conn_state state;
    uint64_t retry_ms;          /* backoff after failures in a row */
    size_t addr_index;          /* target address tried now (or last) */
    size_t addrs_tried;         /* by the current connect */
    int fd;                     /* -1 when there is no socket */
    uint32_t interest;          /* epoll events registered for fd */
    uint32_t cid;
    unsigned long req_limit;    /* requests this connection will send */
    unsigned long next_req;     /* request being written, from 0 */
    size_t write_off;           /* bytes of it written; 0 = not begun */
    unsigned long replies;      /* correct replies received */
    bool shut_wr;               /* --half-close: FIN sent */
    enum conn_end end;          /* how the server ended it */
    uint64_t *sent_at;          /* begin time of request k at k % len */
    size_t sent_at_len;         /* 1, or --requests with --half-close */
    struct simclient_reply reply; /* checks the reply to request `replies` */
    char backend[SIMCLIENT_REPLY_NAME_MAX + 1]; /* "" until a name came */
    char local[NET_ADDR_STRLEN];  /* our address, "-" until connected */
    uint64_t bytes_out;
    uint64_t bytes_in;
    uint64_t connected_ns;      /* --read-rate, --write-rate count from here */
    bool throttled;             /* --read-rate: not reading until the timer */
    bool write_paused;          /* --write-rate: not writing until the timer */
    uint64_t next_byte_ns;      /* --trickle: when the next byte may go */
    size_t reply_bytes;         /* of the reply being checked, fed so far */
    uint64_t idle_since_ns;     /* --idle: when the silence began */
};

static bool conn_write(struct simclient_conn *conn);
static bool conn_end_as(struct simclient_conn *conn,
                        enum simclient_failure failure, bool interrupted,
                        const char *detail, const char *did,
                        unsigned long left);
static size_t write_allowance(struct simclient_conn *conn, size_t limit);

static uint64_t ms_to_ns(long ms)
{
    return (uint64_t)ms * 1000000u;
}

/*
 * The heap can only fail to grow, and it never has to: the loadgen queues
 * every slot once at the start and a slot holds at most one node.
 */
static void arm_timer(struct simclient_conn *conn, uint64_t at_ns)
{
    (void)heap_set(conn->env->timers, &conn->timer, at_ns);
}

static struct simclient_payload payload_of(const struct simclient_conn *conn,
                                           unsigned long index)
{
    struct simclient_payload payload = {
        .seed = (uint64_t)conn->env->options->seed,
        .conn = conn->cid,
        .request = (uint64_t)index + 1,
        .size = (size_t)conn->env->options->size,
    };

    return payload;
}

/* Requests whose first byte went out (whether or not replied). */
static unsigned long requests_begun(const struct simclient_conn *conn)
{
    return conn->next_req + (conn->write_off > 0 ? 1 : 0);
}

struct simclient_conn *simclient_conn_new(const struct simclient_conn_env *env)
{
    struct simclient_conn *conn = calloc(1, sizeof(*conn));

    if (conn == NULL)
        return NULL;
    conn->env = env;
    conn->fd = -1;
    conn->state = CONN_IDLE;
    heap_node_init(&conn->timer);
    conn->sent_at_len = env->options->half_close
                            ? (size_t)env->options->requests : 1;
    conn->sent_at = calloc(conn->sent_at_len, sizeof(*conn->sent_at));
    if (conn->sent_at == NULL) {
        free(conn);
        errno = ENOMEM;
        return NULL;
    }
    return conn;
}

static void close_socket(struct simclient_conn *conn)
{
    /* Closing the only descriptor also takes it out of the epoll set. */
    if (conn->fd != -1)
        close(conn->fd);
    conn->fd = -1;
    conn->interest = 0;
}

void simclient_conn_free(struct simclient_conn *conn)
{
    if (conn == NULL)
        return;
    close_socket(conn);
    heap_remove(conn->env->timers, &conn->timer);
    free(conn->sent_at);
    free(conn);
}

uint64_t simclient_conn_retry_ms(const struct simclient_conn *conn)
{
    return conn->retry_ms;
}

/* The backoff after one more failure in a row. */
static uint64_t next_retry_ms(uint64_t retry_ms)
{
    if (retry_ms == 0)
        return SIMCLIENT_CONN_RETRY_MIN_MS;
    return retry_ms * 2 < SIMCLIENT_CONN_RETRY_MAX_MS
               ? retry_ms * 2 : SIMCLIENT_CONN_RETRY_MAX_MS;
}

struct simclient_conn *simclient_conn_of_timer(struct heap_node *node)
{
    return (struct simclient_conn *)(void *)((char *)node -
                                             offsetof(struct simclient_conn,
                                                      timer));
}

int simclient_conn_schedule(struct simclient_conn *conn, uint32_t cid,
                            uint64_t at_ns)
{
    if (heap_set(conn->env->timers, &conn->timer, at_ns) == -1)
        return -1;
    conn->cid = cid;
    conn->state = CONN_WAITING;
    return 0;
}

/*
 * Writes the ev=conn line: info when all went well, else warn, but only
 * for the first of its kind in a while (see simclient_throttle.h).
 */
static void log_conn(const struct simclient_conn *conn,
                     enum simclient_failure failure, const char *result,
                     const char *detail, const char *did)
{
    enum simclient_behaviour behaviour = conn->env->options->behaviour;
    enum log_level level = detail == NULL
                               ? LOG_INFO
                               : simclient_throttle_level(conn->env->throttle,
                                                          conn->env->log,
                                                          failure,
                                                          clock_now_ns());
    char backend_q[2 * SIMCLIENT_REPLY_NAME_MAX + 8];
    char detail_q[2 * CONN_DETAIL_MAX + 8];
    char did_q[2 * CONN_DETAIL_MAX + 8];
    char extra[4 * CONN_DETAIL_MAX + 64] = "";
    size_t used = 0;

    if (!log_enabled(conn->env->log, level))
        return;
    if (behaviour != SIMCLIENT_BEHAVIOUR_NONE)
        used += (size_t)snprintf(extra, sizeof(extra), " behaviour=%s",
                                 simclient_options_behaviour_name(behaviour));
    if (did != NULL)
        used += (size_t)snprintf(extra + used, sizeof(extra) - used,
                                 " did=%s", logfmt_quote(did, did_q,
                                                         sizeof(did_q)));
    if (detail != NULL)
        snprintf(extra + used, sizeof(extra) - used, " detail=%s",
                 logfmt_quote(detail, detail_q, sizeof(detail_q)));
    log_event(conn->env->log, level, "conn",
              "cid=%" PRIu32 " local=%s backend=%s requests=%lu ok=%lu "
              "bytes_out=%" PRIu64 " bytes_in=%" PRIu64 " end=%s result=%s%s",
              conn->cid, conn->local,
              conn->backend[0] != '\0'
                  ? logfmt_quote(conn->backend, backend_q, sizeof(backend_q))
                  : "-",
              requests_begun(conn), conn->replies, conn->bytes_out,
              conn->bytes_in, conn_end_names[conn->end], result, extra);
}

/*
 * Ends the current connection: takes the backend's name from a reply that
 * failed after its name, logs, counts, closes. Always returns true (the
 * slot is IDLE), so that callers can `return conn_end(...)`.
 */
static bool conn_end(struct simclient_conn *conn,
                     enum simclient_failure failure, bool interrupted,
                     const char *detail)
{
    const struct simclient_options *options = conn->env->options;
    char did[CONN_DETAIL_MAX];

    /* A trickling connection that got all its replies did what it meant. */
    if (options->behaviour == SIMCLIENT_BEHAVIOUR_TRICKLE &&
        failure == SIMCLIENT_FAILURE_NONE && !interrupted) {
        snprintf(did, sizeof(did), "wrote %" PRIu64 " bytes, one every %ld "
                 "ms", conn->bytes_out, options->trickle_ms);
        return conn_end_as(conn, failure, false, detail, did, 0);
    }
    return conn_end_as(conn, failure, interrupted, detail, NULL, 0);
}

/*
 * conn_end, with what the run's behaviour did when the connection ended
 * as it planned (did != NULL), and how many requests it left unanswered
 * on purpose (left).
 */
static bool conn_end_as(struct simclient_conn *conn,
                        enum simclient_failure failure, bool interrupted,
                        const char *detail, const char *did,
                        unsigned long left)
{
    const char *name = simclient_reply_name(&conn->reply);
    struct simclient_stats_conn outcome;

    if (conn->state == CONN_RUNNING && conn->backend[0] == '\0' && name != NULL)
        snprintf(conn->backend, sizeof(conn->backend), "%s", name);
    log_conn(conn, failure,
             interrupted ? "interrupted" : simclient_failure_name(failure),
             detail, did);
    outcome.failure = failure;
    outcome.interrupted = interrupted;
    outcome.planned = did != NULL;
    outcome.requests_left = left;
    outcome.backend = conn->backend[0] != '\0' ? conn->backend : NULL;
    outcome.requests_sent = requests_begun(conn);
    outcome.requests_ok = conn->replies;
    simclient_stats_add_conn(conn->env->stats, &outcome);
    close_socket(conn);
    heap_remove(conn->env->timers, &conn->timer);
    conn->retry_ms = failure != SIMCLIENT_FAILURE_NONE
                         ? next_retry_ms(conn->retry_ms) : 0;
    conn->state = CONN_IDLE;
    return true;
}

static bool conn_fail(struct simclient_conn *conn,
                      enum simclient_failure failure, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool conn_fail(struct simclient_conn *conn,
                      enum simclient_failure failure, const char *fmt, ...)
{
    char detail[CONN_DETAIL_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return conn_end(conn, failure, false, detail);
}

static bool conn_planned(struct simclient_conn *conn, enum conn_end end,
                         unsigned long left, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Ends the connection as the run's behaviour planned it: ok, with `end`
 * as how it ended and left requests unanswered on purpose. */
static bool conn_planned(struct simclient_conn *conn, enum conn_end end,
                         unsigned long left, const char *fmt, ...)
{
    char did[CONN_DETAIL_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(did, sizeof(did), fmt, ap);
    va_end(ap);
    conn->end = end;
    return conn_end_as(conn, SIMCLIENT_FAILURE_NONE, false, NULL, did, left);
}

static bool no_read(const struct simclient_conn *conn)
{
    return conn->env->options->behaviour == SIMCLIENT_BEHAVIOUR_NO_READ;
}

/* --no-read: the server ended the connection, which is how it should end. */
static bool no_read_ended(struct simclient_conn *conn, enum conn_end end)
{
    return conn_planned(conn, end, requests_begun(conn),
                        "wrote %lu requests, read nothing; the server "
                        "ended it", requests_begun(conn));
}

/* An I/O error on an established connection. A write after the peer's
 * RST fails with EPIPE (the reset was reported once, or not at all). */
static bool conn_fail_errno(struct simclient_conn *conn, int error)
{
    if (error == ECONNRESET || error == EPIPE)
        conn->end = CONN_END_RESET;
    if (no_read(conn) && conn->end == CONN_END_RESET)
        return no_read_ended(conn, CONN_END_RESET);
    return conn_fail(conn, SIMCLIENT_FAILURE_RESET, "%s", strerror(error));
}

static bool conn_fail_reply(struct simclient_conn *conn)
{
    const struct simclient_reply *reply = &conn->reply;
    unsigned long number = conn->replies + 1;

    switch (reply->failure) {
    case SIMCLIENT_FAILURE_SWITCHED:
        return conn_fail(conn, reply->failure,
                         "reply %lu came from %s, earlier ones from %s",
                         number, reply->name, conn->backend);
    case SIMCLIENT_FAILURE_MISMATCH:
        return conn_fail(conn, reply->failure,
                         "reply %lu differs from request %lu at payload byte %zu",
                         number, number, reply->matched);
    default:
        return conn_fail(conn, reply->failure,
                         "reply %lu does not start with NAME and one space",
                         number);
    }
}

static int set_interest(struct simclient_conn *conn, uint32_t events)
{
    struct epoll_event event = { .events = events, .data.ptr = conn };

    if (conn->interest == events)
        return 0;
    if (epoll_ctl(conn->env->epoll_fd, EPOLL_CTL_MOD, conn->fd, &event) == -1)
        return -1;
    conn->interest = events;
    return 0;
}

/* Reads unless --read-rate holds them back; writes only while a write is
 * blocked. */
static bool want_write(struct simclient_conn *conn, bool on)
{
    /* --no-read watches only for the server's FIN (or RST: EPOLLHUP). */
    uint32_t read_events = no_read(conn) ? (uint32_t)EPOLLRDHUP
                                         : (uint32_t)EPOLLIN;

    if (set_interest(conn, (conn->throttled ? 0u : read_events) |
                           (on ? EPOLLOUT : 0u)) == -1)
        return conn_fail(conn, SIMCLIENT_FAILURE_RESET, "epoll_ctl: %s",
                         strerror(errno));
    return false;
}

static void start_reply(struct simclient_conn *conn)
{
    struct simclient_payload expected = payload_of(conn, conn->replies);

    simclient_reply_start(&conn->reply, &expected, conn->env->options->expect,
                          conn->backend[0] != '\0' ? conn->backend : NULL);
    conn->reply_bytes = 0;
}

/* Clears the per-connection fields before a new connection. */
static void reset_connection(struct simclient_conn *conn)
{
    conn->req_limit = (unsigned long)conn->env->options->requests;
    conn->next_req = 0;
    conn->write_off = 0;
    conn->replies = 0;
    conn->shut_wr = false;
    conn->end = CONN_END_NONE;
    conn->backend[0] = '\0';
    snprintf(conn->local, sizeof(conn->local), "-");
    conn->bytes_out = 0;
    conn->bytes_in = 0;
    conn->next_byte_ns = 0;
    /* No reply is being checked yet: no name for conn_end to take. */
    conn->reply.stage = SIMCLIENT_REPLY_STAGE_NAME;
    conn->reply.name_len = 0;
}

/*
 * The address just tried failed with error: starts a connect to the next
 * address not yet tried (false), or, when every one failed, ends the
 * connection as a connect failure (true).
 */
static bool connect_next(struct simclient_conn *conn, int error)
{
    const struct net_addrs *targets = conn->env->targets;
    struct epoll_event event = { .events = EPOLLOUT, .data.ptr = conn };
    char addr[NET_ADDR_STRLEN];

    close_socket(conn);
    while (conn->addrs_tried < targets->count) {
        if (conn->addrs_tried++ > 0)
            conn->addr_index = (conn->addr_index + 1) % targets->count;
        conn->fd = net_connect(&targets->addr[conn->addr_index]);
        if (conn->fd == -1) {
            error = errno;
            continue;
        }
        if (epoll_ctl(conn->env->epoll_fd, EPOLL_CTL_ADD, conn->fd,
                      &event) == -1)
            return conn_fail(conn, SIMCLIENT_FAILURE_CONNECT, "epoll_ctl: %s",
                             strerror(errno));
        conn->interest = EPOLLOUT;
        return false;
    }
    if (targets->count == 1)
        return conn_fail(conn, SIMCLIENT_FAILURE_CONNECT, "%s",
                         strerror(error));
    return conn_fail(conn, SIMCLIENT_FAILURE_CONNECT, "%s (%zu addresses "
                     "tried, the last %s)", strerror(error), targets->count,
                     net_addr_format(&targets->addr[conn->addr_index], addr,
                                     sizeof(addr)));
}

static bool conn_start(struct simclient_conn *conn)
{
    reset_connection(conn);
    conn->state = CONN_CONNECTING;
    conn->addrs_tried = 0;
    /* One deadline for the whole connect, whichever address answers. */
    arm_timer(conn, clock_now_ns() + ms_to_ns(conn->env->options->timeout_ms));
    return connect_next(conn, 0);
}

/* Deadline of the oldest request without a reply (see --timeout). */
static void rearm_request_timer(struct simclient_conn *conn)
{
    uint64_t timeout = ms_to_ns(conn->env->options->timeout_ms);

    /* The pacing timer is sooner; it re-arms this one when it fires. */
    if (conn->throttled || conn->write_paused)
        return;
    if (conn->replies < requests_begun(conn))
        arm_timer(conn, conn->sent_at[conn->replies % conn->sent_at_len] +
                            timeout);
    else
        arm_timer(conn, clock_now_ns() + timeout); /* waiting to write */
}

/* --idle: stays connected and silent until the timer. */
static bool conn_idle(struct simclient_conn *conn)
{
    conn->state = CONN_IDLING;
    conn->idle_since_ns = clock_now_ns();
    arm_timer(conn, conn->idle_since_ns +
                        ms_to_ns(conn->env->options->idle_ms));
    return want_write(conn, false);
}

static bool conn_connected(struct simclient_conn *conn)
{
    int error = net_connect_result(conn->fd);
    struct net_addr local;

    if (error != 0)
        return connect_next(conn, error);
    if (net_local_addr(conn->fd, &local) == 0)
        net_addr_format(&local, conn->local, sizeof(conn->local));
    /* Small request lines must not wait for Nagle; failing is harmless. */
    (void)net_set_nodelay(conn->fd);
    conn->state = CONN_RUNNING;
    conn->connected_ns = clock_now_ns();
    conn->throttled = conn->write_paused = false;
    start_reply(conn);
    if (conn->env->options->behaviour == SIMCLIENT_BEHAVIOUR_CONNECT_ONLY)
        return conn_planned(conn, CONN_END_CLOSED, 0,
                            "connected and closed at once");
    if (conn->env->options->behaviour == SIMCLIENT_BEHAVIOUR_IDLE)
        return conn_idle(conn);
    if (want_write(conn, false) || conn_write(conn))
        return true;
    rearm_request_timer(conn);
    return false;
}

/* How many requests may have begun: all of them with --half-close, else
 * only the one after the last reply. */
static unsigned long write_limit(const struct simclient_conn *conn)
{
    if (conn->env->options->half_close || no_read(conn) ||
        conn->replies >= conn->req_limit)
        return conn->req_limit;
    return conn->replies + 1;
}

/* Every request is written: with --half-close, send our FIN. */
static bool writing_done(struct simclient_conn *conn)
{
    if (conn->env->options->half_close && conn->next_req == conn->req_limit &&
        !conn->shut_wr) {
        if (shutdown(conn->fd, SHUT_WR) == -1)
            return conn_fail_errno(conn, errno);
        conn->shut_wr = true;
    }
    return want_write(conn, false);
}

/* Where --abort cuts a request line or its reply: after half a request
 * line's length (at least one byte). */
static size_t abort_point(const struct simclient_conn *conn)
{
    size_t line_len = (size_t)conn->env->options->size + 1;

    return line_len / 2 > 0 ? line_len / 2 : 1;
}

/* Whether --abort (in direction dir) is due after done bytes of the last
 * request (up) or of the last reply (down). */
static bool abort_due(const struct simclient_conn *conn, size_t done, int dir)
{
    const struct simclient_options *options = conn->env->options;
    unsigned long current = dir == ABORT_UP ? conn->next_req : conn->replies;

    return options->behaviour == SIMCLIENT_BEHAVIOUR_ABORT &&
           options->abort_at == dir && current + 1 == conn->req_limit &&
           done >= abort_point(conn);
}

/* --abort up: writes no further than the abort point of the last request. */
static size_t abort_allowance(const struct simclient_conn *conn, size_t limit)
{
    size_t point = abort_point(conn);

    if (abort_due(conn, point, ABORT_UP) && conn->write_off < point &&
        point - conn->write_off < limit)
        return point - conn->write_off;
    return limit;
}

/* --abort: resets the connection (RST). Returns the requests it leaves
 * unanswered: with --half-close, the replies to earlier requests may be on
 * their way too. The caller ends the connection as planned. */
static unsigned long abort_reset(struct simclient_conn *conn)
{
    net_close_reset(conn->fd);
    conn->fd = -1;
    conn->interest = 0;
    return requests_begun(conn) - conn->replies;
}

/* Writes as much of the allowed requests as the socket takes. */
static bool conn_write(struct simclient_conn *conn)
{
    const struct simclient_conn_env *env = conn->env;
    size_t line_len = (size_t)env->options->size + 1;

    while (conn->next_req < write_limit(conn)) {
        struct simclient_payload payload = payload_of(conn, conn->next_req);
        size_t chunk = line_len - conn->write_off;
        ssize_t n;

        if (chunk > env->buf_size)
            chunk = env->buf_size;
        chunk = abort_allowance(conn, chunk);
        chunk = write_allowance(conn, chunk);
        if (chunk == 0)
            return want_write(conn, false);
        if (conn->write_off == 0)
            conn->sent_at[conn->next_req % conn->sent_at_len] = clock_now_ns();
        simclient_payload_read(&payload, conn->write_off, env->write_buf, chunk);
        n = net_write(conn->fd, env->write_buf, chunk);
        if (n == NET_AGAIN)
            return want_write(conn, true);
        if (n == -1)
            return conn_fail_errno(conn, errno);
        conn->write_off += (size_t)n;
        conn->bytes_out += (uint64_t)n;
        if (abort_due(conn, conn->write_off, ABORT_UP))
            return conn_planned(conn, CONN_END_ABORT, abort_reset(conn),
                                "reset after %zu of %zu bytes of request %lu",
                                conn->write_off, line_len, conn->next_req + 1);
        if (conn->write_off == line_len) {
            conn->next_req++;
            conn->write_off = 0;
        }
    }
    return writing_done(conn);
}

/* A correct reply arrived: count it, then ask the next question. */
static bool reply_done(struct simclient_conn *conn)
{
    const struct simclient_conn_env *env = conn->env;
    uint64_t now = clock_now_ns();
    const char *name = simclient_reply_name(&conn->reply);

    simclient_stats_add_latency(env->stats,
                                now - conn->sent_at[conn->replies %
                                                    conn->sent_at_len]);
    if (conn->backend[0] == '\0')
        snprintf(conn->backend, sizeof(conn->backend), "%s", name);
    conn->replies++;
    /* Once --duration is over, ask no more (pipelined requests are sent). */
    if (!env->options->half_close && env->deadline_ns != 0 &&
        now >= env->deadline_ns && conn->req_limit > conn->replies)
        conn->req_limit = conn->replies;
    if (conn->replies < conn->req_limit)
        start_reply(conn);
    if (env->options->half_close)
        return false;
    return conn_write(conn);
}

/* --abort down: how many of len bytes the last reply may take before its
 * abort point. */
static size_t abort_take(const struct simclient_conn *conn, size_t len)
{
    size_t point = abort_point(conn);

    if (abort_due(conn, point, ABORT_DOWN) && conn->reply_bytes < point &&
        point - conn->reply_bytes < len)
        return point - conn->reply_bytes;
    return len;
}

/* Checks the bytes just read against the replies we wait for. */
static bool conn_consume(struct simclient_conn *conn, const char *data,
                         size_t len)
{
    while (len > 0) {
        ssize_t used;

        if (conn->state != CONN_RUNNING || conn->replies >= requests_begun(conn))
            return conn_fail(conn, SIMCLIENT_FAILURE_MISMATCH,
                             "%zu bytes nobody asked for after reply %lu",
                             len, conn->replies);
        size_t take = abort_take(conn, len);

        used = simclient_reply_feed(&conn->reply, data, take);
        if (used < 0 && used != SIMCLIENT_REPLY_AGAIN)
            return conn_fail_reply(conn);
        conn->reply_bytes += used < 0 ? take : (size_t)used;
        if (abort_due(conn, conn->reply_bytes, ABORT_DOWN))
            return conn_planned(conn, CONN_END_ABORT, abort_reset(conn),
                                "reset after %zu bytes of reply %lu",
                                conn->reply_bytes, conn->replies + 1);
        if (used == SIMCLIENT_REPLY_AGAIN)
            return false;
        data += used;
        len -= (size_t)used;
        if (reply_done(conn))
            return true;
    }
    return false;
}

static bool conn_eof(struct simclient_conn *conn)
{
    conn->end = CONN_END_EOF;
    if (conn->state == CONN_IDLING)
        return conn_fail(conn, SIMCLIENT_FAILURE_CLOSED, "end of file after "
                         "%" PRIu64 " ms of --idle %ld ms",
                         (clock_now_ns() - conn->idle_since_ns) / 1000000u,
                         conn->env->options->idle_ms);
    /* The server may close once it answered everything: that is fine. */
    if (conn->replies == conn->req_limit)
        return conn_end(conn, SIMCLIENT_FAILURE_NONE, false, NULL);
    return conn_fail(conn, SIMCLIENT_FAILURE_CLOSED,
                     "end of file after %lu of %lu replies", conn->replies,
                     conn->req_limit);
}

/*
 * Pacing at rate bytes/s (0: none) since the connection was made: how many
 * bytes, at most limit, may go now when done went already. At 0 the
 * caller waits: the timer is set for when step more bytes are allowed.
 */
static size_t paced(struct simclient_conn *conn, long rate, uint64_t done,
                    uint64_t step, size_t limit)
{
    uint64_t now = clock_now_ns(), allowed;

    if (rate <= 0 || conn->state != CONN_RUNNING)
        return limit;
    allowed = (now - conn->connected_ns) / 1000 * (uint64_t)rate / 1000000u;
    if (allowed > done)
        return allowed - done < limit ? (size_t)(allowed - done) : limit;
    arm_timer(conn, now + (done + step - allowed) * 1000000000u /
                          (uint64_t)rate);
    return 0;
}

/* --read-rate: bytes to read now. At 0 the connection stops reading (no
 * EPOLLIN: the unread bytes fill the socket buffers and the server meets
 * back-pressure) for a twentieth of a second's worth. */
static size_t read_allowance(struct simclient_conn *conn, size_t limit)
{
    long rate = conn->env->options->read_rate;
    size_t n = paced(conn, rate, conn->bytes_in, (uint64_t)rate / 20 + 1,
                     limit);

    conn->throttled = n == 0;
    return n;
}

/* --trickle: one byte when its time has come, else 0 and the timer set
 * for then. */
static size_t trickled(struct simclient_conn *conn, size_t limit)
{
    uint64_t now = clock_now_ns();

    if (limit == 0)
        return 0;
    if (now < conn->next_byte_ns) {
        arm_timer(conn, conn->next_byte_ns);
        return 0;
    }
    conn->next_byte_ns = now + ms_to_ns(conn->env->options->trickle_ms);
    return 1;
}

/* --write-rate: bytes to write now, in steps of a millisecond's worth, so
 * that the server reads them in small pieces. */
static size_t write_allowance(struct simclient_conn *conn, size_t limit)
{
    long rate = conn->env->options->write_rate;
    size_t n = conn->env->options->trickle_ms > 0
                   ? trickled(conn, limit)
                   : paced(conn, rate, conn->bytes_out,
                           (uint64_t)rate / 1000 + 1, limit);

    conn->write_paused = n == 0;
    return n;
}

static bool conn_read(struct simclient_conn *conn)
{
    const struct simclient_conn_env *env = conn->env;

    for (int i = 0; i < CONN_READS_PER_EVENT; i++) {
        size_t want = read_allowance(conn, env->buf_size);
        ssize_t n;

        if (want == 0)
            return want_write(conn, (conn->interest & EPOLLOUT) != 0);
        n = net_read(conn->fd, env->read_buf, want);

        if (n == NET_AGAIN)
            return false;
        if (n == 0)
            return conn_eof(conn);
        if (n == -1)
            return conn_fail_errno(conn, errno);
        conn->bytes_in += (uint64_t)n;
        if (conn_consume(conn, env->read_buf, (size_t)n))
            return true;
    }
    return false;
}

/* After I/O while RUNNING: hold or end when every reply came. */
static bool conn_progress(struct simclient_conn *conn)
{
    long hold_ms = conn->env->options->hold_ms;

    if (conn->replies < conn->req_limit) {
        rearm_request_timer(conn);
        return false;
    }
    if (hold_ms == 0)
        return conn_end(conn, SIMCLIENT_FAILURE_NONE, false, NULL);
    conn->state = CONN_HOLDING;
    arm_timer(conn, clock_now_ns() + ms_to_ns(hold_ms));
    return want_write(conn, false);
}

/* --no-read: the server sent its FIN (EPOLLRDHUP), or reset or failed
 * the connection (EPOLLHUP, EPOLLERR with the error in SO_ERROR). */
static bool no_read_hangup(struct simclient_conn *conn)
{
    int error = net_connect_result(conn->fd);

    if (error == 0)
        return no_read_ended(conn, CONN_END_EOF);
    return conn_fail_errno(conn, error);
}

bool simclient_conn_on_io(struct simclient_conn *conn, uint32_t events)
{
    switch (conn->state) {
    case CONN_CONNECTING:
        return conn_connected(conn);
    case CONN_RUNNING:
        if (no_read(conn) && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
            return no_read_hangup(conn);
        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_read(conn))
            return true;
        if ((conn->interest & EPOLLOUT) && (events & (EPOLLOUT | EPOLLERR)) &&
            conn_write(conn))
            return true;
        return conn_progress(conn);
    case CONN_HOLDING:
    case CONN_IDLING:
        /* Only an end of file (fine when holding), stray bytes or an error
         * can come. */
        return conn_read(conn);
    default:
        return false;
    }
}

bool simclient_conn_on_timer(struct simclient_conn *conn)
{
    const struct simclient_conn_env *env = conn->env;

    switch (conn->state) {
    case CONN_WAITING:
        if (env->deadline_ns != 0 && clock_now_ns() >= env->deadline_ns) {
            conn->state = CONN_IDLE;
            return true;
        }
        return conn_start(conn);
    case CONN_CONNECTING:
        return conn_fail(conn, SIMCLIENT_FAILURE_CONNECT,
                         "not connected after %ld ms", env->options->timeout_ms);
    case CONN_RUNNING:
        if (conn->throttled || conn->write_paused) {
            /* --read-rate, --write-rate: time to go on. */
            conn->throttled = conn->write_paused = false;
            if (want_write(conn, (conn->interest & EPOLLOUT) != 0) ||
                conn_read(conn) || conn_write(conn))
                return true;
            return conn_progress(conn);
        }
        if (no_read(conn))
            return conn_planned(conn, CONN_END_CLOSED, requests_begun(conn),
                                "wrote %lu requests, read nothing; closed "
                                "after --timeout %ld ms",
                                requests_begun(conn), env->options->timeout_ms);
        return conn_fail(conn, SIMCLIENT_FAILURE_TIMEOUT,
                         "no complete reply to request %lu within %ld ms",
                         conn->replies + 1, env->options->timeout_ms);
    case CONN_HOLDING:
        return conn_end(conn, SIMCLIENT_FAILURE_NONE, false, NULL);
    case CONN_IDLING:
        return conn_planned(conn, CONN_END_CLOSED, 0,
                            "idle %ld ms, then closed",
                            env->options->idle_ms);
    default:
        return false;
    }
}

bool simclient_conn_interrupt(struct simclient_conn *conn)
{
    switch (conn->state) {
    case CONN_HOLDING:
        conn_end(conn, SIMCLIENT_FAILURE_NONE, false, NULL);
        return false;
    case CONN_CONNECTING:
    case CONN_RUNNING:
    case CONN_IDLING:
        conn_end(conn, SIMCLIENT_FAILURE_NONE, true, "stopped by a signal");
        return true;
    case CONN_WAITING:
        heap_remove(conn->env->timers, &conn->timer);
        conn->state = CONN_IDLE;
        return true;
    default:
        return false;
    }
}
