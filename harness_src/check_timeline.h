/*
 * check_timeline: the checks that read the runner's timeline.
 *
 *   detect NAME within D   after a crash/stop/pause of NAME, no pick of
 *                          NAME later than D, until it is back
 *   recover NAME within D  after a restart/start/resume of NAME, a session
 *                          connects to it within D
 *   threads stable         every thread-count sample is the same
 *
 * and the fault windows other checks need: from a crash, stop or pause of
 * a backend to its next resume, restart or start (or forever).
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_TIMELINE_H
#define CHECK_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "check_proxy.h"

/* One stretch of time a backend was taken down by the runner. */
struct check_timeline_fault {
    double from;                /* the fault line's ts */
    double to;                  /* the next resume/restart/start, or INFINITY */
    const char *action;         /* "crash", "stop" or "pause" */
};

/*
 * Fills out[0..max) with backend's fault windows, in timeline order.
 * Returns how many there were (at most max).
 */
size_t check_timeline_faults(const struct outcome *outcome,
                             const char *backend,
                             struct check_timeline_fault *out, size_t max);

/*
 * True when a link fault that can end connections (any kind but latency,
 * bandwidth and slicer) was on target's link ("clients" for the clients'
 * link) at some time in [from, to]: from its "link" line to the next
 * "heal" of its kind (or of every kind) on target, or the end.
 */
bool check_timeline_link_faulted(const struct outcome *outcome,
                                 const char *target, double from, double to);

/* True when a fault window of backend overlaps [from, to], or a link fault
 * of backend's link or of the clients' link does (see above). */
bool check_timeline_faulted(const struct outcome *outcome,
                            const char *backend, double from, double to);

/* "expect detect NAME within D". */
void check_timeline_detect(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           struct check_verdict *verdict);

/* "expect recover NAME within D". */
void check_timeline_recover(const struct scenario_expect *e,
                            const struct check_proxy *proxy,
                            struct check_verdict *verdict);

/* "expect threads stable". */
void check_timeline_threads(const struct outcome *outcome,
                            struct check_verdict *verdict);

#endif
