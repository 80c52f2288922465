/*
 * check: judges one expectation from a run's outcome. See check.h.
 *
 * check_run indexes the proxy's log (check_proxy) and, for the checks that
 * need them, the backends' logs (check_backends), hands them to the
 * module that judges the expectation, then applies expect-fail:
 *
 *   check ──► check_balancer   leastconn, p2c, counts zero (via
 *                              check_replay)
 *         ──► check_relay      relay exact, resets passed
 *         ──► check_clients    clients ok, clients failed<=N, no-lost-clients
 *         ──► check_timeline   detect, recover, threads stable
 *         ──► check_process    stop clean, workers used, sessions<=D,
 *                              fds stable, proxy-rss<=B,
 *                              proxy-rss-growth<=B
 *         ──► check_health     health exact
 *         ──► check_latency    p50<=D, p90<=D, p99<=D
 *         ──► check_hol        no-hol (via check_join)
 *         ──► check_idle       idle-closed within D
 *         ──► check_retry      retried (via check_join)
 *         ──► check_operate    drained, slowstart, ejected, restored,
 *                              queue-wait<=D, queue fifo
 *         ──► check_sim        a simulated run: what it cannot judge,
 *                              and without logs, from its own figures
 *         ──► (here)           share, compare, the backend table
 *
 * Before any of them, main asks check_logs_whole whether a log of the run
 * lost lines; such a run is not judged at all.
 *
 * The indexes live for one call and are freed before it returns. Pure
 * functions over read-only data. Single-threaded.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "check_backends.h"
#include "check_balancer.h"
#include "check_clients.h"
#include "check_health.h"
#include "check_hol.h"
#include "check_idle.h"
#include "check_latency.h"
#include "check_operate.h"
#include "check_process.h"
#include "check_proxy.h"
#include "check_relay.h"
#include "check_replay.h"
#include "check_retry.h"
#include "check_sim.h"
#include "check_timeline.h"
#include "check_verdict.h"

/* "expect share NAME=P%±T%": NAME's part of the connected sessions. */
static void check_share(const struct scenario_expect *e,
                        const struct check_proxy *proxy,
                        struct check_verdict *verdict)
{
    const char *name = proxy->names[e->backend];
    long connected = proxy->connected[e->backend];
    double pct;

    if (proxy->connected_total == 0) {
        check_verdict_set(verdict, false, "no session connected to any "
                          "backend, so %s has no share", name);
        return;
    }
    pct = 100.0 * (double)connected / (double)proxy->connected_total;
    /* The epsilon keeps 3 of 5 inside "60%±0%" despite rounding. */
    check_verdict_set(verdict,
                      pct >= e->share_pct - e->tolerance_pct - 1e-9 &&
                      pct <= e->share_pct + e->tolerance_pct + 1e-9,
                      "%s got %ld of %ld connected sessions (%.1f%%), "
                      "expected %g%%±%g%%", name, connected,
                      proxy->connected_total, pct, e->share_pct,
                      e->tolerance_pct);
}

/* "expect A > B" / "expect A < B" on connected sessions, strictly. */
static void check_compare(const struct scenario_expect *e,
                          const struct check_proxy *proxy,
                          struct check_verdict *verdict)
{
    long left = proxy->connected[e->backend];
    long right = proxy->connected[e->other];
    bool holds = e->op == '>' ? left > right : left < right;

    check_verdict_set(verdict, holds, "%s had %ld connected sessions and %s "
                      "had %ld, so %s %c %s %s", proxy->names[e->backend],
                      left, proxy->names[e->other], right,
                      proxy->names[e->backend], e->op,
                      proxy->names[e->other], holds ? "holds" : "is false");
}

/* The checks that read the backends' logs too. */
static void run_with_backends(const struct scenario_expect *e,
                              const struct check_proxy *proxy,
                              struct check_verdict *verdict)
{
    struct check_backends *backends = calloc(1, sizeof(*backends));

    if (backends == NULL ||
        check_backends_build(backends, proxy->outcome) == -1) {
        check_verdict_set(verdict, false, "out of memory reading the "
                          "backends' logs");
        free(backends);
        return;
    }
    if (e->check == SCENARIO_CHECK_RELAY_EXACT)
        check_relay_exact(proxy, backends, verdict);
    else if (e->check == SCENARIO_CHECK_RESETS_PASSED)
        check_relay_resets(proxy, backends, verdict);
    else if (e->check == SCENARIO_CHECK_IDLE_CLOSED)
        check_idle_closed(e, proxy, backends, verdict);
    else
        check_clients_lost(proxy, backends, verdict);
    check_backends_free(backends);
    free(backends);
}

static void dispatch(const struct scenario_expect *e,
                     const struct check_proxy *proxy,
                     struct check_verdict *verdict)
{
    const struct outcome *outcome = proxy->outcome;

