/*
 * sim_log: the lines of the real programs, with virtual ts. See
 * sim_log.h; the keys of each line are those of the docs it names.
 */
#include "sim_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BACKEND_PORT 20000

/* One line: the four first keys, then the event's own. */
__attribute__((format(printf, 5, 6)))
static void line(const struct sim_log *log, FILE *f, const char *lvl,
                 const char *ev, const char *fmt, ...)
{
    uint64_t ns = *log->now;
    va_list ap;

    fprintf(f, "ts=%llu.%06llu lvl=%s thr=%s ev=%s%s",
            (unsigned long long)(ns / 1000000000u),
            (unsigned long long)(ns % 1000000000u / 1000u), lvl,
            f == log->proxy ? "w0" : f == log->timeline ? "harness" : "main",
            ev, fmt[0] != '\0' ? " " : "");
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

/* The made-up address of connection sid: prefix 10 for the client's end
 * (the proxy's accept client=, the client's local=), 11 for the proxy's
 * end towards the backend (connected local=, the backend's peer=). */
static const char *conn_addr(unsigned prefix, uint64_t sid, char *buf,
                             size_t size)
{
    snprintf(buf, size, "%u.%u.%u.%u:%u", prefix,
             (unsigned)(sid >> 16 & 255), (unsigned)(sid >> 8 & 255),
             (unsigned)(sid & 255), (unsigned)(1024 + (sid >> 24)));
    return buf;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static FILE *backend_file(const struct sim_log *log, int index)
{
    return log->backends != NULL ? log->backends[index] : NULL;
}

int sim_log_init(struct sim_log *log, const struct sim_config *cfg,
                 const struct balancer *balancer, const uint64_t *now)
{
    memset(log, 0, sizeof(*log));
    log->proxy = cfg->proxy_log;
    log->backends = cfg->backend_logs;
    log->timeline = cfg->timeline_log;
    log->burst_count = cfg->burst_count;
    log->bursts = calloc(cfg->burst_count, sizeof(*log->bursts));
    if (log->bursts == NULL)
        return -1;
    for (size_t i = 0; i < cfg->burst_count; i++) {
        struct sim_log_burst *b = &log->bursts[i];
        const struct sim_arrivals *a = &cfg->bursts[i];

        b->requests = a->requests > 0 ? a->requests : 1;
        b->size = a->size > 0 ? a->size : 32;
        b->file = cfg->client_logs != NULL ? cfg->client_logs[i] : NULL;
        if (b->file != NULL && (b->hist = calloc(1, sizeof(*b->hist))) == NULL)
            return -1;
    }
    log->cfg = cfg;
    log->balancer = balancer;
    log->now = now;
    log->count = cfg->backend_count;
    log->names = calloc(log->count, sizeof(*log->names));
    /* name:active/state/wW.WW and a space: at most about 70 bytes. */
    log->cand_size = log->count * (SIM_NAME_MAX + 48) + 1;
    log->cand = malloc(log->cand_size);
    return log->names != NULL && log->cand != NULL ? 0 : -1;
}

void sim_log_free(struct sim_log *log)
{
    for (size_t i = 0; log->bursts != NULL && i < log->burst_count; i++)
        free(log->bursts[i].hist);
    free(log->bursts);
    log->bursts = NULL;
    free(log->names);
    free(log->cand);
    log->names = NULL;
    log->cand = NULL;
}

void sim_log_set_name(struct sim_log *log, size_t index, const char *name)
{
    snprintf(log->names[index], SIM_NAME_MAX, "%s", name);
}

void sim_log_backend_addr(size_t index, struct net_addr *addr)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&addr->sa;

    memset(addr, 0, sizeof(*addr));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)(BACKEND_PORT + index));
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr->len = sizeof(*sin);
}

void sim_log_backend_listen(struct sim_log *log, int index)
{
    FILE *f = backend_file(log, index);

    if (f != NULL)
        line(log, f, "info", "listen", "addr=127.0.0.1:%d name=%s mode=line "
             "latency_ms=%.0f jitter_ms=0 seed=0 rate=0 pid=0",
             BACKEND_PORT + index, log->names[index],
             log->cfg->backends[index].service.mean * 1000);
}

