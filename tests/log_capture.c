/*
 * log_capture: a logger read back by its test. See log_capture.h.
 */
#include "log_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

int log_capture_open(struct log_capture *lc, enum log_level level)
{
    int fds[2];

    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
        return -1;
    lc->read_fd = fds[0];
    lc->len = 0;
    lc->text[0] = '\0';
    log_init(&lc->log, fds[1], level);
    return 0;
}

void log_capture_close(struct log_capture *lc)
{
    close(lc->read_fd);
    close(lc->log.fd);
}

void log_capture_read(struct log_capture *lc)
{
    for (;;) {
        ssize_t n = read(lc->read_fd, lc->text + lc->len,
                         sizeof(lc->text) - 1 - lc->len);

        if (n <= 0)
            break;
        lc->len += (size_t)n;
    }
    lc->text[lc->len] = '\0';
}

bool log_capture_wait(struct log_capture *lc, const char *needle, int count,
                      int timeout_ms)
{
    uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms;

    for (;;) {
        struct pollfd pfd = { .fd = lc->read_fd, .events = POLLIN };
        uint64_t now;

        log_capture_read(lc);
        if (log_capture_count(lc, needle, 0, 0) >= count)
            return true;
        now = clock_now_ms();
        if (now >= deadline || lc->len == sizeof(lc->text) - 1)
            return false;
        poll(&pfd, 1, (int)(deadline - now));
    }
}

int log_capture_count(const struct log_capture *lc, const char *needle,
                      size_t from, size_t to)
{
    size_t end = to == 0 || to > lc->len ? lc->len : to;
    const char *at = lc->text + from;
    int count = 0;

    while ((at = strstr(at, needle)) != NULL &&
           (size_t)(at - lc->text) < end) {
        count++;
        at += strlen(needle);
    }
    return count;
}

size_t log_capture_find(const struct log_capture *lc, const char *needle,
                        int n)
{
    const char *at = lc->text;

    for (int k = 1; (at = strstr(at, needle)) != NULL; k++) {
        if (k == n)
            return (size_t)(at - lc->text);
        at += strlen(needle);
    }
    return lc->len;
}
