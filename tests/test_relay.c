/*
 * test_relay: one direction of a session's byte stream, on socketpairs.
 *
 * Every test wires the relay between two non-blocking AF_UNIX stream
 * pairs:
 *
 *     app_src ──► relay_src ══relay_pump══► relay_dst ──► app_dst
 *     (test writes)                                 (test reads)
 *
 * and checks: bytes (binary, NULs included) arrive unchanged; a full
 * destination makes the pump return RELAY_WANT_WRITE, keep the rest
 * pending and stop reading its source (the bytes stay in the source
 * socket); draining and pumping again delivers everything in order with
 * relay.bytes equal to the total; EOF on the source gives RELAY_DONE and
 * a half-close (the other direction keeps working); a reset source gives
 * RELAY_SOURCE_ERROR, a closed destination RELAY_DEST_ERROR (no SIGPIPE:
 * test_main ignores it, and net_write uses MSG_NOSIGNAL); max_reads bounds
 * the reads per call.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay.h"
#include "testlib.h"

#define SCRATCH_SIZE 4096
#define BIG_TOTAL (512 * 1024)

/* The four descriptors of one relay under test. */
struct wires {
    int app_src;        /* the test writes the source's bytes here */
    int relay_src;
    int relay_dst;
    int app_dst;        /* the test reads what the relay wrote here */
};

static int wires_open(struct wires *w)
{
    int src[2], dst[2];

    w->app_src = w->relay_src = w->relay_dst = w->app_dst = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   src) == -1)
        return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   dst) == -1) {
        close(src[0]);
        close(src[1]);
        return -1;
    }
    w->app_src = src[0];
    w->relay_src = src[1];
    w->relay_dst = dst[0];
    w->app_dst = dst[1];
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd != -1)
        close(*fd);
    *fd = -1;
}

static void wires_close(struct wires *w)
{
    close_fd(&w->app_src);
    close_fd(&w->relay_src);
    close_fd(&w->relay_dst);
    close_fd(&w->app_dst);
}

/* Bytes waiting to be read on fd. */
static int unread(int fd)
{
    int n = -1;

    if (ioctl(fd, FIONREAD, &n) == -1)
        return -1;
    return n;
}

/* Binary test data: every byte value, NULs included, in a long period. */
static void fill_pattern(unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)((i * 7) ^ (i >> 8) ^ (i >> 16));
}

/* Writes as much of buf[*off..len) as fd takes now. */
static void write_some(int fd, const unsigned char *buf, size_t len,
                       size_t *off)
{
    while (*off < len) {
        ssize_t n = write(fd, buf + *off, len - *off);

        if (n <= 0)
            return;
        *off += (size_t)n;
    }
}

/* Reads whatever fd has now into buf[*off..size); returns 0 on EOF, 1
 * otherwise (give it more room than expected, or EOF cannot be seen). */
static int read_some(int fd, unsigned char *buf, size_t size, size_t *off)
{
    while (*off < size) {
        ssize_t n = read(fd, buf + *off, size - *off);

        if (n == 0)
            return 0;
        if (n < 0)
            return 1;
        *off += (size_t)n;
    }
    return 1;
}

/* Waits until fd reports one of events, at most timeout_ms. */
static bool wait_for(int fd, short events, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = events };

    return poll(&p, 1, timeout_ms) == 1;
}

/* --- tests --------------------------------------------------------------- */

static void test_moves_bytes_unchanged(void)
{
    static unsigned char data[3000], got[4000];
    char scratch[SCRATCH_SIZE];
    struct wires w;
    struct relay relay;
    size_t off = 0, received = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    data[0] = data[1] = data[2999] = '\0';
    write_some(w.app_src, data, sizeof(data), &off);
    CU_ASSERT_EQUAL(off, sizeof(data));

    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_WANT_READ);
    CU_ASSERT_EQUAL(relay.bytes, sizeof(data));
    CU_ASSERT_PTR_NULL(relay.pending);
    CU_ASSERT_FALSE(relay.done);
    read_some(w.app_dst, got, sizeof(got), &received);
    CU_ASSERT_EQUAL(received, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
    /* Nothing more to read: WANT_READ again, nothing moved. */
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_WANT_READ);
    CU_ASSERT_EQUAL(relay.bytes, sizeof(data));
    relay_free(&relay);
    wires_close(&w);
}

/*
 * A destination that takes little: the pump keeps what did not fit,
 * returns WANT_WRITE and leaves the source alone until the pending bytes
 * are gone. Then draining the far end and pumping moves everything.
 */
