/*
 * test_check_hol: no-hol [burst=N] (check_hol.c) judged on hand-written
 * logs: a slow session of burst 1 and a fast one of burst 2 on worker w0.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

/* Session 1 (burst 1) holds w0 until t=1.0s; session 2 (burst 2) starts
 * at t=0.2s on w0 and closes at t=0.25s. */
static const char hol_proxy[] =
    "ts=100.000000 thr=main ev=start listen=127.0.0.1:8080\n"
    "ts=100.001000 thr=w0 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.001100 thr=w0 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.001300 thr=w0 ev=connected sid=1 be=b1 local=127.0.0.1:60001 "
    "ms=0.3\n"
    "ts=100.201000 thr=w0 ev=accept sid=2 client=127.0.0.1:50002\n"
    "ts=100.201100 thr=w0 ev=pick sid=2 seq=2 be=b2 cand=\"b1:1/up b2:0/up\"\n"
    "ts=100.201300 thr=w0 ev=connected sid=2 be=b2 local=127.0.0.1:60002 "
    "ms=0.3\n"
    "ts=100.250000 thr=w0 ev=close sid=2 be=b2 seq=3 active=0 reason=done\n"
    "ts=101.000000 thr=w0 ev=close sid=1 be=b1 seq=4 active=0 reason=done\n";

static const char hol_timeline[] =
    "ts=100.000000 ev=proxy_start pid=1 port=8080\n"
    "ts=100.000500 ev=burst_start burst=0 clients=1 line=10\n"
    "ts=100.200000 ev=burst_start burst=1 clients=1 line=11\n";

/* The fixture with burst 2's client log given. */
static struct fixture *fixture_hol_burst2(const char *proxy,
                                          const char *burst2_log)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", proxy);
    load(&f->outcome.timeline, "timeline", hol_timeline);
    add_burst(f, "ts=101.001 ev=conn cid=1 local=127.0.0.1:50001 "
              "result=ok\n", 0, false);
    add_burst(f, burst2_log, 0, false);
    f->scenario.events[0].burst.clients = 1;
    f->scenario.events[1].burst.clients = 1;
    return f;
}

static struct fixture *fixture_hol(const char *proxy)
{
    return fixture_hol_burst2(proxy, "ts=100.251 ev=conn cid=1 "
                              "local=127.0.0.1:50002 result=ok\n");
}

static void test_hol_fast_client_first(void)
{
    struct fixture *f = fixture_hol(hol_proxy);
    struct scenario_expect e = expect_of(SCENARIO_CHECK_NO_HOL);
    struct check_verdict verdict;

    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "1 session started behind an open session "
                   "of an earlier burst on their worker, and each closed "
                   "first (1 pairs)");
    e.burst = 2;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "of another burst");
    /* Burst 1 started before burst 2: it has no session to overtake. */
    e.burst = 1;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "no client started while a session of "
                   "another burst was open on the worker that took it: "
                   "nothing was judged");
    fixture_free(f);
}

static void test_hol_fast_client_waited(void)
{
    char *proxy = edit(hol_proxy, "ts=100.250000", "ts=101.100000");
    struct fixture *f = fixture_hol(proxy);

    expect_result(f, SCENARIO_CHECK_NO_HOL, false, "session 2 (burst 2) "
                  "started at t=0.200s on w0 while session 1 (burst 1, "
                  "accepted at t=0.001s) was open there, and closed at "
                  "t=1.100s, after session 1 closed (t=1.000s): it waited "
                  "behind it");
    fixture_free(f);
    free(proxy);
}

/* A blocked worker logs the accept late: the start counts, not the
 * accept line. */
static void test_hol_start_not_accept(void)
{
    char *late = edit(hol_proxy, "ts=100.201000 thr=w0 ev=accept sid=2",
                      "ts=101.050000 thr=w0 ev=accept sid=2");
    char *proxy = edit(late, "ts=100.250000", "ts=101.100000");
    struct fixture *f = fixture_hol(proxy);

    expect_result(f, SCENARIO_CHECK_NO_HOL, false, "session 2 (burst 2) "
                  "started at t=0.200s on w0");
    fixture_free(f);
    free(proxy);
    free(late);
}

/* A client program that was slow to start (valgrind, a loaded machine)
 * starts its ramp at its own start line, not at the runner's
 * burst_start. */
static void test_hol_client_program_start(void)
{
    char *proxy = edit(hol_proxy, "ts=100.250000", "ts=101.100000");
    struct fixture *f = fixture_hol_burst2(proxy,
        "ts=100.190 ev=start clients=1\n"
        "ts=101.101 ev=conn cid=1 local=127.0.0.1:50002 result=ok\n");

    expect_result(f, SCENARIO_CHECK_NO_HOL, false, "session 2 (burst 2) "
                  "started at t=0.190s on w0");
    fixture_free(f);
    free(proxy);
}

/* Sessions on two workers do not wait for each other. */
static void test_hol_other_worker(void)
{
    char *proxy = edit(hol_proxy, "thr=w0 ev=accept sid=2",
                       "thr=w1 ev=accept sid=2");
    struct fixture *f = fixture_hol(proxy);

    expect_result(f, SCENARIO_CHECK_NO_HOL, false, "nothing was judged");
    fixture_free(f);
    free(proxy);
}

/* With a ramp, a client's start is its burst's start plus its place. */
static void test_hol_ramp(void)
{
    char *proxy = edit(hol_proxy, "ts=100.250000", "ts=101.100000");
    struct fixture *f = fixture_hol(proxy);
    struct outcome_burst *b = &f->outcome.bursts[1];

    reload(&b->log, "ts=101.101 ev=conn cid=2 local=127.0.0.1:50002 "
           "result=ok\n");
    f->scenario.events[1].burst.clients = 2;
    f->scenario.events[1].burst.ramp_ms = 2000;
    /* cid 2 of 2 starts at 0.2s + 1s, after session 1 closed. */
    expect_result(f, SCENARIO_CHECK_NO_HOL, false, "nothing was judged");
    f->scenario.events[1].burst.ramp_ms = 1000;
    expect_result(f, SCENARIO_CHECK_NO_HOL, false, "started at t=0.700s");
    fixture_free(f);
    free(proxy);
}

static CU_TestInfo check_hol_tests[] = {
    { "no-hol: the fast client finished first", test_hol_fast_client_first },
    { "no-hol: the fast client waited", test_hol_fast_client_waited },
    { "no-hol: the start counts, not the accept", test_hol_start_not_accept },
    { "no-hol: the client program's own start line",
      test_hol_client_program_start },
    { "no-hol: another worker", test_hol_other_worker },
    { "no-hol: ramp", test_hol_ramp },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_hol, check_hol_tests)
