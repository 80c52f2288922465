/*
 * check_balancer: leastconn, p2c and counts zero. See check_balancer.h.
 *
 * All walk the seq events once, in seq order. leastconn and p2c carry a
 * replay and compare each pick's cand list with it before applying the
 * pick (they differ only in how the pick itself is judged);
 * counts zero keeps, per session, the pick it has not released yet. The
 * first broken event in seq order is the one reported: a missing seq shows
 * up before the wrong counts it causes.
 */
#include "check_balancer.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "check_cand.h"
#include "check_replay.h"
#include "check_verdict.h"

/* The leastconn walk: the replay and the event being judged. */
struct walk {
    const struct check_proxy *proxy;
    struct check_verdict *verdict;
    struct check_replay replay;
    struct check_cand cands[CHECK_PROXY_MAX_NAMES];
    int cand_count;
    int last_pick;              /* cand position of the previous pick */
    bool rotate;                /* judge ties: balance is leastconn */
    bool p2c;                   /* judge picks by their two samples */
    uint64_t *tried;            /* per session: backends it failed on */
    char what[96];              /* "pick 17 (sid 9, t=0.842s)" */
};

static const char *backend_label(const struct check_proxy *proxy,
                                 const struct check_seq_event *e)
{
    const char *be;

    if (e->backend >= 0)
        return proxy->names[e->backend];
    be = trace_get(e->ev, "be");
    return be ? be : "?";
}

/* Fills walk->cands from e's cand key; false (verdict set) if unreadable. */
static bool read_cands(struct walk *walk, const struct check_seq_event *e)
{
    walk->cand_count = check_cand_parse(walk->proxy, trace_get(e->ev, "cand"),
                                        walk->cands, CHECK_PROXY_MAX_NAMES);
    if (walk->cand_count >= 0)
        return true;
    check_verdict_set(walk->verdict, false, "%s has no readable cand list "
                      "(line %d of the proxy log)", walk->what, e->ev->line);
    return false;
}

static const struct check_cand *find_cand(const struct walk *walk, int backend)
{
    for (int i = 0; i < walk->cand_count; i++) {
        if (walk->cands[i].backend == backend)
            return &walk->cands[i];
    }
    return NULL;
}

/* --- judging one event ------------------------------------------------- */

static void describe(struct walk *walk, const struct check_seq_event *e)
{
    const char *label = e->kind == CHECK_SEQ_PICK ? "pick" : e->ev->ev;
    double t = check_verdict_time(walk->proxy->outcome, e->ev->ts);

    if (e->sid >= 0)
        snprintf(walk->what, sizeof(walk->what), "%s %lld (sid %lld, "
                 "t=%.3fs)", label, e->seq, e->sid, t);
    else
        snprintf(walk->what, sizeof(walk->what), "%s %lld (%s, t=%.3fs)",
                 label, e->seq, backend_label(walk->proxy, e), t);
}

/* seq numbers must run 1, 2, 3... with no gap and no repeat. */
static bool seq_in_place(struct walk *walk, size_t index)
{
    const struct check_seq_event *e = &walk->proxy->seq[index];
    long long expected = (long long)index + 1;

    if (e->seq == expected)
        return true;
    if (index > 0 && e->seq == walk->proxy->seq[index - 1].seq)
        check_verdict_set(walk->verdict, false, "seq %lld appears twice in "
                          "the log (lines %d and %d): two balancer events "
                          "took one number", e->seq,
                          walk->proxy->seq[index - 1].ev->line, e->ev->line);
    else if (e->seq > expected)
        check_verdict_set(walk->verdict, false, "seq %lld is missing from "
                          "the log: a balancer event was not logged",
                          expected);
    else
        check_verdict_set(walk->verdict, false, "seq %lld at line %d is not "
                          "valid: seq numbers start at 1", e->seq,
                          e->ev->line);
    return false;
}

/* "(ev=admin at seq 12, t=1.000s)": the event that left b in its state. */
static const char *changed_by(const struct walk *walk, int b, char *buf,
                              size_t size)
{
    const struct trace_event *ev = walk->replay.changed[b];

    if (ev == NULL)
        snprintf(buf, size, "(since the proxy's start)");
    else
        snprintf(buf, size, "(ev=%s at seq %lld, t=%.3fs)", ev->ev,
                 trace_get_int(ev, "seq", -1),
                 check_verdict_time(walk->proxy->outcome, ev->ts));
    return buf;
}

