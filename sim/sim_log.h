/*
 * sim_log: the logs of a simulated run, in the formats of the real
 * programs (sim.h says which lines): the proxy's (docs/log-format.md),
 * each backend's as dummy_server's (docs/dummy_server.md), the clients'
 * as simulate_client's (docs/simulate_client.md). ts= is the virtual time
 * in seconds. Every function does nothing for a log not asked for, and
 * for a quiet connection (an initial job: burst -1). Only sim.c calls it,
 * on the run's one thread.
 */
#ifndef SIM_LOG_H
#define SIM_LOG_H

#include "sim_balancer.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim.h"
#include "sim_hist.h"

/* One burst's clients, as their simulate_client would count them. */
struct sim_log_burst {
    FILE *file;
    int requests, size;
    uint64_t start_ns;
    uint64_t conns, failed, ok_requests;
    bool started, ended;
    struct sim_hist *hist;      /* its connections' response times */
};

struct sim_log {
    FILE *proxy;
    FILE **backends;            /* NULL, or one per backend */
    FILE *timeline;
    struct sim_log_burst *bursts;
    size_t burst_count;
    const struct sim_config *cfg;
    const struct balancer *balancer;
    const uint64_t *now;        /* the run's virtual time, ns */
    size_t count;
    char (*names)[SIM_NAME_MAX];
    char *cand;                 /* room for a cand list of every backend */
    size_t cand_size;
};

/* Ready to write config's logs. Returns 0, or -1 without memory. */
int sim_log_init(struct sim_log *log, const struct sim_config *cfg,
                 const struct balancer *balancer, const uint64_t *now);
void sim_log_free(struct sim_log *log);
void sim_log_set_name(struct sim_log *log, size_t index, const char *name);

/* Backend index's made-up address: 127.0.0.1:(20000 + index). */
void sim_log_backend_addr(size_t index, struct net_addr *addr);

/* The first lines: proxy start and backends, listen, timeline. */
void sim_log_start(struct sim_log *log);
/* Ends the bursts still going, writes run_end; flushes every log. */
void sim_log_end(struct sim_log *log, const struct sim_stats *stats,
                 uint64_t now);
/* A burst's first arrival: its clients' start, the timeline's
 * burst_start. */
void sim_log_burst_start(struct sim_log *log, int burst);
/* Its last connection ended: its clients' done, the timeline's
 * burst_end. */
void sim_log_burst_end(struct sim_log *log, int burst);

void sim_log_accept(struct sim_log *log, uint64_t sid, bool quiet);
void sim_log_pick(struct sim_log *log, const struct balancer_view *view,
                  uint64_t sid, int index, bool quiet);
void sim_log_no_backend(struct sim_log *log, const struct balancer_view *view,
                        uint64_t sid, bool quiet);
void sim_log_refused(struct sim_log *log, uint64_t sid, int burst,
                     uint64_t took_ns);
void sim_log_connected(struct sim_log *log, uint64_t sid, int index,
                       uint64_t took_ns, bool quiet);
void sim_log_connect_fail(struct sim_log *log, uint64_t sid, int index,
                          const struct balancer_change *change, int attempt,
                          bool quiet);
void sim_log_retry(struct sim_log *log, uint64_t sid, int attempt, bool quiet);
void sim_log_backend_accept(struct sim_log *log, int index, uint64_t cid,
                            uint64_t sid, bool quiet);
void sim_log_done(struct sim_log *log, uint64_t sid, int index, uint64_t cid,
                  uint64_t seq, int active, uint64_t took_ns, int burst);
void sim_log_crashed(struct sim_log *log, uint64_t sid, int index,
                     const struct balancer_change *change, uint64_t took_ns,
                     int burst);
void sim_log_health(struct sim_log *log, int index,
                    const struct balancer_change *change);
void sim_log_backend_listen(struct sim_log *log, int index);
/* The timeline's line for a fault (and backend_start after a restart). */
void sim_log_fault(struct sim_log *log, const struct sim_fault *fault);

#endif
