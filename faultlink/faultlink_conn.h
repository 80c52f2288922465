/*
 * faultlink_conn: one relayed connection of fault_link, its two sockets
 * and its two directions ("up": client -> target, "down": target ->
 * client), each relayed either by splice (proxy/relay.c) while no fault
 * shapes it, or through a faultlink_stream while one does.
 *
 *   faultlink_conn ──owns──► client fd, target fd, relay x2, stream x2,
 *        │                   its timer node in env->timers
 *        └──borrows──► faultlink_env (logger, epoll, heap, scratch, faults)
 *
 * Which faults a connection gets is decided by faultlink_fault_chosen from
 * its number; faultlink_conn_apply re-reads the table whenever it changes.
 * A connection is closed only by its own event or timer (faultlink_conn_
 * apply never closes one: it schedules the timer), and a closed one is
 * freed only by faultlink_conn_reap, after the epoll_wait batch that may
 * still hold an event of its other socket. One thread.
 */
#ifndef FAULTLINK_CONN_H
#define FAULTLINK_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faultlink_fault.h"
#include "heap.h"
#include "log.h"
#include "net.h"

struct faultlink_conn;

/* What every connection shares; owned by the link. */
struct faultlink_env {
    const struct logger *lg;
    int epoll_fd;
    struct heap *timers;        /* of struct faultlink_conn, by deadline */
    char *scratch;              /* one read's buffer */
    size_t scratch_size;
    uint64_t seed;
    const struct faultlink_faults *faults;
    struct net_addr to;
    struct faultlink_conn *conns;   /* every open connection */
    struct faultlink_conn *dead;    /* closed, not yet freed */
};

/* Which socket of a connection an epoll event is for. */
enum faultlink_side_id { FAULTLINK_CLIENT, FAULTLINK_TARGET };

/* One socket of a connection: the epoll data of its registration. */
struct faultlink_side {
    struct faultlink_conn *conn;
    int fd;
    bool readable;          /* edge seen, EAGAIN not yet */
    bool writable;
    bool rdhup;             /* the peer's FIN has arrived */
};

/*
 * Starts relaying client_fd (accepted, non-blocking) as connection id:
 * connects to env->to, watches both sockets and applies the faults in
 * force. On failure logs ev=close reason=error and closes client_fd.
 */
void faultlink_conn_open(struct faultlink_env *env, int client_fd,
                         uint64_t id, uint64_t now_ms);

/* Handles epoll events on one side; may close the connection. */
void faultlink_conn_event(struct faultlink_side *side, uint32_t events,
                          uint64_t now_ms);

/* The connection whose timer node this is. */
struct faultlink_conn *faultlink_conn_of_timer(struct heap_node *node);

/* Its timer is due: moves it on; may close the connection. */
void faultlink_conn_timer(struct faultlink_conn *conn, uint64_t now_ms);

/* Re-reads the faults in force (after a change) and schedules the timer
 * at now_ms to act on them. Never closes the connection itself. */
void faultlink_conn_apply(struct faultlink_conn *conn, uint64_t now_ms);

/* faultlink_conn_apply on every open connection. */
void faultlink_conn_apply_all(struct faultlink_env *env, uint64_t now_ms);

/* Closes it, logging ev=close with reason (freed by faultlink_conn_reap). */
void faultlink_conn_close(struct faultlink_conn *conn, const char *reason);

/* Closes every open connection with reason. */
void faultlink_conn_close_all(struct faultlink_env *env, const char *reason);

/* Frees the connections closed since the last call. */
void faultlink_conn_reap(struct faultlink_env *env);

#endif
