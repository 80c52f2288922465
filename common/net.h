/*
 * net: small socket helpers shared by every program (after Redis' anet.c).
 *
 * The helpers never log: they return -1 with errno set (or an error text for
 * the parsers) and leave the decision to the caller. Every socket they make is
 * non-blocking and close-on-exec. Thread-safe, no state.
 *
 * The I/O wrappers follow one convention: a positive count of bytes moved,
 * 0 for end of file (reads only), NET_AGAIN when the call would block, and -1
 * with errno for a real error. EINTR is retried here and nowhere else.
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define NET_AGAIN (-2)

/* Longest "HOST:PORT" text net_addr_format writes, with its NUL. */
#define NET_ADDR_STRLEN 64

/* A resolved IPv4 or IPv6 socket address. */
struct net_addr {
    struct sockaddr_storage sa;
    socklen_t len;
};

/* The most addresses net_resolve_all keeps from one name. */
#define NET_ADDRS_MAX 8
/* Longest text net_addrs_format writes, with its NUL. */
#define NET_ADDRS_STRLEN (NET_ADDRS_MAX * NET_ADDR_STRLEN)

/* Every address one name stands for, in the order to try them. */
struct net_addrs {
    struct net_addr addr[NET_ADDRS_MAX];
    size_t count;               /* 1..NET_ADDRS_MAX after a resolve */
};

/*
 * Parses "[HOST:]PORT" (HOST: IPv4, [IPv6] or a name resolved now; when
 * omitted, default_host). PORT must be 0..65535. Keeps the first address
 * the name resolves to (for a listening socket, one is wanted). On error
 * returns -1 and writes a one-line reason into err.
 */
int net_parse_hostport(const char *text, const char *default_host,
                       struct net_addr *out, char *err, size_t errlen);

/*
 * Like net_parse_hostport, but keeps every address HOST resolves to, IPv4
 * and IPv6 (the first NET_ADDRS_MAX, in getaddrinfo's order, no address
 * twice), for a client that tries each in turn. "localhost" and names
 * under ".localhost" always include ::1 and 127.0.0.1 (RFC 6761), even
 * where /etc/hosts lists only one of them.
 */
int net_resolve_all(const char *text, const char *default_host,
                    struct net_addrs *out, char *err, size_t errlen);

/* Writes "HOST:PORT" ("[v6]:PORT" for IPv6) into buf; returns buf. */
const char *net_addr_format(const struct net_addr *addr, char *buf,
                            size_t size);

/* Writes every address of addrs as net_addr_format does, separated by
 * commas, cut to size; returns buf. */
const char *net_addrs_format(const struct net_addrs *addrs, char *buf,
                             size_t size);

/* The port of addr, host order. */
int net_addr_port(const struct net_addr *addr);

/* Binds and listens (SO_REUSEADDR). Returns the fd, or -1 with errno. */
int net_listen(const struct net_addr *addr, int backlog);

/* The address a bound socket got (to learn the port behind port 0). */
int net_local_addr(int fd, struct net_addr *out);

/*
 * Starts a non-blocking connect. Returns the fd (the connect may still be in
 * progress: wait for writability, then net_connect_result), or -1 with errno.
 */
int net_connect(const struct net_addr *addr);

/* After writability: 0 if the connect succeeded, else the errno it failed with. */
int net_connect_result(int fd);

/*
 * True when the errno of a failed socket call (net_connect, accept4) is this
 * process's own shortage (out of descriptors or memory), not the peer's
 * fault: such a failure must not count against a backend.
 */
bool net_local_failure(int err);

/* Makes fd non-blocking. Returns 0 or -1 with errno. */
int net_set_nonblock(int fd);

/* Disables Nagle (request/response traffic). Returns 0 or -1 with errno. */
int net_set_nodelay(int fd);

ssize_t net_read(int fd, void *buf, size_t size);
ssize_t net_write(int fd, const void *buf, size_t size);

/* Closes fd with an RST instead of a FIN (SO_LINGER 0). */
void net_close_reset(int fd);

#endif
