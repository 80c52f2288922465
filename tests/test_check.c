/*
 * test_check: the harness' checks judged on hand-written logs.
 *
 * Each test builds an outcome from logfmt text (trace_load_text), runs one
 * expectation through check_run and asserts both the verdict and the key
 * words of its reason. The base run is three sessions on two backends
 * (b1 gets sessions 1 and 3, b2 session 2), every log consistent; tests
 * that must fail change one line of it with edit(). The proxy started at
 * ts=100, so ts=100.110100 is "t=0.110s".
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "outcome.h"
#include "scenario.h"
#include "testlib.h"
#include "trace.h"

/* --- the base run ------------------------------------------------------ */

static const char base_proxy[] =
    "ts=100.000000 lvl=info thr=main ev=start listen=127.0.0.1:8080 "
    "threads=2 balance=leastconn backends=2 stats=off pid=1\n"
    "ts=100.000100 lvl=info thr=main ev=backend name=b1 "
    "addr=127.0.0.1:9001 weight=1 maxconn=0 state=up\n"
    "ts=100.000200 lvl=info thr=main ev=backend name=b2 "
    "addr=127.0.0.1:9002 weight=1 maxconn=0 state=up\n"
    "ts=100.100000 lvl=info thr=w0 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.100100 lvl=info thr=w0 ev=pick sid=1 seq=1 be=b1 "
    "cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.100300 lvl=info thr=w0 ev=connected sid=1 be=b1 "
    "local=127.0.0.1:60001 ms=0.300\n"
    "ts=100.110000 lvl=info thr=w1 ev=accept sid=2 client=127.0.0.1:50002\n"
    "ts=100.110100 lvl=info thr=w1 ev=pick sid=2 seq=2 be=b2 "
    "cand=\"b1:1/up b2:0/up\"\n"
    "ts=100.110300 lvl=info thr=w1 ev=connected sid=2 be=b2 "
    "local=127.0.0.1:60002 ms=0.300\n"
    "ts=100.120000 lvl=info thr=w0 ev=accept sid=3 client=127.0.0.1:50003\n"
    "ts=100.120100 lvl=info thr=w0 ev=pick sid=3 seq=3 be=b1 "
    "cand=\"b1:1/up b2:1/up\"\n"
    "ts=100.120300 lvl=info thr=w0 ev=connected sid=3 be=b1 "
    "local=127.0.0.1:60003 ms=0.300\n"
    "ts=100.200000 lvl=info thr=w0 ev=close sid=1 be=b1 seq=4 active=1 "
    "bytes_c2b=66 bytes_b2c=72 ms=100.000 reason=done\n"
    "ts=100.210000 lvl=info thr=w1 ev=close sid=2 be=b2 seq=5 active=0 "
    "bytes_c2b=66 bytes_b2c=72 ms=100.000 reason=done\n"
    "ts=100.220000 lvl=info thr=w0 ev=close sid=3 be=b1 seq=6 active=0 "
    "bytes_c2b=66 bytes_b2c=72 ms=100.000 reason=done\n"
    "ts=100.300000 lvl=info thr=main ev=stop status=clean\n";

/* cid 1 is a health check of the proxy: its peer is no session's. */
static const char base_b1[] =
    "ts=99.900000 lvl=info thr=main ev=listen addr=127.0.0.1:9001 name=b1 "
    "mode=line latency_ms=0 jitter_ms=0 seed=1 rate=0 pid=11\n"
    "ts=100.050000 lvl=info thr=main ev=accept cid=1 peer=127.0.0.1:61001\n"
    "ts=100.050100 lvl=info thr=main ev=close cid=1 lines=0 bytes_in=0 "
    "bytes_out=0 reason=eof\n"
    "ts=100.100200 lvl=info thr=main ev=accept cid=2 peer=127.0.0.1:60001\n"
    "ts=100.120200 lvl=info thr=main ev=accept cid=3 peer=127.0.0.1:60003\n"
    "ts=100.199000 lvl=info thr=main ev=close cid=2 lines=2 bytes_in=66 "
    "bytes_out=72 reason=eof\n"
    "ts=100.219000 lvl=info thr=main ev=close cid=3 lines=2 bytes_in=66 "
    "bytes_out=72 reason=eof\n";

