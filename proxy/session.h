/*
 * session: one client connection relayed to one backend.
 *
 *     client fd ──► relay c2b ──► backend fd
 *     client fd ◄── relay b2c ◄── backend fd
 *
 * A session is created by its worker when the pool deals it a client,
 * and lives and dies on that worker's thread: no session field is ever
 * touched by another thread, so none needs a lock. Its life:
 *
 *   start: pick a backend (least connections), start a non-blocking connect
 *   connecting: wait for the connect; on failure or timeout release the
 *     backend, mark the failure and pick another (no client byte has been
 *     read yet, so nothing is lost); with no backend left, close the client
 *   relaying: both relays run; a FIN is passed on as a half-close; the
 *     session ends when both directions are done, on an error, or idle.
 *     A side whose socket broke has the other side reset, not closed,
 *     once what it can take now of the broken side's bytes was written
 *   close: release the backend (exactly once per pick; as a failure when
 *     it closed before its first byte after the client sent some), log,
 *     free
 *
 * The worker gives every session on it a shared struct worker_ctx: its
 * epoll fd, scratch buffer, logger and timer lists.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "balancer.h"
#include "config.h"
#include "log.h"
#include "net.h"

struct session;

/* A list of sessions in deadline order (each list has one timeout). */
struct session_list {
    struct session *head;
    struct session *tail;
};

/* What the proxy's threads share: read-only except where noted. */
struct proxy_shared {
    const struct config *config;
    struct balancer *balancer;
    /* Live sessions in the whole proxy (for --maxconn); atomic. */
    _Atomic long live_sessions;
    /* The last session id given (1, 2, 3... in accept order); atomic. */
    _Atomic uint64_t next_sid;
    /* Accepting paused for lack of descriptors (acceptor.c); atomics.
     * Paused while now < until and no session ended since (live_sessions
     * still >= paused_live). An episode runs from the first pause to the
     * next accept; held counts the pauses in it. */
    _Atomic uint64_t accept_paused_until_ms;
    _Atomic long accept_paused_live;
    _Atomic uint64_t accept_episode_ms;     /* its start; 0: none */
    _Atomic uint64_t accept_held;
    _Atomic uint64_t accept_episodes;       /* since start, for stats */
    /* A descriptor kept for a backend socket (acceptor.h); -1: spent. */
    _Atomic int reserve_fd;
};

/* Per worker: everything its sessions need. Owned by the worker thread. */
struct worker_ctx {
    int epoll_fd;
    char *scratch;              /* one read's worth, shared by all sessions */
    size_t scratch_size;
    const struct logger *log;
    struct proxy_shared *shared;
    uint64_t now_ms;            /* the loop's clock, refreshed per wakeup */
    size_t sessions;            /* open sessions on this worker */
    size_t splicing;            /* relays of them that splice (hold a pipe) */
    /* Sessions and mailbox clients of this worker, read by the others'
     * acceptors; atomic. Counted up by worker_hand_off, down here. */
    _Atomic long load;
    struct session_list connecting;    /* by connect deadline */
    struct session_list relaying;      /* by idle deadline */
    struct session_list queued;        /* by --queue-timeout deadline */
    struct session_list closed;        /* freed after each event batch */
    /* For sessions that wait in the balancer's queue: the waiter the next
     * one takes (allocated ahead, so the pick that queues cannot fail for
     * memory), and how a release hands it back to this worker. */
    struct balancer_waiter *spare_waiter;
    void (*waiter_ready)(struct balancer_waiter *waiter);
    void *waiter_owner;
};

/* One live session, as "show sessions" lists it. */
struct session_row {
    uint64_t sid;
    int backend;                /* -1: none (queued, or between picks) */
    const char *state;          /* "queued", "connecting", "relaying" */
    uint64_t age_ms;
    uint64_t bytes_c2b;
    uint64_t bytes_b2c;
};

/*
 * Takes ownership of client_fd (non-blocking) and starts its session: logs
 * the accept, picks a backend and starts connecting. On failure the client
 * is closed and the reason logged; nothing is returned because the session
 * always ends up either running or closed.
 */
void session_start(struct worker_ctx *ctx, int client_fd, uint64_t sid,
                   const struct net_addr *client_addr);

/* Handles epoll events for one of a session's sockets (the epoll data). */
void session_handle_event(struct worker_ctx *ctx, void *endpoint,
                          uint32_t events);

/* Milliseconds until the next session deadline, or -1 when there is none
 * (the queued sessions' aside: session_queue_timeout). */
int session_next_timeout(const struct worker_ctx *ctx);

/* Milliseconds until the first queued session's --queue-timeout, or -1
 * when none waits. */
int session_queue_timeout(const struct worker_ctx *ctx);

/* Closes or retries the sessions whose deadline has passed. */
void session_expire(struct worker_ctx *ctx);

/*
 * A waiter of one of this worker's sessions was served by a release (on
 * any thread) and came back through the mailbox: the session goes on with
 * the pick made for it, or, when it was closed meanwhile, the waiter is
 * freed. Worker thread only.
 */
void session_waiter_ready(struct worker_ctx *ctx, struct balancer_waiter *w);

/* Fills rows with up to max of the worker's live sessions (queued, then
 * connecting, then relaying). Worker thread only. Returns the count. */
size_t session_rows(const struct worker_ctx *ctx, struct session_row *rows,
                    size_t max);

/* Frees the sessions closed since the last call (call after each batch). */
void session_reap(struct worker_ctx *ctx);

/* Closes every session, logging reason (for shutdown). */
void session_close_all(struct worker_ctx *ctx, const char *reason);

#endif
