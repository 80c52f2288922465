/*
 * test_linkmap: seeing through a fault_link (harness_src/linkmap.c).
 *
 *   order      the far side's k-th accept gets the link's k-th client
 *   skipped    connections the link refused or could not connect onwards
 *              are left out of the pairing
 *   sid        the proxy's accepts are taken in session-number order,
 *              whatever their order in the file
 *   short      more accepts than link connections: the rest stay as they
 *              were
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "linkmap.h"
#include "testlib.h"

static const char link_log[] =
    "ts=1.0 ev=listen addr=127.0.0.1:9000 to=127.0.0.1:9001\n"
    "ts=1.1 ev=conn id=1 client=127.0.0.1:5001\n"
    "ts=1.2 ev=conn id=2 client=127.0.0.1:5002\n"
    "ts=1.3 ev=conn id=3 client=127.0.0.1:5003\n"
    "ts=1.4 ev=close id=2 bytes_up=0 bytes_down=0 reason=connect_failed\n"
    "ts=1.5 ev=conn id=4 client=127.0.0.1:5004\n"
    "ts=1.6 ev=close id=4 bytes_up=0 bytes_down=0 reason=refused\n"
    "ts=1.7 ev=conn id=5 client=127.0.0.1:5005\n";

static void test_backend_order_and_skipped(void)
{
    struct trace link, far;

    trace_init(&link);
    trace_init(&far);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&link, "link", link_log), 0);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&far, "backend",
        "ts=1.15 ev=listen addr=127.0.0.1:9001\n"
        "ts=1.16 ev=accept cid=1 peer=127.0.0.1:7001\n"
        "ts=1.35 ev=accept cid=2 peer=127.0.0.1:7002\n"
        "ts=1.36 ev=close cid=2 peer=127.0.0.1:7002\n"
        "ts=1.75 ev=accept cid=3 peer=127.0.0.1:7003\n"), 0);
    CU_ASSERT_EQUAL(linkmap_apply(&far, "accept", "peer", NULL, &link), 3);
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[1], "peer"),
                           "127.0.0.1:5001");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[2], "peer"),
                           "127.0.0.1:5003");
    /* Only the events named are rewritten. */
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[3], "peer"),
                           "127.0.0.1:7002");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[4], "peer"),
                           "127.0.0.1:5005");
    trace_free(&far);
    trace_free(&link);
}

static void test_proxy_by_session_number(void)
{
    struct trace link, far;

    trace_init(&link);
    trace_init(&far);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&link, "link", link_log), 0);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&far, "proxy",
        "ts=1.2 ev=accept sid=2 client=127.0.0.1:7002\n"
        "ts=1.2 ev=accept sid=1 client=127.0.0.1:7001\n"), 0);
    CU_ASSERT_EQUAL(linkmap_apply(&far, "accept", "client", "sid", &link),
                    2);
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[1], "client"),
                           "127.0.0.1:5001");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[0], "client"),
                           "127.0.0.1:5003");
    trace_free(&far);
    trace_free(&link);
}

static void test_more_accepts_than_connections(void)
{
    struct trace link, far;

    trace_init(&link);
    trace_init(&far);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&link, "link",
        "ts=1.1 ev=conn id=1 client=127.0.0.1:5001\n"), 0);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&far, "backend",
        "ts=1.2 ev=accept cid=1 peer=127.0.0.1:7001\n"
        "ts=1.3 ev=accept cid=2 peer=127.0.0.1:7002\n"), 0);
    CU_ASSERT_EQUAL(linkmap_apply(&far, "accept", "peer", NULL, &link), 1);
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[0], "peer"),
                           "127.0.0.1:5001");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[1], "peer"),
                           "127.0.0.1:7002");
    trace_free(&far);
    trace_free(&link);
}

static CU_TestInfo linkmap_tests[] = {
    { "backend: accept order, refused and failed left out",
      test_backend_order_and_skipped },
    { "proxy: session numbers give the order", test_proxy_by_session_number },
    { "more accepts than link connections",
      test_more_accepts_than_connections },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(linkmap, linkmap_tests)
