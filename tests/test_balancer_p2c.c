/*
 * test_balancer_p2c: --balance p2c, the power of two choices.
 *
 *   samples     two distinct eligible backends, in view->sampled;
 *   ties        equal active/weight: the first sampled wins;
 *   weights     the lower active/effective weight wins, by
 *               cross-multiplication;
 *   one         with one eligible backend it is taken (one sample);
 *   none        with none, -1 and nothing drawn or changed;
 *   share       one idle backend among three loaded ones is sampled, and
 *               so taken, with probability 1 - (3/4)(2/3) = 1/2; held
 *               sessions stay balanced (max - min small, unlike random);
 *   seed        the same seed gives the same draws, another seed others;
 *   format      balancer_p2c_format's exact text.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "balancer.h"
#include "testlib.h"

/* Backends "b1".."bN", weights (NULL: all 1), seeded with seed. */
static struct balancer *make_p2c(size_t count, const int *weights,
                                 uint64_t seed)
{
    struct balancer_backend_spec specs[BALANCER_MAX_BACKENDS];

    memset(specs, 0, sizeof(specs));
    for (size_t i = 0; i < count; i++) {
        snprintf(specs[i].name, sizeof(specs[i].name), "b%zu", i + 1);
        specs[i].weight = weights ? weights[i] : 1;
        specs[i].slowstart_ms = -1;
    }
    return balancer_create(specs, count, BALANCER_P2C, false, seed);
}

/* Every backend except index is "tried": forces a pick of index. */
static uint64_t only(size_t index)
{
    return ~((uint64_t)1 << index);
}

/* Raises backend index's active count by n (sessions held). */
static void hold(struct balancer *b, size_t index, int n)
{
    for (int k = 0; k < n; k++)
        CU_ASSERT_EQUAL(balancer_pick(b, only(index), NULL), (int)index);
}

static void release_ok(struct balancer *b, int index)
{
    struct balancer_change change;

    balancer_release(b, (size_t)index, BALANCER_RELEASE_OK, &change);
}

/* The pick is one of the two samples, they are distinct and eligible,
 * and it is the lesser of the two (the first on a tie). */
static bool pick_is_p2c(const struct balancer_view *v, int chosen)
{
    int a = v->sampled[0], b = v->sampled[1];
    long la, lb;

    if (a < 0 || b < 0 || a == b)
        return false;
    if (v->cand[a].state != BALANCER_CAND_UP ||
        v->cand[b].state != BALANCER_CAND_UP)
        return false;
    la = (long)v->cand[a].active * v->cand[b].ew;
    lb = (long)v->cand[b].active * v->cand[a].ew;
    return chosen == (lb < la ? b : a);
}

static void test_names(void)
{
    enum balancer_policy policy = BALANCER_LEASTCONN;

    CU_ASSERT_EQUAL(balancer_policy_parse("p2c", &policy), 0);
    CU_ASSERT_EQUAL(policy, BALANCER_P2C);
    CU_ASSERT_STRING_EQUAL(balancer_policy_name(BALANCER_P2C), "p2c");
    CU_ASSERT_EQUAL(balancer_policy_parse("p2", &policy), -1);
}

static void test_samples_and_ties(void)
{
    struct balancer *b = make_p2c(5, NULL, 7);
    struct balancer_view v;
    int first_won = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int k = 0; k < 500; k++) {
        int chosen = balancer_pick(b, 0, &v);

        CU_ASSERT_TRUE(pick_is_p2c(&v, chosen));
        /* Every count is 0 again after the release: always a tie. */
        first_won += chosen == v.sampled[0];
        release_ok(b, chosen);
    }
    CU_ASSERT_EQUAL(first_won, 500);
    balancer_destroy(b);
}

static void test_lower_wins(void)
{
    struct balancer *b = make_p2c(2, NULL, 3);
    struct balancer_view v;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    hold(b, 0, 3);
    hold(b, 1, 2);
    /* Two backends: both are always sampled, in either order. */
    for (int k = 0; k < 100; k++) {
        int chosen = balancer_pick(b, 0, &v);

        CU_ASSERT_EQUAL(chosen, 1);
        CU_ASSERT_TRUE(pick_is_p2c(&v, chosen));
        release_ok(b, chosen);
    }
    balancer_destroy(b);
}

static void test_weights(void)
{
    static const int weights[] = { 3, 1 };
    struct balancer *b = make_p2c(2, weights, 11);
    struct balancer_view v;
    int chosen, won[2] = { 0, 0 };

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* b1 2/3 against b2 1/1: b1, though it holds more. */
    hold(b, 0, 2);
    hold(b, 1, 1);
    for (int k = 0; k < 50; k++) {
        chosen = balancer_pick(b, 0, &v);
        CU_ASSERT_EQUAL(chosen, 0);
        CU_ASSERT_TRUE(pick_is_p2c(&v, chosen));
        release_ok(b, chosen);
    }
    /* b1 3/3 against b2 1/1: a tie, so the first sampled, either one. */
    hold(b, 0, 1);
    for (int k = 0; k < 200; k++) {
        chosen = balancer_pick(b, 0, &v);
        CU_ASSERT_EQUAL(chosen, v.sampled[0]);
        won[chosen]++;
        release_ok(b, chosen);
    }
    CU_ASSERT_TRUE(won[0] > 50 && won[1] > 50);
    balancer_destroy(b);
}

