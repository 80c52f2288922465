/*
 * outcome: lifetime of a run's results. See outcome.h.
 */
#include "outcome.h"

#include <stdlib.h>
#include <string.h>

void outcome_init(struct outcome *outcome, const struct scenario *scenario)
{
    memset(outcome, 0, sizeof(*outcome));
    outcome->scenario = scenario;
    trace_init(&outcome->proxy);
    trace_init(&outcome->timeline);
    for (size_t i = 0; i < SCENARIO_MAX_BACKENDS; i++)
        trace_init(&outcome->backends[i]);
    for (size_t i = 0; i <= SCENARIO_MAX_BACKENDS; i++)
        trace_init(&outcome->links[i]);
    for (size_t i = 0; i < SCENARIO_MAX_EVENTS; i++) {
        trace_init(&outcome->bursts[i].log);
        outcome->bursts[i].exit_status = -1;
    }
}

void outcome_free(struct outcome *outcome)
{
    trace_free(&outcome->proxy);
    trace_free(&outcome->timeline);
    for (size_t i = 0; i < SCENARIO_MAX_BACKENDS; i++)
        trace_free(&outcome->backends[i]);
    for (size_t i = 0; i <= SCENARIO_MAX_BACKENDS; i++)
        trace_free(&outcome->links[i]);
    for (size_t i = 0; i < SCENARIO_MAX_EVENTS; i++)
        trace_free(&outcome->bursts[i].log);
    free(outcome->sim.served);
    free(outcome->sim.peak);
    outcome->sim.served = NULL;
    outcome->sim.peak = NULL;
}
