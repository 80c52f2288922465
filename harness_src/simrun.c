/*
 * simrun: a scenario run in virtual time. See simrun.h.
 *
 * The logs are written to memory (open_memstream), loaded as traces, and
 * with --keep also written to DIR/<scenario>-sim-<seed>/ under the names
 * the runner uses (proxy.log, backend-NAME.log, burst-N.log,
 * timeline.log).
 */
#include "simrun.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"
#include "report_file.h"
#include "scenario_sim.h"
#include "sim.h"
#include "trace.h"

/* With neither latency= nor a service, a request takes this long. */
#define SIMRUN_DEFAULT_SERVICE_S 0.00001

/* One log in memory. */
struct memlog {
    char *text;
    size_t size;
    FILE *file;
};

/* Everything one run holds until its logs are loaded. */
struct simrun {
    const struct scenario *sc;
    struct sim_config config;
    struct sim_backend *backends;
    struct sim_arrivals bursts[SIM_BURSTS_MAX];
    int burst_event[SIM_BURSTS_MAX];
    struct sim_fault faults[2 * SCENARIO_MAX_EVENTS];   /* a restart
                                                           brings an up */
    bool logged;
    struct memlog proxy, timeline;
    struct memlog backend_logs[SCENARIO_MAX_BACKENDS];
    struct memlog client_logs[SIM_BURSTS_MAX];
    FILE *backend_files[SCENARIO_MAX_BACKENDS];
    FILE *client_files[SIM_BURSTS_MAX];
};

static const enum sim_service_kind service_kinds[] = {
    [SCENARIO_SERVICE_FIXED] = SIM_SERVICE_FIXED,
    [SCENARIO_SERVICE_EXP] = SIM_SERVICE_EXPONENTIAL,
    [SCENARIO_SERVICE_PARETO] = SIM_SERVICE_PARETO,
    [SCENARIO_SERVICE_LOGNORMAL] = SIM_SERVICE_LOGNORMAL,
};

/* The value of a backend's latency= in seconds, or -1. */
static double latency_s(const struct scenario_backend *b)
{
    long ms;

    for (size_t i = 0; i < b->option_count; i++) {
        if (strcmp(b->options[i].key, "latency") == 0 &&
            parse_duration_ms(b->options[i].value, 0, 600000, &ms) == 0)
            return (double)ms / 1000.0;
    }
    return -1;
}

static void map_backend(struct sim_backend *out,
                        const struct scenario_backend *b, const char *name)
{
    const struct scenario_service *s = &b->service;
    double latency = latency_s(b);

    snprintf(out->name, sizeof(out->name), "%s", name);
    out->weight = b->weight;
    out->maxconn = b->maxconn;
    out->slowstart_ms = -1;
    out->discipline = s->ps ? SIM_PS : SIM_FIFO;
    out->concurrency = s->concurrency > 0 ? s->concurrency : 0;
    if (s->kind != SCENARIO_SERVICE_NONE) {
        out->service.kind = service_kinds[s->kind];
        out->service.mean = s->mean_ms / 1000.0;
        out->service.shape = s->shape;
    } else {
        out->service.kind = SIM_SERVICE_FIXED;
        out->service.mean = latency > 0 ? latency : SIMRUN_DEFAULT_SERVICE_S;
    }
}

static int map_backends(struct simrun *r)
{
    const struct scenario *sc = r->sc;
    size_t total = scenario_sim_backend_total(sc), k = 0;
    char name[SIM_NAME_MAX];

    r->backends = calloc(total, sizeof(*r->backends));
    if (r->backends == NULL)
        return -1;
    for (size_t i = 0; i < sc->backend_count; i++, k++)
        map_backend(&r->backends[k], &sc->backends[i], sc->backends[i].name);
    for (size_t g = 0; g < sc->group_count; g++) {
        for (int j = 1; j <= sc->groups[g].count; j++, k++) {
            snprintf(name, sizeof(name), "%.26s%d", sc->groups[g].prefix,
                     j % 10000);
            map_backend(&r->backends[k], &sc->groups[g].model, name);
        }
    }
    r->config.backends = r->backends;
    r->config.backend_count = total;
    return 0;
}

