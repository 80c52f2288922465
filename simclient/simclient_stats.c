/*
 * simclient_stats: counters, backend table and latency samples.
 * See simclient_stats.h.
 */
#include "simclient_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void simclient_stats_init(struct simclient_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    stats->backends = NULL;
    stats->latency_ns = NULL;
}

void simclient_stats_free(struct simclient_stats *stats)
{
    free(stats->backends);
    free(stats->latency_ns);
    simclient_stats_init(stats);
}

/* Makes room for one more element of an array; 0 or -1 (ENOMEM). */
static int grow(void **array, size_t *capacity, size_t count, size_t elem)
{
    size_t wanted;
    void *bigger;

    if (count < *capacity)
        return 0;
    wanted = *capacity ? *capacity * 2 : 1024;
    bigger = realloc(*array, wanted * elem);
    if (bigger == NULL)
        return -1;
    *array = bigger;
    *capacity = wanted;
    return 0;
}

void simclient_stats_add_latency(struct simclient_stats *stats,
                                 uint64_t latency_ns)
{
    void *array = stats->latency_ns;

    if (grow(&array, &stats->latency_capacity, stats->latency_count,
             sizeof(*stats->latency_ns)) == -1) {
        stats->latency_lost++;
        return;
    }
    stats->latency_ns = array;
    stats->latency_ns[stats->latency_count++] = latency_ns;
}

static void count_backend(struct simclient_stats *stats, const char *name)
{
    struct simclient_stats_backend *entry;
    void *array = stats->backends;

    /* Few backends: a linear search is the simplest thing that works. */
    for (size_t i = 0; i < stats->backend_count; i++) {
        if (strcmp(stats->backends[i].name, name) == 0) {
            stats->backends[i].connections++;
            return;
        }
    }
    if (grow(&array, &stats->backend_capacity, stats->backend_count,
             sizeof(*stats->backends)) == -1) {
        stats->backends_lost++;
        return;
    }
    stats->backends = array;
    entry = &stats->backends[stats->backend_count++];
    snprintf(entry->name, sizeof(entry->name), "%s", name);
    entry->connections = 1;
}

void simclient_stats_add_conn(struct simclient_stats *stats,
                              const struct simclient_stats_conn *conn)
{
    stats->requests_sent += conn->requests_sent;
    stats->requests_ok += conn->requests_ok;
    stats->requests_left += conn->requests_left;
    if (conn->planned)
        stats->behaviour_planned++;
    if (conn->backend != NULL)
        count_backend(stats, conn->backend);
    if (conn->interrupted) {
        stats->connections_interrupted++;
        return;
    }
    stats->connections++;
    if (conn->failure != SIMCLIENT_FAILURE_NONE &&
        conn->failure < SIMCLIENT_FAILURE_COUNT) {
        stats->connections_failed++;
        stats->errors[conn->failure]++;
    }
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static int compare_backends(const void *a, const void *b)
{
    return strcmp(((const struct simclient_stats_backend *)a)->name,
                  ((const struct simclient_stats_backend *)b)->name);
}

void simclient_stats_finish(struct simclient_stats *stats)
{
    if (stats->latency_count > 1)
        qsort(stats->latency_ns, stats->latency_count,
              sizeof(*stats->latency_ns), compare_u64);
    if (stats->backend_count > 1)
        qsort(stats->backends, stats->backend_count,
              sizeof(*stats->backends), compare_backends);
}

uint64_t simclient_stats_percentile(const uint64_t *sorted, size_t count,
                                    double pct)
{
    double rank;
    size_t index;

    if (count == 0)
        return 0;
    /* Multiply first: 99.9 * 1000 / 100 is 999, 99.9 / 100 * 1000 is not. */
    rank = ceil(pct * (double)count / 100.0);
    index = rank < 1.0 ? 0 : (size_t)rank - 1;
    if (index >= count)
        index = count - 1;
    return sorted[index];
}

bool simclient_stats_passed(const struct simclient_stats *stats)
{
    return !stats->interrupted && stats->connections > 0 &&
           stats->connections_failed == 0 &&
           stats->connections_interrupted == 0 &&
           stats->requests_ok + stats->requests_left == stats->requests_sent;
}
