/*
 * test_health: the checker thread against real sockets on 127.0.0.1.
 *
 * b1 is a listening socket (its connects succeed; nobody accepts, the
 * backlog holds them), b2 a socket bound to a port but not listening, so
 * its connects are refused at once; calling listen() on it later brings
 * b2 back without any other process taking the port in between. The
 * checker logs into a log_capture at debug level, so each round's
 * ev=check lines show which results a change of state was made from:
 * b2 goes down after exactly fall refused checks and comes back after
 * exactly rise good ones. Out of descriptors (RLIMIT_NOFILE lowered to
 * the lowest free one) a check cannot start; it is skipped, never counted
 * against the backend.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "balancer.h"
#include "clock.h"
#include "config.h"
#include "health.h"
#include "log_capture.h"
#include "net.h"
#include "testlib.h"

#define WAIT_MS 5000
#define INTERVAL_MS 10
/* Room in the listen queue for every connect of a test's rounds. */
#define BACKLOG 1024

/* Two backends, their sockets, a config and a captured log. */
struct health_fixture {
    int listening_fd;           /* b1: accepts connects */
    int bound_fd;               /* b2: refuses them until listen() */
    struct balancer *balancer;
    struct config cfg;
    struct log_capture *capture;
};

/* A TCP socket on 127.0.0.1 with a free port, listening or only bound;
 * its address in *addr. */
static int open_socket(struct net_addr *addr, bool listening)
{
    char err[256];
    int fd;

    if (net_parse_hostport("127.0.0.1:0", NULL, addr, err, sizeof(err)) == -1)
        return -1;
    if (listening)
        fd = net_listen(addr, BACKLOG);
    else
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd != -1 && !listening &&
        bind(fd, (const struct sockaddr *)&addr->sa, addr->len) == -1) {
        close(fd);
        return -1;
    }
    if (fd != -1 && net_local_addr(fd, addr) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Opens the fixture with its first backends (b1, then b2) and the rise
 * and fall given; checks every INTERVAL_MS. */
static void fixture_open(struct health_fixture *fx, size_t backends,
                         int rise, int fall)
{
    struct balancer_backend_spec specs[2];

    memset(specs, 0, sizeof(specs));
    fx->listening_fd = open_socket(&specs[0].addr, true);
    fx->bound_fd = open_socket(&specs[1].addr, false);
    CU_ASSERT_FATAL(fx->listening_fd >= 0 && fx->bound_fd >= 0);
    for (size_t i = 0; i < 2; i++) {
        specs[i].name[0] = 'b';
        specs[i].name[1] = (char)('1' + i);
        specs[i].weight = 1;
    }
    fx->balancer = balancer_create(specs, backends, BALANCER_LEASTCONN,
                                   false, 1);
    CU_ASSERT_FATAL(fx->balancer != NULL);
    config_defaults(&fx->cfg);
    fx->cfg.health_interval_ms = INTERVAL_MS;
    fx->cfg.connect_timeout_ms = 1000;
    fx->cfg.rise = rise;
    fx->cfg.fall = fall;
    fx->capture = malloc(sizeof(*fx->capture));
    CU_ASSERT_FATAL(fx->capture != NULL);
    CU_ASSERT_FATAL(log_capture_open(fx->capture, LOG_DEBUG) == 0);
}

static void fixture_close(struct health_fixture *fx)
{
    log_capture_close(fx->capture);
    free(fx->capture);
    balancer_destroy(fx->balancer);
    close(fx->listening_fd);
    close(fx->bound_fd);
}

/* After health_stop: no check of b1 failed, and it never went down. */
static void assert_b1_never_failed(struct log_capture *lc)
{
    log_capture_read(lc);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=check be=b1 ok=0 ", 0, 0), 0);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=backend_down be=b1 ", 0, 0), 0);
}

/* Interval 0: no checks, no thread; stopping NULL is fine. */
static void test_no_checks_no_thread(void)
{
    struct health_fixture fx;
    struct health *h = (struct health *)&fx;    /* health_start clears it */

    fixture_open(&fx, 2, 1, 1);
    fx.cfg.health_interval_ms = 0;
    CU_ASSERT_EQUAL(health_start(&h, fx.balancer, &fx.cfg, &fx.capture->log),
                    0);
    CU_ASSERT_PTR_NULL(h);
    health_stop(h);
    fixture_close(&fx);
}

/*
 * b2 refuses: down after exactly fall failed checks, with the error of
 * the last; b1 is never touched. b2 listens: up after exactly rise good
 * checks.
 */
