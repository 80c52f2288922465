/*
 * test_balancer_worker: the balancer's run-time features through a real
 * worker thread (balancer_worker suite).
 *
 *   sessions  worker_sessions from another thread lists the worker's live
 *             sessions (sid, backend, state, bytes) as its thread sees
 *             them; a worker that is not running does not answer, and the
 *             asker gets ETIMEDOUT after its bound; pool_worker gives each
 *             worker of a pool, which answers for itself;
 *   queue     with maxconn=1 and a queue, a second client waits (state
 *             queued, no backend) until the first one's release serves it
 *             through the worker's mailbox, then relays; a client that
 *             goes away while queued leaves the queue and its session
 *             ends (nothing dangles: run under make asan); a client still
 *             queued at the stop is closed.
 *
 * Clients are one end of a socketpair handed to the worker; the backend is
 * a listening socket of the test's own on 127.0.0.1, port 0. The proxy's
 * log goes to /dev/null at debug level. Every wait is bounded.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "balancer.h"
#include "client_pair.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "net.h"
#include "pool.h"
#include "session.h"
#include "testlib.h"
#include "worker.h"

#define WAIT_MS 5000

struct fixture {
    struct config cfg;
    struct balancer *balancer;
    struct proxy_shared shared;
    struct logger log;
    int log_fd;
    int backend_fd;
    struct net_addr addr;
};

static void fixture_close(struct fixture *fx)
{
    acceptor_spend_reserve(&fx->shared);
    balancer_destroy(fx->balancer);
    if (fx->backend_fd != -1)
        close(fx->backend_fd);
    if (fx->log_fd != -1)
        close(fx->log_fd);
}

/* One backend (the test's listener) with maxconn, and a queue. */
static int fixture_open(struct fixture *fx, int maxconn, int queue)
{
    char err[256];

    memset(fx, 0, sizeof(*fx));
    config_defaults(&fx->cfg);
    fx->cfg.health_interval_ms = 0;
    fx->cfg.tuning.queue_max = queue;
    fx->cfg.tuning.queue_timeout_ms = 60000;
    fx->backend_fd = -1;
    fx->log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fx->log_fd == -1)
        return -1;
    log_init(&fx->log, fx->log_fd, LOG_DEBUG);
    if (net_parse_hostport("127.0.0.1:0", NULL, &fx->addr, err,
                           sizeof(err)) == -1)
        return -1;
    fx->backend_fd = net_listen(&fx->addr, 128);
    if (fx->backend_fd == -1 ||
        net_local_addr(fx->backend_fd, &fx->cfg.backends[0].addr) == -1)
        return -1;
    fx->cfg.backend_count = 1;
    fx->cfg.backends[0].maxconn = maxconn;
    fx->balancer = balancer_create(fx->cfg.backends, 1, fx->cfg.balance,
                                   false, 1);
    if (fx->balancer == NULL)
        return -1;
    balancer_tune(fx->balancer, &fx->cfg.tuning);
    fx->shared.config = &fx->cfg;
    fx->shared.balancer = fx->balancer;
    atomic_init(&fx->shared.live_sessions, 0);
    atomic_init(&fx->shared.next_sid, 0);
    acceptor_shared_init(&fx->shared);
    return 0;
}

static bool wait_for(int fd, short events, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = events };

    return poll(&p, 1, timeout_ms) == 1;
}

static int hand_to_worker(void *w, int fd, uint64_t sid,
                          const struct net_addr *client)
{
    return worker_hand_off(w, fd, sid, client);
}

/* A client handed to the worker; returns the test's end, or -1. */
static int give_client(struct fixture *fx, struct worker *w, uint64_t sid)
{
    return client_pair_give(&fx->shared, hand_to_worker, w, sid, &fx->addr);
}

static int accept_backend(struct fixture *fx)
{
    if (!wait_for(fx->backend_fd, POLLIN, WAIT_MS))
        return -1;
    return accept4(fx->backend_fd, NULL, NULL, SOCK_CLOEXEC);
}

/* The worker's rows, asked until want of them are in state (or the time
 * is up); returns how many rows the last answer had. */
