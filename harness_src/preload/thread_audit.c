/*
 * thread_audit: a tiny library the harness preloads into proxy_server
 * (LD_PRELOAD), so that it sees every thread the proxy ever creates, not
 * only those alive when it samples /proc: a thread per connection, or a
 * helper that lives a millisecond, cannot slip between two samples.
 *
 * It wraps pthread_create: after each thread it starts, it appends
 *
 *   ts=SECONDS lvl=info thr=audit ev=thread_create
 *
 * (ts on the monotonic clock the logs share) to the file named by
 * HARNESS_THREAD_LOG, the run's timeline, opened for appending, so the
 * line lands whole among the harness's own. Built without sanitizers
 * (it runs inside sanitized proxies too) and linked into no program.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (*create_fn)(pthread_t *restrict, const pthread_attr_t *restrict,
                         void *(*)(void *), void *restrict);

/* One line per created thread; errors are ignored (the audit must never
 * change how the proxy runs). */
static void note_thread(void)
{
    const char *path = getenv("HARNESS_THREAD_LOG");
    struct timespec now;
    char line[96];
    int fd, len;

    if (path == NULL)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    len = snprintf(line, sizeof(line), "ts=%.6f lvl=info thr=audit "
                   "ev=thread_create\n",
                   (double)now.tv_sec + (double)now.tv_nsec / 1e9);
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd == -1)
        return;
    if (write(fd, line, (size_t)len) != len)
        len = 0;
    close(fd);
}

int pthread_create(pthread_t *restrict thread,
                   const pthread_attr_t *restrict attr,
                   void *(*start)(void *), void *restrict arg)
{
    create_fn real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    int rc;

    if (real == NULL)
        return EAGAIN;
    rc = real(thread, attr, start, arg);
    if (rc == 0)
        note_thread();
    return rc;
}
