/*
 * sim_check: whether a struct sim_config can run, with a message that
 * says which field is wrong and why; and the names of the sim's enums.
 * No state.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <stddef.h>

#include "sim.h"

/* Returns 0, or -1 with err set ("backend 3 (b3): service mean must be
 * a number of seconds > 0, not -1"). */
int sim_check_config(const struct sim_config *config, char *err,
                     size_t errlen);

#endif
