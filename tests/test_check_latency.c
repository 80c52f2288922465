/*
 * test_check_latency: pNN<=D [burst=N] (check_latency.c) judged on
 * hand-written ev=done lines.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

static const char fast_done[] =
    "ts=100.222000 ev=done connections=3 failed=0 samples=6 p50_ms=1.500 "
    "p90_ms=3.000 p99_ms=12.500 max_ms=12.500 result=pass\n";

static const char slow_done[] =
    "ts=100.900000 ev=done connections=5 failed=0 samples=10 p50_ms=90.000 "
    "p90_ms=250.000 p99_ms=300.000 max_ms=300.000 result=pass\n";

static struct scenario_expect latency(int percentile, long ms, int burst)
{
    struct scenario_expect e = expect_of(SCENARIO_CHECK_LATENCY);

    e.percentile = percentile;
    e.within_ms = ms;
    e.burst = burst;
    return e;
}

static void test_latency_every_burst(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = latency(99, 20, 0);
    struct check_verdict verdict;

    add_burst(f, fast_done, 0, false);
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "p99 at most 20 ms in each of 1 burst "
                   "(highest 12.500 ms, burst 1)");
    e.within_ms = 10;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "burst 1 (line 10): p99 was 12.500 ms "
                   "over 6 requests, above 10 ms");
    add_burst(f, slow_done, 0, false);
    e.within_ms = 100;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "burst 2 (line 11): p99 was 300.000 ms "
                   "over 10 requests, above 100 ms");
    e.percentile = 50;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "p50 at most 100 ms in each of 2 bursts "
                   "(highest 90.000 ms, burst 2)");
    fixture_free(f);
}

static void test_latency_one_burst(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = latency(90, 100, 1);
    struct check_verdict verdict;

    add_burst(f, fast_done, 0, false);
    add_burst(f, slow_done, 0, false);
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "burst 1: p90 was 3.000 ms, at most 100 ms");
    e.burst = 2;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "burst 2 (line 11): p90 was 250.000 ms");
    e.burst = 3;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "burst 3 never ran");
    fixture_free(f);
}

static void test_latency_without_samples(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = latency(99, 100, 0);
    struct check_verdict verdict;

    add_burst(f, "ts=100.1 ev=done connections=2 samples=0 p50_ms=0.000 "
              "p90_ms=0.000 p99_ms=0.000 max_ms=0.000 result=pass\n", 0,
              false);
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "no burst has a latency sample");
    add_burst(f, fast_done, 0, false);
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "in each of 1 burst");
    e.burst = 1;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "burst 1 (line 10) has no latency sample");
    fixture_free(f);
}

static void test_latency_without_done_line(void)
{
    struct fixture *f = fixture_base();

    /* The base burst's done line has no percentiles. */
    expect_result(f, SCENARIO_CHECK_LATENCY, false, "burst 1 (line 10) "
                  "logged no latency (no ev=done line with samples= and "
                  "p0_ms=");
    fixture_free(f);
}

static CU_TestInfo check_latency_tests[] = {
    { "latency of every burst", test_latency_every_burst },
    { "latency of one burst", test_latency_one_burst },
    { "latency without samples", test_latency_without_samples },
    { "latency without a done line", test_latency_without_done_line },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_latency, check_latency_tests)