void sim_log_start(struct sim_log *log)
{
    const struct sim_config *cfg = log->cfg;

    if (log->timeline != NULL) {
        line(log, log->timeline, "info", "proxy_start", "pid=0 port=8080");
        for (size_t i = 0; i < log->count; i++)
            line(log, log->timeline, "info", "backend_start", "be=%s pid=0 "
                 "port=%zu", log->names[i], BACKEND_PORT + i);
    }
    if (log->proxy != NULL) {
        line(log, log->proxy, "info", "start", "listen=127.0.0.1:8080 "
             "threads=1 balance=%s backends=%zu stats=off pid=0",
             cfg->policy != NULL ? cfg->policy : "leastconn", log->count);
        for (size_t i = 0; i < log->count; i++)
            line(log, log->proxy, "info", "backend", "name=%s "
                 "addr=127.0.0.1:%zu weight=%d maxconn=%d state=up",
                 log->names[i], BACKEND_PORT + i,
                 cfg->backends[i].weight > 0 ? cfg->backends[i].weight : 1,
                 cfg->backends[i].maxconn);
    }
    for (size_t i = 0; i < log->count; i++)
        sim_log_backend_listen(log, (int)i);
}

void sim_log_burst_start(struct sim_log *log, int burst)
{
    struct sim_log_burst *b = &log->bursts[burst];
    const struct sim_arrivals *a = &log->cfg->bursts[burst];
    int clients = a->kind == SIM_ARRIVAL_CLOSED ? a->clients : 0;

    b->start_ns = *log->now;
    b->started = true;
    if (b->file != NULL)
        line(log, b->file, "info", "start", "target=127.0.0.1:8080 "
             "clients=%d requests=%d size=%d half_close=0 hold_ms=0 "
             "ramp_ms=0 duration_ms=0 timeout_ms=0 seed=%llu read_rate=0 "
             "write_rate=0 behaviour=-", clients, b->requests, b->size,
             (unsigned long long)log->cfg->seed);
    if (log->timeline != NULL)
        line(log, log->timeline, "info", "burst_start", "burst=%d "
             "clients=%d line=0", burst, clients);
}

/* "p50_ms=... max_ms=..." of a burst's connections. */
static double quantile_ms(const struct sim_hist *hist, double q)
{
    return hist != NULL ? (double)sim_hist_quantile(hist, q) / 1e6 : 0;
}

void sim_log_burst_end(struct sim_log *log, int burst)
{
    struct sim_log_burst *b = &log->bursts[burst];
    double seconds = (double)(*log->now - b->start_ns) / 1e9;

    if (b->ended)
        return;
    b->ended = true;
    if (b->file != NULL)
        line(log, b->file, "info", "done", "connections=%llu failed=%llu "
             "interrupted=0 requests_sent=%llu requests_ok=%llu "
             "requests_left=0 as_planned=0 duration_s=%.3f rps=%.1f "
             "samples=%llu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
             "result=%s", (unsigned long long)b->conns,
             (unsigned long long)b->failed,
             (unsigned long long)(b->ok_requests + b->failed),
             (unsigned long long)b->ok_requests, seconds,
             seconds > 0 ? (double)b->ok_requests / seconds : 0.0,
             (unsigned long long)b->hist->count, quantile_ms(b->hist, 0.5),
             quantile_ms(b->hist, 0.9), quantile_ms(b->hist, 0.99),
             (double)b->hist->max / 1e6, b->failed == 0 ? "pass" : "fail");
    if (log->timeline != NULL)
        line(log, log->timeline, "info", "burst_end", "burst=%d status=%d",
             burst, b->failed == 0 ? 0 : 1);
}

void sim_log_end(struct sim_log *log, const struct sim_stats *stats,
                 uint64_t now)
{
    (void)stats;
    (void)now;
    for (size_t i = 0; i < log->burst_count; i++) {
        if (log->bursts[i].started)
            sim_log_burst_end(log, (int)i);
        if (log->bursts[i].file != NULL)
            fflush(log->bursts[i].file);
    }
    if (log->timeline != NULL) {
        line(log, log->timeline, "info", "run_end", "reason=done");
        fflush(log->timeline);
    }
    if (log->proxy != NULL)
        fflush(log->proxy);
    for (size_t i = 0; log->backends != NULL && i < log->count; i++) {
        if (log->backends[i] != NULL)
            fflush(log->backends[i]);
    }
}