    switch (e->check) {
    case SCENARIO_CHECK_LEASTCONN:
        check_balancer_leastconn(proxy, verdict);
        break;
    case SCENARIO_CHECK_P2C:
        check_balancer_p2c(proxy, verdict);
        break;
    case SCENARIO_CHECK_COUNTS_ZERO:
        check_balancer_counts_zero(proxy, verdict);
        break;
    case SCENARIO_CHECK_RELAY_EXACT:
    case SCENARIO_CHECK_RESETS_PASSED:
    case SCENARIO_CHECK_NO_LOST_CLIENTS:
    case SCENARIO_CHECK_IDLE_CLOSED:
        run_with_backends(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_SHARE:
        check_share(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_COMPARE:
        check_compare(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_DETECT:
        check_timeline_detect(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_RECOVER:
        check_timeline_recover(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_CLIENTS_OK:
        check_clients_ok(outcome, verdict);
        break;
    case SCENARIO_CHECK_CLIENTS_FAILED:
        check_clients_failed(e, outcome, verdict);
        break;
    case SCENARIO_CHECK_THREADS_STABLE:
        check_timeline_threads(outcome, verdict);
        break;
    case SCENARIO_CHECK_STOP_CLEAN:
        check_process_stop(proxy, verdict);
        break;
    case SCENARIO_CHECK_WORKERS_USED:
        check_process_workers(proxy, verdict);
        break;
    case SCENARIO_CHECK_HEALTH_EXACT:
        check_health_exact(proxy, verdict);
        break;
    case SCENARIO_CHECK_SESSIONS_MAX:
        check_process_sessions(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_FDS_STABLE:
        check_process_fds(proxy, verdict);
        break;
    case SCENARIO_CHECK_LATENCY:
        check_latency(e, outcome, verdict);
        break;
    case SCENARIO_CHECK_NO_HOL:
        check_hol(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_RETRIED:
        check_retry(proxy, verdict);
        break;
    case SCENARIO_CHECK_PROXY_RSS:
    case SCENARIO_CHECK_PROXY_RSS_GROWTH:
        check_process_rss(e, outcome, verdict);
        break;
    case SCENARIO_CHECK_DRAINED:
        check_operate_drained(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_SLOWSTART:
        check_operate_slowstart(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_EJECTED:
        check_operate_ejected(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_RESTORED:
        check_operate_restored(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_QUEUE_WAIT:
        check_operate_queue_wait(e, proxy, verdict);
        break;
    case SCENARIO_CHECK_QUEUE_FIFO:
        check_operate_queue_fifo(proxy, verdict);
        break;
    default:
        check_verdict_set(verdict, false, "unknown check %d", (int)e->check);
    }
}

/* The backend indexes e names must be the scenario's. */
static bool backends_valid(const struct scenario_expect *e,
                           const struct scenario *scenario)
{
    bool one = e->check == SCENARIO_CHECK_SHARE ||
               e->check == SCENARIO_CHECK_COMPARE ||
               e->check == SCENARIO_CHECK_DETECT ||
               e->check == SCENARIO_CHECK_RECOVER ||
               e->check == SCENARIO_CHECK_DRAINED ||
               e->check == SCENARIO_CHECK_SLOWSTART ||
               e->check == SCENARIO_CHECK_EJECTED ||
               e->check == SCENARIO_CHECK_RESTORED;
    bool two = e->check == SCENARIO_CHECK_COMPARE;

    return (!one || (e->backend >= 0 &&
                     (size_t)e->backend < scenario->backend_count)) &&
           (!two || (e->other >= 0 &&
                     (size_t)e->other < scenario->backend_count));
}

/* The checks whose answer depends on the balancing policy. */
static bool policy_bound(enum scenario_check check)
{
    return check == SCENARIO_CHECK_LEASTCONN || check == SCENARIO_CHECK_P2C ||
           check == SCENARIO_CHECK_SHARE || check == SCENARIO_CHECK_COMPARE ||
           check == SCENARIO_CHECK_LATENCY;
}

/*
 * Skips what the run cannot answer, saying why: under --compare, the
 * expectations that depend on the policy, on the runs of the policies the
 * file was not written for; and leastconn or p2c on a proxy that runs
 * another policy (unless expect-fail asks the check to tell the policy
 * apart from its own).
 */
static bool skip_for_policy(const struct scenario_expect *e,
                            const struct outcome *outcome,
                            struct check_verdict *verdict)
{
    const char *run = scenario_policy(outcome->scenario);
    const char *written = outcome->written_policy != NULL
                              ? outcome->written_policy : run;
    const char *own = e->check == SCENARIO_CHECK_LEASTCONN ? "leastconn"
                    : e->check == SCENARIO_CHECK_P2C ? "p2c" : NULL;

    if (policy_bound(e->check) && strcmp(run, written) != 0) {
        check_verdict_skip(verdict, "written for --balance %s, and this "
                           "run compares --balance %s", written, run);
        return true;
    }
    if (own != NULL && !e->expect_fail && strcmp(run, own) != 0) {
        check_verdict_skip(verdict, "the proxy runs --balance %s, and this "
                           "check judges --balance %s only", run, own);
        return true;
    }
    return false;
}

void check_run(const struct scenario_expect *e, const struct outcome *outcome,
               struct check_verdict *verdict)
{
    struct check_proxy *proxy = calloc(1, sizeof(*proxy));

    memset(verdict, 0, sizeof(*verdict));
    if (skip_for_policy(e, outcome, verdict) ||
        check_sim(e, outcome, verdict))
        goto out;
    if (!backends_valid(e, outcome->scenario))
        check_verdict_set(verdict, false, "the expectation names a backend "
                          "the scenario does not have");
    else if (proxy == NULL || check_proxy_build(proxy, outcome) == -1)
        check_verdict_set(verdict, false, "out of memory reading the proxy's "
                          "log");
    else
        dispatch(e, proxy, verdict);
out:
    if (proxy != NULL)
        check_proxy_free(proxy);
    free(proxy);
    check_verdict_finish(verdict, e->expect_fail);
}

/* The ev=log_dropped lines of one log. */
struct dropped {
    long long lines;            /* the sum of their n= */
    bool seen;
    bool unknown;               /* one had no readable n (counted as 1) */
};

static struct dropped count_dropped(const struct trace *trace)
{
    struct dropped d = { 0, false, false };

    for (size_t i = 0; i < trace->count; i++) {
        long long n;

        if (!trace_is(&trace->events[i], "log_dropped"))
            continue;
        n = trace_get_int(&trace->events[i], "n", -1);
        d.seen = true;
        d.unknown |= n < 0;
        d.lines += n < 0 ? 1 : n;
    }
    return d;
}

/* Appends "WHO's log lost N lines" to lost when trace says it did. */
static void note_dropped(char *lost, size_t size, const struct trace *trace,
                         const char *who)
{
    struct dropped d = count_dropped(trace);
    size_t used = strlen(lost);

    if (!d.seen || used + 1 >= size)
        return;
    snprintf(lost + used, size - used, "%s%s's log lost %s%lld line%s",
             used > 0 ? ", " : "", who, d.unknown ? "at least " : "",
             d.lines, d.lines == 1 ? "" : "s");
}

bool check_logs_whole(const struct outcome *outcome, char *why, size_t size)
{
    const struct scenario *scenario = outcome->scenario;
    char lost[CHECK_REASON_MAX] = "", who[64];

    note_dropped(lost, sizeof(lost), &outcome->proxy, "proxy_server");
    for (size_t i = 0; i < scenario->backend_count; i++) {
        snprintf(who, sizeof(who), "backend %s", scenario->backends[i].name);
        note_dropped(lost, sizeof(lost), &outcome->backends[i], who);
    }
    for (size_t i = 0; i < outcome->burst_count; i++) {
        snprintf(who, sizeof(who), "burst %zu (simulate_client)", i);
        note_dropped(lost, sizeof(lost), &outcome->bursts[i].log, who);
    }
    note_dropped(lost, sizeof(lost), &outcome->timeline, "the harness");
    if (lost[0] == '\0')
        return true;
    snprintf(why, size, "%s (ev=log_dropped), so the run is not judged: "
             "every check would read a partial log", lost);
    return false;
}

/* The rows of a simulated run that kept no logs, from its figures. */
static void sim_rows(const struct outcome_sim *sim, size_t count,
                     struct check_backend_row *rows)
{
    long total = 0;

    for (size_t b = 0; b < sim->backend_count; b++)
        total += sim->served[b];
    for (size_t b = 0; b < count && b < sim->backend_count; b++) {
        rows[b].connections = sim->served[b];
        rows[b].share_pct = total == 0 ? 0.0 : 100.0 *
                            (double)sim->served[b] / (double)total;
        rows[b].peak_active = sim->peak[b];
    }
}

void check_backend_table(const struct outcome *outcome,
                         struct check_backend_row *rows)
{
    const struct scenario *scenario = outcome->scenario;
    struct check_proxy *proxy = calloc(1, sizeof(*proxy));
    struct check_replay *replay = calloc(1, sizeof(*replay));
    bool indexed = proxy && replay && check_proxy_build(proxy, outcome) == 0;

    memset(rows, 0, scenario->backend_count * sizeof(*rows));
    if (outcome->sim.on && !outcome->sim.logged) {
        sim_rows(&outcome->sim, scenario->backend_count, rows);
        indexed = false;
    }
    if (indexed)
        check_replay_all(proxy, replay);
    for (size_t b = 0; indexed && b < scenario->backend_count; b++) {
        rows[b].connections = proxy->connected[b];
        rows[b].share_pct = proxy->connected_total == 0 ? 0.0 :
            100.0 * (double)proxy->connected[b] /
            (double)proxy->connected_total;
        rows[b].peak_active = (int)replay->peak[b];
        rows[b].failures = proxy->failures[b];
        rows[b].picks = proxy->picks[b];
    }
    if (proxy != NULL)
        check_proxy_free(proxy);
    free(proxy);
    free(replay);
}
