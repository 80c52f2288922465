/*
 * proxy_server: a multi-threaded TCP proxy with least-connections balancing.
 *
 * main() wires the modules together and owns every resource:
 *
 *   main thread ── config ── balancer ── listen socket(s) ── signalfd
 *        │                      ▲
 *        ├── pool ── worker 0..N-1 (epoll loops; accept; sessions)
 *        ├── health (checker thread, optional)
 *        ├── admin_server ("ctl" thread, --control; commands: admin)
 *        ├── reload (SIGHUP in control_run, or the reload command)
 *        └── control_run()  until SIGINT/SIGTERM, then stop in reverse
 *
 * Exit status: 0 after a clean stop, 1 when the proxy cannot start (for
 * example the port is taken), 2 on bad usage or configuration.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acceptor.h"
#include "admin_server.h"
#include "balancer.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "health.h"
#include "log.h"
#include "log_sink.h"
#include "logfmt.h"
#include "net.h"
#include "pool.h"
#include "process.h"
#include "reload.h"
#include "session.h"

#define LISTEN_BACKLOG 4096

/* Blocks the signals control_run reads from a signalfd (before any thread
 * starts, so every thread inherits the mask): none of them can end the
 * proxy behind its back. Returns the signalfd, or -1 with errno. */
static int block_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    control_signals(&set);
    return process_signalfd(&set);
}

/* Without --maxconn, fewer sessions than this at once is worth a warning:
 * a thousand clients at once is the lab's ordinary load (burst_1000.scn). */
#define FEW_SESSIONS 1000

/*
 * Raises the descriptor limit as far as it goes, then caps --maxconn at
 * the sessions it holds, as HAProxy derives its maxconn from ulimit -n:
 * clients beyond wait in the listen queue rather than being accepted
 * without a descriptor for their backend. Warns when the limit holds
 * fewer sessions than asked for.
 */
static void fit_fd_limit(struct config *cfg, const struct logger *log)
{
    struct acceptor_fds fds;
    long wanted = cfg->maxconn > 0 ? cfg->maxconn : FEW_SESSIONS;
    long nofile = process_raise_fd_limit_logged(log);

    if (nofile == -1)
        return;
    fds = acceptor_fds_fit(nofile, cfg);
    if (fds.fit < wanted)
        log_event(log, LOG_WARN, "fd_limit", "nofile=%ld fixed=%ld threads=%d "
                  "maxconn=%ld fit=%ld fit_splicing=%ld", nofile,
                  fds.fixed, cfg->threads, cfg->maxconn,
                  fds.fit > 0 ? fds.fit : 0,
                  fds.fit_splicing > 0 ? fds.fit_splicing : 0);
    /* At least 1: a limit of 0 would mean none at all. */
    if (cfg->maxconn == 0 || cfg->maxconn > fds.fit)
        cfg->maxconn = fds.fit > 1 ? fds.fit : 1;
}

/* Binds addr; logs why not. Returns the fd or -1. */
static int open_listener(const struct net_addr *addr, const struct logger *log,
                         const char *what)
{
    char text[NET_ADDR_STRLEN];
    int fd = net_listen(addr, LISTEN_BACKLOG);

    /* Accepted sockets inherit it: replies leave without Nagle's delay. */
    if (fd != -1)
        net_set_nodelay(fd);
    if (fd == -1)
        log_event(log, LOG_ERROR, "error", "op=listen what=%s addr=%s err=%s",
                  what, net_addr_format(addr, text, sizeof(text)),
                  log_errno_name(errno));
    return fd;
}

static void log_start(const struct config *cfg, const struct logger *log,
                      int listen_fd, int stats_fd)
{
    char control[2 * CONFIG_CONTROL_PATH_MAX];
    char text[NET_ADDR_STRLEN], stats[NET_ADDR_STRLEN] = "off";
    struct net_addr actual;

    net_local_addr(listen_fd, &actual);
    if (stats_fd != -1) {
        struct net_addr stats_addr;

        net_local_addr(stats_fd, &stats_addr);
        net_addr_format(&stats_addr, stats, sizeof(stats));
    }
    log_event(log, LOG_INFO, "start", "listen=%s threads=%d balance=%s "
              "backends=%zu stats=%s control=%s pid=%d",
              net_addr_format(&actual, text, sizeof(text)), cfg->threads,
              balancer_policy_name(cfg->balance), cfg->backend_count, stats,
              cfg->control_path[0] == '\0' ? "off"
              : logfmt_quote(cfg->control_path, control, sizeof(control)),
              (int)getpid());
    for (size_t i = 0; i < cfg->backend_count; i++) {
        const struct balancer_backend_spec *b = &cfg->backends[i];

        log_event(log, LOG_INFO, "backend", "name=%s addr=%s weight=%d "
                  "maxconn=%d state=up", b->name,
                  net_addr_format(&b->addr, text, sizeof(text)), b->weight,
                  b->maxconn);
    }
}

