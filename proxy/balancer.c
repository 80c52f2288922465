/*
 * balancer: least connections (and, for comparison, round robin,
 * random and power of two choices) over a fixed set of backends. See
 * balancer.h for the contract.
 * The whole algorithm is choose_leastconn().
 */
#include "balancer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "count_of.h"
#include "rng.h"

/* One backend's mutable state; guarded by balancer.lock. */
struct backend_state {
    int active;             /* sessions picked and not yet released */
    bool up;
    int ok_streak;          /* consecutive successful checks */
    int fail_streak;        /* consecutive failed checks */
    uint64_t picks;
    uint64_t failures;
    bool removed;           /* the slot is never a candidate again */
    enum balancer_admin admin;
    int weight;             /* as set, 1..256 */
    long slowstart_ms;      /* this backend's ramp length; 0: none */
    long ramp_ms;           /* the ramp under way; 0: none */
    uint64_t ramp_start_ms;
    int fail_run;           /* consecutive failures, for ejection */
    bool ejected;
    uint64_t eject_until_ms;
    int eject_row;          /* ejections in a row (no success between) */
    uint64_t ejections;     /* since start */
};

struct balancer {
    pthread_mutex_t lock;
    enum balancer_policy policy;
    bool passive_down;
    struct balancer_tuning tuning;                              /* fixed */
    _Atomic size_t count;               /* slots used; grows under lock */
    struct balancer_backend_spec conf[BALANCER_MAX_BACKENDS];  /* fixed */
    /* What decisions compare, per slot: the same backend, but its weight
     * is the effective weight in hundredths (weight * 100, less during a
     * slow-start ramp) and its maxconn the current one. Name and address
     * are those of conf. */
    struct balancer_backend_spec spec[BALANCER_MAX_BACKENDS];  /* lock */
    struct backend_state state[BALANCER_MAX_BACKENDS];          /* lock */
    size_t last_pick;                                           /* lock */
    uint64_t seq;                                               /* lock */
    struct rng rng;                                             /* lock */
    bool timed;             /* slow start or ejection: read the clock; lock */
    int ramping;            /* backends in a ramp; lock */
    int ejected;            /* backends ejected now; lock */
    uint64_t next_restore_ms;   /* earliest end of an ejection; lock */
    struct balancer_waiter *queue_head, *queue_tail;            /* lock */
    size_t queue_len;                                           /* lock */
};

static const char *const policy_names[] = { "leastconn", "roundrobin", "random",
                                            "p2c" };
static const char *const cand_names[] = { "up", "down", "full", "tried",
                                          "disabled", "draining", "ejected",
                                          "removed" };
static const char *const admin_names[] = { "ready", "disabled", "draining" };

/* Fills slot i from spec, up and ready; caller holds the lock (or no other
 * thread has the balancer yet). */
static void init_slot(struct balancer *balancer, size_t i,
                      const struct balancer_backend_spec *spec)
{
    struct backend_state *st = &balancer->state[i];

    balancer->conf[i] = *spec;
    balancer->spec[i] = *spec;
    memset(st, 0, sizeof(*st));
    st->up = true;
    st->admin = BALANCER_READY;
    st->weight = spec->weight;
    st->slowstart_ms = spec->slowstart_ms;
    balancer->spec[i].weight = spec->weight * 100;
    balancer->spec[i].maxconn = spec->maxconn;
}

struct balancer *balancer_create(const struct balancer_backend_spec *specs,
                                 size_t count, enum balancer_policy policy,
                                 bool passive_down, uint64_t seed)
{
    struct balancer *balancer;

    if (count == 0 || count > BALANCER_MAX_BACKENDS) {
        errno = EINVAL;
        return NULL;
    }
    balancer = calloc(1, sizeof(*balancer));
    if (balancer == NULL)
        return NULL;
    if (pthread_mutex_init(&balancer->lock, NULL) != 0) {
        free(balancer);
        errno = ENOMEM;
        return NULL;
    }
    balancer->policy = policy;
    balancer->passive_down = passive_down;
    for (size_t i = 0; i < count; i++)
        init_slot(balancer, i, &specs[i]);
    atomic_store(&balancer->count, count);
    balancer->next_restore_ms = UINT64_MAX;
    balancer->tuning.clock_ms = clock_now_ms;
    /* Start "after" the last backend so the first pick considers b1 first. */
    balancer->last_pick = count - 1;
    rng_seed(&balancer->rng, seed);
    return balancer;
}

/* The ramp length of slot i under tuning. */
static long resolve_slowstart(const struct balancer *balancer, long own)
{
    return own >= 0 ? own : balancer->tuning.slowstart_ms;
}

