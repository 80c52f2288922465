/*
 * test_scenario: the .scn parser (harness_src/scenario.c).
 *
 *   full       one scenario using every directive, option and check form,
 *              compared field by field with what it must produce;
 *   defaults   what a minimal file leaves unset; the description taken
 *              from the first comment line before any directive;
 *   checks     every CHECK form, expect-fail and points=;
 *   events     at/when triggers, every action, forward references;
 *   errors     each kind of mistake gives one "t.scn:LINE: message" line
 *              with the exact words a student reads; several errors come
 *              out in line order; missing backend/expect; too long lines;
 *              unreadable files (-1);
 *   fuzz       a few thousand mutated copies of a good scenario: the parser
 *              returns, prints one line per error, and keeps every string
 *              and count within its bounds.
 *
 * struct scenario is large (~80 KB): every test allocates its own.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "count_of.h"
#include "../backend/dummy_options.h"
#include "../proxy/config_options.h"
#include "../simclient/simclient_options.h"
#include "scenario.h"
#include "testlib.h"

/* One parse: the scenario, the error count and the error text. */
struct parsed {
    struct scenario scenario;
    int errors;
    char *messages;             /* every error line; "" when none */
    size_t length;
};

/* Parses text as "t.scn" and captures what it reports. */
static struct parsed *parse(const char *text)
{
    struct parsed *result = calloc(1, sizeof(*result));
    FILE *stream;

    if (result == NULL)
        return NULL;
    stream = open_memstream(&result->messages, &result->length);
    if (stream == NULL) {
        free(result);
        return NULL;
    }
    result->errors = scenario_parse_text("t.scn", text, &result->scenario,
                                         stream);
    fclose(stream);
    return result;
}

static void parsed_free(struct parsed *result)
{
    if (result == NULL)
        return;
    free(result->messages);
    free(result);
}

/* The value of key among options[0..count), or NULL. */
static const char *option_value(const struct scenario_option *options,
                                size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(options[i].key, key) == 0)
            return options[i].value;
    }
    return NULL;
}

/* Asserts that text gives exactly one error, worded as expected (with its
 * "t.scn:LINE: " prefix, without the newline). */
static void expect_one_error(const char *text, const char *expected)
{
    struct parsed *result = parse(text);
    char line[1024];

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    snprintf(line, sizeof(line), "%s\n", expected);
    CU_ASSERT_EQUAL(result->errors, 1);
    CU_ASSERT_STRING_EQUAL(result->messages, line);
    if (strcmp(result->messages, line) != 0)
        fprintf(stderr, "\n    wanted: %s    got:    %s", line,
                result->messages);
    parsed_free(result);
}

/* Asserts that text parses without an error. */
static void expect_no_error(const char *text)
{
    struct parsed *result = parse(text);

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 0);
    if (result->errors != 0)
        fprintf(stderr, "\n    unexpected: %s", result->messages);
    parsed_free(result);
}

/* Asserts that text gives one error at least, at the given line, whose
 * text contains part. */
static void expect_error_with(const char *text, int line, const char *part)
{
    struct parsed *result = parse(text);
    char prefix[32];

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    snprintf(prefix, sizeof(prefix), "t.scn:%d: ", line);
    CU_ASSERT(result->errors >= 1);
    CU_ASSERT_EQUAL(strncmp(result->messages, prefix, strlen(prefix)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages, part));
    if (strstr(result->messages, part) == NULL)
        fprintf(stderr, "\n  wanted '%s' in: %s", part, result->messages);
    parsed_free(result);
}

/* The number of '\n' in text. */
static int count_lines(const char *text)
{
    int lines = 0;

    for (; *text != '\0'; text++)
        lines += *text == '\n';
    return lines;
}

/* Writes text to a new file under /tmp; returns its name (free it). */
static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_scenario_XXXXXX");
    int fd;

    if (path == NULL)
        return NULL;
    fd = mkstemp(path);
    if (fd == -1) {
        free(path);
        return NULL;
    }
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        close(fd);
        unlink(path);
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

static const char full_text[] =
    "# Full scenario: every directive   \n"                          /* 1 */
    "seed 42\n"                                                        /* 2 */
    "timeout 20s   # whole run\n"                                     /* 3 */
    "proxy threads=4 balance=leastconn connect-timeout=500ms\n"       /* 4 */
    "proxy idle-timeout=0 health-interval=200ms grace=2s rise=2 "
    "fall=3 maxconn=100\n"                                             /* 5 */
    "backend b1 latency=20ms jitter=5 mode=line rate=4k "
    "crash-after-conns=10 weight=3 maxconn=50\n"                       /* 6 */
    "backend b2\tcrash-after-lines=5 close-after-lines=7 start=1s\n"  /* 7 */
    "backend b3 mode=line hang down\n"                                /* 8 */
    "backend b4 reset-after-lines=2 refuse\n"                         /* 9 */
    "\n"                                                               /* 10 */
    "at 0s clients 50 requests=10 size=64 hold=1s ramp=500ms "
    "timeout=2s half-close may-fail\n"                                 /* 11 */
    "at 1.5s crash b1\n"                                               /* 12 */
    "at 2s stop b2\n"                                                  /* 13 */
    "at 3s pause b4\n"                                                 /* 14 */
    "at 4s resume b4\n"                                                /* 15 */
    "at 5s restart b1\n"                                               /* 16 */
    "at 6s start b3\n"                                                 /* 17 */
    "when b2 picks 20 crash b2\n"                                      /* 18 */
    "when b1 picks 1 clients 3\n"                                      /* 19 */
    "expect leastconn            # every pick chose a minimum\n"      /* 20 */
    "expect counts zero points=5\n"                                    /* 21 */
    "expect relay exact\n"                                             /* 22 */
    "expect share b1=50%\xc2\xb1" "10%\n"                              /* 23 */
    "expect share b2=12.5%+-2.5% points=0\n"                           /* 24 */
    "expect b1 > b2\n"                                                 /* 25 */
    "expect b3 < b1\n"                                                 /* 26 */
    "expect detect b1 within 1s\n"                                     /* 27 */
    "expect recover   b1 within 2500ms\n"                              /* 28 */
    "expect clients ok\n"                                              /* 29 */
    "expect clients failed<=5\n"                                       /* 30 */
    "expect-fail no-lost-clients points=3\n"                           /* 31 */
    "expect threads stable\n";                                         /* 32 */

static void test_full_header_and_proxy(void)
{
    struct parsed *result = parse(full_text);
    const struct scenario *sc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    sc = &result->scenario;
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_STRING_EQUAL(result->messages, "");
    CU_ASSERT_STRING_EQUAL(sc->path, "t.scn");
    CU_ASSERT_STRING_EQUAL(sc->description, "Full scenario: every directive");
    CU_ASSERT_EQUAL(sc->seed, 42);
    CU_ASSERT_EQUAL(sc->timeout_ms, 20000);
    CU_ASSERT_EQUAL_FATAL(sc->proxy_count, 9);
    CU_ASSERT_STRING_EQUAL(sc->proxy[0].key, "threads");
    CU_ASSERT_STRING_EQUAL(sc->proxy[0].value, "4");
    CU_ASSERT_STRING_EQUAL(sc->proxy[1].key, "balance");
    CU_ASSERT_STRING_EQUAL(sc->proxy[1].value, "leastconn");
    CU_ASSERT_STRING_EQUAL(sc->proxy[2].key, "connect-timeout");
    CU_ASSERT_STRING_EQUAL(sc->proxy[2].value, "500ms");
    CU_ASSERT_STRING_EQUAL(sc->proxy[3].key, "idle-timeout");
    CU_ASSERT_STRING_EQUAL(sc->proxy[3].value, "0");
    CU_ASSERT_STRING_EQUAL(sc->proxy[4].value, "200ms");
    CU_ASSERT_STRING_EQUAL(sc->proxy[5].key, "grace");
    CU_ASSERT_STRING_EQUAL(sc->proxy[5].value, "2s");
    CU_ASSERT_STRING_EQUAL(sc->proxy[6].key, "rise");
    CU_ASSERT_STRING_EQUAL(sc->proxy[7].key, "fall");
    CU_ASSERT_STRING_EQUAL(sc->proxy[7].value, "3");
    CU_ASSERT_STRING_EQUAL(sc->proxy[8].key, "maxconn");
    CU_ASSERT_STRING_EQUAL(sc->proxy[8].value, "100");
    parsed_free(result);
}

static void test_full_backends(void)
{
    struct parsed *result = parse(full_text);
    const struct scenario_backend *b;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_EQUAL_FATAL(result->scenario.backend_count, 4);
    b = result->scenario.backends;
    CU_ASSERT_STRING_EQUAL(b[0].name, "b1");
    CU_ASSERT_EQUAL(b[0].line, 6);
    CU_ASSERT_EQUAL_FATAL(b[0].option_count, 5);
    CU_ASSERT_STRING_EQUAL(b[0].options[0].key, "latency");
    CU_ASSERT_STRING_EQUAL(b[0].options[0].value, "20ms");
    CU_ASSERT_STRING_EQUAL(b[0].options[1].key, "jitter");
    CU_ASSERT_STRING_EQUAL(b[0].options[1].value, "5");
    CU_ASSERT_STRING_EQUAL(b[0].options[2].value, "line");
    CU_ASSERT_STRING_EQUAL(b[0].options[3].key, "rate");
    CU_ASSERT_STRING_EQUAL(b[0].options[3].value, "4k");
    CU_ASSERT_STRING_EQUAL(b[0].options[4].key, "crash-after-conns");
    CU_ASSERT_STRING_EQUAL(b[0].options[4].value, "10");
    CU_ASSERT_EQUAL(b[0].weight, 3);
    CU_ASSERT_EQUAL(b[0].maxconn, 50);
    CU_ASSERT_EQUAL(b[0].start_ms, 0);
    CU_ASSERT_FALSE(b[0].down);
    parsed_free(result);
}

static void test_full_backends_more(void)
{
    struct parsed *result = parse(full_text);
    const struct scenario_backend *b;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL_FATAL(result->scenario.backend_count, 4);
    b = result->scenario.backends;
    CU_ASSERT_EQUAL(b[1].line, 7);
    CU_ASSERT_EQUAL(b[1].option_count, 2);
    CU_ASSERT_STRING_EQUAL(option_value(b[1].options, b[1].option_count,
                                        "crash-after-lines"), "5");
    CU_ASSERT_STRING_EQUAL(option_value(b[1].options, b[1].option_count,
                                        "close-after-lines"), "7");
    CU_ASSERT_EQUAL(b[1].start_ms, 1000);
    CU_ASSERT_EQUAL(b[1].weight, 1);
    CU_ASSERT_EQUAL(b[2].option_count, 2);
    CU_ASSERT_STRING_EQUAL(option_value(b[2].options, 2, "mode"), "line");
    CU_ASSERT_STRING_EQUAL(option_value(b[2].options, 2, "hang"), "");
    CU_ASSERT_TRUE(b[2].down);
    CU_ASSERT_STRING_EQUAL(option_value(b[3].options, 2, "refuse"), "");
    CU_ASSERT_STRING_EQUAL(option_value(b[3].options, 2,
                                        "reset-after-lines"), "2");
    CU_ASSERT_EQUAL(scenario_backend_index(&result->scenario, "b3"), 2);
    CU_ASSERT_EQUAL(scenario_backend_index(&result->scenario, "b5"), -1);
    parsed_free(result);
}