static void test_backpressure_and_drain(void)
{
    static unsigned char data[BIG_TOTAL], got[BIG_TOTAL + 16];
    char scratch[SCRATCH_SIZE];
    int small = 4096;
    struct wires w;
    struct relay relay;
    size_t written = 0, received = 0;
    enum relay_status status;
    int left_in_source, rounds = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    CU_ASSERT_EQUAL(setsockopt(w.relay_dst, SOL_SOCKET, SO_SNDBUF, &small,
                               sizeof(small)), 0);
    CU_ASSERT_EQUAL(setsockopt(w.app_dst, SOL_SOCKET, SO_RCVBUF, &small,
                               sizeof(small)), 0);
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    write_some(w.app_src, data, sizeof(data), &written);
    CU_ASSERT(written > 2 * SCRATCH_SIZE);

    /* max_reads is large: only the full destination can stop the pump. */
    status = relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                        sizeof(scratch), 1000);
    CU_ASSERT_EQUAL(status, RELAY_WANT_WRITE);
    CU_ASSERT_PTR_NOT_NULL(relay.pending);
    CU_ASSERT(relay.pending_off < relay.pending_len);
    CU_ASSERT(relay.pending_len <= SCRATCH_SIZE);
    CU_ASSERT(relay.bytes < written);
    left_in_source = unread(w.relay_src);
    CU_ASSERT(left_in_source > 0);
    /* Everything read so far is either written or pending. */
    CU_ASSERT_EQUAL(relay.bytes + (relay.pending_len - relay.pending_off) +
                    (size_t)left_in_source, written);

    /* Still full: pumping again reads nothing more from the source. */
    status = relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                        sizeof(scratch), 1000);
    CU_ASSERT_EQUAL(status, RELAY_WANT_WRITE);
    CU_ASSERT_EQUAL(unread(w.relay_src), left_in_source);

    /* Drain, feed and pump until every byte is through. */
    while (received < sizeof(data) && rounds++ < 100000) {
        read_some(w.app_dst, got, sizeof(got), &received);
        write_some(w.app_src, data, sizeof(data), &written);
        status = relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                            sizeof(scratch), 1000);
        if (status != RELAY_WANT_READ && status != RELAY_WANT_WRITE &&
            status != RELAY_MORE)
            break;
        /* Never more in flight than written by the test. */
        if (relay.bytes > written)
            break;
    }
    CU_ASSERT_EQUAL(received, sizeof(data));
    CU_ASSERT_EQUAL(relay.bytes, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
    CU_ASSERT_PTR_NULL(relay.pending);      /* freed once drained */

    /* Then the end of the stream. */
    shutdown(w.app_src, SHUT_WR);
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_DONE);
    CU_ASSERT_TRUE(wait_for(w.app_dst, POLLIN, 1000));
    CU_ASSERT_EQUAL(read_some(w.app_dst, got, sizeof(got), &received), 0);
    CU_ASSERT_EQUAL(received, sizeof(data));
    relay_free(&relay);
    wires_close(&w);
}

/* EOF while bytes are pending: the FIN waits behind them. */
static void test_eof_waits_for_pending(void)
{
    static unsigned char data[64 * 1024], got[64 * 1024 + 16];
    char scratch[SCRATCH_SIZE];
    int small = 4096, rounds = 0;
    struct wires w;
    struct relay relay;
    size_t written = 0, received = 0;
    enum relay_status status;
    int eof = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    setsockopt(w.relay_dst, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    write_some(w.app_src, data, sizeof(data), &written);
    CU_ASSERT_EQUAL(written, sizeof(data));
    shutdown(w.app_src, SHUT_WR);

    status = relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                        sizeof(scratch), 1000);
    CU_ASSERT_EQUAL(status, RELAY_WANT_WRITE);
    CU_ASSERT_FALSE(relay.done);
    while (status != RELAY_DONE && rounds++ < 100000) {
        read_some(w.app_dst, got, sizeof(got), &received);
        status = relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                            sizeof(scratch), 1000);
        if (status != RELAY_DONE && status != RELAY_WANT_READ &&
            status != RELAY_MORE && status != RELAY_WANT_WRITE)
            break;
    }
    CU_ASSERT_EQUAL(status, RELAY_DONE);
    CU_ASSERT_TRUE(relay.done);
    while (!eof && wait_for(w.app_dst, POLLIN, 1000))
        eof = !read_some(w.app_dst, got, sizeof(got), &received);
    CU_ASSERT_TRUE(eof);
    CU_ASSERT_EQUAL(received, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
    relay_free(&relay);
    wires_close(&w);
}

