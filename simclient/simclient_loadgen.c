/*
 * simclient_loadgen: epoll + timer heap around the client slots.
 * See simclient_loadgen.h for the picture.
 *
 * Slots only open sockets from timers, never while the events of one
 * epoll_pwait batch are being handled: a slot that ends and restarts goes
 * through a timer "at now", so no event left in the batch can be mistaken
 * for an event of the slot's next socket.
 */
#include "simclient_loadgen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "heap.h"
#include "logfmt.h"
#include "simclient_conn.h"

#define LOADGEN_BUF_SIZE (64 * 1024)
#define LOADGEN_EVENTS 512

struct loadgen {
    const struct simclient_loadgen_config *config;
    struct simclient_conn_env env;
    struct heap timers;
    struct simclient_throttle throttle;
    struct simclient_conn **slots;
    size_t slot_count;
    size_t active_slots;        /* slots not IDLE */
    uint32_t next_cid;
    uint64_t started_ns;
};

static void loadgen_teardown(struct loadgen *lg)
{
    for (size_t i = 0; i < lg->slot_count; i++)
        simclient_conn_free(lg->slots[i]);
    free(lg->slots);
    heap_free(&lg->timers);
    free(lg->env.read_buf);
    free(lg->env.write_buf);
    if (lg->env.epoll_fd != -1)
        close(lg->env.epoll_fd);
}

static int loadgen_setup(struct loadgen *lg,
                         const struct simclient_loadgen_config *config,
                         struct simclient_stats *stats)
{
    size_t clients = (size_t)config->options->clients;

    lg->config = config;
    lg->env.options = config->options;
    lg->env.targets = config->targets;
    lg->env.log = config->log;
    lg->env.stats = stats;
    lg->env.throttle = &lg->throttle;
    simclient_throttle_init(&lg->throttle);
    lg->env.timers = &lg->timers;
    lg->env.buf_size = LOADGEN_BUF_SIZE;
    lg->env.read_buf = malloc(LOADGEN_BUF_SIZE);
    lg->env.write_buf = malloc(LOADGEN_BUF_SIZE);
    lg->env.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    heap_init(&lg->timers);
    lg->slots = calloc(clients, sizeof(*lg->slots));
    lg->next_cid = 1;
    if (lg->env.epoll_fd == -1)
        return -1;
    if (lg->env.read_buf == NULL || lg->env.write_buf == NULL ||
        lg->slots == NULL)
        goto no_memory;
    for (; lg->slot_count < clients; lg->slot_count++) {
        lg->slots[lg->slot_count] = simclient_conn_new(&lg->env);
        if (lg->slots[lg->slot_count] == NULL)
            goto no_memory;
    }
    return 0;
no_memory:
    errno = ENOMEM;
    return -1;
}

/* Queues every slot's first start, spread evenly over --ramp. */
static int loadgen_schedule_all(struct loadgen *lg)
{
    const struct simclient_options *options = lg->config->options;
    uint64_t ramp_ns = (uint64_t)options->ramp_ms * 1000000u;

    lg->started_ns = clock_now_ns();
    if (options->duration_ms > 0)
        lg->env.deadline_ns = lg->started_ns +
                              (uint64_t)options->duration_ms * 1000000u;
    for (size_t i = 0; i < lg->slot_count; i++) {
        uint64_t at = lg->started_ns + ramp_ns * i / lg->slot_count;

        if (simclient_conn_schedule(lg->slots[i], lg->next_cid++, at) == -1)
            return -1;
        lg->active_slots++;
    }
    return 0;
}

/* A slot went IDLE: with --duration it starts again, else it is done. */
static void loadgen_slot_ended(struct loadgen *lg, struct simclient_conn *slot)
{
    uint64_t now = clock_now_ns();
    uint64_t deadline = lg->env.deadline_ns;
    uint64_t delay = simclient_conn_retry_ms(slot) * 1000000u;

    if (deadline != 0 && now < deadline) {
        /* A backoff past the end waits for the end only (where the timer
         * drops the start), so the run lasts what --duration asked. */
        if (delay > deadline - now)
            delay = deadline - now;
        if (simclient_conn_schedule(slot, lg->next_cid, now + delay) == 0) {
            lg->next_cid++;
            return;
        }
    }
    lg->active_slots--;
}

static void loadgen_run_timers(struct loadgen *lg)
{
    struct heap_node *top;
    uint64_t now = clock_now_ns();

    while ((top = heap_top(&lg->timers)) != NULL && top->key <= now) {
        struct simclient_conn *slot = simclient_conn_of_timer(top);

        heap_remove(&lg->timers, top);
        if (simclient_conn_on_timer(slot))
            loadgen_slot_ended(lg, slot);
        if (*lg->config->stop)
            return;
    }
}

