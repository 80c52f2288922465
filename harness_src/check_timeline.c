/*
 * check_timeline: detect, recover, threads stable. See check_timeline.h.
 *
 * The timeline holds a few dozen lines; the proxy's picks and sessions are
 * scanned once per fault, which stays linear in the log for a scenario's
 * handful of faults.
 */
#include "check_timeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_verdict.h"
#include "count_of.h"

static const char *const down_actions[] = { "crash", "stop", "pause", NULL };
static const char *const up_actions[] = { "resume", "restart", "start",
                                          NULL };

/* ev's action when ev is a fault line on backend with one of actions. */
static const char *fault_action(const struct trace_event *ev,
                                const char *backend,
                                const char *const *actions)
{
    const char *be = trace_get(ev, "be"), *action = trace_get(ev, "action");

    if (!trace_is(ev, "fault") || be == NULL || action == NULL ||
        strcmp(be, backend) != 0)
        return NULL;
    for (size_t i = 0; actions[i] != NULL; i++) {
        if (strcmp(action, actions[i]) == 0)
            return actions[i];
    }
    return NULL;
}

/* "crashed", "stopped", ... for a reason. */
static const char *past_tense(const char *action)
{
    static const char *const words[][2] = {
        { "crash", "crashed" }, { "stop", "stopped" },
        { "pause", "paused" }, { "resume", "resumed" },
        { "restart", "restarted" }, { "start", "started" },
    };

    for (size_t i = 0; i < COUNT_OF(words); i++) {
        if (strcmp(action, words[i][0]) == 0)
            return words[i][1];
    }
    return action;
}

size_t check_timeline_faults(const struct outcome *outcome,
                             const char *backend,
                             struct check_timeline_fault *out, size_t max)
{
    const struct trace *timeline = &outcome->timeline;
    size_t count = 0;

    for (size_t i = 0; i < timeline->count; i++) {
        const struct trace_event *ev = &timeline->events[i];
        const char *action = fault_action(ev, backend, down_actions);

        if (action != NULL && count < max) {
            out[count].from = ev->ts;
            out[count].to = INFINITY;
            out[count++].action = action;
            continue;
        }
        if (fault_action(ev, backend, up_actions) == NULL)
            continue;
        for (size_t j = 0; j < count; j++) {
            if (isinf(out[j].to))
                out[j].to = ev->ts;
        }
    }
    return count;
}

/* Link faults that can end a connection (latency, bandwidth and slicer
 * only slow it down: they excuse nothing). */
static bool link_kind_breaks(const char *kind)
{
    static const char *const shaping[] = { "latency", "bandwidth", "slicer" };

    for (size_t i = 0; i < COUNT_OF(shaping); i++) {
        if (strcmp(kind, shaping[i]) == 0)
            return false;
    }
    return true;
}

/* Whether heal event ev (or the end) ends link fault kind on target. */
static bool heals(const struct trace_event *ev, const char *target,
                  const char *kind)
{
    const char *action = trace_get(ev, "action"), *be = trace_get(ev, "be");
    const char *healed = trace_get(ev, "kind");

    return trace_is(ev, "fault") && action != NULL && be != NULL &&
           healed != NULL && strcmp(action, "heal") == 0 &&
           strcmp(be, target) == 0 &&
           (strcmp(healed, "-") == 0 || strcmp(healed, kind) == 0);
}

bool check_timeline_link_faulted(const struct outcome *outcome,
                                 const char *target, double from, double to)
{
    const struct trace *t = &outcome->timeline;

    for (size_t i = 0; i < t->count; i++) {
        const char *action = trace_get(&t->events[i], "action");
        const char *be = trace_get(&t->events[i], "be");
        const char *kind = trace_get(&t->events[i], "kind");
        double end = INFINITY;

        if (!trace_is(&t->events[i], "fault") || action == NULL ||
            be == NULL || kind == NULL || strcmp(action, "link") != 0 ||
            strcmp(be, target) != 0 || !link_kind_breaks(kind))
            continue;
        for (size_t j = i + 1; j < t->count && isinf(end); j++) {
            if (heals(&t->events[j], target, kind))
                end = t->events[j].ts;
        }
        if (t->events[i].ts <= to && end >= from)
            return true;
    }
    return false;
}

