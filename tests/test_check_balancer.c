/*
 * test_check_balancer: leastconn and counts zero (check_balancer.c, with
 * the replay of check_replay.c and the cand lists of check_cand.c) judged
 * on hand-written logs, and on a generated log of 50,000 picks.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_fixture.h"
#include "testlib.h"

/* --- leastconn --------------------------------------------------------- */

static void test_leastconn_passes_on_a_correct_log(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_LEASTCONN, true,
                  "all 3 picks chose a least-loaded backend");
    fixture_free(f);
}

/* Workers write after the lock is released: file order is not seq order. */
static void test_leastconn_sorts_by_seq(void)
{
    struct fixture *f = fixture_base();
    char *moved = edit(base_proxy,
                       "ts=100.200000 lvl=info thr=w0 ev=close sid=1 be=b1 "
                       "seq=4 active=1 bytes_c2b=66 bytes_b2c=72 ms=100.000 "
                       "reason=done\n", "");
    char *text = edit(moved, "ts=100.300000",
                      "ts=100.200000 lvl=info thr=w0 ev=close sid=1 be=b1 "
                      "seq=4 active=1 bytes_c2b=66 bytes_b2c=72 ms=100.000 "
                      "reason=done\nts=100.300000");

    reload(&f->outcome.proxy, text);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 3 picks");
    free(moved);
    free(text);
    fixture_free(f);
}

static void test_leastconn_fails_on_a_wrong_pick(void)
{
    struct fixture *f = fixture_base();
    struct scenario_expect e = expect_of(SCENARIO_CHECK_LEASTCONN);
    struct check_verdict verdict;

    reload_edited(&f->outcome.proxy, base_proxy,
                  "seq=2 be=b2 cand=\"b1:1/up b2:0/up\"",
                  "seq=2 be=b1 cand=\"b1:1/up b2:0/up\"");
    verdict = judge(f, &e);
    CU_ASSERT_FALSE(verdict.passed);
    CU_ASSERT_STRING_EQUAL(verdict.reason, "pick 2 (sid 2, t=0.110s) chose "
                           "b1 with 1 active while b2 had 0");
    fixture_free(f);
}

static const char weighted_proxy[] =
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up/w3 b2:0/up\"\n"
    "ts=100.110000 ev=pick sid=2 seq=2 be=b2 cand=\"b1:1/up/w3 b2:0/up\"\n"
    "ts=100.120000 ev=pick sid=3 seq=3 be=b1 cand=\"b1:1/up/w3 b2:1/up\"\n"
    "ts=100.130000 ev=pick sid=4 seq=4 be=b1 cand=\"b1:2/up/w3 b2:1/up\"\n";

/* 2 active at weight 3 is less loaded than 1 at weight 1. */
static void test_leastconn_honours_weights(void)
{
    struct fixture *f = fixture_empty(2);

    f->scenario.backends[0].weight = 3;
    load(&f->outcome.proxy, "proxy", weighted_proxy);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 4 picks");
    reload_edited(&f->outcome.proxy, weighted_proxy,
                  "seq=4 be=b1 cand=\"b1:2/up/w3 b2:1/up\"",
                  "seq=4 be=b2 cand=\"b1:2/up/w3 b2:1/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 4 (sid 4, t=0.130s) chose b2 with 1 active at "
                  "weight 1 while b1 had 2 at weight 3");
    fixture_free(f);
}

static void test_leastconn_fails_on_a_miscounted_cand(void)
{
    struct fixture *f = fixture_base();

    /* The proxy logged the count after its own increment. */
    reload_edited(&f->outcome.proxy, base_proxy, "cand=\"b1:1/up b2:1/up\"",
                  "cand=\"b1:1/up b2:2/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 3 (sid 3, t=0.120s) logged b2 with 2 active, but "
                  "the log's own picks and releases give 1");
    fixture_free(f);
}

static void test_leastconn_fails_on_a_missing_seq(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy,
                  "ts=100.210000 lvl=info thr=w1 ev=close sid=2 be=b2 seq=5 "
                  "active=0 bytes_c2b=66 bytes_b2c=72 ms=100.000 "
                  "reason=done\n", "");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "seq 5 is missing from the log: a balancer event was not "
                  "logged");
    fixture_free(f);
}

static void test_leastconn_fails_on_a_duplicate_seq(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "sid=2 be=b2 seq=5",
                  "sid=2 be=b2 seq=4");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "seq 4 appears twice in the log");
    fixture_free(f);
}

