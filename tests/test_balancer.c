/*
 * test_balancer: the choice of a backend and the bookkeeping around it.
 *
 *   leastconn  the minimum of active/weight wins, weights compared by
 *              cross-multiplication, ties rotate from the last pick; down,
 *              full (maxconn) and tried backends are skipped; with none
 *              eligible pick returns -1 and changes nothing but seq;
 *   view       counts as they were before the increment, and each
 *              backend's state (up, down, full, tried);
 *   release    decrements once and reports the count after; a failed
 *              connect marks the backend down only with passive_down;
 *   checks     rise/fall thresholds, streaks reset by the other result;
 *   seq        strictly increasing over picks, releases and state changes;
 *   policies   roundrobin ignores counts, random stays among the eligible
 *              and repeats itself for one seed;
 *   format     balancer_view_format's exact text;
 *   stress     8 threads x 20,000 pick/release pairs, each pick checked to
 *              be minimal in its own view, all counts back to 0 after.
 *
 * A second suite, leastconn, holds the contract of choose_leastconn as
 * properties that any tie rule meets (lab 3 grades it): see its own
 * comment at the end of this file.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "balancer.h"
#include "count_of.h"
#include "testlib.h"

/* Backend i is "b<i+1>" on 127.0.0.1:(9000 + i); weights/maxconn may be
 * NULL for 1 and 0. */
static void make_specs(struct balancer_backend_spec *specs, size_t count,
                       const int *weights, const int *maxconn)
{
    for (size_t i = 0; i < count; i++) {
        struct sockaddr_in *sin =
            (struct sockaddr_in *)(void *)&specs[i].addr.sa;

        memset(&specs[i], 0, sizeof(specs[i]));
        snprintf(specs[i].name, sizeof(specs[i].name), "b%zu", i + 1);
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)(9000 + i));
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        specs[i].addr.len = sizeof(*sin);
        specs[i].weight = weights ? weights[i] : 1;
        specs[i].maxconn = maxconn ? maxconn[i] : 0;
    }
}

static struct balancer *make_balancer(size_t count, const int *weights,
                                      const int *maxconn,
                                      enum balancer_policy policy,
                                      bool passive_down)
{
    struct balancer_backend_spec specs[BALANCER_MAX_BACKENDS];

    make_specs(specs, count, weights, maxconn);
    return balancer_create(specs, count, policy, passive_down, 1);
}

/* Every backend except index is "tried": forces a pick of index. */
static uint64_t only(size_t index)
{
    return ~((uint64_t)1 << index);
}

/* Takes a backend down (or up) with one health-check result. */
static void set_down(struct balancer *b, size_t index)
{
    struct balancer_change change;

    balancer_check_result(b, index, false, 1, 1, &change);
}

static void set_up(struct balancer *b, size_t index)
{
    struct balancer_change change;

    balancer_check_result(b, index, true, 1, 1, &change);
}

static int active_of(struct balancer *b, size_t index)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];

    balancer_snapshot(b, rows);
    return rows[index].active;
}

/* --- creation and names -------------------------------------------------- */

static void test_create_and_names(void)
{
    struct balancer_backend_spec specs[BALANCER_MAX_BACKENDS + 1];
    struct balancer *b;
    enum balancer_policy policy = BALANCER_RANDOM;

    make_specs(specs, BALANCER_MAX_BACKENDS + 1, NULL, NULL);
    CU_ASSERT_PTR_NULL(balancer_create(specs, 0, BALANCER_LEASTCONN, false, 1));
    CU_ASSERT_PTR_NULL(balancer_create(specs, BALANCER_MAX_BACKENDS + 1,
                                       BALANCER_LEASTCONN, false, 1));
    b = balancer_create(specs, BALANCER_MAX_BACKENDS, BALANCER_LEASTCONN,
                        false, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_count(b), BALANCER_MAX_BACKENDS);
    CU_ASSERT_STRING_EQUAL(balancer_spec(b, 63)->name, "b64");
    /* The balancer keeps its own copy of the specs. */
    specs[0].name[0] = 'X';
    CU_ASSERT_STRING_EQUAL(balancer_spec(b, 0)->name, "b1");
    balancer_destroy(b);
    balancer_destroy(NULL);

    CU_ASSERT_EQUAL(balancer_policy_parse("leastconn", &policy), 0);
    CU_ASSERT_EQUAL(policy, BALANCER_LEASTCONN);
    CU_ASSERT_EQUAL(balancer_policy_parse("roundrobin", &policy), 0);
    CU_ASSERT_EQUAL(policy, BALANCER_ROUNDROBIN);
    CU_ASSERT_EQUAL(balancer_policy_parse("random", &policy), 0);
    CU_ASSERT_EQUAL(policy, BALANCER_RANDOM);
    CU_ASSERT_EQUAL(balancer_policy_parse("leastconnx", &policy), -1);
    CU_ASSERT_EQUAL(balancer_policy_parse("", &policy), -1);
    CU_ASSERT_STRING_EQUAL(balancer_policy_name(BALANCER_LEASTCONN),
                           "leastconn");
    CU_ASSERT_STRING_EQUAL(balancer_policy_name(BALANCER_ROUNDROBIN),
                           "roundrobin");
    CU_ASSERT_STRING_EQUAL(balancer_cand_state_name(BALANCER_CAND_UP), "up");
    CU_ASSERT_STRING_EQUAL(balancer_cand_state_name(BALANCER_CAND_DOWN),
                           "down");
    CU_ASSERT_STRING_EQUAL(balancer_cand_state_name(BALANCER_CAND_FULL),
                           "full");
    CU_ASSERT_STRING_EQUAL(balancer_cand_state_name(BALANCER_CAND_TRIED),
                           "tried");
}

