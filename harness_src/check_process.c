/*
 * check_process: stop clean, workers used, sessions<=D, fds stable,
 * proxy-rss<=B, proxy-rss-growth<=B. See check_process.h.
 */
#include "check_process.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_verdict.h"
#include "parse.h"

#define CHECK_PROCESS_MAX_WORKERS 64

/* The ts of the timeline's "stop proxy" event, or 0 when the harness
 * stopped the proxy only at the end of the run. */
static double stop_event(const struct outcome *outcome)
{
    for (size_t i = 0; i < outcome->timeline.count; i++) {
        if (trace_is(&outcome->timeline.events[i], "proxy_stop"))
            return outcome->timeline.events[i].ts;
    }
    return 0;
}

/* The grace the scenario gave the proxy (its default: 1s), in seconds. */
static double grace_s(const struct scenario *sc)
{
    long ms = 1000;

    for (size_t i = 0; i < sc->proxy_count; i++) {
        if (strcmp(sc->proxy[i].key, "grace") == 0)
            parse_duration_ms(sc->proxy[i].value, 0, 600000, &ms);
    }
    return (double)ms / 1000.0;
}

/* The session that was never closed, or cut by the stop before it was
 * allowed to be (cut_from: the earliest ts a cut is right), or NULL. */
static const struct check_session *unfinished(const struct check_proxy *proxy,
                                              double cut_from)
{
    for (size_t i = 0; i < proxy->session_count; i++) {
        const struct check_session *s = &proxy->sessions[i];
        const char *reason = s->close ? trace_get(s->close, "reason") : NULL;

        if (s->accept != NULL &&
            (s->close == NULL || (reason && strcmp(reason, "shutdown") == 0 &&
                                  s->close->ts < cut_from)))
            return s;
    }
    return NULL;
}

static const struct trace_event *stop_line(const struct outcome *outcome)
{
    for (size_t i = outcome->proxy.count; i-- > 0;) {
        if (trace_is(&outcome->proxy.events[i], "stop"))
            return &outcome->proxy.events[i];
    }
    return NULL;
}

void check_process_stop(const struct check_proxy *proxy,
                        struct check_verdict *verdict)
{
    const struct outcome *outcome = proxy->outcome;
    const struct trace_event *stop = stop_line(outcome);
    const char *status = stop ? trace_get(stop, "status") : NULL;
    double stopped = stop_event(outcome), grace = grace_s(outcome->scenario);
    /* Stopped with clients running: sessions may be cut once the grace is
     * over (a 10 ms margin for the clocks); else none may be. */
    const struct check_session *s =
        unfinished(proxy, stopped > 0 ? stopped + grace - 0.01 : INFINITY);
    const char *be = s && s->connected ? trace_get(s->connected, "be") : NULL;

    if (outcome->proxy_exit_status != 0)
        check_verdict_set(verdict, false, outcome->proxy_exit_status < 0
                          ? "the proxy did not exit within 10s of SIGTERM"
                          : "the proxy exited with status %d after SIGTERM "
                          "(expected 0)", outcome->proxy_exit_status);
    else if (status == NULL || strcmp(status, "clean") != 0)
        check_verdict_set(verdict, false, "the proxy exited 0 but its log "
                          "has no 'stop status=clean' line");
    else if (outcome->timed_out)
        check_verdict_set(verdict, false, "the run hit its time limit, so "
                          "the stop came while clients were still running");
    else if (s != NULL && s->close == NULL)
        check_verdict_set(verdict, false, "session %lld (%s) was accepted "
                          "at t=%.3fs and never closed: no close line before "
                          "the proxy exited", s->sid, be ? be : "no backend",
                          check_verdict_time(outcome, s->accept->ts));
    else if (s != NULL && stopped > 0)
        check_verdict_set(verdict, false, "session %lld (%s) was cut by the "
                          "stop (reason=shutdown) %.3fs after the SIGTERM, "
                          "before the grace of %.3fs was over: it should have "
                          "been left to drain", s->sid,
                          be ? be : "no backend", s->close->ts - stopped,
                          grace);
    else if (s != NULL)
        check_verdict_set(verdict, false, "session %lld (%s) was cut by the "
                          "stop (reason=shutdown at t=%.3fs), although every "
                          "client had ended before the SIGTERM: it should "
                          "have ended by itself", s->sid,
                          be ? be : "no backend",
                          check_verdict_time(outcome, s->close->ts));
    else
        check_verdict_set(verdict, true, "the proxy exited 0 after SIGTERM "
                          "and all %zu sessions had ended by themselves",
                          proxy->session_count);
}

