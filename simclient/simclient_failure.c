/*
 * simclient_failure: names of the failure kinds. See simclient_failure.h.
 */
#include "simclient_failure.h"

static const char *const failure_names[SIMCLIENT_FAILURE_COUNT] = {
    [SIMCLIENT_FAILURE_NONE] = "ok",
    [SIMCLIENT_FAILURE_CONNECT] = "connect",
    [SIMCLIENT_FAILURE_RESET] = "reset",
    [SIMCLIENT_FAILURE_CLOSED] = "closed",
    [SIMCLIENT_FAILURE_MISMATCH] = "mismatch",
    [SIMCLIENT_FAILURE_NONAME] = "noname",
    [SIMCLIENT_FAILURE_SWITCHED] = "switched",
    [SIMCLIENT_FAILURE_TIMEOUT] = "timeout",
};

const char *simclient_failure_name(enum simclient_failure failure)
{
    if ((unsigned)failure >= SIMCLIENT_FAILURE_COUNT)
        return "?";
    return failure_names[failure];
}