/* --- least connections --------------------------------------------------- */

static void test_leastconn_picks_minimum(void)
{
    struct balancer *b = make_balancer(4, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* Counts 2, 1, 3, 2 (forced), so b2 is the one minimum. */
    for (int k = 0; k < 2; k++)
        CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, only(1), NULL), 1);
    for (int k = 0; k < 3; k++)
        CU_ASSERT_EQUAL(balancer_pick(b, only(2), NULL), 2);
    for (int k = 0; k < 2; k++)
        CU_ASSERT_EQUAL(balancer_pick(b, only(3), NULL), 3);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    /* Now 2, 2, 3, 2: releasing b3 twice makes it the minimum (1). */
    balancer_release(b, 2, BALANCER_RELEASE_OK, &change);
    balancer_release(b, 2, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 2);
    balancer_destroy(b);
}

/* Equal counts: the first backend after the last pick wins. */
static void test_leastconn_ties_rotate(void)
{
    static const int expected[] = { 0, 1, 2, 0, 1, 2 };
    struct balancer *b = make_balancer(3, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* Held: counts grow evenly. */
    for (int k = 0; k < 6; k++)
        CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), expected[k]);
    for (size_t i = 0; i < 3; i++) {
        balancer_release(b, i, BALANCER_RELEASE_OK, &change);
        balancer_release(b, i, BALANCER_RELEASE_OK, &change);
        CU_ASSERT_EQUAL(change.active, 0);
    }
    /* Released at once: every pick is a tie at 0, and still rotates. */
    for (int k = 0; k < 7; k++) {
        int index = balancer_pick(b, 0, NULL);

        CU_ASSERT_EQUAL(index, (k + 0) % 3);
        if (index >= 0)
            balancer_release(b, (size_t)index, BALANCER_RELEASE_OK,
                             &change);
    }
    /* A forced pick moves the rotation point too. */
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    balancer_release(b, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    balancer_destroy(b);
}

/*
 * Weight 2 against weight 1, picks held: the ratio active/weight decides,
 * ties go to the next after the last pick, and b1 settles at two sessions
 * for every one of b2.
 */
static void test_leastconn_weights_sequence(void)
{
    static const int weights[] = { 2, 1 };
    /* ratios (b1/2, b2/1) before each pick:
     * 0,0 tie->b1 | .5,0->b2 | .5,1->b1 | 1,1 tie->b2 | 1,2->b1 |
     * 1.5,2->b1 | 2,2 tie->b2 | 2,3->b1 | 2.5,3->b1 | 3,3 tie->b2 | ... */
    static const int expected[] = { 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0 };
    struct balancer *b = make_balancer(2, weights, NULL, BALANCER_LEASTCONN,
                                       false);
    int picks[2] = { 0, 0 };

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t k = 0; k < COUNT_OF(expected); k++) {
        int index = balancer_pick(b, 0, NULL);

        CU_ASSERT_EQUAL(index, expected[k]);
        if (index >= 0)
            picks[index]++;
    }
    CU_ASSERT_EQUAL(active_of(b, 0), 8);
    CU_ASSERT_EQUAL(active_of(b, 1), 4);
    /* 300 more: still exactly 2:1 at every third pick. */
    for (int k = 0; k < 300; k++) {
        int index = balancer_pick(b, 0, NULL);

        if (index >= 0)
            picks[index]++;
        if (k % 3 == 2) {
            CU_ASSERT_EQUAL(active_of(b, 0), 2 * active_of(b, 1));
        }
    }
    CU_ASSERT_EQUAL(picks[0], 208);
    CU_ASSERT_EQUAL(picks[1], 104);
    balancer_destroy(b);
}

/*
 * 2 sessions on weight 3 (ratio 0.67) against 1 on weight 2 (0.5): b2 is
 * less loaded. Integer division (0 == 0) would call it a tie and, the last
 * pick being b2, give b1.
 */
static void test_leastconn_cross_multiplication(void)
{
    static const int weights[] = { 3, 2 };
    struct balancer *b = make_balancer(2, weights, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_view view;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, only(1), NULL), 1);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 1);
    CU_ASSERT_EQUAL(view.cand[0].active, 2);
    CU_ASSERT_EQUAL(view.cand[1].active, 1);
    /* Now 2/3 against 2/2: b1. */
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    balancer_destroy(b);
}

static void test_leastconn_skips_down_full_tried(void)
{
    static const int maxconn[] = { 0, 1, 0, 0 };
    struct balancer *b = make_balancer(4, NULL, maxconn, BALANCER_LEASTCONN,
                                       false);
    struct balancer_view view;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* b1 is down, b2 full after one pick, b3 tried: only b4 is left,
     * though it is the busiest. */
    set_down(b, 0);
    CU_ASSERT_EQUAL(balancer_pick(b, only(1), NULL), 1);
    CU_ASSERT_EQUAL(balancer_pick(b, only(3), NULL), 3);
    CU_ASSERT_EQUAL(balancer_pick(b, only(3), NULL), 3);
    CU_ASSERT_EQUAL(balancer_pick(b, (uint64_t)1 << 2, &view), 3);
    CU_ASSERT_EQUAL(view.cand[0].state, BALANCER_CAND_DOWN);
    CU_ASSERT_EQUAL(view.cand[1].state, BALANCER_CAND_FULL);
    CU_ASSERT_EQUAL(view.cand[2].state, BALANCER_CAND_TRIED);
    CU_ASSERT_EQUAL(view.cand[3].state, BALANCER_CAND_UP);
    /* Without the tried bit b3 (0 sessions) wins again. */
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 2);
    /* maxconn 1 is reached again after the release and a new pick. */
    {
        struct balancer_change change;

        balancer_release(b, 1, BALANCER_RELEASE_OK, &change);
        CU_ASSERT_EQUAL(change.active, 0);
        CU_ASSERT_EQUAL(balancer_pick(b, only(1), &view), 1);
        CU_ASSERT_EQUAL(view.cand[1].state, BALANCER_CAND_UP);
        CU_ASSERT_EQUAL(balancer_pick(b, only(1), &view), -1);
        CU_ASSERT_EQUAL(view.cand[1].state, BALANCER_CAND_FULL);
    }
    balancer_destroy(b);
}

