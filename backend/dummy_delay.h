/*
 * dummy_delay: when each reply is due (--latency, --jitter, --seed).
 *
 * A reply is due latency ± jitter ms after its request arrived, never
 * earlier than the request itself and never earlier than the reply before it
 * on the same connection, so replies keep request order even when jitter
 * would reorder them. Pure arithmetic on caller-owned state; one thread.
 */
#ifndef DUMMY_DELAY_H
#define DUMMY_DELAY_H

#include <stdint.h>

#include "rng.h"

/* The delay settings and the generator the jitter is drawn from. */
struct dummy_delay {
    long latency_ms;        /* base delay, >= 0 */
    long jitter_ms;         /* a uniform -jitter..+jitter is added, >= 0 */
    struct rng rng;
};

/* Fills *delay; latency_ms and jitter_ms must be >= 0. */
void dummy_delay_init(struct dummy_delay *delay, long latency_ms,
                      long jitter_ms, uint64_t seed);

/* One delay: latency plus a uniform integer in [-jitter, +jitter], at least 0. */
long dummy_delay_sample(struct dummy_delay *delay);

/*
 * The due time of a reply to a request that arrived at now_ms on a
 * connection whose previous reply is due at prev_due_ms (0 if none):
 * max(now_ms + sample, prev_due_ms).
 */
uint64_t dummy_delay_due(struct dummy_delay *delay, uint64_t now_ms,
                         uint64_t prev_due_ms);

#endif
