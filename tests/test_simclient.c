/*
 * test_simclient: unit tests for simulate_client's pure modules.
 *
 * Option parsing (good and bad command lines), payload generation (layout,
 * determinism by seed, any slice equal to the whole), reply checking (good,
 * wrong payload, bad or changed name, partial input), percentiles on small
 * hand-checked arrays, and the JSON summary. No sockets, no ports.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../simclient/simclient_options.h"
#include "../simclient/simclient_payload.h"
#include "../simclient/simclient_reply.h"
#include "../simclient/simclient_report.h"
#include "../simclient/simclient_stats.h"
#include "../simclient/simclient_throttle.h"
#include "count_of.h"
#include "line.h"
#include "testlib.h"

#define ARGC(argv) ((int)COUNT_OF(argv) - 1)

/* ---- options ---------------------------------------------------------- */

static void test_options_defaults(void)
{
    char *argv[] = { "simulate_client", NULL };
    struct simclient_options o;
    char err[256] = "";

    CU_ASSERT_EQUAL_FATAL(simclient_options_parse(ARGC(argv), argv, &o, stdout, err,
                                                  sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(o.host, "127.0.0.1");
    CU_ASSERT_EQUAL(o.port, 8080);
    CU_ASSERT_EQUAL(o.clients, 10);
    CU_ASSERT_EQUAL(o.requests, 5);
    CU_ASSERT_EQUAL(o.size, 32);
    CU_ASSERT_EQUAL(o.hold_ms, 0);
    CU_ASSERT_EQUAL(o.ramp_ms, 0);
    CU_ASSERT_EQUAL(o.duration_ms, 0);
    CU_ASSERT_EQUAL(o.timeout_ms, 10000);
    CU_ASSERT_EQUAL(o.seed, 1);
    CU_ASSERT_FALSE(o.half_close);
    CU_ASSERT_FALSE(o.quiet);
    CU_ASSERT_PTR_NULL(o.json_path);
    CU_ASSERT_EQUAL(o.log_level, LOG_WARN);
}

static void test_options_all(void)
{
    char *argv[] = { "simulate_client", "--host", "localhost", "--port", "9000",
                     "-c", "2000", "--requests=7", "-s", "4k", "--hold", "2s",
                     "--ramp", "250ms", "--duration", "1.5", "--timeout", "300",
                     "--seed", "42", "--half-close", "--json", "out.json",
                     "--log-level", "info", "-q", NULL };
    struct simclient_options o;
    char err[256] = "";

    CU_ASSERT_EQUAL_FATAL(simclient_options_parse(ARGC(argv), argv, &o, stdout, err,
                                                  sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(o.host, "localhost");
    CU_ASSERT_EQUAL(o.port, 9000);
    CU_ASSERT_EQUAL(o.clients, 2000);
    CU_ASSERT_EQUAL(o.requests, 7);
    CU_ASSERT_EQUAL(o.size, 4096);
    CU_ASSERT_EQUAL(o.hold_ms, 2000);
    CU_ASSERT_EQUAL(o.ramp_ms, 250);
    CU_ASSERT_EQUAL(o.duration_ms, 1500);
    CU_ASSERT_EQUAL(o.timeout_ms, 300);
    CU_ASSERT_EQUAL(o.seed, 42);
    CU_ASSERT_TRUE(o.half_close);
    CU_ASSERT_TRUE(o.quiet);
    CU_ASSERT_STRING_EQUAL(o.json_path, "out.json");
    CU_ASSERT_EQUAL(o.log_level, LOG_INFO);
}

static void test_options_rates(void)
{
    char *rates[] = { "simulate_client", "--read-rate", "64k", "--write-rate",
                      "2M", NULL };
    char *zero[] = { "simulate_client", "--read-rate", "0", NULL };
    struct simclient_options o;
    char err[256] = "";

    CU_ASSERT_EQUAL_FATAL(simclient_options_parse(ARGC(rates), rates, &o,
                                                  stdout, err, sizeof(err)),
                          0);
    CU_ASSERT_EQUAL(o.read_rate, 64 * 1024);
    CU_ASSERT_EQUAL(o.write_rate, 2 * 1024 * 1024);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(zero), zero, &o, stdout, err,
                                            sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--read-rate"));
}

static void test_options_duration_units(void)
{
    char *seconds[] = { "simulate_client", "--duration", "10", NULL };
    char *minutes[] = { "simulate_client", "--duration", "1m", NULL };
    char *millis[] = { "simulate_client", "--duration", "500ms", NULL };
    struct simclient_options o;
    char err[256];

    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(seconds), seconds, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.duration_ms, 10000);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(minutes), minutes, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.duration_ms, 60000);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(millis), millis, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.duration_ms, 500);
}

static void test_options_help_version(void)
{
    char *help[] = { "simulate_client", "-c", "3", "--help", "--bogus", NULL };
    char *version[] = { "simulate_client", "-V", NULL };
    struct simclient_options o;
    char err[256], text[8192];
    FILE *out = fmemopen(text, sizeof(text), "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(version), version, &o, out,
                                            err, sizeof(err)), OPTIONS_EXIT);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(help), help, &o, out, err,
                                            sizeof(err)), OPTIONS_EXIT);
    fclose(out);
    CU_ASSERT(strncmp(text, "simulate_client 1.0.0\nUsage: simulate_client ",
                      45) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  -c, --clients N"));
}

