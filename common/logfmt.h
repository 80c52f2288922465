/*
 * logfmt: reading and quoting "key=value key2="quoted value"" lines.
 *
 * The writer side is log.c; this module quotes values for it and parses the
 * lines back (the harness and the tests judge the proxy from them).
 * Pure functions on caller-owned memory: thread-safe.
 *
 * Grammar: pairs separated by one or more spaces. A key is a run of bytes
 * other than space, '=' and '"'. A value is either bare (no space, no '"')
 * or double-quoted with the escapes \" \\ and \n. A key without '=' has the
 * empty value.
 */
#ifndef LOGFMT_H
#define LOGFMT_H

#include <stddef.h>

/* One parsed pair; both strings point into the caller's line. */
struct logfmt_pair {
    const char *key;
    const char *value;
};

/*
 * Parses line in place (it is modified: separators become NULs and quoted
 * values are unescaped). A trailing newline is ignored. Returns the number of
 * pairs stored in pairs[0..max), or -1 if the line is not valid logfmt or
 * holds more than max pairs.
 */
int logfmt_parse(char *line, struct logfmt_pair *pairs, int max);

/* The value of the first pair named key, or NULL when there is none. */
const char *logfmt_get(const struct logfmt_pair *pairs, int count,
                       const char *key);

/*
 * Returns value itself when it can be written bare, otherwise writes the
 * quoted, escaped form into buf (cut to size) and returns buf.
 */
const char *logfmt_quote(const char *value, char *buf, size_t size);

#endif
