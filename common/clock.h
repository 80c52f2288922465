/*
 * clock: one monotonic time source for every program of the lab.
 *
 * All timestamps in logs and all timers use CLOCK_MONOTONIC, which is shared
 * by every process on the machine, so the proxy's log, the backends' logs and
 * the harness' own events can be put on one timeline. Thread-safe, no state.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
uint64_t clock_now_ns(void);

/* Milliseconds since the same point. */
uint64_t clock_now_ms(void);

/* Seconds since the same point, as a double (for logs and reports). */
double clock_now_s(void);

#endif
