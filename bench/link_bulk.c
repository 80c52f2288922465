/*
 * link_bulk: pushes a known byte stream through a link and checks every
 * byte on the far side (bench/link_bench.sh).
 *
 *     link_bulk sink                 listens on a free 127.0.0.1 port,
 *                                    prints "port=P", takes one connection,
 *                                    reads it to its end, checks each byte,
 *                                    prints "received=N exact=1|0", closes
 *     link_bulk send PORT BYTES      connects to PORT, writes BYTES bytes,
 *                                    shuts down its side, waits for the
 *                                    sink to close, prints "sent=N
 *                                    seconds=S gbytes_per_s=R"
 *
 * Byte i of the stream is pattern[i % PERIOD]: a period prime to every
 * buffer size, so a lost, repeated or misplaced piece shows as a wrong
 * byte. Blocking sockets, one connection; exit status 0 when exact, 1 if
 * not or on a failure, 2 on bad usage.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 65521u               /* a prime below 64 KiB */
#define CHUNK (256u * 1024u)

static unsigned char pattern[PERIOD + CHUNK];

static void fill_pattern(void)
{
    uint64_t x = 0x9e3779b97f4a7c15u;

    for (size_t i = 0; i < sizeof(pattern); i++) {
        if (i < PERIOD) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            pattern[i] = (unsigned char)x;
        } else {
            pattern[i] = pattern[i - PERIOD];
        }
    }
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sink(void)
{
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(addr);
    static unsigned char buf[CHUNK];
    uint64_t received = 0;
    int exact = 1, fd = socket(AF_INET, SOCK_STREAM, 0), conn;
    ssize_t n;

    if (fd == -1 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1 ||
        listen(fd, 1) == -1 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) == -1) {
        perror("link_bulk sink");
        return 1;
    }
    printf("port=%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    conn = accept(fd, NULL, NULL);
    if (conn == -1) {
        perror("link_bulk accept");
        return 1;
    }
    while ((n = read(conn, buf, sizeof(buf))) > 0 || (n == -1 && errno == EINTR)) {
        if (n <= 0)
            continue;
        if (exact && memcmp(buf, pattern + received % PERIOD, (size_t)n) != 0)
            exact = 0;
        received += (uint64_t)n;
    }
    printf("received=%llu exact=%d\n", (unsigned long long)received, exact);
    close(conn);
    close(fd);
    return n == 0 && exact ? 0 : 1;
}

static int send_all(int port, uint64_t bytes)
{
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    uint64_t sent = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    double start;
    char byte;

    if (fd == -1 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
        perror("link_bulk connect");
        return 1;
    }
    start = now_s();
    while (sent < bytes) {
        size_t want = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
        ssize_t n = write(fd, pattern + sent % PERIOD, want);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror("link_bulk write");
            return 1;
        }
        sent += (uint64_t)n;
    }
    shutdown(fd, SHUT_WR);
    /* The sink closes once it has read everything. */
    while (read(fd, &byte, 1) == -1 && errno == EINTR)
        ;
    start = now_s() - start;
    printf("sent=%llu seconds=%.3f gbytes_per_s=%.2f\n",
           (unsigned long long)sent, start, (double)sent / start / 1e9);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    fill_pattern();
    if (argc == 2 && strcmp(argv[1], "sink") == 0)
        return sink();
    if (argc == 4 && strcmp(argv[1], "send") == 0)
        return send_all(atoi(argv[2]), strtoull(argv[3], NULL, 10));
    fprintf(stderr, "usage: link_bulk sink | link_bulk send PORT BYTES\n");
    return 2;
}
