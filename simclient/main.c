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
#include <sys/resource.h>

#include "log.h"
#include "net.h"
#include "simclient_loadgen.h"
#include "simclient_options.h"
#include "simclient_report.h"
#include "simclient_stats.h"

#define EXIT_PASSED 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* Set by SIGINT/SIGTERM; the event loop stops when it sees it. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static int usage_error(const char *reason)
{
    fprintf(stderr, "simulate_client: %s\nTry 'simulate_client --help'.\n",
            reason);
    return EXIT_USAGE;
}

/*
 * Installs the handlers and blocks SIGINT/SIGTERM; *wait_mask is the mask
 * under which the loop waits, the only time they may arrive.
 */
static int setup_signals(sigset_t *wait_mask)
{
    struct sigaction action;
    sigset_t stop_signals;

    memset(&action, 0, sizeof(action));
    sigemptyset(&action.sa_mask);
    action.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &action, NULL) == -1)
        return -1;
    action.sa_handler = on_stop_signal;
    if (sigaction(SIGINT, &action, NULL) == -1 ||
        sigaction(SIGTERM, &action, NULL) == -1)
        return -1;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stop_signals, wait_mask) == -1)
        return -1;
    sigdelset(wait_mask, SIGINT);
    sigdelset(wait_mask, SIGTERM);
    return 0;
}

/* Each client needs a descriptor: take all the hard limit allows. */
static void raise_nofile(const struct logger *log, long clients)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
        return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == -1)
            getrlimit(RLIMIT_NOFILE, &limit);
    }
    /* A few descriptors go to stdio, epoll and the JSON file. */
    if (limit.rlim_cur != RLIM_INFINITY &&
        (rlim_t)clients + 16 > limit.rlim_cur)
        log_event(log, LOG_WARN, "nofile",
                  "limit=%llu clients=%ld msg=\"connections beyond the limit "
                  "will fail as connect errors\"",
                  (unsigned long long)limit.rlim_cur, clients);
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
    int status = simclient_stats_passed(stats) ? EXIT_PASSED : EXIT_FAILED;

    simclient_stats_finish(stats);
    if (!options->quiet)
        simclient_report_print(stdout, stats, options,
                               net_addrs_format(targets, target_text,
                                                sizeof(target_text)));
    if (json != NULL && simclient_report_json(json, stats) == -1) {
        fprintf(stderr, "simulate_client: --json: cannot write '%s': %s\n",
                options->json_path, strerror(errno));
        status = EXIT_FAILED;
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
    if (setup_signals(&wait_mask) == -1) {
        log_event(&log, LOG_ERROR, "fatal", "what=signals error=\"%s\"",
                  strerror(errno));
        return EXIT_FAILED;
    }
    simclient_stats_init(&stats);
    if (simclient_loadgen_run(&config, &stats) == -1) {
        log_event(&log, LOG_ERROR, "fatal", "what=loadgen error=\"%s\"",
                  strerror(errno));
        simclient_stats_free(&stats);
        return EXIT_FAILED;
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

    if (simclient_options_parse(argc, argv, &options, err, sizeof(err)) == -1)
        return usage_error(err);
    if (options.action == SIMCLIENT_ACTION_HELP) {
        simclient_options_usage(stdout);
        return EXIT_PASSED;
    }
    if (options.action == SIMCLIENT_ACTION_VERSION) {
        printf("simulate_client %s\n", SIMCLIENT_VERSION);
        return EXIT_PASSED;
    }
    if (simclient_options_target(&options, &targets, err, sizeof(err)) == -1)
        return usage_error(err);
    if (open_json(options.json_path, &json) != 0)
        return EXIT_USAGE;
    status = run(&options, &targets, json);
    if (json != NULL && json != stdout && fclose(json) == EOF) {
        fprintf(stderr, "simulate_client: --json: cannot write '%s': %s\n",
                options.json_path, strerror(errno));
        status = EXIT_FAILED;
    }
    return status;
}