/* Milliseconds until the next timer, rounded up; -1 when there is none. */
static int loadgen_wait_ms(const struct loadgen *lg)
{
    const struct heap_node *top = heap_top(&lg->timers);
    uint64_t now = clock_now_ns();
    uint64_t wait_ms;

    if (top == NULL)
        return -1;
    if (top->key <= now)
        return 0;
    wait_ms = (top->key - now + 999999u) / 1000000u;
    return wait_ms > 60000 ? 60000 : (int)wait_ms;
}

static int loadgen_loop(struct loadgen *lg)
{
    struct epoll_event events[LOADGEN_EVENTS];

    while (lg->active_slots > 0 && !*lg->config->stop) {
        int count = epoll_pwait(lg->env.epoll_fd, events, LOADGEN_EVENTS,
                                loadgen_wait_ms(lg), lg->config->wait_mask);

        if (count == -1 && errno != EINTR)
            return -1;
        for (int i = 0; i < count; i++) {
            struct simclient_conn *slot = events[i].data.ptr;

            if (simclient_conn_on_io(slot, events[i].events))
                loadgen_slot_ended(lg, slot);
        }
        loadgen_run_timers(lg);
        simclient_throttle_tick(&lg->throttle, lg->config->log,
                                clock_now_ns());
    }
    return 0;
}

/*
 * SIGINT/SIGTERM: end every slot now, counting what it had done. Cutting
 * a --hold short loses nothing; cutting a --duration short does.
 */
static void loadgen_interrupt(struct loadgen *lg)
{
    bool lost = lg->env.deadline_ns != 0 && lg->active_slots > 0 &&
                clock_now_ns() < lg->env.deadline_ns;

    for (size_t i = 0; i < lg->slot_count; i++) {
        if (simclient_conn_interrupt(lg->slots[i]))
            lost = true;
    }
    lg->env.stats->interrupted = lost;
    lg->active_slots = 0;
}

static void log_start(const struct loadgen *lg)
{
    const struct simclient_options *o = lg->config->options;
    char target[NET_ADDRS_STRLEN];
    char name[40], quoted[96];
    const char *behaviour = simclient_options_behaviour(o, name, sizeof(name));

    log_event(lg->config->log, LOG_INFO, "start",
              "target=%s clients=%ld requests=%ld size=%ld half_close=%d "
              "hold_ms=%ld ramp_ms=%ld duration_ms=%ld timeout_ms=%ld seed=%ld "
              "read_rate=%ld write_rate=%ld behaviour=%s",
              net_addrs_format(lg->config->targets, target, sizeof(target)),
              o->clients, o->requests, o->size, o->half_close ? 1 : 0,
              o->hold_ms, o->ramp_ms, o->duration_ms, o->timeout_ms, o->seed,
              o->read_rate, o->write_rate,
              behaviour != NULL ? logfmt_quote(behaviour, quoted,
                                               sizeof(quoted)) : "-");
}

/* The pct-th percentile of the (sorted) latency samples, in ms. */
static double latency_ms(const struct simclient_stats *s, double pct)
{
    return (double)simclient_stats_percentile(s->latency_ns, s->latency_count,
                                              pct) / 1e6;
}

/* Needs the samples sorted (simclient_stats_finish). */
static void log_done(const struct loadgen *lg, const struct simclient_stats *s)
{
    double rps = s->duration_s > 0 ? (double)s->requests_ok / s->duration_s : 0;

    log_event(lg->config->log, LOG_INFO, "done",
              "connections=%lu failed=%lu interrupted=%lu requests_sent=%llu "
              "requests_ok=%llu requests_left=%llu as_planned=%lu "
              "duration_s=%.3f rps=%.1f samples=%zu p50_ms=%.3f p90_ms=%.3f "
              "p99_ms=%.3f max_ms=%.3f result=%s",
              s->connections, s->connections_failed,
              s->connections_interrupted, s->requests_sent, s->requests_ok,
              s->requests_left, s->behaviour_planned, s->duration_s, rps,
              s->latency_count, latency_ms(s, 50), latency_ms(s, 90),
              latency_ms(s, 99), latency_ms(s, 100),
              simclient_stats_passed(s) ? "pass" : "fail");
}

int simclient_loadgen_run(const struct simclient_loadgen_config *config,
                          struct simclient_stats *stats)
{
    struct loadgen lg = { .env = { .epoll_fd = -1 } };
    int rc = -1;
    int saved_errno;

    if (loadgen_setup(&lg, config, stats) == -1 ||
        loadgen_schedule_all(&lg) == -1)
        goto out;
    log_start(&lg);
    rc = loadgen_loop(&lg);
    if (rc == 0) {
        loadgen_interrupt(&lg);
        simclient_throttle_tick(&lg.throttle, config->log, UINT64_MAX);
        stats->duration_s = (double)(clock_now_ns() - lg.started_ns) / 1e9;
        simclient_stats_finish(stats);
        log_done(&lg, stats);
    }
out:
    saved_errno = errno;
    loadgen_teardown(&lg);
    errno = saved_errno;
    return rc;
}
