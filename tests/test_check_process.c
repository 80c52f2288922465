/*
 * test_check_process: stop clean, workers used, sessions<=D and fds stable
 * (check_process.c) judged on hand-written logs and timelines.
 */
#include <CUnit/CUnit.h>

#include "check_fixture.h"
#include "testlib.h"

/* --- stop clean, workers used, sessions<=D, fds stable ----------------- */

static void test_stop_clean(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_STOP_CLEAN, true,
                  "the proxy exited 0 after SIGTERM and all 3 sessions had "
                  "ended by themselves");
    f->outcome.proxy_exit_status = 143;
    expect_result(f, SCENARIO_CHECK_STOP_CLEAN, false,
                  "the proxy exited with status 143 after SIGTERM");
    f->outcome.proxy_exit_status = 0;
    reload_edited(&f->outcome.proxy, base_proxy, "reason=done\n"
                  "ts=100.210000", "reason=shutdown\nts=100.210000");
    expect_result(f, SCENARIO_CHECK_STOP_CLEAN, false,
                  "session 1 (b1) was cut by the stop (reason=shutdown at "
                  "t=0.200s), although every client had ended");
    reload_edited(&f->outcome.proxy, base_proxy, "status=clean",
                  "status=error");
    expect_result(f, SCENARIO_CHECK_STOP_CLEAN, false,
                  "no 'stop status=clean' line");
    fixture_free(f);
}

/* After "stop proxy", sessions may be cut once the grace (1s) is over. */
static void test_stop_clean_after_stop_proxy(void)
{
    struct fixture *f = fixture_base();
    char *cut = edit(base_proxy, "reason=done\nts=100.210000",
                     "reason=shutdown\nts=100.210000");

    reload(&f->outcome.proxy, cut);
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads", "ts=100.150000 ev=proxy_stop "
                  "line=9\nts=100.150000 ev=threads");
    expect_result(f, SCENARIO_CHECK_STOP_CLEAN, false,
                  "session 1 (b1) was cut by the stop (reason=shutdown) "
                  "0.050s after the SIGTERM, before the grace of 1.000s");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads", "ts=99.150000 ev=proxy_stop "
                  "line=9\nts=100.150000 ev=threads");
    expect_result(f, SCENARIO_CHECK_STOP_CLEAN, true, "exited 0");
    free(cut);
    fixture_free(f);
}

static void test_workers_used(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_WORKERS_USED, true,
                  "the sessions ran on 2 threads (w0: 2, w1: 1); the proxy "
                  "was started with 2 workers");
    reload_edited(&f->outcome.proxy, base_proxy,
                  "thr=w1 ev=accept sid=2", "thr=w0 ev=accept sid=2");
    expect_result(f, SCENARIO_CHECK_WORKERS_USED, false,
                  "the sessions ran on 1 thread (w0: 3)");
    fixture_free(f);
}

static void test_sessions_max(void)
{
    struct fixture *f = fixture_base();
    struct scenario_expect e = expect_of(SCENARIO_CHECK_SESSIONS_MAX);
    struct check_verdict verdict;

    e.within_ms = 101;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, true, "the longest session, 1 (closed with "
                   "reason=done), lasted 0.100s; allowed: 0.101s");
    e.within_ms = 99;
    verdict = judge(f, &e);
    ASSERT_VERDICT(verdict, false, "lasted 0.100s; allowed: 0.099s");
    fixture_free(f);
}

static void test_fds_stable(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_FDS_STABLE, false,
                  "could not count the proxy's descriptors");
    reload_edited(&f->outcome.timeline, base_timeline, "threads count=3\n"
                  "ts=100.230000", "threads count=3 fds=14\nts=100.230000");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads count=3",
                  "ts=100.150000 ev=threads count=3 fds=14\n"
                  "ts=100.260000 ev=threads count=3 fds=16");
    expect_result(f, SCENARIO_CHECK_FDS_STABLE, true,
                  "held 14 descriptors after its start and 16 at the end, "
                  "once its 3 sessions had closed (allowed: 2 more");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads count=3",
                  "ts=100.150000 ev=threads count=3 fds=14\n"
                  "ts=100.260000 ev=threads count=3 fds=17");
    expect_result(f, SCENARIO_CHECK_FDS_STABLE, false,
                  "14 descriptors after its start and 17 at the end");
    fixture_free(f);
}

static CU_TestInfo check_process_tests[] = {
    { "stop clean", test_stop_clean },
    { "stop clean after stop proxy", test_stop_clean_after_stop_proxy },
    { "workers used", test_workers_used },
    { "sessions<=D", test_sessions_max },
    { "fds stable", test_fds_stable },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_process, check_process_tests)
