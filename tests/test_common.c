/*
 * test_common: the small shared modules of common/ that have no suite of
 * their own.
 *
 *   parse  parse_long, parse_duration_ms, parse_size: good values, units,
 *          empty text, junk after the number, signs, blanks, hex,
 *          exponents, inf and nan, fractions that are not whole units,
 *          overflow, out of range, and *out left alone on every error;
 *          parse_escape: control bytes and C1 controls as \xNN, cutting
 *          before a whole character, and escaping in place;
 *   heap   thousands of random push / remove / re-key operations checked
 *          against a plain array, with heap_top always the minimum and
 *          every node's index pointing back at it;
 *   net    net_parse_hostport (ports 0, 65535, 65536, -1, "abc", IPv4,
 *          [::1], missing port, default host), net_addr_format, and
 *          net_local_failure on a real EMFILE and a real refusal.
 *
 * Only numeric hosts are used, so no test waits for DNS.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "count_of.h"
#include "heap.h"
#include "net.h"
#include "parse.h"
#include "testlib.h"

/* A value no parser would produce: shows that *out was not touched. */
#define UNTOUCHED (-424242L)

/* --- parse_long --------------------------------------------------------- */

/* Runs parse_long and returns its result; *out starts as UNTOUCHED. */
static int try_long(const char *text, long min, long max, long *out)
{
    *out = UNTOUCHED;
    return parse_long(text, min, max, out);
}

