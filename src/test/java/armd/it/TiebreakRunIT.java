package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The partition tiebreak with real agents: a loop device shared by the servers' namespaces is the disk heartbeat
 * path, and the bridge's own address (192.0.2.1, the stand-in for the default gateway) the ping tiebreak's target.
 * Group A has the floating IP 192.0.2.100, B none. Every address event is recorded in every namespace.
 */
class TiebreakRunIT {
    private static final int T = 90;
    private static final String A_IP = "192.0.2.100/24";

    private static AgentCluster cluster(final String tag, final LoopDisk disk) throws Exception {
        final AgentCluster c = new AgentCluster(tag, 2, false);
        c.net().address(c.hub(), "br0", "192.0.2.1/24");
        c.extraConfig("[resource A-ip]\ngroup = A\ntype = ip\naddress = " + A_IP + "\ninterface = eth0\n\n"
            + "[disk-heartbeat]\ndevice = " + disk.device() + "\nsector = 8\ninterval = 100ms\ntimeout = 3s\n\n"
            + "[tiebreak]\ntargets = 192.0.2.1\ntimeout = 100ms\ntries = 3\n");
        return c;
    }

    private static AddressWatch watch(final AgentCluster c) throws Exception {
        final Map<String, String> ns = new LinkedHashMap<>();
        ns.put("server1", c.namespace(0));
        ns.put("server2", c.namespace(1));
        return new AddressWatch(ns);
    }

    private static boolean allName(final AgentCluster c, final String group, final String server) {
        return c.onlineOn(0, group).equals(server) && c.onlineOn(1, group).equals(server);
    }

    private static boolean statusHas(final AgentCluster c, final int i, final String text) {
        try {
            return c.status(i).contains(text);
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    @Test
    void heartbeatNetworksCutWhileTheDiskLivesMoveNothing() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4); AgentCluster c = cluster("tbh", disk); AddressWatch w = watch(c)) {
            c.startAll();
            c.await(() -> allName(c, "A", "server1") && allName(c, "B", "server2")
                && w.holders(A_IP).equals(List.of("server1")), T, "A on server1, B on server2");
            for (int i = 0; i < 2; i++) {
                Nft.dropIn(c.net(), c.namespace(i), "udp dport 7405 counter drop");
            }
            c.await(() -> statusHas(c, 0, "PARTITIONED") && statusHas(c, 1, "PARTITIONED"), T,
                "each sees the other partitioned (alive on the disk)");
            assertTrue(c.logHas(1, "alive on the disk heartbeat path"), c.diagnostics());
            // hold the cut for a few heartbeat timeouts of the tests (1.5 s): nothing moves, B (no address) included
            final long until = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() - until < 0) {
                if (c.records().stream().anyMatch(r -> r.contains(" FAILOVER "))) {
                    fail("a group moved during a heartbeat cut with the disk alive: " + c.records() + "\n"
                        + c.diagnostics());
                }
                Thread.sleep(50);
            }
            assertEquals(List.of("server1"), w.holders(A_IP));
            for (int i = 0; i < 2; i++) {
                Nft.heal(c.net(), c.namespace(i));
            }
            c.await(() -> allName(c, "A", "server1") && allName(c, "B", "server2"), T, "unchanged after the heal");
            assertFalse(c.records().stream().anyMatch(r -> r.contains(" stop ")), c.records().toString());
        }
    }

    @Test
    void aServerCutOffFromNetworksAndTiebreakReleasesAndTheOtherTakesOverWithOneHolderThroughout() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4); AgentCluster c = cluster("tbc", disk); AddressWatch w = watch(c)) {
            c.startAll();
            c.await(() -> allName(c, "A", "server1") && w.holders(A_IP).equals(List.of("server1")), T,
                "A on server1 with its address");
            // server1 cut off at the switch: no peer, no gateway; the disk still shared
            Nft.isolatePort(c.net(), c.hub(), "p1");
            c.await(() -> c.logHas(0, "is cut off: no peer on any network, and the tiebreak failed"), T,
                "server1 finds itself cut off");
            c.await(() -> w.holders(A_IP).equals(List.of("server2")) && c.onlineOn(1, "A").equals("server2"), T,
                "A and its address on server2");
            c.await(() -> c.onlineOn(1, "B").equals("server2"), T, "B stays on server2");
            for (final AddressWatch.Event e : w.events(A_IP)) {
                if (e.added() && e.where().equals("server2")) {
                    break;
                }
                assertFalse(e.added() && w.events(A_IP).indexOf(e) > 0,
                    "server1 added A's address again before server2 took it: " + w.events(A_IP));
            }
            assertTrue(c.records().stream().anyMatch(r -> r.startsWith("1 stop A START HOME 1 CLUSTERLEAVE")),
                c.records().toString());
            Nft.heal(c.net(), c.hub());
            c.await(() -> statusHas(c, 0, "ISOLATED"), T, "server1 isolated until returned");
            assertEquals(List.of("server2"), w.holders(A_IP), "one holder throughout: " + w.events(A_IP));
        }
    }

    @Test
    void theDiskPathFailingAloneMovesNothing() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4); AgentCluster c = cluster("tbd", disk); AddressWatch w = watch(c)) {
            c.startAll();
            c.await(() -> allName(c, "A", "server1") && allName(c, "B", "server2"), T, "A on server1, B on server2");
            disk.removeMedium();
            c.await(() -> c.logHas(0, "disk heartbeat path does not work") && c.logHas(1,
                "disk heartbeat path does not work"), T, "both see the disk path fail");
            final long until = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() - until < 0) {
                if (c.records().size() != 3) {
                    fail("a script ran while only the disk path failed: " + c.records() + "\n" + c.diagnostics());
                }
                Thread.sleep(50);
            }
            disk.restoreMedium();
            c.await(() -> c.logHas(0, "disk heartbeat path works again"), T, "the disk path back");
            assertTrue(allName(c, "A", "server1") && allName(c, "B", "server2"), c.diagnostics());
            assertEquals(List.of("server1"), w.holders(A_IP));
        }
    }
}
