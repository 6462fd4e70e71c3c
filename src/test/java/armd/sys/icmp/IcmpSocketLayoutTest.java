package armd.sys.icmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
