/*
 * test_check_operate: a proxy operated while it runs, judged on
 * hand-written logs: the leastconn replay through drains, removals, adds,
 * slow starts, ejections and the queue (check_balancer.c, check_replay.c,
 * check_cand.c), and the checks of check_operate.c. Each log is correct;
 * each test breaks it the way a buggy proxy would and reads the reason.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_cand.h"
#include "check_fixture.h"
#include "testlib.h"

/* --- cand lists --------------------------------------------------------- */

static void test_cand_states_and_weights(void)
{
    struct check_proxy proxy;
    struct check_cand c[4];
    struct fixture *f = fixture_empty(2);
    char buf[24];

    memset(&proxy, 0, sizeof(proxy));
    proxy.outcome = &f->outcome;
    CU_ASSERT_EQUAL(check_cand_parse(&proxy, "b1:2/draining/w0.37 "
                                     "b2:0/ejected/w3 b3:1/disabled b4:0/up/"
                                     "w2.50", c, 4), 4);
    CU_ASSERT_EQUAL(c[0].state, CHECK_CAND_DRAINING);
    CU_ASSERT_EQUAL(c[0].ew, 37);
    CU_ASSERT_EQUAL(c[1].state, CHECK_CAND_EJECTED);
    CU_ASSERT_EQUAL(c[1].ew, 300);
    CU_ASSERT_EQUAL(c[2].state, CHECK_CAND_DISABLED);
    CU_ASSERT_EQUAL(c[2].ew, 100);
    CU_ASSERT_EQUAL(c[3].ew, 250);
    CU_ASSERT_STRING_EQUAL(check_cand_weight(37, buf, sizeof(buf)), "0.37");
    CU_ASSERT_STRING_EQUAL(check_cand_weight(300, buf, sizeof(buf)), "3");
    CU_ASSERT_STRING_EQUAL(check_cand_weight(250, buf, sizeof(buf)), "2.50");
    /* One decimal, three, none before the dot, zero: not the proxy's form. */
    CU_ASSERT_EQUAL(check_cand_parse(&proxy, "b1:0/up/w0.5", c, 4), -1);
    CU_ASSERT_EQUAL(check_cand_parse(&proxy, "b1:0/up/w0.375", c, 4), -1);
    CU_ASSERT_EQUAL(check_cand_parse(&proxy, "b1:0/up/w.37", c, 4), -1);
    CU_ASSERT_EQUAL(check_cand_parse(&proxy, "b1:0/up/w0", c, 4), -1);
    CU_ASSERT_EQUAL(check_cand_parse(&proxy, "b1:0/paused", c, 4), -1);
    fixture_free(f);
}

/* --- shared ------------------------------------------------------------- */

/* Loads base into f's proxy log, with its first from replaced by to
 * (from NULL: as it is). */
static void load_edited(struct fixture *f, const char *base, const char *from,
                        const char *to)
{
    if (from == NULL)
        load(&f->outcome.proxy, "proxy", base);
    else
        reload_edited(&f->outcome.proxy, base, from, to);
}

/* Judges check, about backend b1 with bound within_ms, on f, then frees
 * f. */
static void expect_on(struct fixture *f, enum scenario_check check,
                      long within_ms, bool passed, const char *words)
{
    struct scenario_expect e = expect_of(check);
    struct check_verdict v;

    e.backend = 0;
    e.within_ms = within_ms;
    v = judge(f, &e);
    ASSERT_VERDICT(v, passed, words);
    fixture_free(f);
}

/* --- drain, remove, add ------------------------------------------------- */

/* b1 drained (one session left, then none), removed, added back at
 * weight 2; b2 carries the rest. */
