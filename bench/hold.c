/*
 * hold: opens N connections to an HTTP server (or a proxy in front of one),
 * sends one GET on each, checks that the whole answer arrives, and then
 * keeps every connection open and idle. bench/compare.sh uses it to measure
 * what one idle connection costs a proxy in resident memory.
 *
 *     hold --port P [--host H] [--conns N] [--parallel K] [--path /small]
 *          [--hold-ms MS]
 *
 * At most K connections are being set up at once (connect + request +
 * answer), so a proxy's listen queue never overflows. When every connection
 * is either held or failed, one line goes to stdout:
 *
 *     held=4998 failed=2
 *
 * and the program waits, watching the held sockets, until --hold-ms has
 * passed, SIGINT/SIGTERM arrives or none is left. On exit it prints
 * "dropped=D" (held connections the server closed meanwhile) and returns 0
 * when nothing failed or dropped, 1 otherwise, 2 on bad usage.
 *
 * Single-threaded epoll loop; no state outside main()'s struct hold_run.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

#define HOLD_EVENTS 256
#define HOLD_ANSWER_MAX 8192    /* headers + a small body */

enum conn_state {
    CONN_CONNECTING,
    CONN_WAITING,               /* request sent, answer incomplete */
    CONN_HELD,
    CONN_DONE                   /* failed or dropped; fd closed */
};

/* One client connection and the part of its answer read so far. */
struct hold_conn {
    int fd;
    enum conn_state state;
    size_t got;
    char answer[HOLD_ANSWER_MAX];
};

/* Everything one run owns. */
struct hold_run {
    struct net_addr target;
    const char *path;
    int conns;
    int parallel;
    long hold_ms;
    int epoll_fd;
    int signal_fd;
    struct hold_conn *conn;     /* [conns] */
    int started;                /* connections opened so far */
    int in_setup;               /* connecting or waiting */
    int held;
    int failed;
    int dropped;
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: hold --port P [--host H] [--conns N] [--parallel K] "
            "[--path PATH] [--hold-ms MS]\n");
}

/* Parses the command line into run. Returns 0, or -1 on bad usage. */
static int parse_args(int argc, char **argv, struct hold_run *run)
{
    const char *host = "127.0.0.1";
    long port = -1;
    char hostport[300], err[128];

    run->conns = 5000;
    run->parallel = 200;
    run->path = "/small";
    run->hold_ms = 600000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--host") == 0)
            host = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            port = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--conns") == 0)
            run->conns = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--parallel") == 0)
            run->parallel = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--path") == 0)
            run->path = argv[i + 1];
        else if (strcmp(argv[i], "--hold-ms") == 0)
            run->hold_ms = strtol(argv[i + 1], NULL, 10);
        else
            return -1;
    }
    if (argc % 2 == 0 || port <= 0 || port > 65535 || run->conns <= 0 ||
        run->parallel <= 0 || run->hold_ms < 0)
        return -1;
    snprintf(hostport, sizeof(hostport), "%s:%ld", host, port);
    if (net_parse_hostport(hostport, NULL, &run->target, err, sizeof(err)) == -1) {
        fprintf(stderr, "hold: %s\n", err);
        return -1;
    }
    return 0;
}

static int watch(struct hold_run *run, struct hold_conn *c, int op,
                 uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = c };

    return epoll_ctl(run->epoll_fd, op, c->fd, &ev);
}

/* Closes c and counts it as failed (during setup) or dropped (held). */
static void give_up(struct hold_run *run, struct hold_conn *c)
{
    if (c->state == CONN_HELD) {
        run->held--;
        run->dropped++;
    } else {
        run->in_setup--;
        run->failed++;
    }
    close(c->fd);
    c->fd = -1;
    c->state = CONN_DONE;
}

/* Opens connections until K are in setup or all N are started. */
static void start_more(struct hold_run *run)
{
    while (run->in_setup < run->parallel && run->started < run->conns) {
        struct hold_conn *c = &run->conn[run->started++];

        c->fd = net_connect(&run->target);
        c->state = CONN_CONNECTING;
        run->in_setup++;
        if (c->fd == -1 || watch(run, c, EPOLL_CTL_ADD, EPOLLOUT) == -1)
            give_up(run, c);
    }
}

