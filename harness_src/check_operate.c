/*
 * check_operate: the checks of an operated proxy. See check_operate.h.
 *
 * Each walks the seq events once, in seq order (the ejection check walks
 * the log in file order instead, since a backend's early close, one of
 * the failures it counts, takes no seq). Times in reasons are the log's,
 * relative to the proxy's start; a line is written just after its
 * balancer decision, so bounds on elapsed times allow
 * CHECK_REPLAY_RAMP_SLACK_S either way.
 */
#include "check_operate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_cand.h"
#include "check_replay.h"
#include "check_verdict.h"

#define SLACK_MS ((long)(CHECK_REPLAY_RAMP_SLACK_S * 1000))

static double at(const struct check_proxy *proxy, double ts)
{
    return check_verdict_time(proxy->outcome, ts);
}

static bool is_of(const struct check_seq_event *e, enum check_seq_kind kind,
                  int backend)
{
    return e->kind == kind && e->backend == backend;
}

/* --- drained ------------------------------------------------------------ */

/* The walk of drained: the drain under way, and what was judged. */
struct drains {
    const struct check_seq_event *open;     /* admin=draining, or NULL */
    long count, judged, cancelled;
    double longest_ms;
};

/* A drained line: at 0 active, within the bound of the drain it ends. */
static bool judge_drained(const struct scenario_expect *e,
                          const struct check_proxy *proxy,
                          const struct check_replay *replay,
                          const struct check_seq_event *ev, struct drains *d,
                          struct check_verdict *verdict)
{
    const char *name = proxy->names[e->backend];
    double waited_ms;

    if (d->open == NULL || replay->active[e->backend] != 0) {
        check_verdict_set(verdict, false, "drained %lld (t=%.3fs) says %s "
                          "was drained, but %s", ev->seq, at(proxy, ev->ev->ts),
                          name, d->open == NULL ? "no drain of it was under "
                          "way" : "the log's picks and releases leave it "
                          "with sessions");
        return false;
    }
    waited_ms = (ev->ev->ts - d->open->ev->ts) * 1000.0;
    if (waited_ms > (double)e->within_ms) {
        check_verdict_set(verdict, false, "%s was drained at t=%.3fs (seq "
                          "%lld), %.0f ms after its drain (seq %lld, "
                          "t=%.3fs): more than %ld ms", name,
                          at(proxy, ev->ev->ts), ev->seq, waited_ms,
                          d->open->seq, at(proxy, d->open->ev->ts),
                          e->within_ms);
        return false;
    }
    if (waited_ms > d->longest_ms)
        d->longest_ms = waited_ms;
    d->judged++;
    d->open = NULL;
    return true;
}

/* A drain that ended without ev=drained (an enable or disable, or the end
 * of the log at until): a failure only once its bound had passed. */
static bool drain_cut(const struct scenario_expect *e,
                      const struct check_proxy *proxy,
                      const struct check_replay *replay, double until,
                      struct drains *d, struct check_verdict *verdict)
{
    if (d->open == NULL)
        return true;
    if ((until - d->open->ev->ts) * 1000.0 <= (double)e->within_ms) {
        d->cancelled++;
        d->open = NULL;
        return true;
    }
    check_verdict_set(verdict, false, "%s was still draining %ld ms after "
                      "its drain (seq %lld, t=%.3fs) with %ld active, and no "
                      "ev=drained came", proxy->names[e->backend],
                      e->within_ms, d->open->seq,
                      at(proxy, d->open->ev->ts), replay->active[e->backend]);
    return false;
}

