/*
 * runner: start the processes, play the timeline, stop everything, load
 * the logs. See runner.h.
 */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "child.h"
#include "ctlclient.h"
#include "linkmap.h"
#include "clock.h"
#include "log.h"
#include "logfmt.h"
#include "net.h"
#include "tail.h"

#define RUNNER_ARGS_MAX 96
#define RUNNER_START_WAIT_MS 5000
#define RUNNER_TICK_MS 5
#define RUNNER_SAMPLE_MS 100
#define RUNNER_SETTLE_MS 2000
#define RUNNER_KEEP_TRIES 100    /* names tried under --keep DIR */
#define RUNNER_CONTROL_MS 2000   /* one command to the proxy's socket */

struct backend_proc {
    struct child child;
    int port;                   /* 0 until known */
    bool running;
    char log_path[600];
    struct tail tail;           /* for -v */
    int hole_fd;                /* blackhole: the listener, its filler */
    int filler_fd;
    int control_fd;             /* --control: its stdin, or -1 */
};

/* A fault_link in front of a backend, or of the proxy (for the clients). */
struct link_proc {
    struct child child;
    int port;                   /* where it listens: 0 when there is none */
    int control_fd;             /* its stdin */
    char log_path[600];
};

/* The clients' link, after the backends' in run->links. */
#define CLIENTS_LINK SCENARIO_MAX_BACKENDS
#define COUNT_LINKS (SCENARIO_MAX_BACKENDS + 1)

struct burst_proc {
    struct child child;
    int event;                  /* index into scenario->events */
    char log_path[600];
    struct tail tail;           /* for -v */
};

/* One run's state. */
struct run {
    const struct scenario *sc;
    const struct runner_options *opt;
    unsigned long seed;
    char dir[512];
    bool temp_dir;
    pid_t group;
    int timeline_fd;
    struct logger timeline;
    struct child proxy;
    int proxy_port;
    char proxy_log[600];
    struct tail proxy_tail;
    uint64_t t0_ms;
    struct backend_proc backends[SCENARIO_MAX_BACKENDS];
    struct link_proc links[SCENARIO_MAX_BACKENDS + 1];
    struct burst_proc bursts[SCENARIO_MAX_EVENTS];
    size_t burst_count;
    bool fired[SCENARIO_MAX_EVENTS];
    bool proxy_stopped;         /* by a "stop proxy" event: it may exit */
    char control_path[600];     /* the proxy's control socket ("": none) */
    char config_path[600];      /* its settings file (-c, "": none) */
    /* The proxy's backends as the operations left them: the config file
     * written for a reload says this. */
    bool in_proxy[SCENARIO_MAX_BACKENDS];
    int weight[SCENARIO_MAX_BACKENDS];
    int maxconn[SCENARIO_MAX_BACKENDS];
    long slowstart_ms[SCENARIO_MAX_BACKENDS];   /* an add's; -1 none */
    long picks[SCENARIO_MAX_BACKENDS];
    long accepts, closes;       /* sessions the proxy logged */
    uint64_t next_sample_ms;
    char *err;
    size_t errlen;
};

static int start_delayed(struct run *run, uint64_t elapsed_ms);

/* True once the caller's signal handler asked the run to stop. */
static bool interrupted(const struct run *run)
{
    return run->opt->interrupted != NULL && *run->opt->interrupted != 0;
}

/* --- arguments ---------------------------------------------------------- */

struct args {
    char *argv[RUNNER_ARGS_MAX + 1];
    char store[RUNNER_ARGS_MAX][160];
    int count;
};