/* The proxy's --threads: the scenario's option, else its start line. */
static long worker_count(const struct outcome *outcome)
{
    const struct scenario *sc = outcome->scenario;

    for (size_t i = 0; i < sc->proxy_count; i++) {
        if (strcmp(sc->proxy[i].key, "threads") == 0)
            return strtol(sc->proxy[i].value, NULL, 10);
    }
    for (size_t i = 0; i < outcome->proxy.count; i++) {
        if (trace_is(&outcome->proxy.events[i], "start"))
            return (long)trace_get_int(&outcome->proxy.events[i], "threads",
                                       0);
    }
    return 0;
}

void check_process_workers(const struct check_proxy *proxy,
                           struct check_verdict *verdict)
{
    const char *thr[CHECK_PROCESS_MAX_WORKERS];
    long sessions[CHECK_PROCESS_MAX_WORKERS] = { 0 };
    long want = worker_count(proxy->outcome);
    size_t used = 0;
    char list[256] = "";

    for (size_t i = 0; i < proxy->session_count; i++) {
        const struct trace_event *ev = proxy->sessions[i].accept;
        const char *name = ev ? trace_get(ev, "thr") : NULL;
        size_t k = 0;

        if (name == NULL)
            continue;
        while (k < used && strcmp(thr[k], name) != 0)
            k++;
        if (k == used && used == CHECK_PROCESS_MAX_WORKERS)
            continue;
        if (k == used)
            thr[used++] = name;
        sessions[k]++;
    }
    for (size_t k = 0; k < used; k++) {
        size_t len = strlen(list);

        snprintf(list + len, sizeof(list) - len, "%s%s: %ld", k ? ", " : "",
                 thr[k], sessions[k]);
    }
    check_verdict_set(verdict, want > 0 && (long)used == want,
                      "the sessions ran on %zu thread%s (%s); the proxy was "
                      "started with %ld workers", used, used == 1 ? "" : "s",
                      used ? list : "none", want);
}

void check_process_sessions(const struct scenario_expect *e,
                            const struct check_proxy *proxy,
                            struct check_verdict *verdict)
{
    const struct check_session *longest = NULL;
    double limit = (double)e->within_ms / 1000.0, worst = 0;

    for (size_t i = 0; i < proxy->session_count; i++) {
        const struct check_session *s = &proxy->sessions[i];
        double lasted;

        if (s->accept == NULL || s->close == NULL)
            continue;
        lasted = s->close->ts - s->accept->ts;
        if (longest == NULL || lasted > worst) {
            longest = s;
            worst = lasted;
        }
    }
    if (longest == NULL)
        check_verdict_set(verdict, false, "no session was accepted and "
                          "closed");
    else
        check_verdict_set(verdict, worst <= limit, "the longest session, "
                          "%lld (closed with reason=%s), lasted %.3fs; "
                          "allowed: %.3fs", longest->sid,
                          trace_get(longest->close, "reason")
                              ? trace_get(longest->close, "reason") : "?",
                          worst, limit);
}

/* The fds= of the first (last: from the end) thread sample, or -1. */
static long fds_sample(const struct outcome *outcome, bool last)
{
    const struct trace *t = &outcome->timeline;

    for (size_t k = 0; k < t->count; k++) {
        const struct trace_event *ev = &t->events[last ? t->count - 1 - k : k];

        if (trace_is(ev, "threads") && trace_get(ev, "fds") != NULL)
            return (long)trace_get_int(ev, "fds", -1);
    }
    return -1;
}