/* Nothing eligible: -1, no count changes, no rotation change; only a seq
 * is used up. */
static void test_pick_none_eligible(void)
{
    struct balancer *b = make_balancer(3, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_stats before[3], after[3];
    struct balancer_view view1, view2;
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view1), 0);     /* last pick: b1 */
    balancer_release(b, 0, BALANCER_RELEASE_OK, &change);
    for (size_t i = 0; i < 3; i++)
        set_down(b, i);
    balancer_snapshot(b, before);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view1), -1);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view2), -1);
    balancer_snapshot(b, after);
    CU_ASSERT(view2.seq > view1.seq);
    CU_ASSERT_EQUAL(view1.count, 3);
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(view1.cand[i].state, BALANCER_CAND_DOWN);
        CU_ASSERT_EQUAL(before[i].active, after[i].active);
        CU_ASSERT_EQUAL(before[i].picks, after[i].picks);
        CU_ASSERT_EQUAL(before[i].failures, after[i].failures);
        CU_ASSERT_FALSE(after[i].up);
    }
    /* All tried is just as empty. */
    for (size_t i = 0; i < 3; i++)
        set_up(b, i);
    CU_ASSERT_EQUAL(balancer_pick(b, 7, &view1), -1);
    CU_ASSERT_EQUAL(view1.cand[0].state, BALANCER_CAND_TRIED);
    /* The rotation point is still after b1. */
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    balancer_destroy(b);
}

/* --- view, release, seq -------------------------------------------------- */

static void test_view_counts_before_increment(void)
{
    struct balancer *b = make_balancer(3, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_stats rows[3];
    struct balancer_view view;
    int index;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, only(1), NULL), 1);
    CU_ASSERT_EQUAL(balancer_pick(b, only(2), NULL), 2);
    CU_ASSERT_EQUAL(balancer_pick(b, only(2), NULL), 2);
    index = balancer_pick(b, 0, &view);
    CU_ASSERT_EQUAL_FATAL(index, 0);
    CU_ASSERT_EQUAL(view.count, 3);
    CU_ASSERT_EQUAL(view.cand[0].active, 0);
    CU_ASSERT_EQUAL(view.cand[1].active, 1);
    CU_ASSERT_EQUAL(view.cand[2].active, 2);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(view.cand[i].state, BALANCER_CAND_UP);
    balancer_snapshot(b, rows);
    CU_ASSERT_EQUAL(rows[0].active, 1);     /* the increment came after */
    CU_ASSERT_EQUAL(rows[0].picks, 1);
    CU_ASSERT_EQUAL(rows[2].picks, 2);
    CU_ASSERT_TRUE(rows[1].up);
    balancer_destroy(b);
}

static void test_release_once(void)
{
    struct balancer *b = make_balancer(2, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_stats rows[2];
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int k = 0; k < 3; k++)
        balancer_pick(b, only(0), NULL);
    balancer_release(b, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_EQUAL(change.active, 2);
    CU_ASSERT_FALSE(change.went_down);
    CU_ASSERT_FALSE(change.went_up);
    CU_ASSERT_EQUAL(active_of(b, 0), 2);
    balancer_release(b, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_EQUAL(change.active, 1);
    CU_ASSERT_EQUAL(active_of(b, 1), 0);    /* the other one untouched */
    balancer_release(b, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_EQUAL(change.active, 0);
    balancer_snapshot(b, rows);
    CU_ASSERT_EQUAL(rows[0].active, 0);
    CU_ASSERT_EQUAL(rows[0].picks, 3);      /* picks are a total */
    CU_ASSERT_EQUAL(rows[0].failures, 0);
    balancer_destroy(b);
}

static void test_connect_failed_passive_down(void)
{
    struct balancer *b = make_balancer(2, NULL, NULL, BALANCER_LEASTCONN,
                                       true);
    struct balancer_stats rows[2];
    struct balancer_change change;
    struct balancer_view view;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 0);
    balancer_release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &change);
    CU_ASSERT_EQUAL(change.active, 0);
    CU_ASSERT_TRUE(change.went_down);
    CU_ASSERT_FALSE(change.went_up);
    CU_ASSERT(change.seq > view.seq);
    CU_ASSERT(change.state_seq > change.seq);
    balancer_snapshot(b, rows);
    CU_ASSERT_FALSE(rows[0].up);
    CU_ASSERT_EQUAL(rows[0].failures, 1);
    /* Down: only b2 is picked now, whatever the counts. */
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 1);
    CU_ASSERT_EQUAL(view.cand[0].state, BALANCER_CAND_DOWN);
    /* Still down when it is the only one allowed. */
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), -1);
    balancer_destroy(b);

    b = make_balancer(2, NULL, NULL, BALANCER_LEASTCONN, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    balancer_release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &change);
    CU_ASSERT_EQUAL(change.active, 0);
    CU_ASSERT_FALSE(change.went_down);
    CU_ASSERT_EQUAL(change.state_seq, 0);
    balancer_snapshot(b, rows);
    CU_ASSERT_TRUE(rows[0].up);
    CU_ASSERT_EQUAL(rows[0].failures, 1);
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    balancer_destroy(b);
}

/* Two backends with passive_down, and two sessions picked on b1; NULL
 * when the balancer could not be made or the picks went wrong. */
