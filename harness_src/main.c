/*
 * harness: runs scenario files against the real programs and judges the
 * proxy from its logs.
 *
 *   ./harness scenarios/two_backends.scn     one scenario
 *   ./harness scenarios/                     every *.scn in a folder
 *
 * Every scenario file is parsed before anything starts; one bad file stops
 * the whole run with "file:line: message" lines and exit status 2. Then
 * each scenario runs (runner), each expectation is checked (check), and the
 * verdicts are reported (report).
 *
 * A run whose logs lost lines (ev=log_dropped) is not judged at all
 * (check_logs_whole): its verdicts would rest on a partial log.
 *
 * Exit status: 0 when every expectation of every scenario passed, 1 when
 * any failed or a run could not complete or could not be judged, 2 on bad
 * usage or a bad scenario file, 130 when stopped by a signal (see
 * stop_signals).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "outcome.h"
#include "parse.h"
#include "report.h"
#include "runner.h"
#include "scenario.h"

#define HARNESS_VERSION "1.0.0"
#define HARNESS_MAX_FILES 256

/* The signal that asked the harness to stop (0: none); set by on_signal,
 * read by the runner's loop. */
static volatile sig_atomic_t interrupted;

/*
 * The signals that stop the harness cleanly: every one whose default
 * action would end it, and that a person or a script may send (a closed
 * terminal, Ctrl-\, a stray kill -USR1). Each ends the run the way SIGTERM
 * does, so that its processes are killed and its temporary folder is
 * removed; dying at once would leave both behind.
 */
static const int stop_signals[] = {
    SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
};

struct harness_options {
    struct runner_options run;
    bool list;
    bool tap;
    const char *junit;
    const char *gradescope;
    const char *report_dir;
    char bin_dir[PATH_MAX];
    char *files[HARNESS_MAX_FILES];
    int file_count;
};

static void on_signal(int sig)
{
    interrupted = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaction(stop_signals[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: harness [OPTION]... FILE.scn|DIR...\n"
        "Runs each scenario (a DIR means every *.scn in it; only regular\n"
        "files are read): starts the backends, the proxy and the client\n"
        "bursts, plays the fault timeline, then checks every expectation\n"
        "against the logs.\n\n"
        "  -v, --verbose        show every process' log live (stderr)\n"
        "      --keep DIR       keep all logs, in a new DIR/<scenario>-<pid>/\n"
        "                       per run (named in the report)\n"
        "      --seed N         override every scenario's seed\n"
        "      --list           list the scenarios with their descriptions\n"
        "      --tap            print TAP instead of the text report\n"
        "      --junit FILE     also write JUnit XML to FILE\n"
        "      --gradescope FILE  also write Gradescope's results.json\n"
        "      --report DIR     also write an HTML page per scenario to DIR\n"
        "      --bin DIR        where the programs are (default: beside\n"
        "                       the harness)\n"
        "  -h, --help           show this help and exit\n"
        "  -V, --version        show the version and exit\n\n"
        "The scenario language is described in docs/scenarios.md.\n"
        "A run whose logs lost lines (ev=log_dropped) is reported NOT JUDGED.\n"
        "Exit status: 0 all expectations passed, 1 one failed or a run could\n"
        "not complete or be judged, 2 bad usage or a bad scenario file, 130\n"
        "stopped by SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 or\n"
        "SIGALRM (the run's processes are killed and its temporary folder\n"
        "removed first).\n");
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "harness: %s '%s'\nTry 'harness --help'.\n", what, arg);
    return 2;
}

/* The folder this executable is in: the other programs are built there. */
static void default_bin_dir(char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n <= 0) {
        snprintf(out, size, ".");
        return;
    }
    self[n] = '\0';
    snprintf(out, size, "%s", dirname(self));
}

enum { OPT_KEEP = 256, OPT_SEED, OPT_LIST, OPT_TAP, OPT_JUNIT, OPT_GRADESCOPE,
       OPT_REPORT, OPT_BIN };

