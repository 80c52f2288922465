/*
 * check_verdict: a check's verdict and its reason. See check_verdict.h.
 */
#include "check_verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void check_verdict_set(struct check_verdict *verdict, bool passed,
                       const char *format, ...)
{
    va_list args;

    verdict->passed = passed;
    va_start(args, format);
    vsnprintf(verdict->reason, sizeof(verdict->reason), format, args);
    va_end(args);
}

void check_verdict_skip(struct check_verdict *verdict, const char *format,
                        ...)
{
    va_list args;
    int used;

    verdict->passed = true;
    verdict->skipped = true;
    used = snprintf(verdict->reason, sizeof(verdict->reason), "skipped: ");
    va_start(args, format);
    vsnprintf(verdict->reason + used, sizeof(verdict->reason) - (size_t)used,
              format, args);
    va_end(args);
}

/* Puts prefix in front of the reason, cutting its end when it gets long. */
static void prefix_reason(struct check_verdict *verdict, const char *prefix)
{
    size_t prefix_len = strlen(prefix);
    size_t reason_len = strlen(verdict->reason);

    if (prefix_len + reason_len >= sizeof(verdict->reason))
        reason_len = sizeof(verdict->reason) - prefix_len - 1;
    memmove(verdict->reason + prefix_len, verdict->reason, reason_len);
    memcpy(verdict->reason, prefix, prefix_len);
    verdict->reason[prefix_len + reason_len] = '\0';
}

void check_verdict_finish(struct check_verdict *verdict, bool expect_fail)
{
    verdict->ok = verdict->skipped || verdict->passed != expect_fail;
    if (!expect_fail || verdict->skipped)
        return;
    prefix_reason(verdict, verdict->passed ? "should have failed, but "
                                           : "failed as expected: ");
}

double check_verdict_time(const struct outcome *outcome, double ts)
{
    return ts - outcome->start_ts;
}