static struct balancer *two_sessions_on_b1(void)
{
    struct balancer *b = make_balancer(2, NULL, NULL, BALANCER_LEASTCONN,
                                       true);

    if (b != NULL && (balancer_pick(b, only(0), NULL) != 0 ||
                      balancer_pick(b, only(0), NULL) != 0)) {
        balancer_destroy(b);
        return NULL;
    }
    return b;
}

/* An early close counts a failure and reports the count, but never takes
 * the backend down, even with passive_down. */
static void test_early_close_counts_not_down(void)
{
    struct balancer *b = two_sessions_on_b1();
    struct balancer_change change;
    struct balancer_stats rows[2];

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    balancer_release(b, 0, BALANCER_RELEASE_EARLY_CLOSE, &change);
    CU_ASSERT_EQUAL(change.failures, 1);
    CU_ASSERT_EQUAL(change.active, 1);
    CU_ASSERT_FALSE(change.went_down);
    CU_ASSERT_EQUAL(change.state_seq, 0);
    balancer_release(b, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_EQUAL(change.failures, 1);
    balancer_snapshot(b, rows);
    CU_ASSERT_TRUE(rows[0].up);
    CU_ASSERT_EQUAL(rows[0].failures, 1);
    CU_ASSERT_EQUAL(rows[1].failures, 0);
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    balancer_destroy(b);
}

/* A failed connect on a backend that is already down counts a failure but
 * reports no new state change. */
static void test_connect_failed_when_down(void)
{
    struct balancer *b = two_sessions_on_b1();
    struct balancer_change change;
    struct balancer_stats rows[2];

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    balancer_release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &change);
    CU_ASSERT_TRUE(change.went_down);
    balancer_release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &change);
    CU_ASSERT_FALSE(change.went_down);
    CU_ASSERT_EQUAL(change.state_seq, 0);
    CU_ASSERT_EQUAL(change.active, 0);
    balancer_snapshot(b, rows);
    CU_ASSERT_EQUAL(rows[0].failures, 2);
    balancer_destroy(b);
}

static void test_check_rise_fall(void)
{
    struct balancer *b = make_balancer(1, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    struct balancer_change change;
    struct balancer_stats row;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* fall 3: fail fail ok fail fail keeps it up (the ok resets). */
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_down);
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_down);
    balancer_check_result(b, 0, true, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_up);        /* it was up already */
    balancer_check_result(b, 0, false, 2, 3, &change);
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_down);
    balancer_snapshot(b, &row);
    CU_ASSERT_TRUE(row.up);
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_TRUE(change.went_down);
    CU_ASSERT_FALSE(change.went_up);
    CU_ASSERT(change.state_seq > 0);
    balancer_snapshot(b, &row);
    CU_ASSERT_FALSE(row.up);
    /* More failures while down: no second went_down. */
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_down);
    CU_ASSERT_EQUAL(change.state_seq, 0);

    /* rise 2: ok fail ok keeps it down; the next ok brings it up. */
    balancer_check_result(b, 0, true, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_up);
    balancer_check_result(b, 0, false, 2, 3, &change);
    balancer_check_result(b, 0, true, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_up);
    balancer_snapshot(b, &row);
    CU_ASSERT_FALSE(row.up);
    balancer_check_result(b, 0, true, 2, 3, &change);
    CU_ASSERT_TRUE(change.went_up);
    CU_ASSERT_FALSE(change.went_down);
    balancer_snapshot(b, &row);
    CU_ASSERT_TRUE(row.up);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);

    /* Down again needs a whole new run of 3 failures: the streak that
     * brought it up does not count. */
    balancer_check_result(b, 0, false, 2, 3, &change);
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_FALSE(change.went_down);
    balancer_check_result(b, 0, false, 2, 3, &change);
    CU_ASSERT_TRUE(change.went_down);
    CU_ASSERT_EQUAL(change.active, 1);      /* checks do not touch counts */
    balancer_destroy(b);
}

/* A backend marked down by a failed connect comes back after rise checks;
 * the streak starts from the moment it went down. */
static void test_check_brings_passive_down_back(void)
{
    struct balancer *b = make_balancer(2, NULL, NULL, BALANCER_LEASTCONN,
                                       true);
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* One good check before the failure must not count towards rise. */
    balancer_check_result(b, 0, true, 2, 2, &change);
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    balancer_release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &change);
    CU_ASSERT_TRUE(change.went_down);
    balancer_check_result(b, 0, true, 2, 2, &change);
    CU_ASSERT_FALSE(change.went_up);
    balancer_check_result(b, 0, true, 2, 2, &change);
    CU_ASSERT_TRUE(change.went_up);
    CU_ASSERT_EQUAL(balancer_pick(b, only(0), NULL), 0);
    balancer_destroy(b);
}

/* Every numbered event gets a larger number than the one before. */
static void test_seq_strictly_increases(void)
{
    struct balancer *b = make_balancer(2, NULL, NULL, BALANCER_LEASTCONN,
                                       true);
    struct balancer_change change;
    struct balancer_view view;
    uint64_t last = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int round = 0; round < 5; round++) {
        CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 0);
        CU_ASSERT(view.seq > last);
        last = view.seq;
        CU_ASSERT_EQUAL(balancer_pick(b, only(1), &view), 1);
        CU_ASSERT(view.seq > last);
        last = view.seq;
        balancer_release(b, 1, BALANCER_RELEASE_OK, &change);
        CU_ASSERT(change.seq > last);
        last = change.seq;
        /* goes down */
        balancer_release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &change);
        CU_ASSERT(change.seq > last);
        CU_ASSERT_TRUE(change.went_down);
        CU_ASSERT(change.state_seq > change.seq);
        last = change.state_seq;
        CU_ASSERT_EQUAL(balancer_pick(b, only(0), &view), -1);
        CU_ASSERT(view.seq > last);                 /* refusals too */
        last = view.seq;
        balancer_check_result(b, 0, true, 1, 1, &change);   /* comes up */
        CU_ASSERT_TRUE(change.went_up);
        CU_ASSERT(change.state_seq > last);
        last = change.state_seq;
        balancer_check_result(b, 1, false, 1, 1, &change);  /* b2 down */
        CU_ASSERT(change.state_seq > last);
        last = change.state_seq;
        balancer_check_result(b, 1, true, 1, 1, &change);   /* b2 up */
        CU_ASSERT(change.state_seq > last);
        last = change.state_seq;
    }
    balancer_destroy(b);
}

