/*
 * check_relay: relay exact. See check_relay.h.
 *
 * Each client line costs two binary searches (the proxy session by client
 * address, the backend connection by peer), so a run of 50,000 client
 * connections is judged in O(n log n).
 */
#include "check_relay.h"

#include <stdio.h>
#include <string.h>

#include "check_verdict.h"
#include "line.h"

/* The walk over every client line. */
struct relay {
    const struct check_proxy *proxy;
    const struct check_backends *backends;
    struct check_verdict *verdict;
    size_t burst;               /* 1-based, for reasons */
    long ok;                    /* ok connections judged */
    long unverified;            /* backend connection without a close */
    long long bytes_up;         /* client to backend, all connections */
    long long bytes_down;
};

/* One ok client connection and its proxy session. */
struct judged {
    const struct check_session *session;
    const char *client;         /* the client's local address */
    const char *be;             /* where the session was connected */
    long long c2b;              /* the proxy's close line */
    long long b2c;
};

/*
 * Calls judge(arg, burst, line) on every client conn line, bursts in
 * order (burst is 1-based); stops and returns false when judge does.
 */
static bool each_client_conn(const struct outcome *outcome,
                             bool (*judge)(void *, size_t,
                                           const struct trace_event *),
                             void *arg)
{
    for (size_t k = 0; k < outcome->burst_count; k++) {
        const struct trace *log = &outcome->bursts[k].log;

        for (size_t i = 0; i < log->count; i++) {
            if (trace_is(&log->events[i], "conn") &&
                !judge(arg, k + 1, &log->events[i]))
                return false;
        }
    }
    return true;
}

static bool is_altered(const char *result)
{
    return strcmp(result, "mismatch") == 0 || strcmp(result, "noname") == 0 ||
           strcmp(result, "switched") == 0;
}

/* who saw seen bytes where the proxy relayed relayed (one direction). */
static bool same_bytes(struct relay *r, const struct judged *j,
                       bool to_backend, const char *who, bool who_is_client,
                       long long seen)
{
    long long relayed = to_backend ? j->c2b : j->b2c;

    if (relayed == seen)
        return true;
    check_verdict_set(r->verdict, false, "session %lld (client %s) relayed "
                      "%lld bytes %s %s, but %s %s %lld", j->session->sid,
                      j->client, relayed, to_backend ? "to" : "from", j->be,
                      who, to_backend == who_is_client ? "sent" : "received",
                      seen);
    return false;
}

/* The backend's side of the connection must show the same bytes. */
static bool judge_backend(struct relay *r, const struct judged *j)
{
    const struct trace_event *connected = j->session->connected;
    const char *peer = trace_get(connected, "local");
    int b = check_proxy_backend(r->proxy, j->be);
    const struct check_backend_conn *conn = NULL;
    char who[CHECK_REASON_MAX / 4];

    if (b >= 0)
        conn = check_backends_find(r->backends, (size_t)b, peer,
                                   connected->ts);
    if (conn == NULL) {
        check_verdict_set(r->verdict, false, "%s logged no connection from "
                          "%s, the proxy's end of session %lld (client %s)",
                          j->be, peer ? peer : "-", j->session->sid,
                          j->client);
        return false;
    }
    if (conn->close == NULL) {
        r->unverified++;
        return true;
    }
    snprintf(who, sizeof(who), "%s (cid %lld)", j->be, conn->cid);
    return same_bytes(r, j, true, who, false,
                      trace_get_int(conn->close, "bytes_in", -1)) &&
           same_bytes(r, j, false, who, false,
                      trace_get_int(conn->close, "bytes_out", -1));
}

/* Finds the client's session; false (verdict set) when it is incomplete. */
static bool find_session(struct relay *r, const struct trace_event *conn,
                         struct judged *j)
{
    j->client = trace_get(conn, "local") ? trace_get(conn, "local") : "-";
    j->session = check_proxy_client(r->proxy, j->client, conn->ts);
    if (j->session == NULL) {
        check_verdict_set(r->verdict, false, "client %s (burst %zu) got all "
                          "its replies, but no proxy session accepted it",
                          j->client, r->burst);
        return false;
    }
    if (j->session->connected == NULL || j->session->close == NULL) {
        check_verdict_set(r->verdict, false, "session %lld (client %s) has "
                          "no %s line", j->session->sid, j->client,
                          j->session->connected ? "close" : "connected");
        return false;
    }
    j->be = trace_get(j->session->connected, "be");
    j->c2b = trace_get_int(j->session->close, "bytes_c2b", -1);
    j->b2c = trace_get_int(j->session->close, "bytes_b2c", -1);
    return true;
}

static bool judge_ok(struct relay *r, const struct trace_event *conn)
{
    const char *name = trace_get(conn, "backend");
    struct judged j;

    if (!find_session(r, conn, &j))
        return false;
    /* An echo names no backend: the byte counts below still must agree. */
    if (j.be == NULL || name == NULL ||
        (strcmp(name, LINE_ECHO_NAME) != 0 && strcmp(j.be, name) != 0)) {
        check_verdict_set(r->verdict, false, "client %s (burst %zu) got its "
                          "replies from %s, but its session %lld was "
                          "connected to %s", j.client, r->burst,
                          name ? name : "-", j.session->sid,
                          j.be ? j.be : "-");
        return false;
    }
    if (!same_bytes(r, &j, true, "the client", true,
                    trace_get_int(conn, "bytes_out", -1)) ||
        !same_bytes(r, &j, false, "the client", true,
                    trace_get_int(conn, "bytes_in", -1)))
        return false;
    r->bytes_up += j.c2b;
    r->bytes_down += j.b2c;
    return judge_backend(r, &j);
}

