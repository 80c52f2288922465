/*
 * test_log_sink: the ring and writer thread that keep loggers from
 * waiting on a log nobody reads.
 *
 * The sink writes into a pipe of one page that the test reads or does not
 * read. With the pipe unread, writes never wait, the lines that do not fit
 * are dropped and counted, and once the test reads again every line comes
 * out whole and in order, with log_dropped lines whose n= add up to
 * exactly the number lost: written + dropped = sent. A reader that never
 * lets the ring empty still gets the report, where the gap is. Stopping a sink whose
 * reader never reads returns within its wait. A logger attached to a sink
 * sends its lines there, buffered or not. A lingering sink holds lines
 * back for its linger, except urgent ones, and never past a drain, a stop
 * or a ring half full.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "log_sink.h"
#include "testlib.h"

#define LINES 2000
#define RING 16384

/* A pipe holding one page, so that a few lines fill it. */
static void small_pipe(int fds[2])
{
    CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
    fcntl(fds[1], F_SETPIPE_SZ, 4096);
}

/* Reads from fd until text holds a line containing until, or 5 s pass.
 * Returns the bytes read; text is NUL-terminated. */
static size_t read_until(int fd, char *text, size_t size, const char *until)
{
    size_t len = 0;
    double deadline = clock_now_s() + 5;

    text[0] = '\0';
    while (len + 1 < size && strstr(text, until) == NULL &&
           clock_now_s() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 100) != 1)
            continue;
        n = read(fd, text + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        text[len] = '\0';
    }
    return len;
}

/* What a reader thread read from a pipe until end of file. */
struct drained {
    int fd;
    size_t len;
    char text[1 << 20];
};

static void *drain_pipe(void *arg)
{
    struct drained *d = arg;
    ssize_t n;

    while (d->len + 1 < sizeof(d->text) &&
           (n = read(d->fd, d->text + d->len, sizeof(d->text) - 1 - d->len)) > 0)
        d->len += (size_t)n;
    d->text[d->len] = '\0';
    return NULL;
}

static void test_full_ring_drops_and_counts(void)
{
    static struct drained out;
    struct log_sink *sink;
    pthread_t reader;
    int fds[2], refused = 0, next = 0, out_of_order = 0;
    unsigned long long reported = 0, received = 0;
    double start;
    const char *p;

    small_pipe(fds);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    start = clock_now_s();
    for (int i = 0; i < LINES; i++) {
        char line[64];
        int len = snprintf(line, sizeof(line), "line=%d pad=................\n",
                           i);

        refused += log_sink_write(sink, line, (size_t)len, false) == -1;
    }
    /* 2,000 lines into a page and a 16 KiB ring: none of it waited. */
    CU_ASSERT(clock_now_s() - start < 1.0);
    CU_ASSERT(refused > 0);
    CU_ASSERT_EQUAL(log_sink_dropped(sink), (uint64_t)refused);
    /* Now a reader: the sink writes out all it holds, and stops. */
    out.fd = fds[0];
    out.len = 0;
    CU_ASSERT_FATAL(pthread_create(&reader, NULL, drain_pipe, &out) == 0);
    log_sink_stop(sink, 5000);
    close(fds[1]);
    pthread_join(reader, NULL);
    close(fds[0]);
    /* Each gap's report says how many lines it lost; with the lines that
     * arrived, whole and in order, they make up every line sent. */
    for (p = out.text; (p = strstr(p, "ev=log_dropped n=")) != NULL; p++)
        reported += strtoull(p + strlen("ev=log_dropped n="), NULL, 10);
    for (p = out.text; (p = strstr(p, "line=")) != NULL; p++) {
        int n = atoi(p + 5);

        out_of_order += n < next;
        next = n + 1;
        received++;
        CU_ASSERT(strncmp(strchr(p, ' '), " pad=................\n", 22) == 0);
    }
    CU_ASSERT_EQUAL(reported, (unsigned long long)refused);
    CU_ASSERT_EQUAL(out_of_order, 0);
    CU_ASSERT_EQUAL(received + reported, (unsigned long long)LINES);
}

/*
 * A reader that takes a little now and then and never lets the ring
 * empty: the report of each gap still comes, in the log where the lines
 * are missing, ahead of the first line that found room after them.
 */
