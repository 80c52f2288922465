/*
 * test_logfmt: the event log, written by log.c and read back by logfmt.c.
 *
 * log_event writes into a non-blocking pipe and the tests read the line
 * back: the four fixed keys (ts, lvl, thr, ev) in order, one line per
 * event, levels above the logger's dropped, thread names from log_fork,
 * values quoted with logfmt_quote surviving logfmt_parse unchanged, and an
 * overlong line cut at a key boundary, marked trunc=1, still parseable and
 * at most LOG_LINE_MAX bytes. A buffered logger holds info lines until
 * log_flush, writes warn at once behind them, and writes whole lines of
 * at most LOG_LINE_MAX bytes per write. logfmt_parse is also fed good and
 * bad lines directly (quotes, escapes, bare keys, unterminated quotes, too
 * many pairs, trailing newline), and logfmt_get finds keys.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "count_of.h"
#include "log.h"
#include "logfmt.h"
#include "testlib.h"

#define MAX_PAIRS 1024

/* A logger writing into a pipe that the test reads. */
struct pipe_log {
    int read_fd;
    int write_fd;
    struct logger log;
};

static int pipe_log_open(struct pipe_log *pl, enum log_level level)
{
    int fds[2];

    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
        return -1;
    pl->read_fd = fds[0];
    pl->write_fd = fds[1];
    log_init(&pl->log, pl->write_fd, level);
    return 0;
}

static void pipe_log_close(struct pipe_log *pl)
{
    close(pl->read_fd);
    close(pl->write_fd);
}

/* Reads everything written so far (log_event is synchronous) into buf,
 * NUL-terminated. Returns the byte count. */
static size_t pipe_log_read(struct pipe_log *pl, char *buf, size_t size)
{
    size_t len = 0;

    while (len + 1 < size) {
        ssize_t n = read(pl->read_fd, buf + len, size - 1 - len);

        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return len;
}

static int count_lines(const char *text)
{
    int lines = 0;

    for (; *text != '\0'; text++)
        lines += *text == '\n';
    return lines;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t len = strlen(text), slen = strlen(suffix);

    return len >= slen && strcmp(text + len - slen, suffix) == 0;
}

/* --- writing ------------------------------------------------------------- */

static void test_log_line_format(void)
{
    struct pipe_log pl;
    struct logfmt_pair pairs[16];
    char buf[LOG_LINE_MAX * 2], *dot, *end;
    size_t len;
    int count;

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_INFO), 0);
    log_event(&pl.log, LOG_INFO, "pick", "sid=%d be=%s", 17, "b1");
    len = pipe_log_read(&pl, buf, sizeof(buf));
    pipe_log_close(&pl);

    CU_ASSERT(len > 0);
    CU_ASSERT_EQUAL(count_lines(buf), 1);
    CU_ASSERT_EQUAL(buf[len - 1], '\n');
    CU_ASSERT_NSTRING_EQUAL(buf, "ts=", 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, " lvl=info thr=main ev=pick sid=17 "
                                       "be=b1\n"));
    count = logfmt_parse(buf, pairs, 16);
    CU_ASSERT_EQUAL_FATAL(count, 6);
    CU_ASSERT_STRING_EQUAL(pairs[0].key, "ts");
    CU_ASSERT_STRING_EQUAL(pairs[1].key, "lvl");
    CU_ASSERT_STRING_EQUAL(pairs[1].value, "info");
    CU_ASSERT_STRING_EQUAL(pairs[2].key, "thr");
    CU_ASSERT_STRING_EQUAL(pairs[2].value, "main");
    CU_ASSERT_STRING_EQUAL(pairs[3].key, "ev");
    CU_ASSERT_STRING_EQUAL(pairs[3].value, "pick");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "sid"), "17");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "be"), "b1");
    /* ts: seconds with exactly 6 decimals. */
    strtod(pairs[0].value, &end);
    CU_ASSERT_EQUAL(*end, '\0');
    dot = strchr(pairs[0].value, '.');
    CU_ASSERT_PTR_NOT_NULL_FATAL(dot);
    CU_ASSERT_EQUAL(strlen(dot + 1), 6);
}

