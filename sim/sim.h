/*
 * sim: a discrete-event simulation of the proxy in virtual time.
 *
 * Clients arrive, the proxy's own balancer (proxy/balancer.c, compiled in:
 * see sim_balancer.h) picks a backend for each connection, the backend
 * serves it, the balancer releases it. Nothing else of the proxy runs: no
 * kernel, no threads, no sockets, no TCP; a connect takes no time and
 * succeeds unless its backend has crashed. Time is virtual (integer
 * nanoseconds), so a run of 1,000 backends and 1,000,000 connections takes
 * seconds of real time, and the same config and seed give the same run,
 * byte for byte, on any machine.
 *
 *     arrivals ──► accept ──► balancer_pick ──► backend: FIFO (c at once)
 *     (Poisson, interval,        │  (the real        or processor sharing
 *      closed loop)              │   balancer)           │
 *                                ▼                       ▼ service done
 *     faults on the timeline:  connect_fail         balancer_release ──► close
 *     crash, restart, pause,   (crashed backend)
 *     resume, down, up
 *
 * The model:
 * - A connection carries `requests` requests, back to back; its work at
 *   the backend is the sum of that many draws of the backend's service
 *   time. It holds its backend (counts as active in the balancer) from
 *   the pick to the end of its work.
 * - FIFO with concurrency c: at most c connections in service, the others
 *   wait in arrival order (M/M/c when Poisson and exponential); c = 0: no
 *   limit, every connection in service at once, as dummy_server answers
 *   each line after its latency whatever the load.
 * - Processor sharing: every connection at the backend is served at once,
 *   at 1/n of the backend's speed each.
 * - Faults: crash (every connection at the backend ends failed, released
 *   as an early close; until a restart, a pick of it fails at connect,
 *   released as a failed connect, and the connection retries on another
 *   backend, each at most once, as the proxy does); pause (service stops,
 *   connections still arrive and wait); resume; down and up (the backend
 *   marked down or up as health checks would, through
 *   balancer_check_result).
 * - Tuning: slow start and ejection of the balancer run on the virtual
 *   clock (the balancer's clock_ms hook reads it). The queue is not
 *   modelled (a connection refused for want of a backend fails).
 *
 * Memory is proportional to the connections open at once: a connection
 * is freed (to a free list) when it ends, and the statistics are
 * streaming: a histogram of response times of fixed size (log-linear
 * buckets, 64 per power of two: a quantile is within 0.8 % of the true
 * sample quantile), exact mean and maximum, and per backend its counts.
 *
 * Logs (optional): the proxy's log in its own format (docs/log-format.md:
 * ev=start, backend, accept, pick with cand= and p2c=, no_backend,
 * connected, connect_fail, retry, backend_down/up, backend_early_close,
 * close), with ts= in virtual seconds from 0, thr=w0; each backend's log
 * as dummy_server writes it (docs/dummy_server.md: listen, accept with
 * peer= equal to the proxy's connected local=, close); each burst's
 * clients' log as simulate_client writes it (docs/simulate_client.md:
 * start at its first arrival, one conn per connection with local= equal
 * to the proxy's accept client=, done when its last connection ended,
 * with the latency of whole connections); and the harness' own timeline (harness_src/outcome.h:
 * proxy_start, backend_start (also after a restart), fault action=crash,
 * restart, pause, resume, down or up with be= and line=, burst_start
 * burst=N at a burst's first arrival, burst_end status=0 (1: one of its
 * connections failed) after its last, and run_end reason=done). Addresses are made up but
 * consistent: client i of the proxy log
 * is 10.x.y.z:p in both logs, backend k listens on 127.0.0.1:(20000+k).
 * So the harness can load them as traces (harness_src/trace.h) and run
 * the same checks as on a real run: the replay of every pick (seq order
 * = file order here), shares, failures, latency. Lines are not cut at
 * 4096 bytes as the proxy cuts them: a pick line lists every backend
 * (about 12 bytes each). Not written: balancer events of the tuning
 * (slowstart, ejected, restored...), the proxy's stats and stop lines,
 * health check lines. Connections present at time 0 (initial_jobs) are
 * not logged, so a log of such a run does not replay from zero.
 *
 * For the harness (harness --sim FILE.scn): a scenario maps onto one
 * struct sim_config: its backends (one line may declare many) onto
 * backends[] (latency as a fixed service time, or the simulator's own
 * service words: sim_service_parse), the proxy's balance= and seed onto
 * policy and seed, each client burst onto bursts[] (clients as CLOSED
 * with connections = clients when each client makes one connection, as
 * simulate_client does; requests, size, start = the burst's time), each
 * fault line onto faults[] (with its line; crash, restart, pause, resume,
 * and down/up for health), and the run's timeout onto duration. Give it
 * a FILE for each log (a file in the run's folder, or open_memstream),
 * then load them as the runner loads the real ones: outcome.proxy from
 * proxy_log, outcome.backends[i] from backend_logs[i],
 * outcome.bursts[k].log from client_logs[k], outcome.timeline from
 * timeline_log; start_ts = 0, end_ts = stats.end, proxy_exit_status = 0,
 * bursts[k].exit_status = 1 when its done line says result=fail, else 0.
 * The checks that read logs then judge a simulated run as a real one;
 * those that need real processes (threads, descriptors, RSS, the fault
 * links, chaos) have nothing to read and should be skipped, saying so.
 * What a scenario asks that the simulator cannot do (a behaviour of the
 * clients, a fault_link, a control command) is for the harness to refuse
 * with file:line; sim_run refuses only configs it cannot run.
 *
 * Not thread-safe within one run; separate runs may go on in separate
 * threads (the virtual clock the balancer reads is thread-local).
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_NAME_MAX 32
#define SIM_BACKENDS_MAX 1024   /* the balancer's slots in the sim build */
#define SIM_LEVELS 64           /* jobs at a backend: 0..62, and 63 or more */
#define SIM_BURSTS_MAX 64

