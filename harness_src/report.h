/*
 * report: how the harness tells its verdicts, to people and to graders.
 *
 *   report_text        per scenario: PASS/FAIL per expectation and a table
 *                      per backend (the terminal output)
 *   report_tap         TAP version 13, one test point per expectation
 *   report_junit       JUnit XML (a testsuite per scenario)
 *   report_gradescope  the autograder's results.json, a test per expectation
 *                      with its points
 *   report_html        one HTML page per run: an SVG timeline of active
 *                      connections per backend with fault events marked,
 *                      and the verdicts (report_html_compare: the runs
 *                      of --compare on one page, one under another)
 *
 * The file writers return 0, or -1 with errno. Single-threaded.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "outcome.h"
#include "scenario.h"

/* One scenario's results; kept after its outcome is freed. */
struct report_result {
    const struct scenario *scenario;
    size_t verdict_count;           /* == scenario->expect_count */
    struct check_verdict verdicts[SCENARIO_MAX_EXPECTS];
    struct check_backend_row rows[SCENARIO_MAX_BACKENDS];
    double duration_s;
    bool aborted;                   /* no verdicts (error says why) */
    bool unjudged;                  /* ran, but a log lost lines: aborted
                                       too, reported as not judged */
    char error[256];
    char kept_dir[512];             /* where the logs were kept, or "" */
};

/* True when the scenario ran and every verdict is ok. */
bool report_passed(const struct report_result *result);

void report_text(FILE *out, const struct report_result *result, bool color);
void report_tap(FILE *out, const struct report_result *results, size_t count);
int report_junit(const char *path, const struct report_result *results,
                 size_t count);
int report_gradescope(const char *path, const struct report_result *results,
                      size_t count);

/*
 * Writes DIR/<scenario file name>.html for one run (DIR is created when
 * missing), drawing the timeline from outcome. Returns 0 or -1 with errno.
 */
int report_html(const char *dir, const struct report_result *result,
                const struct outcome *outcome);

/*
 * --compare: writes DIR/<scenario file name>-compare.html, one section per
 * run of results[0..count) (one per policy): its verdicts, its backends
 * and its timeline drawn from outcomes[i], one under another. Returns 0 or
 * -1 with errno.
 */
int report_html_compare(const char *dir, const struct report_result *results,
                        const struct outcome *outcomes, size_t count);

#endif
