/*
 * check_clients: clients ok, clients failed<=N, no-lost-clients. See
 * check_clients.h.
 */
#include "check_clients.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check_cand.h"
#include "check_idle.h"
#include "check_replay.h"
#include "check_timeline.h"
#include "check_verdict.h"
#include "count_of.h"
#include "parse.h"

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

/* Rows the table of causes (below) may have. */
#define CAUSES_MAX 8

/* The walk over every failed client connection. */
struct lost {
    const struct check_proxy *proxy;
    const struct check_backends *backends;
    struct check_verdict *verdict;
    size_t burst;               /* 1-based, for reasons */
    const struct trace *log;    /* that burst's log */
    char who[CHECK_REASON_MAX / 2];     /* "client A (burst 2) failed ..." */
    long failed;
    long by_fault;
    long by_no_backend;
    long by_all_down;
    long by_cause[CAUSES_MAX];  /* per row of causes[], below */
};

/* The burst's ev=start line, or NULL. */
static const struct trace_event *start_line(const struct trace *log)
{
    for (size_t i = 0; i < log->count; i++) {
        if (trace_is(&log->events[i], "start"))
            return &log->events[i];
    }
    return NULL;
}

/* The D of the burst's behaviour "NAME D" when it is name, or -1. */
static long behaviour_ms(const struct lost *l, const char *name)
{
    const struct trace_event *start = start_line(l->log);
    const char *behaviour = start ? trace_get(start, "behaviour") : NULL;
    size_t len = strlen(name);
    long ms;

    if (behaviour == NULL || strncmp(behaviour, name, len) != 0 ||
        behaviour[len] != ' ' ||
        parse_duration_ms(behaviour + len + 1, 1, 3600000L, &ms) == -1)
        return -1;
    return ms;
}

/*
 * The proxy's idle timeout T closed the session (reason idle_timeout)
 * after it had been quiet at least T, and the silence was the scenario's
 * doing: its backend was still working on a reply due later, or the
 * client's behaviour keeps it quiet for T or more (idle D, trickle D).
 * The timing itself is judged by "expect idle-closed". A session closed
 * while bytes the logs do not show were moving is not excused.
 */
static bool by_idle_timeout(const struct lost *l,
                            const struct trace_event *conn,
                            const struct check_session *s)
{
    const char *reason = s && s->close ? trace_get(s->close, "reason") : NULL;
    long idle_ms = check_idle_timeout_ms(l->proxy->outcome->scenario);
    struct check_idle_quiet quiet;

    (void)conn;
    if (reason == NULL || strcmp(reason, "idle_timeout") != 0 ||
        !check_idle_quiet(l->proxy, l->backends, s, &quiet))
        return false;
    return quiet.since_reply >=
               (double)idle_ms / 1000.0 - CHECK_IDLE_SLACK_S &&
           (quiet.reply_pending || behaviour_ms(l, "idle") >= idle_ms ||
            behaviour_ms(l, "trickle") >= idle_ms);
}

/* The client's own behaviour made the failure certain: a trickling client
 * (behaviour="trickle D") whose request, one byte every D, takes longer
 * than its request timeout fails with timeout whatever the proxy does.
 * Ends a behaviour plans are not failures at all (result=ok). */
static bool by_behaviour(const struct lost *l, const struct trace_event *conn,
                         const struct check_session *s)
{
    const struct trace_event *start = start_line(l->log);
    const char *result = trace_get(conn, "result");
    long pace_ms = behaviour_ms(l, "trickle");

    (void)s;
    if (start == NULL || pace_ms < 0 || result == NULL ||
        strcmp(result, "timeout") != 0)
        return false;
    return (trace_get_int(start, "size", 0) + 1) * pace_ms >
           trace_get_int(start, "timeout_ms", 0);
}

/* The proxy's queue gave up on the session: it waited --queue-timeout
 * for a backend (close reason=queue_timeout). A session refused because
 * the queue was full is a no_backend refusal, judged as one below. How
 * long it waited is judged by "expect queue-wait<=D". */
static bool by_queue(const struct lost *l, const struct trace_event *conn,
                     const struct check_session *s)
{
    const char *reason = s && s->close ? trace_get(s->close, "reason") : NULL;

    (void)l;
    (void)conn;
    return reason != NULL && strcmp(reason, "queue_timeout") == 0;
}

/*
 * Causes that explain a failure whatever became of its session, tried in
 * order before the faults of the session's own story (below). Each takes
 * the failed ev=conn line and its session (NULL: never accepted). A new
 * kind of fault the harness injects (a fault on a link between two
 * programs, say) adds its row here, with a function that finds the fault
 * in the logs, and its count appears in the verdict.
 */
static const struct {
    const char *what;           /* "N by WHAT" in the verdict */
    bool (*explains)(const struct lost *l, const struct trace_event *conn,
                     const struct check_session *s);
} causes[] = {
    { "the proxy's idle timeout", by_idle_timeout },
    { "the client's behaviour", by_behaviour },
    { "the proxy's queue timeout", by_queue },
};

_Static_assert(COUNT_OF(causes) <= CAUSES_MAX,
               "struct lost counts CAUSES_MAX causes");

/* Adds to the verdict why an idle-timeout close was not excused. */
static void tell_idle_close(const struct lost *l,
                            const struct check_session *s)
{
    long idle_ms = check_idle_timeout_ms(l->proxy->outcome->scenario);
    const char *reason = s->close ? trace_get(s->close, "reason") : NULL;
    struct check_idle_quiet quiet;
    char *why = l->verdict->reason;

    if (reason == NULL || strcmp(reason, "idle_timeout") != 0 ||
        !check_idle_quiet(l->proxy, l->backends, s, &quiet))
        return;
    if (quiet.since_reply < (double)idle_ms / 1000.0 - CHECK_IDLE_SLACK_S)
        append(why, CHECK_REASON_MAX, ": only %.0f ms after its last "
               "reply, less than the idle timeout (%ld ms)",
               quiet.since_reply * 1000, idle_ms);
    else
        append(why, CHECK_REASON_MAX, ": no reply was still due, and no "
               "behaviour of the client kept it quiet");
}

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
    tell_idle_close(l, s);
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
    for (size_t i = 0; i < COUNT_OF(causes); i++) {
        if (causes[i].explains(l, conn, s)) {
            l->by_cause[i]++;
            return true;
        }
    }
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
        l.log = log;
        for (size_t i = 0; i < log->count; i++) {
            if (!conn_failed(&log->events[i]))
                continue;
            l.failed++;
            if (!explain(&l, &log->events[i]))
                return;
        }
    }
    if (l.failed == 0) {
        check_verdict_set(verdict, true, "no client connection failed");
        return;
    }
    check_verdict_set(verdict, true, "all %ld failed client connections "
                      "are explained (%ld by a backend fault, %ld by no "
                      "backend being up, %ld while every backend was "
                      "down", l.failed, l.by_fault, l.by_no_backend,
                      l.by_all_down);
    for (size_t i = 0; i < COUNT_OF(causes); i++)
        append(verdict->reason, sizeof(verdict->reason), ", %ld by %s",
               l.by_cause[i], causes[i].what);
    append(verdict->reason, sizeof(verdict->reason), ")");
}
