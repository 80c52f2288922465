/*
 * test_faultlink_link: a fault_link (faultlink_link) running in a thread
 * of the test, between a client socket of the test and a listening
 * "target" socket of the test, on loopback ports picked by the kernel.
 * Each fault is checked by what the two ends see: bytes, their timing, a
 * FIN, an RST (ECONNRESET), a connect that never completes; and the
 * control channel by its replies on a pipe.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../faultlink/faultlink_control.h"
#include "../faultlink/faultlink_link.h"
#include "clock.h"
#include "log_capture.h"
#include "net.h"
#include "testlib.h"

/* The link, its thread, and both ends of the test. */
struct fixture {
    struct faultlink_link *link;
    pthread_t thread;
    int stop[2];            /* a byte into stop[1] ends the loop */
    int ctl_in[2];          /* commands go into ctl_in[1] */
    int ctl_out[2];         /* replies come out of ctl_out[0] */
    int target;             /* the test's listening "backend" */
    struct net_addr link_addr;
    struct log_capture lc;
};

static void *run_link(void *arg)
{
    faultlink_link_run(arg);
    return NULL;
}

/* A blocking listening socket on a free loopback port. */
static int listen_free(struct net_addr *addr)
{
    struct net_addr any;
    char err[128];
    int fd;

    net_parse_hostport("127.0.0.1:0", NULL, &any, err, sizeof(err));
    fd = net_listen(&any, 16);
    if (fd == -1 || net_local_addr(fd, addr) == -1)
        return -1;
    return fd;
}

/* Starts a link to the fixture's target with the faults of the commands
 * (NULL-terminated, each an "add ..." line). */
static void fx_start(struct fixture *fx, const char *const *commands)
{
    struct faultlink_faults faults;
    struct faultlink_link_config config;
    char reply[512], line[256];

    memset(fx, 0, sizeof(*fx));
    faultlink_faults_init(&faults);
    for (; commands != NULL && *commands != NULL; commands++) {
        snprintf(line, sizeof(line), "%s", *commands);
        CU_ASSERT_EQUAL(faultlink_control_run(&faults, line, reply,
                                              sizeof(reply)), 1);
    }
    CU_ASSERT_EQUAL_FATAL(pipe(fx->stop), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(fx->ctl_in), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(fx->ctl_out), 0);
    CU_ASSERT_EQUAL_FATAL(log_capture_open(&fx->lc, LOG_INFO), 0);
    memset(&config, 0, sizeof(config));
    fx->target = listen_free(&config.to);
    CU_ASSERT_FATAL(fx->target != -1);
    net_parse_hostport("127.0.0.1:0", NULL, &config.listen, reply,
                       sizeof(reply));
    config.seed = 1;
    config.stop_fd = fx->stop[0];
    config.control_in = fx->ctl_in[0];
    config.control_out = fx->ctl_out[1];
    config.faults = &faults;
    fx->link = faultlink_link_open(&config, &fx->lc.log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx->link);
    fx->link_addr = *faultlink_link_addr(fx->link);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&fx->thread, NULL, run_link,
                                         fx->link), 0);
}

static void fx_stop(struct fixture *fx)
{
    CU_ASSERT_EQUAL(write(fx->stop[1], "x", 1), 1);
    pthread_join(fx->thread, NULL);
    faultlink_link_close(fx->link);
    for (int i = 0; i < 2; i++) {
        close(fx->stop[i]);
        if (fx->ctl_in[i] != -1)
            close(fx->ctl_in[i]);
        close(fx->ctl_out[i]);
    }
    close(fx->target);
    log_capture_close(&fx->lc);
}

/* Waits up to ms for fd to be ready for events. */
static bool ready(int fd, short events, int ms)
{
    struct pollfd p = { .fd = fd, .events = events };

    return poll(&p, 1, ms) == 1;
}

/* Sends one command, returns its reply line (without the newline). */
static const char *fx_command(struct fixture *fx, const char *line,
                              char *reply, size_t size)
{
    size_t len = 0;

    CU_ASSERT_EQUAL(write(fx->ctl_in[1], line, strlen(line)),
                    (ssize_t)strlen(line));
    CU_ASSERT_EQUAL(write(fx->ctl_in[1], "\n", 1), 1);
    while (len + 1 < size && ready(fx->ctl_out[0], POLLIN, 2000)) {
        if (read(fx->ctl_out[0], reply + len, 1) != 1 || reply[len] == '\n')
            break;
        len++;
    }
    reply[len] = '\0';
    return reply;
}