void balancer_tune(struct balancer *balancer,
                   const struct balancer_tuning *tuning)
{
    size_t count = atomic_load(&balancer->count);

    pthread_mutex_lock(&balancer->lock);
    balancer->tuning = *tuning;
    if (balancer->tuning.clock_ms == NULL)
        balancer->tuning.clock_ms = clock_now_ms;
    balancer->timed = tuning->eject_after > 0;
    for (size_t i = 0; i < count; i++) {
        balancer->state[i].slowstart_ms =
            resolve_slowstart(balancer, balancer->conf[i].slowstart_ms);
        balancer->timed |= balancer->state[i].slowstart_ms > 0;
    }
    pthread_mutex_unlock(&balancer->lock);
}

void balancer_destroy(struct balancer *balancer)
{
    if (balancer == NULL)
        return;
    pthread_mutex_destroy(&balancer->lock);
    free(balancer);
}

int balancer_policy_parse(const char *text, enum balancer_policy *out)
{
    for (size_t i = 0; i < COUNT_OF(policy_names); i++) {
        if (strcmp(text, policy_names[i]) == 0) {
            *out = (enum balancer_policy)i;
            return 0;
        }
    }
    return -1;
}

const char *balancer_policy_name(enum balancer_policy policy)
{
    return policy_names[policy];
}

const char *balancer_cand_state_name(enum balancer_cand_state state)
{
    return cand_names[state];
}

const char *balancer_admin_name(enum balancer_admin admin)
{
    return admin_names[admin];
}

size_t balancer_count(const struct balancer *balancer)
{
    return balancer->count;
}

const struct balancer_backend_spec *balancer_spec(const struct balancer *balancer,
                                                  size_t index)
{
    return &balancer->conf[index];
}

int balancer_find(struct balancer *balancer, const char *name)
{
    int found = -1;

    pthread_mutex_lock(&balancer->lock);
    for (size_t i = 0; i < balancer->count && found < 0; i++) {
        if (!balancer->state[i].removed &&
            strcmp(balancer->conf[i].name, name) == 0)
            found = (int)i;
    }
    pthread_mutex_unlock(&balancer->lock);
    return found;
}

/* Health, tried and maxconn; caller holds the lock. */
static enum balancer_cand_state base_state(const struct balancer *balancer,
                                           size_t i, uint64_t tried)
{
    const struct backend_state *st = &balancer->state[i];
    int maxconn = balancer->spec[i].maxconn;

    if (!st->up)
        return BALANCER_CAND_DOWN;
    if (i < 64 && (tried & ((uint64_t)1 << i)))
        return BALANCER_CAND_TRIED;
    if (maxconn > 0 && st->active >= maxconn)
        return BALANCER_CAND_FULL;
    return BALANCER_CAND_UP;
}

/* Everything that keeps a backend from a decision, in the precedence of
 * balancer.h; caller holds the lock. */
static enum balancer_cand_state cand_state(const struct balancer *balancer,
                                           size_t i, uint64_t tried)
{
    const struct backend_state *st = &balancer->state[i];
    enum balancer_cand_state state;

    if (st->removed)
        return BALANCER_CAND_REMOVED;
    if (st->admin == BALANCER_DISABLED)
        return BALANCER_CAND_DISABLED;
    if (st->admin == BALANCER_DRAINING)
        return BALANCER_CAND_DRAINING;
    state = base_state(balancer, i, tried);
    if (state != BALANCER_CAND_DOWN && st->ejected)
        return BALANCER_CAND_EJECTED;
    return state;
}

/* Caller holds the lock; view->cand[].state is filled. */
static int choose_leastconn(const struct balancer *balancer,
                            const struct balancer_view *view)
{
    /* Walk the backends starting just after the last pick, keep the first
     * one whose active/weight ratio is strictly smaller than the best so
     * far. Ratios are compared by cross-multiplication (a1 * w2 < a2 * w1),
     * so there is no division and no rounding, and starting after the last
     * pick makes ties rotate. */
    int best = -1;

    for (size_t k = 1; k <= balancer->count; k++) {
        size_t i = (balancer->last_pick + k) % balancer->count;
        long active = balancer->state[i].active;
        long weight = balancer->spec[i].weight;

        if (view->cand[i].state != BALANCER_CAND_UP)
            continue;
        if (best < 0 || active * balancer->spec[best].weight <
                        (long)balancer->state[best].active * weight)
            best = (int)i;
    }
    return best;
}

/* Caller holds the lock. */
static int choose_roundrobin(const struct balancer *balancer,
                             const struct balancer_view *view)
{
    for (size_t k = 1; k <= balancer->count; k++) {
        size_t i = (balancer->last_pick + k) % balancer->count;

        if (view->cand[i].state == BALANCER_CAND_UP)
            return (int)i;
    }
    return -1;
}

