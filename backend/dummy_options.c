/*
 * dummy_options: getopt_long over a table of options. See dummy_options.h.
 *
 * Numeric options are described by one table row each (kind, range and
 * where the value goes), so adding one is a one-line change; the few
 * options with other values have a case of their own.
 */
#include "dummy_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

enum option_id {
    OPT_HOST = 256, OPT_NAME, OPT_MODE, OPT_LATENCY, OPT_JITTER, OPT_SEED,
    OPT_RATE, OPT_CRASH_CONNS, OPT_CRASH_LINES, OPT_CLOSE_LINES,
    OPT_RESET_LINES, OPT_HANG, OPT_REFUSE, OPT_LOG_LEVEL
};

static const struct option long_options[] = {
    { "host", required_argument, NULL, OPT_HOST },
    { "name", required_argument, NULL, OPT_NAME },
    { "mode", required_argument, NULL, OPT_MODE },
    { "latency", required_argument, NULL, OPT_LATENCY },
    { "jitter", required_argument, NULL, OPT_JITTER },
    { "seed", required_argument, NULL, OPT_SEED },
    { "rate", required_argument, NULL, OPT_RATE },
    { "crash-after-conns", required_argument, NULL, OPT_CRASH_CONNS },
    { "crash-after-lines", required_argument, NULL, OPT_CRASH_LINES },
    { "close-after-lines", required_argument, NULL, OPT_CLOSE_LINES },
    { "reset-after-lines", required_argument, NULL, OPT_RESET_LINES },
    { "hang", no_argument, NULL, OPT_HANG },
    { "refuse", no_argument, NULL, OPT_REFUSE },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
};

/* How the text of a numeric option is read. */
enum value_kind {
    VALUE_COUNT,            /* parse_long */
    VALUE_DURATION,         /* parse_duration_ms */
    VALUE_SIZE              /* parse_size */
};

/* One numeric option: its kind, range and field. */
struct numeric_option {
    int id;
    enum value_kind kind;
    long min;
    long max;
    size_t offset;          /* of a long in struct dummy_options */
};

static const struct numeric_option numeric_options[] = {
    { OPT_LATENCY, VALUE_DURATION, 0, DUMMY_OPTIONS_DELAY_MAX_MS,
      offsetof(struct dummy_options, latency_ms) },
    { OPT_JITTER, VALUE_DURATION, 0, DUMMY_OPTIONS_DELAY_MAX_MS,
      offsetof(struct dummy_options, jitter_ms) },
    { OPT_SEED, VALUE_COUNT, 0, LONG_MAX,
      offsetof(struct dummy_options, seed) },
    { OPT_RATE, VALUE_SIZE, 1, DUMMY_OPTIONS_RATE_MAX,
      offsetof(struct dummy_options, rate) },
    { OPT_CRASH_CONNS, VALUE_COUNT, 0, LONG_MAX,
      offsetof(struct dummy_options, crash_after_conns) },
    { OPT_CRASH_LINES, VALUE_COUNT, 0, LONG_MAX,
      offsetof(struct dummy_options, crash_after_lines) },
    { OPT_CLOSE_LINES, VALUE_COUNT, 0, LONG_MAX,
      offsetof(struct dummy_options, close_after_lines) },
    { OPT_RESET_LINES, VALUE_COUNT, 0, LONG_MAX,
      offsetof(struct dummy_options, reset_after_lines) },
};

#define NUMERIC_COUNT (sizeof(numeric_options) / sizeof(numeric_options[0]))

void dummy_options_init(struct dummy_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->host = DUMMY_OPTIONS_DEFAULT_HOST;
    opts->port = DUMMY_OPTIONS_DEFAULT_PORT;
    opts->mode = DUMMY_MODE_LINE;
    opts->seed = DUMMY_OPTIONS_OFF;
    opts->crash_after_conns = DUMMY_OPTIONS_OFF;
    opts->crash_after_lines = DUMMY_OPTIONS_OFF;
    opts->close_after_lines = DUMMY_OPTIONS_OFF;
    opts->reset_after_lines = DUMMY_OPTIONS_OFF;
    opts->log_level = LOG_INFO;
}

const char *dummy_options_mode_name(enum dummy_mode mode)
{
    return mode == DUMMY_MODE_ECHO ? "echo" : "line";
}

/* The index of option id in long_options[] (that of the NULL row when
 * there is none). */
static size_t option_index(int id)
{
    size_t i = 0;

    while (long_options[i].name != NULL && long_options[i].val != id)
        i++;
    return i;
}

/* The long name of option id, for messages. */
static const char *option_name(int id)
{
    const char *name = long_options[option_index(id)].name;

    return name != NULL ? name : "?";
}