static const char drain_proxy[] =
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.110000 ev=pick sid=2 seq=2 be=b2 cand=\"b1:1/up b2:0/up\"\n"
    "ts=100.200000 ev=admin be=b1 seq=3 admin=draining by=control "
    "active=1\n"
    "ts=100.210000 ev=pick sid=3 seq=4 be=b2 cand=\"b1:1/draining b2:1/up\"\n"
    "ts=100.300000 ev=close sid=1 be=b1 seq=5 active=0 reason=done\n"
    "ts=100.300000 ev=drained be=b1 seq=6\n"
    "ts=100.310000 ev=pick sid=4 seq=7 be=b2 cand=\"b1:0/draining "
    "b2:2/up\"\n"
    "ts=100.400000 ev=backend_removed be=b1 seq=8 by=control\n"
    "ts=100.410000 ev=pick sid=5 seq=9 be=b2 cand=\"b2:3/up\"\n"
    "ts=100.500000 ev=backend_added be=b1 seq=10 addr=127.0.0.1:9001 "
    "weight=2 maxconn=0 by=control\n"
    "ts=100.510000 ev=pick sid=6 seq=11 be=b1 cand=\"b1:0/up/w2 b2:4/up\"\n"
    "ts=100.600000 ev=close sid=2 be=b2 seq=12 active=3 reason=done\n"
    "ts=100.600000 ev=close sid=3 be=b2 seq=13 active=2 reason=done\n"
    "ts=100.600000 ev=close sid=4 be=b2 seq=14 active=1 reason=done\n"
    "ts=100.600000 ev=close sid=5 be=b2 seq=15 active=0 reason=done\n"
    "ts=100.600000 ev=close sid=6 be=b1 seq=16 active=0 reason=done\n";

static struct fixture *drain_fixture(const char *from, const char *to)
{
    struct fixture *f = fixture_empty(2);

    f->outcome.end_ts = 101.0;
    load_edited(f, drain_proxy, from, to);
    return f;
}

static void expect_drain_edit(const char *from, const char *to,
                              enum scenario_check check, bool passed,
                              const char *words)
{
    expect_on(drain_fixture(from, to), check, 0, passed, words);
}

static void test_replay_through_drain_remove_add(void)
{
    expect_drain_edit(NULL, NULL, SCENARIO_CHECK_LEASTCONN, true,
                      "all 6 picks chose a least-loaded backend");
    expect_drain_edit(NULL, NULL, SCENARIO_CHECK_COUNTS_ZERO, true,
                      "all 6 picks were released exactly once");
    /* A drain that still picks the draining backend. */
    expect_drain_edit("seq=4 be=b2 cand=\"b1:1/draining b2:1/up\"",
                      "seq=4 be=b1 cand=\"b1:1/draining b2:1/up\"",
                      SCENARIO_CHECK_LEASTCONN, false,
                      "pick 4 (sid 3, t=0.210s) chose b1, which it logged "
                      "as draining");
    /* ... or shows it eligible. */
    expect_drain_edit("cand=\"b1:1/draining b2:1/up\"",
                      "cand=\"b1:1/up b2:1/up\"", SCENARIO_CHECK_LEASTCONN,
                      false, "pick 4 (sid 3, t=0.210s) logged b1 as up, but "
                      "the log's own events leave it draining (ev=admin at "
                      "seq 3, t=0.200s)");
    /* A removed backend still offered. */
    expect_drain_edit("cand=\"b2:3/up\"", "cand=\"b1:0/draining b2:3/up\"",
                      SCENARIO_CHECK_LEASTCONN, false,
                      "pick 9 (sid 5, t=0.410s) lists b1, which is not in "
                      "the proxy (ev=backend_removed at seq 8, t=0.400s)");
    /* An added backend missing, or at the wrong weight. */
    expect_drain_edit("cand=\"b1:0/up/w2 b2:4/up\"", "cand=\"b2:4/up\"",
                      SCENARIO_CHECK_LEASTCONN, false,
                      "pick 11 (sid 6, t=0.510s) does not list b1, which is "
                      "in the proxy (ev=backend_added at seq 10, t=0.500s)");
    expect_drain_edit("cand=\"b1:0/up/w2 b2:4/up\"",
                      "cand=\"b1:0/up b2:4/up\"", SCENARIO_CHECK_LEASTCONN,
                      false, "pick 11 (sid 6, t=0.510s) showed b1 at weight "
                      "1, but its weight is 2 (ev=backend_added at seq 10, "
                      "t=0.500s) and no slow start is under way");
    /* Drained logged before its last session was released. */
    expect_drain_edit("seq=5 active=0 reason=done\n"
                      "ts=100.300000 ev=drained be=b1 seq=6",
                      "seq=6 active=0 reason=done\n"
                      "ts=100.300000 ev=drained be=b1 seq=5",
                      SCENARIO_CHECK_LEASTCONN, false,
                      "drained 5 (b1, t=0.300s) says b1 was drained, but "
                      "the log's own events leave it draining with 1 active");
}