void check_operate_drained(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           struct check_verdict *verdict)
{
    struct check_replay replay;
    struct drains d = { NULL, 0, 0, 0, 0.0 };

    check_replay_start(&replay, proxy);
    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *ev = &proxy->seq[i];

        if (is_of(ev, CHECK_SEQ_ADMIN, e->backend)) {
            if (!drain_cut(e, proxy, &replay, ev->ev->ts, &d, verdict))
                return;
            if (strcmp(trace_get(ev->ev, "admin") ? trace_get(ev->ev, "admin")
                                                  : "", "draining") == 0) {
                d.open = ev;
                d.count++;
            }
        }
        check_replay_apply(&replay, ev);
        if (is_of(ev, CHECK_SEQ_DRAINED, e->backend) &&
            !judge_drained(e, proxy, &replay, ev, &d, verdict))
            return;
    }
    if (!drain_cut(e, proxy, &replay, proxy->outcome->end_ts, &d, verdict))
        return;
    if (d.judged == 0)
        check_verdict_set(verdict, false, d.count == 0
                          ? "the proxy log has no drain of %s (ev=admin "
                            "admin=draining): nothing was judged"
                          : "no drain of %s came to its end before an enable "
                            "or the end of the run: nothing was judged",
                          proxy->names[e->backend]);
    else
        check_verdict_set(verdict, true, "all %ld drains of %s that ran "
                          "their course ended with ev=drained at 0 active, "
                          "the longest after %.0f ms (at most %ld)", d.judged,
                          proxy->names[e->backend], d.longest_ms,
                          e->within_ms);
}

/* --- slowstart ---------------------------------------------------------- */

/* The ramp under way: its line, length, weight; NULL when none. */
struct ramp {
    const struct check_seq_event *line;
    long ms;
    long weight;
    long judged;
};

/* ew on the ramp at elapsed_ms: weight x 100 x elapsed / ramp, at least
 * 0.01 and at most the weight. */
static long ramp_ew(const struct ramp *r, long elapsed_ms)
{
    long full = r->weight * 100;
    long ew = elapsed_ms <= 0 ? 1 : full * elapsed_ms / r->ms;

    return ew < 1 ? 1 : ew > full ? full : ew;
}

/* Judges b's candidate of a pick or no_backend during or after ramp r. */
static bool judge_ramp_cand(const struct check_proxy *proxy, int b,
                            const struct check_seq_event *ev, struct ramp *r,
                            struct check_verdict *verdict)
{
    struct check_cand cands[CHECK_PROXY_MAX_NAMES];
    int count = check_cand_parse(proxy, trace_get(ev->ev, "cand"), cands,
                                 CHECK_PROXY_MAX_NAMES);
    long elapsed = (long)((ev->ev->ts - r->line->ev->ts) * 1000.0);
    long lo = ramp_ew(r, elapsed - SLACK_MS);
    long hi = ramp_ew(r, elapsed + SLACK_MS);
    char shown[24], low[24], high[24];
    const struct check_cand *c = NULL;
    bool after = elapsed >= r->ms + SLACK_MS;

    for (int i = 0; i < count; i++)
        c = cands[i].backend == b ? &cands[i] : c;
    if (c == NULL)
        return true;
    if (after)
        lo = hi = r->weight * 100;
    if (c->ew >= lo && c->ew <= hi) {
        r->judged += !after;
        if (after)
            r->line = NULL;     /* seen at its whole weight: the ramp is over */
        return true;
    }
    check_verdict_set(verdict, false, "%s %lld (sid %lld, t=%.3fs) showed %s "
                      "at weight %s, %ld ms into its slow start (seq %lld, "
                      "t=%.3fs: %ld ms up to weight %ld): the ramp allows %s "
                      "to %s then",
                      ev->kind == CHECK_SEQ_PICK ? "pick" : "no_backend",
                      ev->seq, ev->sid, at(proxy, ev->ev->ts),
                      proxy->names[b],
                      check_cand_weight(c->ew, shown, sizeof(shown)), elapsed,
                      r->line->seq, at(proxy, r->line->ev->ts), r->ms,
                      r->weight, check_cand_weight(lo, low, sizeof(low)),
                      check_cand_weight(hi, high, sizeof(high)));
    return false;
}

void check_operate_slowstart(const struct scenario_expect *e,
                             const struct check_proxy *proxy,
                             struct check_verdict *verdict)
{
    struct ramp r = { NULL, 0, 0, 0 };
    long ramps = 0, judged = 0;

    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *ev = &proxy->seq[i];

