/*
 * dummy_rng: a tiny, self-contained pseudo-random generator (splitmix64).
 *
 * The backend draws its jitter from here instead of rand(), so that a run is
 * reproducible from its --seed alone and no hidden libc state is shared.
 * Not cryptographic. The caller owns the struct; one thread uses it.
 */
#ifndef DUMMY_RNG_H
#define DUMMY_RNG_H

#include <stdint.h>

/* The whole state of one generator. */
struct dummy_rng {
    uint64_t state;
};

/* Starts the sequence for seed; the same seed gives the same sequence. */
void dummy_rng_seed(struct dummy_rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t dummy_rng_next(struct dummy_rng *rng);

/* A uniform integer in [0, bound), without modulo bias; bound must be > 0. */
uint64_t dummy_rng_below(struct dummy_rng *rng, uint64_t bound);

#endif
