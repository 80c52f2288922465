/*
 * ctlclient: one command to the proxy's control socket (docs/control.md).
 *
 * The protocol is line-based text over a UNIX socket: the client sends one
 * line, the proxy answers zero or more lines and then an empty line. An
 * error answer is the single line "error: <what was wrong>". ctlclient
 * connects, sends, reads up to that empty line and closes, the whole
 * exchange bounded in time, so a proxy that never answers cannot hold the
 * harness.
 *
 * No state between calls. Single-threaded (the harness is).
 */
#ifndef CTLCLIENT_H
#define CTLCLIENT_H

#include <stddef.h>

/*
 * Sends command (one line, without its newline) to the control socket at
 * path and reads the answer into answer[size]: its lines joined with '\n',
 * without the closing empty line (cut to fit). Returns 0 when a whole
 * answer came, or -1 with errno set (the connect or an I/O failed,
 * ETIMEDOUT after timeout_ms, EPROTO when the proxy closed before the
 * empty line) and what it had read so far in answer.
 */
int ctlclient_command(const char *path, const char *command, long timeout_ms,
                      char *answer, size_t size);

/* True when answer is an error answer ("error: ..."). */
int ctlclient_is_error(const char *answer);

#endif