static void args_add(struct args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void args_add(struct args *a, const char *fmt, ...)
{
    va_list ap;

    if (a->count == RUNNER_ARGS_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(a->store[a->count], sizeof(a->store[0]), fmt, ap);
    va_end(ap);
    a->argv[a->count] = a->store[a->count];
    a->argv[++a->count] = NULL;
}

/* Adds "--key value" (or "--key" for a flag) for each option. */
static void args_options(struct args *a, const struct scenario_option *opts,
                         size_t count)
{
    for (size_t i = 0; i < count; i++) {
        args_add(a, "--%s", opts[i].key);
        if (opts[i].value[0] != '\0')
            args_add(a, "%s", opts[i].value);
    }
}

/* --- waiting for a process to be ready ---------------------------------- */

/* What wait_ready looks for: the first line with ev=<event>, and the port
 * of its <key>=HOST:PORT. */
struct ready_probe {
    const char *event;
    const char *key;
    int port;
    double ts;
};

static void probe_line(char *line, void *arg)
{
    struct ready_probe *probe = arg;
    struct logfmt_pair pairs[32];
    const char *ev, *addr, *colon;
    int count;

    if (probe->port > 0)
        return;
    count = logfmt_parse(line, pairs, 32);
    ev = count > 0 ? logfmt_get(pairs, count, "ev") : NULL;
    if (ev == NULL || strcmp(ev, probe->event) != 0)
        return;
    addr = logfmt_get(pairs, count, probe->key);
    colon = addr != NULL ? strrchr(addr, ':') : NULL;
    if (colon != NULL)
        probe->port = atoi(colon + 1);
    if (logfmt_get(pairs, count, "ts") != NULL)
        probe->ts = atof(logfmt_get(pairs, count, "ts"));
}

/*
 * Follows log_path from byte from (where the process just started began to
 * append) until the ready line shows up (returns its port), the process
 * exits, or the wait times out (returns -1, err filled).
 */
static int wait_ready(struct run *run, struct child *child,
                      const char *log_path, long long from,
                      struct ready_probe *probe, const char *what)
{
    uint64_t deadline = clock_now_ms() + RUNNER_START_WAIT_MS;
    struct tail tail;

    tail_init_at(&tail, log_path, from);
    while (probe->port <= 0) {
        tail_poll(&tail, probe_line, probe);
        if (probe->port > 0)
            break;
        if (interrupted(run)) {
            tail_close(&tail);
            return -1;
        }
        if (child_wait(child, 0) || clock_now_ms() > deadline) {
            snprintf(run->err, run->errlen, "%s did not start (%s); see %s",
                     what, child->exited ? "it exited" : "no ready line",
                     log_path);
            tail_close(&tail);
            return -1;
        }
        poll(NULL, 0, 2);
    }
    tail_close(&tail);
    return probe->port;
}

/* --- backends ---------------------------------------------------------- */

/* A free port for a backend that starts later (reserved by binding port 0
 * and releasing it: the kernel will not hand it out again soon). */
static int reserve_port(void)
{
    struct net_addr addr, bound;
    char err[128];
    int fd, port = -1;

    if (net_parse_hostport("127.0.0.1:0", NULL, &addr, err, sizeof(err)) == -1)
        return -1;
    fd = net_listen(&addr, 1);
    if (fd == -1)
        return -1;
    if (net_local_addr(fd, &bound) == 0)
        port = net_addr_port(&bound);
    close(fd);
    return port;
}

/* A port where connects never complete, for a blackhole backend: a
 * listener with a queue of one, filled by a connection of our own, so the
 * kernel drops every later SYN and the connects time out. */
static int open_blackhole(struct backend_proc *proc)
{
    struct net_addr addr, bound;
    char err[128];

    if (net_parse_hostport("127.0.0.1:0", NULL, &addr, err, sizeof(err)) == -1)
        return -1;
    proc->hole_fd = net_listen(&addr, 0);
    if (proc->hole_fd == -1 || net_local_addr(proc->hole_fd, &bound) == -1)
        return -1;
    proc->filler_fd = net_connect(&bound);
    proc->port = net_addr_port(&bound);
    return proc->filler_fd == -1 ? -1 : 0;
}

static int start_backend(struct run *run, size_t index)
{
    const struct scenario_backend *b = &run->sc->backends[index];
    struct backend_proc *proc = &run->backends[index];
    struct ready_probe probe = { "listen", "addr", 0, 0 };
    struct args a = { .count = 0 };
    char what[64];
    /* A restarted backend appends to its log: its ready line is the one
     * after the last run's lines, not the last run's own. */
    long long from = tail_size(proc->log_path);

    args_add(&a, "%s/dummy_server", run->opt->bin_dir);
    args_add(&a, "%d", proc->port);
    args_add(&a, "--name");
    args_add(&a, "%s", b->name);
    args_add(&a, "--seed");
    args_add(&a, "%lu", run->seed * 31 + index + 1);
    args_options(&a, b->options, b->option_count);
    if (b->controlled)
        args_add(&a, "--control");
    if (scenario_wants_request_lines(run->sc)) {
        args_add(&a, "--log-level");
        args_add(&a, "debug");
    }
    if (proc->control_fd != -1)
        close(proc->control_fd);    /* the last run's: a new one per start */
    proc->control_fd = -1;
    if ((b->controlled
         ? child_start_input(&proc->child, a.argv, proc->log_path, &run->group,
                             &proc->control_fd)
         : child_start(&proc->child, a.argv, proc->log_path,
                       &run->group)) == -1) {
        snprintf(run->err, run->errlen, "cannot start dummy_server: %s",
                 strerror(errno));
        return -1;
    }
    snprintf(what, sizeof(what), "backend %s", b->name);
    if (wait_ready(run, &proc->child, proc->log_path, from, &probe,
                   what) == -1)
        return -1;
    proc->port = probe.port;
    proc->running = true;
    log_event(&run->timeline, LOG_INFO, "backend_start", "be=%s pid=%d port=%d",
              b->name, (int)proc->child.pid, proc->port);
    return 0;
}

/* Starts a backend again on its port; the port may take a moment to be
 * free after a crash, so it tries a few times. */
static int restart_backend(struct run *run, size_t index)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        child_wait(&run->backends[index].child, 0);
        if (start_backend(run, index) == 0)
            return 0;
        child_signal(&run->backends[index].child, SIGKILL);
        child_wait(&run->backends[index].child, 1000);
        poll(NULL, 0, 50);
    }
    return -1;
}

/* --- links ------------------------------------------------------------- */

/* The name of link index (a backend's, or "clients"). */
static const char *link_name(const struct run *run, size_t index)
{
    return index == CLIENTS_LINK ? "clients" : run->sc->backends[index].name;
}

/* Starts fault_link index in front of to_port; its port is where the proxy
 * (or the clients) connect instead. */
static int start_link(struct run *run, size_t index, int to_port)
{
    struct link_proc *link = &run->links[index];
    struct ready_probe probe = { "listen", "addr", 0, 0 };
    struct args a = { .count = 0 };
    char what[64];

    snprintf(link->log_path, sizeof(link->log_path), "%s/link-%s.log",
             run->dir, link_name(run, index));
    args_add(&a, "%s/fault_link", run->opt->bin_dir);
    args_add(&a, "--listen");
    args_add(&a, "127.0.0.1:0");
    args_add(&a, "--to");
    args_add(&a, "127.0.0.1:%d", to_port);
    args_add(&a, "--seed");
    args_add(&a, "%lu", run->seed * 37 + index + 1);
    if (child_start_input(&link->child, a.argv, link->log_path, &run->group,
                          &link->control_fd) == -1) {
        snprintf(run->err, run->errlen, "cannot start fault_link: %s",
                 strerror(errno));
        return -1;
    }
    snprintf(what, sizeof(what), "the link of %s", link_name(run, index));
    if (wait_ready(run, &link->child, link->log_path, 0, &probe, what) == -1)
        return -1;
    link->port = probe.port;
    log_event(&run->timeline, LOG_INFO, "link_start", "be=%s pid=%d port=%d "
              "to=%d", link_name(run, index), (int)link->child.pid,
              link->port, to_port);
    return 0;
}

/* Writes one command line to a control channel (a link's or a backend's).
 * The reply goes to the program's log; the parser already checked the
 * command with the program's own parser. */
