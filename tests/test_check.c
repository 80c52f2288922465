/*
 * test_check: what check.c judges itself (share, compare, expect-fail, the
 * backend table, whether a run's logs are whole) on hand-written logs.
 * The other expectations have a suite per module that judges them:
 * test_check_balancer.c, test_check_relay.c, test_check_clients.c,
 * test_check_timeline.c.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <string.h>

#include "check_fixture.h"
#include "testlib.h"

/* --- share and compare ------------------------------------------------- */

static void test_share(void)
{
    struct fixture *f = fixture_base();
    struct scenario_expect e = expect_of(SCENARIO_CHECK_SHARE);
    struct check_verdict verdict;

    e.backend = 0;
    e.share_pct = 66;
    e.tolerance_pct = 5;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "b1 got 2 of 3 connected sessions (66.7%)");
    e.share_pct = 50;
    e.tolerance_pct = 10;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b1 got 2 of 3 connected sessions "
                   "(66.7%), expected 50%±10%");
    e.backend = 1;
    e.share_pct = 30;
    e.tolerance_pct = 3.4;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "b2 got 1 of 3");
    e.share_pct = 50;
    e.tolerance_pct = 10;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b2 got 1 of 3 connected sessions "
                   "(33.3%), expected 50%±10%");
    fixture_free(f);
}

static void test_compare(void)
{
    struct fixture *f = fixture_base();
    struct scenario_expect e = expect_of(SCENARIO_CHECK_COMPARE);
    struct check_verdict verdict;

    e.backend = 0;
    e.other = 1;
    e.op = '>';
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "b1 had 2 connected sessions and b2 had 1, "
                   "so b1 > b2 holds");
    e.op = '<';
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "so b1 < b2 is false");
    e.backend = 1;
    e.other = 1;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "b2 < b2 is false");
    fixture_free(f);
}

/* --- expect-fail, the table ------------------------------------------- */

static bool starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void test_expect_fail_inverts_the_verdict(void)
{
    struct fixture *f = fixture_base();
    struct scenario_expect e = expect_of(SCENARIO_CHECK_LEASTCONN);
    struct check_verdict verdict;

    e.expect_fail = true;
    verdict = judge(f, &e);
    CU_ASSERT_TRUE(verdict.passed);
    CU_ASSERT_FALSE(verdict.ok);
    CU_ASSERT_TRUE(starts_with(verdict.reason,
                               "should have failed, but all 3 picks"));
    reload_edited(&f->outcome.proxy, base_proxy, "seq=2 be=b2", "seq=2 be=b1");
    verdict = judge(f, &e);
    CU_ASSERT_FALSE(verdict.passed);
    CU_ASSERT_TRUE(verdict.ok);
    CU_ASSERT_STRING_EQUAL(verdict.reason, "failed as expected: pick 2 (sid "
                           "2, t=0.110s) chose b1 with 1 active while b2 "
                           "had 0");
    fixture_free(f);
}

static void test_backend_table(void)
{
    struct fixture *f = fixture_base();
    struct check_backend_row rows[SCENARIO_MAX_BACKENDS];

    check_backend_table(&f->outcome, rows);
    CU_ASSERT_EQUAL(rows[0].connections, 2);
    CU_ASSERT_EQUAL(rows[1].connections, 1);
    CU_ASSERT_DOUBLE_EQUAL(rows[0].share_pct, 200.0 / 3, 0.001);
    CU_ASSERT_DOUBLE_EQUAL(rows[1].share_pct, 100.0 / 3, 0.001);
    CU_ASSERT_EQUAL(rows[0].peak_active, 2);
    CU_ASSERT_EQUAL(rows[1].peak_active, 1);
    CU_ASSERT_EQUAL(rows[0].picks, 2);
    CU_ASSERT_EQUAL(rows[1].picks, 1);
    CU_ASSERT_EQUAL(rows[0].failures, 0);
    reload(&f->outcome.proxy, retry_proxy);
    check_backend_table(&f->outcome, rows);
    CU_ASSERT_EQUAL(rows[0].failures, 1);
    CU_ASSERT_EQUAL(rows[0].connections, 0);
    CU_ASSERT_EQUAL(rows[1].connections, 1);
    CU_ASSERT_DOUBLE_EQUAL(rows[1].share_pct, 100.0, 0.001);
    fixture_free(f);
}

/* --- lost log lines ---------------------------------------------------- */

/* A whole run is judged; a run whose logs say they lost lines is not, and
 * the reason names every process that lost some, with the count. */
static void test_logs_whole(void)
{
    struct fixture *f = fixture_base();
    char why[256] = "";
    char *proxy = edit(base_proxy, "ts=100.300000 lvl=info thr=main ev=stop",
                       "ts=100.250000 lvl=warn thr=w0 ev=log_dropped n=5\n"
                       "ts=100.290000 lvl=warn thr=w1 ev=log_dropped n=7\n"
                       "ts=100.300000 lvl=info thr=main ev=stop");

    CU_ASSERT_TRUE(check_logs_whole(&f->outcome, why, sizeof(why)));
    CU_ASSERT_STRING_EQUAL(why, "");
    reload(&f->outcome.proxy, proxy);
    CU_ASSERT_FALSE(check_logs_whole(&f->outcome, why, sizeof(why)));
    CU_ASSERT_STRING_EQUAL(why, "proxy_server's log lost 12 lines "
                           "(ev=log_dropped), so the run is not judged: "
                           "every check would read a partial log");
    reload_edited(&f->outcome.backends[1], base_b2, "ts=100.209000",
                  "ts=100.208000 lvl=warn thr=main ev=log_dropped n=1\n"
                  "ts=100.209000");
    CU_ASSERT_FALSE(check_logs_whole(&f->outcome, why, sizeof(why)));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "proxy_server's log lost 12 lines, "
                                       "backend b2's log lost 1 line "));
    reload(&f->outcome.proxy, base_proxy);
    reload_edited(&f->outcome.backends[1], base_b2, "ts=100.209000",
                  "ts=100.208000 lvl=warn thr=main ev=log_dropped\n"
                  "ts=100.209000");
    CU_ASSERT_FALSE(check_logs_whole(&f->outcome, why, sizeof(why)));
    CU_ASSERT_STRING_EQUAL(why, "backend b2's log lost at least 1 line "
                           "(ev=log_dropped), so the run is not judged: "
                           "every check would read a partial log");
    free(proxy);
    fixture_free(f);
}

static CU_TestInfo check_tests[] = {
    { "share", test_share },
    { "compare", test_compare },
    { "expect-fail inverts the verdict", test_expect_fail_inverts_the_verdict },
    { "backend table", test_backend_table },
    { "logs whole", test_logs_whole },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check, check_tests)
