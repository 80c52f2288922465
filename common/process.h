/*
 * process: what every program of the lab does to itself at start, once:
 * its exit statuses and version, the words of a usage error, the
 * descriptor limit, and how stop signals reach it.
 *
 * Call these from main() before any thread starts: signal masks and
 * dispositions set here are inherited by every thread created later.
 */
#ifndef PROCESS_H
#define PROCESS_H

#include <signal.h>
#include <stddef.h>

#define PROCESS_VERSION "1.0.0"         /* printed by every --version */

/* Exit statuses, the same in every program. */
#define PROCESS_EXIT_OK 0               /* done, and all went well */
#define PROCESS_EXIT_FAIL 1             /* could not start, or failed */
#define PROCESS_EXIT_USAGE 2            /* bad command line or input file */
#define PROCESS_EXIT_SIGNAL 130         /* harness: stopped by a signal */

/*
 * Prints "PROGRAM: REASON" and "Try 'PROGRAM --help'." to stderr.
 * Returns PROCESS_EXIT_USAGE, for "return process_usage_error(...)".
 */
int process_usage_error(const char *program, const char *reason);

/*
 * Raises the soft limit on open descriptors to the hard limit: thousands
 * of sessions need thousands of descriptors. *limit is the soft limit in
 * force afterwards (-1: unlimited), whatever happened. Returns 0, or -1
 * with errno when it could not be read or raised.
 */
int process_raise_fd_limit(long *limit);

struct logger;

/* process_raise_fd_limit, logging a failure on lg (ev=error op=setrlimit,
 * warn: the program carries on). Returns the limit in force (-1:
 * unlimited or unknown). */
long process_raise_fd_limit_logged(const struct logger *lg);

/*
 * Ignores SIGPIPE (a peer that goes away is an error of one write, not the
 * end of the program), blocks the signals of set and returns a
 * non-blocking signalfd that reads them, or -1 with errno. For programs
 * whose event loop watches the fd.
 */
int process_signalfd(const sigset_t *set);

/*
 * Ignores SIGPIPE and sends each of signals[0..count) to handler. With
 * wait_mask, the signals are also blocked and *wait_mask is the mask under
 * which the caller's loop waits (epoll_pwait, ppoll), the only place they
 * can then arrive. Returns 0, or -1 with errno.
 */
int process_catch_signals(const int *signals, size_t count,
                          void (*handler)(int), sigset_t *wait_mask);

#endif
