/*
 * scenario: the parsed form of a .scn file (see docs/scenarios.md).
 *
 * A scenario declares the proxy's options, the backends and how they
 * behave, client bursts and faults on a timeline, and the expectations the
 * run is judged by. scenario_parse_* check everything they can before
 * anything starts: a scenario that parses will run.
 *
 * A struct scenario is plain data, filled once by the parser and then only
 * read (by the runner, the checks and the reports). Not thread-safe; the
 * harness is single-threaded.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SCENARIO_MAX_BACKENDS 32
#define SCENARIO_MAX_EVENTS 128
#define SCENARIO_MAX_EXPECTS 64
#define SCENARIO_MAX_OPTIONS 16
#define SCENARIO_NAME_MAX 32
#define SCENARIO_VALUE_MAX 64
#define SCENARIO_TEXT_MAX 160
#define SCENARIO_MAX_GROUPS 8          /* "backends N PREFIX" lines */
#define SCENARIO_GROUP_MAX 1024        /* backends in all with groups */

/* One key=value passed on to a program as "--key value" ("--key" when the
 * value is empty). */
struct scenario_option {
    char key[SCENARIO_NAME_MAX];
    char value[SCENARIO_VALUE_MAX];
    int line;                       /* proxy options: where it was given */
};

/* The service words only the simulator runs (harness --sim): a backend's
 * service time per request and its discipline. */
enum scenario_service_kind {
    SCENARIO_SERVICE_NONE,          /* not given: latency= (fixed), or 0 */
    SCENARIO_SERVICE_FIXED, SCENARIO_SERVICE_EXP, SCENARIO_SERVICE_PARETO,
    SCENARIO_SERVICE_LOGNORMAL
};

struct scenario_service {
    enum scenario_service_kind kind;
    double mean_ms;                 /* mean=D */
    double shape;                   /* alpha= (pareto), sigma= (lognormal);
                                       0 when not given */
    int concurrency;                /* concurrency=N; -1 not given */
    bool ps;                        /* discipline=ps */
};

struct scenario_backend {
    char name[SCENARIO_NAME_MAX];
    int line;                       /* where it was declared */
    /* dummy_server options: latency, jitter, mode, rate, crash-after-conns,
     * crash-after-lines, close-after-lines, reset-after-lines, hang, refuse */
    struct scenario_option options[SCENARIO_MAX_OPTIONS];
    size_t option_count;
    int weight;                     /* proxy side, 1 when not given */
    int maxconn;                    /* proxy side, 0 when not given */
    long start_ms;                  /* start=TIME: started this late */
    bool down;                      /* "down": not started until a start event */
    bool blackhole;                 /* no server: connects never complete */
    bool linked;                    /* a fault_link between the proxy and it
                                       (a link, heal or chaos link fault
                                       names it) */
    bool controlled;                /* started with --control ("set") */
    bool standby;                   /* "standby": started, but not given to
                                       the proxy at its start (for "add" or
                                       a reload that lists it) */
    struct scenario_service service;
    int sim_line;                   /* a simulator-only option is on this
                                       line; 0: none */
};

/* "backends N PREFIX OPTION...": N backends PREFIX1..PREFIXN alike
 * (simulator only). */
struct scenario_group {
    char prefix[SCENARIO_NAME_MAX];
    int count;
    struct scenario_backend model;  /* options, weight...; name "" */
};

/* How a burst's connections arrive. */
enum scenario_arrival {
    SCENARIO_ARRIVAL_CLOSED,        /* "clients N": N clients at once, each
                                       its next connection when one ends */
    SCENARIO_ARRIVAL_POISSON,       /* "clients poisson rate=R/s count=N" */
    SCENARIO_ARRIVAL_UNIFORM        /* "clients uniform rate=R/s count=N":
                                       one every 1/R s */
};

/* A client burst: one simulate_client run. */
struct scenario_burst {
    int clients;
    int requests;                   /* per connection, default 1 */
    long size;                      /* payload bytes, default 32 */
    long hold_ms;
    long ramp_ms;
    long timeout_ms;                /* per request, default 5000 */
    long read_rate;                 /* bytes/s per connection, 0: no limit */
    long write_rate;                /* the same for writing */
    bool half_close;
    bool may_fail;                  /* "may-fail": its failures do not fail
                                     * "expect clients ok" */
    struct scenario_option behaviour;   /* no-read, abort=up, ... passed to
                                           simulate_client; key "" none */
    enum scenario_arrival arrival;  /* simulator only but CLOSED */
    double rate;                    /* rate=R/s: connections per second */
    long count;                     /* count=N: connections in all; 0:
                                       clients (one each) */
    bool simulated;                 /* a simulator-only word is used */
};