        if (is_of(ev, CHECK_SEQ_SLOWSTART, e->backend)) {
            judged += r.judged;
            r.line = ev;
            r.ms = trace_get_int(ev->ev, "ms", 0);
            r.weight = trace_get_int(ev->ev, "weight", 1);
            r.judged = 0;
            ramps += r.ms > 0;
            if (r.ms <= 0)
                r.line = NULL;
        } else if (r.line != NULL && (ev->kind == CHECK_SEQ_PICK ||
                                      ev->kind == CHECK_SEQ_NO_BACKEND) &&
                   !judge_ramp_cand(proxy, e->backend, ev, &r, verdict)) {
            return;
        }
    }
    judged += r.judged;
    if (ramps == 0)
        check_verdict_set(verdict, false, "the proxy log has no slow start "
                          "of %s (ev=slowstart): its weight never ramped",
                          proxy->names[e->backend]);
    else if (judged == 0)
        check_verdict_set(verdict, false, "no balancer decision came during "
                          "the %ld slow start%s of %s: nothing was judged",
                          ramps, ramps == 1 ? "" : "s",
                          proxy->names[e->backend]);
    else
        check_verdict_set(verdict, true, "during %ld slow start%s of %s, all "
                          "%ld decisions showed its weight on the ramp "
                          "(weight x elapsed / ramp, %ld ms either way), and "
                          "the whole weight after it", ramps,
                          ramps == 1 ? "" : "s", proxy->names[e->backend],
                          judged, SLACK_MS);
}

/* --- ejected ------------------------------------------------------------ */

/* A session's failure that counts towards ejecting backend name: a failed
 * connect (not a local one), a reset from it, or its close before its
 * first byte (docs/log-format.md). */
static bool is_failure(const struct trace_event *ev, const char *name)
{
    const char *be = trace_get(ev, "be"), *reason = trace_get(ev, "reason");

    if (be == NULL || strcmp(be, name) != 0)
        return false;
    return (trace_is(ev, "connect_fail") &&
            trace_get_int(ev, "local", 0) != 1) ||
           trace_is(ev, "backend_early_close") ||
           (trace_is(ev, "close") && reason != NULL &&
            strcmp(reason, "backend_reset") == 0);
}

/* One ejection line: soon enough after the first failure of its streak,
 * and after enough failures. */
static bool judge_ejection(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           const struct trace_event *ejected,
                           const struct trace_event *first,
                           struct check_verdict *verdict)
{
    const struct scenario *sc = proxy->outcome->scenario;
    long after = scenario_proxy_number(sc, "eject-after", 0);
    long long failures = trace_get_int(ejected, "failures", -1);
    double waited_ms = first ? (ejected->ts - first->ts) * 1000.0 : 0.0;

    if (failures < after) {
        check_verdict_set(verdict, false, "ejected %lld (%s, t=%.3fs) after "
                          "%lld failures, but eject-after is %ld",
                          trace_get_int(ejected, "seq", -1),
                          proxy->names[e->backend], at(proxy, ejected->ts),
                          failures, after);
        return false;
    }
    if (waited_ms <= (double)e->within_ms)
        return true;
    check_verdict_set(verdict, false, "%s was ejected at t=%.3fs (seq %lld), "
                      "%.0f ms after its first failed session (%s sid %lld, "
                      "t=%.3fs): more than %ld ms", proxy->names[e->backend],
                      at(proxy, ejected->ts), trace_get_int(ejected, "seq", -1),
                      waited_ms, first->ev, trace_get_int(first, "sid", -1),
                      at(proxy, first->ts), e->within_ms);
    return false;
}

void check_operate_ejected(const struct scenario_expect *e,
                           const struct check_proxy *proxy,
                           struct check_verdict *verdict)
{
    const struct trace *log = &proxy->outcome->proxy;
    const char *name = proxy->names[e->backend];
    const struct trace_event *first = NULL;
    long failures = 0, ejections = 0;

    for (size_t i = 0; i < log->count; i++) {
        const struct trace_event *ev = &log->events[i];
        const char *be = trace_get(ev, "be");
        bool mine = be != NULL && strcmp(be, name) == 0;

        if (is_failure(ev, name)) {
            failures++;
            first = first ? first : ev;
        } else if (mine && trace_is(ev, "ejected")) {
            if (!judge_ejection(e, proxy, ev, first, verdict))
                return;
            ejections++;
            first = NULL;
        } else if (mine && trace_is(ev, "restored")) {
            first = NULL;
        }
    }
    if (ejections > 0)
        check_verdict_set(verdict, true, "%s was ejected %ld time%s, the "
                          "first within %ld ms of its first failed session "
                          "(%ld failures in all)", name, ejections,
                          ejections == 1 ? "" : "s", e->within_ms, failures);
    else if (first != NULL)
        check_verdict_set(verdict, false, "%s failed %ld sessions, the first "
                          "at t=%.3fs (%s sid %lld), and was never ejected "
                          "(eject-after=%ld)", name, failures,
                          at(proxy, first->ts), first->ev,
                          trace_get_int(first, "sid", -1),
                          scenario_proxy_number(proxy->outcome->scenario,
                                                "eject-after", 0));
    else
        check_verdict_set(verdict, false, "%s never failed a session and was "
                          "never ejected: nothing was judged", name);
}

