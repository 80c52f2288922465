/*
 * sim_hist: a histogram of fixed size for streaming quantiles of
 * non-negative integers (the simulator's response times in nanoseconds).
 *
 * Log-linear buckets, as HdrHistogram's: values below 64 each have their
 * own; above, every power of two [2^e, 2^(e+1)) is cut into 64 equal
 * buckets. A quantile is reported as the middle of its bucket, so it is
 * within 1/128 (0.8 %) of the exact sample quantile; count, mean and
 * maximum are exact. 3,776 buckets of 8 bytes, whatever the count.
 * Plain data, one owner.
 */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdint.h>

#define SIM_HIST_SUB 64
#define SIM_HIST_BUCKETS ((64 - 5) * SIM_HIST_SUB)

struct sim_hist {
    uint64_t count;
    uint64_t max;
    long double sum;
    uint64_t bucket[SIM_HIST_BUCKETS];
};

/* Counts one value. */
void sim_hist_add(struct sim_hist *hist, uint64_t value);

/* The q-quantile (0 < q <= 1) of the values counted, as the middle of
 * the bucket of the ceil(q * count)-th smallest (never above the
 * maximum); 0 when none was counted. */
uint64_t sim_hist_quantile(const struct sim_hist *hist, double q);

#endif