/* Parses one bad command line; the reason must contain `expect`. */
static void expect_bad(char **argv, int argc, const char *expect)
{
    struct simclient_options o;
    char err[256] = "";

    CU_ASSERT_EQUAL(simclient_options_parse(argc, argv, &o, stdout, err, sizeof(err)),
                    -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, expect));
    if (strstr(err, expect) == NULL)
        fprintf(stderr, "\n  got \"%s\", wanted \"%s\"\n", err, expect);
}

static void test_options_bad(void)
{
    char *unknown[] = { "simulate_client", "--bogus", NULL };
    char *unknown_short[] = { "simulate_client", "-x", NULL };
    char *missing[] = { "simulate_client", "--port", NULL };
    char *missing_short[] = { "simulate_client", "-c", NULL };
    char *range[] = { "simulate_client", "-c", "0", NULL };
    char *word[] = { "simulate_client", "-n", "five", NULL };
    char *size[] = { "simulate_client", "-s", "17M", NULL };
    char *level[] = { "simulate_client", "--log-level", "loud", NULL };
    char *value[] = { "simulate_client", "--half-close=yes", NULL };
    char *extra[] = { "simulate_client", "stray", NULL };
    char *empty[] = { "simulate_client", "--host", "", NULL };

    expect_bad(unknown, ARGC(unknown), "unknown option '--bogus'");
    expect_bad(unknown_short, ARGC(unknown_short), "unknown option '-x'");
    expect_bad(missing, ARGC(missing), "'--port' needs a value");
    expect_bad(missing_short, ARGC(missing_short), "'-c' needs a value");
    expect_bad(range, ARGC(range), "--clients '0': must be a whole number from 1 to 100000");
    expect_bad(word, ARGC(word), "--requests 'five': must be a whole number");
    expect_bad(size, ARGC(size), "--size '17M': must be a size from 1 to 16M bytes");
    expect_bad(level, ARGC(level), "--log-level 'loud': must be error, warn, info or debug");
    expect_bad(value, ARGC(value), "'--half-close' takes no value");
    expect_bad(extra, ARGC(extra), "unexpected argument 'stray'");
    expect_bad(empty, ARGC(empty), "--host");
}

static void test_options_expect(void)
{
    char *echo[] = { "simulate_client", "--expect", "echo", NULL };
    char *line[] = { "simulate_client", "--expect=line", NULL };
    char *bad[] = { "simulate_client", "--expect", "any", NULL };
    struct simclient_options o;
    char err[256];

    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(echo), echo, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.expect, SIMCLIENT_REPLY_EXPECT_ECHO);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(line), line, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.expect, SIMCLIENT_REPLY_EXPECT_LINE);
    expect_bad(bad, ARGC(bad), "--expect 'any': must be line or echo");
}

/* --host localhost is tried on both loopback addresses (RFC 6761), even
 * where /etc/hosts names only one of them. */
static void test_options_target_localhost(void)
{
    char *argv[] = { "simulate_client", "--host", "localhost", "--port", "9",
                     NULL };
    struct simclient_options o;
    struct net_addrs targets;
    char err[256], text[NET_ADDRS_STRLEN];

    CU_ASSERT_EQUAL_FATAL(simclient_options_parse(ARGC(argv), argv, &o, stdout, err,
                                                  sizeof(err)), 0);
    CU_ASSERT_EQUAL_FATAL(simclient_options_target(&o, &targets, err,
                                                   sizeof(err)), 0);
    CU_ASSERT_EQUAL(targets.count, 2);
    net_addrs_format(&targets, text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "[::1]:9"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "127.0.0.1:9"));
}

/* Decimal digits only, each value once, control bytes shown as \xNN. */
static void test_options_strict(void)
{
    char *plus[] = { "simulate_client", "--clients", "+5", NULL };
    char *hex[] = { "simulate_client", "--timeout", "0x10", NULL };
    char *exponent[] = { "simulate_client", "--duration", "1e1", NULL };
    char *exponent_s[] = { "simulate_client", "--hold", "1e1s", NULL };
    char *half_ms[] = { "simulate_client", "--ramp", "1.5ms", NULL };
    char *port[] = { "simulate_client", "--port", "+80", NULL };
    char *twice[] = { "simulate_client", "-c", "5", "--clients=6", NULL };
    char *twice_n[] = { "simulate_client", "-n", "1", "-n", "2", NULL };
    char *escape[] = { "simulate_client", "--log-level", "\x1b]0;pwned\x07",
                       NULL };
    char *flags[] = { "simulate_client", "-q", "--quiet", "--duration", "1.5",
                      NULL };
    struct simclient_options o;
    char err[256] = "";

    expect_bad(plus, ARGC(plus), "--clients '+5': must be a whole number");
    expect_bad(hex, ARGC(hex), "--timeout '0x10': must be a duration");
    expect_bad(exponent, ARGC(exponent), "--duration '1e1': must be a number of seconds");
    expect_bad(exponent_s, ARGC(exponent_s), "--hold '1e1s': must be a duration");
    expect_bad(half_ms, ARGC(half_ms), "--ramp '1.5ms': must be a duration");
    expect_bad(port, ARGC(port), "--port '+80': must be a whole number");
    expect_bad(twice, ARGC(twice), "--clients is given twice");
    expect_bad(twice_n, ARGC(twice_n), "--requests is given twice");
    expect_bad(escape, ARGC(escape),
               "--log-level '\\x1b]0;pwned\\x07': must be error");
    /* A flag twice changes nothing; a fraction of a second is whole ms. */
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(flags), flags, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_TRUE(o.quiet);
    CU_ASSERT_EQUAL(o.duration_ms, 1500);
}

