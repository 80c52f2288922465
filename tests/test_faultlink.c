/*
 * test_faultlink: unit tests of fault_link's modules that need no port:
 * the words of a fault, the control commands and their errors, the
 * toxicity draw, the shaping stream (slicing, latency with jitter keeping
 * order, bandwidth pacing, the limit-data cut) and the command line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../faultlink/faultlink_control.h"
#include "../faultlink/faultlink_fault.h"
#include "../faultlink/faultlink_options.h"
#include "../faultlink/faultlink_stream.h"
#include "net.h"
#include "testlib.h"

/* ---- control commands ------------------------------------------------ */

/* Runs line on faults; returns the result, the reply in reply. */
static int command(struct faultlink_faults *faults, const char *line,
                   char *reply, size_t size)
{
    char copy[FAULTLINK_CONTROL_LINE_MAX + 1];

    snprintf(copy, sizeof(copy), "%s", line);
    return faultlink_control_run(faults, copy, reply, size);
}

static void test_control_add_list_remove(void)
{
    struct faultlink_faults faults;
    char reply[1024];

    faultlink_faults_init(&faults);
    CU_ASSERT_EQUAL(command(&faults, "add latency latency=100ms jitter=10ms "
                            "direction=up toxicity=0.5", reply,
                            sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok added latency direction=up "
                           "toxicity=0.5 latency=100ms jitter=10ms");
    CU_ASSERT_TRUE(faults.on[FAULTLINK_LATENCY][FAULTLINK_UP]);
    CU_ASSERT_FALSE(faults.on[FAULTLINK_LATENCY][FAULTLINK_DOWN]);
    CU_ASSERT_EQUAL(faults.fault[FAULTLINK_LATENCY][FAULTLINK_UP].latency_ms, 100);
    CU_ASSERT_EQUAL(command(&faults, "add bandwidth rate=4k", reply,
                            sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok added bandwidth direction=both "
                           "toxicity=1 rate=4k");
    CU_ASSERT_EQUAL(faults.fault[FAULTLINK_BANDWIDTH][FAULTLINK_DOWN].rate, 4096);
    CU_ASSERT_EQUAL(command(&faults, "add syn-drop", reply, sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok added syn-drop toxicity=1");
    CU_ASSERT_EQUAL(command(&faults, "list", reply, sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok latency direction=up toxicity=0.5 "
                           "latency=100ms jitter=10ms; bandwidth direction=up "
                           "toxicity=1 rate=4k; bandwidth direction=down "
                           "toxicity=1 rate=4k; syn-drop toxicity=1");
    CU_ASSERT_EQUAL(command(&faults, "remove bandwidth direction=down", reply,
                            sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok removed 1");
    CU_ASSERT_TRUE(faults.on[FAULTLINK_BANDWIDTH][FAULTLINK_UP]);
    CU_ASSERT_FALSE(faults.on[FAULTLINK_BANDWIDTH][FAULTLINK_DOWN]);
    CU_ASSERT_EQUAL(command(&faults, "remove all", reply, sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok removed 3");
    CU_ASSERT_EQUAL(command(&faults, "list", reply, sizeof(reply)), 1);
    CU_ASSERT_STRING_EQUAL(reply, "ok no faults");
    CU_ASSERT_EQUAL(command(&faults, "help", reply, sizeof(reply)), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(reply, "ok commands: add KIND"));
    CU_ASSERT_EQUAL(command(&faults, "  \t", reply, sizeof(reply)), 0);
    CU_ASSERT_STRING_EQUAL(reply, "");
}

static void test_control_every_kind(void)
{
    static const char *const lines[] = {
        "add latency latency=1", "add bandwidth rate=1", "add slicer size=1",
        "add slicer size=2 delay=1.5s", "add slow-close delay=0",
        "add timeout after=0", "add reset after=10ms", "add reset bytes=0",
        "add limit-data bytes=1M", "add blackhole direction=down",
        "add refuse toxicity=0.25", "add syn-drop",
    };
    struct faultlink_faults faults;
    char reply[1024];

    faultlink_faults_init(&faults);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        CU_ASSERT_EQUAL(command(&faults, lines[i], reply, sizeof(reply)), 1);
        CU_ASSERT_EQUAL(strncmp(reply, "ok added ", 9), 0);
    }
    CU_ASSERT_EQUAL(faults.fault[FAULTLINK_SLICER][FAULTLINK_UP].delay_ms, 1500);
    CU_ASSERT_EQUAL(faults.fault[FAULTLINK_RESET][FAULTLINK_UP].bytes, 0);
    CU_ASSERT_EQUAL(faults.fault[FAULTLINK_RESET][FAULTLINK_UP].after_ms,
                    FAULTLINK_UNSET);
    CU_ASSERT_DOUBLE_EQUAL(faults.fault[FAULTLINK_REFUSE][FAULTLINK_UP].toxicity,
                           0.25, 1e-9);
}

static void test_control_errors_say_what(void)
{
    static const struct { const char *line, *reply; } cases[] = {
        { "bogus", "error: unknown command 'bogus' (add, remove, list, help)" },
        { "add", "error: a kind is missing (latency, bandwidth, slicer, "
                 "slow-close, timeout, reset, limit-data, blackhole, refuse, "
                 "syn-drop)" },
        { "add nope", "error: unknown kind 'nope' (latency, bandwidth, "
                      "slicer, slow-close, timeout, reset, limit-data, "
                      "blackhole, refuse, syn-drop)" },
        { "add latency", "error: latency: latency= is missing" },
        { "add latency jitter=5", "error: latency: latency= is missing" },
        { "add latency latency=fast", "error: latency: latency 'fast': must "
          "be a duration from 0ms to 60m, like 500ms or 2s" },
        { "add latency latency=1 rate=4", "error: latency: unknown key 'rate' "
          "(keys: latency, jitter, direction, toxicity)" },
        { "add latency latency", "error: 'latency': must be KEY=VALUE" },
        { "add latency latency=5 latency=6", "error: latency: latency is "
          "given twice" },
        { "add latency latency=5 direction=up direction=down",
          "error: latency: direction is given twice" },
        { "add bandwidth rate=0", "error: bandwidth: rate '0': must be a size "
          "from 1 to 1G bytes, like 512, 4k or 1M" },
        { "add reset", "error: reset: give exactly one of after, bytes" },
        { "add reset after=1 bytes=2", "error: reset: give exactly one of "
          "after, bytes" },
        { "add blackhole direction=sideways", "error: direction 'sideways': "
          "must be up, down or both" },
        { "add blackhole toxicity=2", "error: toxicity '2': must be a number "
          "from 0 to 1, like 0.5" },
        { "add blackhole toxicity=-0.5", "error: toxicity '-0.5': must be a "
          "number from 0 to 1, like 0.5" },
        { "add refuse direction=up", "error: refuse: direction does not apply "
          "(it acts on new connections)" },
        { "add syn-drop toxicity=0.5", "error: syn-drop: toxicity does not "
          "apply (it acts on the whole listener)" },
        { "remove", "error: remove takes KIND [direction=up|down|both], or "
          "all alone" },
        { "remove all extra", "error: remove takes KIND [direction=up|down|"
          "both], or all alone" },
        { "remove nope", "error: unknown kind 'nope'" },
        { "remove latency up", "error: 'up': must be direction=up, "
          "direction=down or direction=both" },
        { "list all", "error: list takes no arguments" },
        { "add latency latency=\x1b[2J", "error: latency: latency "
          "'\\x1b[2J': must be a duration from 0ms to 60m, like 500ms or 2s" },
    };
    struct faultlink_faults faults, before;
    char reply[1024];

    faultlink_faults_init(&faults);
    command(&faults, "add blackhole direction=up", reply, sizeof(reply));
    before = faults;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(command(&faults, cases[i].line, reply,
                                sizeof(reply)), -1);
        CU_ASSERT_STRING_EQUAL(reply, cases[i].reply);
        if (strcmp(reply, cases[i].reply) != 0)
            printf("\n%s -> %s\n", cases[i].line, reply);
        /* A refused command changes nothing. */
        CU_ASSERT_EQUAL(memcmp(&faults, &before, sizeof(faults)), 0);
    }
}

/* ---- toxicity ---------------------------------------------------------- */

/* How many of connections 1..count get a fault of toxicity p. */
static int chosen_count(uint64_t seed, int count, double p)
{
    int chosen = 0;

    for (int id = 1; id <= count; id++)
        chosen += faultlink_fault_chosen(seed, (uint64_t)id,
                                         FAULTLINK_LATENCY, FAULTLINK_UP, p);
    return chosen;
}

static void test_toxicity_with_a_seed(void)
{
    int same = 1, differ = 0, half = chosen_count(42, 10000, 0.5);

    CU_ASSERT_EQUAL(chosen_count(42, 1000, 0.0), 0);
    CU_ASSERT_EQUAL(chosen_count(42, 1000, 1.0), 1000);
    /* About half: 5000 +- 4 standard deviations (50). */
    CU_ASSERT_TRUE(half > 4800 && half < 5200);
    CU_ASSERT_TRUE(chosen_count(42, 10000, 0.1) > 900 &&
                   chosen_count(42, 10000, 0.1) < 1100);
    for (uint64_t id = 1; id <= 200; id++) {
        bool a = faultlink_fault_chosen(7, id, FAULTLINK_RESET,
                                        FAULTLINK_DOWN, 0.5);

        same &= a == faultlink_fault_chosen(7, id, FAULTLINK_RESET,
                                            FAULTLINK_DOWN, 0.5);
        differ += a != faultlink_fault_chosen(8, id, FAULTLINK_RESET,
                                              FAULTLINK_DOWN, 0.5);
    }
    CU_ASSERT_TRUE(same);
    /* Another seed, another choice (for about half of them). */
    CU_ASSERT_TRUE(differ > 50);
    /* Kinds and directions draw apart: no fault follows another. */
    differ = 0;
    for (uint64_t id = 1; id <= 200; id++)
        differ += faultlink_fault_chosen(7, id, FAULTLINK_RESET, FAULTLINK_UP, 0.5) !=
                  faultlink_fault_chosen(7, id, FAULTLINK_RESET, FAULTLINK_DOWN, 0.5);
    CU_ASSERT_TRUE(differ > 50);
}

/* ---- the shaping stream ------------------------------------------------ */

/* A stream with shape over a socketpair; sv[1] is the reader's. */
static void stream_open(struct faultlink_stream *stream,
                        const struct faultlink_shape *shape, int sv[2])
{
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    net_set_nonblock(sv[0]);
    net_set_nonblock(sv[1]);
    faultlink_stream_init(stream, 1);
    faultlink_stream_configure(stream, shape, 0);
}

static void stream_close(struct faultlink_stream *stream, int sv[2])
{
    faultlink_stream_free(stream);
    close(sv[0]);
    close(sv[1]);
}

/* Reads what the pair holds now (up to size). */
static size_t drain(int fd, char *buf, size_t size)
{
    ssize_t n = read(fd, buf, size);

    return n > 0 ? (size_t)n : 0;
}

static struct faultlink_shape plain_shape(void)
{
    return (struct faultlink_shape){ .cut_bytes = -1, .fin_delay_ms = -1 };
}

static void test_stream_slices_with_delays(void)
{
    struct faultlink_shape shape = plain_shape();
    struct faultlink_stream stream;
    char buf[64];
    uint64_t wake = 0, now = 1000;
    size_t pieces[8], count = 0;
    int sv[2];

    shape.slice_size = 3;
    shape.slice_delay_ms = 50;
    stream_open(&stream, &shape, sv);
    CU_ASSERT_EQUAL(faultlink_stream_push(&stream, now, "abcdefghij", 10), 0);
    CU_ASSERT_FALSE(faultlink_shape_plain(&shape));
    while (count < 8) {
        enum faultlink_stream_status status =
            faultlink_stream_flush(&stream, now, sv[0], &wake);
        size_t n = drain(sv[1], buf, sizeof(buf));

        pieces[count++] = n;
        if (status == FAULTLINK_STREAM_EMPTY)
            break;
        CU_ASSERT_EQUAL(status, FAULTLINK_STREAM_WAIT);
        /* The next piece is due one delay after this one. */
        CU_ASSERT_EQUAL(wake, now + 50);
        /* Not a moment before. */
        CU_ASSERT_EQUAL(faultlink_stream_flush(&stream, wake - 1, sv[0], &wake),
                        FAULTLINK_STREAM_WAIT);
        now = wake;
    }
    CU_ASSERT_EQUAL(count, 4);
    CU_ASSERT_EQUAL(pieces[0], 3);
    CU_ASSERT_EQUAL(pieces[1], 3);
    CU_ASSERT_EQUAL(pieces[2], 3);
    CU_ASSERT_EQUAL(pieces[3], 1);
    CU_ASSERT_EQUAL(now, 1150);
    CU_ASSERT_EQUAL(stream.written, 10);
    stream_close(&stream, sv);
}

static void test_stream_latency_jitter_keeps_order(void)
{
    struct faultlink_shape shape = plain_shape();
    struct faultlink_stream stream;
    char out[256], expect[256];
    uint64_t wake, prev_due = 0, now = 0;
    size_t got = 0;
    int sv[2], early = 0;

    shape.latency = true;
    shape.latency_ms = 100;
    shape.jitter_ms = 90;
    stream_open(&stream, &shape, sv);
    /* 200 one-byte reads, 1 ms apart: jitter of +-90 ms would reorder
     * most of them if each went out at its own sample. */
    for (int i = 0; i < 200; i++) {
        char byte = (char)i;

        expect[i] = byte;
        CU_ASSERT_EQUAL(faultlink_stream_push(&stream, (uint64_t)i, &byte, 1), 0);
        CU_ASSERT_TRUE(stream.tail->due_ms >= prev_due);
        CU_ASSERT_TRUE(stream.tail->due_ms >= (uint64_t)i + 10);
        early += stream.tail->due_ms < (uint64_t)i + 100;
        prev_due = stream.tail->due_ms;
    }
    /* The jitter did pull some earlier than the latency alone. */
    CU_ASSERT_TRUE(early > 0);
    CU_ASSERT_EQUAL(faultlink_stream_flush(&stream, 9, sv[0], &wake),
                    FAULTLINK_STREAM_WAIT);
    CU_ASSERT_TRUE(wake >= 10);
    for (now = 0; now <= 400 && got < 200; now += 7) {
        faultlink_stream_flush(&stream, now, sv[0], &wake);
        got += drain(sv[1], out + got, sizeof(out) - got);
    }
    CU_ASSERT_EQUAL(got, 200);
    CU_ASSERT_EQUAL(memcmp(out, expect, 200), 0);
    stream_close(&stream, sv);
}

static void test_stream_bandwidth_paces(void)
{
    struct faultlink_shape shape = plain_shape();
    struct faultlink_stream stream;
    static char data[5000], out[5000];
    uint64_t wake = 0, now = 0;
    size_t got = 0;
    int sv[2], steps = 0;

    shape.rate = 1000;
    stream_open(&stream, &shape, sv);
    CU_ASSERT_EQUAL(faultlink_stream_push(&stream, 0, data, sizeof(data)), 0);
    while (got < sizeof(data) && steps++ < 1000) {
        enum faultlink_stream_status status =
            faultlink_stream_flush(&stream, now, sv[0], &wake);
        size_t n = drain(sv[1], out, sizeof(out));

        got += n;
        /* Never more than a tick's worth (100 ms at 1000/s) at once. */
        CU_ASSERT_TRUE(n <= 100);
        if (status == FAULTLINK_STREAM_EMPTY)
            break;
        CU_ASSERT_EQUAL(status, FAULTLINK_STREAM_WAIT);
        CU_ASSERT_TRUE(wake > now);
        now = wake;
    }
    CU_ASSERT_EQUAL(got, sizeof(data));
    /* 5000 bytes at 1000 per second, the first 100 at once: ~4.9 s. */
    CU_ASSERT_TRUE(now >= 4800 && now <= 5100);
    stream_close(&stream, sv);
}

static void test_stream_cut_and_discard(void)
{
    struct faultlink_shape shape = plain_shape();
    struct faultlink_stream stream;
    char out[64];
    uint64_t wake;
    int sv[2];

    shape.cut_bytes = 5;
    stream_open(&stream, &shape, sv);
    CU_ASSERT_EQUAL(faultlink_stream_push(&stream, 0, "abc", 3), 0);
    CU_ASSERT_EQUAL(faultlink_stream_push(&stream, 0, "defgh", 5), 0);
    CU_ASSERT_EQUAL(stream.queued, 5);
    CU_ASSERT_FALSE(faultlink_stream_cut_reached(&stream));
    CU_ASSERT_EQUAL(faultlink_stream_flush(&stream, 0, sv[0], &wake),
                    FAULTLINK_STREAM_EMPTY);
    CU_ASSERT_TRUE(faultlink_stream_cut_reached(&stream));
    CU_ASSERT_EQUAL(drain(sv[1], out, sizeof(out)), 5);
    CU_ASSERT_EQUAL(memcmp(out, "abcde", 5), 0);
    stream_close(&stream, sv);

    shape = plain_shape();
    shape.discard = true;
    stream_open(&stream, &shape, sv);
    CU_ASSERT_EQUAL(faultlink_stream_push(&stream, 0, "abc", 3), 0);
    CU_ASSERT_EQUAL(stream.queued, 0);
    CU_ASSERT_EQUAL(faultlink_stream_flush(&stream, 0, sv[0], &wake),
                    FAULTLINK_STREAM_EMPTY);
    CU_ASSERT_EQUAL(drain(sv[1], out, sizeof(out)), 0);
    stream_close(&stream, sv);
}

static void test_stream_room_bounds_memory(void)
{
    struct faultlink_shape shape = plain_shape();
    struct faultlink_stream stream;
    static char big[FAULTLINK_STREAM_QUEUE_MAX];
    int sv[2];

    shape.latency = true;
    shape.latency_ms = 1000;
    stream_open(&stream, &shape, sv);
    CU_ASSERT_EQUAL(faultlink_stream_room(&stream), FAULTLINK_STREAM_QUEUE_MAX);
    CU_ASSERT_EQUAL(faultlink_stream_push(&stream, 0, big, sizeof(big)), 0);
    CU_ASSERT_EQUAL(faultlink_stream_room(&stream), 0);
    stream_close(&stream, sv);
}

/* ---- the command line -------------------------------------------------- */

static int parse(struct faultlink_options *opts, char *err, size_t errlen,
                 const char *const *args)
{
    char *argv[32];
    int argc = 0;
    FILE *out = fopen("/dev/null", "w");
    int rc;

    argv[argc++] = (char *)"fault_link";
    for (; *args != NULL; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    rc = faultlink_options_parse(opts, argc, argv, out, err, errlen);
    fclose(out);
    return rc;
}

static void test_options(void)
{
    static const char *const good[] = {
        "--listen", "0", "--to", "127.0.0.1:9090", "--seed", "5",
        "--latency", "100ms", "--jitter", "10", "--syn-drop",
        "-f", "reset bytes=4k direction=down toxicity=0.5", NULL
    };
    static const struct { const char *args[8]; const char *err; } bad[] = {
        { { "--to", "127.0.0.1:1", NULL }, "--listen is required" },
        { { "-l", "0", NULL }, "--to is required" },
        { { "-l", "0", "-t", "127.0.0.1", NULL },
          "--to '127.0.0.1': must be HOST:PORT with a port from 1 to 65535" },
        { { "-l", "0", "-t", "127.0.0.1:1", "--jitter", "5", NULL },
          "--jitter needs --latency" },
        { { "-l", "0", "-t", "127.0.0.1:1", "-f", "latency", NULL },
          "--fault 'latency': latency: latency= is missing" },
        { { "-l", "0", "-t", "127.0.0.1:1", "--latency", "2h", NULL },
          "--latency '2h': must be a duration from 0ms to 60m, like 500ms or 2s" },
        { { "-l", "0", "-t", "127.0.0.1:1", "stray", NULL },
          "unexpected argument 'stray'" },
    };
    struct faultlink_options opts;
    char err[512];

    CU_ASSERT_EQUAL_FATAL(parse(&opts, err, sizeof(err), good), 0);
    CU_ASSERT_EQUAL(net_addr_port(&opts.listen), 0);
    CU_ASSERT_EQUAL(net_addr_port(&opts.to), 9090);
    CU_ASSERT_EQUAL(opts.seed, 5);
    CU_ASSERT_TRUE(opts.faults.on[FAULTLINK_LATENCY][FAULTLINK_UP]);
    CU_ASSERT_EQUAL(opts.faults.fault[FAULTLINK_LATENCY][FAULTLINK_DOWN].jitter_ms, 10);
    CU_ASSERT_TRUE(opts.faults.on[FAULTLINK_SYN_DROP][FAULTLINK_UP]);
    CU_ASSERT_TRUE(opts.faults.on[FAULTLINK_RESET][FAULTLINK_DOWN]);
    CU_ASSERT_FALSE(opts.faults.on[FAULTLINK_RESET][FAULTLINK_UP]);
    CU_ASSERT_EQUAL(opts.faults.fault[FAULTLINK_RESET][FAULTLINK_DOWN].bytes, 4096);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(parse(&opts, err, sizeof(err), bad[i].args), -1);
        CU_ASSERT_STRING_EQUAL(err, bad[i].err);
        if (strcmp(err, bad[i].err) != 0)
            printf("\n%zu: %s\n", i, err);
    }
}

static CU_TestInfo faultlink_tests[] = {
    { "control: add, list, remove, help", test_control_add_list_remove },
    { "control: every kind", test_control_every_kind },
    { "control: errors say what was wrong", test_control_errors_say_what },
    { "toxicity with a seed", test_toxicity_with_a_seed },
    { "stream: slices with delays", test_stream_slices_with_delays },
    { "stream: latency and jitter keep order", test_stream_latency_jitter_keeps_order },
    { "stream: bandwidth paces", test_stream_bandwidth_paces },
    { "stream: cut (limit-data) and discard", test_stream_cut_and_discard },
    { "stream: room bounds memory", test_stream_room_bounds_memory },
    { "options", test_options },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(faultlink, faultlink_tests)