/* A service time (per request), in seconds. */
enum sim_service_kind {
    SIM_SERVICE_FIXED,          /* always mean */
    SIM_SERVICE_EXPONENTIAL,    /* rate 1/mean */
    SIM_SERVICE_PARETO,         /* shape > 1, scale mean*(shape-1)/shape */
    SIM_SERVICE_LOGNORMAL       /* sigma = shape, mu so that the mean is mean */
};

struct sim_service {
    enum sim_service_kind kind;
    double mean;                /* seconds, > 0 */
    double shape;               /* Pareto's alpha (> 1), lognormal's sigma */
};

enum sim_discipline {
    SIM_FIFO,                   /* concurrency at once, the rest wait */
    SIM_PS                      /* processor sharing (concurrency unused) */
};

/* One backend. */
struct sim_backend {
    char name[SIM_NAME_MAX];    /* as in the logs; "" gives b1, b2... */
    int weight;                 /* 1..256; 0 means 1 */
    int maxconn;                /* 0: no limit */
    long slowstart_ms;          /* -1 or 0 as balancer_backend_spec */
    struct sim_service service;
    enum sim_discipline discipline;
    int concurrency;            /* FIFO: in service at once; 0: no limit */
    int initial_jobs;           /* connections already there at time 0
                                 * (work drawn as for any other), for
                                 * starting a run in a steady state */
};

enum sim_arrival_kind {
    SIM_ARRIVAL_POISSON,        /* exponential gaps, mean 1/rate */
    SIM_ARRIVAL_INTERVAL,       /* one every interval */
    SIM_ARRIVAL_CLOSED          /* clients each opening a connection as
                                 * soon as their previous one ended, like
                                 * simulate_client */
};

/* One burst of clients (a harness burst: one simulate_client run). */
struct sim_arrivals {
    enum sim_arrival_kind kind;
    double rate;                /* POISSON: connections per second */
    double interval;            /* INTERVAL: seconds between connections */
    int clients;                /* CLOSED: how many at once */
    long connections;           /* in all (every kind); 0: until duration */
    int requests;               /* per connection; 0 means 1 */
    int size;                   /* bytes per request, for the logs; 0: 32 */
    double start;               /* seconds: the first arrival */
};

