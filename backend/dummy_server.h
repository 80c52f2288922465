/*
 * dummy_server: the listening socket and the event loop of dummy_server.
 *
 * One thread, one epoll set holding the listening socket, a "stop" fd
 * (the signalfd made by main) and every connection; one heap of timers for
 * the replies that are not due yet. The server owns the listening socket,
 * the epoll fd, the heap and the connections' shared environment (see
 * dummy_conn.h); it borrows the options, the logger and the stop fd, which
 * must outlive it. Not thread-safe: everything runs on the calling thread.
 */
#ifndef DUMMY_SERVER_H
#define DUMMY_SERVER_H

#include "dummy_options.h"
#include "log.h"

struct dummy_server;

/*
 * Binds and listens as opts says, logs ev=listen with the address actually
 * bound, and returns the server. stop_fd (or -1 for none) is a signalfd
 * that the server reads: SIGINT or SIGTERM makes dummy_server_run return,
 * any other signal in its set is logged and ignored. Returns NULL with
 * errno after logging ev=error.
 */
struct dummy_server *dummy_server_open(const struct dummy_options *opts,
                                       const struct logger *lg, int stop_fd);

/*
 * Serves connections until stop_fd delivers SIGINT or SIGTERM (logs
 * ev=signal, returns 0) or the event
 * loop itself fails (logs ev=error, returns -1 with errno).
 */
int dummy_server_run(struct dummy_server *srv);

/*
 * Stops listening, closes every connection (reason=shutdown), logs ev=stop
 * and frees the server.
 */
void dummy_server_close(struct dummy_server *srv);

#endif
