/*
 * config: the proxy's settings, from the command line and a config file.
 *
 * Every long option can also be written in a config file (-c FILE) as
 * "name value" on a line of its own; '#' starts a comment. Within one file
 * a setting other than "backend" may appear once; on the command line the
 * last of a repeated option wins (getopt's convention). The command line
 * wins over the file: a scalar given on both takes the command line's
 * value, and any -b on the command line replaces all of the file's
 * backends. Parsing never exits the program and never prints except for
 * --help and --version: errors come back as one line of text, with every
 * control byte of the input it quotes shown as \xNN (parse_escape).
 *
 * A struct config is filled once in main() before any thread starts. The
 * settings a reload may change while the proxy runs (reload.h) are _Atomic:
 * the reload stores them while workers and the health thread read them,
 * one field at a time (a session started during a reload may see the old
 * connect timeout and the new idle one). Every other field is read-only
 * once threads run, so every thread may read it without a lock. The
 * backends' weight and maxconn, and the backends themselves, may change
 * while the proxy runs: struct config keeps what they were at start, the
 * balancer what they are now (balancer.h).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "balancer.h"
#include "log.h"
#include "net.h"
#include "options.h"

#define CONFIG_ERR_MAX 512
/* The room of a UNIX socket's path (sun_path), its NUL included. */
#define CONFIG_CONTROL_PATH_MAX 108

enum config_origin {
    CONFIG_FROM_DEFAULTS,
    CONFIG_FROM_FILE,
    CONFIG_FROM_CLI
};

struct config {
    struct net_addr listen;
    struct balancer_backend_spec backends[BALANCER_MAX_BACKENDS];
    size_t backend_count;
    int threads;
    bool cpu_affinity;          /* pin worker i to the i-th allowed CPU */
    enum balancer_policy balance;
    _Atomic long connect_timeout_ms;
    _Atomic long idle_timeout_ms;       /* 0: never */
    _Atomic long health_interval_ms;    /* 0: no active checks; a reload
                                         * never turns checks on or off */
    _Atomic int rise;
    _Atomic int fall;
    long maxconn;               /* sessions in the whole proxy; 0: no limit */
    long grace_ms;              /* drain time on SIGINT/SIGTERM */
    enum log_level log_level;
    long log_buffer;            /* bytes of the log sink's ring */
    long log_flush_ms;          /* the sink's linger (log_sink_linger) */
    bool stats_enabled;
    struct net_addr stats;
    unsigned long seed;         /* for --balance random */
    /* --slowstart, --eject-*, --queue, --queue-timeout (balancer_tune) */
    struct balancer_tuning tuning;
    /* Operating the running proxy (admin.h, reload.h). */
    char control_path[CONFIG_CONTROL_PATH_MAX]; /* --control; "": off */
    const char *config_file;    /* -c FILE (points into argv); NULL: none */
    /* Parsing state: where the backends and the value being applied come
     * from, so that a file replaces the defaults and the command line
     * replaces both. */
    enum config_origin backends_origin;
    enum config_origin applying;
};

enum config_result {
    CONFIG_RUN,                 /* settings are complete: start the proxy */
    CONFIG_EXIT,                /* --help or --version was printed: exit 0 */
    CONFIG_ERROR                /* err holds the reason: exit 2 */
};

/* Fills cfg with the defaults (those of the seed programs). */
void config_defaults(struct config *cfg);

/*
 * Parses the command line, and the config file it names, over the defaults.
 * --help and --version are printed to out. On CONFIG_ERROR, err holds one
 * line (with "file:line: " for config-file errors).
 */
enum config_result config_parse(struct config *cfg, int argc, char **argv,
                                FILE *out, char *err, size_t errlen);

/*
 * Parses one backend,
 * "[NAME=]HOST:PORT[,weight=W][,maxconn=M][,slowstart=MS]" (each setting
 * at most once), and appends it to cfg. Without NAME the backend is called "bN", N being its
 * position (1-based). Returns 0, or -1 with a reason in err.
 */
int config_add_backend(struct config *cfg, const char *text, char *err,
                       size_t errlen);

/*
 * The options_custom_fn of config_options: reads the rows the table cannot
 * describe alone (listen, backend, stats, config) into the struct config
 * store. Returns 0, or -1 with a reason in err.
 */
int config_apply(void *store, const struct options_spec *spec,
                 const char *value, char *err, size_t errlen);

/* Reads a config file over cfg. Returns 0, or -1 with "file:line: why". */
int config_load_file(struct config *cfg, const char *path, char *err,
                     size_t errlen);

#endif
