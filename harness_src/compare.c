/*
 * compare: one scenario under several policies. See compare.h.
 */
#include "compare.h"

#include <stdlib.h>
#include <string.h>

#include "trace.h"

static const char *const policies[] = { "leastconn", "roundrobin", "random",
                                        "p2c" };

/* The policy named by text[0..len), or NULL. */
static const char *find_policy(const char *text, size_t len)
{
    for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
        if (strlen(policies[i]) == len && strncmp(policies[i], text, len) == 0)
            return policies[i];
    }
    return NULL;
}

int compare_parse_policies(const char *text, struct compare_policies *out,
                           char *err, size_t errlen)
{
    const char *at = text;

    memset(out, 0, sizeof(*out));
    for (;;) {
        size_t len = strcspn(at, ",");
        const char *name = find_policy(at, len);

        if (name == NULL) {
            snprintf(err, errlen, "--compare: '%.*s' is not a policy "
                     "(policies: leastconn, roundrobin, random, p2c)",
                     (int)(len > 32 ? 32 : len), at);
            return -1;
        }
        for (size_t i = 0; i < out->count; i++) {
            if (out->names[i] == name) {
                snprintf(err, errlen, "--compare: %s is named twice", name);
                return -1;
            }
        }
        out->names[out->count++] = name;
        if (at[len] == '\0')
            break;
        at += len + 1;
    }
    if (out->count < 2) {
        snprintf(err, errlen, "--compare needs two policies or more, like "
                 "--compare leastconn,p2c");
        return -1;
    }
    return 0;
}

/* The bursts' done lines: connections, failures, the highest latencies. */
static void sum_bursts(struct compare_run *run, const struct outcome *outcome)
{
    for (size_t k = 0; k < outcome->burst_count; k++) {
        const struct trace *log = &outcome->bursts[k].log;

        for (size_t i = 0; i < log->count; i++) {
            const struct trace_event *ev = &log->events[i];
            const char *p50 = trace_get(ev, "p50_ms");
            const char *p99 = trace_get(ev, "p99_ms");
            const char *max = trace_get(ev, "max_ms");

            if (!trace_is(ev, "done"))
                continue;
            run->clients += (long)trace_get_int(ev, "connections", 0);
            run->failed += (long)trace_get_int(ev, "failed", 0);
            if (p50 != NULL && atof(p50) > run->p50_ms)
                run->p50_ms = atof(p50);
            if (p99 != NULL && atof(p99) > run->p99_ms)
                run->p99_ms = atof(p99);
            if (max != NULL && atof(max) > run->max_ms)
                run->max_ms = atof(max);
        }
    }
}

static void from_sim(struct compare_run *run, const struct outcome_sim *sim)
{
    long total = 0;

    run->clients = sim->connections;
    run->failed = sim->failed;
    run->p50_ms = sim->p50_ms;
    run->p99_ms = sim->p99_ms;
    run->max_ms = sim->max_ms;
    for (size_t b = 0; b < sim->backend_count; b++)
        total += sim->served[b];
    for (size_t b = 0; b < sim->backend_count; b++) {
        run->share_pct[b] = total == 0 ? 0.0 : 100.0 *
                            (double)sim->served[b] / (double)total;
        run->peak[b] = sim->peak[b];
    }
}

int compare_summarize(struct compare_run *run, const char *policy,
                      const struct outcome *outcome,
                      const struct check_backend_row *rows, bool ran)
{
    const struct scenario *sc = outcome->scenario;

    memset(run, 0, sizeof(*run));
    run->policy = policy;
    run->ran = ran;
    run->backend_count = outcome->sim.on ? outcome->sim.backend_count
                                         : sc->backend_count;
    run->share_pct = calloc(run->backend_count + 1, sizeof(double));
    run->peak = calloc(run->backend_count + 1, sizeof(int));
    if (run->share_pct == NULL || run->peak == NULL)
        return -1;
    if (!ran)
        return 0;
    if (outcome->sim.on) {
        from_sim(run, &outcome->sim);
        return 0;
    }
    sum_bursts(run, outcome);
    for (size_t b = 0; b < sc->backend_count; b++) {
        run->share_pct[b] = rows[b].share_pct;
        run->peak[b] = rows[b].peak_active;
    }
    return 0;
}

