/*
 * faultlink_link: accepting, the control channel, syn-drop and the loop.
 * See faultlink_link.h.
 *
 * syn-drop: Linux drops a SYN when the listener's accept queue is full
 * (more than its backlog waiting), and the client's connect() retries the
 * SYN until its own timeout. So the link accepts what is queued, sets the
 * backlog to 0 with a second listen(), stops accepting, and connects a
 * socket of its own (the filler) to take the one place a backlog of 0
 * leaves. Every later SYN is dropped; removing the fault restores the
 * backlog, and the filler's connection is recognised and closed when it
 * is accepted.
 */
#include "faultlink_link.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "faultlink_conn.h"
#include "faultlink_control.h"
#include "heap.h"

#define LINK_BACKLOG 4096
#define LINK_EVENTS 256
#define LINK_ACCEPT_BATCH 64
#define LINK_SCRATCH_SIZE (64 * 1024)
#define LINK_ACCEPT_PAUSE_MS 100

struct faultlink_link {
    struct logger lg;
    int listen_fd;
    int epoll_fd;
    int stop_fd;
    int control_in;             /* -1 once it ended */
    int control_out;
    int filler_fd;              /* syn-drop's own connection, -1: none */
    struct net_addr filler_addr;
    struct net_addr addr;       /* bound */
    bool stopping;
    struct faultlink_faults faults;
    struct heap timers;
    struct faultlink_env env;
    uint64_t conns_accepted;
    uint64_t accept_resume_ms;  /* listener resting until then, 0: not */
    size_t line_len;
    bool line_too_long;         /* the rest of this line is skipped */
    bool line_has_nul;          /* refused whole: a NUL would cut it short */
    char line[FAULTLINK_CONTROL_LINE_MAX + 1];
};

static int link_watch(struct faultlink_link *link, int op, int fd,
                      uint32_t events, void *tag)
{
    struct epoll_event ev = { .events = events, .data.ptr = tag };

    return epoll_ctl(link->epoll_fd, op, fd, &ev);
}

const struct net_addr *faultlink_link_addr(const struct faultlink_link *link)
{
    return &link->addr;
}

/* --- faults on and off ------------------------------------------------ */

/* "both" for the kinds of the listener, else the direction. */
static const char *slot_dir(int kind, int dir)
{
    return faultlink_kind_of_listener((enum faultlink_kind)kind) ? "both" :
           faultlink_dir_name((enum faultlink_dir)dir);
}

/* Logs every slot that went on, changed or went off since before. */
static void log_changes(const struct faultlink_link *link,
                        const struct faultlink_faults *before)
{
    const struct faultlink_faults *now = &link->faults;

    for (int k = 0; k < FAULTLINK_KINDS; k++) {
        for (int d = 0; d < FAULTLINK_DIRS; d++) {
            char keys[256];

            if (before->on[k][d] && !now->on[k][d])
                log_event(&link->lg, LOG_INFO, "fault_off", "kind=%s dir=%s",
                          faultlink_kind_name((enum faultlink_kind)k),
                          slot_dir(k, d));
            if (!now->on[k][d] || (before->on[k][d] &&
                memcmp(&before->fault[k][d], &now->fault[k][d],
                       sizeof(now->fault[k][d])) == 0))
                continue;
            log_event(&link->lg, LOG_INFO, "fault_on", "kind=%s dir=%s %s",
                      faultlink_kind_name((enum faultlink_kind)k),
                      slot_dir(k, d), faultlink_fault_format(
                          &now->fault[k][d], keys, sizeof(keys)));
        }
    }
}

static void accept_batch(struct faultlink_link *link, uint64_t now_ms);

/* syn-drop on: accepts what waits, then fills a backlog of 0. */
static int syn_drop_start(struct faultlink_link *link, uint64_t now_ms)
{
    accept_batch(link, now_ms);
    if (listen(link->listen_fd, 0) == -1 ||
        link_watch(link, EPOLL_CTL_MOD, link->listen_fd, 0,
                   &link->listen_fd) == -1)
        return -1;
    link->filler_fd = net_connect(&link->addr);
    if (link->filler_fd == -1 ||
        net_local_addr(link->filler_fd, &link->filler_addr) == -1)
        return -1;
    return 0;
}

/* syn-drop off: the backlog back, accepting again. */
static int syn_drop_stop(struct faultlink_link *link)
{
    link->accept_resume_ms = 0;
    if (listen(link->listen_fd, LINK_BACKLOG) == -1 ||
        link_watch(link, EPOLL_CTL_MOD, link->listen_fd, EPOLLIN,
                   &link->listen_fd) == -1)
        return -1;
    return 0;
}

/* Acts on a change of the table: logs it, switches syn-drop, and has
 * every connection re-read the faults. */
