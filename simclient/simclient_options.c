/*
 * simclient_options: getopt_long parsing, validation and usage text.
 * See simclient_options.h.
 *
 * The numeric options are described by one table (name, unit, range, field)
 * so that parsing, range checks and error messages are written once.
 */
#include "simclient_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "simclient_payload.h"

/* getopt_long values of the options that have no short form. */
enum {
    OPT_HOST = 256,
    OPT_PORT,
    OPT_HOLD,
    OPT_RAMP,
    OPT_DURATION,
    OPT_TIMEOUT,
    OPT_SEED,
    OPT_HALF_CLOSE,
    OPT_JSON,
    OPT_LOG_LEVEL,
    OPT_EXPECT
};

static const struct option long_options[] = {
    { "host", required_argument, NULL, OPT_HOST },
    { "port", required_argument, NULL, OPT_PORT },
    { "clients", required_argument, NULL, 'c' },
    { "requests", required_argument, NULL, 'n' },
    { "size", required_argument, NULL, 's' },
    { "hold", required_argument, NULL, OPT_HOLD },
    { "ramp", required_argument, NULL, OPT_RAMP },
    { "duration", required_argument, NULL, OPT_DURATION },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "seed", required_argument, NULL, OPT_SEED },
    { "half-close", no_argument, NULL, OPT_HALF_CLOSE },
    { "expect", required_argument, NULL, OPT_EXPECT },
    { "json", required_argument, NULL, OPT_JSON },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
};

/* The leading ':' makes getopt report a missing value as ':'. */
static const char short_options[] = ":c:n:s:qhV";

/* How a numeric option's text is read. */
enum numeric_unit {
    UNIT_COUNT,     /* parse_long */
    UNIT_BYTES,     /* parse_size: 512, 4k, 1M */
    UNIT_MS,        /* parse_duration_ms: bare numbers are milliseconds */
    UNIT_SECONDS    /* like UNIT_MS, but bare numbers are seconds */
};

struct numeric_option {
    int id;
    const char *name;
    enum numeric_unit unit;
    long min;
    long max;
    size_t offset;  /* of the long field in struct simclient_options */
};

#define FIELD(name) offsetof(struct simclient_options, name)

static const struct numeric_option numeric_options[] = {
    { OPT_PORT, "--port", UNIT_COUNT, 1, 65535, FIELD(port) },
    { 'c', "--clients", UNIT_COUNT, 1, SIMCLIENT_CLIENTS_MAX, FIELD(clients) },
    { 'n', "--requests", UNIT_COUNT, 1, SIMCLIENT_REQUESTS_MAX, FIELD(requests) },
    { 's', "--size", UNIT_BYTES, 1, SIMCLIENT_SIZE_MAX, FIELD(size) },
    { OPT_HOLD, "--hold", UNIT_MS, 0, SIMCLIENT_TIME_MAX_MS, FIELD(hold_ms) },
    { OPT_RAMP, "--ramp", UNIT_MS, 0, SIMCLIENT_TIME_MAX_MS, FIELD(ramp_ms) },
    { OPT_DURATION, "--duration", UNIT_SECONDS, 0, SIMCLIENT_DURATION_MAX_MS,
      FIELD(duration_ms) },
    { OPT_TIMEOUT, "--timeout", UNIT_MS, 1, SIMCLIENT_TIME_MAX_MS,
      FIELD(timeout_ms) },
    { OPT_SEED, "--seed", UNIT_COUNT, 0, LONG_MAX, FIELD(seed) },
};

static const char *const unit_words[] = {
    [UNIT_COUNT] = "a whole number",
    [UNIT_BYTES] = "a size like 512, 4k or 1M",
    [UNIT_MS] = "a duration like 250, 250ms, 2s or 1m",
    [UNIT_SECONDS] = "a number of seconds or a duration like 1500ms or 1m",
};

static const char *const unit_suffixes[] = {
    [UNIT_COUNT] = "", [UNIT_BYTES] = " bytes", [UNIT_MS] = " ms",
    [UNIT_SECONDS] = " ms",
};

