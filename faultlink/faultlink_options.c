/*
 * faultlink_options: fault_link's option table, and turning the fault
 * options into the table of faults. See faultlink_options.h.
 */
#include "faultlink_options.h"

#include <limits.h>
#include <string.h>

#include "faultlink_control.h"
#include "parse.h"

#define AT(member) OPTIONS_FIELD(struct faultlink_options, member)

static const struct options_spec specs[] = {
    { "listen", 'l', OPTIONS_TEXT, .arg = "[HOST:]PORT", .section = "Link:",
      .help = "address to listen on (HOST default 127.0.0.1; PORT 0: a free "
              "port, logged in ev=listen); required", AT(listen_text) },
    { "to", 't', OPTIONS_TEXT, .arg = "HOST:PORT",
      .help = "address every connection is relayed to; required",
      AT(to_text) },
    { "seed", 0, OPTIONS_COUNT, 0, LONG_MAX, .help = "seed of the toxicity "
      "draws and the jitter (default: taken from the clock and logged in "
      "ev=listen)", AT(seed) },
    { "latency", 0, OPTIONS_DURATION, 0, FAULTLINK_DELAY_MAX_MS,
      .section = "\nFaults at start, both directions (all off by default; "
                 "the same as \"add\" commands):",
      .help = "add latency latency=D", AT(latency_ms) },
    { "jitter", 0, OPTIONS_DURATION, 0, FAULTLINK_DELAY_MAX_MS,
      .help = "with --latency: jitter=D", AT(jitter_ms) },
    { "bandwidth", 0, OPTIONS_SIZE, 1, FAULTLINK_SIZE_MAX, .arg = "BYTES",
      .help = "add bandwidth rate=BYTES (per second)", AT(rate) },
    { "slicer", 0, OPTIONS_SIZE, 1, FAULTLINK_SIZE_MAX, .arg = "BYTES",
      .help = "add slicer size=BYTES", AT(slice_size) },
    { "slow-close", 0, OPTIONS_DURATION, 0, FAULTLINK_DELAY_MAX_MS,
      .help = "add slow-close delay=D", AT(slow_close_ms) },
    { "timeout", 0, OPTIONS_DURATION, 0, FAULTLINK_DELAY_MAX_MS,
      .help = "add timeout after=D", AT(timeout_ms) },
    { "reset-after", 0, OPTIONS_DURATION, 0, FAULTLINK_DELAY_MAX_MS,
      .help = "add reset after=D", AT(reset_after_ms) },
    { "limit-data", 0, OPTIONS_SIZE, 0, FAULTLINK_SIZE_MAX, .arg = "BYTES",
      .help = "add limit-data bytes=BYTES", AT(limit_data) },
    { "blackhole", 0, OPTIONS_FLAG, .help = "add blackhole", AT(blackhole) },
    { "refuse", 0, OPTIONS_FLAG, .help = "add refuse", AT(refuse) },
    { "syn-drop", 0, OPTIONS_FLAG, .help = "add syn-drop", AT(syn_drop) },
    { "fault", 'f', OPTIONS_CUSTOM, .arg = "'KIND KEY=VALUE...'",
      .flags = OPTIONS_REPEATS,
      .help = "add any fault, in the words of the add command, e.g.\n"
              "'latency latency=50ms direction=down toxicity=0.5' (up to 16 "
              "times)" },
    { "log-level", 0, OPTIONS_WORD, .words = "error|warn|info|debug",
      .arg = "LEVEL", .section = "",
      .help = "error, warn, info or debug; the log goes to stderr",
      .initial = "info", AT(log_level) },
    OPTIONS_HELP_ROWS,
};