static void test_full_events(void)
{
    static const enum scenario_action actions[] = {
        SCENARIO_CLIENTS, SCENARIO_CRASH, SCENARIO_STOP, SCENARIO_PAUSE,
        SCENARIO_RESUME, SCENARIO_RESTART, SCENARIO_START, SCENARIO_CRASH,
        SCENARIO_CLIENTS
    };
    static const long times[] = { 0, 1500, 2000, 3000, 4000, 5000, 6000 };
    static const int targets[] = { -1, 0, 1, 3, 3, 0, 2, 1, -1 };
    struct parsed *result = parse(full_text);
    const struct scenario_event *ev;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL_FATAL(result->scenario.event_count, 9);
    ev = result->scenario.events;
    for (int i = 0; i < 9; i++) {
        CU_ASSERT_EQUAL(ev[i].line, 11 + i);
        CU_ASSERT_EQUAL(ev[i].action, actions[i]);
        CU_ASSERT_EQUAL(ev[i].backend, targets[i]);
        CU_ASSERT_EQUAL(ev[i].trigger,
                        i < 7 ? SCENARIO_AT_TIME : SCENARIO_AT_PICKS);
        if (i < 7)
            CU_ASSERT_EQUAL(ev[i].at_ms, times[i]);
    }
    CU_ASSERT_EQUAL(ev[0].burst.clients, 50);
    CU_ASSERT_EQUAL(ev[0].burst.requests, 10);
    CU_ASSERT_EQUAL(ev[0].burst.size, 64);
    CU_ASSERT_EQUAL(ev[0].burst.hold_ms, 1000);
    CU_ASSERT_EQUAL(ev[0].burst.ramp_ms, 500);
    CU_ASSERT_EQUAL(ev[0].burst.timeout_ms, 2000);
    CU_ASSERT_TRUE(ev[0].burst.half_close);
    CU_ASSERT_TRUE(ev[0].burst.may_fail);
    CU_ASSERT_EQUAL(ev[7].watch_backend, 1);
    CU_ASSERT_EQUAL(ev[7].picks, 20);
    CU_ASSERT_EQUAL(ev[8].watch_backend, 0);
    CU_ASSERT_EQUAL(ev[8].picks, 1);
    CU_ASSERT_EQUAL(ev[8].burst.clients, 3);
    CU_ASSERT_EQUAL(ev[8].burst.requests, 1);
    CU_ASSERT_FALSE(ev[8].burst.half_close);
    parsed_free(result);
}

static void test_full_expects(void)
{
    struct parsed *result = parse(full_text);
    const struct scenario_expect *e;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL_FATAL(result->scenario.expect_count, 13);
    e = result->scenario.expects;
    CU_ASSERT_EQUAL(e[0].check, SCENARIO_CHECK_LEASTCONN);
    CU_ASSERT_EQUAL(e[0].line, 20);
    CU_ASSERT_STRING_EQUAL(e[0].text, "leastconn");
    CU_ASSERT_EQUAL(e[0].points, 1);
    CU_ASSERT_EQUAL(e[0].backend, -1);
    CU_ASSERT_EQUAL(e[1].check, SCENARIO_CHECK_COUNTS_ZERO);
    CU_ASSERT_STRING_EQUAL(e[1].text, "counts zero");
    CU_ASSERT_EQUAL(e[1].points, 5);
    CU_ASSERT_EQUAL(e[2].check, SCENARIO_CHECK_RELAY_EXACT);
    CU_ASSERT_EQUAL(e[3].check, SCENARIO_CHECK_SHARE);
    CU_ASSERT_EQUAL(e[3].backend, 0);
    CU_ASSERT_DOUBLE_EQUAL(e[3].share_pct, 50.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e[3].tolerance_pct, 10.0, 1e-9);
    CU_ASSERT_STRING_EQUAL(e[3].text, "share b1=50%\xc2\xb1" "10%");
    CU_ASSERT_EQUAL(e[4].backend, 1);
    CU_ASSERT_DOUBLE_EQUAL(e[4].share_pct, 12.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e[4].tolerance_pct, 2.5, 1e-9);
    CU_ASSERT_EQUAL(e[4].points, 0);
    CU_ASSERT_STRING_EQUAL(e[4].text, "share b2=12.5%+-2.5%");
    parsed_free(result);
}

static void test_full_expects_with_arguments(void)
{
    struct parsed *result = parse(full_text);
    const struct scenario_expect *e;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL_FATAL(result->scenario.expect_count, 13);
    e = result->scenario.expects;
    CU_ASSERT_EQUAL(e[5].check, SCENARIO_CHECK_COMPARE);
    CU_ASSERT_EQUAL(e[5].op, '>');
    CU_ASSERT_EQUAL(e[5].backend, 0);
    CU_ASSERT_EQUAL(e[5].other, 1);
    CU_ASSERT_EQUAL(e[6].op, '<');
    CU_ASSERT_EQUAL(e[6].backend, 2);
    CU_ASSERT_EQUAL(e[6].other, 0);
    CU_ASSERT_EQUAL(e[7].check, SCENARIO_CHECK_DETECT);
    CU_ASSERT_EQUAL(e[7].within_ms, 1000);
    CU_ASSERT_EQUAL(e[8].check, SCENARIO_CHECK_RECOVER);
    CU_ASSERT_EQUAL(e[8].within_ms, 2500);
    CU_ASSERT_STRING_EQUAL(e[8].text, "recover b1 within 2500ms");
    CU_ASSERT_EQUAL(e[9].check, SCENARIO_CHECK_CLIENTS_OK);
    CU_ASSERT_EQUAL(e[10].check, SCENARIO_CHECK_CLIENTS_FAILED);
    CU_ASSERT_EQUAL(e[10].max_failed, 5);
    CU_ASSERT_EQUAL(e[11].check, SCENARIO_CHECK_NO_LOST_CLIENTS);
    CU_ASSERT_TRUE(e[11].expect_fail);
    CU_ASSERT_EQUAL(e[11].points, 3);
    CU_ASSERT_STRING_EQUAL(e[11].text, "no-lost-clients");
    CU_ASSERT_FALSE(e[10].expect_fail);
    CU_ASSERT_EQUAL(e[12].check, SCENARIO_CHECK_THREADS_STABLE);
    parsed_free(result);
}

static void test_defaults(void)
{
    struct parsed *result = parse("backend only\nat 1s clients 1\n"
                                  "expect relay exact\n");
    const struct scenario *sc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    sc = &result->scenario;
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_STRING_EQUAL(sc->description, "");
    CU_ASSERT_EQUAL(sc->seed, 1);
    CU_ASSERT_EQUAL(sc->timeout_ms, 30000);
    CU_ASSERT_EQUAL(sc->proxy_count, 0);
    CU_ASSERT_EQUAL_FATAL(sc->backend_count, 1);
    CU_ASSERT_EQUAL(sc->backends[0].option_count, 0);
    CU_ASSERT_EQUAL(sc->backends[0].weight, 1);
    CU_ASSERT_EQUAL(sc->backends[0].maxconn, 0);
    CU_ASSERT_EQUAL(sc->backends[0].start_ms, 0);
    CU_ASSERT_FALSE(sc->backends[0].down);
    CU_ASSERT_EQUAL_FATAL(sc->event_count, 1);
    CU_ASSERT_EQUAL(sc->events[0].burst.requests, 1);
    CU_ASSERT_EQUAL(sc->events[0].burst.size, 32);
    CU_ASSERT_EQUAL(sc->events[0].burst.hold_ms, 0);
    CU_ASSERT_EQUAL(sc->events[0].burst.ramp_ms, 0);
    CU_ASSERT_EQUAL(sc->events[0].burst.timeout_ms, 5000);
    CU_ASSERT_FALSE(sc->events[0].burst.may_fail);
    CU_ASSERT_EQUAL(sc->events[0].watch_backend, -1);
    CU_ASSERT_EQUAL_FATAL(sc->expect_count, 1);
    CU_ASSERT_EQUAL(sc->expects[0].points, 1);
    CU_ASSERT_FALSE(sc->expects[0].expect_fail);
    CU_ASSERT_EQUAL(sc->expects[0].other, -1);
    parsed_free(result);
}

