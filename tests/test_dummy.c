/*
 * test_dummy: unit tests of the dummy_server modules that need no port:
 * option parsing (good and bad input), line framing, reply formatting and
 * queueing, reply scheduling with jitter and the rate pacer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/dummy_conn.h"
#include "../backend/dummy_control.h"
#include "../backend/dummy_delay.h"
#include "../backend/dummy_framer.h"
#include "../backend/dummy_options.h"
#include "../backend/dummy_pacer.h"
#include "../backend/dummy_queue.h"
#include "../simclient/simclient_options.h"
#include "count_of.h"
#include "testlib.h"

/* ---- options ---------------------------------------------------------- */

#define MAX_ARGS 32

/* Parses a NULL-terminated argument list (program name added) into *opts. */
static int parse_args_to(struct dummy_options *opts, char *err, size_t errlen,
                         const char *const *args, FILE *out)
{
    char *argv[MAX_ARGS];
    int argc = 0;

    argv[argc++] = (char *)"dummy_server";
    for (; *args != NULL && argc < MAX_ARGS - 1; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    dummy_options_init(opts);
    err[0] = '\0';
    return dummy_options_parse(opts, argc, argv, out, err, errlen);
}

static int parse_args(struct dummy_options *opts, char *err, size_t errlen,
                      const char *const *args)
{
    return parse_args_to(opts, err, errlen, args, stdout);
}

static void test_options_defaults(void)
{
    static const char *const args[] = { NULL };
    struct dummy_options opts;
    char err[256];

    CU_ASSERT_EQUAL_FATAL(parse_args(&opts, err, sizeof(err), args), 0);
    CU_ASSERT_EQUAL(opts.port, 9090);
    CU_ASSERT_STRING_EQUAL(opts.host, "127.0.0.1");
    CU_ASSERT_EQUAL(net_addr_port(&opts.listen), 9090);
    CU_ASSERT_STRING_EQUAL(opts.name, "");
    CU_ASSERT_EQUAL(opts.mode, DUMMY_MODE_LINE);
    CU_ASSERT_EQUAL(opts.latency_ms, 0);
    CU_ASSERT_EQUAL(opts.jitter_ms, 0);
    CU_ASSERT_EQUAL(opts.seed, DUMMY_OPTIONS_OFF);
    CU_ASSERT_EQUAL(opts.rate, 0);
    CU_ASSERT_EQUAL(opts.crash_after_conns, DUMMY_OPTIONS_OFF);
    CU_ASSERT_EQUAL(opts.crash_after_lines, DUMMY_OPTIONS_OFF);
    CU_ASSERT_EQUAL(opts.close_after_lines, DUMMY_OPTIONS_OFF);
    CU_ASSERT_EQUAL(opts.reset_after_lines, DUMMY_OPTIONS_OFF);
    CU_ASSERT_FALSE(opts.hang);
    CU_ASSERT_FALSE(opts.refuse);
    CU_ASSERT_EQUAL(opts.log_level, LOG_INFO);
}

static void test_options_all_values(void)
{
    static const char *const args[] = {
        "--host", "127.0.0.1", "--name", "b1", "--latency", "1.5s",
        "--jitter", "20ms", "--seed", "42", "--mode", "echo", "--rate", "4k",
        "--crash-after-conns", "3", "--hang", "--log-level", "debug", "0", NULL
    };
    struct dummy_options opts;
    char err[256];

    CU_ASSERT_EQUAL_FATAL(parse_args(&opts, err, sizeof(err), args), 0);
    CU_ASSERT_EQUAL(opts.port, 0);
    CU_ASSERT_STRING_EQUAL(opts.name, "b1");
    CU_ASSERT_EQUAL(opts.latency_ms, 1500);
    CU_ASSERT_EQUAL(opts.jitter_ms, 20);
    CU_ASSERT_EQUAL(opts.seed, 42);
    CU_ASSERT_EQUAL(opts.mode, DUMMY_MODE_ECHO);
    CU_ASSERT_EQUAL(opts.rate, 4096);
    CU_ASSERT_EQUAL(opts.crash_after_conns, 3);
    CU_ASSERT_TRUE(opts.hang);
    CU_ASSERT_EQUAL(opts.log_level, LOG_DEBUG);
    CU_ASSERT_STRING_EQUAL(dummy_options_mode_name(opts.mode), "echo");
}

static void test_options_line_faults_and_order(void)
{
    /* The port may come first: getopt_long permutes. */
    static const char *const args[] = {
        "8080", "--crash-after-lines", "5", "--close-after-lines=2",
        "--refuse", "--latency", "20", NULL
    };
    static const char *const reset[] = { "--reset-after-lines", "0", NULL };
    struct dummy_options opts;
    char err[256];

    CU_ASSERT_EQUAL_FATAL(parse_args(&opts, err, sizeof(err), args), 0);
    CU_ASSERT_EQUAL(opts.port, 8080);
    CU_ASSERT_EQUAL(net_addr_port(&opts.listen), 8080);
    CU_ASSERT_EQUAL(opts.crash_after_lines, 5);
    CU_ASSERT_EQUAL(opts.close_after_lines, 2);
    CU_ASSERT_TRUE(opts.refuse);
    CU_ASSERT_EQUAL(opts.latency_ms, 20);
    CU_ASSERT_EQUAL_FATAL(parse_args(&opts, err, sizeof(err), reset), 0);
    CU_ASSERT_EQUAL(opts.reset_after_lines, 0);
    CU_ASSERT_EQUAL(opts.close_after_lines, DUMMY_OPTIONS_OFF);
}

/* A flag given twice changes nothing, so it is no error. */
static void test_options_flag_twice(void)
{
    static const char *const args[] = { "--hang", "0", "--hang", NULL };
    struct dummy_options opts;
    char err[256];

    CU_ASSERT_EQUAL(parse_args(&opts, err, sizeof(err), args), 0);
    CU_ASSERT_TRUE(opts.hang);
}

static void test_options_help_and_version(void)
{
    static const char *const help[] = { "--latency", "5", "-h", "99999", NULL };
    static const char *const version[] = { "--version", NULL };
    struct dummy_options opts;
    char err[256];
    char text[4096];
    FILE *out = fmemopen(text, sizeof(text), "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    /* Help wins over a bad operand that comes after it. */
    CU_ASSERT_EQUAL(parse_args_to(&opts, err, sizeof(err), version, out),
                    OPTIONS_EXIT);
    CU_ASSERT_EQUAL(parse_args_to(&opts, err, sizeof(err), help, out),
                    OPTIONS_EXIT);
    fclose(out);
    CU_ASSERT(strncmp(text, "dummy_server 1.0.0\nUsage: dummy_server ",
                      39) == 0);
    /* Every option is documented with its default. */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "default 9090"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "--reset-after-lines"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "--log-level"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "default info"));
}

