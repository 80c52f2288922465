/*
 * runner: runs one scenario for real and collects its outcome.
 *
 *   backends (dummy_server) ──► proxy_server ◄── bursts (simulate_client)
 *        ▲ crash/stop/pause/resume/restart/start       ▲ "at" / "when"
 *        └──────────── the runner's timeline ──────────┘
 *
 * Every process listens on a port the kernel picked (port 0), so runs never
 * collide, even two at once. All of a run's processes share one process
 * group of their own; whatever happens (done, time limit, Ctrl-C, a
 * process failing to start), the runner kills that group and reaps every
 * child before it returns. Logs go to a temporary folder (removed after
 * the run) or, with --keep, to a folder made for this run alone,
 * KEEP_DIR/<scenario>-<pid>/ (outcome->kept_dir), so that runs sharing
 * KEEP_DIR never mix their logs.
 *
 * Single-threaded.
 */
#ifndef RUNNER_H
#define RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"
#include "scenario.h"

struct runner_options {
    const char *bin_dir;        /* where proxy_server & co. are */
    const char *keep_dir;       /* NULL: do not keep the logs */
    bool verbose;               /* echo every process' log live to stderr */
    bool progress;              /* a live status line on stderr (a TTY) */
    bool seed_set;              /* seed overrides the scenario's */
    unsigned long seed;
    volatile sig_atomic_t *interrupted;     /* the signal that asks the run
                                               to stop, 0 none: set by the
                                               caller's handler */
};

/*
 * Runs scenario and fills *outcome (which the caller initialised with
 * outcome_init and frees with outcome_free). Returns 0 when the run took
 * place (the checks may still fail: a time limit is recorded in
 * outcome->timed_out), or -1 when it could not (a program missing, a
 * process that did not start, interrupted), with the reason in err.
 */
int runner_run(const struct scenario *scenario,
               const struct runner_options *options, struct outcome *outcome,
               char *err, size_t errlen);

#endif
