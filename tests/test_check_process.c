/*
 * test_check_process: stop clean, workers used, sessions<=D, fds stable,
 * proxy-rss<=B and proxy-rss-growth<=B (check_process.c) judged on
 * hand-written logs and timelines.
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

/* The base run's two samples with the memory given (rss_kb= each). */
static void set_rss(struct fixture *f, const char *first, const char *second)
{
    char *samples = edit(base_timeline, "ts=100.150000 ev=threads count=3\n",
                         first);
    char *both = edit(samples, "ts=100.250000 ev=threads count=3\n",
                      second);

    reload(&f->outcome.timeline, both);
    free(samples);
    free(both);
}

static struct check_verdict judge_rss(const struct fixture *f,
                                      enum scenario_check check, long bytes)
{
    struct scenario_expect e = expect_of(check);

    e.max_bytes = bytes;
    return judge(f, &e);
}

static void test_proxy_rss(void)
{
    struct fixture *f = fixture_base();
    struct check_verdict verdict;

    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS, 8L << 20);
    ASSERT_VERDICT(verdict, false, "too few samples: the runner read the "
                   "proxy's resident memory (VmRSS of /proc/PID/status) 0 "
                   "times, at least 1 is needed");
    set_rss(f, "ts=100.150000 ev=threads count=3 fds=9 rss_kb=4096\n",
            "ts=100.250000 ev=threads count=3 fds=9 rss_kb=6144\n");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS, 8L << 20);
    ASSERT_VERDICT(verdict, true, "the proxy's resident memory peaked at "
                   "6.0 MiB at t=0.250s (sample 2 of 2); allowed: 8M");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS, 6L << 20);
    ASSERT_VERDICT(verdict, true, "allowed: 6M");
    /* One KiB over the bound fails, and the peak is named, not the last. */
    set_rss(f, "ts=100.150000 ev=threads count=3 fds=9 rss_kb=6145\n",
            "ts=100.250000 ev=threads count=3 fds=9 rss_kb=4096\n");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS, 6L << 20);
    ASSERT_VERDICT(verdict, false, "the proxy's resident memory peaked at "
                   "6.0 MiB at t=0.150s (sample 1 of 2); above the bound "
                   "of 6M");
    /* A sample whose memory could not be read is no sample. */
    set_rss(f, "ts=100.150000 ev=threads count=3 fds=9 rss_kb=-1\n",
            "ts=100.250000 ev=threads count=3 fds=9 rss_kb=204800\n");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS, 64L << 20);
    ASSERT_VERDICT(verdict, false, "peaked at 200.0 MiB at t=0.250s (sample "
                   "1 of 1); above the bound of 64M");
    fixture_free(f);
}

static void test_proxy_rss_growth(void)
{
    struct fixture *f = fixture_base();
    struct check_verdict verdict;

    set_rss(f, "ts=100.150000 ev=threads count=3 fds=9 rss_kb=-1\n",
            "ts=100.250000 ev=threads count=3 fds=9 rss_kb=4096\n");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS_GROWTH, 16L << 20);
    ASSERT_VERDICT(verdict, false, "too few samples: the runner read the "
                   "proxy's resident memory (VmRSS of /proc/PID/status) 1 "
                   "time, at least 2 are needed");
    set_rss(f, "ts=100.150000 ev=threads count=3 fds=9 rss_kb=40960\n",
            "ts=100.250000 ev=threads count=3 fds=9 rss_kb=57344\n");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS_GROWTH, 16L << 20);
    ASSERT_VERDICT(verdict, true, "the proxy's resident memory peaked at "
                   "56.0 MiB at t=0.250s (sample 2 of 2), 16.0 MiB above its "
                   "first sample (40.0 MiB at t=0.150s); allowed growth: 16M");
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS_GROWTH, 15L << 20);
    ASSERT_VERDICT(verdict, false, "16.0 MiB above its first sample (40.0 "
                   "MiB at t=0.150s); above the allowed growth of 15M");
    /* The absolute form fails the same series: the start counts there. */
    verdict = judge_rss(f, SCENARIO_CHECK_PROXY_RSS, 32L << 20);
    ASSERT_VERDICT(verdict, false, "above the bound of 32M");
    fixture_free(f);
}

static CU_TestInfo check_process_tests[] = {
    { "stop clean", test_stop_clean },
    { "stop clean after stop proxy", test_stop_clean_after_stop_proxy },
    { "workers used", test_workers_used },
    { "sessions<=D", test_sessions_max },
    { "fds stable", test_fds_stable },
    { "proxy-rss<=B", test_proxy_rss },
    { "proxy-rss-growth<=B", test_proxy_rss_growth },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_process, check_process_tests)