static bool judge_conn(void *arg, size_t burst,
                       const struct trace_event *conn)
{
    struct relay *r = arg;
    const char *result = trace_get(conn, "result");
    const char *detail = trace_get(conn, "detail");

    r->burst = burst;
    if (result != NULL && is_altered(result)) {
        check_verdict_set(r->verdict, false, "client %s (burst %zu) got an "
                          "altered reply: %s%s%s",
                          trace_get(conn, "local") ? trace_get(conn, "local")
                                                   : "-",
                          r->burst, result, detail ? ", " : "",
                          detail ? detail : "");
        return false;
    }
    if (result == NULL || strcmp(result, "ok") != 0)
        return true;
    r->ok++;
    return judge_ok(r, conn);
}

void check_relay_exact(const struct check_proxy *proxy,
                       const struct check_backends *backends,
                       struct check_verdict *verdict)
{
    struct relay r = { proxy, backends, verdict, 0, 0, 0, 0, 0 };

    if (!each_client_conn(proxy->outcome, judge_conn, &r))
        return;
    if (r.ok == 0)
        check_verdict_set(verdict, false, "no client connection ended ok: "
                          "there is no relay to check");
    else if (r.unverified == 0)
        check_verdict_set(verdict, true, "all %ld ok client connections "
                          "match the proxy's and the backends' byte counts "
                          "(%lld bytes up, %lld down)", r.ok, r.bytes_up,
                          r.bytes_down);
    else
        check_verdict_set(verdict, true, "all %ld ok client connections "
                          "match the proxy's byte counts (%lld bytes up, "
                          "%lld down); %ld had no backend close line to "
                          "compare (the backend was killed)", r.ok,
                          r.bytes_up, r.bytes_down, r.unverified);
}

/* --- resets passed ------------------------------------------------------ */

/* The walk over every client line for "resets passed". */
struct resets {
    const struct check_proxy *proxy;
    const struct check_backends *backends;
    struct check_verdict *verdict;
    long reset;                 /* client connections a backend reset */
    long seen;                  /* of those, the ones that saw the end */
};

/* The backend connection of the client conn's session when its backend
 * reset it, else NULL (sets *session). */
static const struct check_backend_conn *
backend_reset_of(const struct resets *r, const struct trace_event *conn,
                 const struct check_session **session)
{
    const char *local = trace_get(conn, "local");
    const struct check_backend_conn *bconn = NULL;
    const char *reason;
    int b;

    *session = local ? check_proxy_client(r->proxy, local, conn->ts) : NULL;
    if (*session == NULL || (*session)->connected == NULL)
        return NULL;
    b = check_proxy_backend(r->proxy, trace_get((*session)->connected, "be"));
    if (b >= 0)
        bconn = check_backends_find(r->backends, (size_t)b,
                                    trace_get((*session)->connected, "local"),
                                    (*session)->connected->ts);
    reason = bconn && bconn->close ? trace_get(bconn->close, "reason") : NULL;
    if (reason == NULL || strcmp(reason, "reset_after_lines") != 0)
        return NULL;
    return bconn;
}

/* One client line; false (verdict set) when its backend's reset reached
 * it as a clean end of file. */
static bool judge_reset(void *arg, size_t burst,
                        const struct trace_event *conn)
{
    struct resets *r = arg;
    const struct check_session *s;
    const struct check_backend_conn *bconn = backend_reset_of(r, conn, &s);
    const char *end = trace_get(conn, "end");
    const char *be = bconn ? trace_get(s->connected, "be") : NULL;
    long long lines;

    if (bconn == NULL)
        return true;
    r->reset++;
    if (end == NULL || strcmp(end, "eof") != 0) {
        r->seen += end != NULL && strcmp(end, "reset") == 0;
        return true;
    }
    lines = trace_get_int(bconn->close, "lines", -1);
    check_verdict_set(r->verdict, false, "session %lld: backend %s reset its "
                      "connection (cid %lld, after %lld line%s), but client %s "
                      "(burst %zu) saw a clean end of stream after %lld bytes "
                      "(the proxy logged reason=%s rst=%s)", s->sid, be,
                      bconn->cid, lines, lines == 1 ? "" : "s",
                      trace_get(conn, "local"), burst,
                      trace_get_int(conn, "bytes_in", -1),
                      s->close && trace_get(s->close, "reason")
                          ? trace_get(s->close, "reason") : "-",
                      s->close && trace_get(s->close, "rst")
                          ? trace_get(s->close, "rst") : "-");
    return false;
}

void check_relay_resets(const struct check_proxy *proxy,
                        const struct check_backends *backends,
                        struct check_verdict *verdict)
{
    struct resets r = { proxy, backends, verdict, 0, 0 };

    if (!each_client_conn(proxy->outcome, judge_reset, &r))
        return;
    if (r.seen == 0)
        check_verdict_set(verdict, false, "no client saw a backend's reset "
                          "(%ld connections reset, every client had closed "
                          "first): there is nothing to check", r.reset);
    else
        check_verdict_set(verdict, true, "all %ld client connections that "
                          "saw their backend's reset saw it as a reset (%ld "
                          "more had closed before it came)", r.seen,
                          r.reset - r.seen);
}
