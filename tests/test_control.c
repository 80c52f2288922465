/*
 * test_control: the main thread's loop, run on a thread of the test.
 *
 * The loop gets the signals of control_signals() through a signalfd, as
 * in main.c; the thread that runs it has them blocked, and the test sends
 * them to that thread with pthread_kill, so no other thread of the test
 * runner sees them. Its log goes to a log_capture, polled for each
 * event. The stats port is a listener on 127.0.0.1 (a free port), read
 * by plain clients with a time limit on each read.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "balancer.h"
#include "config.h"
#include "control.h"
#include "log_capture.h"
#include "net.h"
#include "reload.h"
#include "testlib.h"

#define WAIT_MS 5000

/* A control loop running on its own thread. */
struct control_fixture {
    struct control control;
    struct balancer *balancer;
    struct log_capture *capture;
    pthread_t thread;
    int result;                 /* control_run's return, once it ended */
    struct config config;       /* the reload's */
};

static void *run_loop(void *arg)
{
    struct control_fixture *fx = arg;

    fx->result = control_run(&fx->control);
    return NULL;
}

/* Two backends (never contacted) and a stats port on 127.0.0.1. */
static void open_parts(struct control_fixture *fx, struct net_addr *stats)
{
    struct balancer_backend_spec specs[2];
    char err[256];

    memset(specs, 0, sizeof(specs));
    for (size_t i = 0; i < 2; i++) {
        CU_ASSERT_FATAL(net_parse_hostport(i == 0 ? "127.0.0.1:1" :
                                           "127.0.0.1:2", NULL,
                                           &specs[i].addr, err,
                                           sizeof(err)) == 0);
        specs[i].name[0] = 'b';
        specs[i].name[1] = (char)('1' + i);
        specs[i].weight = 1;
    }
    fx->balancer = balancer_create(specs, 2, BALANCER_LEASTCONN, false, 1);
    CU_ASSERT_FATAL(fx->balancer != NULL);
    CU_ASSERT_FATAL(net_parse_hostport("127.0.0.1:0", NULL, stats, err,
                                       sizeof(err)) == 0);
    fx->control.stats_fd = net_listen(stats, 16);
    CU_ASSERT_FATAL(fx->control.stats_fd >= 0);
    CU_ASSERT_FATAL(net_local_addr(fx->control.stats_fd, stats) == 0);
    fx->capture = malloc(sizeof(*fx->capture));
    CU_ASSERT_FATAL(fx->capture != NULL);
    CU_ASSERT_FATAL(log_capture_open(fx->capture, LOG_INFO) == 0);
}

/* Starts the loop; *stats is the address of its stats port. The shared
 * counters are all zero: no session ever ran. */
