/*
 * simclient_report: human and JSON summaries. See simclient_report.h.
 */
#include "simclient_report.h"

#include <errno.h>

static double ns_to_ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static double throughput(const struct simclient_stats *stats)
{
    return stats->duration_s > 0 ? (double)stats->requests_ok / stats->duration_s
                                 : 0.0;
}

/* p50, p90, p99 and max of the sorted samples, in ms. */
static void latency_points(const struct simclient_stats *stats, double out[4])
{
    static const double pcts[] = { 50, 90, 99, 100 };

    for (int i = 0; i < 4; i++)
        out[i] = ns_to_ms(simclient_stats_percentile(stats->latency_ns,
                                                     stats->latency_count,
                                                     pcts[i]));
}

static unsigned long backend_total(const struct simclient_stats *stats)
{
    unsigned long total = 0;

    for (size_t i = 0; i < stats->backend_count; i++)
        total += stats->backends[i].connections;
    return total;
}

static void print_backends(FILE *out, const struct simclient_stats *stats)
{
    unsigned long total = backend_total(stats);

    fprintf(out, "backends:%s\n", total == 0 ? "    none answered" : "");
    for (size_t i = 0; i < stats->backend_count; i++)
        fprintf(out, "  %-24s %8lu connections %6.1f%%\n",
                stats->backends[i].name, stats->backends[i].connections,
                100.0 * (double)stats->backends[i].connections / (double)total);
}

static void print_errors(FILE *out, const struct simclient_stats *stats)
{
    fprintf(out, "errors:     ");
    for (int kind = 1; kind < SIMCLIENT_FAILURE_COUNT; kind++)
        fprintf(out, " %s=%lu", simclient_failure_name(kind),
                stats->errors[kind]);
    fprintf(out, "\n");
}

static void print_latency(FILE *out, const struct simclient_stats *stats)
{
    double ms[4];

    if (stats->latency_count == 0) {
        fprintf(out, "latency:     no samples\n");
        return;
    }
    latency_points(stats, ms);
    fprintf(out, "latency ms:  p50=%.3f p90=%.3f p99=%.3f max=%.3f "
                 "(%zu samples)\n",
            ms[0], ms[1], ms[2], ms[3], stats->latency_count);
}

void simclient_report_print(FILE *out, const struct simclient_stats *stats,
                            const struct simclient_options *options,
                            const char *target)
{
    bool passed = simclient_stats_passed(stats);

    fprintf(out, "simulate_client: %s, %ld clients x %ld requests of %ld bytes%s%s\n",
            target, options->clients, options->requests, options->size,
            options->half_close ? ", half-close" : "",
            options->duration_ms > 0 ? ", repeated for --duration" : "");
    fprintf(out, "connections: %lu ok, %lu failed (%lu finished)\n",
            stats->connections - stats->connections_failed,
            stats->connections_failed, stats->connections);
    if (stats->interrupted || stats->connections_interrupted > 0)
        fprintf(out, "interrupted: by a signal; %lu connections cut short\n",
                stats->connections_interrupted);
    fprintf(out, "requests:    %llu ok of %llu sent", stats->requests_ok,
            stats->requests_sent);
    if (stats->requests_left > 0)
        fprintf(out, ", %llu left unanswered by the behaviour",
                stats->requests_left);
    fputc('\n', out);
    if (stats->behaviour[0] != '\0')
        fprintf(out, "behaviour:   %s: %lu of %lu connections ended as "
                "planned\n", stats->behaviour, stats->behaviour_planned,
                stats->connections);
    print_errors(out, stats);
    print_backends(out, stats);
    fprintf(out, "throughput:  %.1f req/s over %.3f s\n", throughput(stats),
            stats->duration_s);
    print_latency(out, stats);
    if (stats->latency_lost > 0 || stats->backends_lost > 0)
        fprintf(out, "warning:     out of memory: %lu latency samples and %lu "
                     "backend names not recorded\n",
                stats->latency_lost, stats->backends_lost);
    fprintf(out, "result:      %s\n",
            !passed ? "FAIL (see errors above)"
            : stats->behaviour[0] != '\0'
                ? "PASS (every connection ended as its behaviour planned, "
                  "every reply read was correct)"
                : "PASS (every request got its correct reply)");
}

void simclient_report_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_errors(FILE *out, const struct simclient_stats *stats)
{
    fprintf(out, "\"errors\":{");
    for (int kind = 1; kind < SIMCLIENT_FAILURE_COUNT; kind++)
        fprintf(out, "%s\"%s\":%lu", kind > 1 ? "," : "",
                simclient_failure_name(kind), stats->errors[kind]);
    fprintf(out, "},");
}

static void json_backends(FILE *out, const struct simclient_stats *stats)
{
    fprintf(out, "\"backends\":{");
    for (size_t i = 0; i < stats->backend_count; i++) {
        if (i > 0)
            fputc(',', out);
        simclient_report_json_string(out, stats->backends[i].name);
        fprintf(out, ":%lu", stats->backends[i].connections);
    }
    fprintf(out, "},");
}

/* "behaviour": null, or what it was and how many ended as it planned. */
static void json_behaviour(FILE *out, const struct simclient_stats *stats)
{
    if (stats->behaviour[0] == '\0') {
        fprintf(out, "\"behaviour\":null,");
        return;
    }
    fprintf(out, "\"behaviour\":{\"name\":");
    simclient_report_json_string(out, stats->behaviour);
    fprintf(out, ",\"as_planned\":%lu,\"requests_left\":%llu},",
            stats->behaviour_planned, stats->requests_left);
}

int simclient_report_json(FILE *out, const struct simclient_stats *stats)
{
    double ms[4];

    latency_points(stats, ms);
    fprintf(out, "{\"connections\":%lu,\"connections_failed\":%lu,"
                 "\"requests_sent\":%llu,\"requests_ok\":%llu,",
            stats->connections, stats->connections_failed,
            stats->requests_sent, stats->requests_ok);
    json_errors(out, stats);
    json_behaviour(out, stats);
    json_backends(out, stats);
    fprintf(out, "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
                 "\"max\":%.3f},\"throughput_rps\":%.1f,\"duration_s\":%.3f,"
                 "\"connections_interrupted\":%lu,\"interrupted\":%s,"
                 "\"passed\":%s}\n",
            ms[0], ms[1], ms[2], ms[3], throughput(stats), stats->duration_s,
            stats->connections_interrupted,
            stats->interrupted ? "true" : "false",
            simclient_stats_passed(stats) ? "true" : "false");
    errno = 0;
    if (fflush(out) == EOF || ferror(out)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}
