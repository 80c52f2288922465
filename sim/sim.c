/*
 * sim: the event loop of the simulation. See sim.h for the model.
 *
 * One min-heap of events keyed by their virtual time in nanoseconds: the
 * next arrival, each closed-loop client's next connection, each FIFO
 * connection in service (its end), each processor-sharing backend's next
 * departure, and the next fault. Equal times pop in the heap's own
 * order, which depends only on the pushes made before: so a run is a
 * function of its config and seed.
 *
 *     struct sim ──► heap of events ──► conn (in service: EV_DONE)
 *        │                          ──► backend_run (PS: EV_PS)
 *        ├─ backends[]: members (every conn at it), FIFO wait queue,
 *        │              PS heap of conns by finish tag
 *        ├─ bursts[]: next arrival (EV_ARRIVAL), or clients[] (closed
 *        │            loop: EV_CLIENT)
 *        └─ the balancer (the proxy's, sim_balancer.h)
 *
 * Single-threaded; the balancer's clock reads a thread-local copy of the
 * virtual time.
 */
#include "sim_balancer.h"

#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "rng.h"
#include "sim_check.h"
#include "sim_hist.h"
#include "sim_log.h"

#define NS_PER_S 1e9
#define RETRY_AFTER_NS 1000000      /* a closed-loop client after a failure */

enum event_kind { EV_ARRIVAL, EV_CLIENT, EV_DONE, EV_PS, EV_FAULT };

/* Something due at a virtual time; first member of its owner. */
struct event {
    struct heap_node node;
    enum event_kind kind;
};

/* A connection, from its arrival to its end (then on the free list). */
struct conn {
    struct event ev;            /* EV_DONE while in FIFO service */
    uint64_t sid;
    uint64_t arrival_ns;
    uint64_t work_seed;         /* its service draws */
    uint64_t tried;
    int attempts;
    int backend;
    int burst;                  /* its burst; -1: an initial job */
    int client;                 /* closed loop: its client; else -1 */
    int requests;
    uint64_t cid;               /* the backend's number for it */
    bool serving;
    bool quiet;                 /* an initial job: not logged */
    double work_ns;             /* FIFO: work left when not running;
                                 * PS: its finish tag */
    struct heap_node ps_node;   /* PS: keyed by finish tag */
    struct conn *prev, *next;   /* the backend's members; the free list */
    struct conn *wait_next;     /* the FIFO wait queue */
};

/* A backend as the run has it. */
struct backend_run {
    struct event ps_ev;         /* EV_PS: the next departure */
    const struct sim_backend *conf;
    char name[SIM_NAME_MAX];
    struct conn *members;
    struct conn *wait_head, *wait_tail;
    int jobs;                   /* connections at it */
    int serving;                /* FIFO: in service */
    bool crashed, paused;
    struct heap ps;             /* PS: connections by finish tag */
    double ps_work;             /* PS: work done per connection so far */
    uint64_t ps_last_ns;        /* when ps_work was brought up to date */
    uint64_t accepted;
};

/* A closed-loop client. */
struct client {
    struct event ev;            /* EV_CLIENT: its next connection */
    int burst;
};

/* A burst of clients as the run has it. */
struct burst_run {
    struct event ev;            /* EV_ARRIVAL: the next open-loop one */
    const struct sim_arrivals *conf;
    int requests;
    long started;               /* connections so far */
    long live;                  /* open now */
    struct client *clients;     /* closed loop */
};

struct sim {
    const struct sim_config *cfg;
    struct sim_stats *stats;
    struct balancer *balancer;
    struct balancer_view *view;
    struct heap events;
    uint64_t now;
    uint64_t warmup_ns, duration_ns;
    struct rng rng;
    struct backend_run *backends;
    size_t count;
    struct burst_run *bursts;
    size_t burst_count;
    struct event fault_ev;
    struct sim_fault *faults;   /* sorted by time */
    size_t next_fault;
    size_t live;
    uint64_t sid;
    struct conn *free;
    int max_attempts;
    uint64_t levels[SIM_LEVELS];    /* backends holding k connections */
    struct sim_hist *hist;
    struct sim_log log;
    bool out_of_memory;
};

/* The virtual time the balancer's clock hook reads. */
static _Thread_local uint64_t virtual_ms;

static uint64_t virtual_clock_ms(void)
{
    return virtual_ms;
}

static uint64_t to_ns(double seconds)
{
    return (uint64_t)llround(seconds * NS_PER_S);
}

