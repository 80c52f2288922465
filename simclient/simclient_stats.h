/*
 * simclient_stats: what one simulate_client run counted.
 *
 * Owns the per-kind error counters, the per-backend connection counts and
 * every latency sample (one per correct reply, in nanoseconds), which are
 * all kept and sorted at the end so percentiles are exact. The event loop
 * adds to it; the report reads its fields after simclient_stats_finish().
 * Not thread-safe: simulate_client has one thread.
 */
#ifndef SIMCLIENT_STATS_H
#define SIMCLIENT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simclient_failure.h"
#include "simclient_reply.h"

/* How many connections one backend served. */
struct simclient_stats_backend {
    char name[SIMCLIENT_REPLY_NAME_MAX + 1];
    unsigned long connections;
};

/* The outcome of one finished connection, as handed to the stats. */
struct simclient_stats_conn {
    enum simclient_failure failure; /* NONE when every reply was right */
    bool interrupted;           /* cut short by SIGINT/SIGTERM */
    const char *backend;        /* the replies' NAME, or NULL if none came */
    unsigned long requests_sent;
    unsigned long requests_ok;
    bool planned;               /* ended as the run's behaviour says */
    unsigned long requests_left; /* left unanswered by the behaviour */
};

struct simclient_stats {
    unsigned long connections;          /* finished, ok or failed */
    unsigned long connections_failed;
    unsigned long connections_interrupted; /* cut short, neither of those */
    unsigned long long requests_sent;   /* request lines begun */
    unsigned long long requests_ok;     /* correct replies */
    unsigned long long requests_left;   /* unanswered by design (--no-read,
                                           --abort): not failures */
    unsigned long behaviour_planned;    /* connections that ended as the
                                           behaviour says */
    unsigned long errors[SIMCLIENT_FAILURE_COUNT]; /* [NONE] stays 0 */
    struct simclient_stats_backend *backends; /* sorted by name at finish */
    size_t backend_count;
    size_t backend_capacity;
    uint64_t *latency_ns;               /* sorted at finish */
    size_t latency_count;
    size_t latency_capacity;
    unsigned long latency_lost;         /* samples dropped for lack of memory */
    unsigned long backends_lost;        /* names dropped for lack of memory */
    char behaviour[40];                 /* "idle 20ms"...; "" for none */
    double duration_s;                  /* wall time of the run */
    bool interrupted;                   /* a signal ended the run early */
};

/* Makes empty stats (no allocation yet). */
void simclient_stats_init(struct simclient_stats *stats);

/* Frees the arrays; the stats are empty afterwards. */
void simclient_stats_free(struct simclient_stats *stats);

/*
 * Records one latency sample. Never fails visibly: when memory runs out
 * the sample is counted in latency_lost instead.
 */
void simclient_stats_add_latency(struct simclient_stats *stats,
                                 uint64_t latency_ns);

/*
 * Records a finished connection: its result, its requests and the backend
 * that served it (counted even when a later reply failed, since the backend
 * did serve it). A name that cannot be stored is counted in backends_lost.
 */
void simclient_stats_add_conn(struct simclient_stats *stats,
                              const struct simclient_stats_conn *conn);

/* Sorts the latency samples and the backends; call once, after the run. */
void simclient_stats_finish(struct simclient_stats *stats);

/*
 * The pct-th percentile (0 < pct <= 100) of count sorted samples by the
 * nearest-rank method: the smallest sample with at least pct% of all
 * samples at or below it. Returns 0 when count is 0.
 */
uint64_t simclient_stats_percentile(const uint64_t *sorted, size_t count,
                                    double pct);

/*
 * True when the run passed: it was not interrupted, at least one
 * connection finished, none failed and every request sent got its
 * correct reply, except those the behaviour left unanswered on purpose.
 */
bool simclient_stats_passed(const struct simclient_stats *stats);

#endif