void simclient_options_defaults(struct simclient_options *options)
{
    memset(options, 0, sizeof(*options));
    options->action = SIMCLIENT_ACTION_RUN;
    options->host = "127.0.0.1";
    options->port = 8080;
    options->clients = 10;
    options->requests = 5;
    options->size = 32;
    options->timeout_ms = 10000;
    options->seed = 1;
    options->json_path = NULL;
    options->log_level = LOG_WARN;
}

/* Reads text by unit; 0, or -1 with errno EINVAL or ERANGE. */
static int parse_in_unit(const char *text, const struct numeric_option *spec,
                         long *out)
{
    size_t len = strlen(text);
    char with_unit[64];

    switch (spec->unit) {
    case UNIT_BYTES:
        return parse_size(text, spec->min, spec->max, out);
    case UNIT_MS:
        return parse_duration_ms(text, spec->min, spec->max, out);
    case UNIT_SECONDS:
        /* A bare number ("10", "1.5") means seconds: give it the unit. */
        if (len > 0 && len < sizeof(with_unit) - 1 &&
            text[len - 1] >= '0' && text[len - 1] <= '9') {
            snprintf(with_unit, sizeof(with_unit), "%ss", text);
            text = with_unit;
        }
        return parse_duration_ms(text, spec->min, spec->max, out);
    case UNIT_COUNT:
    default:
        return parse_long(text, spec->min, spec->max, out);
    }
}

static int parse_numeric(const struct numeric_option *spec, const char *text,
                         struct simclient_options *options, char *err,
                         size_t errlen)
{
    long value;

    if (parse_in_unit(text, spec, &value) == 0) {
        *(long *)(void *)((char *)options + spec->offset) = value;
        return 0;
    }
    if (errno == ERANGE)
        snprintf(err, errlen, "%s: '%s' is out of range (%ld to %ld%s)",
                 spec->name, text, spec->min, spec->max,
                 unit_suffixes[spec->unit]);
    else
        snprintf(err, errlen, "%s: '%s' is not %s", spec->name, text,
                 unit_words[spec->unit]);
    return -1;
}

static const struct numeric_option *find_numeric(int id)
{
    for (size_t i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]);
         i++) {
        if (numeric_options[i].id == id)
            return &numeric_options[i];
    }
    return NULL;
}

/* --expect line|echo. */
static int parse_expect(const char *arg, struct simclient_options *options,
                        char *err, size_t errlen)
{
    if (strcmp(arg, "line") == 0)
        options->expect = SIMCLIENT_REPLY_EXPECT_LINE;
    else if (strcmp(arg, "echo") == 0)
        options->expect = SIMCLIENT_REPLY_EXPECT_ECHO;
    else {
        snprintf(err, errlen, "--expect: '%s' is not line or echo", arg);
        return -1;
    }
    return 0;
}

/* Applies one option that is not numeric. */
static int apply_flag(int id, const char *arg,
                      struct simclient_options *options, char *err,
                      size_t errlen)
{
    switch (id) {
    case 'h': options->action = SIMCLIENT_ACTION_HELP; return 0;
    case 'V': options->action = SIMCLIENT_ACTION_VERSION; return 0;
    case 'q': options->quiet = true; return 0;
    case OPT_HALF_CLOSE: options->half_close = true; return 0;
    case OPT_HOST:
        options->host = arg;
        if (arg[0] != '\0')
            return 0;
        snprintf(err, errlen, "--host: the host name is empty");
        return -1;
    case OPT_JSON:
        options->json_path = arg;
        if (arg[0] != '\0')
            return 0;
        snprintf(err, errlen, "--json: the file name is empty");
        return -1;
    case OPT_EXPECT:
        return parse_expect(arg, options, err, errlen);
    case OPT_LOG_LEVEL:
        if (log_level_parse(arg, &options->log_level) == 0)
            return 0;
        snprintf(err, errlen,
                 "--log-level: '%s' is not error, warn, info or debug", arg);
        return -1;
    default:
        snprintf(err, errlen, "internal error: option %d not handled", id);
        return -1;
    }
}