/* The candidate's state must be the one the replay gives: disabled,
 * draining, down or ejected by precedence, else one of up, full, tried. */
static bool state_matches(struct walk *walk, const struct check_cand *c)
{
    int want = check_replay_state(&walk->replay, c->backend);
    bool shown_special = c->state == CHECK_CAND_DOWN ||
                         c->state >= CHECK_CAND_DISABLED;
    char why[96];

    if (want == -1 ? !shown_special : (int)c->state == want)
        return true;
    check_verdict_set(walk->verdict, false, "%s logged %s as %s, but the "
                      "log's own events leave it %s %s", walk->what, c->name,
                      check_cand_state_name(c->state),
                      want == -1 ? "eligible (up, full or tried)"
                                 : check_cand_state_name(
                                       (enum check_cand_state)want),
                      changed_by(walk, c->backend, why, sizeof(why)));
    return false;
}

/* The effective weight must be the weight the log set, except during a
 * slow start's ramp, where it is between 0.01 and the weight. */
static bool weight_matches(struct walk *walk, const struct check_cand *c,
                           double ts)
{
    long full = walk->replay.weight[c->backend] * 100;
    bool ramping = check_replay_ramping(&walk->replay, c->backend, ts);
    char shown[24], want[24], why[96];

    if (c->ew == full || (ramping && c->ew >= 1 && c->ew <= full))
        return true;
    check_verdict_set(walk->verdict, false, "%s showed %s at weight %s, but "
                      "its weight is %s %s%s", walk->what, c->name,
                      check_cand_weight(c->ew, shown, sizeof(shown)),
                      check_cand_weight(full, want, sizeof(want)),
                      changed_by(walk, c->backend, why, sizeof(why)),
                      ramping ? " and a slow start ramps it up to that, never "
                                "above" : " and no slow start is under way");
    return false;
}

/* Every backend in the proxy, and no other, must be a candidate. */
static bool cands_complete(struct walk *walk)
{
    char why[96];

    for (size_t b = 0; b < walk->proxy->name_count; b++) {
        bool listed = find_cand(walk, (int)b) != NULL;
        bool known = b < walk->proxy->scenario_backends ||
                     walk->replay.changed[b] != NULL;

        if (listed == !walk->replay.absent[b] || (!listed && !known))
            continue;
        check_verdict_set(walk->verdict, false, "%s %s %s, %s %s", walk->what,
                          listed ? "lists" : "does not list",
                          walk->proxy->names[b],
                          listed ? "which is not in the proxy"
                                 : "which is in the proxy",
                          changed_by(walk, (int)b, why, sizeof(why)));
        return false;
    }
    return true;
}

/* Each candidate's count, state and weight must be the replay's. */
static bool cands_match_replay(struct walk *walk,
                               const struct check_seq_event *e)
{
    for (int i = 0; i < walk->cand_count; i++) {
        const struct check_cand *c = &walk->cands[i];

        if (c->backend < 0) {
            check_verdict_set(walk->verdict, false, "%s lists %s, a backend "
                              "the proxy never declared", walk->what, c->name);
            return false;
        }
        if (c->active != walk->replay.active[c->backend]) {
            check_verdict_set(walk->verdict, false, "%s logged %s with %ld "
                              "active, but the log's own picks and releases "
                              "give %ld", walk->what, c->name, c->active,
                              walk->replay.active[c->backend]);
            return false;
        }
        if (!state_matches(walk, c) || !weight_matches(walk, c, e->ev->ts))
            return false;
    }
    return cands_complete(walk);
}

static void fail_not_least(struct walk *walk, const struct check_cand *chosen,
                           const struct check_cand *other)
{
    char w1[24], w2[24];

    if (chosen->ew == 100 && other->ew == 100)
        check_verdict_set(walk->verdict, false, "%s chose %s with %ld active "
                          "while %s had %ld", walk->what, chosen->name,
                          chosen->active, other->name, other->active);
    else
        check_verdict_set(walk->verdict, false, "%s chose %s with %ld active "
                          "at weight %s while %s had %ld at weight %s",
                          walk->what, chosen->name, chosen->active,
                          check_cand_weight(chosen->ew, w1, sizeof(w1)),
                          other->name, other->active,
                          check_cand_weight(other->ew, w2, sizeof(w2)));
}

/* A candidate shown up at its maxconn (the scenario's, or the last the
 * log set), or shown full below it, misstates what the proxy could
 * choose. */
