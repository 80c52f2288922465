/*
 * simclient_conn: one client slot and the connection it is driving.
 *
 * A slot runs one connection at a time through these states:
 *
 *   IDLE ─schedule─► WAITING ─timer─► CONNECTING ─writable─► RUNNING
 *                                                              │ all replies
 *   IDLE ◄──────── log + stats ◄── (failure, or hold over) ◄── HOLDING
 *
 * CONNECTING tries the target's addresses in turn, from the one that
 * worked last, until one accepts. RUNNING writes request lines (one at a
 * time, or all of them with --half-close followed by shutdown(SHUT_WR))
 * and checks each reply with a simclient_reply. A behaviour (--no-read,
 * --abort, --trickle, --idle, --connect-only) bends this: --idle waits in
 * IDLING instead of RUNNING, --connect-only ends at once, and a
 * connection that ends as its behaviour says is counted ok, with what it
 * did. Every state but IDLE has one timer in the shared heap:
 * the start time, the connect or request deadline, the end of --hold or
 * --idle, or the next --trickle byte.
 * When a connection ends, the slot logs one ev=conn line, adds its outcome
 * to the stats and goes back to IDLE; the event loop (simclient_loadgen)
 * then decides whether the slot starts another one.
 *
 * Ownership: the loadgen owns the slots, the epoll fd, the heap and the two
 * scratch buffers in struct simclient_conn_env; a slot owns its socket, its
 * timer node and its ring of request start times. Not thread-safe: every
 * function runs on the loadgen's one thread.
 */
#ifndef SIMCLIENT_CONN_H
#define SIMCLIENT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "log.h"
#include "net.h"
#include "simclient_options.h"
#include "simclient_stats.h"
#include "simclient_throttle.h"

/* Pause before a slot whose connection failed starts the next one
 * (--duration): it doubles with each failure in a row, from MIN to MAX,
 * and a connection that ends well clears it. */
#define SIMCLIENT_CONN_RETRY_MIN_MS 10
#define SIMCLIENT_CONN_RETRY_MAX_MS 1000

/* What every slot shares; owned by the loadgen, read-only to the slots. */
struct simclient_conn_env {
    const struct simclient_options *options;
    const struct net_addrs *targets; /* a connect tries each in turn */
    const struct logger *log;
    struct simclient_stats *stats;  /* slots add their outcomes here */
    struct simclient_throttle *throttle; /* levels of the ev=conn lines */
    struct heap *timers;            /* slots queue their timer nodes here */
    int epoll_fd;                   /* epoll_event.data.ptr is the slot */
    uint64_t deadline_ns;           /* end of --duration, 0 for one pass */
    char *read_buf;                 /* scratch for reads, buf_size bytes */
    char *write_buf;                /* scratch for writes, buf_size bytes */
    size_t buf_size;
};

struct simclient_conn;

/*
 * Makes an IDLE slot that will use *env (which must outlive it). Returns
 * NULL (ENOMEM) when memory runs out.
 */
struct simclient_conn *simclient_conn_new(const struct simclient_conn_env *env);

/* Closes the slot's socket without counting it and frees the slot. */
void simclient_conn_free(struct simclient_conn *conn);

/*
 * Makes an IDLE slot WAITING: its next connection, numbered cid, starts
 * when the timer fires at at_ns (CLOCK_MONOTONIC). Returns 0, or -1
 * (ENOMEM) when the heap cannot grow; the loop must queue every slot once
 * at the start, so that later calls never need to grow it.
 */
int simclient_conn_schedule(struct simclient_conn *conn, uint32_t cid,
                            uint64_t at_ns);

/*
 * Handles the epoll events of the slot's socket. Returns true when the
 * slot has gone back to IDLE (its connection ended and was counted).
 * Events for a slot that has no socket are ignored.
 */
bool simclient_conn_on_io(struct simclient_conn *conn, uint32_t events);

/*
 * Handles the slot's timer, which the caller has just taken off the heap.
 * Returns true when the slot has gone back to IDLE: its connection ended,
 * or its start was dropped because --duration is over.
 */
bool simclient_conn_on_timer(struct simclient_conn *conn);

/*
 * Ends the slot's work at once for SIGINT/SIGTERM: an unfinished
 * connection is closed and counted as interrupted, one that was only
 * holding counts as ok, a waiting start is dropped. The slot is IDLE after.
 * Returns true when work was lost (a connection cut short or never begun).
 */
bool simclient_conn_interrupt(struct simclient_conn *conn);

/*
 * How long the slot should wait before its next connection: 0 after one
 * that ended well, else the backoff its failures in a row have reached.
 */
uint64_t simclient_conn_retry_ms(const struct simclient_conn *conn);

/* The slot whose timer node this is. */
struct simclient_conn *simclient_conn_of_timer(struct heap_node *node);

#endif