static void test_description(void)
{
    char text[600];
    struct parsed *result;

    /* Empty comments are skipped; later comments are not descriptions. */
    result = parse("\n#\n#\t  two backends, one burst \r\n# second\n"
                   "backend b1\nexpect leastconn\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_STRING_EQUAL(result->scenario.description,
                           "two backends, one burst");
    parsed_free(result);
    result = parse("backend b1\n# not a description\nexpect leastconn\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_STRING_EQUAL(result->scenario.description, "");
    parsed_free(result);
    /* Cut to fit, never in the middle of a UTF-8 character. */
    strcpy(text, "# ");
    for (int i = 0; i < 100; i++)
        strcat(text, "\xc3\xa9");       /* 'é', two bytes */
    strcat(text, "\nbackend b1\nexpect leastconn\n");
    result = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(strlen(result->scenario.description),
                    SCENARIO_TEXT_MAX - 2);
    CU_ASSERT_EQUAL(result->errors, 0);
    parsed_free(result);
    /* What a terminal could take for a command becomes '?': C0 and C1
     * controls (an 8-bit CSI, \xc2\x9b, is one), and bytes that are no
     * UTF-8; letters of other scripts stay. */
    result = parse("# caf\xc3\xa9 \xc2\x9b" "2J x\xff y \x1b[31m z "
                   "\xe2\x82\xac \xed\xa0\x80 \xc0\xaf\n"
                   "backend b1\nexpect leastconn\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_STRING_EQUAL(result->scenario.description,
                           "caf\xc3\xa9 ?2J x? y ?[31m z \xe2\x82\xac ??? ??");
    parsed_free(result);
}

static void test_check_forms(void)
{
    static const struct {
        const char *line;
        enum scenario_check check;
    } forms[] = {
        { "expect leastconn", SCENARIO_CHECK_LEASTCONN },
        { "expect counts zero", SCENARIO_CHECK_COUNTS_ZERO },
        { "expect relay exact", SCENARIO_CHECK_RELAY_EXACT },
        { "expect share b=0%+-0%", SCENARIO_CHECK_SHARE },
        { "expect share b=100.0%\xc2\xb1" "100%", SCENARIO_CHECK_SHARE },
        { "expect b > c", SCENARIO_CHECK_COMPARE },
        { "expect c < b", SCENARIO_CHECK_COMPARE },
        { "expect detect c within 300", SCENARIO_CHECK_DETECT },
        { "expect recover b within 1m", SCENARIO_CHECK_RECOVER },
        { "expect clients ok", SCENARIO_CHECK_CLIENTS_OK },
        { "expect clients failed<=0", SCENARIO_CHECK_CLIENTS_FAILED },
        { "expect no-lost-clients", SCENARIO_CHECK_NO_LOST_CLIENTS },
        { "expect-fail threads stable", SCENARIO_CHECK_THREADS_STABLE },
        { "expect resets passed", SCENARIO_CHECK_RESETS_PASSED },
        { "expect stop clean", SCENARIO_CHECK_STOP_CLEAN },
        { "expect workers used", SCENARIO_CHECK_WORKERS_USED },
        { "expect health exact", SCENARIO_CHECK_HEALTH_EXACT },
        { "expect sessions<=1s", SCENARIO_CHECK_SESSIONS_MAX },
        { "expect fds stable", SCENARIO_CHECK_FDS_STABLE },
        { "expect proxy-rss<=64M", SCENARIO_CHECK_PROXY_RSS },
        { "expect proxy-rss-growth<=1.5M", SCENARIO_CHECK_PROXY_RSS_GROWTH },
        { "expect points=1000 leastconn", SCENARIO_CHECK_LEASTCONN },
    };
    char text[256];

    for (size_t i = 0; i < COUNT_OF(forms); i++) {
        struct parsed *result;

        snprintf(text, sizeof(text), "backend b\nbackend c\n%s\n",
                 forms[i].line);
        result = parse(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(result);
        CU_ASSERT_EQUAL(result->errors, 0);
        CU_ASSERT_EQUAL_FATAL(result->scenario.expect_count, 1);
        CU_ASSERT_EQUAL(result->scenario.expects[0].check, forms[i].check);
        CU_ASSERT_EQUAL(result->scenario.expects[0].line, 3);
        CU_ASSERT_EQUAL(result->scenario.expects[0].expect_fail,
                        strncmp(forms[i].line, "expect-fail", 11) == 0);
        parsed_free(result);
    }
}

/* stop proxy, blackhole, read-rate=, write-rate= and sessions<=D. */
static void test_stop_proxy_blackhole_and_rates(void)
{
    struct parsed *result = parse("backend b1 blackhole\n"
                                  "backend b2\n"
                                  "at 0s clients 2 read-rate=64k write-rate=2M\n"
                                  "at 1s stop proxy\n"
                                  "expect sessions<=250ms\n");
    const struct scenario *sc = &result->scenario;

    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    CU_ASSERT_TRUE(sc->backends[0].blackhole);
    CU_ASSERT_FALSE(sc->backends[1].blackhole);
    CU_ASSERT_EQUAL(sc->events[0].burst.read_rate, 64 * 1024);
    CU_ASSERT_EQUAL(sc->events[0].burst.write_rate, 2 * 1024 * 1024);
    CU_ASSERT_EQUAL(sc->events[1].action, SCENARIO_STOP_PROXY);
    CU_ASSERT_EQUAL(sc->events[1].backend, -1);
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_STOP_PROXY),
                           "stop proxy");
    CU_ASSERT_EQUAL(sc->expects[0].within_ms, 250);
    parsed_free(result);
    result = parse("backend b1 blackhole down\n"
                   "at 0s clients 1 read-rate=0\n"
                   "expect sessions<=0\n");
    CU_ASSERT_EQUAL(result->errors, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages, "t.scn:1: blackhole "
                                  "cannot be used with down or start="));
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages, "t.scn:2: read-rate '0': "
                                  "must be a size from 1 to 1G bytes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages, "t.scn:3: sessions<= "
                                  "'0': must be a duration from 1ms to 10m"));
    parsed_free(result);
}

static void test_forward_reference(void)
{
    struct parsed *result = parse("when late picks 3 start later\n"
                                  "expect share late=50%+-5%\n"
                                  "backend late\n"
                                  "backend later down\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_STRING_EQUAL(result->messages, "");
    CU_ASSERT_EQUAL_FATAL(result->scenario.event_count, 1);
    CU_ASSERT_EQUAL(result->scenario.events[0].watch_backend, 0);
    CU_ASSERT_EQUAL(result->scenario.events[0].backend, 1);
    CU_ASSERT_EQUAL(result->scenario.events[0].action, SCENARIO_START);
    CU_ASSERT_EQUAL(result->scenario.expects[0].backend, 0);
    parsed_free(result);
}

static void test_action_names(void)
{
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_CLIENTS), "clients");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_CRASH), "crash");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_STOP), "stop");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_PAUSE), "pause");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_RESUME), "resume");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_RESTART), "restart");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_START), "start");
    CU_ASSERT_STRING_EQUAL(scenario_action_name((enum scenario_action)99),
                           "?");
}

#define BASE "backend b1\nbackend b2\nexpect leastconn\n"   /* lines 1-3 */

static void test_error_unknown_directive(void)
{
    expect_one_error(BASE "frobnicate b1\n",
                     "t.scn:4: unknown directive 'frobnicate' (expected seed,"
                     " timeout, proxy, backend, backends, at, when, chaos, "
                     "expect or expect-fail)");
    /* Control bytes are shown escaped, never written raw. */
    expect_one_error(BASE "x\x1b[2J\n",
                     "t.scn:4: unknown directive 'x\\x1b[2J' (expected seed,"
                     " timeout, proxy, backend, backends, at, when, chaos, "
                     "expect or expect-fail)");
}

static void test_error_bad_duration(void)
{
    expect_one_error(BASE "backend b3 latency=fast\n",
                     "t.scn:4: latency 'fast': must be a duration from 0ms to "
                     "60m, like 500ms or 2s");
    expect_one_error(BASE "backend b3 latency=2h\n",
                     "t.scn:4: latency '2h': must be a duration from 0ms to "
                     "60m, like 500ms or 2s");
    expect_one_error(BASE "backend b3 jitter=61m\n",
                     "t.scn:4: jitter '61m': must be a duration from 0ms to "
                     "60m, like 500ms or 2s");
    expect_one_error(BASE "timeout 500ms\n",
                     "t.scn:4: timeout '500ms': must be a duration from 1s to "
                     "10m, like 500ms or 2s");
    expect_one_error(BASE "at soon crash b1\n",
                     "t.scn:4: at 'soon': must be a duration from 0ms to 10m, "
                     "like 500ms or 2s");
}

static void test_error_unknown_backend(void)
{
    expect_one_error(BASE "\n\nat 1s crash b3\n",
                     "t.scn:6: backend 'b3' is not declared (declared: b1, "
                     "b2)");
    expect_one_error(BASE "expect b1 > nope\n",
                     "t.scn:4: backend 'nope' is not declared (declared: b1,"
                     " b2)");
    expect_error_with("expect detect b1 within 1s\n", 1,
                      "backend 'b1' is not declared (no backend is "
                      "declared)\nt.scn: no backend is declared");
}

static void test_error_duplicate_backend(void)
{
    struct parsed *result;

    expect_one_error(BASE "backend b1 latency=1s\n",
                     "t.scn:4: backend 'b1' is already declared on line 1");
    /* The first declaration is the one that counts. */
    result = parse(BASE "backend b1 latency=1s\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->scenario.backend_count, 2);
    CU_ASSERT_EQUAL(result->scenario.backends[0].option_count, 0);
    parsed_free(result);
    expect_one_error(BASE "backend b/3\n",
                     "t.scn:4: backend name 'b/3' must be 1 to 31 characters"
                     " from A-Z a-z 0-9 _ . -");
}

static void test_error_bad_share(void)
{
    static const char *const bad[] = {
        "b1=50%", "b1=50%10%", "b1=50+-10", "b1=50%+-10", "b1=101%+-1%",
        "b1=50%+-100.5%", "b1=5.%+-1%", "b1=.5%+-1%", "b1=-5%+-1%",
        "=50%+-1%", "b1", "b1=50%+-1%%", "b1=50%\xc2+-1%", "b1=0x10%+-1%",
    };
    char text[256];

    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        snprintf(text, sizeof(text), BASE "expect share %s\n", bad[i]);
        expect_error_with(text, 4, "must look like NAME=P%");
    }
    expect_error_with(BASE "expect share b1 50%+-1%\n", 4,
                      "share 'b1' must look like NAME=P%\xc2\xb1T%");
    expect_one_error(BASE "expect share b9=50%+-1%\n",
                     "t.scn:4: backend 'b9' is not declared (declared: b1, "
                     "b2)");
}

static void test_error_conflicting_faults(void)
{
    expect_one_error(BASE "backend b3 hang refuse\n",
                     "t.scn:4: hang and refuse cannot be used together");
    expect_one_error(BASE "backend b3 close-after-lines=1 "
                     "reset-after-lines=2\n",
                     "t.scn:4: close-after-lines and reset-after-lines cannot"
                     " be used together");
    expect_one_error("backend b1 mode=echo\nexpect leastconn\n"
                     "backend b3 crash-after-lines=1 mode=echo\n",
                     "t.scn:3: the *-after-lines faults count lines: they need "
                     "mode line");
    /* The clients check echoes or named lines: every backend alike. */
    expect_one_error(BASE "backend b3 mode=echo\n",
                     "t.scn:4: backend b3 answers in echo mode but b1 (line "
                     "1) in line mode: the clients can check echoes or named "
                     "lines, not both; give every backend the same mode");
    expect_one_error(BASE "backend b3 down start=1s\n",
                     "t.scn:4: down and start= cannot be used together (a "
                     "down backend is started by a 'start' event)");
    expect_error_with(BASE "backend b3 refuse refuse\n", 4,
                      "backend option refuse is given twice");
}

/* Numbers are decimal digits: no hex, exponent or sign. */
static void test_error_numbers_strict(void)
{
    expect_one_error(BASE "at 0x10s clients 1\n",
                     "t.scn:4: at '0x10s': must be a duration from 0ms to 10m, "
                     "like 500ms or 2s");
    expect_one_error(BASE "at 1e1s clients 1\n",
                     "t.scn:4: at '1e1s': must be a duration from 0ms to 10m, "
                     "like 500ms or 2s");
    expect_one_error(BASE "at 0s clients +5\n",
                     "t.scn:4: clients '+5': must be a whole number from 1 to "
                     "10000");
    expect_one_error(BASE "at 0s clients 5 size=0x40\n",
                     "t.scn:4: size '0x40': must be a size from 16 to 16M "
                     "bytes, like 512, 4k or 1M");
    expect_one_error(BASE "at 0.5ms clients 5\n",
                     "t.scn:4: at '0.5ms': must be a duration from 0ms to 10m, "
                     "like 500ms or 2s");
    expect_one_error(BASE "seed 1e3\n",
                     "t.scn:4: seed '1e3': must be a whole number from 0 to "
                     "2147483647");
}

