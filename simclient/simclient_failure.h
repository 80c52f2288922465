/*
 * simclient_failure: the kinds of failure simulate_client counts.
 *
 * Every connection ends either well (SIMCLIENT_FAILURE_NONE) or with exactly
 * one of these kinds; the summary, the JSON file and the log all use the
 * names returned by simclient_failure_name(). Constant data: thread-safe.
 */
#ifndef SIMCLIENT_FAILURE_H
#define SIMCLIENT_FAILURE_H

enum simclient_failure {
    SIMCLIENT_FAILURE_NONE = 0, /* no failure: "ok" */
    SIMCLIENT_FAILURE_CONNECT,  /* connect refused, failed or timed out */
    SIMCLIENT_FAILURE_RESET,    /* ECONNRESET or another I/O error */
    SIMCLIENT_FAILURE_CLOSED,   /* end of file before all replies */
    SIMCLIENT_FAILURE_MISMATCH, /* a reply's payload was not the request's */
    SIMCLIENT_FAILURE_NONAME,   /* a reply did not start with "NAME " */
    SIMCLIENT_FAILURE_SWITCHED, /* the backend name changed mid-connection */
    SIMCLIENT_FAILURE_TIMEOUT,  /* no complete reply within --timeout */
    SIMCLIENT_FAILURE_COUNT     /* number of values above, not a kind */
};

/*
 * The name of a kind as printed in summaries and logs ("connect", ...;
 * "ok" for SIMCLIENT_FAILURE_NONE, "?" for a value out of range).
 */
const char *simclient_failure_name(enum simclient_failure failure);

#endif
