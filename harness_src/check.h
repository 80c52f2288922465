/*
 * check: judges one expectation of a scenario from a run's outcome.
 *
 * Each check reads only the logs (struct outcome): the proxy's picks and
 * releases replayed in seq order, the backends' and clients' per-connection
 * lines, and the runner's timeline. A failed check says, in words a student
 * can act on, which decision or connection broke it, with the numbers, e.g.
 * "pick 17 (t=0.842s) chose b2 with 3 active while b1 had 1".
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "outcome.h"
#include "scenario.h"

#define CHECK_REASON_MAX 512

struct check_verdict {
    bool passed;                /* what the check found, before expect-fail */
    bool ok;                    /* passed, or failed under expect-fail */
    bool skipped;               /* not judged (passed and ok): the run
                                   cannot answer it, reason says why */
    char reason[CHECK_REASON_MAX];  /* why (also on success: what was seen) */
};

/*
 * True when no log of the run lost lines. A program whose log writer had
 * to drop lines says so with "ev=log_dropped n=N"; every check of such a
 * run would read a partial log, and could pass or fail because of what is
 * missing. On false, why holds which processes lost how many lines, for
 * the report (the run is then not judged at all).
 */
bool check_logs_whole(const struct outcome *outcome, char *why, size_t size);

/* Judges expectation e against outcome. */
void check_run(const struct scenario_expect *e, const struct outcome *outcome,
               struct check_verdict *verdict);

/* Per-backend figures for the report table, from the proxy's log. */
struct check_backend_row {
    long connections;           /* connected sessions */
    double share_pct;           /* of all connected sessions */
    int peak_active;            /* highest active count in the replay */
    long failures;              /* connect_fail events */
    long picks;
};

/* Fills rows[0..scenario->backend_count). */
void check_backend_table(const struct outcome *outcome,
                         struct check_backend_row *rows);

#endif