static void send_command(int fd, const char *command)
{
    char line[SCENARIO_TEXT_MAX + 2];
    int len = snprintf(line, sizeof(line), "%s\n", command);

    if (fd != -1)
        log_write_all(fd, line, (size_t)len);
}

/* Puts or removes a link fault, or changes a backend: logged as a fault
 * line, before it is sent, like the process faults. */
static void apply_live(struct run *run, const struct scenario_event *ev)
{
    size_t index = ev->backend == SCENARIO_TARGET_CLIENTS
                   ? CLIENTS_LINK : (size_t)ev->backend;
    char command[SCENARIO_TEXT_MAX * 2];

    log_event(&run->timeline, LOG_INFO, "fault", "action=%s be=%s kind=%s "
              "cmd=%s line=%d%s", scenario_action_name(ev->action),
              link_name(run, index), ev->kind[0] != '\0' ? ev->kind : "-",
              logfmt_quote(ev->command, command, sizeof(command)), ev->line,
              ev->chaos ? " chaos=1" : "");
    send_command(ev->action == SCENARIO_SET ? run->backends[index].control_fd
                                            : run->links[index].control_fd,
                 ev->command);
}

/* --- the proxy ---------------------------------------------------------- */

/* The port the proxy connects to for backend index: its link's, if any. */
static int backend_port(const struct run *run, size_t index)
{
    return run->links[index].port > 0 ? run->links[index].port
                                      : run->backends[index].port;
}

/* "NAME=127.0.0.1:PORT,weight=W,maxconn=M[,slowstart=MS]" as the proxy
 * knows backend index now, into buf. */
static const char *backend_spec(const struct run *run, size_t index,
                                char *buf, size_t size)
{
    int len = snprintf(buf, size, "%s=127.0.0.1:%d,weight=%d,maxconn=%d",
                       run->sc->backends[index].name, backend_port(run, index),
                       run->weight[index], run->maxconn[index]);

    if (run->slowstart_ms[index] >= 0 && len > 0 && (size_t)len < size)
        snprintf(buf + len, size - (size_t)len, ",slowstart=%ld",
                 run->slowstart_ms[index]);
    return buf;
}

static void proxy_backend_args(struct run *run, struct args *a)
{
    char spec[160];

    for (size_t i = 0; i < run->sc->backend_count; i++) {
        if (!run->in_proxy[i])
            continue;
        args_add(a, "-b");
        args_add(a, "%s", backend_spec(run, i, spec, sizeof(spec)));
    }
}

/* Writes the proxy's settings file (the scenario's proxy options and the
 * backends it has now), whole or not at all: a reload never reads half a
 * file. Returns 0, or -1 with run->err set. */
static int write_config(struct run *run)
{
    char tmp[620], spec[160];
    FILE *out;
    int failed;

    snprintf(tmp, sizeof(tmp), "%s.tmp", run->config_path);
    out = fopen(tmp, "w");
    if (out == NULL)
        goto fail;
    for (size_t i = 0; i < run->sc->proxy_count; i++)
        fprintf(out, "%s %s\n", run->sc->proxy[i].key,
                run->sc->proxy[i].value);
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        if (run->in_proxy[i])
            fprintf(out, "backend %s\n",
                    backend_spec(run, i, spec, sizeof(spec)));
    }
    failed = ferror(out);
    if (fclose(out) != 0 || failed || rename(tmp, run->config_path) == -1)
        goto fail;
    return 0;
fail:
    snprintf(run->err, run->errlen, "cannot write %s: %s", run->config_path,
             strerror(errno));
    return -1;
}

/* Thread creations are audited for "expect threads stable" only: the
 * preloaded library is one more thing in the proxy's process. */
static bool wants_audit(const struct scenario *sc)
{
    for (size_t i = 0; i < sc->expect_count; i++) {
        if (sc->expects[i].check == SCENARIO_CHECK_THREADS_STABLE)
            return true;
    }
    return false;
}

static int start_proxy(struct run *run)
{
    struct ready_probe probe = { "start", "listen", 0, 0 };
    struct args a = { .count = 0 };
    struct audit_saved audit = { .active = false };
    char timeline[600];
    int started;

    args_add(&a, "%s/proxy_server", run->opt->bin_dir);
    args_add(&a, "--listen");
    args_add(&a, "127.0.0.1:0");
    args_add(&a, "--seed");
    args_add(&a, "%lu", run->seed);
    /* debug: the health checks' results, for "expect health exact". */
    args_add(&a, "--log-level");
    args_add(&a, "debug");
    if (run->sc->operated) {
        args_add(&a, "--control");
        args_add(&a, "%s", run->control_path);
    }
    if (run->sc->reloaded) {
        /* Every backend and option in the file: -b on the command line
         * would replace the file's backends at every reload. */
        if (write_config(run) == -1)
            return -1;
        args_add(&a, "-c");
        args_add(&a, "%s", run->config_path);
    } else {
        proxy_backend_args(run, &a);
        args_options(&a, run->sc->proxy, run->sc->proxy_count);
    }
    snprintf(timeline, sizeof(timeline), "%s/timeline.log", run->dir);
    if (wants_audit(run->sc))
        audit_begin(&audit, timeline);
    started = child_start(&run->proxy, a.argv, run->proxy_log, &run->group);
    audit_end(&audit);
    if (started == -1) {
        snprintf(run->err, run->errlen, "cannot start proxy_server: %s",
                 strerror(errno));
        return -1;
    }
    if (wait_ready(run, &run->proxy, run->proxy_log, 0, &probe,
                   "proxy_server") == -1)
        return -1;
    run->proxy_port = probe.port;
    run->t0_ms = clock_now_ms();
    log_event(&run->timeline, LOG_INFO, "proxy_start", "pid=%d port=%d",
              (int)run->proxy.pid, run->proxy_port);
    return 0;
}

/* --- bursts ------------------------------------------------------------- */

