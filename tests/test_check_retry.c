/*
 * test_check_retry: retried (check_retry.c) judged on hand-written logs:
 * b1 refuses session 1, which is retried on b2 (retry_proxy in
 * check_fixture.h).
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

static const char served_client[] =
    "ts=100.201000 ev=conn cid=1 local=127.0.0.1:50001 backend=b2 "
    "requests=1 ok=1 result=ok\n";

static struct fixture *fixture_retry(const char *proxy, const char *client)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", proxy);
    add_burst(f, client, 0, false);
    return f;
}

static void test_retried_and_served(void)
{
    struct fixture *f = fixture_retry(retry_proxy, served_client);

    expect_result(f, SCENARIO_CHECK_RETRIED, true, "1 session whose connect "
                  "failed was retried on another backend and served (0 "
                  "refused with no backend up)");
    fixture_free(f);
}

static void test_retried_client_failed(void)
{
    char *client = edit(served_client, "result=ok", "result=closed");
    struct fixture *f = fixture_retry(retry_proxy, client);

    expect_result(f, SCENARIO_CHECK_RETRIED, false, "session 1: the connect "
                  "to b1 failed (ECONNREFUSED, t=0.100s), and it was retried "
                  "on b2, but its client (burst 1) failed with closed");
    fixture_free(f);
    free(client);
}

static void test_not_retried(void)
{
    static const char proxy[] =
        "ts=100.100000 ev=accept sid=1 client=127.0.0.1:50001\n"
        "ts=100.100100 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
        "ts=100.100200 ev=connect_fail sid=1 be=b1 seq=2 active=0 "
        "err=ETIMEDOUT attempt=1\n"
        "ts=100.100300 ev=close sid=1 be=- ms=0.3 reason=connect_timeout\n";
    struct fixture *f = fixture_retry(proxy, served_client);

    expect_result(f, SCENARIO_CHECK_RETRIED, false, "session 1: the connect "
                  "to b1 failed (ETIMEDOUT, t=0.100s), and it was not "
                  "retried (it closed with reason connect_timeout)");
    fixture_free(f);
}

static void test_retried_on_the_same_backend(void)
{
    char *proxy = edit(retry_proxy, "connected sid=1 be=b2",
                       "connected sid=1 be=b1");
    struct fixture *f = fixture_retry(proxy, served_client);

    expect_result(f, SCENARIO_CHECK_RETRIED, false, "it was retried on b1, "
                  "where its connect had failed");
    fixture_free(f);
    free(proxy);
}

/* The retry picks the backend that failed; its second try works. */
static void test_retry_picked_the_failed_backend(void)
{
    char *proxy = edit(retry_proxy, "pick sid=1 seq=4 be=b2 cand=\"b1:0/down "
                       "b2:0/up\"", "pick sid=1 seq=4 be=b1 cand=\"b1:0/up "
                       "b2:0/up\"");
    struct fixture *f = fixture_retry(proxy, served_client);

    expect_result(f, SCENARIO_CHECK_RETRIED, false, "session 1: the connect "
                  "to b1 failed (ECONNREFUSED, t=0.100s), and a retry "
                  "picked b1 again (t=0.100s)");
    fixture_free(f);
    free(proxy);
}

static void test_retry_refused(void)
{
    static const char none_up[] =
        "ts=100.100000 ev=accept sid=1 client=127.0.0.1:50001\n"
        "ts=100.100100 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/down\"\n"
        "ts=100.100200 ev=connect_fail sid=1 be=b1 seq=2 active=0 "
        "err=ECONNREFUSED attempt=1\n"
        "ts=100.100300 ev=retry sid=1 attempt=2\n"
        "ts=100.100400 ev=no_backend sid=1 seq=3 cand=\"b1:0/tried "
        "b2:0/down\"\n"
        "ts=100.100500 ev=close sid=1 be=- ms=0.5 reason=no_backend\n";
    char *b2_up = edit(none_up, "b2:0/down\"\nts=100.100500",
                       "b2:0/up\"\nts=100.100500");
    struct fixture *f = fixture_retry(none_up, served_client);

    expect_result(f, SCENARIO_CHECK_RETRIED, true, "(1 refused with no "
                  "backend up)");
    reload(&f->outcome.proxy, b2_up);
    expect_result(f, SCENARIO_CHECK_RETRIED, false, "it was retried but "
                  "never connected (it closed with reason no_backend)");
    fixture_free(f);
    free(b2_up);
}

static void test_retried_nothing_shown(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_RETRIED, false, "no connect to a backend "
                  "failed, so no retry was shown");
    fixture_free(f);
}

static CU_TestInfo check_retry_tests[] = {
    { "retried and served", test_retried_and_served },
    { "retried, client failed", test_retried_client_failed },
    { "not retried", test_not_retried },
    { "retried on the same backend", test_retried_on_the_same_backend },
    { "retry picked the failed backend",
      test_retry_picked_the_failed_backend },
    { "retry refused with none up", test_retry_refused },
    { "retried: nothing shown", test_retried_nothing_shown },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_retry, check_retry_tests)
