/*
 * simrun: runs a scenario in virtual time (harness --sim) instead of with
 * real processes, through the simulator (sim/sim.h), and fills the same
 * struct outcome the runner fills, so that the same checks and reports
 * apply.
 *
 *   scenario ──► struct sim_config ──► sim_run ──► logs in memory
 *                                                   │ (no backends groups)
 *                outcome.proxy, backends[], bursts[].log, timeline ◄┘
 *                outcome.sim: the run's own figures (always)
 *
 * The mapping (sim.h, "For the harness"): each backend (a group gives
 * many: PREFIX1..PREFIXN) onto a sim_backend, latency=D as service=fixed
 * mean=D, neither as fixed 10 µs; balance=, the seed, slowstart= and
 * eject-* onto the config; each clients line onto a burst (N clients as a
 * closed loop of N clients making count= connections, one each by
 * default; poisson and uniform at their rate); crash, restart, pause and
 * resume at their time; the timeout onto the duration. Times in the logs
 * are virtual seconds from 0. A run with a backends group keeps no logs
 * (a pick line lists every backend): its checks read outcome.sim only.
 *
 * The scenario must have passed scenario_sim_unsupported. Single-threaded.
 */
#ifndef SIMRUN_H
#define SIMRUN_H

#include <stddef.h>

#include "outcome.h"
#include "runner.h"
#include "scenario.h"

/*
 * Runs scenario in virtual time into *outcome (initialised by the caller
 * with outcome_init, freed with outcome_free). options: the seed and
 * keep_dir (the logs are written there too, as the runner keeps them).
 * Returns 0, or -1 with the reason in err.
 */
int simrun_run(const struct scenario *scenario,
               const struct runner_options *options, struct outcome *outcome,
               char *err, size_t errlen);

#endif