/* Caller holds the lock. */
static int choose_random(struct balancer *balancer,
                         const struct balancer_view *view)
{
    size_t eligible = 0, nth;

    for (size_t i = 0; i < balancer->count; i++)
        eligible += view->cand[i].state == BALANCER_CAND_UP;
    if (eligible == 0)
        return -1;
    nth = (size_t)rng_below(&balancer->rng, eligible);
    for (size_t i = 0; i < balancer->count; i++) {
        if (view->cand[i].state == BALANCER_CAND_UP && nth-- == 0)
            return (int)i;
    }
    return -1;
}

/* The nth eligible slot of view, skipping slot skip (-1: none); caller
 * holds the lock. */
static int nth_eligible(const struct balancer_view *view, size_t nth,
                        int skip)
{
    for (size_t i = 0; i < view->count; i++) {
        if (view->cand[i].state != BALANCER_CAND_UP || (int)i == skip)
            continue;
        if (nth-- == 0)
            return (int)i;
    }
    return -1;
}

/*
 * Power of two choices: two distinct eligible backends drawn at random,
 * the one with the lower active/weight taken (by cross-multiplication, as
 * leastconn), the first drawn on a tie. Records both in view->sampled.
 * Caller holds the lock.
 */
static int choose_p2c(struct balancer *balancer, struct balancer_view *view)
{
    size_t eligible = 0;
    int first, second;

    for (size_t i = 0; i < view->count; i++)
        eligible += view->cand[i].state == BALANCER_CAND_UP;
    if (eligible == 0)
        return -1;
    first = nth_eligible(view, (size_t)rng_below(&balancer->rng, eligible),
                         -1);
    view->sampled[0] = first;
    if (eligible == 1)
        return first;
    second = nth_eligible(view,
                          (size_t)rng_below(&balancer->rng, eligible - 1),
                          first);
    view->sampled[1] = second;
    if ((long)view->cand[second].active * view->cand[first].ew <
        (long)view->cand[first].active * view->cand[second].ew)
        return second;
    return first;
}

/* --- events ------------------------------------------------------------ */

/* Records one event with its own seq; caller holds the lock. A NULL
 * events still takes the seq, so decision numbers do not depend on who
 * listens. */
static void emit(struct balancer *balancer, struct balancer_events *events,
                 enum balancer_event_kind kind, size_t index, long a, long b,
                 long c)
{
    uint64_t seq = ++balancer->seq;

    if (events == NULL || events->count == BALANCER_MAX_EVENTS)
        return;
    events->ev[events->count++] = (struct balancer_event){
        .seq = seq, .kind = kind, .index = (int)index, .a = a, .b = b, .c = c
    };
}

static void events_clear(struct balancer_events *events)
{
    if (events != NULL)
        events->count = 0;
}

/* --- slow start and ejection ------------------------------------------- */

/* The effective weight of slot i at now; caller holds the lock. */
static int effective_weight(const struct backend_state *st, uint64_t now)
{
    uint64_t elapsed;
    long ew;

    if (st->ramp_ms == 0)
        return st->weight * 100;
    elapsed = now > st->ramp_start_ms ? now - st->ramp_start_ms : 0;
    ew = (long)((uint64_t)st->weight * 100 * elapsed / (uint64_t)st->ramp_ms);
    return ew < 1 ? 1 : (int)ew;
}

/* Starts slot i's ramp (if it has one) at now, when it can take
 * sessions: up, ready and not ejected. A backend that comes back in one
 * of these respects while still out in another (restored from an
 * ejection while its health is down) ramps when the last one clears, not
 * twice. Caller holds the lock. */
static void start_ramp(struct balancer *balancer, size_t i, uint64_t now,
                       struct balancer_events *events)
{
    struct backend_state *st = &balancer->state[i];

    if (st->slowstart_ms <= 0 || !st->up || st->admin != BALANCER_READY ||
        st->ejected)
        return;
    if (st->ramp_ms == 0)
        balancer->ramping++;
    st->ramp_ms = st->slowstart_ms;
    st->ramp_start_ms = now;
    balancer->spec[i].weight = effective_weight(st, now);
    emit(balancer, events, BALANCER_EV_SLOWSTART, i, st->ramp_ms, st->weight,
         0);
}

static void end_ramp(struct balancer *balancer, size_t i)
{
    struct backend_state *st = &balancer->state[i];

    if (st->ramp_ms != 0) {
        st->ramp_ms = 0;
        balancer->ramping--;
    }
    balancer->spec[i].weight = st->weight * 100;
}

/* Ends the ejections due by now, each starting a ramp; caller holds the
 * lock. */
static void restore_due(struct balancer *balancer, uint64_t now,
                        struct balancer_events *events)
{
    uint64_t next = UINT64_MAX;

    for (size_t i = 0; i < balancer->count; i++) {
        struct backend_state *st = &balancer->state[i];

        if (!st->ejected)
            continue;
        if (st->eject_until_ms > now) {
            if (st->eject_until_ms < next)
                next = st->eject_until_ms;
            continue;
        }
        st->ejected = false;
        st->fail_run = 0;
        balancer->ejected--;
        emit(balancer, events, BALANCER_EV_RESTORED, i, 0, 0, st->eject_row);
        start_ramp(balancer, i, now, events);
    }
    balancer->next_restore_ms = next;
}

