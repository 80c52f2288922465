/*
 * control: answer stats, watch signals. See control.h.
 */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "stats.h"

/* Sends the backend table to one stats client and closes it. */
static void serve_stats(const struct control *c)
{
    char table[BALANCER_MAX_BACKENDS * 160];
    int fd = accept4(c->stats_fd, NULL, NULL, SOCK_CLOEXEC);
    size_t len;

    if (fd == -1)
        return;
    len = stats_format(c->balancer, table, sizeof(table));
    /* Blocking and small: one write is enough, and a client that does
     * not read only loses its own table. */
    if (net_write(fd, table, len) < 0)
        log_event(c->log, LOG_WARN, "stats_fail", "err=%s",
                  strerrorname_np(errno));
    close(fd);
}

/* Reads one signal; returns it, or 0 when there was none. */
static int take_signal(const struct control *c)
{
    struct signalfd_siginfo info;

    if (read(c->signal_fd, &info, sizeof(info)) != sizeof(info))
        return 0;
    if (info.ssi_signo == SIGUSR1) {
        stats_log(c->balancer, c->log);
        return 0;
    }
    return (int)info.ssi_signo;
}

int control_run(const struct control *c)
{
    int signo = 0;

    while (signo == 0) {
        struct pollfd fds[2] = {
            { .fd = c->stats_fd, .events = POLLIN },
            { .fd = c->signal_fd, .events = POLLIN },
        };

        if (poll(fds, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (fds[0].revents & POLLIN)
            serve_stats(c);
        if (fds[1].revents & POLLIN)
            signo = take_signal(c);
    }
    return signo;
}
