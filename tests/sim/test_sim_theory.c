/*
 * test_sim_theory: the simulator against results it did not produce.
 *
 *   mm1          one backend, Poisson arrivals at lambda, exponential
 *                service at mu = 1, FIFO one at a time: the mean response
 *                time is 1/(mu - lambda) (2 s at 0.5, 5 s at 0.8), within
 *                6 %: 200,000 connections, the first tenth left out; the
 *                standard error of the mean is about 1 % at 0.5 and 2 %
 *                at 0.8 (response times of M/M/1 are correlated over
 *                about 1/(1 - sqrt(rho))^2 connections).
 *   supermarket  1,000 backends, Poisson arrivals at 1000 * load,
 *                exponential service of mean 1, FIFO one at a time: the
 *                fraction of backends holding at least i connections (seen
 *                by arriving connections, which by PASTA is the time
 *                average) is load^i for random, load^(2^i - 1) for p2c
 *                (Mitzenmacher's limit as n grows), i = 1..4, loads 0.5,
 *                0.7, 0.9, 0.95. Tolerance: the value must lie between the
 *                formula at load - 0.015 and at load + 0.015, or within
 *                0.005 of the formula. Why: in a finite run of finite n,
 *                the load the backends actually see over the window
 *                differs from the nominal one (seed to seed, the measured
 *                fraction of busy backends, which is the load, moves by
 *                about 0.01 at 0.95), and a tail of 2^i - 1 factors
 *                amplifies that; the absolute 0.005 covers tails of a few
 *                backends, where a handful of them make the fraction. The
 *                random runs start in the steady state of M/M/1 (a
 *                geometric number of connections per backend, sim.h
 *                initial_jobs) since M/M/1 at 0.95 takes thousands of
 *                seconds to fill from empty; the p2c runs start empty and
 *                are measured after 60 s. Also the mean response time of
 *                random: 1/(1 - load), within 5 %.
 *   jsq          leastconn (join the shortest queue) has a mean response
 *                time at most that of p2c at every load, and p2c at most
 *                that of random.
 *
 * Every run uses SIM_THEORY_SEED: the results are fixed, and the
 * tolerances hold them (docs/simulation.md has the table). A wrong
 * simulator fails them: random and p2c swapped (every random tail and
 * mean), service twice as long (everything), fixed service instead of
 * exponential (M/M/1 1.50 s for 2, the random tails), p2c taking the
 * higher of its two samples (the p2c tails). Too small to see: the jobs
 * counted just after the arrival's pick instead of before (one connection
 * among 1,000 backends moves each fraction by 0.001).
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>

#include "sim.h"
#include "sim_theory.h"
#include "testlib.h"

#define LOAD_BAND 0.015
#define SMALL_TAIL 0.005

static const double loads[] = { 0.5, 0.7, 0.9, 0.95 };

static void test_mm1(void)
{
    static const double lambdas[] = { 0.5, 0.8 };
    char err[256];

    for (size_t k = 0; k < 2; k++) {
        struct sim_stats st;
        double expect = 1 / (1 - lambdas[k]);

        CU_ASSERT_EQUAL_FATAL(sim_theory_mm1(lambdas[k], 1, 200000,
                                             SIM_THEORY_SEED, &st, err,
                                             sizeof(err)), 0);
        CU_ASSERT_EQUAL(st.ok, 200000);
        CU_ASSERT_TRUE(st.samples > 170000);
        if (fabs(st.mean / expect - 1) > 0.06) {
            printf("\nM/M/1 at %.1f: mean %.4f, theory %.4f\n", lambdas[k],
                   st.mean, expect);
            CU_FAIL("M/M/1 mean response time off by more than 6 %");
        }
        sim_stats_free(&st);
    }
}

typedef double tail_fn(double load, int i);

static double tail_random(double load, int i)
{
    return pow(load, i);
}

static double tail_p2c(double load, int i)
{
    return pow(load, pow(2, i) - 1);
}

/* Whether the run's tails are the formula's, within the tolerance. */
static int tails_hold(const struct sim_stats *st, double load, tail_fn *f,
                      const char *policy)
{
    int bad = 0;

    for (int i = 1; i <= 4; i++) {
        double got = sim_stats_at_least(st, i), expect = f(load, i);
        double low = f(load - LOAD_BAND, i), high = f(load + LOAD_BAND, i);

        if ((got < low || got > high) && fabs(got - expect) > SMALL_TAIL) {
            printf("\n%s at %.2f: at least %d: %.4f, theory %.4f "
                   "(allowed %.4f..%.4f)\n", policy, load, i, got, expect,
                   low, high);
            bad++;
        }
    }
    return bad;
}

static void test_supermarket_random(void)
{
    char err[256];

    for (size_t k = 0; k < sizeof(loads) / sizeof(loads[0]); k++) {
        struct sim_stats st;
        double expect = 1 / (1 - loads[k]);

        CU_ASSERT_EQUAL_FATAL(sim_theory_supermarket(
            "random", SIM_THEORY_N, loads[k], 0, SIM_THEORY_RANDOM_MEASURE,
            true, SIM_THEORY_SEED, &st, err, sizeof(err)), 0);
        CU_ASSERT_TRUE(st.level_samples > 10000);
        CU_ASSERT_EQUAL(tails_hold(&st, loads[k], tail_random, "random"), 0);
        if (fabs(st.mean / expect - 1) > 0.05) {
            printf("\nrandom at %.2f: mean %.4f, theory %.4f\n", loads[k],
                   st.mean, expect);
            CU_FAIL("random: mean response time off by more than 5 %");
        }
        sim_stats_free(&st);
    }
}

static void test_supermarket_p2c_and_jsq(void)
{
    char err[256];

    for (size_t k = 0; k < sizeof(loads) / sizeof(loads[0]); k++) {
        struct sim_stats p2c, jsq;

        CU_ASSERT_EQUAL_FATAL(sim_theory_supermarket(
            "p2c", SIM_THEORY_N, loads[k], SIM_THEORY_P2C_WARMUP,
            SIM_THEORY_P2C_MEASURE, false, SIM_THEORY_SEED, &p2c, err,
            sizeof(err)), 0);
        CU_ASSERT_EQUAL_FATAL(sim_theory_supermarket(
            "leastconn", SIM_THEORY_N, loads[k], SIM_THEORY_JSQ_WARMUP,
            SIM_THEORY_JSQ_MEASURE, false, SIM_THEORY_SEED, &jsq, err,
            sizeof(err)), 0);
        CU_ASSERT_EQUAL(tails_hold(&p2c, loads[k], tail_p2c, "p2c"), 0);
        /* Join the shortest queue, then two choices, then one. */
        CU_ASSERT_TRUE(jsq.samples > 10000 && p2c.samples > 10000);
        if (!(jsq.mean <= p2c.mean && p2c.mean <= 1 / (1 - loads[k]))) {
            printf("\nat %.2f: leastconn %.4f, p2c %.4f, random (theory) "
                   "%.4f\n", loads[k], jsq.mean, p2c.mean,
                   1 / (1 - loads[k]));
            CU_FAIL("leastconn <= p2c <= random does not hold");
        }
        sim_stats_free(&p2c);
        sim_stats_free(&jsq);
    }
}

static CU_TestInfo sim_theory_tests[] = {
    { "M/M/1: mean response 1/(mu - lambda)", test_mm1 },
    { "supermarket, random: load^i", test_supermarket_random },
    { "supermarket, p2c: load^(2^i-1); leastconn <= p2c",
      test_supermarket_p2c_and_jsq },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(sim_theory, sim_theory_tests)