static void test_leastconn_fails_without_picks(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy",
         "ts=100.000000 lvl=info thr=main ev=start listen=127.0.0.1:8080\n");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "no picks in the proxy log");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false, "no picks");
    fixture_free(f);
}

static const char down_proxy[] =
    "ts=100.050000 ev=backend_down be=b1 seq=1 reason=check_failed "
    "err=ECONNREFUSED\n"
    "ts=100.100000 ev=pick sid=1 seq=2 be=b2 cand=\"b1:0/down b2:0/up\"\n"
    "ts=100.110000 ev=pick sid=2 seq=3 be=b2 cand=\"b1:0/down b2:1/up\"\n"
    "ts=100.200000 ev=backend_up be=b1 seq=4 reason=check_ok\n"
    "ts=100.210000 ev=pick sid=3 seq=5 be=b1 cand=\"b1:0/up b2:2/up\"\n";

/* Down backends are skipped even with fewer sessions; states replay. */
static void test_leastconn_replays_backend_states(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", down_proxy);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 3 picks");
    reload_edited(&f->outcome.proxy, down_proxy, "seq=3 be=b2 cand=\"b1:0/down",
                  "seq=3 be=b2 cand=\"b1:0/full");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 3 (sid 2, t=0.110s) logged b1 as full, but the log's "
                  "own events leave it down (ev=backend_down at seq 1");
    reload_edited(&f->outcome.proxy, down_proxy,
                  "seq=2 be=b2 cand=\"b1:0/down b2:0/up\"",
                  "seq=2 be=b1 cand=\"b1:0/down b2:0/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 2 (sid 1, t=0.100s) chose b1, which it logged as "
                  "down");
    fixture_free(f);
}

static void test_leastconn_judges_no_backend(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", refused_proxy);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 1 picks");
    reload_edited(&f->outcome.proxy, refused_proxy,
                  "ts=100.020000 ev=backend_down be=b2 seq=2",
                  "ts=100.020000 ev=backend_up be=b2 seq=2");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "logged b2 as down, but the log's own events leave it "
                  "eligible (up, full or tried) (ev=backend_up at seq 2");
    reload_edited(&f->outcome.proxy, refused_proxy,
                  "cand=\"b1:0/down b2:0/down\"", "cand=\"b1:0/down b2:0/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false, "up");
    fixture_free(f);
}

static void test_leastconn_fails_on_a_refusal_with_a_backend_up(void)
{
    struct fixture *f = fixture_empty(2);
    char *text = edit(refused_proxy, "ts=100.020000 ev=backend_down be=b2 "
                      "seq=2 reason=check_failed\n",
                      "ts=100.020000 ev=backend_up be=b2 seq=2 "
                      "reason=check_ok\n");
    char *edited = edit(text, "cand=\"b1:0/down b2:0/down\"",
                        "cand=\"b1:0/down b2:0/up\"");

    reload(&f->outcome.proxy, edited);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "no_backend 3 (sid 1, t=0.100s) refused the client while "
                  "b2 was up with 0 active");
    free(text);
    free(edited);
    fixture_free(f);
}

static void test_leastconn_fails_on_a_wrong_release_count(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "seq=4 active=1",
                  "seq=4 active=0");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "close 4 (sid 1, t=0.200s) logged b1 with 0 active after "
                  "its release, but the log's own picks and releases give 1");
    fixture_free(f);
}

static void test_leastconn_fails_on_an_unreadable_cand(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "cand=\"b1:1/up b2:0/up\"",
                  "cand=\"b1:1/up b2:zero/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 2 (sid 2, t=0.110s) has no readable cand list");
    reload_edited(&f->outcome.proxy, base_proxy, "cand=\"b1:1/up b2:0/up\"",
                  "cand=\"b1:1/up b9:0/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "lists b9, a backend the proxy never declared");
    fixture_free(f);
}

/* --- counts zero ------------------------------------------------------- */

static void test_counts_zero_passes(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, true,
                  "all 3 picks were released exactly once; every backend "
                  "ends with 0 active");
    reload(&f->outcome.proxy, retry_proxy);
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, true, "all 2 picks");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 2 picks");
    fixture_free(f);
}

static void test_counts_zero_fails_on_an_unreleased_pick(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy,
                  "ts=100.220000 lvl=info thr=w0 ev=close sid=3 be=b1 seq=6 "
                  "active=0 bytes_c2b=66 bytes_b2c=72 ms=100.000 "
                  "reason=done\n", "");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false,
                  "session 3 picked b1 (seq 3, t=0.120s) and never released "
                  "it");
    /* The replay's own view agrees: leastconn still passes. */
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 3 picks");
    fixture_free(f);
}