/* No fmt, or an empty one: the four keys and nothing else. */
static void test_log_without_fields(void)
{
    struct pipe_log pl;
    struct logfmt_pair pairs[8];
    char buf[LOG_LINE_MAX];
    size_t len;

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_DEBUG), 0);
    log_event(&pl.log, LOG_DEBUG, "tick", NULL);
    len = pipe_log_read(&pl, buf, sizeof(buf));
    CU_ASSERT(len > 0);
    CU_ASSERT(ends_with(buf, " lvl=debug thr=main ev=tick\n"));
    CU_ASSERT_EQUAL(logfmt_parse(buf, pairs, 8), 4);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-zero-length"
    log_event(&pl.log, LOG_DEBUG, "tock", "");
#pragma GCC diagnostic pop
    len = pipe_log_read(&pl, buf, sizeof(buf));
    CU_ASSERT(len > 0);
    /* An empty field part leaves no dangling space either. */
    CU_ASSERT(len >= 2 && buf[len - 2] != ' ');
    CU_ASSERT_EQUAL(logfmt_parse(buf, pairs, 8), 4);
    pipe_log_close(&pl);
}

static void test_log_levels_filtered(void)
{
    static const enum log_level all[] = {
        LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG
    };
    char buf[LOG_LINE_MAX * 4];

    for (size_t limit = 0; limit < 4; limit++) {
        struct pipe_log pl;
        char *line, *save = NULL;
        size_t written = 0;

        CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, all[limit]), 0);
        for (size_t i = 0; i < 4; i++) {
            CU_ASSERT_EQUAL(log_enabled(&pl.log, all[i]), i <= limit);
            log_event(&pl.log, all[i], "lvltest", "n=%zu", i);
        }
        pipe_log_read(&pl, buf, sizeof(buf));
        pipe_log_close(&pl);
        CU_ASSERT_EQUAL(count_lines(buf), (int)limit + 1);
        for (line = strtok_r(buf, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
            struct logfmt_pair pairs[8];
            int count = logfmt_parse(line, pairs, 8);
            const char *lvl = logfmt_get(pairs, count, "lvl");

            CU_ASSERT_EQUAL(count, 5);
            CU_ASSERT_PTR_NOT_NULL_FATAL(lvl);
            CU_ASSERT_STRING_EQUAL(lvl, log_level_name(all[written]));
            written++;
        }
        CU_ASSERT_EQUAL(written, limit + 1);
    }
}

static void test_log_level_names(void)
{
    enum log_level level = LOG_DEBUG;

    CU_ASSERT_EQUAL(log_level_parse("error", &level), 0);
    CU_ASSERT_EQUAL(level, LOG_ERROR);
    CU_ASSERT_EQUAL(log_level_parse("warn", &level), 0);
    CU_ASSERT_EQUAL(level, LOG_WARN);
    CU_ASSERT_EQUAL(log_level_parse("info", &level), 0);
    CU_ASSERT_EQUAL(level, LOG_INFO);
    CU_ASSERT_EQUAL(log_level_parse("debug", &level), 0);
    CU_ASSERT_EQUAL(level, LOG_DEBUG);
    CU_ASSERT_EQUAL(log_level_parse("warning", &level), -1);
    CU_ASSERT_EQUAL(log_level_parse("INFO", &level), -1);
    CU_ASSERT_EQUAL(log_level_parse("", &level), -1);
    CU_ASSERT_EQUAL(level, LOG_DEBUG);      /* unchanged by the failures */
    CU_ASSERT_STRING_EQUAL(log_level_name(LOG_ERROR), "error");
    CU_ASSERT_STRING_EQUAL(log_level_name(LOG_WARN), "warn");
    CU_ASSERT_STRING_EQUAL(log_level_name(LOG_INFO), "info");
    CU_ASSERT_STRING_EQUAL(log_level_name(LOG_DEBUG), "debug");
}