/* Why a numeric value was refused, in words. */
static void numeric_error(const struct numeric_option *num, const char *text,
                          char *err, size_t errlen)
{
    static const char *const examples[] = {
        "a whole number", "a duration such as 20, 20ms or 1.5s",
        "a byte count such as 512, 4k or 1M"
    };
    const char *name = option_name(num->id);

    if (errno == ERANGE)
        snprintf(err, errlen, "--%s '%.64s': must be from %ld to %ld%s", name,
                 text, num->min, num->max,
                 num->kind == VALUE_DURATION ? " ms"
                 : num->kind == VALUE_SIZE ? " bytes" : "");
    else
        snprintf(err, errlen, "--%s '%.64s': not %s", name, text,
                 examples[num->kind]);
}

/* Parses text into the option's field. Returns 0, or -1 with err set. */
static int apply_numeric(struct dummy_options *opts,
                         const struct numeric_option *num, const char *text,
                         char *err, size_t errlen)
{
    long *field = (long *)(void *)((char *)opts + num->offset);
    int rc;

    if (num->kind == VALUE_DURATION)
        rc = parse_duration_ms(text, num->min, num->max, field);
    else if (num->kind == VALUE_SIZE)
        rc = parse_size(text, num->min, num->max, field);
    else
        rc = parse_long(text, num->min, num->max, field);
    if (rc == -1)
        numeric_error(num, text, err, errlen);
    return rc;
}

/* Checks and copies --name. Returns 0, or -1 with err set. */
static int apply_name(struct dummy_options *opts, const char *text,
                      char *err, size_t errlen)
{
    size_t len = strlen(text);
    bool printable = len > 0 && len <= DUMMY_OPTIONS_NAME_MAX;

    /* The name starts every reply, so it must be one word of visible ASCII. */
    for (size_t i = 0; i < len && printable; i++)
        printable = text[i] > ' ' && text[i] < 0x7f;
    if (!printable) {
        snprintf(err, errlen,
                 "--name '%.64s': use 1 to %d visible characters, no spaces",
                 text, DUMMY_OPTIONS_NAME_MAX);
        return -1;
    }
    memcpy(opts->name, text, len + 1);
    return 0;
}

/* Applies the options that are not numbers. Returns 0, or -1 with err. */
static int apply_other(struct dummy_options *opts, int id, const char *text,
                       char *err, size_t errlen)
{
    switch (id) {
    case 'h': opts->help = true; return 0;
    case 'V': opts->version = true; return 0;
    case OPT_HANG: opts->hang = true; return 0;
    case OPT_REFUSE: opts->refuse = true; return 0;
    case OPT_NAME: return apply_name(opts, text, err, errlen);
    case OPT_HOST:
        opts->host = text;
        if (text[0] != '\0')
            return 0;
        snprintf(err, errlen, "--host needs an address");
        return -1;
    case OPT_MODE:
        if (strcmp(text, "line") == 0 || strcmp(text, "echo") == 0) {
            opts->mode = text[0] == 'e' ? DUMMY_MODE_ECHO : DUMMY_MODE_LINE;
            return 0;
        }
        snprintf(err, errlen, "--mode '%.64s': must be line or echo", text);
        return -1;
    case OPT_LOG_LEVEL:
        if (log_level_parse(text, &opts->log_level) == 0)
            return 0;
        snprintf(err, errlen,
                 "--log-level '%.64s': must be error, warn, info or debug",
                 text);
        return -1;
    }
    snprintf(err, errlen, "internal error: option %d has no handler", id);
    return -1;
}

/* Applies one option returned by getopt_long. Returns 0 or -1 with err. */
static int apply_option(struct dummy_options *opts, int id, const char *text,
                        char *err, size_t errlen)
{
    for (size_t i = 0; i < NUMERIC_COUNT; i++) {
        if (numeric_options[i].id == id)
            return apply_numeric(opts, &numeric_options[i], text, err,
                                 errlen);
    }
    return apply_other(opts, id, text, err, errlen);
}

/* Explains a '?' or ':' from getopt_long (which prints nothing itself). */
static void getopt_error(int id, char **argv, char *err, size_t errlen)
{
    const char *text = argv[optind - 1];
    bool long_with_value = strncmp(text, "--", 2) == 0 &&
                           strchr(text, '=') != NULL;

    if (id == ':')
        snprintf(err, errlen, "option '%.64s' needs a value", text);
    else if (optopt == 0)
        snprintf(err, errlen, "unknown option '%.64s'", text);
    else if (long_with_value)
        snprintf(err, errlen, "option '%.64s' takes no value", text);
    else
        snprintf(err, errlen, "unknown option '-%c'", optopt);
}

/* Reads the optional PORT operand. Returns 0, or -1 with err set. */
static int parse_operands(struct dummy_options *opts, int count, char **args,
                          char *err, size_t errlen)
{
    if (count > 1) {
        snprintf(err, errlen, "unexpected argument '%.64s'", args[1]);
        return -1;
    }
    if (count == 1 && parse_long(args[0], 0, 65535, &opts->port) == -1) {
        snprintf(err, errlen, "port '%.64s': must be a number from 0 to 65535",
                 args[0]);
        return -1;
    }
    return 0;
}