static void test_fall_and_rise_as_logged(void)
{
    struct health_fixture fx;
    struct health *h;
    size_t down, up;

    fixture_open(&fx, 2, 2, 3);
    CU_ASSERT_EQUAL_FATAL(health_start(&h, fx.balancer, &fx.cfg,
                                       &fx.capture->log), 0);
    CU_ASSERT_TRUE(log_capture_wait(fx.capture, "ev=backend_down be=b2 ", 1,
                                    WAIT_MS));
    down = log_capture_find(fx.capture, "ev=backend_down be=b2 ", 1);
    CU_ASSERT_EQUAL(log_capture_count(fx.capture, "ev=check be=b2 ok=0 "
                                      "err=ECONNREFUSED\n", 0, down), 3);
    CU_ASSERT_EQUAL(log_capture_count(fx.capture, "ev=check be=b2 ok=1 ", 0,
                                      0), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.capture->text + down,
                                  "reason=check_failed err=ECONNREFUSED\n"));
    CU_ASSERT_EQUAL_FATAL(listen(fx.bound_fd, BACKLOG), 0);
    CU_ASSERT_TRUE(log_capture_wait(fx.capture, "ev=backend_up be=b2 ", 1,
                                    WAIT_MS));
    up = log_capture_find(fx.capture, "ev=backend_up be=b2 ", 1);
    CU_ASSERT_EQUAL(log_capture_count(fx.capture, "ev=check be=b2 ok=1 ",
                                      down, up), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.capture->text + up, "reason=check_ok\n"));
    health_stop(h);
    assert_b1_never_failed(fx.capture);
    CU_ASSERT_TRUE(log_capture_count(fx.capture, "ev=check be=b1 ok=1 ", 0,
                                     0) >= 4);
    fixture_close(&fx);
}

/* The checker sleeps 3 s between rounds; stopping still returns at once,
 * since it waits on its eventfd, not out its interval. */
static void test_stop_does_not_wait_out_the_interval(void)
{
    struct health_fixture fx;
    struct health *h;
    uint64_t start;

    fixture_open(&fx, 1, 1, 1);
    fx.cfg.health_interval_ms = 3000;
    CU_ASSERT_EQUAL_FATAL(health_start(&h, fx.balancer, &fx.cfg,
                                       &fx.capture->log), 0);
    start = clock_now_ms();
    health_stop(h);
    CU_ASSERT_TRUE(clock_now_ms() - start < 1000);
    fixture_close(&fx);
}

/*
 * With no descriptor left, b1's checks cannot start: each round logs
 * check_skipped with EMFILE and b1 stays up even with fall 1; once
 * descriptors are back, its checks succeed again.
 */
static void test_check_skipped_without_descriptors(void)
{
    struct health_fixture fx;
    struct health *h;
    struct rlimit saved, low;
    int probe;
    bool skipped;

    fixture_open(&fx, 1, 1, 1);
    CU_ASSERT_EQUAL_FATAL(health_start(&h, fx.balancer, &fx.cfg,
                                       &fx.capture->log), 0);
    probe = dup(0);                     /* the lowest free descriptor */
    close(probe);
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = (rlim_t)probe;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &low), 0);
    skipped = log_capture_wait(fx.capture, "ev=check_skipped be=b1 "
                               "err=EMFILE\n", 3, WAIT_MS);
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &saved), 0);
    CU_ASSERT_TRUE(skipped);
    CU_ASSERT_TRUE(log_capture_wait(fx.capture, "ev=check be=b1 ok=1 ", 1,
                                    WAIT_MS));
    health_stop(h);
    assert_b1_never_failed(fx.capture);
    fixture_close(&fx);
}

/* A removed backend is not checked: its port, listening, is never
 * connected to while b1 is checked round after round. */
static void test_removed_backend_not_checked(void)
{
    struct health_fixture fx;
    struct health *h;
    struct balancer_events events;
    int fd;

    fixture_open(&fx, 2, 1, 1);
    CU_ASSERT_EQUAL_FATAL(listen(fx.bound_fd, BACKLOG), 0);
    CU_ASSERT_EQUAL_FATAL(balancer_set_admin(fx.balancer, 1,
                                             BALANCER_DISABLED, &events), 0);
    CU_ASSERT_EQUAL_FATAL(balancer_remove(fx.balancer, 1, &events), 0);
    CU_ASSERT_EQUAL_FATAL(health_start(&h, fx.balancer, &fx.cfg,
                                       &fx.capture->log), 0);
    CU_ASSERT_TRUE(log_capture_wait(fx.capture, "ev=check be=b1 ok=1 ", 3,
                                    WAIT_MS));
    health_stop(h);
    CU_ASSERT_EQUAL_FATAL(net_set_nonblock(fx.bound_fd), 0);
    fd = accept(fx.bound_fd, NULL, NULL);
    CU_ASSERT_EQUAL(fd, -1);
    if (fd != -1)
        close(fd);
    fixture_close(&fx);
}

static CU_TestInfo health_tests[] = {
    { "interval 0: no checks, no thread", test_no_checks_no_thread },
    { "fall and rise as logged", test_fall_and_rise_as_logged },
    { "stop does not wait out the interval",
      test_stop_does_not_wait_out_the_interval },
    { "check skipped without descriptors",
      test_check_skipped_without_descriptors },
    { "a removed backend is not checked", test_removed_backend_not_checked },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(health, health_tests)
