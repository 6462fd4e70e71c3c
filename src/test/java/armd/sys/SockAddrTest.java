package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** Pins the socket address layouts against models of the kernel structs (x86_64; aarch64 is identical). */
class SockAddrTest {
    /** linux/if_packet.h struct sockaddr_ll. */
    static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("sll_family"),
        ValueLayout.JAVA_SHORT.withName("sll_protocol"),
        ValueLayout.JAVA_INT.withName("sll_ifindex"),
        ValueLayout.JAVA_SHORT.withName("sll_hatype"),
        ValueLayout.JAVA_BYTE.withName("sll_pkttype"),
        ValueLayout.JAVA_BYTE.withName("sll_halen"),
        MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sll_addr"));
    /** linux/in.h struct sockaddr_in. */
    static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("sin_family"),
        ValueLayout.JAVA_SHORT.withName("sin_port"),
        ValueLayout.JAVA_INT.withName("sin_addr"),
        MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));
    /** linux/in6.h struct sockaddr_in6. */
    static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("sin6_family"),
        ValueLayout.JAVA_SHORT.withName("sin6_port"),
        ValueLayout.JAVA_INT.withName("sin6_flowinfo"),
        MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("sin6_addr"),
        ValueLayout.JAVA_INT.withName("sin6_scope_id"));

    private static long offset(final StructLayout l, final String field) {
        return l.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    @Test
    void sizesMatchTheKernelStructs() {
        assertEquals(SOCKADDR_LL.byteSize(), SockAddr.SOCKADDR_LL_SIZE);
        assertEquals(SOCKADDR_IN.byteSize(), SockAddr.SOCKADDR_IN_SIZE);
        assertEquals(SOCKADDR_IN6.byteSize(), SockAddr.SOCKADDR_IN6_SIZE);
        assertEquals(20, SockAddr.SOCKADDR_LL_SIZE);
        assertEquals(16, SockAddr.SOCKADDR_IN_SIZE);
        assertEquals(28, SockAddr.SOCKADDR_IN6_SIZE);
    }

    @Test
    void sockaddrLlFieldsSitWhereTheKernelReadsThem() {
        assertEquals(2, offset(SOCKADDR_LL, "sll_protocol"));
        assertEquals(4, offset(SOCKADDR_LL, "sll_ifindex"));
        assertEquals(8, offset(SOCKADDR_LL, "sll_hatype"));
        assertEquals(10, offset(SOCKADDR_LL, "sll_pkttype"));
        assertEquals(11, offset(SOCKADDR_LL, "sll_halen"));
        assertEquals(12, offset(SOCKADDR_LL, "sll_addr"));
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment s = a.allocate(SockAddr.SOCKADDR_LL_SIZE);
            s.fill((byte) 0x55);
            final int len = SockAddr.writeLl(s, 0x0806, 7, new byte[] {-1, -1, -1, -1, -1, -1});
            assertEquals(20, len);
            // family 17 (host order), protocol 0x0806 in network order, ifindex 7 (host order), halen 6
            assertEquals("1100" + "0806" + "07000000" + "0000" + "00" + "06" + "ffffffffffff0000",
                HexFormat.of().formatHex(s.toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(SockAddr.AF_PACKET, SockAddr.family(s));
        }
    }

    @Test
    void aBindAddressHasNoHardwareAddress() {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment s = a.allocate(SockAddr.SOCKADDR_LL_SIZE);
            s.fill((byte) 0x55);
            SockAddr.writeLl(s, 0x0806, 3, null);
            assertEquals("1100" + "0806" + "03000000" + "0000" + "00" + "00" + "0000000000000000",
                HexFormat.of().formatHex(s.toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, offset(SOCKADDR_LL, "sll_halen")));
        }
    }

    @Test
    void sockaddrInRoundTrips() throws Exception {
        assertEquals(2, offset(SOCKADDR_IN, "sin_port"));
        assertEquals(4, offset(SOCKADDR_IN, "sin_addr"));
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment s = a.allocate(SockAddr.SOCKADDR_STORAGE_SIZE);
            s.fill((byte) 0x55);
            final int len = SockAddr.write(s, InetAddress.getByName("192.0.2.1"), 0x1234);
            assertEquals(16, len);
            assertEquals("0200" + "1234" + "c0000201" + "0000000000000000",
                HexFormat.of().formatHex(s.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(0x1234, SockAddr.port(s));
            assertEquals(0xc0000201, SockAddr.inAddr(s));
            assertEquals(InetAddress.getByName("192.0.2.1"), SockAddr.readAddress(s));
        }
    }

    @Test
    void sockaddrIn6CarriesTheScope() throws Exception {
        assertEquals(8, offset(SOCKADDR_IN6, "sin6_addr"));
        assertEquals(24, offset(SOCKADDR_IN6, "sin6_scope_id"));
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment s = a.allocate(SockAddr.SOCKADDR_STORAGE_SIZE);
            final Inet6Address ll = Inet6Address.getByAddress(null,
                InetAddress.getByName("fe80::1").getAddress(), 5);
            assertEquals(28, SockAddr.write(s, ll, 0));
            assertEquals(SockAddr.AF_INET6, SockAddr.family(s));
            assertEquals(5, s.get(ValueLayout.JAVA_INT, 24));
            assertEquals((byte) 0xfe, s.get(ValueLayout.JAVA_BYTE, 8));
            assertEquals(ll, SockAddr.readAddress(s));
            assertEquals(Inet4Address.class, SockAddr.readAddress(
                writeV4(s, "198.51.100.7")).getClass());
        }
    }

    private static MemorySegment writeV4(final MemorySegment s, final String a) throws Exception {
        SockAddr.write(s, InetAddress.getByName(a), 0);
        return s;
    }

    @Test
    void theModelsMatchTheCHeaders() {
        for (final String f : new String[] {"sll_family", "sll_protocol", "sll_ifindex", "sll_hatype", "sll_pkttype",
            "sll_halen", "sll_addr"}) {
            assertEquals(SysLayoutFixture.value("sockaddr_ll." + f), offset(SOCKADDR_LL, f), f);
        }
        for (final String f : new String[] {"sin_port", "sin_addr"}) {
            assertEquals(SysLayoutFixture.value("sockaddr_in." + f), offset(SOCKADDR_IN, f), f);
        }
        for (final String f : new String[] {"sin6_port", "sin6_flowinfo", "sin6_addr", "sin6_scope_id"}) {
            assertEquals(SysLayoutFixture.value("sockaddr_in6." + f), offset(SOCKADDR_IN6, f), f);
        }
        assertEquals(SysLayoutFixture.value("sockaddr_ll.size"), SockAddr.SOCKADDR_LL_SIZE);
        assertEquals(SysLayoutFixture.value("sockaddr_in.size"), SockAddr.SOCKADDR_IN_SIZE);
        assertEquals(SysLayoutFixture.value("sockaddr_in6.size"), SockAddr.SOCKADDR_IN6_SIZE);
        assertEquals(SysLayoutFixture.value("sockaddr_storage.size"), SockAddr.SOCKADDR_STORAGE_SIZE);
        assertEquals(SysLayoutFixture.value("AF_UNIX"), SockAddr.AF_UNIX);
        assertEquals(SysLayoutFixture.value("AF_INET"), SockAddr.AF_INET);
        assertEquals(SysLayoutFixture.value("AF_INET6"), SockAddr.AF_INET6);
        assertEquals(SysLayoutFixture.value("AF_NETLINK"), SockAddr.AF_NETLINK);
        assertEquals(SysLayoutFixture.value("AF_PACKET"), SockAddr.AF_PACKET);
    }
}
