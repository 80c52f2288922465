/*
 * admin_server: the control socket (--control PATH) and its thread.
 *
 * A UNIX stream socket, mode 0600 from its creation (bound under umask
 * 0177), served by a thread of its own ("ctl") with poll(): up to
 * ADMIN_SERVER_CLIENTS clients at once, each with its own line buffer and
 * answer, every read and write non-blocking. So a silent client holds
 * only its slot; when every slot is taken, the client silent the longest
 * is closed to make room for the newcomer; a client that does not take
 * its answer within ADMIN_SERVER_SEND_MS is closed. Commands run on this
 * thread (admin.h): they take the balancer's lock for a moment and never
 * wait for a worker, and no worker ever waits for them.
 *
 *     main ── admin_server_open ── admin_server_start ──► thread "ctl"
 *                                                          │ poll
 *          clients ◄── lines / answers ──► admin_handle_line
 *     main ── admin_server_stop (eventfd) ── join ── unlink PATH
 */
#ifndef ADMIN_SERVER_H
#define ADMIN_SERVER_H

#include "admin.h"
#include "log.h"

/* Clients served at once. */
#define ADMIN_SERVER_CLIENTS 16
/* How long a client may leave its answer untaken. */
#define ADMIN_SERVER_SEND_MS 5000

struct admin_server;

/*
 * Creates the socket at path: an existing socket there that nobody
 * listens on is replaced; anything else there is an error (EADDRINUSE:
 * something listens; EEXIST: not a socket). Call before any thread that
 * creates files runs (the umask is the process'). Returns the server, or
 * NULL with errno.
 */
struct admin_server *admin_server_open(const char *path);

/* Starts the thread, which serves admin's commands and logs to a fork of
 * log. Returns 0, or -1 with errno. */
int admin_server_start(struct admin_server *server, const struct admin *admin,
                       const struct logger *log);

/* Stops the thread (if started), closes every client and the socket,
 * removes the socket file, frees. NULL: nothing. */
void admin_server_stop(struct admin_server *server);

#endif
