/*
 * dummy_delay: latency plus jitter, kept in order. See dummy_delay.h.
 */
#include "dummy_delay.h"

void dummy_delay_init(struct dummy_delay *delay, long latency_ms,
                      long jitter_ms, uint64_t seed)
{
    delay->latency_ms = latency_ms;
    delay->jitter_ms = jitter_ms;
    rng_seed(&delay->rng, seed);
}

long dummy_delay_sample(struct dummy_delay *delay)
{
    long sample = delay->latency_ms;

    if (delay->jitter_ms > 0) {
        uint64_t span = 2 * (uint64_t)delay->jitter_ms + 1;

        sample += (long)rng_below(&delay->rng, span) - delay->jitter_ms;
    }
    return sample < 0 ? 0 : sample;
}

uint64_t dummy_delay_due(struct dummy_delay *delay, uint64_t now_ms,
                         uint64_t prev_due_ms)
{
    uint64_t due = now_ms + (uint64_t)dummy_delay_sample(delay);

    return due > prev_due_ms ? due : prev_due_ms;
}