static int start_burst(struct run *run, int event_index)
{
    const struct scenario_burst *b = &run->sc->events[event_index].burst;
    struct burst_proc *proc = &run->bursts[run->burst_count];
    struct args a = { .count = 0 };

    proc->event = event_index;
    snprintf(proc->log_path, sizeof(proc->log_path), "%s/burst-%zu.log",
             run->dir, run->burst_count);
    tail_init(&proc->tail, proc->log_path);
    args_add(&a, "%s/simulate_client", run->opt->bin_dir);
    args_add(&a, "--port");
    args_add(&a, "%d", run->links[CLIENTS_LINK].port > 0
                       ? run->links[CLIENTS_LINK].port : run->proxy_port);
    args_add(&a, "--clients");
    args_add(&a, "%d", b->clients);
    args_add(&a, "--requests");
    args_add(&a, "%d", b->requests);
    args_add(&a, "--size");
    args_add(&a, "%ld", b->size);
    args_add(&a, "--hold");
    args_add(&a, "%ldms", b->hold_ms);
    args_add(&a, "--ramp");
    args_add(&a, "%ldms", b->ramp_ms);
    args_add(&a, "--timeout");
    args_add(&a, "%ldms", b->timeout_ms);
    args_add(&a, "--seed");
    args_add(&a, "%lu", run->seed + (unsigned long)event_index);
    args_add(&a, "--log-level");
    args_add(&a, "info");
    args_add(&a, "--quiet");
    if (b->half_close)
        args_add(&a, "--half-close");
    if (b->read_rate > 0) {
        args_add(&a, "--read-rate");
        args_add(&a, "%ld", b->read_rate);
    }
    if (b->write_rate > 0) {
        args_add(&a, "--write-rate");
        args_add(&a, "%ld", b->write_rate);
    }
    if (scenario_backends_echo(run->sc)) {
        args_add(&a, "--expect");
        args_add(&a, "echo");
    }
    if (b->behaviour.key[0] != '\0')
        args_add(&a, "--%s%s%s", b->behaviour.key,
                 b->behaviour.value[0] != '\0' ? "=" : "",
                 b->behaviour.value);
    if (child_start(&proc->child, a.argv, proc->log_path, &run->group) == -1)
        return -1;
    log_event(&run->timeline, LOG_INFO, "burst_start", "burst=%zu clients=%d "
              "line=%d", run->burst_count, b->clients,
              run->sc->events[event_index].line);
    run->burst_count++;
    return 0;
}

/* --- the timeline ------------------------------------------------------- */

/* Applies a fault action to its backend. Returns -1 if a (re)start failed. */
static int apply_fault(struct run *run, const struct scenario_event *ev)
{
    struct backend_proc *proc = &run->backends[ev->backend];

    if (run->sc->backends[ev->backend].blackhole)
        return 0;       /* no process: faults do not apply */
    switch (ev->action) {
    case SCENARIO_CRASH:
    case SCENARIO_STOP:
        child_signal(&proc->child, ev->action == SCENARIO_CRASH ? SIGKILL
                                                                : SIGTERM);
        child_signal(&proc->child, SIGCONT);
        if (!child_wait(&proc->child, 2000)) {
            child_signal(&proc->child, SIGKILL);
            child_wait(&proc->child, 1000);
        }
        proc->running = false;
        return 0;
    case SCENARIO_PAUSE:
        child_signal(&proc->child, SIGSTOP);
        return 0;
    case SCENARIO_RESUME:
        child_signal(&proc->child, SIGCONT);
        return 0;
    case SCENARIO_RESTART:
    case SCENARIO_START:
        if (proc->running && !child_wait(&proc->child, 0)) {
            child_signal(&proc->child, SIGKILL);
            child_signal(&proc->child, SIGCONT);
            child_wait(&proc->child, 1000);
        }
        return restart_backend(run, (size_t)ev->backend);
    case SCENARIO_LINK:
    case SCENARIO_HEAL:
    case SCENARIO_SET:
    case SCENARIO_CLIENTS:
    case SCENARIO_STOP_PROXY:
    case SCENARIO_DRAIN:
    case SCENARIO_DISABLE:
    case SCENARIO_ENABLE:
    case SCENARIO_WEIGHT:
    case SCENARIO_MAXCONN:
    case SCENARIO_ADD:
    case SCENARIO_REMOVE:
    case SCENARIO_RELOAD:
        break;
    }
    return 0;
}

/* --- operations: the proxy's control socket ----------------------------- */

/* The control command of ev; updates the model of the proxy's backends
 * that a reload's file is written from. */
static void operation_command(struct run *run, const struct scenario_event *ev,
                              char *command, size_t size)
{
    const struct scenario_backend *b =
        ev->backend >= 0 ? &run->sc->backends[ev->backend] : NULL;
    int len;

    snprintf(command, size, "%s", ev->command);
    switch (ev->action) {
    case SCENARIO_WEIGHT: run->weight[ev->backend] = (int)ev->value; break;
    case SCENARIO_MAXCONN: run->maxconn[ev->backend] = (int)ev->value; break;
    case SCENARIO_REMOVE: run->in_proxy[ev->backend] = false; break;
    case SCENARIO_ADD:
        run->in_proxy[ev->backend] = true;
        run->weight[ev->backend] = ev->add_weight >= 0 ? ev->add_weight
                                                       : b->weight;
        run->maxconn[ev->backend] = ev->add_maxconn >= 0 ? ev->add_maxconn
                                                         : b->maxconn;
        run->slowstart_ms[ev->backend] = ev->add_slowstart_ms;
        len = snprintf(command, size, "add backend %s 127.0.0.1:%d weight=%d "
                       "maxconn=%d", b->name, backend_port(run, ev->backend),
                       run->weight[ev->backend], run->maxconn[ev->backend]);
        if (ev->add_slowstart_ms >= 0 && len > 0 && (size_t)len < size)
            snprintf(command + len, size - (size_t)len, " slowstart=%ld",
                     ev->add_slowstart_ms);
        break;
    case SCENARIO_RELOAD:
        for (size_t i = 0; i < run->sc->backend_count; i++) {
            if (ev->reload.backends_given)
                run->in_proxy[i] = ev->reload.in[i];
            if (ev->reload.weight[i] >= 0)
                run->weight[i] = ev->reload.weight[i];
            if (ev->reload.maxconn[i] >= 0)
                run->maxconn[i] = ev->reload.maxconn[i];
        }
        break;
    default:
        break;
    }
}

