/*
 * sim_hist: log-linear buckets. See sim_hist.h.
 */
#include "sim_hist.h"

#include <math.h>

/* The bucket of value: its own below 64, else 64 per power of two. */
static unsigned bucket_of(uint64_t value)
{
    unsigned e;

    if (value < SIM_HIST_SUB)
        return (unsigned)value;
    e = 63u - (unsigned)__builtin_clzll(value);
    return (e - 5) * SIM_HIST_SUB +
           (unsigned)((value >> (e - 6)) & (SIM_HIST_SUB - 1));
}

/* The middle of bucket b (the inverse of bucket_of). */
static uint64_t bucket_middle(unsigned b)
{
    unsigned e, sub;
    uint64_t low, width;

    if (b < SIM_HIST_SUB)
        return b;
    e = b / SIM_HIST_SUB + 5;
    sub = b % SIM_HIST_SUB;
    width = (uint64_t)1 << (e - 6);
    low = ((uint64_t)1 << e) + (uint64_t)sub * width;
    return low + width / 2;
}

void sim_hist_add(struct sim_hist *hist, uint64_t value)
{
    hist->bucket[bucket_of(value)]++;
    hist->count++;
    hist->sum += value;
    if (value > hist->max)
        hist->max = value;
}

uint64_t sim_hist_quantile(const struct sim_hist *hist, double q)
{
    uint64_t rank, seen = 0;

    if (hist->count == 0)
        return 0;
    rank = (uint64_t)ceil(q * (double)hist->count);
    if (rank < 1)
        rank = 1;
    for (unsigned b = 0; b < SIM_HIST_BUCKETS; b++) {
        seen += hist->bucket[b];
        if (seen >= rank) {
            uint64_t middle = bucket_middle(b);

            return middle < hist->max ? middle : hist->max;
        }
    }
    return hist->max;
}