/* EOF is passed on as a half-close: the reverse direction still works. */
static void test_eof_half_close(void)
{
    char scratch[SCRATCH_SIZE], buf[64];
    struct wires w;
    struct relay c2b, b2c;     /* app_src plays the client */
    enum relay_status status;
    size_t off = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&c2b);
    relay_init(&b2c);
    CU_ASSERT_EQUAL(write(w.app_src, "last words", 10), 10);
    CU_ASSERT_EQUAL(shutdown(w.app_src, SHUT_WR), 0);
    /* A short read ends a call (the socket looks drained), so the EOF
     * behind the bytes may take a second one. */
    status = relay_pump(&c2b, w.relay_src, w.relay_dst, scratch,
                        sizeof(scratch), 4);
    CU_ASSERT(status == RELAY_WANT_READ || status == RELAY_DONE);
    CU_ASSERT_EQUAL(c2b.bytes, 10);
    if (status == RELAY_WANT_READ)
        status = relay_pump(&c2b, w.relay_src, w.relay_dst, scratch,
                            sizeof(scratch), 4);
    CU_ASSERT_EQUAL(status, RELAY_DONE);
    CU_ASSERT_TRUE(c2b.done);
    /* The far end reads the bytes, then EOF. */
    CU_ASSERT_EQUAL(read_some(w.app_dst, (unsigned char *)buf, sizeof(buf),
                              &off), 0);
    CU_ASSERT_EQUAL(off, 10);
    CU_ASSERT_EQUAL(memcmp(buf, "last words", 10), 0);
    /* Done stays done. */
    CU_ASSERT_EQUAL(relay_pump(&c2b, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_DONE);

    /* The other way: app_dst answers, a second relay carries it back, and
     * app_src (which only shut its writing side) reads it. */
    CU_ASSERT_EQUAL(write(w.app_dst, "reply", 5), 5);
    CU_ASSERT_EQUAL(relay_pump(&b2c, w.relay_dst, w.relay_src, scratch,
                               sizeof(scratch), 4), RELAY_WANT_READ);
    CU_ASSERT_EQUAL(b2c.bytes, 5);
    off = 0;
    read_some(w.app_src, (unsigned char *)buf, sizeof(buf), &off);
    CU_ASSERT_EQUAL(off, 5);
    CU_ASSERT_EQUAL(memcmp(buf, "reply", 5), 0);
    relay_free(&c2b);
    relay_free(&b2c);
    wires_close(&w);
}

/*
 * An AF_UNIX socket closed while bytes sent to it are still unread resets
 * the connection: its peer's next read fails with ECONNRESET.
 */
static void test_source_error(void)
{
    char scratch[SCRATCH_SIZE];
    struct wires w;
    struct relay relay;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    CU_ASSERT_EQUAL(write(w.relay_src, "unread", 6), 6);
    close_fd(&w.app_src);
    errno = 0;
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_SOURCE_ERROR);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    CU_ASSERT_FALSE(relay.done);
    CU_ASSERT_EQUAL(relay.bytes, 0);
    relay_free(&relay);
    wires_close(&w);
}

static void test_dest_error(void)
{
    char scratch[SCRATCH_SIZE];
    struct wires w;
    struct relay relay;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    close_fd(&w.app_dst);
    CU_ASSERT_EQUAL(write(w.app_src, "nobody listens", 14), 14);
    errno = 0;
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_DEST_ERROR);
    CU_ASSERT_EQUAL(errno, EPIPE);
    CU_ASSERT_EQUAL(relay.bytes, 0);
    relay_free(&relay);
    wires_close(&w);
}

/* The destination fails while bytes are pending: the flush reports it. */
static void test_dest_error_while_pending(void)
{
    static unsigned char data[128 * 1024];
    char scratch[SCRATCH_SIZE];
    int small = 4096;
    struct wires w;
    struct relay relay;
    size_t written = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    setsockopt(w.relay_dst, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    write_some(w.app_src, data, sizeof(data), &written);
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 1000), RELAY_WANT_WRITE);
    CU_ASSERT_PTR_NOT_NULL(relay.pending);
    close_fd(&w.app_dst);
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 1000), RELAY_DEST_ERROR);
    relay_free(&relay);
    CU_ASSERT_PTR_NULL(relay.pending);
    wires_close(&w);
}