static bool maxconn_respected(struct walk *walk)
{
    for (int i = 0; i < walk->cand_count; i++) {
        const struct check_cand *c = &walk->cands[i];
        long maxconn = c->backend >= 0 ? walk->replay.maxconn[c->backend] : 0;
        bool full = maxconn > 0 && c->active >= maxconn;

        if (maxconn == 0 || (c->state != CHECK_CAND_UP &&
                             c->state != CHECK_CAND_FULL))
            continue;
        if (full != (c->state == CHECK_CAND_FULL)) {
            check_verdict_set(walk->verdict, false, "%s showed %s as %s with "
                              "%ld active, but its maxconn is %ld, so it was "
                              "%s", walk->what, c->name,
                              check_cand_state_name(c->state), c->active,
                              maxconn, full ? "full" : "eligible");
            return false;
        }
    }
    return true;
}

/* Among the least-loaded, the pick must be the first after the previous
 * pick in cand order: ties rotate. */
static bool tie_rotates(struct walk *walk, const struct check_cand *chosen)
{
    const struct check_cand *next = NULL, *last;

    for (int k = 1; k <= walk->cand_count && next == NULL; k++) {
        const struct check_cand *c =
            &walk->cands[(walk->last_pick + k) % walk->cand_count];

        if (c->state == CHECK_CAND_UP &&
            c->active * chosen->ew == chosen->active * c->ew)
            next = c;
    }
    if (!walk->rotate || next == NULL || next == chosen)
        return true;
    last = &walk->cands[(walk->last_pick + walk->cand_count) %
                        walk->cand_count];
    check_verdict_set(walk->verdict, false, "%s chose %s, but %s was as "
                      "lightly loaded (%ld active) and comes first after the "
                      "previous pick (%s): ties must rotate", walk->what,
                      chosen->name, next->name, next->active, last->name);
    return false;
}

/* The chosen backend is up and no up one has fewer active per weight. */
static bool pick_is_least(struct walk *walk, const struct check_seq_event *e)
{
    const struct check_cand *chosen = find_cand(walk, e->backend);

    if (e->backend < 0 || chosen == NULL) {
        check_verdict_set(walk->verdict, false, "%s chose %s, which its cand "
                          "list does not show", walk->what,
                          backend_label(walk->proxy, e));
        return false;
    }
    if (chosen->state != CHECK_CAND_UP) {
        check_verdict_set(walk->verdict, false, "%s chose %s, which it "
                          "logged as %s", walk->what, chosen->name,
                          check_cand_state_name(chosen->state));
        return false;
    }
    for (int i = 0; i < walk->cand_count; i++) {
        const struct check_cand *other = &walk->cands[i];

        if (other == chosen || other->state != CHECK_CAND_UP)
            continue;
        if (chosen->active * other->ew > other->active * chosen->ew) {
            fail_not_least(walk, chosen, other);
            return false;
        }
    }
    if (!tie_rotates(walk, chosen))
        return false;
    walk->last_pick = (int)(chosen - walk->cands);
    return true;
}

/* --- p2c ----------------------------------------------------------------- */

/* The candidate called name, or NULL (verdict set, naming which sample). */
static const struct check_cand *sampled(struct walk *walk, const char *name,
                                        int which)
{
    for (int i = 0; i < walk->cand_count; i++) {
        if (strcmp(walk->cands[i].name, name) == 0)
            return &walk->cands[i];
    }
    check_verdict_set(walk->verdict, false, "%s sampled %s (sample %d of "
                      "p2c=), which its cand list does not show", walk->what,
                      name, which);
    return NULL;
}

/* Reads p2c=A,B (or p2c=A) into s[0], s[1] (NULL when one sample). */
static bool read_samples(struct walk *walk, const struct check_seq_event *e,
                         const struct check_cand *s[2])
{
    const char *text = trace_get(e->ev, "p2c");
    char first[CHECK_CAND_NAME_MAX];
    const char *comma;
    size_t len;

    if (text == NULL || text[0] == '\0') {
        check_verdict_set(walk->verdict, false, "%s has no p2c= samples: "
                          "the proxy does not run --balance p2c (line %d "
                          "of the proxy log)", walk->what, e->ev->line);
        return false;
    }
    comma = strchr(text, ',');
    len = comma != NULL ? (size_t)(comma - text) : strlen(text);
    if (len >= sizeof(first))
        len = sizeof(first) - 1;
    memcpy(first, text, len);
    first[len] = '\0';
    s[1] = NULL;
    s[0] = sampled(walk, first, 1);
    if (s[0] == NULL)
        return false;
    return comma == NULL || (s[1] = sampled(walk, comma + 1, 2)) != NULL;
}