/* Non-negative doubles order as their bits do: a heap key. */
static uint64_t double_key(double value)
{
    uint64_t key;

    memcpy(&key, &value, sizeof(key));
    return key;
}

static void schedule(struct sim *sim, struct event *ev, uint64_t at)
{
    if (heap_set(&sim->events, &ev->node, at) == -1)
        sim->out_of_memory = true;
}

/* --- draws ------------------------------------------------------------- */

/* Uniform in (0, 1]. */
static double uniform(struct rng *rng)
{
    return ((double)(rng_next(rng) >> 11) + 1.0) / 9007199254740992.0;
}

/* One service time of service, in nanoseconds. */
static double draw_service(const struct sim_service *service, struct rng *rng)
{
    double mean = service->mean * NS_PER_S, a = service->shape, z;

    switch (service->kind) {
    case SIM_SERVICE_EXPONENTIAL:
        return -mean * log(uniform(rng));
    case SIM_SERVICE_PARETO:
        return mean * (a - 1) / a * pow(uniform(rng), -1 / a);
    case SIM_SERVICE_LOGNORMAL:
        /* Box-Muller; mu puts the mean at mean. */
        z = sqrt(-2 * log(uniform(rng))) * cos(2 * M_PI * uniform(rng));
        return exp(log(mean) - a * a / 2 + a * z);
    case SIM_SERVICE_FIXED:
        break;
    }
    return mean;
}

/* A connection's whole work at backend b: its requests' service times,
 * drawn from its own seed, so the same connection brings the same work
 * whichever policy places it. */
static double draw_work(const struct conn *c, const struct backend_run *b)
{
    struct rng rng;
    double work = 0;

    rng_seed(&rng, c->work_seed);
    for (int r = 0; r < c->requests; r++)
        work += draw_service(&b->conf->service, &rng);
    return work;
}

/* --- connections --------------------------------------------------------- */

static struct conn *conn_new(struct sim *sim)
{
    struct conn *c = sim->free;

    if (c != NULL)
        sim->free = c->next;
    else if ((c = malloc(sizeof(*c))) == NULL)
        return NULL;
    memset(c, 0, sizeof(*c));
    heap_node_init(&c->ev.node);
    heap_node_init(&c->ps_node);
    c->ev.kind = EV_DONE;
    c->backend = -1;
    c->client = -1;
    return c;
}

/* A count of jobs changed from was to now at some backend. */
static void level_move(struct sim *sim, int was, int now)
{
    sim->levels[was < SIM_LEVELS ? was : SIM_LEVELS - 1]--;
    sim->levels[now < SIM_LEVELS ? now : SIM_LEVELS - 1]++;
}

static void member_add(struct sim *sim, struct backend_run *b, struct conn *c)
{
    struct sim_backend_stats *st = &sim->stats->backends[c->backend];

    c->prev = NULL;
    c->next = b->members;
    if (b->members != NULL)
        b->members->prev = c;
    b->members = c;
    level_move(sim, b->jobs, b->jobs + 1);
    if (++b->jobs > st->peak)
        st->peak = b->jobs;
}

static void member_remove(struct sim *sim, struct backend_run *b,
                          struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        b->members = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    level_move(sim, b->jobs, b->jobs - 1);
    b->jobs--;
}

/* The connection is over (its backend left already): free it, and let
 * its client go on; the last of a burst ends the burst. */
static void conn_end(struct sim *sim, struct conn *c, bool ok)
{
    if (c->burst >= 0) {
        struct burst_run *br = &sim->bursts[c->burst];
        long limit = br->conf->connections;
        bool more = limit == 0 || br->started < limit;

        br->live--;
        if (c->client >= 0 && more)
            schedule(sim, &br->clients[c->client].ev,
                     sim->now + (ok ? 0 : RETRY_AFTER_NS));
        else if (!more && br->live == 0)
            sim_log_burst_end(&sim->log, c->burst);
    }
    c->next = sim->free;
    sim->free = c;
    sim->live--;
}

/* Refused: nothing eligible, or every attempt failed. */
static void conn_refused(struct sim *sim, struct conn *c)
{
    sim->stats->failed++;
    sim->stats->no_backend++;
    sim_log_refused(&sim->log, c->sid, c->burst, sim->now - c->arrival_ns);
    conn_end(sim, c, false);
}

/* --- service ------------------------------------------------------------- */

