/*
 * dummy_pacer: token bucket in thousandths of a byte. See dummy_pacer.h.
 */
#include "dummy_pacer.h"

#define MILLI 1000u

void dummy_pacer_init(struct dummy_pacer *pacer, uint64_t rate,
                      uint64_t now_ms)
{
    uint64_t tick = rate * DUMMY_PACER_TICK_MS;

    pacer->rate = rate;
    /* A slow rate still needs room for one whole byte. */
    pacer->cap = tick > MILLI ? tick : MILLI;
    pacer->credit = pacer->cap;
    pacer->last_ms = now_ms;
}

size_t dummy_pacer_budget(struct dummy_pacer *pacer, uint64_t now_ms)
{
    if (now_ms > pacer->last_ms) {
        uint64_t elapsed = now_ms - pacer->last_ms;
        uint64_t room = pacer->cap - pacer->credit;

        /* Compare before multiplying: a long idle time must not overflow. */
        if (elapsed >= (room + pacer->rate - 1) / pacer->rate)
            pacer->credit = pacer->cap;
        else
            pacer->credit += elapsed * pacer->rate;
        pacer->last_ms = now_ms;
    }
    return (size_t)(pacer->credit / MILLI);
}

void dummy_pacer_spend(struct dummy_pacer *pacer, size_t bytes)
{
    uint64_t cost = (uint64_t)bytes * MILLI;

    pacer->credit = cost < pacer->credit ? pacer->credit - cost : 0;
}

uint64_t dummy_pacer_next_ms(const struct dummy_pacer *pacer,
                             uint64_t now_ms)
{
    uint64_t wait = DUMMY_PACER_TICK_MS;

    if (pacer->credit < MILLI) {
        uint64_t need = MILLI - pacer->credit;
        uint64_t until_byte = (need + pacer->rate - 1) / pacer->rate;

        if (until_byte > wait)
            wait = until_byte;
    }
    return now_ms + wait;
}