/* Explains what getopt did not like ('?' unknown, ':' missing value). */
static void describe_getopt_error(int result, char **argv, char *err,
                                  size_t errlen)
{
    const char *word = optind > 0 ? argv[optind - 1] : "";
    bool is_long = strncmp(word, "--", 2) == 0;

    if (result == ':' && is_long)
        snprintf(err, errlen, "option '%s' needs a value", word);
    else if (result == ':')
        snprintf(err, errlen, "option '-%c' needs a value", optopt);
    else if (is_long && strchr(word, '=') != NULL)
        snprintf(err, errlen, "option '%.*s' takes no value",
                 (int)(strchr(word, '=') - word), word);
    else if (is_long || optopt == 0)
        snprintf(err, errlen, "unknown option '%s'", word);
    else
        snprintf(err, errlen, "unknown option '-%c'", optopt);
}

/* Refuses a second value for an option: it would silently override the
 * first. *seen has bit i set once long_options[i] was given; a flag given
 * twice changes nothing and passes. */
static int check_repeat(int id, unsigned long *seen, char *err, size_t errlen)
{
    size_t i = 0;

    while (long_options[i].name != NULL && long_options[i].val != id)
        i++;
    if ((*seen & (1ul << i)) && long_options[i].has_arg) {
        snprintf(err, errlen, "--%s is given twice", long_options[i].name);
        return -1;
    }
    *seen |= 1ul << i;
    return 0;
}

/* Checks that the options make sense together. */
static int validate(const struct simclient_options *options, char *err,
                    size_t errlen)
{
    long min_size = simclient_options_min_size(options);

    if (options->size < min_size) {
        snprintf(err, errlen,
                 "--size: %ld bytes is too small; each payload needs at least "
                 "%ld bytes for its tag (c<conn>r<request>:)",
                 options->size, min_size);
        return -1;
    }
    return 0;
}

