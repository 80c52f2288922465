/*
 * simclient_report: turns finished stats into the human summary and JSON.
 *
 * Both read a struct simclient_stats after simclient_stats_finish() (the
 * latency samples sorted) and write to a caller's FILE; neither keeps
 * state. Latencies are shown in milliseconds, percentiles by nearest rank.
 */
#ifndef SIMCLIENT_REPORT_H
#define SIMCLIENT_REPORT_H

#include <stdio.h>

#include "simclient_options.h"
#include "simclient_stats.h"

/*
 * Prints the summary for people: what was run against target, connections
 * and requests, errors by kind, connections per backend with percentages,
 * throughput, latency p50/p90/p99/max and PASS or FAIL.
 */
void simclient_report_print(FILE *out, const struct simclient_stats *stats,
                            const struct simclient_options *options,
                            const char *target);

/*
 * Writes the summary as one JSON object and a newline (schema in
 * docs/simulate_client.md). Returns 0, or -1 with errno when out reports
 * a write error.
 */
int simclient_report_json(FILE *out, const struct simclient_stats *stats);

/* Writes text as a JSON string: quoted, with " \ and control bytes escaped. */
void simclient_report_json_string(FILE *out, const char *text);

#endif