/* One bad command line and a piece of the message it must produce. */
struct bad_case {
    const char *args[6];
    const char *message;
};

static const struct bad_case bad_cases[] = {
    { { "--bogus" }, "unknown option '--bogus'" },
    { { "-x" }, "unknown option '-x'" },
    { { "--latency" }, "option '--latency' needs a value" },
    { { "--hang=yes" }, "option '--hang' takes no value" },
    { { "--latency", "abc" }, "--latency 'abc': must be a duration" },
    { { "--latency", "2h" }, "--latency '2h'" },
    { { "--latency", "61m" }, "--latency '61m': must be a duration from 0ms to 60m" },
    { { "--jitter", "-1" }, "--jitter '-1'" },
    { { "--seed", "x1" }, "--seed 'x1': must be a whole number" },
    { { "--rate", "0" }, "--rate '0': must be a size from 1 to 1G bytes" },
    { { "--rate", "2G" }, "--rate '2G'" },
    { { "--crash-after-conns", "-3" }, "--crash-after-conns '-3'" },
    { { "--close-after-lines", "" }, "--close-after-lines ''" },
    { { "--mode", "tcp" }, "--mode 'tcp': must be line or echo" },
    { { "--log-level", "loud" }, "--log-level 'loud'" },
    { { "--name", "a b" }, "--name: 'a b'" },
    { { "--name", "" }, "--name: ''" },
    { { "--name", "n\n" }, "--name" },
    { { "--host", "" }, "--host '': must not be empty" },
    { { "--host", "999.1.1.1" }, "--host '999.1.1.1'" },
    { { "70000" }, "port '70000': must be a whole number from 0 to 65535" },
    { { "-1" }, "unknown option '-1'" },
    { { "80x" }, "port '80x'" },
    { { "1", "2" }, "unexpected argument '2'" },
    { { "--hang", "--refuse" }, "--hang and --refuse cannot be used together" },
    { { "--close-after-lines", "1", "--reset-after-lines", "1" },
      "cannot be used together" },
    { { "--mode", "echo", "--crash-after-lines", "1" }, "need --mode line" },
    /* Decimal digits only: no hex, exponent or sign. */
    { { "--latency", "0x10" }, "--latency '0x10': must be a duration" },
    { { "--latency", "1e1s" }, "--latency '1e1s': must be a duration" },
    { { "--latency", "1.5ms" }, "--latency '1.5ms': must be a duration" },
    { { "--rate", "+5" }, "--rate '+5': must be a size" },
    { { "--crash-after-conns", "+5" }, "'+5': must be a whole number" },
    { { "--seed", "0x10" }, "--seed '0x10': must be a whole number" },
    { { "+80" }, "port '+80'" },
    /* A value given twice would override the first unseen. */
    { { "--latency", "1s", "--latency", "2s" }, "--latency is given twice" },
    { { "--name", "a", "--name=b" }, "--name is given twice" },
    /* Control bytes are shown, not sent to the terminal. */
    { { "--mode", "\x1b]0;pwned\x07" },
      "--mode '\\x1b]0;pwned\\x07': must be line or echo" },
    { { "--name", "n\n" }, "--name: 'n\\x0a'" },
    { { "\x1b[2J" }, "port '\\x1b[2J'" },
};