/* The connection of a PS heap node. */
static struct conn *ps_conn(struct heap_node *node)
{
    return (struct conn *)(void *)((char *)node -
                                   offsetof(struct conn, ps_node));
}

/* PS: brings the work done per connection up to now. */
static void ps_advance(struct sim *sim, struct backend_run *b)
{
    if (!b->paused && b->ps.count > 0)
        b->ps_work += (double)(sim->now - b->ps_last_ns) /
                      (double)b->ps.count;
    b->ps_last_ns = sim->now;
}

/* PS: the next departure, from the least finish tag. */
static void ps_reschedule(struct sim *sim, struct backend_run *b)
{
    struct heap_node *top = heap_top(&b->ps);
    struct conn *c;
    double left;

    if (b->paused || top == NULL) {
        heap_remove(&sim->events, &b->ps_ev.node);
        return;
    }
    c = ps_conn(top);
    left = c->work_ns - b->ps_work;
    if (left < 0)
        left = 0;
    schedule(sim, &b->ps_ev,
             sim->now + (uint64_t)ceil(left * (double)b->ps.count));
}

/* FIFO: starts c's service. */
static void fifo_serve(struct sim *sim, struct backend_run *b, struct conn *c)
{
    c->serving = true;
    b->serving++;
    schedule(sim, &c->ev, sim->now + (uint64_t)ceil(c->work_ns));
}

/* FIFO: serves the waiting while there is room. */
static void fifo_fill(struct sim *sim, struct backend_run *b)
{
    int limit = b->conf->concurrency;

    while (!b->paused && b->wait_head != NULL &&
           (limit == 0 || b->serving < limit)) {
        struct conn *c = b->wait_head;

        b->wait_head = c->wait_next;
        if (b->wait_head == NULL)
            b->wait_tail = NULL;
        fifo_serve(sim, b, c);
    }
}

/* The connection reached backend b (connected): it serves or waits. */
static void backend_join(struct sim *sim, struct backend_run *b,
                         struct conn *c)
{
    double work = draw_work(c, b);

    c->cid = ++b->accepted;
    sim_log_backend_accept(&sim->log, c->backend, c->cid, c->sid, c->quiet);
    member_add(sim, b, c);
    if (b->conf->discipline == SIM_PS) {
        ps_advance(sim, b);
        /* The finish tag: done when the work per connection reaches it. */
        c->work_ns = b->ps_work + work;
        if (heap_set(&b->ps, &c->ps_node, double_key(c->work_ns)) == -1)
            sim->out_of_memory = true;
        ps_reschedule(sim, b);
        return;
    }
    c->work_ns = work;
    c->wait_next = NULL;
    if (b->wait_tail != NULL)
        b->wait_tail->wait_next = c;
    else
        b->wait_head = c;
    b->wait_tail = c;
    fifo_fill(sim, b);
}

/* The connection's work is done: released, logged, counted. */
static void conn_done(struct sim *sim, struct conn *c)
{
    struct backend_run *b = &sim->backends[c->backend];
    struct balancer_change change;
    uint64_t took = sim->now - c->arrival_ns;

    member_remove(sim, b, c);
    balancer_release(sim->balancer, (size_t)c->backend, BALANCER_RELEASE_OK,
                     &change);
    sim_log_done(&sim->log, c->sid, c->backend, c->cid, change.seq,
                 change.active, took, c->burst);
    sim->stats->ok++;
    sim->stats->backends[c->backend].connections++;
    if (c->arrival_ns >= sim->warmup_ns && !c->quiet)
        sim_hist_add(sim->hist, took);
    conn_end(sim, c, true);
}

/* --- picking ------------------------------------------------------------- */

/* A pick landed on a crashed backend: the connect fails. Returns whether
 * the connection may try again. */
static bool connect_failed(struct sim *sim, struct conn *c, int index)
{
    struct balancer_change change;

    balancer_release(sim->balancer, (size_t)index,
                     BALANCER_RELEASE_CONNECT_FAILED, &change);
    c->attempts++;
    if (index < 64)
        c->tried |= (uint64_t)1 << index;
    sim->stats->backends[index].connect_failed++;
    sim_log_connect_fail(&sim->log, c->sid, index, &change, c->attempts,
                         c->quiet);
    if (c->attempts >= sim->max_attempts)
        return false;
    sim->stats->retries++;
    sim_log_retry(&sim->log, c->sid, c->attempts + 1, c->quiet);
    return true;
}

