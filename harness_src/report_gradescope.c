/*
 * report_gradescope: the verdicts as the Gradescope autograder's
 * results.json (declared in report.h):
 *
 *   {
 *     "score": 7,
 *     "execution_time": 12.4,
 *     "output": "3 of 4 scenarios passed",
 *     "tests": [
 *       {"name": "scenarios/x.scn: leastconn", "score": 2, "max_score": 2,
 *        "status": "passed", "output": "all 500 picks chose ..."},
 *       ...
 *     ]
 *   }
 *
 * One test per expectation, worth its points= (0-point ones are listed
 * too). A scenario that could not run, or whose logs lost lines (not
 * judged), scores 0 on each expectation, with the reason as output (one
 * "run" test worth 0 when it has none): the format has no state between
 * passed and failed, and points are not given for what was not judged.
 * Reads only; single-threaded.
 */
#include <stdbool.h>

#include "report.h"
#include "report_escape.h"
#include "report_file.h"
#include "report_label.h"

/* One entry of "tests". */
struct gradescope_test {
    const char *name;
    int score;
    int max_score;
    bool passed;
    const char *output;
};

static void gradescope_test(FILE *out, const struct report_result *result,
                            const struct gradescope_test *test, bool *first)
{
    char name[REPORT_LABEL_MAX + sizeof(result->scenario->path) + 2];

    snprintf(name, sizeof(name), "%s: %s", report_label_scenario(result),
             test->name);
    fputs(*first ? "\n    {\"name\": " : ",\n    {\"name\": ", out);
    *first = false;
    report_escape_json(out, name);
    fprintf(out, ", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", "
                 "\"output\": ",
            test->score, test->max_score, test->passed ? "passed" : "failed");
    report_escape_json(out, test->output);
    fputc('}', out);
}

static size_t gradescope_expect_count(const struct report_result *result)
{
    size_t count = result->scenario != NULL
                       ? result->scenario->expect_count
                       : 0;

    return count > SCENARIO_MAX_EXPECTS ? SCENARIO_MAX_EXPECTS : count;
}

/* Writes result's tests; returns the points they earned. */
static long gradescope_scenario(FILE *out, const struct report_result *result,
                                bool *first)
{
    bool ran = !result->aborted && result->scenario != NULL;
    size_t count = ran ? report_label_count(result)
                       : gradescope_expect_count(result);
    char name[REPORT_LABEL_MAX];
    long earned = 0;

    if (!ran && count == 0) {
        struct gradescope_test test = { "run", 0, 0, false, result->error };

        gradescope_test(out, result, &test, first);
    }
    for (size_t i = 0; i < count; i++) {
        const struct scenario_expect *e = &result->scenario->expects[i];
        bool ok = ran && result->verdicts[i].ok;
        struct gradescope_test test = {
            report_label_expect(e, name, sizeof(name)), ok ? e->points : 0,
            e->points, ok, ran ? result->verdicts[i].reason : result->error
        };

        gradescope_test(out, result, &test, first);
        earned += test.score;
    }
    return earned;
}

int report_gradescope(const char *path, const struct report_result *results,
                      size_t count)
{
    FILE *out = report_file_open(path);
    bool first = true;
    long score = 0;
    size_t passed = 0;
    double seconds = 0;

    if (out == NULL)
        return -1;
    fputs("{\n  \"tests\": [", out);
    for (size_t i = 0; i < count; i++) {
        score += gradescope_scenario(out, &results[i], &first);
        passed += report_passed(&results[i]);
        seconds += results[i].duration_s;
    }
    fputs(first ? "],\n" : "\n  ],\n", out);
    fprintf(out, "  \"score\": %ld,\n  \"execution_time\": %.3f,\n"
                 "  \"output\": \"%zu of %zu scenario%s passed\"\n}\n",
            score, seconds, passed, count, count == 1 ? "" : "s");
    return report_file_close(out);
}
