/*
 * dummy_conn: reading, replying and faults of one connection.
 * See dummy_conn.h for ownership and threading.
 *
 * Life of a line: conn_read() reads into the shared scratch buffer, the
 * framer cuts it into lines, conn_on_line() queues one reply per line with
 * its due time, conn_flush() writes the replies that are due, and
 * conn_settle() decides what to wait for next: EPOLLIN unless the peer
 * ended or too much output is unsent, EPOLLOUT when the socket was full,
 * the timer for the next due reply or the pacer's next tick.
 */
#include "dummy_conn.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "count_of.h"
#include "dummy_framer.h"
#include "dummy_pacer.h"
#include "dummy_queue.h"
#include "net.h"

/* Reads of leftover input before a FIN, so that close() sends no RST. */
#define CONN_DRAIN_READS 8

/* One accepted socket and everything it still owes its peer. */
struct dummy_conn {
    struct dummy_conn_env *env;
    struct dummy_conn *prev;        /* in env->conns */
    struct dummy_conn *next;
    struct heap_node timer;         /* in env->timers while waiting */
    int fd;
    uint64_t cid;
    uint32_t events;                /* epoll interest registered now */
    int error;                      /* errno behind reason=error/peer_reset */
    bool peer_eof;                  /* the peer sent its FIN */
    bool write_blocked;             /* the socket was full: wait for EPOLLOUT */
    bool reading_paused;            /* too much unsent output */
    bool answers_done;              /* the *-after-lines limit was queued */
    bool limit_resets;              /* the limit is --reset-after-lines */
    long line_limit;                /* *-after-lines as accepted, or OFF */
    struct dummy_framer framer;
    struct dummy_queue queue;
    struct dummy_pacer pacer;       /* used when --rate is set */
    uint64_t last_due_ms;           /* due time of the newest reply */
    uint64_t lines_queued;
    uint64_t lines_answered;
    uint64_t bytes_in;
    uint64_t bytes_out;
};

/* What conn_on_line needs besides the line. */
struct line_ctx {
    struct dummy_conn *conn;
    uint64_t now_ms;
};

static const char *const reason_names[] = {
    "eof", "peer_reset", "error", "close_after_lines", "reset_after_lines",
    "refuse", "line_too_long", "shutdown"
};

const char *dummy_conn_reason_name(enum dummy_conn_reason reason)
{
    if ((unsigned)reason >= COUNT_OF(reason_names))
        return "?";
    return reason_names[reason];
}

struct dummy_conn *dummy_conn_of_timer(struct heap_node *node)
{
    return (struct dummy_conn *)(void *)((char *)node -
                                         offsetof(struct dummy_conn, timer));
}

/* The per-connection line limit (--close- or --reset-after-lines) or OFF,
 * as the options were when conn was accepted: a live change (--control)
 * applies to new connections only. */
static long conn_line_limit(const struct dummy_conn *conn)
{
    return conn->line_limit;
}

/* --crash-after-lines: dies once the line too many arrived and every line
 * before it was answered (or dropped with its connection). */
static void env_check_crash(const struct dummy_conn_env *env)
{
    if (!env->crash_armed || env->lines_pending > 0)
        return;
    log_event(env->lg, LOG_WARN, "fault",
              "kind=crash trigger=lines limit=%ld lines=%" PRIu64,
              env->opts->crash_after_lines, env->lines_answered);
    /* No cleanup on purpose: this stands for a backend that dies. Its
     * last lines (the harness dates the crash by this one) go out first. */
    log_drain(env->lg, 500);
    raise(SIGKILL);
}

/* The reason a failure with errno err closes a connection with. */
static enum dummy_conn_reason reason_of_errno(int err)
{
    if (err == EMSGSIZE)
        return DUMMY_CONN_LINE_TOO_LONG;
    if (err == ECONNRESET || err == EPIPE)
        return DUMMY_CONN_PEER_RESET;
    return DUMMY_CONN_ERROR;
}

/* Closes conn because something failed with errno err. */
static void conn_fail(struct dummy_conn *conn, int err)
{
    conn->error = err;
    dummy_conn_close(conn, reason_of_errno(err));
}

