/*
 * process: exit statuses, usage errors, the descriptor limit and signal
 * set-up shared by the four programs. See process.h.
 */
#include "process.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "log.h"

int process_usage_error(const char *program, const char *reason)
{
    fprintf(stderr, "%s: %s\nTry '%s --help'.\n", program, reason, program);
    return PROCESS_EXIT_USAGE;
}

int process_raise_fd_limit(long *limit)
{
    struct rlimit lim;
    int rc = 0, saved = 0;

    *limit = -1;
    if (getrlimit(RLIMIT_NOFILE, &lim) == -1)
        return -1;
    if (lim.rlim_cur < lim.rlim_max) {
        rlim_t before = lim.rlim_cur;

        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) == -1) {
            saved = errno;
            lim.rlim_cur = before;
            rc = -1;
        }
    }
    if (lim.rlim_cur != RLIM_INFINITY)
        *limit = (long)lim.rlim_cur;
    errno = saved;
    return rc;
}

long process_raise_fd_limit_logged(const struct logger *lg)
{
    long limit;

    if (process_raise_fd_limit(&limit) == -1)
        log_event(lg, LOG_WARN, "error", "op=setrlimit err=%s nofile=%ld",
                  log_errno_name(errno), limit);
    return limit;
}

int process_signalfd(const sigset_t *set)
{
    int rc;

    signal(SIGPIPE, SIG_IGN);
    rc = pthread_sigmask(SIG_BLOCK, set, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int process_catch_signals(const int *signals, size_t count,
                          void (*handler)(int), sigset_t *wait_mask)
{
    struct sigaction action;
    sigset_t set;

    memset(&action, 0, sizeof(action));
    sigemptyset(&action.sa_mask);
    sigemptyset(&set);
    action.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &action, NULL) == -1)
        return -1;
    action.sa_handler = handler;
    for (size_t i = 0; i < count; i++) {
        if (sigaction(signals[i], &action, NULL) == -1)
            return -1;
        sigaddset(&set, signals[i]);
    }
    if (wait_mask == NULL)
        return 0;
    if (sigprocmask(SIG_BLOCK, &set, wait_mask) == -1)
        return -1;
    for (size_t i = 0; i < count; i++)
        sigdelset(wait_mask, signals[i]);
    return 0;
}