/* --- other policies ------------------------------------------------------ */

static void test_roundrobin_ignores_counts(void)
{
    struct balancer *b = make_balancer(3, NULL, NULL, BALANCER_ROUNDROBIN,
                                       false);
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 2);
    balancer_release(b, 1, BALANCER_RELEASE_OK, &change);
    balancer_release(b, 2, BALANCER_RELEASE_OK, &change);
    /* Counts 1, 0, 0: leastconn would take b2, round robin takes b1. */
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    /* It still skips what is not eligible. */
    set_down(b, 2);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, (uint64_t)1 << 1, NULL), 0);
    CU_ASSERT_EQUAL(active_of(b, 0), 4);
    balancer_destroy(b);
}

static void test_random_eligible_and_seeded(void)
{
    struct balancer_backend_spec specs[4];
    struct balancer *b1, *b2, *b3;
    int hits[4] = { 0, 0, 0, 0 }, differences = 0;

    make_specs(specs, 4, NULL, NULL);
    b1 = balancer_create(specs, 4, BALANCER_RANDOM, false, 42);
    b2 = balancer_create(specs, 4, BALANCER_RANDOM, false, 42);
    b3 = balancer_create(specs, 4, BALANCER_RANDOM, false, 43);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b3);
    set_down(b1, 1);
    set_down(b2, 1);
    set_down(b3, 1);
    for (int k = 0; k < 2000; k++) {
        /* b4 tried: only b1 and b3 are eligible. */
        uint64_t tried = (uint64_t)1 << 3;
        int i1 = balancer_pick(b1, tried, NULL);
        int i2 = balancer_pick(b2, tried, NULL);
        int i3 = balancer_pick(b3, tried, NULL);

        CU_ASSERT(i1 == 0 || i1 == 2);
        CU_ASSERT(i3 == 0 || i3 == 2);
        CU_ASSERT_EQUAL(i1, i2);            /* same seed, same choices */
        differences += i1 != i3;
        if (i1 >= 0)
            hits[i1]++;
    }
    /* Both eligible ones are used, roughly evenly; another seed differs. */
    CU_ASSERT(hits[0] > 800 && hits[2] > 800);
    CU_ASSERT_EQUAL(hits[1] + hits[3], 0);
    CU_ASSERT(differences > 0);
    balancer_destroy(b1);
    balancer_destroy(b2);
    balancer_destroy(b3);
}

/* --- view formatting ----------------------------------------------------- */

static void test_view_format(void)
{
    static const int weights[] = { 1, 3, 1, 1 };
    static const int maxconn[] = { 0, 0, 1, 0 };
    struct balancer *b = make_balancer(4, weights, maxconn,
                                       BALANCER_LEASTCONN, false);
    struct balancer_view view;
    char buf[256], small[12];

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    set_down(b, 3);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 0);
    CU_ASSERT_STRING_EQUAL(balancer_view_format(b, &view, buf, sizeof(buf)),
                           "b1:0/up b2:0/up/w3 b3:0/up b4:0/down");
    CU_ASSERT_EQUAL(balancer_pick(b, (uint64_t)1 << 0, &view), 1);
    CU_ASSERT_STRING_EQUAL(balancer_view_format(b, &view, buf, sizeof(buf)),
                           "b1:1/tried b2:0/up/w3 b3:0/up b4:0/down");
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 2);
    CU_ASSERT_STRING_EQUAL(balancer_view_format(b, &view, buf, sizeof(buf)),
                           "b1:1/up b2:1/up/w3 b3:0/up b4:0/down");
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), 1);
    CU_ASSERT_PTR_EQUAL(balancer_view_format(b, &view, buf, sizeof(buf)), buf);
    CU_ASSERT_STRING_EQUAL(buf, "b1:1/up b2:1/up/w3 b3:1/full b4:0/down");

    /* Cut to a small buffer: a terminated prefix, nothing past it. */
    memset(small, '#', sizeof(small));
    balancer_view_format(b, &view, small, 9);
    CU_ASSERT_STRING_EQUAL(small, "b1:1/up ");
    CU_ASSERT_EQUAL(small[9], '#');
    memset(small, '#', sizeof(small));
    balancer_view_format(b, &view, small, 11);
    CU_ASSERT_STRING_EQUAL(small, "b1:1/up b2");
    CU_ASSERT_EQUAL(small[11], '#');
    balancer_destroy(b);
}

/* --- many threads -------------------------------------------------------- */

#define STRESS_THREADS 8
#define STRESS_PAIRS 20000
#define STRESS_HELD 4
#define STRESS_BACKENDS 5

struct stress_arg {
    struct balancer *balancer;
    uint64_t rng;
    long not_minimal;       /* picks that were not the least loaded */
    long bad_picks;         /* -1 or a backend not up in its own view */
    long seq_errors;        /* a number not above this thread's last one */
    long release_errors;    /* a release reporting a negative count */
};

