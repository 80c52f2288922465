/*
 * test_check_health: health exact (check_health.c) judged on hand-written
 * logs: every state change comes after exactly fall (or rise) checks.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

/* rise=2 fall=2 (the proxy's defaults); b1 crashes at 100.1 and listens
 * again at 100.7. */
static const char health_proxy[] =
    "ts=100.000000 lvl=info thr=main ev=start listen=127.0.0.1:8080 "
    "threads=2 balance=leastconn backends=2 stats=off pid=1\n"
    "ts=100.050000 lvl=debug thr=health ev=check be=b1 ok=1 err=-\n"
    "ts=100.250000 lvl=debug thr=health ev=check be=b1 ok=0 "
    "err=ECONNREFUSED\n"
    "ts=100.450000 lvl=debug thr=health ev=check be=b1 ok=0 "
    "err=ECONNREFUSED\n"
    "ts=100.450100 lvl=warn thr=health ev=backend_down be=b1 seq=1 "
    "reason=check_failed err=ECONNREFUSED\n"
    "ts=100.650000 lvl=debug thr=health ev=check be=b1 ok=0 "
    "err=ECONNREFUSED\n"
    "ts=100.850000 lvl=debug thr=health ev=check be=b1 ok=1 err=-\n"
    "ts=101.050000 lvl=debug thr=health ev=check be=b1 ok=1 err=-\n"
    "ts=101.050100 lvl=info thr=health ev=backend_up be=b1 seq=2 "
    "reason=check_ok\n"
    "ts=101.250000 lvl=debug thr=health ev=check be=b1 ok=1 err=-\n";

static const char health_b1[] =
    "ts=99.900000 lvl=info thr=main ev=listen addr=127.0.0.1:9001 name=b1\n"
    "ts=100.700000 lvl=info thr=main ev=listen addr=127.0.0.1:9001 name=b1\n";

static const char health_timeline[] =
    "ts=100.100000 ev=fault action=crash be=b1 line=5\n"
    "ts=100.690000 ev=fault action=restart be=b1 line=6\n";

static struct fixture *health_fixture(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", health_proxy);
    load(&f->outcome.backends[0], "b1", health_b1);
    load(&f->outcome.timeline, "timeline", health_timeline);
    return f;
}

static void test_health_exact(void)
{
    struct fixture *f = health_fixture();

    expect_result(f, SCENARIO_CHECK_HEALTH_EXACT, true,
                  "all 7 checks passed only while their backend ran, and "
                  "every state change came exactly at rise=2 or fall=2");
    /* Down after one failure. */
    reload_edited(&f->outcome.proxy, health_proxy,
                  "ts=100.450000 lvl=debug thr=health ev=check be=b1 ok=0 "
                  "err=ECONNREFUSED\n", "");
    expect_result(f, SCENARIO_CHECK_HEALTH_EXACT, false,
                  "b1 was marked down at t=0.450s after 1 failed check in a "
                  "row, but fall=2");
    /* Never down. */
    reload_edited(&f->outcome.proxy, health_proxy,
                  "ts=100.450100 lvl=warn thr=health ev=backend_down be=b1 "
                  "seq=1 reason=check_failed err=ECONNREFUSED\n", "");
    expect_result(f, SCENARIO_CHECK_HEALTH_EXACT, false,
                  "b1 had 2 failed checks in a row by t=0.450s (fall=2) but "
                  "was still up at its next check (t=0.650s)");
    fixture_free(f);
}

/* A check that passes while the backend is dead tests something else. */
static void test_health_exact_fails_on_a_check_of_a_dead_backend(void)
{
    struct fixture *f = health_fixture();

    reload_edited(&f->outcome.proxy, health_proxy,
                  "ts=100.450000 lvl=debug thr=health ev=check be=b1 ok=0 "
                  "err=ECONNREFUSED", "ts=100.450000 lvl=debug thr=health "
                  "ev=check be=b1 ok=1 err=-");
    expect_result(f, SCENARIO_CHECK_HEALTH_EXACT, false,
                  "the check of b1 at t=0.450s passed, but b1 was not "
                  "running then");
    f->scenario.backends[1].blackhole = true;
    reload(&f->outcome.proxy, "ts=100.000000 ev=start threads=2\n"
           "ts=100.050000 ev=check be=b2 ok=1 err=-\n");
    expect_result(f, SCENARIO_CHECK_HEALTH_EXACT, false,
                  "the check of b2 at t=0.050s passed, but b2 was not "
                  "running then");
    fixture_free(f);
}

static CU_TestInfo check_health_tests[] = {
    { "health exact", test_health_exact },
    { "health exact fails on a check of a dead backend",
      test_health_exact_fails_on_a_check_of_a_dead_backend },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_health, check_health_tests)
