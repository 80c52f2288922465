/*
 * file: see file.h.
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a regular file";
}

FILE *file_open_regular(const char *path, const char **kind)
{
    /* O_NONBLOCK: opening a FIFO must not wait for its writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    FILE *file;
    int saved_errno;

    *kind = NULL;
    if (fd == -1)
        return NULL;
    if (fstat(fd, &st) == -1)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        *kind = file_kind(st.st_mode);
        goto fail;
    }
    file = fdopen(fd, "rb");
    if (file != NULL)
        return file;
fail:
    saved_errno = errno;
    close(fd);
    errno = saved_errno;
    return NULL;
}