/* An option given twice on a line, or proxy options over several lines. */
static void test_error_option_twice(void)
{
    expect_one_error(BASE "at 0s clients 5 requests=1 requests=2\n",
                     "t.scn:4: clients option requests is given twice");
    expect_one_error(BASE "backend b3 weight=2 weight=3\n",
                     "t.scn:4: backend option weight is given twice");
    /* The backend's list ends with the simulator's options, whose kinds
     * (text, custom) the list once had no placeholder for. */
    expect_error_with(BASE "backend b3 bogus=1\n", 4,
                      "unknown backend option 'bogus' (allowed: "
                      "latency=DURATION");
    expect_error_with(BASE "backend b3 bogus=1\n", 4,
                      "mean=VALUE, alpha=VALUE, sigma=VALUE, concurrency=N, "
                      "discipline=fifo|ps)");
    expect_one_error(BASE "backend proxy\n", "t.scn:4: backend name 'proxy' "
                     "is taken: 'proxy' names the proxy in event lines");
    expect_one_error(BASE "backend clients\n", "t.scn:4: backend name "
                     "'clients' is taken: 'clients' names the clients in "
                     "event lines");
    expect_one_error(BASE "proxy threads=2\nproxy threads=3\n",
                     "t.scn:5: proxy option threads is given twice");
}

/* A file name with control bytes is shown escaped too. */
static void test_error_file_name_escaped(void)
{
    struct parsed *result = calloc(1, sizeof(*result));
    FILE *stream = open_memstream(&result->messages, &result->length);

    CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
    result->errors = scenario_parse_text("t\x1b]0;x\x07.scn", "bogus\n",
                                         &result->scenario, stream);
    fclose(stream);
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages,
                                  "t\\x1b]0;x\\x07.scn:1: unknown "
                                  "directive 'bogus'"));
    parsed_free(result);
    result = calloc(1, sizeof(*result));
    stream = open_memstream(&result->messages, &result->length);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
    CU_ASSERT_EQUAL(scenario_parse_file("/nonexistent/\x1b[2J", &result->scenario,
                                        stream), -1);
    fclose(stream);
    CU_ASSERT_STRING_EQUAL(result->messages, "/nonexistent/\\x1b[2J: cannot "
                           "read: No such file or directory\n");
    parsed_free(result);
}

static void test_error_missing_backend_and_expect(void)
{
    struct parsed *result = parse("# nothing here\n\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 2);
    CU_ASSERT_STRING_EQUAL(result->messages,
                           "t.scn: no backend is declared (add a line like "
                           "'backend b1')\n"
                           "t.scn: no expectation (add a line like 'expect "
                           "relay exact')\n");
    parsed_free(result);
    expect_one_error("backend b1\n",
                     "t.scn: no expectation (add a line like 'expect relay "
                     "exact')");
    result = parse("");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 2);
    parsed_free(result);
}

static void test_error_time_after_timeout(void)
{
    struct parsed *result;

    expect_one_error(BASE "at 30s crash b1\n",
                     "t.scn:4: at 30s is not before the timeout (30s)");
    /* The timeout may come later in the file; the error is on the at line. */
    expect_one_error(BASE "at 5s crash b1\ntimeout 5s\n",
                     "t.scn:4: at 5s is not before the timeout (5s)");
    expect_one_error("timeout 2s\nbackend b1 start=2500ms\nexpect leastconn\n",
                     "t.scn:2: start=2500ms is not before the timeout (2s)");
    result = parse(BASE "at 4999ms crash b1\ntimeout 5s\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_EQUAL(result->scenario.events[0].at_ms, 4999);
    parsed_free(result);
}

static void test_error_values(void)
{
    expect_one_error(BASE "proxy threads=0\n",
                     "t.scn:4: threads '0': must be a whole number from 1 to 256");
    expect_one_error(BASE "proxy balance=fastest\n",
                     "t.scn:4: balance 'fastest': must be leastconn, roundrobin, "
                     "random or p2c");
    expect_error_with(BASE "proxy speed=1\n", 4,
                      "unknown proxy option 'speed' (allowed: threads=N, "
                      "balance=leastconn|roundrobin|random|p2c, "
                      "connect-timeout=DURATION");
    expect_one_error(BASE "proxy threads=2\nproxy threads=3\n",
                     "t.scn:5: proxy option threads is given twice");
    expect_one_error(BASE "proxy rise\n",
                     "t.scn:4: rise needs a value: write rise=VALUE");
    expect_one_error(BASE "backend b3 hang=1\n",
                     "t.scn:4: hang is a flag: write 'hang' without '='");
}

static void test_error_other_values(void)
{
    expect_one_error(BASE "seed 99999999999999999999999\n",
                     "t.scn:4: seed '99999999999999999999999': must be a whole "
                     "number from 0 to 2147483647");
    expect_one_error("seed 1\n" BASE "seed 2\n",
                     "t.scn:5: seed is already set on line 1");
    expect_one_error(BASE "timeout 5s\ntimeout 6s\n",
                     "t.scn:5: timeout is already set on line 4");
    expect_one_error(BASE "at 1s clients 10 size=8\n",
                     "t.scn:4: size '8': must be a size from 16 to 16M bytes, "
                     "like 512, 4k or 1M");
    expect_one_error(BASE "at 1s clients 0\n",
                     "t.scn:4: clients '0': must be a whole number from 1 to "
                     "10000");
    expect_one_error(BASE "expect leastconn points=1001\n",
                     "t.scn:4: points '1001': must be a whole number from 0 to "
                     "1000");
}

static void test_error_bad_words(void)
{
    expect_error_with(BASE "at 1s explode b1\n", 4, "unknown action 'explode'");
    expect_error_with(BASE "expect fairness\n", 4, "unknown check 'fairness'");
    expect_error_with(BASE "expect b1 > b1\n", 4,
                      "'b1 > b1' compares a backend with itself");
    expect_error_with(BASE "when b1 after 3 crash b1\n", 4,
                      "expected 'when NAME picks N ACTION'");
    expect_error_with(BASE "at 1s crash b1 b2\n", 4,
                      "crash needs one backend name");
    expect_error_with(BASE "backend b3 latency=" "1234567890123456789012345"
                      "678901234567890123456789012345678901234567890ms\n", 4,
                      "the value is longer than 63 characters");
}

static void test_error_start(void)
{
    expect_one_error(BASE "at 1s start b1\n",
                     "t.scn:4: start b1: only a backend declared 'down' can "
                     "be started (use restart to start one again)");
    expect_one_error(BASE "backend b3 down\nat 1s start b3\nat 2s start b3\n",
                     "t.scn:6: backend 'b3' is already started on line 5");
}

static void test_three_errors_in_line_order(void)
{
    struct parsed *result = parse("# three mistakes\n"     /* 1 */
                                  "backend b1\n"           /* 2 */
                                  "at 1s crash b7\n"       /* 3 */
                                  "expect leastconn\n"     /* 4 */
                                  "backend b2 weight=0\n"  /* 5 */
                                  "\n"                     /* 6 */
                                  "expect b2 > b1\n"       /* 7 */
                                  "speed 3\n");            /* 8 */
    const char *second, *third;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 3);
    CU_ASSERT_EQUAL(strncmp(result->messages, "t.scn:3: backend 'b7'", 21), 0);
    second = strchr(result->messages, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(second);
    CU_ASSERT_EQUAL(strncmp(second + 1, "t.scn:5: weight '0'", 19), 0);
    third = strchr(second + 1, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(third);
    CU_ASSERT_EQUAL(strncmp(third + 1, "t.scn:8: unknown directive", 26), 0);
    CU_ASSERT_EQUAL(count_lines(result->messages), 3);
    /* A line with an error adds nothing; the others are kept. */
    CU_ASSERT_EQUAL(result->scenario.event_count, 0);
    CU_ASSERT_EQUAL(result->scenario.expect_count, 2);
    CU_ASSERT_EQUAL(result->scenario.backend_count, 2);
    parsed_free(result);
}

static void test_error_long_lines(void)
{
    size_t size = 10000;
    char *text = malloc(size + 64);
    struct parsed *result;

    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    /* A 1001-byte line, then good lines: the error names line 2. */
    strcpy(text, "backend b1\n#");
    memset(text + strlen(text), 'x', 1000);
    strcpy(text + 12 + 1000, "\nexpect leastconn\n");
    expect_one_error(text, "t.scn:2: line is longer than 1000 bytes");
    /* Exactly 1000 bytes is fine. */
    text[12 + 999] = '\n';
    result = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_STRING_EQUAL(result->messages, "");
    parsed_free(result);
    /* 10k bytes without a newline. */
    memset(text, 'a', size);
    text[size] = '\0';
    result = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 3);
    CU_ASSERT_EQUAL(strncmp(result->messages, "t.scn:1: line is longer", 23),
                    0);
    parsed_free(result);
    free(text);
}

static void test_parse_file(void)
{
    char *path = write_temp(full_text);
    struct scenario *sc = calloc(1, sizeof(*sc));
    char *messages = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&messages, &length);
    char expected[512];

    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
    CU_ASSERT_EQUAL(scenario_parse_file(path, sc, stream), 0);
    CU_ASSERT_STRING_EQUAL(sc->path, path);
    CU_ASSERT_EQUAL(sc->backend_count, 4);
    CU_ASSERT_EQUAL(sc->expect_count, 13);
    unlink(path);
    free(path);
    path = write_temp(BASE "at 1s crash b3\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_EQUAL(scenario_parse_file(path, sc, stream), 1);
    fflush(stream);
    snprintf(expected, sizeof(expected), "%s:4: backend 'b3' is not declared "
             "(declared: b1, b2)\n", path);
    CU_ASSERT_STRING_EQUAL(messages, expected);
    fclose(stream);
    unlink(path);
    free(path);
    free(messages);
    free(sc);
}

static void test_unreadable_file(void)
{
    struct scenario *sc = calloc(1, sizeof(*sc));
    char *messages = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&messages, &length);

    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
    CU_ASSERT_EQUAL(scenario_parse_file("/nonexistent/x.scn", sc, stream), -1);
    fflush(stream);
    CU_ASSERT_STRING_EQUAL(messages, "/nonexistent/x.scn: cannot read: No "
                           "such file or directory\n");
    CU_ASSERT_EQUAL(scenario_parse_file("/tmp", sc, stream), -1);
    fflush(stream);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "/tmp: cannot read: a "
                                            "directory, not a regular file\n"));
    CU_ASSERT_EQUAL(scenario_parse_file("/dev/null", sc, stream), -1);
    fflush(stream);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, "/dev/null: cannot read: a "
                                            "device, not a regular file\n"));
    /* No FILE for the errors is fine too. */
    CU_ASSERT_EQUAL(scenario_parse_file("/nonexistent/x.scn", sc, NULL), -1);
    fclose(stream);
    free(messages);
    free(sc);
}

static void test_limits(void)
{
    size_t size = 64 * 40 + 200 * 24 + 100;
    char *text = malloc(size);
    struct parsed *result;
    size_t used = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (int i = 0; i <= SCENARIO_MAX_BACKENDS; i++)
        used += (size_t)snprintf(text + used, size - used, "backend b%d\n", i);
    for (int i = 0; i <= SCENARIO_MAX_EVENTS; i++)
        used += (size_t)snprintf(text + used, size - used, "at %dms stop b0\n",
                                 i);
    snprintf(text + used, size - used, "expect leastconn\n");
    result = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 2);
    CU_ASSERT_EQUAL(result->scenario.backend_count, SCENARIO_MAX_BACKENDS);
    CU_ASSERT_EQUAL(result->scenario.event_count, SCENARIO_MAX_EVENTS);
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages,
                                  "t.scn:33: too many backends (at most 32)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(result->messages, "t.scn:162: too many "
                                  "timeline events (at most 128)"));
    parsed_free(result);
    free(text);
}

