/*
 * dummy_options: dummy_server's option table and what it cannot say (the
 * name's characters, the PORT operand, faults that exclude each other).
 * See dummy_options.h.
 */
#include "dummy_options.h"

#include <limits.h>
#include <string.h>

#include "parse.h"

#define AT(member) OPTIONS_FIELD(struct dummy_options, member)

static const struct options_spec specs[] = {
    { "host", 0, OPTIONS_TEXT, .arg = "ADDR", .help = "address to listen on",
      .initial = DUMMY_OPTIONS_DEFAULT_HOST, AT(host) },
    { "name", 0, OPTIONS_CUSTOM, .arg = "NAME",
      .help = "first word of every reply, 1 to 64 visible characters "
              "(default dummy-PORT, the bound port)" },
    { "mode", 0, OPTIONS_WORD, .words = "line|echo", .help = "protocol",
      .initial = "line", AT(mode) },
    { "latency", 0, OPTIONS_DURATION, 0, DUMMY_OPTIONS_DELAY_MAX_MS,
      .help = "delay before each reply: 20, 20ms, 1.5s (at most 1 hour)",
      .initial = "0", AT(latency_ms) },
    { "jitter", 0, OPTIONS_DURATION, 0, DUMMY_OPTIONS_DELAY_MAX_MS,
      .help = "add a uniform random -MS..+MS to each delay, never going "
              "below 0", .initial = "0", AT(jitter_ms) },
    { "seed", 0, OPTIONS_COUNT, 0, LONG_MAX, .help = "seed of the jitter "
      "generator (default: taken from the clock and logged in ev=listen)",
      AT(seed) },
    { "rate", 0, OPTIONS_SIZE, 1, DUMMY_OPTIONS_RATE_MAX,
      .help = "write at most BYTES per second per connection, e.g. 512, 4k, "
              "1M (default no limit)", AT(rate) },
    { "crash-after-conns", 0, OPTIONS_COUNT, 0, LONG_MAX,
      .section = "\nFaults (all off by default):",
      .help = "serve N connections, die with SIGKILL when connection N+1 "
              "arrives", AT(crash_after_conns) },
    { "crash-after-lines", 0, OPTIONS_COUNT, 0, LONG_MAX,
      .help = "answer N lines in all, die with SIGKILL when the next line "
              "arrives (line mode)", AT(crash_after_lines) },
    { "close-after-lines", 0, OPTIONS_COUNT, 0, LONG_MAX,
      .help = "close each connection (FIN) once it has N answers (line mode)",
      AT(close_after_lines) },
    { "reset-after-lines", 0, OPTIONS_COUNT, 0, LONG_MAX,
      .help = "reset each connection (RST) once it has N answers (line mode)",
      AT(reset_after_lines) },
    { "hang", 0, OPTIONS_FLAG, .help = "accept and read, never answer",
      AT(hang) },
    { "refuse", 0, OPTIONS_FLAG, .help = "accept and close at once",
      AT(refuse) },
    { "control", 0, OPTIONS_FLAG, .section = "", .flags = OPTIONS_CLI_ONLY,
      .help = "read commands on stdin, one a line, and answer each on "
              "stdout: 'set KEY=VALUE...' changes latency, jitter, rate, "
              "hang, refuse, close-after-lines or reset-after-lines while "
              "running (docs/dummy_server.md); 'help' lists them",
      AT(control) },
    { "log-level", 0, OPTIONS_WORD, .words = "error|warn|info|debug",
      .arg = "LEVEL",
      .help = "error, warn, info or debug; the log goes to stderr",
      .initial = "info", AT(log_level) },
    OPTIONS_HELP_ROWS,
};

