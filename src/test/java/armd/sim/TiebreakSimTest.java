package armd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import armd.cluster.ClusterNode;
import armd.cluster.Op;
import armd.cluster.PeerStatus;
import armd.cluster.ServerState;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The partition tiebreak in the deterministic simulation: a disk heartbeat path shared by every server (timeout
 * 10 intervals) and a ping tiebreak. A peer alive on the disk is partitioned, not dead; a server that hears no
 * peer and no tiebreak target releases its groups; the disk path failing alone moves nothing. Checked all along:
 * among servers that share the disk path, a group is never held (starting or online) by two at once.
 */
class TiebreakSimTest {
    private static final long SETTLE_MS = 3_000;

    private static Sim cluster(final int servers, final long seed) {
        final Sim sim = new Sim(SimConfigs.guide(servers, false, true), seed);
        sim.diskTimeoutMs = 100;
        sim.tiebreak = true;
        sim.bootAll();
        sim.runMs(SETTLE_MS);
        return sim;
    }

    private static String where(final Sim sim, final String at, final String group) {
        final ClusterNode n = sim.node(at);
        final int s = n.onlineAt(sim.group(group));
        return s < 0 ? "-" : n.serverName(s);
    }

    private static String log(final Sim sim) {
        return String.join("\n", sim.log().subList(Math.max(0, sim.log().size() - 60), sim.log().size()));
    }

    /** Runs {@code ms} in 10 ms steps, checking that no group is held twice among servers on the disk path. */
    private static void runChecked(final Sim sim, final long ms, final String ctx) {
        for (long t = 0; t < ms; t += 10) {
            sim.runMs(10);
            for (int g = 0; g < sim.config().groups().size(); g++) {
                int holders = 0;
                for (int s = 0; s < sim.size(); s++) {
                    final ClusterNode n = sim.node(s);
                    if (n != null && sim.diskWorks(s) && n.exec(s, g).holds()) {
                        holders++;
                    }
                }
                if (holders > 1) {
                    fail(ctx + ": group " + sim.config().groups().get(g).name() + " held by " + holders + " servers "
                        + "sharing the disk path at " + sim.nowNs() / 1e9 + " s\n" + log(sim));
                }
            }
        }
    }

    @Test
    void heartbeatNetworksCutWhileTheDiskLivesMoveNothing() {
        final Sim sim = cluster(2, 1);
        sim.partition("server1", "server2", true);
        runChecked(sim, SETTLE_MS, "heartbeat cut");
        assertEquals(PeerStatus.PARTITIONED, sim.node("server2").status(0), log(sim));
        assertEquals(PeerStatus.PARTITIONED, sim.node("server1").status(1));
        // nothing moved, B (no address to ask) included
        assertEquals("server1", where(sim, "server1", "A"));
        assertEquals("server2", where(sim, "server2", "B"));
        assertEquals("-", where(sim, "server1", "B"));
        sim.partition("server1", "server2", false);
        runChecked(sim, SETTLE_MS, "heal");
        assertEquals("server1", where(sim, "server2", "A"));
        assertEquals("server2", where(sim, "server1", "B"));
    }

    @Test
    void aServerCutOffFromNetworksAndTiebreakReleasesAndTheOtherTakesOver() {
        final Sim sim = cluster(2, 2);
        sim.cutOff("server1", true);
        runChecked(sim, SETTLE_MS, "server1 cut off");
        assertEquals(ServerState.ISOLATED, sim.node("server1").state(), log(sim));
        assertTrue(sim.log().stream().anyMatch(l -> l.contains("server1: server server1 is cut off")), log(sim));
        assertEquals("server2", where(sim, "server2", "A"));
        assertEquals("server2", where(sim, "server2", "C"));
        assertEquals("server2", where(sim, "server2", "B"));
        assertTrue(sim.runs().stream().anyMatch(r -> r.line().equals("server1 stop A START HOME 1 CLUSTERLEAVE")),
            "server1 stopped A with CLUSTERLEAVE");
        sim.cutOff("server1", false);
        runChecked(sim, SETTLE_MS, "heal");
        assertEquals(ServerState.ISOLATED, sim.node("server1").state(), "stays isolated until returned");
        sim.op("server1", Op.SERVER_RETURN, null, "server1");
        runChecked(sim, SETTLE_MS, "return");
        assertEquals(ServerState.NORMAL, sim.node("server1").state());
        assertEquals("server2", where(sim, "server1", "A"));
    }

    @Test
    void theSurvivorReachingTheTiebreakKeepsItsGroups() {
        final Sim sim = cluster(2, 3);
        sim.cutOff("server2", true);
        runChecked(sim, SETTLE_MS, "server2 cut off");
        assertEquals(ServerState.NORMAL, sim.node("server1").state());
        assertEquals("server1", where(sim, "server1", "A"));
        assertEquals("server1", where(sim, "server1", "B"), log(sim));
    }

    @Test
    void theDiskPathFailingAloneMovesNothing() {
        final Sim sim = cluster(2, 4);
        sim.disk("server1", false);
        sim.disk("server2", false);
        runChecked(sim, SETTLE_MS, "disk failed");
        assertEquals("server1", where(sim, "server2", "A"));
        assertEquals("server2", where(sim, "server1", "B"));
        assertTrue(sim.log().stream().anyMatch(l -> l.contains("disk heartbeat path does not work")), log(sim));
        assertNotNull(sim.node("server1"));
    }

    /**
     * Random faults on three servers that share the disk path (heartbeat cuts, whole cut-offs, disk path failures
     * of one server, crashes with the guardian), each healed before the next: a group is never held twice among
     * the servers on the disk path, and the cluster settles with every group online once.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void randomFaultsNeverHoldAGroupTwiceOnTheDiskPath(final long seed) {
        final Sim sim = cluster(3, seed * 7_919);
        sim.guardian = true;
        sim.loss = 0.02;
        final String[] names = {"server1", "server2", "server3"};
        for (int round = 0; round < 15; round++) {
            final String a = names[sim.random().nextInt(3)];
            final String b = names[(List.of(names).indexOf(a) + 1 + sim.random().nextInt(2)) % 3];
            final int kind = sim.random().nextInt(4);
            final String ctx = "seed " + seed + " round " + round + " fault " + kind + " on " + a + "/" + b;
            switch (kind) {
                case 0 -> sim.partition(a, b, true);
                case 1 -> sim.cutOff(a, true);
                case 2 -> sim.disk(a, false);
                default -> sim.crash(a);
            }
            runChecked(sim, 1_000 + sim.random().nextInt(3_000), ctx);
            sim.healAll();
            for (final String s : names) {
                if (!sim.up(s)) {
                    sim.boot(s);
                }
            }
            runChecked(sim, SETTLE_MS, ctx + " healed");
            for (final String s : names) {
                final ClusterNode n = sim.node(s);
                if (n.state() == ServerState.ISOLATED || n.state() == ServerState.STOPPED) {
                    sim.op(s, Op.SERVER_RETURN, null, s);
                }
            }
            runChecked(sim, SETTLE_MS, ctx + " returned");
            for (final String g : List.of("A", "B", "C")) {
                final String at = where(sim, "server1", g);
                assertTrue(!at.equals("-") && at.equals(where(sim, "server2", g)) && at.equals(where(sim, "server3", g)),
                    ctx + ": " + g + " settled\n" + log(sim));
            }
        }
    }
}