/* Picks a backend for c (again after each failed connect) and hands it
 * over, or refuses it. */
static void conn_pick(struct sim *sim, struct conn *c)
{
    for (;;) {
        int index = balancer_pick(sim->balancer, c->tried, sim->view);

        if (index < 0) {
            sim_log_no_backend(&sim->log, sim->view, c->sid,
                               c->quiet);
            conn_refused(sim, c);
            return;
        }
        sim_log_pick(&sim->log, sim->view, c->sid, index,
                     c->quiet);
        if (!sim->backends[index].crashed) {
            c->backend = index;
            sim_log_connected(&sim->log, c->sid, index,
                              sim->now - c->arrival_ns, c->quiet);
            backend_join(sim, &sim->backends[index], c);
            return;
        }
        if (!connect_failed(sim, c, index)) {
            conn_refused(sim, c);
            return;
        }
    }
}

/* A new connection of burst arrives now (client: its closed-loop client
 * or -1); burst -1: an initial job, not logged. */
static void conn_arrive(struct sim *sim, int burst, int client)
{
    struct conn *c = conn_new(sim);
    bool quiet = burst < 0;

    if (c == NULL) {
        sim->out_of_memory = true;
        return;
    }
    c->sid = ++sim->sid;
    c->arrival_ns = sim->now;
    c->work_seed = rng_next(&sim->rng);
    c->burst = burst;
    c->client = client;
    c->quiet = quiet;
    c->requests = 1;
    sim->stats->connections++;
    if (!quiet) {
        struct burst_run *br = &sim->bursts[burst];

        c->requests = br->requests;
        br->live++;
        if (br->started++ == 0)
            sim_log_burst_start(&sim->log, burst);
    }
    if (++sim->live > sim->stats->peak_live)
        sim->stats->peak_live = sim->live;
    if (!quiet && sim->now >= sim->warmup_ns) {
        sim->stats->level_samples++;
        for (int k = 0; k < SIM_LEVELS; k++)
            sim->stats->level_sum[k] += sim->levels[k];
    }
    sim_log_accept(&sim->log, c->sid, quiet);
    conn_pick(sim, c);
}

/* --- faults -------------------------------------------------------------- */

/* Every connection at b ends failed: the backend is gone. */
static void backend_crash(struct sim *sim, size_t index)
{
    struct backend_run *b = &sim->backends[index];
    struct conn *c = b->members;

    b->crashed = true;
    b->members = NULL;
    b->wait_head = b->wait_tail = NULL;
    b->serving = 0;
    heap_remove(&sim->events, &b->ps_ev.node);
    while (c != NULL) {
        struct conn *next = c->next;
        struct balancer_change change;

        heap_remove(&sim->events, &c->ev.node);
        heap_remove(&b->ps, &c->ps_node);
        level_move(sim, b->jobs, b->jobs - 1);
        b->jobs--;
        balancer_release(sim->balancer, index, BALANCER_RELEASE_EARLY_CLOSE,
                         &change);
        sim_log_crashed(&sim->log, c->sid, (int)index, &change,
                        sim->now - c->arrival_ns, c->burst);
        sim->stats->failed++;
        sim->stats->backends[index].failed++;
        conn_end(sim, c, false);
        c = next;
    }
    b->ps_work = 0;
}

static void backend_pause(struct sim *sim, struct backend_run *b, bool pause)
{
    if (b->paused == pause || b->crashed)
        return;
    if (b->conf->discipline == SIM_PS) {
        ps_advance(sim, b);
        b->paused = pause;
        ps_reschedule(sim, b);
        return;
    }
    for (struct conn *c = b->members; c != NULL; c = c->next) {
        if (!c->serving)
            continue;
        if (pause) {
            c->work_ns = (double)(c->ev.node.key - sim->now);
            heap_remove(&sim->events, &c->ev.node);
        } else {
            schedule(sim, &c->ev, sim->now + (uint64_t)ceil(c->work_ns));
        }
    }
    b->paused = pause;
    fifo_fill(sim, b);
}

static void backend_health(struct sim *sim, size_t index, bool ok)
{
    struct balancer_change change;

    balancer_check_result_ev(sim->balancer, index, ok, 1, 1, &change, NULL);
    sim_log_health(&sim->log, (int)index, &change);
}

