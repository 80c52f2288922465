/*
 * net: socket helpers. See net.h for the conventions.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "parse.h"

/* Splits text into host and port strings; host is NULL when absent. */
static int split_hostport(const char *text, char *host, size_t hostlen,
                          const char **port, char *err, size_t errlen)
{
    const char *colon = strrchr(text, ':');
    size_t len;

    if (colon == NULL) {
        *port = text;
        host[0] = '\0';
        return 0;
    }
    *port = colon + 1;
    len = (size_t)(colon - text);
    if (len > 0 && text[0] == '[') {
        if (text[len - 1] != ']') {
            snprintf(err, errlen, "'%s': IPv6 address needs [brackets]", text);
            return -1;
        }
        text++;
        len -= 2;
    }
    if (len == 0 || len >= hostlen) {
        snprintf(err, errlen, "'%s': bad host", text);
        return -1;
    }
    memcpy(host, text, len);
    host[len] = '\0';
    return 0;
}

/*
 * Splits text, checks its port and asks getaddrinfo with flags; falls
 * back to no flags, since AI_ADDRCONFIG finds nothing on a machine with
 * only loopback. Writes the host looked up into host ("" for none).
 * Returns 0 with *res to free, or -1 with a reason in err.
 */
static int lookup(const char *text, const char *default_host, int flags,
                  char host[256], struct addrinfo **res, char *err,
                  size_t errlen)
{
    const char *port;
    long portnum;
    struct addrinfo hints;
    int rc;

    if (split_hostport(text, host, 256, &port, err, errlen) == -1)
        return -1;
    if (parse_long(port, 0, 65535, &portnum) == -1) {
        snprintf(err, errlen, "'%s': port must be a number from 0 to 65535",
                 text);
        return -1;
    }
    if (host[0] == '\0' && default_host != NULL)
        snprintf(host, 256, "%s", default_host);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | flags;
    rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, res);
    if (rc != 0 && flags != 0) {
        hints.ai_flags = AI_NUMERICSERV;
        rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, res);
    }
    if (rc != 0) {
        snprintf(err, errlen, "'%s': cannot resolve host: %s", text,
                 gai_strerror(rc));
        return -1;
    }
    return 0;
}

int net_parse_hostport(const char *text, const char *default_host,
                       struct net_addr *out, char *err, size_t errlen)
{
    char host[256];
    struct addrinfo *res;

    if (lookup(text, default_host, AI_ADDRCONFIG, host, &res, err,
               errlen) == -1)
        return -1;
    memcpy(&out->sa, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Appends sa to out unless it is there already or out is full. */
static void addrs_add(struct net_addrs *out, const struct sockaddr *sa,
                      socklen_t len)
{
    struct net_addr *next = &out->addr[out->count];

    if (out->count == NET_ADDRS_MAX || len > sizeof(next->sa))
        return;
    for (size_t i = 0; i < out->count; i++) {
        if (out->addr[i].len == len && memcmp(&out->addr[i].sa, sa, len) == 0)
            return;
    }
    memset(next, 0, sizeof(*next));
    memcpy(&next->sa, sa, len);
    next->len = len;
    out->count++;
}

/* RFC 6761: "localhost" and "*.localhost" are the loopback addresses. */
static bool is_localhost(const char *host)
{
    size_t len = strlen(host);

    return strcasecmp(host, "localhost") == 0 ||
           (len > 10 && strcasecmp(host + len - 10, ".localhost") == 0);
}

/* Adds ::1 and 127.0.0.1 with port to out. */
static void addrs_add_loopback(struct net_addrs *out, int port)
{
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6,
                               .sin6_port = htons((uint16_t)port),
                               .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    struct sockaddr_in v4 = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

    addrs_add(out, (const struct sockaddr *)&v6, sizeof(v6));
    addrs_add(out, (const struct sockaddr *)&v4, sizeof(v4));
}

int net_resolve_all(const char *text, const char *default_host,
                    struct net_addrs *out, char *err, size_t errlen)
{
    char host[256];
    struct addrinfo *res;

    /* No AI_ADDRCONFIG: it hides ::1 unless some interface has a global
     * IPv6 address, and loopback is where the lab runs. */
    if (lookup(text, default_host, 0, host, &res, err, errlen) == -1)
        return -1;
    out->count = 0;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
        addrs_add(out, ai->ai_addr, ai->ai_addrlen);
    if (is_localhost(host))
        addrs_add_loopback(out, net_addr_port(&out->addr[0]));
    freeaddrinfo(res);
    return 0;
}

const char *net_addr_format(const struct net_addr *addr, char *buf,
                            size_t size)
{
    char host[INET6_ADDRSTRLEN];

    if (addr->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const void *)&addr->sa;

        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        snprintf(buf, size, "[%s]:%d", host, ntohs(sin6->sin6_port));
    } else {
        const struct sockaddr_in *sin = (const void *)&addr->sa;

        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        snprintf(buf, size, "%s:%d", host, ntohs(sin->sin_port));
    }
    return buf;
}

const char *net_addrs_format(const struct net_addrs *addrs, char *buf,
                             size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < addrs->count && used + 1 < size; i++) {
        char one[NET_ADDR_STRLEN];

        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i > 0 ? "," : "",
                                 net_addr_format(&addrs->addr[i], one,
                                                 sizeof(one)));
    }
    return buf;
}

int net_addr_port(const struct net_addr *addr)
{
    if (addr->sa.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)(const void *)&addr->sa)->sin6_port);
    return ntohs(((const struct sockaddr_in *)(const void *)&addr->sa)->sin_port);
}

int net_listen(const struct net_addr *addr, int backlog)
{
    int one = 1;
    int fd = socket(addr->sa.ss_family,
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
        bind(fd, (const struct sockaddr *)&addr->sa, addr->len) == -1 ||
        listen(fd, backlog) == -1) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int net_local_addr(int fd, struct net_addr *out)
{
    out->len = sizeof(out->sa);
    return getsockname(fd, (struct sockaddr *)&out->sa, &out->len);
}

int net_connect(const struct net_addr *addr)
{
    int fd = socket(addr->sa.ss_family,
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    if (connect(fd, (const struct sockaddr *)&addr->sa, addr->len) == -1 &&
        errno != EINPROGRESS) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

bool net_local_failure(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

int net_connect_result(int fd)
{
    int error = 0;
    socklen_t len = sizeof(error);

    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
        return errno;
    return error;
}

int net_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags == -1)
        return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int net_set_nodelay(int fd)
{
    int one = 1;

    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

ssize_t net_read(int fd, void *buf, size_t size)
{
    for (;;) {
        ssize_t n = read(fd, buf, size);

        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return NET_AGAIN;
        return -1;
    }
}

ssize_t net_write(int fd, const void *buf, size_t size)
{
    for (;;) {
        /* send() with MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE. */
        ssize_t n = send(fd, buf, size, MSG_NOSIGNAL);

        if (n == -1 && errno == ENOTSOCK)
            n = write(fd, buf, size); /* pipes and files, in tests */
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return NET_AGAIN;
        return -1;
    }
}

void net_close_reset(int fd)
{
    struct linger lin = { .l_onoff = 1, .l_linger = 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
    close(fd);
}
