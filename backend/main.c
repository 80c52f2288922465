/*
 * main: the dummy_server program (see docs/dummy_server.md).
 *
 * Thin glue: parse the command line, prepare the process (file limit,
 * signals), then open, run and close one dummy_server. SIGINT and SIGTERM
 * (and SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, which are logged and ignored)
 * are blocked and read through a signalfd in the server's epoll set, so
 * there is no signal handler and no global flag: the loop sees the signal
 * as an ordinary event and main returns normally (exit status 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "count_of.h"
#include "dummy_options.h"
#include "dummy_server.h"
#include "log.h"
#include "log_sink.h"
#include "process.h"

/* Turns SIGINT/SIGTERM, and the signals whose default action would end
 * the server by accident (SIGHUP, SIGUSR1, SIGUSR2, SIGALRM), into a
 * signalfd for the server. Returns the fd, or -1 after logging why. */
static int open_stop_fd(const struct logger *lg)
{
    static const int stop_signals[] = {
        SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM
    };
    sigset_t set;
    int fd;

    sigemptyset(&set);
    for (size_t i = 0; i < COUNT_OF(stop_signals); i++)
        sigaddset(&set, stop_signals[i]);
    fd = process_signalfd(&set);
    if (fd == -1)
        log_event(lg, LOG_ERROR, "error", "op=signalfd err=%s",
                  log_errno_name(errno));
    return fd;
}

/* Opens, runs and closes the server. Returns the exit status. */
static int run_server(const struct dummy_options *opts, struct logger *lg)
{
    struct dummy_server *srv;
    int stop_fd = open_stop_fd(lg), rc;

    if (stop_fd == -1)
        return PROCESS_EXIT_FAIL;
    srv = dummy_server_open(opts, lg, stop_fd);
    if (srv == NULL) {
        close(stop_fd);
        return PROCESS_EXIT_FAIL;
    }
    rc = dummy_server_run(srv);
    dummy_server_close(srv);
    close(stop_fd);
    return rc == 0 ? PROCESS_EXIT_OK : PROCESS_EXIT_FAIL;
}

int main(int argc, char **argv)
{
    struct dummy_options opts;
    struct log_sink *sink;
    struct logger lg;
    char err[256];
    int rc;

    dummy_options_init(&opts);
    rc = dummy_options_parse(&opts, argc, argv, stdout, err, sizeof(err));
    if (rc == OPTIONS_EXIT)
        return PROCESS_EXIT_OK;
    if (rc == -1)
        return process_usage_error("dummy_server", err);
    /* Checked before any descriptor is opened: one could take number 0. */
    if (opts.control && fcntl(STDIN_FILENO, F_GETFD) == -1)
        return process_usage_error("dummy_server",
                                   "--control: standard input is not open");
    log_init(&lg, 2, opts.log_level);
    /* A reader that stops reading costs log lines, not service. */
    sink = log_sink_start_for(&lg, LOG_SINK_CAPACITY);
    if (sink == NULL)
        return PROCESS_EXIT_FAIL;
    process_raise_fd_limit_logged(&lg);
    rc = run_server(&opts, &lg);
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    return rc;
}