/* log_fork gives a child its own thr= and keeps the rest. */
static void test_log_thread_names(void)
{
    struct pipe_log pl;
    struct logger child, longname;
    struct logfmt_pair pairs[8];
    char buf[LOG_LINE_MAX];
    int count;

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_WARN), 0);
    log_fork(&child, &pl.log, "w3");
    CU_ASSERT_EQUAL(child.fd, pl.log.fd);
    CU_ASSERT_EQUAL(child.level, LOG_WARN);
    CU_ASSERT_STRING_EQUAL(pl.log.thread, "main");

    log_event(&child, LOG_WARN, "backend_down", "be=%s", "b2");
    pipe_log_read(&pl, buf, sizeof(buf));
    count = logfmt_parse(buf, pairs, 8);
    CU_ASSERT_EQUAL(count, 5);
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "thr"), "w3");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "ev"), "backend_down");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "lvl"), "warn");
    /* The child's level is the parent's: info is dropped. */
    log_event(&child, LOG_INFO, "dropped", NULL);
    CU_ASSERT_EQUAL(pipe_log_read(&pl, buf, sizeof(buf)), 0);

    /* A name too long for the field is cut, not overflowed. */
    log_fork(&longname, &pl.log, "a-very-long-thread-name-indeed");
    CU_ASSERT_EQUAL(strlen(longname.thread), sizeof(longname.thread) - 1);
    CU_ASSERT_NSTRING_EQUAL(longname.thread, "a-very-long-thread-name-indeed",
                            sizeof(longname.thread) - 1);
    log_event(&longname, LOG_ERROR, "x", NULL);
    pipe_log_read(&pl, buf, sizeof(buf));
    count = logfmt_parse(buf, pairs, 8);
    CU_ASSERT_EQUAL(count, 4);
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "thr"), longname.thread);
    pipe_log_close(&pl);
}

/* Values quoted by logfmt_quote come back unchanged through the log. */
static void test_log_quoted_roundtrip(void)
{
    static const char *const values[] = {
        "plain", "hello world", "say \"hi\"", "back\\slash", "two\nlines",
        "a=b", "", " ", "\"", "\\", "tab\there", "b1:0/up b2:1/down/w3",
        "trailing\\", "=", "x y=\"z\" \\n",
    };
    struct pipe_log pl;

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_INFO), 0);
    for (size_t i = 0; i < COUNT_OF(values); i++) {
        struct logfmt_pair pairs[8];
        char quoted[256], buf[LOG_LINE_MAX];
        const char *q = logfmt_quote(values[i], quoted, sizeof(quoted));
        int count;

        log_event(&pl.log, LOG_INFO, "quote", "v=%s next=1", q);
        pipe_log_read(&pl, buf, sizeof(buf));
        CU_ASSERT_EQUAL(count_lines(buf), 1);
        count = logfmt_parse(buf, pairs, 8);
        CU_ASSERT_EQUAL(count, 6);
        if (count != 6)
            continue;
        CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "v"), values[i]);
        CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "next"), "1");
    }
    pipe_log_close(&pl);
}

/*
 * Builds "k0000=vvv k0001=vvv ..." of about len bytes into buf. Every value
 * is distinct so a cut in the middle of one would show.
 */
static void make_pairs_text(char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; used + 24 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%sk%04d=value-%04d",
                                 i ? " " : "", i, i);
}

/* A cut line: at most LOG_LINE_MAX bytes, one line, ends with trunc=1,
 * parses, and every pair before trunc=1 is whole. Returns the pair count. */
