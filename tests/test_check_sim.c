/*
 * test_check_sim: the expectations of a simulated run (check_sim.c):
 * skipped when they need real processes, judged from the logs when the
 * run kept them, and from the simulator's own figures when it did not.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_fixture.h"
#include "testlib.h"

/* The base run, marked simulated, with figures for two backends. */
static struct fixture *sim_fixture(bool logged)
{
    struct fixture *f = fixture_base();
    struct outcome_sim *s = &f->outcome.sim;

    s->on = true;
    s->logged = logged;
    s->connections = 100;
    s->failed = 0;
    s->p50_ms = 12.0;
    s->p90_ms = 30.0;
    s->p99_ms = 80.0;
    s->max_ms = 95.0;
    s->backend_count = 2;
    s->served = calloc(2, sizeof(*s->served));
    s->peak = calloc(2, sizeof(*s->peak));
    CU_ASSERT_FATAL(s->served != NULL && s->peak != NULL);
    s->served[0] = 75;
    s->served[1] = 25;
    return f;
}

static void test_sim_skips_what_needs_processes(void)
{
    struct fixture *f = sim_fixture(true);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_THREADS_STABLE);
    struct check_verdict verdict = judge(f, &e);

    CU_ASSERT_TRUE(verdict.skipped && verdict.ok);
    CU_ASSERT_STRING_EQUAL(verdict.reason, "skipped: judged from real "
                           "processes (the proxy's threads), which a "
                           "simulated run does not have");
    e = expect_of(SCENARIO_CHECK_RELAY_EXACT);
    e.expect_fail = true;
    verdict = judge(f, &e);
    CU_ASSERT_TRUE(verdict.skipped && verdict.ok);
    /* With its logs, a simulated run is judged from them. */
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 3 picks");
    fixture_free(f);
}

/* Without logs: the figures answer, one way or the other. */
static void test_sim_judges_from_its_figures(void)
{
    struct fixture *f = sim_fixture(false);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_LATENCY);
    struct check_verdict verdict;

    expect_result(f, SCENARIO_CHECK_CLIENTS_OK, true, "0 of 100 connections "
                  "failed (simulated)");
    f->outcome.sim.failed = 3;
    expect_result(f, SCENARIO_CHECK_CLIENTS_OK, false, "3 of 100 "
                  "connections failed");
    e.percentile = 99;
    e.within_ms = 100;
    verdict = judge(f, &e);
    CU_ASSERT_TRUE(verdict.passed);
    e.within_ms = 50;
    verdict = judge(f, &e);
    CU_ASSERT_FALSE(verdict.passed);
    CU_ASSERT_STRING_EQUAL(verdict.reason, "p99 of the connections' "
                           "response times is 80.000 ms, bound 50 ms "
                           "(simulated, every burst)");
    e = expect_of(SCENARIO_CHECK_SHARE);
    e.backend = 0;
    e.share_pct = 75;
    e.tolerance_pct = 1;
    CU_ASSERT_TRUE(judge(f, &e).passed);
    e.share_pct = 50;
    CU_ASSERT_FALSE(judge(f, &e).passed);
    /* What reads the logs has none to read. */
    e = expect_of(SCENARIO_CHECK_P2C);
    set_proxy_option(f, "balance", "p2c");
    verdict = judge(f, &e);
    CU_ASSERT_TRUE(verdict.skipped);
    CU_ASSERT_PTR_NOT_NULL(strstr(verdict.reason, "keeps no logs"));
    fixture_free(f);
}

/* A run that hit its time limit: the clients' checks fail, logs or not;
 * the others still judge what happened. */
static void test_sim_unfinished_fails_client_checks(void)
{
    for (int logged = 0; logged <= 1; logged++) {
        struct fixture *f = sim_fixture(logged);
        struct scenario_expect e = expect_of(SCENARIO_CHECK_LATENCY);
        struct check_verdict verdict;

        e.percentile = 99;
        e.within_ms = 100000;
        if (!logged)    /* passes on the figures before the limit is hit */
            CU_ASSERT_TRUE(judge(f, &e).passed);
        f->scenario.timeout_ms = 30000;
        f->outcome.sim.unfinished = 7;
        verdict = judge(f, &e);
        CU_ASSERT_FALSE(verdict.passed);
        CU_ASSERT_PTR_NOT_NULL(strstr(verdict.reason, "the run hit its time "
                                      "limit (timeout 30s) with 7 of the "
                                      "bursts' connections not ended"));
        expect_result(f, SCENARIO_CHECK_CLIENTS_OK, false, "hit its time "
                      "limit");
        e = expect_of(SCENARIO_CHECK_CLIENTS_FAILED);
        e.max_failed = 1000;
        CU_ASSERT_FALSE(judge(f, &e).passed);
        if (!logged) {
            e = expect_of(SCENARIO_CHECK_SHARE);
            e.backend = 0;
            e.share_pct = 75;
            e.tolerance_pct = 1;
            CU_ASSERT_TRUE(judge(f, &e).passed);
        }
        fixture_free(f);
    }
}

static CU_TestInfo check_sim_tests[] = {
    { "sim unfinished fails client checks",
      test_sim_unfinished_fails_client_checks },
    { "sim skips what needs processes", test_sim_skips_what_needs_processes },
    { "sim judges from its figures", test_sim_judges_from_its_figures },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_sim, check_sim_tests)
