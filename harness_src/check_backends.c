/*
 * check_backends: the backends' logs indexed. See check_backends.h.
 *
 * Each log is read once: accepts become connections, close and fault
 * lines are set aside with their (run, cid); sorting the connections by
 * (run, cid) attaches them by binary search, and a second sort by peer
 * makes the index the proxy-side lookups need.
 */
#include "check_backends.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A close or fault line waiting for its connection. */
struct cid_line {
    int run;
    long long cid;
    const struct trace_event *ev;
};

static int compare_run_cid(int run_a, long long cid_a, int run_b,
                           long long cid_b)
{
    if (run_a != run_b)
        return run_a < run_b ? -1 : 1;
    return (cid_a > cid_b) - (cid_a < cid_b);
}

static int compare_conn_cid(const void *a, const void *b)
{
    const struct check_backend_conn *x = a, *y = b;

    return compare_run_cid(x->run, x->cid, y->run, y->cid);
}

static int compare_conn_peer(const void *a, const void *b)
{
    const struct check_backend_conn *x = a, *y = b;
    int order = strcmp(x->peer, y->peer);

    if (order != 0)
        return order;
    if (x->run != y->run)
        return x->run < y->run ? -1 : 1;
    return (x->accept_ts > y->accept_ts) - (x->accept_ts < y->accept_ts);
}

static struct check_backend_conn *find_cid(struct check_backend_log *log,
                                           int run, long long cid)
{
    struct check_backend_conn key = { .run = run, .cid = cid };

    return bsearch(&key, log->conns, log->conn_count, sizeof(key),
                   compare_conn_cid);
}

static void note_listen(struct check_backend_log *log, double ts)
{
    for (size_t i = 0; i < log->crash_count; i++) {
        if (isinf(log->crashes[i].to))
            log->crashes[i].to = ts;
    }
    log->listens[log->listen_count++] = ts;
}

static void note_accept(struct check_backend_log *log,
                        const struct trace_event *ev)
{
    struct check_backend_conn *conn = &log->conns[log->conn_count++];

    memset(conn, 0, sizeof(*conn));
    conn->peer = trace_get(ev, "peer") ? trace_get(ev, "peer") : "-";
    conn->run = (int)log->listen_count;
    conn->cid = trace_get_int(ev, "cid", -1);
    conn->accept_ts = ev->ts;
}

static bool is_crash(const struct trace_event *ev)
{
    const char *kind = trace_get(ev, "kind");

    return trace_is(ev, "fault") && kind != NULL && strcmp(kind, "crash") == 0;
}

/* Sorts one line into the log; returns how many cid lines it added. */
static size_t note_line(struct check_backend_log *log,
                        const struct trace_event *ev, struct cid_line *out)
{
    if (trace_is(ev, "listen"))
        note_listen(log, ev->ts);
    else if (trace_is(ev, "accept"))
        note_accept(log, ev);
    if (is_crash(ev)) {
        log->crashes[log->crash_count].from = ev->ts;
        log->crashes[log->crash_count++].to = INFINITY;
    }
    if (!(trace_is(ev, "close") || trace_is(ev, "fault")) ||
        trace_get(ev, "cid") == NULL)
        return 0;
    out->run = (int)log->listen_count;
    out->cid = trace_get_int(ev, "cid", -1);
    out->ev = ev;
    return 1;
}

static void attach(struct check_backend_log *log, const struct cid_line *lines,
                   size_t count)
{
    qsort(log->conns, log->conn_count, sizeof(*log->conns), compare_conn_cid);
    for (size_t i = 0; i < count; i++) {
        struct check_backend_conn *conn = find_cid(log, lines[i].run,
                                                   lines[i].cid);

        if (conn != NULL && trace_is(lines[i].ev, "close"))
            conn->close = lines[i].ev;
        else if (conn != NULL)
            conn->faulted = true;
    }
    qsort(log->conns, log->conn_count, sizeof(*log->conns), compare_conn_peer);
}

static int build_log(struct check_backend_log *log, const struct trace *trace)
{
    size_t n = trace->count + 1, line_count = 0;
    struct cid_line *lines = malloc(n * sizeof(*lines));

    log->conns = malloc(n * sizeof(*log->conns));
    log->listens = malloc(n * sizeof(*log->listens));
    log->crashes = malloc(n * sizeof(*log->crashes));
    if (!lines || !log->conns || !log->listens || !log->crashes) {
        free(lines);
        return -1;
    }
    for (size_t i = 0; i < trace->count; i++)
        line_count += note_line(log, &trace->events[i], &lines[line_count]);
    attach(log, lines, line_count);
    free(lines);
    return 0;
}

int check_backends_build(struct check_backends *backends,
                         const struct outcome *outcome)
{
    memset(backends, 0, sizeof(*backends));
    backends->count = outcome->scenario->backend_count;
    for (size_t b = 0; b < backends->count; b++) {
        if (build_log(&backends->logs[b], &outcome->backends[b]) == -1) {
            check_backends_free(backends);
            errno = ENOMEM;
            return -1;
        }
    }
    return 0;
}

void check_backends_free(struct check_backends *backends)
{
    for (size_t b = 0; b < SCENARIO_MAX_BACKENDS; b++) {
        free(backends->logs[b].conns);
        free(backends->logs[b].listens);
        free(backends->logs[b].crashes);
    }
    memset(backends, 0, sizeof(*backends));
}

/* The first connection not ordered before (peer, run). */
static size_t lower_bound(const struct check_backend_log *log,
                          const char *peer, int run)
{
    size_t low = 0, high = log->conn_count;

    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int order = strcmp(log->conns[mid].peer, peer);

        if (order < 0 || (order == 0 && log->conns[mid].run < run))
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

const struct check_backend_conn *
check_backends_find(const struct check_backends *backends, size_t backend,
                    const char *peer, double ts)
{
    const struct check_backend_log *log;
    const struct check_backend_conn *best = NULL;
    int run = 0;

    if (backend >= backends->count || peer == NULL)
        return NULL;
    log = &backends->logs[backend];
    while ((size_t)run < log->listen_count && log->listens[run] <= ts)
        run++;
    for (size_t i = lower_bound(log, peer, run); i < log->conn_count; i++) {
        const struct check_backend_conn *conn = &log->conns[i];

        if (conn->run != run || strcmp(conn->peer, peer) != 0)
            break;
        if (best == NULL ||
            fabs(conn->accept_ts - ts) < fabs(best->accept_ts - ts))
            best = conn;
    }
    return best;
}

bool check_backends_crashed(const struct check_backends *backends,
                            size_t backend, double from, double to)
{
    const struct check_backend_log *log;

    if (backend >= backends->count)
        return false;
    log = &backends->logs[backend];
    for (size_t i = 0; i < log->crash_count; i++) {
        if (log->crashes[i].from <= to && log->crashes[i].to >= from)
            return true;
    }
    return false;
}
