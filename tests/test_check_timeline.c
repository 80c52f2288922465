/*
 * test_check_timeline: detect, recover and threads stable
 * (check_timeline.c) judged on hand-written logs and timelines.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

/* --- detect and recover ------------------------------------------------ */

static const char detect_proxy[] =
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.300000 ev=pick sid=2 seq=2 be=b1 cand=\"b1:1/up b2:1/up\"\n"
    "ts=100.310000 ev=pick sid=3 seq=3 be=b2 cand=\"b1:2/up b2:1/up\"\n"
    "ts=100.900000 ev=pick sid=4 seq=4 be=b1 cand=\"b1:2/up b2:2/up\"\n";

static const char crash_timeline[] =
    "ts=100.000000 ev=proxy_start pid=1 port=8080\n"
    "ts=100.150000 ev=fault action=crash be=b1 line=12\n"
    "ts=101.000000 ev=run_end reason=done\n";

static void test_detect(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_DETECT);
    struct check_verdict verdict;

    e.backend = 0;
    e.within_ms = 500;
    load(&f->outcome.proxy, "proxy", detect_proxy);
    load(&f->outcome.timeline, "timeline", crash_timeline);
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b1 was crashed at t=0.150s but pick 4 "
                   "chose it at t=0.900s, 0.750s later (allowed: 0.500s)");
    e.within_ms = 800;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "b1 was last picked 0.750s after it was "
                   "crashed at t=0.150s (allowed: 0.800s)");
    e.backend = 1;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "nothing to detect: b2 was never crashed, "
                   "stopped or paused");
    fixture_free(f);
}

/* A pick after the backend is back is no detection failure. */
static void test_detect_window_ends_when_the_backend_returns(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_DETECT);
    struct check_verdict verdict;

    e.backend = 0;
    e.within_ms = 500;
    load(&f->outcome.proxy, "proxy", detect_proxy);
    reload_edited(&f->outcome.timeline, crash_timeline, "ts=101.000000",
                  "ts=100.800000 ev=fault action=restart be=b1 line=13\n"
                  "ts=101.000000");
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "b1 was last picked 0.150s after it was "
                   "crashed at t=0.150s (allowed: 0.500s)");
    reload_edited(&f->outcome.timeline, crash_timeline, "action=crash",
                  "action=pause");
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b1 was paused at t=0.150s but pick 4");
    fixture_free(f);
}

static const char recover_proxy[] =
    "ts=100.100000 ev=connected sid=1 be=b1 local=127.0.0.1:60001 ms=0.2\n"
    "ts=100.600000 ev=connected sid=2 be=b2 local=127.0.0.1:60002 ms=0.2\n"
    "ts=100.700000 ev=connected sid=3 be=b1 local=127.0.0.1:60003 ms=0.2\n";

static const char restart_timeline[] =
    "ts=100.000000 ev=proxy_start pid=1 port=8080\n"
    "ts=100.150000 ev=fault action=crash be=b1 line=12\n"
    "ts=100.500000 ev=fault action=restart be=b1 line=13\n"
    "ts=101.000000 ev=run_end reason=done\n";

static void test_recover(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_RECOVER);
    struct check_verdict verdict;

    e.backend = 0;
    e.within_ms = 1000;
    load(&f->outcome.proxy, "proxy", recover_proxy);
    load(&f->outcome.timeline, "timeline", restart_timeline);
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "b1 took sessions again at most 0.200s "
                   "after each of its 1 return (allowed: 1.000s)");
    e.within_ms = 100;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b1 was restarted at t=0.500s but no "
                   "session connected to it within 0.100s (the first came "
                   "0.200s later)");
    e.backend = 1;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "nothing to recover: b2 was never "
                   "restarted, started or resumed");
    fixture_free(f);
}

static void test_recover_fails_when_no_session_comes(void)
{
    struct fixture *f = fixture_empty(2);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_RECOVER);
    struct check_verdict verdict;

    e.backend = 0;
    e.within_ms = 1000;
    load(&f->outcome.proxy, "proxy", recover_proxy);
    reload_edited(&f->outcome.timeline, restart_timeline, "ts=100.500000",
                  "ts=100.800000");
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b1 was restarted at t=0.800s but no "
                   "session connected to it within 1.000s (none came before "
                   "the run ended)");
    fixture_free(f);
}

/* --- threads stable ---------------------------------------------------- */

static void test_threads_stable(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_THREADS_STABLE, true,
                  "the proxy had 3 threads in all 2 samples");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.250000 ev=threads count=3",
                  "ts=100.250000 ev=threads count=5");
    expect_result(f, SCENARIO_CHECK_THREADS_STABLE, false,
                  "the proxy had 3 threads at t=0.150s and 5 at t=0.250s");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.250000 ev=threads count=3\n", "");
    expect_result(f, SCENARIO_CHECK_THREADS_STABLE, false,
                  "too few samples: the runner took 1 thread count");
    fixture_free(f);
}

static void test_threads_stable_sees_late_threads(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads",
                  "ts=99.990000 ev=thread_create\n"
                  "ts=100.150000 ev=threads");
    expect_result(f, SCENARIO_CHECK_THREADS_STABLE, true,
                  "and created none after its start");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads",
                  "ts=100.120000 ev=thread_create\n"
                  "ts=100.150000 ev=threads");
    expect_result(f, SCENARIO_CHECK_THREADS_STABLE, false,
                  "the proxy created a thread at t=0.120s, after it had "
                  "started (1 thread created after the start line in all)");
    fixture_free(f);
}

static CU_TestInfo check_timeline_tests[] = {
    { "detect", test_detect },
    { "detect window ends when the backend returns",
      test_detect_window_ends_when_the_backend_returns },
    { "recover", test_recover },
    { "recover fails when no session comes",
      test_recover_fails_when_no_session_comes },
    { "threads stable", test_threads_stable },
    { "threads stable sees late threads",
      test_threads_stable_sees_late_threads },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_timeline, check_timeline_tests)