static int check_truncated(char *buf, size_t len, struct logfmt_pair *pairs)
{
    int count;

    CU_ASSERT(len <= LOG_LINE_MAX);
    CU_ASSERT_EQUAL(count_lines(buf), 1);
    CU_ASSERT(ends_with(buf, " trunc=1\n"));
    count = logfmt_parse(buf, pairs, MAX_PAIRS);
    CU_ASSERT(count > 4);
    if (count <= 4)
        return count;
    CU_ASSERT_STRING_EQUAL(pairs[count - 1].key, "trunc");
    CU_ASSERT_STRING_EQUAL(pairs[count - 1].value, "1");
    CU_ASSERT_STRING_EQUAL(pairs[3].value, "big");
    return count;
}

static void test_log_overlong_cut_at_key(void)
{
    static char payload[3 * LOG_LINE_MAX], buf[3 * LOG_LINE_MAX];
    static struct logfmt_pair pairs[MAX_PAIRS];
    struct pipe_log pl;
    size_t len;
    int count;

    make_pairs_text(payload, sizeof(payload));
    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_INFO), 0);
    log_event(&pl.log, LOG_INFO, "big", "%s", payload);
    len = pipe_log_read(&pl, buf, sizeof(buf));
    pipe_log_close(&pl);

    count = check_truncated(buf, len, pairs);
    /* Every field pair that made it is whole and in order. */
    for (int i = 4; i < count - 1; i++) {
        char key[32], value[32];

        snprintf(key, sizeof(key), "k%04d", i - 4);
        snprintf(value, sizeof(value), "value-%04d", i - 4);
        CU_ASSERT_STRING_EQUAL(pairs[i].key, key);
        CU_ASSERT_STRING_EQUAL(pairs[i].value, value);
    }
    /* And not much was thrown away: the cut is near the limit. */
    CU_ASSERT(len > LOG_LINE_MAX - 32);
}

/*
 * The cut must not land inside a quoted value that holds spaces (a pick
 * line's cand="b1:0/up b2:1/up ..." is one): the line must stay valid.
 */
static void test_log_overlong_quoted_value(void)
{
    static char padding[LOG_LINE_MAX], cand[LOG_LINE_MAX];
    static char quoted[2 * LOG_LINE_MAX];
    static char buf[3 * LOG_LINE_MAX];
    static struct logfmt_pair pairs[MAX_PAIRS];
    struct pipe_log pl;
    size_t len, used = 0;
    const char *value;
    int count;

    memset(padding, 'p', 3000);
    padding[3000] = '\0';
    for (int i = 1; used + 16 < 2000; i++)
        used += (size_t)snprintf(cand + used, sizeof(cand) - used,
                                 "%sb%d:0/up", i > 1 ? " " : "", i);
    CU_ASSERT_PTR_EQUAL(logfmt_quote(cand, quoted, sizeof(quoted)), quoted);

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_INFO), 0);
    log_event(&pl.log, LOG_INFO, "big", "pad=%s cand=%s", padding, quoted);
    len = pipe_log_read(&pl, buf, sizeof(buf));
    pipe_log_close(&pl);

    count = check_truncated(buf, len, pairs);
    if (count <= 4)
        return;
    value = logfmt_get(pairs, count, "pad");
    CU_ASSERT_PTR_NOT_NULL_FATAL(value);
    CU_ASSERT_STRING_EQUAL(value, padding);
    /* cand is either whole or gone, never a piece. */
    value = logfmt_get(pairs, count, "cand");
    if (value != NULL) {
        CU_ASSERT_STRING_EQUAL(value, cand);
    }
}

/* A line that just fits (LOG_LINE_MAX - 1 bytes with its newline) is not
 * cut; one byte of fields more is. */