/* Samples must be eligible and distinct, and two whenever two were up. */
static bool samples_valid(struct walk *walk, const struct check_cand *s[2])
{
    int up = 0;

    for (int i = 0; i < walk->cand_count; i++)
        up += walk->cands[i].state == CHECK_CAND_UP;
    for (int k = 0; k < 2; k++) {
        if (s[k] != NULL && s[k]->state != CHECK_CAND_UP) {
            check_verdict_set(walk->verdict, false, "%s sampled %s, which "
                              "it logged as %s: only up backends may be "
                              "drawn", walk->what, s[k]->name,
                              check_cand_state_name(s[k]->state));
            return false;
        }
    }
    if (s[1] == s[0]) {
        check_verdict_set(walk->verdict, false, "%s sampled %s twice: the "
                          "two samples must be distinct", walk->what,
                          s[0]->name);
        return false;
    }
    if (s[1] == NULL && up > 1) {
        check_verdict_set(walk->verdict, false, "%s drew one sample (%s) "
                          "while %d backends were up: p2c draws two",
                          walk->what, s[0]->name, up);
        return false;
    }
    return true;
}

/* The chosen backend is the lesser of the two samples, the first on a
 * tie. */
static bool pick_is_p2c(struct walk *walk, const struct check_seq_event *e)
{
    const struct check_cand *s[2], *want;
    char w1[24], w2[24];

    if (!read_samples(walk, e, s) || !samples_valid(walk, s))
        return false;
    want = s[0];
    if (s[1] != NULL && s[1]->active * s[0]->ew < s[0]->active * s[1]->ew)
        want = s[1];
    if (want->backend == e->backend)
        return true;
    if (s[1] == NULL)
        check_verdict_set(walk->verdict, false, "%s chose %s, but its only "
                          "sample was %s", walk->what,
                          backend_label(walk->proxy, e), s[0]->name);
    else
        check_verdict_set(walk->verdict, false, "%s chose %s, but of its "
                          "samples %s (%ld active, weight %s) and %s (%ld "
                          "active, weight %s) the lesser%s is %s", walk->what,
                          backend_label(walk->proxy, e), s[0]->name,
                          s[0]->active,
                          check_cand_weight(s[0]->ew, w1, sizeof(w1)),
                          s[1]->name, s[1]->active,
                          check_cand_weight(s[1]->ew, w2, sizeof(w2)),
                          want == s[0] ? " (or the first, on a tie)" : "",
                          want->name);
    return false;
}

/* A refusal is right only when no candidate was eligible. */
static bool nothing_up(struct walk *walk)
{
    for (int i = 0; i < walk->cand_count; i++) {
        const struct check_cand *c = &walk->cands[i];

        if (c->state == CHECK_CAND_UP) {
            check_verdict_set(walk->verdict, false, "%s refused the client "
                              "while %s was up with %ld active", walk->what,
                              c->name, c->active);
            return false;
        }
    }
    return true;
}

/* After a release, its active= must be the replay's count. */
static bool release_matches(struct walk *walk, const struct check_seq_event *e)
{
    long long active = trace_get_int(e->ev, "active", LLONG_MIN);

    if (e->backend < 0) {
        check_verdict_set(walk->verdict, false, "%s releases %s, a backend "
                          "the proxy never declared", walk->what,
                          backend_label(walk->proxy, e));
        return false;
    }
    if (active == LLONG_MIN || active == walk->replay.active[e->backend])
        return true;
    check_verdict_set(walk->verdict, false, "%s logged %s with %lld active "
                      "after its release, but the log's own picks and "
                      "releases give %ld", walk->what,
                      walk->proxy->names[e->backend], active,
                      walk->replay.active[e->backend]);
    return false;
}

/* A connect_fail makes its backend "tried" for the rest of the session. */
static void note_tried(struct walk *walk, const struct check_seq_event *e)
{
    size_t session = check_proxy_session(walk->proxy, e->sid);

    if (e->kind == CHECK_SEQ_RELEASE && trace_is(e->ev, "connect_fail") &&
        session != CHECK_PROXY_NONE && e->backend >= 0 && e->backend < 64)
        walk->tried[session] |= (uint64_t)1 << e->backend;
}

