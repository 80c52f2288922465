/*
 * worker: a thread with an epoll loop and a mailbox. See worker.h.
 *
 * The mailbox carries three kinds of news, all under the worker's mutex
 * and announced by its eventfd: clients to start, waiters of its queued
 * sessions that a release on some thread served, and requests for its
 * list of sessions. A sender appends, unlocks, then writes the eventfd
 * when the list was empty; the worker reads the eventfd before it takes
 * the lists under the mutex. So news that comes after the worker took the
 * lists finds them empty and writes the eventfd again: none is left
 * unannounced.
 *
 * Listing sessions (worker_sessions) goes through the mailbox too: only
 * the worker thread may walk its sessions, and asking it costs the hot
 * path nothing (no lock per byte or per session). The asker waits, with a
 * bound, for the answer the worker leaves in a buffer of its own under
 * the mutex.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "clock.h"

#define WORKER_EVENTS 256
#define WORKER_SCRATCH (64 * 1024)

/* One client waiting in the mailbox. */
struct handoff {
    int fd;
    uint64_t sid;
    struct net_addr addr;
};

struct worker {
    int id;
    int cpu;                    /* pinned to this CPU; -1: not pinned */
    pthread_t thread;
    bool started;
    int wake_fd;                /* eventfd: mailbox has news */
    const struct logger *main_log;  /* for lines other threads write */
    struct logger log;          /* the worker thread's alone: buffered */
    struct log_buffer log_buffer;
    struct worker_ctx ctx;       /* the worker thread's alone */
    struct handoff *spare;      /* the worker thread's alone: swapped with */
    size_t spare_cap;           /* the queue to empty it outside the lock */
    struct acceptor acceptor;   /* the worker thread's alone */

    struct session_row *rows;   /* the worker thread's: the next answer */
    size_t rows_cap;

    pthread_mutex_t lock;       /* guards the fields below */
    pthread_cond_t answered;    /* rows_done moved */
    struct handoff *queue;
    size_t queue_len;
    size_t queue_cap;
    struct balancer_waiter *served_head;    /* served waiters, in order */
    struct balancer_waiter *served_tail;
    uint64_t rows_asked;        /* requests for the session list */
    uint64_t rows_done;         /* the last request answered */
    struct session_row *answer; /* its answer */
    size_t answer_len;
    size_t answer_cap;
    bool stopping;
    uint64_t stop_deadline_ms;
    int listen_fd;              /* set by worker_listen, -1 once taken */
    acceptor_dispatch_fn dispatch;
    void *dispatch_arg;
};

/* The worker whose thread this is; NULL on other threads. */
static _Thread_local struct worker *current;

static void wake(struct worker *w);

/* The ready() of the waiters of this worker's sessions (balancer.h): any
 * thread, after the balancer's lock was dropped. */
static void waiter_ready(struct balancer_waiter *waiter)
{
    struct worker *w = waiter->owner;
    bool was_empty;

    waiter->mail_next = NULL;
    pthread_mutex_lock(&w->lock);
    was_empty = w->served_head == NULL;
    if (was_empty)
        w->served_head = waiter;
    else
        w->served_tail->mail_next = waiter;
    w->served_tail = waiter;
    pthread_mutex_unlock(&w->lock);
    if (was_empty)
        wake(w);
}

struct worker *worker_create(int id, struct proxy_shared *shared,
                             const struct logger *parent)
{
    struct worker *w = calloc(1, sizeof(*w));
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    char name[16];

    if (w == NULL)
        return NULL;
    w->id = id;
    w->cpu = -1;
    w->wake_fd = -1;
    w->listen_fd = -1;
    snprintf(name, sizeof(name), "w%d", id);
    w->main_log = parent;
    log_fork(&w->log, parent, name);
    log_buffer_attach(&w->log, &w->log_buffer);
    w->ctx.log = &w->log;
    w->ctx.shared = shared;
    w->ctx.waiter_ready = waiter_ready;
    w->ctx.waiter_owner = w;
    w->ctx.scratch_size = WORKER_SCRATCH;
    w->ctx.scratch = malloc(WORKER_SCRATCH);
    w->ctx.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    acceptor_init(&w->acceptor, w->ctx.epoll_fd, shared, &w->log);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->answered, NULL);
    if (w->ctx.scratch == NULL || w->ctx.epoll_fd == -1 || w->wake_fd == -1 ||
        epoll_ctl(w->ctx.epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &ev) == -1) {
        int saved = errno;

        worker_destroy(w);
        errno = saved;
        return NULL;
    }
    return w;
}

