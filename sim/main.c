/*
 * sim_tool: the simulator from the command line, for the figures of
 * docs/simulation.md.
 *
 *   build/sim_tool theory        theory against simulation, a table
 *   build/sim_tool theory --csv  the same as CSV, for sim/plot.py
 *   build/sim_tool scale [BACKENDS [CONNECTIONS [POLICY]]]
 *                                one big run (default 1000 backends,
 *                                1000000 connections, p2c): Poisson
 *                                arrivals at load 0.9, exponential
 *                                service, FIFO one at a time; prints the
 *                                wall time and the statistics
 *
 * Exit status: 0, 1 when a run failed, 2 for bad usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "sim.h"
#include "sim_theory.h"

static const double loads[] = { 0.5, 0.7, 0.9, 0.95 };

static double wall_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The three policies' runs at one load. Returns 0 or -1. */
static int run_load(double load, struct sim_stats *random,
                    struct sim_stats *p2c, struct sim_stats *jsq)
{
    char err[256];

    if (sim_theory_supermarket("random", SIM_THEORY_N, load, 0,
                               SIM_THEORY_RANDOM_MEASURE, true,
                               SIM_THEORY_SEED, random, err,
                               sizeof(err)) == -1 ||
        sim_theory_supermarket("p2c", SIM_THEORY_N, load,
                               SIM_THEORY_P2C_WARMUP, SIM_THEORY_P2C_MEASURE,
                               false, SIM_THEORY_SEED, p2c, err,
                               sizeof(err)) == -1 ||
        sim_theory_supermarket("leastconn", SIM_THEORY_N, load,
                               SIM_THEORY_JSQ_WARMUP, SIM_THEORY_JSQ_MEASURE,
                               false, SIM_THEORY_SEED, jsq, err,
                               sizeof(err)) == -1) {
        fprintf(stderr, "sim_tool: %s\n", err);
        return -1;
    }
    return 0;
}

/* M/M/1 at 0.5 and 0.8, as the tests run it, on standard error. */
static int theory_mm1(void)
{
    static const double lambdas[] = { 0.5, 0.8 };
    char err[256];

    for (size_t k = 0; k < 2; k++) {
        struct sim_stats st;

        if (sim_theory_mm1(lambdas[k], 1, 200000, SIM_THEORY_SEED, &st, err,
                           sizeof(err)) == -1) {
            fprintf(stderr, "sim_tool: %s\n", err);
            return -1;
        }
        fprintf(stderr, "M/M/1 at %.1f: mean response %.3f s (theory "
                "1/(1-lambda) = %.3f)\n", lambdas[k], st.mean,
                1 / (1 - lambdas[k]));
        sim_stats_free(&st);
    }
    return 0;
}

static int theory(bool csv)
{
    if (!csv && theory_mm1() == -1)
        return 1;
    if (csv)
        printf("load,i,random_theory,random_sim,p2c_theory,p2c_sim\n");
    else
        printf("| load | i | random: load^i | random: sim | p2c: "
               "load^(2^i-1) | p2c: sim | p2c: s1^(2^i-1) |\n"
               "|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof(loads) / sizeof(loads[0]); k++) {
        struct sim_stats r, p, j;
        double l = loads[k];

        if (run_load(l, &r, &p, &j) == -1)
            return 1;
        for (int i = 1; i <= 4; i++) {
            /* The last column: the formula at the load the p2c run
             * measured (its fraction of busy backends). */
            double busy = sim_stats_at_least(&p, 1);

            printf(csv ? "%.2f,%d,%.4f,%.4f,%.4f,%.4f\n"
                       : "| %.2f | %d | %.4f | %.4f | %.4f | %.4f | %.4f |\n",
                   l, i, pow(l, i), sim_stats_at_least(&r, i),
                   pow(l, pow(2, i) - 1), sim_stats_at_least(&p, i),
                   pow(busy, pow(2, i) - 1));
        }
        if (!csv)
            fprintf(stderr, "load %.2f: mean response random %.3f s "
                    "(theory 1/(1-load) = %.3f), p2c %.3f, leastconn "
                    "%.3f\n", l, r.mean, 1 / (1 - l), p.mean, j.mean);
        sim_stats_free(&r);
        sim_stats_free(&p);
        sim_stats_free(&j);
    }
    return 0;
}

static int scale(int backends, long connections, const char *policy)
{
    struct sim_backend *b = calloc((size_t)backends, sizeof(*b));
    struct sim_config cfg = {
        .backends = b, .backend_count = (size_t)backends,
        .bursts = &(struct sim_arrivals){ .kind = SIM_ARRIVAL_POISSON,
                                          .rate = 0.9 * backends,
                                          .connections = connections },
        .burst_count = 1,
        .policy = policy, .seed = 1,
    };
    struct sim_stats st;
    char err[256];
    double started;
    int rc;

    if (b == NULL)
        return 1;
    for (int i = 0; i < backends; i++) {
        b[i].service = (struct sim_service){ SIM_SERVICE_EXPONENTIAL, 1, 0 };
        b[i].concurrency = 1;
    }
    started = wall_seconds();
    rc = sim_run(&cfg, &st, err, sizeof(err));
    if (rc == 0)
        printf("%d backends, %ld connections, %s: %.2f s wall, %llu events, "
               "%.0f s virtual, peak %zu open, mean %.3f s p50 %.3f p99 "
               "%.3f max %.3f\n", backends, connections, policy,
               wall_seconds() - started, (unsigned long long)st.events,
               st.end, st.peak_live, st.mean, st.p50, st.p99, st.max);
    else
        fprintf(stderr, "sim_tool: %s\n", err);
    sim_stats_free(&st);
    free(b);
    return rc == 0 ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: sim_tool theory [--csv]\n"
            "       sim_tool scale [BACKENDS [CONNECTIONS [POLICY]]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    long backends = 1000, connections = 1000000;

    if (argc >= 2 && strcmp(argv[1], "theory") == 0 && argc <= 3) {
        if (argc == 3 && strcmp(argv[2], "--csv") != 0)
            return usage();
        return theory(argc == 3);
    }
    if (argc < 2 || strcmp(argv[1], "scale") != 0 || argc > 5)
        return usage();
    if ((argc > 2 && (parse_long(argv[2], 1, SIM_BACKENDS_MAX,
                                 &backends) == -1)) ||
        (argc > 3 && parse_long(argv[3], 1, 100000000, &connections) == -1)) {
        fprintf(stderr, "sim_tool: BACKENDS is 1..%d, CONNECTIONS "
                "1..100000000\n", SIM_BACKENDS_MAX);
        return 2;
    }
    return scale((int)backends, connections, argc > 4 ? argv[4] : "p2c");
}
