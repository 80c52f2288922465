/*
 * reload: reads the config file again and applies what changed to the
 * running proxy (docs/control.md, *Reload*).
 *
 * The command line given at start is parsed again, with its -c FILE, into
 * a fresh struct config by config_parse(): the file under the command
 * line, as at start. Nothing changes unless the whole of it is valid.
 * Then:
 *
 *   backends (by name)   new: balancer_add; gone: drained, then removed by
 *                        reload_poll() once no session is left on them;
 *                        weight or maxconn changed: set; a name whose
 *                        address changed: the reload is refused
 *   live settings        connect-timeout, idle-timeout, health-interval,
 *                        rise, fall: stored into the running config's
 *                        _Atomic fields, for new sessions and checks
 *   every other option   cannot change while running: a changed one is
 *                        logged ev=reload_fixed and keeps its value
 *
 *     main thread (SIGHUP) ──reload_run──┐
 *     admin thread (reload) ─reload_run──┼──► [ mutex | pending removals ]
 *     main, ctl (poll)    ──reload_poll──┘
 *
 * One mutex makes reloads one at a time (getopt, which config_parse uses,
 * has global state) and guards the set of backends waiting to be removed.
 * Any thread; never a worker.
 */
#ifndef RELOAD_H
#define RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "balancer.h"
#include "config.h"
#include "log.h"

/* How often a pending removal is looked at (reload_poll). */
#define RELOAD_POLL_MS 100

enum reload_source {
    RELOAD_SIGNAL,
    RELOAD_CONTROL
};

/* What one reload did, or why it did nothing. */
struct reload_result {
    int added;              /* backends added */
    int removed;            /* backends drained to be removed */
    int changed;            /* backends whose weight or maxconn changed */
    int fixed;              /* options that changed but cannot */
    char err[CONFIG_ERR_MAX];   /* on failure: "PATH:LINE: why" or why */
};

struct reload;

/*
 * Makes the reload state of a proxy started with argv (copied) and
 * configured as *started (copied: the values fixed options keep), whose
 * running config is *live. Returns NULL with errno on error.
 */
struct reload *reload_create(int argc, char *const argv[],
                             const struct config *started,
                             struct config *live, struct balancer *balancer);

/* Frees it. No thread may use it any more. */
void reload_destroy(struct reload *reload);

/*
 * Reads the config file again and applies it; logs ev=reload (and
 * ev=reload_fixed, and the balancer's events) with log. Returns 0, or -1
 * with result->err (nothing changed then).
 */
int reload_run(struct reload *reload, enum reload_source source,
               const struct logger *log, struct reload_result *result);

/*
 * Removes the backends a reload drained that have no session left.
 * Returns true while some are still waiting: call again in
 * RELOAD_POLL_MS.
 */
bool reload_poll(struct reload *reload, const struct logger *log);

/*
 * The operator enabled the backend in slot index again: a removal that a
 * reload left waiting for it to drain is called off. Returns true when
 * there was one. NULL reload: false.
 */
bool reload_keep(struct reload *reload, size_t index);

/* The config file given with -c, or NULL. */
const char *reload_file(const struct reload *reload);

/* Reloads that succeeded since start. */
unsigned long reload_count(struct reload *reload);

#endif