static const char base_b2[] =
    "ts=99.900000 lvl=info thr=main ev=listen addr=127.0.0.1:9002 name=b2 "
    "mode=line latency_ms=0 jitter_ms=0 seed=1 rate=0 pid=12\n"
    "ts=100.110200 lvl=info thr=main ev=accept cid=1 peer=127.0.0.1:60002\n"
    "ts=100.209000 lvl=info thr=main ev=close cid=1 lines=2 bytes_in=66 "
    "bytes_out=72 reason=eof\n";

static const char base_clients[] =
    "ts=100.050000 lvl=info thr=main ev=start target=127.0.0.1:8080 "
    "clients=3 requests=2 size=32\n"
    "ts=100.201000 lvl=info thr=main ev=conn cid=1 local=127.0.0.1:50001 "
    "backend=b1 requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok\n"
    "ts=100.211000 lvl=info thr=main ev=conn cid=2 local=127.0.0.1:50002 "
    "backend=b2 requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok\n"
    "ts=100.221000 lvl=info thr=main ev=conn cid=3 local=127.0.0.1:50003 "
    "backend=b1 requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok\n"
    "ts=100.222000 lvl=info thr=main ev=done connections=3 failed=0 "
    "result=pass\n";

static const char base_timeline[] =
    "ts=99.800000 ev=backend_start be=b1 pid=11 port=9001\n"
    "ts=99.800000 ev=backend_start be=b2 pid=12 port=9002\n"
    "ts=100.000000 ev=proxy_start pid=1 port=8080\n"
    "ts=100.050000 ev=burst_start burst=0 clients=3 line=10\n"
    "ts=100.150000 ev=threads count=3\n"
    "ts=100.230000 ev=burst_end burst=0 status=0\n"
    "ts=100.250000 ev=threads count=3\n"
    "ts=100.300000 ev=run_end reason=done\n";

/* --- building outcomes ------------------------------------------------- */

/* A scenario and its outcome; heap-allocated, they are large. */
struct fixture {
    struct scenario scenario;
    struct outcome outcome;
};

static void load(struct trace *trace, const char *name, const char *text)
{
    CU_ASSERT_FATAL(trace_load_text(trace, name, text) == 0);
    CU_ASSERT_EQUAL(trace->bad_lines, 0);
}

/* backends b1..bN, weight 1, no logs yet. */
static struct fixture *fixture_empty(size_t backends)
{
    struct fixture *f = calloc(1, sizeof(*f));

    CU_ASSERT_FATAL(f != NULL);
    for (size_t b = 0; b < backends; b++) {
        snprintf(f->scenario.backends[b].name,
                 sizeof(f->scenario.backends[b].name), "b%zu", b + 1);
        f->scenario.backends[b].weight = 1;
    }
    f->scenario.backend_count = backends;
    outcome_init(&f->outcome, &f->scenario);
    f->outcome.start_ts = 100.0;
    f->outcome.end_ts = 100.3;
    return f;
}

/* Adds a burst (scenario line 10, 11, ...) with its log and exit status. */
static void add_burst(struct fixture *f, const char *log, int status,
                      bool may_fail)
{
    size_t event = f->scenario.event_count++;
    size_t k = f->outcome.burst_count++;

    f->scenario.events[event].line = 10 + (int)event;
    f->scenario.events[event].action = SCENARIO_CLIENTS;
    f->scenario.events[event].burst.may_fail = may_fail;
    f->outcome.bursts[k].event = (int)event;
    f->outcome.bursts[k].exit_status = status;
    load(&f->outcome.bursts[k].log, "clients", log);
}

/* The whole base run; a test replaces the logs it changes. */
static struct fixture *fixture_base(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", base_proxy);
    load(&f->outcome.backends[0], "b1", base_b1);
    load(&f->outcome.backends[1], "b2", base_b2);
    load(&f->outcome.timeline, "timeline", base_timeline);
    add_burst(f, base_clients, 0, false);
    return f;
}

/* Replaces a trace's text (the old one is freed). */
static void reload(struct trace *trace, const char *text)
{
    trace_free(trace);
    load(trace, "edited", text);
}

static void fixture_free(struct fixture *f)
{
    outcome_free(&f->outcome);
    free(f);
}

/* text with its first from replaced by to; the caller frees it. */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t head, size;
    char *out;

    CU_ASSERT_FATAL(at != NULL);
    head = (size_t)(at - text);
    size = strlen(text) - strlen(from) + strlen(to) + 1;
    out = malloc(size);
    CU_ASSERT_FATAL(out != NULL);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