/* Sends ev to the proxy's control socket, logged with the answer. An
 * error answer, or none, stops the run with the answer quoted. */
static int apply_operation(struct run *run, const struct scenario_event *ev)
{
    char command[SCENARIO_TEXT_MAX * 2], answer[1024];
    char quoted_cmd[SCENARIO_TEXT_MAX * 4], quoted[2100];
    int rc, saved;

    operation_command(run, ev, command, sizeof(command));
    if (ev->action == SCENARIO_RELOAD && write_config(run) == -1)
        return -1;
    rc = ctlclient_command(run->control_path, command, RUNNER_CONTROL_MS,
                           answer, sizeof(answer));
    saved = errno;
    log_event(&run->timeline, LOG_INFO, "operate", "action=%s be=%s cmd=%s "
              "answer=%s line=%d", scenario_action_name(ev->action),
              ev->backend >= 0 ? run->sc->backends[ev->backend].name : "-",
              logfmt_quote(command, quoted_cmd, sizeof(quoted_cmd)),
              logfmt_quote(rc == 0 ? answer : "-", quoted, sizeof(quoted)),
              ev->line);
    if (rc == -1)
        snprintf(run->err, run->errlen, "line %d: '%s' got no answer from "
                 "the proxy's control socket %s: %s", ev->line, command,
                 run->control_path, strerror(saved));
    else if (ctlclient_is_error(answer))
        snprintf(run->err, run->errlen, "line %d: the proxy refused '%s': "
                 "'%s'", ev->line, command, answer);
    return rc == -1 || ctlclient_is_error(answer) ? -1 : 0;
}

static void log_fault(struct run *run, const struct scenario_event *ev)
{
    log_event(&run->timeline, LOG_INFO, "fault", "action=%s be=%s line=%d%s",
              scenario_action_name(ev->action),
              run->sc->backends[ev->backend].name, ev->line,
              ev->chaos ? " chaos=1" : "");
}

/* Does event index. A fault is logged when it takes effect: a kill or a
 * signal before it is sent, a (re)start once the backend listens, so that
 * "recover ... within" counts from a backend that could be reached. */
static int fire(struct run *run, size_t index)
{
    const struct scenario_event *ev = &run->sc->events[index];
    bool starts = ev->action == SCENARIO_RESTART || ev->action == SCENARIO_START;

    run->fired[index] = true;
    if (ev->action == SCENARIO_CLIENTS)
        return start_burst(run, (int)index);
    if (ev->action == SCENARIO_LINK || ev->action == SCENARIO_HEAL ||
        ev->action == SCENARIO_SET) {
        apply_live(run, ev);
        return 0;
    }
    if (scenario_action_operates(ev->action))
        return apply_operation(run, ev);
    if (ev->action == SCENARIO_STOP_PROXY) {
        log_event(&run->timeline, LOG_INFO, "proxy_stop", "line=%d", ev->line);
        child_signal(&run->proxy, SIGTERM);
        run->proxy_stopped = true;
        return 0;
    }
    if (!starts)
        log_fault(run, ev);
    if (apply_fault(run, ev) == -1)
        return -1;
    if (starts)
        log_fault(run, ev);
    return 0;
}

/* Counts picks per backend from a proxy log line; with -v echoes it. */
static void on_proxy_line(char *line, void *arg)
{
    struct run *run = arg;
    struct logfmt_pair pairs[32];
    const char *ev, *be;
    int count, index;

    if (run->opt->verbose)
        fprintf(stderr, "[proxy] %s\n", line);
    count = logfmt_parse(line, pairs, 32);
    ev = count > 0 ? logfmt_get(pairs, count, "ev") : NULL;
    if (ev != NULL && strcmp(ev, "accept") == 0)
        run->accepts++;
    if (ev != NULL && strcmp(ev, "close") == 0)
        run->closes++;
    if (ev == NULL || strcmp(ev, "pick") != 0)
        return;
    be = logfmt_get(pairs, count, "be");
    index = be != NULL ? scenario_backend_index(run->sc, be) : -1;
    if (index >= 0)
        run->picks[index]++;
}

/* The unfired event that is due and earliest (file order breaks ties), or
 * -1. Picking the earliest each time keeps the order of the timeline even
 * when the loop fell behind. */
static int next_due(const struct run *run, uint64_t elapsed_ms)
{
    int best = -1;
    uint64_t best_time = 0;

    for (size_t i = 0; i < run->sc->event_count; i++) {
        const struct scenario_event *ev = &run->sc->events[i];
        uint64_t when = ev->trigger == SCENARIO_AT_TIME ? (uint64_t)ev->at_ms
                                                        : elapsed_ms;

        if (run->fired[i] || when > elapsed_ms)
            continue;
        if (ev->trigger == SCENARIO_AT_PICKS &&
            run->picks[ev->watch_backend] < ev->picks)
            continue;
        if (best < 0 || when < best_time) {
            best = (int)i;
            best_time = when;
        }
    }
    return best;
}

/* Fires every event that is due; returns -1 when one could not be done. */
static int fire_due(struct run *run, uint64_t elapsed_ms)
{
    int index;

    while ((index = next_due(run, elapsed_ms)) >= 0) {
        if (fire(run, (size_t)index) == -1)
            return -1;
    }
    return 0;
}

/* --- watching ----------------------------------------------------------- */

