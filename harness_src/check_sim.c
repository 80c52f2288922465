/*
 * check_sim: the expectations of a simulated run. See check_sim.h.
 */
#include "check_sim.h"

#include <stdio.h>

#include "check_verdict.h"

/* What only real processes (or what the simulator does not log) show. */
static const char *needs_processes(enum scenario_check check)
{
    switch (check) {
    case SCENARIO_CHECK_THREADS_STABLE:
    case SCENARIO_CHECK_WORKERS_USED:
        return "the proxy's threads";
    case SCENARIO_CHECK_FDS_STABLE:
        return "the proxy's descriptors";
    case SCENARIO_CHECK_PROXY_RSS:
    case SCENARIO_CHECK_PROXY_RSS_GROWTH:
        return "the proxy's memory";
    case SCENARIO_CHECK_STOP_CLEAN:
    case SCENARIO_CHECK_SESSIONS_MAX:
        return "the proxy's stop and its sessions' lifetimes";
    case SCENARIO_CHECK_RELAY_EXACT:
    case SCENARIO_CHECK_RESETS_PASSED:
    case SCENARIO_CHECK_NO_LOST_CLIENTS:
    case SCENARIO_CHECK_IDLE_CLOSED:
    case SCENARIO_CHECK_NO_HOL:
        return "bytes relayed over TCP";
    case SCENARIO_CHECK_HEALTH_EXACT:
    case SCENARIO_CHECK_DETECT:
    case SCENARIO_CHECK_RECOVER:
        return "health checks";
    case SCENARIO_CHECK_DRAINED:
    case SCENARIO_CHECK_SLOWSTART:
    case SCENARIO_CHECK_EJECTED:
    case SCENARIO_CHECK_RESTORED:
    case SCENARIO_CHECK_QUEUE_WAIT:
    case SCENARIO_CHECK_QUEUE_FIFO:
        return "the balancer's tuning and queue events";
    default:
        return NULL;
    }
}

static void judge_share(const struct scenario_expect *e,
                        const struct outcome_sim *s, const char *name,
                        struct check_verdict *verdict)
{
    long total = 0;
    double pct;

    for (size_t i = 0; i < s->backend_count; i++)
        total += s->served[i];
    if (total == 0) {
        check_verdict_set(verdict, false, "no connection was served, so %s "
                          "has no share", name);
        return;
    }
    pct = 100.0 * (double)s->served[e->backend] / (double)total;
    check_verdict_set(verdict,
                      pct >= e->share_pct - e->tolerance_pct - 1e-9 &&
                      pct <= e->share_pct + e->tolerance_pct + 1e-9,
                      "%s served %ld of %ld connections (%.1f%%), expected "
                      "%g%%±%g%% (simulated)", name, s->served[e->backend],
                      total, pct, e->share_pct, e->tolerance_pct);
}

static void judge_latency(const struct scenario_expect *e,
                          const struct outcome_sim *s,
                          struct check_verdict *verdict)
{
    double ms = e->percentile == 50 ? s->p50_ms
              : e->percentile == 90 ? s->p90_ms : s->p99_ms;

    check_verdict_set(verdict, ms <= (double)e->within_ms, "p%d of the "
                      "connections' response times is %.3f ms, bound %ld ms "
                      "(simulated, every burst)", e->percentile, ms,
                      e->within_ms);
}

/* The figures of outcome->sim, for a run that kept no logs. */
static void judge_from_stats(const struct scenario_expect *e,
                             const struct outcome *outcome,
                             struct check_verdict *verdict)
{
    const struct outcome_sim *s = &outcome->sim;
    const struct scenario *sc = outcome->scenario;

    if (e->check == SCENARIO_CHECK_CLIENTS_OK) {
        check_verdict_set(verdict, s->failed == 0, "%ld of %ld connections "
                          "failed (simulated)", s->failed, s->connections);
    } else if (e->check == SCENARIO_CHECK_CLIENTS_FAILED) {
        check_verdict_set(verdict, s->failed <= e->max_failed, "%ld of %ld "
                          "connections failed, at most %ld allowed "
                          "(simulated)", s->failed, s->connections,
                          e->max_failed);
    } else if (e->check == SCENARIO_CHECK_LATENCY && e->burst == 0) {
        judge_latency(e, s, verdict);
    } else if (e->check == SCENARIO_CHECK_SHARE) {
        judge_share(e, s, sc->backends[e->backend].name, verdict);
    } else if (e->check == SCENARIO_CHECK_COMPARE) {
        long left = s->served[e->backend], right = s->served[e->other];
        bool holds = e->op == '>' ? left > right : left < right;

        check_verdict_set(verdict, holds, "%s served %ld connections and %s "
                          "%ld (simulated)", sc->backends[e->backend].name,
                          left, sc->backends[e->other].name, right);
    } else {
        check_verdict_skip(verdict, "a simulated run with a backends group "
                           "keeps no logs, and this check reads them");
    }
}

/* The checks about the clients and their times cannot pass on a run that
 * hit its time limit: what the unfinished connections would have shown is
 * not known. True when e is one of them and it was so judged. */
static bool judge_unfinished(const struct scenario_expect *e,
                             const struct outcome *outcome,
                             struct check_verdict *verdict)
{
    const struct outcome_sim *s = &outcome->sim;

    if (s->unfinished == 0 || (e->check != SCENARIO_CHECK_CLIENTS_OK &&
                               e->check != SCENARIO_CHECK_CLIENTS_FAILED &&
                               e->check != SCENARIO_CHECK_LATENCY))
        return false;
    check_verdict_set(verdict, false, "the run hit its time limit (timeout "
                      "%.0fs) with %ld of the bursts' connections not ended "
                      "(not yet arrived or still served): their times and "
                      "results are unknown (simulated; raise timeout)",
                      (double)outcome->scenario->timeout_ms / 1000.0,
                      s->unfinished);
    return true;
}

bool check_sim(const struct scenario_expect *e, const struct outcome *outcome,
               struct check_verdict *verdict)
{
    const char *needs = needs_processes(e->check);

    if (!outcome->sim.on)
        return false;
    if (needs != NULL) {
        check_verdict_skip(verdict, "judged from real processes (%s), "
                           "which a simulated run does not have", needs);
        return true;
    }
    if (judge_unfinished(e, outcome, verdict))
        return true;
    if (outcome->sim.logged)
        return false;
    judge_from_stats(e, outcome, verdict);
    return true;
}
