/*
 * reload: the config file read again and applied. See reload.h.
 */
#include "reload.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_options.h"
#include "count_of.h"
#include "logfmt.h"

/* The options a reload changes in the running proxy: stored into the
 * running config, whose fields for them are _Atomic (config.h). */
static const char *const live_options[] = {
    "connect-timeout", "idle-timeout", "health-interval", "rise", "fall",
};

struct reload {
    pthread_mutex_t lock;
    int argc;
    char **argv;                /* a copy: config_parse permutes it */
    struct config started;      /* as parsed at start */
    struct config *live;
    struct balancer *balancer;
    /* Under lock: */
    uint64_t pending;           /* slots drained to be removed */
    unsigned long reloads;      /* that succeeded */
};

/* What a reload will do to the backends, decided before anything is. */
struct backend_plan {
    size_t add[BALANCER_MAX_BACKENDS];      /* indexes into fresh */
    size_t add_count;
    uint64_t drain;             /* slots to drain and remove */
    uint64_t keep;              /* pending slots back in the file */
    struct {
        size_t index;           /* slot */
        int weight;             /* to set */
        int maxconn;
    } set[BALANCER_MAX_BACKENDS];
    size_t set_count;
};

struct reload *reload_create(int argc, char *const argv[],
                             const struct config *started,
                             struct config *live, struct balancer *balancer)
{
    struct reload *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->argv = calloc((size_t)argc + 1, sizeof(*r->argv));
    if (r->argv == NULL) {
        free(r);
        return NULL;
    }
    for (int i = 0; i < argc; i++)
        r->argv[i] = argv[i];
    r->argc = argc;
    r->started = *started;
    r->live = live;
    r->balancer = balancer;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void reload_destroy(struct reload *reload)
{
    if (reload == NULL)
        return;
    pthread_mutex_destroy(&reload->lock);
    free(reload->argv);
    free(reload);
}

const char *reload_file(const struct reload *reload)
{
    return reload->started.config_file;
}

bool reload_keep(struct reload *reload, size_t index)
{
    uint64_t bit = UINT64_C(1) << index;
    bool was_pending;

    if (reload == NULL || index >= BALANCER_MAX_BACKENDS)
        return false;
    pthread_mutex_lock(&reload->lock);
    was_pending = (reload->pending & bit) != 0;
    reload->pending &= ~bit;
    pthread_mutex_unlock(&reload->lock);
    return was_pending;
}

unsigned long reload_count(struct reload *reload)
{
    unsigned long count;

    pthread_mutex_lock(&reload->lock);
    count = reload->reloads;
    pthread_mutex_unlock(&reload->lock);
    return count;
}

/* Parses the command line and its file again into fresh. */
static int parse_again(struct reload *r, struct config *fresh, char *err,
                       size_t errlen)
{
    char **copy = calloc((size_t)r->argc + 1, sizeof(*copy));
    enum config_result rc;

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, r->argv, (size_t)r->argc * sizeof(*copy));
    config_defaults(fresh);
    rc = config_parse(fresh, r->argc, copy, stdout, err, errlen);
    free(copy);
    return rc == CONFIG_RUN ? 0 : -1;
}

static bool is_live(const char *name)
{
    for (size_t i = 0; i < COUNT_OF(live_options); i++) {
        if (strcmp(live_options[i], name) == 0)
            return true;
    }
    return false;
}

static bool same_addr(const struct net_addr *a, const struct net_addr *b)
{
    char text_a[NET_ADDR_STRLEN], text_b[NET_ADDR_STRLEN];

    return strcmp(net_addr_format(a, text_a, sizeof(text_a)),
                  net_addr_format(b, text_b, sizeof(text_b))) == 0;
}