static uint64_t stress_rand(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Prints why a contract test failed, in words, once per run: the
 * assertion lines that follow say where. */
static void explain_once(const char *why, const struct balancer *b,
                         const struct balancer_view *view, int chosen)
{
    static const char *said[8];
    char cand[512];
    size_t i;

    for (i = 0; i < COUNT_OF(said) && said[i] != NULL; i++) {
        if (said[i] == why)
            return;
    }
    if (i < COUNT_OF(said))
        said[i] = why;
    printf("\n  %s\n  the first time: candidates \"%s\" (name:active/state"
           ", /wW: weight W), chose %s\n", why,
           balancer_view_format(b, view, cand, sizeof(cand)),
           chosen >= 0 && (size_t)chosen < view->count
               ? balancer_spec(b, (size_t)chosen)->name : "none");
}

/* True when chosen has the smallest active/weight among the up backends of
 * view (compared by cross-multiplication, like the balancer). */
static bool pick_is_minimal(const struct balancer *b,
                            const struct balancer_view *view, int chosen)
{
    long chosen_active = view->cand[chosen].active;
    long chosen_weight = balancer_spec(b, (size_t)chosen)->weight;

    for (size_t i = 0; i < view->count; i++) {
        long weight = balancer_spec(b, i)->weight;

        if (view->cand[i].state != BALANCER_CAND_UP)
            continue;
        if (view->cand[i].active * chosen_weight < chosen_active * weight)
            return false;
    }
    return true;
}

static void stress_release(struct stress_arg *arg, int index, uint64_t *last)
{
    struct balancer_change change;

    balancer_release(arg->balancer, (size_t)index, BALANCER_RELEASE_OK,
                     &change);
    if (change.seq <= *last)
        arg->seq_errors++;
    if (change.active < 0)
        arg->release_errors++;
    *last = change.seq;
}

static void *stress_thread(void *p)
{
    struct stress_arg *arg = p;
    int held[STRESS_HELD];
    size_t held_count = 0;
    uint64_t last = 0;

    for (int k = 0; k < STRESS_PAIRS; k++) {
        struct balancer_view view;
        int index = balancer_pick(arg->balancer, 0, &view);

        if (view.seq <= last)
            arg->seq_errors++;
        last = view.seq;
        if (index < 0 || view.cand[index].state != BALANCER_CAND_UP) {
            arg->bad_picks++;
            continue;
        }
        if (!pick_is_minimal(arg->balancer, &view, index))
            arg->not_minimal++;
        /* Hold some picks open for a while so counts differ. */
        if (held_count < STRESS_HELD && stress_rand(&arg->rng) % 3 == 0) {
            held[held_count++] = index;
        } else {
            stress_release(arg, index, &last);
        }
        if (held_count > 0 && stress_rand(&arg->rng) % 5 == 0) {
            size_t victim = stress_rand(&arg->rng) % held_count;

            stress_release(arg, held[victim], &last);
            held[victim] = held[--held_count];
        }
    }
    while (held_count > 0)
        stress_release(arg, held[--held_count], &last);
    return NULL;
}

static void test_stress_threads(void)
{
    static const int weights[STRESS_BACKENDS] = { 1, 2, 1, 3, 1 };
    static const int maxconn[STRESS_BACKENDS] = { 0, 0, 3, 0, 0 };
    struct balancer *b = make_balancer(STRESS_BACKENDS, weights, maxconn,
                                       BALANCER_LEASTCONN, false);
    struct stress_arg args[STRESS_THREADS];
    pthread_t threads[STRESS_THREADS];
    struct balancer_stats rows[STRESS_BACKENDS];
    struct balancer_view view;
    uint64_t picks = 0;
    int started = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int t = 0; t < STRESS_THREADS; t++) {
        args[t] = (struct stress_arg){ .balancer = b,
                                       .rng = 0x9e3779b9u * (uint64_t)(t + 1) };
        if (pthread_create(&threads[t], NULL, stress_thread, &args[t]) != 0)
            break;
        started++;
    }
    CU_ASSERT_EQUAL(started, STRESS_THREADS);
    for (int t = 0; t < started; t++) {
        pthread_join(threads[t], NULL);
        CU_ASSERT_EQUAL(args[t].bad_picks, 0);
        CU_ASSERT_EQUAL(args[t].not_minimal, 0);
        CU_ASSERT_EQUAL(args[t].seq_errors, 0);
        CU_ASSERT_EQUAL(args[t].release_errors, 0);
    }
    balancer_snapshot(b, rows);
    for (size_t i = 0; i < STRESS_BACKENDS; i++) {
        CU_ASSERT_EQUAL(rows[i].active, 0);
        CU_ASSERT_TRUE(rows[i].up);
        picks += rows[i].picks;
    }
    CU_ASSERT_EQUAL(picks, (uint64_t)started * STRESS_PAIRS);
    /* One seq per pick and per release, none lost or doubled. */
    balancer_pick(b, 0, &view);
    CU_ASSERT_EQUAL(view.seq, 2 * (uint64_t)started * STRESS_PAIRS + 1);
    balancer_destroy(b);
}

