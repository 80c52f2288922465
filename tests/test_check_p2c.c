/*
 * test_check_p2c: "expect p2c" (check_balancer.c) judged on hand-written
 * logs of a p2c proxy, and the policy rules of check.c: leastconn and p2c
 * skipped, saying so, on a proxy that runs another policy; expectations
 * bound to a policy skipped on the runs --compare adds.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_fixture.h"
#include "testlib.h"

/* Three backends, b1 at weight 2. Picks 1 and 2 are ties: the first
 * sample wins. Pick 3 draws b1 (1 active at weight 2) and b3 (1 at
 * weight 1): b1 is lighter by weight, though b2 had none (so leastconn
 * fails on this log). Pick 4 draws b1 (2 at weight 2) and b2 (0). Pick
 * 7: only b3 is up, one sample. */
static const char p2c_proxy[] =
    "ts=100.000000 ev=start listen=127.0.0.1:8080 balance=p2c\n"
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 "
    "cand=\"b1:0/up/w2 b2:0/up b3:0/up\" p2c=b1,b3\n"
    "ts=100.110000 ev=pick sid=2 seq=2 be=b3 "
    "cand=\"b1:1/up/w2 b2:0/up b3:0/up\" p2c=b3,b2\n"
    "ts=100.120000 ev=pick sid=3 seq=3 be=b1 "
    "cand=\"b1:1/up/w2 b2:0/up b3:1/up\" p2c=b1,b3\n"
    "ts=100.130000 ev=pick sid=4 seq=4 be=b2 "
    "cand=\"b1:2/up/w2 b2:0/up b3:1/up\" p2c=b1,b2\n"
    "ts=100.140000 ev=admin be=b1 seq=5 admin=disabled by=control "
    "active=2\n"
    "ts=100.150000 ev=admin be=b2 seq=6 admin=disabled by=control "
    "active=1\n"
    "ts=100.160000 ev=pick sid=5 seq=7 be=b3 "
    "cand=\"b1:2/disabled/w2 b2:1/disabled b3:1/up\" p2c=b3\n";

static struct fixture *p2c_fixture(const char *text)
{
    struct fixture *f = fixture_empty(3);

    f->scenario.backends[0].weight = 2;
    set_proxy_option(f, "balance", "p2c");
    load(&f->outcome.proxy, "proxy", text);
    return f;
}

static void test_p2c_passes_on_a_correct_log(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    expect_result(f, SCENARIO_CHECK_P2C, true, "all 5 picks chose the "
                  "lesser of two distinct up samples");
    fixture_free(f);
}

/* Keeping the greater sample, or ignoring the weights, is caught. */
static void test_p2c_fails_on_the_greater_sample(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy, "seq=4 be=b2",
                  "seq=4 be=b1");
    expect_result(f, SCENARIO_CHECK_P2C, false,
                  "pick 4 (sid 4, t=0.130s) chose b1, but of its samples b1 "
                  "(2 active, weight 2) and b2 (0 active, weight 1) the "
                  "lesser is b2");
    reload_edited(&f->outcome.proxy, p2c_proxy, "seq=3 be=b1",
                  "seq=3 be=b3");
    expect_result(f, SCENARIO_CHECK_P2C, false,
                  "chose b3, but of its samples b1 (1 active, weight 2) and "
                  "b3 (1 active, weight 1) the lesser (or the first, on a "
                  "tie) is b1");
    fixture_free(f);
}

/* On a tie the first sample wins. */
static void test_p2c_fails_when_a_tie_goes_to_the_second(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy, "seq=2 be=b3",
                  "seq=2 be=b2");
    expect_result(f, SCENARIO_CHECK_P2C, false, "the lesser (or the first, "
                  "on a tie) is b3");
    fixture_free(f);
}

static void test_p2c_fails_on_an_ineligible_sample(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy, "p2c=b3\n", "p2c=b3,b1\n");
    expect_result(f, SCENARIO_CHECK_P2C, false, "pick 7 (sid 5, t=0.160s) "
                  "sampled b1, which it logged as disabled");
    fixture_free(f);
}

static void test_p2c_fails_on_a_sample_drawn_twice(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy, "p2c=b1,b3\n",
                  "p2c=b1,b1\n");
    expect_result(f, SCENARIO_CHECK_P2C, false, "sampled b1 twice");
    fixture_free(f);
}

static void test_p2c_fails_on_one_sample_of_many(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy, "p2c=b1,b3\n", "p2c=b1\n");
    expect_result(f, SCENARIO_CHECK_P2C, false, "drew one sample (b1) "
                  "while 3 backends were up");
    fixture_free(f);
}