static void test_options_bad_input(void)
{
    for (size_t i = 0; i < COUNT_OF(bad_cases); i++) {
        struct dummy_options opts;
        char err[256];
        int rc = parse_args(&opts, err, sizeof(err), bad_cases[i].args);

        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad_cases[i].message));
        /* One line, and main adds the program name itself. */
        CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
        CU_ASSERT_PTR_NULL(strstr(err, "dummy_server:"));
        if (rc != -1 || strstr(err, bad_cases[i].message) == NULL)
            fprintf(stderr, "\n  case %zu: rc=%d err='%s'\n", i, rc, err);
    }
}

/* ---- framer ----------------------------------------------------------- */

/* Collects the lines a framer hands out, '|'-terminated, in one string. */
struct collected {
    char text[4096];
    size_t len;
    int lines;
    int stop_after;         /* return 1 after this many lines; 0 = never */
};

static int collect_line(void *ctx, const char *payload, size_t len)
{
    struct collected *c = ctx;

    if (c->len + len + 1 >= sizeof(c->text)) {
        errno = ENOBUFS;
        return -1;
    }
    memcpy(c->text + c->len, payload, len);
    c->len += len;
    c->text[c->len++] = '|';
    c->text[c->len] = '\0';
    c->lines++;
    return c->stop_after != 0 && c->lines >= c->stop_after ? 1 : 0;
}

static void test_framer_scan(void)
{
    CU_ASSERT_EQUAL(dummy_framer_scan("abc\ndef", 7, 100), 4);
    CU_ASSERT_EQUAL(dummy_framer_scan("\n", 1, 100), 1);
    CU_ASSERT_EQUAL(dummy_framer_scan("abc", 3, 100), DUMMY_FRAMER_PARTIAL);
    CU_ASSERT_EQUAL(dummy_framer_scan("", 0, 100), DUMMY_FRAMER_PARTIAL);
    /* A payload of exactly max is fine; one byte more is not. */
    CU_ASSERT_EQUAL(dummy_framer_scan("abc\n", 4, 3), 4);
    CU_ASSERT_EQUAL(dummy_framer_scan("abc", 3, 3), DUMMY_FRAMER_PARTIAL);
    CU_ASSERT_EQUAL(dummy_framer_scan("abcd\n", 5, 3), DUMMY_FRAMER_TOO_LONG);
    CU_ASSERT_EQUAL(dummy_framer_scan("abcd", 4, 3), DUMMY_FRAMER_TOO_LONG);
}

static void test_framer_whole_and_split(void)
{
    static const char input[] = "one\n\ntwo words\nbin\x01\xff\r\nrest";
    size_t len = sizeof(input) - 1;
    struct dummy_framer framer;
    struct collected whole = { .len = 0 }, bytes = { .len = 0 };

    dummy_framer_init(&framer, 100);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, input, len, collect_line,
                                      &whole), 0);
    CU_ASSERT_STRING_EQUAL(whole.text, "one||two words|bin\x01\xff\r|");
    CU_ASSERT_EQUAL(framer.len, 4);     /* "rest" waits for its '\n' */
    dummy_framer_free(&framer);
    CU_ASSERT_PTR_NULL(framer.tail);
    /* Fed one byte at a time, the same lines come out. */
    for (size_t i = 0; i < len; i++)
        CU_ASSERT_EQUAL(dummy_framer_feed(&framer, input + i, 1, collect_line,
                                          &bytes), 0);
    CU_ASSERT_STRING_EQUAL(bytes.text, whole.text);
    CU_ASSERT_EQUAL(framer.len, 4);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "\n", 1, collect_line, &bytes),
                    0);
    CU_ASSERT_STRING_EQUAL(bytes.text, "one||two words|bin\x01\xff\r|rest|");
    /* An empty tail holds no memory. */
    CU_ASSERT_PTR_NULL(framer.tail);
    dummy_framer_free(&framer);
}

static void test_framer_too_long(void)
{
    struct dummy_framer framer;
    struct collected got = { .len = 0 };

    dummy_framer_init(&framer, 5);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "12345\nabc", 9, collect_line,
                                      &got), 0);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "de", 2, collect_line, &got), 0);
    errno = 0;
    /* "abcde" + "f" is 6 bytes without '\n': over the limit of 5. */
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "f", 1, collect_line, &got), -1);
    CU_ASSERT_EQUAL(errno, EMSGSIZE);
    CU_ASSERT_PTR_NULL(framer.tail);
    CU_ASSERT_STRING_EQUAL(got.text, "12345|");
    /* The same limit across a join: tail "abc" + "def\n". */
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "abc", 3, collect_line, &got), 0);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "def\n", 4, collect_line, &got),
                    -1);
    CU_ASSERT_EQUAL(errno, EMSGSIZE);
    /* In one piece, too. */
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "abcdef\n", 7, collect_line,
                                      &got), -1);
    CU_ASSERT_EQUAL(got.lines, 1);
    dummy_framer_free(&framer);
}

static void test_framer_stop(void)
{
    struct dummy_framer framer;
    struct collected got = { .len = 0, .stop_after = 2 };

    dummy_framer_init(&framer, 100);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "a", 1, collect_line, &got), 0);
    /* The callback stops after the second line: the rest is dropped. */
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "\nb\nc\nd", 6, collect_line,
                                      &got), 1);
    CU_ASSERT_STRING_EQUAL(got.text, "a|b|");
    CU_ASSERT_EQUAL(framer.len, 0);
    CU_ASSERT_PTR_NULL(framer.tail);
    dummy_framer_free(&framer);
}

