/*
 * test_check_clients: clients ok, clients failed<=N and no-lost-clients
 * (check_clients.c) judged on hand-written logs.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

/* --- clients ok, clients failed<=N ------------------------------------- */

static const char failing_clients[] =
    "ts=100.201000 ev=conn cid=1 local=127.0.0.1:50001 backend=b1 "
    "requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok\n"
    "ts=100.211000 ev=conn cid=2 local=127.0.0.1:50002 backend=b2 "
    "requests=2 ok=1 bytes_out=66 bytes_in=36 result=reset "
    "detail=\"connection reset by peer\"\n"
    "ts=100.221000 ev=conn cid=3 local=127.0.0.1:50003 backend=b1 "
    "requests=2 ok=1 bytes_out=66 bytes_in=36 result=closed "
    "detail=\"end of file after 1 of 2 replies\"\n"
    "ts=100.231000 ev=conn cid=4 local=127.0.0.1:50004 backend=b1 "
    "requests=1 ok=0 bytes_out=33 bytes_in=0 result=interrupted\n";

static void test_clients_ok(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_CLIENTS_OK, true,
                  "all 1 burst exited 0 (3 connections ok)");
    add_burst(f, failing_clients, 1, false);
    expect_result(f, SCENARIO_CHECK_CLIENTS_OK, false,
                  "burst 2 (line 11) exited 1: 2 connections failed "
                  "(reset 1, closed 1)");
    fixture_free(f);
}

static void test_clients_ok_skips_may_fail_bursts(void)
{
    struct fixture *f = fixture_base();

    add_burst(f, failing_clients, 1, true);
    expect_result(f, SCENARIO_CHECK_CLIENTS_OK, true, "all 1 burst exited 0");
    add_burst(f, "ts=100.1 ev=start clients=1\n", -1, false);
    expect_result(f, SCENARIO_CHECK_CLIENTS_OK, false,
                  "burst 3 (line 12) never ran");
    fixture_free(f);
}

static void test_clients_failed_limit(void)
{
    struct fixture *f = fixture_base();
    struct scenario_expect e = expect_of(SCENARIO_CHECK_CLIENTS_FAILED);
    struct check_verdict verdict;

    add_burst(f, failing_clients, 1, true);
    e.max_failed = 1;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "2 client connections failed (reset 1, "
                   "closed 1), more than the 1 allowed");
    e.max_failed = 2;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "2 client connections failed (reset 1, "
                   "closed 1), at most 2 allowed");
    fixture_free(f);
}

/* --- no-lost-clients --------------------------------------------------- */

static const char reset_line[] =
    "local=127.0.0.1:50002 backend=b2 requests=2 ok=1 bytes_out=66 "
    "bytes_in=36 result=reset";

static const char ok_line[] =
    "local=127.0.0.1:50002 backend=b2 requests=2 ok=2 bytes_out=66 "
    "bytes_in=72 result=ok";

/* Session 2's client was reset while b2 ran fine: a lost client. */
static struct fixture *fixture_reset_client(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.bursts[0].log, base_clients, ok_line,
                  reset_line);
    reload_edited(&f->outcome.proxy, base_proxy, "sid=2 be=b2 seq=5 active=0 "
                  "bytes_c2b=66 bytes_b2c=72 ms=100.000 reason=done",
                  "sid=2 be=b2 seq=5 active=0 bytes_c2b=66 bytes_b2c=36 "
                  "ms=100.000 reason=backend_reset");
    return f;
}

static void test_no_lost_clients_fails_on_an_unexplained_failure(void)
{
    struct fixture *f = fixture_reset_client();

    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "client 127.0.0.1:50002 (burst 1, session 2) failed with "
                  "reset at t=0.211s while b2 was up (the proxy closed the "
                  "session with reason backend_reset)");
    /* A fault on another connection of b2 explains nothing. */
    reload_edited(&f->outcome.backends[1], base_b2, "ts=100.209000",
                  "ts=100.150000 lvl=warn thr=main ev=fault kind=reset cid=7 "
                  "lines=1\nts=100.209000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "while b2 was up");
    fixture_free(f);
}