bool check_timeline_faulted(const struct outcome *outcome,
                            const char *backend, double from, double to)
{
    struct check_timeline_fault faults[SCENARIO_MAX_EVENTS];
    size_t count = check_timeline_faults(outcome, backend, faults,
                                         SCENARIO_MAX_EVENTS);

    for (size_t i = 0; i < count; i++) {
        if (faults[i].from <= to && faults[i].to >= from)
            return true;
    }
    return check_timeline_link_faulted(outcome, backend, from, to) ||
           check_timeline_link_faulted(outcome, "clients", from, to);
}

/* --- detect ------------------------------------------------------------ */

/* The latest a backend was picked after a fault, for the summary. */
struct lag {
    double seconds;             /* < 0: no pick at all */
    const struct check_timeline_fault *fault;
};

/* No pick of backend may come later than allowed after fault. */
static bool judge_fault(const struct check_proxy *proxy, int backend,
                        const struct check_timeline_fault *fault,
                        double allowed, struct lag *worst,
                        struct check_verdict *verdict)
{
    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *e = &proxy->seq[i];
        double lag = e->ev->ts - fault->from;

        if (e->kind != CHECK_SEQ_PICK || e->backend != backend ||
            lag < 0 || e->ev->ts >= fault->to)
            continue;
        if (lag > allowed) {
            check_verdict_set(verdict, false, "%s was %s at t=%.3fs but pick "
                              "%lld chose it at t=%.3fs, %.3fs later "
                              "(allowed: %.3fs)", proxy->names[backend],
                              past_tense(fault->action),
                              check_verdict_time(proxy->outcome, fault->from),
                              e->seq,
                              check_verdict_time(proxy->outcome, e->ev->ts),
                              lag, allowed);
            return false;
        }
        if (lag > worst->seconds)
            *worst = (struct lag){ lag, fault };
    }
    return true;
}

void check_timeline_detect(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           struct check_verdict *verdict)
{
    const char *name = proxy->outcome->scenario->backends[e->backend].name;
    struct check_timeline_fault faults[SCENARIO_MAX_EVENTS];
    size_t count = check_timeline_faults(proxy->outcome, name, faults,
                                         SCENARIO_MAX_EVENTS);
    double allowed = (double)e->within_ms / 1000.0;
    struct lag worst = { -1.0, NULL };

    if (count == 0) {
        check_verdict_set(verdict, false, "nothing to detect: %s was never "
                          "crashed, stopped or paused", name);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (!judge_fault(proxy, e->backend, &faults[i], allowed, &worst,
                         verdict))
            return;
    }
    if (worst.fault == NULL)
        check_verdict_set(verdict, true, "%s was never picked after it went "
                          "down (%zu fault%s; allowed: %.3fs)", name, count,
                          count == 1 ? "" : "s", allowed);
    else
        check_verdict_set(verdict, true, "%s was last picked %.3fs after it "
                          "was %s at t=%.3fs (allowed: %.3fs)", name,
                          worst.seconds, past_tense(worst.fault->action),
                          check_verdict_time(proxy->outcome, worst.fault->from),
                          allowed);
}

/* --- recover ----------------------------------------------------------- */

/* The ts of the first session connected to name at or after from, or -1. */
static double first_connected(const struct check_proxy *proxy,
                              const char *name, double from)
{
    double first = -1.0;

    for (size_t i = 0; i < proxy->session_count; i++) {
        const struct trace_event *ev = proxy->sessions[i].connected;
        const char *be = ev ? trace_get(ev, "be") : NULL;

        if (be == NULL || strcmp(be, name) != 0 || ev->ts < from)
            continue;
        if (first < 0 || ev->ts < first)
            first = ev->ts;
    }
    return first;
}

/* One restart/start/resume at ev must be followed by a connected session. */
static bool judge_return(const struct check_proxy *proxy, const char *name,
                         const struct trace_event *ev, double allowed,
                         struct lag *worst, struct check_verdict *verdict)
{
    const char *action = trace_get(ev, "action");
    double first = first_connected(proxy, name, ev->ts);
    double lag = first - ev->ts;
    char later[64] = "none came before the run ended";

