/*
 * test_rng: the lab's generator (common/rng).
 *
 *   sequence  splitmix64's published values for seed 1234567; the same
 *             seed repeats the sequence, another seed differs, seed 0 is
 *             a seed like any other; rng_mix(x) is what state x gives;
 *   below     every result under its bound (1, small, just over 2^63,
 *             UINT64_MAX), an even spread over 6 values, and no modulo
 *             bias: with a bound of 3 * 2^62 a plain "% bound" would put
 *             half the results in the lowest third, rng_below a third.
 *
 * Every test draws from a fixed seed, so the counts are the same on every
 * run and the bounds on them cannot flake.
 */
#include <stdint.h>

#include "count_of.h"
#include "rng.h"
#include "testlib.h"

static void test_known_sequence(void)
{
    /* splitmix64.c (Vigna) with x = 1234567. */
    static const uint64_t expected[] = {
        6457827717110365317u, 3203168211198807973u, 9817491932198370423u,
        4593380528125082431u, 16408922859458223821u,
    };
    struct rng rng;

    rng_seed(&rng, 1234567);
    for (size_t i = 0; i < COUNT_OF(expected); i++)
        CU_ASSERT_EQUAL(rng_next(&rng), expected[i]);
}

static void test_seeded(void)
{
    struct rng a, b, c, zero;
    int same = 1, differ = 0, zero_differs = 0;

    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    rng_seed(&zero, 0);
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_next(&a);
        uint64_t z = rng_next(&zero);

        same &= x == rng_next(&b);
        differ |= x != rng_next(&c);
        zero_differs |= z != 0 && z != x;
    }
    CU_ASSERT_TRUE(same);
    CU_ASSERT_TRUE(differ);
    CU_ASSERT_TRUE(zero_differs);
}

static void test_mix_is_next(void)
{
    struct rng rng;
    uint64_t state = 987654321;

    rng_seed(&rng, state);
    for (int i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(rng_mix(state), rng_next(&rng));
        state = rng.state;
    }
}

static void test_below_bound(void)
{
    static const uint64_t bounds[] = {
        1, 2, 7, 1000, (UINT64_C(1) << 63) + 1, UINT64_MAX,
    };
    struct rng rng;

    rng_seed(&rng, 7);
    for (size_t b = 0; b < COUNT_OF(bounds); b++) {
        int under = 1;

        for (int i = 0; i < 1000; i++)
            under &= rng_below(&rng, bounds[b]) < bounds[b];
        CU_ASSERT_TRUE(under);
    }
    CU_ASSERT_EQUAL(rng_below(&rng, 1), 0);
}

static void test_below_even(void)
{
    enum { SIDES = 6, DRAWS = 60000 };
    int hits[SIDES] = { 0 };
    struct rng rng;

    rng_seed(&rng, 11);
    for (int i = 0; i < DRAWS; i++)
        hits[rng_below(&rng, SIDES)]++;
    /* 10000 expected each; the standard deviation is about 91. */
    for (int k = 0; k < SIDES; k++)
        CU_ASSERT(hits[k] > 9500 && hits[k] < 10500);
}

static void test_below_unbiased(void)
{
    enum { DRAWS = 30000 };
    uint64_t third = UINT64_C(1) << 62;
    int low = 0;
    struct rng rng;

    rng_seed(&rng, 5);
    for (int i = 0; i < DRAWS; i++)
        low += rng_below(&rng, 3 * third) < third;
    /* A third is 10000 (sd about 82); modulo bias would give 15000. */
    CU_ASSERT(low > 9500 && low < 10500);
}

static CU_TestInfo rng_tests[] = {
    { "known sequence", test_known_sequence },
    { "seeded", test_seeded },
    { "mix is next", test_mix_is_next },
    { "below: under the bound", test_below_bound },
    { "below: even spread", test_below_even },
    { "below: no modulo bias", test_below_unbiased },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(rng, rng_tests)
