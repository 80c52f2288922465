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

static bool judge_conn(struct relay *r, const struct trace_event *conn)
{
    const char *result = trace_get(conn, "result");
    const char *detail = trace_get(conn, "detail");

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
    const struct outcome *outcome = proxy->outcome;
    struct relay r = { proxy, backends, verdict, 0, 0, 0, 0, 0 };

    for (size_t k = 0; k < outcome->burst_count; k++) {
        const struct trace *log = &outcome->bursts[k].log;

        r.burst = k + 1;
        for (size_t i = 0; i < log->count; i++) {
            if (trace_is(&log->events[i], "conn") &&
                !judge_conn(&r, &log->events[i]))
                return;
        }
    }
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
