/*
 * file: opening a file that a user names, when reading it must end.
 *
 * A path given as a config or scenario file may name a FIFO (whose open
 * waits for a writer, forever if none comes), a device that never ends,
 * or a directory. Such paths are refused before a byte is read.
 */
#ifndef FILE_H
#define FILE_H

#include <stdio.h>

/*
 * Opens path for reading when it is a regular file. Returns the stream;
 * or NULL with *kind saying what path is instead ("a FIFO", "a
 * directory"...); or NULL with errno and *kind NULL when it cannot be
 * opened at all. Never waits: a FIFO is opened without blocking.
 */
FILE *file_open_regular(const char *path, const char **kind);

#endif