static void test_gap_reported_before_the_ring_empties(void)
{
    static const char before[] = "line=before pad=..............\n";
    static char text[1 << 20];
    char some[8192];
    struct log_sink *sink;
    int fds[2], dropped = 0, reported = 0, tries;
    const char *gap, *after;

    small_pipe(fds);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    for (int i = 0; i < LINES; i++)
        dropped += log_sink_write(sink, before, strlen(before), false) == -1;
    CU_ASSERT_FATAL(dropped > 0);
    /* Take one page: the writer moves a few lines out of the ring. */
    CU_ASSERT(read(fds[0], some, 4096) > 0);
    for (tries = 0; tries < 500; tries++) {
        if (log_sink_write(sink, "line=after\n", 11, false) == 0)
            break;
        dropped++;
        poll(NULL, 0, 10);
    }
    CU_ASSERT_FATAL(tries < 500);
    /* Read on until the line that followed the gap. */
    read_until(fds[0], text, sizeof(text), "line=after");
    after = strstr(text, "line=after");
    CU_ASSERT_FATAL(after != NULL);
    /* Every line dropped is reported before the line that followed. */
    for (gap = text; (gap = strstr(gap, "ev=log_dropped n=")) != NULL &&
                     gap < after; gap++)
        reported += atoi(gap + strlen("ev=log_dropped n="));
    CU_ASSERT_EQUAL(reported, dropped);
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    close(fds[0]);
    close(fds[1]);
}

/* Drain: once it returns 0 every line queued is in the pipe; with a pipe
 * that nobody reads it gives up in time and says so. */
static void test_drain_waits_for_the_writer(void)
{
    char text[8192], line[64];
    struct log_sink *sink;
    int fds[2], lines = 0;
    double start;

    CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    for (int i = 0; i < 100; i++) {
        int len = snprintf(line, sizeof(line), "line=%d\n", i);

        CU_ASSERT_EQUAL(log_sink_write(sink, line, (size_t)len, false), 0);
    }
    CU_ASSERT_EQUAL(log_sink_drain(sink, 2000), 0);
    text[read(fds[0], text, sizeof(text) - 1)] = '\0';
    for (const char *p = text; (p = strstr(p, "line=")) != NULL; p++)
        lines++;
    CU_ASSERT_EQUAL(lines, 100);
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    close(fds[0]);
    close(fds[1]);

    small_pipe(fds);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    memset(text, 'x', sizeof(text));
    text[LOG_LINE_MAX - 1] = '\n';
    for (int i = 0; i < 3; i++)
        log_sink_write(sink, text, LOG_LINE_MAX, false);
    start = clock_now_s();
    CU_ASSERT_EQUAL(log_sink_drain(sink, 200), -1);
    CU_ASSERT(clock_now_s() - start < 1.0);
    log_sink_stop(sink, 100);
    close(fds[0]);
    close(fds[1]);
}

static void test_stop_with_a_reader_that_never_reads(void)
{
    char line[LOG_LINE_MAX];
    struct log_sink *sink;
    int fds[2];
    double start;

    small_pipe(fds);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\n';
    for (int i = 0; i < 16; i++)
        log_sink_write(sink, line, sizeof(line), false);
    start = clock_now_s();
    log_sink_stop(sink, 200);
    CU_ASSERT(clock_now_s() - start < 1.0);
    close(fds[0]);
    close(fds[1]);
}

static void test_logger_goes_through_the_sink(void)
{
    char text[4 * LOG_LINE_MAX];
    struct log_buffer buffer;
    struct logger lg, worker;
    struct log_sink *sink;
    int fds[2];

    small_pipe(fds);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    log_init(&lg, -1, LOG_INFO);
    log_sink_attach(&lg, sink);
    log_fork(&worker, &lg, "w0");
    log_buffer_attach(&worker, &buffer);
    log_event(&lg, LOG_INFO, "first", "n=1");
    log_event(&worker, LOG_INFO, "second", "n=2");
    log_flush(&worker);
    read_until(fds[0], text, sizeof(text), "ev=second");
    CU_ASSERT(strstr(text, "thr=main ev=first n=1\n") != NULL);
    CU_ASSERT(strstr(text, "thr=w0 ev=second n=2\n") != NULL);
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    close(fds[0]);
    close(fds[1]);
}

/* Whether fd has something to read within ms. */
static bool readable_within(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };

    return poll(&p, 1, ms) == 1;
}

/* Reads what fd holds now (non-blocking) into text. */
static void read_now(int fd, char *text, size_t size)
{
    ssize_t n = read(fd, text, size - 1);

    text[n > 0 ? n : 0] = '\0';
}