static void test_one_and_none_eligible(void)
{
    struct balancer *b = make_p2c(3, NULL, 5);
    struct balancer_view v;
    struct balancer_change change;
    char text[80];

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    balancer_check_result(b, 0, false, 1, 1, &change);
    CU_ASSERT_TRUE(change.went_down);
    hold(b, 2, 4);
    for (int k = 0; k < 20; k++) {
        /* b1 down, b3 tried: b2 alone, whatever the counts. */
        int chosen = balancer_pick(b, (uint64_t)1 << 2, &v);

        CU_ASSERT_EQUAL(chosen, 1);
        CU_ASSERT_EQUAL(v.sampled[0], 1);
        CU_ASSERT_EQUAL(v.sampled[1], -1);
        CU_ASSERT_STRING_EQUAL(balancer_p2c_format(b, &v, text, sizeof(text)),
                               " p2c=b2");
    }
    CU_ASSERT_EQUAL(balancer_pick(b, (uint64_t)6, &v), -1);
    CU_ASSERT_EQUAL(v.sampled[0], -1);
    CU_ASSERT_EQUAL(v.sampled[1], -1);
    CU_ASSERT_EQUAL(v.cand[1].active, 20);
    CU_ASSERT_EQUAL(v.cand[2].active, 4);
    CU_ASSERT_STRING_EQUAL(balancer_p2c_format(b, &v, text, sizeof(text)), "");
    balancer_destroy(b);
}

/* b1 idle, b2..b4 at 5 each: b1 is taken exactly when it is sampled. */
static void test_share_of_idle(void)
{
    struct balancer *b = make_p2c(4, NULL, 2026);
    int idle = 0;
    const int picks = 8000;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t i = 1; i < 4; i++)
        hold(b, i, 5);
    for (int k = 0; k < picks; k++) {
        int chosen = balancer_pick(b, 0, NULL);

        idle += chosen == 0;
        release_ok(b, chosen);
    }
    /* 1/2 with a standard deviation of 0.0056: six of them either way. */
    CU_ASSERT_TRUE(idle > picks * 0.466 && idle < picks * 0.534);
    balancer_destroy(b);
}

/* Sessions held, never released: p2c keeps the counts close together,
 * within a few of each other where random strays by tens. */
static void test_held_balance(void)
{
    struct balancer *b = make_p2c(8, NULL, 99);
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    int low = 1 << 30, high = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int k = 0; k < 8000; k++)
        CU_ASSERT_TRUE(balancer_pick(b, 0, NULL) >= 0);
    CU_ASSERT_EQUAL(balancer_snapshot(b, rows), 8);
    for (size_t i = 0; i < 8; i++) {
        low = rows[i].active < low ? rows[i].active : low;
        high = rows[i].active > high ? rows[i].active : high;
    }
    CU_ASSERT_TRUE(high - low <= 4);
    balancer_destroy(b);
}

/* The draws of seed over 200 picks with releases, as sampled pairs. */
static void draws(uint64_t seed, int *out)
{
    struct balancer *b = make_p2c(6, NULL, seed);
    struct balancer_view v;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int k = 0; k < 200; k++) {
        int chosen = balancer_pick(b, 0, &v);

        out[2 * k] = v.sampled[0];
        out[2 * k + 1] = v.sampled[1];
        if (k % 3 == 0)
            release_ok(b, chosen);
    }
    balancer_destroy(b);
}

static void test_seeded(void)
{
    int a[400], b[400], c[400];

    draws(42, a);
    draws(42, b);
    draws(43, c);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof(a)), 0);
}

static void test_format(void)
{
    struct balancer *b = make_p2c(3, NULL, 1);
    struct balancer_view v;
    char text[80], expect[80];
    int chosen;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    chosen = balancer_pick(b, 0, &v);
    CU_ASSERT_TRUE(pick_is_p2c(&v, chosen));
    snprintf(expect, sizeof(expect), " p2c=b%d,b%d", v.sampled[0] + 1,
             v.sampled[1] + 1);
    CU_ASSERT_STRING_EQUAL(balancer_p2c_format(b, &v, text, sizeof(text)),
                           expect);
    balancer_destroy(b);
}

static CU_TestInfo balancer_p2c_tests[] = {
    { "policy name p2c", test_names },
    { "two distinct eligible samples, ties to the first",
      test_samples_and_ties },
    { "the lower active count wins", test_lower_wins },
    { "weights by cross-multiplication", test_weights },
    { "one eligible taken, none refused", test_one_and_none_eligible },
    { "an idle backend among loaded ones: half the picks",
      test_share_of_idle },
    { "held sessions stay balanced", test_held_balance },
    { "the same seed, the same draws", test_seeded },
    { "p2c= text", test_format },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(balancer_p2c, balancer_p2c_tests)