/* simclient_options_parse, but err may quote the arguments as they are. */
static int parse_argv(int argc, char **argv, struct simclient_options *options,
                      char *err, size_t errlen)
{
    unsigned long seen = 0;
    int id;

    simclient_options_defaults(options);
    optind = 0; /* glibc: 0 restarts getopt from scratch (tests parse often) */
    opterr = 0;
    while ((id = getopt_long(argc, argv, short_options, long_options,
                             NULL)) != -1) {
        const struct numeric_option *spec = find_numeric(id);
        int rc;

        if (id == '?' || id == ':') {
            describe_getopt_error(id, argv, err, errlen);
            return -1;
        }
        if (check_repeat(id, &seen, err, errlen) == -1)
            return -1;
        rc = spec != NULL ? parse_numeric(spec, optarg, options, err, errlen)
                          : apply_flag(id, optarg, options, err, errlen);
        if (rc == -1)
            return -1;
        if (options->action != SIMCLIENT_ACTION_RUN)
            return 0;
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return validate(options, err, errlen);
}

int simclient_options_parse(int argc, char **argv,
                            struct simclient_options *options,
                            char *err, size_t errlen)
{
    if (parse_argv(argc, argv, options, err, errlen) == 0)
        return 0;
    parse_escape(err, err, errlen);
    return -1;
}

long simclient_options_min_size(const struct simclient_options *options)
{
    /* With --duration connection ids keep growing: allow for 32 bits. */
    uint64_t max_conn = options->duration_ms > 0 ? UINT32_MAX
                                                  : (uint64_t)options->clients;

    return (long)simclient_payload_tag_len(max_conn,
                                           (uint64_t)options->requests);
}

/* The first half of --help: what it does, target and load options. */
static void usage_load(FILE *out, const struct simclient_options *d)
{
    fprintf(out,
        "Usage: simulate_client [OPTION]...\n"
        "Opens connections to a line-echo server (dummy_server, or the proxy in\n"
        "front of it), sends request lines, checks every reply byte for byte and\n"
        "reports errors by kind, connections per backend and latency percentiles.\n"
        "\n"
        "Target:\n"
        "      --host HOST        server address or name; every address a name\n"
        "                         resolves to is tried in turn (default %s)\n"
        "      --port PORT        server port, 1-65535 (default %ld)\n"
        "Load:\n"
        "  -c, --clients N        concurrent connections, 1-%ld (default %ld)\n"
        "  -n, --requests N       requests per connection, 1-%ld (default %ld)\n"
        "  -s, --size BYTES       payload bytes per request, e.g. 64, 4k, 1M;\n"
        "                         at most 16M, at least the tag length\n"
        "                         (default %ld)\n"
        "      --hold MS          keep each connection open MS after its last\n"
        "                         reply, or until the server closes (default %ld)\n"
        "      --ramp MS          spread the connection starts evenly over MS\n"
        "                         (default %ld: all at once)\n",
        d->host, d->port, SIMCLIENT_CLIENTS_MAX, d->clients,
        SIMCLIENT_REQUESTS_MAX, d->requests, d->size, d->hold_ms, d->ramp_ms);
}

/* The second half of --help: timing, output options, exit status. */
static void usage_rest(FILE *out, const struct simclient_options *d)
{
    fprintf(out,
        "      --duration S       instead of one pass, every client reconnects\n"
        "                         and repeats until S seconds passed; units\n"
        "                         allowed: 1500ms, 2s, 1m (default %ld: one pass);\n"
        "                         after a failure a client waits 10 ms, doubling\n"
        "                         up to 1 s while failures go on\n"
        "      --timeout MS       a request without its complete reply after MS\n"
        "                         fails as 'timeout', a connect as 'connect'\n"
        "                         (default %ld)\n"
        "      --seed N           seed of the payload filler (default %ld)\n"
        "      --half-close       write all of a connection's requests back to\n"
        "                         back, then shutdown(SHUT_WR); replies are read\n"
        "                         all along, the last ones after the FIN\n"
        "                         (default off: next request after each reply)\n"
        "      --expect FORM      what a correct reply is: 'line' (NAME, a space,\n"
        "                         the request line) or 'echo' (the request line\n"
        "                         itself, as from dummy_server --mode echo;\n"
        "                         counted under the backend '" LINE_ECHO_NAME "')\n"
        "                         (default line)\n"
        "Output:\n"
        "      --json FILE        also write a JSON summary to FILE ('-' for\n"
        "                         stdout) (default none)\n"
        "      --log-level LEVEL  error, warn, info or debug on stderr; info logs\n"
        "                         one line per connection, warn the first\n"
        "                         failure of each kind in a second and then\n"
        "                         how many more there were (default %s)\n"
        "  -q, --quiet            do not print the summary on stdout\n"
        "  -h, --help             show this help and exit\n"
        "  -V, --version          show the version and exit\n"
        "\n"
        "MS options take 250, 250ms, 2s or 1m. Numbers are decimal digits; an\n"
        "option that takes a value may be given once. Exit status: 0 when every\n"
        "request got its correct reply, 1 when anything failed or a signal\n"
        "stopped work in progress, 2 on bad usage.\n",
        d->duration_ms / 1000, d->timeout_ms, d->seed,
        log_level_name(d->log_level));
}

void simclient_options_usage(FILE *out)
{
    struct simclient_options defaults;

    simclient_options_defaults(&defaults);
    usage_load(out, &defaults);
    usage_rest(out, &defaults);
}

int simclient_options_target(const struct simclient_options *options,
                             struct net_addrs *targets, char *err,
                             size_t errlen)
{
    char text[320];
    bool bare_v6 = strchr(options->host, ':') != NULL &&
                   options->host[0] != '[';

    if (strlen(options->host) > 255) {
        snprintf(err, errlen, "--host: the host name is too long");
        return -1;
    }
    snprintf(text, sizeof(text), bare_v6 ? "[%s]:%ld" : "%s:%ld",
             options->host, options->port);
    if (net_resolve_all(text, NULL, targets, err, errlen) == 0)
        return 0;
    parse_escape(err, err, errlen);
    return -1;
}
