/*
 * scenario_sim: the simulator's words of the scenario language, and what
 * each mode refuses. See scenario_sim.h.
 */
#include "scenario_sim.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* The words of service=, in enum scenario_service_kind order from FIXED. */
static const char *const service_words[] = { "fixed", "exp", "pareto",
                                             "lognormal" };

/* A decimal number > 0 with nothing after it: digits, and a fraction
 * after one '.', as everywhere in the lab (parse.h): no sign, exponent,
 * hexadecimal or space. */
static int read_positive(const char *text, double *out)
{
    size_t whole = strspn(text, "0123456789"), fraction = 0;
    double value;

    if (text[whole] == '.') {
        fraction = strspn(text + whole + 1, "0123456789");
        if (fraction == 0)
            return -1;
        fraction++;
    }
    if (whole == 0 || text[whole + fraction] != '\0')
        return -1;
    value = strtod(text, NULL);
    if (!isfinite(value) || value <= 0)
        return -1;
    *out = value;
    return 0;
}

/* "10ms", "0.5ms", "250us", "2s" into milliseconds, > 0. */
static int read_mean_ms(const char *text, double *ms)
{
    static const struct { const char *unit; double ms; } units[] = {
        { "us", 0.001 }, { "ms", 1.0 }, { "s", 1000.0 },
    };
    char number[32];
    size_t len = strlen(text);

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t ulen = strlen(units[i].unit);

        if (len <= ulen || len - ulen >= sizeof(number) ||
            strcmp(text + len - ulen, units[i].unit) != 0 ||
            (ulen == 1 && (text[len - 2] == 'm' || text[len - 2] == 'u')))
            continue;
        memcpy(number, text, len - ulen);
        number[len - ulen] = '\0';
        if (read_positive(number, ms) == -1 || *ms * units[i].ms > 600000.0)
            return -1;
        *ms *= units[i].ms;
        return 0;
    }
    return -1;
}

int scenario_sim_service_option(struct scenario_service *service,
                                const char *key, const char *value,
                                long number, char *err, size_t errlen)
{
    if (strcmp(key, "service") == 0) {
        service->kind = (enum scenario_service_kind)(number + 1);
    } else if (strcmp(key, "mean") == 0) {
        if (read_mean_ms(value, &service->mean_ms) == -1) {
            snprintf(err, errlen, "mean '%s': must be a time above 0 and at "
                     "most 10m, like 10ms, 0.5ms, 250us or 2s", value);
            return -1;
        }
    } else if (strcmp(key, "alpha") == 0 || strcmp(key, "sigma") == 0) {
        if (service->shape > 0) {
            snprintf(err, errlen, "alpha= and sigma= cannot be used "
                     "together");
            return -1;
        }
        /* The simulator's own limits (sim/sim_check.c), here so that a
         * file that breaks them stops at its line, before a run. */
        if (read_positive(value, &service->shape) == -1 ||
            (key[0] == 'a' && (service->shape <= 1.0 ||
                               service->shape >= 1e6)) ||
            (key[0] == 's' && service->shape >= 10.0)) {
            snprintf(err, errlen, "%s '%s': must be a number above %s", key,
                     value, key[0] == 'a' ? "1 (the mean is infinite "
                     "otherwise) and below 1000000" : "0 and below 10");
            service->shape = 0;
            return -1;
        }
    } else if (strcmp(key, "concurrency") == 0) {
        service->concurrency = (int)number;
    } else {
        service->ps = number == 1;
    }
    return 0;
}

