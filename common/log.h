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
 *
 * A thread that logs several lines per pass of its event loop can give its
 * logger a buffer (log_buffer_attach): info and debug lines then collect
 * there and go out together with one write(2) of at most LOG_LINE_MAX bytes,
 * when the loop calls log_flush() before it waits again, or when the next
 * line would not fit. An error or warn line flushes the buffer at once, so
 * problems show without delay and the thread's lines keep their order.
 *
 * A program whose threads must never wait for their log (the proxy, the
 * backend) gives its loggers a log_sink (log_sink.h): the lines then go to
 * the sink's ring instead of write(2), and a reader that stops reading
 * costs lines, counted and reported, never a stalled thread.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stddef.h>

struct log_sink;

#define LOG_LINE_MAX 4096

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN,
    LOG_INFO,
    LOG_DEBUG
};

/* Lines waiting to be written together: one per thread, never shared. */
struct log_buffer {
    size_t len;
    char data[LOG_LINE_MAX];
};

/* Where and how much one thread logs. Plain data: copy it per thread. */
struct logger {
    int fd;                 /* destination, usually 2 (stderr) */
    enum log_level level;   /* lines above this level are dropped */
    char thread[16];        /* value of the thr= key */
    struct log_buffer *buffer;  /* NULL: every line is written at once */
    struct log_sink *sink;      /* NULL: written to fd by this thread */
};

/* Fills *lg for writing to fd at level, thread name "main", unbuffered. */
void log_init(struct logger *lg, int fd, enum log_level level);

/* Copies *parent into *child and gives the child its own thread name. The
 * child is unbuffered, whatever the parent is. */
void log_fork(struct logger *child, const struct logger *parent,
              const char *thread);

/* From now on, lg's lines go to sink instead of its fd (log_sink.h). The
 * sink must outlive every logger that points at it, forks included. */
void log_sink_attach(struct logger *lg, struct log_sink *sink);

/* From now on, lg collects its info and debug lines in buffer (emptied
 * here). Only the thread that owns lg may then log through it. */
void log_buffer_attach(struct logger *lg, struct log_buffer *buffer);

/* Writes out the lines waiting in lg's buffer, if any. */
void log_flush(const struct logger *lg);

/* log_flush, then waits at most wait_ms until lg's sink (if it has one)
 * has written every line out: for a program about to die on purpose. */
void log_drain(const struct logger *lg, int wait_ms);

/* Parses "error", "warn", "info" or "debug". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *out);

/* The name of a level, as written in the lvl= key. */
const char *log_level_name(enum log_level level);

/* The name of errno value err for an err= key ("ECONNREFUSED"), never
 * NULL: "unknown" for a value without a name. */
const char *log_errno_name(int err);

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

/* write(2)s all of buf to fd, again after EINTR; gives up silently on any
 * other error (a log that cannot be written must not stop the program). */
void log_write_all(int fd, const char *buf, size_t len);

/*
 * Formats one whole line, newline included, as log_event would write it
 * for a thread named thread, into line (cap bytes, at most LOG_LINE_MAX).
 * Returns its length. For writers that do not go through a logger.
 */
size_t log_format_line(char *line, size_t cap, enum log_level level,
                       const char *thread, const char *ev,
                       const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