/* A removal the balancer must refuse: b1 was never taken out of service. */
static const char removed_ready_proxy[] =
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.200000 ev=close sid=1 be=b1 seq=2 active=0 reason=done\n"
    "ts=100.300000 ev=backend_removed be=b1 seq=3 by=control\n";

static void test_replay_refuses_removal_of_a_ready_backend(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", removed_ready_proxy);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "backend_removed 3 (b1, t=0.300s) removed b1 while it was "
                  "ready with 0 active: only a disabled or draining backend "
                  "with none active may be removed");
    fixture_free(f);
}

/* A standby backend is not a candidate until it is added. */
static void test_replay_standby(void)
{
    static const char log[] =
        "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up\"\n"
        "ts=100.200000 ev=backend_added be=b2 seq=2 addr=127.0.0.1:9002 "
        "weight=1 maxconn=0 by=reload\n"
        "ts=100.300000 ev=pick sid=2 seq=3 be=b2 cand=\"b1:1/up b2:0/up\"\n";
    struct fixture *f = fixture_empty(2);

    f->scenario.backends[1].standby = true;
    load(&f->outcome.proxy, "proxy", log);
    expect_result(f, SCENARIO_CHECK_LEASTCONN, true, "all 2 picks");
    reload_edited(&f->outcome.proxy, log, "cand=\"b1:0/up\"",
                  "cand=\"b1:0/up b2:0/up\"");
    expect_result(f, SCENARIO_CHECK_LEASTCONN, false,
                  "pick 1 (sid 1, t=0.100s) lists b2, which is not in the "
                  "proxy (since the proxy's start)");
    fixture_free(f);
}

static void test_drained_within(void)
{
    char *text = edit(drain_proxy, "admin=draining", "admin=disabled");
    struct fixture *f;

    expect_on(drain_fixture(NULL, NULL), SCENARIO_CHECK_DRAINED, 200, true,
              "all 1 drains of b1 that ran their course ended with "
              "ev=drained at 0 active, the longest after 100 ms");
    expect_on(drain_fixture(NULL, NULL), SCENARIO_CHECK_DRAINED, 50, false,
              "b1 was drained at t=0.300s (seq 6), 100 ms after its drain "
              "(seq 3, t=0.200s): more than 50 ms");
    /* A drain that never ends. */
    expect_on(drain_fixture("ts=100.300000 ev=drained be=b1 seq=6\n", ""),
              SCENARIO_CHECK_DRAINED, 200, false, "b1 was still draining 200 "
              "ms after its drain (seq 3, t=0.200s) with 0 active, and no "
              "ev=drained came");
    /* No drain at all: b1 disabled, then removed. */
    f = drain_fixture(NULL, NULL);
    reload_edited(&f->outcome.proxy, text,
                  "ts=100.300000 ev=drained be=b1 seq=6\n", "");
    expect_on(f, SCENARIO_CHECK_DRAINED, 200, false,
              "the proxy log has no drain of b1");
    free(text);
}

/* --- slow start --------------------------------------------------------- */

/* b1 (weight 2) ramps over 1 s from t=0: 0.50 at 250 ms, 1 at 500 ms, 1.50
 * at 750 ms, 2 after. */
static const char ramp_proxy[] =
    "ts=100.000000 ev=slowstart be=b1 seq=1 ms=1000 weight=2\n"
    "ts=100.250000 ev=pick sid=1 seq=2 be=b1 cand=\"b1:0/up/w0.50 "
    "b2:0/up\"\n"
    "ts=100.500000 ev=pick sid=2 seq=3 be=b2 cand=\"b1:1/up b2:0/up\"\n"
    "ts=100.750000 ev=pick sid=3 seq=4 be=b1 cand=\"b1:1/up/w1.50 "
    "b2:1/up\"\n"
    "ts=101.200000 ev=pick sid=4 seq=5 be=b2 cand=\"b1:2/up/w2 b2:1/up\"\n";

static void expect_ramp(const char *from, const char *to,
                        enum scenario_check check, bool passed,
                        const char *words)
{
    struct fixture *f = fixture_empty(2);

    f->scenario.backends[0].weight = 2;
    set_proxy_option(f, "slowstart", "1s");
    load_edited(f, ramp_proxy, from, to);
    expect_on(f, check, 0, passed, words);
}

