/*
 * parse: strict number, duration and size parsing for options and files,
 * and the escaping of user text that an error message quotes.
 *
 * "Strict" means one syntax everywhere: decimal digits only, the whole text
 * consumed, nothing silently changed. "12x", "", " 1", "1 ", "+5", "0x10",
 * "1e1", "inf" and values out of range are errors, never clamped. Thread-
 * safe, no state. The parsers return 0, or -1 with errno EINVAL (not a
 * number of that kind) or ERANGE (outside [min, max], or beyond a long) and
 * leave *out unchanged.
 */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>

/* A decimal integer in [min, max]: digits, with a leading '-' only for a
 * negative value (then the range decides). */
int parse_long(const char *text, long min, long max, long *out);

/*
 * A duration in milliseconds, in [min_ms, max_ms]: digits, an optional
 * fraction ".D..." and an optional unit: none or "ms" for milliseconds, "s"
 * seconds, "m" minutes. A fraction must come to whole milliseconds: "1.5s"
 * is 1500, "1.5ms" and "0.0001s" are EINVAL.
 */
int parse_duration_ms(const char *text, long min_ms, long max_ms, long *out);

/* A byte count in [min, max]: digits, an optional fraction and an optional
 * unit "k"/"K" (x1024), "M" or "G"; a fraction must come to whole bytes
 * ("1.5k" is 1536, "1.5" is EINVAL). */
int parse_size(const char *text, long min, long max, long *out);

/* ms in the largest unit that keeps it exact ("10m", "2s", "250ms"), as
 * parse_duration_ms reads it back; into buf[size]. Returns buf. */
const char *parse_format_ms(long ms, char *buf, size_t size);

/* A byte count the same way ("16M", "4k", "16"), as parse_size reads it. */
const char *parse_format_size(long bytes, char *buf, size_t size);

/*
 * Writes text into buf[size] (size > 0) as an error message may quote it,
 * so that a value from a file or a command line cannot drive the terminal:
 * each control byte (below 0x20, 0x7f), each C1 control in UTF-8
 * (U+0080..U+009F), and each byte 0x80..0x9f that stands alone after an
 * ASCII byte (a C1 control to an 8-bit terminal) as "\xNN" per byte; the
 * rest unchanged. When the result
 * does not fit it is cut before a whole character and ends with "...".
 * buf may be text itself, to escape a message in place. Returns buf.
 */
const char *parse_escape(const char *text, char *buf, size_t size);

#endif
