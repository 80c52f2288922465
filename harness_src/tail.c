/*
 * tail: incremental line reader for a file being appended to. See tail.h.
 */
#include "tail.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tail_init(struct tail *tail, const char *path)
{
    tail->fd = -1;
    snprintf(tail->path, sizeof(tail->path), "%s", path);
    tail->partial_len = 0;
    tail->from = 0;
}

void tail_init_at(struct tail *tail, const char *path, long long from)
{
    tail_init(tail, path);
    tail->from = from;
}

long long tail_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

void tail_close(struct tail *tail)
{
    if (tail->fd != -1)
        close(tail->fd);
    tail->fd = -1;
}

/* Adds bytes to the current line; delivers it at each newline. */
static int feed(struct tail *tail, const char *bytes, size_t len,
                void (*on_line)(char *line, void *arg), void *arg)
{
    int lines = 0;

    for (size_t i = 0; i < len; i++) {
        if (bytes[i] != '\n') {
            /* Keep one byte for the NUL; cut overlong lines. */
            if (tail->partial_len < sizeof(tail->partial) - 1)
                tail->partial[tail->partial_len++] = bytes[i];
            continue;
        }
        tail->partial[tail->partial_len] = '\0';
        on_line(tail->partial, arg);
        tail->partial_len = 0;
        lines++;
    }
    return lines;
}

int tail_poll(struct tail *tail, void (*on_line)(char *line, void *arg),
              void *arg)
{
    char buf[16384];
    int lines = 0;
    ssize_t n;

    if (tail->fd == -1) {
        tail->fd = open(tail->path, O_RDONLY | O_CLOEXEC);
        if (tail->fd != -1 && tail->from > 0 &&
            lseek(tail->fd, (off_t)tail->from, SEEK_SET) == -1) {
            close(tail->fd);
            tail->fd = -1;
        }
    }
    if (tail->fd == -1)
        return 0;
    while ((n = read(tail->fd, buf, sizeof(buf))) > 0)
        lines += feed(tail, buf, (size_t)n, on_line, arg);
    return lines;
}
