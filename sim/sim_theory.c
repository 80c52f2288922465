/*
 * sim_theory: configs of the classic models. See sim_theory.h.
 */
#include "sim_theory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* A draw of P(k) = (1 - load) load^k. */
static int geometric(struct rng *rng, double load)
{
    double u = ((double)(rng_next(rng) >> 11) + 1.0) / 9007199254740992.0;

    return (int)floor(log(u) / log(load));
}

int sim_theory_supermarket(const char *policy, int n, double load,
                           double warmup, double measure,
                           bool geometric_start, uint64_t seed,
                           struct sim_stats *stats, char *err,
                           size_t errlen)
{
    struct sim_backend *backends = calloc((size_t)n, sizeof(*backends));
    struct rng rng;
    struct sim_config cfg = {
        .backends = backends, .backend_count = (size_t)n,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_POISSON, .rate = load * n,
            .connections = lround(load * n * (warmup + measure)) },
        .burst_count = 1,
        .policy = policy, .seed = seed, .warmup = warmup,
    };
    int rc;

    memset(stats, 0, sizeof(*stats));
    if (backends == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rng_seed(&rng, seed ^ 0x5eed);
    for (int i = 0; i < n; i++) {
        backends[i].service.kind = SIM_SERVICE_EXPONENTIAL;
        backends[i].service.mean = 1.0;
        backends[i].concurrency = 1;
        if (geometric_start)
            backends[i].initial_jobs = geometric(&rng, load);
    }
    rc = sim_run(&cfg, stats, err, errlen);
    free(backends);
    return rc;
}

int sim_theory_mm1(double lambda, double mu, long connections, uint64_t seed,
                   struct sim_stats *stats, char *err, size_t errlen)
{
    struct sim_backend backend = {
        .service = { .kind = SIM_SERVICE_EXPONENTIAL, .mean = 1.0 / mu },
        .concurrency = 1,
    };
    struct sim_config cfg = {
        .backends = &backend, .backend_count = 1,
        .bursts = &(struct sim_arrivals){ .kind = SIM_ARRIVAL_POISSON,
                                          .rate = lambda,
                                          .connections = connections },
        .burst_count = 1,
        .seed = seed, .warmup = (double)connections / lambda / 10,
    };

    return sim_run(&cfg, stats, err, errlen);
}