void worker_destroy(struct worker *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->queue_len; i++)
        close(w->queue[i].fd);
    /* Waiters served after the thread ended: their sessions were closed,
     * so they belong to no one else. */
    while (w->served_head != NULL) {
        struct balancer_waiter *next = w->served_head->mail_next;

        free(w->served_head);
        w->served_head = next;
    }
    acceptor_close(&w->acceptor);
    free(w->queue);
    free(w->spare);
    free(w->ctx.spare_waiter);
    free(w->rows);
    free(w->answer);
    free(w->ctx.scratch);
    if (w->ctx.epoll_fd != -1)
        close(w->ctx.epoll_fd);
    if (w->wake_fd != -1)
        close(w->wake_fd);
    pthread_cond_destroy(&w->answered);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Called from other threads: logs through their logger, not the worker's
 * buffered one. */
static void wake(struct worker *w)
{
    uint64_t one = 1;

    /* EAGAIN means the counter is already non-zero: it will wake anyway. */
    if (write(w->wake_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
        log_event(w->main_log, LOG_ERROR, "wake_fail", "id=%d err=%s", w->id,
                  strerrorname_np(errno));
}

int worker_hand_off(struct worker *w, int fd, uint64_t sid,
                    const struct net_addr *client)
{
    bool was_empty;

    atomic_fetch_add(&w->ctx.load, 1);
    /* Dealt to itself by its own acceptor: no mailbox, no wake-up. */
    if (current == w) {
        session_start(&w->ctx, fd, sid, client);
        return 0;
    }
    pthread_mutex_lock(&w->lock);
    if (w->queue_len == w->queue_cap) {
        size_t cap = w->queue_cap ? 2 * w->queue_cap : 64;
        struct handoff *queue = realloc(w->queue, cap * sizeof(*queue));

        if (queue == NULL) {
            pthread_mutex_unlock(&w->lock);
            atomic_fetch_sub(&w->ctx.load, 1);
            errno = ENOMEM;
            return -1;
        }
        w->queue = queue;
        w->queue_cap = cap;
    }
    was_empty = w->queue_len == 0;
    w->queue[w->queue_len++] = (struct handoff){ fd, sid, *client };
    pthread_mutex_unlock(&w->lock);
    /* One wakeup per batch: later hand-offs find the queue non-empty. */
    if (was_empty)
        wake(w);
    return 0;
}

struct worker *worker_current(void)
{
    return current;
}

long worker_load(struct worker *w)
{
    return atomic_load(&w->ctx.load);
}

void worker_listen(struct worker *w, int listen_fd,
                   acceptor_dispatch_fn dispatch, void *dispatch_arg)
{
    pthread_mutex_lock(&w->lock);
    w->listen_fd = listen_fd;
    w->dispatch = dispatch;
    w->dispatch_arg = dispatch_arg;
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

void worker_stop(struct worker *w, uint64_t deadline_ms)
{
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    w->stop_deadline_ms = deadline_ms;
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

/* Answers a request for the session list: the rows are built on this
 * thread into its own buffer, then swapped with the answer under the
 * mutex. */
static void answer_rows(struct worker *w, uint64_t asked)
{
    size_t want = w->ctx.sessions, len;
    struct session_row *rows = w->rows;

    if (want > w->rows_cap) {
        rows = realloc(w->rows, want * sizeof(*rows));
        if (rows != NULL) {
            w->rows = rows;
            w->rows_cap = want;
        }
    }
    len = session_rows(&w->ctx, w->rows, w->rows_cap);
    pthread_mutex_lock(&w->lock);
    rows = w->answer;
    want = w->answer_cap;
    w->answer = w->rows;
    w->answer_cap = w->rows_cap;
    w->answer_len = len;
    w->rows = rows;
    w->rows_cap = want;
    w->rows_done = asked;
    pthread_cond_broadcast(&w->answered);
    pthread_mutex_unlock(&w->lock);
}

/*
 * Takes everything in the mailbox and starts a session per client (even
 * when stopping: those clients were accepted before the stop, and get the
 * drain time like everyone else), starts or stops listening as asked.
 * Returns whether a stop was requested.
 */
static bool empty_mailbox(struct worker *w, uint64_t *deadline_ms)
{
    struct handoff *taken;
    size_t count, cap;
    uint64_t counter;
    bool stopping;
    int listen_fd;
    acceptor_dispatch_fn dispatch;
    void *dispatch_arg;

    if (read(w->wake_fd, &counter, sizeof(counter)) == -1 && errno != EAGAIN)
        log_event(&w->log, LOG_ERROR, "wake_fail", "err=%s",
                  strerrorname_np(errno));
    pthread_mutex_lock(&w->lock);
    taken = w->queue;
    count = w->queue_len;
    cap = w->queue_cap;
    w->queue = w->spare;
    w->queue_cap = w->spare_cap;
    w->queue_len = 0;
    stopping = w->stopping;
    *deadline_ms = w->stop_deadline_ms;
    listen_fd = w->listen_fd;
    dispatch = w->dispatch;
    dispatch_arg = w->dispatch_arg;
    w->listen_fd = -1;
    pthread_mutex_unlock(&w->lock);
    w->spare = taken;
    w->spare_cap = cap;
    for (size_t i = 0; i < count; i++)
        session_start(&w->ctx, taken[i].fd, taken[i].sid, &taken[i].addr);
    if (stopping)
        acceptor_close(&w->acceptor);
    else if (listen_fd != -1)
        acceptor_listen(&w->acceptor, listen_fd, dispatch, dispatch_arg);
    return stopping;
}

/*
 * Takes the rest of the mailbox's news (after empty_mailbox, on the same
 * wake-up): the waiters of queued sessions that releases served, handed
 * to their sessions in the order they were served, and a request for the
 * session list.
 */
static void take_news(struct worker *w)
{
    struct balancer_waiter *served;
    uint64_t rows_asked;
    bool rows_wanted;

    pthread_mutex_lock(&w->lock);
    served = w->served_head;
    w->served_head = w->served_tail = NULL;
    rows_asked = w->rows_asked;
    rows_wanted = w->rows_asked != w->rows_done;
    pthread_mutex_unlock(&w->lock);
    while (served != NULL) {
        struct balancer_waiter *next = served->mail_next;

        session_waiter_ready(&w->ctx, served);
        served = next;
    }
    if (rows_wanted)
        answer_rows(w, rows_asked);
}

/* Milliseconds epoll may sleep: until the next session deadline (a queued
 * session's included), the end of a pause in accepting (pause, -1: none)
 * or the end of the drain, whichever is first. */
static int loop_timeout(const struct worker *w, int pause, bool stopping,
                        uint64_t deadline_ms)
{
    int timeout = session_next_timeout(&w->ctx);
    int queued = session_queue_timeout(&w->ctx);

    if (pause >= 0 && (timeout < 0 || pause < timeout))
        timeout = pause;
    if (queued >= 0 && (timeout < 0 || queued < timeout))
        timeout = queued;

    if (stopping) {
        int left = deadline_ms > w->ctx.now_ms
                   ? (int)(deadline_ms - w->ctx.now_ms) : 0;

        if (timeout < 0 || left < timeout)
            timeout = left;
    }
    return timeout;
}

bool worker_yields_before_sleep(bool pinned, size_t sessions,
                                size_t splicing)
{
    if (pinned)
        return false;
    return sessions >= WORKER_YIELD_SESSIONS ||
           (sessions >= 2 && splicing > 0);
}

/*
 * Waits for the next events. An unpinned worker that finds none may yield
 * the CPU once and look again before it sleeps: under load, whatever runs
 * meanwhile on this CPU (a backend, a client) is usually what produces its
 * next events, so the worker seldom sleeps. Each sleep costs a wake-up,
 * and the kernel tends to wake a worker onto the waker's CPU, moving it
 * from CPU to CPU. When nothing else wants the CPU, sched_yield() returns
 * at once and the worker sleeps as before. worker.h says when it yields.
 */
static int wait_for_events(struct worker *w, struct epoll_event *events,
                           int timeout)
{
    if (timeout != 0 && worker_yields_before_sleep(w->cpu >= 0,
                                                   w->ctx.sessions,
                                                   w->ctx.splicing)) {
        int n = epoll_wait(w->ctx.epoll_fd, events, WORKER_EVENTS, 0);

        if (n != 0)
            return n;
        sched_yield();
    }
    return epoll_wait(w->ctx.epoll_fd, events, WORKER_EVENTS, timeout);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event events[WORKER_EVENTS];
    bool stopping = false;
    uint64_t deadline_ms = 0;

    char name[16], cpu[16] = "any";

    /* Named threads show up as w0, w1... in top -H, ps -L, perf and gdb. */
    current = w;
    snprintf(name, sizeof(name), "w%d", w->id);
    pthread_setname_np(pthread_self(), name);
    if (w->cpu >= 0)
        snprintf(cpu, sizeof(cpu), "%d", w->cpu);
    log_event(&w->log, LOG_DEBUG, "worker_start", "id=%d cpu=%s", w->id, cpu);
    w->ctx.now_ms = clock_now_ms();
    for (;;) {
        /* Listening or not, as --maxconn and a pause after EMFILE say. */
        int pause = acceptor_tend(&w->acceptor, w->ctx.now_ms);
        int timeout = loop_timeout(w, pause, stopping, deadline_ms), n;

        /* The lines of one pass go out together, before the worker waits. */
        log_flush(&w->log);
        n = wait_for_events(w, events, timeout);

        if (n == -1 && errno != EINTR) {
            log_event(&w->log, LOG_ERROR, "epoll_fail", "err=%s",
                      strerrorname_np(errno));
            break;
        }
        w->ctx.now_ms = clock_now_ms();
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL) {
                stopping |= empty_mailbox(w, &deadline_ms);
                take_news(w);
            } else if (events[i].data.ptr == &w->acceptor)
                acceptor_take(&w->acceptor, w->ctx.now_ms);
            else
                session_handle_event(&w->ctx, events[i].data.ptr,
                                     events[i].events);
        }
        session_expire(&w->ctx);
        session_reap(&w->ctx);
        if (stopping && (w->ctx.sessions == 0 || w->ctx.now_ms >= deadline_ms))
            break;
    }
    session_close_all(&w->ctx, "shutdown");
    /* Ended: every request for the session list, now and later, is
     * answered with none (the control socket outlives the workers). */
    answer_rows(w, UINT64_MAX);
    log_event(&w->log, LOG_DEBUG, "worker_stop", "id=%d", w->id);
    log_flush(&w->log);
    return NULL;
}

/* The n-th CPU (modulo their number) of those the process may run on, or
 * -1 when they cannot be read. Asked from the main thread, which is never
 * pinned, so its mask is the process's. */
static int nth_allowed_cpu(int n)
{
    cpu_set_t allowed;
    int count, seen = 0;

    if (sched_getaffinity(0, sizeof(allowed), &allowed) == -1)
        return -1;
    count = CPU_COUNT(&allowed);
    if (count == 0)
        return -1;
    n %= count;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &allowed) && seen++ == n)
            return cpu;
    }
    return -1;
}

