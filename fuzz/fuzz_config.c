/*
 * fuzz_config: libFuzzer target for the config-file parser,
 * config_load_file (proxy/config.h).
 *
 * config_load_file reads a path, so each input is written to a fresh
 * memfd and read back as /proc/self/fd/N, over the defaults. Besides the
 * sanitizers, the target checks that a failure comes with "path:line: why"
 * and that a success leaves a config the proxy can run
 * (fuzz_config_check.h). The seeds are config files using every option of
 * proxy_server --help.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_config_check.h"
#include "fuzz_support.h"

#define REQUIRE FUZZ_SUPPORT_REQUIRE

/* Writes data to a new memfd; returns it, or -1 (then nothing is tested). */
static int memfd_with(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_config", MFD_CLOEXEC);
    size_t done = 0;

    if (fd == -1)
        return -1;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config cfg;
    char path[64], err[CONFIG_ERR_MAX];
    int fd = memfd_with(data, size);
    int rc;

    if (fd == -1)
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    config_defaults(&cfg);
    err[0] = '\0';
    rc = config_load_file(&cfg, path, err, sizeof(err));
    close(fd);
    REQUIRE(rc == 0 || rc == -1);
    if (rc == -1)
        REQUIRE(err[0] != '\0' && strncmp(err, path, strlen(path)) == 0);
    else
        fuzz_config_check(&cfg);
    return 0;
}
