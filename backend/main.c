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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dummy_options.h"
#include "dummy_server.h"
#include "log.h"
#include "log_sink.h"

/* Lets the process hold as many sockets as the hard limit allows. */
static void raise_fd_limit(const struct logger *lg)
{
    struct rlimit lim;

    if (getrlimit(RLIMIT_NOFILE, &lim) == -1 || lim.rlim_cur == lim.rlim_max)
        return;
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) == -1)
        log_event(lg, LOG_WARN, "rlimit", "nofile=unchanged err=%s",
                  strerrorname_np(errno));
}

/* Ignores SIGPIPE and turns SIGINT/SIGTERM, and the signals whose default
 * action would end the server by accident (SIGHUP, SIGUSR1, SIGUSR2,
 * SIGALRM), into a signalfd for the server. Returns the fd, or -1 after
 * logging why. */
static int open_stop_fd(const struct logger *lg)
{
    sigset_t stop_signals;
    int fd;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    sigaddset(&stop_signals, SIGUSR1);
    sigaddset(&stop_signals, SIGUSR2);
    sigaddset(&stop_signals, SIGALRM);
    fd = -1;
    if (sigprocmask(SIG_BLOCK, &stop_signals, NULL) == 0)
        fd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd == -1)
        log_event(lg, LOG_ERROR, "error", "op=signalfd err=%s",
                  strerrorname_np(errno));
    return fd;
}

/* Opens, runs and closes the server. Returns the exit status. */
static int run_server(const struct dummy_options *opts, struct logger *lg)
{
    struct dummy_server *srv;
    int stop_fd = open_stop_fd(lg), rc;

    if (stop_fd == -1)
        return 1;
    srv = dummy_server_open(opts, lg, stop_fd);
    if (srv == NULL) {
        close(stop_fd);
        return 1;
    }
    rc = dummy_server_run(srv);
    dummy_server_close(srv);
    close(stop_fd);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct dummy_options opts;
    struct log_sink *sink;
    struct logger lg;
    char err[256];
    int rc;

    dummy_options_init(&opts);
    if (dummy_options_parse(&opts, argc, argv, err, sizeof(err)) == -1) {
        fprintf(stderr, "dummy_server: %s\nTry 'dummy_server --help'.\n", err);
        return 2;
    }
    if (opts.help || opts.version) {
        if (opts.help)
            dummy_options_usage(stdout);
        else
            printf("dummy_server %s\n", DUMMY_OPTIONS_VERSION);
        return 0;
    }
    log_init(&lg, 2, opts.log_level);
    /* A reader that stops reading costs log lines, not service. */
    sink = log_sink_start(2, LOG_SINK_CAPACITY);
    if (sink == NULL) {
        log_event(&lg, LOG_ERROR, "error", "op=log_thread err=%s",
                  strerrorname_np(errno));
        return 1;
    }
    log_sink_attach(&lg, sink);
    raise_fd_limit(&lg);
    rc = run_server(&opts, &lg);
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    return rc;
}
