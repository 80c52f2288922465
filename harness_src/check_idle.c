/*
 * check_idle: idle-closed within D. See check_idle.h.
 */
#include "check_idle.h"

#include <math.h>
#include <string.h>

#include "check_verdict.h"
#include "parse.h"

/* proxy_server's own default (proxy/config_options.c). */
#define IDLE_DEFAULT_MS 60000L

long check_idle_timeout_ms(const struct scenario *scenario)
{
    long ms;

    for (size_t i = 0; i < scenario->proxy_count; i++) {
        if (strcmp(scenario->proxy[i].key, "idle-timeout") == 0 &&
            parse_duration_ms(scenario->proxy[i].value, 0, 86400000L,
                              &ms) == 0)
            return ms;
    }
    return IDLE_DEFAULT_MS;
}

/* The latest request line and reply due of backend connection conn at or
 * before until, into *quiet's bounds (as times); notes replies due later. */
static void backend_activity(const struct trace *log,
                             const struct check_backend_conn *conn,
                             double until, double *reply, double *any,
                             bool *pending)
{
    double end = conn->close ? conn->close->ts : INFINITY;

    for (size_t i = 0; i < log->count; i++) {
        const struct trace_event *ev = &log->events[i];
        double due;

        if (ev->ts < conn->accept_ts || ev->ts > end || ev->ts > until ||
            !(trace_is(ev, "line") || trace_is(ev, "data")) ||
            trace_get_int(ev, "cid", -1) != conn->cid)
            continue;
        due = ev->ts + (double)trace_get_int(ev, "delay_ms", 0) / 1000.0;
        *pending |= due > until;
        *any = fmax(*any, ev->ts);
        if (due <= until) {
            *reply = fmax(*reply, due);
            *any = fmax(*any, due);
        }
    }
}

bool check_idle_quiet(const struct check_proxy *proxy,
                      const struct check_backends *backends,
                      const struct check_session *s,
                      struct check_idle_quiet *quiet)
{
    const struct check_backend_conn *conn = NULL;
    double reply, any;
    int b;

    if (s->connected == NULL || s->close == NULL)
        return false;
    reply = any = s->connected->ts;
    quiet->reply_pending = false;
    b = check_proxy_backend(proxy, trace_get(s->connected, "be"));
    if (b >= 0 && (size_t)b < backends->count)
        conn = check_backends_find(backends, (size_t)b,
                                   trace_get(s->connected, "local"),
                                   s->connected->ts);
    if (conn != NULL)
        backend_activity(&proxy->outcome->backends[b], conn, s->close->ts,
                         &reply, &any, &quiet->reply_pending);
    quiet->since_reply = s->close->ts - reply;
    quiet->since_any = s->close->ts - any;
    return true;
}

/* Judges one session; false (verdict set) when it breaks the check. */
static bool judge_session(const struct scenario_expect *e,
                          const struct check_proxy *proxy,
                          const struct check_backends *backends,
                          const struct check_session *s, long *closed,
                          struct check_verdict *verdict)
{
    double idle = (double)check_idle_timeout_ms(proxy->outcome->scenario) /
                  1000.0;
    double limit = idle + (double)e->within_ms / 1000.0;
    struct check_idle_quiet quiet;
    const char *reason;
    bool by_timeout;
    double at;

    if (!check_idle_quiet(proxy, backends, s, &quiet))
        return true;
    reason = trace_get(s->close, "reason");
    by_timeout = reason != NULL && strcmp(reason, "idle_timeout") == 0;
    at = check_verdict_time(proxy->outcome, s->close->ts);
    *closed += by_timeout;
    if (by_timeout && quiet.since_reply < idle - CHECK_IDLE_SLACK_S)
        check_verdict_set(verdict, false, "session %lld was closed by the "
                          "idle timeout at t=%.3fs, only %.0f ms after its "
                          "last reply (the timeout is %.0f ms)", s->sid, at,
                          quiet.since_reply * 1000, idle * 1000);
    else if (quiet.since_any > limit)
        check_verdict_set(verdict, false, "session %lld was quiet for %.0f "
                          "ms before its close at t=%.3fs (reason %s), more "
                          "than the idle timeout %.0f ms + %ld ms",
                          s->sid, quiet.since_any * 1000, at,
                          reason ? reason : "-", idle * 1000, e->within_ms);
    else
        return true;
    return false;
}

void check_idle_closed(const struct scenario_expect *e,
                       const struct check_proxy *proxy,
                       const struct check_backends *backends,
                       struct check_verdict *verdict)
{
    long closed = 0;

    for (size_t i = 0; i < proxy->session_count; i++) {
        if (!judge_session(e, proxy, backends, &proxy->sessions[i], &closed,
                           verdict))
            return;
    }
    if (closed == 0)
        check_verdict_set(verdict, false, "no session was closed by the idle "
                          "timeout (reason=idle_timeout): nothing was shown");
    else
        check_verdict_set(verdict, true, "%ld session%s closed by the idle "
                          "timeout, each within %ld ms of it, and no other "
                          "session stayed quiet that long", closed,
                          closed == 1 ? " was" : "s were", e->within_ms);
}
