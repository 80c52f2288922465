/*
 * report_timeline: replaying the proxy's log into one step line per
 * backend, and thinning long lines (see report_timeline.h).
 */
#include "report_timeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MIN_POINTS 16
#define POINTS_PER_SLICE 5          /* what thinning keeps of each slice */

/* A proxy event that changes the balancer, with its place in order. */
struct replay_event {
    long long seq;
    const struct trace_event *event;
};

/* The balancer as the replay has rebuilt it so far. */
struct replay {
    const struct scenario *scenario;
    double origin;                  /* ts of t = 0 */
    int active[SCENARIO_MAX_BACKENDS];
    bool down[SCENARIO_MAX_BACKENDS];
    double down_since[SCENARIO_MAX_BACKENDS];
};

/* Makes room for one more element of size bytes in *array. */
static int grow(void **array, size_t count, size_t *cap, size_t size)
{
    size_t bigger = *cap == 0 ? 64 : *cap * 2;
    void *moved;

    if (count < *cap)
        return 0;
    moved = realloc(*array, bigger * size);
    if (moved == NULL) {
        errno = ENOMEM;
        return -1;
    }
    *array = moved;
    *cap = bigger;
    return 0;
}

static int add_point(struct report_timeline_series *series, double t,
                     int active)
{
    if (grow((void **)&series->points, series->point_count,
             &series->point_cap, sizeof(*series->points)) == -1)
        return -1;
    /* Lines are written after the lock is let go, so a later seq can carry
     * an earlier ts; the line must still only go right. */
    if (series->point_count > 0 &&
        t < series->points[series->point_count - 1].t)
        t = series->points[series->point_count - 1].t;
    series->points[series->point_count].t = t;
    series->points[series->point_count].active = active;
    series->point_count++;
    return 0;
}

static int add_span(struct report_timeline_series *series, double from,
                    double to)
{
    if (grow((void **)&series->down, series->down_count, &series->down_cap,
             sizeof(*series->down)) == -1)
        return -1;
    if (from < 0)
        from = 0;
    series->down[series->down_count].from = from;
    series->down[series->down_count].to = to < from ? from : to;
    series->down_count++;
    return 0;
}

/* The change event makes to its backend's count: +1, -1, or 0 for none
 * (backend_down/backend_up, which change its state instead). */
static int count_change(const struct trace_event *event)
{
    if (trace_is(event, "pick"))
        return 1;
    if (trace_is(event, "close") || trace_is(event, "connect_fail"))
        return -1;
    return 0;
}

static bool is_replayed(const struct trace_event *event)
{
    return count_change(event) != 0 || trace_is(event, "backend_down") ||
           trace_is(event, "backend_up");
}

static int by_seq(const void *a, const void *b)
{
    const struct replay_event *left = a, *right = b;

    if (left->seq != right->seq)
        return left->seq < right->seq ? -1 : 1;
    return left->event->line - right->event->line;
}

/* Collects the events that carry a seq, in seq order. Returns how many,
 * or -1 with errno. */
static long sorted_events(const struct trace *proxy,
                          struct replay_event **events)
{
    size_t count = 0;

    *events = calloc(proxy->count > 0 ? proxy->count : 1, sizeof(**events));
    if (*events == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < proxy->count; i++) {
        const struct trace_event *event = &proxy->events[i];
        long long seq = trace_get_int(event, "seq", -1);

        if (seq < 0 || !is_replayed(event))
            continue;
        (*events)[count].seq = seq;
        (*events)[count].event = event;
        count++;
    }
    qsort(*events, count, sizeof(**events), by_seq);
    return (long)count;
}

/* Applies one event to the replay and to backend's line. */
static int replay_apply(struct replay *replay,
                        struct report_timeline *timeline,
                        const struct trace_event *event)
{
    int backend = scenario_backend_index(replay->scenario,
                                         trace_get(event, "be"));
    int change = count_change(event);
    double t = event->ts - replay->origin;
    struct report_timeline_series *series;

    if (backend < 0)
        return 0;
    series = &timeline->series[backend];
    if (change != 0) {
        int before = replay->active[backend];
        int after = before + change < 0 ? 0 : before + change;

        replay->active[backend] = after;
        if (after > timeline->peak)
            timeline->peak = after;
        if (add_point(series, t, before) == -1)
            return -1;
        return add_point(series, t, after);
    }
    if (trace_is(event, "backend_down") && !replay->down[backend]) {
        replay->down[backend] = true;
        replay->down_since[backend] = t;
    } else if (trace_is(event, "backend_up") && replay->down[backend]) {
        replay->down[backend] = false;
        return add_span(series, replay->down_since[backend], t);
    }
    return 0;
}