static void faults_changed(struct faultlink_link *link,
                           const struct faultlink_faults *before,
                           uint64_t now_ms)
{
    bool was = before->on[FAULTLINK_SYN_DROP][FAULTLINK_UP];
    bool is = link->faults.on[FAULTLINK_SYN_DROP][FAULTLINK_UP];
    int rc = 0;

    log_changes(link, before);
    if (!was && is)
        rc = syn_drop_start(link, now_ms);
    else if (was && !is)
        rc = syn_drop_stop(link);
    if (rc == -1)
        log_event(&link->lg, LOG_ERROR, "error", "op=syn_drop err=%s",
                  log_errno_name(errno));
    faultlink_conn_apply_all(&link->env, now_ms);
}

/* --- accepting ---------------------------------------------------------- */

/* True when fd is the server side of the syn-drop filler: closes both. */
static bool is_filler(struct faultlink_link *link, const struct net_addr *peer)
{
    if (link->filler_fd == -1 || peer->len != link->filler_addr.len ||
        memcmp(&peer->sa, &link->filler_addr.sa, peer->len) != 0)
        return false;
    close(link->filler_fd);
    link->filler_fd = -1;
    return true;
}

/* One accepted client: refused, or relayed. */
static void accept_one(struct faultlink_link *link, int fd,
                       const struct net_addr *peer, uint64_t now_ms)
{
    const struct faultlink_fault *refuse =
        &link->faults.fault[FAULTLINK_REFUSE][FAULTLINK_UP];
    uint64_t id = ++link->conns_accepted;
    char addr[NET_ADDR_STRLEN];

    log_event(&link->lg, LOG_INFO, "conn", "id=%" PRIu64 " client=%s", id,
              net_addr_format(peer, addr, sizeof(addr)));
    if (link->faults.on[FAULTLINK_REFUSE][FAULTLINK_UP] &&
        faultlink_fault_chosen(link->env.seed, id, FAULTLINK_REFUSE,
                               FAULTLINK_UP, refuse->toxicity)) {
        log_event(&link->lg, LOG_INFO, "fault_applied",
                  "id=%" PRIu64 " kind=refuse dir=both", id);
        net_close_reset(fd);
        log_event(&link->lg, LOG_INFO, "close", "id=%" PRIu64 " bytes_up=0 "
                  "bytes_down=0 reason=refused", id);
        return;
    }
    faultlink_conn_open(&link->env, fd, id, now_ms);
}

/* Out of descriptors or memory: the listener rests LINK_ACCEPT_PAUSE_MS
 * instead of waking the loop at once again (it stays readable). */
static void accept_pause(struct faultlink_link *link, uint64_t now_ms)
{
    log_event(&link->lg, LOG_WARN, "accept_fail", "err=%s pause_ms=%d",
              log_errno_name(errno), LINK_ACCEPT_PAUSE_MS);
    if (link_watch(link, EPOLL_CTL_MOD, link->listen_fd, 0,
                   &link->listen_fd) == 0)
        link->accept_resume_ms = now_ms + LINK_ACCEPT_PAUSE_MS;
}

/* The pause is over: accepting again, unless syn-drop holds it. */
static void accept_resume(struct faultlink_link *link, uint64_t now_ms)
{
    if (link->accept_resume_ms == 0 || now_ms < link->accept_resume_ms)
        return;
    link->accept_resume_ms = 0;
    if (!link->faults.on[FAULTLINK_SYN_DROP][FAULTLINK_UP])
        link_watch(link, EPOLL_CTL_MOD, link->listen_fd, EPOLLIN,
                   &link->listen_fd);
}

/* Accepts what waits (a batch: the others get their turn). */
static void accept_batch(struct faultlink_link *link, uint64_t now_ms)
{
    for (int i = 0; i < LINK_ACCEPT_BATCH; i++) {
        struct net_addr peer = { .len = sizeof(peer.sa) };
        int fd = accept4(link->listen_fd, (struct sockaddr *)&peer.sa,
                         &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            if (net_local_failure(errno))
                accept_pause(link, now_ms);
            else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                log_event(&link->lg, LOG_WARN, "accept_fail", "err=%s",
                          log_errno_name(errno));
            return;
        }
        if (is_filler(link, &peer))
            close(fd);
        else
            accept_one(link, fd, &peer, now_ms);
    }
}

/* --- the control channel ------------------------------------------------ */

/* Runs one command line and writes its reply. */
static void control_line(struct faultlink_link *link, char *line,
                         uint64_t now_ms)
{
    struct faultlink_faults before = link->faults;
    char reply[2 * FAULTLINK_CONTROL_LINE_MAX];
    int rc = faultlink_control_run(&link->faults, line, reply,
                                   sizeof(reply) - 1);

    if (rc == 0)
        return;
    /* In force before the reply, so whoever waits for "ok" finds it so. */
    if (rc == 1)
        faults_changed(link, &before, now_ms);
    strcat(reply, "\n");
    log_write_all(link->control_out, reply, strlen(reply));
}