static void test_log_longest_whole_line(void)
{
    static char payload[LOG_LINE_MAX], buf[2 * LOG_LINE_MAX];
    struct pipe_log pl;
    size_t header, len, field;

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_INFO), 0);
    log_event(&pl.log, LOG_INFO, "fit", NULL);
    header = pipe_log_read(&pl, buf, sizeof(buf)) - 1;    /* no newline */
    /* header + ' ' + "f=" + value + '\n' == LOG_LINE_MAX - 1 */
    field = LOG_LINE_MAX - 1 - 1 - header - 1;
    payload[0] = 'f';
    payload[1] = '=';
    memset(payload + 2, 'x', field - 2);
    payload[field] = '\0';
    log_event(&pl.log, LOG_INFO, "fit", "%s", payload);
    len = pipe_log_read(&pl, buf, sizeof(buf));
    pipe_log_close(&pl);

    CU_ASSERT_EQUAL(len, LOG_LINE_MAX - 1);
    CU_ASSERT_EQUAL(count_lines(buf), 1);
    CU_ASSERT_PTR_NULL(strstr(buf, "trunc=1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, payload));
}

/* --- buffered loggers ---------------------------------------------------- */

/* True when text holds both lines, first before second. */
static bool in_order(const char *text, const char *first, const char *second)
{
    const char *a = strstr(text, first), *b = strstr(text, second);

    return a != NULL && b != NULL && a < b;
}

/* Info lines wait in the buffer until log_flush, then come out in order. */
static void test_log_buffer_waits_for_flush(void)
{
    struct pipe_log pl;
    struct log_buffer buffer;
    char buf[LOG_LINE_MAX];

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_DEBUG), 0);
    log_buffer_attach(&pl.log, &buffer);
    log_event(&pl.log, LOG_INFO, "accept", "sid=%d", 1);
    log_event(&pl.log, LOG_DEBUG, "check", "be=%s", "b1");
    CU_ASSERT_EQUAL(pipe_log_read(&pl, buf, sizeof(buf)), 0);
    log_flush(&pl.log);
    pipe_log_read(&pl, buf, sizeof(buf));
    CU_ASSERT_EQUAL(count_lines(buf), 2);
    CU_ASSERT_TRUE(in_order(buf, "ev=accept sid=1\n", "ev=check be=b1\n"));
    /* Flushed means empty: a second flush writes nothing. */
    log_flush(&pl.log);
    CU_ASSERT_EQUAL(pipe_log_read(&pl, buf, sizeof(buf)), 0);
    pipe_log_close(&pl);
}

/* warn and error go out at once, behind the lines collected before them;
 * a child forked from a buffered logger writes at once. */
static void test_log_buffer_warn_goes_at_once(void)
{
    struct pipe_log pl;
    struct log_buffer buffer;
    struct logger child;
    char buf[LOG_LINE_MAX];

    CU_ASSERT_EQUAL_FATAL(pipe_log_open(&pl, LOG_INFO), 0);
    log_buffer_attach(&pl.log, &buffer);
    log_event(&pl.log, LOG_INFO, "pick", "sid=%d", 7);
    log_event(&pl.log, LOG_WARN, "connect_fail", "sid=%d", 7);
    pipe_log_read(&pl, buf, sizeof(buf));
    CU_ASSERT_EQUAL(count_lines(buf), 2);
    CU_ASSERT_TRUE(in_order(buf, "ev=pick sid=7\n",
                            "ev=connect_fail sid=7\n"));
    log_event(&pl.log, LOG_ERROR, "epoll_fail", NULL);
    pipe_log_read(&pl, buf, sizeof(buf));
    CU_ASSERT_EQUAL(count_lines(buf), 1);

    log_fork(&child, &pl.log, "w0");
    CU_ASSERT_PTR_NULL(child.buffer);
    log_event(&child, LOG_INFO, "accept", "sid=%d", 8);
    pipe_log_read(&pl, buf, sizeof(buf));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "thr=w0 ev=accept sid=8\n"));
    pipe_log_close(&pl);
}

/*
 * Through a datagram socket, where every write(2) is one message: a full
 * buffer is written before the line that would not fit, every write holds
 * whole lines and at most LOG_LINE_MAX bytes, and nothing is lost.
 */