static void test_slowstart(void)
{
    expect_ramp(NULL, NULL, SCENARIO_CHECK_LEASTCONN, true, "all 4 picks");
    expect_ramp(NULL, NULL, SCENARIO_CHECK_SLOWSTART, true, "during 1 slow "
                "start of b1, all 3 decisions showed its weight on the ramp");
    /* A ramp the wrong way: from the whole weight down. */
    expect_ramp("b1:0/up/w0.50", "b1:0/up/w1.50", SCENARIO_CHECK_SLOWSTART,
                false, "pick 2 (sid 1, t=0.250s) showed b1 at weight 1.50, "
                "250 ms into its slow start (seq 1, t=0.000s: 1000 ms up to "
                "weight 2): the ramp allows 0.30 to 0.70 then");
    /* A ramp that never ends. */
    expect_ramp("b1:2/up/w2", "b1:2/up/w1.90", SCENARIO_CHECK_SLOWSTART,
                false, "pick 5 (sid 4, t=1.200s) showed b1 at weight 1.90, "
                "1200 ms into its slow start");
    expect_ramp("b1:2/up/w2", "b1:2/up/w1.90", SCENARIO_CHECK_LEASTCONN,
                false, "pick 5 (sid 4, t=1.200s) showed b1 at weight 1.90, "
                "but its weight is 2 (ev=slowstart at seq 1, t=0.000s) and "
                "no slow start is under way");
    /* Above the weight during the ramp. */
    expect_ramp("b1:0/up/w0.50", "b1:0/up/w2.50", SCENARIO_CHECK_LEASTCONN,
                false, "and a slow start ramps it up to that, never above");
    expect_ramp("ev=slowstart be=b1", "ev=admin be=b1",
                SCENARIO_CHECK_SLOWSTART, false, "no slow start of b1");
}

/* --- ejection ----------------------------------------------------------- */

/* b1 refuses twice: ejected for 200 ms (eject-after=2), restored. */
static const char eject_proxy[] =
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.100100 ev=connect_fail sid=1 be=b1 seq=2 active=0 "
    "err=ECONNREFUSED attempt=1\n"
    "ts=100.100300 ev=pick sid=1 seq=3 be=b2 cand=\"b1:0/tried b2:0/up\"\n"
    "ts=100.110000 ev=pick sid=2 seq=4 be=b1 cand=\"b1:0/up b2:1/up\"\n"
    "ts=100.110100 ev=connect_fail sid=2 be=b1 seq=5 active=0 "
    "err=ECONNREFUSED attempt=1\n"
    "ts=100.110100 ev=ejected be=b1 seq=6 failures=2 ms=200 ejections=1\n"
    "ts=100.110300 ev=pick sid=2 seq=7 be=b2 cand=\"b1:0/ejected b2:1/up\"\n"
    "ts=100.200000 ev=pick sid=3 seq=8 be=b2 cand=\"b1:0/ejected b2:2/up\"\n"
    "ts=100.500000 ev=restored be=b1 seq=9 ejections=1\n"
    "ts=100.500000 ev=pick sid=4 seq=10 be=b1 cand=\"b1:0/up b2:3/up\"\n";

/* Judges eject_proxy with from replaced by to; an ejection that did not
 * happen is never restored, so its restored line goes too. */
static void expect_eject(const char *from, const char *to,
                         enum scenario_check check, long within_ms,
                         bool passed, const char *words)
{
    struct fixture *f = fixture_empty(2);
    char *text = edit(eject_proxy, from ? from : "", to ? to : "");

    set_proxy_option(f, "eject-after", "2");
    set_proxy_option(f, "eject-time", "200ms");
    if (to != NULL && strstr(to, "eject_skipped") != NULL) {
        char *unrestored = edit(text, "ev=restored be=b1 seq=9",
                                "ev=info be=b1 seq=9");

        free(text);
        text = unrestored;
    }
    load(&f->outcome.proxy, "proxy", text);
    free(text);
    expect_on(f, check, within_ms, passed, words);
}