/* --- restored ----------------------------------------------------------- */

/* The ejection under way. */
struct ejection {
    const struct check_seq_event *line;
    double end_ts;
};

/* ejected's ms= must be min(k x eject-time, eject-max-time). */
static bool ejection_length_right(const struct check_proxy *proxy,
                                  const struct check_seq_event *ev,
                                  struct check_verdict *verdict)
{
    const struct scenario *sc = proxy->outcome->scenario;
    long base = scenario_proxy_number(sc, "eject-time", 10000);
    long cap = scenario_proxy_number(sc, "eject-max-time", 300000);
    long long k = trace_get_int(ev->ev, "ejections", 1);
    long long ms = trace_get_int(ev->ev, "ms", -1);
    long long want = k * base < cap ? k * base : cap;

    if (ms == want)
        return true;
    check_verdict_set(verdict, false, "ejected %lld (%s, t=%.3fs) lasts %lld "
                      "ms, but ejection %lld in a row lasts min(%lld x "
                      "%ld, %ld) = %lld ms", ev->seq,
                      proxy->names[ev->backend], at(proxy, ev->ev->ts), ms, k,
                      k, base, cap, want);
    return false;
}

/* A restored line: the ejection it ends is over, by the log's clock. */
static bool judge_restored(const struct check_proxy *proxy,
                           const struct check_seq_event *ev,
                           struct ejection *open, struct check_verdict *verdict)
{
    /* Its end is counted from the ejected line, written a little after
     * the ejection itself. */
    if (open->line != NULL &&
        ev->ev->ts >= open->end_ts - CHECK_REPLAY_RAMP_SLACK_S) {
        open->line = NULL;
        return true;
    }
    if (open->line == NULL)
        check_verdict_set(verdict, false, "restored %lld (%s, t=%.3fs) ends "
                          "no ejection", ev->seq, proxy->names[ev->backend],
                          at(proxy, ev->ev->ts));
    else
        check_verdict_set(verdict, false, "restored %lld (%s, t=%.3fs) came "
                          "%.0f ms after its ejection (seq %lld, t=%.3fs), "
                          "which lasts %lld ms", ev->seq,
                          proxy->names[ev->backend], at(proxy, ev->ev->ts),
                          (ev->ev->ts - open->line->ev->ts) * 1000.0,
                          open->line->seq, at(proxy, open->line->ev->ts),
                          trace_get_int(open->line->ev, "ms", -1));
    return false;
}

/* A decision or release after an ejection's end (and the slack) must
 * find it restored already. */
static bool noticed(const struct check_proxy *proxy,
                    const struct check_seq_event *ev,
                    const struct ejection *open, struct check_verdict *verdict)
{
    bool decides = ev->kind == CHECK_SEQ_PICK ||
                   ev->kind == CHECK_SEQ_NO_BACKEND ||
                   ev->kind == CHECK_SEQ_RELEASE;

    if (open->line == NULL || !decides ||
        ev->ev->ts <= open->end_ts + CHECK_REPLAY_RAMP_SLACK_S)
        return true;
    check_verdict_set(verdict, false, "the ejection of %s (seq %lld, "
                      "t=%.3fs, %lld ms) was over at t=%.3fs, but %s %lld "
                      "(t=%.3fs) came later with no ev=restored before it",
                      proxy->names[open->line->backend], open->line->seq,
                      at(proxy, open->line->ev->ts),
                      trace_get_int(open->line->ev, "ms", -1),
                      at(proxy, open->end_ts),
                      ev->kind == CHECK_SEQ_PICK ? "pick" : ev->ev->ev,
                      ev->seq, at(proxy, ev->ev->ts));
    return false;
}