/* Counts the lines a framer hands out and their lengths. */
struct measured {
    int lines;
    size_t last_len;
};

static int measure_line(void *ctx, const char *payload, size_t len)
{
    struct measured *m = ctx;

    (void)payload;
    m->lines++;
    m->last_len = len;
    return 0;
}

/* Feeds count bytes of 'x' in 64 KiB pieces; returns the last feed's value. */
static int feed_filler(struct dummy_framer *framer, size_t count,
                       struct measured *m)
{
    static char piece[64 * 1024];
    int rc = 0;

    memset(piece, 'x', sizeof(piece));
    while (count > 0 && rc == 0) {
        size_t n = count < sizeof(piece) ? count : sizeof(piece);

        rc = dummy_framer_feed(framer, piece, n, measure_line, m);
        count -= n;
    }
    return rc;
}

/* A connection's framer takes the longest line simulate_client can send,
 * and its tail never grows past that line. */
static void test_framer_takes_longest_request(void)
{
    struct dummy_framer framer;
    struct measured m = { 0, 0 };

    dummy_framer_init(&framer, DUMMY_CONN_LINE_MAX);
    CU_ASSERT_EQUAL(feed_filler(&framer, (size_t)SIMCLIENT_SIZE_MAX, &m), 0);
    CU_ASSERT(framer.cap <= (size_t)SIMCLIENT_SIZE_MAX + 1);
    CU_ASSERT_EQUAL(dummy_framer_feed(&framer, "\n", 1, measure_line, &m), 0);
    CU_ASSERT_EQUAL(m.lines, 1);
    CU_ASSERT_EQUAL(m.last_len, (size_t)SIMCLIENT_SIZE_MAX);
    CU_ASSERT_PTR_NULL(framer.tail);
    /* One byte more is over the limit. */
    errno = 0;
    CU_ASSERT_EQUAL(feed_filler(&framer, (size_t)SIMCLIENT_SIZE_MAX + 1, &m),
                    -1);
    CU_ASSERT_EQUAL(errno, EMSGSIZE);
    CU_ASSERT_EQUAL(m.lines, 1);
    dummy_framer_free(&framer);
}

/* ---- queue and line replies ------------------------------------------ */

static void test_queue_format_line(void)
{
    char out[32];

    CU_ASSERT_EQUAL(dummy_queue_format_line(out, "b1", 2, "hello", 5), 9);
    CU_ASSERT_EQUAL(memcmp(out, "b1 hello\n", 9), 0);
    CU_ASSERT_EQUAL(dummy_queue_format_line(out, "b1", 2, "", 0), 4);
    CU_ASSERT_EQUAL(memcmp(out, "b1 \n", 4), 0);
    CU_ASSERT_EQUAL(dummy_queue_format_line(out, "x", 1, "a\0b", 3), 6);
    CU_ASSERT_EQUAL(memcmp(out, "x a\0b\n", 6), 0);
}

static void test_queue_fifo(void)
{
    struct dummy_queue queue;
    struct dummy_reply *head;

    dummy_queue_init(&queue);
    CU_ASSERT_PTR_NULL(dummy_queue_head(&queue));
    CU_ASSERT_EQUAL(dummy_queue_push_line(&queue, "n", 1, "ab", 2, 10), 0);
    CU_ASSERT_EQUAL(dummy_queue_push_raw(&queue, "\0\1\2", 3, 20), 0);
    CU_ASSERT_EQUAL(queue.count, 2);
    CU_ASSERT_EQUAL(queue.unsent, 5 + 3);
    head = dummy_queue_head(&queue);
    CU_ASSERT_PTR_NOT_NULL_FATAL(head);
    CU_ASSERT_EQUAL(head->due_ms, 10);
    CU_ASSERT_EQUAL(head->len, 5);
    CU_ASSERT_EQUAL(memcmp(head->data, "n ab\n", 5), 0);
    /* A partial write keeps the head; finishing it moves to the next. */
    CU_ASSERT_EQUAL(dummy_queue_consume(&queue, 2), 0);
    CU_ASSERT_EQUAL(dummy_queue_head(&queue)->sent, 2);
    CU_ASSERT_EQUAL(queue.unsent, 6);
    CU_ASSERT_EQUAL(dummy_queue_consume(&queue, 3), 1);
    head = dummy_queue_head(&queue);
    CU_ASSERT_PTR_NOT_NULL_FATAL(head);
    CU_ASSERT_EQUAL(head->due_ms, 20);
    CU_ASSERT_EQUAL(memcmp(head->data, "\0\1\2", 3), 0);
    CU_ASSERT_EQUAL(queue.count, 1);
    dummy_queue_clear(&queue);
    CU_ASSERT_PTR_NULL(dummy_queue_head(&queue));
    CU_ASSERT_EQUAL(queue.count, 0);
    CU_ASSERT_EQUAL(queue.unsent, 0);
}

/* What the backend's line path does, without a socket: frame, schedule,
 * queue. */
struct replier {
    struct dummy_queue queue;
    struct dummy_delay delay;
    uint64_t now_ms;
    uint64_t last_due_ms;
};

