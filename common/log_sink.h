/*
 * log_sink: a process's log destination that never blocks its loggers.
 *
 *   worker ─┐   log_sink_write()        ┌──────────────┐  write(2)
 *   worker ─┼──────────────────────────►│ ring (bytes) ├──────────► fd
 *   main   ─┘   (whole lines, mutex,    └──────────────┘  thread "log"
 *                never waits for fd)                      (may block)
 *
 * A log written straight to stderr stops every thread that logs as soon as
 * the reader of that pipe stops reading: write(2) blocks, and a worker that
 * blocks relays nothing. So the threads only copy their lines into a ring
 * of fixed size, under a mutex held for a memcpy; one writer thread of the
 * sink's own takes them out and is the only one that waits on the fd.
 *
 * When the ring is full the new lines are dropped, whole, and counted. As
 * soon as the ring has room again, the line
 *
 *     ts=... lvl=warn thr=log ev=log_dropped n=N
 *
 * goes into it ahead of the next lines (or on its own once the writer has
 * caught up), with the number of lines lost since the last such line: it
 * stands in the log where the lines are missing, so a reader of the log
 * always knows that, where and how much is missing, even from a reader
 * that never catches up. log_sink_dropped() gives the total. The writer
 * writes whole lines only, at most LOG_LINE_MAX bytes per write(2), so
 * lines stay whole in a pipe shared with others.
 *
 * Threads: log_sink_write, log_sink_dropped and log_sink_drain from any
 * thread; log_sink_start and log_sink_stop from one owner thread.
 */
#ifndef LOG_SINK_H
#define LOG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of lines the ring holds before it drops: 256 full-length lines,
 * a few thousand ordinary ones, about a second of a busy proxy at info. */
#define LOG_SINK_CAPACITY (1024 * 1024)

/* How long log_sink_stop waits for the writer to empty the ring. */
#define LOG_SINK_STOP_MS 1000

struct log_sink;
struct logger;

/* Starts a sink writing to fd, with a ring of capacity bytes (at least
 * LOG_LINE_MAX) and its writer thread, named "log". Returns the sink, or
 * NULL with errno set (nothing is left running). */
struct log_sink *log_sink_start(int fd, size_t capacity);

/*
 * The programs' start: a sink on lg's fd with a ring of capacity bytes,
 * attached to lg. Returns the sink, or NULL after logging why on lg
 * (ev=error op=thread what=log).
 */
struct log_sink *log_sink_start_for(struct logger *lg, size_t capacity);

/*
 * Queues len bytes of whole lines (each ending in '\n', at most
 * LOG_LINE_MAX bytes each) for the writer. Never waits for the fd: when
 * the ring has no room for all of them, they are all dropped and counted,
 * and the call returns -1. Returns 0 when queued. urgent: the writer
 * writes them without lingering (log_sink_linger).
 */
int log_sink_write(struct log_sink *sink, const char *lines, size_t len,
                   bool urgent);

/*
 * From now on the writer holds lines back for up to linger_ms after it
 * last caught up, and writes what came meanwhile together: a logger that
 * flushes thousands of times a second then costs the writer a wake-up and
 * a few write(2)s per linger_ms, not one of each per flush. A line is
 * never held longer than linger_ms; an urgent line (log_sink_write), a
 * ring half full, log_sink_drain and log_sink_stop end the wait at once.
 * A line that comes when the writer has been idle for linger_ms goes out
 * at once. 0 (the default) writes every line as soon as it comes. What a
 * process killed without warning loses is what was held back.
 */
void log_sink_linger(struct log_sink *sink, int linger_ms);

/* Lines dropped since the sink started (reported or not). */
uint64_t log_sink_dropped(struct log_sink *sink);

/*
 * Waits at most wait_ms for the writer to have written out every line
 * queued so far. For a program about to end without cleanup (a crash on
 * purpose), so that its last lines are not lost. Returns 0 when written,
 * -1 when the time ran out.
 */
int log_sink_drain(struct log_sink *sink, int wait_ms);

/*
 * Lets the writer empty the ring and report what was dropped, for at most
 * wait_ms; then, if the fd still does not take lines, the lines left are
 * lost and the writer ends within a fraction of a second. Frees the sink,
 * except when the writer is held inside write(2) (a terminal or socket
 * that took part of a chunk): the sink is then left to it, and the
 * process's exit ends both. Loggers that point at it must not be used
 * afterwards. NULL is a no-op.
 */
void log_sink_stop(struct log_sink *sink, int wait_ms);

#endif