    if (first >= 0 && lag <= allowed) {
        if (lag > worst->seconds)
            *worst = (struct lag){ lag, NULL };
        return true;
    }
    if (first >= 0)
        snprintf(later, sizeof(later), "the first came %.3fs later", lag);
    check_verdict_set(verdict, false, "%s was %s at t=%.3fs but no session "
                      "connected to it within %.3fs (%s)", name,
                      past_tense(action),
                      check_verdict_time(proxy->outcome, ev->ts), allowed,
                      later);
    return false;
}

void check_timeline_recover(const struct scenario_expect *e,
                            const struct check_proxy *proxy,
                            struct check_verdict *verdict)
{
    const struct trace *timeline = &proxy->outcome->timeline;
    const char *name = proxy->outcome->scenario->backends[e->backend].name;
    double allowed = (double)e->within_ms / 1000.0;
    struct lag worst = { -1.0, NULL };
    size_t returns = 0;

    for (size_t i = 0; i < timeline->count; i++) {
        const struct trace_event *ev = &timeline->events[i];

        if (fault_action(ev, name, up_actions) == NULL)
            continue;
        returns++;
        if (!judge_return(proxy, name, ev, allowed, &worst, verdict))
            return;
    }
    if (returns == 0)
        check_verdict_set(verdict, false, "nothing to recover: %s was never "
                          "restarted, started or resumed", name);
    else
        check_verdict_set(verdict, true, "%s took sessions again at most "
                          "%.3fs after each of its %zu return%s (allowed: "
                          "%.3fs)", name, worst.seconds, returns,
                          returns == 1 ? "" : "s", allowed);
}

/* --- threads stable ---------------------------------------------------- */

/* The first thread the audit saw created after the proxy's start line,
 * or NULL; *later counts them all. */
static const struct trace_event *created_late(const struct outcome *outcome,
                                              size_t *later)
{
    const struct trace_event *first = NULL;

    *later = 0;
    for (size_t i = 0; i < outcome->timeline.count; i++) {
        const struct trace_event *ev = &outcome->timeline.events[i];

        if (trace_is(ev, "thread_create") && ev->ts > outcome->start_ts) {
            if (first == NULL)
                first = ev;
            (*later)++;
        }
    }
    return first;
}

/* Whether the thread audit ran (it logs the proxy's first threads). */
static bool audited(const struct outcome *outcome)
{
    for (size_t i = 0; i < outcome->timeline.count; i++) {
        if (trace_is(&outcome->timeline.events[i], "thread_create"))
            return true;
    }
    return false;
}

void check_timeline_threads(const struct outcome *outcome,
                            struct check_verdict *verdict)
{
    const struct trace_event *first = NULL, *late;
    size_t samples = 0, later;

    late = created_late(outcome, &later);
    if (late != NULL) {
        check_verdict_set(verdict, false, "the proxy created a thread at "
                          "t=%.3fs, after it had started (%zu thread%s "
                          "created after the start line in all): its pool "
                          "must not grow or renew", check_verdict_time(outcome,
                                                                       late->ts),
                          later, later == 1 ? "" : "s");
        return;
    }
    for (size_t i = 0; i < outcome->timeline.count; i++) {
        const struct trace_event *ev = &outcome->timeline.events[i];
        long long count = trace_get_int(ev, "count", -1);

        if (!trace_is(ev, "threads"))
            continue;
        samples++;
        if (first == NULL) {
            first = ev;
        } else if (count != trace_get_int(first, "count", -1)) {
            check_verdict_set(verdict, false, "the proxy had %lld threads at "
                              "t=%.3fs and %lld at t=%.3fs",
                              trace_get_int(first, "count", -1),
                              check_verdict_time(outcome, first->ts), count,
                              check_verdict_time(outcome, ev->ts));
            return;
        }
    }
    if (samples < 2)
        check_verdict_set(verdict, false, "too few samples: the runner took "
                          "%zu thread count%s, at least 2 are needed",
                          samples, samples == 1 ? "" : "s");
    else
        check_verdict_set(verdict, true, "the proxy had %lld threads in all "
                          "%zu samples%s", trace_get_int(first, "count", -1),
                          samples, audited(outcome)
                          ? ", and created none after its start" : "");
}
