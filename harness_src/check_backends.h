/*
 * check_backends: the backends' logs indexed for the checks.
 *
 * One dummy_server log may hold several runs (the backend was restarted;
 * each `ev=listen` line starts a run, and connection ids start again at 1).
 * Every accepted connection becomes a check_backend_conn with its run, its
 * close line and whether a fault line named it; they are sorted by peer
 * (the proxy's end of the connection) so that a proxy session's
 * `connected local=` finds its backend connection by binary search.
 * Crash faults (`ev=fault kind=crash`) become windows: from the fault to
 * the next listen line (or forever).
 *
 * Owns its arrays, not the events: the outcome must outlive it. Read-only
 * after check_backends_build. Single-threaded.
 */
#ifndef CHECK_BACKENDS_H
#define CHECK_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"

/* One connection a backend accepted. */
struct check_backend_conn {
    const char *peer;
    int run;                    /* listen lines before its accept */
    long long cid;
    double accept_ts;
    const struct trace_event *close;    /* NULL: none logged */
    bool faulted;               /* a fault line names its cid */
};

/* A stretch of time a backend was dead: [from, to). */
struct check_window {
    double from;
    double to;                  /* INFINITY when it never came back */
};

struct check_backend_log {
    struct check_backend_conn *conns;   /* sorted by peer, run, accept_ts */
    size_t conn_count;
    double *listens;            /* ts of each listen line */
    size_t listen_count;
    struct check_window *crashes;
    size_t crash_count;
};

struct check_backends {
    struct check_backend_log logs[SCENARIO_MAX_BACKENDS];
    size_t count;               /* the scenario's backend_count */
};

/* Indexes every backend log. Returns 0, or -1 (ENOMEM; still free it). */
int check_backends_build(struct check_backends *backends,
                         const struct outcome *outcome);

void check_backends_free(struct check_backends *backends);

/*
 * The connection of backend whose peer is peer, in the run the backend was
 * in at ts (a proxy session's connected time), accepted closest to ts.
 * NULL when there is none.
 */
const struct check_backend_conn *
check_backends_find(const struct check_backends *backends, size_t backend,
                    const char *peer, double ts);

/* True when backend's own log shows a crash overlapping [from, to]. */
bool check_backends_crashed(const struct check_backends *backends,
                            size_t backend, double from, double to);

#endif