static CU_TestInfo balancer_tests[] = {
    { "create, names, policies", test_create_and_names },
    { "leastconn picks the minimum", test_leastconn_picks_minimum },
    { "leastconn ties rotate", test_leastconn_ties_rotate },
    { "leastconn weight 2:1 sequence", test_leastconn_weights_sequence },
    { "leastconn cross-multiplication", test_leastconn_cross_multiplication },
    { "leastconn skips down, full, tried",
      test_leastconn_skips_down_full_tried },
    { "pick with none eligible", test_pick_none_eligible },
    { "view holds counts before the increment",
      test_view_counts_before_increment },
    { "release decrements once", test_release_once },
    { "connect failed and passive_down", test_connect_failed_passive_down },
    { "connect failed when already down", test_connect_failed_when_down },
    { "early close counts, never down", test_early_close_counts_not_down },
    { "check rise and fall", test_check_rise_fall },
    { "check brings a passive down back", test_check_brings_passive_down_back },
    { "seq strictly increases", test_seq_strictly_increases },
    { "roundrobin ignores counts", test_roundrobin_ignores_counts },
    { "random eligible and seeded", test_random_eligible_and_seeded },
    { "view format", test_view_format },
    { "stress 8 threads", test_stress_threads },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(balancer, balancer_tests)

/* --- the leastconn contract, as properties (lab 3 grades these) ---------
 *
 * These tests hold any choice that keeps the contract of docs/labs/
 * 3-leastconn.md, whatever its tie rule: every pick is an eligible backend
 * with the smallest active/weight (compared exactly), -1 only when none is
 * eligible, and tied backends all get picks. The exact sequences of the
 * proxy's own rule (ties rotate from the last pick) are the balancer
 * suite's. Backends go down and up with one check result (rise = fall =
 * 1), the same with or without streaks.
 */

/* Picks once and judges the pick against its own view: an index in
 * range, eligible and minimal when any backend is eligible, else -1.
 * Returns the index, or -1 (also when the pick broke the contract: then
 * an assertion has failed). */
static int pick_checked(struct balancer *b, uint64_t tried)
{
    struct balancer_view view;
    int index = balancer_pick(b, tried, &view);
    bool any = false;

    for (size_t i = 0; i < view.count; i++)
        any |= view.cand[i].state == BALANCER_CAND_UP;
    /* The balancer refuses a policy's answer that is not eligible (the
     * pick returns -1, view.refused holds the answer). */
    if (view.refused >= 0)
        explain_once("choose_leastconn chose a backend that is not "
                     "eligible (down, full, draining, disabled, ejected, or "
                     "already tried by this session): only candidates whose "
                     "state is BALANCER_CAND_UP may be chosen", b, &view,
                     view.refused);
    CU_ASSERT_EQUAL(view.refused, -1);
    if (!any) {
        CU_ASSERT_EQUAL(index, -1);
        return -1;
    }
    CU_ASSERT(index >= 0 && (size_t)index < view.count);
    if (index < 0 || (size_t)index >= view.count)
        return -1;
    CU_ASSERT_EQUAL(view.cand[index].state, BALANCER_CAND_UP);
    if (!pick_is_minimal(b, &view, index))
        explain_once("choose_leastconn chose a backend whose active/weight "
                     "is not the smallest of the eligible ones (compare "
                     "a1 * w2 < a2 * w1: no division, no rounding)", b,
                     &view, index);
    CU_ASSERT_TRUE(pick_is_minimal(b, &view, index));
    return index;
}

/* Forces picks of backend index until it holds active sessions. */
static void hold(struct balancer *b, size_t index, int active)
{
    for (int k = active_of(b, index); k < active; k++)
        balancer_pick(b, only(index), NULL);
}

/*
 * Random walks over many balancers (2 to 8 backends, weights from 1 to
 * 256, some with maxconn): picks with and without tried backends, releases
 * in any order, backends going down and up. Every one of the 24,000 picks
 * must be an eligible minimum of its view.
 */
static void test_contract_random_walks(void)
{
    static const int weight_choice[] = { 1, 1, 2, 3, 5, 7, 16, 100, 256 };
    uint64_t rng = 0x2545f4914f6cdd1dULL;

    for (int round = 0; round < 12; round++) {
        int weights[8], maxconn[8], held[64], held_count = 0;
        size_t count = 2 + stress_rand(&rng) % 7;
        struct balancer *b;

        for (size_t i = 0; i < count; i++) {
            weights[i] = weight_choice[stress_rand(&rng) %
                                       COUNT_OF(weight_choice)];
            maxconn[i] = stress_rand(&rng) % 4 == 0
                         ? 1 + (int)(stress_rand(&rng) % 5) : 0;
        }
        b = make_balancer(count, weights, maxconn, BALANCER_LEASTCONN, false);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        for (int step = 0; step < 2000; step++) {
            /* 1 in 10: a check result; 4: a release; 5: a pick, one of
             * them with random tried bits. */
            uint64_t roll = stress_rand(&rng) % 10;
            size_t i = stress_rand(&rng) % count;
            struct balancer_change change;
            uint64_t tried = roll == 9 ? stress_rand(&rng) : 0;
            int index;

            if (roll == 0) {
                balancer_check_result(b, i, stress_rand(&rng) % 3 != 0, 1, 1,
                                      &change);
                continue;
            }
            if (held_count > 0 && (roll < 5 || held_count == 64)) {
                int k = (int)(stress_rand(&rng) % (uint64_t)held_count);

                balancer_release(b, (size_t)held[k], BALANCER_RELEASE_OK,
                                 &change);
                held[k] = held[--held_count];
                continue;
            }
            index = pick_checked(b, tried);
            if (index >= 0)
                held[held_count++] = index;
        }
        balancer_destroy(b);
    }
}

/*
 * Ratios that integer division gets wrong (5/4 and 3/2 both give 1; 2/3
 * and 1/2 both give 0), each in both orders and after a last pick on
 * either backend, so that no tie rule can make a divided comparison right
 * by luck: only the exact comparison picks the right one every time.
 */
static void test_contract_exact_ratios(void)
{
    static const struct {
        int weights[2];
        int active[2];
        int want;
    } cases[] = {
        { { 4, 2 }, { 5, 3 }, 0 },      /* 1.25 < 1.5 */
        { { 2, 4 }, { 3, 5 }, 1 },
        { { 3, 2 }, { 2, 1 }, 1 },      /* 0.67 > 0.5 */
        { { 2, 3 }, { 1, 2 }, 0 },
        { { 256, 255 }, { 257, 256 }, 0 },  /* 257/256 < 256/255 */
        { { 255, 256 }, { 256, 257 }, 1 },
    };

    for (size_t c = 0; c < COUNT_OF(cases); c++) {
        for (size_t last = 0; last < 2; last++) {
            struct balancer *b = make_balancer(2, cases[c].weights, NULL,
                                               BALANCER_LEASTCONN, false);
            struct balancer_change change;

            CU_ASSERT_PTR_NOT_NULL_FATAL(b);
            hold(b, 1 - last, cases[c].active[1 - last]);
            hold(b, last, cases[c].active[last] + 1);
            /* The last pick was on backend `last`; give it back. */
            balancer_release(b, last, BALANCER_RELEASE_OK, &change);
            CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), cases[c].want);
            balancer_destroy(b);
        }
    }
}

