/*
 * test_check_relay: relay exact and resets passed (check_relay.c, with the
 * backends' logs indexed by check_backends.c) judged on hand-written logs.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "check_fixture.h"
#include "testlib.h"

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

static CU_TestInfo check_relay_tests[] = {
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
    { "resets passed", test_resets_passed },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(check_relay, check_relay_tests)