/* xorshift64: a small generator whose state the caller keeps. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Changes text[0..*len) in place at random: byte flips, cuts, copies. */
static void mutate(char *text, size_t *len, size_t capacity, uint64_t *state)
{
    int changes = 1 + (int)(next_random(state) % 8);

    for (int i = 0; i < changes && *len > 0; i++) {
        size_t at = next_random(state) % *len;
        size_t span = next_random(state) % 64;

        switch (next_random(state) % 4) {
        case 0:     /* any byte, NUL and '\n' included */
            text[at] = (char)(next_random(state) & 0xff);
            break;
        case 1:     /* truncate */
            *len = at;
            break;
        case 2:     /* delete a span */
            span = span < *len - at ? span : *len - at;
            memmove(text + at, text + at + span, *len - at - span);
            *len -= span;
            break;
        default:    /* repeat a span, or pad with digits (huge numbers) */
            span = span < *len - at ? span : *len - at;
            span = span < capacity - *len ? span : capacity - *len;
            memmove(text + at + span, text + at, *len - at);
            if (next_random(state) % 2)
                memset(text + at, '9', span);
            *len += span;
            break;
        }
    }
}

/* Asserts that every string of sc is terminated and every count bounded. */
static void check_bounds(const struct scenario *sc)
{
    CU_ASSERT(strnlen(sc->description, SCENARIO_TEXT_MAX) < SCENARIO_TEXT_MAX);
    CU_ASSERT(sc->proxy_count <= SCENARIO_MAX_OPTIONS);
    CU_ASSERT(sc->backend_count <= SCENARIO_MAX_BACKENDS);
    CU_ASSERT(sc->event_count <= SCENARIO_MAX_EVENTS);
    CU_ASSERT(sc->expect_count <= SCENARIO_MAX_EXPECTS);
    for (size_t i = 0; i < sc->backend_count; i++) {
        CU_ASSERT(strnlen(sc->backends[i].name, SCENARIO_NAME_MAX) <
                  SCENARIO_NAME_MAX);
        CU_ASSERT(sc->backends[i].option_count <= SCENARIO_MAX_OPTIONS);
    }
    for (size_t i = 0; i < sc->expect_count; i++)
        CU_ASSERT(strnlen(sc->expects[i].text, SCENARIO_TEXT_MAX) <
                  SCENARIO_TEXT_MAX);
}

/* Asserts that messages holds exactly errors lines, each "fuzz.scn:". */
static void check_messages(const char *messages, int errors)
{
    int lines = 0;

    for (const char *line = messages; *line != '\0'; lines++) {
        const char *end = strchr(line, '\n');

        CU_ASSERT_EQUAL(strncmp(line, "fuzz.scn", 8), 0);
        if (end == NULL)
            break;
        line = end + 1;
    }
    CU_ASSERT_EQUAL(lines, errors);
}

static void test_fuzz_mutations(void)
{
    size_t capacity = sizeof(full_text) * 2;
    char *text = malloc(capacity + 1);
    struct scenario *sc = calloc(1, sizeof(*sc));
    uint64_t state = 0x5ce9a710u;
    int clean = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    for (int round = 0; round < 3000; round++) {
        size_t len = sizeof(full_text) - 1;
        char *messages = NULL;
        size_t length = 0;
        FILE *stream = open_memstream(&messages, &length);
        int errors;

        CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
        memcpy(text, full_text, len);
        mutate(text, &len, capacity, &state);
        text[len] = '\0';
        errors = scenario_parse_text("fuzz.scn", text, sc, stream);
        fclose(stream);
        CU_ASSERT(errors >= 0);
        clean += errors == 0;
        check_messages(messages, errors);
        check_bounds(sc);
        free(messages);
    }
    /* Some mutations (inside comments, say) must leave a good scenario. */
    CU_ASSERT(clean > 0 && clean < 3000);
    free(sc);
    free(text);
}

/* ---- limits: one place, the program's table ---------------------------- */

/* A value of spec's kind, as a scenario writes it. */
static void value_text(const struct options_spec *spec, long value, char *buf,
                       size_t size)
{
    snprintf(buf, size, spec->kind == OPTIONS_DURATION ? "%ldms" : "%ld",
             value);
}

/*
 * Writes "DIRECTIVE NAME=VALUE" for value = the row's min and max (must be
 * accepted) and min - 1 and max + 1 (must be refused with the program's
 * own words, as options_read puts them).
 */
static void check_row_limits(const char *directive,
                             const struct options_spec *spec)
{
    /* max + 1 only where it exists: LONG_MAX + 1 would overflow. */
    bool above = spec->max < LONG_MAX;
    long values[] = { spec->min, spec->max, spec->min - 1,
                      above ? spec->max + 1 : -1 };
    char text[512], value[32], want[512], err[256];
    struct parsed *result;
    long number;

    for (size_t i = 0; i < 4; i++) {
        if (values[i] < 0)
            continue;
        value_text(spec, values[i], value, sizeof(value));
        snprintf(text, sizeof(text), "backend b1\n%s%s=%s\nexpect leastconn\n",
                 directive, spec->name, value);
        result = parse(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(result);
        CU_ASSERT_EQUAL(result->errors, i < 2 ? 0 : 1);
        if (i >= 2) {
            CU_ASSERT_EQUAL(options_read(spec, "", value, &number, err,
                                         sizeof(err)), -1);
            snprintf(want, sizeof(want), "t.scn:2: %s\n", err);
            CU_ASSERT_STRING_EQUAL(result->messages, want);
        }
        if (result->errors != (i < 2 ? 0 : 1))
            fprintf(stderr, "\n    %s%s=%s: %s", directive, spec->name, value,
                    result->messages);
        parsed_free(result);
    }
}

/* The scenario's proxy and backend options take the limits of the rows of
 * proxy_server and dummy_server, read here from their tables. */
static void test_limits_from_program_tables(void)
{
    static const char *const proxy[] = {
        "threads", "connect-timeout", "idle-timeout", "health-interval",
        "grace", "rise", "fall", "maxconn",
    };
    static const char *const dummy[] = {
        "latency", "jitter", "rate", "crash-after-conns", "crash-after-lines",
        "close-after-lines", "reset-after-lines",
    };

    for (size_t i = 0; i < COUNT_OF(proxy); i++)
        check_row_limits("proxy ", options_find(&config_options, proxy[i]));
    for (size_t i = 0; i < COUNT_OF(dummy); i++)
        check_row_limits("backend b2 ",
                         options_find(&dummy_options_table, dummy[i]));
    for (size_t i = 0; i < config_backend_options.count; i++)
        check_row_limits("backend b2 ", &config_backend_options.specs[i]);
}

/* Words, flags and combinations: the programs' rules too. */
static void test_rules_from_programs(void)
{
    struct dummy_options opts;
    char want[512], err[256];
    long number;

    dummy_options_init(&opts);
    opts.hang = opts.refuse = true;
    CU_ASSERT_EQUAL(dummy_options_check(&opts, "", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "t.scn:4: %s", err);
    expect_one_error(BASE "backend b3 hang refuse\n", want);
    CU_ASSERT_EQUAL(options_read(options_find(&config_options, "balance"), "",
                                 "fastest", &number, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "t.scn:4: %s", err);
    expect_one_error(BASE "proxy balance=fastest\n", want);
}

/* A burst runs simulate_client: the scenario must refuse what it would. */
static void test_burst_limits_within_simclient(void)
{
    static const char *const names[] = {
        "requests", "size", "hold", "ramp", "timeout"
    };
    char text[256], value[32];
    struct parsed *result;

    for (size_t i = 0; i < COUNT_OF(names); i++) {
        const struct options_spec *spec =
            options_find(&simclient_options_table, names[i]);
        long outside[] = { spec->min - 1, spec->max + 1 };

        for (size_t j = 0; j < 2; j++) {
            if (outside[j] < 0)
                continue;
            value_text(spec, outside[j], value, sizeof(value));
            snprintf(text, sizeof(text), BASE "at 0s clients 1 %s=%s\n",
                     names[i], value);
            result = parse(text);
            CU_ASSERT_PTR_NOT_NULL_FATAL(result);
            CU_ASSERT_EQUAL(result->errors, 1);
            parsed_free(result);
        }
    }
}


/* --- live faults: link, heal, set, behaviours, chaos ------------------- */

static void test_link_heal_set(void)
{
    struct parsed *result = parse("backend b1\nbackend b2\n"
        "at 1s link b1 latency latency=100ms jitter=10ms direction=down "
        "toxicity=0.5\n"
        "when b2 picks 5 link clients slicer size=1\n"
        "at 2s heal b1 latency\n"
        "at 3s heal clients\n"
        "at 1500ms set b2 latency=200ms hang=1\n"
        "expect relay exact\n");
    const struct scenario *sc = &result->scenario;

    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    CU_ASSERT_EQUAL(sc->event_count, 5);
    CU_ASSERT_EQUAL(sc->events[0].action, SCENARIO_LINK);
    CU_ASSERT_EQUAL(sc->events[0].backend, 0);
    CU_ASSERT_STRING_EQUAL(sc->events[0].kind, "latency");
    CU_ASSERT_STRING_EQUAL(sc->events[0].command, "add latency latency=100ms "
                           "jitter=10ms direction=down toxicity=0.5");
    CU_ASSERT_EQUAL(sc->events[1].trigger, SCENARIO_AT_PICKS);
    CU_ASSERT_EQUAL(sc->events[1].backend, SCENARIO_TARGET_CLIENTS);
    CU_ASSERT_STRING_EQUAL(sc->events[1].command, "add slicer size=1");
    CU_ASSERT_EQUAL(sc->events[2].action, SCENARIO_HEAL);
    CU_ASSERT_STRING_EQUAL(sc->events[2].command, "remove latency");
    CU_ASSERT_STRING_EQUAL(sc->events[3].command, "remove all");
    CU_ASSERT_STRING_EQUAL(sc->events[3].kind, "");
    CU_ASSERT_EQUAL(sc->events[4].action, SCENARIO_SET);
    CU_ASSERT_STRING_EQUAL(sc->events[4].command, "set latency=200ms hang=1");
    /* Links and control channels only where they are used. */
    CU_ASSERT_TRUE(sc->backends[0].linked);
    CU_ASSERT_FALSE(sc->backends[1].linked);
    CU_ASSERT_FALSE(sc->backends[0].controlled);
    CU_ASSERT_TRUE(sc->backends[1].controlled);
    CU_ASSERT_TRUE(sc->clients_linked);
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_LINK), "link");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_HEAL), "heal");
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_SET), "set");
    parsed_free(result);
    result = parse(BASE "at 0s clients 3\n");
    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    CU_ASSERT_FALSE(result->scenario.backends[0].linked);
    CU_ASSERT_FALSE(result->scenario.backends[0].controlled);
    CU_ASSERT_FALSE(result->scenario.clients_linked);
    parsed_free(result);
}

