/*
 * admin: the commands of the control protocol (docs/control.md), without
 * the socket.
 *
 * A command is one line of text. admin_parse() reads it into a struct
 * admin_command (pure: no state, no I/O); admin_handle_line() parses,
 * runs the command against the balancer or the reload, logs
 * "ev=control cmd=... status=ok|error" and appends the answer (zero or
 * more lines, then one empty line) to a growing buffer. The socket that
 * carries the lines is admin_server's.
 *
 * Every change a command makes goes through the balancer's functions,
 * under the balancer's lock, and is logged by the balancer's own event
 * helpers (ev=admin, ev=weight, ...), after the lock is dropped.
 *
 * Any one thread at a time per struct admin_answer; struct admin is
 * read-only once made, and its parts (balancer, reload) lock themselves.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balancer.h"
#include "log.h"

/* The longest command line, its '\n' not counted. */
#define ADMIN_LINE_MAX 1024

enum admin_verb {
    ADMIN_HELP,
    ADMIN_SHOW_BACKENDS,
    ADMIN_SHOW_SESSIONS,
    ADMIN_SHOW_INFO,
    ADMIN_DISABLE,
    ADMIN_ENABLE,
    ADMIN_DRAIN,
    ADMIN_SET_WEIGHT,
    ADMIN_SET_MAXCONN,
    ADMIN_ADD_BACKEND,
    ADMIN_REMOVE_BACKEND,
    ADMIN_RELOAD,
    ADMIN_QUIT
};

/* One parsed command. */
struct admin_command {
    enum admin_verb verb;
    char name[BALANCER_NAME_MAX];       /* the backend, for those that take
                                         * one */
    long number;                        /* set weight / set maxconn */
    struct balancer_backend_spec spec;  /* add backend */
};

struct proxy_shared;
struct reload;
struct pool;

/* What the commands work on. Made by main(); read-only afterwards. */
struct admin {
    struct balancer *balancer;
    struct proxy_shared *shared;        /* counters, the live config */
    struct reload *reload;              /* reload and its state */
    struct pool *pool;                  /* the workers, for show sessions */
    const char *control_path;
    uint64_t start_ms;                  /* clock_now_ms() at start */
};

/* An answer being written: grows as needed. */
struct admin_answer {
    char *text;
    size_t len;
    size_t cap;
    bool failed;            /* out of memory: text is not the whole answer */
};

/*
 * Parses one command line (without its '\n'; a '\r' at its end is
 * ignored). Words are separated by spaces or tabs. Returns 0, or -1 with
 * the reason in err (one line, the line's control bytes shown as \xNN).
 * Pure: any thread.
 */
int admin_parse(const char *line, struct admin_command *cmd, char *err,
                size_t errlen);

/*
 * Runs one line received on the control socket: parses it, runs it, logs
 * ev=control with log, and appends the answer with its empty line to out.
 * line holds len bytes, without the '\n' (a '\r' at its end is dropped);
 * a caller that could not hold a line passes its first bytes and a len
 * over ADMIN_LINE_MAX + 1: an error. Returns true after quit (the caller
 * closes).
 */
bool admin_handle_line(const struct admin *admin, const struct logger *log,
                       const char *line, size_t len,
                       struct admin_answer *out);

/* Appends printf-style text to out (sets out->failed when out of memory). */
void admin_answer_printf(struct admin_answer *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forgets the first n bytes of out (they were sent). */
void admin_answer_consume(struct admin_answer *out, size_t n);

/* Frees out's text. */
void admin_answer_free(struct admin_answer *out);

#endif
