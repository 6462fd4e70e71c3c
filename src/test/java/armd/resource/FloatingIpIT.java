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
import armd.wire.ArpPacket;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Floating IP activation in a namespace pair joined by veth: the agent's side in namespace "a" (192.0.2.1/24),
 * a neighbour in "b" (192.0.2.2/24). The launcher's worker thread works inside "a".
 */
class FloatingIpIT {
    private static final int VIP = 0xc0000264; // 192.0.2.100

    /** Two namespaces on one veth; returns {a, b}. */
    private static String[] pair(final Netns n) throws Exception {
        final String a = n.namespace("a");
        final String b = n.namespace("b");
        n.veth(a, "eth0", b, "eth0");
        n.address(a, "eth0", "192.0.2.1/24");
        n.address(b, "eth0", "192.0.2.2/24");
        return new String[] {a, b};
    }

    private static boolean has(final Netns n, final String ns, final String cidr) throws Exception {
        return n.exec(ns, "ip", "-4", "-o", "addr", "show", "dev", "eth0").contains(" " + cidr + " ");
    }

    private static ResourceLauncher launcher(final String ns, final ClusterConfig.FloatingIp ip, final Fixtures.Log log,
                                             final Fixtures.RecordingLauncher scripts) {
        return new ResourceLauncher(Fixtures.config(List.of(ip)), scripts, log.log(),
            ResourceLauncher.Settings.defaults().withNetns(ns));
    }

