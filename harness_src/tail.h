/*
 * tail: follows a growing log file and hands over its complete lines, like
 * "tail -f". The runner uses it to count picks while the proxy runs (for
 * "when b1 picks N") and to echo logs live with -v.
 *
 * A tail owns its descriptor and partial-line buffer. Single-threaded.
 */
#ifndef TAIL_H
#define TAIL_H

#include <stddef.h>

#define TAIL_LINE_MAX 4096

struct tail {
    int fd;                     /* -1 until the file exists */
    char path[512];
    char partial[TAIL_LINE_MAX];
    size_t partial_len;
    long long from;             /* the byte to start reading at */
};

/* Starts following path (which may not exist yet). */
void tail_init(struct tail *tail, const char *path);

/* The same, from byte offset from on: a file that a restarted process
 * appends to, whose earlier lines are an earlier process'. */
void tail_init_at(struct tail *tail, const char *path, long long from);

/* The size of path now, or 0 when it does not exist: the offset a process
 * started now will append after. */
long long tail_size(const char *path);

/*
 * Reads what was appended since the last call and calls on_line(line, arg)
 * for every complete line (without its newline; NUL-terminated; the
 * callback may modify it). A line longer than TAIL_LINE_MAX is cut. Returns
 * the number of lines delivered.
 */
int tail_poll(struct tail *tail, void (*on_line)(char *line, void *arg),
              void *arg);

/* Closes the file. */
void tail_close(struct tail *tail);

#endif