/* Whether option row has another value in b than in a. */
static bool option_differs(const struct options_spec *row,
                           const struct config *a, const struct config *b)
{
    if (row->size > 0)
        return memcmp((const char *)a + row->offset,
                      (const char *)b + row->offset, row->size) != 0;
    if (strcmp(row->name, "listen") == 0)
        return !same_addr(&a->listen, &b->listen);
    if (strcmp(row->name, "stats") == 0)
        return a->stats_enabled != b->stats_enabled ||
               (a->stats_enabled && !same_addr(&a->stats, &b->stats));
    if (strcmp(row->name, "control") == 0)
        return strcmp(a->control_path, b->control_path) != 0;
    /* backend: compared backend by backend; config: the same file. */
    return false;
}

/* Whether a changed option can take its new value while running. Health
 * checks are never turned on or off: the checker thread exists or not. */
static bool can_change(const struct options_spec *row,
                       const struct config *started, const struct config *fresh)
{
    if (strcmp(row->name, "health-interval") == 0)
        return (started->health_interval_ms == 0) ==
               (fresh->health_interval_ms == 0);
    return is_live(row->name);
}

/* Stores a live option's new value into the running config. */
static void store_live(struct config *live, const struct options_spec *row,
                       const struct config *fresh)
{
    void *field = (char *)live + row->offset;
    const char *from = (const char *)fresh + row->offset;

    if (row->size == sizeof(long)) {
        long value;

        memcpy(&value, from, sizeof(value));
        atomic_store((_Atomic long *)field, value);
    } else if (row->size == sizeof(int)) {
        int value;

        memcpy(&value, from, sizeof(value));
        atomic_store((_Atomic int *)field, value);
    }
}

/* Logs ev=reload_fixed for each option that changed but cannot, and
 * stores the live ones. Returns the count of the fixed ones. */
static int apply_options(struct reload *r, const struct config *fresh,
                         const struct logger *log)
{
    int fixed = 0;

    for (size_t i = 0; i < config_options.count; i++) {
        const struct options_spec *row = &config_options.specs[i];

        if (!option_differs(row, &r->started, fresh))
            continue;
        if (can_change(row, &r->started, fresh))
            continue;
        log_event(log, LOG_INFO, "reload_fixed", "option=%s", row->name);
        fixed++;
    }
    for (size_t i = 0; i < config_options.count; i++) {
        const struct options_spec *row = &config_options.specs[i];

        if (row->size > 0 && can_change(row, &r->started, fresh))
            store_live(r->live, row, fresh);
    }
    return fixed;
}

/* The error of a backend that would change its address. */
static void moved_error(const char *file, const struct balancer_backend_spec *old,
                        const struct balancer_backend_spec *new, char *err,
                        size_t errlen)
{
    char from[NET_ADDR_STRLEN], to[NET_ADDR_STRLEN];

    snprintf(err, errlen, "%s: backend %s cannot move from %s to %s while the "
             "proxy runs: give the new address a new name", file, old->name,
             net_addr_format(&old->addr, from, sizeof(from)),
             net_addr_format(&new->addr, to, sizeof(to)));
}

/* Plans one backend of the file against the balancer's rows. Returns 0,
 * or -1 with err when it cannot be done. Sets its slot's bit in *wanted. */
static int plan_one(struct reload *r, const struct balancer_backend_spec *want,
                    const struct balancer_stats *rows, size_t file_index,
                    struct backend_plan *plan, uint64_t *wanted, char *err,
                    size_t errlen)
{
    int index = balancer_find(r->balancer, want->name);
    const struct balancer_backend_spec *have;

    if (index == -1) {
        plan->add[plan->add_count++] = file_index;
        return 0;
    }
    have = balancer_spec(r->balancer, (size_t)index);
    if (!same_addr(&have->addr, &want->addr)) {
        moved_error(reload_file(r), have, want, err, errlen);
        return -1;
    }
    *wanted |= UINT64_C(1) << index;
    if (rows[index].weight != want->weight ||
        rows[index].maxconn != want->maxconn) {
        plan->set[plan->set_count].index = (size_t)index;
        plan->set[plan->set_count].weight = want->weight;
        plan->set[plan->set_count++].maxconn = want->maxconn;
    }
    if (r->pending & (UINT64_C(1) << index))
        plan->keep |= UINT64_C(1) << index;
    return 0;
}