static void test_counts_zero_fails_on_a_double_release(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "ts=100.300000",
                  "ts=100.250000 lvl=info thr=w0 ev=close sid=3 be=b1 seq=7 "
                  "active=-1 bytes_c2b=66 bytes_b2c=72 ms=100.000 "
                  "reason=done\nts=100.300000");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false,
                  "session 3 released b1 at seq 7 (close) without holding a "
                  "pick of it");
    fixture_free(f);
}

/* A connect_fail logged without its release (lab 4: balancer_release
 * forgotten, the change's zeroed seq logged): named as such, not as a
 * release counted twice. */
static void test_counts_zero_fails_on_a_release_numbered_zero(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "ts=100.120300",
                  "ts=100.120200 lvl=warn thr=w0 ev=connect_fail sid=3 be=b1 "
                  "seq=0 active=0 err=ECONNREFUSED attempt=1\n"
                  "ts=100.120300");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false,
                  "session 3 logged connect_fail for b1 with seq=0, the "
                  "number of no decision (they start at 1): its pick was "
                  "never given back to the balancer");
    fixture_free(f);
}

static void test_counts_zero_fails_on_a_release_of_another_backend(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "sid=2 be=b2 seq=5",
                  "sid=2 be=b1 seq=5");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false,
                  "session 2 picked b2 (seq 2) but released b1 (seq 5)");
    fixture_free(f);
}

/* A count moved outside pick and release (lab 3: a choice that also adds
 * to active): every pick is released, the replay ends at 0, but the
 * proxy's own releases show the count it kept. */
static void test_counts_zero_fails_on_a_count_left_above_zero(void)
{
    struct fixture *f = fixture_base();
    char *once = edit(base_proxy, "sid=1 be=b1 seq=4 active=1",
                      "sid=1 be=b1 seq=4 active=2");
    char *text = edit(once, "sid=3 be=b1 seq=6 active=0",
                      "sid=3 be=b1 seq=6 active=1");

    reload(&f->outcome.proxy, text);
    free(once);
    free(text);
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false,
                  "every pick of b1 was released, but the proxy logged 1 "
                  "active after its last release (seq 6, t=0.220s)");
    fixture_free(f);
}

/* --- a big log --------------------------------------------------------- */

#define BIG_PICKS 50000
#define BIG_BACKENDS 4
#define BIG_OPEN 16

/* The least-loaded backend, ties to the lowest index. */
static int big_least(const long *active)
{
    int best = 0;

    for (int b = 1; b < BIG_BACKENDS; b++) {
        if (active[b] < active[best])
            best = b;
    }
    return best;
}

static void big_pick(FILE *out, long sid, long *seq, long *active, int be)
{
    fprintf(out, "ts=%.6f ev=pick sid=%ld seq=%ld be=b%d cand=\"", 100.0 +
            (double)sid * 1e-5, sid, ++*seq, be + 1);
    for (int b = 0; b < BIG_BACKENDS; b++)
        fprintf(out, "%sb%d:%ld/up", b ? " " : "", b + 1, active[b]);
    fprintf(out, "\"\n");
    active[be]++;
}

/* A correct log of BIG_PICKS sessions, BIG_OPEN at a time. */
static char *big_log(void)
{
    long active[BIG_BACKENDS] = { 0 }, seq = 0;
    int held[BIG_PICKS];
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_FATAL(out != NULL);
    for (long sid = 1; sid <= BIG_PICKS + BIG_OPEN; sid++) {
        long old = sid - BIG_OPEN;

        if (old >= 1) {
            active[held[old - 1]]--;
            fprintf(out, "ts=%.6f ev=close sid=%ld be=b%d seq=%ld active=%ld "
                    "bytes_c2b=0 bytes_b2c=0 ms=1 reason=done\n",
                    100.0 + (double)sid * 1e-5, old, held[old - 1] + 1, ++seq,
                    active[held[old - 1]]);
        }
        if (sid > BIG_PICKS)
            continue;
        held[sid - 1] = big_least(active);
        big_pick(out, sid, &seq, active, held[sid - 1]);
    }
    fclose(out);
    return text;
}

static void test_big_log(void)
{
    struct fixture *f = fixture_empty(BIG_BACKENDS);
    char *text = big_log();

    load(&f->outcome.proxy, "proxy", text);
    free(text);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 50000 picks");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, true, "all 50000 picks were "
                  "released exactly once");
    fixture_free(f);
}

