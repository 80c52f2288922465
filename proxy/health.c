/*
 * health: the checker thread. See health.h.
 *
 * The thread sleeps in poll() on an eventfd, so health_stop() wakes it at
 * once instead of waiting out the interval. Each round checks the slots
 * the balancer has then: backends added while running from the next round
 * on; removed ones are not checked (nor their results kept, for a slot
 * removed during the round). A backend that comes up may start a
 * slow-start ramp, logged here with its own seq.
 */
#include "health.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

struct health {
    pthread_t thread;
    int stop_fd;                        /* eventfd: written to stop */
    struct balancer *balancer;
    const struct config *cfg;
    struct logger log;
    /* The slots as this round found them (which are removed). */
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
};

/* Sleeps up to ms; returns true when asked to stop. */
static bool wait_or_stop(struct health *h, int ms)
{
    struct pollfd pfd = { .fd = h->stop_fd, .events = POLLIN };

    return poll(&pfd, 1, ms) == 1;
}

static void report(struct health *h, size_t index, bool ok, int err)
{
    struct balancer_change change;
    struct balancer_events events;
    const char *name = balancer_spec(h->balancer, index)->name;

    if (h->rows[index].removed)
        return;
    log_event(&h->log, LOG_DEBUG, "check", "be=%s ok=%d err=%s", name, ok,
              ok ? "-" : strerrorname_np(err));
    balancer_check_result_ev(h->balancer, index, ok, h->cfg->rise,
                             h->cfg->fall, &change, &events);
    if (change.went_up)
        log_event(&h->log, LOG_INFO, "backend_up",
                  "be=%s seq=%llu reason=check_ok", name,
                  (unsigned long long)change.state_seq);
    else if (change.went_down)
        log_event(&h->log, LOG_WARN, "backend_down",
                  "be=%s seq=%llu reason=check_failed err=%s", name,
                  (unsigned long long)change.state_seq, strerrorname_np(err));
    balancer_log_events(h->balancer, &h->log, &events, NULL);
}

/* A check that could not even start: when the cause is ours (out of
 * descriptors or memory) the backend is not to blame, so the check is
 * skipped, not counted as failed. */
static void skip_or_report(struct health *h, size_t index, int err)
{
    if (net_local_failure(err))
        log_event(&h->log, LOG_WARN, "check_skipped", "be=%s err=%s",
                  balancer_spec(h->balancer, index)->name,
                  strerrorname_np(err));
    else
        report(h, index, false, err);
}

/* Waits for the connects in fds[] until all finished or the timeout;
 * reports each. Returns true when asked to stop. */
static bool collect(struct health *h, struct pollfd *fds, size_t count,
                    uint64_t deadline_ms)
{
    size_t pending = 0;

    for (size_t i = 0; i < count; i++)
        pending += fds[i].fd >= 0;
    while (pending > 0) {
        uint64_t now = clock_now_ms();
        int n;

        if (now >= deadline_ms)
            break;
        n = poll(fds, count + 1, (int)(deadline_ms - now));
        if (n == -1 && errno != EINTR)
            break;
        if (fds[count].revents != 0)
            return true;
        for (size_t i = 0; i < count && n > 0; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            int err = net_connect_result(fds[i].fd);

            report(h, i, err == 0, err);
            close(fds[i].fd);
            fds[i].fd = -1;
            pending--;
        }
    }
    return false;
}

/* One round: a connect to every backend at once (those added since the
 * last round included). */
static bool check_all(struct health *h)
{
    size_t count = balancer_snapshot(h->balancer, h->rows);
    struct pollfd fds[BALANCER_MAX_BACKENDS + 1];
    long wait_ms = h->cfg->connect_timeout_ms < h->cfg->health_interval_ms
                   ? h->cfg->connect_timeout_ms : h->cfg->health_interval_ms;
    bool stop;

    for (size_t i = 0; i < count; i++) {
        if (h->rows[i].removed) {       /* nothing to check any more */
            fds[i] = (struct pollfd){ .fd = -1 };
            continue;
        }
        fds[i].fd = net_connect(&balancer_spec(h->balancer, i)->addr);
        fds[i].events = POLLOUT;
        fds[i].revents = 0;
        if (fds[i].fd == -1)
            skip_or_report(h, i, errno);
    }
    fds[count] = (struct pollfd){ .fd = h->stop_fd, .events = POLLIN };
    stop = collect(h, fds, count, clock_now_ms() + (uint64_t)wait_ms);
    for (size_t i = 0; i < count; i++) {
        if (fds[i].fd < 0)
            continue;
        close(fds[i].fd);
        if (!stop)
            report(h, i, false, ETIMEDOUT);
    }
    return stop;
}

static void *health_main(void *arg)
{
    struct health *h = arg;

    pthread_setname_np(pthread_self(), "health");
    while (!wait_or_stop(h, (int)h->cfg->health_interval_ms)) {
        if (check_all(h))
            break;
    }
    return NULL;
}

int health_start(struct health **out, struct balancer *balancer,
                 const struct config *cfg, const struct logger *parent)
{
    struct health *h;
    int rc;

    *out = NULL;
    if (cfg->health_interval_ms == 0)
        return 0;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return -1;
    h->balancer = balancer;
    h->cfg = cfg;
    log_fork(&h->log, parent, "health");
    h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (h->stop_fd == -1) {
        free(h);
        return -1;
    }
    rc = pthread_create(&h->thread, NULL, health_main, h);
    if (rc != 0) {
        close(h->stop_fd);
        free(h);
        errno = rc;
        return -1;
    }
    *out = h;
    return 0;
}

void health_stop(struct health *h)
{
    uint64_t one = 1;

    if (h == NULL)
        return;
    if (write(h->stop_fd, &one, sizeof(one)) == -1)
        log_event(&h->log, LOG_ERROR, "health_stop_fail", "err=%s",
                  strerrorname_np(errno));
    pthread_join(h->thread, NULL);
    close(h->stop_fd);
    free(h);
}
