/*
 * check_health: health exact. See check_health.h.
 */
#include "check_health.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_timeline.h"
#include "check_verdict.h"

/* A passive change this close to a streak makes its order uncertain. */
#define CHECK_HEALTH_RACE_S 0.05
/* A check may end just after a crash it began before. */
#define CHECK_HEALTH_KILL_S 0.2

/* One backend's replay. */
struct streak {
    bool up;
    int good, bad;              /* checks in a row since the last change */
    double since;               /* ts of the streak's first check */
    double last_passive;        /* ts of the last change not by a check */
    const struct trace_event *due;  /* the check that reached a threshold */
};

struct health_walk {
    const struct check_proxy *proxy;
    struct check_verdict *verdict;
    long rise, fall;
    struct streak streak[SCENARIO_MAX_BACKENDS];
};

/* A proxy option of the scenario as a number, or fallback. */
static long proxy_option(const struct scenario *sc, const char *key,
                         long fallback)
{
    for (size_t i = 0; i < sc->proxy_count; i++) {
        if (strcmp(sc->proxy[i].key, key) == 0)
            return strtol(sc->proxy[i].value, NULL, 10);
    }
    return fallback;
}

static int event_backend(const struct health_walk *w,
                         const struct trace_event *ev)
{
    const char *be = trace_get(ev, "be");
    int b = be ? check_proxy_backend(w->proxy, be) : -1;

    return b >= 0 && (size_t)b < w->proxy->scenario_backends ? b : -1;
}

static int by_ts(const void *a, const void *b)
{
    const struct trace_event *x = *(const struct trace_event *const *)a;
    const struct trace_event *y = *(const struct trace_event *const *)b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->line - y->line;
}

/* The ts of backend b's first listen line after ts (its log holds every
 * start), or INFINITY. */
static double next_listen(const struct outcome *outcome, size_t b, double ts)
{
    const struct trace *log = &outcome->backends[b];

    for (size_t i = 0; i < log->count; i++) {
        if (trace_is(&log->events[i], "listen") && log->events[i].ts > ts)
            return log->events[i].ts;
    }
    return INFINITY;
}

/* When the harness knows backend b could not answer at ts: a blackhole;
 * before its first listen line; from a crash or stop (plus the time a
 * check begun before it may take) to its next listen line. */
static bool known_dead(const struct outcome *outcome, size_t b, double ts)
{
    const struct scenario_backend *sb = &outcome->scenario->backends[b];
    struct check_timeline_fault faults[SCENARIO_MAX_EVENTS];
    size_t n = check_timeline_faults(outcome, sb->name, faults,
                                     SCENARIO_MAX_EVENTS);

    if (sb->blackhole || ts < next_listen(outcome, b, -INFINITY) -
                              CHECK_HEALTH_RACE_S)
        return true;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(faults[i].action, "pause") != 0 &&
            ts > faults[i].from + CHECK_HEALTH_KILL_S &&
            ts < next_listen(outcome, b, faults[i].from) - CHECK_HEALTH_RACE_S)
            return true;
    }
    return false;
}

/* A check: judged for truth, counted, and a pending change enforced. */
static bool on_check(struct health_walk *w, size_t b,
                     const struct trace_event *ev)
{
    const struct outcome *outcome = w->proxy->outcome;
    struct streak *st = &w->streak[b];
    const char *name = w->proxy->names[b];
    bool ok = trace_get_int(ev, "ok", 0) == 1;

    if (ok && known_dead(outcome, b, ev->ts)) {
        check_verdict_set(w->verdict, false, "the check of %s at t=%.3fs "
                          "passed, but %s was not running then: the checker "
                          "does not test the backend", name,
                          check_verdict_time(outcome, ev->ts), name);
        return false;
    }
    if (st->due != NULL && st->last_passive < st->since - CHECK_HEALTH_RACE_S) {
        check_verdict_set(w->verdict, false, "%s had %ld %s checks in a row "
                          "by t=%.3fs (%s=%ld) but was still %s at its next "
                          "check (t=%.3fs)", name, st->up ? w->fall : w->rise,
                          st->up ? "failed" : "good",
                          check_verdict_time(outcome, st->due->ts),
                          st->up ? "fall" : "rise", st->up ? w->fall : w->rise,
                          st->up ? "up" : "down",
                          check_verdict_time(outcome, ev->ts));
        return false;
    }
    if ((ok ? st->good : st->bad) == 0)
        st->since = ev->ts;
    st->good = ok ? st->good + 1 : 0;
    st->bad = ok ? 0 : st->bad + 1;
    if ((!st->up && st->good >= w->rise) || (st->up && st->bad >= w->fall))
        st->due = ev;
    return true;
}

