/*
 * report_file: opening and closing report files so that write errors are
 * not lost (see report_file.h).
 */
#include "report_file.h"

#include <errno.h>
#include <sys/stat.h>

FILE *report_file_open(const char *path)
{
    FILE *file = fopen(path, "w");

    /* So that report_file_close sees the errno of a failed write, not an
     * older one. */
    if (file != NULL)
        errno = 0;
    return file;
}

int report_file_close(FILE *file)
{
    int saved = 0;

    /* The flush before the check catches a buffered write that fails. */
    if (fflush(file) == EOF || ferror(file))
        saved = errno != 0 ? errno : EIO;
    if (fclose(file) == EOF && saved == 0)
        saved = errno != 0 ? errno : EIO;
    if (saved != 0) {
        errno = saved;
        return -1;
    }
    return 0;
}

int report_file_mkdir(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0777) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    if (stat(dir, &st) == -1)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