static int rows_until(struct worker *w, struct session_row *rows, size_t max,
                      const char *state, int want)
{
    uint64_t until = clock_now_ms() + WAIT_MS;
    int n;

    for (;;) {
        size_t total = 0;
        int in_state = 0;

        n = worker_sessions(w, rows, max, &total, 1000);
        for (int i = 0; i < n; i++)
            in_state += strcmp(rows[i].state, state) == 0;
        if (in_state == want || clock_now_ms() >= until)
            return n;
        {
            struct timespec pause = { 0, 2000000 };

            nanosleep(&pause, NULL);
        }
    }
}

static const struct session_row *row_of(const struct session_row *rows,
                                        int n, uint64_t sid)
{
    for (int i = 0; i < n; i++) {
        if (rows[i].sid == sid)
            return &rows[i];
    }
    return NULL;
}

/* Writes len bytes one way and reads them at the other end. */
static bool pass_bytes(int from, int to, const char *text)
{
    char buf[64];
    size_t len = strlen(text), got = 0;

    if (write(from, text, len) != (ssize_t)len)
        return false;
    while (got < len && wait_for(to, POLLIN, WAIT_MS)) {
        ssize_t n = read(to, buf + got, sizeof(buf) - got);

        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return got == len && memcmp(buf, text, len) == 0;
}

static void test_sessions_listed(void)
{
    struct fixture fx;
    struct session_row rows[8];
    struct worker *w;
    int c1, c2, b1, b2, n;
    size_t total = 0;
    const struct session_row *r;

    CU_ASSERT_EQUAL_FATAL(fixture_open(&fx, 0, 0), 0);
    w = worker_create(0, &fx.shared, &fx.log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    /* Not running: no answer, within the bound. */
    {
        uint64_t start = clock_now_ms();

        CU_ASSERT_EQUAL(worker_sessions(w, rows, 8, &total, 100), -1);
        CU_ASSERT_EQUAL(errno, ETIMEDOUT);
        CU_ASSERT(clock_now_ms() - start < 1000);
    }
    CU_ASSERT_EQUAL_FATAL(worker_start(w), 0);
    CU_ASSERT_EQUAL(worker_id(w), 0);
    c1 = give_client(&fx, w, 41);
    b1 = accept_backend(&fx);
    c2 = give_client(&fx, w, 42);
    b2 = accept_backend(&fx);
    CU_ASSERT_FATAL(c1 >= 0 && c2 >= 0 && b1 >= 0 && b2 >= 0);
    CU_ASSERT_TRUE(pass_bytes(c1, b1, "hello\n"));
    CU_ASSERT_TRUE(pass_bytes(b1, c1, "hi\n"));
    n = rows_until(w, rows, 8, "relaying", 2);
    CU_ASSERT_EQUAL(n, 2);
    r = row_of(rows, n, 41);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->backend, 0);
    CU_ASSERT_STRING_EQUAL(r->state, "relaying");
    CU_ASSERT_EQUAL(r->bytes_c2b, 6);
    CU_ASSERT_EQUAL(r->bytes_b2c, 3);
    CU_ASSERT(r->age_ms < WAIT_MS);
    CU_ASSERT_PTR_NOT_NULL(row_of(rows, n, 42));
    /* Fewer rows than sessions: the total says how many there are. */
    CU_ASSERT_EQUAL(worker_sessions(w, rows, 1, &total, 1000), 1);
    CU_ASSERT_EQUAL(total, 2);
    close(c1);
    close(b1);
    n = rows_until(w, rows, 8, "relaying", 1);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(rows[0].sid, 42);
    close(c2);
    close(b2);
    worker_stop(w, clock_now_ms() + WAIT_MS);
    worker_join(w);
    worker_destroy(w);
    fixture_close(&fx);
}

static void test_queue_through_worker(void)
{
    struct fixture fx;
    struct session_row rows[8];
    struct balancer_stats stats[BALANCER_MAX_BACKENDS];
    struct worker *w;
    int c1, b1, c2, b2, c3, c4, n;
    const struct session_row *r;

    CU_ASSERT_EQUAL_FATAL(fixture_open(&fx, 1, 4), 0);
    w = worker_create(0, &fx.shared, &fx.log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL_FATAL(worker_start(w), 0);
    c1 = give_client(&fx, w, 1);
    b1 = accept_backend(&fx);
    CU_ASSERT_FATAL(c1 >= 0 && b1 >= 0);
    c2 = give_client(&fx, w, 2);
    CU_ASSERT_FATAL(c2 >= 0);
    n = rows_until(w, rows, 8, "queued", 1);
    r = row_of(rows, n, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->state, "queued");
    CU_ASSERT_EQUAL(r->backend, -1);
    CU_ASSERT_EQUAL(balancer_queue_depth(fx.balancer), 1);
    /* Bytes the client sends while it waits reach the backend later. */
    CU_ASSERT_EQUAL(write(c2, "early\n", 6), 6);
    /* The first session ends: its release serves the second. */
    close(c1);
    close(b1);
    b2 = accept_backend(&fx);
    CU_ASSERT_FATAL(b2 >= 0);
    {
        char buf[16] = "";
        size_t got = 0;

        while (got < 6 && wait_for(b2, POLLIN, WAIT_MS)) {
            ssize_t k = read(b2, buf + got, sizeof(buf) - 1 - got);

            if (k <= 0)
                break;
            got += (size_t)k;
        }
        CU_ASSERT_STRING_EQUAL(buf, "early\n");
    }
    n = rows_until(w, rows, 8, "relaying", 1);
    r = row_of(rows, n, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->backend, 0);
    CU_ASSERT_EQUAL(balancer_queue_depth(fx.balancer), 0);
    /* A third waits, then goes away: it leaves the queue. */
    c3 = give_client(&fx, w, 3);
    n = rows_until(w, rows, 8, "queued", 1);
    CU_ASSERT_PTR_NOT_NULL(row_of(rows, n, 3));
    close(c3);
    n = rows_until(w, rows, 8, "queued", 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(balancer_queue_depth(fx.balancer), 0);
    /* A fourth is still queued at the stop: closed. */
    c4 = give_client(&fx, w, 4);
    n = rows_until(w, rows, 8, "queued", 1);
    CU_ASSERT_PTR_NOT_NULL(row_of(rows, n, 4));
    worker_stop(w, clock_now_ms());
    worker_join(w);
    worker_destroy(w);
    CU_ASSERT_EQUAL(atomic_load(&fx.shared.live_sessions), 0);
    CU_ASSERT_EQUAL(balancer_queue_depth(fx.balancer), 0);
    balancer_snapshot(fx.balancer, stats);
    CU_ASSERT_EQUAL(stats[0].active, 0);
    CU_ASSERT_EQUAL(stats[0].picks, 2);
    close(c2);
    close(b2);
    close(c4);
    fixture_close(&fx);
}

static void test_pool_workers(void)
{
    struct fixture fx;
    struct session_row rows[4];
    struct pool *pool;
    size_t total = 9;

    CU_ASSERT_EQUAL_FATAL(fixture_open(&fx, 0, 0), 0);
    pool = pool_start(2, &fx.shared, &fx.log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
    for (size_t i = 0; i < pool_size(pool); i++) {
        CU_ASSERT_EQUAL(worker_id(pool_worker(pool, i)), (int)i);
        CU_ASSERT_EQUAL(worker_sessions(pool_worker(pool, i), rows, 4, &total,
                                        WAIT_MS), 0);
        CU_ASSERT_EQUAL(total, 0);
    }
    pool_stop(pool, 0);
    pool_free(pool);
    fixture_close(&fx);
}

/* When a worker that found no events yields before it sleeps (worker.h). */
static void test_yield_rule(void)
{
    CU_ASSERT_FALSE(worker_yields_before_sleep(true, 1000, 1000));
    CU_ASSERT_FALSE(worker_yields_before_sleep(false, 0, 0));
    CU_ASSERT_FALSE(worker_yields_before_sleep(false, 1, 1));
    CU_ASSERT_FALSE(worker_yields_before_sleep(false,
                                               WORKER_YIELD_SESSIONS - 1, 0));
    CU_ASSERT_TRUE(worker_yields_before_sleep(false, WORKER_YIELD_SESSIONS,
                                              0));
    CU_ASSERT_TRUE(worker_yields_before_sleep(false, 2, 1));
}

static CU_TestInfo balancer_worker_tests[] = {
    { "yield before sleep: unpinned, many sessions or bulk",
      test_yield_rule },
    { "worker_sessions lists live sessions; no answer is bounded",
      test_sessions_listed },
    { "queue: served through the mailbox, left when the client goes",
      test_queue_through_worker },
    { "pool_worker: each worker of a pool, by index", test_pool_workers },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(balancer_worker, balancer_worker_tests)
