/*
 * scenario_sim: the words of the scenario language that only the
 * simulator runs (harness --sim, docs/scenarios.md "Simulation"), and
 * what each mode refuses.
 *
 *   backend b1 service=exp mean=10ms [concurrency=N] [discipline=ps]
 *   backend b2 service=pareto mean=10ms alpha=1.5
 *   backends 1000 web service=exp mean=10ms concurrency=1
 *   at 0s clients poisson rate=900/s count=100000 [requests=N]
 *   at 0s clients uniform rate=500/s count=1000
 *   at 0s clients 50 count=10000          (50 clients, 10000 connections)
 *
 * The parser (scenario.c) reads these words in every mode; before a run,
 * main asks scenario_sim_refuse (real processes: none of them) or
 * scenario_sim_unsupported (--sim: nothing the simulator cannot do), both
 * reporting "file:line: message".
 *
 * Pure functions. Single-threaded.
 */
#ifndef SCENARIO_SIM_H
#define SCENARIO_SIM_H

#include <stdio.h>

#include "scenario.h"

#define SCENARIO_SIM_COUNT_MAX 100000000L   /* count=: connections */
#define SCENARIO_SIM_BURSTS_MAX 64          /* sim.h's SIM_BURSTS_MAX */

/*
 * Applies one service option (service, mean, alpha, sigma, concurrency,
 * discipline; number is a word's index or a count as the parser read it)
 * to *service. Returns 0, or -1 with a message in err.
 */
int scenario_sim_service_option(struct scenario_service *service,
                                const char *key, const char *value,
                                long number, char *err, size_t errlen);

/* Checks the options of one line together (mean= needs service=, alpha=
 * only with pareto...). Returns 0, or -1 with a message in err. */
int scenario_sim_service_check(const struct scenario_service *service,
                               char *err, size_t errlen);

/* "poisson" or "uniform" into *out: 0, else -1. */
int scenario_sim_arrival_parse(const char *word, enum scenario_arrival *out);

/* "500/s" (or "500", "2.5/s") into *rate, > 0: 0, else -1. */
int scenario_sim_read_rate(const char *text, double *rate);

/* Checks a burst's arrival words together. Returns 0, or -1 with a
 * message in err. */
int scenario_sim_burst_check(const struct scenario_burst *burst, char *err,
                             size_t errlen);

/* Reports to errors each line of sc that only --sim can run. Returns the
 * number of errors. */
int scenario_sim_refuse(const struct scenario *sc, FILE *errors);

/* Reports to errors each line of sc that --sim cannot run. Returns the
 * number of errors. */
int scenario_sim_unsupported(const struct scenario *sc, FILE *errors);

/* Backends in all: the declared ones and every group's. */
size_t scenario_sim_backend_total(const struct scenario *sc);

#endif
