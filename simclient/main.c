/*
 * simulate_client: the proxy lab's load generator and reply checker.
 *
 * main() is glue: parse the options, raise the descriptor limit, set up
 * the signals, run the event loop (simclient_loadgen), then print the
 * summary and the JSON file (simclient_report). Exit status: 0 when every
 * request got its correct reply, 1 when anything failed or a signal cut
 * the run short, 2 on bad usage. One thread.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "process.h"
#include "simclient_loadgen.h"
#include "simclient_options.h"
#include "simclient_report.h"
#include "simclient_stats.h"

/* Set by SIGINT/SIGTERM; the event loop stops when it sees it. */
static volatile sig_atomic_t stop_requested;

static const int stop_signals[] = { SIGINT, SIGTERM };

static void on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static int usage_error(const char *reason)
{
    return process_usage_error("simulate_client", reason);
}

/* Each client needs a descriptor: take all the hard limit allows, and say
 * when that is still too few. */
static void raise_nofile(const struct logger *log, long clients)
{
    long limit = process_raise_fd_limit_logged(log);

    /* A few descriptors go to stdio, epoll and the JSON file. */
    if (limit != -1 && clients + 16 > limit)
        log_event(log, LOG_WARN, "nofile",
                  "limit=%ld clients=%ld msg=\"connections beyond the limit "
                  "will fail as connect errors\"", limit, clients);
}

/* Opens --json's file before the run, so a bad path fails early. */
static int open_json(const char *path, FILE **out)
{
    char reason[512];

    *out = NULL;
    if (path == NULL)
        return 0;
    if (strcmp(path, "-") == 0) {
        *out = stdout;
        return 0;
    }
    *out = fopen(path, "w");
    if (*out != NULL)
        return 0;
    snprintf(reason, sizeof(reason), "--json: cannot open '%s': %s", path,
             strerror(errno));
    return usage_error(reason);
}

/* Prints the summary and the JSON; returns the exit status. */
static int report(struct simclient_stats *stats,
                  const struct simclient_options *options,
                  const struct net_addrs *targets, FILE *json)
{
    char target_text[NET_ADDRS_STRLEN];
    int status = simclient_stats_passed(stats) ? PROCESS_EXIT_OK : PROCESS_EXIT_FAIL;

    if (!options->quiet)
        simclient_report_print(stdout, stats, options,
                               net_addrs_format(targets, target_text,
                                                sizeof(target_text)));
    if (json != NULL && simclient_report_json(json, stats) == -1) {
        fprintf(stderr, "simulate_client: --json: cannot write '%s': %s\n",
                options->json_path, strerror(errno));
        status = PROCESS_EXIT_FAIL;
    }
    return status;
}

static int run(const struct simclient_options *options,
               const struct net_addrs *targets, FILE *json)
{
    struct logger log;
    struct simclient_stats stats;
    sigset_t wait_mask;
    struct simclient_loadgen_config config = {
        .options = options, .targets = targets, .log = &log,
        .stop = &stop_requested, .wait_mask = &wait_mask,
    };
    int status;

    log_init(&log, 2, options->log_level);
    raise_nofile(&log, options->clients);
    if (process_catch_signals(stop_signals, sizeof(stop_signals) /
                              sizeof(stop_signals[0]), on_stop_signal,
                              &wait_mask) == -1) {
        log_event(&log, LOG_ERROR, "error", "op=signals err=%s",
                  log_errno_name(errno));
        return PROCESS_EXIT_FAIL;
    }
    simclient_stats_init(&stats);
    simclient_options_behaviour(options, stats.behaviour,
                                sizeof(stats.behaviour));
    if (simclient_loadgen_run(&config, &stats) == -1) {
        log_event(&log, LOG_ERROR, "error", "op=loadgen err=%s",
                  log_errno_name(errno));
        simclient_stats_free(&stats);
        return PROCESS_EXIT_FAIL;
    }
    status = report(&stats, options, targets, json);
    simclient_stats_free(&stats);
    return status;
}

int main(int argc, char **argv)
{
    struct simclient_options options;
    struct net_addrs targets;
    char err[512];
    FILE *json;
    int status;

    status = simclient_options_parse(argc, argv, &options, stdout, err,
                                     sizeof(err));
    if (status == OPTIONS_EXIT)
        return PROCESS_EXIT_OK;
    if (status == -1)
        return usage_error(err);
    if (simclient_options_target(&options, &targets, err, sizeof(err)) == -1)
        return usage_error(err);
    if (open_json(options.json_path, &json) != 0)
        return PROCESS_EXIT_USAGE;
    status = run(&options, &targets, json);
    if (json != NULL && json != stdout && fclose(json) == EOF) {
        fprintf(stderr, "simulate_client: --json: cannot write '%s': %s\n",
                options.json_path, strerror(errno));
        status = PROCESS_EXIT_FAIL;
    }
    return status;
}