static void test_behaviours(void)
{
    static const char *const given[][2] = {
        { "no-read", "" }, { "abort=up", "up" }, { "abort=down", "down" },
        { "trickle=20ms", "20ms" }, { "idle=1s", "1s" },
        { "connect-only", "" },
    };
    char text[256], key[32];

    for (size_t i = 0; i < COUNT_OF(given); i++) {
        struct parsed *result;

        snprintf(text, sizeof(text), BASE "at 0s clients 2 %s may-fail\n",
                 given[i][0]);
        result = parse(text);
        CU_ASSERT_EQUAL_FATAL(result->errors, 0);
        snprintf(key, sizeof(key), "%.*s", (int)strcspn(given[i][0], "="),
                 given[i][0]);
        CU_ASSERT_STRING_EQUAL(result->scenario.events[0].burst.behaviour.key,
                               key);
        CU_ASSERT_STRING_EQUAL(
            result->scenario.events[0].burst.behaviour.value, given[i][1]);
        parsed_free(result);
    }
}

static void test_error_behaviours(void)
{
    expect_one_error(BASE "at 0s clients 2 no-read idle=1s\n",
                     "t.scn:4: clients: no-read and idle cannot be used "
                     "together: one behaviour per burst");
    expect_one_error(BASE "at 0s clients 2 no-read half-close\n",
                     "t.scn:4: clients: --no-read and --half-close cannot be "
                     "used together: --half-close reads the replies after "
                     "its FIN");
    expect_one_error(BASE "at 0s clients 2 abort=sideways\n",
                     "t.scn:4: abort 'sideways': must be up or down");
    expect_one_error(BASE "at 0s clients 2 trickle=0\n",
                     "t.scn:4: trickle '0': must be a duration from 1ms to "
                     "60m, like 500ms or 2s");
    expect_one_error(BASE "at 0s clients 2 no-read=1\n",
                     "t.scn:4: no-read is a flag: write 'no-read' without "
                     "'='");
    expect_one_error("backend b1\nat 0s clients 2 no-read\n"
                     "expect clients ok\n",
                     "t.scn:2: no-read clients never read a reply, so "
                     "'expect clients ok' (line 3) cannot judge them; give "
                     "them may-fail, or expect no-lost-clients");
}

static void test_error_link(void)
{
    expect_one_error(BASE "at 1s link b1\n",
                     "t.scn:4: link needs a target and a fault, like 'link b1 "
                     "latency latency=100ms' or 'link clients slicer "
                     "size=1'");
    expect_one_error(BASE "at 1s link b9 blackhole\n",
                     "t.scn:4: backend 'b9' is not declared (declared: b1, "
                     "b2)");
    expect_one_error(BASE "at 1s link b1 lag\n",
                     "t.scn:4: link: unknown kind 'lag' (latency, bandwidth, "
                     "slicer, slow-close, timeout, reset, limit-data, "
                     "blackhole, refuse, syn-drop)");
    expect_one_error(BASE "at 1s link b1 latency\n",
                     "t.scn:4: link: latency: latency= is missing");
    expect_one_error(BASE "at 1s link b1 latency latency=1s toxicity=2\n",
                     "t.scn:4: link: toxicity '2': must be a number from 0 "
                     "to 1, like 0.5");
    expect_one_error("backend b1 blackhole\nbackend b2\nexpect leastconn\n"
                     "at 1s link b1 latency latency=1s\n",
                     "t.scn:4: link b1: b1 is a blackhole: nothing listens "
                     "behind a link");
    expect_one_error("backend b1 down\nbackend b2\nexpect leastconn\n"
                     "at 1s link b1 latency latency=1s\n",
                     "t.scn:4: link b1: b1 is declared down (line 1) and no "
                     "'start b1' ever starts it");
}

static void test_error_heal(void)
{
    expect_one_error(BASE "at 1s heal\n",
                     "t.scn:4: heal needs a target and at most one kind, like "
                     "'heal b1' or 'heal b1 latency'");
    expect_one_error(BASE "at 1s link b1 blackhole\nat 2s heal b1 lag\n",
                     "t.scn:5: heal: unknown kind 'lag' (latency, bandwidth, "
                     "slicer, slow-close, timeout, reset, limit-data, "
                     "blackhole, refuse, syn-drop)");
    expect_one_error(BASE "at 1s heal b1\n",
                     "t.scn:4: heal b1: no link puts a fault on it before");
    expect_one_error(BASE "at 1s link b1 blackhole\nat 2s heal b1 latency\n",
                     "t.scn:5: heal b1 latency: no link puts that fault on it "
                     "before");
    /* A heal timed before its link removes nothing either. */
    expect_one_error(BASE "at 3s link clients blackhole\n"
                     "at 2s heal clients\n",
                     "t.scn:5: heal clients: no link puts a fault on it "
                     "before");
}

static void test_error_set(void)
{
    expect_one_error(BASE "at 1s set b1\n",
                     "t.scn:4: set needs a backend and KEY=VALUE, like 'set b1 "
                     "latency=200ms'");
    expect_one_error(BASE "at 1s set b1 latency=2h\n",
                     "t.scn:4: set b1: latency '2h': must be a duration from "
                     "0ms to 60m, like 500ms or 2s");
    expect_one_error(BASE "at 1s set b1 mode=echo\n",
                     "t.scn:4: set b1: 'mode' cannot change while running; "
                     "keys: latency, jitter, rate, hang, refuse, "
                     "close-after-lines, reset-after-lines");
    /* Judged against the options the backend was declared with. */
    expect_one_error("backend b1 hang\nbackend b2\nexpect leastconn\n"
                     "at 1s set b1 refuse=1\n",
                     "t.scn:4: set b1: hang and refuse cannot be used "
                     "together");
    expect_one_error("backend b1 blackhole\nbackend b2\nexpect leastconn\n"
                     "at 1s set b1 latency=1s\n",
                     "t.scn:4: set b1: b1 is a blackhole, no process runs to "
                     "change");
    expect_one_error(BASE "at 1s set clients latency=1s\n",
                     "t.scn:4: backend 'clients' is not declared (declared: "
                     "b1, b2)");
}

#define CHAOS "chaos from 1s to 5s every 200ms..600ms "

static void test_chaos(void)
{
    struct parsed *result = parse("seed 9\nbackend b1\nbackend b2\n"
                                  "backend b3 down\n" CHAOS
                                  "kinds=crash,link-latency targets=all\n"
                                  "at 0s clients 5\nexpect relay exact\n");
    const struct scenario *sc = &result->scenario;
    long last = 0;

    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    CU_ASSERT_EQUAL(sc->chaos.line, 5);
    CU_ASSERT_EQUAL(sc->chaos.from_ms, 1000);
    CU_ASSERT_EQUAL(sc->chaos.to_ms, 5000);
    CU_ASSERT_EQUAL(sc->chaos.every_min_ms, 200);
    CU_ASSERT_EQUAL(sc->chaos.every_max_ms, 600);
    CU_ASSERT_EQUAL(sc->chaos.targets, SCENARIO_CHAOS_ALL);
    CU_ASSERT_EQUAL(sc->chaos.kinds, (1u << SCENARIO_CHAOS_CRASH) |
                                     (1u << SCENARIO_CHAOS_LINK_LATENCY));
    CU_ASSERT_EQUAL(sc->chaos_first, 1);
    CU_ASSERT(sc->event_count > 1 + 4 * 6);
    /* Both running backends get a link; the down one is never hit. */
    CU_ASSERT_TRUE(sc->backends[0].linked);
    CU_ASSERT_TRUE(sc->backends[1].linked);
    CU_ASSERT_FALSE(sc->backends[2].linked);
    for (size_t i = sc->chaos_first; i < sc->event_count; i++) {
        const struct scenario_event *ev = &sc->events[i];

        CU_ASSERT_TRUE(ev->chaos);
        CU_ASSERT_EQUAL(ev->line, 5);
        CU_ASSERT(ev->backend == 0 || ev->backend == 1);
        CU_ASSERT(ev->at_ms >= last && ev->at_ms >= 1000 &&
                  ev->at_ms <= 5000);
        last = ev->at_ms;
    }
    /* The last event heals, at "to" at the latest. */
    CU_ASSERT(sc->events[sc->event_count - 1].action == SCENARIO_RESTART ||
              sc->events[sc->event_count - 1].action == SCENARIO_HEAL);
    CU_ASSERT_STRING_EQUAL(scenario_chaos_kind_name(SCENARIO_CHAOS_SYN_DROP),
                           "syn-drop");
    parsed_free(result);
}

/* Two plans from one seed are the same; another seed gives another. */
static void test_chaos_determinism(void)
{
    const char *text = "seed 77\nbackend b1\nbackend b2\nbackend b3\n" CHAOS
                       "kinds=crash,pause,link-latency,syn-drop "
                       "targets=minority\nexpect relay exact\n";
    struct parsed *first = parse(text), *again = parse(text);
    struct scenario *other = calloc(1, sizeof(*other));
    bool differs = false;

    CU_ASSERT_PTR_NOT_NULL_FATAL(other);
    CU_ASSERT_EQUAL_FATAL(first->errors, 0);
    CU_ASSERT_EQUAL(first->scenario.event_count, again->scenario.event_count);
    CU_ASSERT_EQUAL(memcmp(first->scenario.events, again->scenario.events,
                           first->scenario.event_count *
                           sizeof(struct scenario_event)), 0);
    CU_ASSERT_EQUAL(first->scenario.chaos.seed, 77);
    /* scenario_plan_chaos again with the same seed: the same plan. */
    memcpy(other, &first->scenario, sizeof(*other));
    CU_ASSERT_EQUAL(scenario_plan_chaos(other, 77), 0);
    CU_ASSERT_EQUAL(memcmp(other->events, first->scenario.events,
                           sizeof(other->events)), 0);
    CU_ASSERT_EQUAL(scenario_plan_chaos(other, 78), 0);
    CU_ASSERT_EQUAL(other->chaos.seed, 78);
    differs = other->event_count != first->scenario.event_count ||
              memcmp(other->events, first->scenario.events,
                     other->event_count * sizeof(struct scenario_event)) != 0;
    CU_ASSERT_TRUE(differs);
    free(other);
    parsed_free(first);
    parsed_free(again);
}