enum sim_fault_kind {
    SIM_FAULT_CRASH,            /* its connections fail; connects fail */
    SIM_FAULT_RESTART,          /* accepts again, empty */
    SIM_FAULT_PAUSE,            /* serves nothing until resume */
    SIM_FAULT_RESUME,
    SIM_FAULT_DOWN,             /* marked down, as by failed checks */
    SIM_FAULT_UP                /* marked up, as by good checks */
};

struct sim_fault {
    double at;                  /* seconds */
    enum sim_fault_kind kind;
    int backend;                /* index into backends */
    int line;                   /* its scenario line, for the timeline */
};

/* A whole run. Zeroed fields take the defaults said. */
struct sim_config {
    const struct sim_backend *backends;
    size_t backend_count;       /* 1..SIM_BACKENDS_MAX */
    const struct sim_arrivals *bursts;  /* each its own clients, */
    size_t burst_count;                 /* 1..SIM_BURSTS_MAX */
    const struct sim_fault *faults;     /* any order: applied by time, */
    size_t fault_count;                 /* then by order given */
    const char *policy;         /* "leastconn" (NULL), "roundrobin",
                                 * "random", "p2c" */
    uint64_t seed;              /* the balancer's and the run's draws */
    bool passive_down;          /* a failed connect marks the backend
                                 * down (the proxy does with health checks) */
    long slowstart_ms;          /* the balancer's tuning (balancer.h) */
    int eject_after;
    long eject_time_ms;
    long eject_max_time_ms;
    int eject_max_percent;
    double warmup;              /* statistics of arrivals from then on */
    double duration;            /* stop then; 0: when every connection
                                 * has ended */
    FILE *proxy_log;            /* NULL: not written */
    FILE **backend_logs;        /* NULL, or backend_count entries (NULL:
                                 * that one not written) */
    FILE **client_logs;         /* NULL, or burst_count entries (NULL:
                                 * that one not written) */
    FILE *timeline_log;         /* NULL: not written */
};

/* One backend's share of a run (the whole run, warmup included). */
struct sim_backend_stats {
    uint64_t connections;       /* served to their end */
    uint64_t failed;            /* ended by a crash */
    uint64_t connect_failed;    /* picked while crashed */
    int peak;                   /* most connections at once */
};

/* A run's results. Times in seconds. */
struct sim_stats {
    uint64_t connections;       /* arrived (initial jobs included) */
    uint64_t ok;                /* ended with their work done */
    uint64_t failed;            /* no backend, or ended by a crash */
    uint64_t no_backend;        /* refused: nothing eligible */
    uint64_t retries;           /* picks after a failed connect */
    uint64_t events;            /* events processed */
    size_t peak_live;           /* most connections open at once */
    double end;                 /* virtual time at the end */
    /* Response time (arrival to end) of the connections that arrived at
     * or after warmup and ended with their work done. */
    uint64_t samples;
    double mean, p50, p90, p99, max;
    /* At each arrival at or after warmup, before its pick: how many
     * backends held exactly k connections (k = SIM_LEVELS - 1: or more),
     * summed over those arrivals. */
    uint64_t level_samples;     /* arrivals seen */
    uint64_t level_sum[SIM_LEVELS];
    size_t backend_count;
    struct sim_backend_stats *backends;   /* backend_count entries */
};

/*
 * Checks config and runs it to its end. Fills *stats (free it with
 * sim_stats_free, also after a failure). Returns 0, or -1 with a message
 * in err ("backend 3: service mean must be > 0") for a config that cannot
 * run, or on lack of memory.
 */
int sim_run(const struct sim_config *config, struct sim_stats *stats,
            char *err, size_t errlen);

void sim_stats_free(struct sim_stats *stats);

/* The fraction of backends that held at least i connections, averaged
 * over the arrivals sampled (0 when none was). */
double sim_stats_at_least(const struct sim_stats *stats, int i);

/* The names of a policy, a service kind, a discipline, a fault (as a
 * scenario would write them), and back; parse returns 0 or -1. */
int sim_service_parse(const char *text, enum sim_service_kind *out);
const char *sim_service_name(enum sim_service_kind kind);
int sim_fault_parse(const char *text, enum sim_fault_kind *out);
const char *sim_fault_name(enum sim_fault_kind kind);

#endif
