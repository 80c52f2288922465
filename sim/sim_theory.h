/*
 * sim_theory: the runs that queueing theory has answers for, set up on
 * the simulator, for the tests that compare the two (tests/sim/) and for
 * the table and plot of docs/simulation.md (sim/main.c). Each fills a
 * struct sim_stats; the formulas they are held against are the caller's.
 */
#ifndef SIM_THEORY_H
#define SIM_THEORY_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

/* The runs of the tests and of the docs' table: n backends, the loads,
 * the seed, and the lengths in virtual seconds. random starts in its
 * steady state (geometric start) and is measured at once; p2c and
 * leastconn start empty and are measured after a warmup. */
#define SIM_THEORY_N 1000
#define SIM_THEORY_SEED 1
#define SIM_THEORY_RANDOM_MEASURE 30.0
#define SIM_THEORY_P2C_WARMUP 60.0
#define SIM_THEORY_P2C_MEASURE 60.0
#define SIM_THEORY_JSQ_WARMUP 20.0
#define SIM_THEORY_JSQ_MEASURE 30.0

/*
 * The supermarket model: n backends, FIFO one at a time, exponential
 * service of mean 1 s, Poisson arrivals at n * load per second, under
 * policy, as many as come in warmup + measure seconds on average; the
 * statistics of those after warmup seconds (each connection is followed
 * to its end, so long ones are not cut off). With
 * geometric_start, each backend starts with a number of connections drawn
 * from P(k) = (1 - load) load^k, the steady state of one M/M/1 queue (a
 * run of random then starts in its steady state; it is far from that of
 * the other policies, which must move away from it). Returns 0, or -1
 * with err.
 */
int sim_theory_supermarket(const char *policy, int n, double load,
                           double warmup, double measure,
                           bool geometric_start, uint64_t seed,
                           struct sim_stats *stats, char *err,
                           size_t errlen);

/* M/M/1: one backend, FIFO one at a time, exponential service at rate mu,
 * Poisson arrivals at rate lambda, connections in all, the first tenth
 * left out of the statistics (warmup). */
int sim_theory_mm1(double lambda, double mu, long connections, uint64_t seed,
                   struct sim_stats *stats, char *err, size_t errlen);

#endif
