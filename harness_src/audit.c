/*
 * audit: the thread audit's environment. See audit.h.
 */
#include "audit.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fills path with the library's path beside the harness; false when it is
 * not there. */
static bool library_path(char *path, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n <= 0)
        return false;
    self[n] = '\0';
    snprintf(path, size, "%s/%s", dirname(self), AUDIT_LIBRARY);
    return access(path, R_OK) == 0;
}

static char *copy_env(const char *name)
{
    const char *value = getenv(name);

    return value != NULL ? strdup(value) : NULL;
}

bool audit_begin(struct audit_saved *saved, const char *log_path)
{
    char path[PATH_MAX + 32], asan[512];

    memset(saved, 0, sizeof(*saved));
    if (!library_path(path, sizeof(path)))
        return false;
    saved->preload = copy_env("LD_PRELOAD");
    saved->asan = copy_env("ASAN_OPTIONS");
    snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0",
             saved->asan ? saved->asan : "", saved->asan ? ":" : "");
    setenv("LD_PRELOAD", path, 1);
    setenv("ASAN_OPTIONS", asan, 1);
    setenv("HARNESS_THREAD_LOG", log_path, 1);
    saved->active = true;
    return true;
}

static void restore(const char *name, char *value)
{
    if (value != NULL)
        setenv(name, value, 1);
    else
        unsetenv(name);
    free(value);
}

void audit_end(struct audit_saved *saved)
{
    if (!saved->active)
        return;
    restore("LD_PRELOAD", saved->preload);
    restore("ASAN_OPTIONS", saved->asan);
    unsetenv("HARNESS_THREAD_LOG");
    saved->active = false;
}