const struct options_table faultlink_options_table = {
    .program = "fault_link",
    .usage = "--listen [HOST:]PORT --to HOST:PORT [OPTION]...",
    .about = "Relays every connection it accepts to --to and injects faults "
             "on the way:\nlatency, bandwidth, slicing, slow close, "
             "timeouts, resets, data limits,\nblackholes, refused and "
             "dropped connections. Faults are added and removed\nwhile it "
             "runs with commands on stdin, one reply line each on stdout:\n\n"
             "  add KIND [KEY=VALUE...] [direction=up|down|both] "
             "[toxicity=P]\n  remove KIND [direction=up|down|both]   remove "
             "all   list   help\n\n\"up\" is client to target, \"down\" target "
             "to client; toxicity is the chance\n(0 to 1, default 1) that a "
             "connection gets the fault, drawn from --seed.",
    .footer = "Durations: 100, 100ms, 1.5s, 2m; sizes: 512, 4k, 1M. An "
              "option that takes a\nvalue may be given once (--fault: up to "
              "16 times). End of file on stdin\nleaves the link running.\n"
              "Exit status: 0 after SIGINT or SIGTERM, 1 if it cannot listen "
              "or its event\nloop fails, 2 on a bad command line.\n",
    OPTIONS_ROWS(specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = 0,
};

/* --fault: keeps the text; it is read once every option is in. */
static int keep_fault(void *store, const struct options_spec *spec,
                      const char *text, char *err, size_t errlen)
{
    struct faultlink_options *opts = store;

    (void)spec;
    if (opts->fault_count == FAULTLINK_OPTIONS_FAULTS_MAX) {
        snprintf(err, errlen, "given more than %d times",
                 FAULTLINK_OPTIONS_FAULTS_MAX);
        return -1;
    }
    opts->fault_text[opts->fault_count++] = text;
    return 0;
}

/* Adds one fault from its words ("add" and the rest). Returns 0, or -1
 * with err prefixed by where it came from. */
static int add_words(struct faultlink_options *opts, const char *where,
                     const char *words, char *err, size_t errlen)
{
    char line[FAULTLINK_CONTROL_LINE_MAX + 1];
    char reply[2 * FAULTLINK_CONTROL_LINE_MAX];

    if (snprintf(line, sizeof(line), "add %s", words) >= (int)sizeof(line)) {
        snprintf(err, errlen, "%s: longer than %d bytes", where,
                 FAULTLINK_CONTROL_LINE_MAX - 4);
        return -1;
    }
    if (faultlink_control_run(&opts->faults, line, reply, sizeof(reply)) == 1)
        return 0;
    /* reply is "error: why", or empty for no words at all. */
    snprintf(err, errlen, "%s '%.64s': %s", where, words,
             reply[0] != '\0' ? reply + 7 : "a kind is missing");
    return -1;
}

/* The short fault options as add commands. Returns 0 or -1 with err. */
static int add_fault_options(struct faultlink_options *opts, char *err,
                             size_t errlen)
{
    const char *where[11];
    char words[11][96];
    int count = 0;

    if (opts->jitter_ms != FAULTLINK_OPTIONS_OFF &&
        opts->latency_ms == FAULTLINK_OPTIONS_OFF) {
        snprintf(err, errlen, "--jitter needs --latency");
        return -1;
    }
#define SHORT(cond, name, ...) \
    if (cond) { \
        where[count] = name; \
        snprintf(words[count++], sizeof(words[0]), __VA_ARGS__); \
    }
    SHORT(opts->latency_ms != FAULTLINK_OPTIONS_OFF, "--latency",
          "latency latency=%ld jitter=%ld", opts->latency_ms,
          opts->jitter_ms < 0 ? 0 : opts->jitter_ms)
    SHORT(opts->rate != FAULTLINK_OPTIONS_OFF, "--bandwidth",
          "bandwidth rate=%ld", opts->rate)
    SHORT(opts->slice_size != FAULTLINK_OPTIONS_OFF, "--slicer",
          "slicer size=%ld", opts->slice_size)
    SHORT(opts->slow_close_ms != FAULTLINK_OPTIONS_OFF, "--slow-close",
          "slow-close delay=%ld", opts->slow_close_ms)
    SHORT(opts->timeout_ms != FAULTLINK_OPTIONS_OFF, "--timeout",
          "timeout after=%ld", opts->timeout_ms)
    SHORT(opts->reset_after_ms != FAULTLINK_OPTIONS_OFF, "--reset-after",
          "reset after=%ld", opts->reset_after_ms)
    SHORT(opts->limit_data != FAULTLINK_OPTIONS_OFF, "--limit-data",
          "limit-data bytes=%ld", opts->limit_data)
    SHORT(opts->blackhole, "--blackhole", "blackhole")
    SHORT(opts->refuse, "--refuse", "refuse")
    SHORT(opts->syn_drop, "--syn-drop", "syn-drop")
#undef SHORT
    for (int i = 0; i < count; i++)
        if (add_words(opts, where[i], words[i], err, errlen) == -1)
            return -1;
    for (int i = 0; i < opts->fault_count; i++)
        if (add_words(opts, "--fault", opts->fault_text[i], err, errlen) == -1)
            return -1;
    return 0;
}

/* Resolves --listen and --to. Returns 0 or -1 with err. */
static int resolve(struct faultlink_options *opts, char *err, size_t errlen)
{
    char why[256];

    if (opts->listen_text == NULL || opts->to_text == NULL) {
        snprintf(err, errlen, "--%s is required",
                 opts->listen_text == NULL ? "listen" : "to");
        return -1;
    }
    if (net_parse_hostport(opts->listen_text, "127.0.0.1", &opts->listen,
                           why, sizeof(why)) == -1) {
        snprintf(err, errlen, "--listen '%.64s': %s", opts->listen_text, why);
        return -1;
    }
    if (strchr(opts->to_text, ':') == NULL ||
        net_parse_hostport(opts->to_text, NULL, &opts->to, why,
                           sizeof(why)) == -1 ||
        net_addr_port(&opts->to) == 0) {
        snprintf(err, errlen, "--to '%.64s': must be HOST:PORT with a port "
                 "from 1 to 65535", opts->to_text);
        return -1;
    }
    return 0;
}

int faultlink_options_parse(struct faultlink_options *opts, int argc,
                            char **argv, FILE *out, char *err, size_t errlen)
{
    int first;

    memset(opts, 0, sizeof(*opts));
    options_defaults(&faultlink_options_table, opts, keep_fault);
    opts->seed = FAULTLINK_OPTIONS_OFF;
    opts->latency_ms = opts->jitter_ms = opts->rate = FAULTLINK_OPTIONS_OFF;
    opts->slice_size = opts->slow_close_ms = FAULTLINK_OPTIONS_OFF;
    opts->timeout_ms = opts->reset_after_ms = FAULTLINK_OPTIONS_OFF;
    opts->limit_data = FAULTLINK_OPTIONS_OFF;
    faultlink_faults_init(&opts->faults);
    err[0] = '\0';
    first = options_parse(&faultlink_options_table, opts, keep_fault, argc,
                          argv, out, err, errlen);
    if (first < 0)
        return first;
    if (first < argc) {
        snprintf(err, errlen, "unexpected argument '%.64s'", argv[first]);
    } else if (resolve(opts, err, errlen) == 0 &&
               add_fault_options(opts, err, errlen) == 0) {
        return 0;
    }
    parse_escape(err, err, errlen);
    return -1;
}
