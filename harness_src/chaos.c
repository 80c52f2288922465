/*
 * chaos: draws a chaos line's plan. See chaos.h.
 */
#include "chaos.h"

#include <stdio.h>
#include <string.h>

#include "count_of.h"
#include "rng.h"

/* What each kind does and how it is healed. */
static const struct {
    enum scenario_action action;    /* crash, pause or link */
    enum scenario_action heal;      /* restart, resume or heal */
    const char *link_kind;          /* fault_link kind, NULL for a process */
    const char *command;            /* fault_link command */
} kinds[SCENARIO_CHAOS_KINDS] = {
    [SCENARIO_CHAOS_CRASH] = { SCENARIO_CRASH, SCENARIO_RESTART, NULL, NULL },
    [SCENARIO_CHAOS_PAUSE] = { SCENARIO_PAUSE, SCENARIO_RESUME, NULL, NULL },
    [SCENARIO_CHAOS_LINK_LATENCY] = { SCENARIO_LINK, SCENARIO_HEAL, "latency",
        "add latency latency=100ms jitter=50ms" },
    [SCENARIO_CHAOS_LINK_SLICER] = { SCENARIO_LINK, SCENARIO_HEAL, "slicer",
        "add slicer size=1 delay=1ms" },
    [SCENARIO_CHAOS_LINK_RESET] = { SCENARIO_LINK, SCENARIO_HEAL, "reset",
        "add reset after=100ms" },
    [SCENARIO_CHAOS_LINK_BLACKHOLE] = { SCENARIO_LINK, SCENARIO_HEAL,
        "blackhole", "add blackhole" },
    [SCENARIO_CHAOS_SYN_DROP] = { SCENARIO_LINK, SCENARIO_HEAL, "syn-drop",
        "add syn-drop" },
    [SCENARIO_CHAOS_REFUSE] = { SCENARIO_LINK, SCENARIO_HEAL, "refuse",
        "add refuse" },
};

bool chaos_kind_is_link(enum scenario_chaos_kind kind)
{
    return (unsigned)kind < COUNT_OF(kinds) && kinds[kind].link_kind != NULL;
}

/* A uniform draw from min..max (inclusive). */
static long draw_between(struct rng *rng, long min, long max)
{
    return min + (long)rng_below(rng, (uint64_t)(max - min) + 1);
}

/* The kind of the next fault: one of the set bits of mask, uniformly. */
static enum scenario_chaos_kind draw_kind(struct rng *rng, unsigned mask)
{
    unsigned set = (unsigned)__builtin_popcount(mask);
    unsigned pick = (unsigned)rng_below(rng, set);

    for (unsigned k = 0; k < SCENARIO_CHAOS_KINDS; k++) {
        if ((mask & (1u << k)) != 0 && pick-- == 0)
            return (enum scenario_chaos_kind)k;
    }
    return SCENARIO_CHAOS_CRASH;    /* not reached: mask has set bits */
}

/* Chooses how_many of the eligible backends (a partial Fisher-Yates
 * shuffle of their indexes); writes them to hit[]. Returns how many. */
static size_t draw_targets(struct rng *rng, const bool *eligible,
                           size_t backend_count,
                           enum scenario_chaos_targets targets, int *hit)
{
    int pool[SCENARIO_MAX_BACKENDS];
    size_t n = 0, want;

    for (size_t i = 0; i < backend_count && n < COUNT_OF(pool); i++) {
        if (eligible[i])
            pool[n++] = (int)i;
    }
    if (n == 0)
        return 0;
    want = targets == SCENARIO_CHAOS_ALL ? n
         : targets == SCENARIO_CHAOS_ONE ? 1
         : (n - 1) / 2 > 0 ? (n - 1) / 2 : 1;
    for (size_t i = 0; i < want; i++) {
        size_t j = i + (size_t)rng_below(rng, n - i);
        int swap = pool[i];

        pool[i] = pool[j];
        pool[j] = swap;
        hit[i] = pool[i];
    }
    return want;
}

/* One event of the plan. */
static void fill(struct scenario_event *ev, int line, long at_ms,
                 enum scenario_action action, int backend,
                 enum scenario_chaos_kind kind)
{
    memset(ev, 0, sizeof(*ev));
    ev->line = line;
    ev->trigger = SCENARIO_AT_TIME;
    ev->at_ms = at_ms;
    ev->watch_backend = -1;
    ev->action = action;
    ev->backend = backend;
    ev->chaos = true;
    if (kinds[kind].link_kind == NULL)
        return;
    snprintf(ev->kind, sizeof(ev->kind), "%s", kinds[kind].link_kind);
    if (action == SCENARIO_LINK)
        snprintf(ev->command, sizeof(ev->command), "%s", kinds[kind].command);
    else
        snprintf(ev->command, sizeof(ev->command), "remove %s",
                 kinds[kind].link_kind);
}

int chaos_plan(const struct scenario_chaos *chaos, const bool *eligible,
               size_t backend_count, unsigned long seed,
               struct scenario_event *out, size_t max, size_t *count)
{
    struct rng rng;
    int hit[SCENARIO_MAX_BACKENDS];
    long at = chaos->from_ms;

    *count = 0;
    if (chaos->kinds == 0)
        return 0;
    rng_seed(&rng, (uint64_t)seed);
    while (at < chaos->to_ms) {
        long gap = draw_between(&rng, chaos->every_min_ms,
                                chaos->every_max_ms);
        long heal_at = at + gap / 2 < chaos->to_ms ? at + gap / 2
                                                   : chaos->to_ms;
        enum scenario_chaos_kind kind = draw_kind(&rng, chaos->kinds);
        size_t n = draw_targets(&rng, eligible, backend_count,
                                chaos->targets, hit);

        if (*count + 2 * n > max)
            return -1;
        for (size_t i = 0; i < n; i++)
            fill(&out[(*count)++], chaos->line, at, kinds[kind].action,
                 hit[i], kind);
        for (size_t i = 0; i < n; i++)
            fill(&out[(*count)++], chaos->line, heal_at, kinds[kind].heal,
                 hit[i], kind);
        at += gap;
    }
    return (int)*count;
}