static void test_no_lost_clients_passes_without_failures(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "no client connection failed");
    fixture_free(f);
}

static void test_no_lost_clients_explained_by_a_timeline_fault(void)
{
    struct fixture *f = fixture_reset_client();

    reload_edited(&f->outcome.timeline, base_timeline, "ts=100.150000",
                  "ts=100.150000 ev=fault action=crash be=b2 line=12\n"
                  "ts=100.150000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "all 1 failed client connections are explained (1 by a "
                  "backend fault");
    /* Paused before the session connected, resumed after it ended. */
    reload_edited(&f->outcome.timeline, base_timeline, "ts=100.150000",
                  "ts=100.020000 ev=fault action=pause be=b2 line=12\n"
                  "ts=100.280000 ev=fault action=resume be=b2 line=13\n"
                  "ts=100.150000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true, "1 by a backend "
                  "fault");
    /* A crash of the other backend does not explain it. */
    reload_edited(&f->outcome.timeline, base_timeline, "ts=100.150000",
                  "ts=100.150000 ev=fault action=crash be=b1 line=12\n"
                  "ts=100.150000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "while b2 was up");
    fixture_free(f);
}

static void test_no_lost_clients_explained_by_a_backend_fault_line(void)
{
    struct fixture *f = fixture_reset_client();

    reload_edited(&f->outcome.backends[1], base_b2, "ts=100.209000",
                  "ts=100.150000 lvl=warn thr=main ev=fault kind=reset cid=1 "
                  "lines=1\nts=100.209000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "1 by a backend fault");
    reload_edited(&f->outcome.backends[1], base_b2, "ts=100.209000",
                  "ts=100.150000 lvl=warn thr=main ev=fault kind=crash "
                  "trigger=lines limit=3 lines=3\nts=100.209000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "1 by a backend fault");
    fixture_free(f);
}

static const char refused_client[] =
    "ts=100.101000 ev=conn cid=1 local=127.0.0.1:50001 backend=- "
    "requests=1 ok=0 bytes_out=33 bytes_in=0 result=closed\n"
    "ts=100.171000 ev=conn cid=2 local=127.0.0.1:50002 backend=b1 "
    "requests=1 ok=1 bytes_out=33 bytes_in=36 result=ok\n";

static void test_no_lost_clients_explained_by_no_backend(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", refused_proxy);
    add_burst(f, refused_client, 1, false);
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "(0 by a backend fault, 1 by no backend being up, 0 while "
                  "every backend was down, 0 by the proxy's idle timeout, 0 "
                  "by the client's behaviour, 0 by the proxy's queue timeout)");
    reload_edited(&f->outcome.proxy, refused_proxy,
                  "cand=\"b1:0/down b2:0/down\"", "cand=\"b1:0/down b2:0/up\"");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "client 127.0.0.1:50001 (burst 1, session 1) failed with "
                  "closed at t=0.101s: the proxy refused it (no backend) "
                  "while b2 was up");
    fixture_free(f);
}

static const char unaccepted_client[] =
    "ts=100.120000 ev=conn cid=3 local=- backend=- requests=0 ok=0 "
    "bytes_out=0 bytes_in=0 result=connect\n";

/* Never accepted: excused only while every backend was down. */
static void test_no_lost_clients_judges_unaccepted_clients(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", refused_proxy);
    add_burst(f, unaccepted_client, 1, false);
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "1 while every backend was down");
    reload_edited(&f->outcome.bursts[0].log, unaccepted_client,
                  "ts=100.120000", "ts=100.155000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "client - (burst 1) failed with connect at t=0.155s and "
                  "the proxy never accepted it, while b1 was up");
    fixture_free(f);
}

/* Session 2 closed by a 100 ms idle timeout while b2 still had a reply
 * to give: the scenario's setting, not a lost client. */
static void test_no_lost_clients_explained_by_the_idle_timeout(void)
{
    struct fixture *f = fixture_reset_client();

    set_proxy_option(f, "idle-timeout", "100ms");
    reload_edited(&f->outcome.proxy, base_proxy, "bytes_b2c=72 ms=100.000 "
                  "reason=done\nts=100.220000", "bytes_b2c=0 ms=100.000 "
                  "reason=idle_timeout\nts=100.220000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "while b2 was up (the proxy closed the session with reason "
                  "idle_timeout): no reply was still due, and no behaviour "
                  "of the client kept it quiet");
    reload_edited(&f->outcome.backends[1], base_b2, "ts=100.209000",
                  "ts=100.110400 lvl=debug thr=main ev=line cid=1 len=32 "
                  "delay_ms=500\nts=100.209000");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "1 by the proxy's idle timeout, 0 by the client's "
                  "behaviour, 0 by the proxy's queue timeout)");
    /* The same close 20 ms sooner came before the timeout was over. */
    reload_edited(&f->outcome.proxy, base_proxy, "ts=100.210000 lvl=info "
                  "thr=w1 ev=close sid=2 be=b2 seq=5 active=0 bytes_c2b=66 "
                  "bytes_b2c=72 ms=100.000 reason=done", "ts=100.190000 "
                  "lvl=info thr=w1 ev=close sid=2 be=b2 seq=5 active=0 "
                  "reason=idle_timeout");
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "reason idle_timeout): only 80 ms after its last reply, "
                  "less than the idle timeout (100 ms)");
    fixture_free(f);
}