/* The command line as given, for reload_create. */
struct reload_args {
    int argc;
    char **argv;
    const struct config *started;
};

/* Everything main() starts, so that one function can stop it all. */
struct proxy {
    struct proxy_shared shared;
    struct balancer *balancer;
    struct pool *pool;
    struct health *health;
    struct reload *reload;
    struct admin admin;                 /* what the control commands use */
    struct admin_server *admin_server;  /* NULL: no --control */
    int listen_fd;
    int stats_fd;
    int signal_fd;
};

static void proxy_teardown(struct proxy *p)
{
    if (p->stats_fd != -1)
        close(p->stats_fd);
    health_stop(p->health);
    /* The control socket answers through the grace period, so that the
     * drain can be watched (show sessions); it goes once the workers
     * have ended, before the pool it asks is freed. */
    if (p->pool != NULL)
        pool_stop(p->pool, p->shared.config->grace_ms);
    admin_server_stop(p->admin_server);
    if (p->pool != NULL)
        pool_free(p->pool);
    /* Only now: a worker may be inside accept4() on it until joined. */
    if (p->listen_fd != -1)
        close(p->listen_fd);
    acceptor_spend_reserve(&p->shared);
    reload_destroy(p->reload);
    balancer_destroy(p->balancer);
    if (p->signal_fd != -1)
        close(p->signal_fd);
}

/* The reload state and the control socket (not yet served). Returns 0,
 * or -1 after logging why. */
static int operations_setup(struct proxy *p, struct config *cfg,
                            const struct reload_args *args,
                            const struct logger *log)
{
    p->reload = reload_create(args->argc, args->argv, args->started, cfg,
                              p->balancer);
    if (p->reload == NULL) {
        log_event(log, LOG_ERROR, "error", "op=reload err=%s",
                  log_errno_name(errno));
        return -1;
    }
    p->admin = (struct admin){
        .balancer = p->balancer, .shared = &p->shared, .reload = p->reload,
        .pool = NULL, .control_path = cfg->control_path,
        .start_ms = clock_now_ms() };
    if (cfg->control_path[0] == '\0')
        return 0;
    p->admin_server = admin_server_open(cfg->control_path);
    if (p->admin_server == NULL) {
        char path[2 * CONFIG_CONTROL_PATH_MAX];

        log_event(log, LOG_ERROR, "error", "op=listen what=control addr=%s "
                  "err=%s", logfmt_quote(cfg->control_path, path,
                                         sizeof(path)),
                  log_errno_name(errno));
        return -1;
    }
    return 0;
}

/* Serves the control socket, if any, once the workers run (show sessions
 * asks them). Returns 0, or -1 after logging why. */
static int operations_start(struct proxy *p, const struct logger *log)
{
    p->admin.pool = p->pool;
    if (p->admin_server == NULL ||
        admin_server_start(p->admin_server, &p->admin, log) == 0)
        return 0;
    log_event(log, LOG_ERROR, "error", "op=thread what=control err=%s",
              log_errno_name(errno));
    return -1;
}

/* Opens sockets and starts threads. Returns 0, or -1 after logging why. */
static int proxy_setup(struct proxy *p, struct config *cfg,
                       const struct reload_args *args,
                       const struct logger *log)
{
    p->balancer = balancer_create(cfg->backends, cfg->backend_count,
                                  cfg->balance, cfg->health_interval_ms > 0,
                                  cfg->seed);
    if (p->balancer == NULL) {
        log_event(log, LOG_ERROR, "error", "op=balancer err=%s",
                  log_errno_name(errno));
        return -1;
    }
    balancer_tune(p->balancer, &cfg->tuning);
    p->shared.balancer = p->balancer;
    p->listen_fd = open_listener(&cfg->listen, log, "listen");
    if (cfg->stats_enabled)
        p->stats_fd = open_listener(&cfg->stats, log, "stats");
    if (p->listen_fd == -1 || (cfg->stats_enabled && p->stats_fd == -1) ||
        operations_setup(p, cfg, args, log) == -1)
        return -1;
    p->pool = pool_start((size_t)cfg->threads, &p->shared, log);
    if (p->pool == NULL) {
        log_event(log, LOG_ERROR, "error", "op=thread what=worker err=%s",
                  log_errno_name(errno));
        return -1;
    }
    if (health_start(&p->health, p->balancer, cfg, log) == -1) {
        log_event(log, LOG_ERROR, "error", "op=thread what=health err=%s",
                  log_errno_name(errno));
        return -1;
    }
    if (operations_start(p, log) == -1)
        return -1;
    pool_listen(p->pool, p->listen_fd);
    /* Logged once every thread runs: "start" means ready. */
    log_start(cfg, log, p->listen_fd, p->stats_fd);
    return 0;
}

