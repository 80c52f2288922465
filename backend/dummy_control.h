/*
 * dummy_control: the command lines dummy_server --control reads on stdin.
 *
 *   set KEY=VALUE...    change runtime behaviour options, all or nothing
 *   help                list the commands and keys
 *
 * A value is read by the row of dummy_options_table that has the key's
 * name, with that row's limits and error words; "off" turns off the
 * options that are off by default (rate, close-after-lines,
 * reset-after-lines), and hang and refuse take 0 or 1. The options that
 * exclude each other are checked on the result (dummy_options_check), so
 * a command never leaves the server in a state its command line would
 * refuse. Each command gets one reply line: "ok", "ok ..." for help, or
 * "error: WHAT".
 *
 * The module also cuts the bytes read from stdin into lines. Pure: no I/O,
 * no logging; the caller (dummy_server) reads, replies and logs. One
 * thread.
 */
#ifndef DUMMY_CONTROL_H
#define DUMMY_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "dummy_options.h"

#define DUMMY_CONTROL_LINE_MAX 1024     /* bytes of a command, '\n' excluded */
#define DUMMY_CONTROL_REPLY_MAX 512     /* bytes of a reply, '\n' excluded */

/* What dummy_control_run did. */
enum dummy_control_result {
    DUMMY_CONTROL_BLANK,        /* an empty line: no reply */
    DUMMY_CONTROL_REPLIED,      /* a reply, nothing changed */
    DUMMY_CONTROL_CHANGED       /* "ok", and *live changed */
};

/* The unfinished command of the stdin stream. */
struct dummy_control {
    char line[DUMMY_CONTROL_LINE_MAX + 1];
    size_t len;
    bool too_long;              /* dropping bytes up to the next '\n' */
    bool has_nul;               /* the line holds a NUL byte */
};

/* Called once per complete line, NUL-terminated, without its '\n'; line
 * is NULL for a line that is refused whole (dummy_control_refusal says
 * why): longer than DUMMY_CONTROL_LINE_MAX, or holding a NUL byte, which
 * would cut the command short unseen. */
typedef void (*dummy_control_line_fn)(void *ctx, const char *line);

/* Makes an empty line buffer. */
void dummy_control_init(struct dummy_control *ctl);

/* Adds data and calls fn for every line it completes. */
void dummy_control_feed(struct dummy_control *ctl, const char *data,
                        size_t len, dummy_control_line_fn fn, void *ctx);

/* At end of input: hands an unfinished last line to fn, as if it ended. */
void dummy_control_finish(struct dummy_control *ctl, dummy_control_line_fn fn,
                          void *ctx);

/*
 * Runs one command line on *live. The reply goes to reply (no newline,
 * control bytes of the input shown as \xNN). On DUMMY_CONTROL_CHANGED,
 * changes holds what was set as logfmt pairs in the form the parsers read
 * back ("latency=200ms rate=off hang=1"); *live is unchanged otherwise.
 */
enum dummy_control_result dummy_control_run(struct dummy_options *live,
                                            const char *line, char *reply,
                                            size_t reply_len, char *changes,
                                            size_t changes_len);

/* The reply to the line just refused (called from the line function,
 * with line NULL). */
const char *dummy_control_refusal(const struct dummy_control *ctl);

#endif