/* Queues the reply to one line; framer callback (see dummy_framer.h). */
static int conn_on_line(void *arg, const char *payload, size_t len)
{
    struct line_ctx *ctx = arg;
    struct dummy_conn *conn = ctx->conn;
    struct dummy_conn_env *env = conn->env;
    long crash_after = env->opts->crash_after_lines;
    long limit = conn_line_limit(conn);
    uint64_t due;

    if (crash_after != DUMMY_OPTIONS_OFF &&
        env->lines_received >= (uint64_t)crash_after) {
        env->crash_armed = true;
        env_check_crash(env);
        return 1;
    }
    due = dummy_delay_due(&env->delay, ctx->now_ms, conn->last_due_ms);
    if (dummy_queue_push_line(&conn->queue, env->name, env->name_len,
                              payload, len, due) == -1)
        return -1;
    conn->last_due_ms = due;
    conn->lines_queued++;
    env->lines_received++;
    env->lines_pending++;
    if (log_enabled(env->lg, LOG_DEBUG))
        log_event(env->lg, LOG_DEBUG, "line",
                  "cid=%" PRIu64 " len=%zu delay_ms=%" PRIu64, conn->cid, len,
                  due - ctx->now_ms);
    if (limit != DUMMY_OPTIONS_OFF && conn->lines_queued >= (uint64_t)limit) {
        conn->answers_done = true;
        return 1;
    }
    return 0;
}

/* Queues an echo of data. Returns 0 or -1 with errno. */
static int conn_queue_echo(struct dummy_conn *conn, const char *data,
                           size_t len, uint64_t now_ms)
{
    struct dummy_conn_env *env = conn->env;
    uint64_t due = dummy_delay_due(&env->delay, now_ms, conn->last_due_ms);

    if (dummy_queue_push_raw(&conn->queue, data, len, due) == -1)
        return -1;
    conn->last_due_ms = due;
    if (log_enabled(env->lg, LOG_DEBUG))
        log_event(env->lg, LOG_DEBUG, "data",
                  "cid=%" PRIu64 " len=%zu delay_ms=%" PRIu64, conn->cid, len,
                  due - now_ms);
    return 0;
}

/* Turns bytes read into queued replies. Returns 0 or -1 with errno. */
static int conn_take(struct dummy_conn *conn, const char *data, size_t len,
                     uint64_t now_ms)
{
    struct dummy_conn_env *env = conn->env;
    struct line_ctx ctx = { conn, now_ms };

    /* Input nobody will answer is still read, so the peer is not stuck. */
    if (env->opts->hang || conn->answers_done || env->crash_armed)
        return 0;
    if (env->opts->mode == DUMMY_MODE_ECHO)
        return conn_queue_echo(conn, data, len, now_ms);
    if (dummy_framer_feed(&conn->framer, data, len, conn_on_line, &ctx) == -1)
        return -1;
    return 0;
}

/* Reads once (level-triggered: fair to the other connections). Returns 0,
 * or -1 with errno. */
static int conn_read(struct dummy_conn *conn, uint64_t now_ms)
{
    struct dummy_conn_env *env = conn->env;
    ssize_t n = net_read(conn->fd, env->scratch, env->scratch_size);

    if (n == NET_AGAIN)
        return 0;
    if (n == -1)
        return -1;
    if (n == 0) {
        /* Half-close: the replies still queued go out before our FIN. */
        conn->peer_eof = true;
        return 0;
    }
    conn->bytes_in += (uint64_t)n;
    return conn_take(conn, env->scratch, (size_t)n, now_ms);
}

/* Counts bytes written from the head reply. */
static void conn_sent(struct dummy_conn *conn, size_t bytes)
{
    struct dummy_conn_env *env = conn->env;

    if (env->opts->rate > 0)
        dummy_pacer_spend(&conn->pacer, bytes);
    conn->bytes_out += bytes;
    if (dummy_queue_consume(&conn->queue, bytes) == 0 ||
        env->opts->mode != DUMMY_MODE_LINE)
        return;
    conn->lines_answered++;
    env->lines_answered++;
    env->lines_pending--;
    env_check_crash(env);
}

/* Writes the due replies as far as the socket and the pacer allow.
 * Returns 0, or -1 with errno. */
static int conn_flush(struct dummy_conn *conn, uint64_t now_ms)
{
    const struct dummy_reply *head;

    while (!conn->write_blocked &&
           (head = dummy_queue_head(&conn->queue)) != NULL &&
           head->due_ms <= now_ms) {
        size_t want = head->len - head->sent;
        ssize_t n;

        if (conn->env->opts->rate > 0) {
            size_t budget = dummy_pacer_budget(&conn->pacer, now_ms);

            if (budget == 0)
                break;
            if (want > budget)
                want = budget;
        }
        n = net_write(conn->fd, head->data + head->sent, want);
        if (n == NET_AGAIN) {
            conn->write_blocked = true;
            break;
        }
        if (n == -1)
            return -1;
        conn_sent(conn, (size_t)n);
    }
    return 0;
}