/* Refuses options that contradict each other. Returns 0 or -1 with err. */
static int check_combination(const struct dummy_options *opts, char *err,
                             size_t errlen)
{
    if (opts->hang && opts->refuse) {
        snprintf(err, errlen, "--hang and --refuse cannot be used together");
        return -1;
    }
    if (opts->close_after_lines != DUMMY_OPTIONS_OFF &&
        opts->reset_after_lines != DUMMY_OPTIONS_OFF) {
        snprintf(err, errlen, "--close-after-lines and --reset-after-lines "
                 "cannot be used together");
        return -1;
    }
    if (opts->mode == DUMMY_MODE_ECHO &&
        (opts->crash_after_lines != DUMMY_OPTIONS_OFF ||
         opts->close_after_lines != DUMMY_OPTIONS_OFF ||
         opts->reset_after_lines != DUMMY_OPTIONS_OFF)) {
        snprintf(err, errlen, "the *-after-lines faults count lines: "
                 "they need --mode line");
        return -1;
    }
    return 0;
}

/* Resolves --host and PORT into opts->listen. Returns 0 or -1 with err. */
static int resolve_listen(struct dummy_options *opts, char *err,
                          size_t errlen)
{
    char port[16];
    char detail[256];

    snprintf(port, sizeof(port), "%ld", opts->port);
    if (net_parse_hostport(port, opts->host, &opts->listen, detail,
                           sizeof(detail)) == -1) {
        snprintf(err, errlen, "--host '%.64s': not an address to listen on",
                 opts->host);
        return -1;
    }
    return 0;
}

/* Parses argv; dummy_options_parse cleans up the error text. */
static int parse_argv(struct dummy_options *opts, int argc, char **argv,
                      char *err, size_t errlen)
{
    unsigned long seen = 0, bit;
    int id;

    optind = 0;     /* glibc: start afresh, so that parsing can be repeated */
    opterr = 0;     /* the messages are ours */
    while ((id = getopt_long(argc, argv, ":hV", long_options, NULL)) != -1) {
        if (id == '?' || id == ':') {
            getopt_error(id, argv, err, errlen);
            return -1;
        }
        /* A second value would silently override the first; a flag
         * given twice changes nothing. */
        bit = 1ul << option_index(id);
        if ((seen & bit) && long_options[option_index(id)].has_arg) {
            snprintf(err, errlen, "--%s is given twice", option_name(id));
            return -1;
        }
        seen |= bit;
        if (apply_option(opts, id, optarg, err, errlen) == -1)
            return -1;
    }
    if (opts->help || opts->version)
        return 0;
    if (parse_operands(opts, argc - optind, argv + optind, err, errlen) == -1 ||
        check_combination(opts, err, errlen) == -1)
        return -1;
    return resolve_listen(opts, err, errlen);
}

int dummy_options_parse(struct dummy_options *opts, int argc, char **argv,
                        char *err, size_t errlen)
{
    if (parse_argv(opts, argc, argv, err, errlen) == -1) {
        parse_escape(err, err, errlen);
        return -1;
    }
    return 0;
}

void dummy_options_usage(FILE *out)
{
    fputs(
"Usage: dummy_server [OPTION]... [PORT]\n"
"A test backend for the proxy lab. In line mode it answers each line it\n"
"receives with \"NAME PAYLOAD\\n\"; in echo mode it sends the bytes back.\n"
"\n"
"  PORT                    TCP port to listen on, 0 = any free port\n"
"                          (default 9090)\n"
"      --host ADDR         address to listen on (default 127.0.0.1)\n"
"      --name NAME         first word of every reply, 1 to 64 visible\n"
"                          characters (default dummy-PORT, the bound port)\n"
"      --mode line|echo    protocol (default line)\n"
"      --latency MS        delay before each reply: 20, 20ms, 1.5s\n"
"                          (default 0, at most 1 hour)\n"
"      --jitter MS         add a uniform random -MS..+MS to each delay,\n"
"                          never going below 0 (default 0)\n"
"      --seed N            seed of the jitter generator (default: taken\n"
"                          from the clock and logged in ev=listen)\n"
"      --rate BYTES        write at most BYTES per second per connection,\n"
"                          e.g. 512, 4k, 1M (default no limit)\n"
"\n"
"Faults (all off by default):\n"
"      --crash-after-conns N  serve N connections, die with SIGKILL when\n"
"                          connection N+1 arrives\n"
"      --crash-after-lines N  answer N lines in all, die with SIGKILL when\n"
"                          the next line arrives (line mode)\n"
"      --close-after-lines N  close each connection (FIN) once it has N\n"
"                          answers (line mode)\n"
"      --reset-after-lines N  reset each connection (RST) once it has N\n"
"                          answers (line mode)\n"
"      --hang              accept and read, never answer\n"
"      --refuse            accept and close at once\n"
"\n"
"      --log-level LEVEL   error, warn, info or debug (default info);\n"
"                          the log goes to stderr\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n""Numbers are decimal digits; an option that takes a value may be given once.\n"

"Exit status: 0 after SIGINT or SIGTERM, 1 if it cannot listen or its\n"
"event loop fails, 2 on a bad command line; a --crash-after-* fault\n"
"kills it with SIGKILL (status 137 in a shell).\n", out);
}