static void test_p2c_fails_on_a_missing_or_unknown_sample(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy, " p2c=b1,b3\n", "\n");
    expect_result(f, SCENARIO_CHECK_P2C, false, "pick 1 (sid 1, t=0.100s) "
                  "has no p2c= samples");
    reload_edited(&f->outcome.proxy, p2c_proxy, "p2c=b3,b2", "p2c=b3,b9");
    expect_result(f, SCENARIO_CHECK_P2C, false, "sampled b9 (sample 2 of "
                  "p2c=), which its cand list does not show");
    fixture_free(f);
}

/* The replay still holds the counts to account. */
static void test_p2c_fails_on_a_miscounted_cand(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);

    reload_edited(&f->outcome.proxy, p2c_proxy,
                  "cand=\"b1:1/up/w2 b2:0/up b3:1/up\"",
                  "cand=\"b1:1/up/w2 b2:0/up b3:0/up\"");
    expect_result(f, SCENARIO_CHECK_P2C, false, "logged b3 with 0 active, "
                  "but the log's own picks and releases give 1");
    fixture_free(f);
}

/* --- the policy rules -------------------------------------------------- */

static void test_leastconn_and_p2c_skip_other_policies(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_LEASTCONN);
    struct check_verdict verdict;

    verdict = judge(f, &e);
    CU_ASSERT_TRUE(verdict.skipped && verdict.ok);
    CU_ASSERT_STRING_EQUAL(verdict.reason, "skipped: the proxy runs "
                           "--balance p2c, and this check judges --balance "
                           "leastconn only");
    /* expect-fail asks the check to judge all the same. */
    e.expect_fail = true;
    verdict = judge(f, &e);
    CU_ASSERT_FALSE(verdict.skipped);
    CU_ASSERT_FALSE(verdict.passed);
    CU_ASSERT_TRUE(verdict.ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(verdict.reason, "pick 3 (sid 3, t=0.120s) "
                                  "chose b1 with 1 active at weight 2 while "
                                  "b2 had 0"));
    fixture_free(f);
    f = fixture_base();
    set_proxy_option(f, "balance", "roundrobin");
    e = expect_of(SCENARIO_CHECK_P2C);
    verdict = judge(f, &e);
    CU_ASSERT_TRUE(verdict.skipped && verdict.ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(verdict.reason, "runs --balance "
                                  "roundrobin"));
    fixture_free(f);
}

/* Under --compare, what was written for leastconn is not asked of p2c. */
static void test_compare_skips_policy_bound_expectations(void)
{
    struct fixture *f = p2c_fixture(p2c_proxy);
    struct scenario_expect share = expect_of(SCENARIO_CHECK_SHARE);
    struct scenario_expect zero = expect_of(SCENARIO_CHECK_COUNTS_ZERO);
    struct check_verdict verdict;

    share.share_pct = 90.0;
    verdict = judge(f, &share);
    CU_ASSERT_FALSE(verdict.skipped);
    CU_ASSERT_FALSE(verdict.ok);
    f->outcome.written_policy = "leastconn";
    verdict = judge(f, &share);
    CU_ASSERT_TRUE(verdict.skipped && verdict.ok);
    CU_ASSERT_STRING_EQUAL(verdict.reason, "skipped: written for --balance "
                           "leastconn, and this run compares --balance p2c");
    /* counts zero holds for any policy: judged (and fails: no releases). */
    verdict = judge(f, &zero);
    CU_ASSERT_FALSE(verdict.skipped);
    CU_ASSERT_FALSE(verdict.ok);
    fixture_free(f);
}

static CU_TestInfo check_p2c_tests[] = {
    { "p2c passes on a correct log", test_p2c_passes_on_a_correct_log },
    { "p2c fails on the greater sample",
      test_p2c_fails_on_the_greater_sample },
    { "p2c fails when a tie goes to the second",
      test_p2c_fails_when_a_tie_goes_to_the_second },
    { "p2c fails on an ineligible sample",
      test_p2c_fails_on_an_ineligible_sample },
    { "p2c fails on a sample drawn twice",
      test_p2c_fails_on_a_sample_drawn_twice },
    { "p2c fails on one sample of many",
      test_p2c_fails_on_one_sample_of_many },
    { "p2c fails on a missing or unknown sample",
      test_p2c_fails_on_a_missing_or_unknown_sample },
    { "p2c fails on a miscounted cand", test_p2c_fails_on_a_miscounted_cand },
    { "leastconn and p2c skip other policies",
      test_leastconn_and_p2c_skip_other_policies },
    { "compare skips policy-bound expectations",
      test_compare_skips_policy_bound_expectations },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_p2c, check_p2c_tests)
