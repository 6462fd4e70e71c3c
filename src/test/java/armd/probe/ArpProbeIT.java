package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.sys.packet.PacketSocket;
import armd.wire.ArpPacket;

import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** RFC 5227 probing and announcing against the real kernel, the prober inside its own namespace. */
class ArpProbeIT {
    private static final int ADDRESS_2 = 0xc0000202;  // 192.0.2.2
    private static final int ADDRESS_3 = 0xc0000203;  // 192.0.2.3
    private static final int ADDRESS_10 = 0xc000020a; // 192.0.2.10
    private static final int ADDRESS_11 = 0xc000020b; // 192.0.2.11
    private static final int ADDRESS_12 = 0xc000020c; // 192.0.2.12

    private static long mac(final Netns n, final String ns, final String ifName) throws Exception {
        return Long.parseLong(n.exec(ns, "cat", "/sys/class/net/" + ifName + "/address").strip().replace(":", ""),
            16);
    }

    private static ArpProbe open(final String ns, final String ifName) throws Exception {
        return NetNamespace.call(ns, () -> ArpProbe.open(ifName));
    }

    @Test
    void aConflictIsFoundWhenAnotherNamespaceHoldsTheAddressAndNotOtherwise() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("arp")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.address(b, "eth0", "192.0.2.2/24");
            try (ArpProbe p = open(a, "eth0")) {
                assertEquals(mac(n, a, "eth0"), p.mac());
                final ConflictResult taken = p.probe(ADDRESS_2, 3, 20, 2000);
                assertEquals(ProbeOutcome.FAULT, taken.outcome());
                assertEquals(ConflictResult.IN_USE, taken.reason());
                assertEquals(mac(n, b, "eth0"), taken.conflictMac());
                final ConflictResult free = p.probe(ADDRESS_3, 3, 20, 100);
                assertEquals(ProbeOutcome.HEALTHY, free.outcome(), free.reason());
                assertEquals(3, free.sent());
                assertEquals(-1, free.conflictMac());
            }
        }
    }

    /** Three hosts on a bridge (in a fourth namespace): the conflict names the holder, not the bystander. */
    @Test
    void onABridgeTheConflictNamesTheHolder() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("arpb")) {
            final String sw = n.namespace("sw");
            n.bridge(sw, "br0");
            final String[] hosts = {n.namespace("a"), n.namespace("b"), n.namespace("c")};
            for (int i = 0; i < hosts.length; i++) {
                n.veth(hosts[i], "eth0", sw, "p" + i);
                n.attach(sw, "p" + i, "br0");
            }
            n.address(hosts[1], "eth0", "192.0.2.11/24");
            n.address(hosts[2], "eth0", "192.0.2.10/24");
            try (ArpProbe p = open(hosts[0], "eth0")) {
                final ConflictResult taken = p.probe(ADDRESS_10, 3, 20, 2000);
                assertEquals(ProbeOutcome.FAULT, taken.outcome());
                assertEquals(mac(n, hosts[2], "eth0"), taken.conflictMac());
                final ConflictResult other = p.probe(ADDRESS_11, 3, 20, 2000);
                assertEquals(mac(n, hosts[1], "eth0"), other.conflictMac());
                assertEquals(ProbeOutcome.HEALTHY, p.probe(ADDRESS_12, 3, 20, 100).outcome());
            }
        }
    }

    /** RFC 5227 2.1.1: another host probing for the same address at the same time is a conflict too. */
    @Test
    void anotherHostsSimultaneousProbeIsAConflict() throws Exception {
        Netns.assumeRoot();
        final ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Netns n = new Netns("arps")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            try (ArpProbe pa = open(a, "eth0"); ArpProbe pb = open(b, "eth0")) {
                // a listens long after one probe; b keeps probing (bounded) until a has decided
                final Future<ConflictResult> result = pool.submit(() -> pa.probe(ADDRESS_10, 1, 0, 10_000));
                for (int i = 0; i < 200 && !result.isDone(); i++) {
                    pb.probe(ADDRESS_10, 1, 0, 20);
                }
                final ConflictResult r = result.get(15, TimeUnit.SECONDS);
                assertEquals(ProbeOutcome.FAULT, r.outcome());
                assertEquals(ConflictResult.PROBED, r.reason());
                assertEquals(pb.mac(), r.conflictMac());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theAnnouncementIsSeenByThePeer() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("arpa")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.address(a, "eth0", "192.0.2.1/24");
            n.address(b, "eth0", "192.0.2.2/24");
            // let b's kernel create a neighbour entry from a gratuitous ARP (off by default)
            n.exec(b, "sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_accept=1");
            final long macA = mac(n, a, "eth0");
            try (PacketSocket listener = NetNamespace.call(b, () -> PacketSocket.open("eth0", PacketSocket.ETH_P_ARP));
                 ArpProbe p = open(a, "eth0")) {
                final ConflictResult r = p.announce(0xc0000201, 2, 10);
                assertEquals(ProbeOutcome.HEALTHY, r.outcome(), r.reason());
                assertEquals(2, r.sent());
                // the peer's packet socket sees an RFC 5227 announcement from a
                final ByteBuffer rx = listener.receiveBuffer();
                boolean seen = false;
                final long deadlineNs = System.nanoTime() + 5_000_000_000L;
                while (!seen && System.nanoTime() - deadlineNs < 0) {
                    listener.await(100);
                    for (long len = listener.receive(); len > 0 && !seen; len = listener.receive()) {
                        seen = ArpPacket.isEthernetIpv4(rx, 0, (int) len)
                            && ArpPacket.operation(rx, 0) == ArpPacket.OP_REQUEST
                            && ArpPacket.senderIp(rx, 0) == 0xc0000201 && ArpPacket.targetIp(rx, 0) == 0xc0000201
                            && ArpPacket.senderMac(rx, 0) == macA;
                    }
                }
                assertTrue(seen, "no announcement seen in b");
            }
            // and the peer's kernel took it: b's neighbour table maps 192.0.2.1 to a's MAC
            final String expected = ArpPacket.macToString(macA);
            String neigh = "";
            final long deadlineNs = System.nanoTime() + 5_000_000_000L;
            while (!neigh.contains(expected) && System.nanoTime() - deadlineNs < 0) {
                neigh = n.exec(b, "ip", "neigh", "show", "192.0.2.1", "dev", "eth0");
            }
            assertTrue(neigh.contains(expected), "b's neighbour table: " + neigh);
        }
    }
}
