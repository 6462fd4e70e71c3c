package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.sys.icmp.IcmpSocket;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** ICMP echo against the real kernel: two namespaces joined by veth; the probe runs inside namespace a. */
class IcmpProbeIT {
    private static IcmpProbe open(final String ns, final String address, final String ifName,
                                  final IcmpSocket.Kind kind) throws Exception {
        return NetNamespace.call(ns, () -> IcmpProbe.open(InetAddress.ofLiteral(address), ifName, kind));
    }

    /** Lets root open ping (datagram) sockets inside {@code ns}: the range is per namespace and off by default. */
    private static void allowPingSockets(final Netns n, final String ns) throws Exception {
        n.exec(ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647");
    }

    @ParameterizedTest
    @EnumSource(IcmpSocket.Kind.class)
    void aNeighbourRepliesAndAnAbsentAddressTimesOut(final IcmpSocket.Kind kind) throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("ping")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.address(a, "eth0", "192.0.2.1/24");
            n.address(b, "eth0", "192.0.2.2/24");
            allowPingSockets(n, a);
            try (IcmpProbe p = open(a, "192.0.2.2", "eth0", kind)) {
                assertEquals(kind, p.kind());
                int previous = -1;
                for (int i = 0; i < 3; i++) {
                    final IcmpProbe.Result r = p.probe(5000);
                    assertEquals(ProbeOutcome.HEALTHY, r.outcome(), r.reason());
                    assertTrue(r.rttNs() > 0, "rtt " + r.rttNs());
                    if (previous >= 0) {
                        assertEquals((previous + 1) & 0xffff, r.sequence());
                    }
                    previous = r.sequence();
                }
            }
            // 192.0.2.99 is on the link but nobody holds it: ARP fails, nothing comes back
            try (IcmpProbe p = open(a, "192.0.2.99", null, kind)) {
                final IcmpProbe.Result r = p.probe(300);
                assertEquals(ProbeOutcome.FAULT, r.outcome());
                assertEquals(IcmpProbe.NO_REPLY, r.reason());
                assertEquals(-1, r.rttNs());
            }
        }
    }

    @Test
    void anAddressWithoutARouteIsUnreachable() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("pnrt")) {
            final String a = n.namespace("a");
            try (IcmpProbe p = open(a, "203.0.113.1", null, IcmpSocket.Kind.RAW)) {
                final IcmpProbe.Result r = p.probe(300);
                assertEquals(ProbeOutcome.FAULT, r.outcome());
                assertEquals(IcmpProbe.UNREACHABLE, r.reason());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(IcmpSocket.Kind.class)
    void ipv6EchoWorksOnLoopback(final IcmpSocket.Kind kind) throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("ping6")) {
            final String a = n.namespace("a");
            allowPingSockets(n, a);
            try (IcmpProbe p = open(a, "::1", null, kind)) {
                final IcmpProbe.Result r = p.probe(5000);
                assertEquals(ProbeOutcome.HEALTHY, r.outcome(), r.reason());
            }
        }
    }

    @Test
    void twoRawProbesToOneTargetEachCountOnlyTheirOwnReply() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("pdup")) {
            final String a = n.namespace("a");
            try (IcmpProbe first = open(a, "127.0.0.1", null, IcmpSocket.Kind.RAW);
                 IcmpProbe second = open(a, "127.0.0.1", null, IcmpSocket.Kind.RAW)) {
                // each raw socket sees both replies; each probe returns on its own and ignores the other's
                for (int i = 0; i < 5; i++) {
                    assertEquals(ProbeOutcome.HEALTHY, first.probe(5000).outcome());
                    assertEquals(ProbeOutcome.HEALTHY, second.probe(5000).outcome());
                }
            }
        }
    }
}
