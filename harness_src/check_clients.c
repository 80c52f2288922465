/*
 * check_clients: clients ok, clients failed<=N, no-lost-clients. See
 * check_clients.h.
 */
#include "check_clients.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check_cand.h"
#include "check_replay.h"
#include "check_timeline.h"
#include "check_verdict.h"
#include "count_of.h"

static const char *const failure_kinds[] = {
    "connect", "reset", "closed", "mismatch", "noname", "switched", "timeout",
    "other",
};

#define KIND_COUNT (COUNT_OF(failure_kinds))

/* Client connections of one or more logs, by result. */
struct tally {
    long ok;
    long failed;
    long by_kind[KIND_COUNT];
};

/* A finished connection that is neither ok nor interrupted. */
static bool conn_failed(const struct trace_event *ev)
{
    const char *result = trace_get(ev, "result");

    return trace_is(ev, "conn") &&
           (result == NULL || (strcmp(result, "ok") != 0 &&
                               strcmp(result, "interrupted") != 0));
}

static void tally_log(const struct trace *log, struct tally *tally)
{
    for (size_t i = 0; i < log->count; i++) {
        const char *result = trace_get(&log->events[i], "result");
        size_t kind = 0;

        if (!conn_failed(&log->events[i])) {
            tally->ok += trace_is(&log->events[i], "conn") && result &&
                         strcmp(result, "ok") == 0;
            continue;
        }
        while (kind < KIND_COUNT - 1 &&
               (result == NULL || strcmp(result, failure_kinds[kind]) != 0))
            kind++;
        tally->by_kind[kind]++;
        tally->failed++;
    }
}