static void test_options_size_fits_tag(void)
{
    /* "c10r5:" is 6 bytes; with --duration ids may reach 4294967295. */
    char *fits[] = { "simulate_client", "-s", "6", NULL };
    char *small[] = { "simulate_client", "-s", "5", NULL };
    char *duration[] = { "simulate_client", "-s", "13", "--duration", "1",
                         NULL };
    struct simclient_options o;
    char err[256];

    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(fits), fits, &o, stdout, err,
                                            sizeof(err)), 0);
    CU_ASSERT_EQUAL(simclient_options_min_size(&o), 6);
    expect_bad(small, ARGC(small), "at least 6 bytes");
    expect_bad(duration, ARGC(duration), "at least 14 bytes");
}

/* ---- payload ---------------------------------------------------------- */

static void make_line(uint64_t seed, uint64_t conn, uint64_t request,
                      size_t size, char *buf)
{
    struct simclient_payload p = { seed, conn, request, size };

    simclient_payload_read(&p, 0, buf, simclient_payload_line_len(&p));
}

static void test_payload_layout(void)
{
    char line[201];

    make_line(1, 17, 3, 200, line);
    CU_ASSERT_EQUAL(memcmp(line, "c17r3:", 6), 0);
    CU_ASSERT_EQUAL(line[200], '\n');
    for (int i = 0; i < 200; i++) {
        CU_ASSERT(line[i] > ' ' && line[i] < 0x7f);
        if (!(line[i] > ' ' && line[i] < 0x7f))
            break;
    }
    CU_ASSERT_EQUAL(simclient_payload_tag_len(17, 3), 6);
    CU_ASSERT_EQUAL(simclient_payload_tag_len(4294967295u, 1000000), 20);
}

static void test_payload_seed_determinism(void)
{
    char a[257], b[257], c[257], d[257];

    make_line(42, 5, 2, 256, a);
    make_line(42, 5, 2, 256, b);
    make_line(43, 5, 2, 256, c);
    make_line(42, 6, 2, 256, d);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
    /* Another seed changes the filler, not the tag. */
    CU_ASSERT_EQUAL(memcmp(a, c, 5), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a + 5, c + 5, sizeof(a) - 5), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a + 5, d + 5, sizeof(a) - 5), 0);
}

static void test_payload_slices(void)
{
    struct simclient_payload p = { 7, 123, 45, 1000 };
    char whole[1001], pieces[1001];
    size_t offset = 0, step = 1;

    simclient_payload_read(&p, 0, whole, sizeof(whole));
    /* Odd piece sizes cross the 8-byte filler blocks and the tag's end. */
    while (offset < sizeof(pieces)) {
        size_t len = step < sizeof(pieces) - offset ? step
                                                    : sizeof(pieces) - offset;

        simclient_payload_read(&p, offset, pieces + offset, len);
        offset += len;
        step = step % 13 + 3;
    }
    CU_ASSERT_EQUAL(memcmp(whole, pieces, sizeof(whole)), 0);
}

/* ---- reply ------------------------------------------------------------ */

/* Builds "NAME PAYLOAD\n" for request (1, 1) of size bytes into buf. */
static size_t make_reply(const char *name, size_t size, char *buf,
                         struct simclient_payload *expected)
{
    size_t name_len = strlen(name);

    *expected = (struct simclient_payload){ 9, 1, 1, size };
    memcpy(buf, name, name_len);
    buf[name_len] = ' ';
    simclient_payload_read(expected, 0, buf + name_len + 1, size + 1);
    return name_len + 1 + size + 1;
}

