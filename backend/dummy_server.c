/*
 * dummy_server: accept loop, timers and dispatch. See dummy_server.h.
 *
 *   dummy_server ──owns──► listen fd, epoll fd, timer heap, read buffer,
 *        │                 the live copy of the options, the control line
 *        │                 dummy_conn_env ──► open dummy_conn list
 *        └──borrows──► options, logger, stop fd (main's signalfd), stdin
 *
 * The connections read the server's own copy of the options, which
 * --control commands on stdin change (dummy_control) between events.
 * The epoll data of each registration tells what it is: the address of
 * srv->listen_fd, of srv->stop_fd, of srv->control, or else a struct
 * dummy_conn. A
 * connection is only ever freed while its own event or timer is handled,
 * so the later events of one epoll_wait batch never point at freed memory.
 */
#include "dummy_server.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "dummy_conn.h"
#include "dummy_control.h"
#include "logfmt.h"
#include "net.h"

#define SERVER_BACKLOG 4096
#define SERVER_EVENTS 256           /* epoll events per wait */
#define SERVER_ACCEPT_BATCH 64      /* accepts per wake-up: stay fair */
#define SERVER_ACCEPT_PAUSE_MS 100  /* after EMFILE and friends */
#define SERVER_SCRATCH_SIZE (64 * 1024)

/* The listening side and the loop's state; one per process. */
struct dummy_server {
    const struct dummy_options *opts;   /* as started; see live */
    struct dummy_options live;      /* what the connections read (env.opts) */
    struct dummy_control control;   /* --control: the command being read */
    bool control_open;              /* stdin is in the epoll set */
    struct logger lg;
    int listen_fd;
    int epoll_fd;
    int stop_fd;
    struct net_addr addr;           /* the address actually bound */
    char name[DUMMY_OPTIONS_NAME_MAX + 1];
    uint64_t seed;                  /* of the jitter, given or picked */
    struct heap timers;
    struct dummy_conn_env env;
    uint64_t conns_accepted;
    bool accept_paused;             /* listen fd out of epoll until ... */
    uint64_t accept_resume_ms;      /* ... this time */
};

/* Releases what open acquired; logs nothing. */
static void server_free(struct dummy_server *srv)
{
    if (srv->listen_fd != -1)
        close(srv->listen_fd);
    if (srv->epoll_fd != -1)
        close(srv->epoll_fd);
    heap_free(&srv->timers);
    free(srv->env.scratch);
    free(srv);
}

