/*
 * rng: the lab's one pseudo-random generator, splitmix64 (Steele, Lea,
 * Flood 2014), and its mixing function as a hash.
 *
 * Every program draws from here instead of rand(), so that a run is
 * reproducible from its seed alone and no hidden libc state is shared:
 * the proxy's --balance random, the backend's jitter, the client's
 * payloads. Not cryptographic. The caller owns a struct rng and guards it
 * (one thread, or a lock); rng_mix has no state.
 */
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

/* The whole state of one generator. */
struct rng {
    uint64_t state;
};

/* Starts the sequence for seed (any value, 0 included); the same seed
 * gives the same sequence. */
void rng_seed(struct rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t rng_next(struct rng *rng);

/* A uniform integer in [0, bound), without modulo bias; bound must be > 0. */
uint64_t rng_below(struct rng *rng, uint64_t bound);

/* What a generator in state x gives next: a 64-bit hash of x that spreads
 * every input bit over the output (for payloads addressed by position). */
uint64_t rng_mix(uint64_t x);

#endif