/* A blocking client connected through the link. */
static int fx_connect(struct fixture *fx)
{
    int fd = socket(fx->link_addr.sa.ss_family, SOCK_STREAM, 0);

    CU_ASSERT_FATAL(fd != -1);
    CU_ASSERT_EQUAL_FATAL(connect(fd, (struct sockaddr *)&fx->link_addr.sa,
                                  fx->link_addr.len), 0);
    return fd;
}

/* The target's side of the next connection, or -1 after ms. */
static int fx_accept(struct fixture *fx, int ms)
{
    if (!ready(fx->target, POLLIN, ms))
        return -1;
    return accept(fx->target, NULL, NULL);
}

/* Reads into buf until size bytes, EOF, an error or ms pass; returns the
 * bytes read, *end the last read's result (0 EOF, -1 error with errno). */
static size_t read_for(int fd, char *buf, size_t size, int ms, ssize_t *end)
{
    uint64_t until = clock_now_ms() + (uint64_t)ms;
    size_t got = 0;

    *end = 1;
    while (got < size) {
        uint64_t now = clock_now_ms();

        if (now >= until || !ready(fd, POLLIN, (int)(until - now)))
            break;
        *end = read(fd, buf + got, size - got);
        if (*end <= 0)
            break;
        got += (size_t)*end;
    }
    return got;
}

static void test_link_relays_exact(void)
{
    static char out[4 << 20], in[4 << 20];
    struct fixture fx;
    ssize_t end;
    int client, server;

    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (char)(i * 7 + i / 251);
    fx_start(&fx, NULL);
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(write(client, out, sizeof(out)), (ssize_t)sizeof(out));
    shutdown(client, SHUT_WR);
    CU_ASSERT_EQUAL(read_for(server, in, sizeof(in), 5000, &end), sizeof(in));
    CU_ASSERT_EQUAL(memcmp(in, out, sizeof(in)), 0);
    CU_ASSERT_EQUAL(read_for(server, in, 1, 2000, &end), 0);
    CU_ASSERT_EQUAL(end, 0);    /* the FIN was passed on */
    close(server);
    CU_ASSERT_EQUAL(read_for(client, in, 1, 2000, &end), 0);
    CU_ASSERT_EQUAL(end, 0);
    close(client);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=close id=1 bytes_up=4194304 "
                                    "bytes_down=0 reason=done", 1, 2000));
    fx_stop(&fx);
}

static void test_link_latency_delays_in_order(void)
{
    static const char *const faults[] = {
        "add latency latency=200ms jitter=50ms direction=up", NULL
    };
    struct fixture fx;
    char in[16];
    ssize_t end;
    uint64_t start;
    int client, server;

    fx_start(&fx, faults);
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    start = clock_now_ms();
    for (int i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(write(client, "0123456789" + i, 1), 1);
        usleep(5000);
    }
    CU_ASSERT_EQUAL(read_for(server, in, 1, 2000, &end), 1);
    CU_ASSERT_TRUE(clock_now_ms() - start >= 145);
    CU_ASSERT_EQUAL(read_for(server, in + 1, 9, 2000, &end), 9);
    CU_ASSERT_EQUAL(memcmp(in, "0123456789", 10), 0);
    /* Down has no latency: an answer comes at once. */
    start = clock_now_ms();
    CU_ASSERT_EQUAL(write(server, "ok", 2), 2);
    CU_ASSERT_EQUAL(read_for(client, in, 2, 2000, &end), 2);
    CU_ASSERT_TRUE(clock_now_ms() - start < 100);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=fault_applied id=1 "
                                    "kind=latency dir=up", 1, 1000));
    CU_ASSERT_EQUAL(log_capture_count(&fx.lc, "kind=latency dir=down", 0, 0), 0);
    close(client);
    close(server);
    fx_stop(&fx);
}

static void test_link_reset_after_time_and_bytes(void)
{
    static const char *const faults[] = { "add reset after=100ms", NULL };
    struct fixture fx;
    char in[16];
    ssize_t end;
    int client, server;
    uint64_t start = clock_now_ms();

    fx_start(&fx, faults);
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(read_for(client, in, 1, 2000, &end), 0);
    CU_ASSERT_EQUAL(end, -1);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    CU_ASSERT_TRUE(clock_now_ms() - start >= 100);
    CU_ASSERT_EQUAL(read_for(server, in, 1, 2000, &end), 0);
    CU_ASSERT_EQUAL(end, -1);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    close(client);
    close(server);
    /* bytes=4 on the way down: 4 bytes reach the client, then the RST. */
    fx_command(&fx, "remove reset", in, sizeof(in));
    CU_ASSERT_STRING_EQUAL(in, "ok removed 2");
    fx_command(&fx, "add reset bytes=4 direction=down", in, sizeof(in));
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(write(server, "abcdefgh", 8), 8);
    CU_ASSERT_EQUAL(read_for(client, in, 8, 2000, &end), 4);
    CU_ASSERT_EQUAL(memcmp(in, "abcd", 4), 0);
    CU_ASSERT_EQUAL(end, -1);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=close id=2 bytes_up=0 "
                                    "bytes_down=4 reason=reset", 1, 1000));
    close(client);
    close(server);
    fx_stop(&fx);
}