/* Takes len bytes of input: runs every whole line, keeps the rest. */
static void control_bytes(struct faultlink_link *link, const char *buf,
                          size_t len, uint64_t now_ms)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\0') {
            link->line_has_nul = true;
            continue;
        }
        if (buf[i] != '\n') {
            if (link->line_len < FAULTLINK_CONTROL_LINE_MAX)
                link->line[link->line_len++] = buf[i];
            else
                link->line_too_long = true;
            continue;
        }
        link->line[link->line_len] = '\0';
        if (link->line_too_long || link->line_has_nul) {
            char reply[96];

            if (link->line_too_long)
                snprintf(reply, sizeof(reply), "error: line longer than %d "
                         "bytes\n", FAULTLINK_CONTROL_LINE_MAX);
            else
                snprintf(reply, sizeof(reply), "error: line holds a NUL "
                         "byte\n");
            log_write_all(link->control_out, reply, strlen(reply));
        } else {
            control_line(link, link->line, now_ms);
        }
        link->line_len = 0;
        link->line_too_long = false;
        link->line_has_nul = false;
    }
}

/* Reads the control input once. At its end, a last line without a
 * newline still counts, and the link goes on without it. */
static void control_read(struct faultlink_link *link, uint64_t now_ms)
{
    char buf[4096];
    ssize_t n = read(link->control_in, buf, sizeof(buf));

    if (n > 0) {
        control_bytes(link, buf, (size_t)n, now_ms);
        return;
    }
    if (n == -1 && (errno == EINTR || errno == EAGAIN))
        return;
    if (link->line_len > 0 || link->line_too_long || link->line_has_nul)
        control_bytes(link, "\n", 1, now_ms);
    epoll_ctl(link->epoll_fd, EPOLL_CTL_DEL, link->control_in, NULL);
    if (n == 0)
        log_event(&link->lg, LOG_INFO, "control_closed", NULL);
    else
        log_event(&link->lg, LOG_WARN, "control_closed", "err=%s",
                  log_errno_name(errno));
    link->control_in = -1;
}

/* Watches the control input; one that epoll cannot watch (a regular
 * file, /dev/null) is read to its end at once. */
static void control_start(struct faultlink_link *link, uint64_t now_ms)
{
    if (link->control_in == -1)
        return;
    if (link_watch(link, EPOLL_CTL_ADD, link->control_in, EPOLLIN,
                   &link->control_in) == 0)
        return;
    while (link->control_in != -1)
        control_read(link, now_ms);
}

/* --- the loop ------------------------------------------------------------ */

/* The stop fd is readable: a signal (logged) or any byte. */
static void stop_read(struct faultlink_link *link)
{
    struct signalfd_siginfo info;
    ssize_t n = read(link->stop_fd, &info, sizeof(info));

    if (n == (ssize_t)sizeof(info))
        log_event(&link->lg, LOG_INFO, "signal", "sig=%s",
                  sigabbrev_np((int)info.ssi_signo));
    link->stopping = true;
}

static void dispatch(struct faultlink_link *link, void *tag, uint32_t events,
                     uint64_t now_ms)
{
    if (tag == &link->listen_fd)
        accept_batch(link, now_ms);
    else if (tag == &link->stop_fd)
        stop_read(link);
    else if (tag == &link->control_in)
        control_read(link, now_ms);
    else
        faultlink_conn_event(tag, events, now_ms);
}

/* Runs the timers due by now_ms, each at most once per pass: a
 * connection that asks to run again now waits for the next pass. */
static void run_timers(struct faultlink_link *link, uint64_t now_ms)
{
    size_t budget = link->timers.count;

    for (; budget > 0; budget--) {
        struct heap_node *top = heap_top(&link->timers);

        if (top == NULL || top->key > now_ms)
            return;
        faultlink_conn_timer(faultlink_conn_of_timer(top), now_ms);
    }
}

/* Milliseconds until the first timer or the end of an accept pause, -1:
 * none. */
static int wait_ms(const struct faultlink_link *link, uint64_t now_ms)
{
    const struct heap_node *top = heap_top(&link->timers);
    uint64_t next = link->accept_resume_ms;

    if (top != NULL && (next == 0 || top->key < next))
        next = top->key;
    if (next == 0)
        return -1;
    if (next <= now_ms)
        return 0;
    return next - now_ms > 60000 ? 60000 : (int)(next - now_ms);
}