void check_operate_restored(const struct scenario_expect *e,
                            const struct check_proxy *proxy,
                            struct check_verdict *verdict)
{
    struct ejection open = { NULL, 0.0 };
    long ejections = 0, restored = 0;

    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *ev = &proxy->seq[i];

        if (!noticed(proxy, ev, &open, verdict))
            return;
        if (is_of(ev, CHECK_SEQ_EJECTED, e->backend)) {
            if (!ejection_length_right(proxy, ev, verdict))
                return;
            open.line = ev;
            open.end_ts = ev->ev->ts +
                          (double)trace_get_int(ev->ev, "ms", 0) / 1000.0;
            ejections++;
        } else if (is_of(ev, CHECK_SEQ_RESTORED, e->backend)) {
            if (!judge_restored(proxy, ev, &open, verdict))
                return;
            restored++;
        }
    }
    if (restored == 0)
        check_verdict_set(verdict, false, ejections == 0
                          ? "%s was never ejected: nothing was judged"
                          : "no ejection of %s ended before the run did: "
                            "nothing was judged", proxy->names[e->backend]);
    else
        check_verdict_set(verdict, true, "%ld of %ld ejections of %s ended "
                          "with ev=restored, each after its full time and "
                          "before the next decision", restored, ejections,
                          proxy->names[e->backend]);
}

/* --- the queue ---------------------------------------------------------- */

/* Per session (check_proxy's index), how it went through the queue. */
struct queued {
    const struct check_seq_event *in;       /* ev=queued, or NULL */
    const struct check_seq_event *out;      /* the pick, queue_timeout or
                                               queue_abandoned */
};

/* Indexes the queued sessions; NULL when out of memory (verdict set). */
static struct queued *index_queue(const struct check_proxy *proxy,
                                  struct check_verdict *verdict)
{
    struct queued *q = calloc(proxy->session_count + 1, sizeof(*q));
    size_t s;

    if (q == NULL) {
        check_verdict_set(verdict, false, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *ev = &proxy->seq[i];

        s = check_proxy_session(proxy, ev->sid);
        if (s == CHECK_PROXY_NONE)
            continue;
        if (ev->kind == CHECK_SEQ_QUEUED && q[s].in == NULL)
            q[s].in = ev;
        else if (q[s].in != NULL && q[s].out == NULL &&
                 (ev->kind == CHECK_SEQ_PICK ||
                  ev->kind == CHECK_SEQ_QUEUE_TIMEOUT ||
                  ev->kind == CHECK_SEQ_QUEUE_ABANDONED))
            q[s].out = ev;
    }
    return q;
}

/* A session's way out of the queue: a pick with queued_ms, or a timeout
 * no sooner than --queue-timeout, each agreeing with the log's times and
 * within the bound. */
static bool judge_wait(const struct scenario_expect *e,
                       const struct check_proxy *proxy,
                       const struct queued *q, double *longest,
                       struct check_verdict *verdict)
{
    long timeout = scenario_proxy_number(proxy->outcome->scenario,
                                         "queue-timeout", 5000);
    bool served = q->out->kind == CHECK_SEQ_PICK;
    long long shown = trace_get_int(q->out->ev, served ? "queued_ms" : "ms",
                                    -1);
    double measured = (q->out->ev->ts - q->in->ev->ts) * 1000.0;
    const char *what = served ? "pick" : "queue_timeout";

    if (shown < 0 || measured > (double)(shown + SLACK_MS) ||
        measured < (double)(shown - SLACK_MS)) {
        check_verdict_set(verdict, false, "%s %lld (sid %lld, t=%.3fs) took "
                          "the session out of the queue %.0f ms after it "
                          "entered (queued at seq %lld, t=%.3fs), but logged "
                          "%s=%lld", what, q->out->seq, q->out->sid,
                          at(proxy, q->out->ev->ts), measured, q->in->seq,
                          at(proxy, q->in->ev->ts),
                          served ? "queued_ms" : "ms", shown);
        return false;
    }
    if (served ? shown <= e->within_ms : shown >= timeout - 5) {
        if (served && measured > *longest)
            *longest = measured;
        return true;
    }
    check_verdict_set(verdict, false, "%s %lld (sid %lld, t=%.3fs): session "
                      "%lld waited %lld ms in the queue (queued at seq %lld, "
                      "t=%.3fs), %s %ld ms", what, q->out->seq, q->out->sid,
                      at(proxy, q->out->ev->ts), q->out->sid, shown,
                      q->in->seq, at(proxy, q->in->ev->ts),
                      served ? "more than" : "and timed out before its",
                      served ? e->within_ms : timeout);
    return false;
}

void check_operate_queue_wait(const struct scenario_expect *e,
                              const struct check_proxy *proxy,
                              struct check_verdict *verdict)
{
    struct queued *q = index_queue(proxy, verdict);
    long queued = 0, served = 0, timed_out = 0;
    double longest = 0.0;