static void test_error_chaos(void)
{
    expect_one_error(BASE "chaos from 1s to 5s\n",
                     "t.scn:4: expected 'chaos from D to D every D..D "
                     "kinds=K,K [targets=one|minority|all]', like 'chaos "
                     "from 1s to 6s every 500ms..1s kinds=crash,link-latency "
                     "targets=one'");
    expect_one_error(BASE CHAOS "kinds=crash,flood\n",
                     "t.scn:4: chaos: unknown kind 'flood' (kinds: crash, "
                     "pause, link-latency, link-slicer, link-reset, "
                     "link-blackhole, syn-drop, refuse)");
    expect_one_error(BASE CHAOS "kinds=crash,crash\n",
                     "t.scn:4: chaos: kind crash is given twice");
    expect_one_error(BASE CHAOS "kinds=,\n",
                     "t.scn:4: chaos: kinds= names no kind");
    expect_one_error(BASE CHAOS "kinds=crash targets=most\n",
                     "t.scn:4: targets 'most': must be one, "
                     "minority or all");
    expect_one_error(BASE "chaos from 5s to 1s every 200ms kinds=crash\n",
                     "t.scn:4: chaos from 5s to 1s: the window is empty");
    expect_one_error(BASE "chaos from 1s to 40s every 200ms kinds=crash\n",
                     "t.scn:4: chaos to 40s is after the timeout (30s)");
    expect_one_error(BASE "chaos from 1s to 4s every 900ms..300ms "
                     "kinds=crash\n",
                     "t.scn:4: chaos: every 900ms..300ms: the first gap must "
                     "not be longer than the second");
    expect_one_error(BASE "chaos from 1s to 4s every 50ms kinds=crash\n",
                     "t.scn:4: every '50ms': must be a duration from 100ms "
                     "to 10m, like 500ms or 2s");
    expect_one_error(BASE CHAOS "kinds=crash\n" CHAOS "kinds=pause\n",
                     "t.scn:5: chaos is already given on line 4");
    expect_one_error("backend b1 down\nexpect leastconn\n" CHAOS
                     "kinds=crash\nat 0s start b1\n",
                     "t.scn:3: chaos: no backend runs from the start to put "
                     "faults on");
    expect_one_error("timeout 600s\nbackend b1\nexpect leastconn\n"
                     "chaos from 0s to 500s every 100ms kinds=crash\n",
                     "t.scn:4: chaos: the plan needs more than the 128 "
                     "timeline events left (at most 128 in all); shorten "
                     "the window or lengthen the gaps");
}

/* The latency, no-hol, idle-closed and retried checks and their
 * arguments. */
