/*
 * failover-probe: the client of the failover harness (benchmarks/failover.sh). Runs inside the client's
 * network namespace and, through one AF_PACKET socket, every interval sends an ARP request for the virtual IP
 * and an ICMP echo request to it, addressed to the MAC of the newest ARP message whose sender was the virtual
 * IP (a reply to our requests or a gratuitous ARP): a neighbour cache that always takes the latest word.
 * Prints one line per echo reply and per ARP message from the virtual IP:
 *
 *     CLOCK_MONOTONIC-ns echo|arp|garp MAC
 *
 * (garp: an ARP request sent by the holder itself, i.e. a gratuitous announcement). Only documentation
 * addresses are used (the caller gives them). Bounded: exits after --seconds, when stdin reaches end of file
 * (the driver closes it), or when its parent dies.
 *
 * Usage: failover-probe IFNAME CLIENT-IP VIRTUAL-IP SECONDS [INTERVAL-US]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ARP_LEN 28
#define ICMP_PAYLOAD 16

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static uint16_t checksum(const uint8_t *p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (uint32_t) (p[i] << 8 | p[i + 1]);
    }
    if (n & 1) {
        sum += (uint32_t) (p[n - 1] << 8);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) ~sum;
}

static void mac_text(const uint8_t *m, char *out) {
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int usage(void) {
    fprintf(stderr, "usage: failover-probe IFNAME CLIENT-IP VIRTUAL-IP SECONDS [INTERVAL-US]\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        return usage();
    }
    const char *ifname = argv[1];
    struct in_addr client, vip;
    if (inet_pton(AF_INET, argv[2], &client) != 1 || inet_pton(AF_INET, argv[3], &vip) != 1) {
        fprintf(stderr, "failover-probe: '%s' or '%s' is not an IPv4 address\n", argv[2], argv[3]);
        return 2;
    }
    const long seconds = strtol(argv[4], NULL, 10);
    const long interval_us = argc == 6 ? strtol(argv[5], NULL, 10) : 1000;
    if (seconds < 1 || seconds > 86400 || interval_us < 100 || interval_us > 1000000) {
        fprintf(stderr, "failover-probe: SECONDS 1..86400, INTERVAL-US 100..1000000\n");
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    const int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("failover-probe: AF_PACKET socket (needs root)");
        return 3;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        fprintf(stderr, "failover-probe: interface %s: %s\n", ifname, strerror(errno));
        return 3;
    }
    const int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        fprintf(stderr, "failover-probe: hardware address of %s: %s\n", ifname, strerror(errno));
        return 3;
    }
    uint8_t own[6];
    memcpy(own, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll bind_to = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                                  .sll_ifindex = ifindex};
    if (bind(fd, (struct sockaddr *) &bind_to, sizeof bind_to) < 0) {
        perror("failover-probe: bind");
        return 3;
    }

    /* the ARP request: broadcast, who has VIP, tell CLIENT */
    uint8_t arp[ETH_HLEN + ARP_LEN];
    memset(arp, 0xff, 6);
    memcpy(arp + 6, own, 6);
    arp[12] = 0x08;
    arp[13] = 0x06;
    uint8_t *a = arp + ETH_HLEN;
    const uint8_t arp_head[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    memcpy(a, arp_head, 8);
    memcpy(a + 8, own, 6);
    memcpy(a + 14, &client, 4);
    memset(a + 18, 0, 6);
    memcpy(a + 24, &vip, 4);

    /* the echo request: IPv4 header + ICMP echo with our id and a running sequence */
    uint8_t echo[ETH_HLEN + 20 + 8 + ICMP_PAYLOAD];
    memset(echo, 0, sizeof echo);
    memcpy(echo + 6, own, 6);
    echo[12] = 0x08;
    echo[13] = 0x00;
    uint8_t *ip = echo + ETH_HLEN;
    ip[0] = 0x45;
    const uint16_t ip_len = 20 + 8 + ICMP_PAYLOAD;
    ip[2] = (uint8_t) (ip_len >> 8);
    ip[3] = (uint8_t) ip_len;
    ip[8] = 64;
    ip[9] = IPPROTO_ICMP;
    memcpy(ip + 12, &client, 4);
    memcpy(ip + 16, &vip, 4);
    uint8_t *icmp = ip + 20;
    icmp[0] = ICMP_ECHO;
    const uint16_t id = (uint16_t) getpid();
    icmp[4] = (uint8_t) (id >> 8);
    icmp[5] = (uint8_t) id;

    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
    uint8_t learned[6];
    int have_learned = 0;
    uint16_t seq = 0;
    uint8_t rx[2048];
    char mac[18];
    const uint64_t end = now_ns() + (uint64_t) seconds * 1000000000ull;
    uint64_t next = now_ns();
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end) {
            return 0;
        }
        if (t >= next) {
            if (sendto(fd, arp, sizeof arp, 0, (struct sockaddr *) &to, sizeof to) < 0 && errno != ENETDOWN) {
                perror("failover-probe: send ARP");
                return 3;
            }
            if (have_learned) {
                memcpy(echo, learned, 6);
                seq++;
                icmp[6] = (uint8_t) (seq >> 8);
                icmp[7] = (uint8_t) seq;
                memcpy(icmp + 8, &t, sizeof t);
                ip[4] = icmp[6];
                ip[5] = icmp[7];
                ip[10] = ip[11] = 0;
                const uint16_t ipsum = checksum(ip, 20);
                ip[10] = (uint8_t) (ipsum >> 8);
                ip[11] = (uint8_t) ipsum;
                icmp[2] = icmp[3] = 0;
                const uint16_t sum = checksum(icmp, 8 + ICMP_PAYLOAD);
                icmp[2] = (uint8_t) (sum >> 8);
                icmp[3] = (uint8_t) sum;
                if (sendto(fd, echo, sizeof echo, 0, (struct sockaddr *) &to, sizeof to) < 0 && errno != ENETDOWN) {
                    perror("failover-probe: send echo");
                    return 3;
                }
            }
            next += (uint64_t) interval_us * 1000u;
            if (next < t) {
                next = t + (uint64_t) interval_us * 1000u; /* fell behind (stopped, loaded): no burst */
            }
        }
        const uint64_t wait_ns = next > t ? next - t : 0;
        const int r = poll(fds, 2, (int) ((wait_ns + 999999) / 1000000));
        if (r < 0 && errno != EINTR) {
            perror("failover-probe: poll");
            return 3;
        }
        if (r > 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
            char b[64];
            if (read(0, b, sizeof b) <= 0) {
                return 0; /* the driver closed stdin: done */
            }
        }
        if (r <= 0 || !(fds[0].revents & POLLIN)) {
            continue;
        }
        /* drain what is queued */
        for (int k = 0; k < 64; k++) {
            struct sockaddr_ll from;
            socklen_t fl = sizeof from;
            const ssize_t n = recvfrom(fd, rx, sizeof rx, MSG_DONTWAIT, (struct sockaddr *) &from, &fl);
            if (n < 0) {
                break;
            }
            if (from.sll_pkttype == PACKET_OUTGOING || n < ETH_HLEN) {
                continue;
            }
            const uint64_t at = now_ns();
            const uint16_t type = (uint16_t) (rx[12] << 8 | rx[13]);
            if (type == ETH_P_ARP && n >= ETH_HLEN + ARP_LEN) {
                const uint8_t *p = rx + ETH_HLEN;
                if (memcmp(p, arp_head, 6) != 0 || memcmp(p + 14, &vip, 4) != 0) {
                    continue; /* not Ethernet/IPv4 ARP from the virtual IP */
                }
                const int request = p[7] == 1;
                memcpy(learned, p + 8, 6);
                have_learned = 1;
                mac_text(p + 8, mac);
                printf("%llu %s %s\n", (unsigned long long) at, request ? "garp" : "arp", mac);
            } else if (type == ETH_P_IP && n >= ETH_HLEN + 20 + 8) {
                const uint8_t *q = rx + ETH_HLEN;
                const size_t ihl = (size_t) (q[0] & 0x0f) * 4;
                if (q[9] != IPPROTO_ICMP || memcmp(q + 12, &vip, 4) != 0 || (size_t) n < ETH_HLEN + ihl + 8) {
                    continue;
                }
                const uint8_t *c = q + ihl;
                if (c[0] != ICMP_ECHOREPLY || c[4] != (uint8_t) (id >> 8) || c[5] != (uint8_t) id) {
                    continue;
                }
                mac_text(rx + 6, mac);
                printf("%llu echo %s\n", (unsigned long long) at, mac);
            }
        }
    }
}
