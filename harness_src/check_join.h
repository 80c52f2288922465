/*
 * check_join: the clients' connections joined to the proxy's sessions.
 *
 * Every ev=conn line of every burst that has a local address is matched
 * to the session the proxy accepted from that address (check_proxy_client),
 * so a check can ask, for a session, which client it served, in which
 * burst, and how that client's connection ended.
 *
 *   check_join ──► conns[session index] ──► ev=conn (owned by the outcome)
 *
 * Owns its array, not the events: the outcome must outlive it. Read-only
 * after check_join_build. Single-threaded.
 */
#ifndef CHECK_JOIN_H
#define CHECK_JOIN_H

#include <stddef.h>

#include "check_proxy.h"
#include "trace.h"

/* The client of one session; conn NULL when no client line names it. */
struct check_join_conn {
    const struct trace_event *conn;
    size_t burst;               /* index into outcome->bursts */
    int number;                 /* the burst as "burst=N" counts it */
};

struct check_join {
    struct check_join_conn *conns;  /* [proxy->session_count] */
    size_t count;
};

/* Joins every burst's conn lines to proxy's sessions. Returns 0, or -1
 * (ENOMEM) with join empty (it may still be freed). */
int check_join_build(struct check_join *join, const struct check_proxy *proxy);

void check_join_free(struct check_join *join);

/* The client of proxy->sessions[session], or NULL. */
const struct check_join_conn *check_join_of(const struct check_join *join,
                                            size_t session);

/* The scenario line of outcome->bursts[burst]'s clients action (0 when
 * unknown), for reasons. */
int check_join_burst_line(const struct outcome *outcome, size_t burst);

#endif
