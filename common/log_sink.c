/*
 * log_sink: a ring of whole log lines and the one thread that writes them
 * out. See log_sink.h for the contract.
 *
 * The ring is a byte array used circularly: [head, head + len) holds the
 * lines not yet written, in the order they came. Its mutex guards head,
 * len, the flags and the pending drop count; the writer copies a chunk
 * out under the mutex and writes it without, so a logger never waits for
 * a write(2), only for another thread's memcpy.
 *
 * The writer waits for the fd with poll(2) before each write(2), in
 * slices of WAIT_SLICE_MS, so that it can notice when log_sink_stop gives
 * up on a reader that never reads. A pipe that polls writable takes a
 * chunk of at most PIPE_BUF bytes without blocking; a terminal or socket
 * that takes part of a chunk may still hold the writer in write(2), and
 * then log_sink_stop leaves it behind rather than wait.
 */
#include "log_sink.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* How long the writer waits on poll(2) before it looks at the flags. */
#define WAIT_SLICE_MS 100

struct log_sink {
    int fd;
    pthread_t writer;
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* lines queued, or stop */
    pthread_cond_t drained;     /* the ring is empty and written out */
    char *ring;
    size_t capacity;
    size_t head;                /* first byte not yet written */
    size_t len;                 /* bytes waiting */
    bool writer_waiting;        /* asleep on wake: signal it */
    bool writer_lingering;      /* holding lines back: signal it only for
                                   an urgent line or a ring half full */
    bool urgent;                /* a warn or error line is waiting */
    bool writing;               /* a chunk taken out is being written */
    bool stopping;
    int drainers;               /* threads in log_sink_drain */
    int linger_ms;              /* 0: write lines as soon as they come */
    uint64_t batch_end_ns;      /* when the writer last caught up */
    atomic_bool abandoned;      /* stop gave up: write no more */
    uint64_t dropped_unreported;
    atomic_uint_least64_t dropped_total;
};

/* Copies len bytes in or out of the ring at offset pos, across its end. */
static void ring_copy_in(struct log_sink *s, size_t pos, const char *src,
                         size_t len)
{
    size_t first = s->capacity - pos < len ? s->capacity - pos : len;

    memcpy(s->ring + pos, src, first);
    memcpy(s->ring, src + first, len - first);
}

static void ring_copy_out(const struct log_sink *s, char *dst, size_t len)
{
    size_t first = s->capacity - s->head < len ? s->capacity - s->head : len;

    memcpy(dst, s->ring + s->head, first);
    memcpy(dst + first, s->ring, len - first);
}

static size_t count_lines(const char *text, size_t len)
{
    size_t lines = 0;

    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    return lines;
}

