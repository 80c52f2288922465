/*
 * report_timeline: the active connections of every backend over a run,
 * replayed from the proxy's log, ready to be drawn (report_html.c).
 *
 * The proxy's seq-bearing events are replayed in seq order, as the
 * balancer saw them (docs/log-format.md): pick +1, close with a seq -1,
 * connect_fail with a seq -1, backend_down/backend_up open and close a
 * down span. Each backend's count becomes a step line: a polyline whose
 * points go (t, old) then (t, new) at every change, from (0, 0) to the
 * end of the run. Times are seconds since the proxy started
 * (outcome->start_ts). The runner's fault events become marks.
 *
 * A long run is thinned to at most max_points points per backend: per
 * time slice the line keeps where it entered and left and its lowest and
 * highest value, so no peak is lost.
 *
 * A timeline owns its arrays (report_timeline_free). Single-threaded.
 */
#ifndef REPORT_TIMELINE_H
#define REPORT_TIMELINE_H

#include <stddef.h>

#include "outcome.h"
#include "scenario.h"

#define REPORT_TIMELINE_LABEL_MAX 64

/* One vertex of a step line. */
struct report_timeline_point {
    double t;                   /* seconds since the start */
    int active;
};

/* A time when a backend was marked down. */
struct report_timeline_span {
    double from;
    double to;                  /* the end of the run when never back up */
};

/* One backend's line and down spans. */
struct report_timeline_series {
    struct report_timeline_point *points;
    size_t point_count;
    size_t point_cap;
    struct report_timeline_span *down;
    size_t down_count;
    size_t down_cap;
};

/* A fault the runner injected, e.g. "crash b1". */
struct report_timeline_mark {
    double t;
    char label[REPORT_TIMELINE_LABEL_MAX];
};

struct report_timeline {
    size_t backend_count;       /* series[0..backend_count), scenario order */
    struct report_timeline_series series[SCENARIO_MAX_BACKENDS];
    struct report_timeline_mark *marks;
    size_t mark_count;
    double duration;            /* seconds; > 0 */
    int peak;                   /* highest active count of any backend */
};

/*
 * Replays outcome's proxy log and timeline for the backends of scenario
 * into *timeline, each line thinned to at most max_points (at least 16).
 * Returns 0, or -1 with errno (ENOMEM); *timeline must be freed either way.
 */
int report_timeline_build(struct report_timeline *timeline,
                          const struct scenario *scenario,
                          const struct outcome *outcome, size_t max_points);

/* Frees the arrays of a built timeline (harmless twice). */
void report_timeline_free(struct report_timeline *timeline);

#endif