    @Test
    void aFreeAddressIsAddedAnnouncedAndRemovedAtStop() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fip")) {
            final String[] ns = pair(n);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip("vip", "192.0.2.100", 24, "eth0", 2, 200, false);
            final long macA = Long.parseLong(n.exec(ns[0], "cat", "/sys/class/net/eth0/address").strip()
                .replace(":", ""), 16);
            try (PacketSocket listener = NetNamespace.call(ns[1], () -> PacketSocket.open("eth0",
                PacketSocket.ETH_P_ARP));
                 ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertTrue(has(n, ns[0], "192.0.2.100/24"), log.dump());
                assertTrue(scripts.runs().getFirst().diskOk());
                assertNotNull(log.await(x -> x.startsWith("group A: resource vip: 192.0.2.100/24 on eth0 is up "
                    + "(probed free, added, gratuitous ARP sent, 2 more follow)"), 0), log.dump());
                // the neighbour saw the three gratuitous ARPs (RFC 5227 announcements) for the address from a's
                // MAC: the first before the start script, the others from the background
                assertTrue(announcementsSeen(listener, macA, 3), "fewer than 3 announcements seen in b");

                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
                assertFalse(has(n, ns[0], "192.0.2.100/24"), log.dump());
                assertTrue(log.lines().contains("group A: resource vip: 192.0.2.100/24 on eth0 removed"), log.dump());
                // a second stop finds nothing to remove, and says so
                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
                assertTrue(log.lines().contains("group A: resource vip: 192.0.2.100/24 on eth0 was not present: "
                    + "nothing to remove"), log.dump());
            }
        }
    }

    private static boolean announcementsSeen(final PacketSocket listener, final long mac, final int want) {
        int seen = 0;
        final ByteBuffer rx = listener.receiveBuffer();
        final long deadlineNs = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() - deadlineNs < 0) {
            for (long len = listener.receive(); len > 0; len = listener.receive()) {
                if (ArpPacket.isEthernetIpv4(rx, 0, (int) len) && ArpPacket.operation(rx, 0) == ArpPacket.OP_REQUEST
                    && ArpPacket.senderIp(rx, 0) == VIP && ArpPacket.targetIp(rx, 0) == VIP
                    && ArpPacket.senderMac(rx, 0) == mac && ++seen == want) {
                    return true;
                }
            }
            listener.await(100);
        }
        return false;
    }

    @Test
    void anAddressHeldElsewhereIsRetriedThenReportedAsAFailure() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fipc")) {
            final String[] ns = pair(n);
            n.address(ns[1], "eth0", "192.0.2.100/24");
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip("vip", "192.0.2.100", 24, "eth0", 2, 200, false);
            try (ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                final Fixtures.Outcome out = Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START));
                final String macB = n.exec(ns[1], "cat", "/sys/class/net/eth0/address").strip();
                for (int i = 1; i <= 3; i++) {
                    final String prefix = "group A: resource vip: address conflict, try " + i + " of 3: 192.0.2.100 "
                        + "is in use (" + macB + "); ";
                    assertTrue(log.lines().contains(prefix + (i < 3 ? "probing again in 200 ms" : "giving up")),
                        log.dump());
                }
                assertFalse(has(n, ns[0], "192.0.2.100/24"));
                // never online without its address: the start script did not run, the decision core decides
                assertEquals(RunOutcome.CONFLICT, out.outcome(), log.dump());
                assertEquals("vip: floating IP 192.0.2.100/24: address conflict: 192.0.2.100 is in use (" + macB + ")"
                    + " after 3 tries: find the host holding it (its MAC is above) and free the address, or choose "
                    + "another", out.reason());
                assertEquals(List.of(), scripts.runs());
            }
        }
    }

    @Test
    void theAddressIsTakenWhenTheOtherSideLetsGoBetweenRetries() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fipr")) {
            final String[] ns = pair(n);
            n.address(ns[1], "eth0", "192.0.2.100/24");
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            // a long enough interval that the release surely lands between two probes
            final ClusterConfig.FloatingIp ip = Fixtures.ip("vip", "192.0.2.100", 24, "eth0", 5, 1500, false);
            try (ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                final java.util.concurrent.CompletableFuture<RunOutcome> done = new java.util.concurrent
                    .CompletableFuture<>();
                l.launch(Fixtures.start(0, ArmsEvent.START), (outcome, reason) -> done.complete(outcome));
                assertNotNull(log.await(x -> x.contains("address conflict, try 1 of 6"), 10_000), log.dump());
                n.exec(ns[1], "ip", "addr", "del", "192.0.2.100/24", "dev", "eth0");
                assertEquals(RunOutcome.OK, done.get(60, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(has(n, ns[0], "192.0.2.100/24"), log.dump());
                assertTrue(log.lines().stream().noneMatch(x -> x.contains("giving up")), log.dump());
                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
                assertFalse(has(n, ns[0], "192.0.2.100/24"));
            }
        }
    }

    /** A group waiting out conflict retries delays no other group; closing the launcher ends the wait. */
    @Test
    void conflictRetriesBlockOnlyTheirOwnGroup() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fipg")) {
            final String[] ns = pair(n);
            n.address(ns[1], "eth0", "192.0.2.100/24");
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip("vip", "192.0.2.100", 24, "eth0", 5, 3_600_000, false);
            final ClusterConfig.FloatingIp ipB = Fixtures.ip("vip-b", "192.0.2.101", 24, "eth0", 5, 3_600_000, false);
            final java.util.concurrent.CompletableFuture<RunOutcome> doneA = new java.util.concurrent
                .CompletableFuture<>();
            final ResourceLauncher l = new ResourceLauncher(Fixtures.config(List.of(ip), List.of(ipB)), scripts,
                log.log(), ResourceLauncher.Settings.defaults().withNetns(ns[0]));
            try {
                l.launch(Fixtures.start(0, ArmsEvent.START), (outcome, reason) -> doneA.complete(outcome));
                assertNotNull(log.await(x -> x.contains("address conflict, try 1 of 6"), 10_000), log.dump());
                // B starts and finishes while A waits an hour for its next probe
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(1, ArmsEvent.START)).ok());
                assertTrue(has(n, ns[0], "192.0.2.101/24"));
                assertFalse(doneA.isDone());
            } finally {
                l.close();
            }
            // the agent stops: A's wait ends and its run is still answered (not started: it has no address)
            assertEquals(RunOutcome.RESOURCE_FAILED, doneA.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertNotNull(log.await(x -> x.endsWith("activation abandoned, the agent is stopping"), 0), log.dump());
        }
    }

    @Test
    void aWrongNetworkAddressFailsClearlyUnlessAnySubnet() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fips")) {
            final String[] ns = pair(n);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp wrong = Fixtures.ip("vip", "203.0.113.100", 24, "eth0", 2, 200, false);
            try (ResourceLauncher l = launcher(ns[0], wrong, log, scripts)) {
                assertEquals(new Fixtures.Outcome(RunOutcome.RESOURCE_FAILED, "vip: floating IP 203.0.113.100/24: "
                    + "wrong network address: eth0 has no address in its subnet (it has 192.0.2.1/24): fix 'address' or "
                    + "'interface' of [resource vip], or set any-subnet = yes"),
                    Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)));
                assertFalse(has(n, ns[0], "203.0.113.100/24"));
            }
            final ClusterConfig.FloatingIp any = Fixtures.ip("vip", "203.0.113.100", 24, "eth0", 2, 200, true);
            try (ResourceLauncher l = launcher(ns[0], any, log, scripts)) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertTrue(has(n, ns[0], "203.0.113.100/24"));
            }
        }
    }

    @Test
    void aMissingInterfaceAndAnAddressAlreadyPresentAreClear() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fipm")) {
            final String[] ns = pair(n);
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp noIf = Fixtures.ip("vip", "192.0.2.100", 24, "eth9", 2, 200, false);
            try (ResourceLauncher l = launcher(ns[0], noIf, log, scripts)) {
                assertEquals(new Fixtures.Outcome(RunOutcome.RESOURCE_FAILED, "vip: floating IP 192.0.2.100/24 on "
                    + "eth9: interface eth9 does not exist on this server (No such device): fix 'interface' of "
                    + "[resource vip]"), Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)));
            }
            n.address(ns[0], "eth0", "192.0.2.100/24");
            final ClusterConfig.FloatingIp ip = Fixtures.ip("vip", "192.0.2.100", 24, "eth0", 2, 200, false);
            try (ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertTrue(log.lines().contains("group A: resource vip: 192.0.2.100/24 on eth0 is already present "
                    + "(left from an earlier run, or added by hand): keeping it"), log.dump());
            }
        }
    }

    /**
     * Before a takeover the holder probe says who still answers for the address; once it is free, the activation
     * right after takes that probe as its conflict check and adds the address at once.
     */
    @Test
    void theHolderProbeNamesTheHolderAndAFreeAnswerIsTheActivationsCheck() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("fiph")) {
            final String[] ns = pair(n);
            n.address(ns[1], "eth0", "192.0.2.100/24");
            final String macB = n.exec(ns[1], "cat", "/sys/class/net/eth0/address").strip();
            final Fixtures.Log log = new Fixtures.Log();
            final Fixtures.RecordingLauncher scripts = new Fixtures.RecordingLauncher(log);
            final ClusterConfig.FloatingIp ip = Fixtures.ip("vip", "192.0.2.100", 24, "eth0", 2, 200, false);
            try (ResourceLauncher l = launcher(ns[0], ip, log, scripts)) {
                assertEquals("192.0.2.100 answered by " + macB, probe(l));
                n.exec(ns[1], "ip", "addr", "del", "192.0.2.100/24", "dev", "eth0");
                assertEquals(null, probe(l));
                final armd.cluster.ScriptRun takeover = new armd.cluster.ScriptRun(0, false, ArmsEvent.FAILOVER, true, 1,
                    null, true, true);
                assertTrue(Fixtures.launchAndWait(l, takeover).ok());
                assertTrue(has(n, ns[0], "192.0.2.100/24"), log.dump());
                assertNotNull(log.await(x -> x.contains("by the takeover check; not probed again"), 0), log.dump());
                // a start that is not that takeover probes for itself, however recent the holder probe
                assertTrue(Fixtures.launchAndWait(l, Fixtures.stop(0)).ok());
                assertEquals(null, probe(l));
                assertTrue(Fixtures.launchAndWait(l, Fixtures.start(0, ArmsEvent.START)).ok());
                assertEquals(1, log.lines().stream().filter(x -> x.contains("not probed again")).count(), log.dump());
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