    for (size_t s = 0; q != NULL && s < proxy->session_count; s++) {
        if (q[s].in == NULL)
            continue;
        queued++;
        if (q[s].out == NULL && proxy->sessions[s].close == NULL) {
            check_verdict_set(verdict, false, "session %lld was queued at seq "
                              "%lld (t=%.3fs) and neither served nor timed "
                              "out, nor closed", proxy->sessions[s].sid,
                              q[s].in->seq, at(proxy, q[s].in->ev->ts));
            goto out;
        }
        if (q[s].out == NULL || q[s].out->kind == CHECK_SEQ_QUEUE_ABANDONED)
            continue;   /* its client left while it waited */
        if (!judge_wait(e, proxy, &q[s], &longest, verdict))
            goto out;
        served += q[s].out->kind == CHECK_SEQ_PICK;
        timed_out += q[s].out->kind == CHECK_SEQ_QUEUE_TIMEOUT;
    }
    if (q != NULL && queued == 0)
        check_verdict_set(verdict, false, "no session was queued (no "
                          "ev=queued in the proxy log): nothing was judged");
    else if (q != NULL)
        check_verdict_set(verdict, true, "all %ld queued sessions left the "
                          "queue in time: %ld served, the longest after "
                          "%.0f ms (at most %ld), %ld timed out", queued,
                          served, longest, e->within_ms, timed_out);
out:
    free(q);
}

/* The earliest-queued session still waiting when ev took one out: not
 * out yet, and not closed before ev. */
static const struct queued *first_waiting(const struct check_proxy *proxy,
                                          const struct queued *q,
                                          const struct check_seq_event *ev)
{
    const struct queued *first = NULL;

    for (size_t s = 0; s < proxy->session_count; s++) {
        const struct trace_event *close = proxy->sessions[s].close;

        if (q[s].in == NULL || q[s].in->seq > ev->seq ||
            (q[s].out != NULL && q[s].out->seq < ev->seq) ||
            (q[s].out == NULL && close != NULL && close->ts <= ev->ev->ts))
            continue;
        if (first == NULL || q[s].in->seq < first->in->seq)
            first = &q[s];
    }
    return first;
}

void check_operate_queue_fifo(const struct check_proxy *proxy,
                              struct check_verdict *verdict)
{
    struct queued *q = index_queue(proxy, verdict);
    const struct queued *first;
    long served = 0;

    for (size_t s = 0; q != NULL && s < proxy->session_count; s++) {
        if (q[s].out == NULL || q[s].out->kind != CHECK_SEQ_PICK)
            continue;
        served++;
        first = first_waiting(proxy, q, q[s].out);
        if (first == NULL || first == &q[s])
            continue;
        check_verdict_set(verdict, false, "pick %lld (sid %lld, t=%.3fs) "
                          "served session %lld from the queue (queued at seq "
                          "%lld, t=%.3fs) while session %lld, queued before "
                          "it (seq %lld, t=%.3fs), was still waiting: the "
                          "queue must be served in order", q[s].out->seq,
                          q[s].out->sid, at(proxy, q[s].out->ev->ts),
                          q[s].out->sid, q[s].in->seq,
                          at(proxy, q[s].in->ev->ts), first->in->sid,
                          first->in->seq, at(proxy, first->in->ev->ts));
        goto out;
    }
    if (q != NULL && served < 2)
        check_verdict_set(verdict, false, "%ld queued session%s served: "
                          "fewer than two, so no order was judged", served,
                          served == 1 ? " was" : "s were");
    else if (q != NULL)
        check_verdict_set(verdict, true, "all %ld sessions served from the "
                          "queue left it in the order they entered it",
                          served);
out:
    free(q);
}
