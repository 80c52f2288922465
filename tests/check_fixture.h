/*
 * check_fixture: what the check suites (test_check*.c) share: a run's
 * outcome built from hand-written logs, and the verdict asserted.
 *
 * Each test builds an outcome from logfmt text (trace_load_text), runs one
 * expectation through check_run and asserts both the verdict and the key
 * words of its reason. The base run is three sessions on two backends
 * (b1 gets sessions 1 and 3, b2 session 2), every log consistent; tests
 * that must fail change one line of it with edit(). The proxy started at
 * ts=100, so ts=100.110100 is "t=0.110s".
 *
 * Everything here is static: the test runner links every module of the
 * four programs, where short names such as load() or edit() must not
 * become global symbols, and each suite uses only part of it.
 */
#ifndef CHECK_FIXTURE_H
#define CHECK_FIXTURE_H

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "outcome.h"
#include "scenario.h"
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

/* --- logs more than one suite reads ---------------------------------- */

/* Every backend down: session 1 is refused; b1 comes back for session 2. */
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

/* b1 refuses session 1, which is retried on b2. */
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

/* --- building outcomes ------------------------------------------------- */

/* A scenario and its outcome; heap-allocated, they are large. */
struct fixture {
    struct scenario scenario;
    struct outcome outcome;
};

static inline void load(struct trace *trace, const char *name,
                        const char *text)
{
    CU_ASSERT_FATAL(trace_load_text(trace, name, text) == 0);
    CU_ASSERT_EQUAL(trace->bad_lines, 0);
}

/* backends b1..bN, weight 1, no logs yet. */
static inline struct fixture *fixture_empty(size_t backends)
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
static inline void add_burst(struct fixture *f, const char *log,
                             int status, bool may_fail)
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
static inline struct fixture *fixture_base(void)
{
    struct fixture *f = fixture_empty(2);

    load(&f->outcome.proxy, "proxy", base_proxy);
    load(&f->outcome.backends[0], "b1", base_b1);
    load(&f->outcome.backends[1], "b2", base_b2);
    load(&f->outcome.timeline, "timeline", base_timeline);
    add_burst(f, base_clients, 0, false);
    return f;
}

/* Gives the scenario the proxy option key=value (after any others). */
static inline void set_proxy_option(struct fixture *f, const char *key,
                                    const char *value)
{
    struct scenario_option *option =
        &f->scenario.proxy[f->scenario.proxy_count++];

    snprintf(option->key, sizeof(option->key), "%s", key);
    snprintf(option->value, sizeof(option->value), "%s", value);
}

/* Replaces a trace's text (the old one is freed). */
static inline void reload(struct trace *trace, const char *text)
{
    trace_free(trace);
    load(trace, "edited", text);
}

static inline void fixture_free(struct fixture *f)
{
    outcome_free(&f->outcome);
    free(f);
}

/* text with its first from replaced by to; the caller frees it. */
static inline char *edit(const char *text, const char *from,
                         const char *to)
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
static inline void reload_edited(struct trace *trace, const char *base,
                                 const char *from, const char *to)
{
    char *text = edit(base, from, to);

    reload(trace, text);
    free(text);
}

static inline struct scenario_expect expect_of(enum scenario_check check)
{
    struct scenario_expect e;

    memset(&e, 0, sizeof(e));
    e.check = check;
    e.points = 1;
    return e;
}

static inline struct check_verdict judge(const struct fixture *f,
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
static inline void expect_result(const struct fixture *f,
                                 enum scenario_check check, bool passed,
                                 const char *words)
{
    struct scenario_expect e = expect_of(check);
    struct check_verdict verdict = judge(f, &e);

    ASSERT_VERDICT(verdict, passed, words);
}

#endif