void compare_run_free(struct compare_run *run)
{
    free(run->share_pct);
    free(run->peak);
    run->share_pct = NULL;
    run->peak = NULL;
}

/* Backend b's name: declared, or a group's PREFIXj. */
static const char *backend_name(const struct scenario *sc, size_t b,
                                char *buf, size_t size)
{
    if (b < sc->backend_count)
        return sc->backends[b].name;
    b -= sc->backend_count;
    for (size_t g = 0; g < sc->group_count; g++) {
        if (b < (size_t)sc->groups[g].count) {
            snprintf(buf, size, "%s%zu", sc->groups[g].prefix, b + 1);
            return buf;
        }
        b -= (size_t)sc->groups[g].count;
    }
    return "?";
}

static void print_runs(FILE *out, const struct compare_run *runs,
                       size_t count)
{
    fprintf(out, "  %-12s %9s %7s %10s %10s %10s\n", "policy", "clients",
            "failed", "p50 ms", "p99 ms", "max ms");
    for (size_t i = 0; i < count; i++) {
        const struct compare_run *r = &runs[i];

        if (!r->ran) {
            fprintf(out, "  %-12s %s\n", r->policy, "(the run did not "
                    "finish)");
            continue;
        }
        fprintf(out, "  %-12s %9ld %7ld %10.3f %10.3f %10.3f\n", r->policy,
                r->clients, r->failed, r->p50_ms, r->p99_ms, r->max_ms);
    }
}

/* The spread over many backends: lowest and highest share, highest
 * peak. */
static void print_spread(FILE *out, const struct compare_run *runs,
                         size_t count)
{
    fprintf(out, "  %-12s", "min");
    for (size_t i = 0; i < count; i++) {
        double low = 100.0;

        for (size_t b = 0; b < runs[i].backend_count; b++)
            low = runs[i].share_pct[b] < low ? runs[i].share_pct[b] : low;
        fprintf(out, "  %6.2f%% %8s", low, "");
    }
    fprintf(out, "\n  %-12s", "max");
    for (size_t i = 0; i < count; i++) {
        double high = 0;
        int peak = 0;

        for (size_t b = 0; b < runs[i].backend_count; b++) {
            high = runs[i].share_pct[b] > high ? runs[i].share_pct[b] : high;
            peak = runs[i].peak[b] > peak ? runs[i].peak[b] : peak;
        }
        fprintf(out, "  %6.2f%% %8d", high, peak);
    }
    fputc('\n', out);
}

/* Share and peak of every backend, or their spread when there are more
 * than COMPARE_TABLE_BACKENDS. */
static void print_backends(FILE *out, const struct scenario *sc,
                           const struct compare_run *runs, size_t count)
{
    size_t backends = runs[0].backend_count;
    char name[SCENARIO_NAME_MAX + 8];

    fprintf(out, "\n  %-12s", backends > COMPARE_TABLE_BACKENDS
                                   ? "backends" : "backend");
    for (size_t i = 0; i < count; i++)
        fprintf(out, "  %-17s", runs[i].policy);
    fprintf(out, "\n  %-12s", "");
    for (size_t i = 0; i < count; i++)
        fprintf(out, "  %7s %8s", "share", "peak");
    fputc('\n', out);
    if (backends > COMPARE_TABLE_BACKENDS) {
        print_spread(out, runs, count);
        return;
    }
    for (size_t b = 0; b < backends; b++) {
        fprintf(out, "  %-12s", backend_name(sc, b, name, sizeof(name)));
        for (size_t i = 0; i < count; i++)
            fprintf(out, "  %6.1f%% %8d", runs[i].share_pct[b],
                    runs[i].peak[b]);
        fputc('\n', out);
    }
}

void compare_print(FILE *out, const struct scenario *sc, unsigned long seed,
                   const struct compare_run *runs, size_t count)
{
    fprintf(out, "compare: %s, seed %lu, %zu policies\n", sc->path, seed,
            count);
    print_runs(out, runs, count);
    if (count > 0 && runs[0].backend_count > 0)
        print_backends(out, sc, runs, count);
}
