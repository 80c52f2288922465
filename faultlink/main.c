/*
 * main: the fault_link program (see docs/fault_link.md).
 *
 * Thin glue: parse the command line, prepare the process (file limit,
 * signals), then open, run and close one link. SIGINT and SIGTERM are
 * blocked and read through a signalfd in the link's epoll set, so the loop
 * sees them as ordinary events and main returns normally (exit status 0).
 * The control channel is stdin (commands) and stdout (replies).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "faultlink_link.h"
#include "faultlink_options.h"
#include "log.h"
#include "log_sink.h"
#include "process.h"

/* A seed when none was given; below 2^63 so --seed takes it back. */
static uint64_t pick_seed(const struct faultlink_options *opts)
{
    if (opts->seed != FAULTLINK_OPTIONS_OFF)
        return (uint64_t)opts->seed;
    return (clock_now_ns() ^ ((uint64_t)getpid() << 32)) & INT64_MAX;
}

/* Opens, runs and closes the link. Returns the exit status. */
static int run_link(const struct faultlink_options *opts,
                    const struct logger *lg)
{
    struct faultlink_link_config config = {
        .listen = opts->listen, .to = opts->to, .seed = pick_seed(opts),
        .control_in = 0, .control_out = 1, .faults = &opts->faults,
    };
    struct faultlink_link *link;
    sigset_t set;
    int rc;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    config.stop_fd = process_signalfd(&set);
    if (config.stop_fd == -1) {
        log_event(lg, LOG_ERROR, "error", "op=signalfd err=%s",
                  log_errno_name(errno));
        return PROCESS_EXIT_FAIL;
    }
    link = faultlink_link_open(&config, lg);
    if (link == NULL) {
        close(config.stop_fd);
        return PROCESS_EXIT_FAIL;
    }
    rc = faultlink_link_run(link);
    faultlink_link_close(link);
    close(config.stop_fd);
    return rc == 0 ? PROCESS_EXIT_OK : PROCESS_EXIT_FAIL;
}

int main(int argc, char **argv)
{
    struct faultlink_options opts;
    struct log_sink *sink;
    struct logger lg;
    char err[512];
    long nofile;
    int rc;

    rc = faultlink_options_parse(&opts, argc, argv, stdout, err, sizeof(err));
    if (rc == OPTIONS_EXIT)
        return PROCESS_EXIT_OK;
    if (rc == -1)
        return process_usage_error("fault_link", err);
    log_init(&lg, 2, opts.log_level);
    /* A reader that stops reading costs log lines, not relaying. */
    sink = log_sink_start(2, LOG_SINK_CAPACITY);
    if (sink == NULL) {
        log_event(&lg, LOG_ERROR, "error", "op=log_thread err=%s",
                  log_errno_name(errno));
        return PROCESS_EXIT_FAIL;
    }
    log_sink_attach(&lg, sink);
    if (process_raise_fd_limit(&nofile) == -1)
        log_event(&lg, LOG_WARN, "error", "op=setrlimit err=%s nofile=%ld",
                  log_errno_name(errno), nofile);
    rc = run_link(&opts, &lg);
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    return rc;
}
