/*
 * compare: one scenario under several balancing policies, side by side
 * (harness --compare POLICY,POLICY,... FILE.scn).
 *
 * main runs the scenario once per policy, same seed, each on its own copy
 * with balance= set (scenario_set_policy); this module reads the policy
 * list, sums up each run from its logs, and prints the one table that
 * puts the runs next to each other:
 *
 *   policy      clients  failed    p50 ms    p99 ms    max ms
 *   leastconn       200       0     5.210    20.310    25.080
 *   p2c             200       0     5.330    22.900    31.200
 *
 *   backend     leastconn      p2c
 *   b1          44.5%   18     40.0%   15      (share, peak active)
 *
 * Pure functions over read-only data, but for the printing. Single-threaded.
 */
#ifndef COMPARE_H
#define COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "outcome.h"
#include "scenario.h"

#define COMPARE_MAX_POLICIES 4
#define COMPARE_TABLE_BACKENDS 32   /* backend rows printed at most */

/* The policies of a --compare list, in the order given. */
struct compare_policies {
    const char *names[COMPARE_MAX_POLICIES];
    size_t count;
};

/*
 * Reads text ("leastconn,p2c,random") into *out: each a policy the proxy
 * has (leastconn, roundrobin, random, p2c), no repeat, two at least.
 * Returns 0, or -1 with a message in err ("'fastest' is not a policy
 * (policies: ...)").
 */
int compare_parse_policies(const char *text, struct compare_policies *out,
                           char *err, size_t errlen);

/* One run of the comparison, summed up. */
struct compare_run {
    const char *policy;
    bool ran;                   /* false: aborted, the figures are 0 */
    long clients;               /* connections the bursts made */
    long failed;                /* of those, failed */
    double p50_ms, p99_ms, max_ms;  /* the highest of the bursts' */
    size_t backend_count;       /* declared, then each group's */
    double *share_pct;          /* backend_count entries each */
    int *peak;
};

/*
 * Fills *run from a run's outcome: a simulated one from outcome->sim, a
 * real one from its backend table (rows, check_backend_table) and its
 * bursts' done lines. Returns 0, or -1 when out of memory.
 */
int compare_summarize(struct compare_run *run, const char *policy,
                      const struct outcome *outcome,
                      const struct check_backend_row *rows, bool ran);

void compare_run_free(struct compare_run *run);

/* Prints the table of runs[0..count) of scenario (run with seed) to out. */
void compare_print(FILE *out, const struct scenario *scenario,
                   unsigned long seed, const struct compare_run *runs,
                   size_t count);

#endif
