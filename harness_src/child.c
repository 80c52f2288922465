/*
 * child: fork/exec, signals and reaping for the harness. See child.h.
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* In the child, after fork: never returns. */
static void exec_child(char *const argv[], const char *log_path, pid_t group,
                       int input_fd)
{
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                      0644);
    int null_fd = input_fd != -1 ? input_fd
                                 : open("/dev/null", O_RDONLY | O_CLOEXEC);
    sigset_t none;

    setpgid(0, group);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (log_fd == -1 || null_fd == -1 || dup2(null_fd, 0) == -1 ||
        dup2(log_fd, 1) == -1 || dup2(log_fd, 2) == -1)
        _exit(127);
    execv(argv[0], argv);
    dprintf(2, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Forks argv with input_fd (-1: /dev/null) as its stdin. */
static int start_with(struct child *child, char *const argv[],
                      const char *log_path, pid_t *group, int input_fd)
{
    pid_t pid = fork();

    if (pid == -1)
        return -1;
    if (pid == 0)
        exec_child(argv, log_path, *group, input_fd);
    /* Also from the parent, so the group exists before the next fork. */
    setpgid(pid, *group);
    if (*group == 0)
        *group = pid;
    child->pid = pid;
    child->exited = false;
    child->status = 0;
    return 0;
}

int child_start(struct child *child, char *const argv[], const char *log_path,
                pid_t *group)
{
    return start_with(child, argv, log_path, group, -1);
}

int child_start_input(struct child *child, char *const argv[],
                      const char *log_path, pid_t *group, int *input)
{
    int fds[2], rc, saved_errno;

    if (pipe2(fds, O_CLOEXEC) == -1)
        return -1;
    rc = start_with(child, argv, log_path, group, fds[0]);
    saved_errno = errno;
    close(fds[0]);
    if (rc == -1) {
        close(fds[1]);
        errno = saved_errno;
        return -1;
    }
    *input = fds[1];
    return 0;
}

void child_signal(const struct child *child, int sig)
{
    if (child->pid > 0 && !child->exited)
        kill(child->pid, sig);
}

static int decode(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

int child_reap(struct child *children[], int count)
{
    int ended = 0, status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        ended++;
        for (int i = 0; i < count; i++) {
            if (children[i] != NULL && children[i]->pid == pid &&
                !children[i]->exited) {
                children[i]->exited = true;
                children[i]->status = decode(status);
            }
        }
    }
    return ended;
}

bool child_wait(struct child *child, long timeout_ms)
{
    uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms;
    struct timespec pause = { 0, 5 * 1000000 };
    int status;

    if (child->pid <= 0 || child->exited)
        return true;
    for (;;) {
        pid_t pid = waitpid(child->pid, &status, WNOHANG);

        if (pid == child->pid) {
            child->exited = true;
            child->status = decode(status);
            return true;
        }
        if (pid == -1 || clock_now_ms() >= deadline)
            return pid == -1 && errno == ECHILD;
        nanosleep(&pause, NULL);
    }
}

void child_kill_group(pid_t group)
{
    int status;

    if (group <= 0)
        return;
    kill(-group, SIGCONT);
    kill(-group, SIGKILL);
    while (waitpid(-group, &status, 0) > 0 || errno == EINTR)
        ;
}
