package armd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import armd.cluster.ClusterNode;
import armd.cluster.GroupExec;
import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.cluster.ServerState;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ownership invariants in the deterministic simulation, with the data plane modelled apart from the
 * heartbeats (groups A and C have a floating address, B has none):
 * <ol>
 *   <li>never online without its address: a server that runs A or C holds its address;</li>
 *   <li>a dead agent holds nothing once its guardian acted; without the guardian its address stays, and</li>
 *   <li>nobody takes a group over while its address still answers from the old holder;</li>
 *   <li>after a heal, each address is held by exactly one server and every server names that one;</li>
 *   <li>operations issued at a server that was down and returned act.</li>
 * </ol>
 */
class OwnershipSimTest {
    private static final long SETTLE_MS = 3_000;

    private static Sim cluster(final int servers, final long seed) {
        final Sim sim = new Sim(SimConfigs.guide(servers, false, true), seed);
        sim.bootAll();
        sim.runMs(SETTLE_MS);
        return sim;
    }

    private static String where(final Sim sim, final String at, final String group) {
        final ClusterNode n = sim.node(at);
        final int s = n.onlineAt(sim.group(group));
        return s < 0 ? "-" : n.serverName(s);
    }

    private static List<String> holders(final Sim sim, final String group) {
        final boolean[] h = sim.holders(sim.group(group));
        final List<String> out = new ArrayList<>();
        for (int s = 0; s < h.length; s++) {
            if (h[s]) {
                out.add("server" + (s + 1));
            }
        }
        return out;
    }

    private static String log(final Sim sim) {
        return String.join("\n", sim.log().subList(Math.max(0, sim.log().size() - 80), sim.log().size()));
    }

    @Test
    void aKilledAgentWhoseAddressStillAnswersIsNotTakenOverUntilItStopsAnswering() {
        final Sim sim = cluster(2, 1);
        assertEquals(List.of("server1"), holders(sim, "A"));
        sim.crash("server1");
        sim.runMs(SETTLE_MS);
        // the host lives, its kernel answers for the address: the survivor waits, says why, and runs B only
        assertEquals(List.of("server1"), holders(sim, "A"));
        assertEquals(GroupExec.FENCING, sim.node("server2").exec(1, sim.group("A")));
        assertEquals("A-ip answered by server1", sim.node("server2").waitingFor(sim.group("A")), log(sim));
        assertEquals("server2", where(sim, "server2", "B"));
        // the agent restarts: it removes its stale address first, and the survivor takes over at its next check
        sim.boot("server1");
        sim.runMs(SETTLE_MS);
        assertEquals(List.of("server2"), holders(sim, "A"), log(sim));
        assertEquals("server2", where(sim, "server2", "A"));
        assertNull(sim.node("server2").waitingFor(sim.group("A")));
        assertEquals(List.of(), sim.blindTakeovers());
    }

    @Test
    void aGuardianReleasesAtOnceAndSaysGoneSoTheTakeoverIsImmediate() {
        final Sim sim = cluster(2, 2);
        sim.guardian = true;
        sim.crash("server1");
        assertEquals(List.of(), holders(sim, "A"));
        // gone: no timeout to wait for; one holder probe, then the start script
        sim.runMs(100);
        assertEquals(GroupExec.ONLINE, sim.node("server2").exec(1, sim.group("A")), log(sim));
        assertEquals(List.of("server2"), holders(sim, "A"));
        assertTrue(sim.log().stream().anyMatch(l -> l.contains("its guardian released what it held")), log(sim));
        assertEquals(List.of(), sim.blindTakeovers());
    }

    /**
     * The guardian releases a little after the peer found the agent gone (a refused heartbeat): the first holder
     * probe finds the address still held; the guardian's "gone" makes the survivor ask again at once instead of
     * at its next retry (the heartbeat timeout later).
     */
    @Test
    void aGuardianSlowerThanTheFirstProbeStillGivesAnImmediateTakeover() {
        final Sim sim = cluster(2, 2);
        sim.guardian = true;
        // the peer finds the agent down (timeout) and probes before its guardian has released the address
        sim.guardianDelayMs = 105;
        sim.crash("server1");
        sim.runMs(100);
        assertEquals(List.of("server1"), holders(sim, "A"), "the guardian has not acted yet: " + log(sim));
        // the probe after "gone" finds it free: taken over well before the next retry
        sim.runMs(25);
        assertEquals(List.of("server2"), holders(sim, "A"), log(sim));
        assertEquals(List.of(), sim.blindTakeovers());
    }