/* Writes "reset 2, closed 1" into buf. */
static void tally_format(const struct tally *tally, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < KIND_COUNT && used < size; k++) {
        int n;

        if (tally->by_kind[k] == 0)
            continue;
        n = snprintf(buf + used, size - used, "%s%s %ld", used ? ", " : "",
                     failure_kinds[k], tally->by_kind[k]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* Appends to a reason being built, cutting it when it gets long. */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t size, const char *format, ...)
{
    size_t used = strlen(buf);
    va_list args;

    if (used + 1 >= size)
        return;
    va_start(args, format);
    vsnprintf(buf + used, size - used, format, args);
    va_end(args);
}

/* --- clients ok -------------------------------------------------------- */

static bool burst_may_fail(const struct outcome *outcome, size_t k)
{
    const struct scenario *scenario = outcome->scenario;
    int event = outcome->bursts[k].event;

    return event >= 0 && (size_t)event < scenario->event_count &&
           scenario->events[event].burst.may_fail;
}

static int burst_line(const struct outcome *outcome, size_t k)
{
    int event = outcome->bursts[k].event;

    if (event < 0 || (size_t)event >= outcome->scenario->event_count)
        return 0;
    return outcome->scenario->events[event].line;
}

/* Appends why burst k did not exit 0. */
static void describe_burst(const struct outcome *outcome, size_t k,
                           const struct tally *tally, char *buf, size_t size)
{
    int status = outcome->bursts[k].exit_status;
    char kinds[CHECK_REASON_MAX / 2];

    tally_format(tally, kinds, sizeof(kinds));
    append(buf, size, "%sburst %zu (line %d) ", buf[0] ? "; " : "", k + 1,
           burst_line(outcome, k));
    if (status == -1)
        append(buf, size, "never ran");
    else if (tally->failed == 0)
        append(buf, size, "exited %d with no failed connection logged",
               status);
    else
        append(buf, size, "exited %d: %ld connection%s failed (%s)", status,
               tally->failed, tally->failed == 1 ? "" : "s", kinds);
}

void check_clients_ok(const struct outcome *outcome,
                      struct check_verdict *verdict)
{
    char failures[CHECK_REASON_MAX] = "";
    size_t judged = 0;
    long ok = 0;

    for (size_t k = 0; k < outcome->burst_count; k++) {
        struct tally tally = { 0 };

        if (burst_may_fail(outcome, k))
            continue;
        judged++;
        tally_log(&outcome->bursts[k].log, &tally);
        ok += tally.ok;
        if (outcome->bursts[k].exit_status != 0)
            describe_burst(outcome, k, &tally, failures, sizeof(failures));
    }
    if (outcome->burst_count == 0)
        check_verdict_set(verdict, false, "no client burst ran");
    else if (failures[0] != '\0')
        check_verdict_set(verdict, false, "%s", failures);
    else if (judged == 0)
        check_verdict_set(verdict, true, "every burst is may-fail: nothing "
                          "to judge");
    else
        check_verdict_set(verdict, true, "all %zu burst%s exited 0 (%ld "
                          "connections ok)", judged, judged == 1 ? "" : "s",
                          ok);
}

/* --- clients failed<=N ------------------------------------------------- */

void check_clients_failed(const struct scenario_expect *e,
                          const struct outcome *outcome,
                          struct check_verdict *verdict)
{
    struct tally tally = { 0 };
    char kinds[CHECK_REASON_MAX / 2];

    for (size_t k = 0; k < outcome->burst_count; k++)
        tally_log(&outcome->bursts[k].log, &tally);
    tally_format(&tally, kinds, sizeof(kinds));
    if (tally.failed > e->max_failed)
        check_verdict_set(verdict, false, "%ld client connections failed "
                          "(%s), more than the %ld allowed", tally.failed,
                          kinds, e->max_failed);
    else if (tally.failed == 0)
        check_verdict_set(verdict, true, "no client connection failed (%ld "
                          "allowed)", e->max_failed);
    else
        check_verdict_set(verdict, true, "%ld client connection%s failed "
                          "(%s), at most %ld allowed", tally.failed,
                          tally.failed == 1 ? "" : "s", kinds, e->max_failed);
}

/* --- no-lost-clients --------------------------------------------------- */

/* The walk over every failed client connection. */
struct lost {
    const struct check_proxy *proxy;
    const struct check_backends *backends;
    struct check_verdict *verdict;
    size_t burst;               /* 1-based, for reasons */
    char who[CHECK_REASON_MAX / 2];     /* "client A (burst 2) failed ..." */
    long failed;
    long by_fault;
    long by_no_backend;
    long by_all_down;
};

/* A session connected to a backend: was that backend hit by a fault
 * while the session ran? */
static bool explain_connected(struct lost *l, const struct trace_event *conn,
                              const struct check_session *s)
{
    const char *be = trace_get(s->connected, "be");
    int b = check_proxy_backend(l->proxy, be);
    double from = s->connected->ts, to = s->close ? s->close->ts : conn->ts;
    const struct check_backend_conn *bconn = NULL;

    if (b >= 0)
        bconn = check_backends_find(l->backends, (size_t)b,
                                    trace_get(s->connected, "local"), from);
    if ((be && check_timeline_faulted(l->proxy->outcome, be, from, to)) ||
        (b >= 0 && check_backends_crashed(l->backends, (size_t)b, from, to)) ||
        (bconn && bconn->faulted)) {
        l->by_fault++;
        return true;
    }
    check_verdict_set(l->verdict, false, "%s while %s was up (the proxy "
                      "closed the session with reason %s)", l->who,
                      be ? be : "-",
                      s->close && trace_get(s->close, "reason")
                          ? trace_get(s->close, "reason") : "-");
    return false;
}

/* A session that never reached a backend: refused with none up? */
static bool explain_refused(struct lost *l, const struct check_session *s)
{
    struct check_cand cands[CHECK_PROXY_MAX_NAMES];
    int count = -1;

    if (s->no_backend != NULL)
        count = check_cand_parse(l->proxy, trace_get(s->no_backend, "cand"),
                                 cands, CHECK_PROXY_MAX_NAMES);
    for (int i = 0; i < count; i++) {
        if (cands[i].state != CHECK_CAND_UP)
            continue;
        check_verdict_set(l->verdict, false, "%s: the proxy refused it (no "
                          "backend) while %s was up", l->who, cands[i].name);
        return false;
    }
    if (count >= 0) {
        l->by_no_backend++;
        return true;
    }
    check_verdict_set(l->verdict, false, "%s: its session ended (reason %s) "
                      "before reaching a backend", l->who,
                      s->close && trace_get(s->close, "reason")
                          ? trace_get(s->close, "reason") : "-");
    return false;
}

/* Never accepted by the proxy: only excused when every backend was down. */
static bool explain_unaccepted(struct lost *l, const struct trace_event *conn)
{
    int up = check_replay_up_at(l->proxy, conn->ts);

    if (up < 0) {
        l->by_all_down++;
        return true;
    }
    check_verdict_set(l->verdict, false, "%s and the proxy never accepted "
                      "it, while %s was up", l->who, l->proxy->names[up]);
    return false;
}

static bool explain(struct lost *l, const struct trace_event *conn)
{
    const char *local = trace_get(conn, "local");
    const struct check_session *s = NULL;
    char session[32] = "";

    if (local != NULL && strcmp(local, "-") != 0)
        s = check_proxy_client(l->proxy, local, conn->ts);
    if (s != NULL)
        snprintf(session, sizeof(session), ", session %lld", s->sid);
    snprintf(l->who, sizeof(l->who), "client %s (burst %zu%s) failed with "
             "%s at t=%.3fs", local ? local : "-", l->burst, session,
             trace_get(conn, "result") ? trace_get(conn, "result") : "?",
             check_verdict_time(l->proxy->outcome, conn->ts));
    if (s == NULL)
        return explain_unaccepted(l, conn);
    if (s->connected == NULL)
        return explain_refused(l, s);
    return explain_connected(l, conn, s);
}

void check_clients_lost(const struct check_proxy *proxy,
                        const struct check_backends *backends,
                        struct check_verdict *verdict)
{
    const struct outcome *outcome = proxy->outcome;
    struct lost l = { .proxy = proxy, .backends = backends,
                      .verdict = verdict };

    for (size_t k = 0; k < outcome->burst_count; k++) {
        const struct trace *log = &outcome->bursts[k].log;

        l.burst = k + 1;
        for (size_t i = 0; i < log->count; i++) {
            if (!conn_failed(&log->events[i]))
                continue;
            l.failed++;
            if (!explain(&l, &log->events[i]))
                return;
        }
    }
    if (l.failed == 0)
        check_verdict_set(verdict, true, "no client connection failed");
    else
        check_verdict_set(verdict, true, "all %ld failed client connections "
                          "are explained (%ld by a backend fault, %ld by no "
                          "backend being up, %ld while every backend was "
                          "down)", l.failed, l.by_fault, l.by_no_backend,
                          l.by_all_down);
}