/* At most max_reads reads of scratch_size per call. */
static void test_max_reads(void)
{
    static unsigned char data[20 * 512], got[20 * 512 + 16];
    char scratch[512];
    struct wires w;
    struct relay relay;
    size_t written = 0, received = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    write_some(w.app_src, data, sizeof(data), &written);
    CU_ASSERT_EQUAL(written, sizeof(data));

    /* Stopped by the limit with bytes left: "more", not "wait". */
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 3), RELAY_MORE);
    CU_ASSERT_EQUAL(relay.bytes, 3 * sizeof(scratch));
    CU_ASSERT_EQUAL(unread(w.relay_src), (int)(sizeof(data) - 3 * 512));
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 1), RELAY_MORE);
    CU_ASSERT_EQUAL(relay.bytes, 4 * sizeof(scratch));
    /* The rest with room to spare: the source said EAGAIN, so wait. */
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 100), RELAY_WANT_READ);
    CU_ASSERT_EQUAL(relay.bytes, sizeof(data));
    CU_ASSERT_EQUAL(unread(w.relay_src), 0);
    read_some(w.app_dst, got, sizeof(got), &received);
    CU_ASSERT_EQUAL(received, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
    relay_free(&relay);
    wires_close(&w);
}

static void test_init_and_free(void)
{
    struct relay relay;

    memset(&relay, 0xff, sizeof(relay));
    relay_init(&relay);
    CU_ASSERT_PTR_NULL(relay.pending);
    CU_ASSERT_EQUAL(relay.pending_len, 0);
    CU_ASSERT_EQUAL(relay.pending_off, 0);
    CU_ASSERT_EQUAL(relay.bytes, 0);
    CU_ASSERT_FALSE(relay.done);
    relay_free(&relay);             /* nothing held: fine */
    relay_free(&relay);             /* and twice */
    CU_ASSERT_PTR_NULL(relay.pending);
}

/* Writes data through the relay until all of it has arrived in got (or a
 * bound is hit); returns the bytes received. Checks on the way that only
 * what the pipe holds is ever in flight inside the relay. */
static size_t pump_bulk(struct relay *relay, struct wires *w,
                        const unsigned char *data, unsigned char *got,
                        size_t total)
{
    char scratch[SCRATCH_SIZE];
    size_t written = 0, received = 0;
    int rounds = 0;

    while (received < total && rounds++ < 100000) {
        enum relay_status status;

        write_some(w->app_src, data, total, &written);
        status = relay_pump(relay, w->relay_src, w->relay_dst, scratch,
                            sizeof(scratch), 8);
        if (status != RELAY_WANT_READ && status != RELAY_WANT_WRITE &&
            status != RELAY_MORE)
            break;
        CU_ASSERT(relay->in_pipe <= 1024 * 1024);
        CU_ASSERT_PTR_NULL(relay->pending);
        read_some(w->app_dst, got, total + 16, &received);
    }
    return received;
}

/* Bulk data switches the relay to splice(2); bytes still arrive whole and
 * in order, back-pressure still holds (the pipe is the only buffer), and
 * the FIN follows the last byte. */
static void test_bulk_switches_to_splice(void)
{
    static unsigned char data[BIG_TOTAL], got[BIG_TOTAL + 16];
    char scratch[SCRATCH_SIZE];
    struct wires w;
    struct relay relay;
    size_t received = 0;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    CU_ASSERT_EQUAL(pump_bulk(&relay, &w, data, got, sizeof(data)),
                    sizeof(data));
    CU_ASSERT(relay.pipe_rd != -1);
    CU_ASSERT_TRUE(relay_splicing(&relay));
    CU_ASSERT_FALSE(relay.copy_only);
    CU_ASSERT_EQUAL(relay.bytes, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
    shutdown(w.app_src, SHUT_WR);
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_DONE);
    CU_ASSERT_TRUE(wait_for(w.app_dst, POLLIN, 1000));
    CU_ASSERT_EQUAL(read_some(w.app_dst, got, sizeof(got), &received), 0);
    relay_free(&relay);
    CU_ASSERT_EQUAL(relay.pipe_rd, -1);
    CU_ASSERT_FALSE(relay_splicing(&relay));
    wires_close(&w);
}