/* Reloads trace from base with one edit. */
static void reload_edited(struct trace *trace, const char *base,
                          const char *from, const char *to)
{
    char *text = edit(base, from, to);

    reload(trace, text);
    free(text);
}

static struct scenario_expect expect_of(enum scenario_check check)
{
    struct scenario_expect e;

    memset(&e, 0, sizeof(e));
    e.check = check;
    e.points = 1;
    return e;
}

static struct check_verdict judge(const struct fixture *f,
                                  const struct scenario_expect *e)
{
    struct check_verdict verdict;

    check_run(e, &f->outcome, &verdict);
    return verdict;
}

/* Asserts the verdict and that the reason holds words. */
#define ASSERT_VERDICT(verdict, want_passed, words)                          \
    do {                                                                     \
        CU_ASSERT_EQUAL((verdict).passed, (want_passed));                    \
        CU_ASSERT_EQUAL((verdict).ok, (want_passed));                        \
        CU_ASSERT_PTR_NOT_NULL(strstr((verdict).reason, (words)));           \
        if (strstr((verdict).reason, (words)) == NULL)                       \
            fprintf(stderr, "\n    reason: %s\n", (verdict).reason);         \
    } while (0)

/* Runs check on f and asserts the outcome. */
static void expect_result(const struct fixture *f, enum scenario_check check,
                          bool passed, const char *words)
{
    struct scenario_expect e = expect_of(check);
    struct check_verdict verdict = judge(f, &e);

    ASSERT_VERDICT(verdict, passed, words);
}

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
                  "backend_down/backend_up events leave it down");
    reload_edited(&f->outcome.proxy, down_proxy,
                  "seq=2 be=b2 cand=\"b1:0/down b2:0/up\"",
                  "seq=2 be=b1 cand=\"b1:0/down b2:0/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 2 (sid 1, t=0.100s) chose b1, which it logged as "
                  "down");
    fixture_free(f);
}

static const char refused_proxy[] =
    "ts=100.000000 ev=start listen=127.0.0.1:8080\n"
    "ts=100.010000 ev=backend_down be=b1 seq=1 reason=check_failed\n"
    "ts=100.020000 ev=backend_down be=b2 seq=2 reason=check_failed\n"
    "ts=100.100000 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.100100 ev=no_backend sid=1 seq=3 cand=\"b1:0/down b2:0/down\"\n"
    "ts=100.100200 ev=close sid=1 be=- bytes_c2b=0 bytes_b2c=0 ms=0.200 "
    "reason=no_backend\n"
    "ts=100.150000 ev=backend_up be=b1 seq=4 reason=check_ok\n"
    "ts=100.160000 ev=accept sid=2 client=127.0.0.1:50002\n"
    "ts=100.160100 ev=pick sid=2 seq=5 be=b1 cand=\"b1:0/up b2:0/down\"\n"
    "ts=100.160200 ev=connected sid=2 be=b1 local=127.0.0.1:60002 ms=0.2\n"
    "ts=100.170000 ev=close sid=2 be=b1 seq=6 active=0 bytes_c2b=33 "
    "bytes_b2c=36 ms=10.000 reason=done\n";

static void test_leastconn_judges_no_backend(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", refused_proxy);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 1 picks");
    reload_edited(&f->outcome.proxy, refused_proxy,
                  "ts=100.020000 ev=backend_down be=b2 seq=2",
                  "ts=100.020000 ev=backend_up be=b2 seq=2");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "logged b2 as down, but the log's backend_down/backend_up "
                  "events leave it up");
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

static const char retry_proxy[] =
    "ts=100.100000 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.100100 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.100200 ev=connect_fail sid=1 be=b1 seq=2 active=0 "
    "err=ECONNREFUSED attempt=1\n"
    "ts=100.100200 ev=backend_down be=b1 seq=3 reason=connect_failed\n"
    "ts=100.100300 ev=retry sid=1 attempt=2\n"
    "ts=100.100400 ev=pick sid=1 seq=4 be=b2 cand=\"b1:0/down b2:0/up\"\n"
    "ts=100.100500 ev=connected sid=1 be=b2 local=127.0.0.1:60001 ms=0.5\n"
    "ts=100.200000 ev=close sid=1 be=b2 seq=5 active=0 bytes_c2b=1 "
    "bytes_b2c=4 ms=100.0 reason=done\n";

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

