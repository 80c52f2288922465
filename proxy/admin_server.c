/*
 * admin_server: the control socket's thread. See admin_server.h.
 */
#include "admin_server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "reload.h"

/* One control client. Its answer is sent before its next line is read:
 * a client that does not read holds back only itself. */
struct admin_client {
    int fd;                             /* -1: a free slot */
    char in[ADMIN_LINE_MAX + 2];        /* a line, its '\r' and '\n' */
    size_t in_len;
    bool discarding;                    /* dropping an overlong line's rest */
    bool eof;                           /* it sent its end of file */
    bool quit;                          /* quit, or it is gone: close once
                                         * the answer is sent */
    struct admin_answer out;            /* not yet sent */
    uint64_t active_ms;                 /* its last line or byte taken */
    uint64_t send_deadline_ms;          /* while out holds bytes */
};

struct admin_server {
    int listen_fd;
    int stop_fd;                        /* eventfd: written to stop */
    bool started;
    pthread_t thread;
    const struct admin *admin;
    struct logger log;
    struct admin_client clients[ADMIN_SERVER_CLIENTS];
    char path[CONFIG_CONTROL_PATH_MAX];
};

/* Whether something accepts connections at addr (a live control socket of
 * another proxy, or of anything else). */
static bool someone_listens(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool listens;

    if (fd == -1)
        return true;        /* cannot tell: leave the file alone */
    listens = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0
              || errno != ECONNREFUSED;
    close(fd);
    return listens;
}

/* Clears path for bind: removes a dead socket, refuses anything else. */
static int clear_path(const struct sockaddr_un *addr)
{
    struct stat st;

    if (lstat(addr->sun_path, &st) == -1)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    if (someone_listens(addr)) {
        errno = EADDRINUSE;
        return -1;
    }
    return unlink(addr->sun_path);
}

/* Binds and listens at addr, the socket file created 0600: under umask
 * 0177 there is no moment when it is wider. Returns the fd or -1. */
static int listen_at(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    mode_t old_mask;
    int rc, saved;

    if (fd == -1)
        return -1;
    old_mask = umask(0177);
    rc = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));
    umask(old_mask);
    if (rc == 0)
        rc = listen(fd, ADMIN_SERVER_CLIENTS);
    if (rc == 0)
        return fd;
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

struct admin_server *admin_server_open(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct admin_server *server;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(addr.sun_path, path);
    server = calloc(1, sizeof(*server));
    if (server == NULL)
        return NULL;
    server->stop_fd = -1;
    server->listen_fd = clear_path(&addr) == -1 ? -1 : listen_at(&addr);
    if (server->listen_fd != -1)
        server->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (server->stop_fd == -1) {
        int saved = errno;

        if (server->listen_fd != -1) {
            close(server->listen_fd);
            unlink(path);
        }
        free(server);
        errno = saved;
        return NULL;
    }
    strcpy(server->path, path);
    for (size_t i = 0; i < ADMIN_SERVER_CLIENTS; i++)
        server->clients[i].fd = -1;
    return server;
}

static void client_close(struct admin_client *c)
{
    close(c->fd);
    admin_answer_free(&c->out);
    *c = (struct admin_client){ .fd = -1 };
}

/* Sends what the client takes of its answer. Returns -1 when it is gone. */
static int client_send(struct admin_client *c, uint64_t now_ms)
{
    while (c->out.len > 0) {
        ssize_t n = send(c->fd, c->out.text, c->out.len, MSG_NOSIGNAL);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return now_ms >= c->send_deadline_ms ? -1 : 0;
        if (n == -1)
            return -1;
        admin_answer_consume(&c->out, (size_t)n);
        c->active_ms = now_ms;
    }
    return 0;
}

/* Runs one line of len bytes at the start of c->in. */
static void client_line(struct admin_server *s, struct admin_client *c,
                        size_t len, uint64_t now_ms)
{
    if (admin_handle_line(s->admin, &s->log, c->in, len, &c->out))
        c->quit = true;
    if (c->out.failed) {
        /* Out of memory: the answer is not whole; the client must not
         * take it for one. */
        c->out.len = 0;
        c->quit = true;
    }
    c->active_ms = now_ms;
    c->send_deadline_ms = now_ms + ADMIN_SERVER_SEND_MS;
}

/* Runs the whole lines waiting in c->in while each answer goes out at
 * once; stops at an answer the client has not taken yet. */
static void client_lines(struct admin_server *s, struct admin_client *c,
                         uint64_t now_ms)
{
    while (c->out.len == 0 && !c->quit && c->in_len > 0) {
        char *nl = memchr(c->in, '\n', c->in_len);
        size_t len = nl != NULL ? (size_t)(nl - c->in) : c->in_len;
        bool full = c->in_len == sizeof(c->in);

        if (nl == NULL && !c->eof && !full)
            return;
        if (c->discarding)
            /* The rest of an overlong line, answered already. */
            c->discarding = nl == NULL;
        else if (nl == NULL && full) {
            client_line(s, c, sizeof(c->in), now_ms);
            c->discarding = true;
        } else
            client_line(s, c, len, now_ms);
        len += nl != NULL;
        memmove(c->in, c->in + len, c->in_len - len);
        c->in_len -= len;
        if (client_send(c, now_ms) == -1)
            c->quit = true;
    }
}