static int reply_to_line(void *ctx, const char *payload, size_t len)
{
    struct replier *r = ctx;
    uint64_t due = dummy_delay_due(&r->delay, r->now_ms, r->last_due_ms);

    r->last_due_ms = due;
    return dummy_queue_push_line(&r->queue, "b1", 2, payload, len, due);
}

static void test_replies_from_input(void)
{
    static const char *const pieces[] = { "GET 1\nGE", "T 2\n", "\n", "x" };
    static const char expected[] = "b1 GET 1\nb1 GET 2\nb1 \n";
    struct replier r = { .now_ms = 1000, .last_due_ms = 0 };
    struct dummy_framer framer;
    char out[64];
    size_t out_len = 0;

    dummy_queue_init(&r.queue);
    dummy_delay_init(&r.delay, 20, 0, 1);
    dummy_framer_init(&framer, 64);
    for (size_t i = 0; i < 4; i++, r.now_ms += 5)
        CU_ASSERT_EQUAL(dummy_framer_feed(&framer, pieces[i],
                                          strlen(pieces[i]), reply_to_line,
                                          &r), 0);
    CU_ASSERT_EQUAL(r.queue.count, 3);
    /* Each reply is due 20 ms after its line came in. */
    CU_ASSERT_EQUAL(r.queue.head->due_ms, 1020);
    CU_ASSERT_EQUAL(r.queue.tail->due_ms, 1030);
    while (dummy_queue_head(&r.queue) != NULL) {
        struct dummy_reply *head = dummy_queue_head(&r.queue);

        CU_ASSERT_FATAL(out_len + head->len < sizeof(out));
        memcpy(out + out_len, head->data, head->len);
        out_len += head->len;
        dummy_queue_consume(&r.queue, head->len);
    }
    CU_ASSERT_EQUAL(out_len, sizeof(expected) - 1);
    CU_ASSERT_EQUAL(memcmp(out, expected, out_len), 0);
    dummy_framer_free(&framer);
}

/* ---- delay ------------------------------------------------------------ */

static void test_delay_no_jitter(void)
{
    struct dummy_delay delay;

    dummy_delay_init(&delay, 20, 0, 5);
    CU_ASSERT_EQUAL(dummy_delay_sample(&delay), 20);
    CU_ASSERT_EQUAL(dummy_delay_due(&delay, 100, 0), 120);
    /* Never before the previous reply of the connection. */
    CU_ASSERT_EQUAL(dummy_delay_due(&delay, 100, 500), 500);
}

static void test_delay_jitter_range(void)
{
    struct dummy_delay delay;
    long low = 1000, high = -1;

    dummy_delay_init(&delay, 50, 10, 99);
    for (int i = 0; i < 10000; i++) {
        long sample = dummy_delay_sample(&delay);

        low = sample < low ? sample : low;
        high = sample > high ? sample : high;
    }
    /* Uniform over [40, 60]: in 10000 draws both ends show up. */
    CU_ASSERT_EQUAL(low, 40);
    CU_ASSERT_EQUAL(high, 60);
    /* Jitter larger than the latency is clamped at 0. */
    dummy_delay_init(&delay, 5, 50, 99);
    low = 1000;
    for (int i = 0; i < 1000; i++) {
        long sample = dummy_delay_sample(&delay);

        CU_ASSERT(sample >= 0 && sample <= 55);
        low = sample < low ? sample : low;
    }
    CU_ASSERT_EQUAL(low, 0);
}

static void test_delay_keeps_order(void)
{
    struct dummy_delay delay;
    uint64_t prev = 0, now = 1000;
    int clamped = 0;

    /* Requests 1 ms apart with ±30 ms of jitter would overtake each other;
     * due times must still never go down. */
    dummy_delay_init(&delay, 40, 30, 7);
    for (int i = 0; i < 1000; i++, now++) {
        uint64_t due = dummy_delay_due(&delay, now, prev);

        CU_ASSERT(due >= prev);
        CU_ASSERT(due >= now + 10 && due <= now + 70 + 60);
        if (due == prev)
            clamped++;
        prev = due;
    }
    /* The jitter really did try to reorder. */
    CU_ASSERT(clamped > 0);
}

/* ---- pacer, reasons --------------------------------------------------- */

static void test_pacer_rate(void)
{
    struct dummy_pacer pacer;
    uint64_t now = 5000;
    size_t total = 0;

    dummy_pacer_init(&pacer, 1000, now);
    /* One tick (100 ms) of traffic at once, then wait a tick. */
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, now), 100);
    dummy_pacer_spend(&pacer, 100);
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, now), 0);
    CU_ASSERT_EQUAL(dummy_pacer_next_ms(&pacer, now), now + 100);
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, now + 50), 50);
    /* Over 10 s, never more than rate * seconds plus the first tick. */
    for (int tick = 0; tick < 100; tick++) {
        size_t budget;

        now = dummy_pacer_next_ms(&pacer, now);
        budget = dummy_pacer_budget(&pacer, now);
        dummy_pacer_spend(&pacer, budget);
        total += budget;
    }
    CU_ASSERT(total >= 9900 && total <= 10100);
    /* A long idle time only refills one tick. */
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, now + 3600000), 100);
}