static void map_burst(struct sim_arrivals *out, const struct scenario_event *ev)
{
    const struct scenario_burst *b = &ev->burst;

    out->requests = b->requests;
    out->size = (int)b->size;
    out->start = (double)ev->at_ms / 1000.0;
    out->connections = b->count;
    if (b->arrival == SCENARIO_ARRIVAL_POISSON) {
        out->kind = SIM_ARRIVAL_POISSON;
        out->rate = b->rate;
    } else if (b->arrival == SCENARIO_ARRIVAL_UNIFORM) {
        out->kind = SIM_ARRIVAL_INTERVAL;
        out->interval = 1.0 / b->rate;
    } else {
        out->kind = SIM_ARRIVAL_CLOSED;
        out->clients = b->clients;
        if (out->connections == 0)
            out->connections = b->clients;
    }
}

/* How long health checks take to mark a backend up again: rise checks,
 * health-interval apart (the proxy's defaults: 2, 1s; 0 when
 * health-interval=0 turns them off). */
static long up_delay_ms(const struct scenario *sc)
{
    long interval = scenario_proxy_number(sc, "health-interval", 1000);

    return interval * scenario_proxy_number(sc, "rise", 2);
}

static void map_events(struct simrun *r)
{
    static const enum sim_fault_kind kinds[] = {
        [SCENARIO_CRASH] = SIM_FAULT_CRASH,
        [SCENARIO_RESTART] = SIM_FAULT_RESTART,
        [SCENARIO_PAUSE] = SIM_FAULT_PAUSE,
        [SCENARIO_RESUME] = SIM_FAULT_RESUME,
    };
    const struct scenario *sc = r->sc;

    for (size_t e = 0; e < sc->event_count; e++) {
        const struct scenario_event *ev = &sc->events[e];

        if (ev->action == SCENARIO_CLIENTS) {
            r->burst_event[r->config.burst_count] = (int)e;
            map_burst(&r->bursts[r->config.burst_count++], ev);
            continue;
        }
        r->faults[r->config.fault_count++] = (struct sim_fault){
            .at = (double)ev->at_ms / 1000.0, .kind = kinds[ev->action],
            .backend = ev->backend, .line = ev->line,
        };
        /* The failed connect marked it down: health checks bring it back
         * rise intervals after it listens again (at once without them). */
        if (ev->action == SCENARIO_RESTART)
            r->faults[r->config.fault_count++] = (struct sim_fault){
                .at = (double)(ev->at_ms + up_delay_ms(sc)) / 1000.0,
                .kind = SIM_FAULT_UP, .backend = ev->backend,
                .line = ev->line,
            };
    }
    r->config.bursts = r->bursts;
    r->config.faults = r->faults;
}

static void map_proxy(struct simrun *r, const struct runner_options *options)
{
    const struct scenario *sc = r->sc;

    r->config.policy = scenario_policy(sc);
    r->config.seed = options->seed_set ? options->seed : sc->seed;
    /* The proxy marks a backend down when a connect to it fails. */
    r->config.passive_down = true;
    r->config.slowstart_ms = scenario_proxy_number(sc, "slowstart", 0);
    r->config.eject_after = (int)scenario_proxy_number(sc, "eject-after", 0);
    r->config.eject_time_ms = scenario_proxy_number(sc, "eject-time", 0);
    r->config.eject_max_time_ms = scenario_proxy_number(sc, "eject-max-time",
                                                        0);
    r->config.eject_max_percent =
        (int)scenario_proxy_number(sc, "eject-max-percent", 0);
    r->config.duration = (double)sc->timeout_ms / 1000.0;
}

static int memlog_open(struct memlog *log)
{
    log->file = open_memstream(&log->text, &log->size);
    return log->file == NULL ? -1 : 0;
}

/* Closes the stream (the text stays); harmless twice. */
static void memlog_close(struct memlog *log)
{
    if (log->file != NULL)
        fclose(log->file);
    log->file = NULL;
}

