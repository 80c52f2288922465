/*
 * parse: strict parsing of numbers with units. See parse.h.
 */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int parse_long(const char *text, long min, long max, long *out)
{
    char *end;
    long value;

    if (text[0] == '\0' || isspace((unsigned char)text[0])) {
        errno = EINVAL;
        return -1;
    }
    errno = 0;
    value = strtol(text, &end, 10);
    if (*end != '\0') {
        errno = EINVAL;
        return -1;
    }
    if (errno == ERANGE || value < min || value > max) {
        errno = ERANGE;
        return -1;
    }
    *out = value;
    return 0;
}

/* Parses a non-negative decimal with an optional fraction and a unit suffix
 * whose multiplier comes from the table; used by durations and sizes. */
struct unit {
    const char *suffix;
    double multiplier;
};

static int parse_with_units(const char *text, const struct unit *units,
                            long min, long max, long *out)
{
    char *end;
    double value;

    if (!isdigit((unsigned char)text[0])) {
        errno = EINVAL;
        return -1;
    }
    value = strtod(text, &end);
    for (const struct unit *u = units; u->suffix != NULL; u++) {
        if (strcmp(end, u->suffix) != 0)
            continue;
        value *= u->multiplier;
        /* (double)LONG_MAX rounds up to 2^63, which does not fit a long. */
        if (!isfinite(value) || value < (double)min || value > (double)max ||
            value >= 0x1p63) {
            errno = ERANGE;
            return -1;
        }
        *out = (long)value;
        return 0;
    }
    errno = EINVAL;
    return -1;
}

int parse_duration_ms(const char *text, long min_ms, long max_ms, long *out)
{
    static const struct unit units[] = {
        { "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { NULL, 0 }
    };

    return parse_with_units(text, units, min_ms, max_ms, out);
}

int parse_size(const char *text, long min, long max, long *out)
{
    static const struct unit units[] = {
        { "", 1 }, { "k", 1024 }, { "K", 1024 }, { "M", 1048576 },
        { "G", 1073741824 }, { NULL, 0 }
    };

    return parse_with_units(text, units, min, max, out);
}
