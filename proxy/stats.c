/*
 * stats: formatting of the backend table. See stats.h.
 */
#include "stats.h"

#include <stdio.h>

/* Formats row index (without newline) into buf. */
static int format_row(struct balancer *balancer, size_t index,
                      const struct balancer_stats *row, char *buf,
                      size_t size)
{
    const struct balancer_backend_spec *spec = balancer_spec(balancer, index);
    char addr[NET_ADDR_STRLEN];

    return snprintf(buf, size, "name=%s addr=%s state=%s active=%d picks=%llu "
                    "failures=%llu", spec->name,
                    net_addr_format(&spec->addr, addr, sizeof(addr)),
                    row->up ? "up" : "down", row->active,
                    (unsigned long long)row->picks,
                    (unsigned long long)row->failures);
}

size_t stats_format(struct balancer *balancer, char *buf, size_t size)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    size_t used = 0;

    buf[0] = '\0';
    balancer_snapshot(balancer, rows);
    for (size_t i = 0; i < balancer_count(balancer) && used + 1 < size; i++) {
        int n = format_row(balancer, i, &rows[i], buf + used, size - used);

        if (n < 0 || (size_t)n + 1 >= size - used)
            break;
        used += (size_t)n;
        buf[used++] = '\n';
        buf[used] = '\0';
    }
    return used;
}

void stats_log(struct balancer *balancer, const struct logger *log)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    char line[256];

    balancer_snapshot(balancer, rows);
    for (size_t i = 0; i < balancer_count(balancer); i++) {
        format_row(balancer, i, &rows[i], line, sizeof(line));
        log_event(log, LOG_INFO, "stats", "%s", line);
    }
}
