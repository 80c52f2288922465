/*
 * rng: splitmix64. See rng.h.
 */
#include "rng.h"

#include <assert.h>

/* splitmix64's increment: 2^64 divided by the golden ratio, odd. */
#define RNG_GAMMA 0x9e3779b97f4a7c15u

void rng_seed(struct rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t rng_mix(uint64_t x)
{
    uint64_t z = x + RNG_GAMMA;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t rng_next(struct rng *rng)
{
    uint64_t value = rng_mix(rng->state);

    rng->state += RNG_GAMMA;
    return value;
}

uint64_t rng_below(struct rng *rng, uint64_t bound)
{
    /* Values at or above the largest multiple of bound would favour the
     * small results, so they are drawn again (for a small bound almost
     * never; at worst, bound just over 2^63, half the time). */
    uint64_t limit, value;

    assert(bound > 0);
    limit = UINT64_MAX - UINT64_MAX % bound;
    do {
        value = rng_next(rng);
    } while (value >= limit);
    return value % bound;
}
