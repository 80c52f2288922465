/*
 * check_latency: pNN<=D. See check_latency.h.
 */
#include "check_latency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_join.h"
#include "check_verdict.h"

/* The last ev=done line of a burst's log, or NULL. */
static const struct trace_event *done_line(const struct trace *log)
{
    for (size_t i = log->count; i > 0; i--) {
        if (trace_is(&log->events[i - 1], "done"))
            return &log->events[i - 1];
    }
    return NULL;
}

/* Reads the percentile e asks for from done into *ms. False when the line
 * lacks it (a simulate_client too old to log it). */
static bool read_percentile(const struct scenario_expect *e,
                            const struct trace_event *done, double *ms)
{
    char key[16];
    const char *text;
    char *end;

    snprintf(key, sizeof(key), "p%d_ms", e->percentile);
    text = trace_get(done, key);
    if (text == NULL)
        return false;
    *ms = strtod(text, &end);
    return end != text && *end == '\0';
}

/* The walk over the bursts judged. */
struct latency_walk {
    const struct scenario_expect *e;
    const struct outcome *outcome;
    struct check_verdict *verdict;
    size_t judged;
    double worst_ms;
    int worst_number;
};

/* Judges burst k; false (verdict set) when it breaks the bound. */
static bool judge_burst(struct latency_walk *w, size_t k, int number)
{
    const struct trace_event *done = done_line(&w->outcome->bursts[k].log);
    int line = check_join_burst_line(w->outcome, k);
    long long samples = done ? trace_get_int(done, "samples", -1) : -1;
    double ms;

    if (done == NULL || samples < 0 || !read_percentile(w->e, done, &ms)) {
        check_verdict_set(w->verdict, false, "burst %d (line %d) logged no "
                          "latency (no ev=done line with samples= and "
                          "p%d_ms=: it did not finish)", number, line,
                          w->e->percentile);
        return false;
    }
    if (samples == 0 && w->e->burst == 0)
        return true;
    if (samples == 0) {
        check_verdict_set(w->verdict, false, "burst %d (line %d) has no "
                          "latency sample: no request was answered", number,
                          line);
        return false;
    }
    if (ms > (double)w->e->within_ms) {
        check_verdict_set(w->verdict, false, "burst %d (line %d): p%d was "
                          "%.3f ms over %lld requests, above %ld ms", number,
                          line, w->e->percentile, ms, samples,
                          w->e->within_ms);
        return false;
    }
    if (w->judged == 0 || ms > w->worst_ms) {
        w->worst_ms = ms;
        w->worst_number = number;
    }
    w->judged++;
    return true;
}

void check_latency(const struct scenario_expect *e,
                   const struct outcome *outcome,
                   struct check_verdict *verdict)
{
    struct latency_walk w = { .e = e, .outcome = outcome,
                              .verdict = verdict };

    for (size_t k = 0; k < outcome->burst_count; k++) {
        int number = scenario_burst_number(outcome->scenario,
                                           outcome->bursts[k].event);

        if ((e->burst == 0 || number == e->burst) &&
            !judge_burst(&w, k, number))
            return;
    }
    if (w.judged == 0 && e->burst != 0)
        check_verdict_set(verdict, false, "burst %d never ran", e->burst);
    else if (w.judged == 0)
        check_verdict_set(verdict, false, "no burst has a latency sample");
    else if (e->burst != 0)
        check_verdict_set(verdict, true, "burst %d: p%d was %.3f ms, at most "
                          "%ld ms", e->burst, e->percentile, w.worst_ms,
                          e->within_ms);
    else
        check_verdict_set(verdict, true, "p%d at most %ld ms in each of %zu "
                          "burst%s (highest %.3f ms, burst %d)",
                          e->percentile, e->within_ms, w.judged,
                          w.judged == 1 ? "" : "s", w.worst_ms,
                          w.worst_number);
}
