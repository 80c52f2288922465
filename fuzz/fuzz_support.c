/*
 * fuzz_support: the fuzz targets' shared helpers and their sandbox. See
 * fuzz_support.h.
 *
 * The two wrappers replace, at link time (-Wl,--wrap=NAME), the calls that
 * the code under test makes to getaddrinfo and fopen:
 *
 *   getaddrinfo  numeric hosts and "localhost" (found in /etc/hosts) only.
 *                Any other name would be sent to the machine's resolver,
 *                and a fuzzer tries millions of them.
 *   fopen        regular files, directories and the character devices
 *                that neither block nor do anything when read (null, zero,
 *                full, random, urandom). A fuzzed "-c /dev/tty", "-c
 *                /dev/ptmx" or a FIFO would block the fuzzer; the rest of
 *                /dev may have side effects on open.
 *
 * Both only narrow what the real functions do; a refused fopen fails with
 * EACCES, a refused name with EAI_NONAME, as a real failure would.
 */
#include "fuzz_support.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* The linker's names for the real functions and for their replacements. */
int __real_getaddrinfo(const char *node, const char *service,
                       const struct addrinfo *hints, struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service,
                       const struct addrinfo *hints, struct addrinfo **res);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);

int __wrap_getaddrinfo(const char *node, const char *service,
                       const struct addrinfo *hints, struct addrinfo **res)
{
    struct addrinfo numeric = { .ai_family = AF_UNSPEC };

    if (node == NULL || strcmp(node, "localhost") == 0)
        return __real_getaddrinfo(node, service, hints, res);
    if (hints != NULL)
        numeric = *hints;
    numeric.ai_flags |= AI_NUMERICHOST;
    return __real_getaddrinfo(node, service, &numeric, res);
}

/* True for the files fopen may open: see the top of the file. */
static bool may_open(const char *path)
{
    struct stat st;
    unsigned int minor_number;

    if (stat(path, &st) == -1)
        return true;    /* fopen fails the same way */
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        return true;
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1)
        return false;
    minor_number = minor(st.st_rdev);
    return minor_number == 3 || minor_number == 5 || minor_number == 7 ||
           minor_number == 8 || minor_number == 9;
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
    if (!may_open(path)) {
        errno = EACCES;
        return NULL;
    }
    return __real_fopen(path, mode);
}

void fuzz_support_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: promise broken: %s\n", file, line, what);
    abort();
}

char *fuzz_support_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

FILE *fuzz_support_devnull(void)
{
    static FILE *devnull;

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    return devnull;
}