static void test_counts_zero_fails_on_a_release_of_another_backend(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.proxy, base_proxy, "sid=2 be=b2 seq=5",
                  "sid=2 be=b1 seq=5");
    expect_result(f, SCENARIO_CHECK_COUNTS_ZERO, false,
                  "session 2 picked b2 (seq 2) but released b1 (seq 5)");
    fixture_free(f);
}

/* --- relay exact ------------------------------------------------------- */

static void test_relay_passes_on_a_correct_run(void)
{
    struct fixture *f = fixture_base();

    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, true,
                  "all 3 ok client connections match the proxy's and the "
                  "backends' byte counts (198 bytes up, 216 down)");
    fixture_free(f);
}

static void test_relay_fails_on_a_client_byte_mismatch(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.bursts[0].log, base_clients,
                  "requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok",
                  "requests=2 ok=2 bytes_out=65 bytes_in=72 result=ok");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "session 1 (client 127.0.0.1:50001) relayed 66 bytes to "
                  "b1, but the client sent 65");
    reload_edited(&f->outcome.bursts[0].log, base_clients,
                  "requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok",
                  "requests=2 ok=2 bytes_out=66 bytes_in=70 result=ok");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "relayed 72 bytes from b1, but the client received 70");
    fixture_free(f);
}

static void test_relay_fails_on_a_backend_byte_mismatch(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.backends[1], base_b2, "bytes_in=66",
                  "bytes_in=60");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "session 2 (client 127.0.0.1:50002) relayed 66 bytes to "
                  "b2, but b2 (cid 1) received 60");
    reload_edited(&f->outcome.backends[1], base_b2, "bytes_out=72",
                  "bytes_out=80");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "relayed 72 bytes from b2, but b2 (cid 1) sent 80");
    fixture_free(f);
}

static void test_relay_fails_on_a_wrong_backend_name(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.bursts[0].log, base_clients,
                  "local=127.0.0.1:50003 backend=b1",
                  "local=127.0.0.1:50003 backend=b2");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "client 127.0.0.1:50003 (burst 1) got its replies from b2, "
                  "but its session 3 was connected to b1");
    fixture_free(f);
}

static void test_relay_fails_on_an_altered_reply(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.bursts[0].log, base_clients,
                  "local=127.0.0.1:50002 backend=b2 requests=2 ok=2 "
                  "bytes_out=66 bytes_in=72 result=ok",
                  "local=127.0.0.1:50002 backend=b2 requests=1 ok=0 "
                  "bytes_out=33 bytes_in=36 result=mismatch "
                  "detail=\"reply 1 differs at byte 4\"");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "client 127.0.0.1:50002 (burst 1) got an altered reply: "
                  "mismatch, reply 1 differs at byte 4");
    fixture_free(f);
}

static void test_relay_fails_without_ok_connections(void)
{
    struct fixture *f = fixture_base();

    reload(&f->outcome.bursts[0].log, "ts=100.1 ev=start clients=0\n");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "no client connection ended ok");
    fixture_free(f);
}

static void test_relay_fails_when_the_backend_missed_the_connection(void)
{
    struct fixture *f = fixture_base();

    reload_edited(&f->outcome.backends[0], base_b1, "peer=127.0.0.1:60003",
                  "peer=127.0.0.1:60009");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "b1 logged no connection from 127.0.0.1:60003, the proxy's "
                  "end of session 3 (client 127.0.0.1:50003)");
    reload(&f->outcome.backends[0], base_b1);
    reload_edited(&f->outcome.proxy, base_proxy,
                  "ts=100.100000 lvl=info thr=w0 ev=accept sid=1 "
                  "client=127.0.0.1:50001\n", "");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "client 127.0.0.1:50001 (burst 1) got all its replies, but "
                  "no proxy session accepted it");
    fixture_free(f);
}

/* Client port 50001 and proxy port 60001 are both used twice; b1 was
 * restarted between the two uses, so its cids start again at 1. */