static const char retried_proxy[] =
    "ts=100.000000 lvl=info thr=main ev=start listen=127.0.0.1:8080 "
    "threads=2 balance=leastconn backends=2 stats=off pid=1\n"
    "ts=100.100000 lvl=info thr=w0 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.100100 lvl=info thr=w0 ev=pick sid=1 seq=1 be=b1 "
    "cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.100200 lvl=warn thr=w0 ev=connect_fail sid=1 be=b1 seq=2 "
    "active=0 err=ECONNREFUSED attempt=1\n"
    "ts=100.100300 lvl=info thr=w0 ev=pick sid=1 seq=3 be=b2 "
    "cand=\"b1:0/TRIED b2:0/up\"\n";

/* Both at 0: the walk starts after the last backend, so b1 is next. */
static void test_leastconn_fails_when_ties_do_not_rotate(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy,
                  "ev=pick sid=1 seq=1 be=b1", "ev=pick sid=1 seq=1 be=b2");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 1 (sid 1, t=0.100s) chose b2, but b1 was as lightly "
                  "loaded (0 active) and comes first after the previous pick "
                  "(b2): ties must rotate");
    fixture_free(f);
}

static void test_leastconn_fails_on_an_eligible_backend_at_maxconn(void)
{
    struct fixture *f = fixture_base();

    f->scenario.backends[0].maxconn = 1;
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 2 (sid 2, t=0.110s) showed b1 as up with 1 active, "
                  "but its maxconn is 1, so it was full");
    fixture_free(f);
}

static void test_leastconn_fails_when_a_retry_is_offered_a_failed_backend(void)
{
    struct fixture *f = fixture_empty(2);
    char *good = edit(retried_proxy, "TRIED", "tried");

    load(&f->outcome.proxy, "proxy", good);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 2 picks");
    free(good);
    reload_edited(&f->outcome.proxy, retried_proxy, "TRIED", "up");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 3 (sid 1, t=0.100s) showed b1 as up, but session 1 "
                  "had already failed to connect to it");
    fixture_free(f);
}

static CU_TestInfo check_balancer_tests[] = {
    { "leastconn passes on a correct log",
      test_leastconn_passes_on_a_correct_log },
    { "leastconn sorts by seq", test_leastconn_sorts_by_seq },
    { "leastconn fails on a wrong pick", test_leastconn_fails_on_a_wrong_pick },
    { "leastconn honours weights", test_leastconn_honours_weights },
    { "leastconn fails on a miscounted cand",
      test_leastconn_fails_on_a_miscounted_cand },
    { "leastconn fails on a missing seq",
      test_leastconn_fails_on_a_missing_seq },
    { "leastconn fails on a duplicate seq",
      test_leastconn_fails_on_a_duplicate_seq },
    { "leastconn fails without picks", test_leastconn_fails_without_picks },
    { "leastconn replays backend states",
      test_leastconn_replays_backend_states },
    { "leastconn judges no_backend", test_leastconn_judges_no_backend },
    { "leastconn fails on a refusal with a backend up",
      test_leastconn_fails_on_a_refusal_with_a_backend_up },
    { "leastconn fails on a wrong release count",
      test_leastconn_fails_on_a_wrong_release_count },
    { "leastconn fails on an unreadable cand",
      test_leastconn_fails_on_an_unreadable_cand },
    { "counts zero passes", test_counts_zero_passes },
    { "counts zero fails on an unreleased pick",
      test_counts_zero_fails_on_an_unreleased_pick },
    { "counts zero fails on a release numbered 0",
      test_counts_zero_fails_on_a_release_numbered_zero },
    { "counts zero fails on a count left above zero",
      test_counts_zero_fails_on_a_count_left_above_zero },
    { "counts zero fails on a double release",
      test_counts_zero_fails_on_a_double_release },
    { "counts zero fails on a release of another backend",
      test_counts_zero_fails_on_a_release_of_another_backend },
    { "big log", test_big_log },
    { "leastconn fails when ties do not rotate",
      test_leastconn_fails_when_ties_do_not_rotate },
    { "leastconn fails on an eligible backend at maxconn",
      test_leastconn_fails_on_an_eligible_backend_at_maxconn },
    { "leastconn fails when a retry is offered a failed backend",
      test_leastconn_fails_when_a_retry_is_offered_a_failed_backend },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_balancer, check_balancer_tests)