/* Exit statuses of the child of test_small_pipe_means_copy. */
enum small_pipe_result {
    SMALL_PIPE_COPIED,          /* copied everything, never spliced */
    SMALL_PIPE_SPLICED,         /* kept the small pipe */
    SMALL_PIPE_LOST_BYTES,      /* the bytes did not arrive whole */
    SMALL_PIPE_NO_SETUP = 77    /* could not become unprivileged, or its
                                 * pipes never came out small */
};

/* Spends the pipe budget of the process's user, as an unprivileged process
 * holding over a thousand pipes does: true once a new pipe comes out
 * smaller than 64 KiB (the next ones will too). The pipes stay open until
 * the process exits. */
static bool spend_pipe_budget(void)
{
    struct rlimit lim;

    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    for (int i = 0; i < 4096; i++) {
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) == -1)
            return false;
        if (fcntl(fds[1], F_GETPIPE_SZ) < 64 * 1024)
            return true;
    }
    return false;
}

/* The child: drops root for nobody (65534), whose pipe budget is counted,
 * spends it, then relays bulk data. */
static enum small_pipe_result small_pipe_child(void)
{
    static unsigned char data[BIG_TOTAL], got[BIG_TOTAL + 16];
    struct wires w;
    struct relay relay;
    size_t received;
    bool spliced;

    if (geteuid() == 0 &&
        (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
         setuid(65534) == -1))
        return SMALL_PIPE_NO_SETUP;
    if (!spend_pipe_budget() || wires_open(&w) == -1)
        return SMALL_PIPE_NO_SETUP;
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    received = pump_bulk(&relay, &w, data, got, sizeof(data));
    spliced = relay_splicing(&relay) || !relay.copy_only;
    relay_free(&relay);
    wires_close(&w);
    if (received != sizeof(data) || memcmp(got, data, sizeof(data)) != 0)
        return SMALL_PIPE_LOST_BYTES;
    return spliced ? SMALL_PIPE_SPLICED : SMALL_PIPE_COPIED;
}

/* Past its user's pipe budget a process gets pipes of two pages, through
 * which splicing costs more than copying: the relay copies then, for good,
 * and the bytes still arrive whole. Runs in a child, which changes its user
 * and fills its descriptor table; _exit, not exit: a sanitizer's exit-time
 * work has nothing to do in it. */
static void test_small_pipe_means_copy(void)
{
    pid_t pid = fork();
    int status = -1;

    CU_ASSERT_NOT_EQUAL_FATAL(pid, -1);
    if (pid == 0)
        _exit(small_pipe_child());
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE_FATAL(WIFEXITED(status));
    if (WEXITSTATUS(status) == SMALL_PIPE_NO_SETUP) {
        fprintf(stderr, "\n  small pipe means copy: not run (needs root, or "
                        "a user whose pipe budget applies)\n");
        return;
    }
    CU_ASSERT_EQUAL(WEXITSTATUS(status), SMALL_PIPE_COPIED);
}

/* Short exchanges never cost a pipe. */
static void test_small_messages_do_not_splice(void)
{
    char scratch[SCRATCH_SIZE], buf[64];
    struct wires w;
    struct relay relay;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    for (int i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL(write(w.app_src, "ping\n", 5), 5);
        CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                                   sizeof(scratch), 4), RELAY_WANT_READ);
        CU_ASSERT_EQUAL(read(w.app_dst, buf, sizeof(buf)), 5);
    }
    CU_ASSERT_EQUAL(relay.pipe_rd, -1);
    CU_ASSERT_EQUAL(relay.bytes, 500);
    relay_free(&relay);
    wires_close(&w);
}

/* Opens wires whose source holds "bye\n" followed by its FIN, both
 * arrived: the case where one epoll edge announces bytes and end of file. */
static void open_bytes_then_fin(struct wires *w, struct relay *relay)
{
    CU_ASSERT_EQUAL_FATAL(wires_open(w), 0);
    relay_init(relay);
    CU_ASSERT_EQUAL(write(w->app_src, "bye\n", 4), 4);
    shutdown(w->app_src, SHUT_WR);
    CU_ASSERT_TRUE(wait_for(w->relay_src, POLLRDHUP, 1000));
}

/* Without word of the FIN, the short read ends the pump: the FIN is left
 * unread (with edge-triggered epoll, no new edge would announce it). */
static void test_short_read_stops_before_fin(void)
{
    char scratch[SCRATCH_SIZE];
    struct wires w;
    struct relay relay;

    open_bytes_then_fin(&w, &relay);
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_WANT_READ);
    CU_ASSERT_FALSE(relay.done);
    CU_ASSERT_EQUAL(relay.bytes, 4);
    relay_free(&relay);
    wires_close(&w);
}