static void test_log_buffer_writes_whole_lines(void)
{
    static char msg[2 * LOG_LINE_MAX], pad[400];
    struct log_buffer buffer;
    struct logger lg;
    int fds[2], writes = 0, lines = 0, next = 0;
    ssize_t n;

    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
                                     SOCK_CLOEXEC, 0, fds), 0);
    log_init(&lg, fds[1], LOG_INFO);
    log_buffer_attach(&lg, &buffer);
    memset(pad, 'p', sizeof(pad) - 1);
    for (int i = 0; i < 100; i++)
        log_event(&lg, LOG_INFO, "line", "n=%d pad=%s", i, pad);
    log_flush(&lg);
    while ((n = read(fds[0], msg, sizeof(msg) - 1)) > 0) {
        char *line = msg;

        msg[n] = '\0';
        writes++;
        CU_ASSERT(n <= LOG_LINE_MAX);
        CU_ASSERT_EQUAL(msg[n - 1], '\n');
        while (*line != '\0') {
            char *end = strchr(line, '\n');
            int got = -1;

            CU_ASSERT_PTR_NOT_NULL_FATAL(end);
            *end = '\0';
            CU_ASSERT_PTR_NOT_NULL(strstr(line, " ev=line n="));
            sscanf(strstr(line, " n=") + 3, "%d", &got);
            CU_ASSERT_EQUAL(got, next);    /* in order, none missing */
            next++;
            lines++;
            line = end + 1;
        }
    }
    close(fds[0]);
    close(fds[1]);
    CU_ASSERT_EQUAL(lines, 100);
    /* About 450 bytes a line: 9 fit in 4096, so 12 writes, not 100. */
    CU_ASSERT(writes >= 100 * 400 / LOG_LINE_MAX);
    CU_ASSERT(writes <= 100 / 8 + 1);
}

/* --- logfmt_parse -------------------------------------------------------- */

static void test_parse_plain_pairs(void)
{
    char line[] = "  a=1   b=\"two words\"  c  d=x=y   ";
    struct logfmt_pair pairs[8];
    int count = logfmt_parse(line, pairs, 8);

    CU_ASSERT_EQUAL_FATAL(count, 4);
    CU_ASSERT_STRING_EQUAL(pairs[0].key, "a");
    CU_ASSERT_STRING_EQUAL(pairs[0].value, "1");
    CU_ASSERT_STRING_EQUAL(pairs[1].key, "b");
    CU_ASSERT_STRING_EQUAL(pairs[1].value, "two words");
    CU_ASSERT_STRING_EQUAL(pairs[2].key, "c");
    CU_ASSERT_STRING_EQUAL(pairs[2].value, "");
    /* A bare value may hold '=' (only space and '"' end or break it). */
    CU_ASSERT_STRING_EQUAL(pairs[3].key, "d");
    CU_ASSERT_STRING_EQUAL(pairs[3].value, "x=y");
}

static void test_parse_escapes(void)
{
    char line[] = "q=\"say \\\"hi\\\"\" s=\"back\\\\slash\" n=\"l1\\nl2\" "
                  "e=\"\" eq=\"k=v\"";
    struct logfmt_pair pairs[8];
    int count = logfmt_parse(line, pairs, 8);

    CU_ASSERT_EQUAL_FATAL(count, 5);
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "q"), "say \"hi\"");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "s"), "back\\slash");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "n"), "l1\nl2");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "e"), "");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "eq"), "k=v");
}

static void test_parse_bare_keys(void)
{
    char line[] = "flag other=2 last";
    char alone[] = "solo";
    struct logfmt_pair pairs[8];
    int count = logfmt_parse(line, pairs, 8);

    CU_ASSERT_EQUAL_FATAL(count, 3);
    CU_ASSERT_STRING_EQUAL(pairs[0].key, "flag");
    CU_ASSERT_STRING_EQUAL(pairs[0].value, "");
    CU_ASSERT_STRING_EQUAL(pairs[1].value, "2");
    CU_ASSERT_STRING_EQUAL(pairs[2].key, "last");
    CU_ASSERT_STRING_EQUAL(pairs[2].value, "");
    CU_ASSERT_EQUAL_FATAL(logfmt_parse(alone, pairs, 8), 1);
    CU_ASSERT_STRING_EQUAL(pairs[0].key, "solo");
    CU_ASSERT_STRING_EQUAL(pairs[0].value, "");
}

