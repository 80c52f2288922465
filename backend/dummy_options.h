/*
 * dummy_options: the command line of dummy_server, parsed into one struct.
 *
 * Parsing never prints and never exits: it returns -1 with a one-line
 * reason in the caller's buffer, so main decides what to do (print it and
 * exit 2) and the tests can feed it bad input. Uses getopt_long, whose
 * state is global: call it from one thread at a time.
 */
#ifndef DUMMY_OPTIONS_H
#define DUMMY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "net.h"
#include "options.h"

#define DUMMY_OPTIONS_DEFAULT_PORT 9090
#define DUMMY_OPTIONS_DEFAULT_HOST "127.0.0.1"
#define DUMMY_OPTIONS_NAME_MAX 64
#define DUMMY_OPTIONS_DELAY_MAX_MS 3600000L   /* one hour */
#define DUMMY_OPTIONS_RATE_MAX 1073741824L    /* 1G bytes per second */
#define DUMMY_OPTIONS_OFF (-1L)               /* a fault count not given */

/* What the backend does with the bytes it reads. */
enum dummy_mode {
    DUMMY_MODE_LINE,        /* answer "NAME SP PAYLOAD LF" per line */
    DUMMY_MODE_ECHO         /* send the bytes back unchanged */
};

/* Everything the command line can set. */
struct dummy_options {
    const char *host;       /* --host text (points into argv or a literal) */
    long port;              /* PORT, 0 = any free port */
    struct net_addr listen; /* host and port, resolved */
    char name[DUMMY_OPTIONS_NAME_MAX + 1]; /* "" = "dummy-PORT" once bound */
    enum dummy_mode mode;
    long latency_ms;
    long jitter_ms;
    long seed;              /* DUMMY_OPTIONS_OFF = pick one at start */
    long rate;              /* bytes per second per connection, 0 = no limit */
    long crash_after_conns; /* each DUMMY_OPTIONS_OFF unless given */
    long crash_after_lines;
    long close_after_lines;
    long reset_after_lines;
    bool hang;
    bool refuse;
    bool control;           /* --control: read "set KEY=VALUE" on stdin */
    enum log_level log_level;
};

/* The options' rows (options.h); the harness checks a scenario's backend
 * options against them. */
extern const struct options_table dummy_options_table;

/* Fills *opts with the defaults (port 9090 on 127.0.0.1, line mode ...). */
void dummy_options_init(struct dummy_options *opts);

/*
 * Parses argv into *opts (start from dummy_options_init). Returns 0;
 * OPTIONS_EXIT after printing --help or --version to out; or -1 with a
 * one-line reason (no program name, no newline) in err, any control byte
 * of the arguments it quotes shown as \xNN. An option that takes a value
 * may be given once. argv may be permuted.
 */
int dummy_options_parse(struct dummy_options *opts, int argc, char **argv,
                        FILE *out, char *err, size_t errlen);

/*
 * Refuses options that exclude each other: --hang with --refuse,
 * --close-after-lines with --reset-after-lines, a *-after-lines fault in
 * echo mode. prefix goes before each option's name ("--" on a command
 * line, "" in a scenario). Returns 0, or -1 with the reason in err.
 */
int dummy_options_check(const struct dummy_options *opts, const char *prefix,
                        char *err, size_t errlen);

/* "line" or "echo". */
const char *dummy_options_mode_name(enum dummy_mode mode);

#endif
