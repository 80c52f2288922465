/*
 * faultlink_fault: the faults of fault_link, what each one's keys mean,
 * the words that add one ("latency latency=100ms jitter=10ms
 * direction=up toxicity=0.5") and which connections get it.
 *
 * The faults in force live in a table, one slot per kind and direction
 * (adding a kind again in a direction replaces it there). Whether a
 * connection gets a fault is decided by its toxicity against a number drawn
 * from the seed, the connection's number, the kind and the direction alone
 * (faultlink_fault_chosen), so the same seed gives the same connections the
 * same faults whatever the timing. Plain data and pure functions: one
 * thread at a time per table.
 */
#ifndef FAULTLINK_FAULT_H
#define FAULTLINK_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAULTLINK_DELAY_MAX_MS 3600000L     /* one hour */
#define FAULTLINK_SIZE_MAX 1073741824L      /* 1G */

/* Every kind, in the order list shows them. */
enum faultlink_kind {
    FAULTLINK_LATENCY,
    FAULTLINK_BANDWIDTH,
    FAULTLINK_SLICER,
    FAULTLINK_SLOW_CLOSE,
    FAULTLINK_TIMEOUT,
    FAULTLINK_RESET,
    FAULTLINK_LIMIT_DATA,
    FAULTLINK_BLACKHOLE,
    FAULTLINK_REFUSE,       /* of the listener: no direction */
    FAULTLINK_SYN_DROP,     /* of the listener: no direction, no toxicity */
    FAULTLINK_KINDS
};

/* "up": client -> target; "down": target -> client. */
enum faultlink_dir {
    FAULTLINK_UP,
    FAULTLINK_DOWN,
    FAULTLINK_DIRS
};

#define FAULTLINK_BOTH 3u                   /* a mask of both directions */
#define FAULTLINK_UNSET (-1L)               /* a key not given */

/* One fault as added: its kind, where, how likely, and its keys' values
 * (FAULTLINK_UNSET for the keys it was not given). */
struct faultlink_fault {
    enum faultlink_kind kind;
    unsigned dirs;          /* 1 << FAULTLINK_UP | 1 << FAULTLINK_DOWN */
    double toxicity;        /* 0..1 */
    long latency_ms;        /* latency */
    long jitter_ms;         /* latency */
    long rate;              /* bandwidth, bytes per second */
    long size;              /* slicer, bytes per piece */
    long delay_ms;          /* slicer, slow-close */
    long after_ms;          /* timeout, reset */
    long bytes;             /* reset, limit-data */
};

/* The faults in force: one slot per kind and direction (refuse and
 * syn-drop use the FAULTLINK_UP slot only). */
struct faultlink_faults {
    bool on[FAULTLINK_KINDS][FAULTLINK_DIRS];
    struct faultlink_fault fault[FAULTLINK_KINDS][FAULTLINK_DIRS];
};

/* "latency", "slow-close"... */
const char *faultlink_kind_name(enum faultlink_kind kind);

/* "up" or "down". */
const char *faultlink_dir_name(enum faultlink_dir dir);

/* True for the kinds of the listener (refuse, syn-drop). */
bool faultlink_kind_of_listener(enum faultlink_kind kind);

/* Reads a kind's name. Returns 0, or -1 if there is no such kind. */
int faultlink_kind_parse(const char *name, enum faultlink_kind *kind);

/* Reads "up", "down" or "both" into a mask. Returns 0, or -1. */
int faultlink_dirs_parse(const char *name, unsigned *dirs);

/*
 * Reads the words after "add": KIND [KEY=VALUE...] [direction=D]
 * [toxicity=P], into *fault. Returns 0, or -1 with what was wrong in err
 * ("latency: unknown key 'x' (keys: latency, jitter)").
 */
int faultlink_fault_parse(char *const *words, int count,
                          struct faultlink_fault *fault, char *err,
                          size_t errlen);

/*
 * Writes a fault's toxicity and keys, "toxicity=P key=value ..."
 * (toxicity with up to 3 digits, durations and sizes as the parsers read
 * them back), without kind or direction, into buf. Returns buf.
 */
const char *faultlink_fault_format(const struct faultlink_fault *fault,
                                   char *buf, size_t size);

/* An empty table. */
void faultlink_faults_init(struct faultlink_faults *faults);

/* Puts fault in its slots (replacing what was there). */
void faultlink_faults_add(struct faultlink_faults *faults,
                          const struct faultlink_fault *fault);

/* Empties the slots of kind in dirs. Returns how many were on. */
int faultlink_faults_remove(struct faultlink_faults *faults,
                            enum faultlink_kind kind, unsigned dirs);

/*
 * Whether connection conn_id gets a fault of toxicity P, kind and dir,
 * under seed: a number in [0, 1) drawn from the four and nothing else is
 * below P. P = 0: never; P = 1: always.
 */
bool faultlink_fault_chosen(uint64_t seed, uint64_t conn_id,
                            enum faultlink_kind kind, enum faultlink_dir dir,
                            double toxicity);

#endif