/*
 * What every decision does first when time matters: notices the ejections
 * that ended and brings the ramps up to date. Returns the time (0 when
 * nothing is timed: the clock is not read). Caller holds the lock.
 */
static uint64_t notice(struct balancer *balancer,
                       struct balancer_events *events)
{
    uint64_t now;

    if (!balancer->timed)
        return 0;
    now = balancer->tuning.clock_ms();
    if (now >= balancer->next_restore_ms)
        restore_due(balancer, now, events);
    if (balancer->ramping == 0)
        return now;
    for (size_t i = 0; i < balancer->count; i++) {
        struct backend_state *st = &balancer->state[i];

        if (st->ramp_ms == 0)
            continue;
        if (now - st->ramp_start_ms >= (uint64_t)st->ramp_ms)
            end_ramp(balancer, i);
        else
            balancer->spec[i].weight = effective_weight(st, now);
    }
    return now;
}

/* Backends that may be ejected at once: eject_max_percent of those not
 * removed, at least one. Caller holds the lock. */
static int eject_limit(const struct balancer *balancer)
{
    int live = 0, limit;

    for (size_t i = 0; i < balancer->count; i++)
        live += !balancer->state[i].removed;
    limit = live * balancer->tuning.eject_max_percent / 100;
    return limit < 1 ? 1 : limit;
}

/* The length of the k-th ejection in a row. */
static long eject_length(const struct balancer_tuning *tuning, int k)
{
    long base = tuning->eject_time_ms, cap = tuning->eject_max_time_ms;

    if (base > 0 && k > cap / base)
        return cap;
    return base * k < cap ? base * k : cap;
}

/* One more failure of slot i for ejection; caller holds the lock. */
static void count_failure(struct balancer *balancer, size_t i, uint64_t now,
                          struct balancer_events *events)
{
    struct backend_state *st = &balancer->state[i];
    int failures, limit;
    long ms;

    if (balancer->tuning.eject_after <= 0 || st->removed)
        return;
    if (++st->fail_run < balancer->tuning.eject_after || st->ejected)
        return;
    failures = st->fail_run;
    st->fail_run = 0;
    limit = eject_limit(balancer);
    if (balancer->ejected >= limit) {
        emit(balancer, events, BALANCER_EV_EJECT_SKIPPED, i, failures,
             balancer->ejected, limit);
        return;
    }
    st->eject_row++;
    st->ejections++;
    ms = eject_length(&balancer->tuning, st->eject_row);
    st->ejected = true;
    st->eject_until_ms = now + (uint64_t)ms;
    balancer->ejected++;
    if (st->eject_until_ms < balancer->next_restore_ms)
        balancer->next_restore_ms = st->eject_until_ms;
    emit(balancer, events, BALANCER_EV_EJECTED, i, failures, ms,
         st->eject_row);
}

/* --- deciding ----------------------------------------------------------- */

/* Copies every slot's count, state and effective weight into view; caller
 * holds the lock. */
static void fill_view(const struct balancer *balancer, uint64_t tried,
                      struct balancer_view *view)
{
    view->count = balancer->count;
    view->queue_depth = balancer->queue_len;
    view->queue_full = false;
    view->sampled[0] = view->sampled[1] = -1;
    view->refused = -1;
    for (size_t i = 0; i < view->count; i++) {
        view->cand[i].active = balancer->state[i].active;
        view->cand[i].state = cand_state(balancer, i, tried);
        view->cand[i].ew = balancer->spec[i].weight;
    }
}

/* Asks the policy; caller holds the lock; view is filled. An answer that
 * names no eligible backend (one that is down, full, already tried by
 * this session... or out of range) is refused: -1, with the answer in
 * view->refused. Passed on, a session would be sent to a backend that is
 * not there, and each retry sent to it again. */
static int choose(struct balancer *balancer, struct balancer_view *view)
{
    int chosen;

    if (balancer->policy == BALANCER_LEASTCONN)
        chosen = choose_leastconn(balancer, view);
    else if (balancer->policy == BALANCER_ROUNDROBIN)
        chosen = choose_roundrobin(balancer, view);
    else if (balancer->policy == BALANCER_P2C)
        chosen = choose_p2c(balancer, view);
    else
        chosen = choose_random(balancer, view);
    if (chosen >= 0 && ((size_t)chosen >= view->count ||
                        view->cand[chosen].state != BALANCER_CAND_UP)) {
        view->refused = chosen;
        return -1;
    }
    return chosen;
}