/* Where t = 0 is: the proxy's start, or its first line when the start is
 * unknown. */
static double find_origin(const struct outcome *outcome)
{
    if (outcome->start_ts > 0 || outcome->proxy.count == 0)
        return outcome->start_ts;
    return outcome->proxy.events[0].ts;
}

/* "crash b1"; a link fault and a heal name their kind ("link b1
 * latency"), a live change its keys ("set b1 latency=40ms"). */
static void mark_label(struct report_timeline_mark *mark,
                       const struct trace_event *event, const char *action,
                       const char *backend)
{
    const char *kind = trace_get(event, "kind");
    const char *cmd = trace_get(event, "cmd");
    const char *detail = "";

    if (action != NULL && strcmp(action, "set") == 0 && cmd != NULL)
        detail = strncmp(cmd, "set ", 4) == 0 ? cmd + 4 : cmd;
    else if (kind != NULL && strcmp(kind, "-") != 0)
        detail = kind;
    snprintf(mark->label, sizeof(mark->label), "%s %s%s%s",
             action != NULL ? action : "fault", backend != NULL ? backend : "",
             detail[0] != '\0' ? " " : "", detail);
}

/* "weight b2 5" for an operation: the action, its backend, and the value
 * of a weight or maxconn ("set weight b2 5"). */
static void operation_label(struct report_timeline_mark *mark,
                            const struct trace_event *event,
                            const char *action, const char *backend)
{
    const char *cmd = trace_get(event, "cmd");
    const char *value = cmd != NULL ? strrchr(cmd, ' ') : NULL;
    bool numbered = action != NULL && (strcmp(action, "weight") == 0 ||
                                       strcmp(action, "maxconn") == 0);

    snprintf(mark->label, sizeof(mark->label), "%s%s%s%s",
             action != NULL ? action : "operate",
             backend != NULL && strcmp(backend, "-") != 0 ? " " : "",
             backend != NULL && strcmp(backend, "-") != 0 ? backend : "",
             numbered && value != NULL ? value : "");
}

/* The marks of the proxy's own log: its ejections and their ends. */
static bool proxy_mark(const struct trace_event *event)
{
    return trace_is(event, "ejected") || trace_is(event, "restored");
}

static struct report_timeline_mark *new_mark(struct report_timeline *timeline,
                                             size_t *cap, double t)
{
    struct report_timeline_mark *mark;

    if (grow((void **)&timeline->marks, timeline->mark_count, cap,
             sizeof(*timeline->marks)) == -1)
        return NULL;
    mark = &timeline->marks[timeline->mark_count++];
    mark->t = t < 0 ? 0 : t;
    return mark;
}

/* The runner's faults and operations (timeline.log), and the proxy's
 * ejections (proxy.log), as marks. */
static int add_marks(struct report_timeline *timeline,
                     const struct outcome *outcome, double origin)
{
    size_t cap = 0;
    struct report_timeline_mark *mark;

    for (size_t i = 0; i < outcome->timeline.count; i++) {
        const struct trace_event *event = &outcome->timeline.events[i];
        const char *action = trace_get(event, "action");
        const char *backend = trace_get(event, "be");

        if (!trace_is(event, "fault") && !trace_is(event, "operate"))
            continue;
        if ((mark = new_mark(timeline, &cap, event->ts - origin)) == NULL)
            return -1;
        if (trace_is(event, "operate"))
            operation_label(mark, event, action, backend);
        else
            mark_label(mark, event, action, backend);
    }
    for (size_t i = 0; i < outcome->proxy.count; i++) {
        const struct trace_event *event = &outcome->proxy.events[i];
        const char *backend = trace_get(event, "be");

        if (!proxy_mark(event))
            continue;
        if ((mark = new_mark(timeline, &cap, event->ts - origin)) == NULL)
            return -1;
        snprintf(mark->label, sizeof(mark->label), "%s %s", event->ev,
                 backend != NULL ? backend : "?");
    }
    return 0;
}

/* The run's length: its end, or the last thing drawn when later. */
static double find_duration(const struct report_timeline *timeline,
                            const struct outcome *outcome, double origin)
{
    double duration = outcome->end_ts > origin ? outcome->end_ts - origin
                                                : 0;

    for (size_t b = 0; b < timeline->backend_count; b++) {
        const struct report_timeline_series *series = &timeline->series[b];

        if (series->point_count > 0 &&
            series->points[series->point_count - 1].t > duration)
            duration = series->points[series->point_count - 1].t;
    }
    for (size_t i = 0; i < timeline->mark_count; i++) {
        if (timeline->marks[i].t > duration)
            duration = timeline->marks[i].t;
    }
    return duration > 0 ? duration : 1.0;
}

