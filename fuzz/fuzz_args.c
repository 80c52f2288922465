/*
 * fuzz_args: libFuzzer target for the command-line parser, config_parse
 * (proxy/config.h).
 *
 * An input is a command line: its arguments separated by NUL bytes (a
 * final NUL ends the last one), after argv[0] = "proxy_server", at most
 * FUZZ_ARGS_MAX of them. --help and --version print to /dev/null. A "-c
 * FILE" really reads FILE, through fuzz_support's fopen, which refuses
 * anything that could block or do something when opened. Besides the
 * sanitizers, the target checks that an error comes with a reason and that
 * a run leaves a config the proxy can run (fuzz_config_check.h). The seeds
 * are command lines from the README and tests/integration.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_config_check.h"
#include "fuzz_support.h"

#define REQUIRE FUZZ_SUPPORT_REQUIRE
#define FUZZ_ARGS_MAX 64

/* Splits text[0..size] (text[size] is a NUL) at its NULs into argv[1..];
 * returns argc. argv holds FUZZ_ARGS_MAX + 2 pointers. */
static int split_args(char *text, size_t size, char **argv)
{
    int argc = 0;
    size_t start = 0;

    argv[argc++] = "proxy_server";
    while (start < size && argc <= FUZZ_ARGS_MAX) {
        argv[argc++] = text + start;
        start += strlen(text + start) + 1;
    }
    argv[argc] = NULL;
    return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_support_text(data, size);
    char *argv[FUZZ_ARGS_MAX + 2];
    char err[CONFIG_ERR_MAX];
    struct config cfg;
    int argc = split_args(text, size, argv);
    enum config_result result;

    config_defaults(&cfg);
    err[0] = '\0';
    result = config_parse(&cfg, argc, argv, fuzz_support_devnull(), err,
                          sizeof(err));
    if (result == CONFIG_ERROR)
        REQUIRE(err[0] != '\0');
    else if (result == CONFIG_RUN)
        fuzz_config_check(&cfg);
    else
        REQUIRE(result == CONFIG_EXIT);
    free(text);
    return 0;
}