/* Told the source is closed (EPOLLRDHUP), the same call reads on to the
 * end of file and passes the FIN on. */
static void test_fin_behind_the_last_bytes(void)
{
    char scratch[SCRATCH_SIZE], got[16];
    struct wires w;
    struct relay relay;

    open_bytes_then_fin(&w, &relay);
    relay.source_closed = true;
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 4), RELAY_DONE);
    CU_ASSERT_TRUE(relay.done);
    CU_ASSERT_EQUAL(relay.bytes, 4);
    CU_ASSERT_EQUAL(read(w.app_dst, got, sizeof(got)), 4);
    CU_ASSERT_TRUE(wait_for(w.app_dst, POLLIN, 1000));
    CU_ASSERT_EQUAL(read(w.app_dst, got, sizeof(got)), 0);   /* the FIN */
    relay_free(&relay);
    wires_close(&w);
}

/*
 * relay_drain hands on what the relay holds and what the source still has
 * queued, but never its end: the source's bytes, then a 0 read, reach the
 * destination as the bytes alone (the session resets it next).
 */
static void test_drain_passes_no_fin(void)
{
    static unsigned char data[BIG_TOTAL], got[BIG_TOTAL + 16];
    char scratch[SCRATCH_SIZE];
    struct wires w;
    struct relay relay;
    size_t written = 0, received = 0;
    enum relay_status status;

    CU_ASSERT_EQUAL_FATAL(wires_open(&w), 0);
    relay_init(&relay);
    fill_pattern(data, sizeof(data));
    /* More than the destination takes at once: some bytes stay in the
     * relay (in its pipe, as it went bulk) and some in the source. */
    write_some(w.app_src, data, sizeof(data), &written);
    CU_ASSERT_EQUAL(relay_pump(&relay, w.relay_src, w.relay_dst, scratch,
                               sizeof(scratch), 1000), RELAY_WANT_WRITE);
    CU_ASSERT(relay.pending != NULL || relay.in_pipe > 0);
    for (int rounds = 0; rounds < 100000 && received < sizeof(data);
         rounds++) {
        write_some(w.app_src, data, sizeof(data), &written);
        if (written == sizeof(data))
            shutdown(w.app_src, SHUT_WR);
        read_some(w.app_dst, got, sizeof(got), &received);
        status = relay_drain(&relay, w.relay_src, w.relay_dst, scratch,
                             sizeof(scratch), 1000);
        CU_ASSERT(status == RELAY_WANT_WRITE || status == RELAY_WANT_READ ||
                  status == RELAY_DONE);
    }
    CU_ASSERT_EQUAL(received, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
    CU_ASSERT_EQUAL(relay.bytes_read, sizeof(data));
    CU_ASSERT_EQUAL(relay_drain(&relay, w.relay_src, w.relay_dst, scratch,
                                sizeof(scratch), 4), RELAY_DONE);
    CU_ASSERT_TRUE(relay.done);
    /* No FIN came after the bytes: the destination is simply empty. */
    CU_ASSERT_FALSE(wait_for(w.app_dst, POLLIN, 50));
    CU_ASSERT_EQUAL(read(w.app_dst, got, sizeof(got)), -1);
    CU_ASSERT_EQUAL(errno, EAGAIN);
    relay_free(&relay);
    wires_close(&w);
}

static CU_TestInfo relay_tests[] = {
    { "init and free", test_init_and_free },
    { "moves bytes unchanged", test_moves_bytes_unchanged },
    { "back-pressure, then drain", test_backpressure_and_drain },
    { "EOF waits for pending bytes", test_eof_waits_for_pending },
    { "EOF is a half-close", test_eof_half_close },
    { "source reset", test_source_error },
    { "closed destination", test_dest_error },
    { "closed destination while pending", test_dest_error_while_pending },
    { "max_reads bounds the work", test_max_reads },
    { "a short read stops before the FIN", test_short_read_stops_before_fin },
    { "FIN right behind the last bytes", test_fin_behind_the_last_bytes },
    { "bulk switches to splice", test_bulk_switches_to_splice },
    { "small messages do not splice", test_small_messages_do_not_splice },
    { "a small pipe means copying", test_small_pipe_means_copy },
    { "drain passes the bytes, not the FIN", test_drain_passes_no_fin },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(relay, relay_tests)