static void test_checks_of_timing(void)
{
    struct parsed *result = parse(
        "proxy idle-timeout=300ms\nbackend b\nbackend c\n"
        "at 0s clients 1\nat 1s clients 2\n"
        "expect p99<=200ms burst=2\nexpect p50<=1s\n"
        "expect p90<=20\nexpect no-hol\nexpect no-hol burst=1\n"
        "expect idle-closed within 100ms\nexpect retried\n");
    const struct scenario_expect *e;

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL(result->errors, 0);
    CU_ASSERT_EQUAL_FATAL(result->scenario.expect_count, 7);
    e = result->scenario.expects;
    CU_ASSERT(e[0].check == SCENARIO_CHECK_LATENCY && e[0].percentile == 99 &&
              e[0].within_ms == 200 && e[0].burst == 2);
    CU_ASSERT(e[1].check == SCENARIO_CHECK_LATENCY && e[1].percentile == 50 &&
              e[1].within_ms == 1000 && e[1].burst == 0);
    CU_ASSERT(e[2].percentile == 90 && e[2].within_ms == 20);
    CU_ASSERT(e[3].check == SCENARIO_CHECK_NO_HOL && e[3].burst == 0);
    CU_ASSERT(e[4].check == SCENARIO_CHECK_NO_HOL && e[4].burst == 1);
    CU_ASSERT(e[5].check == SCENARIO_CHECK_IDLE_CLOSED &&
              e[5].within_ms == 100);
    CU_ASSERT(e[6].check == SCENARIO_CHECK_RETRIED);
    CU_ASSERT_STRING_EQUAL(e[0].text, "p99<=200ms burst=2");
    CU_ASSERT(scenario_wants_request_lines(&result->scenario));
    CU_ASSERT_EQUAL(scenario_burst_number(&result->scenario, 1), 2);
    CU_ASSERT_EQUAL(scenario_burst_number(&result->scenario, 2), 0);
    parsed_free(result);
    /* no-lost-clients reads the request lines only under an idle timeout. */
    result = parse("backend b\nexpect no-lost-clients\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_FALSE(scenario_wants_request_lines(&result->scenario));
    parsed_free(result);
    result = parse("proxy idle-timeout=1s\nbackend b\n"
                   "expect no-lost-clients\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_TRUE(scenario_wants_request_lines(&result->scenario));
    parsed_free(result);
}

/* What the rest of the file makes impossible is refused at its line. */
static void test_error_checks_of_timing(void)
{
    expect_one_error("backend b\nat 0s clients 1\nexpect p99<=0ms\nexpect relay exact\n",
                     "t.scn:3: p99<= '0ms': must be a duration from 1ms to "
                     "10m, like 500ms or 2s");
    expect_one_error("backend b\nat 0s clients 1\nexpect p75<=1s\nexpect relay exact\n",
                     "t.scn:3: unknown check 'p75<=1s' (checks: leastconn, p2c, "
                     "counts zero, relay exact, share NAME=P%\xc2\xb1T%, "
                     "NAME > NAME, NAME < NAME, detect NAME within D, "
                     "recover NAME within D, clients ok, clients failed<=N, "
                     "no-lost-clients, threads stable, resets passed, stop "
                     "clean, workers used, health exact, sessions<=D, fds "
                     "stable, p50<=D, p90<=D, p99<=D, no-hol, idle-closed "
                     "within D, retried, proxy-rss<=BYTES, "
                     "proxy-rss-growth<=BYTES, drained NAME within D, "
                     "slowstart NAME, ejected NAME within D, restored NAME, "
                     "queue-wait<=D, queue fifo)");
    expect_one_error("backend b\nat 0s clients 1\nexpect p99<=1s burst=2\nexpect relay exact\n",
                     "t.scn:3: burst=2: the file has 1 clients action "
                     "(bursts are numbered in file order, from 1)");
    expect_error_with("backend b\nat 0s clients 1\nexpect p99<=1s b=1\n", 3,
                      "expected 'burst=N' after the check, not 'b=1'");
    expect_error_with("backend b\nat 0s clients 1\nexpect p99<=1s x y\n", 3,
                      "expected 'p99<=D [burst=N]'");
    expect_one_error("backend b\nbackend c\nat 0s clients 1\n"
                     "expect no-hol\nexpect relay exact\n", "t.scn:4: no-hol needs two clients "
                     "actions or more (a slow burst and a later one that "
                     "must not wait for it); the file has 1");
    expect_one_error("backend b\nexpect retried\nexpect relay exact\n", "t.scn:2: retried needs "
                     "two backends or more (a failed connect is retried on "
                     "another one)");
    expect_one_error("backend b\nexpect idle-closed within 1s\n"
                     "expect relay exact\n",
                     "t.scn:2: idle-closed needs the proxy's idle timeout: "
                     "add 'proxy idle-timeout=D' with D above 0");
    expect_one_error("backend b\nexpect idle-closed within 1s\n"
                     "proxy idle-timeout=0\nexpect relay exact\n", "t.scn:2: idle-closed needs "
                     "the proxy's idle timeout: add 'proxy idle-timeout=D' "
                     "with D above 0");
    expect_error_with("timeout 5s\nproxy idle-timeout=5s\nbackend b\n"
                      "expect idle-closed within 1s\n", 4,
                      "idle-closed: the proxy's idle timeout (5s) is not "
                      "shorter than the run's timeout (5s)");
    expect_error_with("proxy idle-timeout=1s\nbackend b\n"
                      "expect idle-closed in 1s\n", 3,
                      "expected 'idle-closed within DURATION'");
}

/* proxy-rss<=B and proxy-rss-growth<=B: sizes as elsewhere, from a page
 * to 1G; a bad one is refused at its line. */
static void test_proxy_rss(void)
{
    struct parsed *result = parse("backend b\nexpect proxy-rss<=64M\n"
                                  "expect proxy-rss-growth<=4k\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(result);
    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    CU_ASSERT_EQUAL(result->scenario.expects[0].max_bytes, 64L << 20);
    CU_ASSERT_EQUAL(result->scenario.expects[1].max_bytes, 4096);
    CU_ASSERT_STRING_EQUAL(result->scenario.expects[1].text,
                           "proxy-rss-growth<=4k");
    parsed_free(result);
    expect_one_error("backend b\nexpect relay exact\nexpect proxy-rss<=64X\n",
                     "t.scn:3: proxy-rss<= '64X': must be a size from 4k to "
                     "1G bytes, like 512, 4k or 1M");
    expect_one_error("backend b\nexpect relay exact\n"
                     "expect proxy-rss-growth<=2G\n",
                     "t.scn:3: proxy-rss-growth<= '2G': must be a size from "
                     "4k to 1G bytes, like 512, 4k or 1M");
    expect_one_error("backend b\nexpect relay exact\nexpect proxy-rss<=\n",
                     "t.scn:3: proxy-rss<= '': must be a size from 4k to 1G "
                     "bytes, like 512, 4k or 1M");
    expect_error_with("backend b\nexpect proxy-rss<=1M now\n", 2,
                      "unknown check 'proxy-rss<=1M now'");
}


/* Operations on the running proxy: standby backends, the actions, the
 * commands they become, and the checks that go with them. */
static void test_operations(void)
{
    struct parsed *result = parse(
        "proxy slowstart=1s eject-after=3 eject-time=2s queue=8 "
        "queue-timeout=300ms\n"
        "backend b1\nbackend b2 weight=2\nbackend b3 standby maxconn=7\n"
        "at 0s clients 10\n"
        "at 1s drain b1\n"
        "at 1s disable b2\n"
        "at 2s remove b1\n"
        "at 2s enable b2\n"
        "at 3s add b3 weight=4 slowstart=500ms\n"
        "at 3s add b1\n"
        "at 4s weight b2 5\n"
        "at 4s maxconn b3 0\n"
        "at 5s reload backends=b2,b3 weight.b3=2 maxconn.b2=9\n"
        "expect drained b1 within 1s\nexpect slowstart b3\n"
        "expect ejected b2 within 2s\nexpect restored b2\n"
        "expect queue-wait<=250ms\nexpect queue fifo\n");
    const struct scenario *sc = &result->scenario;
    const struct scenario_event *ev = sc->events;

    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    if (result->errors != 0)
        fprintf(stderr, "\n%s", result->messages);
    CU_ASSERT_TRUE(sc->backends[2].standby);
    CU_ASSERT_FALSE(sc->backends[0].standby);
    CU_ASSERT_TRUE(sc->operated);
    CU_ASSERT_TRUE(sc->reloaded);
    CU_ASSERT_EQUAL(ev[1].action, SCENARIO_DRAIN);
    CU_ASSERT_STRING_EQUAL(ev[1].command, "drain b1");
    CU_ASSERT_STRING_EQUAL(ev[2].command, "disable b2");
    CU_ASSERT_STRING_EQUAL(ev[3].command, "remove backend b1");
    CU_ASSERT_STRING_EQUAL(ev[4].command, "enable b2");
    CU_ASSERT_EQUAL(ev[5].action, SCENARIO_ADD);
    CU_ASSERT_EQUAL(ev[5].backend, 2);
    CU_ASSERT_EQUAL(ev[5].add_weight, 4);
    CU_ASSERT_EQUAL(ev[5].add_maxconn, -1);
    CU_ASSERT_EQUAL(ev[5].add_slowstart_ms, 500);
    CU_ASSERT_EQUAL(ev[6].add_weight, -1);
    CU_ASSERT_STRING_EQUAL(ev[7].command, "set weight b2 5");
    CU_ASSERT_EQUAL(ev[7].value, 5);
    CU_ASSERT_STRING_EQUAL(ev[8].command, "set maxconn b3 0");
    CU_ASSERT_EQUAL(ev[9].action, SCENARIO_RELOAD);
    CU_ASSERT_STRING_EQUAL(ev[9].command, "reload");
    CU_ASSERT_TRUE(ev[9].reload.backends_given);
    CU_ASSERT_FALSE(ev[9].reload.in[0]);
    CU_ASSERT_TRUE(ev[9].reload.in[1] && ev[9].reload.in[2]);
    CU_ASSERT_EQUAL(ev[9].reload.weight[2], 2);
    CU_ASSERT_EQUAL(ev[9].reload.weight[1], -1);
    CU_ASSERT_EQUAL(ev[9].reload.maxconn[1], 9);
    CU_ASSERT_EQUAL(sc->expects[0].check, SCENARIO_CHECK_DRAINED);
    CU_ASSERT_EQUAL(sc->expects[0].within_ms, 1000);
    CU_ASSERT_EQUAL(sc->expects[1].check, SCENARIO_CHECK_SLOWSTART);
    CU_ASSERT_EQUAL(sc->expects[1].backend, 2);
    CU_ASSERT_EQUAL(sc->expects[2].check, SCENARIO_CHECK_EJECTED);
    CU_ASSERT_EQUAL(sc->expects[3].check, SCENARIO_CHECK_RESTORED);
    CU_ASSERT_EQUAL(sc->expects[4].check, SCENARIO_CHECK_QUEUE_WAIT);
    CU_ASSERT_EQUAL(sc->expects[4].within_ms, 250);
    CU_ASSERT_EQUAL(sc->expects[5].check, SCENARIO_CHECK_QUEUE_FIFO);
    CU_ASSERT_STRING_EQUAL(scenario_action_name(SCENARIO_RELOAD), "reload");
    CU_ASSERT_TRUE(scenario_action_operates(SCENARIO_DRAIN));
    CU_ASSERT_FALSE(scenario_action_operates(SCENARIO_SET));
    parsed_free(result);
    /* Without an operation the proxy runs as before. */
    result = parse("backend b1 standby\nbackend b2\nexpect relay exact\n");
    CU_ASSERT_EQUAL_FATAL(result->errors, 0);
    CU_ASSERT_FALSE(result->scenario.operated);
    CU_ASSERT_FALSE(result->scenario.reloaded);
    parsed_free(result);
}

#define OPS "backend b1\nbackend b2\nbackend b3 standby\nexpect relay exact\n"

static void test_error_operations(void)
{
    expect_one_error(OPS "at 1s drain b9\n", "t.scn:5: backend 'b9' is not "
                     "declared (declared: b1, b2, b3)");
    expect_one_error(OPS "at 1s drain b1 b2\n", "t.scn:5: drain needs one "
                     "backend name, like 'drain b1'");
    expect_one_error(OPS "at 1s weight b1 0\n", "t.scn:5: weight '0': must "
                     "be a whole number from 1 to 256");
    expect_one_error(OPS "at 1s maxconn b1\n", "t.scn:5: maxconn needs a "
                     "backend and a number, like 'maxconn b1 100'");
    expect_one_error(OPS "at 1s add b3 speed=2\n", "t.scn:5: unknown add "
                     "option 'speed' (allowed: weight=N, maxconn=N, "
                     "slowstart=DURATION)");
    expect_one_error(OPS "at 1s add b1\n", "t.scn:5: add b1: b1 is given to "
                     "the proxy at its start; declare it 'backend b1 "
                     "standby' to add it later, or remove it before");
    expect_one_error(OPS "at 1s remove b1\n", "t.scn:5: remove b1: no drain "
                     "or disable of b1 comes before it (the proxy removes "
                     "only a backend that takes no new sessions and has "
                     "none left)");
    /* At one time, file order decides. */
    expect_one_error(OPS "at 1s remove b1\nat 1s drain b1\n", "t.scn:5: "
                     "remove b1: no drain or disable of b1 comes before it "
                     "(the proxy removes only a backend that takes no new "
                     "sessions and has none left)");
    expect_one_error(OPS "at 1s enable b2\n", "t.scn:5: enable b2: no drain "
                     "or disable of b2 comes before it (enable ends a drain "
                     "or a disable)");
    expect_one_error(OPS "at 1s drain b3\nat 2s add b3\n", "t.scn:5: drain "
                     "b3: b3 is standby and no add or reload brings it into "
                     "the proxy before");
    expect_one_error(OPS "at 1s reload backends=b1 weight.b2=3\n", "t.scn:5: "
                     "reload: b2 is given a setting but is not in backends=");
    /* The order in time: in the proxy already, or out of it already. */
    expect_one_error(OPS "at 1s reload backends=b1,b2,b3\nat 2s add b3\n",
                     "t.scn:6: add b3: b3 is in the proxy by then (brought "
                     "in at line 5)");
    expect_one_error(OPS "at 1s drain b1\nat 2s remove b1\nat 3s remove b1\n",
                     "t.scn:7: remove b1: b1 is out of the proxy by then "
                     "(taken out at line 6)");
    expect_one_error(OPS "at 1s reload backends=b2\nat 2s drain b1\n",
                     "t.scn:6: drain b1: b1 is out of the proxy by then "
                     "(taken out at line 5)");
    expect_no_error(OPS "at 1s drain b1\nat 2s remove b1\nat 3s add b1\n"
                    "at 4s drain b1\n");
    expect_no_error(OPS "at 2s add b3\nat 1s drain b1\nat 3s disable b3\n");
    expect_one_error(OPS "at 1s reload backends=,\n", "t.scn:5: reload: "
                     "backends= needs NAME,NAME... without an empty name (a "
                     "reload keeps at least one backend)");
    expect_one_error(OPS "at 1s reload backends=b1,,b2\n", "t.scn:5: "
                     "reload: backends= needs NAME,NAME... without an empty "
                     "name (a reload keeps at least one backend)");
    expect_one_error(OPS "at 1s reload backends=b1,b1\n", "t.scn:5: "
                     "reload: b1 is given twice in backends=");
    expect_one_error(OPS "at 1s reload weight.b1=3 weight.b1=4\n", "t.scn:5: "
                     "reload: weight.b1 is given twice");
    expect_one_error(OPS "at 1s reload speed.b1=3\n", "t.scn:5: reload: "
                     "unknown setting 'speed' (weight.NAME=N or "
                     "maxconn.NAME=N)");
    expect_one_error(OPS "at 1s reload weight=3\n", "t.scn:5: reload: "
                     "'weight=3' must be backends=NAME,NAME..., weight.NAME=N "
                     "or maxconn.NAME=N");
    expect_one_error(OPS "expect drained b1 within 1s\n", "t.scn:5: drained "
                     "b1 needs an action 'drain b1'");
    expect_one_error(OPS "expect slowstart b1\n", "t.scn:5: slowstart b1 "
                     "needs a slow start: add 'proxy slowstart=D', or 'add b1 "
                     "slowstart=D', with D above 0");
    expect_one_error(OPS "proxy eject-after=0\nexpect ejected b1 within 1s\n",
                     "t.scn:6: ejected b1 needs outlier ejection: add 'proxy "
                     "eject-after=N' with N above 0");
    expect_one_error(OPS "expect queue fifo\n", "t.scn:5: queue fifo needs "
                     "the proxy's queue: add 'proxy queue=N' with N above 0");
    expect_one_error(OPS "expect restored\n", "t.scn:5: expected 'restored "
                     "NAME', like 'restored b1'");
    /* Allowed: a "when" may come at any time; a removed backend comes back. */
    expect_no_error(OPS "when b2 picks 3 drain b1\nat 1s remove b1\n"
                    "at 2s add b1\nat 3s add b3\nat 4s disable b3\n"
                    "at 5s enable b3\n");
}

static CU_TestInfo scenario_tests[] = {
    { "checks of timing", test_checks_of_timing },
    { "error: checks of timing", test_error_checks_of_timing },
    { "proxy-rss<=B, proxy-rss-growth<=B", test_proxy_rss },
    { "full scenario: header and proxy", test_full_header_and_proxy },
    { "full scenario: first backend", test_full_backends },
    { "full scenario: other backends", test_full_backends_more },
    { "full scenario: timeline", test_full_events },
    { "full scenario: fixed checks", test_full_expects },
    { "full scenario: checks with arguments",
      test_full_expects_with_arguments },
    { "defaults", test_defaults },
    { "description from the first comment", test_description },
    { "every check form", test_check_forms },
    { "backends named before they are declared", test_forward_reference },
    { "stop proxy, blackhole, read and write rates",
      test_stop_proxy_blackhole_and_rates },
    { "action names", test_action_names },
    { "error: unknown directive", test_error_unknown_directive },
    { "error: bad duration", test_error_bad_duration },
    { "error: unknown backend", test_error_unknown_backend },
    { "error: duplicate backend and bad name", test_error_duplicate_backend },
    { "error: bad share", test_error_bad_share },
    { "error: conflicting faults", test_error_conflicting_faults },
    { "error: no backend, no expect", test_error_missing_backend_and_expect },
    { "error: times at or after the timeout", test_error_time_after_timeout },
    { "error: bad proxy values", test_error_values },
    { "error: other bad values", test_error_other_values },
    { "error: bad words", test_error_bad_words },
    { "error: start", test_error_start },
    { "three errors, in line order", test_three_errors_in_line_order },
    { "error: long lines", test_error_long_lines },
    { "error: numbers are decimal digits only", test_error_numbers_strict },
    { "error: an option given twice", test_error_option_twice },
    { "error: a file name is escaped", test_error_file_name_escaped },
    { "parse a file", test_parse_file },
    { "unreadable file", test_unreadable_file },
    { "limits: backends and events", test_limits },
    { "limits: the programs' own option tables",
      test_limits_from_program_tables },
    { "rules: the programs' own words and combinations",
      test_rules_from_programs },
    { "limits: bursts within simulate_client's", test_burst_limits_within_simclient },
    { "link, heal and set", test_link_heal_set },
    { "client behaviours", test_behaviours },
    { "error: client behaviours", test_error_behaviours },
    { "error: link", test_error_link },
    { "error: heal", test_error_heal },
    { "error: set", test_error_set },
    { "chaos line and plan", test_chaos },
    { "chaos plan: the same seed gives the same plan", test_chaos_determinism },
    { "error: chaos", test_error_chaos },
    { "fuzz: mutated scenarios", test_fuzz_mutations },
    { "operations on the running proxy", test_operations },
    { "error: operations", test_error_operations },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(scenario, scenario_tests)