/* A backend that failed this session must not be offered to it again. */
static bool tried_not_offered(struct walk *walk,
                              const struct check_seq_event *e)
{
    size_t session = check_proxy_session(walk->proxy, e->sid);
    uint64_t tried = session != CHECK_PROXY_NONE ? walk->tried[session] : 0;

    for (int i = 0; i < walk->cand_count; i++) {
        const struct check_cand *c = &walk->cands[i];

        if (c->backend < 0 || c->backend >= 64 ||
            !(tried & ((uint64_t)1 << c->backend)) ||
            (c->state != CHECK_CAND_UP && c->state != CHECK_CAND_FULL))
            continue;
        check_verdict_set(walk->verdict, false, "%s showed %s as %s, but "
                          "session %lld had already failed to connect to "
                          "it: a retry must go to another backend",
                          walk->what, c->name,
                          check_cand_state_name(c->state), e->sid);
        return false;
    }
    return true;
}

/* An operation's line must agree with the replay: the counts it shows, the
 * value it replaces, and the state the balancer needs for it. */
static bool change_is_possible(struct walk *walk,
                               const struct check_seq_event *e)
{
    int b = e->backend;
    long long shown;

    if (b < 0)
        return true;
    if (e->kind == CHECK_SEQ_DRAINED &&
        (walk->replay.active[b] != 0 ||
         walk->replay.admin[b] != CHECK_REPLAY_DRAINING)) {
        check_verdict_set(walk->verdict, false, "%s says %s was drained, but "
                          "the log's own events leave it %s with %ld active",
                          walk->what, walk->proxy->names[b],
                          walk->replay.admin[b] == CHECK_REPLAY_DRAINING
                              ? "draining" : "not draining",
                          walk->replay.active[b]);
        return false;
    }
    if (e->kind == CHECK_SEQ_REMOVED &&
        (walk->replay.active[b] != 0 ||
         walk->replay.admin[b] == CHECK_REPLAY_READY)) {
        check_verdict_set(walk->verdict, false, "%s removed %s while it was "
                          "%s with %ld active: only a disabled or draining "
                          "backend with none active may be removed",
                          walk->what, walk->proxy->names[b],
                          walk->replay.admin[b] == CHECK_REPLAY_READY
                              ? "ready" : "out of service",
                          walk->replay.active[b]);
        return false;
    }
    shown = e->kind == CHECK_SEQ_ADMIN ? trace_get_int(e->ev, "active", -1)
          : e->kind == CHECK_SEQ_WEIGHT ? trace_get_int(e->ev, "was", -1)
          : -1;
    if (shown == -1 || shown == (e->kind == CHECK_SEQ_ADMIN
                                     ? walk->replay.active[b]
                                     : walk->replay.weight[b]))
        return true;
    check_verdict_set(walk->verdict, false, "%s logged %s with %s %lld, but "
                      "the log's own events give %ld", walk->what,
                      walk->proxy->names[b],
                      e->kind == CHECK_SEQ_ADMIN ? "active" : "weight was",
                      shown, e->kind == CHECK_SEQ_ADMIN
                                 ? walk->replay.active[b]
                                 : walk->replay.weight[b]);
    return false;
}

static bool judge_event(struct walk *walk, size_t index)
{
    const struct check_seq_event *e = &walk->proxy->seq[index];
    bool choice = e->kind == CHECK_SEQ_PICK ||
                  e->kind == CHECK_SEQ_NO_BACKEND;

    if (!seq_in_place(walk, index))
        return false;
    describe(walk, e);
    if (choice && (!read_cands(walk, e) || !cands_match_replay(walk, e) ||
                   !maxconn_respected(walk) || !tried_not_offered(walk, e)))
        return false;
    note_tried(walk, e);
    if (e->kind == CHECK_SEQ_PICK &&
        !(walk->p2c ? pick_is_p2c(walk, e) : pick_is_least(walk, e)))
        return false;
    if (e->kind == CHECK_SEQ_NO_BACKEND && !nothing_up(walk))
        return false;
    if (!change_is_possible(walk, e))
        return false;
    check_replay_apply(&walk->replay, e);
    return e->kind != CHECK_SEQ_RELEASE || release_matches(walk, e);
}