static void memlog_free(struct memlog *log)
{
    memlog_close(log);
    free(log->text);
    log->text = NULL;
}

/* A run with a backends group keeps no logs: every pick line would list
 * every backend, and the checks index at most SCENARIO_MAX_BACKENDS. */
static int open_logs(struct simrun *r)
{
    r->logged = r->sc->group_count == 0;
    if (!r->logged)
        return 0;
    if (memlog_open(&r->proxy) == -1 || memlog_open(&r->timeline) == -1)
        return -1;
    for (size_t i = 0; i < r->sc->backend_count; i++) {
        if (memlog_open(&r->backend_logs[i]) == -1)
            return -1;
        r->backend_files[i] = r->backend_logs[i].file;
    }
    for (size_t k = 0; k < r->config.burst_count; k++) {
        if (memlog_open(&r->client_logs[k]) == -1)
            return -1;
        r->client_files[k] = r->client_logs[k].file;
    }
    r->config.proxy_log = r->proxy.file;
    r->config.timeline_log = r->timeline.file;
    r->config.backend_logs = r->backend_files;
    r->config.client_logs = r->client_files;
    return 0;
}

/* Applies fn to every log of r. */
static void each_log(struct simrun *r, void (*fn)(struct memlog *log))
{
    fn(&r->proxy);
    fn(&r->timeline);
    for (size_t i = 0; i < SCENARIO_MAX_BACKENDS; i++)
        fn(&r->backend_logs[i]);
    for (size_t k = 0; k < SIM_BURSTS_MAX; k++)
        fn(&r->client_logs[k]);
}

/* Writes one log into dir as name. */
static int keep_one(const char *dir, const char *name,
                    const struct memlog *log)
{
    char path[1024];
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    out = fopen(path, "w");
    if (out == NULL)
        return -1;
    if (log->size > 0)
        fwrite(log->text, 1, log->size, out);
    return fclose(out) == 0 ? 0 : -1;
}

/* With --keep: the logs in keep_dir/<scenario>-sim-<seed>/. */
static int keep_logs(struct simrun *r, const char *keep_dir,
                     struct outcome *outcome)
{
    const char *base = strrchr(r->sc->path, '/');
    char dir[512], name[64];
    int rc;

    base = base != NULL ? base + 1 : r->sc->path;
    snprintf(dir, sizeof(dir), "%s/%.*s-sim-%llu", keep_dir,
             (int)strcspn(base, "."), base,
             (unsigned long long)r->config.seed);
    if (report_file_mkdir(keep_dir) == -1 ||
        (mkdir(dir, 0755) == -1 && errno != EEXIST))
        return -1;
    snprintf(outcome->kept_dir, sizeof(outcome->kept_dir), "%s", dir);
    rc = keep_one(dir, "proxy.log", &r->proxy) |
         keep_one(dir, "timeline.log", &r->timeline);
    for (size_t i = 0; i < r->sc->backend_count; i++) {
        snprintf(name, sizeof(name), "backend-%s.log",
                 r->sc->backends[i].name);
        rc |= keep_one(dir, name, &r->backend_logs[i]);
    }
    for (size_t k = 0; k < r->config.burst_count; k++) {
        snprintf(name, sizeof(name), "burst-%zu.log", k);
        rc |= keep_one(dir, name, &r->client_logs[k]);
    }
    return rc;
}

/* The empty string for a log never written. */
static int load(struct trace *trace, const char *name,
                const struct memlog *log)
{
    return trace_load_text(trace, name, log->text != NULL ? log->text : "");
}

/* A burst failed when its done line says result=fail. */
static int burst_status(const struct trace *log)
{
    for (size_t i = log->count; i > 0; i--) {
        const char *result;

        if (!trace_is(&log->events[i - 1], "done"))
            continue;
        result = trace_get(&log->events[i - 1], "result");
        return result != NULL && strcmp(result, "fail") == 0;
    }
    return 1;
}