/* Counts a pick of chosen; caller holds the lock. */
static void take(struct balancer *balancer, int chosen)
{
    balancer->state[chosen].active++;
    balancer->state[chosen].picks++;
    balancer->last_pick = (size_t)chosen;
}

/* Whether nothing is eligible only because every eligible one is full. */
static bool only_full(const struct balancer_view *view)
{
    bool full = false;

    for (size_t i = 0; i < view->count; i++) {
        if (view->cand[i].state == BALANCER_CAND_UP)
            return false;
        full |= view->cand[i].state == BALANCER_CAND_FULL;
    }
    return full;
}

/* --- the queue ---------------------------------------------------------- */

static void unlink_waiter(struct balancer *balancer, struct balancer_waiter *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        balancer->queue_head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        balancer->queue_tail = w->prev;
    w->prev = w->next = NULL;
    w->queued = false;
    balancer->queue_len--;
}

/*
 * Serves the head of the queue while a backend is eligible for it, in
 * order: each gets a pick (and its own seq) as if it were a new decision.
 * The served are chained through next into *served, in order, for
 * hand_over() after the lock is dropped. O(backends) per waiter served,
 * plus one for the head that stays. Caller holds the lock.
 */
static void serve_queue(struct balancer *balancer,
                        struct balancer_waiter **served)
{
    struct balancer_waiter **tail = served;

    while (*tail != NULL)
        tail = &(*tail)->next;
    while (balancer->queue_head != NULL) {
        struct balancer_waiter *w = balancer->queue_head;
        int chosen;

        fill_view(balancer, w->tried, &w->view);
        chosen = choose(balancer, &w->view);
        if (chosen < 0)
            return;
        w->view.seq = ++balancer->seq;
        take(balancer, chosen);
        unlink_waiter(balancer, w);
        w->view.queue_depth = balancer->queue_len;
        w->index = chosen;
        *tail = w;
        tail = &w->next;
    }
}

/* Calls ready() of each served waiter; after the lock is dropped. A waiter
 * may be freed by its owner as soon as ready() hands it over. */
static void hand_over(struct balancer_waiter *served)
{
    while (served != NULL) {
        struct balancer_waiter *next = served->next;

        served->next = NULL;
        served->ready(served);
        served = next;
    }
}

int balancer_pick_or_queue(struct balancer *balancer, uint64_t tried,
                           struct balancer_view *view,
                           struct balancer_waiter *waiter,
                           struct balancer_events *events)
{
    struct balancer_view local;
    struct balancer_waiter *served = NULL;
    int chosen;

    if (view == NULL)
        view = &local;
    events_clear(events);
    pthread_mutex_lock(&balancer->lock);
    notice(balancer, events);
    if (balancer->queue_head != NULL)
        serve_queue(balancer, &served);
    view->seq = ++balancer->seq;
    fill_view(balancer, tried, view);
    chosen = choose(balancer, view);
    if (chosen >= 0) {
        take(balancer, chosen);
    } else if (waiter != NULL && balancer->tuning.queue_max > 0 &&
               only_full(view)) {
        if (balancer->queue_len < (size_t)balancer->tuning.queue_max) {
            waiter->tried = tried;
            waiter->index = -1;
            waiter->queued = true;
            waiter->next = NULL;
            waiter->prev = balancer->queue_tail;
            if (balancer->queue_tail != NULL)
                balancer->queue_tail->next = waiter;
            else
                balancer->queue_head = waiter;
            balancer->queue_tail = waiter;
            balancer->queue_len++;
            chosen = BALANCER_QUEUED;
        } else {
            view->queue_full = true;
        }
        view->queue_depth = balancer->queue_len;
    }
    pthread_mutex_unlock(&balancer->lock);
    hand_over(served);
    return chosen;
}

int balancer_pick(struct balancer *balancer, uint64_t tried,
                  struct balancer_view *view)
{
    return balancer_pick_or_queue(balancer, tried, view, NULL, NULL);
}

int balancer_cancel_wait(struct balancer *balancer,
                         struct balancer_waiter *waiter, uint64_t *seq,
                         size_t *depth)
{
    int was_queued;

    pthread_mutex_lock(&balancer->lock);
    was_queued = waiter->queued;
    if (was_queued) {
        unlink_waiter(balancer, waiter);
        *seq = ++balancer->seq;
        *depth = balancer->queue_len;
    }
    pthread_mutex_unlock(&balancer->lock);
    return was_queued;
}

size_t balancer_queue_depth(struct balancer *balancer)
{
    size_t depth;

    pthread_mutex_lock(&balancer->lock);
    depth = balancer->queue_len;
    pthread_mutex_unlock(&balancer->lock);
    return depth;
}

/* --- releases and checks ------------------------------------------------ */

/* Drops the balancer's lock, first serving the waiters the change (or a
 * restore it noticed) made room for, then hands them over. */