void check_process_fds(const struct check_proxy *proxy,
                       struct check_verdict *verdict)
{
    const struct outcome *outcome = proxy->outcome;
    long first = fds_sample(outcome, false), last = fds_sample(outcome, true);
    /* A health check may hold a socket per backend at either moment. */
    long slack = (long)outcome->scenario->backend_count;

    if (first < 0 || last < 0)
        check_verdict_set(verdict, false, "the runner could not count the "
                          "proxy's descriptors (/proc/PID/fd)");
    else
        check_verdict_set(verdict, last <= first + slack, "the proxy held "
                          "%ld descriptors after its start and %ld at the "
                          "end, once its %zu sessions had closed (allowed: "
                          "%ld more: a health check per backend)", first,
                          last, proxy->session_count, slack);
}

/* The runner's samples of the proxy's resident memory (the rss_kb= of its
 * thread samples, where it could read it): the first, the highest. */
struct rss_samples {
    const struct trace_event *first, *peak;
    size_t count, peak_index;   /* peak_index counts from 1 */
};

static long long rss_kb(const struct trace_event *ev)
{
    return trace_is(ev, "threads") ? trace_get_int(ev, "rss_kb", -1) : -1;
}

static struct rss_samples rss_samples(const struct outcome *outcome)
{
    const struct trace *t = &outcome->timeline;
    struct rss_samples s = { NULL, NULL, 0, 0 };

    for (size_t i = 0; i < t->count; i++) {
        const struct trace_event *ev = &t->events[i];

        if (rss_kb(ev) < 0)
            continue;
        s.count++;
        if (s.first == NULL)
            s.first = ev;
        if (s.peak == NULL || rss_kb(ev) > rss_kb(s.peak)) {
            s.peak = ev;
            s.peak_index = s.count;
        }
    }
    return s;
}

static double kb_to_mib(long long kb)
{
    return (double)kb / 1024.0;
}

void check_process_rss(const struct scenario_expect *e,
                       const struct outcome *outcome,
                       struct check_verdict *verdict)
{
    struct rss_samples s = rss_samples(outcome);
    bool growth = e->check == SCENARIO_CHECK_PROXY_RSS_GROWTH;
    size_t needed = growth ? 2 : 1;
    long long measured;
    bool passed;
    char bound[24];

    parse_format_size(e->max_bytes, bound, sizeof(bound));
    if (s.count < needed) {
        check_verdict_set(verdict, false, "too few samples: the runner read "
                          "the proxy's resident memory (VmRSS of "
                          "/proc/PID/status) %zu time%s, at least %zu %s "
                          "needed", s.count, s.count == 1 ? "" : "s", needed,
                          needed == 1 ? "is" : "are");
        return;
    }
    measured = growth ? rss_kb(s.peak) - rss_kb(s.first) : rss_kb(s.peak);
    passed = measured * 1024 <= (long long)e->max_bytes;
    if (growth)
        check_verdict_set(verdict, passed, "the proxy's resident memory "
                          "peaked at %.1f MiB at t=%.3fs (sample %zu of %zu), "
                          "%.1f MiB above its first sample (%.1f MiB at "
                          "t=%.3fs); %s %s", kb_to_mib(rss_kb(s.peak)),
                          check_verdict_time(outcome, s.peak->ts),
                          s.peak_index, s.count, kb_to_mib(measured),
                          kb_to_mib(rss_kb(s.first)),
                          check_verdict_time(outcome, s.first->ts),
                          passed ? "allowed growth:" : "above the allowed "
                          "growth of", bound);
    else
        check_verdict_set(verdict, passed, "the proxy's resident memory "
                          "peaked at %.1f MiB at t=%.3fs (sample %zu of %zu); "
                          "%s %s", kb_to_mib(measured),
                          check_verdict_time(outcome, s.peak->ts),
                          s.peak_index, s.count,
                          passed ? "allowed:" : "above the bound of", bound);
}