    /**
     * A dead host's address stops answering at once: the survivor takes the group over at suspicion (two silent
     * intervals and a holder probe), before the heartbeat timeout declares the host down; a group without an
     * address waits for the timeout.
     */
    @Test
    void aDeadHostsGroupWithAnAddressIsTakenOverBeforeTheTimeout() {
        final Sim sim = cluster(2, 7);
        final int before = sim.runs().size();
        sim.powerOff("server1");
        sim.runMs(SETTLE_MS);
        final long downAt = sim.log().stream().filter(l -> l.contains("server2: server server1 is down"))
            .map(l -> (long) (Double.parseDouble(l.trim().split(" ")[0]) * 1e9)).findFirst().orElseThrow();
        final Sim.Run a = sim.runs().subList(before, sim.runs().size()).stream()
            .filter(r -> r.line().equals("server2 start A FAILOVER OTHER 2 -")).findFirst().orElseThrow();
        final Sim.Run c = sim.runs().subList(before, sim.runs().size()).stream()
            .filter(r -> r.line().equals("server2 start C FAILOVER OTHER 2 -")).findFirst().orElseThrow();
        assertTrue(a.atNs() < downAt, "A taken over at suspicion, before the timeout: " + log(sim));
        assertEquals(List.of("server2"), holders(sim, "A"));
        assertTrue(c.atNs() < downAt, "C too (it has an address)");
        // and kept: the silent server's last word ("A runs here") is older than its silence, not a split brain
        assertEquals(List.of(), sim.runs().subList(before, sim.runs().size()).stream()
            .filter(r -> r.line().startsWith("server2 stop")).toList(), log(sim));
    }

    @Test
    void aHeartbeatOnlyCutRunsTheGroupsWithAddressesOnceAndHealsToOne() {
        final Sim sim = cluster(2, 3);
        sim.partition("server1", "server2", true);
        sim.runMs(SETTLE_MS);
        // A and C still answer from server1: not started on server2; B has no address to ask about and runs twice
        assertEquals(List.of("server1"), holders(sim, "A"));
        assertEquals(List.of("server1"), holders(sim, "C"));
        assertEquals(GroupExec.ONLINE, sim.node("server1").exec(0, sim.group("B")));
        sim.partition("server1", "server2", false);
        sim.runMs(SETTLE_MS);
        for (final String g : List.of("A", "B", "C")) {
            assertEquals(where(sim, "server1", g), where(sim, "server2", g), g + "\n" + log(sim));
            assertTrue(!where(sim, "server1", g).equals("-"), g);
        }
        // B comes first on server2 in its policy: server2 kept it, server1 stopped its copy
        assertEquals("server2", where(sim, "server1", "B"));
        assertEquals(List.of("server1"), holders(sim, "A"));
        assertEquals(List.of(), sim.blindTakeovers());
    }

    @Test
    void aWholeIsolationTakesOverAndTheHealKeepsTheHigherPriority() {
        final Sim sim = cluster(2, 4);
        sim.isolate("server1", "server2", true);
        sim.runMs(SETTLE_MS);
        // server1 is cut off with its addresses: nobody on server2's side answers, so it takes A over
        assertEquals(List.of("server1", "server2"), holders(sim, "A"));
        sim.isolate("server1", "server2", false);
        sim.runMs(SETTLE_MS);
        for (final String g : List.of("A", "C")) {
            assertEquals(List.of("server1"), holders(sim, g), g + "\n" + log(sim));
            assertEquals("server1", where(sim, "server1", g));
            assertEquals("server1", where(sim, "server2", g));
        }
        assertTrue(sim.log().stream().anyMatch(l -> l.contains("announcing its addresses again")), log(sim));
        assertEquals(List.of(), sim.blindTakeovers());
    }

