/*
 * simclient_options: simulate_client's option table, and the checks it
 * cannot express (the payload must hold its tag). See simclient_options.h.
 */
#include "simclient_options.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "simclient_payload.h"

#define AT(member) OPTIONS_FIELD(struct simclient_options, member)

static const struct options_spec specs[] = {
    { "host", 0, OPTIONS_TEXT, .arg = "HOST", .section = "Target:",
      .help = "server address or name; every address a name resolves to "
              "is tried in turn", .initial = "127.0.0.1", AT(host) },
    { "port", 0, OPTIONS_COUNT, 1, 65535, .arg = "PORT",
      .help = "server port, 1-65535", .initial = "8080", AT(port) },
    { "clients", 'c', OPTIONS_COUNT, 1, SIMCLIENT_CLIENTS_MAX,
      .section = "Load:", .help = "concurrent connections, 1-100000",
      .initial = "10", AT(clients) },
    { "requests", 'n', OPTIONS_COUNT, 1, SIMCLIENT_REQUESTS_MAX,
      .help = "requests per connection, 1-1000000", .initial = "5",
      AT(requests) },
    { "size", 's', OPTIONS_SIZE, 1, SIMCLIENT_SIZE_MAX,
      .help = "payload bytes per request, e.g. 64, 4k, 1M; at most 16M, at "
              "least the tag length", .initial = "32", AT(size) },
    { "hold", 0, OPTIONS_DURATION, 0, SIMCLIENT_TIME_MAX_MS,
      .help = "keep each connection open MS after its last reply, or until "
              "the server closes", .initial = "0", AT(hold_ms) },
    { "ramp", 0, OPTIONS_DURATION, 0, SIMCLIENT_TIME_MAX_MS,
      .help = "spread the connection starts evenly over MS (0: all at once)",
      .initial = "0", AT(ramp_ms) },
    { "duration", 0, OPTIONS_SECONDS, 0, SIMCLIENT_DURATION_MAX_MS,
      .help = "instead of one pass, every client reconnects and repeats "
              "until S seconds passed; units allowed: 1500ms, 2s, 1m (0: one "
              "pass); after a failure a client waits 10 ms, doubling up to "
              "1 s while failures go on", .initial = "0", AT(duration_ms) },
    { "timeout", 0, OPTIONS_DURATION, 1, SIMCLIENT_TIME_MAX_MS,
      .help = "a request without its complete reply after MS fails as "
              "'timeout', a connect as 'connect'", .initial = "10000",
      AT(timeout_ms) },
    { "seed", 0, OPTIONS_COUNT, 0, LONG_MAX,
      .help = "seed of the payload filler", .initial = "1", AT(seed) },
    { "half-close", 0, OPTIONS_FLAG,
      .help = "write all of a connection's requests back to back, then "
              "shutdown(SHUT_WR); replies are read all along, the last ones "
              "after the FIN (default off: next request after each reply)",
      AT(half_close) },
    { "read-rate", 0, OPTIONS_SIZE, 1, 1073741824L, .arg = "BYTES",
      .help = "read at most BYTES per second per connection, e.g. 64k: a "
              "slow reader, so the server meets back-pressure (default: no "
              "limit)", AT(read_rate) },
    { "write-rate", 0, OPTIONS_SIZE, 1, 1073741824L, .arg = "BYTES",
      .help = "write at most BYTES per second per connection, a "
              "millisecond's worth at a time, so the server reads small "
              "pieces (default: no limit)", AT(write_rate) },
    { "expect", 0, OPTIONS_WORD, .words = "line|echo", .arg = "FORM",
      .help = "what a correct reply is: 'line' (NAME, a space, the request "
              "line) or 'echo' (the request line itself, as from "
              "dummy_server --mode echo; counted under the backend '"
              LINE_ECHO_NAME "')", .initial = "line", AT(expect) },
    { "no-read", 0, OPTIONS_FLAG, .section = "Behaviours (at most one; "
      "a connection that ends as its behaviour says is ok):",
      .help = "write every request back to back and never read a reply; "
              "the connection ends when the server closes it or --timeout "
              "after its last request began", AT(no_read) },
    { "abort", 0, OPTIONS_WORD, .words = "up|down", .arg = "up|down",
      .help = "reset the connection (RST: SO_LINGER 0, then close) half "
              "way through its last request (up: after half its bytes are "
              "written) or its last reply (down: once half a request "
              "line's length of it came); the replies before are checked",
      AT(abort_at) },
    { "trickle", 0, OPTIONS_DURATION, 1, SIMCLIENT_TIME_MAX_MS, .arg = "D",
      .help = "write each request one byte every D (slowloris); replies "
              "are checked; --timeout and the latency count from a "
              "request's first byte", AT(trickle_ms) },
    { "idle", 0, OPTIONS_DURATION, 1, SIMCLIENT_TIME_MAX_MS, .arg = "D",
      .help = "connect, send nothing for D, then close; the server "
              "closing first is a failure ('closed')", AT(idle_ms) },
    { "connect-only", 0, OPTIONS_FLAG,
      .help = "connect and close at once, sending nothing",
      AT(connect_only) },
    { "json", 0, OPTIONS_TEXT, .arg = "FILE", .section = "Output:",
      .help = "also write a JSON summary to FILE ('-' for stdout) (default "
              "none)", AT(json_path) },
    { "log-level", 0, OPTIONS_WORD, .words = "error|warn|info|debug",
      .arg = "LEVEL", .help = "error, warn, info or debug on stderr; info "
      "logs one line per connection, warn the first failure of each kind in "
      "a second and then how many more there were", .initial = "warn",
      AT(log_level) },
    { "quiet", 'q', OPTIONS_FLAG, .help = "do not print the summary on stdout",
      AT(quiet) },
    OPTIONS_HELP_ROWS,
};

