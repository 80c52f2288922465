/*
 * balancer: least connections (and, for comparison, round robin and
 * random) over a fixed set of backends. See balancer.h for the contract.
 * The whole algorithm is choose_leastconn().
 */
#include "balancer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

struct balancer {
    pthread_mutex_t lock;
    enum balancer_policy policy;
    bool passive_down;
    size_t count;
    struct balancer_backend_spec spec[BALANCER_MAX_BACKENDS];   /* immutable */
    struct backend_state state[BALANCER_MAX_BACKENDS];          /* lock */
    size_t last_pick;                                           /* lock */
    uint64_t seq;                                               /* lock */
    struct rng rng;                                             /* lock */
};

static const char *const policy_names[] = { "leastconn", "roundrobin", "random" };
static const char *const cand_names[] = { "up", "down", "full", "tried" };

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
    balancer->count = count;
    memcpy(balancer->spec, specs, count * sizeof(*specs));
    for (size_t i = 0; i < count; i++)
        balancer->state[i].up = true;
    /* Start "after" the last backend so the first pick considers b1 first. */
    balancer->last_pick = count - 1;
    rng_seed(&balancer->rng, seed);
    return balancer;
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

size_t balancer_count(const struct balancer *balancer)
{
    return balancer->count;
}

const struct balancer_backend_spec *balancer_spec(const struct balancer *balancer,
                                                  size_t index)
{
    return &balancer->spec[index];
}

/* Caller holds the lock. */
static enum balancer_cand_state cand_state(const struct balancer *balancer,
                                           size_t i, uint64_t tried)
{
    const struct backend_state *st = &balancer->state[i];
    int maxconn = balancer->spec[i].maxconn;

    if (!st->up)
        return BALANCER_CAND_DOWN;
    if (tried & ((uint64_t)1 << i))
        return BALANCER_CAND_TRIED;
    if (maxconn > 0 && st->active >= maxconn)
        return BALANCER_CAND_FULL;
    return BALANCER_CAND_UP;
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

int balancer_pick(struct balancer *balancer, uint64_t tried,
                  struct balancer_view *view)
{
    struct balancer_view local;
    int chosen;

    if (view == NULL)
        view = &local;
    pthread_mutex_lock(&balancer->lock);
    view->seq = ++balancer->seq;
    view->count = balancer->count;
    for (size_t i = 0; i < balancer->count; i++) {
        view->cand[i].active = balancer->state[i].active;
        view->cand[i].state = cand_state(balancer, i, tried);
    }
    if (balancer->policy == BALANCER_LEASTCONN)
        chosen = choose_leastconn(balancer, view);
    else if (balancer->policy == BALANCER_ROUNDROBIN)
        chosen = choose_roundrobin(balancer, view);
    else
        chosen = choose_random(balancer, view);
    if (chosen >= 0) {
        balancer->state[chosen].active++;
        balancer->state[chosen].picks++;
        balancer->last_pick = (size_t)chosen;
    }
    pthread_mutex_unlock(&balancer->lock);
    return chosen;
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

void balancer_release(struct balancer *balancer, size_t index,
                      enum balancer_release_kind kind,
                      struct balancer_change *change)
{
    struct backend_state *st = &balancer->state[index];

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

void balancer_snapshot(struct balancer *balancer, struct balancer_stats *rows)
{
    pthread_mutex_lock(&balancer->lock);
    for (size_t i = 0; i < balancer->count; i++) {
        rows[i].up = balancer->state[i].up;
        rows[i].active = balancer->state[i].active;
        rows[i].picks = balancer->state[i].picks;
        rows[i].failures = balancer->state[i].failures;
    }
    pthread_mutex_unlock(&balancer->lock);
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

        if (n > 0)
            used += (size_t)n;
        if (spec->weight != 1 && used < size) {
            n = snprintf(buf + used, size - used, "/w%d", spec->weight);
            if (n > 0)
                used += (size_t)n;
        }
    }
    return buf;
}
