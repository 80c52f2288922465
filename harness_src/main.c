/*
 * harness: runs scenario files against the real programs and judges the
 * proxy from its logs.
 *
 *   ./harness scenarios/two_backends.scn     one scenario
 *   ./harness scenarios/                     every *.scn in a folder
 *   ./harness --sim scenarios/sim/            in virtual time (simrun)
 *   ./harness --compare leastconn,p2c F.scn  one scenario per policy,
 *                                            side by side (compare)
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
#include "compare.h"
#include "options.h"
#include "outcome.h"
#include "parse.h"
#include "process.h"
#include "report.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_sim.h"
#include "simrun.h"

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
    long seed;                  /* --seed, -1: not given */
    bool sim;                   /* --sim: in virtual time */
    const char *compare;        /* --compare's list, NULL: not given */
    struct compare_policies policies;
    char bin_dir[PATH_MAX];     /* beside the harness: --bin's default */
    char *files[HARNESS_MAX_FILES];
    int file_count;
    int first;                  /* argv index of the first FILE|DIR */
};

static void on_signal(int sig)
{
    interrupted = sig;
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

#define AT(member) OPTIONS_FIELD(struct harness_options, member)

static const struct options_spec specs[] = {
    { "verbose", 'v', OPTIONS_FLAG,
      .help = "show every process' log live (stderr)", AT(run.verbose) },
    { "keep", 0, OPTIONS_TEXT, .arg = "DIR", .help = "keep all logs, in a "
      "new DIR/<scenario>-<pid>/ per run (named in the report)",
      AT(run.keep_dir) },
    { "seed", 0, OPTIONS_COUNT, 0, 2147483647L,
      .help = "override every scenario's seed", AT(seed) },
    { "list", 0, OPTIONS_FLAG,
      .help = "list the scenarios with their descriptions", AT(list) },
    { "tap", 0, OPTIONS_FLAG, .help = "print TAP instead of the text report",
      AT(tap) },
    { "junit", 0, OPTIONS_TEXT, .arg = "FILE",
      .help = "also write JUnit XML to FILE", AT(junit) },
    { "gradescope", 0, OPTIONS_TEXT, .arg = "FILE",
      .help = "also write Gradescope's results.json", AT(gradescope) },
    { "report", 0, OPTIONS_TEXT, .arg = "DIR",
      .help = "also write an HTML page per scenario to DIR", AT(report_dir) },
    { "bin", 0, OPTIONS_TEXT, .arg = "DIR", .help = "where the programs are "
      "(default: beside the harness)", AT(run.bin_dir) },
    { "sim", 0, OPTIONS_FLAG, .help = "run in virtual time through the "
      "simulator, not with real processes", AT(sim) },
    { "compare", 0, OPTIONS_TEXT, .arg = "POLICY,POLICY...",
      .help = "run one scenario under each policy (leastconn, roundrobin, "
      "random, p2c), same seed, and print them side by side", AT(compare) },
    OPTIONS_HELP_ROWS,
};

static const struct options_table harness_table = {
    .program = "harness",
    .usage = "[OPTION]... FILE.scn|DIR...\n"
             "  or:  harness [--sim] --compare POLICY,POLICY... [OPTION]... "
             "FILE.scn",
    .about = "Runs each scenario (a DIR means every *.scn in it; only "
             "regular\nfiles are read): starts the backends, the proxy and "
             "the client\nbursts, plays the fault timeline, then checks every "
             "expectation\nagainst the logs.",
    .footer = "The scenario language is described in docs/scenarios.md.\n"
              "--sim refuses what the simulator cannot run, and a real run "
              "what only\nthe simulator can (file:line, exit 2); checks "
              "that need real processes\nare SKIPPED under --sim. Under "
              "--compare, the checks written for one\npolicy (leastconn, "
              "p2c, share, NAME > NAME, pNN<=) are SKIPPED on the\nother "
              "policies' runs; --compare takes one FILE.scn and cannot be "
              "used\nwith --list, --tap, --junit or --gradescope.\n"
              "A run whose logs lost lines (ev=log_dropped) is reported NOT "
              "JUDGED.\nNumbers are decimal digits; an option that takes a "
              "value may be given once.\nExit status: 0 all expectations "
              "passed, 1 one failed or a run could\nnot complete or be "
              "judged, 2 bad usage or a bad scenario file, 130\nstopped by "
              "SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 or\nSIGALRM "
              "(the run's processes are killed and its temporary folder\n"
              "removed first).\n",
    OPTIONS_ROWS(specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = -1,
};

/* Reads the command line into *o. Returns -1 to go on (o->first is the
 * first FILE|DIR), or an exit status. */
static int parse_args(struct harness_options *o, int argc, char **argv)
{
    char err[512];
    int first;

    default_bin_dir(o->bin_dir, sizeof(o->bin_dir));
    o->run.bin_dir = o->bin_dir;
    o->seed = -1;
    first = options_parse(&harness_table, o, NULL, argc, argv, stdout, err,
                          sizeof(err));
    if (first == OPTIONS_EXIT)
        return PROCESS_EXIT_OK;
    if (first == -1)
        return process_usage_error("harness", err);
    if (first == argc)
        return process_usage_error("harness", "no scenario given");
    o->first = first;
    if (o->compare != NULL) {
        const char *conflict = o->list ? "--list" : o->tap ? "--tap"
                             : o->junit ? "--junit"
                             : o->gradescope ? "--gradescope" : NULL;

        if (compare_parse_policies(o->compare, &o->policies, err,
                                   sizeof(err)) == -1)
            return process_usage_error("harness", err);
        if (conflict != NULL) {
            snprintf(err, sizeof(err), "--compare and %s cannot be used "
                     "together", conflict);
            return process_usage_error("harness", err);
        }
        if (argc - first != 1)
            return process_usage_error("harness", "--compare takes one "
                                       "scenario file");
    }
    o->run.seed_set = o->seed >= 0;
    o->run.seed = o->seed >= 0 ? (unsigned long)o->seed : 0;
    return -1;
}

/* "harness: WHAT: WHY" on stderr, WHAT (a path the user gave) with its
 * control bytes shown escaped. */
static void complain(const char *what, const char *why)
{
    char shown[PATH_MAX];

    fprintf(stderr, "harness: %s: %s\n", parse_escape(what, shown,
                                                      sizeof(shown)), why);
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
        complain(dir, strerror(errno));
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
        complain(dir, "no .scn file in it");
    return rc == 0 && found > 0 ? 0 : -1;
}

/* Turns the command line's FILE|DIR arguments into o->files. */
static int collect_files(struct harness_options *o, int argc, char **argv)
{
    for (int i = o->first; i < argc; i++) {
        struct stat st;
        int rc;

        if (stat(argv[i], &st) == -1) {
            char shown[PATH_MAX];

            /* As a file the parser cannot read is reported
             * (docs/scenarios.md). */
            fprintf(stderr, "%s: cannot read: %s\n",
                    parse_escape(argv[i], shown, sizeof(shown)),
                    strerror(errno));
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
            scenario_parse_file(o->files[i], scenarios[i], stderr) != 0) {
            bad++;
        } else if (o->run.seed_set &&
                   scenario_plan_chaos(scenarios[i], o->run.seed) == -1) {
            /* The chaos plan is drawn from the seed the run uses. */
            fprintf(stderr, "%s:%d: chaos: with --seed %lu the plan needs "
                    "more timeline events than a scenario holds (%d)\n",
                    scenarios[i]->path, scenarios[i]->chaos.line,
                    o->run.seed, SCENARIO_MAX_EVENTS);
            bad++;
        } else if (o->sim ? scenario_sim_unsupported(scenarios[i], stderr)
                          : scenario_sim_refuse(scenarios[i], stderr)) {
            bad++;
        }
    }
    return bad;
}

/* Runs sc (in virtual time under --sim) into *outcome (initialised by
 * the caller) and judges it into *result. */
static void execute(const struct harness_options *o,
                    const struct scenario *sc, struct report_result *result,
                    struct outcome *outcome)
{
    uint64_t started = clock_now_ms();
    int rc;

    memset(result, 0, sizeof(*result));
    result->scenario = sc;
    result->verdict_count = sc->expect_count;
    rc = o->sim ? simrun_run(sc, &o->run, outcome, result->error,
                             sizeof(result->error))
                : runner_run(sc, &o->run, outcome, result->error,
                             sizeof(result->error));
    if (rc == -1)
        result->aborted = true;
    else if (!check_logs_whole(outcome, result->error, sizeof(result->error)))
        result->aborted = result->unjudged = true;
    for (size_t i = 0; i < sc->expect_count && !result->aborted; i++)
        check_run(&sc->expects[i], outcome, &result->verdicts[i]);
    check_backend_table(outcome, result->rows);
    snprintf(result->kept_dir, sizeof(result->kept_dir), "%s",
             outcome->kept_dir);
    result->duration_s = (double)(clock_now_ms() - started) / 1000.0;
}

/* Runs one scenario and judges it into *result. Returns false when its
 * --report page could not be written. */
static bool run_one(const struct harness_options *o,
                    const struct scenario *sc, struct report_result *result)
{
    struct outcome *outcome = malloc(sizeof(*outcome));
    bool written = true;

    if (outcome == NULL) {
        memset(result, 0, sizeof(*result));
        result->scenario = sc;
        result->aborted = true;
        snprintf(result->error, sizeof(result->error), "out of memory");
        return true;
    }
    outcome_init(outcome, sc);
    execute(o, sc, result, outcome);
    if (o->report_dir != NULL &&
        report_html(o->report_dir, result, outcome) == -1) {
        complain(o->report_dir, strerror(errno));
        written = false;
    }
    outcome_free(outcome);
    free(outcome);
    return written;
}

/* Everything --compare holds until its table is printed. */
struct comparison {
    struct scenario copies[COMPARE_MAX_POLICIES];
    struct outcome outcomes[COMPARE_MAX_POLICIES];
    struct report_result results[COMPARE_MAX_POLICIES];
    struct compare_run runs[COMPARE_MAX_POLICIES];
};

/* Runs sc under policy i of the list, as the i-th run of c. */
static void compare_one(const struct harness_options *o,
                        const struct scenario *sc, struct comparison *c,
                        size_t i)
{
    const char *policy = o->policies.names[i];
    const char *own = scenario_policy(sc);

    c->copies[i] = *sc;
    outcome_init(&c->outcomes[i], &c->copies[i]);
    if (scenario_set_policy(&c->copies[i], policy) == -1) {
        memset(&c->results[i], 0, sizeof(c->results[i]));
        c->results[i].scenario = &c->copies[i];
        c->results[i].aborted = true;
        snprintf(c->results[i].error, sizeof(c->results[i].error), "the "
                 "proxy has no room for balance=%s", policy);
    } else {
        /* Expectations written for the file's own policy: see check.c. */
        if (strcmp(own, policy) != 0)
            c->outcomes[i].written_policy = own;
        execute(o, &c->copies[i], &c->results[i], &c->outcomes[i]);
    }
    printf("--balance %s%s:\n", policy, o->sim ? " (simulated)" : "");
    report_text(stdout, &c->results[i], isatty(STDOUT_FILENO));
    fflush(stdout);
}

/* --compare: the one scenario under each policy, then the table. */
static int run_compare(const struct harness_options *o,
                       const struct scenario *sc)
{
    struct comparison *c = calloc(1, sizeof(*c));
    size_t count = o->policies.count, done = 0;
    int failed = 0;
    bool memory = true;

    if (c == NULL)
        return PROCESS_EXIT_FAIL;
    for (; done < count && !interrupted; done++) {
        compare_one(o, sc, c, done);
        failed += !report_passed(&c->results[done]);
        memory &= compare_summarize(&c->runs[done], o->policies.names[done],
                                    &c->outcomes[done], c->results[done].rows,
                                    !c->results[done].aborted) == 0;
    }
    if (done == count && memory)
        compare_print(stdout, sc, o->run.seed_set ? o->run.seed : sc->seed,
                      c->runs, count);
    if (done == count && o->report_dir != NULL &&
        report_html_compare(o->report_dir, c->results, c->outcomes,
                            count) == -1) {
        complain(o->report_dir, strerror(errno));
        failed++;
    }
    for (size_t i = 0; i < done; i++) {
        compare_run_free(&c->runs[i]);
        outcome_free(&c->outcomes[i]);
    }
    free(c);
    if (interrupted)
        return PROCESS_EXIT_SIGNAL;
    return failed > 0 || !memory ? PROCESS_EXIT_FAIL : PROCESS_EXIT_OK;
}

/* Writes the files asked for; returns false when one could not be. */
static bool write_reports(const struct harness_options *o,
                          const struct report_result *results, size_t count)
{
    bool ok = true;

    if (o->tap)
        report_tap(stdout, results, count);
    if (o->junit != NULL && report_junit(o->junit, results, count) == -1) {
        complain(o->junit, strerror(errno));
        ok = false;
    }
    if (o->gradescope != NULL &&
        report_gradescope(o->gradescope, results, count) == -1) {
        complain(o->gradescope, strerror(errno));
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
        return PROCESS_EXIT_FAIL;
    o->run.progress = !o->run.verbose && isatty(STDERR_FILENO);
    for (int i = 0; i < o->file_count && !interrupted; i++) {
        bool written = run_one(o, scenarios[i], &results[i]);

        count++;
        failed += !report_passed(&results[i]) || !written;
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
        return PROCESS_EXIT_SIGNAL;
    return failed > 0 ? PROCESS_EXIT_FAIL : PROCESS_EXIT_OK;
}

static void list(const struct harness_options *o, struct scenario **scenarios)
{
    for (int i = 0; i < o->file_count; i++)
        printf("%-40s %s\n", scenarios[i]->path, scenarios[i]->description);
}

int main(int argc, char **argv)
{
    struct harness_options o;
    struct scenario *scenarios[HARNESS_MAX_FILES] = { NULL };
    bool collected;
    int status;

    memset(&o, 0, sizeof(o));
    o.run.interrupted = &interrupted;
    status = parse_args(&o, argc, argv);
    if (status >= 0)
        return status;
    status = PROCESS_EXIT_USAGE;
    collected = collect_files(&o, argc, argv) == 0;
    if (collected && o.compare != NULL && o.file_count != 1) {
        process_usage_error("harness", "--compare takes one scenario file, "
                            "not a folder");
    } else if (collected && parse_all(&o, scenarios) == 0) {
        /* Without a handler a stop signal would leave the run's processes
         * and temporary folder behind. */
        process_catch_signals(stop_signals, sizeof(stop_signals) /
                              sizeof(stop_signals[0]), on_signal, NULL);
        if (o.list) {
            list(&o, scenarios);
            status = PROCESS_EXIT_OK;
        } else if (o.compare != NULL) {
            status = run_compare(&o, scenarios[0]);
        } else {
            status = run_all(&o, scenarios);
        }
    }
    for (int i = 0; i < o.file_count; i++) {
        free(scenarios[i]);
        free(o.files[i]);
    }
    /* The report on standard output is the result: a write that failed
     * (a full disk) is a failed run, said so. */
    if (fflush(stdout) == EOF || ferror(stdout)) {
        complain("standard output", strerror(errno));
        if (status == PROCESS_EXIT_OK)
            status = PROCESS_EXIT_FAIL;
    }
    return status;
}