enum scenario_action {
    SCENARIO_CLIENTS,               /* start a burst */
    SCENARIO_CRASH,                 /* SIGKILL the backend */
    SCENARIO_STOP,                  /* SIGTERM */
    SCENARIO_PAUSE,                 /* SIGSTOP */
    SCENARIO_RESUME,                /* SIGCONT */
    SCENARIO_RESTART,               /* start again, same port and options */
    SCENARIO_START,                 /* first start of a "down" backend */
    SCENARIO_STOP_PROXY,            /* "stop proxy": SIGTERM the proxy */
    SCENARIO_LINK,                  /* "link NAME KIND ...": add a fault */
    SCENARIO_HEAL,                  /* "heal NAME [KIND]": remove faults */
    SCENARIO_SET,                   /* "set NAME KEY=VALUE...": live change */
    /* Operations on the running proxy, sent to its control socket: */
    SCENARIO_DRAIN,                 /* "drain NAME" */
    SCENARIO_DISABLE,               /* "disable NAME" */
    SCENARIO_ENABLE,                /* "enable NAME" */
    SCENARIO_WEIGHT,                /* "weight NAME N" */
    SCENARIO_MAXCONN,               /* "maxconn NAME N" */
    SCENARIO_ADD,                   /* "add NAME [weight=N] [maxconn=N]
                                       [slowstart=D]" */
    SCENARIO_REMOVE,                /* "remove NAME" */
    SCENARIO_RELOAD                 /* "reload [backends=..] [weight.NAME=N]
                                       [maxconn.NAME=N]": a new config file */
};

/* What a reload sets: the proxy's backends from then on, and their
 * weights and maxconns (-1: as before). */
struct scenario_reload {
    bool backends_given;            /* backends= was written */
    bool in[SCENARIO_MAX_BACKENDS]; /* backends=: in the new file */
    int weight[SCENARIO_MAX_BACKENDS];
    int maxconn[SCENARIO_MAX_BACKENDS];
};

/* The target of link and heal that is the clients' side of the proxy. */
#define SCENARIO_TARGET_CLIENTS (-2)

enum scenario_trigger {
    SCENARIO_AT_TIME,               /* "at 1.5s ..." */
    SCENARIO_AT_PICKS               /* "when b1 picks 20 ..." */
};

/* One timeline entry. */
struct scenario_event {
    int line;
    enum scenario_trigger trigger;
    long at_ms;                     /* AT_TIME: ms after the proxy started */
    int watch_backend;              /* AT_PICKS: when this backend ... */
    long picks;                     /* ... has been picked this many times */
    enum scenario_action action;
    int backend;                    /* fault actions: the target; -1 for
                                       stop proxy; SCENARIO_TARGET_CLIENTS
                                       for "link clients" and "heal clients" */
    struct scenario_burst burst;    /* SCENARIO_CLIENTS */
    char command[SCENARIO_TEXT_MAX];    /* LINK, HEAL: the fault_link command
                                           ("add latency latency=100ms");
                                           SET: dummy_server's ("set ...") */
    char kind[SCENARIO_NAME_MAX];   /* LINK, HEAL: the fault's kind ("" for
                                       a heal of every kind) */
    long value;                     /* WEIGHT, MAXCONN: the new value */
    int add_weight;                 /* ADD: weight=, maxconn=, slowstart=; */
    int add_maxconn;                /* -1 when not given (the backend's */
    long add_slowstart_ms;          /* declared ones, the proxy's default) */
    struct scenario_reload reload;  /* RELOAD */
    bool chaos;                     /* planned by the chaos line */
};

