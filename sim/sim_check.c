/*
 * sim_check: the config's limits. See sim_check.h.
 */
#include "sim_balancer.h"

#include "sim_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "count_of.h"

#define MAX_SECONDS 1e9         /* times must fit in nanoseconds */

static const char *const service_names[] = { "fixed", "exponential",
                                             "pareto", "lognormal" };
static const char *const fault_names[] = { "crash", "restart", "pause",
                                           "resume", "down", "up" };

/* The index of text in names, or -1. */
static int find_name(const char *const *names, size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(text, names[i]) == 0)
            return (int)i;
    }
    return -1;
}

int sim_service_parse(const char *text, enum sim_service_kind *out)
{
    int i = find_name(service_names, COUNT_OF(service_names), text);

    if (i >= 0)
        *out = (enum sim_service_kind)i;
    return i >= 0 ? 0 : -1;
}

const char *sim_service_name(enum sim_service_kind kind)
{
    return service_names[kind];
}

int sim_fault_parse(const char *text, enum sim_fault_kind *out)
{
    int i = find_name(fault_names, COUNT_OF(fault_names), text);

    if (i >= 0)
        *out = (enum sim_fault_kind)i;
    return i >= 0 ? 0 : -1;
}

const char *sim_fault_name(enum sim_fault_kind kind)
{
    return fault_names[kind];
}

/* A time in seconds that fits: 0 <= t <= MAX_SECONDS. */
static int bad_time(double t)
{
    return !(t >= 0 && t <= MAX_SECONDS);
}

static int check_service(const struct sim_service *s, size_t i, char *err,
                         size_t errlen)
{
    if ((unsigned)s->kind >= COUNT_OF(service_names)) {
        snprintf(err, errlen, "backend %zu: unknown service kind %d", i + 1,
                 (int)s->kind);
        return -1;
    }
    if (!(s->mean > 0 && s->mean <= MAX_SECONDS)) {
        snprintf(err, errlen, "backend %zu: service mean must be from 0 to "
                 "1e9 seconds (not 0), not %g", i + 1, s->mean);
        return -1;
    }
    if (s->kind == SIM_SERVICE_PARETO && !(s->shape > 1 && s->shape < 1e6)) {
        snprintf(err, errlen, "backend %zu: pareto shape must be > 1 (the "
                 "mean is infinite otherwise), not %g", i + 1, s->shape);
        return -1;
    }
    if (s->kind == SIM_SERVICE_LOGNORMAL && !(s->shape > 0 && s->shape < 10)) {
        snprintf(err, errlen, "backend %zu: lognormal sigma must be > 0 and "
                 "< 10, not %g", i + 1, s->shape);
        return -1;
    }
    return 0;
}

static int check_backend(const struct sim_backend *b, size_t i, char *err,
                         size_t errlen)
{
    if (memchr(b->name, '\0', SIM_NAME_MAX) == NULL ||
        strpbrk(b->name, " \"=:,") != NULL) {
        snprintf(err, errlen, "backend %zu: a name is at most %d bytes, "
                 "without space, quote, '=', ':' or ','", i + 1,
                 SIM_NAME_MAX - 1);
        return -1;
    }
    if (b->weight < 0 || b->weight > 256 || b->maxconn < 0 ||
        b->concurrency < 0 || b->initial_jobs < 0 ||
        b->initial_jobs > 1000000) {
        snprintf(err, errlen, "backend %zu: weight must be 1..256 (0: 1), "
                 "maxconn, concurrency and initial_jobs (up to 1000000) "
                 ">= 0", i + 1);
        return -1;
    }
    if ((unsigned)b->discipline > SIM_PS) {
        snprintf(err, errlen, "backend %zu: unknown discipline %d", i + 1,
                 (int)b->discipline);
        return -1;
    }
    return check_service(&b->service, i, err, errlen);
}

static int check_burst(const struct sim_config *c,
                       const struct sim_arrivals *a, size_t i, char *err,
                       size_t errlen)
{
    if ((a->kind == SIM_ARRIVAL_POISSON && !(a->rate > 0 && a->rate < 1e9)) ||
        (a->kind == SIM_ARRIVAL_INTERVAL &&
         !(a->interval >= 1e-9 && a->interval <= MAX_SECONDS)) ||
        (a->kind == SIM_ARRIVAL_CLOSED &&
         !(a->clients >= 1 && a->clients <= 10000000)) ||
        (unsigned)a->kind > SIM_ARRIVAL_CLOSED) {
        snprintf(err, errlen, "burst %zu: poisson needs a rate > 0, interval "
                 "an interval of at least 1e-9 s, closed 1..10000000 "
                 "clients", i + 1);
        return -1;
    }
    if (a->connections < 0 || a->requests < 0 || a->size < 0 ||
        bad_time(a->start)) {
        snprintf(err, errlen, "burst %zu: connections, requests, size and "
                 "start must be >= 0", i + 1);
        return -1;
    }
    if (a->connections == 0 && c->duration <= 0) {
        snprintf(err, errlen, "burst %zu: arrivals never end: give a "
                 "number of connections or a duration", i + 1);
        return -1;
    }
    return 0;
}

static int check_faults(const struct sim_config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->fault_count; i++) {
        const struct sim_fault *f = &c->faults[i];

        if (bad_time(f->at) || f->backend < 0 ||
            (size_t)f->backend >= c->backend_count ||
            (unsigned)f->kind >= COUNT_OF(fault_names)) {
            snprintf(err, errlen, "fault %zu: needs a time from 0 to 1e9 s, "
                     "a backend from 0 to %zu and a known kind", i + 1,
                     c->backend_count - 1);
            return -1;
        }
    }
    return 0;
}

int sim_check_config(const struct sim_config *c, char *err, size_t errlen)
{
    enum balancer_policy policy;

    if (c->backend_count < 1 || c->backend_count > SIM_BACKENDS_MAX ||
        c->backends == NULL) {
        snprintf(err, errlen, "backends: 1 to %d, not %zu", SIM_BACKENDS_MAX,
                 c->backend_count);
        return -1;
    }
    for (size_t i = 0; i < c->backend_count; i++) {
        if (check_backend(&c->backends[i], i, err, errlen) == -1)
            return -1;
    }
    if (c->policy != NULL && balancer_policy_parse(c->policy, &policy) == -1) {
        snprintf(err, errlen, "policy '%.40s': must be leastconn, roundrobin, "
                 "random or p2c", c->policy);
        return -1;
    }
    if (bad_time(c->warmup) || bad_time(c->duration)) {
        snprintf(err, errlen, "warmup and duration: 0 to 1e9 seconds");
        return -1;
    }
    if (c->fault_count > 0 && c->faults == NULL) {
        snprintf(err, errlen, "faults: %zu without an array", c->fault_count);
        return -1;
    }
    if (c->burst_count < 1 || c->burst_count > SIM_BURSTS_MAX ||
        c->bursts == NULL) {
        snprintf(err, errlen, "bursts: 1 to %d, not %zu", SIM_BURSTS_MAX,
                 c->burst_count);
        return -1;
    }
    for (size_t i = 0; i < c->burst_count; i++) {
        if (check_burst(c, &c->bursts[i], i, err, errlen) == -1)
            return -1;
    }
    return check_faults(c, err, errlen);
}