static void fault_apply(struct sim *sim, const struct sim_fault *f)
{
    struct backend_run *b = &sim->backends[f->backend];

    sim_log_fault(&sim->log, f);

    switch (f->kind) {
    case SIM_FAULT_CRASH:
        if (!b->crashed)
            backend_crash(sim, (size_t)f->backend);
        break;
    case SIM_FAULT_RESTART:
        if (b->crashed) {
            b->crashed = false;
            b->paused = false;
            sim_log_backend_listen(&sim->log, f->backend);
        }
        break;
    case SIM_FAULT_PAUSE:
    case SIM_FAULT_RESUME:
        backend_pause(sim, b, f->kind == SIM_FAULT_PAUSE);
        break;
    case SIM_FAULT_DOWN:
    case SIM_FAULT_UP:
        backend_health(sim, (size_t)f->backend, f->kind == SIM_FAULT_UP);
        break;
    }
}

/* --- the loop ------------------------------------------------------------ */

/* The gap before the next open-loop arrival of a. */
static uint64_t next_gap(struct sim *sim, const struct sim_arrivals *a)
{
    if (a->kind == SIM_ARRIVAL_POISSON)
        return (uint64_t)llround(-log(uniform(&sim->rng)) / a->rate *
                                 NS_PER_S);
    return to_ns(a->interval);
}

static void on_event(struct sim *sim, struct event *ev)
{
    switch (ev->kind) {
    case EV_ARRIVAL: {
        struct burst_run *br = (struct burst_run *)(void *)ev;
        long limit = br->conf->connections;

        conn_arrive(sim, (int)(br - sim->bursts), -1);
        if (limit == 0 || br->started < limit)
            schedule(sim, ev, sim->now + next_gap(sim, br->conf));
        break;
    }
    case EV_CLIENT: {
        struct client *cl = (struct client *)(void *)ev;

        conn_arrive(sim, cl->burst,
                    (int)(cl - sim->bursts[cl->burst].clients));
        break;
    }
    case EV_DONE: {
        struct conn *c = (struct conn *)(void *)ev;
        struct backend_run *b = &sim->backends[c->backend];

        b->serving--;
        conn_done(sim, c);
        fifo_fill(sim, b);
        break;
    }
    case EV_PS: {
        struct backend_run *b = (struct backend_run *)(void *)ev;
        struct heap_node *top;

        ps_advance(sim, b);
        top = heap_top(&b->ps);
        heap_remove(&b->ps, top);
        conn_done(sim, ps_conn(top));
        ps_reschedule(sim, b);
        break;
    }
    case EV_FAULT:
        fault_apply(sim, &sim->faults[sim->next_fault++]);
        if (sim->next_fault < sim->cfg->fault_count)
            schedule(sim, ev, to_ns(sim->faults[sim->next_fault].at));
        break;
    }
}

static void run_loop(struct sim *sim)
{
    struct heap_node *top;

    while (!sim->out_of_memory && (top = heap_top(&sim->events)) != NULL) {
        if (sim->duration_ns > 0 && top->key > sim->duration_ns)
            break;
        sim->now = top->key;
        virtual_ms = sim->now / 1000000;
        heap_remove(&sim->events, top);
        sim->stats->events++;
        on_event(sim, (struct event *)(void *)top);
    }
    if (sim->duration_ns > 0 && sim->now < sim->duration_ns &&
        heap_top(&sim->events) != NULL)
        sim->now = sim->duration_ns;
}

/* Connections present at time 0: each backend in turn is the only one
 * ready (the others disabled, by the operator's API), so the real
 * balancer places and counts them. */
static void prefill(struct sim *sim)
{
    bool any = false;

    for (size_t i = 0; i < sim->count; i++)
        any |= sim->backends[i].conf->initial_jobs > 0;
    if (!any)
        return;
    for (size_t i = 0; i < sim->count; i++)
        balancer_set_admin(sim->balancer, i, BALANCER_DISABLED, NULL);
    for (size_t i = 0; i < sim->count; i++) {
        balancer_set_admin(sim->balancer, i, BALANCER_READY, NULL);
        for (int k = 0; k < sim->backends[i].conf->initial_jobs; k++)
            conn_arrive(sim, -1, -1);
        balancer_set_admin(sim->balancer, i, BALANCER_DISABLED, NULL);
    }
    for (size_t i = 0; i < sim->count; i++)
        balancer_set_admin(sim->balancer, i, BALANCER_READY, NULL);
}

/* --- setting up ---------------------------------------------------------- */