/* The chaos kinds ("kinds=crash,link-latency,..."), as bits of a mask. */
enum scenario_chaos_kind {
    SCENARIO_CHAOS_CRASH, SCENARIO_CHAOS_PAUSE, SCENARIO_CHAOS_LINK_LATENCY,
    SCENARIO_CHAOS_LINK_SLICER, SCENARIO_CHAOS_LINK_RESET,
    SCENARIO_CHAOS_LINK_BLACKHOLE, SCENARIO_CHAOS_SYN_DROP,
    SCENARIO_CHAOS_REFUSE, SCENARIO_CHAOS_KINDS
};

/* How many backends one chaos fault hits. */
enum scenario_chaos_targets {
    SCENARIO_CHAOS_ONE, SCENARIO_CHAOS_MINORITY, SCENARIO_CHAOS_ALL
};

/* "chaos from D to D every D..D kinds=... targets=...". */
struct scenario_chaos {
    int line;                       /* 0: no chaos line */
    long from_ms, to_ms;
    long every_min_ms, every_max_ms;
    unsigned kinds;                 /* bit k: enum scenario_chaos_kind k */
    enum scenario_chaos_targets targets;
    unsigned long seed;             /* the plan's (scenario_plan_chaos) */
};

enum scenario_check {
    SCENARIO_CHECK_LEASTCONN,       /* leastconn */
    SCENARIO_CHECK_COUNTS_ZERO,     /* counts zero */
    SCENARIO_CHECK_RELAY_EXACT,     /* relay exact */
    SCENARIO_CHECK_SHARE,           /* share b1=50%±10% */
    SCENARIO_CHECK_COMPARE,         /* b1 > b2, b1 < b2 */
    SCENARIO_CHECK_DETECT,          /* detect b1 within 1s */
    SCENARIO_CHECK_RECOVER,         /* recover b1 within 2s */
    SCENARIO_CHECK_CLIENTS_OK,      /* clients ok */
    SCENARIO_CHECK_CLIENTS_FAILED,  /* clients failed<=5 */
    SCENARIO_CHECK_NO_LOST_CLIENTS, /* no-lost-clients */
    SCENARIO_CHECK_THREADS_STABLE,  /* threads stable */
    SCENARIO_CHECK_RESETS_PASSED,   /* resets passed */
    SCENARIO_CHECK_STOP_CLEAN,      /* stop clean */
    SCENARIO_CHECK_WORKERS_USED,    /* workers used */
    SCENARIO_CHECK_HEALTH_EXACT,    /* health exact */
    SCENARIO_CHECK_SESSIONS_MAX,    /* sessions<=1s */
    SCENARIO_CHECK_FDS_STABLE,      /* fds stable */
    SCENARIO_CHECK_LATENCY,         /* p50<=D, p90<=D, p99<=D [burst=N] */
    SCENARIO_CHECK_NO_HOL,          /* no-hol [burst=N] */
    SCENARIO_CHECK_IDLE_CLOSED,     /* idle-closed within D */
    SCENARIO_CHECK_RETRIED,         /* retried */
    SCENARIO_CHECK_PROXY_RSS,       /* proxy-rss<=64M */
    SCENARIO_CHECK_PROXY_RSS_GROWTH, /* proxy-rss-growth<=16M */
    SCENARIO_CHECK_DRAINED,         /* drained NAME within D */
    SCENARIO_CHECK_SLOWSTART,       /* slowstart NAME */
    SCENARIO_CHECK_EJECTED,         /* ejected NAME within D */
    SCENARIO_CHECK_RESTORED,        /* restored NAME */
    SCENARIO_CHECK_QUEUE_WAIT,      /* queue-wait<=D */
    SCENARIO_CHECK_QUEUE_FIFO,      /* queue fifo */
    SCENARIO_CHECK_P2C              /* p2c */
};

struct scenario_expect {
    int line;
    enum scenario_check check;
    bool expect_fail;               /* "expect-fail": the check must fail */
    int points;                     /* points=N, default 1 */
    int backend;                    /* share, compare, detect, recover,
                                       drained, slowstart, ejected,
                                       restored */
    int other;                      /* compare: right-hand backend */
    char op;                        /* compare: '>' or '<' */
    double share_pct;               /* share: expected percentage */
    double tolerance_pct;           /* share: allowed deviation, points */
    long within_ms;                 /* detect, recover, sessions<=,
                                       idle-closed, drained, ejected,
                                       queue-wait<=; latency: the bound */
    long max_failed;                /* clients failed<=N */
    long max_bytes;                 /* proxy-rss<=, proxy-rss-growth<= */
    int percentile;                 /* latency: 50, 90 or 99 */
    int burst;                      /* latency, no-hol: burst=N (the N-th
                                       clients action in the file), 0 all */
    char text[SCENARIO_TEXT_MAX];   /* as written, for reports */
};