static const char reuse_proxy[] =
    "ts=100.100000 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.100100 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up\"\n"
    "ts=100.100200 ev=connected sid=1 be=b1 local=127.0.0.1:60001 ms=0.2\n"
    "ts=100.200000 ev=close sid=1 be=b1 seq=2 active=0 bytes_c2b=66 "
    "bytes_b2c=72 ms=100.0 reason=done\n"
    "ts=100.600000 ev=accept sid=2 client=127.0.0.1:50001\n"
    "ts=100.600100 ev=pick sid=2 seq=3 be=b1 cand=\"b1:0/up\"\n"
    "ts=100.600200 ev=connected sid=2 be=b1 local=127.0.0.1:60001 ms=0.2\n"
    "ts=100.700000 ev=close sid=2 be=b1 seq=4 active=0 bytes_c2b=33 "
    "bytes_b2c=36 ms=100.0 reason=done\n";

static const char reuse_b1[] =
    "ts=99.900000 ev=listen addr=127.0.0.1:9001 name=b1\n"
    "ts=100.100150 ev=accept cid=1 peer=127.0.0.1:60001\n"
    "ts=100.199000 ev=close cid=1 lines=2 bytes_in=66 bytes_out=72 "
    "reason=eof\n"
    "ts=100.500000 ev=listen addr=127.0.0.1:9001 name=b1\n"
    "ts=100.600150 ev=accept cid=1 peer=127.0.0.1:60001\n"
    "ts=100.699000 ev=close cid=1 lines=1 bytes_in=33 bytes_out=36 "
    "reason=eof\n";

static const char reuse_clients[] =
    "ts=100.201000 ev=conn cid=1 local=127.0.0.1:50001 backend=b1 "
    "requests=2 ok=2 bytes_out=66 bytes_in=72 result=ok\n"
    "ts=100.701000 ev=conn cid=2 local=127.0.0.1:50001 backend=b1 "
    "requests=1 ok=1 bytes_out=33 bytes_in=36 result=ok\n";

static void test_relay_matches_reused_ports_and_restarted_backends(void)
{
    struct fixture *f = fixture_empty(1);

    load(&f->outcome.proxy, "proxy", reuse_proxy);
    load(&f->outcome.backends[0], "b1", reuse_b1);
    add_burst(f, reuse_clients, 0, false);
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, true,
                  "all 2 ok client connections match");
    reload_edited(&f->outcome.backends[0], reuse_b1, "bytes_in=33",
                  "bytes_in=34");
    expect_result(f, SCENARIO_CHECK_RELAY_EXACT, false,
                  "session 2 (client 127.0.0.1:50001) relayed 33 bytes to "
                  "b1, but b1 (cid 1) received 34");
    fixture_free(f);
}

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
                  "every backend was down)");
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

/* --- leastconn: ties, maxconn, retries --------------------------------- */

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
                  "ts=100.260000 ev=threads count=3 fds=18");
    expect_result(f, SCENARIO_CHECK_FDS_STABLE, true,
                  "held 14 descriptors after its start and 18 at the end, "
                  "once its 3 sessions had closed (allowed: 4 more");
    reload_edited(&f->outcome.timeline, base_timeline,
                  "ts=100.150000 ev=threads count=3",
                  "ts=100.150000 ev=threads count=3 fds=14\n"
                  "ts=100.260000 ev=threads count=3 fds=19");
    expect_result(f, SCENARIO_CHECK_FDS_STABLE, false,
                  "14 descriptors after its start and 19 at the end");
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

/* --- health exact ------------------------------------------------------ */

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

/* --- expect-fail, the table, big logs ---------------------------------- */

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

/* --- resets passed ----------------------------------------------------- */

/* b2 reset session 2's backend connection after one line; the client's
 * line says how the end reached it (end_and_result). */
static struct fixture *fixture_b2_reset(const char *end_and_result)
{
    struct fixture *f = fixture_base();
    char client[160];

    snprintf(client, sizeof(client), "backend=b2 requests=2 ok=1 "
             "bytes_out=66 bytes_in=36 %s", end_and_result);
    reload_edited(&f->outcome.backends[1], base_b2,
                  "lines=2 bytes_in=66 bytes_out=72 reason=eof",
                  "lines=1 bytes_in=66 bytes_out=36 reason=reset_after_lines");
    reload_edited(&f->outcome.bursts[0].log, base_clients,
                  "backend=b2 requests=2 ok=2 bytes_out=66 bytes_in=72 "
                  "result=ok", client);
    return f;
}

