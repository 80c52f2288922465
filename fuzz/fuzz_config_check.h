/*
 * fuzz_config_check: the promise of a struct config that parsed, shared by
 * the fuzz_config and fuzz_args targets.
 *
 * Pure: reads the config, keeps nothing.
 */
#ifndef FUZZ_CONFIG_CHECK_H
#define FUZZ_CONFIG_CHECK_H

#include "config.h"

/*
 * Checks what config_parse and config_load_file promise when they succeed:
 * at least one backend, unique names, a port to connect to, and every
 * number within the range its option accepts. Aborts through
 * fuzz_support_fail when one is broken.
 */
void fuzz_config_check(const struct config *cfg);

#endif