/* Registers the epoll interest conn needs now. Returns 0 or -1 with errno. */
static int conn_watch(struct dummy_conn *conn)
{
    struct epoll_event ev;
    uint32_t want = 0;

    /* Resume only at half the limit, so a slow reader does not make us
     * flip the interest on every reply. */
    if (conn->queue.unsent > DUMMY_CONN_OUT_MAX)
        conn->reading_paused = true;
    else if (conn->queue.unsent <= DUMMY_CONN_OUT_MAX / 2)
        conn->reading_paused = false;
    if (!conn->peer_eof && !conn->reading_paused)
        want |= EPOLLIN;
    if (conn->write_blocked)
        want |= EPOLLOUT;
    if (want == conn->events)
        return 0;
    ev.events = want;
    ev.data.ptr = conn;
    if (epoll_ctl(conn->env->epoll_fd, EPOLL_CTL_MOD, conn->fd, &ev) == -1)
        return -1;
    conn->events = want;
    return 0;
}

/* Sets conn's timer to its next wake-up, or removes it when only the peer
 * can make progress. Returns 0 or -1 (ENOMEM). */
static int conn_arm_timer(struct dummy_conn *conn, uint64_t now_ms)
{
    const struct dummy_reply *head = dummy_queue_head(&conn->queue);
    uint64_t wake;

    if (head == NULL || conn->write_blocked) {
        heap_remove(conn->env->timers, &conn->timer);
        return 0;
    }
    if (head->due_ms > now_ms)
        wake = head->due_ms;
    else if (conn->env->opts->rate > 0)
        wake = dummy_pacer_next_ms(&conn->pacer, now_ms);
    else
        wake = now_ms + 1;
    /* Never due again in the same pass over the timers. */
    if (wake <= now_ms)
        wake = now_ms + 1;
    return heap_set(conn->env->timers, &conn->timer, wake);
}

/* Whether conn is done, and why; logs a fault that ends it. */
static bool conn_is_done(struct dummy_conn *conn,
                         enum dummy_conn_reason *reason)
{
    long limit = conn_line_limit(conn);

    if (limit != DUMMY_OPTIONS_OFF && conn->lines_answered >= (uint64_t)limit) {
        bool reset = conn->limit_resets;

        log_event(conn->env->lg, LOG_WARN, "fault",
                  "kind=%s cid=%" PRIu64 " lines=%" PRIu64,
                  reset ? "reset" : "close", conn->cid, conn->lines_answered);
        *reason = reset ? DUMMY_CONN_RESET_AFTER_LINES
                        : DUMMY_CONN_CLOSE_AFTER_LINES;
        return true;
    }
    if (conn->peer_eof && dummy_queue_head(&conn->queue) == NULL) {
        *reason = DUMMY_CONN_EOF;
        return true;
    }
    return false;
}

/* After any progress: closes conn if it is done, else re-arms it. */
static void conn_settle(struct dummy_conn *conn, uint64_t now_ms)
{
    enum dummy_conn_reason reason;

    if (conn_is_done(conn, &reason)) {
        dummy_conn_close(conn, reason);
        return;
    }
    if (conn_watch(conn) == -1 || conn_arm_timer(conn, now_ms) == -1)
        conn_fail(conn, errno);
}

void dummy_conn_on_io(struct dummy_conn *conn, uint32_t events,
                      uint64_t now_ms)
{
    if (events & (EPOLLERR | EPOLLHUP)) {
        /* HUP means both directions are gone: nothing can be answered. */
        int err = net_connect_result(conn->fd);

        conn_fail(conn, err != 0 ? err : ECONNRESET);
        return;
    }
    if (events & EPOLLOUT)
        conn->write_blocked = false;
    if (((events & EPOLLIN) && conn_read(conn, now_ms) == -1) ||
        conn_flush(conn, now_ms) == -1) {
        conn_fail(conn, errno);
        return;
    }
    conn_settle(conn, now_ms);
}

void dummy_conn_on_timer(struct dummy_conn *conn, uint64_t now_ms)
{
    if (conn_flush(conn, now_ms) == -1) {
        conn_fail(conn, errno);
        return;
    }
    conn_settle(conn, now_ms);
}

/* Logs the ev=close of a connection that was never set up. */
static void log_close_unborn(const struct dummy_conn_env *env, uint64_t cid,
                             int err)
{
    log_event(env->lg, LOG_INFO, "close",
              "cid=%" PRIu64 " lines=0 bytes_in=0 bytes_out=0 reason=error "
              "err=%s", cid, log_errno_name(err));
}

/* Allocates conn for fd and links it into env. Returns NULL on ENOMEM. */
static struct dummy_conn *conn_new(struct dummy_conn_env *env, int fd,
                                   uint64_t cid, uint64_t now_ms)
{
    struct dummy_conn *conn = calloc(1, sizeof(*conn));

    if (conn == NULL)
        return NULL;
    conn->env = env;
    conn->fd = fd;
    conn->cid = cid;
    heap_node_init(&conn->timer);
    dummy_framer_init(&conn->framer, DUMMY_CONN_LINE_MAX);
    dummy_queue_init(&conn->queue);
    conn->limit_resets = env->opts->reset_after_lines != DUMMY_OPTIONS_OFF;
    conn->line_limit = conn->limit_resets ? env->opts->reset_after_lines
                                          : env->opts->close_after_lines;
    if (env->opts->rate > 0)
        dummy_pacer_init(&conn->pacer, (uint64_t)env->opts->rate, now_ms);
    conn->next = env->conns;
    if (env->conns != NULL)
        env->conns->prev = conn;
    env->conns = conn;
    return conn;
}