static void test_reply_good(void)
{
    struct simclient_payload expected;
    struct simclient_reply reply;
    char buf[128];
    size_t len = make_reply("b1", 40, buf, &expected);

    memcpy(buf + len, "b1 c1r2", 7); /* the start of the next reply */
    simclient_reply_start(&reply, &expected, SIMCLIENT_REPLY_EXPECT_LINE, NULL);
    CU_ASSERT_EQUAL(simclient_reply_feed(&reply, buf, len + 7), (ssize_t)len);
    CU_ASSERT_EQUAL(reply.stage, SIMCLIENT_REPLY_STAGE_DONE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(simclient_reply_name(&reply));
    CU_ASSERT_STRING_EQUAL(simclient_reply_name(&reply), "b1");
}

static void test_reply_partial(void)
{
    struct simclient_payload expected;
    struct simclient_reply reply;
    char buf[128];
    size_t len = make_reply("backend-7", 50, buf, &expected);

    simclient_reply_start(&reply, &expected, SIMCLIENT_REPLY_EXPECT_LINE,
                          "backend-7");
    CU_ASSERT_EQUAL(simclient_reply_feed(&reply, buf, 4), SIMCLIENT_REPLY_AGAIN);
    CU_ASSERT_PTR_NULL(simclient_reply_name(&reply));
    /* One byte at a time: "need more" until the very last byte. */
    for (size_t i = 4; i + 1 < len; i++)
        CU_ASSERT_EQUAL(simclient_reply_feed(&reply, buf + i, 1),
                        SIMCLIENT_REPLY_AGAIN);
    CU_ASSERT_STRING_EQUAL(simclient_reply_name(&reply), "backend-7");
    CU_ASSERT_EQUAL(simclient_reply_feed(&reply, buf + len - 1, 1), 1);
    CU_ASSERT_EQUAL(reply.stage, SIMCLIENT_REPLY_STAGE_DONE);
}

/* Feeds text as one reply to `expected`; returns the failure kind. */
static enum simclient_failure feed_bad(const char *text,
                                       const struct simclient_payload *expected,
                                       const char *known, size_t *matched)
{
    struct simclient_reply reply;
    ssize_t rc;

    simclient_reply_start(&reply, expected, SIMCLIENT_REPLY_EXPECT_LINE, known);
    rc = simclient_reply_feed(&reply, text, strlen(text));
    CU_ASSERT_EQUAL(rc, -1);
    if (matched != NULL)
        *matched = reply.matched;
    return rc == -1 ? reply.failure : SIMCLIENT_FAILURE_NONE;
}

static void test_reply_wrong_payload(void)
{
    struct simclient_payload expected;
    char buf[128];
    size_t len = make_reply("b1", 30, buf, &expected);
    size_t matched = 0;

    buf[len] = '\0';
    buf[3 + 20] = buf[3 + 20] == 'A' ? 'B' : 'A'; /* payload byte 20 */
    CU_ASSERT_EQUAL(feed_bad(buf, &expected, NULL, &matched),
                    SIMCLIENT_FAILURE_MISMATCH);
    CU_ASSERT_EQUAL(matched, 20);
    /* Too short: LF where payload byte 29 should be. */
    len = make_reply("b1", 30, buf, &expected);
    buf[3 + 29] = '\n';
    buf[3 + 30] = '\0';
    CU_ASSERT_EQUAL(feed_bad(buf, &expected, NULL, &matched),
                    SIMCLIENT_FAILURE_MISMATCH);
    CU_ASSERT_EQUAL(matched, 29);
    /* Too long: a byte where the LF should be. */
    len = make_reply("b1", 30, buf, &expected);
    strcpy(buf + len - 1, "Z\n");
    CU_ASSERT_EQUAL(feed_bad(buf, &expected, NULL, NULL),
                    SIMCLIENT_FAILURE_MISMATCH);
}

static void test_reply_long_name(void)
{
    struct simclient_payload expected;
    struct simclient_reply reply;
    char name[65], buf[128];
    size_t len;

    /* dummy_server allows names of up to 64 characters. */
    memset(name, 'x', 64);
    name[64] = '\0';
    len = make_reply(name, 20, buf, &expected);
    simclient_reply_start(&reply, &expected, SIMCLIENT_REPLY_EXPECT_LINE, NULL);
    CU_ASSERT_EQUAL(simclient_reply_feed(&reply, buf, len), (ssize_t)len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(simclient_reply_name(&reply));
    CU_ASSERT_STRING_EQUAL(simclient_reply_name(&reply), name);
}

static void test_reply_bad_name(void)
{
    struct simclient_payload expected;
    char line[SIMCLIENT_REPLY_NAME_MAX + 2], buf[128];
    struct simclient_reply reply;
    size_t len = make_reply("b2", 20, buf, &expected);

    buf[len] = '\0';
    /* The payload echoed without any name (a raw echo server). */
    simclient_payload_read(&expected, 0, line, 21);
    line[21] = '\0';
    CU_ASSERT_EQUAL(feed_bad(line, &expected, NULL, NULL),
                    SIMCLIENT_FAILURE_NONAME);
    CU_ASSERT_EQUAL(feed_bad(" c1r1:xyz\n", &expected, NULL, NULL),
                    SIMCLIENT_FAILURE_NONAME);
    CU_ASSERT_EQUAL(feed_bad("a\tb c1r1:\n", &expected, NULL, NULL),
                    SIMCLIENT_FAILURE_NONAME);
    CU_ASSERT_EQUAL(feed_bad(buf, &expected, "b1", NULL),
                    SIMCLIENT_FAILURE_SWITCHED);
    /* A name that never ends is no name, and is not reported as one. */
    memset(line, 'n', sizeof(line));
    simclient_reply_start(&reply, &expected, SIMCLIENT_REPLY_EXPECT_LINE, NULL);
    CU_ASSERT_EQUAL(simclient_reply_feed(&reply, line, sizeof(line)), -1);
    CU_ASSERT_EQUAL(reply.failure, SIMCLIENT_FAILURE_NONAME);
    CU_ASSERT_PTR_NULL(simclient_reply_name(&reply));
}

/* Feeds line to a reply that expects an echo of *expected, in pieces of
 * step bytes; returns what the last feed returned. */
static ssize_t feed_echo(struct simclient_reply *reply, const char *line,
                         size_t len, size_t step,
                         const struct simclient_payload *expected)
{
    ssize_t rc = SIMCLIENT_REPLY_AGAIN;

    simclient_reply_start(reply, expected, SIMCLIENT_REPLY_EXPECT_ECHO, NULL);
    for (size_t at = 0; at < len && rc == SIMCLIENT_REPLY_AGAIN; at += step)
        rc = simclient_reply_feed(reply, line + at,
                                  len - at < step ? len - at : step);
    return rc;
}

static void test_reply_echo(void)
{
    struct simclient_payload expected = { 9, 1, 1, 40 };
    struct simclient_reply reply;
    char line[64], named[128];
    size_t named_len = make_reply("b1", 40, named, &expected);

    simclient_payload_read(&expected, 0, line, 41);
    /* The request line itself, whole or a byte at a time, is correct. */
    CU_ASSERT_EQUAL(feed_echo(&reply, line, 41, 41, &expected), 41);
    CU_ASSERT_EQUAL(reply.stage, SIMCLIENT_REPLY_STAGE_DONE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(simclient_reply_name(&reply));
    CU_ASSERT_STRING_EQUAL(simclient_reply_name(&reply), LINE_ECHO_NAME);
    CU_ASSERT_EQUAL(feed_echo(&reply, line, 41, 1, &expected), 1);
    CU_ASSERT_EQUAL(reply.stage, SIMCLIENT_REPLY_STAGE_DONE);
    /* A named reply is not the echo: it differs at its first byte. */
    CU_ASSERT_EQUAL(feed_echo(&reply, named, named_len, 7, &expected), -1);
    CU_ASSERT_EQUAL(reply.failure, SIMCLIENT_FAILURE_MISMATCH);
    CU_ASSERT_EQUAL(reply.matched, 0);
    /* An altered byte, and an echo cut short by an early LF. */
    line[12] = line[12] == 'A' ? 'B' : 'A';
    CU_ASSERT_EQUAL(feed_echo(&reply, line, 41, 41, &expected), -1);
    CU_ASSERT_EQUAL(reply.failure, SIMCLIENT_FAILURE_MISMATCH);
    CU_ASSERT_EQUAL(reply.matched, 12);
    simclient_payload_read(&expected, 0, line, 41);
    line[30] = '\n';
    CU_ASSERT_EQUAL(feed_echo(&reply, line, 31, 41, &expected), -1);
    CU_ASSERT_EQUAL(reply.matched, 30);
}

/* ---- stats and report ------------------------------------------------- */

static void test_percentile(void)
{
    uint64_t ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    uint64_t four[] = { 10, 20, 30, 40 };
    uint64_t one[] = { 7 };
    uint64_t twenty[20], thousand[1000];

    for (int i = 0; i < 20; i++)
        twenty[i] = (uint64_t)i + 1;
    for (int i = 0; i < 1000; i++)
        thousand[i] = (uint64_t)i + 1;
    CU_ASSERT_EQUAL(simclient_stats_percentile(ten, 10, 50), 5);
    CU_ASSERT_EQUAL(simclient_stats_percentile(ten, 10, 90), 9);
    CU_ASSERT_EQUAL(simclient_stats_percentile(ten, 10, 99), 10);
    CU_ASSERT_EQUAL(simclient_stats_percentile(ten, 10, 100), 10);
    CU_ASSERT_EQUAL(simclient_stats_percentile(four, 4, 50), 20);
    CU_ASSERT_EQUAL(simclient_stats_percentile(four, 4, 90), 40);
    CU_ASSERT_EQUAL(simclient_stats_percentile(four, 4, 25), 10);
    CU_ASSERT_EQUAL(simclient_stats_percentile(one, 1, 50), 7);
    CU_ASSERT_EQUAL(simclient_stats_percentile(one, 1, 99), 7);
    CU_ASSERT_EQUAL(simclient_stats_percentile(twenty, 20, 90), 18);
    CU_ASSERT_EQUAL(simclient_stats_percentile(twenty, 20, 99), 20);
    /* 99.9 / 100 * 1000 is 999.0000000000001 in doubles: rank must be 999. */
    CU_ASSERT_EQUAL(simclient_stats_percentile(thousand, 1000, 99.9), 999);
    CU_ASSERT_EQUAL(simclient_stats_percentile(thousand, 1000, 99), 990);
    CU_ASSERT_EQUAL(simclient_stats_percentile(NULL, 0, 50), 0);
}

static void add_conn(struct simclient_stats *stats, enum simclient_failure f,
                     const char *backend, unsigned long sent,
                     unsigned long ok)
{
    struct simclient_stats_conn conn = { f, false, backend, sent, ok,
                                         false, 0 };

    simclient_stats_add_conn(stats, &conn);
}

static void test_stats_counts(void)
{
    struct simclient_stats stats;
    uint64_t samples[] = { 30, 10, 50, 20, 40 };

    simclient_stats_init(&stats);
    for (int i = 0; i < 5; i++)
        simclient_stats_add_latency(&stats, samples[i]);
    add_conn(&stats, SIMCLIENT_FAILURE_NONE, "b2", 3, 3);
    add_conn(&stats, SIMCLIENT_FAILURE_NONE, "b1", 3, 3);
    CU_ASSERT_TRUE(simclient_stats_passed(&stats));
    add_conn(&stats, SIMCLIENT_FAILURE_MISMATCH, "b2", 2, 1);
    add_conn(&stats, SIMCLIENT_FAILURE_CONNECT, NULL, 0, 0);
    simclient_stats_finish(&stats);
    CU_ASSERT_FALSE(simclient_stats_passed(&stats));
    CU_ASSERT_EQUAL(stats.connections, 4);
    CU_ASSERT_EQUAL(stats.connections_failed, 2);
    CU_ASSERT_EQUAL(stats.requests_sent, 8);
    CU_ASSERT_EQUAL(stats.requests_ok, 7);
    CU_ASSERT_EQUAL(stats.errors[SIMCLIENT_FAILURE_MISMATCH], 1);
    CU_ASSERT_EQUAL(stats.errors[SIMCLIENT_FAILURE_CONNECT], 1);
    CU_ASSERT_EQUAL_FATAL(stats.backend_count, 2);
    CU_ASSERT_STRING_EQUAL(stats.backends[0].name, "b1");
    CU_ASSERT_EQUAL(stats.backends[1].connections, 2);
    CU_ASSERT_EQUAL(stats.latency_ns[0], 10);
    CU_ASSERT_EQUAL(simclient_stats_percentile(stats.latency_ns,
                                               stats.latency_count, 50), 30);
    simclient_stats_free(&stats);
}

static void test_report_json(void)
{
    struct simclient_stats stats;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    simclient_stats_init(&stats);
    add_conn(&stats, SIMCLIENT_FAILURE_TIMEOUT, "b\"1\\", 1, 0);
    simclient_stats_add_latency(&stats, 2500000);
    simclient_stats_finish(&stats);
    CU_ASSERT_EQUAL(simclient_report_json(out, &stats), 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"connections\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"connections_failed\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"connect\":0,\"reset\":0,"
                                        "\"closed\":0,\"mismatch\":0,"
                                        "\"noname\":0,\"switched\":0,"
                                        "\"timeout\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"backends\":{\"b\\\"1\\\\\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"p50\":2.500"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"passed\":false"));
    free(text);
    simclient_stats_free(&stats);
}


/* ---- behaviours ------------------------------------------------------- */

/* Parses a NULL-terminated argument list; returns what parse returned. */
static int parse_list(char **args, struct simclient_options *o, char *err,
                      size_t errlen)
{
    int argc = 0;

    while (args[argc] != NULL)
        argc++;
    err[0] = '\0';
    return simclient_options_parse(argc, args, o, stdout, err, errlen);
}

static void test_options_behaviours(void)
{
    char *none[] = { "simulate_client", NULL };
    char *no_read[] = { "simulate_client", "--no-read", NULL };
    char *up[] = { "simulate_client", "--abort", "up", NULL };
    char *down[] = { "simulate_client", "--abort=down", NULL };
    char *trickle[] = { "simulate_client", "--trickle", "50ms", NULL };
    char *idle[] = { "simulate_client", "--idle", "1.5s", NULL };
    char *connect[] = { "simulate_client", "--connect-only", NULL };
    struct simclient_options o;
    char err[256], name[40];

    CU_ASSERT_EQUAL_FATAL(parse_list(none, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.behaviour, SIMCLIENT_BEHAVIOUR_NONE);
    CU_ASSERT_EQUAL(o.abort_at, SIMCLIENT_ABORT_NONE);
    CU_ASSERT_PTR_NULL(simclient_options_behaviour(&o, name, sizeof(name)));
    CU_ASSERT_EQUAL_FATAL(parse_list(no_read, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.behaviour, SIMCLIENT_BEHAVIOUR_NO_READ);
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour(&o, name, sizeof(name)),
                           "no-read");
    CU_ASSERT_EQUAL_FATAL(parse_list(up, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.behaviour, SIMCLIENT_BEHAVIOUR_ABORT);
    CU_ASSERT_EQUAL(o.abort_at, SIMCLIENT_ABORT_UP);
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour(&o, name, sizeof(name)),
                           "abort up");
    CU_ASSERT_EQUAL_FATAL(parse_list(down, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.abort_at, SIMCLIENT_ABORT_DOWN);
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour(&o, name, sizeof(name)),
                           "abort down");
    CU_ASSERT_EQUAL_FATAL(parse_list(trickle, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.behaviour, SIMCLIENT_BEHAVIOUR_TRICKLE);
    CU_ASSERT_EQUAL(o.trickle_ms, 50);
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour(&o, name, sizeof(name)),
                           "trickle 50ms");
    CU_ASSERT_EQUAL_FATAL(parse_list(idle, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.behaviour, SIMCLIENT_BEHAVIOUR_IDLE);
    CU_ASSERT_EQUAL(o.idle_ms, 1500);
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour(&o, name, sizeof(name)),
                           "idle 1500ms");
    CU_ASSERT_EQUAL_FATAL(parse_list(connect, &o, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(o.behaviour, SIMCLIENT_BEHAVIOUR_CONNECT_ONLY);
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour_name(o.behaviour),
                           "connect-only");
    CU_ASSERT_STRING_EQUAL(simclient_options_behaviour_name(
                               (enum simclient_behaviour)42), "?");
}

/* A command line and the one-line reason it must be refused with. */
struct refusal {
    char *args[8];
    const char *reason;
};

static void test_options_behaviours_refused(void)
{
    static struct refusal cases[] = {
        { { "simulate_client", "--abort", "sideways", NULL },
          "--abort 'sideways': must be up or down" },
        { { "simulate_client", "--trickle", "0", NULL },
          "--trickle '0': must be a duration from 1ms to 60m, like 500ms "
          "or 2s" },
        { { "simulate_client", "--idle", "2h", NULL },
          "--idle '2h': must be a duration from 1ms to 60m, like 500ms or "
          "2s" },
        { { "simulate_client", "--no-read=1", NULL },
          "option '--no-read' takes no value" },
        { { "simulate_client", "--idle", "1s", "--connect-only", NULL },
          "--idle and --connect-only cannot be used together: one "
          "behaviour per run" },
        { { "simulate_client", "--no-read", "--abort", "up", NULL },
          "--no-read and --abort cannot be used together: one behaviour "
          "per run" },
        { { "simulate_client", "--trickle", "1", "--abort", "up", NULL },
          "--abort and --trickle cannot be used together: one behaviour "
          "per run" },
        { { "simulate_client", "--no-read", "--half-close", NULL },
          "--no-read and --half-close cannot be used together: "
          "--half-close reads the replies after its FIN" },
        { { "simulate_client", "--no-read", "--read-rate", "1k", NULL },
          "--no-read and --read-rate cannot be used together: nothing is "
          "read" },
        { { "simulate_client", "--no-read", "--hold", "1s", NULL },
          "--no-read and --hold cannot be used together: no reply comes to "
          "hold after" },
        { { "simulate_client", "--abort", "down", "--hold", "1s", NULL },
          "--abort and --hold cannot be used together: the last reply "
          "never completes" },
        { { "simulate_client", "--trickle", "5", "--write-rate", "1k", NULL },
          "--trickle and --write-rate cannot be used together: --trickle "
          "sets the write pace itself" },
        { { "simulate_client", "--idle", "5", "--half-close", NULL },
          "--idle and --half-close cannot be used together: nothing is "
          "sent" },
        { { "simulate_client", "--idle", "5", "--write-rate", "1k", NULL },
          "--idle and --write-rate cannot be used together: nothing is "
          "sent" },
        { { "simulate_client", "--connect-only", "--hold", "1", NULL },
          "--connect-only and --hold cannot be used together: no reply "
          "comes" },
        { { "simulate_client", "--connect-only", "--read-rate", "1", NULL },
          "--connect-only and --read-rate cannot be used together: nothing "
          "is read" },
    };
    struct simclient_options o;
    char err[256];

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        CU_ASSERT_EQUAL(parse_list(cases[i].args, &o, err, sizeof(err)), -1);
        if (strcmp(err, cases[i].reason) != 0)
            fprintf(stderr, "\ncase %zu: got '%s'\n", i, err);
        CU_ASSERT_STRING_EQUAL(err, cases[i].reason);
    }
}

static void test_help_lists_behaviours(void)
{
    char *help[] = { "simulate_client", "--help", NULL };
    static const char *const names[] = {
        "--no-read", "--abort up|down", "--trickle D", "--idle D",
        "--connect-only"
    };
    struct simclient_options o;
    char *text = NULL, err[256];
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(simclient_options_parse(ARGC(help), help, &o, out, err,
                                            sizeof(err)), OPTIONS_EXIT);
    fclose(out);
    for (size_t i = 0; i < COUNT_OF(names); i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(text, names[i]));
    free(text);
}

static void add_planned(struct simclient_stats *stats, unsigned long sent,
                        unsigned long ok, unsigned long left)
{
    struct simclient_stats_conn conn = { SIMCLIENT_FAILURE_NONE, false, "b1",
                                         sent, ok, true, left };

    simclient_stats_add_conn(stats, &conn);
}

static void test_stats_behaviour(void)
{
    struct simclient_stats stats;
    char *text = NULL;
    size_t size = 0;
    FILE *out;

    simclient_stats_init(&stats);
    snprintf(stats.behaviour, sizeof(stats.behaviour), "abort up");
    add_planned(&stats, 5, 4, 1);
    add_planned(&stats, 5, 4, 1);
    simclient_stats_finish(&stats);
    CU_ASSERT_TRUE(simclient_stats_passed(&stats));
    CU_ASSERT_EQUAL(stats.behaviour_planned, 2);
    CU_ASSERT_EQUAL(stats.requests_left, 2);
    /* A request left unanswered without the behaviour saying so fails. */
    add_conn(&stats, SIMCLIENT_FAILURE_NONE, "b1", 5, 4);
    CU_ASSERT_FALSE(simclient_stats_passed(&stats));
    CU_ASSERT_EQUAL(stats.behaviour_planned, 2);
    out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(simclient_report_json(out, &stats), 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"behaviour\":{\"name\":\"abort up\","
                                        "\"as_planned\":2,\"requests_left\":2}"));
    free(text);
    simclient_stats_free(&stats);
    /* No behaviour: null. */
    text = NULL;
    out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    simclient_stats_init(&stats);
    add_conn(&stats, SIMCLIENT_FAILURE_NONE, "b1", 1, 1);
    CU_ASSERT_EQUAL(simclient_report_json(out, &stats), 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"behaviour\":null,"));
    free(text);
    simclient_stats_free(&stats);
}

static void test_summary_behaviour(void)
{
    char *argv[] = { "simulate_client", "--no-read", "-c", "2", NULL };
    struct simclient_options o;
    struct simclient_stats stats;
    char *text = NULL, err[256];
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL_FATAL(simclient_options_parse(ARGC(argv), argv, &o, stdout,
                                                  err, sizeof(err)), 0);
    simclient_stats_init(&stats);
    simclient_options_behaviour(&o, stats.behaviour, sizeof(stats.behaviour));
    add_planned(&stats, 5, 0, 5);
    add_conn(&stats, SIMCLIENT_FAILURE_CONNECT, NULL, 0, 0);
    simclient_stats_finish(&stats);
    simclient_report_print(out, &stats, &o, "127.0.0.1:1");
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nrequests:    0 ok of 5 sent, 5 "
                                        "left unanswered by the behaviour\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nbehaviour:   no-read: 1 of 2 "
                                        "connections ended as planned\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "result:      FAIL"));
    free(text);
    simclient_stats_free(&stats);
}

/* ---- throttle --------------------------------------------------------- */

/* Reads back what a logger wrote to the temporary file fd. */
static void read_log(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
}

static void test_throttle_one_warning_per_window(void)
{
    const uint64_t second = (uint64_t)SIMCLIENT_THROTTLE_WINDOW_MS * 1000000u;
    struct simclient_throttle t;
    struct logger log;
    FILE *file = tmpfile();
    char text[1024];

    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    log_init(&log, fileno(file), LOG_WARN);
    simclient_throttle_init(&t);
    /* The first failure of a kind warns; the next ones in its window not. */
    CU_ASSERT_EQUAL(simclient_throttle_level(&t, &log,
                                             SIMCLIENT_FAILURE_CONNECT, 1000),
                    LOG_WARN);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(simclient_throttle_level(&t, &log,
                                                 SIMCLIENT_FAILURE_CONNECT,
                                                 2000 + (uint64_t)i), LOG_INFO);
    /* Other kinds have windows of their own. */
    CU_ASSERT_EQUAL(simclient_throttle_level(&t, &log, SIMCLIENT_FAILURE_RESET,
                                             3000), LOG_WARN);
    simclient_throttle_tick(&t, &log, 1000 + second - 1);
    read_log(fileno(file), text, sizeof(text));
    CU_ASSERT_PTR_NULL(strstr(text, "conn_repeats"));
    /* The window is over: one line counts what it kept quiet. */
    CU_ASSERT_EQUAL(simclient_throttle_level(&t, &log,
                                             SIMCLIENT_FAILURE_CONNECT,
                                             1000 + second), LOG_WARN);
    read_log(fileno(file), text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "ev=conn_repeats result=connect n=5 "));
    CU_ASSERT_PTR_NULL(strstr(text, "result=reset"));
    CU_ASSERT_EQUAL(simclient_throttle_level(&t, &log,
                                             SIMCLIENT_FAILURE_NONE, 5000),
                    LOG_WARN);
    CU_ASSERT_EQUAL(simclient_throttle_level(&t, &log,
                                             SIMCLIENT_FAILURE_NONE, 5001),
                    LOG_INFO);
    /* The end of the run closes every window. */
    simclient_throttle_tick(&t, &log, UINT64_MAX);
    read_log(fileno(file), text, sizeof(text));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "result=interrupted n=1 "));
    CU_ASSERT_PTR_NULL(strstr(text, "result=reset"));
    fclose(file);
}

