/*
 * check_latency: the clients' request latency.
 *
 *   pNN<=D [burst=N]   the NN-th percentile (50, 90 or 99) of the request
 *                      latencies of burst N, or of each burst, is at most D
 *
 * Each simulate_client run logs its percentiles in its ev=done line
 * (p50_ms p90_ms p99_ms, nearest rank over every request of the run,
 * samples= how many): a burst is judged by its own distribution. A burst
 * with no sample (no request was answered) is not judged in the "each
 * burst" form, and fails the "burst=N" form.
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_LATENCY_H
#define CHECK_LATENCY_H

#include "check.h"
#include "outcome.h"

/* "expect pNN<=D [burst=N]". */
void check_latency(const struct scenario_expect *e,
                   const struct outcome *outcome,
                   struct check_verdict *verdict);

#endif