static size_t slice_of(double t, double duration, size_t slices)
{
    double slice = t / duration * (double)slices;

    if (slice < 0)
        return 0;
    return slice >= (double)slices ? slices - 1 : (size_t)slice;
}

static void keep(struct report_timeline_point *kept, size_t *count, double t,
                 int active)
{
    if (*count > 0 && kept[*count - 1].t == t &&
        kept[*count - 1].active == active)
        return;
    kept[*count].t = t;
    kept[*count].active = active;
    (*count)++;
}

/* Keeps of points[*next..] the slice they start: where the line enters,
 * its extremes in the order they came, where it leaves (all at the
 * slice's first time, as one vertical stroke) and its last time. */
static void thin_slice(const struct report_timeline_series *series,
                       size_t *next, double duration, size_t slices,
                       struct report_timeline_point *kept, size_t *count)
{
    const struct report_timeline_point *p = series->points;
    size_t first = *next, low = first, high = first, i = first;
    size_t slice = slice_of(p[first].t, duration, slices);
    double t = p[first].t;

    while (i < series->point_count &&
           slice_of(p[i].t, duration, slices) == slice) {
        if (p[i].active < p[low].active)
            low = i;
        if (p[i].active > p[high].active)
            high = i;
        i++;
    }
    *next = i;
    keep(kept, count, t, p[first].active);
    keep(kept, count, t, p[low < high ? low : high].active);
    keep(kept, count, t, p[low < high ? high : low].active);
    keep(kept, count, t, p[i - 1].active);
    keep(kept, count, p[i - 1].t, p[i - 1].active);
}

/* Thins series to at most max_points points (see report_timeline.h). */
static int thin(struct report_timeline_series *series, double duration,
                size_t max_points)
{
    size_t slices = max_points / POINTS_PER_SLICE, next = 0, count = 0;
    struct report_timeline_point *kept;

    if (series->point_count <= max_points)
        return 0;
    kept = calloc(max_points, sizeof(*kept));
    if (kept == NULL) {
        errno = ENOMEM;
        return -1;
    }
    while (next < series->point_count)
        thin_slice(series, &next, duration, slices, kept, &count);
    free(series->points);
    series->points = kept;
    series->point_count = count;
    series->point_cap = max_points;
    return 0;
}

/* Ends every line and open down span at the end of the run, and thins. */
static int finish(struct report_timeline *timeline,
                  const struct replay *replay, size_t max_points)
{
    for (size_t b = 0; b < timeline->backend_count; b++) {
        struct report_timeline_series *series = &timeline->series[b];

        if (add_point(series, timeline->duration, replay->active[b]) == -1)
            return -1;
        if (replay->down[b] &&
            add_span(series, replay->down_since[b], timeline->duration) == -1)
            return -1;
    }
    for (size_t b = 0; b < timeline->backend_count; b++) {
        if (thin(&timeline->series[b], timeline->duration, max_points) == -1)
            return -1;
    }
    return 0;
}

int report_timeline_build(struct report_timeline *timeline,
                          const struct scenario *scenario,
                          const struct outcome *outcome, size_t max_points)
{
    struct replay replay;
    struct replay_event *events = NULL;
    long count;
    int status = -1;

    memset(timeline, 0, sizeof(*timeline));
    memset(&replay, 0, sizeof(replay));
    replay.scenario = scenario;
    replay.origin = find_origin(outcome);
    timeline->backend_count = scenario->backend_count > SCENARIO_MAX_BACKENDS
                                  ? SCENARIO_MAX_BACKENDS
                                  : scenario->backend_count;
    for (size_t b = 0; b < timeline->backend_count; b++) {
        if (add_point(&timeline->series[b], 0, 0) == -1)
            return -1;
    }
    count = sorted_events(&outcome->proxy, &events);
    if (count == -1)
        return -1;
    for (long i = 0; i < count; i++) {
        if (replay_apply(&replay, timeline, events[i].event) == -1)
            goto out;
    }
    if (add_marks(timeline, outcome, replay.origin) == -1)
        goto out;
    timeline->duration = find_duration(timeline, outcome, replay.origin);
    status = finish(timeline, &replay,
                    max_points < MIN_POINTS ? MIN_POINTS : max_points);
out:
    free(events);
    return status;
}

void report_timeline_free(struct report_timeline *timeline)
{
    for (size_t b = 0; b < SCENARIO_MAX_BACKENDS; b++) {
        free(timeline->series[b].points);
        free(timeline->series[b].down);
    }
    free(timeline->marks);
    memset(timeline, 0, sizeof(*timeline));
}
