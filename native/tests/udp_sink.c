/*
 * udp_sink: receives UDP datagrams for the tests. Usage: udp_sink ADDRESS PORT COUNT TIMEOUT_MS
 * Binds ADDRESS (IPv4 or IPv6; fe80::2%IF for a link-local one) and PORT, prints "ready", then each datagram's
 * payload in hex, one a line, until COUNT have come (exit 0) or TIMEOUT_MS has passed (exit 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: udp_sink ADDRESS PORT COUNT TIMEOUT_MS\n");
        return 2;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    const int port = atoi(argv[2]);
    if (strchr(argv[1], ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        /* a link-local address names its interface: fe80::2%eth0 */
        char *zone = strchr(argv[1], '%');
        if (zone != NULL) {
            *zone++ = '\0';
            a->sin6_scope_id = if_nametoindex(zone);
        }
        len = inet_pton(AF_INET6, argv[1], &a->sin6_addr) == 1 ? sizeof *a : 0;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        len = inet_pton(AF_INET, argv[1], &a->sin_addr) == 1 ? sizeof *a : 0;
    }
    const int s = len == 0 ? -1 : socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&ss, len) != 0) {
        fprintf(stderr, "udp_sink: cannot bind %s port %s: %s\n", argv[1], argv[2], strerror(errno));
        return 2;
    }
    printf("ready\n");
    fflush(stdout);
    const long count = atol(argv[3]);
    const long long deadline = now_ms() + atol(argv[4]);
    static unsigned char buf[65536];
    for (long n = 0; n < count;) {
        const long long left = deadline - now_ms();
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            return 1;
        }
        const ssize_t r = recv(s, buf, sizeof buf, 0);
        if (r < 0) {
            continue;
        }
        for (ssize_t i = 0; i < r; i++) {
            printf("%02x", buf[i]);
        }
        printf("\n");
        fflush(stdout);
        n++;
    }
    return 0;
}