int faultlink_link_run(struct faultlink_link *link)
{
    struct epoll_event events[LINK_EVENTS];

    while (!link->stopping) {
        int n = epoll_wait(link->epoll_fd, events, LINK_EVENTS,
                           wait_ms(link, clock_now_ms()));
        uint64_t now_ms = clock_now_ms();

        if (n == -1 && errno != EINTR) {
            int saved = errno;

            log_event(&link->lg, LOG_ERROR, "error", "op=epoll_wait err=%s",
                      log_errno_name(saved));
            errno = saved;
            return -1;
        }
        for (int i = 0; i < n; i++)
            dispatch(link, events[i].data.ptr, events[i].events, now_ms);
        run_timers(link, now_ms);
        faultlink_conn_reap(&link->env);
        accept_resume(link, now_ms);
    }
    return 0;
}

/* --- open and close ------------------------------------------------------ */

static void link_free(struct faultlink_link *link)
{
    faultlink_conn_close_all(&link->env, "shutdown");
    faultlink_conn_reap(&link->env);
    if (link->filler_fd != -1)
        close(link->filler_fd);
    if (link->listen_fd != -1)
        close(link->listen_fd);
    if (link->epoll_fd != -1)
        close(link->epoll_fd);
    heap_free(&link->timers);
    free(link->env.scratch);
    free(link);
}

/* Binds, listens and watches. Returns 0, or -1 after logging why. */
static int link_listen(struct faultlink_link *link,
                       const struct net_addr *listen_addr)
{
    char addr[NET_ADDR_STRLEN];
    int saved;

    link->listen_fd = net_listen(listen_addr, LINK_BACKLOG);
    if (link->listen_fd != -1 &&
        net_local_addr(link->listen_fd, &link->addr) == 0 &&
        link_watch(link, EPOLL_CTL_ADD, link->listen_fd, EPOLLIN,
                   &link->listen_fd) == 0)
        return 0;
    saved = errno;
    log_event(&link->lg, LOG_ERROR, "error", "op=listen addr=%s err=%s",
              net_addr_format(listen_addr, addr, sizeof(addr)),
              log_errno_name(saved));
    errno = saved;
    return -1;
}

/* Fills the environment the connections share. Returns 0 or -1. */
static int link_setup(struct faultlink_link *link,
                      const struct faultlink_link_config *config)
{
    link->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    link->env.scratch = malloc(LINK_SCRATCH_SIZE);
    if (link->epoll_fd == -1 || link->env.scratch == NULL)
        return -1;
    link->env.scratch_size = LINK_SCRATCH_SIZE;
    link->env.lg = &link->lg;
    link->env.epoll_fd = link->epoll_fd;
    link->env.timers = &link->timers;
    link->env.seed = config->seed;
    link->env.faults = &link->faults;
    link->env.to = config->to;
    if (link->stop_fd != -1 &&
        link_watch(link, EPOLL_CTL_ADD, link->stop_fd, EPOLLIN,
                   &link->stop_fd) == -1)
        return -1;
    return 0;
}

struct faultlink_link *faultlink_link_open(
    const struct faultlink_link_config *config, const struct logger *lg)
{
    struct faultlink_link *link = calloc(1, sizeof(*link));
    struct faultlink_faults none;
    char addr[NET_ADDR_STRLEN], to[NET_ADDR_STRLEN];
    int saved;

    if (link == NULL)
        return NULL;
    link->lg = *lg;
    link->listen_fd = link->epoll_fd = link->filler_fd = -1;
    link->stop_fd = config->stop_fd;
    link->control_in = config->control_in;
    link->control_out = config->control_out;
    heap_init(&link->timers);
    faultlink_faults_init(&none);
    if (link_setup(link, config) == -1) {
        saved = errno;
        log_event(lg, LOG_ERROR, "error", "op=setup err=%s",
                  log_errno_name(saved));
        goto fail;
    }
    if (link_listen(link, &config->listen) == -1) {
        saved = errno;
        goto fail;
    }
    log_event(&link->lg, LOG_INFO, "listen", "addr=%s to=%s seed=%" PRIu64
              " pid=%ld", net_addr_format(&link->addr, addr, sizeof(addr)),
              net_addr_format(&config->to, to, sizeof(to)), config->seed,
              (long)getpid());
    link->faults = *config->faults;
    faults_changed(link, &none, clock_now_ms());
    control_start(link, clock_now_ms());
    return link;
fail:
    link_free(link);
    errno = saved;
    return NULL;
}

void faultlink_link_close(struct faultlink_link *link)
{
    uint64_t conns;

    if (link == NULL)
        return;
    conns = link->conns_accepted;
    faultlink_conn_close_all(&link->env, "shutdown");
    log_event(&link->lg, LOG_INFO, "stop", "conns=%" PRIu64, conns);
    link_free(link);
}
