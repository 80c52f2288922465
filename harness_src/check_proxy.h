/*
 * check_proxy: the proxy's log indexed for the checks.
 *
 * Built once per check from outcome->proxy, it holds
 *   - the backend names: the scenario's backends first, at their scenario
 *     index, then any other name the proxy logged;
 *   - the balancer events (pick, no_backend, releases, backend_down/up,
 *     and those of a balancer operated while it runs: admin, weight,
 *     backend_added, slowstart, ejected, queued, ...) sorted by seq, ready
 *     to be replayed;
 *   - one record per session (sorted by sid) with its accept, connected,
 *     close and no_backend lines;
 *   - the sessions sorted by client address, to join the clients' logs;
 *   - per-backend totals: picks, connected sessions, connect failures.
 *
 *   check_proxy ──► seq[]      ──► trace_event (owned by outcome->proxy)
 *               ──► sessions[] ──► trace_event
 *               ──► clients[]  ──► sessions[i]
 *
 * It owns its arrays, not the events they point to: the outcome must
 * outlive it. Read-only after check_proxy_build. Single-threaded.
 */
#ifndef CHECK_PROXY_H
#define CHECK_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"
#include "trace.h"

#define CHECK_PROXY_MAX_NAMES (2 * SCENARIO_MAX_BACKENDS)
#define CHECK_PROXY_NONE ((size_t)-1)

enum check_seq_kind {
    CHECK_SEQ_PICK,             /* + 1 on backend */
    CHECK_SEQ_NO_BACKEND,       /* no effect; its cand is checked */
    CHECK_SEQ_RELEASE,          /* close or connect_fail with a seq: - 1 */
    CHECK_SEQ_DOWN,             /* backend_down */
    CHECK_SEQ_UP,               /* backend_up */
    /* The operated balancer (docs/log-format.md): */
    CHECK_SEQ_ADMIN,            /* admin=disabled|draining|ready */
    CHECK_SEQ_DRAINED,          /* a draining backend reached 0 active */
    CHECK_SEQ_WEIGHT,           /* weight=W was=W0 */
    CHECK_SEQ_MAXCONN,          /* maxconn=M was=M0 */
    CHECK_SEQ_ADDED,            /* backend_added */
    CHECK_SEQ_REMOVED,          /* backend_removed */
    CHECK_SEQ_SLOWSTART,        /* a ramp starts: ms=RAMP weight=W */
    CHECK_SEQ_EJECTED,          /* outlier ejection: ms= ejections= */
    CHECK_SEQ_EJECT_SKIPPED,    /* would eject, but max share ejected */
    CHECK_SEQ_RESTORED,         /* ejection over */
    CHECK_SEQ_QUEUED,           /* sid waits: every eligible one full */
    CHECK_SEQ_QUEUE_TIMEOUT,    /* sid waited too long */
    CHECK_SEQ_QUEUE_ABANDONED   /* sid's client left while it waited
                                   (queue_full is not one: it shares its
                                   no_backend's seq) */
};

/* One event that took a balancer sequence number. */
struct check_seq_event {
    long long seq;
    enum check_seq_kind kind;
    int backend;                /* index into names; -1 none or unknown */
    long long sid;              /* -1 for the backends' own events */
    const struct trace_event *ev;
};

/* One proxy session; any line may be missing (NULL). */
struct check_session {
    long long sid;
    const struct trace_event *accept;
    const struct trace_event *connected;    /* the last one */
    const struct trace_event *close;
    const struct trace_event *no_backend;   /* the last one */
};

/* A session under its client address (accept client=). */
struct check_proxy_client {
    const char *client;
    double ts;                  /* of the accept line */
    size_t session;             /* index into sessions */
};

struct check_proxy {
    const struct outcome *outcome;
    const char *names[CHECK_PROXY_MAX_NAMES];
    size_t name_count;
    size_t scenario_backends;   /* names[0..this) are the scenario's */
    struct check_seq_event *seq;        /* sorted by seq, then line */
    size_t seq_count;
    const struct trace_event *unnumbered;   /* first that lacks its seq */
    size_t pick_count;
    struct check_session *sessions;     /* sorted by sid */
    size_t session_count;
    struct check_proxy_client *clients; /* sorted by client, then ts */
    size_t client_count;
    long picks[CHECK_PROXY_MAX_NAMES];
    long connected[CHECK_PROXY_MAX_NAMES];
    long failures[CHECK_PROXY_MAX_NAMES];   /* connect_fail, not local=1 */
    long connected_total;
};

/*
 * Indexes outcome->proxy. Returns 0, or -1 (ENOMEM) with proxy empty (it
 * may still be freed).
 */
int check_proxy_build(struct check_proxy *proxy,
                      const struct outcome *outcome);

/* Frees the arrays (not the events). */
void check_proxy_free(struct check_proxy *proxy);

/* The index of backend name in names, or -1. */
int check_proxy_backend(const struct check_proxy *proxy, const char *name);

/* The index in sessions of session sid, or CHECK_PROXY_NONE. */
size_t check_proxy_session(const struct check_proxy *proxy, long long sid);

/*
 * The session accepted from client address client that a client's line
 * written at ts belongs to: the last one accepted at or before ts (client
 * ports are reused over a long run), else the first. NULL when none.
 */
const struct check_session *check_proxy_client(const struct check_proxy *proxy,
                                               const char *client, double ts);

#endif
