package armd.sys.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.Errno;
import armd.sys.SysLayoutFixture;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** Pins struct ifreq, pollfd and the constants PacketSocket hand-writes (x86_64; aarch64 is identical). */
class PacketSocketLayoutTest {
    /** linux/if.h struct ifmap, the largest member of ifreq's union on 64-bit. */
    static final StructLayout IFMAP = MemoryLayout.structLayout(
        ValueLayout.JAVA_LONG.withName("mem_start"),
        ValueLayout.JAVA_LONG.withName("mem_end"),
        ValueLayout.JAVA_SHORT.withName("base_addr"),
        ValueLayout.JAVA_BYTE.withName("irq"),
        ValueLayout.JAVA_BYTE.withName("dma"),
        ValueLayout.JAVA_BYTE.withName("port"),
        MemoryLayout.paddingLayout(3));
    /** linux/if.h struct ifreq: ifr_name[IFNAMSIZ] then the union (ifr_hwaddr is a struct sockaddr). */
    static final StructLayout IFREQ = MemoryLayout.structLayout(
        MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("ifr_name"),
        MemoryLayout.unionLayout(
            MemoryLayout.structLayout(ValueLayout.JAVA_SHORT.withName("sa_family"),
                MemoryLayout.sequenceLayout(14, ValueLayout.JAVA_BYTE).withName("sa_data")).withName("ifr_hwaddr"),
            IFMAP.withName("ifr_map")).withName("ifr_ifru"));
    /** poll.h struct pollfd. */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
        ValueLayout.JAVA_INT.withName("fd"), ValueLayout.JAVA_SHORT.withName("events"),
        ValueLayout.JAVA_SHORT.withName("revents"));

    @Test
    void ifreqIsFortyBytesWithTheHardwareAddressAtSixteen() {
        assertEquals(24, IFMAP.byteSize());
        assertEquals(IFREQ.byteSize(), PacketSocket.IFREQ_SIZE);
        assertEquals(IFREQ.byteOffset(MemoryLayout.PathElement.groupElement("ifr_ifru")),
            PacketSocket.IFREQ_HWADDR_OFFSET);
        assertEquals(16, PacketSocket.IFNAMSIZ);
    }

    @Test
    void pollfdLayout() {
        assertEquals(POLLFD.byteSize(), PacketSocket.POLLFD_SIZE);
        assertEquals(POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("events")),
            PacketSocket.POLLFD_EVENTS_OFFSET);
        assertEquals(POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents")),
            PacketSocket.POLLFD_REVENTS_OFFSET);
    }

    @Test
    void constantsMatchTheKernelHeaders() {
        // SIOCGIFHWADDR = 0x8927 (linux/sockios.h): a plain number, not an _IOR encoding
        assertEquals(0x8927, PacketSocket.SIOCGIFHWADDR);
        assertEquals(0x0806, PacketSocket.ETH_P_ARP);
        assertEquals(263, PacketSocket.SOL_PACKET);
        assertEquals(23, PacketSocket.PACKET_IGNORE_OUTGOING);
        assertEquals(4, PacketSocket.PACKET_OUTGOING);
        assertEquals(1, PacketSocket.ARPHRD_ETHER);
        // O_NONBLOCK and O_CLOEXEC (asm-generic/fcntl.h), octal 04000 and 02000000
        assertEquals(04000, PacketSocket.SOCK_NONBLOCK);
        assertEquals(02000000, PacketSocket.SOCK_CLOEXEC);
    }

    @Test
    void anUnknownOrOverlongInterfaceNameIsNoSuchDevice() {
        assertEquals(-Errno.ENODEV, PacketSocket.interfaceIndex("armdnosuch0"));
        assertEquals(-Errno.ENODEV, PacketSocket.interfaceIndex("a-name-longer-than-15"));
        assertEquals(-Errno.ENODEV, PacketSocket.interfaceIndex(""));
        assertTrue(PacketSocket.interfaceIndex("lo") > 0);
    }

    @Test
    void theModelsAndConstantsMatchTheCHeaders() {
        assertEquals(SysLayoutFixture.value("ifreq.size"), IFREQ.byteSize());
        assertEquals(SysLayoutFixture.value("ifreq.size"), PacketSocket.IFREQ_SIZE);
        assertEquals(SysLayoutFixture.value("ifreq.ifr_hwaddr"), PacketSocket.IFREQ_HWADDR_OFFSET);
        assertEquals(SysLayoutFixture.value("IFNAMSIZ"), PacketSocket.IFNAMSIZ);
        assertEquals(SysLayoutFixture.value("pollfd.size"), PacketSocket.POLLFD_SIZE);
        assertEquals(SysLayoutFixture.value("pollfd.events"), PacketSocket.POLLFD_EVENTS_OFFSET);
        assertEquals(SysLayoutFixture.value("pollfd.revents"), PacketSocket.POLLFD_REVENTS_OFFSET);
        assertEquals(SysLayoutFixture.value("POLLIN"), PacketSocket.POLLIN);
        assertEquals(SysLayoutFixture.value("sockaddr_ll.sll_pkttype"), PacketSocket.SLL_PKTTYPE_OFFSET);
        assertEquals(SysLayoutFixture.value("sockaddr_ll.sll_halen"), PacketSocket.SLL_HALEN_OFFSET);
        assertEquals(SysLayoutFixture.value("sockaddr_ll.sll_addr"), PacketSocket.SLL_ADDR_OFFSET);
        assertEquals(SysLayoutFixture.value("SIOCGIFHWADDR"), PacketSocket.SIOCGIFHWADDR);
        assertEquals(SysLayoutFixture.value("ETH_P_ARP"), PacketSocket.ETH_P_ARP);
        assertEquals(SysLayoutFixture.value("SOL_PACKET"), PacketSocket.SOL_PACKET);
        assertEquals(SysLayoutFixture.value("PACKET_IGNORE_OUTGOING"), PacketSocket.PACKET_IGNORE_OUTGOING);
        assertEquals(SysLayoutFixture.value("PACKET_OUTGOING"), PacketSocket.PACKET_OUTGOING);
        assertEquals(SysLayoutFixture.value("ARPHRD_ETHER"), PacketSocket.ARPHRD_ETHER);
        assertEquals(SysLayoutFixture.value("SOCK_DGRAM"), PacketSocket.SOCK_DGRAM);
        assertEquals(SysLayoutFixture.value("SOCK_NONBLOCK"), PacketSocket.SOCK_NONBLOCK);
        assertEquals(SysLayoutFixture.value("SOCK_CLOEXEC"), PacketSocket.SOCK_CLOEXEC);
    }

    /** linux/if_packet.h struct packet_mreq. */
    static final StructLayout PACKET_MREQ = MemoryLayout.structLayout(
        ValueLayout.JAVA_INT.withName("mr_ifindex"), ValueLayout.JAVA_SHORT.withName("mr_type"),
        ValueLayout.JAVA_SHORT.withName("mr_alen"), MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE)
            .withName("mr_address"));
    /** linux/filter.h struct sock_filter and struct sock_fprog (64-bit: the pointer after 6 bytes of padding). */
    static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("code"), ValueLayout.JAVA_BYTE.withName("jt"),
        ValueLayout.JAVA_BYTE.withName("jf"), ValueLayout.JAVA_INT.withName("k"));
    static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("len"), MemoryLayout.paddingLayout(6), ValueLayout.ADDRESS.withName("filter"));

    @Test
    void theNeighbourDiscoveryStructsAndConstantsMatchTheCHeaders() {
        assertEquals(SysLayoutFixture.value("packet_mreq.size"), PACKET_MREQ.byteSize());
        assertEquals(SysLayoutFixture.value("packet_mreq.size"), PacketSocket.PACKET_MREQ_SIZE);
        assertEquals(SysLayoutFixture.value("packet_mreq.mr_type"), SysLayoutFixture.offset(PACKET_MREQ, "mr_type"));
        assertEquals(SysLayoutFixture.value("packet_mreq.mr_alen"), SysLayoutFixture.offset(PACKET_MREQ, "mr_alen"));
        assertEquals(SysLayoutFixture.value("packet_mreq.mr_address"),
            SysLayoutFixture.offset(PACKET_MREQ, "mr_address"));
        assertEquals(SysLayoutFixture.value("sock_filter.size"), SOCK_FILTER.byteSize());
        assertEquals(SysLayoutFixture.value("sock_filter.size"), PacketSocket.SOCK_FILTER_SIZE);
        assertEquals(SysLayoutFixture.value("sock_filter.jt"), SysLayoutFixture.offset(SOCK_FILTER, "jt"));
        assertEquals(SysLayoutFixture.value("sock_filter.jf"), SysLayoutFixture.offset(SOCK_FILTER, "jf"));
        assertEquals(SysLayoutFixture.value("sock_filter.k"), SysLayoutFixture.offset(SOCK_FILTER, "k"));
        assertEquals(SysLayoutFixture.value("sock_fprog.size"), SOCK_FPROG.byteSize());
        assertEquals(SysLayoutFixture.value("sock_fprog.size"), PacketSocket.SOCK_FPROG_SIZE);
        assertEquals(SysLayoutFixture.value("sock_fprog.filter"), SysLayoutFixture.offset(SOCK_FPROG, "filter"));
        assertEquals(SysLayoutFixture.value("ETH_P_IPV6"), PacketSocket.ETH_P_IPV6);
        assertEquals(SysLayoutFixture.value("PACKET_ADD_MEMBERSHIP"), PacketSocket.PACKET_ADD_MEMBERSHIP);
        assertEquals(SysLayoutFixture.value("PACKET_MR_MULTICAST"), PacketSocket.PACKET_MR_MULTICAST);
        assertEquals(SysLayoutFixture.value("SO_ATTACH_FILTER"), PacketSocket.SO_ATTACH_FILTER);
        assertEquals(SysLayoutFixture.value("SOL_SOCKET"), PacketSocket.SOL_SOCKET);
    }
}