static int by_time(const void *a, const void *b)
{
    const struct sim_fault *fa = a, *fb = b;

    if (fa->at != fb->at)
        return fa->at < fb->at ? -1 : 1;
    return fa < fb ? -1 : fa > fb;
}

static struct balancer *make_balancer(struct sim *sim)
{
    const struct sim_config *cfg = sim->cfg;
    struct balancer_backend_spec *specs = calloc(sim->count, sizeof(*specs));
    struct balancer_tuning tuning = {
        .slowstart_ms = cfg->slowstart_ms, .eject_after = cfg->eject_after,
        .eject_time_ms = cfg->eject_time_ms,
        .eject_max_time_ms = cfg->eject_max_time_ms,
        .eject_max_percent = cfg->eject_max_percent,
        .clock_ms = virtual_clock_ms,
    };
    enum balancer_policy policy = BALANCER_LEASTCONN;
    struct balancer *balancer;

    if (specs == NULL)
        return NULL;
    if (cfg->policy != NULL)
        balancer_policy_parse(cfg->policy, &policy);
    for (size_t i = 0; i < sim->count; i++) {
        const struct sim_backend *b = &cfg->backends[i];

        memcpy(specs[i].name, sim->backends[i].name, SIM_NAME_MAX);
        sim_log_backend_addr(i, &specs[i].addr);
        specs[i].weight = b->weight > 0 ? b->weight : 1;
        specs[i].maxconn = b->maxconn;
        specs[i].slowstart_ms = b->slowstart_ms;
    }
    balancer = balancer_create(specs, sim->count, policy, cfg->passive_down,
                               cfg->seed);
    free(specs);
    if (balancer != NULL)
        balancer_tune(balancer, &tuning);
    return balancer;
}

/* Everything a run needs before its first event. Returns 0 or -1. */
static int sim_setup(struct sim *sim, const struct sim_config *cfg,
                     struct sim_stats *stats)
{
    sim->cfg = cfg;
    sim->stats = stats;
    sim->count = cfg->backend_count;
    sim->burst_count = cfg->burst_count;
    sim->max_attempts = sim->count < 64 ? (int)sim->count : 64;
    sim->warmup_ns = to_ns(cfg->warmup);
    sim->duration_ns = to_ns(cfg->duration);
    virtual_ms = 0;
    rng_seed(&sim->rng, rng_mix(cfg->seed));
    heap_init(&sim->events);
    stats->backend_count = sim->count;
    stats->backends = calloc(sim->count, sizeof(*stats->backends));
    sim->backends = calloc(sim->count, sizeof(*sim->backends));
    sim->view = malloc(sizeof(*sim->view));
    sim->hist = calloc(1, sizeof(*sim->hist));
    sim->faults = malloc((cfg->fault_count + 1) * sizeof(*sim->faults));
    sim->bursts = calloc(sim->burst_count, sizeof(*sim->bursts));
    if (stats->backends == NULL || sim->backends == NULL ||
        sim->bursts == NULL ||
        sim->view == NULL || sim->hist == NULL || sim->faults == NULL)
        return -1;
    if (cfg->fault_count > 0)
        memcpy(sim->faults, cfg->faults,
               cfg->fault_count * sizeof(*sim->faults));
    qsort(sim->faults, cfg->fault_count, sizeof(*sim->faults), by_time);
    for (size_t i = 0; i < sim->count; i++) {
        struct backend_run *b = &sim->backends[i];

        b->conf = &cfg->backends[i];
        b->ps_ev.kind = EV_PS;
        heap_node_init(&b->ps_ev.node);
        heap_init(&b->ps);
        if (b->conf->name[0] != '\0')
            memcpy(b->name, b->conf->name, SIM_NAME_MAX);
        else
            snprintf(b->name, sizeof(b->name), "b%zu", i + 1);
    }
    for (size_t i = 0; i < sim->burst_count; i++) {
        struct burst_run *br = &sim->bursts[i];

        br->conf = &cfg->bursts[i];
        br->requests = br->conf->requests > 0 ? br->conf->requests : 1;
        br->ev.kind = EV_ARRIVAL;
        heap_node_init(&br->ev.node);
    }
    sim->levels[0] = sim->count;
    sim->balancer = make_balancer(sim);
    return sim->balancer != NULL ? 0 : -1;
}