/* Tie rotation is judged only for the proxy's own leastconn policy. */
static bool leastconn_policy(const struct scenario *sc)
{
    for (size_t i = 0; i < sc->proxy_count; i++) {
        if (strcmp(sc->proxy[i].key, "balance") == 0)
            return strcmp(sc->proxy[i].value, "leastconn") == 0;
    }
    return true;
}

/* Replays the whole log, judging each pick as leastconn or as p2c. */
static void walk_all(const struct check_proxy *proxy,
                     struct check_verdict *verdict, bool p2c)
{
    struct walk *walk;

    if (proxy->unnumbered != NULL) {
        check_verdict_set(verdict, false, "the %s at line %d of the proxy "
                          "log has no seq, so the balancer cannot be "
                          "replayed", proxy->unnumbered->ev,
                          proxy->unnumbered->line);
        return;
    }
    if (proxy->pick_count == 0) {
        check_verdict_set(verdict, false, "no picks in the proxy log");
        return;
    }
    walk = calloc(1, sizeof(*walk));
    if (walk != NULL)
        walk->tried = calloc(proxy->session_count + 1, sizeof(uint64_t));
    if (walk == NULL || walk->tried == NULL) {
        check_verdict_set(verdict, false, "out of memory");
        free(walk);
        return;
    }
    walk->proxy = proxy;
    walk->verdict = verdict;
    /* The proxy's walk starts after the last backend: b1 comes first. */
    walk->last_pick = -1;
    walk->p2c = p2c;
    walk->rotate = !p2c && leastconn_policy(proxy->outcome->scenario);
    check_replay_start(&walk->replay, proxy);
    for (size_t i = 0; i < proxy->seq_count; i++) {
        if (!judge_event(walk, i))
            goto out;
    }
    if (p2c)
        check_verdict_set(verdict, true, "all %zu picks chose the lesser "
                          "of two distinct up samples (the first on a tie), "
                          "and replaying the %zu balancer events gives every "
                          "count the log shows", proxy->pick_count,
                          proxy->seq_count);
    else
        check_verdict_set(verdict, true, "all %zu picks chose a "
                          "least-loaded backend%s, and replaying the %zu "
                          "balancer events gives every count the log shows",
                          proxy->pick_count,
                          walk->rotate ? " (ties in turn)" : "",
                          proxy->seq_count);
out:
    free(walk->tried);
    free(walk);
}

void check_balancer_leastconn(const struct check_proxy *proxy,
                              struct check_verdict *verdict)
{
    walk_all(proxy, verdict, false);
}

void check_balancer_p2c(const struct check_proxy *proxy,
                        struct check_verdict *verdict)
{
    walk_all(proxy, verdict, true);
}

/* --- counts zero ------------------------------------------------------- */

/* Per session, the index in seq of the pick it has not released yet. */
struct pairing {
    const struct check_proxy *proxy;
    struct check_verdict *verdict;
    size_t *open;
};

static bool pair_pick(struct pairing *p, size_t session, size_t index)
{
    const struct check_seq_event *e = &p->proxy->seq[index];
    const struct check_seq_event *held;

    if (p->open[session] != CHECK_PROXY_NONE) {
        held = &p->proxy->seq[p->open[session]];
        check_verdict_set(p->verdict, false, "session %lld picked %s (seq "
                          "%lld) and never released it before picking %s "
                          "(seq %lld)", e->sid, backend_label(p->proxy, held),
                          held->seq, backend_label(p->proxy, e), e->seq);
        return false;
    }
    p->open[session] = index;
    return true;
}

static bool pair_release(struct pairing *p, size_t session, size_t index)
{
    const struct check_seq_event *e = &p->proxy->seq[index];
    const struct check_seq_event *held;

    /* Decisions are numbered from 1: a 0 is the number of none, logged
     * from a release that never happened. */
    if (e->seq == 0) {
        check_verdict_set(p->verdict, false, "session %lld logged %s for "
                          "%s with seq=0, the number of no decision (they "
                          "start at 1): its pick was never given back to "
                          "the balancer", e->sid, e->ev->ev,
                          backend_label(p->proxy, e));
        return false;
    }
    if (p->open[session] == CHECK_PROXY_NONE) {
        check_verdict_set(p->verdict, false, "session %lld released %s at "
                          "seq %lld (%s) without holding a pick of it: a "
                          "release counted twice", e->sid,
                          backend_label(p->proxy, e), e->seq, e->ev->ev);
        return false;
    }
    held = &p->proxy->seq[p->open[session]];
    if (held->backend != e->backend || e->backend < 0) {
        check_verdict_set(p->verdict, false, "session %lld picked %s (seq "
                          "%lld) but released %s (seq %lld)", e->sid,
                          backend_label(p->proxy, held), held->seq,
                          backend_label(p->proxy, e), e->seq);
        return false;
    }
    p->open[session] = CHECK_PROXY_NONE;
    return true;
}

