/*
 * test_linkmap: seeing through a fault_link (harness_src/linkmap.c).
 *
 *   address    a far-side accept from a link connection's onward address
 *              gets that connection's client, whatever the order of the
 *              accepts; other addresses are left alone
 *   reused     an onward address used twice: the far side's events from
 *              it are paired in order (session numbers for the proxy)
 *   no onward  connections the link refused or could not connect onwards
 *              name no onward address and pair with nothing
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "linkmap.h"
#include "testlib.h"

static const char link_log[] =
    "ts=1.0 ev=listen addr=127.0.0.1:9000 to=127.0.0.1:9001\n"
    "ts=1.1 ev=conn id=1 client=127.0.0.1:5001\n"
    "ts=1.1 ev=onward id=1 local=127.0.0.1:7001\n"
    "ts=1.2 ev=conn id=2 client=127.0.0.1:5002\n"
    "ts=1.3 ev=conn id=3 client=127.0.0.1:5003\n"
    "ts=1.3 ev=onward id=3 local=127.0.0.1:7003\n"
    "ts=1.4 ev=close id=2 bytes_up=0 bytes_down=0 reason=connect_failed\n"
    "ts=1.5 ev=conn id=4 client=127.0.0.1:5004\n"
    "ts=1.6 ev=close id=4 bytes_up=0 bytes_down=0 reason=refused\n"
    "ts=1.7 ev=conn id=5 client=127.0.0.1:5005\n"
    "ts=1.7 ev=onward id=5 local=127.0.0.1:7005\n";

static void test_by_address(void)
{
    struct trace link, far;

    trace_init(&link);
    trace_init(&far);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&link, "link", link_log), 0);
    /* Accepted out of the link's order, and one from elsewhere. */
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&far, "backend",
        "ts=1.15 ev=listen addr=127.0.0.1:9001\n"
        "ts=1.16 ev=accept cid=1 peer=127.0.0.1:7005\n"
        "ts=1.35 ev=accept cid=2 peer=127.0.0.1:7002\n"
        "ts=1.36 ev=close cid=2 peer=127.0.0.1:7003\n"
        "ts=1.75 ev=accept cid=3 peer=127.0.0.1:7001\n"
        "ts=1.76 ev=accept cid=4 peer=127.0.0.1:7003\n"), 0);
    CU_ASSERT_EQUAL(linkmap_apply(&far, "accept", "peer", NULL, &link), 3);
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[1], "peer"),
                           "127.0.0.1:5005");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[2], "peer"),
                           "127.0.0.1:7002");
    /* Only the events named are rewritten. */
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[3], "peer"),
                           "127.0.0.1:7003");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[4], "peer"),
                           "127.0.0.1:5001");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[5], "peer"),
                           "127.0.0.1:5003");
    trace_free(&far);
    trace_free(&link);
}

static void test_reused_address_by_session_number(void)
{
    struct trace link, far;

    trace_init(&link);
    trace_init(&far);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&link, "link",
        "ts=1.1 ev=conn id=1 client=127.0.0.1:5001\n"
        "ts=1.1 ev=onward id=1 local=127.0.0.1:7001\n"
        "ts=1.2 ev=close id=1 bytes_up=1 bytes_down=1 reason=done\n"
        "ts=1.3 ev=conn id=2 client=127.0.0.1:5002\n"
        "ts=1.3 ev=onward id=2 local=127.0.0.1:7001\n"), 0);
    /* Two workers wrote the second session's line first. */
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&far, "proxy",
        "ts=1.3 ev=accept sid=2 client=127.0.0.1:7001\n"
        "ts=1.1 ev=accept sid=1 client=127.0.0.1:7001\n"
        "ts=1.4 ev=accept sid=3 client=127.0.0.1:7001\n"), 0);
    CU_ASSERT_EQUAL(linkmap_apply(&far, "accept", "client", "sid", &link),
                    2);
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[1], "client"),
                           "127.0.0.1:5001");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[0], "client"),
                           "127.0.0.1:5002");
    /* More accepts from it than connections: the rest stay. */
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[2], "client"),
                           "127.0.0.1:7001");
    trace_free(&far);
    trace_free(&link);
}

static void test_no_onward_pairs_nothing(void)
{
    struct trace link, far;

    trace_init(&link);
    trace_init(&far);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&link, "link",
        "ts=1.1 ev=conn id=1 client=127.0.0.1:5001\n"
        "ts=1.2 ev=close id=1 bytes_up=0 bytes_down=0 reason=refused\n"
        "ts=1.3 ev=onward id=9 local=127.0.0.1:7009\n"), 0);
    CU_ASSERT_EQUAL_FATAL(trace_load_text(&far, "backend",
        "ts=1.2 ev=accept cid=1 peer=127.0.0.1:5001\n"
        "ts=1.3 ev=accept cid=2 peer=127.0.0.1:7009\n"), 0);
    CU_ASSERT_EQUAL(linkmap_apply(&far, "accept", "peer", NULL, &link), 0);
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[0], "peer"),
                           "127.0.0.1:5001");
    CU_ASSERT_STRING_EQUAL(trace_get(&far.events[1], "peer"),
                           "127.0.0.1:7009");
    trace_free(&far);
    trace_free(&link);
}

static CU_TestInfo linkmap_tests[] = {
    { "by onward address, whatever the order", test_by_address },
    { "a reused address pairs in session order",
      test_reused_address_by_session_number },
    { "no onward line, no pairing", test_no_onward_pairs_nothing },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(linkmap, linkmap_tests)