static void test_pacer_slow_rate(void)
{
    struct dummy_pacer pacer;

    /* 4 B/s: one byte at a time, every 250 ms. */
    dummy_pacer_init(&pacer, 4, 0);
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, 0), 1);
    dummy_pacer_spend(&pacer, 1);
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, 100), 0);
    CU_ASSERT_EQUAL(dummy_pacer_next_ms(&pacer, 100), 250);
    CU_ASSERT_EQUAL(dummy_pacer_budget(&pacer, 250), 1);
}

static void test_conn_reason_names(void)
{
    CU_ASSERT_STRING_EQUAL(dummy_conn_reason_name(DUMMY_CONN_EOF), "eof");
    CU_ASSERT_STRING_EQUAL(dummy_conn_reason_name(DUMMY_CONN_PEER_RESET),
                           "peer_reset");
    CU_ASSERT_STRING_EQUAL(dummy_conn_reason_name(DUMMY_CONN_LINE_TOO_LONG),
                           "line_too_long");
    CU_ASSERT_STRING_EQUAL(dummy_conn_reason_name(DUMMY_CONN_SHUTDOWN),
                           "shutdown");
    CU_ASSERT_STRING_EQUAL(dummy_conn_reason_name((enum dummy_conn_reason)99),
                           "?");
}


/* ---- control lines (--control) ---------------------------------------- */

/* One command line, the reply it must get and, when it changes
 * something, the ev=set pairs. */
struct control_case {
    const char *line;
    const char *reply;
    const char *changes;        /* NULL: nothing may change */
};

/* Runs each case on fresh default options. */
static void run_control_cases(const struct control_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct dummy_options live, before;
        char reply[DUMMY_CONTROL_REPLY_MAX], changes[DUMMY_CONTROL_REPLY_MAX];
        enum dummy_control_result result;

        dummy_options_init(&live);
        before = live;
        changes[0] = '\0';
        result = dummy_control_run(&live, cases[i].line, reply, sizeof(reply),
                                   changes, sizeof(changes));
        if (strcmp(reply, cases[i].reply) != 0)
            fprintf(stderr, "\n'%s': got '%s'\n", cases[i].line, reply);
        CU_ASSERT_STRING_EQUAL(reply, cases[i].reply);
        if (cases[i].changes != NULL) {
            CU_ASSERT_EQUAL(result, DUMMY_CONTROL_CHANGED);
            CU_ASSERT_STRING_EQUAL(changes, cases[i].changes);
        } else {
            CU_ASSERT_EQUAL(result, DUMMY_CONTROL_REPLIED);
            /* All or nothing: a refused line changes no option. */
            CU_ASSERT_EQUAL(memcmp(&live, &before, sizeof(live)), 0);
        }
    }
}

static void test_control_every_key(void)
{
    static const struct control_case cases[] = {
        { "set latency=200", "ok", "latency=200ms" },
        { "set latency=1.5s", "ok", "latency=1500ms" },
        { "set latency=2s", "ok", "latency=2s" },
        { "set jitter=30ms", "ok", "jitter=30ms" },
        { "set rate=4k", "ok", "rate=4k" },
        { "set rate=off", "ok", "rate=off" },
        { "set hang=1", "ok", "hang=1" },
        { "set hang=0", "ok", "hang=0" },
        { "set refuse=1", "ok", "refuse=1" },
        { "set close-after-lines=3", "ok", "close-after-lines=3" },
        { "set close-after-lines=off", "ok", "close-after-lines=off" },
        { "set reset-after-lines=0", "ok", "reset-after-lines=0" },
        { "set reset-after-lines=off", "ok", "reset-after-lines=off" },
        { " \tset  latency=5\tjitter=1 \r", "ok", "latency=5ms jitter=1ms" },
        { "set hang=0 refuse=1 rate=1M", "ok", "hang=0 refuse=1 rate=1M" },
    };
    struct dummy_options live;
    char reply[DUMMY_CONTROL_REPLY_MAX], changes[DUMMY_CONTROL_REPLY_MAX];

    run_control_cases(cases, COUNT_OF(cases));
    /* The values land in the fields the connections read. */
    dummy_options_init(&live);
    CU_ASSERT_EQUAL(dummy_control_run(&live, "set latency=250 jitter=5 "
                                      "rate=2k hang=1 close-after-lines=7",
                                      reply, sizeof(reply), changes,
                                      sizeof(changes)), DUMMY_CONTROL_CHANGED);
    CU_ASSERT_EQUAL(live.latency_ms, 250);
    CU_ASSERT_EQUAL(live.jitter_ms, 5);
    CU_ASSERT_EQUAL(live.rate, 2048);
    CU_ASSERT_TRUE(live.hang);
    CU_ASSERT_EQUAL(live.close_after_lines, 7);
    CU_ASSERT_EQUAL(dummy_control_run(&live, "set rate=off hang=0 "
                                      "close-after-lines=off refuse=1",
                                      reply, sizeof(reply), changes,
                                      sizeof(changes)), DUMMY_CONTROL_CHANGED);
    CU_ASSERT_EQUAL(live.rate, 0);
    CU_ASSERT_FALSE(live.hang);
    CU_ASSERT_TRUE(live.refuse);
    CU_ASSERT_EQUAL(live.close_after_lines, DUMMY_OPTIONS_OFF);
    CU_ASSERT_EQUAL(live.latency_ms, 250);  /* untouched keys stay */
}