/* Starts the thread already pinned to w->cpu. Returns pthread_create's
 * result. */
static int start_pinned(struct worker *w)
{
    pthread_attr_t attr;
    cpu_set_t set;
    int rc = pthread_attr_init(&attr);

    if (rc != 0)
        return rc;
    CPU_ZERO(&set);
    CPU_SET(w->cpu, &set);
    rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    if (rc == 0)
        rc = pthread_create(&w->thread, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    return rc;
}

int worker_start(struct worker *w)
{
    int rc = EINVAL;

    if (w->ctx.shared->config->cpu_affinity) {
        w->cpu = nth_allowed_cpu(w->id);
        if (w->cpu >= 0)
            rc = start_pinned(w);
        if (rc != 0) {
            /* A CPU taken away meanwhile, or no mask: run unpinned. */
            log_event(&w->log, LOG_WARN, "affinity_fail", "id=%d cpu=%d "
                      "err=%s", w->id, w->cpu, strerrorname_np(rc));
            w->cpu = -1;
        }
    }
    if (w->cpu < 0)
        rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    w->started = true;
    return 0;
}

int worker_sessions(struct worker *w, struct session_row *rows, size_t max,
                    size_t *total, int timeout_ms)
{
    struct timespec until;
    uint64_t asked;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    asked = ++w->rows_asked;
    pthread_mutex_unlock(&w->lock);
    wake(w);
    pthread_mutex_lock(&w->lock);
    /* Answers come in order: a later request's answer also holds. */
    while (w->rows_done < asked && rc == 0)
        rc = pthread_cond_timedwait(&w->answered, &w->lock, &until);
    if (w->rows_done >= asked) {
        size_t n = w->answer_len < max ? w->answer_len : max;

        if (n > 0)      /* no rows yet: answer may be NULL */
            memcpy(rows, w->answer, n * sizeof(*rows));
        *total = w->answer_len;
        pthread_mutex_unlock(&w->lock);
        return (int)n;
    }
    pthread_mutex_unlock(&w->lock);
    errno = ETIMEDOUT;
    return -1;
}

int worker_id(const struct worker *w)
{
    return w->id;
}

void worker_join(struct worker *w)
{
    if (w->started) {
        pthread_join(w->thread, NULL);
        w->started = false;
    }
}
