/*
 * dummy_pacer: holds one connection's writes to --rate bytes per second.
 *
 * A token bucket counted in thousandths of a byte: credit grows by the rate
 * every millisecond and is capped at one tick (100 ms) of traffic, so the
 * connection sends about rate/10 bytes every 100 ms and is woken by a timer
 * in between, never by a busy loop. Pure arithmetic on the caller's clock
 * readings; one connection, one thread.
 */
#ifndef DUMMY_PACER_H
#define DUMMY_PACER_H

#include <stddef.h>
#include <stdint.h>

#define DUMMY_PACER_TICK_MS 100

/* The bucket of one connection. */
struct dummy_pacer {
    uint64_t rate;          /* bytes per second, > 0 */
    uint64_t credit;        /* thousandths of a byte that may be sent now */
    uint64_t cap;           /* most credit ever held */
    uint64_t last_ms;       /* when credit was last brought up to date */
};

/* Starts a full bucket for rate (> 0) bytes per second at now_ms. */
void dummy_pacer_init(struct dummy_pacer *pacer, uint64_t rate,
                      uint64_t now_ms);

/* Brings the credit up to now_ms and returns the whole bytes it allows. */
size_t dummy_pacer_budget(struct dummy_pacer *pacer, uint64_t now_ms);

/* Takes bytes (at most the last budget) out of the credit. */
void dummy_pacer_spend(struct dummy_pacer *pacer, size_t bytes);

/*
 * When the caller, having spent its budget at now_ms, should come back:
 * at least one tick later, and late enough for one whole byte.
 */
uint64_t dummy_pacer_next_ms(const struct dummy_pacer *pacer,
                             uint64_t now_ms);

#endif