static void test_control_bad_values(void)
{
    static const struct control_case cases[] = {
        { "set latency=2h", "error: latency '2h': must be a duration from "
          "0ms to 60m, like 500ms or 2s", NULL },
        { "set latency=-1", "error: latency '-1': must be a duration from "
          "0ms to 60m, like 500ms or 2s", NULL },
        { "set latency=off", "error: latency 'off': must be a duration "
          "from 0ms to 60m, like 500ms or 2s", NULL },
        { "set latency=", "error: latency '': must be a duration from 0ms "
          "to 60m, like 500ms or 2s", NULL },
        { "set jitter=x", "error: jitter 'x': must be a duration from 0ms "
          "to 60m, like 500ms or 2s", NULL },
        { "set rate=0", "error: rate '0': must be a size from 1 to 1G "
          "bytes, like 512, 4k or 1M, or off", NULL },
        { "set rate=2G", "error: rate '2G': must be a size from 1 to 1G "
          "bytes, like 512, 4k or 1M, or off", NULL },
        { "set hang=2", "error: hang '2': must be 0 or 1", NULL },
        { "set hang=yes", "error: hang 'yes': must be 0 or 1", NULL },
        { "set refuse=off", "error: refuse 'off': must be 0 or 1", NULL },
        { "set close-after-lines=-1", "error: close-after-lines '-1': must "
          "be a whole number from 0 to 9223372036854775807, or off", NULL },
        { "set reset-after-lines=x", "error: reset-after-lines 'x': must "
          "be a whole number from 0 to 9223372036854775807, or off", NULL },
        /* Options that exclude each other, as on the command line. */
        { "set hang=1 refuse=1", "error: hang and refuse cannot be used "
          "together", NULL },
        { "set close-after-lines=1 reset-after-lines=1", "error: "
          "close-after-lines and reset-after-lines cannot be used together",
          NULL },
        /* One bad pair spoils the line: the good one is not applied. */
        { "set latency=10 jitter=x", "error: jitter 'x': must be a duration "
          "from 0ms to 60m, like 500ms or 2s", NULL },
        { "set latency=1 latency=2", "error: latency is given twice", NULL },
    };

    run_control_cases(cases, COUNT_OF(cases));
}

static void test_control_bad_commands(void)
{
    static const struct control_case cases[] = {
        { "set", "error: set needs KEY=VALUE; keys: latency, jitter, rate, "
          "hang, refuse, close-after-lines, reset-after-lines", NULL },
        { "set latency", "error: 'latency': write KEY=VALUE", NULL },
        { "set foo=1", "error: unknown key 'foo'; keys: latency, jitter, "
          "rate, hang, refuse, close-after-lines, reset-after-lines", NULL },
        { "set mode=echo", "error: 'mode' cannot change while running; "
          "keys: latency, jitter, rate, hang, refuse, close-after-lines, "
          "reset-after-lines", NULL },
        { "set seed=1", "error: 'seed' cannot change while running; keys: "
          "latency, jitter, rate, hang, refuse, close-after-lines, "
          "reset-after-lines", NULL },
        { "SET latency=1", "error: unknown command 'SET'; commands: set "
          "KEY=VALUE..., help", NULL },
        { "help me", "error: help takes nothing after it", NULL },
        { "set latency=\x1b[2J", "error: latency '\\x1b[2J': must be a "
          "duration from 0ms to 60m, like 500ms or 2s", NULL },
        { "help", "ok commands: set KEY=VALUE..., help; keys: latency=MS "
          "jitter=MS rate=BYTES|off hang=0|1 refuse=0|1 "
          "close-after-lines=N|off reset-after-lines=N|off", NULL },
    };
    struct dummy_options live, echo;
    char reply[DUMMY_CONTROL_REPLY_MAX], changes[DUMMY_CONTROL_REPLY_MAX];
    char many[DUMMY_CONTROL_LINE_MAX] = "set";

    run_control_cases(cases, COUNT_OF(cases));
    dummy_options_init(&live);
    CU_ASSERT_EQUAL(dummy_control_run(&live, " \t ", reply, sizeof(reply),
                                      changes, sizeof(changes)),
                    DUMMY_CONTROL_BLANK);
    for (int i = 0; i < 33; i++)
        strcat(many, " hang=0");
    CU_ASSERT_EQUAL(dummy_control_run(&live, many, reply, sizeof(reply),
                                      changes, sizeof(changes)),
                    DUMMY_CONTROL_REPLIED);
    CU_ASSERT_STRING_EQUAL(reply, "error: at most 32 KEY=VALUE in one set");
    /* A line fault needs line mode, live as on the command line. */
    dummy_options_init(&echo);
    echo.mode = DUMMY_MODE_ECHO;
    dummy_control_run(&echo, "set close-after-lines=2", reply, sizeof(reply),
                      changes, sizeof(changes));
    CU_ASSERT_STRING_EQUAL(reply, "error: the *-after-lines faults count "
                           "lines: they need mode line");
    CU_ASSERT_EQUAL(echo.close_after_lines, DUMMY_OPTIONS_OFF);
}