/* Adds fd to the epoll set with tag as its data. Returns 0 or -1. */
static int server_watch(struct dummy_server *srv, int fd, uint32_t events,
                        void *tag)
{
    struct epoll_event ev = { .events = events, .data.ptr = tag };

    return epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Picks a seed when none was given; kept below 2^63 so --seed takes it. */
static uint64_t server_seed(const struct dummy_options *opts)
{
    if (opts->seed != DUMMY_OPTIONS_OFF)
        return (uint64_t)opts->seed;
    return (clock_now_ns() ^ ((uint64_t)getpid() << 32)) & INT64_MAX;
}

/* Fills the environment shared by the connections. Returns 0 or -1. */
static int server_setup_env(struct dummy_server *srv)
{
    struct dummy_conn_env *env = &srv->env;
    const struct dummy_options *opts = srv->opts;

    env->scratch = malloc(SERVER_SCRATCH_SIZE);
    if (env->scratch == NULL)
        return -1;
    env->scratch_size = SERVER_SCRATCH_SIZE;
    env->opts = &srv->live;
    env->lg = &srv->lg;
    env->epoll_fd = srv->epoll_fd;
    env->timers = &srv->timers;
    srv->seed = server_seed(opts);
    dummy_delay_init(&env->delay, opts->latency_ms, opts->jitter_ms,
                     srv->seed);
    return 0;
}

/* Binds, listens and names the server after the port it got. */
static int server_listen(struct dummy_server *srv)
{
    char addr[NET_ADDR_STRLEN];

    srv->listen_fd = net_listen(&srv->opts->listen, SERVER_BACKLOG);
    if (srv->listen_fd == -1 ||
        net_local_addr(srv->listen_fd, &srv->addr) == -1 ||
        server_watch(srv, srv->listen_fd, EPOLLIN, &srv->listen_fd) == -1) {
        int saved = errno;

        log_event(&srv->lg, LOG_ERROR, "error", "op=listen addr=%s err=%s",
                  net_addr_format(&srv->opts->listen, addr, sizeof(addr)),
                  log_errno_name(saved));
        errno = saved;
        return -1;
    }
    if (srv->opts->name[0] != '\0')
        snprintf(srv->name, sizeof(srv->name), "%s", srv->opts->name);
    else
        snprintf(srv->name, sizeof(srv->name), "dummy-%d",
                 net_addr_port(&srv->addr));
    srv->env.name = srv->name;
    srv->env.name_len = strlen(srv->name);
    return 0;
}

/* ev=listen: the harness reads the bound port from this line. */
static void server_log_listen(const struct dummy_server *srv)
{
    char addr[NET_ADDR_STRLEN];
    char name[2 * DUMMY_OPTIONS_NAME_MAX + 3];
    const struct dummy_options *opts = srv->opts;

    log_event(&srv->lg, LOG_INFO, "listen",
              "addr=%s name=%s mode=%s latency_ms=%ld jitter_ms=%ld "
              "seed=%" PRIu64 " rate=%ld pid=%ld",
              net_addr_format(&srv->addr, addr, sizeof(addr)),
              logfmt_quote(srv->name, name, sizeof(name)),
              dummy_options_mode_name(opts->mode), opts->latency_ms,
              opts->jitter_ms, srv->seed, opts->rate, (long)getpid());
}

/* Writes one reply line to stdout. A reader that went away loses it; the
 * server goes on (SIGPIPE is ignored). */
static void server_reply(const char *reply)
{
    char line[DUMMY_CONTROL_REPLY_MAX + 2];
    size_t len = (size_t)snprintf(line, sizeof(line), "%s\n", reply), done = 0;

    if (len >= sizeof(line))
        len = sizeof(line) - 1;
    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, line + done, len - done);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

/* Runs one command line (dummy_control_line_fn). */
static void server_on_control_line(void *ctx, const char *line)
{
    struct dummy_server *srv = ctx;
    char reply[DUMMY_CONTROL_REPLY_MAX], changes[DUMMY_CONTROL_REPLY_MAX];
    enum dummy_control_result result;

    if (line == NULL) {
        server_reply(dummy_control_refusal(&srv->control));
        return;
    }
    result = dummy_control_run(&srv->live, line, reply, sizeof(reply),
                               changes, sizeof(changes));
    if (result == DUMMY_CONTROL_BLANK)
        return;
    if (result == DUMMY_CONTROL_CHANGED) {
        srv->env.delay.latency_ms = srv->live.latency_ms;
        srv->env.delay.jitter_ms = srv->live.jitter_ms;
        dummy_conn_retune(&srv->env, clock_now_ms());
        log_event(&srv->lg, LOG_INFO, "set", "%s", changes);
    }
    server_reply(reply);
}

/* Reads stdin once (epoll said it is readable, so read does not block;
 * stdin stays blocking, as it may be a terminal shared with a shell).
 * Returns the bytes read, 0 at end of input (logged, stdin left alone
 * from then on) or -1 after an error (logged the same way). */
static ssize_t server_read_control(struct dummy_server *srv)
{
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

    if (n == -1 && errno == EINTR)
        return 1;
    if (n > 0) {
        dummy_control_feed(&srv->control, buf, (size_t)n,
                           server_on_control_line, srv);
        return n;
    }
    dummy_control_finish(&srv->control, server_on_control_line, srv);
    if (srv->control_open)
        (void)epoll_ctl(srv->epoll_fd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
    srv->control_open = false;
    if (n == 0)
        log_event(&srv->lg, LOG_INFO, "control_end", "reason=eof");
    else
        log_event(&srv->lg, LOG_WARN, "control_end", "reason=error err=%s",
                  log_errno_name(errno));
    return n;
}

/* --control: watches stdin. A regular file, which epoll refuses, is read
 * to its end at once. */
static void server_watch_control(struct dummy_server *srv)
{
    if (server_watch(srv, STDIN_FILENO, EPOLLIN, &srv->control) == 0) {
        srv->control_open = true;
        return;
    }
    if (errno != EPERM) {
        log_event(&srv->lg, LOG_WARN, "control_end", "reason=error err=%s",
                  log_errno_name(errno));
        return;
    }
    while (server_read_control(srv) > 0)
        continue;
}

struct dummy_server *dummy_server_open(const struct dummy_options *opts,
                                       const struct logger *lg, int stop_fd)
{
    struct dummy_server *srv = calloc(1, sizeof(*srv));
    int saved;

    if (srv == NULL)
        return NULL;
    srv->opts = opts;
    srv->live = *opts;
    dummy_control_init(&srv->control);
    srv->lg = *lg;
    srv->listen_fd = -1;
    srv->stop_fd = stop_fd;
    heap_init(&srv->timers);
    srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (srv->epoll_fd == -1 || server_setup_env(srv) == -1 ||
        (stop_fd != -1 &&
         server_watch(srv, stop_fd, EPOLLIN, &srv->stop_fd) == -1)) {
        saved = errno;
        log_event(lg, LOG_ERROR, "error", "op=setup err=%s",
                  log_errno_name(saved));
        goto fail;
    }
    if (server_listen(srv) == -1) {
        saved = errno;
        goto fail;
    }
    server_log_listen(srv);
    if (opts->control)
        server_watch_control(srv);
    return srv;
fail:
    server_free(srv);
    errno = saved;
    return NULL;
}

/* Takes the listen fd out of epoll for a while (fd exhaustion). */
static void server_pause_accept(struct dummy_server *srv, uint64_t now_ms)
{
    struct epoll_event ev = { .events = 0, .data.ptr = &srv->listen_fd };

    if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, srv->listen_fd, &ev) == -1)
        return;     /* then we keep polling it: a busy loop, not a hang */
    srv->accept_paused = true;
    srv->accept_resume_ms = now_ms + SERVER_ACCEPT_PAUSE_MS;
}