/* Decides what to do with the backends, changing nothing. Returns 0, or
 * -1 with err when the file asks for what cannot be done. Under r->lock. */
static int plan_backends(struct reload *r, const struct config *fresh,
                         struct backend_plan *plan, char *err, size_t errlen)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    size_t slots = balancer_snapshot(r->balancer, rows);
    uint64_t wanted = 0;

    memset(plan, 0, sizeof(*plan));
    for (size_t i = 0; i < fresh->backend_count; i++) {
        if (plan_one(r, &fresh->backends[i], rows, i, plan, &wanted, err,
                     errlen) == -1)
            return -1;
    }
    for (size_t i = 0; i < slots; i++) {
        uint64_t bit = UINT64_C(1) << i;

        if (!rows[i].removed && !(wanted & bit) && !(r->pending & bit))
            plan->drain |= bit;
    }
    if (slots + plan->add_count > BALANCER_MAX_BACKENDS) {
        snprintf(err, errlen, "%s: %zu backends to add, but %zu of the %d "
                 "backend slots are left (a removed backend's slot is not "
                 "used again)", reload_file(r), plan->add_count,
                 BALANCER_MAX_BACKENDS - slots, BALANCER_MAX_BACKENDS);
        return -1;
    }
    return 0;
}

/* Logs what one balancer change did (each change clears events first). */
static void log_events(struct reload *r, const struct logger *log,
                       struct balancer_events *events)
{
    balancer_log_events(r->balancer, log, events, "reload");
    events->count = 0;
}

/* A change the plan made that the balancer refused (another thread
 * changed the backend in between). */
static void log_refused(const struct logger *log, const char *op,
                        const char *name)
{
    log_event(log, LOG_WARN, "reload_skipped", "op=%s be=%s err=%s", op, name,
              log_errno_name(errno));
}

/* Sets the weight and maxconn of the backends the plan changes. */
static void apply_sets(struct reload *r, const struct backend_plan *plan,
                       const struct logger *log, struct reload_result *result)
{
    struct balancer_events events = { .count = 0 };

    for (size_t k = 0; k < plan->set_count; k++) {
        size_t index = plan->set[k].index;
        int rc = balancer_set_weight(r->balancer, index, plan->set[k].weight,
                                     &events);

        /* Each call clears events: log the weight's before the next. */
        log_events(r, log, &events);
        if (rc == 0)
            rc = balancer_set_maxconn(r->balancer, index,
                                      plan->set[k].maxconn, &events);
        log_events(r, log, &events);
        if (rc == -1)
            log_refused(log, "set", balancer_spec(r->balancer, index)->name);
        else
            result->changed++;
    }
}

/* Drains the backends the file dropped (they become pending removals) and
 * makes ready again the pending ones it names again. */
static void apply_admin(struct reload *r, const struct backend_plan *plan,
                        const struct logger *log, struct reload_result *result)
{
    struct balancer_events events = { .count = 0 };

    for (size_t i = 0; i < BALANCER_MAX_BACKENDS; i++) {
        uint64_t bit = UINT64_C(1) << i;
        bool keep = plan->keep & bit, drain = plan->drain & bit;

        if (!keep && !drain)
            continue;
        if (balancer_set_admin(r->balancer, i, keep ? BALANCER_READY
                               : BALANCER_DRAINING, &events) == -1)
            log_refused(log, keep ? "enable" : "drain",
                        balancer_spec(r->balancer, i)->name);
        else if (drain)
            result->removed++;
        log_events(r, log, &events);
        r->pending = keep ? r->pending & ~bit : r->pending | bit;
    }
}

