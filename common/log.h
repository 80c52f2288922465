/*
 * log: the lab's structured event log (logfmt, one event per line).
 *
 * Every line starts with the same four keys:
 *
 *     ts=12.345678 lvl=info thr=w1 ev=pick sid=17 be=b1 ...
 *
 * ts is CLOCK_MONOTONIC in seconds (shared by every process on the machine),
 * thr names the thread that wrote the line, ev names the event. The rest are
 * event-specific keys; docs/log-format.md lists them all.
 *
 * There is no global logger. Each thread owns a struct logger (a copy of its
 * parent's with its own thread name) and passes it down, so no lock is needed
 * to read the settings. A line is formatted on the stack and written with a
 * single write(2) of at most LOG_LINE_MAX bytes (≤ PIPE_BUF), which Linux
 * keeps whole when several threads or processes write to the same pipe or
 * O_APPEND file: lines never interleave.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

#define LOG_LINE_MAX 4096

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN,
    LOG_INFO,
    LOG_DEBUG
};

/* Where and how much one thread logs. Plain data: copy it per thread. */
struct logger {
    int fd;                 /* destination, usually 2 (stderr) */
    enum log_level level;   /* lines above this level are dropped */
    char thread[16];        /* value of the thr= key */
};

/* Fills *lg for writing to fd at level, thread name "main". */
void log_init(struct logger *lg, int fd, enum log_level level);

/* Copies *parent into *child and gives the child its own thread name. */
void log_fork(struct logger *child, const struct logger *parent,
              const char *thread);

/* Parses "error", "warn", "info" or "debug". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *out);

/* The name of a level, as written in the lvl= key. */
const char *log_level_name(enum log_level level);

/* True when a line at level would be written: test it before costly work. */
static inline bool log_enabled(const struct logger *lg, enum log_level level)
{
    return level <= lg->level;
}

/*
 * Writes one event line. fmt/... produce the event-specific "key=value ..."
 * part (no leading space, no newline; may be NULL). Values that may contain
 * spaces or quotes must go through logfmt_quote(). A line longer than
 * LOG_LINE_MAX is cut at a key boundary and ends with "trunc=1".
 * Never fails visibly: a logger that cannot write must not stop the program.
 */
void log_event(const struct logger *lg, enum log_level level, const char *ev,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