static CU_TestInfo simclient_tests[] = {
    { "options: defaults", test_options_defaults },
    { "options: every option", test_options_all },
    { "options: --duration units", test_options_duration_units },
    { "options: --read-rate and --write-rate", test_options_rates },
    { "options: --help and --version", test_options_help_version },
    { "options: bad command lines", test_options_bad },
    { "options: strict numbers, once each, escaped", test_options_strict },
    { "options: --size must fit the tag", test_options_size_fits_tag },
    { "options: --expect", test_options_expect },
    { "options: behaviours", test_options_behaviours },
    { "options: behaviours refused", test_options_behaviours_refused },
    { "options: --help lists the behaviours", test_help_lists_behaviours },
    { "stats: behaviour ends and JSON", test_stats_behaviour },
    { "report: behaviour summary", test_summary_behaviour },
    { "options: localhost is both loopbacks", test_options_target_localhost },
    { "payload: layout", test_payload_layout },
    { "payload: same seed, same bytes", test_payload_seed_determinism },
    { "payload: slices equal the whole", test_payload_slices },
    { "reply: good reply", test_reply_good },
    { "reply: partial input", test_reply_partial },
    { "reply: wrong payload", test_reply_wrong_payload },
    { "reply: 64-character name", test_reply_long_name },
    { "reply: missing, bad or switched name", test_reply_bad_name },
    { "reply: echo expected", test_reply_echo },
    { "stats: percentiles by hand", test_percentile },
    { "stats: counts, backends, samples", test_stats_counts },
    { "report: JSON summary", test_report_json },
    { "throttle: one warning per kind and window",
      test_throttle_one_warning_per_window },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(simclient, simclient_tests)