/* The entries of /proc/PID/WHAT (task: threads, fd: descriptors), or -1. */
static int count_entries(pid_t pid, const char *what)
{
    char path[64];
    DIR *dir;
    struct dirent *entry;
    int count = 0;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
    dir = opendir(path);
    if (dir == NULL)
        return -1;
    while ((entry = readdir(dir)) != NULL)
        count += entry->d_name[0] != '.';
    closedir(dir);
    return count;
}

/* The resident memory of pid in KiB (VmRSS of /proc/PID/status), or -1. */
static long resident_kb(pid_t pid)
{
    char path[64], line[128];
    long kb = -1;
    FILE *status;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    status = fopen(path, "r");
    if (status == NULL)
        return -1;
    while (fgets(line, sizeof(line), status) != NULL) {
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    }
    fclose(status);
    return kb;
}

/* One sample of the proxy every RUNNER_SAMPLE_MS, into the timeline: its
 * threads, descriptors and resident memory (threads stable, fds stable,
 * proxy-rss<=). */
static void sample_threads(struct run *run, uint64_t now_ms)
{
    int count;

    if (now_ms < run->next_sample_ms)
        return;
    run->next_sample_ms = now_ms + RUNNER_SAMPLE_MS;
    count = count_entries(run->proxy.pid, "task");
    if (count > 0)
        log_event(&run->timeline, LOG_INFO, "threads",
                  "count=%d fds=%d rss_kb=%ld", count,
                  count_entries(run->proxy.pid, "fd"),
                  resident_kb(run->proxy.pid));
}

static void echo_line(char *line, void *arg)
{
    fprintf(stderr, "[%s] %s\n", (const char *)arg, line);
}

/* With -v: prints what every backend and burst logged since last time. */
static void echo_logs(struct run *run)
{
    char label[48];

    for (size_t i = 0; i < run->sc->backend_count; i++)
        tail_poll(&run->backends[i].tail, echo_line,
                  (void *)run->sc->backends[i].name);
    for (size_t i = 0; i < run->burst_count; i++) {
        snprintf(label, sizeof(label), "burst %zu", i);
        tail_poll(&run->bursts[i].tail, echo_line, label);
    }
}

/* Collects ended children; logs the end of each burst. Returns the number
 * of bursts still running. */
static size_t reap(struct run *run)
{
    struct child *all[2 * SCENARIO_MAX_BACKENDS + SCENARIO_MAX_EVENTS + 2];
    bool was_done[SCENARIO_MAX_EVENTS];
    size_t running = 0;
    int n = 0;

    all[n++] = &run->proxy;
    for (size_t i = 0; i < run->sc->backend_count; i++)
        all[n++] = &run->backends[i].child;
    for (size_t i = 0; i < COUNT_LINKS; i++)
        all[n++] = &run->links[i].child;
    for (size_t i = 0; i < run->burst_count; i++) {
        was_done[i] = run->bursts[i].child.exited;
        all[n++] = &run->bursts[i].child;
    }
    child_reap(all, n);
    for (size_t i = 0; i < run->burst_count; i++) {
        const struct child *c = &run->bursts[i].child;

        if (c->exited && !was_done[i])
            log_event(&run->timeline, LOG_INFO, "burst_end",
                      "burst=%zu status=%d", i, c->status);
        running += !c->exited;
    }
    return running;
}

static bool all_fired(const struct run *run)
{
    for (size_t i = 0; i < run->sc->event_count; i++) {
        if (!run->fired[i] && run->sc->events[i].trigger == SCENARIO_AT_TIME)
            return false;
    }
    return true;
}

static void show_progress(const struct run *run, uint64_t elapsed_ms,
                          size_t running)
{
    long picks = 0;

    for (size_t i = 0; i < run->sc->backend_count; i++)
        picks += run->picks[i];
    fprintf(stderr, "\r\033[K  %s  t=%.1fs  bursts running %zu  picks %ld",
            run->sc->path, (double)elapsed_ms / 1000.0, running, picks);
}

/* Plays the timeline until every timed event fired and every burst ended,
 * or the time limit, or an interrupt. Returns the reason. */
static const char *play(struct run *run, struct outcome *outcome)
{
    uint64_t limit = run->t0_ms + (uint64_t)run->sc->timeout_ms;

    for (;;) {
        uint64_t now = clock_now_ms();
        size_t running;

        tail_poll(&run->proxy_tail, on_proxy_line, run);
        if (run->opt->verbose)
            echo_logs(run);
        if (start_delayed(run, now - run->t0_ms) == -1 ||
            fire_due(run, now - run->t0_ms) == -1)
            return "start_failed";
        sample_threads(run, now);
        running = reap(run);
        if (run->opt->progress)
            show_progress(run, now - run->t0_ms, running);
        if (interrupted(run))
            return "interrupted";
        if (run->proxy.exited && !run->proxy_stopped)
            return "proxy_exited";
        if (now >= limit) {
            outcome->timed_out = true;
            return "timeout";
        }
        if (running == 0 && all_fired(run))
            return "done";
        poll(NULL, 0, RUNNER_TICK_MS);
    }
}

/* After the last client: waits (at most RUNNER_SETTLE_MS) until the proxy
 * logged a close for every accept, so that the last sample shows what a
 * proxy holds at rest. */
static void settle(struct run *run)
{
    uint64_t until = clock_now_ms() + RUNNER_SETTLE_MS;

    while (clock_now_ms() < until) {
        tail_poll(&run->proxy_tail, on_proxy_line, run);
        if (run->closes >= run->accepts || run->proxy.exited)
            return;
        poll(NULL, 0, RUNNER_TICK_MS);
    }
}

/* SIGTERM the proxy (it drains and exits 0), then the backends; whatever
 * is left is killed with the group. */