int dummy_conn_accept(struct dummy_conn_env *env, int fd, uint64_t cid,
                      uint64_t now_ms)
{
    struct dummy_conn *conn = conn_new(env, fd, cid, now_ms);
    struct epoll_event ev = { .events = EPOLLIN };

    if (conn == NULL) {
        log_close_unborn(env, cid, ENOMEM);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    if (env->opts->refuse || env->opts->hang)
        log_event(env->lg, LOG_WARN, "fault", "kind=%s cid=%" PRIu64,
                  env->opts->refuse ? "refuse" : "hang", cid);
    if (env->opts->refuse) {
        dummy_conn_close(conn, DUMMY_CONN_REFUSE);
        return 0;
    }
    /* Small request/response lines must not wait for Nagle. */
    net_set_nodelay(fd);
    ev.data.ptr = conn;
    if (epoll_ctl(env->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == -1) {
        int saved = errno;

        conn_fail(conn, saved);
        errno = saved;
        return -1;
    }
    conn->events = EPOLLIN;
    conn_settle(conn, now_ms);  /* a limit of 0 lines ends it right here */
    return 0;
}

/* Reads what the peer already sent: close() with unread input would send
 * an RST where a FIN was meant. */
static void conn_drain(struct dummy_conn *conn)
{
    for (int i = 0; i < CONN_DRAIN_READS; i++) {
        ssize_t n = net_read(conn->fd, conn->env->scratch,
                             conn->env->scratch_size);

        if (n <= 0)
            return;
        conn->bytes_in += (uint64_t)n;
    }
}

static void conn_log_close(const struct dummy_conn *conn,
                           enum dummy_conn_reason reason)
{
    const char *err_name = conn->error != 0 ? log_errno_name(conn->error)
                                            : NULL;

    log_event(conn->env->lg, LOG_INFO, "close",
              "cid=%" PRIu64 " lines=%" PRIu64 " bytes_in=%" PRIu64
              " bytes_out=%" PRIu64 " reason=%s%s%s", conn->cid,
              conn->lines_answered, conn->bytes_in, conn->bytes_out,
              dummy_conn_reason_name(reason), err_name != NULL ? " err=" : "",
              err_name != NULL ? err_name : "");
}

static void conn_unlink(struct dummy_conn *conn)
{
    if (conn->prev != NULL)
        conn->prev->next = conn->next;
    else
        conn->env->conns = conn->next;
    if (conn->next != NULL)
        conn->next->prev = conn->prev;
}

void dummy_conn_close(struct dummy_conn *conn, enum dummy_conn_reason reason)
{
    struct dummy_conn_env *env = conn->env;

    if (reason != DUMMY_CONN_RESET_AFTER_LINES &&
        reason != DUMMY_CONN_PEER_RESET && reason != DUMMY_CONN_ERROR)
        conn_drain(conn);
    conn_log_close(conn, reason);
    heap_remove(env->timers, &conn->timer);
    /* close() also takes the socket out of the epoll set. */
    if (reason == DUMMY_CONN_RESET_AFTER_LINES)
        net_close_reset(conn->fd);
    else
        close(conn->fd);
    if (env->opts->mode == DUMMY_MODE_LINE)
        env->lines_pending -= conn->queue.count;
    conn_unlink(conn);
    dummy_framer_free(&conn->framer);
    dummy_queue_clear(&conn->queue);
    free(conn);
    if (reason != DUMMY_CONN_SHUTDOWN)
        env_check_crash(env);
}

void dummy_conn_close_all(struct dummy_conn_env *env)
{
    while (env->conns != NULL)
        dummy_conn_close(env->conns, DUMMY_CONN_SHUTDOWN);
}

void dummy_conn_retune(struct dummy_conn_env *env, uint64_t now_ms)
{
    for (struct dummy_conn *conn = env->conns; conn != NULL;
         conn = conn->next) {
        if (env->opts->rate > 0)
            dummy_pacer_init(&conn->pacer, (uint64_t)env->opts->rate, now_ms);
        /* A reply held back by the old rate goes at the new one now. */
        if (heap_node_queued(&conn->timer) &&
            heap_set(env->timers, &conn->timer, now_ms) == -1)
            continue;   /* moving a queued node never allocates */
    }
}