static void test_ejection(void)
{
    expect_eject(NULL, NULL, SCENARIO_CHECK_LEASTCONN, 0, true, "all 6 picks");
    expect_eject("seq=8 be=b2", "seq=8 be=b1", SCENARIO_CHECK_LEASTCONN, 0,
                 false, "pick 8 (sid 3, t=0.200s) chose b1, which it logged "
                 "as ejected");
    expect_eject(NULL, NULL, SCENARIO_CHECK_EJECTED, 50, true, "b1 was "
                 "ejected 1 time, the first within 50 ms of its first failed "
                 "session (2 failures in all)");
    expect_eject(NULL, NULL, SCENARIO_CHECK_EJECTED, 5, false, "b1 was "
                 "ejected at t=0.110s (seq 6), 10 ms after its first failed "
                 "session (connect_fail sid 1, t=0.100s): more than 5 ms");
    expect_eject("failures=2", "failures=1", SCENARIO_CHECK_EJECTED, 50,
                 false, "ejected 6 (b1, t=0.110s) after 1 failures, but "
                 "eject-after is 2");
    expect_eject("ev=ejected be=b1 seq=6 failures=2 ms=200 ejections=1",
                 "ev=eject_skipped be=b1 seq=6 failures=2 ejected=1 max=1",
                 SCENARIO_CHECK_EJECTED, 50, false, "b1 failed 2 sessions, "
                 "the first at t=0.100s (connect_fail sid 1), and was never "
                 "ejected (eject-after=2)");
    expect_eject(NULL, NULL, SCENARIO_CHECK_RESTORED, 0, true, "1 of 1 "
                 "ejections of b1 ended with ev=restored");
    /* An ejection that never ends. */
    expect_eject("ts=100.500000 ev=restored be=b1 seq=9 ejections=1\n", "",
                 SCENARIO_CHECK_RESTORED, 0, false, "the ejection of b1 (seq "
                 "6, t=0.110s, 200 ms) was over at t=0.310s, but pick 10 "
                 "(t=0.500s) came later with no ev=restored before it");
    /* One that ends early, or lasts the wrong time. */
    expect_eject("ts=100.500000 ev=restored", "ts=100.200000 ev=restored",
                 SCENARIO_CHECK_RESTORED, 0, false, "restored 9 (b1, "
                 "t=0.200s) came 90 ms after its ejection (seq 6, t=0.110s), "
                 "which lasts 200 ms");
    expect_eject("ms=200 ejections=1", "ms=200 ejections=2",
                 SCENARIO_CHECK_RESTORED, 0, false, "ejected 6 (b1, "
                 "t=0.110s) lasts 200 ms, but ejection 2 in a row lasts "
                 "min(2 x 200, 300000) = 400 ms");
}

/* --- the queue ---------------------------------------------------------- */

/* b1 (maxconn 1) busy: sessions 2 and 3 wait and are served in order,
 * session 4 times out after 300 ms. */
static const char queue_proxy[] =
    "ts=100.090000 ev=accept sid=1 client=127.0.0.1:50001\n"
    "ts=100.100000 ev=pick sid=1 seq=1 be=b1 cand=\"b1:0/up\"\n"
    "ts=100.105000 ev=accept sid=2 client=127.0.0.1:50002\n"
    "ts=100.110000 ev=queued sid=2 seq=2 depth=1\n"
    "ts=100.115000 ev=accept sid=3 client=127.0.0.1:50003\n"
    "ts=100.120000 ev=queued sid=3 seq=3 depth=2\n"
    "ts=100.125000 ev=accept sid=4 client=127.0.0.1:50004\n"
    "ts=100.130000 ev=queued sid=4 seq=4 depth=3\n"
    "ts=100.200000 ev=close sid=1 be=b1 seq=5 active=0 reason=done\n"
    "ts=100.200000 ev=pick sid=2 seq=6 be=b1 cand=\"b1:0/up\" queued_ms=90\n"
    "ts=100.300000 ev=close sid=2 be=b1 seq=7 active=0 reason=done\n"
    "ts=100.300000 ev=pick sid=3 seq=8 be=b1 cand=\"b1:0/up\" "
    "queued_ms=180\n"
    "ts=100.430000 ev=queue_timeout sid=4 seq=9 ms=300 depth=1\n"
    "ts=100.430000 ev=close sid=4 be=- bytes_c2b=0 bytes_b2c=0 ms=305.000 "
    "reason=queue_timeout rst=none\n"
    "ts=100.500000 ev=close sid=3 be=b1 seq=10 active=0 reason=done\n";

static const char queue_clients[] =
    "ts=100.501000 ev=conn cid=4 local=127.0.0.1:50004 backend=- "
    "requests=1 ok=0 bytes_out=33 bytes_in=0 result=closed\n";

static struct fixture *queue_fixture(const char *from, const char *to)
{
    struct fixture *f = fixture_empty(1);

