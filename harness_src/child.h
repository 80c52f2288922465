/*
 * child: the processes a harness run starts, and how they are stopped.
 *
 * Every child of one run goes into one process group of its own (the first
 * child creates it), so that one kill(-group) reaches all of them, and
 * none of them receives the terminal's Ctrl-C directly: the harness decides
 * when they stop. Each child also asks the kernel to kill it if the harness
 * dies (PR_SET_PDEATHSIG), so nothing is ever left behind.
 *
 * Single-threaded; the caller reaps with child_reap.
 */
#ifndef CHILD_H
#define CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct child {
    pid_t pid;                  /* 0: not running */
    bool exited;
    int status;                 /* exit code, or 128 + signal */
};

/*
 * Starts argv[0] (a path) with argv, stdout and stderr appended to
 * log_path, stdin from /dev/null, in process group *group (0: create it
 * and store its id). Returns 0, or -1 with errno.
 */
int child_start(struct child *child, char *const argv[], const char *log_path,
                pid_t *group);

/*
 * The same, with a pipe as stdin: *input is its write end (close-on-exec),
 * for the commands of a program's control channel. The caller closes it.
 * Returns 0, or -1 with errno.
 */
int child_start_input(struct child *child, char *const argv[],
                      const char *log_path, pid_t *group, int *input);

/* Sends sig to a running child. */
void child_signal(const struct child *child, int sig);

/*
 * Collects every child of this process that has ended, without waiting;
 * updates the matching entry of children[0..count). Returns how many ended.
 */
int child_reap(struct child *children[], int count);

/*
 * Waits up to timeout_ms for child to end (reaping it). Returns true when
 * it ended.
 */
bool child_wait(struct child *child, long timeout_ms);

/* Kills the whole group (SIGCONT first, so stopped ones die too) and
 * reaps every child of this process. */
void child_kill_group(pid_t group);

#endif
