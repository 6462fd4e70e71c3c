package armd.sys.icmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.sys.SysLayoutFixture;

import org.junit.jupiter.api.Test;

/** Pins the constants IcmpSocket hand-writes against the kernel headers (x86_64; aarch64 is identical). */
class IcmpSocketLayoutTest {
    @Test
    void socketConstants() {
        assertEquals(2, IcmpSocket.SOCK_DGRAM);
        assertEquals(3, IcmpSocket.SOCK_RAW);
        assertEquals(1, IcmpSocket.IPPROTO_ICMP);
        assertEquals(58, IcmpSocket.IPPROTO_ICMPV6);
        assertEquals(1, IcmpSocket.SOL_SOCKET);
        assertEquals(25, IcmpSocket.SO_BINDTODEVICE);
    }

    @Test
    void icmpFilters() {
        // linux/in.h SOL_RAW, linux/icmp.h ICMP_FILTER (struct icmp_filter: one __u32)
        assertEquals(255, IcmpSocket.SOL_RAW);
        assertEquals(1, IcmpSocket.ICMP_FILTER);
        // linux/icmpv6.h ICMPV6_FILTER, struct icmp6_filter { __u32 data[8]; }
        assertEquals(1, IcmpSocket.ICMP6_FILTER);
        assertEquals(32, IcmpSocket.ICMP6_FILTER_SIZE);
    }

    @Test
    void pollfd() {
        assertEquals(8, IcmpSocket.POLLFD_SIZE);
        assertEquals(4, IcmpSocket.POLLFD_EVENTS_OFFSET);
        assertEquals(6, IcmpSocket.POLLFD_REVENTS_OFFSET);
        assertEquals(1, IcmpSocket.POLLIN);
    }

    @Test
    void theConstantsMatchTheCHeaders() {
        assertEquals(SysLayoutFixture.value("SOCK_DGRAM"), IcmpSocket.SOCK_DGRAM);
        assertEquals(SysLayoutFixture.value("SOCK_RAW"), IcmpSocket.SOCK_RAW);
        assertEquals(SysLayoutFixture.value("SOCK_NONBLOCK"), IcmpSocket.SOCK_NONBLOCK);
        assertEquals(SysLayoutFixture.value("SOCK_CLOEXEC"), IcmpSocket.SOCK_CLOEXEC);
        assertEquals(SysLayoutFixture.value("IPPROTO_ICMP"), IcmpSocket.IPPROTO_ICMP);
        assertEquals(SysLayoutFixture.value("IPPROTO_ICMPV6"), IcmpSocket.IPPROTO_ICMPV6);
        assertEquals(SysLayoutFixture.value("SOL_SOCKET"), IcmpSocket.SOL_SOCKET);
        assertEquals(SysLayoutFixture.value("SO_BINDTODEVICE"), IcmpSocket.SO_BINDTODEVICE);
        assertEquals(SysLayoutFixture.value("SOL_RAW"), IcmpSocket.SOL_RAW);
        assertEquals(SysLayoutFixture.value("ICMP_FILTER"), IcmpSocket.ICMP_FILTER);
        assertEquals(SysLayoutFixture.value("ICMP6_FILTER"), IcmpSocket.ICMP6_FILTER);
        assertEquals(SysLayoutFixture.value("icmp6_filter.size"), IcmpSocket.ICMP6_FILTER_SIZE);
        assertEquals(SysLayoutFixture.value("pollfd.size"), IcmpSocket.POLLFD_SIZE);
        assertEquals(SysLayoutFixture.value("pollfd.events"), IcmpSocket.POLLFD_EVENTS_OFFSET);
        assertEquals(SysLayoutFixture.value("pollfd.revents"), IcmpSocket.POLLFD_REVENTS_OFFSET);
        assertEquals(SysLayoutFixture.value("POLLIN"), IcmpSocket.POLLIN);
    }
}