static void stop_all(struct run *run, struct outcome *outcome)
{
    child_signal(&run->proxy, SIGTERM);
    if (!child_wait(&run->proxy, 10000))
        child_signal(&run->proxy, SIGKILL);
    child_wait(&run->proxy, 1000);
    outcome->proxy_exit_status = run->proxy.exited ? run->proxy.status : -1;
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        child_signal(&run->backends[i].child, SIGTERM);
        child_signal(&run->backends[i].child, SIGCONT);
    }
    for (size_t i = 0; i < run->sc->backend_count; i++)
        child_wait(&run->backends[i].child, 2000);
    for (size_t i = 0; i < COUNT_LINKS; i++)
        child_signal(&run->links[i].child, SIGTERM);
    for (size_t i = 0; i < COUNT_LINKS; i++)
        child_wait(&run->links[i].child, 2000);
    for (size_t i = 0; i < run->burst_count; i++)
        child_signal(&run->bursts[i].child, SIGTERM);
    for (size_t i = 0; i < run->burst_count; i++)
        child_wait(&run->bursts[i].child, 2000);
    child_kill_group(run->group);
    run->group = 0;
}

/* Reads the links' logs, and rewrites the addresses a link hides from
 * the logs on its far side (linkmap.h). */
static void load_links(struct run *run, struct outcome *outcome)
{
    for (size_t i = 0; i < COUNT_LINKS; i++) {
        if (run->links[i].log_path[0] == '\0')
            continue;
        trace_load(&outcome->links[i], run->links[i].log_path);
        if (i == CLIENTS_LINK)
            linkmap_apply(&outcome->proxy, "accept", "client", "sid",
                          &outcome->links[i]);
        else
            linkmap_apply(&outcome->backends[i], "accept", "peer", NULL,
                          &outcome->links[i]);
    }
}

/* Reads every log of the run into the outcome. */
static void load_logs(struct run *run, struct outcome *outcome)
{
    char path[600];

    trace_load(&outcome->proxy, run->proxy_log);
    snprintf(path, sizeof(path), "%s/timeline.log", run->dir);
    trace_load(&outcome->timeline, path);
    for (size_t i = 0; i < run->sc->backend_count; i++)
        trace_load(&outcome->backends[i], run->backends[i].log_path);
    for (size_t i = 0; i < run->burst_count; i++) {
        outcome->bursts[i].event = run->bursts[i].event;
        outcome->bursts[i].exit_status = run->bursts[i].child.exited
                                         ? run->bursts[i].child.status : -1;
        trace_load(&outcome->bursts[i].log, run->bursts[i].log_path);
    }
    outcome->burst_count = run->burst_count;
    load_links(run, outcome);
    for (size_t i = 0; i < outcome->proxy.count; i++) {
        if (trace_is(&outcome->proxy.events[i], "start")) {
            outcome->start_ts = outcome->proxy.events[i].ts;
            break;
        }
    }
}

/* Backends declared with start=D come up D after the proxy started. */
static int start_delayed(struct run *run, uint64_t elapsed_ms)
{
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        const struct scenario_backend *b = &run->sc->backends[i];

        if (b->start_ms <= 0 || b->down || run->backends[i].running ||
            run->backends[i].child.pid != 0 ||
            elapsed_ms < (uint64_t)b->start_ms)
            continue;
        if (restart_backend(run, i) == -1)
            return -1;
        log_event(&run->timeline, LOG_INFO, "fault", "action=start be=%s "
                  "line=%d", b->name, b->line);
    }
    return 0;
}

/* --- the run's folder --------------------------------------------------- */

static void scenario_base(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    size_t len = strlen(base);

    if (len > 4 && strcmp(base + len - 4, ".scn") == 0)
        len -= 4;
    snprintf(out, size, "%.*s", (int)len, base);
}

/* Removes the regular files in dir (a temporary folder's logs), then dir. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char path[1024];

    if (d == NULL)
        return;
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/*
 * Makes a fresh KEEP_DIR/<scenario>-<pid>/ for this run. Runs sharing
 * KEEP_DIR (at once, or one after the other) must never write into one
 * folder: their logs would mix and the checks would judge both runs as
 * one. mkdir is the test: a name taken (by a recycled pid, or by a
 * scenario of the same file name earlier in this run) gets -2, -3, ...
 */
