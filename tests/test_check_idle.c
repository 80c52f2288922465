/*
 * test_check_idle: idle-closed within D (check_idle.c) judged on
 * hand-written logs: one session on b1, whose backend read two requests
 * and answered each 200 ms later, under a 300 ms idle timeout.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

/* The last reply is due at t=0.4005s; the close comes 310 ms later. */
static const char idle_proxy[] =
    "ts=100.000000 thr=main ev=start listen=127.0.0.1:8080\n"
    "ts=100.000100 thr=w0 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.000200 thr=w0 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.000300 thr=w0 ev=connected sid=1 be=b1 local=127.0.0.1:60001 "
    "ms=0.2\n"
    "ts=100.710500 thr=w0 ev=close sid=1 be=b1 seq=2 active=0 "
    "reason=idle_timeout\n";

static const char idle_b1[] =
    "ts=99.900000 ev=listen addr=127.0.0.1:9001 name=b1\n"
    "ts=100.000250 ev=accept cid=1 peer=127.0.0.1:60001\n"
    "ts=100.000500 ev=line cid=1 len=32 delay_ms=200\n"
    "ts=100.200600 ev=line cid=1 len=32 delay_ms=200\n"
    "ts=100.711000 ev=close cid=1 lines=2 reason=eof\n";

static struct fixture *fixture_idle(const char *proxy, const char *b1)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", proxy);
    load(&f->outcome.backends[0], "b1", b1);
    set_proxy_option(f, "idle-timeout", "300ms");
    return f;
}

static struct check_verdict judge_within(const struct fixture *f, long ms)
{
    struct scenario_expect e = expect_of(SCENARIO_CHECK_IDLE_CLOSED);

    e.within_ms = ms;
    return judge(f, &e);
}

static void test_idle_closed_on_time(void)
{
    struct fixture *f = fixture_idle(idle_proxy, idle_b1);
    struct check_verdict verdict = judge_within(f, 50);

    ASSERT_VERDICT(verdict, true, "1 session was closed by the idle "
                   "timeout, each within 50 ms of it");
    verdict = judge_within(f, 5);
    ASSERT_VERDICT(verdict, false, "session 1 was quiet for 310 ms before "
                   "its close at t=0.710s (reason idle_timeout), more than "
                   "the idle timeout 300 ms + 5 ms");
    fixture_free(f);
}

/* Closed 300 ms after the last request, not after its reply. */
static void test_idle_closed_too_early(void)
{
    char *proxy = edit(idle_proxy, "ts=100.710500", "ts=100.500700");
    struct fixture *f = fixture_idle(proxy, idle_b1);
    struct check_verdict verdict = judge_within(f, 100);

    ASSERT_VERDICT(verdict, false, "session 1 was closed by the idle "
                   "timeout at t=0.501s, only 100 ms after its last reply "
                   "(the timeout is 300 ms)");
    fixture_free(f);
    free(proxy);
}

/* A request the backend read late does not make a close early. */
static void test_idle_request_read_late(void)
{
    char *b1 = edit(idle_b1, "ts=100.200600 ev=line cid=1 len=32 "
                    "delay_ms=200", "ts=100.200600 ev=line cid=1 len=32 "
                    "delay_ms=600");
    char *proxy = edit(idle_proxy, "ts=100.710500", "ts=100.505000");
    struct fixture *f = fixture_idle(proxy, b1);
    struct check_verdict verdict = judge_within(f, 100);

    /* Its reply was due after the close: the session was quiet from
     * the first reply (t=0.2005s) until the close. */
    ASSERT_VERDICT(verdict, true, "1 session was closed");
    fixture_free(f);
    free(proxy);
    free(b1);
}

/* A session the timeout missed: the client ended it 2 s later. */
static void test_idle_closed_missed(void)
{
    char *proxy = edit(idle_proxy, "ts=100.710500 thr=w0 ev=close sid=1 be=b1 "
                       "seq=2 active=0 reason=idle_timeout",
                       "ts=102.400500 thr=w0 ev=close sid=1 be=b1 seq=2 "
                       "active=0 reason=done");
    struct fixture *f = fixture_idle(proxy, idle_b1);
    struct check_verdict verdict = judge_within(f, 100);

    ASSERT_VERDICT(verdict, false, "session 1 was quiet for 2000 ms before "
                   "its close");
    ASSERT_VERDICT(verdict, false, "(reason done), more than the idle "
                   "timeout 300 ms + 100 ms");
    fixture_free(f);
    free(proxy);
}

static void test_idle_closed_nothing_shown(void)
{
    struct fixture *f = fixture_base();
    struct check_verdict verdict;

    set_proxy_option(f, "idle-timeout", "300ms");
    verdict = judge_within(f, 100);
    ASSERT_VERDICT(verdict, false, "no session was closed by the idle "
                   "timeout (reason=idle_timeout): nothing was shown");
    fixture_free(f);
}

static CU_TestInfo check_idle_tests[] = {
    { "idle-closed on time", test_idle_closed_on_time },
    { "idle-closed too early", test_idle_closed_too_early },
    { "idle-closed: a request read late", test_idle_request_read_late },
    { "idle-closed: a session the timeout missed", test_idle_closed_missed },
    { "idle-closed: nothing shown", test_idle_closed_nothing_shown },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_idle, check_idle_tests)