static void unlock_and_serve(struct balancer *balancer)
{
    struct balancer_waiter *served = NULL;

    if (balancer->queue_head != NULL)
        serve_queue(balancer, &served);
    pthread_mutex_unlock(&balancer->lock);
    hand_over(served);
}

/* Sets up or down, resetting the streaks; caller holds the lock. */
static void set_state(struct balancer *balancer, size_t index, bool up,
                      struct balancer_change *change)
{
    struct backend_state *st = &balancer->state[index];

    st->up = up;
    st->ok_streak = 0;
    st->fail_streak = 0;
    change->went_up = up;
    change->went_down = !up;
    change->state_seq = ++balancer->seq;
}

void balancer_release_ev(struct balancer *balancer, size_t index,
                         enum balancer_release_kind kind,
                         struct balancer_change *change,
                         struct balancer_events *events)
{
    struct backend_state *st = &balancer->state[index];
    uint64_t now;

    events_clear(events);
    memset(change, 0, sizeof(*change));
    pthread_mutex_lock(&balancer->lock);
    change->seq = ++balancer->seq;
    st->active--;
    change->active = st->active;
    if (kind != BALANCER_RELEASE_OK)
        st->failures++;
    if (kind == BALANCER_RELEASE_CONNECT_FAILED && balancer->passive_down &&
        st->up)
        set_state(balancer, index, false, change);
    change->failures = st->failures;
    now = notice(balancer, events);
    if (kind != BALANCER_RELEASE_OK)
        count_failure(balancer, index, now, events);
    if (st->admin == BALANCER_DRAINING && st->active == 0)
        emit(balancer, events, BALANCER_EV_DRAINED, index, 0, 0, 0);
    unlock_and_serve(balancer);
}

void balancer_release(struct balancer *balancer, size_t index,
                      enum balancer_release_kind kind,
                      struct balancer_change *change)
{
    balancer_release_ev(balancer, index, kind, change, NULL);
}

void balancer_first_byte(struct balancer *balancer, size_t index)
{
    struct backend_state *st = &balancer->state[index];

    if (balancer->tuning.eject_after <= 0)
        return;
    pthread_mutex_lock(&balancer->lock);
    st->fail_run = 0;
    if (!st->ejected)
        st->eject_row = 0;
    pthread_mutex_unlock(&balancer->lock);
}

void balancer_check_result(struct balancer *balancer, size_t index, bool ok,
                           int rise, int fall, struct balancer_change *change)
{
    struct backend_state *st = &balancer->state[index];

    memset(change, 0, sizeof(*change));
    pthread_mutex_lock(&balancer->lock);
    change->active = st->active;
    if (ok) {
        st->fail_streak = 0;
        if (!st->up && ++st->ok_streak >= rise)
            set_state(balancer, index, true, change);
    } else {
        st->ok_streak = 0;
        if (st->up && ++st->fail_streak >= fall)
            set_state(balancer, index, false, change);
    }
    pthread_mutex_unlock(&balancer->lock);
}

/* The ramp and the waiters that follow a backend's coming up take a
 * critical section of their own, right after the one that marked it up:
 * a pick in between sees it up at its full weight, as its cand says. */
void balancer_check_result_ev(struct balancer *balancer, size_t index,
                              bool ok, int rise, int fall,
                              struct balancer_change *change,
                              struct balancer_events *events)
{
    events_clear(events);
    balancer_check_result(balancer, index, ok, rise, fall, change);
    if (!change->went_up)
        return;
    pthread_mutex_lock(&balancer->lock);
    if (!balancer->state[index].removed)
        start_ramp(balancer, index, notice(balancer, events), events);
    unlock_and_serve(balancer);
}

/* --- the operator's changes --------------------------------------------- */

/* Takes the lock when index names a live slot; else -1 with ENOENT. */
static int lock_slot(struct balancer *balancer, size_t index)
{
    pthread_mutex_lock(&balancer->lock);
    if (index < balancer->count && !balancer->state[index].removed)
        return 0;
    pthread_mutex_unlock(&balancer->lock);
    errno = ENOENT;
    return -1;
}

int balancer_set_admin(struct balancer *balancer, size_t index,
                       enum balancer_admin admin,
                       struct balancer_events *events)
{
    struct backend_state *st;
    enum balancer_admin was;
    uint64_t now;

    events_clear(events);
    if ((unsigned)admin > BALANCER_DRAINING) {
        errno = EINVAL;
        return -1;
    }
    if (lock_slot(balancer, index) == -1)
        return -1;
    st = &balancer->state[index];
    was = st->admin;
    if (was != admin) {
        now = notice(balancer, events);
        st->admin = admin;
        emit(balancer, events, BALANCER_EV_ADMIN, index, admin, st->active,
             0);
        if (admin == BALANCER_DRAINING && st->active == 0)
            emit(balancer, events, BALANCER_EV_DRAINED, index, 0, 0, 0);
        if (admin == BALANCER_READY)
            start_ramp(balancer, index, now, events);
    }
    unlock_and_serve(balancer);
    return 0;
}