/*
 * Picks held (never released): minimal picks keep every backend's count
 * at its share of the weights, so after k rounds of the weights' sum
 * each backend holds exactly k times its weight, whatever the tie rule;
 * a down backend is left out of the rounds.
 */
static void test_contract_weights_held(void)
{
    static const int weights[] = { 3, 1, 2, 1 };
    struct balancer *b = make_balancer(4, weights, NULL, BALANCER_LEASTCONN,
                                       false);

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    set_down(b, 3);
    for (int k = 1; k <= 20; k++) {
        for (int n = 0; n < 6; n++)
            pick_checked(b, 0);
        for (size_t i = 0; i < 3; i++)
            CU_ASSERT_EQUAL(active_of(b, i), k * weights[i]);
        CU_ASSERT_EQUAL(active_of(b, 3), 0);
    }
    balancer_destroy(b);
}

/* Picks `picks` times, releasing each at once (so every pick is a tie),
 * and counts the picks of each backend into hits[]. */
static void picks_released_at_once(struct balancer *b, uint64_t tried,
                                   int picks, int *hits)
{
    for (int k = 0; k < picks; k++) {
        int index = pick_checked(b, tried);
        struct balancer_change change;

        if (index < 0)
            continue;
        hits[index]++;
        balancer_release(b, (size_t)index, BALANCER_RELEASE_OK, &change);
    }
}

/*
 * Ties spread: with every pick released at once, all eligible backends
 * are always tied, and each must get at least a fifth of the picks (an
 * even spread gives a third; a rule that starves a backend gives it 0).
 * The same with unequal weights, with two of four backends out (one down,
 * one tried), and with every backend already holding a session.
 */
static void test_contract_ties_spread(void)
{
    static const int weights[] = { 2, 1, 3, 1 };
    struct balancer *b = make_balancer(3, NULL, NULL, BALANCER_LEASTCONN,
                                       false);
    int hits[4] = { 0, 0, 0, 0 };

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    picks_released_at_once(b, 0, 300, hits);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT(hits[i] >= 60);
    /* Tied at one session each. */
    for (size_t i = 0; i < 3; i++) {
        hold(b, i, 1);
        hits[i] = 0;
    }
    picks_released_at_once(b, 0, 300, hits);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT(hits[i] >= 60);
    balancer_destroy(b);

    b = make_balancer(4, weights, NULL, BALANCER_LEASTCONN, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    memset(hits, 0, sizeof(hits));
    set_down(b, 1);
    picks_released_at_once(b, (uint64_t)1 << 3, 200, hits);
    CU_ASSERT(hits[0] >= 40);
    CU_ASSERT(hits[2] >= 40);
    CU_ASSERT_EQUAL(hits[1] + hits[3], 0);
    balancer_destroy(b);

    b = make_balancer(2, weights, NULL, BALANCER_LEASTCONN, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    memset(hits, 0, sizeof(hits));
    picks_released_at_once(b, 0, 200, hits);
    CU_ASSERT(hits[0] >= 40);
    CU_ASSERT(hits[1] >= 40);
    balancer_destroy(b);
}

/*
 * Down, full and tried backends are never chosen, even when the only
 * eligible one is the busiest; with none eligible (all down, all tried,
 * all full) the pick is -1.
 */
static void test_contract_skips(void)
{
    static const int maxconn[] = { 0, 1, 0, 0 };
    struct balancer *b = make_balancer(4, NULL, maxconn, BALANCER_LEASTCONN,
                                       false);

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    set_down(b, 0);
    hold(b, 1, 1);                          /* b2 full */
    hold(b, 3, 5);                          /* b4 busiest */
    for (int k = 0; k < 4; k++)
        CU_ASSERT_EQUAL(pick_checked(b, (uint64_t)1 << 2), 3);
    CU_ASSERT_EQUAL(pick_checked(b, 0), 2);
    CU_ASSERT_EQUAL(pick_checked(b, (uint64_t)0xc), -1);    /* b3, b4 tried */
    set_down(b, 2);
    set_down(b, 3);
    CU_ASSERT_EQUAL(pick_checked(b, 0), -1);
    set_up(b, 0);
    CU_ASSERT_EQUAL(pick_checked(b, 0), 0);
    CU_ASSERT_EQUAL(pick_checked(b, 1), -1);
    balancer_destroy(b);
}

static CU_TestInfo leastconn_tests[] = {
    { "every pick an eligible minimum (random walks)",
      test_contract_random_walks },
    { "ratios compared exactly", test_contract_exact_ratios },
    { "held picks follow the weights", test_contract_weights_held },
    { "ties spread, none starved", test_contract_ties_spread },
    { "down, full, tried skipped; -1 when none is eligible",
      test_contract_skips },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(leastconn, leastconn_tests)