static void fixture_start(struct control_fixture *fx, struct net_addr *stats)
{
    sigset_t set, old;

    memset(fx, 0, sizeof(*fx));
    open_parts(fx, stats);
    fx->control.balancer = fx->balancer;
    fx->control.log = &fx->capture->log;
    /* Started without -c: a SIGHUP's reload has no file to read. */
    config_defaults(&fx->config);
    fx->control.reload = reload_create(1, (char *[]){ "proxy_server", NULL },
                                       &fx->config, &fx->config,
                                       fx->balancer);
    CU_ASSERT_FATAL(fx->control.reload != NULL);
    fx->control.shared = calloc(1, sizeof(*fx->control.shared));
    CU_ASSERT_FATAL(fx->control.shared != NULL);
    sigemptyset(&set);
    control_signals(&set);
    fx->control.signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    CU_ASSERT_FATAL(fx->control.signal_fd >= 0);
    /* The loop's thread inherits the mask; this one keeps its own. */
    CU_ASSERT_FATAL(pthread_sigmask(SIG_BLOCK, &set, &old) == 0);
    CU_ASSERT_FATAL(pthread_create(&fx->thread, NULL, run_loop, fx) == 0);
    CU_ASSERT_FATAL(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

/* Sends signo to the loop and waits for it to return. Returns true when
 * it did within WAIT_MS; else the thread is cancelled, and false. */
static bool stop_with(struct control_fixture *fx, int signo)
{
    struct timespec deadline;

    pthread_kill(fx->thread, signo);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += WAIT_MS / 1000;
    if (pthread_timedjoin_np(fx->thread, NULL, &deadline) == 0)
        return true;
    pthread_cancel(fx->thread);
    pthread_join(fx->thread, NULL);
    return false;
}

static void fixture_close(struct control_fixture *fx)
{
    close(fx->control.signal_fd);
    close(fx->control.stats_fd);
    reload_destroy(fx->control.reload);
    free((void *)fx->control.shared);
    log_capture_close(fx->capture);
    free(fx->capture);
    balancer_destroy(fx->balancer);
}

/* Ends the loop with signo, asserts it returned signo, closes fx. */
static void fixture_stop(struct control_fixture *fx, int signo)
{
    CU_ASSERT_TRUE(stop_with(fx, signo));
    CU_ASSERT_EQUAL(fx->result, signo);
    fixture_close(fx);
}

/* Connects to the stats port (each read waits at most WAIT_MS) and sends
 * request (may be empty). Returns the socket, or -1. */
static int stats_client(const struct net_addr *stats, const char *request)
{
    struct timeval limit = { .tv_sec = WAIT_MS / 1000 };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) == -1 ||
        connect(fd, (const struct sockaddr *)&stats->sa, stats->len) == -1 ||
        send(fd, request, strlen(request), MSG_NOSIGNAL) !=
            (ssize_t)strlen(request)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads fd to its end of file and closes it. Returns the bytes read, or
 * -1 when the end did not come. */
static ssize_t read_to_eof(int fd, char *answer, size_t size)
{
    size_t len = 0;
    ssize_t n = -1;

    while (fd != -1 && (n = recv(fd, answer + len, size - 1 - len, 0)) > 0)
        len += (size_t)n;
    if (fd != -1)
        close(fd);
    answer[len] = '\0';
    return n == 0 ? (ssize_t)len : -1;
}

/* The answer to request, read to its end of file (see read_to_eof). */
static ssize_t ask_stats(const struct net_addr *stats, const char *request,
                         char *answer, size_t size)
{
    return read_to_eof(stats_client(stats, request), answer, size);
}

/*
 * SIGUSR1 logs the table, one line per backend; SIGHUP reloads (here
 * without a config file, so the reload fails and says why; the loop
 * answers SIGUSR1 after it); SIGTERM ends the loop, which returns it.
 */
static void test_signals(void)
{
    struct control_fixture fx;
    struct net_addr stats;
    struct log_capture *lc;

    fixture_start(&fx, &stats);
    lc = fx.capture;
    pthread_kill(fx.thread, SIGUSR1);
    CU_ASSERT_TRUE(log_capture_wait(lc, "ev=stats name=b2 ", 1, WAIT_MS));
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=signal sig=USR1 action=stats\n",
                                      0, 0), 1);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=stats name=b1 addr=127.0.0.1:1 "
                                      "state=up active=0 picks=0 "
                                      "failures=0\n", 0, 0), 1);
    pthread_kill(fx.thread, SIGHUP);
    CU_ASSERT_TRUE(log_capture_wait(lc, "ev=signal sig=HUP action=reload\n",
                                    1, WAIT_MS));
    CU_ASSERT_TRUE(log_capture_wait(lc, "ev=reload status=failed "
                                    "source=signal err=\"no config file to "
                                    "reload\"\n", 1, WAIT_MS));
    pthread_kill(fx.thread, SIGUSR1);
    CU_ASSERT_TRUE(log_capture_wait(lc, "ev=stats name=b2 ", 2, WAIT_MS));
    CU_ASSERT_TRUE(stop_with(&fx, SIGTERM));
    CU_ASSERT_EQUAL(fx.result, SIGTERM);
    log_capture_read(lc);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=signal sig=TERM", 0, 0), 0);
    fixture_close(&fx);
}

/* SIGINT ends the loop too, and is returned as itself. */
static void test_sigint_ends_the_loop(void)
{
    struct control_fixture fx;
    struct net_addr stats;

    fixture_start(&fx, &stats);
    fixture_stop(&fx, SIGINT);
}