/* Queues a burst's first arrival(s). Returns 0 or -1. */
static int burst_start(struct sim *sim, size_t index)
{
    struct burst_run *br = &sim->bursts[index];
    const struct sim_arrivals *a = br->conf;
    uint64_t start = to_ns(a->start);

    if (a->kind != SIM_ARRIVAL_CLOSED) {
        schedule(sim, &br->ev, start);
        return 0;
    }
    br->clients = calloc((size_t)a->clients, sizeof(*br->clients));
    if (br->clients == NULL)
        return -1;
    for (int i = 0; i < a->clients; i++) {
        br->clients[i].ev.kind = EV_CLIENT;
        br->clients[i].burst = (int)index;
        heap_node_init(&br->clients[i].ev.node);
        if (a->connections == 0 || i < a->connections)
            schedule(sim, &br->clients[i].ev, start);
    }
    return 0;
}

/* Queues the first arrivals and the first fault. Returns 0 or -1. */
static int sim_start(struct sim *sim)
{
    sim->fault_ev.kind = EV_FAULT;
    heap_node_init(&sim->fault_ev.node);
    for (size_t i = 0; i < sim->burst_count; i++) {
        if (burst_start(sim, i) == -1)
            return -1;
    }
    if (sim->cfg->fault_count > 0)
        schedule(sim, &sim->fault_ev, to_ns(sim->faults[0].at));
    return sim->out_of_memory ? -1 : 0;
}

static void free_list(struct conn *c)
{
    while (c != NULL) {
        struct conn *next = c->next;

        free(c);
        c = next;
    }
}

static void sim_teardown(struct sim *sim)
{
    for (size_t i = 0; sim->backends != NULL && i < sim->count; i++) {
        free_list(sim->backends[i].members);
        heap_free(&sim->backends[i].ps);
    }
    free_list(sim->free);
    heap_free(&sim->events);
    balancer_destroy(sim->balancer);
    free(sim->backends);
    for (size_t i = 0; sim->bursts != NULL && i < sim->burst_count; i++)
        free(sim->bursts[i].clients);
    free(sim->bursts);
    free(sim->view);
    free(sim->hist);
    free(sim->faults);
    sim_log_free(&sim->log);
}

/* The statistics that are read off the histogram at the end. */
static void finish_stats(struct sim *sim)
{
    struct sim_stats *st = sim->stats;
    const struct sim_hist *h = sim->hist;

    st->end = (double)sim->now / NS_PER_S;
    st->samples = h->count;
    if (h->count > 0)
        st->mean = (double)(h->sum / h->count) / NS_PER_S;
    st->p50 = (double)sim_hist_quantile(h, 0.50) / NS_PER_S;
    st->p90 = (double)sim_hist_quantile(h, 0.90) / NS_PER_S;
    st->p99 = (double)sim_hist_quantile(h, 0.99) / NS_PER_S;
    st->max = (double)h->max / NS_PER_S;
}

int sim_run(const struct sim_config *config, struct sim_stats *stats,
            char *err, size_t errlen)
{
    struct sim sim;
    int rc = -1;

    memset(stats, 0, sizeof(*stats));
    memset(&sim, 0, sizeof(sim));
    if (sim_check_config(config, err, errlen) == -1)
        return -1;
    if (sim_setup(&sim, config, stats) == -1 ||
        sim_log_init(&sim.log, config, sim.balancer, &sim.now) == -1)
        goto out;
    for (size_t i = 0; i < sim.count; i++)
        sim_log_set_name(&sim.log, i, sim.backends[i].name);
    sim_log_start(&sim.log);
    prefill(&sim);
    if (sim_start(&sim) == -1)
        goto out;
    run_loop(&sim);
    if (sim.out_of_memory)
        goto out;
    finish_stats(&sim);
    sim_log_end(&sim.log, stats, sim.now);
    rc = 0;
out:
    if (rc == -1)
        snprintf(err, errlen, "out of memory");
    sim_teardown(&sim);
    return rc;
}

void sim_stats_free(struct sim_stats *stats)
{
    free(stats->backends);
    stats->backends = NULL;
}

double sim_stats_at_least(const struct sim_stats *stats, int i)
{
    uint64_t held = 0, all = 0;

    if (stats->level_samples == 0 || i < 0)
        return 0;
    for (int k = 0; k < SIM_LEVELS; k++) {
        all += stats->level_sum[k];
        if (k >= i)
            held += stats->level_sum[k];
    }
    return all > 0 ? (double)held / (double)all : 0;
}