int scenario_sim_service_check(const struct scenario_service *service,
                               char *err, size_t errlen)
{
    enum scenario_service_kind kind = service->kind;

    if (kind == SCENARIO_SERVICE_NONE && service->mean_ms > 0)
        snprintf(err, errlen, "mean= needs service=fixed|exp|pareto|"
                 "lognormal");
    else if (kind != SCENARIO_SERVICE_NONE && service->mean_ms <= 0)
        snprintf(err, errlen, "service=%s needs mean=, like mean=10ms",
                 service_words[kind - 1]);
    else if (kind == SCENARIO_SERVICE_PARETO && service->shape <= 0)
        snprintf(err, errlen, "service=pareto needs alpha=, like "
                 "alpha=1.5");
    else if (kind == SCENARIO_SERVICE_LOGNORMAL && service->shape <= 0)
        snprintf(err, errlen, "service=lognormal needs sigma=, like "
                 "sigma=1");
    else if (service->shape > 0 && kind != SCENARIO_SERVICE_PARETO &&
             kind != SCENARIO_SERVICE_LOGNORMAL)
        snprintf(err, errlen, "alpha= goes with service=pareto, sigma= "
                 "with service=lognormal");
    else if (service->ps && service->concurrency >= 0)
        snprintf(err, errlen, "concurrency= is for discipline=fifo: under "
                 "processor sharing every connection is served at once");
    else
        return 0;
    return -1;
}

int scenario_sim_arrival_parse(const char *word, enum scenario_arrival *out)
{
    if (strcmp(word, "poisson") == 0)
        *out = SCENARIO_ARRIVAL_POISSON;
    else if (strcmp(word, "uniform") == 0)
        *out = SCENARIO_ARRIVAL_UNIFORM;
    else
        return -1;
    return 0;
}

int scenario_sim_read_rate(const char *text, double *rate)
{
    char number[32];
    size_t len = strlen(text);

    if (len > 2 && strcmp(text + len - 2, "/s") == 0)
        len -= 2;
    if (len == 0 || len >= sizeof(number))
        return -1;
    memcpy(number, text, len);
    number[len] = '\0';
    /* Below the simulator's limit of 1e9 a second (sim/sim_check.c). */
    if (read_positive(number, rate) == -1 || *rate >= 1e9)
        return -1;
    return 0;
}

int scenario_sim_burst_check(const struct scenario_burst *burst, char *err,
                             size_t errlen)
{
    bool open = burst->arrival != SCENARIO_ARRIVAL_CLOSED;

    if (open && (burst->rate <= 0 || burst->count == 0))
        snprintf(err, errlen, "clients %s needs rate=R/s and count=N, like "
                 "'clients %s rate=500/s count=10000'",
                 burst->arrival == SCENARIO_ARRIVAL_POISSON ? "poisson"
                                                            : "uniform",
                 burst->arrival == SCENARIO_ARRIVAL_POISSON ? "poisson"
                                                            : "uniform");
    else if (!open && burst->rate > 0)
        snprintf(err, errlen, "rate= goes with 'clients poisson' or "
                 "'clients uniform'");
    else if (!open && burst->count > 0 && burst->clients > 0 &&
             burst->count < burst->clients)
        snprintf(err, errlen, "count=%ld is less than the %d clients: each "
                 "client makes one connection at least", burst->count,
                 burst->clients);
    else
        return 0;
    return -1;
}

/* "path:line: " then the message. */
static void say(FILE *errors, const struct scenario *sc, int line,
                const char *message)
{
    char path[512];

    if (errors != NULL)
        fprintf(errors, "%s:%d: %s\n",
                parse_escape(sc->path, path, sizeof(path)), line, message);
}

int scenario_sim_refuse(const struct scenario *sc, FILE *errors)
{
    int bad = 0;

    for (size_t i = 0; i < sc->backend_count; i++) {
        if (sc->backends[i].sim_line == 0)
            continue;
        say(errors, sc, sc->backends[i].sim_line, "service=, mean=, alpha=, "
            "sigma=, concurrency= and discipline= only with --sim (a real "
            "dummy_server has latency= and jitter=)");
        bad++;
    }
    for (size_t g = 0; g < sc->group_count; g++) {
        say(errors, sc, sc->groups[g].model.line, "backends N PREFIX only "
            "with --sim (declare each real backend with 'backend NAME')");
        bad++;
    }
    for (size_t e = 0; e < sc->event_count; e++) {
        if (sc->events[e].action != SCENARIO_CLIENTS ||
            !sc->events[e].burst.simulated)
            continue;
        say(errors, sc, sc->events[e].line, "clients poisson|uniform, rate= "
            "and count= only with --sim (simulate_client runs N clients, "
            "one connection each)");
        bad++;
    }
    return bad;
}