/*
 * Parses the command line into cfg, and into *started its copy as parsed
 * (what a reload compares with), keeping in args a copy of argv as given:
 * config_parse permutes argv, and a reload parses it again. Returns -1 to
 * go on, else the exit status (after --help, or a usage error).
 */
static int parse_args(int argc, char **argv, struct config *cfg,
                      struct config *started, struct reload_args *args)
{
    char err[CONFIG_ERR_MAX];
    enum config_result rc;

    *args = (struct reload_args){ .argc = argc, .started = started };
    args->argv = calloc((size_t)argc + 1, sizeof(*args->argv));
    if (args->argv == NULL)
        return PROCESS_EXIT_FAIL;
    memcpy(args->argv, argv, (size_t)argc * sizeof(*argv));
    config_defaults(cfg);
    rc = config_parse(cfg, argc, argv, stdout, err, sizeof(err));
    if (rc == CONFIG_RUN) {
        *started = *cfg;
        return -1;
    }
    free(args->argv);
    return rc == CONFIG_EXIT ? PROCESS_EXIT_OK
                             : process_usage_error("proxy_server", err);
}

int main(int argc, char **argv)
{
    static struct config cfg, started;
    struct reload_args args;
    struct logger log;
    struct proxy p = { .listen_fd = -1, .stats_fd = -1, .signal_fd = -1 };
    struct control control;
    struct log_sink *sink;
    int signo = parse_args(argc, argv, &cfg, &started, &args);

    if (signo != -1)
        return signo;
    log_init(&log, STDERR_FILENO, cfg.log_level);
    /* From here on no thread waits for stderr's reader (log_sink.h). */
    sink = log_sink_start_for(&log, (size_t)cfg.log_buffer);
    if (sink == NULL) {
        free(args.argv);
        return PROCESS_EXIT_FAIL;
    }
    log_sink_linger(sink, (int)cfg.log_flush_ms);
    fit_fd_limit(&cfg, &log);
    p.shared.config = &cfg;
    atomic_init(&p.shared.live_sessions, 0);
    atomic_init(&p.shared.next_sid, 0);
    acceptor_shared_init(&p.shared);
    p.signal_fd = block_signals();
    if (p.signal_fd == -1)
        log_event(&log, LOG_ERROR, "error", "op=signalfd err=%s",
                  log_errno_name(errno));
    if (p.signal_fd == -1 || proxy_setup(&p, &cfg, &args, &log) == -1) {
        proxy_teardown(&p);
        log_sink_stop(sink, LOG_SINK_STOP_MS);
        free(args.argv);
        return PROCESS_EXIT_FAIL;
    }
    control = (struct control){
        .stats_fd = p.stats_fd, .signal_fd = p.signal_fd,
        .balancer = p.balancer, .shared = &p.shared, .reload = p.reload,
        .log = &log,
    };
    signo = control_run(&control);
    log_event(&log, LOG_INFO, "stopping", "signal=%s grace_ms=%ld",
              signo > 0 ? sigabbrev_np(signo) : "none", cfg.grace_ms);
    /* Stop accepting first, then drain the workers. The kernel refuses new
     * clients from now on and resets those still in the listen queue; the
     * workers' accept4() fails with EINVAL, and they stop listening. */
    shutdown(p.listen_fd, SHUT_RD);
    proxy_teardown(&p);
    log_event(&log, LOG_INFO, "stop", "status=%s", signo > 0 ? "clean" : "error");
    log_sink_stop(sink, LOG_SINK_STOP_MS);
    free(args.argv);
    return signo > 0 ? PROCESS_EXIT_OK : PROCESS_EXIT_FAIL;
}