static void test_link_limit_data_closes(void)
{
    static const char *const faults[] = {
        "add limit-data bytes=5 direction=up", NULL
    };
    struct fixture fx;
    char in[16];
    ssize_t end;
    int client, server;

    fx_start(&fx, faults);
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(write(client, "0123456789", 10), 10);
    CU_ASSERT_EQUAL(read_for(server, in, 10, 2000, &end), 5);
    CU_ASSERT_EQUAL(memcmp(in, "01234", 5), 0);
    CU_ASSERT_EQUAL(end, 0);    /* closed, not reset */
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "bytes_up=5 bytes_down=0 "
                                    "reason=limit_data", 1, 1000));
    close(client);
    close(server);
    fx_stop(&fx);
}

static void test_link_timeout_forwards_nothing_then_closes(void)
{
    static const char *const faults[] = { "add timeout after=300ms", NULL };
    struct fixture fx;
    char in[16];
    ssize_t end;
    uint64_t start;
    int client, server;

    fx_start(&fx, faults);
    start = clock_now_ms();
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(write(client, "hello", 5), 5);
    CU_ASSERT_EQUAL(write(server, "world", 5), 5);
    CU_ASSERT_EQUAL(read_for(server, in, 5, 2000, &end), 0);
    CU_ASSERT_EQUAL(end, 0);
    CU_ASSERT_TRUE(clock_now_ms() - start >= 290);
    CU_ASSERT_EQUAL(read_for(client, in, 5, 2000, &end), 0);
    CU_ASSERT_TRUE(end <= 0);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "reason=timeout", 1, 1000));
    close(client);
    close(server);
    fx_stop(&fx);
}

static void test_link_blackhole_one_way(void)
{
    static const char *const faults[] = {
        "add blackhole direction=up", NULL
    };
    struct fixture fx;
    char in[16];
    ssize_t end;
    int client, server;

    fx_start(&fx, faults);
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(write(client, "lost", 4), 4);
    CU_ASSERT_EQUAL(read_for(server, in, 4, 300, &end), 0);
    CU_ASSERT_EQUAL(end, 1);    /* nothing at all: no byte, no end */
    CU_ASSERT_EQUAL(write(server, "back", 4), 4);
    CU_ASSERT_EQUAL(read_for(client, in, 4, 2000, &end), 4);
    /* Healed: the bytes flow again (those swallowed stay lost). */
    fx_command(&fx, "remove blackhole", in, sizeof(in));
    CU_ASSERT_STRING_EQUAL(in, "ok removed 1");
    CU_ASSERT_EQUAL(write(client, "seen", 4), 4);
    CU_ASSERT_EQUAL(read_for(server, in, 4, 2000, &end), 4);
    CU_ASSERT_EQUAL(memcmp(in, "seen", 4), 0);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=fault_off kind=blackhole "
                                    "dir=up", 1, 1000));
    close(client);
    close(server);
    fx_stop(&fx);
}

static void test_link_refuse(void)
{
    static const char *const faults[] = { "add refuse", NULL };
    struct fixture fx;
    char in[4];
    ssize_t end;
    int client;

    fx_start(&fx, faults);
    client = fx_connect(&fx);
    CU_ASSERT_EQUAL(read_for(client, in, 1, 2000, &end), 0);
    CU_ASSERT_EQUAL(end, -1);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    /* The target never hears of it. */
    CU_ASSERT_EQUAL(fx_accept(&fx, 200), -1);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=close id=1 bytes_up=0 "
                                    "bytes_down=0 reason=refused", 1, 1000));
    close(client);
    fx_stop(&fx);
}

/* Starts a non-blocking connect to the link. */
static int connect_nonblocking(struct fixture *fx)
{
    int fd = net_connect(&fx->link_addr);

    CU_ASSERT_FATAL(fd != -1);
    return fd;
}