/* A dummy_server option (or flag) the simulator does not run, written
 * into buf as in the file ("jitter=", "hang"); NULL when there is none. */
static const char *unsimulated_option(const struct scenario_backend *b,
                                      char *buf, size_t size)
{
    static const char *const flags[] = { "start=", "down", "blackhole",
                                         "standby" };
    bool flag[] = { b->start_ms > 0, b->down, b->blackhole, b->standby };

    for (size_t i = 0; i < b->option_count; i++) {
        if (strcmp(b->options[i].key, "latency") == 0)
            continue;
        snprintf(buf, size, "%s%s", b->options[i].key,
                 b->options[i].value[0] != '\0' ? "=" : "");
        return buf;
    }
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (flag[i])
            return flags[i];
    }
    return NULL;
}

static bool has_latency(const struct scenario_backend *b)
{
    for (size_t i = 0; i < b->option_count; i++) {
        if (strcmp(b->options[i].key, "latency") == 0)
            return true;
    }
    return false;
}

/* One backend (or a group's model). */
static int backend_unsupported(const struct scenario *sc,
                               const struct scenario_backend *b,
                               FILE *errors)
{
    char message[256], shown[SCENARIO_NAME_MAX + 2];
    const char *option = unsimulated_option(b, shown, sizeof(shown));

    if (option != NULL)
        snprintf(message, sizeof(message), "%s%s: %s is not simulated "
                 "(--sim runs latency=, weight=, maxconn= and the service "
                 "options)", b->name[0] != '\0' ? "backend " : "backends",
                 b->name, option);
    else if (has_latency(b) && b->service.kind != SCENARIO_SERVICE_NONE)
        snprintf(message, sizeof(message), "latency= and service= cannot be "
                 "used together: latency=D is service=fixed mean=D");
    else
        return 0;
    say(errors, sc, b->line, message);
    return 1;
}

/* The proxy options the simulator does not model (the others are the
 * balancer's, or ignored: threads, timeouts of connects that take no time,
 * the health checks' intervals). */
static int proxy_unsupported(const struct scenario *sc, FILE *errors)
{
    static const char *const refused[] = { "queue", "queue-timeout",
                                           "idle-timeout", "maxconn" };
    char message[160];
    int bad = 0;

    for (size_t i = 0; i < sc->proxy_count; i++) {
        for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
            if (strcmp(sc->proxy[i].key, refused[k]) != 0)
                continue;
            snprintf(message, sizeof(message), "proxy %s= is not simulated "
                     "(no queue, no idle timer, no global maxconn)",
                     refused[k]);
            say(errors, sc, sc->proxy[i].line, message);
            bad++;
        }
    }
    return bad;
}

/* What a burst asks of real clients. */
static const char *burst_unsupported(const struct scenario_burst *b)
{
    if (b->behaviour.key[0] != '\0')
        return "a client behaviour is not simulated (every simulated "
               "client sends its requests and reads its replies)";
    if (b->hold_ms > 0 || b->ramp_ms > 0)
        return "hold= and ramp= are not simulated (use 'clients poisson' "
               "or 'uniform' to spread arrivals)";
    if (b->half_close || b->read_rate > 0 || b->write_rate > 0)
        return "half-close, read-rate= and write-rate= are not simulated "
               "(no TCP)";
    return NULL;
}