    @Test
    void anOperationIssuedAtAServerThatWasDownAndReturnedActs() {
        final Sim sim = cluster(2, 5);
        sim.guardian = true;
        sim.crash("server1");
        sim.runMs(SETTLE_MS);
        sim.boot("server1");
        sim.runMs(SETTLE_MS);
        final int ret = sim.op("server1", Op.SERVER_RETURN, null, "server1");
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result("server1", ret));
        assertEquals(ServerState.NORMAL, sim.node("server1").state());
        assertEquals("server2", where(sim, "server1", "A"));
        final int stop = sim.op("server1", Op.GROUP_STOP, "A", null);
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result("server1", stop), log(sim));
        assertEquals("-", where(sim, "server2", "A"), log(sim));
        assertEquals(List.of(), holders(sim, "A"));
        final int move = sim.op("server1", Op.GROUP_START, "A", "server1");
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result("server1", move), log(sim));
        assertEquals("server1", where(sim, "server2", "A"));
    }

    @Test
    void theIncarnationIsACounterThatGrowsAtEveryStart() {
        final Sim sim = cluster(2, 6);
        final long first = sim.node("server1").incarnation();
        sim.crash("server1");
        sim.runMs(SETTLE_MS);
        sim.boot("server1");
        assertEquals(first + 1, sim.node("server1").incarnation());
    }

    /**
     * Random single faults on three servers with two groups with addresses (crash with and without the guardian,
     * heartbeat-only cut, whole isolation, one-way cut, reboot), each healed before the next: every check of the
     * invariants holds all along, and after each heal the cluster settles to one holder per address that every
     * server names.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void randomSingleFaultsSettleToOneHolderEveryServerNames(final long seed) {
        final Sim sim = cluster(3, seed * 104_729);
        sim.loss = 0.02;
        sim.jitterNs = 2_000_000L;
        final String[] names = {"server1", "server2", "server3"};
        for (int round = 0; round < 30; round++) {
            final String a = names[sim.random().nextInt(3)];
            final String b = names[(List.of(names).indexOf(a) + 1 + sim.random().nextInt(2)) % 3];
            final int kind = sim.random().nextInt(6);
            final String ctx = "seed " + seed + " round " + round + " fault " + kind + " on " + a + "/" + b;
            sim.guardian = kind == 1;
            switch (kind) {
                case 0, 1 -> sim.crash(a);
                case 2 -> sim.partition(a, b, true);
                case 3 -> sim.isolate(a, b, true);
                case 4 -> sim.oneWay(a, b, true);
                default -> sim.reboot(a);
            }
            for (int step = 0; step < 20 + sim.random().nextInt(30); step++) {
                sim.runMs(100);
                checkOnlineHoldsItsAddress(sim, ctx);
            }
            sim.healAll();
            for (final String s : names) {
                if (!sim.up(s)) {
                    sim.boot(s);
                }
            }
            sim.runMs(SETTLE_MS);
            for (final String s : names) {
                final ClusterNode n = sim.node(s);
                if (n.state() == ServerState.ISOLATED || n.state() == ServerState.STOPPED) {
                    sim.op(s, Op.SERVER_RETURN, null, s);
                }
            }
            sim.runMs(SETTLE_MS);
            checkSettled(sim, ctx);
        }
        assertEquals(List.of(), sim.blindTakeovers(), "takeovers while the old holder still answered");
    }

    /** Invariant 1: a server that runs a group with an address holds the address. */
    private static void checkOnlineHoldsItsAddress(final Sim sim, final String ctx) {
        for (final String g : List.of("A", "C")) {
            final boolean[] h = sim.holders(sim.group(g));
            for (int s = 0; s < sim.size(); s++) {
                final ClusterNode n = sim.node(s);
                if (n != null && n.exec(s, sim.group(g)) == GroupExec.ONLINE && !h[s]) {
                    fail(ctx + ": " + g + " online on server" + (s + 1) + " without its address\n" + log(sim));
                }
            }
        }
    }

    /** Invariant 4: one holder per address, every server names it; B online exactly once. */
    private static void checkSettled(final Sim sim, final String ctx) {
        for (final String g : List.of("A", "B", "C")) {
            final List<String> named = new ArrayList<>();
            for (int s = 0; s < sim.size(); s++) {
                final ClusterNode n = sim.node(s);
                assertNotNull(n, ctx);
                assertEquals(ServerState.NORMAL, n.state(), ctx + ": server" + (s + 1) + "\n" + log(sim));
                named.add(where(sim, "server" + (s + 1), g));
            }
            assertTrue(named.stream().distinct().count() == 1 && !named.getFirst().equals("-"),
                ctx + ": " + g + " named " + named + "\n" + log(sim));
            if (!g.equals("B")) {
                assertEquals(List.of(named.getFirst()), holders(sim, g), ctx + ": holders of " + g + "\n" + log(sim));
            }
        }
    }
}