static const struct option long_options[] = {
    { "verbose", no_argument, NULL, 'v' },
    { "keep", required_argument, NULL, OPT_KEEP },
    { "seed", required_argument, NULL, OPT_SEED },
    { "list", no_argument, NULL, OPT_LIST },
    { "tap", no_argument, NULL, OPT_TAP },
    { "junit", required_argument, NULL, OPT_JUNIT },
    { "gradescope", required_argument, NULL, OPT_GRADESCOPE },
    { "report", required_argument, NULL, OPT_REPORT },
    { "bin", required_argument, NULL, OPT_BIN },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

/* Applies one option. Returns -1 to go on, or an exit status. */
static int apply_option(struct harness_options *o, int c, char **argv)
{
    long seed;

    switch (c) {
    case 'v': o->run.verbose = true; break;
    case OPT_KEEP: o->run.keep_dir = optarg; break;
    case OPT_SEED:
        if (parse_long(optarg, 0, 2147483647L, &seed) == -1)
            return usage_error("--seed needs a number from 0 to 2147483647, "
                               "not", optarg);
        o->run.seed_set = true;
        o->run.seed = (unsigned long)seed;
        break;
    case OPT_LIST: o->list = true; break;
    case OPT_TAP: o->tap = true; break;
    case OPT_JUNIT: o->junit = optarg; break;
    case OPT_GRADESCOPE: o->gradescope = optarg; break;
    case OPT_REPORT: o->report_dir = optarg; break;
    case OPT_BIN: snprintf(o->bin_dir, sizeof(o->bin_dir), "%s", optarg); break;
    case 'h': usage(stdout); return 0;
    case 'V': printf("harness %s\n", HARNESS_VERSION); return 0;
    case ':': return usage_error("option needs a value:", argv[optind - 1]);
    default: return usage_error("unknown option", argv[optind - 1]);
    }
    return -1;
}

static int parse_args(struct harness_options *o, int argc, char **argv)
{
    int c;

    default_bin_dir(o->bin_dir, sizeof(o->bin_dir));
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vhV", long_options, NULL)) != -1) {
        int status = apply_option(o, c, argv);

        if (status >= 0)
            return status;
    }
    if (optind == argc) {
        fprintf(stderr, "harness: no scenario given\nTry 'harness --help'.\n");
        return 2;
    }
    o->run.bin_dir = o->bin_dir;
    return -1;
}

static int add_file(struct harness_options *o, const char *path)
{
    if (o->file_count == HARNESS_MAX_FILES) {
        fprintf(stderr, "harness: more than %d scenarios\n", HARNESS_MAX_FILES);
        return -1;
    }
    o->files[o->file_count] = strdup(path);
    if (o->files[o->file_count] == NULL)
        return -1;
    o->file_count++;
    return 0;
}

/* Adds every *.scn in dir, sorted by name. */
static int add_dir(struct harness_options *o, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), rc = 0, found = 0;

    if (n == -1) {
        fprintf(stderr, "harness: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        char path[PATH_MAX];

        if (rc == 0 && len > 4 && strcmp(names[i]->d_name + len - 4, ".scn") == 0) {
            snprintf(path, sizeof(path), "%s%s%s", dir,
                     dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]->d_name);
            rc = add_file(o, path);
            found++;
        }
        free(names[i]);
    }
    free(names);
    if (rc == 0 && found == 0)
        fprintf(stderr, "harness: %s: no .scn file in it\n", dir);
    return rc == 0 && found > 0 ? 0 : -1;
}

/* Turns the command line's FILE|DIR arguments into o->files. */
static int collect_files(struct harness_options *o, int argc, char **argv)
{
    for (int i = optind; i < argc; i++) {
        struct stat st;
        int rc;

        if (stat(argv[i], &st) == -1) {
            fprintf(stderr, "harness: %s: %s\n", argv[i], strerror(errno));
            return -1;
        }
        rc = S_ISDIR(st.st_mode) ? add_dir(o, argv[i]) : add_file(o, argv[i]);
        if (rc == -1)
            return -1;
    }
    return 0;
}

/* Parses every file; reports all errors. Returns the number of bad files. */
static int parse_all(const struct harness_options *o,
                     struct scenario **scenarios)
{
    int bad = 0;

    for (int i = 0; i < o->file_count; i++) {
        scenarios[i] = calloc(1, sizeof(**scenarios));
        if (scenarios[i] == NULL ||
            scenario_parse_file(o->files[i], scenarios[i], stderr) != 0)
            bad++;
    }
    return bad;
}

