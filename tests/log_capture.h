/*
 * log_capture: a logger whose lines a test reads back, for modules that
 * log from a thread of their own (health, control).
 *
 * The logger writes into a pipe; log_capture_wait reads it into text
 * until a line holds what the test waits for, or the time is up, so a
 * test polls for an event instead of sleeping. Both ends are
 * non-blocking: a writer never waits for the test (a line that finds the
 * pipe full is lost, as log.h says; the pipe holds 64 KiB and tests read
 * it as they go). One thread reads; any number may log.
 */
#ifndef LOG_CAPTURE_H
#define LOG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#define LOG_CAPTURE_MAX (256 * 1024)

struct log_capture {
    struct logger log;          /* hand this (or a fork of it) out */
    int read_fd;
    size_t len;
    char text[LOG_CAPTURE_MAX]; /* every line read so far, NUL-ended */
};

/* Opens the pipe; lines above level are dropped. Returns 0, or -1 with
 * errno. */
int log_capture_open(struct log_capture *lc, enum log_level level);

/* Closes both ends. */
void log_capture_close(struct log_capture *lc);

/* Reads what the pipe holds now into text. */
void log_capture_read(struct log_capture *lc);

/*
 * Reads until text holds count occurrences of needle or timeout_ms have
 * passed. Returns true when they came.
 */
bool log_capture_wait(struct log_capture *lc, const char *needle, int count,
                      int timeout_ms);

/* How often needle occurs in text[from, to) (to 0: the end of text). */
int log_capture_count(const struct log_capture *lc, const char *needle,
                      size_t from, size_t to);

/* Where the n-th (1, 2, ...) occurrence of needle starts in text, or the
 * end of text when there are fewer. */
size_t log_capture_find(const struct log_capture *lc, const char *needle,
                        int n);

#endif
