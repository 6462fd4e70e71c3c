package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.ArmsEvent;
import armd.cluster.RunOutcome;
import armd.config.ClusterConfig;
import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.sys.packet.PacketSocket;
import armd.wire.Ndp;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A floating IPv6 address in a namespace pair joined by veth: the agent's side in "a" (2001:db8::1/64), a neighbour
 * in "b" (2001:db8::2/64); the addresses of the test are added with nodad, so no test waits for the kernel's own
 * duplicate address detection. The duplicate address probe, the add without the kernel's detection, the unsolicited
 * neighbour advertisements, the removal, a conflict naming the holder's MAC, and the holder probe.
 */
class FloatingIp6IT {
    private static final byte[] VIP = InetAddress.ofLiteral("2001:db8::100").getAddress();

    /** Two namespaces on one veth; returns {a, b}. */
    private static String[] pair(final Netns n) throws Exception {
        final String a = n.namespace("a");
        final String b = n.namespace("b");
        n.veth(a, "eth0", b, "eth0");
        n.exec(a, "ip", "addr", "add", "2001:db8::1/64", "dev", "eth0", "nodad");
        n.exec(b, "ip", "addr", "add", "2001:db8::2/64", "dev", "eth0", "nodad");
        return new String[] {a, b};
    }

    /** The line of {@code ip -6 addr} for {@code cidr} on eth0 of {@code ns}, or null. */
    private static String line(final Netns n, final String ns, final String cidr) throws Exception {
        return n.exec(ns, "ip", "-6", "-o", "addr", "show", "dev", "eth0").lines()
            .filter(l -> l.contains(" " + cidr + " ")).findFirst().orElse(null);
    }

    private static String mac(final Netns n, final String ns) throws Exception {
        return n.exec(ns, "cat", "/sys/class/net/eth0/address").strip();
    }

    private static ResourceLauncher launcher(final String ns, final ClusterConfig.FloatingIp ip, final Fixtures.Log log,
                                             final Fixtures.RecordingLauncher scripts) {
        return new ResourceLauncher(Fixtures.config(List.of(ip)), scripts, log.log(),
            ResourceLauncher.Settings.defaults().withNetns(ns));
    }

    @Test
    void aFreeAddressIsProbedAddedWithoutTheKernelsDetectionAnnouncedAndRemovedAtStop() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fip6")) {
            final String[] ns = pair(n);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip6("vip", "2001:db8::100", 64, "eth0", 2, 200);
            final long macA = Long.parseLong(mac(n, ns[0]).replace(":", ""), 16);
            try (PacketSocket listener = NetNamespace.call(ns[1], () -> PacketSocket.open("eth0",
                PacketSocket.ETH_P_IPV6));
                 ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok(), log.dump());
                final String added = line(n, ns[0], "2001:db8::100/64");
                assertNotNull(added, log.dump());
                // added with IFA_F_NODAD: usable at once, never tentative (the probe did the detection)
                assertTrue(added.contains("nodad") && !added.contains("tentative"), added);
                assertTrue(scripts.runs().getFirst().diskOk());
                assertNotNull(log.await(x -> x.startsWith("group A: resource vip: 2001:db8::100/64 on eth0 is up "
                    + "(probed free, added, unsolicited neighbour advertisement sent, 2 more follow)"), 0), log.dump());
                // the neighbour saw the three unsolicited advertisements with the override flag, naming a's MAC
                assertTrue(advertisementsSeen(listener, macA, 3), "fewer than 3 advertisements seen in b");

                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
                assertEquals(null, line(n, ns[0], "2001:db8::100/64"), log.dump());
                assertTrue(log.lines().contains("group A: resource vip: 2001:db8::100/64 on eth0 removed"), log.dump());
            }
        }
    }

    private static boolean advertisementsSeen(final PacketSocket listener, final long mac, final int want) {
        int seen = 0;
        final ByteBuffer rx = listener.receiveBuffer();
        final long deadlineNs = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() - deadlineNs < 0) {
            for (long len = listener.receive(); len > 0; len = listener.receive()) {
                if (Ndp.isValid(rx, 0, (int) len) && Ndp.type(rx, 0) == Ndp.TYPE_NEIGHBOR_ADVERTISEMENT
                    && Ndp.targetIs(rx, 0, VIP) && (Ndp.flags(rx, 0) & Ndp.FLAG_OVERRIDE) != 0
                    && (Ndp.flags(rx, 0) & Ndp.FLAG_SOLICITED) == 0 && Ndp.linkLayerAddress(rx, 0) == mac
                    && ++seen == want) {
                    return true;
                }
            }
            listener.await(100);
        }
        return false;
    }

    @Test
    void anAddressHeldElsewhereIsRetriedThenReportedWithTheHoldersMac() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fip6c")) {
            final String[] ns = pair(n);
            n.exec(ns[1], "ip", "addr", "add", "2001:db8::100/64", "dev", "eth0", "nodad");
            final String macB = mac(n, ns[1]);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip6("vip", "2001:db8::100", 64, "eth0", 1, 200);
            try (ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                final Fixtures.Outcome out = Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START));
                assertTrue(log.lines().contains("group A: resource vip: address conflict, try 1 of 2: 2001:db8::100 "
                    + "is in use (" + macB + "); probing again in 200 ms"), log.dump());
                assertEquals(null, line(n, ns[0], "2001:db8::100/64"));
                assertEquals(RunOutcome.CONFLICT, out.outcome(), log.dump());
                assertEquals("vip: floating IP 2001:db8::100/64: address conflict: 2001:db8::100 is in use (" + macB
                    + ") after 2 tries: find the host holding it (its MAC is above) and free the address, or choose "
                    + "another", out.reason());
                assertEquals(List.of(), scripts.runs());
            }
        }
    }

    /** The second opinion before a takeover: the holder answers, the probe names its MAC; once free, none. */
    @Test
    void theHolderProbeNamesTheHolder() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fip6h")) {
            final String[] ns = pair(n);
            n.exec(ns[1], "ip", "addr", "add", "2001:db8::100/64", "dev", "eth0", "nodad");
            final String macB = mac(n, ns[1]);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip6("vip", "2001:db8::100", 64, "eth0", 1, 200);
            try (ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                assertEquals("2001:db8::100 answered by " + macB, probe(l));
                n.exec(ns[1], "ip", "addr", "del", "2001:db8::100/64", "dev", "eth0");
                assertEquals(null, probe(l));
                final armd.cluster.ScriptRun takeover = new armd.cluster.ScriptRun(0, false, ArmsEvent.FAILOVER, true,
                    1, null, true, true);
                assertTrue(Fixtures.launchAndWait(l, takeover).ok(), log.dump());
                assertNotNull(line(n, ns[0], "2001:db8::100/64"), log.dump());
                assertFalse(log.lines().stream().anyMatch(x -> x.contains("address conflict")), log.dump());
            }
        }
    }

    /** The holder probe's answer: null when free, else who answers. */
    private static String probe(final ResourceLauncher l) throws Exception {
        final java.util.concurrent.CompletableFuture<String> r = new java.util.concurrent.CompletableFuture<>();
        l.probeHolders(0, (free, detail) -> r.complete(free ? null : detail));
        return r.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
}