/* The connect finished: send the request and wait for the answer. */
static void on_connected(struct hold_run *run, struct hold_conn *c)
{
    char request[512];
    int len = snprintf(request, sizeof(request),
                       "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", run->path);

    /* A fresh socket's send buffer always takes a few hundred bytes. */
    if (net_connect_result(c->fd) != 0 ||
        net_write(c->fd, request, (size_t)len) != len ||
        watch(run, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP) == -1) {
        give_up(run, c);
        return;
    }
    c->state = CONN_WAITING;
}

/* True once c->answer holds a complete 200 answer: headers and exactly
 * Content-Length bytes of body. */
static bool answer_complete(const struct hold_conn *c)
{
    const char *end = memmem(c->answer, c->got, "\r\n\r\n", 4);
    const char *length;

    if (end == NULL || strncmp(c->answer, "HTTP/1.1 200", 12) != 0)
        return false;
    length = memmem(c->answer, (size_t)(end - c->answer), "Content-Length: ", 16);
    if (length == NULL)
        return false;
    return c->got - (size_t)(end + 4 - c->answer) ==
           (size_t)strtoul(length + 16, NULL, 10);
}

/* Reads what arrived; the connection is held once the answer is whole. */
static void on_readable(struct hold_run *run, struct hold_conn *c)
{
    ssize_t n;

    if (c->state == CONN_HELD) {
        /* A held connection has nothing more to receive: any event is the
         * server (or proxy) closing or resetting it. */
        give_up(run, c);
        return;
    }
    n = net_read(c->fd, c->answer + c->got, sizeof(c->answer) - 1 - c->got);
    if (n == NET_AGAIN)
        return;
    if (n <= 0) {
        give_up(run, c);
        return;
    }
    c->got += (size_t)n;
    if (answer_complete(c)) {
        c->state = CONN_HELD;
        run->in_setup--;
        run->held++;
    } else if (c->got == sizeof(c->answer) - 1) {
        give_up(run, c);
    }
}

static void on_event(struct hold_run *run, struct hold_conn *c, uint32_t events)
{
    if (c->state == CONN_DONE)
        return;
    if (c->state == CONN_CONNECTING)
        on_connected(run, c);
    else if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        on_readable(run, c);
}

/* Runs the loop until the setup is over and the hold time has passed, or
 * a signal comes. */
static void run_loop(struct hold_run *run)
{
    struct epoll_event events[HOLD_EVENTS];
    uint64_t hold_until = 0;
    bool reported = false;

    for (;;) {
        int timeout = -1, n;

        start_more(run);
        if (!reported && run->started == run->conns && run->in_setup == 0) {
            printf("held=%d failed=%d\n", run->held, run->failed);
            fflush(stdout);
            reported = true;
            hold_until = clock_now_ms() + (uint64_t)run->hold_ms;
        }
        if (reported) {
            uint64_t now = clock_now_ms();

            if (now >= hold_until || run->held == 0)
                return;
            timeout = (int)(hold_until - now);
        }
        n = epoll_wait(run->epoll_fd, events, HOLD_EVENTS, timeout);
        if (n == -1 && errno != EINTR)
            return;
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL)
                return;         /* the signal fd */
            on_event(run, events[i].data.ptr, events[i].events);
        }
    }
}

/* Blocks SIGINT/SIGTERM and watches them through a signalfd (data NULL). */
static int watch_signals(struct hold_run *run)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        return -1;
    run->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (run->signal_fd == -1)
        return -1;
    return epoll_ctl(run->epoll_fd, EPOLL_CTL_ADD, run->signal_fd, &ev);
}

int main(int argc, char **argv)
{
    struct hold_run run = { .epoll_fd = -1, .signal_fd = -1 };

    if (parse_args(argc, argv, &run) == -1) {
        usage(stderr);
        return 2;
    }
    run.conn = calloc((size_t)run.conns, sizeof(*run.conn));
    run.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (run.conn == NULL || run.epoll_fd == -1 || watch_signals(&run) == -1) {
        perror("hold");
        return 1;
    }
    run_loop(&run);
    for (int i = 0; i < run.started; i++) {
        if (run.conn[i].state != CONN_DONE)
            close(run.conn[i].fd);
    }
    printf("dropped=%d\n", run.dropped);
    free(run.conn);
    return run.failed == 0 && run.dropped == 0 ? 0 : 1;
}
