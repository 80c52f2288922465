/*
 * faultlink_control: the commands of fault_link's control channel, one
 * line each, read against the table of faults in force:
 *
 *     add KIND [KEY=VALUE...] [direction=up|down|both] [toxicity=P]
 *     remove KIND [direction=up|down|both]     remove all
 *     list                                      help
 *
 * Every command gets one reply line, "ok ..." or "error: <what was
 * wrong>"; a blank line is no command and gets none. The module only
 * changes the table: the caller compares it before and after to log what
 * went on and off and to apply it to the connections. Pure: one thread at
 * a time per table.
 */
#ifndef FAULTLINK_CONTROL_H
#define FAULTLINK_CONTROL_H

#include <stddef.h>

#include "faultlink_fault.h"

/* The longest command line read; a longer one is refused whole. */
#define FAULTLINK_CONTROL_LINE_MAX 1024

/* The most words in one command. */
#define FAULTLINK_CONTROL_WORDS_MAX 16

/*
 * Runs one command (line, without its newline; modified in place) on
 * faults and writes its reply, without a newline, into reply. Returns 1
 * for "ok", 0 for a blank line (reply is empty), -1 for "error: ..." (the
 * table is then unchanged).
 */
int faultlink_control_run(struct faultlink_faults *faults, char *line,
                          char *reply, size_t replylen);

#endif
