/*
 * dummy_conn: one accepted client connection of the backend.
 *
 * A connection reads bytes, turns them into replies (line or echo mode),
 * keeps each reply queued until its due time and writes it out, held back
 * by --rate and by how fast the peer reads. It applies the per-connection
 * faults (--hang, --refuse, --close-after-lines, --reset-after-lines) and
 * takes part in --crash-after-lines, which counts lines over all
 * connections.
 *
 *   dummy_server ──owns──► struct dummy_conn_env (one per server): timer heap,
 *                            │  read buffer, line counters, open connections
 *                            ▼
 *                          struct dummy_conn ──owns──► socket, framer tail,
 *                                                      queue of replies
 *
 * A connection frees itself when it closes, which can happen inside
 * dummy_conn_accept, dummy_conn_on_io, dummy_conn_on_timer and of course
 * dummy_conn_close: callers must not touch it afterwards. Each open
 * connection is in the epoll set with data.ptr pointing at it, and in the
 * heap while it waits for a due time or for the pacer.
 * Everything runs on the server's one thread; nothing here locks.
 */
#ifndef DUMMY_CONN_H
#define DUMMY_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dummy_delay.h"
#include "dummy_options.h"
#include "heap.h"
#include "line.h"
#include "log.h"

/* Unsent output above which a connection stops reading (back-pressure). */
#define DUMMY_CONN_OUT_MAX (1024 * 1024)
/* Longest payload accepted without its '\n': as long as simulate_client
 * may send. The framer's tail grows only as a line's bytes arrive. */
#define DUMMY_CONN_LINE_MAX LINE_PAYLOAD_MAX

struct dummy_conn;

/* What the connections of one server share. The server fills it in. */
struct dummy_conn_env {
    const struct dummy_options *opts;
    const struct logger *lg;
    const char *name;           /* first word of every line reply */
    size_t name_len;
    int epoll_fd;
    struct heap *timers;        /* each connection keyed by its next wake-up */
    struct dummy_delay delay;   /* latency and jitter of every reply */
    char *scratch;              /* read buffer lent to one read at a time */
    size_t scratch_size;
    struct dummy_conn *conns;   /* open connections, newest first */
    uint64_t lines_received;    /* lines queued for an answer, all connections */
    uint64_t lines_answered;    /* line replies written in full */
    uint64_t lines_pending;     /* queued, neither answered nor dropped yet */
    bool crash_armed;           /* --crash-after-lines: one line too many came */
};

/* Why a connection ended: the reason= key of ev=close. */
enum dummy_conn_reason {
    DUMMY_CONN_EOF,
    DUMMY_CONN_PEER_RESET,
    DUMMY_CONN_ERROR,
    DUMMY_CONN_CLOSE_AFTER_LINES,
    DUMMY_CONN_RESET_AFTER_LINES,
    DUMMY_CONN_REFUSE,
    DUMMY_CONN_LINE_TOO_LONG,
    DUMMY_CONN_SHUTDOWN
};

/* The text of reason as logged ("eof", "peer_reset", ...). */
const char *dummy_conn_reason_name(enum dummy_conn_reason reason);

/*
 * Takes over fd, a connected non-blocking socket accepted as connection
 * cid, and starts serving it (or applies --refuse at once). Returns 0, or
 * -1 with errno when it could not be set up; the socket is then closed and
 * ev=close reason=error logged. Either way the caller no longer owns fd.
 */
int dummy_conn_accept(struct dummy_conn_env *env, int fd, uint64_t cid,
                      uint64_t now_ms);

/* Handles the epoll events reported for conn. May close and free conn. */
void dummy_conn_on_io(struct dummy_conn *conn, uint32_t events,
                      uint64_t now_ms);

/*
 * Handles conn's timer, which is due. Afterwards the timer is either gone
 * or later than now_ms, so a loop over due timers always ends. May close
 * and free conn.
 */
void dummy_conn_on_timer(struct dummy_conn *conn, uint64_t now_ms);

/* The connection whose timer node this is. */
struct dummy_conn *dummy_conn_of_timer(struct heap_node *node);

/*
 * Logs ev=close, closes the socket (with an RST for reset_after_lines, else
 * a FIN), drops the replies still queued and frees conn.
 */
void dummy_conn_close(struct dummy_conn *conn, enum dummy_conn_reason reason);

/*
 * Applies a live change of env->opts (dummy_server --control) to the open
 * connections: each restarts its pacer at the new --rate, and each that
 * waits on a timer is woken at now_ms to look again. --latency and
 * --jitter live in env->delay (the server updates it); the other options
 * are read where they apply, and the *-after-lines limits are kept as
 * each connection was accepted with.
 */
void dummy_conn_retune(struct dummy_conn_env *env, uint64_t now_ms);

/* Closes every open connection of env with reason shutdown. */
void dummy_conn_close_all(struct dummy_conn_env *env);

#endif
