/*
 * check_sim: the expectations of a simulated run (harness --sim).
 *
 * A simulated run with its logs (no backends group) is judged from them
 * as a real one, but for what only real processes show: threads,
 * descriptors, memory, the stop, the relay of bytes, health checks, the
 * balancer's tuning events, the queue, the backends' request lines. Those
 * are skipped, saying why. A run with a backends group keeps no logs: it
 * is judged from the simulator's own figures (outcome->sim) where they
 * answer (clients ok, clients failed<=N, pNN<=D, share and compare of the
 * declared backends), and the rest is skipped.
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_SIM_H
#define CHECK_SIM_H

#include <stdbool.h>

#include "check.h"
#include "outcome.h"
#include "scenario.h"

/*
 * For a simulated outcome: judges e from outcome->sim, or skips it, and
 * returns true (verdict set); false when e is to be judged from the logs
 * as usual. For a real run: false.
 */
bool check_sim(const struct scenario_expect *e, const struct outcome *outcome,
               struct check_verdict *verdict);

#endif
