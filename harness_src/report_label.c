/*
 * report_label: names and counts shared by the report writers (see
 * report_label.h).
 */
#include "report_label.h"

#include <string.h>

const char *report_label_scenario(const struct report_result *result)
{
    if (result->scenario == NULL || result->scenario->path[0] == '\0')
        return "(no scenario)";
    return result->scenario->path;
}

const char *report_label_expect(const struct scenario_expect *e, char *buf,
                                size_t size)
{
    const char *text = e->text[0] != '\0' ? e->text : "(unnamed)";

    if (e->expect_fail && strstr(text, "expect-fail") == NULL)
        snprintf(buf, size, "(expect-fail) %s", text);
    else
        snprintf(buf, size, "%s", text);
    return buf;
}

size_t report_label_count(const struct report_result *result)
{
    size_t count = result->verdict_count;

    if (result->aborted || result->scenario == NULL)
        return 0;
    /* Both bounds hold in a result the runner made; a hand-made one is
     * not trusted to index past the arrays. */
    if (count > result->scenario->expect_count)
        count = result->scenario->expect_count;
    if (count > SCENARIO_MAX_EXPECTS)
        count = SCENARIO_MAX_EXPECTS;
    return count;
}

size_t report_label_failures(const struct report_result *result)
{
    size_t count = report_label_count(result);
    size_t failures = 0;

    for (size_t i = 0; i < count; i++)
        failures += !result->verdicts[i].ok;
    return failures;
}

const char *report_label_summary(const struct report_result *result,
                                 char *buf, size_t size)
{
    size_t count = report_label_count(result);
    size_t failures = report_label_failures(result);
    const char *plural = count == 1 ? "" : "s";

    if (result->unjudged)
        snprintf(buf, size, "the run could not be judged");
    else if (result->aborted || result->scenario == NULL)
        snprintf(buf, size, "the run did not finish");
    else if (failures > 0)
        snprintf(buf, size, "%zu of %zu expectation%s failed", failures,
                 count, plural);
    else if (count == 0)
        snprintf(buf, size, "no expectations");
    else
        snprintf(buf, size, "all %zu expectation%s met", count, plural);
    return buf;
}