/* Applies the plan: adds first, so that the backends drained next never
 * leave the proxy with fewer than the file asks for. Under r->lock. */
static void apply_backends(struct reload *r, const struct config *fresh,
                           const struct backend_plan *plan,
                           const struct logger *log,
                           struct reload_result *result)
{
    struct balancer_events events = { .count = 0 };

    for (size_t k = 0; k < plan->add_count; k++) {
        const struct balancer_backend_spec *spec =
            &fresh->backends[plan->add[k]];

        if (balancer_add(r->balancer, spec, &events) == -1)
            log_refused(log, "add", spec->name);
        else
            result->added++;
        log_events(r, log, &events);
    }
    apply_sets(r, plan, log, result);
    apply_admin(r, plan, log, result);
}

/* Removes the pending backends that have drained; forgets those that
 * were enabled again meanwhile. Under r->lock. */
static void remove_drained(struct reload *r, const struct logger *log)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    struct balancer_events events = { .count = 0 };

    if (r->pending == 0)
        return;
    balancer_snapshot(r->balancer, rows);
    for (size_t i = 0; i < BALANCER_MAX_BACKENDS; i++) {
        uint64_t bit = UINT64_C(1) << i;

        if (!(r->pending & bit))
            continue;
        if (balancer_remove(r->balancer, i, &events) == 0 || errno == ENOENT ||
            rows[i].admin == BALANCER_READY)
            r->pending &= ~bit;
        log_events(r, log, &events);
    }
}

bool reload_poll(struct reload *reload, const struct logger *log)
{
    bool pending;

    pthread_mutex_lock(&reload->lock);
    remove_drained(reload, log);
    pending = reload->pending != 0;
    pthread_mutex_unlock(&reload->lock);
    return pending;
}

static const char *source_name(enum reload_source source)
{
    return source == RELOAD_SIGNAL ? "signal" : "control";
}

/* Parses, plans and applies. Under r->lock. */
static int run_locked(struct reload *r, struct config *fresh,
                      const struct logger *log, struct reload_result *result)
{
    struct backend_plan plan;

    if (reload_file(r) == NULL) {
        snprintf(result->err, sizeof(result->err), "no config file to reload");
        return -1;
    }
    if (parse_again(r, fresh, result->err, sizeof(result->err)) == -1 ||
        plan_backends(r, fresh, &plan, result->err, sizeof(result->err)) == -1)
        return -1;
    result->fixed = apply_options(r, fresh, log);
    apply_backends(r, fresh, &plan, log, result);
    remove_drained(r, log);
    r->reloads++;
    return 0;
}

int reload_run(struct reload *reload, enum reload_source source,
               const struct logger *log, struct reload_result *result)
{
    struct config *fresh = malloc(sizeof(*fresh));
    char file[2 * PATH_MAX + 8] = "", quoted[2 * PATH_MAX], err[2 * CONFIG_ERR_MAX];
    int rc = -1;

    memset(result, 0, sizeof(*result));
    if (reload_file(reload) != NULL)
        snprintf(file, sizeof(file), " file=%s", logfmt_quote(
                 reload_file(reload), quoted, sizeof(quoted)));
    if (fresh == NULL)
        snprintf(result->err, sizeof(result->err), "out of memory");
    else {
        pthread_mutex_lock(&reload->lock);
        rc = run_locked(reload, fresh, log, result);
        pthread_mutex_unlock(&reload->lock);
    }
    free(fresh);
    if (rc == 0)
        log_event(log, LOG_INFO, "reload", "status=ok source=%s%s added=%d "
                  "removed=%d changed=%d fixed=%d", source_name(source), file,
                  result->added, result->removed, result->changed,
                  result->fixed);
    else
        log_event(log, LOG_WARN, "reload", "status=failed source=%s%s err=%s",
                  source_name(source), file,
                  logfmt_quote(result->err, err, sizeof(err)));
    return rc;
}