static void test_parse_trailing_newline(void)
{
    char bare[] = "a=1 b=2\n";
    char quoted[] = "a=\"x y\"\n";
    char key[] = "a=1 k\n";
    char only[] = "\n";
    char empty[] = "";
    char spaces[] = "   ";
    struct logfmt_pair pairs[8];

    CU_ASSERT_EQUAL_FATAL(logfmt_parse(bare, pairs, 8), 2);
    CU_ASSERT_STRING_EQUAL(pairs[1].value, "2");
    CU_ASSERT_EQUAL_FATAL(logfmt_parse(quoted, pairs, 8), 1);
    CU_ASSERT_STRING_EQUAL(pairs[0].value, "x y");
    CU_ASSERT_EQUAL_FATAL(logfmt_parse(key, pairs, 8), 2);
    CU_ASSERT_STRING_EQUAL(pairs[1].key, "k");
    CU_ASSERT_STRING_EQUAL(pairs[1].value, "");
    CU_ASSERT_EQUAL(logfmt_parse(only, pairs, 8), 0);
    CU_ASSERT_EQUAL(logfmt_parse(empty, pairs, 8), 0);
    CU_ASSERT_EQUAL(logfmt_parse(spaces, pairs, 8), 0);
}

static void test_parse_bad_lines(void)
{
    static const char *const bad[] = {
        "a=\"unterminated",
        "a=\"unterminated\n",
        "a=\"esc at end\\",
        "a=\"bad \\t escape\"",
        "a=\"x\"y",                 /* text glued after the closing quote */
        "a=x\"y",                   /* quote inside a bare value */
        "a\"b=1",                   /* quote inside a key */
        "\"k\"=v",
        "=v",
        "a=1 =2",
        "a=\"line\nbreak\"",        /* raw newline inside quotes */
    };
    struct logfmt_pair pairs[8];

    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        char line[64];

        snprintf(line, sizeof(line), "%s", bad[i]);
        CU_ASSERT_EQUAL(logfmt_parse(line, pairs, 8), -1);
    }
}

/* Only a trailing newline is allowed: one in the middle ends no line. */
static void test_parse_inner_newline(void)
{
    char bare[] = "a=1\nb=2";
    char key[] = "a\nb";
    char quoted[] = "a=\"x\"\nb=2";
    struct logfmt_pair pairs[8];

    CU_ASSERT_EQUAL(logfmt_parse(bare, pairs, 8), -1);
    CU_ASSERT_EQUAL(logfmt_parse(key, pairs, 8), -1);
    CU_ASSERT_EQUAL(logfmt_parse(quoted, pairs, 8), -1);
}

static void test_parse_too_many_pairs(void)
{
    char three[] = "a=1 b=2 c=3";
    char again[] = "a=1 b=2 c=3";
    char one[] = "a";
    char none[] = "";
    struct logfmt_pair pairs[3];

    CU_ASSERT_EQUAL(logfmt_parse(three, pairs, 2), -1);
    CU_ASSERT_EQUAL(logfmt_parse(again, pairs, 3), 3);
    CU_ASSERT_EQUAL(logfmt_parse(one, pairs, 0), -1);
    CU_ASSERT_EQUAL(logfmt_parse(none, pairs, 0), 0);
}

static void test_get(void)
{
    char line[] = "a=1 b=2 a=3 empty";
    struct logfmt_pair pairs[8];
    int count = logfmt_parse(line, pairs, 8);

    CU_ASSERT_EQUAL_FATAL(count, 4);
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "a"), "1");   /* first */
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "b"), "2");
    CU_ASSERT_STRING_EQUAL(logfmt_get(pairs, count, "empty"), "");
    CU_ASSERT_PTR_NULL(logfmt_get(pairs, count, "c"));
    CU_ASSERT_PTR_NULL(logfmt_get(pairs, count, ""));
    CU_ASSERT_PTR_NULL(logfmt_get(pairs, count, "A"));
    /* Only the first count pairs are looked at. */
    CU_ASSERT_PTR_NULL(logfmt_get(pairs, 1, "b"));
    CU_ASSERT_PTR_NULL(logfmt_get(pairs, 0, "a"));
}

