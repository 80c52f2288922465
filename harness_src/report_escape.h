/*
 * report_escape: writing arbitrary text (reasons, paths, log values) into
 * the formats the reports produce: XML/HTML, JSON (which YAML reads too),
 * and measuring it in terminal columns.
 *
 * Input is taken as UTF-8; a byte that does not start a valid sequence is
 * written as U+FFFD, so the output is always valid UTF-8. Pure functions on
 * caller-owned data (the FILE is the caller's): thread-safe per FILE.
 */
#ifndef REPORT_ESCAPE_H
#define REPORT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * The length in bytes of the valid UTF-8 sequence that starts at text (1 for
 * ASCII), or 0 when the byte there starts none (or is the terminating NUL).
 */
size_t report_escape_utf8_len(const char *text);

/* The number of characters (terminal columns, roughly) in text. */
size_t report_escape_width(const char *text);

/*
 * Writes the one character at text for a terminal: unchanged, except a
 * control character as a space and a bad byte as U+FFFD. Returns the
 * number of bytes it took from text (at least 1; 0 at the NUL).
 */
size_t report_escape_put_char(FILE *out, const char *text);

/*
 * Writes text for an XML or HTML attribute value or element body: & < > " '
 * become entities, tab/newline/carriage return character references, other
 * control characters (not allowed in XML 1.0) and bad UTF-8 U+FFFD.
 */
void report_escape_xml(FILE *out, const char *text);

/*
 * Writes text as one JSON string, quotes included: " \ and control
 * characters escaped, bad UTF-8 as U+FFFD. The result is also a valid YAML
 * double-quoted scalar.
 */
void report_escape_json(FILE *out, const char *text);

#endif
