/*
 * config_options: the rows of the proxy's options. See config_options.h.
 *
 * Offsets point into struct config (config.h) and, for the backend
 * settings, struct balancer_backend_spec; the custom rows (listen, backend,
 * stats, config) are read by config.c's config_apply.
 */
#include "config_options.h"

#include "config.h"

#define AT(member) OPTIONS_FIELD(struct config, member)

static const struct options_spec specs[] = {
    { "listen", 'l', OPTIONS_CUSTOM, .arg = "[HOST:]PORT",
      .help = "listen address; port 0: any free port",
      .initial = "127.0.0.1:8080" },
    { "backend", 'b', OPTIONS_CUSTOM, .flags = OPTIONS_REPEATS,
      .arg = "[NAME=][HOST:]PORT[,weight=W][,maxconn=M][,slowstart=MS]",
      .help = "a backend; repeat for more (default b1=127.0.0.1:9090 "
              "b2=127.0.0.1:9091)" },
    { "threads", 't', OPTIONS_COUNT, 1, 256, .help = "worker threads, 1..256 "
      "(default: online CPUs)", AT(threads) },
    { "cpu-affinity", 0, OPTIONS_WORD, .words = "none|auto", .arg = "MODE",
      .help = "auto: pin worker N to the Nth CPU the process may use; none: "
              "let the kernel place them", .initial = "none",
      AT(cpu_affinity) },
    { "balance", 0, OPTIONS_WORD, .words = "leastconn|roundrobin|random|p2c",
      .arg = "POLICY", .help = "leastconn, roundrobin, random or p2c",
      .initial = "leastconn", AT(balance) },
    { "connect-timeout", 0, OPTIONS_DURATION, 1, 600000,
      .help = "backend connect timeout", .initial = "3s",
      AT(connect_timeout_ms) },
    { "idle-timeout", 0, OPTIONS_DURATION, 0, 86400000,
      .help = "close a session idle this long, 0: never", .initial = "60s",
      AT(idle_timeout_ms) },
    { "health-interval", 0, OPTIONS_DURATION, 0, 3600000,
      .help = "active TCP check every MS, 0: off", .initial = "1s",
      AT(health_interval_ms) },
    { "rise", 0, OPTIONS_COUNT, 1, 100,
      .help = "good checks to mark a backend up", .initial = "2", AT(rise) },
    { "fall", 0, OPTIONS_COUNT, 1, 100,
      .help = "failed checks to mark a backend down", .initial = "2",
      AT(fall) },
    { "maxconn", 0, OPTIONS_COUNT, 0, 10000000,
      .help = "sessions at once; more wait in the listen queue, 0: as many "
              "as ulimit -n holds", .initial = "0", AT(maxconn) },
    { "grace", 0, OPTIONS_DURATION, 0, 600000,
      .help = "on SIGINT/SIGTERM, let sessions drain this long",
      .initial = "1s", AT(grace_ms) },
    { "stats", 0, OPTIONS_CUSTOM, .arg = "[HOST:]PORT",
      .help = "serve the backend table here, plain or over HTTP (GET /, GET "
              "/metrics for Prometheus) (default off)" },
    { "log-level", 0, OPTIONS_WORD, .words = "error|warn|info|debug",
      .arg = "LEVEL", .help = "error, warn, info or debug", .initial = "info",
      AT(log_level) },
    { "log-buffer", 0, OPTIONS_SIZE, 64L << 10, 1L << 30, .arg = "SIZE",
      .help = "bytes of log lines held for a reader that does not keep "
              "up; more are dropped and counted", .initial = "1M",
      AT(log_buffer) },
    { "log-flush", 0, OPTIONS_DURATION, 0, 10000,
      .help = "hold info and debug lines up to MS and write them out "
              "together; warn and error lines go at once; 0: no holding",
      .initial = "10ms", AT(log_flush_ms) },
    { "slowstart", 0, OPTIONS_DURATION, 0, 3600000,
      .help = "ramp a backend's weight up over MS when it comes back (up "
              "again, enabled, added, restored), 0: off", .initial = "0",
      AT(tuning.slowstart_ms) },
    { "eject-after", 0, OPTIONS_COUNT, 0, 1000, .arg = "N",
      .help = "eject a backend for a while after N failures in a row "
              "(connect failed, reset, closed before its first byte), 0: "
              "off", .initial = "0", AT(tuning.eject_after) },
    { "eject-time", 0, OPTIONS_DURATION, 1, 86400000,
      .help = "the k-th ejection in a row lasts k times this",
      .initial = "10s", AT(tuning.eject_time_ms) },
    { "eject-max-time", 0, OPTIONS_DURATION, 1, 86400000,
      .help = "the longest an ejection lasts", .initial = "5m",
      AT(tuning.eject_max_time_ms) },
    { "eject-max-percent", 0, OPTIONS_COUNT, 0, 100, .arg = "P",
      .help = "at most P% of the backends ejected at once (one always may "
              "be)", .initial = "50", AT(tuning.eject_max_percent) },
    { "queue", 0, OPTIONS_COUNT, 0, 1000000, .arg = "N",
      .help = "sessions that may wait for a slot when every eligible "
              "backend is at its maxconn, 0: none", .initial = "0",
      AT(tuning.queue_max) },
    { "queue-timeout", 0, OPTIONS_DURATION, 1, 3600000,
      .help = "how long a session may wait in the queue", .initial = "5s",
      AT(tuning.queue_timeout_ms) },
    { "seed", 0, OPTIONS_COUNT, 0, 2147483647L,
      .help = "seed for --balance random and p2c", .initial = "1", AT(seed) },
    /* Operating the running proxy (admin.h, reload.h). */
    { "control", 0, OPTIONS_CUSTOM, .arg = "PATH",
      .help = "serve the control protocol (docs/control.md) on a UNIX "
              "socket at PATH, mode 0600 (default off)" },
    { "config", 'c', OPTIONS_CUSTOM, .arg = "FILE",
      .flags = OPTIONS_FIRST | OPTIONS_CLI_ONLY | OPTIONS_OWN_WORDS,
      .help = "read settings from FILE (command line wins); SIGHUP and the "
              "control command reload read it again" },
    OPTIONS_HELP_ROWS,
};

