/*
 * sys_layout: prints, from the C library's and the kernel's headers, the size and field offsets of every
 * struct armd.sys writes by hand through FFM, and the constants it hard-codes: one "name<TAB>value" a line.
 * Its output is the fixture src/test/resources/fixtures/sys-layout.tsv: `make test` regenerates and compares
 * it, and the Java layout tests (SgIoLayoutTest, PacketSocketLayoutTest, IcmpSocketLayoutTest, SockAddrTest)
 * compare their constants and FFM layouts with the same file.
 */
#include <fcntl.h>
/* net/if.h before the kernel's headers: linux/if.h then leaves out what the C library defines */
#include <net/if.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <scsi/sg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define VALUE(name, v) printf("%s\t%lld\n", name, (long long)(v))
/* named without "struct ": sockaddr_ll.sll_addr */
#define SIZE(name, type) VALUE(#name ".size", sizeof(type))
#define OFFSET(name, type, field) VALUE(#name "." #field, offsetof(type, field))

int main(void)
{
    /* scsi/sg.h: SG_IO's header (armd.sys.scsi.SgIo) */
    SIZE(sg_io_hdr, sg_io_hdr_t);
    OFFSET(sg_io_hdr, sg_io_hdr_t, interface_id);
    OFFSET(sg_io_hdr, sg_io_hdr_t, dxfer_direction);
    OFFSET(sg_io_hdr, sg_io_hdr_t, cmd_len);
    OFFSET(sg_io_hdr, sg_io_hdr_t, mx_sb_len);
    OFFSET(sg_io_hdr, sg_io_hdr_t, iovec_count);
    OFFSET(sg_io_hdr, sg_io_hdr_t, dxfer_len);
    OFFSET(sg_io_hdr, sg_io_hdr_t, dxferp);
    OFFSET(sg_io_hdr, sg_io_hdr_t, cmdp);
    OFFSET(sg_io_hdr, sg_io_hdr_t, sbp);
    OFFSET(sg_io_hdr, sg_io_hdr_t, timeout);
    OFFSET(sg_io_hdr, sg_io_hdr_t, flags);
    OFFSET(sg_io_hdr, sg_io_hdr_t, pack_id);
    OFFSET(sg_io_hdr, sg_io_hdr_t, usr_ptr);
    OFFSET(sg_io_hdr, sg_io_hdr_t, status);
    OFFSET(sg_io_hdr, sg_io_hdr_t, masked_status);
    OFFSET(sg_io_hdr, sg_io_hdr_t, msg_status);
    OFFSET(sg_io_hdr, sg_io_hdr_t, sb_len_wr);
    OFFSET(sg_io_hdr, sg_io_hdr_t, host_status);
    OFFSET(sg_io_hdr, sg_io_hdr_t, driver_status);
    OFFSET(sg_io_hdr, sg_io_hdr_t, resid);
    OFFSET(sg_io_hdr, sg_io_hdr_t, duration);
    OFFSET(sg_io_hdr, sg_io_hdr_t, info);
    VALUE("SG_IO", SG_IO);
    VALUE("SG_DXFER_NONE", SG_DXFER_NONE);
    VALUE("O_RDONLY", O_RDONLY);
    VALUE("O_NONBLOCK", O_NONBLOCK);
    VALUE("O_CLOEXEC", O_CLOEXEC);

    /* net/if.h, linux/if_packet.h: ARP through AF_PACKET (armd.sys.packet.PacketSocket, armd.sys.SockAddr) */
    SIZE(ifreq, struct ifreq);
    OFFSET(ifreq, struct ifreq, ifr_hwaddr);
    VALUE("IFNAMSIZ", IFNAMSIZ);
    VALUE("SIOCGIFHWADDR", SIOCGIFHWADDR);
    VALUE("ETH_P_ARP", ETH_P_ARP);
    VALUE("SOL_PACKET", SOL_PACKET);
    VALUE("PACKET_IGNORE_OUTGOING", PACKET_IGNORE_OUTGOING);
    VALUE("PACKET_OUTGOING", PACKET_OUTGOING);
    VALUE("ARPHRD_ETHER", ARPHRD_ETHER);
    SIZE(sockaddr_ll, struct sockaddr_ll);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_family);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_protocol);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_ifindex);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_hatype);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_pkttype);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_halen);
    OFFSET(sockaddr_ll, struct sockaddr_ll, sll_addr);
    /* IPv6 neighbour discovery through AF_PACKET (armd.probe.NdpProbe): multicast membership and a BPF filter */
    VALUE("ETH_P_IPV6", ETH_P_IPV6);
    VALUE("PACKET_ADD_MEMBERSHIP", PACKET_ADD_MEMBERSHIP);
    VALUE("PACKET_MR_MULTICAST", PACKET_MR_MULTICAST);
    SIZE(packet_mreq, struct packet_mreq);
    OFFSET(packet_mreq, struct packet_mreq, mr_type);
    OFFSET(packet_mreq, struct packet_mreq, mr_alen);
    OFFSET(packet_mreq, struct packet_mreq, mr_address);
    VALUE("SO_ATTACH_FILTER", SO_ATTACH_FILTER);
    SIZE(sock_fprog, struct sock_fprog);
    OFFSET(sock_fprog, struct sock_fprog, filter);
    SIZE(sock_filter, struct sock_filter);
    OFFSET(sock_filter, struct sock_filter, jt);
    OFFSET(sock_filter, struct sock_filter, jf);
    OFFSET(sock_filter, struct sock_filter, k);

    /* sys/socket.h, netinet/in.h: socket addresses (armd.sys.SockAddr) */
    VALUE("AF_UNIX", AF_UNIX);
    VALUE("AF_INET", AF_INET);
    VALUE("AF_INET6", AF_INET6);
    VALUE("AF_NETLINK", AF_NETLINK);
    VALUE("AF_PACKET", AF_PACKET);
    SIZE(sockaddr_in, struct sockaddr_in);
    OFFSET(sockaddr_in, struct sockaddr_in, sin_port);
    OFFSET(sockaddr_in, struct sockaddr_in, sin_addr);
    SIZE(sockaddr_in6, struct sockaddr_in6);
    OFFSET(sockaddr_in6, struct sockaddr_in6, sin6_port);
    OFFSET(sockaddr_in6, struct sockaddr_in6, sin6_flowinfo);
    OFFSET(sockaddr_in6, struct sockaddr_in6, sin6_addr);
    OFFSET(sockaddr_in6, struct sockaddr_in6, sin6_scope_id);
    SIZE(sockaddr_storage, struct sockaddr_storage);
    VALUE("SOCK_DGRAM", SOCK_DGRAM);
    VALUE("SOCK_RAW", SOCK_RAW);
    VALUE("SOCK_NONBLOCK", SOCK_NONBLOCK);
    VALUE("SOCK_CLOEXEC", SOCK_CLOEXEC);

    /* IPv6 heartbeat sockets (armd.sys.udp.UdpSocket) */
    VALUE("IPPROTO_IPV6", IPPROTO_IPV6);
    VALUE("IPV6_V6ONLY", IPV6_V6ONLY);
    VALUE("IPV6_TCLASS", IPV6_TCLASS);
    VALUE("IPV6_MULTICAST_IF", IPV6_MULTICAST_IF);
    VALUE("IPV6_MULTICAST_HOPS", IPV6_MULTICAST_HOPS);
    VALUE("IPV6_MULTICAST_LOOP", IPV6_MULTICAST_LOOP);
    VALUE("IPV6_ADD_MEMBERSHIP", IPV6_ADD_MEMBERSHIP);
    VALUE("IPV6_MULTICAST_ALL", IPV6_MULTICAST_ALL);
    SIZE(ipv6_mreq, struct ipv6_mreq);
    OFFSET(ipv6_mreq, struct ipv6_mreq, ipv6mr_ifindex);

    /* poll.h (PacketSocket, IcmpSocket) */
    SIZE(pollfd, struct pollfd);
    OFFSET(pollfd, struct pollfd, events);
    OFFSET(pollfd, struct pollfd, revents);
    VALUE("POLLIN", POLLIN);

    /* ICMP sockets and their filters (armd.sys.icmp.IcmpSocket) */
    VALUE("IPPROTO_ICMP", IPPROTO_ICMP);
    VALUE("IPPROTO_ICMPV6", IPPROTO_ICMPV6);
    VALUE("SOL_SOCKET", SOL_SOCKET);
    VALUE("SO_BINDTODEVICE", SO_BINDTODEVICE);
    VALUE("SOL_RAW", SOL_RAW);
    VALUE("ICMP_FILTER", ICMP_FILTER);
    VALUE("ICMP6_FILTER", ICMP6_FILTER);
    SIZE(icmp6_filter, struct icmp6_filter);
    return 0;
}