/* Reads what the client sent. Returns -1 on its end of file or an error,
 * else 0. */
static int client_read(struct admin_client *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
                         0);

        if (n > 0) {
            c->in_len += (size_t)n;
            return 0;
        }
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
}

/* Moves one client on after an event or at its deadline. */
static void client_step(struct admin_server *s, struct admin_client *c,
                        uint64_t now_ms)
{
    if (client_send(c, now_ms) == -1) {
        client_close(c);
        return;
    }
    if (c->out.len == 0 && !c->eof && c->in_len < sizeof(c->in) &&
        client_read(c) == -1)
        c->eof = true;
    client_lines(s, c, now_ms);
    if (c->out.len == 0 && (c->quit || (c->eof && c->in_len == 0)))
        client_close(c);
}

/* A slot for a newcomer: a free one, else the one of the client silent
 * the longest, closed (a client waiting for its answer counts as active
 * since that answer). */
static struct admin_client *free_slot(struct admin_server *s)
{
    struct admin_client *idlest = &s->clients[0];

    for (size_t i = 0; i < ADMIN_SERVER_CLIENTS; i++) {
        struct admin_client *c = &s->clients[i];

        if (c->fd == -1)
            return c;
        if (c->active_ms < idlest->active_ms)
            idlest = c;
    }
    log_event(&s->log, LOG_WARN, "control_evicted", "clients=%d",
              ADMIN_SERVER_CLIENTS);
    client_close(idlest);
    return idlest;
}

/* Takes the waiting clients. */
static void accept_clients(struct admin_server *s, uint64_t now_ms)
{
    int fd;

    while ((fd = accept4(s->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1)
        *free_slot(s) = (struct admin_client){ .fd = fd, .active_ms = now_ms };
}

/* Fills fds: [0] the socket, [1] the stop eventfd, then one per client
 * (slot[k] says whose). Returns the count; *timeout is the nearest send
 * deadline (-1: none). */
static nfds_t fill_pollfds(const struct admin_server *s, struct pollfd *fds,
                           size_t *slot, uint64_t now_ms, int *timeout)
{
    nfds_t count = 2;

    fds[0] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
    *timeout = -1;
    for (size_t i = 0; i < ADMIN_SERVER_CLIENTS; i++) {
        const struct admin_client *c = &s->clients[i];

        if (c->fd == -1)
            continue;
        if (c->out.len > 0) {
            int left = c->send_deadline_ms > now_ms
                       ? (int)(c->send_deadline_ms - now_ms) : 0;

            if (*timeout < 0 || left < *timeout)
                *timeout = left;
        }
        slot[count] = i;
        fds[count++] = (struct pollfd){
            .fd = c->fd, .events = c->out.len > 0 ? POLLOUT : POLLIN };
    }
    return count;
}

static void close_clients(struct admin_server *s)
{
    for (size_t i = 0; i < ADMIN_SERVER_CLIENTS; i++) {
        if (s->clients[i].fd != -1)
            client_close(&s->clients[i]);
    }
}

static void *server_main(void *arg)
{
    struct admin_server *s = arg;

    pthread_setname_np(pthread_self(), "ctl");
    bool removals_pending = false;

    for (;;) {
        struct pollfd fds[2 + ADMIN_SERVER_CLIENTS];
        size_t slot[2 + ADMIN_SERVER_CLIENTS];
        int timeout;
        nfds_t count = fill_pollfds(s, fds, slot, clock_now_ms(), &timeout);
        uint64_t now_ms;

        /* A reload command's removed backends are watched from here; the
         * main thread watches those of SIGHUP (control.h). */
        if (removals_pending && (timeout < 0 || timeout > RELOAD_POLL_MS))
            timeout = RELOAD_POLL_MS;
        if (poll(fds, count, timeout) == -1 && errno != EINTR) {
            log_event(&s->log, LOG_ERROR, "error", "op=poll what=control "
                      "err=%s", log_errno_name(errno));
            break;
        }
        if (fds[1].revents != 0)
            break;
        now_ms = clock_now_ms();
        for (nfds_t k = 2; k < count; k++) {
            struct admin_client *c = &s->clients[slot[k]];

            if (fds[k].revents != 0 ||
                (c->out.len > 0 && now_ms >= c->send_deadline_ms))
                client_step(s, c, now_ms);
        }
        if (fds[0].revents & POLLIN)
            accept_clients(s, now_ms);
        removals_pending = reload_poll(s->admin->reload, &s->log);
    }
    close_clients(s);
    return NULL;
}

int admin_server_start(struct admin_server *server, const struct admin *admin,
                       const struct logger *log)
{
    int rc;

    server->admin = admin;
    log_fork(&server->log, log, "ctl");
    rc = pthread_create(&server->thread, NULL, server_main, server);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    server->started = true;
    return 0;
}

void admin_server_stop(struct admin_server *server)
{
    uint64_t one = 1;

    if (server == NULL)
        return;
    if (server->started) {
        if (write(server->stop_fd, &one, sizeof(one)) == -1)
            log_event(&server->log, LOG_ERROR, "error", "op=write "
                      "what=control_stop err=%s", log_errno_name(errno));
        pthread_join(server->thread, NULL);
    }
    close(server->stop_fd);
    close(server->listen_fd);
    unlink(server->path);
    free(server);
}
