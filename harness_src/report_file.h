/*
 * report_file: the files the reports write. A report is written with plain
 * stdio calls whose results are not checked one by one; closing it with
 * report_file_close tells whether any of them failed (stdio remembers it).
 *
 * Owns nothing beyond the FILE it returns. Single-threaded.
 */
#ifndef REPORT_FILE_H
#define REPORT_FILE_H

#include <stdio.h>

/* Opens path for writing, truncating it. Returns NULL with errno. */
FILE *report_file_open(const char *path);

/*
 * Flushes and closes file (always). Returns 0 when every write since the
 * open succeeded, or -1 with errno (EIO when stdio lost the reason).
 */
int report_file_close(FILE *file);

/*
 * Creates directory dir (one level) unless it already exists as a
 * directory. Returns 0 or -1 with errno (ENOTDIR when dir is a file).
 */
int report_file_mkdir(const char *dir);

#endif