int balancer_set_weight(struct balancer *balancer, size_t index, int weight,
                        struct balancer_events *events)
{
    struct backend_state *st;
    uint64_t now;

    events_clear(events);
    if (weight < 1 || weight > 256) {
        errno = EINVAL;
        return -1;
    }
    if (lock_slot(balancer, index) == -1)
        return -1;
    st = &balancer->state[index];
    if (st->weight != weight) {
        long was = st->weight;

        now = notice(balancer, events);
        st->weight = weight;
        balancer->spec[index].weight = effective_weight(st, now);
        emit(balancer, events, BALANCER_EV_WEIGHT, index, weight, was, 0);
    }
    unlock_and_serve(balancer);
    return 0;
}

int balancer_set_maxconn(struct balancer *balancer, size_t index,
                         int maxconn, struct balancer_events *events)
{
    int was;

    events_clear(events);
    if (maxconn < 0 || maxconn > 10000000) {
        errno = EINVAL;
        return -1;
    }
    if (lock_slot(balancer, index) == -1)
        return -1;
    was = balancer->spec[index].maxconn;
    if (was != maxconn) {
        notice(balancer, events);
        balancer->spec[index].maxconn = maxconn;
        emit(balancer, events, BALANCER_EV_MAXCONN, index, maxconn, was, 0);
    }
    unlock_and_serve(balancer);
    return 0;
}

int balancer_add(struct balancer *balancer,
                 const struct balancer_backend_spec *spec,
                 struct balancer_events *events)
{
    size_t index;
    uint64_t now;

    events_clear(events);
    if (spec->weight < 1 || spec->weight > 256 || spec->maxconn < 0 ||
        spec->maxconn > 10000000 || spec->name[0] == '\0') {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&balancer->lock);
    index = balancer->count;
    for (size_t i = 0; i < index; i++) {
        if (!balancer->state[i].removed &&
            strcmp(balancer->conf[i].name, spec->name) == 0) {
            pthread_mutex_unlock(&balancer->lock);
            errno = EEXIST;
            return -1;
        }
    }
    if (index == BALANCER_MAX_BACKENDS) {
        pthread_mutex_unlock(&balancer->lock);
        errno = ENOSPC;
        return -1;
    }
    init_slot(balancer, index, spec);
    balancer->state[index].slowstart_ms =
        resolve_slowstart(balancer, spec->slowstart_ms);
    balancer->timed |= balancer->state[index].slowstart_ms > 0;
    /* Published after the slot is filled: balancer_count() readers
     * without the lock then see a whole slot. */
    atomic_store(&balancer->count, index + 1);
    now = notice(balancer, events);
    emit(balancer, events, BALANCER_EV_ADDED, index, spec->weight,
         spec->maxconn, 0);
    start_ramp(balancer, index, now, events);
    unlock_and_serve(balancer);
    return (int)index;
}

int balancer_remove(struct balancer *balancer, size_t index,
                    struct balancer_events *events)
{
    struct backend_state *st;

    events_clear(events);
    if (lock_slot(balancer, index) == -1)
        return -1;
    st = &balancer->state[index];
    if (st->admin == BALANCER_READY || st->active != 0) {
        pthread_mutex_unlock(&balancer->lock);
        errno = EBUSY;
        return -1;
    }
    end_ramp(balancer, index);
    if (st->ejected) {
        st->ejected = false;
        balancer->ejected--;
    }
    st->removed = true;
    emit(balancer, events, BALANCER_EV_REMOVED, index, 0, 0, 0);
    pthread_mutex_unlock(&balancer->lock);
    return 0;
}

/* --- reading ------------------------------------------------------------ */

size_t balancer_snapshot(struct balancer *balancer,
                         struct balancer_stats *rows)
{
    size_t count;
    uint64_t now;

    pthread_mutex_lock(&balancer->lock);
    /* The ramps as of now, without changing anything: restores and the
     * end of ramps are left for the next decision to notice and log. */
    now = balancer->ramping > 0 ? balancer->tuning.clock_ms() : 0;
    count = balancer->count;
    for (size_t i = 0; i < count; i++) {
        const struct backend_state *st = &balancer->state[i];
        int ew = balancer->spec[i].weight;

        if (st->ramp_ms != 0)
            ew = now - st->ramp_start_ms >= (uint64_t)st->ramp_ms
                 ? st->weight * 100 : effective_weight(st, now);
        rows[i] = (struct balancer_stats){
            .up = st->up, .active = st->active, .picks = st->picks,
            .failures = st->failures, .removed = st->removed,
            .admin = st->admin, .ejected = st->ejected, .weight = st->weight,
            .ew = ew,
            .maxconn = balancer->spec[i].maxconn, .ejections = st->ejections,
        };
    }
    pthread_mutex_unlock(&balancer->lock);
    return count;
}

