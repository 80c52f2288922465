/*
 * simclient_options: simulate_client's option table, and the checks it
 * cannot express (the payload must hold its tag). See simclient_options.h.
 */
#include "simclient_options.h"

#include <limits.h>
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
              "status: 0 when every\nrequest got its correct reply, 1 when "
              "anything failed or a signal\nstopped work in progress, 2 on "
              "bad usage.\n",
    OPTIONS_ROWS(specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = 0,
};

void simclient_options_defaults(struct simclient_options *options)
{
    memset(options, 0, sizeof(*options));
    options_defaults(&simclient_options_table, options, NULL);
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
