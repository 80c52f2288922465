/*
 * chaos: the seeded schedule of faults a "chaos" line asks for.
 *
 *   from ──┬── fault ──┐ heal ... quiet ... ┬── fault ──┐ heal ... ── to
 *          └── gap (every D..D) ────────────┘
 *
 * A fault starts every gap (drawn uniformly from every_min..every_max),
 * lasts half its gap, and is healed before the next one starts; the last
 * heal is at "to" at the latest, so the system is whole again after it.
 * Each fault's kind is drawn from the line's kinds, its backends from the
 * eligible ones (one, a minority: (n - 1) / 2 but at least one, or all).
 * Every draw comes from common/rng seeded with the seed alone, so a seed
 * gives the same plan on every machine and every run.
 *
 * Pure: fills caller-owned events; no state between calls.
 */
#ifndef CHAOS_H
#define CHAOS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

/*
 * Plans chaos over the backends with eligible[i] true (backend_count of
 * them in all) into out[0..max): for each fault one event per backend hit
 * (action crash, pause or link), then as many heals (restart, resume or
 * heal), in time order; a heal shares its time with nothing later. Events
 * carry line as their line and chaos = true. Returns how many were
 * written, or -1 when they would not fit in max (out then holds a plan cut
 * at a whole fault and its heals, and *count says how many).
 */
int chaos_plan(const struct scenario_chaos *chaos, const bool *eligible,
               size_t backend_count, unsigned long seed,
               struct scenario_event *out, size_t max, size_t *count);

/* True for a kind that acts through a fault_link (link-*, syn-drop,
 * refuse). */
bool chaos_kind_is_link(enum scenario_chaos_kind kind);

#endif