struct scenario {
    char path[256];
    char description[SCENARIO_TEXT_MAX];  /* first comment line */
    unsigned long seed;             /* default 1 */
    long timeout_ms;                /* whole run, default 30s */
    struct scenario_option proxy[SCENARIO_MAX_OPTIONS];
    size_t proxy_count;
    struct scenario_backend backends[SCENARIO_MAX_BACKENDS];
    size_t backend_count;
    struct scenario_group groups[SCENARIO_MAX_GROUPS];
    size_t group_count;             /* simulator only */
    struct scenario_event events[SCENARIO_MAX_EVENTS];
    size_t event_count;
    struct scenario_expect expects[SCENARIO_MAX_EXPECTS];
    size_t expect_count;
    bool clients_linked;            /* a fault_link between clients & proxy */
    struct scenario_chaos chaos;
    size_t chaos_first;             /* events[chaos_first..] are the chaos
                                       plan's (event_count when none) */
    bool operated;                  /* an action uses the proxy's control
                                       socket: it runs with --control */
    bool reloaded;                  /* a reload action: the proxy reads its
                                       settings from a file (-c) */
};

/*
 * Parses the scenario in file path into *out. Every error is written to
 * errors as "path:line: message" (one line each; parsing goes on after an
 * error to report them all). Returns the number of errors (0: *out is
 * complete and valid), or -1 when the file cannot be read or is not a
 * regular file (reported too; a FIFO is never opened for reading).
 */
int scenario_parse_file(const char *path, struct scenario *out, FILE *errors);

/* Same, from text in memory; name is used in the messages. */
int scenario_parse_text(const char *name, const char *text,
                        struct scenario *out, FILE *errors);

/*
 * True when the backends answer in echo mode (mode=echo): the parser lets
 * no scenario mix echo and line backends, so the first one tells.
 */
bool scenario_backends_echo(const struct scenario *scenario);

/* The index of the backend called name, or -1. */
int scenario_backend_index(const struct scenario *scenario, const char *name);

/*
 * The number of the burst that events[event] starts, as "burst=N" counts
 * them: its place among the file's clients actions, from 1. 0 when event
 * is not a clients action.
 */
int scenario_burst_number(const struct scenario *scenario, int event);

/*
 * True when an expectation reads the backends' request lines (ev=line,
 * logged at debug): "idle-closed", and "no-lost-clients" under an idle
 * timeout the scenario sets (it excuses clients closed while a reply was
 * still due). The runner then starts the backends with --log-level debug.
 */
bool scenario_wants_request_lines(const struct scenario *scenario);

/* The name of an action ("crash", "clients", ...). */
const char *scenario_action_name(enum scenario_action action);

/*
 * The proxy option key of the scenario as a number: a count, or a duration
 * in milliseconds. fallback when it is not given (the proxy's default).
 */
long scenario_proxy_number(const struct scenario *scenario, const char *key,
                           long fallback);

/* The proxy's balancing policy: its balance= option, or "leastconn". */
const char *scenario_policy(const struct scenario *scenario);

/*
 * Sets the proxy's balance= option to policy (replacing the one written,
 * or added after the others). Returns 0, or -1 when the proxy already has
 * SCENARIO_MAX_OPTIONS options and none is balance=.
 */
int scenario_set_policy(struct scenario *scenario, const char *policy);

/* True for the actions sent to the proxy's control socket (drain ...
 * reload). */
bool scenario_action_operates(enum scenario_action action);

/* The name of a chaos kind ("crash", "link-latency", ...). */
const char *scenario_chaos_kind_name(enum scenario_chaos_kind kind);

/*
 * Replaces the chaos plan (events[chaos_first..]) with the one drawn from
 * seed (see chaos.h). Returns 0, or -1 when the plan does not fit in the
 * events array (the plan is then cut short). Without a chaos line it does
 * nothing.
 */
int scenario_plan_chaos(struct scenario *scenario, unsigned long seed);

#endif
