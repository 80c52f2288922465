/*
 * faultlink_options: the command line of fault_link, parsed into one
 * struct, the faults it gives included.
 *
 * Every fault option is the same as an "add" command at start (--latency
 * 100ms is "add latency latency=100ms"); --fault takes a whole command's
 * words for the keys, directions and toxicities the short options do not
 * have. Parsing never prints (but --help and --version) and never exits:
 * it returns -1 with a one-line reason. Uses getopt_long: one thread.
 */
#ifndef FAULTLINK_OPTIONS_H
#define FAULTLINK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "faultlink_fault.h"
#include "log.h"
#include "net.h"
#include "options.h"

#define FAULTLINK_OPTIONS_FAULTS_MAX 16     /* --fault given at most */
#define FAULTLINK_OPTIONS_OFF (-1L)         /* a value not given */

/* Everything the command line can set. */
struct faultlink_options {
    const char *listen_text;    /* --listen [HOST:]PORT */
    const char *to_text;        /* --to HOST:PORT */
    struct net_addr listen;     /* resolved */
    struct net_addr to;
    long seed;                  /* FAULTLINK_OPTIONS_OFF: picked at start */
    enum log_level log_level;
    long latency_ms;            /* the fault options: OFF unless given */
    long jitter_ms;
    long rate;
    long slice_size;
    long slow_close_ms;
    long timeout_ms;
    long reset_after_ms;
    long limit_data;
    bool blackhole;
    bool refuse;
    bool syn_drop;
    int fault_count;
    const char *fault_text[FAULTLINK_OPTIONS_FAULTS_MAX];
    struct faultlink_faults faults;     /* all of them, once parsed */
};

extern const struct options_table faultlink_options_table;

/*
 * Parses argv into *opts. Returns 0; OPTIONS_EXIT after printing --help or
 * --version to out; or -1 with a one-line reason in err (control bytes
 * shown as \xNN). argv may be permuted.
 */
int faultlink_options_parse(struct faultlink_options *opts, int argc,
                            char **argv, FILE *out, char *err, size_t errlen);

#endif
