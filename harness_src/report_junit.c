/*
 * report_junit: the verdicts as JUnit XML, for CI servers (declared in
 * report.h):
 *
 *   <testsuites tests= failures= errors= time=>
 *     <testsuite name="scenarios/x.scn" tests= failures= errors= time=>
 *       <testcase classname="scenarios/x.scn" name="leastconn"/>
 *       <testcase classname="..." name="share b1=50%±10%">
 *         <failure message="b1 served 62.0% ..."/>
 *       </testcase>
 *
 * A scenario that could not run, or whose logs lost lines (not judged),
 * has each of its expectations as an <error> with the reason (or one
 * testcase "run" when it has none), so the number of tests does not
 * change when a run aborts, and no verdict is made up.
 * Reads only; single-threaded.
 */
#include <stdbool.h>

#include "report.h"
#include "report_escape.h"
#include "report_file.h"
#include "report_label.h"

/* What one scenario contributes to the totals. */
struct junit_tally {
    size_t tests;
    size_t failures;
    size_t errors;
};

static bool junit_aborted(const struct report_result *result)
{
    return result->aborted || result->scenario == NULL;
}

static size_t junit_expect_count(const struct report_result *result)
{
    size_t count = result->scenario != NULL
                       ? result->scenario->expect_count
                       : 0;

    return count > SCENARIO_MAX_EXPECTS ? SCENARIO_MAX_EXPECTS : count;
}

static struct junit_tally junit_count(const struct report_result *result)
{
    struct junit_tally tally = { 0, 0, 0 };

    if (junit_aborted(result)) {
        tally.tests = junit_expect_count(result);
        if (tally.tests == 0)
            tally.tests = 1;
        tally.errors = tally.tests;
    } else {
        tally.tests = report_label_count(result);
        tally.failures = report_label_failures(result);
    }
    return tally;
}

/* <testcase ...> with an optional failure or error element inside. */
static void junit_case(FILE *out, const struct report_result *result,
                       const char *name, const char *element,
                       const char *message)
{
    fputs("    <testcase classname=\"", out);
    report_escape_xml(out, report_label_scenario(result));
    fputs("\" name=\"", out);
    report_escape_xml(out, name);
    if (element == NULL) {
        fputs("\"/>\n", out);
        return;
    }
    fprintf(out, "\">\n      <%s message=\"", element);
    report_escape_xml(out, message);
    fputs("\"/>\n    </testcase>\n", out);
}

static void junit_cases(FILE *out, const struct report_result *result)
{
    char name[REPORT_LABEL_MAX];
    size_t count;

    if (!junit_aborted(result)) {
        count = report_label_count(result);
        for (size_t i = 0; i < count; i++) {
            const struct check_verdict *verdict = &result->verdicts[i];

            junit_case(out, result,
                       report_label_expect(&result->scenario->expects[i],
                                           name, sizeof(name)),
                       verdict->ok ? NULL : "failure", verdict->reason);
        }
        return;
    }
    count = junit_expect_count(result);
    if (count == 0)
        junit_case(out, result, "run", "error", result->error);
    for (size_t i = 0; i < count; i++)
        junit_case(out, result,
                   report_label_expect(&result->scenario->expects[i], name,
                                       sizeof(name)),
                   "error", result->error);
}

static void junit_suite(FILE *out, const struct report_result *result)
{
    struct junit_tally tally = junit_count(result);

    fputs("  <testsuite name=\"", out);
    report_escape_xml(out, report_label_scenario(result));
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                 "time=\"%.3f\">\n",
            tally.tests, tally.failures, tally.errors, result->duration_s);
    junit_cases(out, result);
    fputs("  </testsuite>\n", out);
}

int report_junit(const char *path, const struct report_result *results,
                 size_t count)
{
    struct junit_tally total = { 0, 0, 0 };
    double seconds = 0;
    FILE *out = report_file_open(path);

    if (out == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        struct junit_tally tally = junit_count(&results[i]);

        total.tests += tally.tests;
        total.failures += tally.failures;
        total.errors += tally.errors;
        seconds += results[i].duration_s;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"harness\" tests=\"%zu\" "
                 "failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
            total.tests, total.failures, total.errors, seconds);
    for (size_t i = 0; i < count; i++)
        junit_suite(out, &results[i]);
    fputs("</testsuites>\n", out);
    return report_file_close(out);
}
