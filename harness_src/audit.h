/*
 * audit: runs the next child with thread_audit.so preloaded (see
 * harness_src/preload/thread_audit.c), so that every thread it creates is
 * logged into a file of the harness.
 *
 *   audit_begin(&saved, "/tmp/run/timeline.log");
 *   child_start(...);          the child inherits the environment
 *   audit_end(&saved);         the harness's own environment is back
 *
 * The library is looked for beside the harness's executable; without it,
 * nothing is preloaded. Sanitizer runtimes are told not to insist on
 * coming first (ASAN_OPTIONS verify_asan_link_order=0). Changes the
 * process environment: call from the harness's one thread only.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stdbool.h>

#define AUDIT_LIBRARY "thread_audit.so"

/* The variables audit_begin changed, to put back. */
struct audit_saved {
    bool active;
    char *preload;              /* NULL: was not set */
    char *asan;
};

/* Sets LD_PRELOAD, HARNESS_THREAD_LOG=log_path and ASAN_OPTIONS for the
 * next child. Returns whether the library was found (saved->active). */
bool audit_begin(struct audit_saved *saved, const char *log_path);

/* Restores what audit_begin changed. */
void audit_end(struct audit_saved *saved);

#endif