static int load_logs(struct simrun *r, struct outcome *outcome)
{
    int rc = load(&outcome->proxy, "proxy", &r->proxy) |
             load(&outcome->timeline, "timeline", &r->timeline);

    for (size_t i = 0; i < r->sc->backend_count; i++)
        rc |= load(&outcome->backends[i], r->sc->backends[i].name,
                   &r->backend_logs[i]);
    for (size_t k = 0; k < r->config.burst_count; k++)
        rc |= load(&outcome->bursts[k].log, "clients", &r->client_logs[k]);
    for (size_t k = 0; k < r->config.burst_count; k++)
        outcome->bursts[k].exit_status = burst_status(&outcome->bursts[k].log);
    return rc == 0 ? 0 : -1;
}

/* outcome->sim from the statistics. */
static int take_stats(struct outcome *outcome, const struct sim_stats *st,
                      bool logged)
{
    struct outcome_sim *s = &outcome->sim;

    s->on = true;
    s->logged = logged;
    s->connections = (long)st->connections;
    s->failed = (long)st->failed;
    s->p50_ms = st->p50 * 1000.0;
    s->p90_ms = st->p90 * 1000.0;
    s->p99_ms = st->p99 * 1000.0;
    s->max_ms = st->max * 1000.0;
    s->backend_count = st->backend_count;
    s->served = calloc(st->backend_count, sizeof(*s->served));
    s->peak = calloc(st->backend_count, sizeof(*s->peak));
    if (s->served == NULL || s->peak == NULL)
        return -1;
    for (size_t i = 0; i < st->backend_count; i++) {
        s->served[i] = (long)st->backends[i].connections;
        s->peak[i] = st->backends[i].peak;
    }
    return 0;
}

/* The connections the bursts were to make and did not end: those that
 * had not arrived when the run hit its time limit, or were still being
 * served. A burst that runs until the limit plans no number. */
static long unfinished(const struct simrun *r, const struct sim_stats *st)
{
    uint64_t planned = 0, ended = st->ok + st->failed;

    for (size_t k = 0; k < r->config.burst_count; k++) {
        if (r->bursts[k].connections <= 0)
            return ended < st->connections ? (long)(st->connections - ended)
                                           : 0;
        planned += (uint64_t)r->bursts[k].connections;
    }
    return ended < planned ? (long)(planned - ended) : 0;
}

/* Fills outcome from a finished run. */
static int fill(struct simrun *r, const struct runner_options *options,
                struct outcome *outcome, const struct sim_stats *st)
{
    long left = unfinished(r, st);

    outcome->start_ts = 0;
    outcome->end_ts = st->end;
    outcome->proxy_exit_status = 0;
    outcome->timed_out = left > 0;
    outcome->burst_count = r->config.burst_count;
    for (size_t k = 0; k < r->config.burst_count; k++) {
        outcome->bursts[k].event = r->burst_event[k];
        outcome->bursts[k].exit_status = st->failed > 0 || left > 0;
    }
    if (take_stats(outcome, st, r->logged) == -1)
        return -1;
    outcome->sim.unfinished = left;
    if (!r->logged)
        return 0;
    if (options->keep_dir != NULL &&
        keep_logs(r, options->keep_dir, outcome) == -1)
        return -1;
    return load_logs(r, outcome);
}

int simrun_run(const struct scenario *scenario,
               const struct runner_options *options, struct outcome *outcome,
               char *err, size_t errlen)
{
    struct simrun *r = calloc(1, sizeof(*r));
    struct sim_stats st;
    int rc = -1;

    memset(&st, 0, sizeof(st));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->sc = scenario;
    map_events(r);
    map_proxy(r, options);
    if (map_backends(r) == -1 || open_logs(r) == -1) {
        snprintf(err, errlen, "out of memory setting up the simulation");
        goto out;
    }
    if (sim_run(&r->config, &st, err, errlen) == -1)
        goto out;
    each_log(r, memlog_close);
    rc = fill(r, options, outcome, &st);
    if (rc == -1)
        snprintf(err, errlen, "could not keep or load the simulated logs: "
                 "%s", strerror(errno));
out:
    sim_stats_free(&st);
    each_log(r, memlog_free);
    free(r->backends);
    free(r);
    return rc;
}