static int events_unsupported(const struct scenario *sc, FILE *errors)
{
    char message[200];
    int bad = 0, bursts = 0;

    for (size_t e = 0; e < sc->event_count; e++) {
        const struct scenario_event *ev = &sc->events[e];
        enum scenario_action a = ev->action;
        const char *why = a == SCENARIO_CLIENTS ? burst_unsupported(&ev->burst)
                                                : NULL;

        bursts += a == SCENARIO_CLIENTS;
        if (ev->trigger == SCENARIO_AT_PICKS)
            why = "'when NAME picks N' is not simulated (use 'at TIME')";
        else if (a != SCENARIO_CLIENTS && a != SCENARIO_CRASH &&
                 a != SCENARIO_RESTART && a != SCENARIO_PAUSE &&
                 a != SCENARIO_RESUME) {
            snprintf(message, sizeof(message), "%s is not simulated (--sim "
                     "runs clients, crash, restart, pause and resume)",
                     scenario_action_name(a));
            why = message;
        } else if (bursts > SCENARIO_SIM_BURSTS_MAX) {
            why = "more than 64 clients lines";
        }
        if (why != NULL) {
            say(errors, sc, ev->line, why);
            bad++;
        }
    }
    return bad;
}

/* True when name is prefix followed by a number from 1 to count (count
 * 0: any digits). */
static bool generated_by(const char *name, const char *prefix, int count)
{
    size_t len = strlen(prefix);
    const char *digits = name + len;

    if (strncmp(name, prefix, len) != 0 || *digits == '\0')
        return false;
    if (count == 0)
        return strspn(digits, "0123456789") == strlen(digits);
    return digits[0] != '0' &&
           strspn(digits, "0123456789") == strlen(digits) &&
           strlen(digits) <= 4 && atoi(digits) <= count;
}

/* A declared backend, or another group, that a group's names clash
 * with. */
static int names_clash(const struct scenario *sc, FILE *errors)
{
    char message[160];
    int bad = 0;

    for (size_t g = 0; g < sc->group_count; g++) {
        const struct scenario_group *group = &sc->groups[g];

        for (size_t i = 0; i < sc->backend_count; i++) {
            if (!generated_by(sc->backends[i].name, group->prefix,
                              group->count))
                continue;
            snprintf(message, sizeof(message), "backend %s is also a name "
                     "of the backends on line %d", sc->backends[i].name,
                     group->model.line);
            say(errors, sc, sc->backends[i].line, message);
            bad++;
        }
        for (size_t h = 0; h < g; h++) {
            if (!generated_by(group->prefix, sc->groups[h].prefix, 0) &&
                !generated_by(sc->groups[h].prefix, group->prefix, 0) &&
                strcmp(group->prefix, sc->groups[h].prefix) != 0)
                continue;
            snprintf(message, sizeof(message), "backends %s: its names may "
                     "clash with those of line %d (%s)", group->prefix,
                     sc->groups[h].model.line, sc->groups[h].prefix);
            say(errors, sc, group->model.line, message);
            bad++;
        }
    }
    return bad;
}

int scenario_sim_unsupported(const struct scenario *sc, FILE *errors)
{
    int bad = proxy_unsupported(sc, errors) + events_unsupported(sc, errors) +
              names_clash(sc, errors);
    char message[96];

    for (size_t i = 0; i < sc->backend_count; i++)
        bad += backend_unsupported(sc, &sc->backends[i], errors);
    for (size_t g = 0; g < sc->group_count; g++)
        bad += backend_unsupported(sc, &sc->groups[g].model, errors);
    if (sc->chaos.line != 0) {
        say(errors, sc, sc->chaos.line, "chaos is not simulated");
        bad++;
    }
    if (scenario_sim_backend_total(sc) > SCENARIO_GROUP_MAX) {
        snprintf(message, sizeof(message), "%zu backends in all: the "
                 "simulator runs %d at most", scenario_sim_backend_total(sc),
                 SCENARIO_GROUP_MAX);
        say(errors, sc, sc->groups[sc->group_count - 1].model.line, message);
        bad++;
    }
    return bad;
}

size_t scenario_sim_backend_total(const struct scenario *sc)
{
    size_t total = sc->backend_count;

    for (size_t g = 0; g < sc->group_count; g++)
        total += (size_t)sc->groups[g].count;
    return total;
}