/* Puts the listen fd back once the pause is over. Returns 0 or -1. */
static int server_resume_accept(struct dummy_server *srv, uint64_t now_ms)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &srv->listen_fd };

    if (!srv->accept_paused || now_ms < srv->accept_resume_ms)
        return 0;
    if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, srv->listen_fd, &ev) == -1)
        return -1;
    srv->accept_paused = false;
    return 0;
}

/* Handles a failed accept4. Returns true when accepting may go on now. */
static bool server_accept_failed(struct dummy_server *srv, int err,
                                 uint64_t now_ms)
{
    bool exhausted = err == EMFILE || err == ENFILE || err == ENOBUFS ||
                     err == ENOMEM;

    if (err == EAGAIN || err == EWOULDBLOCK)
        return false;
    if (err == EINTR || err == ECONNABORTED)
        return true;
    log_event(&srv->lg, LOG_WARN, "accept_error", "err=%s pause_ms=%d",
              log_errno_name(err), exhausted ? SERVER_ACCEPT_PAUSE_MS : 0);
    /* Level-triggered epoll would wake us at once, again and again. */
    if (exhausted)
        server_pause_accept(srv, now_ms);
    return false;
}

/* Logs the accept, applies --crash-after-conns, hands fd to a dummy_conn. */
static void server_admit(struct dummy_server *srv, int fd,
                         const struct net_addr *peer, uint64_t now_ms)
{
    char peer_text[NET_ADDR_STRLEN];
    long crash_after = srv->opts->crash_after_conns;
    uint64_t cid = ++srv->conns_accepted;

    log_event(&srv->lg, LOG_INFO, "accept", "cid=%" PRIu64 " peer=%s", cid,
              net_addr_format(peer, peer_text, sizeof(peer_text)));
    if (crash_after != DUMMY_OPTIONS_OFF && cid > (uint64_t)crash_after) {
        log_event(&srv->lg, LOG_WARN, "fault",
                  "kind=crash trigger=conns limit=%ld cid=%" PRIu64,
                  crash_after, cid);
        /* No cleanup on purpose: this stands for a backend that dies. Its
         * last lines (the harness dates the crash by this one) go out first. */
        log_drain(&srv->lg, 500);
        raise(SIGKILL);
    }
    /* On failure the connection logged its own ev=close. */
    dummy_conn_accept(&srv->env, fd, cid, now_ms);
}

