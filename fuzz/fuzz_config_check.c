/*
 * fuzz_config_check: what a parsed config must look like. See
 * fuzz_config_check.h.
 */
#include "fuzz_config_check.h"

#include <string.h>

#include "fuzz_support.h"

/* One backend of a config that parsed; names[0..index) are checked. */
static void check_backend(const struct config *cfg, size_t index)
{
    const struct balancer_backend_spec *spec = &cfg->backends[index];
    size_t len = strnlen(spec->name, sizeof(spec->name));

    FUZZ_SUPPORT_REQUIRE(len > 0 && len < sizeof(spec->name));
    FUZZ_SUPPORT_REQUIRE(spec->weight >= 1 && spec->weight <= 256);
    FUZZ_SUPPORT_REQUIRE(spec->maxconn >= 0 && spec->maxconn <= 10000000);
    FUZZ_SUPPORT_REQUIRE(net_addr_port(&spec->addr) != 0);
    for (size_t i = 0; i < index; i++)
        FUZZ_SUPPORT_REQUIRE(strcmp(cfg->backends[i].name, spec->name) != 0);
}

void fuzz_config_check(const struct config *cfg)
{
    FUZZ_SUPPORT_REQUIRE(cfg->backend_count >= 1 &&
                         cfg->backend_count <= BALANCER_MAX_BACKENDS);
    for (size_t i = 0; i < cfg->backend_count; i++)
        check_backend(cfg, i);
    FUZZ_SUPPORT_REQUIRE(cfg->threads >= 1 && cfg->threads <= 256);
    FUZZ_SUPPORT_REQUIRE(cfg->balance == BALANCER_LEASTCONN ||
                         cfg->balance == BALANCER_ROUNDROBIN ||
                         cfg->balance == BALANCER_RANDOM);
    FUZZ_SUPPORT_REQUIRE(cfg->connect_timeout_ms >= 1 &&
                         cfg->connect_timeout_ms <= 600000);
    FUZZ_SUPPORT_REQUIRE(cfg->idle_timeout_ms >= 0 &&
                         cfg->idle_timeout_ms <= 86400000);
    FUZZ_SUPPORT_REQUIRE(cfg->health_interval_ms >= 0 &&
                         cfg->health_interval_ms <= 3600000);
    FUZZ_SUPPORT_REQUIRE(cfg->rise >= 1 && cfg->rise <= 100);
    FUZZ_SUPPORT_REQUIRE(cfg->fall >= 1 && cfg->fall <= 100);
    FUZZ_SUPPORT_REQUIRE(cfg->maxconn >= 0 && cfg->maxconn <= 10000000);
    FUZZ_SUPPORT_REQUIRE(cfg->grace_ms >= 0 && cfg->grace_ms <= 600000);
    FUZZ_SUPPORT_REQUIRE(cfg->log_level >= LOG_ERROR &&
                         cfg->log_level <= LOG_DEBUG);
    FUZZ_SUPPORT_REQUIRE(cfg->seed <= 2147483647UL);
}