static bool pair_event(struct pairing *p, size_t index)
{
    const struct check_seq_event *e = &p->proxy->seq[index];
    size_t session;

    if (e->kind != CHECK_SEQ_PICK && e->kind != CHECK_SEQ_RELEASE)
        return true;
    session = check_proxy_session(p->proxy, e->sid);
    if (session == CHECK_PROXY_NONE) {
        check_verdict_set(p->verdict, false, "%s seq %lld at line %d names "
                          "no session", e->ev->ev, e->seq, e->ev->line);
        return false;
    }
    if (e->kind == CHECK_SEQ_PICK)
        return pair_pick(p, session, index);
    return pair_release(p, session, index);
}

/* Reports the earliest pick still held at the end, if any. */
static bool all_released(struct pairing *p)
{
    size_t first = CHECK_PROXY_NONE, held = 0;
    const struct check_seq_event *e;

    for (size_t s = 0; s < p->proxy->session_count; s++) {
        if (p->open[s] == CHECK_PROXY_NONE)
            continue;
        held++;
        if (first == CHECK_PROXY_NONE || p->open[s] < first)
            first = p->open[s];
    }
    if (held == 0)
        return true;
    e = &p->proxy->seq[first];
    check_verdict_set(p->verdict, false, "session %lld picked %s (seq %lld, "
                      "t=%.3fs) and never released it (%zu unreleased "
                      "picks in all)", e->sid, backend_label(p->proxy, e),
                      e->seq, check_verdict_time(p->proxy->outcome,
                                                 e->ev->ts), held);
    return false;
}

/* Every backend ends with 0 active: by the log's picks and releases, and
 * by what the proxy itself logged at each backend's last release (its
 * active=), which a count changed outside the balancer's pick and release
 * leaves above 0 though every pick was released. */
static bool ends_at_zero(struct pairing *p)
{
    struct check_replay replay;

    check_replay_all(p->proxy, &replay);
    for (size_t b = 0; b < p->proxy->name_count; b++) {
        const struct check_seq_event *last = NULL;
        long long shown;

        if (replay.active[b] != 0) {
            check_verdict_set(p->verdict, false, "%s ends with %ld active",
                              p->proxy->names[b], replay.active[b]);
            return false;
        }
        for (size_t i = 0; i < p->proxy->seq_count; i++) {
            const struct check_seq_event *e = &p->proxy->seq[i];

            if (e->kind == CHECK_SEQ_RELEASE && e->backend == (int)b &&
                (last == NULL || e->seq > last->seq))
                last = e;
        }
        shown = last != NULL ? trace_get_int(last->ev, "active", 0) : 0;
        if (shown != 0) {
            check_verdict_set(p->verdict, false, "every pick of %s was "
                              "released, but the proxy logged %lld active "
                              "after its last release (seq %lld, t=%.3fs): "
                              "its count moved outside pick and release",
                              p->proxy->names[b], shown, last->seq,
                              check_verdict_time(p->proxy->outcome,
                                                 last->ev->ts));
            return false;
        }
    }
    return true;
}

void check_balancer_counts_zero(const struct check_proxy *proxy,
                                struct check_verdict *verdict)
{
    struct pairing p = { proxy, verdict, NULL };

    if (proxy->pick_count == 0) {
        check_verdict_set(verdict, false, "no picks in the proxy log: "
                          "nothing was counted");
        return;
    }
    p.open = malloc((proxy->session_count + 1) * sizeof(*p.open));
    if (p.open == NULL) {
        check_verdict_set(verdict, false, "out of memory");
        return;
    }
    for (size_t s = 0; s < proxy->session_count; s++)
        p.open[s] = CHECK_PROXY_NONE;
    for (size_t i = 0; i < proxy->seq_count; i++) {
        if (!pair_event(&p, i))
            goto out;
    }
    if (all_released(&p) && ends_at_zero(&p))
        check_verdict_set(verdict, true, "all %zu picks were released "
                          "exactly once; every backend ends with 0 active",
                          proxy->pick_count);
out:
    free(p.open);
}