void sim_log_fault(struct sim_log *log, const struct sim_fault *fault)
{
    if (log->timeline == NULL)
        return;
    line(log, log->timeline, "info", "fault", "action=%s be=%s line=%d",
         sim_fault_name(fault->kind), log->names[fault->backend],
         fault->line);
    if (fault->kind == SIM_FAULT_RESTART)
        line(log, log->timeline, "info", "backend_start", "be=%s pid=0 "
             "port=%d", log->names[fault->backend],
             BACKEND_PORT + fault->backend);
}

void sim_log_accept(struct sim_log *log, uint64_t sid, bool quiet)
{
    char addr[32];

    if (log->proxy != NULL && !quiet)
        line(log, log->proxy, "info", "accept", "sid=%llu client=%s",
             (unsigned long long)sid, conn_addr(10, sid, addr, sizeof(addr)));
}

void sim_log_pick(struct sim_log *log, const struct balancer_view *view,
                  uint64_t sid, int index, bool quiet)
{
    char p2c[2 * SIM_NAME_MAX + 8];

    if (log->proxy == NULL || quiet)
        return;
    line(log, log->proxy, "info", "pick", "sid=%llu seq=%llu be=%s "
         "cand=\"%s\"%s", (unsigned long long)sid,
         (unsigned long long)view->seq, log->names[index],
         balancer_view_format(log->balancer, view, log->cand, log->cand_size),
         balancer_p2c_format(log->balancer, view, p2c, sizeof(p2c)));
}

void sim_log_no_backend(struct sim_log *log, const struct balancer_view *view,
                        uint64_t sid, bool quiet)
{
    if (log->proxy != NULL && !quiet)
        line(log, log->proxy, "warn", "no_backend", "sid=%llu seq=%llu "
             "cand=\"%s\"", (unsigned long long)sid,
             (unsigned long long)view->seq,
             balancer_view_format(log->balancer, view, log->cand,
                                  log->cand_size));
}

/* The client's line for a connection that got no reply. */
static void client_failed(struct sim_log *log, uint64_t sid, int burst)
{
    struct sim_log_burst *b = &log->bursts[burst];
    char addr[32];

    b->conns++;
    b->failed++;
    if (b->file != NULL)
        line(log, b->file, "warn", "conn", "cid=%llu local=%s "
             "backend=- requests=1 ok=0 bytes_out=%d bytes_in=0 end=eof "
             "result=closed detail=\"end of file after 0 of %d replies\"",
             (unsigned long long)sid, conn_addr(10, sid, addr, sizeof(addr)),
             b->size, b->requests);
}

void sim_log_refused(struct sim_log *log, uint64_t sid, int burst,
                     uint64_t took_ns)
{
    if (burst < 0)
        return;
    if (log->proxy != NULL)
        line(log, log->proxy, "info", "close", "sid=%llu be=- bytes_c2b=0 "
             "bytes_b2c=0 ms=%.3f reason=no_backend rst=none",
             (unsigned long long)sid, ms(took_ns));
    client_failed(log, sid, burst);
}

void sim_log_connected(struct sim_log *log, uint64_t sid, int index,
                       uint64_t took_ns, bool quiet)
{
    char addr[32];

    if (log->proxy != NULL && !quiet)
        line(log, log->proxy, "info", "connected", "sid=%llu be=%s local=%s "
             "ms=%.3f", (unsigned long long)sid, log->names[index],
             conn_addr(11, sid, addr, sizeof(addr)), ms(took_ns));
}

