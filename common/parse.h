/*
 * parse: strict number, duration and size parsing for options and files.
 *
 * "Strict" means the whole text must be consumed: "12x", "", " 1" and values
 * out of range are errors, never silently clamped. Thread-safe, no state.
 * Every function returns 0, or -1 with errno EINVAL (not a number) or
 * ERANGE (outside [min, max]) and leaves *out unchanged.
 */
#ifndef PARSE_H
#define PARSE_H

/* A decimal integer in [min, max]. */
int parse_long(const char *text, long min, long max, long *out);

/*
 * A duration in milliseconds, in [min_ms, max_ms]: "250" and "250ms" are
 * milliseconds, "2s" or "1.5s" seconds, "1m" minutes.
 */
int parse_duration_ms(const char *text, long min_ms, long max_ms, long *out);

/* A byte count in [min, max]: "512", "4k"/"4K" (x1024), "1M", "1G". */
int parse_size(const char *text, long min, long max, long *out);

#endif