static void timespec_add_ms(struct timespec *t, int ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
static void init_monotonic_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

/* Appends len bytes to the ring. Call with the lock held and room. */
static void ring_append(struct log_sink *s, const char *lines, size_t len)
{
    ring_copy_in(s, (s->head + s->len) % s->capacity, lines, len);
    s->len += len;
}

/*
 * Queues the line that reports the lines dropped so far, if any, when the
 * ring has room for it and for extra more bytes: it then stands in the
 * log where the lines are missing. Returns -1 when a gap stays open (the
 * extra bytes must then be dropped too, or they would come before the
 * report of lines lost ahead of them), else 0. Call with the lock held.
 */
static int mark_gap(struct log_sink *s, size_t extra)
{
    char line[128];
    size_t len;

    if (s->dropped_unreported == 0)
        return 0;
    len = log_format_line(line, sizeof(line), LOG_WARN, "log", "log_dropped",
                          "n=%llu", (unsigned long long)s->dropped_unreported);
    if (len + extra > s->capacity - s->len)
        return -1;
    ring_append(s, line, len);
    s->dropped_unreported = 0;
    return 0;
}

/* Whether the writer should be woken for what the ring now holds. Call
 * with the lock held. */
static bool wakes_writer(const struct log_sink *s)
{
    if (s->writer_waiting)
        return true;
    return s->writer_lingering && (s->urgent || s->len >= s->capacity / 2);
}

int log_sink_write(struct log_sink *s, const char *lines, size_t len,
                   bool urgent)
{
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    if (mark_gap(s, len) == -1 || len > s->capacity - s->len) {
        uint64_t n = count_lines(lines, len);

        s->dropped_unreported += n;
        atomic_fetch_add_explicit(&s->dropped_total, n, memory_order_relaxed);
        rc = -1;
    } else {
        ring_append(s, lines, len);
        s->urgent |= urgent;
    }
    if (rc == 0 && wakes_writer(s))
        pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

uint64_t log_sink_dropped(struct log_sink *s)
{
    return atomic_load_explicit(&s->dropped_total, memory_order_relaxed);
}

/* Writes buf once fd can take it, unless the sink is abandoned first. */
static void write_when_ready(struct log_sink *s, const char *buf, size_t len)
{
    struct pollfd p = { .fd = s->fd, .events = POLLOUT };

    while (!atomic_load(&s->abandoned)) {
        int n = poll(&p, 1, WAIT_SLICE_MS);

        if (n == 1 || (n == -1 && errno != EINTR)) {
            log_write_all(s->fd, buf, len);
            return;
        }
    }
}

/* Takes the longest run of whole lines of at most LOG_LINE_MAX bytes off
 * the ring into chunk. Call with the lock held and s->len > 0. */
static size_t take_chunk(struct log_sink *s, char *chunk)
{
    size_t n = s->len < LOG_LINE_MAX ? s->len : LOG_LINE_MAX;

    ring_copy_out(s, chunk, n);
    /* Every line is at most LOG_LINE_MAX long, so one ends within n. */
    while (n > 0 && chunk[n - 1] != '\n')
        n--;
    s->head = (s->head + n) % s->capacity;
    s->len -= n;
    return n;
}

static uint64_t now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/*
 * Holds the lines that came after the writer last caught up until
 * linger_ms after that moment, so that a busy logger's lines go out in a
 * few large writes instead of a wake-up and a write(2) per flush. A line
 * never waits longer than linger_ms; an urgent line, a ring half full, a
 * drain or a stop end the wait at once. Call with the lock held and lines
 * in the ring; returns true when it waited (look at the ring again).
 */
static bool linger(struct log_sink *s)
{
    uint64_t until = s->batch_end_ns + (uint64_t)s->linger_ms * 1000000u;
    struct timespec deadline;

    if (s->linger_ms == 0 || s->urgent || s->stopping || s->drainers > 0 ||
        s->len >= s->capacity / 2 || now_ns() >= until)
        return false;
    deadline.tv_sec = (time_t)(until / 1000000000u);
    deadline.tv_nsec = (long)(until % 1000000000u);
    s->writer_lingering = true;
    pthread_cond_timedwait(&s->wake, &s->lock, &deadline);
    s->writer_lingering = false;
    return true;
}

static void *writer_main(void *arg)
{
    struct log_sink *s = arg;
    char chunk[LOG_LINE_MAX];
    bool wrote = false;

    pthread_setname_np(pthread_self(), "log");
    pthread_mutex_lock(&s->lock);
    for (;;) {
        size_t n;

        /* Caught up, and no line came to carry the report of a gap. */
        if (s->len == 0)
            mark_gap(s, 0);
        if ((s->len == 0 && s->stopping) || atomic_load(&s->abandoned))
            break;
        if (s->len == 0) {
            pthread_cond_broadcast(&s->drained);
            /* Caught up after writing: the next lines may wait. */
            if (wrote && s->linger_ms > 0)
                s->batch_end_ns = now_ns();
            wrote = false;
            s->writer_waiting = true;
            pthread_cond_wait(&s->wake, &s->lock);
            s->writer_waiting = false;
            if (s->len > 0 && linger(s))
                continue;
        }
        if (s->len == 0)
            continue;
        s->urgent = false;
        n = take_chunk(s, chunk);
        s->writing = true;
        pthread_mutex_unlock(&s->lock);
        write_when_ready(s, chunk, n);
        pthread_mutex_lock(&s->lock);
        s->writing = false;
        wrote = true;
    }
    pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Starts the writer with every signal blocked: signals are for the
 * threads that act on them, and a stray one must not end the process
 * through a thread that only writes. Returns 0 or an errno value. */
static int start_writer(struct log_sink *s)
{
    sigset_t all, old;
    int err;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&s->writer, NULL, writer_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

struct log_sink *log_sink_start(int fd, size_t capacity)
{
    struct log_sink *s = calloc(1, sizeof(*s));
    int err;

    if (s == NULL)
        return NULL;
    s->fd = fd;
    s->capacity = capacity < LOG_LINE_MAX ? LOG_LINE_MAX : capacity;
    s->ring = malloc(s->capacity);
    atomic_init(&s->dropped_total, 0);
    atomic_init(&s->abandoned, false);
    pthread_mutex_init(&s->lock, NULL);
    init_monotonic_cond(&s->wake);
    init_monotonic_cond(&s->drained);
    err = s->ring == NULL ? ENOMEM : start_writer(s);
    if (err != 0) {
        pthread_cond_destroy(&s->drained);
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s->ring);
        free(s);
        errno = err;
        return NULL;
    }
    return s;
}

void log_sink_linger(struct log_sink *s, int linger_ms)
{
    pthread_mutex_lock(&s->lock);
    s->linger_ms = linger_ms < 0 ? 0 : linger_ms;
    pthread_mutex_unlock(&s->lock);
}

struct log_sink *log_sink_start_for(struct logger *lg, size_t capacity)
{
    struct log_sink *sink = log_sink_start(lg->fd, capacity);

    if (sink == NULL) {
        log_event(lg, LOG_ERROR, "error", "op=thread what=log err=%s",
                  log_errno_name(errno));
        return NULL;
    }
    log_sink_attach(lg, sink);
    return sink;
}

/* Joins the writer if it ends within wait_ms. Returns 0 when joined. */
static int join_within(struct log_sink *s, int wait_ms)
{
    struct timespec deadline;

    /* pthread_timedjoin_np measures against CLOCK_REALTIME. */
    clock_gettime(CLOCK_REALTIME, &deadline);
    timespec_add_ms(&deadline, wait_ms);
    return pthread_timedjoin_np(s->writer, NULL, &deadline) == 0 ? 0 : -1;
}

void log_sink_stop(struct log_sink *s, int wait_ms)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (join_within(s, wait_ms) == -1) {
        /* The reader does not read: what is left in the ring is lost. */
        atomic_store(&s->abandoned, true);
        if (join_within(s, 2 * WAIT_SLICE_MS) == -1) {
            /* Held inside write(2): leave it the sink; exit ends both. */
            pthread_detach(s->writer);
            return;
        }
    }
    pthread_cond_destroy(&s->drained);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->ring);
    free(s);
}

int log_sink_drain(struct log_sink *s, int wait_ms)
{
    struct timespec deadline;
    bool drained;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    timespec_add_ms(&deadline, wait_ms);
    pthread_mutex_lock(&s->lock);
    s->drainers++;
    if (s->writer_lingering)
        pthread_cond_signal(&s->wake);
    while ((s->len > 0 || s->writing) && !atomic_load(&s->abandoned) &&
           pthread_cond_timedwait(&s->drained, &s->lock, &deadline) == 0)
        continue;
    s->drainers--;
    drained = s->len == 0 && !s->writing;
    pthread_mutex_unlock(&s->lock);
    return drained ? 0 : -1;
}