    f->scenario.backends[0].maxconn = 1;
    set_proxy_option(f, "queue", "4");
    set_proxy_option(f, "queue-timeout", "300ms");
    load_edited(f, queue_proxy, from, to);
    return f;
}

static void expect_queue(const char *from, const char *to,
                         enum scenario_check check, long within_ms,
                         bool passed, const char *words)
{
    expect_on(queue_fixture(from, to), check, within_ms, passed, words);
}

static void test_queue(void)
{
    expect_queue(NULL, NULL, SCENARIO_CHECK_LEASTCONN, 0, true, "all 3 picks");
    expect_queue(NULL, NULL, SCENARIO_CHECK_COUNTS_ZERO, 0, true,
                 "all 3 picks were released exactly once");
    expect_queue(NULL, NULL, SCENARIO_CHECK_QUEUE_WAIT, 200, true, "all 3 "
                 "queued sessions left the queue in time: 2 served, the "
                 "longest after 180 ms (at most 200), 1 timed out");
    expect_queue(NULL, NULL, SCENARIO_CHECK_QUEUE_WAIT, 100, false, "pick 8 "
                 "(sid 3, t=0.300s): session 3 waited 180 ms in the queue "
                 "(queued at seq 3, t=0.120s), more than 100 ms");
    expect_queue("queued_ms=90", "queued_ms=900", SCENARIO_CHECK_QUEUE_WAIT,
                 1000, false, "pick 6 (sid 2, t=0.200s) took the session out "
                 "of the queue 90 ms after it entered (queued at seq 2, "
                 "t=0.110s), but logged queued_ms=900");
    expect_queue("ts=100.430000 ev=queue_timeout sid=4 seq=9 ms=300",
                 "ts=100.330000 ev=queue_timeout sid=4 seq=9 ms=200",
                 SCENARIO_CHECK_QUEUE_WAIT, 200, false, "queue_timeout 9 "
                 "(sid 4, t=0.330s): session 4 waited 200 ms in the queue "
                 "(queued at seq 4, t=0.130s), and timed out before its 300 "
                 "ms");
    expect_queue(NULL, NULL, SCENARIO_CHECK_QUEUE_FIFO, 0, true, "all 2 "
                 "sessions served from the queue left it in the order they "
                 "entered it");
    /* A queue served last in, first out. */
    expect_queue("pick sid=2 seq=6 be=b1 cand=\"b1:0/up\" queued_ms=90",
                 "pick sid=3 seq=6 be=b1 cand=\"b1:0/up\" queued_ms=80",
                 SCENARIO_CHECK_QUEUE_FIFO, 0, false, "pick 6 (sid 3, "
                 "t=0.200s) served session 3 from the queue (queued at seq "
                 "3, t=0.120s) while session 2, queued before it (seq 2, "
                 "t=0.110s), was still waiting: the queue must be served in "
                 "order");
}

/* A client failed by the queue's timeout is explained; by nothing else it
 * would not be. */
static void test_no_lost_clients_queue(void)
{
    struct fixture *f = queue_fixture(NULL, NULL);

    add_burst(f, queue_clients, 1, false);
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, true,
                  "1 by the proxy's queue timeout");
    fixture_free(f);
    f = queue_fixture("reason=queue_timeout", "reason=client_closed");
    add_burst(f, queue_clients, 1, false);
    expect_result(f, SCENARIO_CHECK_NO_LOST_CLIENTS, false,
                  "client 127.0.0.1:50004 (burst 1, session 4) failed with "
                  "closed at t=0.501s: its session ended (reason "
                  "client_closed) before reaching a backend");
    fixture_free(f);
}

static CU_TestInfo check_operate_tests[] = {
    { "cand states and effective weights", test_cand_states_and_weights },
    { "replay through drain, remove and add",
      test_replay_through_drain_remove_add },
    { "replay refuses removing a ready backend",
      test_replay_refuses_removal_of_a_ready_backend },
    { "replay: standby backends", test_replay_standby },
    { "drained NAME within D", test_drained_within },
    { "slowstart NAME", test_slowstart },
    { "ejected NAME within D, restored NAME", test_ejection },
    { "queue-wait<=D, queue fifo", test_queue },
    { "no-lost-clients: the queue's timeout", test_no_lost_clients_queue },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_operate, check_operate_tests)
