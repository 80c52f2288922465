/*
 * dummy_rng: splitmix64 (Steele, Lea, Flood 2014). See dummy_rng.h.
 */
#include "dummy_rng.h"

#include <assert.h>

void dummy_rng_seed(struct dummy_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t dummy_rng_next(struct dummy_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t dummy_rng_below(struct dummy_rng *rng, uint64_t bound)
{
    /* Values at or above the largest multiple of bound would favour the
     * small results, so they are drawn again (rarely more than once). */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t value;

    assert(bound > 0);
    do {
        value = dummy_rng_next(rng);
    } while (value >= limit);
    return value % bound;
}