/* A client that trickles its 33 bytes one every 50 ms cannot get its
 * reply within 1 s. */
static void test_no_lost_clients_explained_by_a_behaviour(void)
{
    struct fixture *f = fixture_reset_client();
    char *clients = edit(base_clients, "size=32", "size=32 timeout_ms=1000 "
                         "behaviour=\"trickle 50ms\"");
    char *timed_out = edit(clients, ok_line, "local=127.0.0.1:50002 "
                           "backend=- requests=1 ok=0 bytes_out=20 "
                           "bytes_in=0 end=- result=timeout "
                           "behaviour=trickle");

    reload(&f->outcome.bursts[0].log, timed_out);
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "0 by the proxy's idle timeout, 1 by the client's "
                  "behaviour, 0 by the proxy's queue timeout)");
    free(clients);
    clients = edit(timed_out, "timeout_ms=1000", "timeout_ms=5000");
    reload(&f->outcome.bursts[0].log, clients);
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "failed with timeout");
    free(clients);
    free(timed_out);
    fixture_free(f);
}

static CU_TestInfo check_clients_tests[] = {
    { "clients ok", test_clients_ok },
    { "clients ok skips may-fail bursts",
      test_clients_ok_skips_may_fail_bursts },
    { "clients failed limit", test_clients_failed_limit },
    { "no-lost-clients fails on an unexplained failure",
      test_no_lost_clients_fails_on_an_unexplained_failure },
    { "no-lost-clients passes without failures",
      test_no_lost_clients_passes_without_failures },
    { "no-lost-clients explained by a timeline fault",
      test_no_lost_clients_explained_by_a_timeline_fault },
    { "no-lost-clients explained by a backend fault line",
      test_no_lost_clients_explained_by_a_backend_fault_line },
    { "no-lost-clients explained by no backend",
      test_no_lost_clients_explained_by_no_backend },
    { "no-lost-clients judges unaccepted clients",
      test_no_lost_clients_judges_unaccepted_clients },
    { "no-lost-clients explained by the idle timeout",
      test_no_lost_clients_explained_by_the_idle_timeout },
    { "no-lost-clients explained by a behaviour",
      test_no_lost_clients_explained_by_a_behaviour },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_clients, check_clients_tests)