/* --- logfmt_quote -------------------------------------------------------- */

static void test_quote_forms(void)
{
    static const char plain[] = "b1:0/up";
    char buf[64];

    /* Bare values are returned as they are, not copied. */
    CU_ASSERT_PTR_EQUAL(logfmt_quote(plain, buf, sizeof(buf)), plain);
    CU_ASSERT_STRING_EQUAL(logfmt_quote("", buf, sizeof(buf)), "\"\"");
    CU_ASSERT_STRING_EQUAL(logfmt_quote("a b", buf, sizeof(buf)), "\"a b\"");
    CU_ASSERT_STRING_EQUAL(logfmt_quote("a=b", buf, sizeof(buf)), "\"a=b\"");
    CU_ASSERT_STRING_EQUAL(logfmt_quote("q\"q", buf, sizeof(buf)),
                           "\"q\\\"q\"");
    CU_ASSERT_STRING_EQUAL(logfmt_quote("a\\b", buf, sizeof(buf)),
                           "\"a\\\\b\"");
    CU_ASSERT_STRING_EQUAL(logfmt_quote("a\nb", buf, sizeof(buf)),
                           "\"a\\nb\"");
}

/* Cut to any size, the quoted form stays valid and reads back as a prefix
 * of the value: an escape pair is never split. */
static void test_quote_cut_to_size(void)
{
    static const char value[] = "a \"b\" \\c\nd e";

    for (size_t size = 3; size <= 24; size++) {
        char buf[32], line[64];
        struct logfmt_pair pairs[2];
        const char *q;
        int count;

        memset(buf, '#', sizeof(buf));
        q = logfmt_quote(value, buf, size);
        CU_ASSERT_PTR_EQUAL(q, buf);
        CU_ASSERT(strlen(buf) < size);
        CU_ASSERT_EQUAL(buf[size], '#');       /* nothing past size */
        snprintf(line, sizeof(line), "v=%s", buf);
        count = logfmt_parse(line, pairs, 2);
        CU_ASSERT_EQUAL(count, 1);
        if (count == 1) {
            CU_ASSERT_NSTRING_EQUAL(pairs[0].value, value,
                                    strlen(pairs[0].value));
        }
    }
}

static CU_TestInfo logfmt_tests[] = {
    { "log line format", test_log_line_format },
    { "log line without fields", test_log_without_fields },
    { "log levels filtered", test_log_levels_filtered },
    { "log level names", test_log_level_names },
    { "log thread names", test_log_thread_names },
    { "log quoted values round-trip", test_log_quoted_roundtrip },
    { "log overlong line cut at a key", test_log_overlong_cut_at_key },
    { "log overlong line with quoted value", test_log_overlong_quoted_value },
    { "log longest whole line", test_log_longest_whole_line },
    { "log buffer waits for flush", test_log_buffer_waits_for_flush },
    { "log buffer: warn goes at once", test_log_buffer_warn_goes_at_once },
    { "log buffer writes whole lines", test_log_buffer_writes_whole_lines },
    { "parse plain pairs", test_parse_plain_pairs },
    { "parse escapes", test_parse_escapes },
    { "parse bare keys", test_parse_bare_keys },
    { "parse trailing newline", test_parse_trailing_newline },
    { "parse bad lines", test_parse_bad_lines },
    { "parse newline inside a line", test_parse_inner_newline },
    { "parse too many pairs", test_parse_too_many_pairs },
    { "get", test_get },
    { "quote forms", test_quote_forms },
    { "quote cut to size", test_quote_cut_to_size },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(logfmt, logfmt_tests)
