/*
 * ctlclient: one command to the proxy's control socket. See ctlclient.h.
 */
#include "ctlclient.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"

/* Connects a stream socket to the UNIX socket at path, or -1 (errno). */
static int connect_unix(const char *path)
{
    struct sockaddr_un addr;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return -1;
    if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) == -1) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Waits until fd is ready for events or the deadline passes (ETIMEDOUT). */
static int wait_fd(int fd, short events, uint64_t deadline_ms)
{
    struct pollfd p = { .fd = fd, .events = events };
    uint64_t now = clock_now_ms();
    int rc;

    if (now >= deadline_ms) {
        errno = ETIMEDOUT;
        return -1;
    }
    rc = poll(&p, 1, (int)(deadline_ms - now));
    if (rc == 0)
        errno = ETIMEDOUT;
    return rc > 0 ? 0 : -1;
}

static int send_line(int fd, const char *command, uint64_t deadline_ms)
{
    char line[1100];
    int len = snprintf(line, sizeof(line), "%s\n", command);
    size_t sent = 0;

    if (len < 0 || (size_t)len >= sizeof(line)) {
        errno = EMSGSIZE;
        return -1;
    }
    while (sent < (size_t)len) {
        ssize_t n;

        if (wait_fd(fd, POLLOUT, deadline_ms) == -1)
            return -1;
        n = send(fd, line + sent, (size_t)len - sent, MSG_NOSIGNAL);
        if (n == -1 && errno != EINTR && errno != EAGAIN)
            return -1;
        sent += n > 0 ? (size_t)n : 0;
    }
    return 0;
}

/* True once buf[0..len) holds the closing empty line. */
static bool answer_complete(const char *buf, size_t len)
{
    return (len == 1 && buf[0] == '\n') ||
           (len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n');
}

/* Reads until the empty line; keeps what fits of it in answer. */
static int read_answer(int fd, char *answer, size_t size,
                       uint64_t deadline_ms)
{
    char buf[8192];
    size_t len = 0;

    for (;;) {
        ssize_t n;

        if (answer_complete(buf, len))
            break;
        if (len == sizeof(buf))
            len = 0;    /* a long listing: only its end matters here */
        if (wait_fd(fd, POLLIN, deadline_ms) == -1)
            goto out;
        n = read(fd, buf + len, sizeof(buf) - len);
        if (n == 0)
            errno = EPROTO;
        if (n == 0 || (n == -1 && errno != EINTR))
            goto out;
        len += n > 0 ? (size_t)n : 0;
    }
    while (len > 0 && buf[len - 1] == '\n')
        len--;
    snprintf(answer, size, "%.*s", (int)len, buf);
    return 0;
out:
    snprintf(answer, size, "%.*s", (int)len, buf);
    return -1;
}

int ctlclient_command(const char *path, const char *command, long timeout_ms,
                      char *answer, size_t size)
{
    uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms;
    int fd, rc = -1, saved;

    if (size > 0)
        answer[0] = '\0';
    fd = connect_unix(path);
    if (fd == -1)
        return -1;
    if (send_line(fd, command, deadline) == 0)
        rc = read_answer(fd, answer, size, deadline);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int ctlclient_is_error(const char *answer)
{
    return strncmp(answer, "error:", 6) == 0;
}