/* Collects the lines a control buffer hands out. */
struct control_lines {
    char text[DUMMY_CONTROL_LINE_MAX + 64];
    int count;
    const struct dummy_control *ctl;    /* for the refusal's reason */
};

static void collect_control_line(void *ctx, const char *line)
{
    struct control_lines *lines = ctx;
    size_t used = strlen(lines->text);

    snprintf(lines->text + used, sizeof(lines->text) - used, "[%s]",
             line != NULL ? line : dummy_control_refusal(lines->ctl));
    lines->count++;
}

static void test_control_line_buffer(void)
{
    struct dummy_control ctl;
    struct control_lines lines = { "", 0, &ctl };
    static char big[DUMMY_CONTROL_LINE_MAX + 2];

    dummy_control_init(&ctl);
    dummy_control_feed(&ctl, "set lat", 7, collect_control_line, &lines);
    CU_ASSERT_EQUAL(lines.count, 0);
    dummy_control_feed(&ctl, "ency=1\nhelp\n\nset", 16, collect_control_line,
                       &lines);
    CU_ASSERT_STRING_EQUAL(lines.text, "[set latency=1][help][]");
    dummy_control_finish(&ctl, collect_control_line, &lines);
    CU_ASSERT_STRING_EQUAL(lines.text, "[set latency=1][help][][set]");
    dummy_control_finish(&ctl, collect_control_line, &lines);
    CU_ASSERT_EQUAL(lines.count, 4);    /* nothing left to hand out */
    /* A line one byte too long is refused whole, the next one is fine. */
    memset(big, 'x', DUMMY_CONTROL_LINE_MAX + 1);
    big[DUMMY_CONTROL_LINE_MAX + 1] = '\n';
    lines = (struct control_lines){ "", 0, &ctl };
    dummy_control_feed(&ctl, big, sizeof(big), collect_control_line, &lines);
    dummy_control_feed(&ctl, "help\n", 5, collect_control_line, &lines);
    CU_ASSERT_STRING_EQUAL(lines.text, "[error: a command is at most 1024 "
                           "bytes][help]");
    lines = (struct control_lines){ "", 0, &ctl };
    dummy_control_feed(&ctl, big, DUMMY_CONTROL_LINE_MAX, collect_control_line,
                       &lines);
    dummy_control_feed(&ctl, "\n", 1, collect_control_line, &lines);
    CU_ASSERT_EQUAL(lines.count, 1);
    CU_ASSERT_EQUAL(strlen(lines.text), DUMMY_CONTROL_LINE_MAX + 2);
    /* A NUL byte would cut the command short unseen: the line is
     * refused whole, the next one is fine. */
    lines = (struct control_lines){ "", 0, &ctl };
    dummy_control_feed(&ctl, "set jitter=5ms\0junk\nhelp\n", 25,
                       collect_control_line, &lines);
    CU_ASSERT_STRING_EQUAL(lines.text, "[error: a command holds a NUL "
                           "byte][help]");
}

static void test_control_option(void)
{
    static const char *const on[] = { "--control", NULL };
    static const char *const off[] = { NULL };
    struct dummy_options opts;
    char err[256];

    CU_ASSERT_EQUAL_FATAL(parse_args(&opts, err, sizeof(err), off), 0);
    CU_ASSERT_FALSE(opts.control);
    CU_ASSERT_EQUAL_FATAL(parse_args(&opts, err, sizeof(err), on), 0);
    CU_ASSERT_TRUE(opts.control);
    /* Only a command line turns it on: a scenario's pipe is the harness'. */
    CU_ASSERT_EQUAL(options_set(&dummy_options_table, &opts, NULL, "control",
                                "", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "unknown setting 'control'");
}

static CU_TestInfo dummy_tests[] = {
    { "options: defaults", test_options_defaults },
    { "options: every value", test_options_all_values },
    { "options: line faults, operand first", test_options_line_faults_and_order },
    { "options: help and version", test_options_help_and_version },
    { "options: a flag twice", test_options_flag_twice },
    { "options: bad input", test_options_bad_input },
    { "framer: scan", test_framer_scan },
    { "framer: whole and split input", test_framer_whole_and_split },
    { "framer: line too long", test_framer_too_long },
    { "framer: callback stops", test_framer_stop },
    { "framer: longest request line", test_framer_takes_longest_request },
    { "queue: line format", test_queue_format_line },
    { "queue: fifo and partial writes", test_queue_fifo },
    { "replies from input", test_replies_from_input },
    { "delay: no jitter", test_delay_no_jitter },
    { "delay: jitter range", test_delay_jitter_range },
    { "delay: keeps order", test_delay_keeps_order },
    { "pacer: rate", test_pacer_rate },
    { "pacer: slow rate", test_pacer_slow_rate },
    { "conn: reason names", test_conn_reason_names },
    { "control: every key", test_control_every_key },
    { "control: bad values", test_control_bad_values },
    { "control: bad commands, help", test_control_bad_commands },
    { "control: line buffer", test_control_line_buffer },
    { "control: --control", test_control_option },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(dummy, dummy_tests)
