/*
 * check_verdict: writing a check's verdict and its reason.
 *
 * Every check ends by calling check_verdict_set once with what it found,
 * in a sentence with the numbers; check_run then applies expect-fail.
 * Times in reasons are relative to the proxy's start ("t=0.842s").
 *
 * Pure functions on caller-owned memory. Single-threaded.
 */
#ifndef CHECK_VERDICT_H
#define CHECK_VERDICT_H

#include <stdbool.h>

#include "check.h"
#include "outcome.h"

/* Sets verdict->passed and formats the reason (cut to CHECK_REASON_MAX). */
void check_verdict_set(struct check_verdict *verdict, bool passed,
                       const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Marks the expectation not judged: the run cannot answer it (another
 * balancing policy, a simulated run...). It counts as ok, whatever
 * expect-fail says; the reason starts with "skipped: ".
 */
void check_verdict_skip(struct check_verdict *verdict, const char *format,
                        ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Applies expect-fail: sets verdict->ok and, under expect-fail, prefixes the
 * reason with "failed as expected: " or "should have failed, but ".
 */
void check_verdict_finish(struct check_verdict *verdict, bool expect_fail);

/* Seconds since the proxy's start line, for "t=%.3fs". */
double check_verdict_time(const struct outcome *outcome, double ts);

#endif