/* With a linger of 3 s: a line after an idle spell goes out at once; the
 * next is held; an urgent line, a drain, a ring half full and a stop each
 * let the held lines out at once (well within 1.5 s), in order. */
static void test_linger_holds_and_lets_go(void)
{
    static char text[RING * 2];
    char filler[100];
    struct log_sink *sink;
    int fds[2];
    double start;

    CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    log_sink_linger(sink, 3000);

    log_sink_write(sink, "a=1\n", 4, false);
    CU_ASSERT(readable_within(fds[0], 1500));
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT_STRING_EQUAL(text, "a=1\n");
    /* The writer has caught up once drain returns. */
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);

    log_sink_write(sink, "b=2\n", 4, false);
    CU_ASSERT_FALSE(readable_within(fds[0], 300));
    log_sink_write(sink, "c=3\n", 4, true);
    CU_ASSERT(readable_within(fds[0], 1500));
    poll(NULL, 0, 50);
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT_STRING_EQUAL(text, "b=2\nc=3\n");
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);

    log_sink_write(sink, "d=4\n", 4, false);
    start = clock_now_s();
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);
    CU_ASSERT(clock_now_s() - start < 1.5);
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT_STRING_EQUAL(text, "d=4\n");
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);

    memset(filler, 'x', sizeof(filler));
    filler[sizeof(filler) - 1] = '\n';
    for (size_t sent = 0; sent < RING / 2; sent += sizeof(filler))
        log_sink_write(sink, filler, sizeof(filler), false);
    CU_ASSERT(readable_within(fds[0], 1500));
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT_EQUAL(strlen(text), (RING / 2 + sizeof(filler) - 1) /
                                  sizeof(filler) * sizeof(filler));
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);

    log_sink_write(sink, "e=5\n", 4, false);
    start = clock_now_s();
    log_sink_stop(sink, 1500);
    CU_ASSERT(clock_now_s() - start < 1.5);
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT_STRING_EQUAL(text, "e=5\n");
    close(fds[0]);
    close(fds[1]);
}

/* A logger's warn line is urgent: it is not held by a lingering sink. */
static void test_logger_warn_is_urgent(void)
{
    char text[LOG_LINE_MAX];
    struct log_buffer buffer;
    struct logger lg, worker;
    struct log_sink *sink;
    int fds[2];

    CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    sink = log_sink_start(fds[1], RING);
    CU_ASSERT_FATAL(sink != NULL);
    log_sink_linger(sink, 3000);
    log_init(&lg, -1, LOG_INFO);
    log_sink_attach(&lg, sink);
    log_fork(&worker, &lg, "w0");
    log_buffer_attach(&worker, &buffer);
    log_event(&lg, LOG_INFO, "first", "n=1");
    CU_ASSERT(readable_within(fds[0], 1500));
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);
    log_event(&worker, LOG_INFO, "held", "n=2");
    log_flush(&worker);
    CU_ASSERT_FALSE(readable_within(fds[0], 300));
    log_event(&worker, LOG_WARN, "warned", "n=3");
    CU_ASSERT(readable_within(fds[0], 1500));
    poll(NULL, 0, 50);
    read_now(fds[0], text, sizeof(text));
    CU_ASSERT(strstr(text, "ev=held n=2\n") != NULL);
    CU_ASSERT(strstr(text, "ev=warned n=3\n") != NULL);
    CU_ASSERT_EQUAL(log_sink_drain(sink, 1500), 0);
    log_event(&lg, LOG_ERROR, "failed", "n=4");
    CU_ASSERT(readable_within(fds[0], 1500));
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    close(fds[0]);
    close(fds[1]);
}

static CU_TestInfo log_sink_tests[] = {
    { "a full ring drops whole lines and reports their number",
      test_full_ring_drops_and_counts },
    { "a gap is reported where it is, though the ring never empties",
      test_gap_reported_before_the_ring_empties },
    { "drain waits until the lines are written, or gives up in time",
      test_drain_waits_for_the_writer },
    { "stop returns while the reader never reads",
      test_stop_with_a_reader_that_never_reads },
    { "a logger and its forks write through the sink",
      test_logger_goes_through_the_sink },
    { "a lingering sink holds lines, and lets them go when it must",
      test_linger_holds_and_lets_go },
    { "a logger's warn and error lines are not held",
      test_logger_warn_is_urgent },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(log_sink, log_sink_tests)