const struct options_table config_options = {
    .program = "proxy_server",
    .usage = "[OPTION]...",
    .about = "A multi-threaded TCP proxy that sends each new client to the "
             "backend\nwith the fewest active connections.",
    .footer = "Every long option but config, help and version can also be a "
              "line\n\"name value\" in the config file, once per file "
              "(backend: a line per backend).\nOn the command line the last "
              "of a repeated option wins. Numbers are decimal\ndigits; an MS "
              "may have a unit and a fraction: 500, 500ms, 1.5s, 2m.\n"
              "Exit status: 0 after a clean stop, 1 when the proxy cannot "
              "start or fails\nwhile running, 2 on bad usage or a bad config "
              "file.\nThe log format is documented in docs/log-format.md.\n",
    OPTIONS_ROWS(specs),
    .repeat = OPTIONS_LAST_WINS,
    .operands_max = 0,
};

static const struct options_spec backend_specs[] = {
    { "weight", 0, OPTIONS_COUNT, 1, 256, .help = "share of new sessions",
      .initial = "1", OPTIONS_FIELD(struct balancer_backend_spec, weight) },
    { "maxconn", 0, OPTIONS_COUNT, 0, 10000000,
      .help = "sessions at once, 0: no limit", .initial = "0",
      OPTIONS_FIELD(struct balancer_backend_spec, maxconn) },
};

const struct options_table config_backend_options = {
    .program = "proxy_server",
    OPTIONS_ROWS(backend_specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = 0,
};

/* Backend settings the proxy reads but a scenario's backend line does not
 * take (the harness gives scenarios config_backend_options' rows). */
static const struct options_spec backend_proxy_specs[] = {
    { "slowstart", 0, OPTIONS_DURATION, 0, 3600000,
      .help = "this backend's ramp (default --slowstart)",
      OPTIONS_FIELD(struct balancer_backend_spec, slowstart_ms) },
};

const struct options_table config_backend_proxy_options = {
    .program = "proxy_server",
    OPTIONS_ROWS(backend_proxy_specs),
    .repeat = OPTIONS_ONCE,
    .operands_max = 0,
};
