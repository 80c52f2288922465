/*
 * outcome: everything one scenario run produced, for the checks and the
 * reports: the parsed logs of every process, the exit statuses, and the
 * samples the runner took while it ran.
 *
 * The harness' own timeline log (trace "timeline") has one line per thing
 * the runner did, with the same CLOCK_MONOTONIC ts as every other log:
 *
 *   ev=proxy_start pid=N port=N
 *   ev=backend_start be=b1 pid=N port=N        (also after a restart)
 *   ev=link_start be=b1|clients pid=N port=N to=N  (a fault_link, before
 *                                              the proxy starts for b1)
 *   ev=fault action=crash|stop|pause|resume|restart|start be=b1 line=N
 *                                              (when it took effect: a
 *                                              signal as it is sent, a
 *                                              start once it listens)
 *   ev=fault action=link|heal|set be=b1|clients kind=K|- cmd="..." line=N
 *                                              (as the command is sent)
 *   ... chaos=1                                (either, planned by chaos)
 *   ev=burst_start burst=N clients=N line=N     (N: index into bursts[])
 *   ev=burst_end burst=N status=N
 *   ev=threads count=N fds=N rss_kb=N          (one sample of the proxy
 *                                              every 100 ms: threads,
 *                                              descriptors, VmRSS in KiB;
 *                                              -1: could not be read)
 *   ev=run_end reason=done|timeout|interrupted
 *
 * Filled by the runner, read-only for the checks and reports.
 */
#ifndef OUTCOME_H
#define OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"
#include "trace.h"

/* One client burst as it ran. */
struct outcome_burst {
    int event;                  /* index into scenario->events */
    int exit_status;            /* simulate_client's; -1 if it never ran */
    struct trace log;           /* its per-connection log (ev=conn lines) */
};

/* A simulated run's own figures (harness --sim, simrun.h): what the
 * checks and the comparison read when the run kept no logs. */
struct outcome_sim {
    bool on;                    /* the run was simulated */
    bool logged;                /* its logs are loaded (no backends
                                   groups): the checks read them */
    long connections;           /* arrived */
    long failed;                /* no backend, or ended by a crash */
    long unfinished;            /* planned but not ended when the run hit
                                   its time limit (not yet arrived, or
                                   still in service) */
    double p50_ms, p90_ms, p99_ms, max_ms;  /* whole connections */
    size_t backend_count;       /* declared, then each group's */
    long *served;               /* per backend: connections served */
    int *peak;                  /* per backend: most at once */
};

struct outcome {
    const struct scenario *scenario;
    double start_ts;            /* the proxy's start line */
    double end_ts;              /* run_end */
    bool timed_out;             /* the scenario's time limit was hit */
    int proxy_exit_status;      /* after SIGTERM; 0 expected */
    struct trace proxy;
    struct trace backends[SCENARIO_MAX_BACKENDS];   /* all starts appended */
    struct outcome_burst bursts[SCENARIO_MAX_EVENTS];
    size_t burst_count;
    struct trace timeline;      /* the runner's own log, above */
    /* The fault_links' logs: links[i] in front of backend i, and
     * links[SCENARIO_MAX_BACKENDS] in front of the proxy (empty: no link).
     * A linked backend's accept peers and the proxy's accept clients are
     * rewritten to the addresses the link saw (see linkmap.h). */
    struct trace links[SCENARIO_MAX_BACKENDS + 1];
    char kept_dir[512];         /* with --keep: the run's log folder; "" */
    struct outcome_sim sim;
    const char *written_policy; /* --compare: the policy the file's
                                   expectations were written for, when
                                   this run uses another; NULL: its own */
};

/* Makes an empty outcome for scenario (all traces empty). */
void outcome_init(struct outcome *outcome, const struct scenario *scenario);

/* Frees every trace. */
void outcome_free(struct outcome *outcome);

#endif