/*
 * The stats port answers an HTTP request with the table over HTTP, and a
 * client that sends nothing with the bare table, then its end of file;
 * each answer holds every backend and the totals.
 */
static void test_stats_port_answers(void)
{
    struct control_fixture fx;
    struct net_addr stats;
    char answer[4096];

    fixture_start(&fx, &stats);
    CU_ASSERT_TRUE(ask_stats(&stats, "GET / HTTP/1.0\r\n\r\n", answer,
                             sizeof(answer)) > 0);
    CU_ASSERT_EQUAL(strncmp(answer, "HTTP/1.0 200 OK\r\n", 17), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "\r\n\r\nname=b1 addr=127.0.0.1:1 "
                                          "state=up "));
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "\nname=b2 addr=127.0.0.1:2 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "\ntotal accepted=0 live=0 "));
    CU_ASSERT_TRUE(ask_stats(&stats, "", answer, sizeof(answer)) > 0);
    CU_ASSERT_EQUAL(strncmp(answer, "name=b1 addr=127.0.0.1:1 state=up ", 34),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "\ntotal accepted=0 live=0 "));
    fixture_stop(&fx, SIGTERM);
}

/* A silent stats client, still waiting for its answer when the loop
 * ends, is closed: it sees its end of file. (Connected before the signal
 * is sent, it is accepted before the signal is read: the loop accepts
 * first. Bytes sent and not read yet would turn the close into a reset.) */
static void test_stop_closes_stats_clients(void)
{
    struct control_fixture fx;
    struct net_addr stats;
    char answer[4096];
    int fd;

    fixture_start(&fx, &stats);
    fd = stats_client(&stats, "");
    CU_ASSERT_TRUE(fd >= 0);
    fixture_stop(&fx, SIGTERM);
    CU_ASSERT_TRUE(read_to_eof(fd, answer, sizeof(answer)) >= 0);
}

/* CPU seconds the thread has used. */
static double thread_cpu_s(pthread_t thread)
{
    struct timespec t;
    clockid_t clock;

    if (pthread_getcpuclockid(thread, &clock) != 0 ||
        clock_gettime(clock, &t) == -1)
        return -1;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Out of descriptors, a stats client waits in the listen queue: the loop
 * leaves the port alone for a while instead of spinning on a listener
 * that stays readable, and answers the client once a descriptor is free.
 */
static void test_stats_port_out_of_descriptors(void)
{
    struct control_fixture fx;
    struct net_addr stats;
    struct rlimit saved, low;
    char answer[4096];
    double cpu;
    int fd, probe;

    /* valgrind emulates RLIMIT_NOFILE after accept4 has taken the client. */
    if (getenv("PROXYLAB_UNDER_VALGRIND") != NULL) {
        printf("skipped under valgrind (it emulates RLIMIT_NOFILE) ");
        return;
    }
    fixture_start(&fx, &stats);
    probe = dup(0);                     /* the lowest free descriptor */
    close(probe);
    CU_ASSERT_FATAL(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    low = saved;
    low.rlim_cur = (rlim_t)probe + 1;   /* room for the client, no more */
    fd = stats_client(&stats, "");
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &low) == 0);
    cpu = thread_cpu_s(fx.thread);
    usleep(500 * 1000);
    cpu = thread_cpu_s(fx.thread) - cpu;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &saved), 0);
    /* A loop that spins would have used the whole half second. */
    CU_ASSERT(cpu >= 0 && cpu < 0.1);
    CU_ASSERT(read_to_eof(fd, answer, sizeof(answer)) > 0);
    CU_ASSERT_EQUAL(strncmp(answer, "name=b1 ", 8), 0);
    fixture_stop(&fx, SIGTERM);
}

static CU_TestInfo control_tests[] = {
    { "signals: USR1 logs stats, HUP reloads, TERM returns", test_signals },
    { "SIGINT ends the loop", test_sigint_ends_the_loop },
    { "the stats port answers, HTTP and plain", test_stats_port_answers },
    { "stop closes waiting stats clients", test_stop_closes_stats_clients },
    { "out of descriptors, the stats port waits without spinning",
      test_stats_port_out_of_descriptors },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(control, control_tests)