/* Accepts what is waiting, a bounded batch per wake-up. */
static void server_accept(struct dummy_server *srv, uint64_t now_ms)
{
    for (int i = 0; i < SERVER_ACCEPT_BATCH; i++) {
        struct net_addr peer;
        int fd;

        peer.len = sizeof(peer.sa);
        fd = accept4(srv->listen_fd, (struct sockaddr *)&peer.sa, &peer.len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd != -1)
            server_admit(srv, fd, &peer, now_ms);
        else if (!server_accept_failed(srv, errno, now_ms))
            return;
    }
}

/* Runs every connection timer that is due by now_ms. */
static void server_fire_timers(struct dummy_server *srv, uint64_t now_ms)
{
    struct heap_node *node;

    /* Each handler removes its timer or moves it past now_ms. */
    while ((node = heap_top(&srv->timers)) != NULL && node->key <= now_ms)
        dummy_conn_on_timer(dummy_conn_of_timer(node), now_ms);
}

/* Milliseconds epoll_wait may sleep: until the next timer or resume. */
static int server_timeout(const struct dummy_server *srv, uint64_t now_ms)
{
    const struct heap_node *top = heap_top(&srv->timers);
    uint64_t wake = top != NULL ? top->key : UINT64_MAX;

    if (srv->accept_paused && srv->accept_resume_ms < wake)
        wake = srv->accept_resume_ms;
    if (wake == UINT64_MAX)
        return -1;
    if (wake <= now_ms)
        return 0;
    return wake - now_ms > INT_MAX ? INT_MAX : (int)(wake - now_ms);
}

/* Reads a signal from the stop fd, logs it. Returns 1 when it asks to
 * stop; any other signal (SIGHUP, SIGUSR1...) is ignored: it must not end
 * a backend in the middle of a test. */
static int server_take_signal(struct dummy_server *srv)
{
    struct signalfd_siginfo info;
    int signo;

    if (read(srv->stop_fd, &info, sizeof(info)) != (ssize_t)sizeof(info))
        return 0;
    signo = (int)info.ssi_signo;
    if (signo == SIGINT || signo == SIGTERM) {
        log_event(&srv->lg, LOG_INFO, "signal", "sig=%s", sigabbrev_np(signo));
        return 1;
    }
    log_event(&srv->lg, LOG_INFO, "signal", "sig=%s action=ignored",
              sigabbrev_np(signo));
    return 0;
}

/* Handles one batch of events. Returns 1 when asked to stop, else 0. */
static int server_dispatch(struct dummy_server *srv,
                           const struct epoll_event *events, int count)
{
    uint64_t now_ms = clock_now_ms();

    for (int i = 0; i < count; i++) {
        void *tag = events[i].data.ptr;

        if (tag == &srv->stop_fd && server_take_signal(srv))
            return 1;
        if (tag == &srv->stop_fd)
            continue;
        if (tag == &srv->listen_fd)
            server_accept(srv, now_ms);
        else if (tag == &srv->control)
            server_read_control(srv);
        else
            dummy_conn_on_io(tag, events[i].events, now_ms);
    }
    return 0;
}

int dummy_server_run(struct dummy_server *srv)
{
    struct epoll_event events[SERVER_EVENTS];
    int saved;

    for (;;) {
        uint64_t now_ms = clock_now_ms();
        int count;

        server_fire_timers(srv, now_ms);
        if (server_resume_accept(srv, now_ms) == -1)
            break;
        count = epoll_wait(srv->epoll_fd, events, SERVER_EVENTS,
                           server_timeout(srv, now_ms));
        if (count == -1 && errno == EINTR)
            continue;
        if (count == -1)
            break;
        if (server_dispatch(srv, events, count))
            return 0;
    }
    saved = errno;
    log_event(&srv->lg, LOG_ERROR, "error", "op=epoll err=%s",
              log_errno_name(saved));
    errno = saved;
    return -1;
}

void dummy_server_close(struct dummy_server *srv)
{
    /* No new connections while the old ones are closed. */
    close(srv->listen_fd);
    srv->listen_fd = -1;
    dummy_conn_close_all(&srv->env);
    log_event(&srv->lg, LOG_INFO, "stop", "conns=%" PRIu64 " lines=%" PRIu64,
              srv->conns_accepted, srv->env.lines_answered);
    server_free(srv);
}
