/*
 * parse: strict parsing of numbers with units, and escaping for messages.
 * See parse.h.
 *
 * Numbers are read with integer arithmetic only: a fraction is kept as
 * digits and must come to a whole number of the base unit, so "0.29s" is
 * exactly 290 ms (through a double it could be 289) and nothing is rounded.
 */
#include "parse.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS "0123456789"

/* Significant fraction digits: 10^9 times the largest unit (2^30) still
 * fits a long. */
#define FRACTION_DIGITS_MAX 9

static int fail(int error)
{
    errno = error;
    return -1;
}

int parse_long(const char *text, long min, long max, long *out)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    size_t count = strspn(digits, DIGITS);
    long value;

    /* strtol alone would also take blanks, '+' and, in base 0, hex. */
    if (count == 0 || digits[count] != '\0')
        return fail(EINVAL);
    errno = 0;
    value = strtol(text, NULL, 10);
    /* '-' only for a negative value: "-0" is a slip, not zero. */
    if (text[0] == '-' && value == 0 && errno == 0)
        return fail(EINVAL);
    if (errno == ERANGE || value < min || value > max)
        return fail(ERANGE);
    *out = value;
    return 0;
}

/* A unit suffix and how many base units it stands for. */
struct unit {
    const char *suffix;
    long multiplier;
};

/* The multiplier of the unit spelled text, or 0 when there is none. */
static long unit_multiplier(const struct unit *units, const char *text)
{
    for (; units->suffix != NULL; units++) {
        if (strcmp(text, units->suffix) == 0)
            return units->multiplier;
    }
    return 0;
}

/* The fraction ".digits[0..count)" times multiplier, in base units; -1
 * when that is not a whole number. */
static long fraction_value(const char *digits, size_t count, long multiplier)
{
    long numerator = 0, denominator = 1;

    while (count > 0 && digits[count - 1] == '0')   /* "1.50s" is "1.5s" */
        count--;
    if (count > FRACTION_DIGITS_MAX)
        return -1;
    for (size_t i = 0; i < count; i++) {
        numerator = numerator * 10 + (digits[i] - '0');
        denominator *= 10;
    }
    numerator *= multiplier;
    return numerator % denominator == 0 ? numerator / denominator : -1;
}

/* Reads "DIGITS[.DIGITS]UNIT" with a unit from the table (a "" entry makes
 * the unit optional); used by durations and sizes. */
static int parse_with_units(const char *text, const struct unit *units,
                            long min, long max, long *out)
{
    size_t whole_digits = strspn(text, DIGITS), fraction_digits = 0;
    const char *fraction = text + whole_digits, *suffix = fraction;
    long multiplier, part, value;

    if (*fraction == '.') {
        fraction++;
        fraction_digits = strspn(fraction, DIGITS);
        suffix = fraction + fraction_digits;
    }
    multiplier = unit_multiplier(units, suffix);
    if (whole_digits == 0 || multiplier == 0 ||
        (suffix != text + whole_digits && fraction_digits == 0))
        return fail(EINVAL);
    part = fraction_value(fraction, fraction_digits, multiplier);
    if (part == -1)
        return fail(EINVAL);
    errno = 0;
    value = strtol(text, NULL, 10);
    if (errno == ERANGE || value > (LONG_MAX - part) / multiplier)
        return fail(ERANGE);
    value = value * multiplier + part;
    if (value < min || value > max)
        return fail(ERANGE);
    *out = value;
    return 0;
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

const char *parse_format_ms(long ms, char *buf, size_t size)
{
    if (ms != 0 && ms % 60000 == 0)
        snprintf(buf, size, "%ldm", ms / 60000);
    else if (ms != 0 && ms % 1000 == 0)
        snprintf(buf, size, "%lds", ms / 1000);
    else
        snprintf(buf, size, "%ldms", ms);
    return buf;
}

const char *parse_format_size(long bytes, char *buf, size_t size)
{
    static const struct unit units[] = {
        { "G", 1073741824 }, { "M", 1048576 }, { "k", 1024 }, { NULL, 0 }
    };
    const struct unit *unit = units;

    while (unit->suffix != NULL && (bytes == 0 || bytes % unit->multiplier))
        unit++;
    if (unit->suffix == NULL)
        snprintf(buf, size, "%ld", bytes);
    else
        snprintf(buf, size, "%ld%s", bytes / unit->multiplier, unit->suffix);
    return buf;
}

static bool is_continuation(unsigned char byte)
{
    return (byte & 0xc0) == 0x80;
}

static bool is_c1_second_byte(unsigned char byte)
{
    return byte >= 0x80 && byte <= 0x9f;
}

/* A byte that a terminal may take for a control: C0, DEL, and a C1 byte
 * (0x80-0x9f, e.g. 0x9b, CSI in 8-bit mode) that stands alone after an
 * ASCII byte, where it cannot be part of a UTF-8 character. */
static bool is_control(const unsigned char *text, size_t pos)
{
    unsigned char byte = text[pos];

    return byte < 0x20 || byte == 0x7f ||
           (is_c1_second_byte(byte) && (pos == 0 || text[pos - 1] < 0x80));
}

/* The bytes that the character at text[pos] takes (*taken) and how many
 * it needs once escaped (returned). */
static size_t escaped_size(const unsigned char *text, size_t pos,
                           size_t *taken)
{
    *taken = 1;
    if (is_control(text, pos))
        return 4;
    if (text[pos] == 0xc2 && is_c1_second_byte(text[pos + 1])) {
        *taken = 2;
        return 8;
    }
    return 1;
}

/* Writes the character of the last taken bytes before text[end] (as
 * escaped_size cut them) into unit; returns its length and sets *taken. */
static size_t escape_last(const unsigned char *text, size_t end,
                          char unit[9], size_t *taken)
{
    unsigned char last = text[end - 1];

    *taken = 1;
    if (end >= 2 && text[end - 2] == 0xc2 && is_c1_second_byte(last)) {
        *taken = 2;
        return (size_t)snprintf(unit, 9, "\\xc2\\x%02x", last);
    }
    if (is_control(text, end - 1))
        return (size_t)snprintf(unit, 9, "\\x%02x", last);
    unit[0] = (char)last;
    return 1;
}

/* Forward, it measures what fits; backward, it writes, so that every write
 * lands at or after the bytes it replaces and buf may be text itself. */
const char *parse_escape(const char *text, char *buf, size_t size)
{
    const unsigned char *in = (const unsigned char *)text;
    size_t len = 0, need = 0, cut_len = 0, cut_need = 0, taken, more;
    char unit[9];

    while (in[len] != '\0') {
        more = escaped_size(in, len, &taken);
        if (need + more >= size)
            break;
        len += taken;
        need += more;
        if (need + strlen("...") < size && !is_continuation(in[len])) {
            cut_len = len;
            cut_need = need;
        }
    }
    if (in[len] != '\0') {
        len = cut_len;
        need = cut_need;
        snprintf(buf + need, size - need, "...");
    } else {
        buf[need] = '\0';
    }
    while (len > 0) {
        more = escape_last(in, len, unit, &taken);
        len -= taken;
        need -= more;
        memmove(buf + need, unit, more);
    }
    return buf;
}