const char *balancer_ew_format(int ew, char *buf, size_t size)
{
    if (ew % 100 == 0)
        snprintf(buf, size, "%d", ew / 100);
    else
        snprintf(buf, size, "%d.%02d", ew / 100, ew % 100);
    return buf;
}

const char *balancer_view_format(const struct balancer *balancer,
                                 const struct balancer_view *view, char *buf,
                                 size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < view->count && used < size; i++) {
        const struct balancer_backend_spec *spec = &balancer->spec[i];
        int n = snprintf(buf + used, size - used, "%s%s:%d/%s",
                         i ? " " : "", spec->name, view->cand[i].active,
                         cand_names[view->cand[i].state]);
        char ew[16];

        /* A removed slot is left out: its token is written over. */
        if (view->cand[i].state == BALANCER_CAND_REMOVED) {
            buf[used] = '\0';
            continue;
        }
        if (n > 0)
            used += (size_t)n;
        if (view->cand[i].ew != 100 && used < size) {
            n = snprintf(buf + used, size - used, "/w%s",
                         balancer_ew_format(view->cand[i].ew, ew,
                                            sizeof(ew)));
            if (n > 0)
                used += (size_t)n;
        }
    }
    /* The separator before the first token shown, when slot 0 was left
     * out. */
    if (buf[0] == ' ')
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}

const char *balancer_p2c_format(const struct balancer *balancer,
                                const struct balancer_view *view, char *buf,
                                size_t size)
{
    const int *s = view->sampled;

    buf[0] = '\0';
    if (s[0] >= 0 && s[1] >= 0)
        snprintf(buf, size, " p2c=%s,%s", balancer->conf[s[0]].name,
                 balancer->conf[s[1]].name);
    else if (s[0] >= 0)
        snprintf(buf, size, " p2c=%s", balancer->conf[s[0]].name);
    return buf;
}

void balancer_log_events(const struct balancer *balancer,
                         const struct logger *log,
                         const struct balancer_events *events,
                         const char *by)
{
    for (size_t k = 0; events != NULL && k < events->count; k++) {
        const struct balancer_event *e = &events->ev[k];
        const struct balancer_backend_spec *spec =
            &balancer->conf[e->index];
        unsigned long long seq = (unsigned long long)e->seq;
        char addr[NET_ADDR_STRLEN];

        switch (e->kind) {
        case BALANCER_EV_ADMIN:
            log_event(log, LOG_INFO, "admin", "be=%s seq=%llu admin=%s by=%s "
                      "active=%ld", spec->name, seq, admin_names[e->a], by,
                      e->b);
            break;
        case BALANCER_EV_DRAINED:
            log_event(log, LOG_INFO, "drained", "be=%s seq=%llu", spec->name,
                      seq);
            break;
        case BALANCER_EV_WEIGHT:
            log_event(log, LOG_INFO, "weight", "be=%s seq=%llu weight=%ld "
                      "was=%ld by=%s", spec->name, seq, e->a, e->b, by);
            break;
        case BALANCER_EV_MAXCONN:
            log_event(log, LOG_INFO, "maxconn", "be=%s seq=%llu maxconn=%ld "
                      "was=%ld by=%s", spec->name, seq, e->a, e->b, by);
            break;
        case BALANCER_EV_ADDED:
            log_event(log, LOG_INFO, "backend_added", "be=%s seq=%llu "
                      "addr=%s weight=%ld maxconn=%ld by=%s", spec->name, seq,
                      net_addr_format(&spec->addr, addr, sizeof(addr)), e->a,
                      e->b, by);
            break;
        case BALANCER_EV_REMOVED:
            log_event(log, LOG_INFO, "backend_removed", "be=%s seq=%llu by=%s",
                      spec->name, seq, by);
            break;
        case BALANCER_EV_SLOWSTART:
            log_event(log, LOG_INFO, "slowstart", "be=%s seq=%llu ms=%ld "
                      "weight=%ld", spec->name, seq, e->a, e->b);
            break;
        case BALANCER_EV_EJECTED:
            log_event(log, LOG_WARN, "ejected", "be=%s seq=%llu failures=%ld "
                      "ms=%ld ejections=%ld", spec->name, seq, e->a, e->b,
                      e->c);
            break;
        case BALANCER_EV_EJECT_SKIPPED:
            log_event(log, LOG_WARN, "eject_skipped", "be=%s seq=%llu "
                      "failures=%ld ejected=%ld max=%ld", spec->name, seq,
                      e->a, e->b, e->c);
            break;
        case BALANCER_EV_RESTORED:
            log_event(log, LOG_INFO, "restored", "be=%s seq=%llu "
                      "ejections=%ld", spec->name, seq, e->c);
            break;
        }
    }
}