static void test_resets_passed(void)
{
    struct fixture *f = fixture_b2_reset("end=eof result=closed");

    expect_result(f, SCENARIO_CHECK_RESETS_PASSED, false,
                  "session 2: backend b2 reset its connection (cid 1, after "
                  "1 line), but client 127.0.0.1:50002 (burst 1) saw a "
                  "clean end of stream after 36 bytes (the proxy logged "
                  "reason=done rst=-)");
    fixture_free(f);
    f = fixture_b2_reset("end=reset result=reset");
    expect_result(f, SCENARIO_CHECK_RESETS_PASSED, true,
                  "all 1 client connections that saw their backend's reset "
                  "saw it as a reset (0 more");
    fixture_free(f);
    /* A client that closed first saw nothing: nothing was checked. */
    f = fixture_b2_reset("end=- result=timeout");
    expect_result(f, SCENARIO_CHECK_RESETS_PASSED, false,
                  "no client saw a backend's reset (1 connections reset");
    fixture_free(f);
    f = fixture_base();
    expect_result(f, SCENARIO_CHECK_RESETS_PASSED, false,
                  "(0 connections reset");
    fixture_free(f);
}

static CU_TestInfo check_tests[] = {
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
    { "counts zero fails on a double release",
      test_counts_zero_fails_on_a_double_release },
    { "counts zero fails on a release of another backend",
      test_counts_zero_fails_on_a_release_of_another_backend },
    { "relay passes on a correct run", test_relay_passes_on_a_correct_run },
    { "relay fails on a client byte mismatch",
      test_relay_fails_on_a_client_byte_mismatch },
    { "relay fails on a backend byte mismatch",
      test_relay_fails_on_a_backend_byte_mismatch },
    { "relay fails on a wrong backend name",
      test_relay_fails_on_a_wrong_backend_name },
    { "relay fails on an altered reply", test_relay_fails_on_an_altered_reply },
    { "relay fails without ok connections",
      test_relay_fails_without_ok_connections },
    { "relay fails when the backend missed the connection",
      test_relay_fails_when_the_backend_missed_the_connection },
    { "relay matches reused ports and restarted backends",
      test_relay_matches_reused_ports_and_restarted_backends },
    { "share", test_share },
    { "compare", test_compare },
    { "detect", test_detect },
    { "detect window ends when the backend returns",
      test_detect_window_ends_when_the_backend_returns },
    { "recover", test_recover },
    { "recover fails when no session comes",
      test_recover_fails_when_no_session_comes },
    { "clients ok", test_clients_ok },
    { "clients ok skips may-fail bursts",
      test_clients_ok_skips_may_fail_bursts },
    { "clients failed limit", test_clients_failed_limit },
    { "no-lost-clients fails on an unexplained failure",
      test_no_lost_clients_fails_on_an_unexplained_failure },
    { "no-lost-clients passes without failures",
      test_no_lost_clients_passes_without_failures },
    { "resets passed", test_resets_passed },
    { "no-lost-clients explained by a timeline fault",
      test_no_lost_clients_explained_by_a_timeline_fault },
    { "no-lost-clients explained by a backend fault line",
      test_no_lost_clients_explained_by_a_backend_fault_line },
    { "no-lost-clients explained by no backend",
      test_no_lost_clients_explained_by_no_backend },
    { "no-lost-clients judges unaccepted clients",
      test_no_lost_clients_judges_unaccepted_clients },
    { "threads stable", test_threads_stable },
    { "threads stable sees late threads",
      test_threads_stable_sees_late_threads },
    { "leastconn fails when ties do not rotate",
      test_leastconn_fails_when_ties_do_not_rotate },
    { "leastconn fails on an eligible backend at maxconn",
      test_leastconn_fails_on_an_eligible_backend_at_maxconn },
    { "leastconn fails when a retry is offered a failed backend",
      test_leastconn_fails_when_a_retry_is_offered_a_failed_backend },
    { "stop clean", test_stop_clean },
    { "stop clean after stop proxy", test_stop_clean_after_stop_proxy },
    { "workers used", test_workers_used },
    { "sessions<=D", test_sessions_max },
    { "fds stable", test_fds_stable },
    { "health exact", test_health_exact },
    { "health exact fails on a check of a dead backend",
      test_health_exact_fails_on_a_check_of_a_dead_backend },
    { "expect-fail inverts the verdict", test_expect_fail_inverts_the_verdict },
    { "backend table", test_backend_table },
    { "logs whole", test_logs_whole },
    { "big log", test_big_log },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check, check_tests)
