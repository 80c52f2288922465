/*
 * simclient_options: simulate_client's command line.
 *
 * Parsing is a pure function of argv: it fills a struct and returns 0, or
 * returns -1 with a one-line reason; it never prints and never exits, so the
 * unit tests can call it again and again (it resets getopt itself). Strings
 * in the result point into argv. Not thread-safe (getopt_long has state).
 */
#ifndef SIMCLIENT_OPTIONS_H
#define SIMCLIENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "line.h"
#include "log.h"
#include "net.h"
#include "options.h"
#include "simclient_reply.h"

/* Limits on the numeric options (documented in the usage text). */
#define SIMCLIENT_CLIENTS_MAX 100000L
#define SIMCLIENT_REQUESTS_MAX 1000000L
#define SIMCLIENT_SIZE_MAX LINE_PAYLOAD_MAX
#define SIMCLIENT_TIME_MAX_MS (3600L * 1000)     /* --hold, --ramp, --timeout */
#define SIMCLIENT_DURATION_MAX_MS (86400L * 1000)

/* --abort: where a connection resets itself (SO_LINGER 0, close). */
enum simclient_abort {
    SIMCLIENT_ABORT_NONE = -1,
    SIMCLIENT_ABORT_UP = 0,     /* half way through its last request */
    SIMCLIENT_ABORT_DOWN = 1    /* half way through its last reply */
};

/* What every connection of a run does besides asking and checking; at
 * most one per run (simclient_options_parse refuses two). */
enum simclient_behaviour {
    SIMCLIENT_BEHAVIOUR_NONE,
    SIMCLIENT_BEHAVIOUR_NO_READ,        /* --no-read */
    SIMCLIENT_BEHAVIOUR_ABORT,          /* --abort up|down */
    SIMCLIENT_BEHAVIOUR_TRICKLE,        /* --trickle D */
    SIMCLIENT_BEHAVIOUR_IDLE,           /* --idle D */
    SIMCLIENT_BEHAVIOUR_CONNECT_ONLY    /* --connect-only */
};

struct simclient_options {
    const char *host;           /* --host */
    long port;                  /* --port */
    long clients;               /* -c: concurrent connections (slots) */
    long requests;              /* -n: requests per connection */
    long size;                  /* -s: payload bytes per request */
    long hold_ms;               /* --hold: stay open after the last reply */
    long ramp_ms;               /* --ramp: spread connection starts */
    long duration_ms;           /* --duration: 0 = one pass */
    long timeout_ms;            /* --timeout: per request (and connect) */
    long read_rate;             /* --read-rate: bytes/s per connection, 0 =
                                   as fast as they come */
    long write_rate;            /* --write-rate: the same for writing */
    long seed;                  /* --seed */
    bool half_close;            /* --half-close */
    enum simclient_reply_expect expect; /* --expect: named lines or echoes */
    bool no_read;               /* --no-read */
    int abort_at;               /* --abort: an enum simclient_abort */
    long trickle_ms;            /* --trickle: a byte every D, 0 = off */
    long idle_ms;               /* --idle: 0 = off */
    bool connect_only;          /* --connect-only */
    enum simclient_behaviour behaviour; /* which of the five, set by parse */
    bool quiet;                 /* -q: no summary on stdout */
    const char *json_path;      /* --json FILE ("-" = stdout), or NULL */
    enum log_level log_level;   /* --log-level */
};

/* Fills *options with the defaults (10 clients x 5 requests of 32 bytes...). */
void simclient_options_defaults(struct simclient_options *options);

/* The options' rows (options.h). */
extern const struct options_table simclient_options_table;

/*
 * Parses argv into *options (starting from the defaults). Returns 0;
 * OPTIONS_EXIT after printing --help or --version to out; or -1 with a
 * one-line reason (no program name, no newline) in err, any control byte
 * of the arguments it quotes shown as \xNN. An option that takes a value
 * may be given once.
 */
int simclient_options_parse(int argc, char **argv,
                            struct simclient_options *options, FILE *out,
                            char *err, size_t errlen);

/*
 * The run's behaviour as the summary names it ("idle 20ms", "abort up",
 * "no-read" ...), into buf; NULL when there is none.
 */
const char *simclient_options_behaviour(const struct simclient_options *options,
                                        char *buf, size_t size);

/* The behaviour's option name alone ("idle", "abort", "no-read" ...). */
const char *simclient_options_behaviour_name(enum simclient_behaviour behaviour);

/*
 * The smallest --size that leaves room for the longest tag this run can
 * write: clients x requests, or ids up to 10 digits with --duration (which
 * keeps opening connections).
 */
long simclient_options_min_size(const struct simclient_options *options);

/*
 * Resolves --host and --port into every address to try (see
 * net_resolve_all). Returns 0, or -1 with a one-line reason in err
 * (control bytes shown as \xNN).
 */
int simclient_options_target(const struct simclient_options *options,
                             struct net_addrs *targets, char *err,
                             size_t errlen);

#endif