/* A state change: one by the checks must have its full streak. */
static bool on_change(struct health_walk *w, size_t b,
                      const struct trace_event *ev, bool up)
{
    const struct outcome *outcome = w->proxy->outcome;
    struct streak *st = &w->streak[b];
    const char *reason = trace_get(ev, "reason");
    bool by_check = reason && strncmp(reason, "check_", 6) == 0;
    int streak = up ? st->good : st->bad;
    long needed = up ? w->rise : w->fall;

    if (by_check && streak < needed &&
        st->last_passive < st->since - CHECK_HEALTH_RACE_S) {
        check_verdict_set(w->verdict, false, "%s was marked %s at t=%.3fs "
                          "after %d %s check%s in a row, but %s=%ld",
                          w->proxy->names[b], up ? "up" : "down",
                          check_verdict_time(outcome, ev->ts), streak,
                          up ? "good" : "failed", streak == 1 ? "" : "s",
                          up ? "rise" : "fall", needed);
        return false;
    }
    if (!by_check)
        st->last_passive = ev->ts;
    *st = (struct streak){ .up = up, .last_passive = st->last_passive };
    return true;
}

/* The check, backend_up and backend_down lines, in time order. */
static const struct trace_event **health_events(const struct outcome *outcome,
                                                size_t *count)
{
    const struct trace *log = &outcome->proxy;
    const struct trace_event **out = malloc((log->count + 1) * sizeof(*out));

    *count = 0;
    for (size_t i = 0; out != NULL && i < log->count; i++) {
        const struct trace_event *ev = &log->events[i];

        if (trace_is(ev, "check") || trace_is(ev, "backend_up") ||
            trace_is(ev, "backend_down"))
            out[(*count)++] = ev;
    }
    if (out != NULL)
        qsort(out, *count, sizeof(*out), by_ts);
    return out;
}

static bool replay(struct health_walk *w, const struct trace_event **events,
                   size_t count, size_t *checks)
{
    for (size_t b = 0; b < SCENARIO_MAX_BACKENDS; b++)
        w->streak[b] = (struct streak){ .up = true, .last_passive = -INFINITY };
    for (size_t i = 0; i < count; i++) {
        const struct trace_event *ev = events[i];
        int b = event_backend(w, ev);
        bool fine;

        if (b < 0)
            continue;
        if (trace_is(ev, "check")) {
            (*checks)++;
            fine = on_check(w, (size_t)b, ev);
        } else {
            fine = on_change(w, (size_t)b, ev, trace_is(ev, "backend_up"));
        }
        if (!fine)
            return false;
    }
    return true;
}

void check_health_exact(const struct check_proxy *proxy,
                        struct check_verdict *verdict)
{
    const struct scenario *sc = proxy->outcome->scenario;
    struct health_walk w = {
        .proxy = proxy, .verdict = verdict,
        .rise = proxy_option(sc, "rise", 2),
        .fall = proxy_option(sc, "fall", 2),
    };
    size_t count, checks = 0;
    const struct trace_event **events = health_events(proxy->outcome, &count);

    if (events == NULL) {
        check_verdict_set(verdict, false, "out of memory");
        return;
    }
    if (replay(&w, events, count, &checks)) {
        if (checks == 0)
            check_verdict_set(verdict, false, "the proxy logged no health "
                              "check (ev=check): are checks on "
                              "(health-interval)?");
        else
            check_verdict_set(verdict, true, "all %zu checks passed only "
                              "while their backend ran, and every state "
                              "change came exactly at rise=%ld or fall=%ld "
                              "checks in a row", checks, w.rise, w.fall);
    }
    free(events);
}
