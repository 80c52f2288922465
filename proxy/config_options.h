/*
 * config_options: the proxy's option tables (see options.h), plain data.
 *
 * config_options drives the command line, the config file and --help
 * (config.c); config_backend_options holds the ",key=value" settings of a
 * backend that a scenario may give too, config_backend_proxy_options those
 * it may not (slowstart). The harness checks a scenario's proxy options
 * and backend weight/maxconn against these same rows, so the two cannot
 * disagree on a limit. Read-only: any thread may read them.
 */
#ifndef CONFIG_OPTIONS_H
#define CONFIG_OPTIONS_H

#include "options.h"

extern const struct options_table config_options;
extern const struct options_table config_backend_options;
extern const struct options_table config_backend_proxy_options;

#endif