/* Runs one scenario and judges it into *result. */
static void run_one(const struct harness_options *o,
                    const struct scenario *sc, struct report_result *result)
{
    struct outcome *outcome = malloc(sizeof(*outcome));
    uint64_t started = clock_now_ms();

    memset(result, 0, sizeof(*result));
    result->scenario = sc;
    result->verdict_count = sc->expect_count;
    if (outcome == NULL) {
        result->aborted = true;
        snprintf(result->error, sizeof(result->error), "out of memory");
        return;
    }
    outcome_init(outcome, sc);
    if (runner_run(sc, &o->run, outcome, result->error,
                   sizeof(result->error)) == -1)
        result->aborted = true;
    else if (!check_logs_whole(outcome, result->error, sizeof(result->error)))
        result->aborted = result->unjudged = true;
    for (size_t i = 0; i < sc->expect_count && !result->aborted; i++)
        check_run(&sc->expects[i], outcome, &result->verdicts[i]);
    check_backend_table(outcome, result->rows);
    snprintf(result->kept_dir, sizeof(result->kept_dir), "%s",
             outcome->kept_dir);
    result->duration_s = (double)(clock_now_ms() - started) / 1000.0;
    if (o->report_dir != NULL &&
        report_html(o->report_dir, result, outcome) == -1)
        fprintf(stderr, "harness: cannot write the report in %s: %s\n",
                o->report_dir, strerror(errno));
    outcome_free(outcome);
    free(outcome);
}

/* Writes the files asked for; returns false when one could not be. */
static bool write_reports(const struct harness_options *o,
                          const struct report_result *results, size_t count)
{
    bool ok = true;

    if (o->tap)
        report_tap(stdout, results, count);
    if (o->junit != NULL && report_junit(o->junit, results, count) == -1) {
        fprintf(stderr, "harness: cannot write %s: %s\n", o->junit,
                strerror(errno));
        ok = false;
    }
    if (o->gradescope != NULL &&
        report_gradescope(o->gradescope, results, count) == -1) {
        fprintf(stderr, "harness: cannot write %s: %s\n", o->gradescope,
                strerror(errno));
        ok = false;
    }
    return ok;
}

static int run_all(struct harness_options *o, struct scenario **scenarios)
{
    struct report_result *results = calloc((size_t)o->file_count,
                                           sizeof(*results));
    int failed = 0, count = 0;

    if (results == NULL)
        return 1;
    o->run.progress = !o->run.verbose && isatty(STDERR_FILENO);
    for (int i = 0; i < o->file_count && !interrupted; i++) {
        run_one(o, scenarios[i], &results[i]);
        count++;
        failed += !report_passed(&results[i]);
        if (!o->tap)
            report_text(stdout, &results[i], isatty(STDOUT_FILENO));
        fflush(stdout);
    }
    if (!write_reports(o, results, (size_t)count))
        failed++;
    if (!o->tap && count > 1)
        printf("scenarios: %d passed, %d failed\n", count - failed, failed);
    free(results);
    if (interrupted)
        return 130;
    return failed > 0 ? 1 : 0;
}

static void list(const struct harness_options *o, struct scenario **scenarios)
{
    for (int i = 0; i < o->file_count; i++)
        printf("%-40s %s\n", o->files[i], scenarios[i]->description);
}

int main(int argc, char **argv)
{
    struct harness_options o;
    struct scenario *scenarios[HARNESS_MAX_FILES] = { NULL };
    int status;

    memset(&o, 0, sizeof(o));
    o.run.interrupted = &interrupted;
    status = parse_args(&o, argc, argv);
    if (status >= 0)
        return status;
    status = 2;
    if (collect_files(&o, argc, argv) == 0 && parse_all(&o, scenarios) == 0) {
        catch_stop_signals();
        if (o.list) {
            list(&o, scenarios);
            status = 0;
        } else {
            status = run_all(&o, scenarios);
        }
    }
    for (int i = 0; i < o.file_count; i++) {
        free(scenarios[i]);
        free(o.files[i]);
    }
    return status;
}