const struct options_table dummy_options_table = {
    .program = "dummy_server",
    .usage = "[OPTION]... [PORT]",
    .about = "A test backend for the proxy lab. In line mode it answers each "
             "line it\nreceives with \"NAME PAYLOAD\\n\"; in echo mode it "
             "sends the bytes back.\n\n"
             "  PORT                        TCP port to listen on, 0 = any "
             "free port\n                              (default 9090)",
    .footer = "Numbers are decimal digits; an option that takes a value may "
              "be given once.\nExit status: 0 after SIGINT or SIGTERM, 1 if "
              "it cannot listen or its\nevent loop fails, 2 on a bad command "
              "line; a --crash-after-* fault\nkills it with SIGKILL (status "
              "137 in a shell).\n",
    OPTIONS_ROWS(specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = 1,
};

void dummy_options_init(struct dummy_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    options_defaults(&dummy_options_table, opts, NULL);
    opts->port = DUMMY_OPTIONS_DEFAULT_PORT;
    opts->seed = DUMMY_OPTIONS_OFF;
    opts->crash_after_conns = DUMMY_OPTIONS_OFF;
    opts->crash_after_lines = DUMMY_OPTIONS_OFF;
    opts->close_after_lines = DUMMY_OPTIONS_OFF;
    opts->reset_after_lines = DUMMY_OPTIONS_OFF;
}

const char *dummy_options_mode_name(enum dummy_mode mode)
{
    return mode == DUMMY_MODE_ECHO ? "echo" : "line";
}

/* The custom row, --name: checks and copies it. Returns 0, or -1 with err
 * set. */
static int apply_name(void *store, const struct options_spec *spec,
                      const char *text, char *err, size_t errlen)
{
    struct dummy_options *opts = store;
    size_t len = strlen(text);
    bool printable = len > 0 && len <= DUMMY_OPTIONS_NAME_MAX;

    /* The name starts every reply, so it must be one word of visible ASCII. */
    for (size_t i = 0; i < len && printable; i++)
        printable = text[i] > ' ' && text[i] < 0x7f;
    if (!printable) {
        snprintf(err, errlen, "'%.64s': use 1 to %d visible characters, "
                 "no spaces", text, DUMMY_OPTIONS_NAME_MAX);
        return -1;
    }
    (void)spec;
    memcpy(opts->name, text, len + 1);
    return 0;
}

/* Reads the optional PORT operand. Returns 0, or -1 with err set. */
static int parse_operands(struct dummy_options *opts, int count, char **args,
                          char *err, size_t errlen)
{
    if (count == 1 && parse_long(args[0], 0, 65535, &opts->port) == -1) {
        snprintf(err, errlen, "port '%.64s': must be a whole number from 0 to 65535",
                 args[0]);
        return -1;
    }
    return 0;
}

int dummy_options_check(const struct dummy_options *opts, const char *prefix,
                        char *err, size_t errlen)
{
    if (opts->hang && opts->refuse) {
        snprintf(err, errlen, "%shang and %srefuse cannot be used together",
                 prefix, prefix);
        return -1;
    }
    if (opts->close_after_lines != DUMMY_OPTIONS_OFF &&
        opts->reset_after_lines != DUMMY_OPTIONS_OFF) {
        snprintf(err, errlen, "%sclose-after-lines and %sreset-after-lines "
                 "cannot be used together", prefix, prefix);
        return -1;
    }
    if (opts->mode == DUMMY_MODE_ECHO &&
        (opts->crash_after_lines != DUMMY_OPTIONS_OFF ||
         opts->close_after_lines != DUMMY_OPTIONS_OFF ||
         opts->reset_after_lines != DUMMY_OPTIONS_OFF)) {
        snprintf(err, errlen, "the *-after-lines faults count lines: "
                 "they need %smode line", prefix);
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

int dummy_options_parse(struct dummy_options *opts, int argc, char **argv,
                        FILE *out, char *err, size_t errlen)
{
    int first = options_parse(&dummy_options_table, opts, apply_name, argc,
                              argv, out, err, errlen);

    if (first < 0)
        return first;
    if (parse_operands(opts, argc - first, argv + first, err, errlen) == -1 ||
        dummy_options_check(opts, "--", err, errlen) == -1 ||
        resolve_listen(opts, err, errlen) == -1) {
        parse_escape(err, err, errlen);
        return -1;
    }
    return 0;
}
