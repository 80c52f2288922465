/*
 * check_hol: no-hol. See check_hol.h.
 */
#include "check_hol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_join.h"
#include "check_verdict.h"

/* One session of a known burst. */
struct hol_session {
    const struct check_session *s;
    const char *worker;         /* thr= of its accept line */
    int number;                 /* its burst, as burst=N counts */
    double start;               /* its client's planned start */
    double close;               /* its close line, or INFINITY */
};

/* When outcome->bursts[k]'s clients began: the client program's own start
 * line (its ramp counts from there, however long it took to start), else
 * the runner's burst_start line; NAN when neither is there. */
static double burst_start(const struct outcome *outcome, size_t k)
{
    const struct trace *timeline = &outcome->timeline;
    const struct trace *log = &outcome->bursts[k].log;

    for (size_t i = 0; i < log->count; i++) {
        if (trace_is(&log->events[i], "start"))
            return log->events[i].ts;
    }
    for (size_t i = 0; i < timeline->count; i++) {
        if (trace_is(&timeline->events[i], "burst_start") &&
            trace_get_int(&timeline->events[i], "burst", -1) == (long long)k)
            return timeline->events[i].ts;
    }
    return NAN;
}

/* When the client of j was to start: its burst's start plus its ramp
 * offset; the accept line when the burst's start is unknown. */
static double client_start(const struct check_proxy *proxy,
                           const struct check_join_conn *j,
                           const struct check_session *s)
{
    const struct outcome *outcome = proxy->outcome;
    const struct scenario_burst *burst =
        &outcome->scenario->events[outcome->bursts[j->burst].event].burst;
    double start = burst_start(outcome, j->burst);
    long long cid = trace_get_int(j->conn, "cid", 1);

    if (isnan(start))
        return s->accept->ts;
    if (burst->clients > 0 && cid >= 1)
        start += (double)burst->ramp_ms / 1000.0 * (double)(cid - 1) /
                 (double)burst->clients;
    return start;
}

/* Fills out[] with the sessions a client line names; returns how many. */
static size_t collect(const struct check_proxy *proxy,
                      const struct check_join *join, struct hol_session *out)
{
    size_t n = 0;

    for (size_t i = 0; i < proxy->session_count; i++) {
        const struct check_session *s = &proxy->sessions[i];
        const struct check_join_conn *j = check_join_of(join, i);
        const char *worker = s->accept ? trace_get(s->accept, "thr") : NULL;

        if (j == NULL || worker == NULL || j->number == 0)
            continue;
        out[n++] = (struct hol_session){
            .s = s, .worker = worker, .number = j->number,
            .start = client_start(proxy, j, s),
            .close = s->close ? s->close->ts : INFINITY };
    }
    return n;
}

/* Whether slow and fast form a pair e judges. */
static bool judged_pair(const struct scenario_expect *e,
                        const struct hol_session *slow,
                        const struct hol_session *fast)
{
    bool bursts = e->burst != 0
        ? fast->number == e->burst && slow->number != e->burst
        : slow->number < fast->number;

    return bursts && strcmp(slow->worker, fast->worker) == 0 &&
           slow->s->accept->ts <= fast->start && fast->start < slow->close;
}

static void report_blocked(const struct check_proxy *proxy,
                           const struct hol_session *slow,
                           const struct hol_session *fast,
                           struct check_verdict *verdict)
{
    const struct outcome *o = proxy->outcome;
    char ended[48] = "never closed";

    if (!isinf(fast->close))
        snprintf(ended, sizeof(ended), "closed at t=%.3fs",
                 check_verdict_time(o, fast->close));
    check_verdict_set(verdict, false, "session %lld (burst %d) started at "
                      "t=%.3fs on %s while session %lld (burst %d, accepted "
                      "at t=%.3fs) was open there, and %s, after session "
                      "%lld closed (t=%.3fs): it waited behind it",
                      fast->s->sid, fast->number,
                      check_verdict_time(o, fast->start), fast->worker,
                      slow->s->sid, slow->number,
                      check_verdict_time(o, slow->s->accept->ts), ended,
                      slow->s->sid, check_verdict_time(o, slow->close));
}

/* Judges every pair among sessions[0..n). */
static void judge_pairs(const struct scenario_expect *e,
                        const struct check_proxy *proxy,
                        const struct hol_session *sessions, size_t n,
                        struct check_verdict *verdict)
{
    long pairs = 0, fast_sessions = 0;

    for (size_t f = 0; f < n; f++) {
        long before = pairs;

        for (size_t s = 0; s < n; s++) {
            if (!judged_pair(e, &sessions[s], &sessions[f]))
                continue;
            pairs++;
            if (sessions[f].close >= sessions[s].close) {
                report_blocked(proxy, &sessions[s], &sessions[f], verdict);
                return;
            }
        }
        fast_sessions += pairs > before;
    }
    if (pairs == 0)
        check_verdict_set(verdict, false, "no client started while a session "
                          "of %s was open on the worker that took it: nothing "
                          "was judged", e->burst ? "another burst"
                                                 : "an earlier burst");
    else
        check_verdict_set(verdict, true, "%ld session%s started behind an "
                          "open session of %s on their worker, and each "
                          "closed first (%ld pairs)", fast_sessions,
                          fast_sessions == 1 ? "" : "s",
                          e->burst ? "another burst" : "an earlier burst",
                          pairs);
}

void check_hol(const struct scenario_expect *e,
               const struct check_proxy *proxy, struct check_verdict *verdict)
{
    struct check_join join;
    struct hol_session *sessions =
        calloc(proxy->session_count + 1, sizeof(*sessions));

    if (sessions == NULL || check_join_build(&join, proxy) == -1) {
        check_verdict_set(verdict, false, "out of memory joining the clients "
                          "to the sessions");
        free(sessions);
        return;
    }
    judge_pairs(e, proxy, sessions, collect(proxy, &join, sessions),
                verdict);
    check_join_free(&join);
    free(sessions);
}