static void test_parse_long_good(void)
{
    long v;

    CU_ASSERT_EQUAL(try_long("0", 0, 10, &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(try_long("42", 0, 100, &v), 0);
    CU_ASSERT_EQUAL(v, 42);
    CU_ASSERT_EQUAL(try_long("-17", -20, 20, &v), 0);
    CU_ASSERT_EQUAL(v, -17);
    /* Both bounds are inclusive. */
    CU_ASSERT_EQUAL(try_long("-20", -20, 20, &v), 0);
    CU_ASSERT_EQUAL(v, -20);
    CU_ASSERT_EQUAL(try_long("20", -20, 20, &v), 0);
    CU_ASSERT_EQUAL(v, 20);
    CU_ASSERT_EQUAL(try_long("9223372036854775807", 0, LONG_MAX, &v), 0);
    CU_ASSERT_EQUAL(v, LONG_MAX);
    CU_ASSERT_EQUAL(try_long("-9223372036854775808", LONG_MIN, 0, &v), 0);
    CU_ASSERT_EQUAL(v, LONG_MIN);
}

static void test_parse_long_not_a_number(void)
{
    static const char *const bad[] = {
        "", " 1", "1 ", "12x", "x", "-", "1.5", "0x10", "1e3", "\t3",
        "+5", "+0", "- 5", "--5", "-+5", "0X1F", "inf", "nan", "1,000",
        "5\n", "-0", "-000",
    };
    long v;

    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        errno = 0;
        CU_ASSERT_EQUAL(try_long(bad[i], LONG_MIN, LONG_MAX, &v), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        CU_ASSERT_EQUAL(v, UNTOUCHED);
    }
}

static void test_parse_long_range(void)
{
    long v;

    errno = 0;
    CU_ASSERT_EQUAL(try_long("11", 0, 10, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    errno = 0;
    CU_ASSERT_EQUAL(try_long("-1", 0, 10, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    /* Overflow of long itself. */
    errno = 0;
    CU_ASSERT_EQUAL(try_long("99999999999999999999", LONG_MIN, LONG_MAX, &v),
                    -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    errno = 0;
    CU_ASSERT_EQUAL(try_long("-99999999999999999999", LONG_MIN, LONG_MAX, &v),
                    -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    errno = 0;
    CU_ASSERT_EQUAL(try_long("9223372036854775808", 0, LONG_MAX, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
}

/* --- parse_duration_ms --------------------------------------------------- */

static void test_parse_duration_good(void)
{
    static const struct {
        const char *text;
        long ms;
    } cases[] = {
        { "0", 0 },         { "250", 250 },     { "250ms", 250 },
        { "2s", 2000 },     { "1.5s", 1500 },   { "0.25s", 250 },
        { "1m", 60000 },    { "2.5m", 150000 }, { "0ms", 0 },
        { "3000", 3000 },   { "007s", 7000 },   { "1.0", 1 },
        /* Exact: through a double 0.29 * 1000 is 289.99999999999997. */
        { "0.29s", 290 },   { "0.001s", 1 },    { "1.50000000000s", 1500 },
        { "0.0005m", 30 },
    };
    long v;

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        v = UNTOUCHED;
        CU_ASSERT_EQUAL(parse_duration_ms(cases[i].text, 0, 3600000, &v), 0);
        CU_ASSERT_EQUAL(v, cases[i].ms);
    }
}

static void test_parse_duration_bad(void)
{
    static const char *const bad[] = {
        "", "s", "ms", "-1", " 5", "5 ", "5x", "5 s", "5sec", "5mss", "5h",
        "1s5", ".5s", "abc",
        /* Hex, exponents, signs and what strtod reads besides digits. */
        "0x10s", "0x10", "0X1p4s", "1e1s", "1e1", "1E3ms", "1e400", "+5s",
        "+5", "inf", "infs", "nan", "nanms", "5.", "5.s", "1..5s",
        /* Fractions that are not whole milliseconds. */
        "1.5", "1.5ms", "0.0001s", "0.00001m", "1.0000000001s",
    };
    long v;

    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        v = UNTOUCHED;
        errno = 0;
        CU_ASSERT_EQUAL(parse_duration_ms(bad[i], 0, 3600000, &v), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        CU_ASSERT_EQUAL(v, UNTOUCHED);
    }
}

static void test_parse_duration_range(void)
{
    long v = UNTOUCHED;

    /* Bounds apply after the unit: 10s is 10000 ms. */
    CU_ASSERT_EQUAL(parse_duration_ms("10s", 0, 10000, &v), 0);
    CU_ASSERT_EQUAL(v, 10000);
    v = UNTOUCHED;
    errno = 0;
    CU_ASSERT_EQUAL(parse_duration_ms("11s", 0, 10000, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    errno = 0;
    CU_ASSERT_EQUAL(parse_duration_ms("0", 1, 10000, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    /* Far beyond a long. */
    errno = 0;
    CU_ASSERT_EQUAL(parse_duration_ms("99999999999999999999999m", 0, LONG_MAX,
                                      &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
}

/* --- parse_size ---------------------------------------------------------- */

static void test_parse_size_good(void)
{
    static const struct {
        const char *text;
        long bytes;
    } cases[] = {
        { "0", 0 },             { "512", 512 },         { "4k", 4096 },
        { "4K", 4096 },         { "1M", 1048576 },      { "1G", 1073741824L },
        { "1.5k", 1536 },       { "64K", 65536 },       { "0.5M", 524288 },
        { "0.25k", 256 },       { "010", 10 },
    };
    long v;

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        v = UNTOUCHED;
        CU_ASSERT_EQUAL(parse_size(cases[i].text, 0, LONG_MAX, &v), 0);
        CU_ASSERT_EQUAL(v, cases[i].bytes);
    }
}

static void test_parse_size_bad(void)
{
    static const char *const bad[] = {
        "", "k", "-1", "4KB", "4kk", "4 k", " 4", "4m", "4g", "x4", "4T",
        "0x10", "0x10k", "1e3", "1e1k", "+4k", "inf", "nan", "4k ",
        /* Fractions that are not whole bytes. */
        "1.5", "0.1k", "1.0000000001G",
    };
    long v;

    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        v = UNTOUCHED;
        errno = 0;
        CU_ASSERT_EQUAL(parse_size(bad[i], 0, LONG_MAX, &v), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        CU_ASSERT_EQUAL(v, UNTOUCHED);
    }
}

static void test_parse_size_range(void)
{
    long v = UNTOUCHED;

    CU_ASSERT_EQUAL(parse_size("1G", 0, 1073741824L, &v), 0);
    CU_ASSERT_EQUAL(v, 1073741824L);
    v = UNTOUCHED;
    errno = 0;
    CU_ASSERT_EQUAL(parse_size("2G", 0, 1073741824L, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    errno = 0;
    CU_ASSERT_EQUAL(parse_size("1k", 2048, 4096, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
    errno = 0;
    CU_ASSERT_EQUAL(parse_size("99999999999G", 0, LONG_MAX, &v), -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);
}

/*
 * At the very top of long's range: 2^33 G is exactly 2^63, one more than
 * LONG_MAX, and LONG_MAX itself cannot be held exactly by a double. The
 * parser must say ERANGE or give a value in [min, max], never wrap.
 */
static void test_parse_units_at_long_max(void)
{
    long v = UNTOUCHED;
    int rc;

    errno = 0;
    rc = parse_size("8589934592G", 0, LONG_MAX, &v);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(errno, ERANGE);
    CU_ASSERT_EQUAL(v, UNTOUCHED);

    v = UNTOUCHED;
    rc = parse_size("9223372036854775807", 0, LONG_MAX, &v);
    if (rc == 0) {
        CU_ASSERT(v >= 0);
    } else {
        CU_ASSERT_EQUAL(v, UNTOUCHED);
    }

    v = UNTOUCHED;
    rc = parse_duration_ms("9223372036854775807", 0, LONG_MAX, &v);
    if (rc == 0) {
        CU_ASSERT(v >= 0);
    } else {
        CU_ASSERT_EQUAL(v, UNTOUCHED);
    }
}

/* --- parse_escape -------------------------------------------------------- */

/* True when text holds no byte a terminal could take as a command. */
static bool is_inert(const char *text)
{
    const unsigned char *start = (const unsigned char *)text;

    for (const unsigned char *p = start; *p; p++) {
        bool c1 = *p >= 0x80 && *p <= 0x9f;

        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
                                         p[1] <= 0x9f) ||
            (c1 && (p == start || p[-1] < 0x80)))
            return false;
    }
    return true;
}

static void test_parse_escape(void)
{
    static const struct {
        const char *text;
        const char *shown;
    } cases[] = {
        { "", "" },
        { "plain 100%", "plain 100%" },
        /* An OSC that retitles the terminal, and a CSI that clears it. */
        { "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07" },
        { "a\x1b[2Jb", "a\\x1b[2Jb" },
        { "tab\there\nnl\rcr\x7f", "tab\\x09here\\x0anl\\x0dcr\\x7f" },
        /* C1 CSI (U+009B) in UTF-8; other UTF-8 is kept. */
        { "x\xc2\x9b" "2J", "x\\xc2\\x9b2J" },
        /* A lone C1 byte (CSI for an 8-bit terminal), first or after ASCII;
         * as a UTF-8 continuation byte (U+201B) it is kept. */
        { "\x9b" "31m", "\\x9b31m" },
        { "threads '\x9b" "31m'", "threads '\\x9b31m'" },
        { "\xe2\x80\x9b", "\xe2\x80\x9b" },
        { "caf\xc3\xa9 \xc2\xb1 \xe2\x82\xac", "caf\xc3\xa9 \xc2\xb1 \xe2\x82\xac" },
    };
    char buf[64];

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        CU_ASSERT_PTR_EQUAL(parse_escape(cases[i].text, buf, sizeof(buf)),
                            buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].shown);
        CU_ASSERT(is_inert(buf));
    }
}

static void test_parse_escape_cut_and_in_place(void)
{
    char buf[32], small[8];

    /* Too long: cut, with "...", never inside an escape or a character. */
    parse_escape("abcdefghij", small, sizeof(small));
    CU_ASSERT_STRING_EQUAL(small, "abcd...");
    parse_escape("ab\x1b\x1b\x1b", small, sizeof(small));
    CU_ASSERT_STRING_EQUAL(small, "ab...");
    parse_escape("abc\xc3\xa9" "fgh", small, sizeof(small));
    CU_ASSERT_STRING_EQUAL(small, "abc...");
    parse_escape("abcdefg", small, sizeof(small));       /* fits exactly */
    CU_ASSERT_STRING_EQUAL(small, "abcdefg");
    parse_escape("abc", small, 2);
    CU_ASSERT_STRING_EQUAL(small, ".");

    /* In place: the text grows over itself. */
    snprintf(buf, sizeof(buf), "v='\x1b]0;x\x07' \xc2\x9b!");
    CU_ASSERT_PTR_EQUAL(parse_escape(buf, buf, sizeof(buf)), buf);
    CU_ASSERT_STRING_EQUAL(buf, "v='\\x1b]0;x\\x07' \\xc2\\x9b!");
    snprintf(buf, sizeof(buf), "%s", "\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b");
    parse_escape(buf, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b...");
    /* Escaping twice changes nothing more. */
    parse_escape(buf, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b...");
}

/* --- heap ---------------------------------------------------------------- */

#define HEAP_TEST_NODES 300
#define HEAP_TEST_OPS 20000

/* A deterministic generator (xorshift64*), so a failure can be replayed. */
static uint64_t next_rand(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

/* Checks the heap against the reference: same members, index back-links,
 * heap order, and heap_top holding the smallest key. Returns failures. */
static int heap_check(const struct heap *heap, struct heap_node *nodes,
                      const bool *queued)
{
    int failures = 0;
    size_t members = 0;
    uint64_t min = UINT64_MAX;
    struct heap_node *top = heap_top(heap);

    for (size_t i = 0; i < HEAP_TEST_NODES; i++) {
        if (queued[i] != heap_node_queued(&nodes[i]))
            failures++;
        if (!queued[i])
            continue;
        members++;
        if (nodes[i].key < min)
            min = nodes[i].key;
        if (nodes[i].index >= heap->count ||
            heap->nodes[nodes[i].index] != &nodes[i])
            failures++;
    }
    if (members != heap->count)
        failures++;
    for (size_t i = 1; i < heap->count; i++) {
        if (heap->nodes[(i - 1) / 2]->key > heap->nodes[i]->key)
            failures++;
    }
    if (members == 0)
        failures += top != NULL;
    else
        failures += top == NULL || top->key != min;
    return failures;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void test_heap_empty(void)
{
    struct heap heap;
    struct heap_node node;

    heap_init(&heap);
    heap_node_init(&node);
    CU_ASSERT_PTR_NULL(heap_top(&heap));
    CU_ASSERT_FALSE(heap_node_queued(&node));
    heap_remove(&heap, &node);      /* not queued: nothing happens */
    CU_ASSERT_EQUAL(heap.count, 0);
    CU_ASSERT_EQUAL(heap_set(&heap, &node, 5), 0);
    CU_ASSERT_TRUE(heap_node_queued(&node));
    CU_ASSERT_PTR_EQUAL(heap_top(&heap), &node);
    heap_remove(&heap, &node);
    CU_ASSERT_FALSE(heap_node_queued(&node));
    CU_ASSERT_PTR_NULL(heap_top(&heap));
    heap_free(&heap);
    CU_ASSERT_PTR_NULL(heap.nodes);
    CU_ASSERT_EQUAL(heap.count, 0);
}

static void test_heap_random_against_reference(void)
{
    static struct heap_node nodes[HEAP_TEST_NODES];
    static bool queued[HEAP_TEST_NODES];
    uint64_t rng = 0x1234abcdULL, sorted[HEAP_TEST_NODES], last;
    struct heap heap;
    size_t members = 0;
    int failures = 0;

    heap_init(&heap);
    for (size_t i = 0; i < HEAP_TEST_NODES; i++) {
        heap_node_init(&nodes[i]);
        queued[i] = false;
    }
    for (int op = 0; op < HEAP_TEST_OPS; op++) {
        size_t i = (size_t)(next_rand(&rng) % HEAP_TEST_NODES);
        /* Small key range: many equal keys, the tricky case. */
        uint64_t key = next_rand(&rng) % 1000;

        if (next_rand(&rng) % 3 == 0) {
            heap_remove(&heap, &nodes[i]);      /* also when not queued */
            queued[i] = false;
        } else {
            /* Pushes a new node or re-keys a queued one, up or down. */
            if (heap_set(&heap, &nodes[i], key) != 0)
                failures++;
            queued[i] = true;
            if (nodes[i].key != key)
                failures++;
        }
        if (op % 97 == 0 || op < 500)
            failures += heap_check(&heap, nodes, queued);
    }
    failures += heap_check(&heap, nodes, queued);
    CU_ASSERT_EQUAL(failures, 0);

    /* Popping the top until empty yields the reference keys in order. */
    for (size_t i = 0; i < HEAP_TEST_NODES; i++) {
        if (queued[i])
            sorted[members++] = nodes[i].key;
    }
    qsort(sorted, members, sizeof(sorted[0]), compare_u64);
    last = 0;
    for (size_t k = 0; k < members; k++) {
        struct heap_node *top = heap_top(&heap);

        CU_ASSERT_PTR_NOT_NULL_FATAL(top);
        CU_ASSERT_EQUAL(top->key, sorted[k]);
        CU_ASSERT(top->key >= last);
        last = top->key;
        heap_remove(&heap, top);
        CU_ASSERT_FALSE(heap_node_queued(top));
    }
    CU_ASSERT_PTR_NULL(heap_top(&heap));
    CU_ASSERT_EQUAL(heap.count, 0);
    heap_free(&heap);
}

/* Re-keying the top below and above its neighbours keeps the order. */
static void test_heap_rekey(void)
{
    struct heap_node a, b, c;
    struct heap heap;

    heap_init(&heap);
    heap_node_init(&a);
    heap_node_init(&b);
    heap_node_init(&c);
    CU_ASSERT_EQUAL(heap_set(&heap, &a, 10), 0);
    CU_ASSERT_EQUAL(heap_set(&heap, &b, 20), 0);
    CU_ASSERT_EQUAL(heap_set(&heap, &c, 30), 0);
    CU_ASSERT_PTR_EQUAL(heap_top(&heap), &a);
    CU_ASSERT_EQUAL(heap_set(&heap, &a, 40), 0);   /* later: b first */
    CU_ASSERT_PTR_EQUAL(heap_top(&heap), &b);
    CU_ASSERT_EQUAL(heap_set(&heap, &c, 5), 0);    /* earlier: c first */
    CU_ASSERT_PTR_EQUAL(heap_top(&heap), &c);
    CU_ASSERT_EQUAL(heap.count, 3);                /* re-key adds nothing */
    heap_remove(&heap, &c);
    CU_ASSERT_PTR_EQUAL(heap_top(&heap), &b);
    heap_remove(&heap, &b);
    CU_ASSERT_PTR_EQUAL(heap_top(&heap), &a);
    heap_free(&heap);
}

/* --- net ----------------------------------------------------------------- */

/* Parses text and formats it back; returns net_parse_hostport's result. */
static int parse_format(const char *text, const char *default_host,
                        struct net_addr *addr, char *formatted, char *err)
{
    int rc;

    err[0] = '\0';
    memset(addr, 0, sizeof(*addr));
    rc = net_parse_hostport(text, default_host, addr, err, 256);
    if (rc == 0)
        net_addr_format(addr, formatted, NET_ADDR_STRLEN);
    return rc;
}

static void test_net_parse_ports(void)
{
    struct net_addr addr;
    char text[NET_ADDR_STRLEN], err[256];

    CU_ASSERT_EQUAL(parse_format("127.0.0.1:0", NULL, &addr, text, err), 0);
    CU_ASSERT_STRING_EQUAL(text, "127.0.0.1:0");
    CU_ASSERT_EQUAL(net_addr_port(&addr), 0);
    CU_ASSERT_EQUAL(parse_format("127.0.0.1:65535", NULL, &addr, text, err),
                    0);
    CU_ASSERT_STRING_EQUAL(text, "127.0.0.1:65535");
    CU_ASSERT_EQUAL(net_addr_port(&addr), 65535);
    CU_ASSERT_EQUAL(addr.sa.ss_family, AF_INET);
    CU_ASSERT_EQUAL(addr.len, sizeof(struct sockaddr_in));

    static const char *const bad[] = {
        "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:abc", "127.0.0.1:",
        "127.0.0.1:80x", "127.0.0.1: 80", "127.0.0.1", "65536", "-1", "abc",
        "",
    };
    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        CU_ASSERT_EQUAL(parse_format(bad[i], "127.0.0.1", &addr, text, err),
                        -1);
        /* One line of reason. */
        CU_ASSERT(err[0] != '\0');
        CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    }
}

static void test_net_parse_hosts(void)
{
    struct net_addr addr;
    char text[NET_ADDR_STRLEN], err[256];

    CU_ASSERT_EQUAL(parse_format("10.1.2.3:443", NULL, &addr, text, err), 0);
    CU_ASSERT_STRING_EQUAL(text, "10.1.2.3:443");
    CU_ASSERT_EQUAL(parse_format("[::1]:80", NULL, &addr, text, err), 0);
    CU_ASSERT_EQUAL(addr.sa.ss_family, AF_INET6);
    CU_ASSERT_EQUAL(addr.len, sizeof(struct sockaddr_in6));
    CU_ASSERT_STRING_EQUAL(text, "[::1]:80");
    CU_ASSERT_EQUAL(net_addr_port(&addr), 80);
    /* No host: the default one. */
    CU_ASSERT_EQUAL(parse_format("8080", "127.0.0.1", &addr, text, err), 0);
    CU_ASSERT_STRING_EQUAL(text, "127.0.0.1:8080");
    CU_ASSERT_EQUAL(parse_format("9", "10.0.0.7", &addr, text, err), 0);
    CU_ASSERT_STRING_EQUAL(text, "10.0.0.7:9");
    /* IPv6 needs its brackets, and both of them. */
    CU_ASSERT_EQUAL(parse_format("[::1:80", NULL, &addr, text, err), -1);
    CU_ASSERT(err[0] != '\0');
    CU_ASSERT_EQUAL(parse_format("[::1]", NULL, &addr, text, err), -1);
    CU_ASSERT_EQUAL(parse_format("[]:80", NULL, &addr, text, err), -1);
    CU_ASSERT_EQUAL(parse_format(":80", NULL, &addr, text, err), -1);
}

static void test_net_addr_format(void)
{
    struct net_addr addr;
    char err[256], buf[NET_ADDR_STRLEN], small[8];

    CU_ASSERT_EQUAL_FATAL(net_parse_hostport("192.168.100.200:65535", NULL,
                                             &addr, err, sizeof(err)), 0);
    CU_ASSERT_PTR_EQUAL(net_addr_format(&addr, buf, sizeof(buf)), buf);
    CU_ASSERT_STRING_EQUAL(buf, "192.168.100.200:65535");
    /* Cut to the buffer, still terminated. */
    memset(small, 'X', sizeof(small));
    CU_ASSERT_PTR_EQUAL(net_addr_format(&addr, small, sizeof(small)), small);
    CU_ASSERT_STRING_EQUAL(small, "192.168");

    CU_ASSERT_EQUAL_FATAL(net_parse_hostport("[fe80::1:2]:1", NULL, &addr,
                                             err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(net_addr_format(&addr, buf, sizeof(buf)),
                           "[fe80::1:2]:1");
}

/* net_listen on port 0 gets a real port, which net_local_addr reports. */
static void test_net_listen_port_zero(void)
{
    struct net_addr addr, bound;
    char err[256];
    int fd;

    CU_ASSERT_EQUAL_FATAL(net_parse_hostport("127.0.0.1:0", NULL, &addr, err,
                                             sizeof(err)), 0);
    fd = net_listen(&addr, 4);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(net_local_addr(fd, &bound), 0);
    CU_ASSERT(net_addr_port(&bound) > 0);
    CU_ASSERT_EQUAL(bound.sa.ss_family, AF_INET);
    close(fd);
}

/* Out of descriptors, net_connect fails with an errno net_local_failure
 * owns; a refused connect is the peer's and is not. */
static void test_net_local_failure(void)
{
    struct net_addr addr;
    struct rlimit saved, low;
    char err[256];
    int probe, fd, saved_errno;

    CU_ASSERT_EQUAL_FATAL(net_parse_hostport("127.0.0.1:0", NULL, &addr, err,
                                             sizeof(err)), 0);
    fd = net_listen(&addr, 4);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL_FATAL(net_local_addr(fd, &addr), 0);
    close(fd);                          /* nothing listens on addr now */

    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &saved), 0);
    probe = dup(0);                     /* the lowest free descriptor */
    CU_ASSERT_FATAL(probe >= 0);
    close(probe);
    low = saved;
    low.rlim_cur = (rlim_t)probe;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &low), 0);
    fd = net_connect(&addr);
    saved_errno = errno;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &saved), 0);
    CU_ASSERT_EQUAL(fd, -1);
    CU_ASSERT_EQUAL(saved_errno, EMFILE);
    CU_ASSERT(net_local_failure(saved_errno));

    fd = net_connect(&addr);
    if (fd >= 0) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };

        CU_ASSERT_EQUAL(poll(&pfd, 1, 2000), 1);
        saved_errno = net_connect_result(fd);
        close(fd);
    } else {
        saved_errno = errno;
    }
    CU_ASSERT_EQUAL(saved_errno, ECONNREFUSED);
    CU_ASSERT(!net_local_failure(saved_errno));
}

static CU_TestInfo common_tests[] = {
    { "parse_long good values", test_parse_long_good },
    { "parse_long not a number", test_parse_long_not_a_number },
    { "parse_long range and overflow", test_parse_long_range },
    { "parse_duration_ms good values and units", test_parse_duration_good },
    { "parse_duration_ms bad text", test_parse_duration_bad },
    { "parse_duration_ms range and overflow", test_parse_duration_range },
    { "parse_size good values and units", test_parse_size_good },
    { "parse_size bad text", test_parse_size_bad },
    { "parse_size range and overflow", test_parse_size_range },
    { "unit parsers at LONG_MAX do not wrap", test_parse_units_at_long_max },
    { "parse_escape shows control bytes as \\xNN", test_parse_escape },
    { "parse_escape cuts whole characters, works in place",
      test_parse_escape_cut_and_in_place },
    { "heap empty and single node", test_heap_empty },
    { "heap random ops against a reference",
      test_heap_random_against_reference },
    { "heap re-key up and down", test_heap_rekey },
    { "net_parse_hostport ports", test_net_parse_ports },
    { "net_parse_hostport hosts", test_net_parse_hosts },
    { "net_addr_format", test_net_addr_format },
    { "net_listen port 0", test_net_listen_port_zero },
    { "net_local_failure: out of descriptors, not refused",
      test_net_local_failure },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(common, common_tests)
