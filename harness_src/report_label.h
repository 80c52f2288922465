/*
 * report_label: the names every report gives a scenario and its
 * expectations, so that the terminal, TAP, JUnit, Gradescope and HTML
 * outputs all call a test the same thing.
 *
 * Pure functions over read-only data: thread-safe.
 */
#ifndef REPORT_LABEL_H
#define REPORT_LABEL_H

#include <stddef.h>

#include "report.h"

#define REPORT_LABEL_MAX (SCENARIO_TEXT_MAX + 16)

/* The scenario's file path, or "(no scenario)" when result has none. */
const char *report_label_scenario(const struct report_result *result);

/*
 * Writes expectation e's name into buf (size REPORT_LABEL_MAX is enough):
 * its text as written, with "(expect-fail) " in front when it must fail
 * and the text does not say so already. Returns buf.
 */
const char *report_label_expect(const struct scenario_expect *e, char *buf,
                                size_t size);

/* The number of expectations result reports: 0 for an aborted run. */
size_t report_label_count(const struct report_result *result);

/* The number of those that are not ok. */
size_t report_label_failures(const struct report_result *result);

/*
 * Writes the one-line outcome of result into buf, without PASS/FAIL:
 * "all 5 expectations met", "1 of 5 expectations failed", "no
 * expectations", "the run did not finish" or "the run could not be
 * judged". Returns buf.
 */
const char *report_label_summary(const struct report_result *result,
                                 char *buf, size_t size);

#endif