static void test_link_syn_drop(void)
{
    struct fixture fx;
    char reply[128];
    uint64_t start;
    int early, late, server;

    fx_start(&fx, NULL);
    CU_ASSERT_STRING_EQUAL(fx_command(&fx, "add syn-drop", reply,
                                      sizeof(reply)), "ok added syn-drop "
                           "toxicity=1");
    early = connect_nonblocking(&fx);
    /* The handshake does not complete within a second. */
    CU_ASSERT_FALSE(ready(early, POLLOUT, 1000));
    CU_ASSERT_EQUAL(fx_accept(&fx, 0), -1);
    CU_ASSERT_STRING_EQUAL(fx_command(&fx, "remove syn-drop", reply,
                                      sizeof(reply)), "ok removed 1");
    /* Healed: a new connection completes at once and is relayed... */
    start = clock_now_ms();
    late = connect_nonblocking(&fx);
    CU_ASSERT_TRUE(ready(late, POLLOUT, 1000));
    CU_ASSERT_EQUAL(net_connect_result(late), 0);
    CU_ASSERT_TRUE(clock_now_ms() - start < 500);
    server = fx_accept(&fx, 2000);
    CU_ASSERT(server != -1);
    /* ... and the dropped one gets in with its next SYN. */
    CU_ASSERT_TRUE(ready(early, POLLOUT, 4000));
    CU_ASSERT_EQUAL(net_connect_result(early), 0);
    /* The link's own filler connection was never relayed. */
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=conn id=2", 1, 2000));
    CU_ASSERT_EQUAL(log_capture_count(&fx.lc, "ev=conn id=3", 0, 0), 0);
    close(early);
    close(late);
    close(server);
    fx_stop(&fx);
}

static void test_link_control_channel(void)
{
    struct fixture fx;
    char reply[1024];
    ssize_t end;
    int client, server;

    fx_start(&fx, NULL);
    CU_ASSERT_STRING_EQUAL(fx_command(&fx, "add slicer size=2 delay=10ms "
                                      "direction=down toxicity=1", reply,
                                      sizeof(reply)),
                           "ok added slicer direction=down toxicity=1 "
                           "size=2 delay=10ms");
    CU_ASSERT_STRING_EQUAL(fx_command(&fx, "list", reply, sizeof(reply)),
                           "ok slicer direction=down toxicity=1 size=2 "
                           "delay=10ms");
    CU_ASSERT_STRING_EQUAL(fx_command(&fx, "add slicer", reply, sizeof(reply)),
                           "error: slicer: size= is missing");
    CU_ASSERT_STRING_EQUAL(fx_command(&fx, "frobnicate", reply, sizeof(reply)),
                           "error: unknown command 'frobnicate' (add, remove, "
                           "list, help)");
    CU_ASSERT_EQUAL(strncmp(fx_command(&fx, "help", reply, sizeof(reply)),
                            "ok commands:", 12), 0);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=fault_on kind=slicer "
                                    "dir=down toxicity=1 size=2 delay=10ms",
                                    1, 1000));
    /* End of input: the link keeps relaying, the slicer stays on. */
    close(fx.ctl_in[1]);
    fx.ctl_in[1] = -1;
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=control_closed", 1, 2000));
    client = fx_connect(&fx);
    server = fx_accept(&fx, 2000);
    CU_ASSERT_FATAL(server != -1);
    CU_ASSERT_EQUAL(write(server, "abcdef", 6), 6);
    CU_ASSERT_EQUAL(read_for(client, reply, 6, 2000, &end), 6);
    CU_ASSERT_EQUAL(memcmp(reply, "abcdef", 6), 0);
    CU_ASSERT_TRUE(log_capture_wait(&fx.lc, "ev=fault_applied id=1 "
                                    "kind=slicer dir=down", 1, 1000));
    close(client);
    close(server);
    fx_stop(&fx);
}

static CU_TestInfo faultlink_link_tests[] = {
    { "no fault: relays exact, passes the FIN", test_link_relays_exact },
    { "latency: delayed, in order, one way", test_link_latency_delays_in_order },
    { "reset: after a time and after bytes", test_link_reset_after_time_and_bytes },
    { "limit-data: N bytes, then closed", test_link_limit_data_closes },
    { "timeout: nothing, then closed", test_link_timeout_forwards_nothing_then_closes },
    { "blackhole: one way, healed", test_link_blackhole_one_way },
    { "refuse: reset at once", test_link_refuse },
    { "syn-drop: connect does not complete", test_link_syn_drop },
    { "control channel: commands, errors, EOF", test_link_control_channel },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(faultlink_link, faultlink_link_tests)