const struct options_table simclient_options_table = {
    .program = "simulate_client",
    .usage = "[OPTION]...",
    .about = "Opens connections to a line-echo server (dummy_server, or the "
             "proxy in\nfront of it), sends request lines, checks every reply "
             "byte for byte and\nreports errors by kind, connections per "
             "backend and latency percentiles.",
    .footer = "MS options take 250, 250ms, 2s or 1m. Numbers are decimal "
              "digits; an\noption that takes a value may be given once. Exit "
              "status: 0 when every\nrequest got its correct reply (or was "
              "left unanswered by the behaviour),\n1 when anything failed or "
              "a signal stopped work in progress, 2 on bad\nusage.\n",
    OPTIONS_ROWS(specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = 0,
};

void simclient_options_defaults(struct simclient_options *options)
{
    memset(options, 0, sizeof(*options));
    options_defaults(&simclient_options_table, options, NULL);
    options->abort_at = SIMCLIENT_ABORT_NONE;
}

static const char *const behaviour_names[] = {
    "-", "no-read", "abort", "trickle", "idle", "connect-only"
};

const char *simclient_options_behaviour_name(enum simclient_behaviour behaviour)
{
    if ((unsigned)behaviour >= sizeof(behaviour_names) /
                               sizeof(behaviour_names[0]))
        return "?";
    return behaviour_names[behaviour];
}

const char *simclient_options_behaviour(const struct simclient_options *options,
                                        char *buf, size_t size)
{
    const char *name = simclient_options_behaviour_name(options->behaviour);
    char value[32] = "";

    if (options->behaviour == SIMCLIENT_BEHAVIOUR_NONE)
        return NULL;
    if (options->behaviour == SIMCLIENT_BEHAVIOUR_ABORT)
        snprintf(value, sizeof(value), " %s",
                 options->abort_at == SIMCLIENT_ABORT_UP ? "up" : "down");
    else if (options->behaviour == SIMCLIENT_BEHAVIOUR_TRICKLE ||
             options->behaviour == SIMCLIENT_BEHAVIOUR_IDLE) {
        value[0] = ' ';
        parse_format_ms(options->behaviour == SIMCLIENT_BEHAVIOUR_IDLE
                            ? options->idle_ms : options->trickle_ms,
                        value + 1, sizeof(value) - 1);
    }
    snprintf(buf, size, "%s%s", name, value);
    return buf;
}

/* The one behaviour given, into options->behaviour. Returns 0, or -1 with
 * err when two were given. */
static int pick_behaviour(struct simclient_options *options, char *err,
                          size_t errlen)
{
    const bool given[] = {
        false, options->no_read, options->abort_at != SIMCLIENT_ABORT_NONE,
        options->trickle_ms > 0, options->idle_ms > 0, options->connect_only
    };
    int first = 0;

    for (int i = 1; i < (int)(sizeof(given) / sizeof(given[0])); i++) {
        if (!given[i])
            continue;
        if (first != 0) {
            snprintf(err, errlen, "--%s and --%s cannot be used together: "
                     "one behaviour per run", behaviour_names[first],
                     behaviour_names[i]);
            return -1;
        }
        first = i;
    }
    options->behaviour = (enum simclient_behaviour)first;
    return 0;
}

/* A behaviour with an option it makes meaningless. */
struct conflict {
    enum simclient_behaviour behaviour;
    size_t offset;              /* of the other option's field */
    const char *other;
    const char *why;
};

#define FIELD(member) offsetof(struct simclient_options, member)

static const struct conflict conflicts[] = {
    { SIMCLIENT_BEHAVIOUR_NO_READ, FIELD(half_close), "half-close",
      "--half-close reads the replies after its FIN" },
    { SIMCLIENT_BEHAVIOUR_NO_READ, FIELD(read_rate), "read-rate",
      "nothing is read" },
    { SIMCLIENT_BEHAVIOUR_NO_READ, FIELD(hold_ms), "hold",
      "no reply comes to hold after" },
    { SIMCLIENT_BEHAVIOUR_ABORT, FIELD(hold_ms), "hold",
      "the last reply never completes" },
    { SIMCLIENT_BEHAVIOUR_TRICKLE, FIELD(write_rate), "write-rate",
      "--trickle sets the write pace itself" },
    { SIMCLIENT_BEHAVIOUR_IDLE, FIELD(half_close), "half-close",
      "nothing is sent" },
    { SIMCLIENT_BEHAVIOUR_IDLE, FIELD(hold_ms), "hold", "no reply comes" },
    { SIMCLIENT_BEHAVIOUR_IDLE, FIELD(read_rate), "read-rate",
      "nothing is read" },
    { SIMCLIENT_BEHAVIOUR_IDLE, FIELD(write_rate), "write-rate",
      "nothing is sent" },
    { SIMCLIENT_BEHAVIOUR_CONNECT_ONLY, FIELD(half_close), "half-close",
      "nothing is sent" },
    { SIMCLIENT_BEHAVIOUR_CONNECT_ONLY, FIELD(hold_ms), "hold",
      "no reply comes" },
    { SIMCLIENT_BEHAVIOUR_CONNECT_ONLY, FIELD(read_rate), "read-rate",
      "nothing is read" },
    { SIMCLIENT_BEHAVIOUR_CONNECT_ONLY, FIELD(write_rate), "write-rate",
      "nothing is sent" },
};

/* Whether the option whose field is at offset was given (not 0/false). */
static bool given_at(const struct simclient_options *options, size_t offset)
{
    const char *field = (const char *)options + offset;
    long value;

    if (offset == FIELD(half_close))
        return options->half_close;
    memcpy(&value, field, sizeof(value));
    return value != 0;
}

/* Refuses a behaviour with an option it makes meaningless. */
static int check_behaviour(struct simclient_options *options, char *err,
                           size_t errlen)
{
    if (pick_behaviour(options, err, errlen) == -1)
        return -1;
    for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
        const struct conflict *c = &conflicts[i];

        if (c->behaviour == options->behaviour &&
            given_at(options, c->offset)) {
            snprintf(err, errlen, "--%s and --%s cannot be used together: "
                     "%s", simclient_options_behaviour_name(c->behaviour),
                     c->other, c->why);
            return -1;
        }
    }
    return 0;
}

/* Checks that the options make sense together. */
static int validate(struct simclient_options *options, char *err,
                    size_t errlen)
{
    long min_size = simclient_options_min_size(options);

    if (check_behaviour(options, err, errlen) == -1)
        return -1;
    if (options->size < min_size) {
        snprintf(err, errlen,
                 "--size: %ld bytes is too small; each payload needs at least "
                 "%ld bytes for its tag (c<conn>r<request>:)",
                 options->size, min_size);
        return -1;
    }
    return 0;
}

int simclient_options_parse(int argc, char **argv,
                            struct simclient_options *options, FILE *out,
                            char *err, size_t errlen)
{
    int rc;

    simclient_options_defaults(options);
    rc = options_parse(&simclient_options_table, options, NULL, argc, argv,
                       out, err, errlen);
    if (rc < 0)
        return rc;
    return validate(options, err, errlen);
}

long simclient_options_min_size(const struct simclient_options *options)
{
    /* With --duration connection ids keep growing: allow for 32 bits. */
    uint64_t max_conn = options->duration_ms > 0 ? UINT32_MAX
                                                  : (uint64_t)options->clients;

    return (long)simclient_payload_tag_len(max_conn,
                                           (uint64_t)options->requests);
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