void sim_log_connect_fail(struct sim_log *log, uint64_t sid, int index,
                          const struct balancer_change *change, int attempt,
                          bool quiet)
{
    if (log->proxy == NULL || quiet)
        return;
    line(log, log->proxy, "warn", "connect_fail", "sid=%llu be=%s seq=%llu "
         "active=%d err=ECONNREFUSED attempt=%d", (unsigned long long)sid,
         log->names[index], (unsigned long long)change->seq, change->active,
         attempt);
    if (change->went_down)
        line(log, log->proxy, "warn", "backend_down", "be=%s seq=%llu "
             "reason=connect_failed", log->names[index],
             (unsigned long long)change->state_seq);
}

void sim_log_retry(struct sim_log *log, uint64_t sid, int attempt, bool quiet)
{
    if (log->proxy != NULL && !quiet)
        line(log, log->proxy, "info", "retry", "sid=%llu attempt=%d",
             (unsigned long long)sid, attempt);
}

void sim_log_backend_accept(struct sim_log *log, int index, uint64_t cid,
                            uint64_t sid, bool quiet)
{
    FILE *f = backend_file(log, index);
    char addr[32];

    if (f != NULL && !quiet)
        line(log, f, "info", "accept", "cid=%llu peer=%s",
             (unsigned long long)cid, conn_addr(11, sid, addr, sizeof(addr)));
}

void sim_log_done(struct sim_log *log, uint64_t sid, int index, uint64_t cid,
                  uint64_t seq, int active, uint64_t took_ns, int burst)
{
    struct sim_log_burst *b;
    unsigned long long out, in;
    FILE *f = backend_file(log, index);
    char addr[32];

    if (burst < 0)
        return;
    b = &log->bursts[burst];
    out = (unsigned long long)b->requests * (unsigned)b->size;
    in = (unsigned long long)b->requests *
         (b->size + strlen(log->names[index]) + 1);
    if (log->proxy != NULL)
        line(log, log->proxy, "info", "close", "sid=%llu be=%s seq=%llu "
             "active=%d bytes_c2b=%llu bytes_b2c=%llu ms=%.3f reason=done "
             "rst=none", (unsigned long long)sid, log->names[index],
             (unsigned long long)seq, active, out, in, ms(took_ns));
    if (f != NULL)
        line(log, f, "info", "close", "cid=%llu lines=%d bytes_in=%llu "
             "bytes_out=%llu reason=eof", (unsigned long long)cid,
             b->requests, out, in);
    b->conns++;
    b->ok_requests += (uint64_t)b->requests;
    if (b->file == NULL)
        return;
    sim_hist_add(b->hist, took_ns);
    line(log, b->file, "info", "conn", "cid=%llu local=%s backend=%s "
         "requests=%d ok=%d bytes_out=%llu bytes_in=%llu end=- result=ok",
         (unsigned long long)sid, conn_addr(10, sid, addr, sizeof(addr)),
         log->names[index], b->requests, b->requests, out, in);
}

void sim_log_crashed(struct sim_log *log, uint64_t sid, int index,
                     const struct balancer_change *change, uint64_t took_ns,
                     int burst)
{
    if (burst < 0)
        return;
    if (log->proxy != NULL) {
        line(log, log->proxy, "warn", "backend_early_close", "sid=%llu be=%s "
             "failures=%llu client_bytes=%d", (unsigned long long)sid,
             log->names[index], (unsigned long long)change->failures,
             log->bursts[burst].size);
        line(log, log->proxy, "info", "close", "sid=%llu be=%s seq=%llu "
             "active=%d bytes_c2b=%d bytes_b2c=0 ms=%.3f "
             "reason=backend_reset rst=client", (unsigned long long)sid,
             log->names[index], (unsigned long long)change->seq,
             change->active, log->bursts[burst].size, ms(took_ns));
    }
    client_failed(log, sid, burst);
}

void sim_log_health(struct sim_log *log, int index,
                    const struct balancer_change *change)
{
    if (log->proxy == NULL)
        return;
    if (change->went_down)
        line(log, log->proxy, "warn", "backend_down", "be=%s seq=%llu "
             "reason=check_failed err=ECONNREFUSED", log->names[index],
             (unsigned long long)change->state_seq);
    else if (change->went_up)
        line(log, log->proxy, "info", "backend_up", "be=%s seq=%llu "
             "reason=check_ok", log->names[index],
             (unsigned long long)change->state_seq);
}
