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

int net_parse_hostport(const char *text, const char *default_host,
                       struct net_addr *out, char *err, size_t errlen)
{
    char host[256];
    const char *port;
    long portnum;
    struct addrinfo hints, *res;
    int rc;

    if (split_hostport(text, host, sizeof(host), &port, err, errlen) == -1)
        return -1;
    if (parse_long(port, 0, 65535, &portnum) == -1) {
        snprintf(err, errlen, "'%s': port must be a number from 0 to 65535",
                 text);
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    rc = getaddrinfo(host[0] != '\0' ? host : default_host, port, &hints, &res);
    if (rc != 0) {
        hints.ai_flags = AI_NUMERICSERV; /* loopback-only hosts have no ADDRCONFIG */
        rc = getaddrinfo(host[0] != '\0' ? host : default_host, port, &hints,
                         &res);
    }
    if (rc != 0) {
        snprintf(err, errlen, "'%s': cannot resolve host: %s", text,
                 gai_strerror(rc));
        return -1;
    }
    memcpy(&out->sa, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
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