static int make_kept_dir(struct run *run)
{
    char keep[PATH_MAX], base[128];
    size_t end = (size_t)snprintf(keep, sizeof(keep), "%s",
                                  run->opt->keep_dir);

    /* "DIR/" and "DIR" name one folder: no "//" in the names shown. */
    while (end > 1 && end < sizeof(keep) && keep[end - 1] == '/')
        keep[--end] = '\0';
    scenario_base(run->sc->path, base, sizeof(base));
    if (mkdir(keep, 0755) == -1 && errno != EEXIST)
        return -1;
    for (int take = 1; take <= RUNNER_KEEP_TRIES; take++) {
        int len = take == 1
            ? snprintf(run->dir, sizeof(run->dir), "%s/%s-%d", keep, base,
                       (int)getpid())
            : snprintf(run->dir, sizeof(run->dir), "%s/%s-%d-%d", keep, base,
                       (int)getpid(), take);

        if (len < 0 || (size_t)len >= sizeof(run->dir)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (mkdir(run->dir, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

static int make_dir(struct run *run)
{
    const char *tmp = getenv("TMPDIR");

    if (run->opt->keep_dir != NULL)
        return make_kept_dir(run);
    snprintf(run->dir, sizeof(run->dir), "%s/harness.XXXXXX",
             tmp != NULL ? tmp : "/tmp");
    run->temp_dir = true;
    return mkdtemp(run->dir) != NULL ? 0 : -1;
}

/* --- the run ------------------------------------------------------------ */

/* Opens the timeline log and names every log file. */
static int prepare(struct run *run)
{
    char path[600];

    if (make_dir(run) == -1) {
        snprintf(run->err, run->errlen, "cannot make a folder for the logs: %s",
                 strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/timeline.log", run->dir);
    run->timeline_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                            0644);
    if (run->timeline_fd == -1) {
        snprintf(run->err, run->errlen, "cannot write %s: %s", path,
                 strerror(errno));
        return -1;
    }
    log_init(&run->timeline, run->timeline_fd, LOG_INFO);
    log_fork(&run->timeline, &run->timeline, "harness");
    snprintf(run->proxy_log, sizeof(run->proxy_log), "%s/proxy.log", run->dir);
    if (run->sc->operated)
        snprintf(run->control_path, sizeof(run->control_path),
                 "%s/control.sock", run->dir);
    if (run->sc->reloaded)
        snprintf(run->config_path, sizeof(run->config_path), "%s/proxy.conf",
                 run->dir);
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        run->in_proxy[i] = !run->sc->backends[i].standby;
        run->weight[i] = run->sc->backends[i].weight;
        run->maxconn[i] = run->sc->backends[i].maxconn;
        run->slowstart_ms[i] = -1;
    }
    tail_init(&run->proxy_tail, run->proxy_log);
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        struct backend_proc *proc = &run->backends[i];

        snprintf(proc->log_path, sizeof(proc->log_path), "%s/backend-%s.log",
                 run->dir, run->sc->backends[i].name);
        tail_init(&proc->tail, proc->log_path);
    }
    return 0;
}

/* Starts the backends that run from the beginning, reserves ports for the
 * others, then starts the proxy in front of them. */
static int start_system(struct run *run)
{
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        const struct scenario_backend *b = &run->sc->backends[i];

        if (b->blackhole) {
            if (open_blackhole(&run->backends[i]) == -1) {
                snprintf(run->err, run->errlen, "cannot make blackhole %s: "
                         "%s", b->name, strerror(errno));
                return -1;
            }
        } else if (b->down || b->start_ms > 0) {
            run->backends[i].port = reserve_port();
            if (run->backends[i].port <= 0) {
                snprintf(run->err, run->errlen, "no free port for %s", b->name);
                return -1;
            }
        } else if (start_backend(run, i) == -1) {
            return -1;
        }
        if (b->linked && start_link(run, i, run->backends[i].port) == -1)
            return -1;
    }
    if (start_proxy(run) == -1)
        return -1;
    if (run->sc->clients_linked &&
        start_link(run, CLIENTS_LINK, run->proxy_port) == -1)
        return -1;
    return 0;
}

static void finish(struct run *run)
{
    tail_close(&run->proxy_tail);
    for (size_t i = 0; i < run->sc->backend_count; i++) {
        tail_close(&run->backends[i].tail);
        if (run->backends[i].hole_fd != -1)
            close(run->backends[i].hole_fd);
        if (run->backends[i].filler_fd != -1)
            close(run->backends[i].filler_fd);
        if (run->backends[i].control_fd != -1)
            close(run->backends[i].control_fd);
    }
    for (size_t i = 0; i < COUNT_LINKS; i++) {
        if (run->links[i].control_fd != -1)
            close(run->links[i].control_fd);
    }
    for (size_t i = 0; i < run->burst_count; i++)
        tail_close(&run->bursts[i].tail);
    if (run->timeline_fd != -1)
        close(run->timeline_fd);
    if (run->temp_dir)
        remove_dir(run->dir);
    if (run->opt->progress)
        fprintf(stderr, "\r\033[K");
}

/* Turns the end of play() into runner_run's result. */
static int verdict_of(struct run *run, const char *reason)
{
    if (strcmp(reason, "interrupted") == 0)
        snprintf(run->err, run->errlen, "interrupted by SIG%s",
                 sigabbrev_np((int)*run->opt->interrupted));
    else if (strcmp(reason, "proxy_exited") == 0)
        snprintf(run->err, run->errlen, "proxy_server exited during the run "
                 "(status %d); its log is %s", run->proxy.status,
                 run->proxy_log);
    else if (strcmp(reason, "start_failed") != 0)
        return 0;
    return -1;
}

int runner_run(const struct scenario *scenario,
               const struct runner_options *options, struct outcome *outcome,
               char *err, size_t errlen)
{
    struct run *run = calloc(1, sizeof(*run));
    const char *reason = "start_failed";
    void (*old_pipe)(int);
    int rc;

    if (run == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    run->sc = scenario;
    run->opt = options;
    run->seed = options->seed_set ? options->seed : scenario->seed;
    run->timeline_fd = -1;
    run->err = err;
    run->errlen = errlen;
    for (size_t i = 0; i < scenario->backend_count; i++)
        run->backends[i].hole_fd = run->backends[i].filler_fd =
            run->backends[i].control_fd = -1;
    for (size_t i = 0; i < COUNT_LINKS; i++)
        run->links[i].control_fd = -1;
    /* A control channel whose program died must not kill the harness:
     * the write fails with EPIPE instead (children get SIG_DFL back). */
    old_pipe = signal(SIGPIPE, SIG_IGN);
    if (prepare(run) == 0) {
        if (options->keep_dir != NULL)
            snprintf(outcome->kept_dir, sizeof(outcome->kept_dir), "%s",
                     run->dir);
        if (start_system(run) == 0)
            reason = play(run, outcome);
    }
    if (strcmp(reason, "done") == 0)
        settle(run);
    if (interrupted(run))
        reason = "interrupted";
    if (run->proxy.pid > 0) {
        /* One last thread count, under whatever load is left. */
        run->next_sample_ms = 0;
        sample_threads(run, clock_now_ms());
    }
    if (run->timeline_fd != -1)
        log_event(&run->timeline, LOG_INFO, "run_end", "reason=%s", reason);
    outcome->end_ts = clock_now_s();
    stop_all(run, outcome);
    load_logs(run, outcome);
    rc = verdict_of(run, reason);
    if (options->keep_dir == NULL && rc == -1 && strstr(err, run->dir))
        snprintf(err + strlen(err), errlen - strlen(err),
                 " (use --keep DIR to keep it)");
    finish(run);
    free(run);
    signal(SIGPIPE, old_pipe);
    return rc;
}
