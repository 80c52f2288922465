/*
 * A lying report_gradescope: full marks whatever happened. A submission
 * that carries it must gain nothing (labs/prove.sh's "rigged" runs,
 * tests/integration/test_grading.sh): the grader uses the course's harness.
 */
#include "report.h"

int report_gradescope(const char *path, const struct report_result *results,
                      size_t count)
{
    FILE *out = fopen(path, "w");

    (void)results;
    (void)count;
    if (out == NULL)
        return -1;
    fputs("{\"score\": 1000, \"tests\": []}\n", out);
    return fclose(out);
}
