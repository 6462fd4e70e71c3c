package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.wire.ArpPacket;

import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Duplicate address probes and unsolicited neighbour advertisements against the real kernel, the prober inside its
 * own namespace. Addresses are added with nodad, so no test waits for the kernel's own detection.
 */
class NdpProbeIT {
    private static final byte[] ADDRESS_2 = v6("2001:db8::2");
    private static final byte[] ADDRESS_3 = v6("2001:db8::3");
    private static final byte[] ADDRESS_10 = v6("2001:db8::10");
    private static final byte[] ADDRESS_11 = v6("2001:db8::11");
    private static final byte[] ADDRESS_12 = v6("2001:db8::12");

    private static byte[] v6(final String s) {
        return InetAddress.ofLiteral(s).getAddress();
    }

    private static long mac(final Netns n, final String ns, final String ifName) throws Exception {
        return Long.parseLong(n.exec(ns, "cat", "/sys/class/net/" + ifName + "/address").strip().replace(":", ""),
            16);
    }

    private static NdpProbe open(final String ns, final String ifName) throws Exception {
        return NetNamespace.call(ns, () -> NdpProbe.open(ifName));
    }

    @Test
    void aConflictIsFoundWhenAnotherNamespaceHoldsTheAddressAndNotOtherwise() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("ndp")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.exec(b, "ip", "addr", "add", "2001:db8::2/64", "dev", "eth0", "nodad");
            try (NdpProbe p = open(a, "eth0")) {
                assertEquals(mac(n, a, "eth0"), p.mac());
                final ConflictResult taken = p.probe(ADDRESS_2, 3, 20, 2000);
                assertEquals(ProbeOutcome.FAULT, taken.outcome(), taken.reason());
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
        try (Netns n = new Netns("ndpb")) {
            final String sw = n.namespace("sw");
            n.bridge(sw, "br0");
            final String[] hosts = {n.namespace("a"), n.namespace("b"), n.namespace("c")};
            for (int i = 0; i < hosts.length; i++) {
                n.veth(hosts[i], "eth0", sw, "p" + i);
                n.attach(sw, "p" + i, "br0");
            }
            n.exec(hosts[1], "ip", "addr", "add", "2001:db8::11/64", "dev", "eth0", "nodad");
            n.exec(hosts[2], "ip", "addr", "add", "2001:db8::10/64", "dev", "eth0", "nodad");
            try (NdpProbe p = open(hosts[0], "eth0")) {
                final ConflictResult taken = p.probe(ADDRESS_10, 3, 20, 2000);
                assertEquals(ProbeOutcome.FAULT, taken.outcome(), taken.reason());
                assertEquals(mac(n, hosts[2], "eth0"), taken.conflictMac());
                final ConflictResult other = p.probe(ADDRESS_11, 3, 20, 2000);
                assertEquals(mac(n, hosts[1], "eth0"), other.conflictMac());
                assertEquals(ProbeOutcome.HEALTHY, p.probe(ADDRESS_12, 3, 20, 100).outcome());
            }
        }
    }

    /** RFC 4862 5.4.3: another host probing for the same address at the same time is a conflict too. */
    @Test
    void anotherHostsSimultaneousProbeIsAConflict() throws Exception {
        Netns.assumeRoot();
        final ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Netns n = new Netns("ndps")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            try (NdpProbe pa = open(a, "eth0"); NdpProbe pb = open(b, "eth0")) {
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

    /**
     * A neighbour whose cache maps the address to another host's MAC (a former holder) moves it to ours when the
     * unsolicited advertisement (override flag) arrives.
     */
    @Test
    void theAnnouncementMovesTheNeighboursCacheEntry() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("ndpa")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.exec(a, "ip", "addr", "add", "2001:db8::2/64", "dev", "eth0", "nodad");
            n.exec(b, "ip", "addr", "add", "2001:db8::1/64", "dev", "eth0", "nodad");
            // b learned the address from its former holder
            n.exec(b, "ip", "-6", "neigh", "replace", "2001:db8::2", "lladdr", "02:00:00:00:00:99", "dev", "eth0",
                "nud", "stale");
            final String ours = ArpPacket.macToString(mac(n, a, "eth0"));
            try (NdpProbe p = open(a, "eth0")) {
                final ConflictResult r = p.announce(ADDRESS_2, 2, 10);
                assertEquals(ProbeOutcome.HEALTHY, r.outcome(), r.reason());
                assertEquals(2, r.sent());
            }
            String neigh = "";
            final long deadlineNs = System.nanoTime() + 5_000_000_000L;
            while (!neigh.contains(ours) && System.nanoTime() - deadlineNs < 0) {
                neigh = n.exec(b, "ip", "-6", "neigh", "show", "2001:db8::2", "dev", "eth0");
            }
            assertTrue(neigh.contains("lladdr " + ours), "b's neighbour table: " + neigh);
        }
    }
}
