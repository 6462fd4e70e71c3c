package armd.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.ClusterNode;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.cluster.GroupMode;
import armd.cluster.NodeMemory;
import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.sim.Sim;
import armd.sim.SimConfigs;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * What a failed monitor does to its group (docs/behaviour.md#resource-monitoring), in the deterministic simulation: the
 * two destination policies, no failover without a healthy server, the failover counter and its resets, the stop action,
 * and the script runs a monitor failover causes.
 */
class MonitorPolicySimTest {
    private static final long SETTLE_MS = 3_000;

    private static Sim cluster(final int servers) {
        final Sim sim = new Sim(SimConfigs.guide(servers, false), 7);
        sim.bootAll();
        sim.runMs(SETTLE_MS);
        return sim;
    }

    /** Where group {@code group} is online, as server {@code at} sees it (a server name, or "nowhere"). */
    private static String where(final Sim sim, final String at, final String group) {
        final ClusterNode n = sim.node(at);
        final int s = n.onlineAt(sim.group(group));
        return s < 0 ? "nowhere" : n.serverName(s);
    }

    private static OpResult fail(final Sim sim, final String at, final String group, final FailureAction action,
                                 final Destination destination) {
        final OpResult r = sim.node(at).resourceFailed(sim.group(group), "m", action, destination, "test fault");
        sim.runMs(SETTLE_MS);
        return r;
    }

    private static List<String> runsSince(final Sim sim, final int from) {
        return sim.runs().subList(from, sim.runs().size()).stream().map(Sim.Run::line).toList();
    }

    @Test
    void failoverStopsHereRecoversThenStartsOnTheDestination() {
        final Sim sim = cluster(3);
        assertEquals("server1", where(sim, "server2", "A"));
        final int from = sim.runs().size();
        assertEquals(OpResult.OK, fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.PRIORITY));
        assertEquals(List.of(
            "server1 stop A START HOME 1 GROUPFAILOVER",
            "server1 start A RECOVER HOME 1 -",
            "server2 start A FAILOVER OTHER 2 -"), runsSince(sim, from));
        assertEquals("server2", where(sim, "server3", "A"));
    }

    @Test
    void priorityDestinationIsTheFirstHealthyServerOfThePolicy() {
        final Sim sim = cluster(3);
        fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.PRIORITY);
        assertEquals("server2", where(sim, "server1", "A"));
        fail(sim, "server2", "A", FailureAction.FAILOVER, Destination.PRIORITY);
        assertEquals("server1", where(sim, "server3", "A"), "priority ignores server1's earlier error");
    }

    @Test
    void stableDestinationPrefersServersWithoutErrorsThenTheOldestError() {
        final Sim sim = cluster(3);
        fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.STABLE);
        assertEquals("server2", where(sim, "server3", "A"), "no errors yet: the highest priority");
        fail(sim, "server2", "A", FailureAction.FAILOVER, Destination.STABLE);
        assertEquals("server3", where(sim, "server1", "A"), "server1 erred, server3 never did");
        fail(sim, "server3", "A", FailureAction.FAILOVER, Destination.STABLE);
        assertEquals("server1", where(sim, "server2", "A"), "every server erred: server1's error is the oldest");
        fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.STABLE);
        assertEquals("server2", where(sim, "server3", "A"), "now server2's error is the oldest");
    }

    @Test
    void aGroupStopForgetsTheErrorHistory() {
        final Sim sim = cluster(3);
        fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.STABLE);
        assertEquals(1, sim.node("server3").record(sim.group("A")).errorCount(), "replicated to every server");
        final int stop = sim.op("server2", Op.GROUP_STOP, "A", null);
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result("server2", stop));
        assertEquals(0, sim.node("server3").record(sim.group("A")).errorCount());
    }

    @Test
    void noFailoverWhenNoOtherServerIsHealthy() {
        final Sim sim = cluster(2);
        sim.crash("server2");
        sim.runMs(SETTLE_MS);
        final int from = sim.runs().size();
        assertEquals(OpResult.NO_TARGET, fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.PRIORITY));
        assertEquals(List.of(), runsSince(sim, from));
        assertEquals("server1", where(sim, "server1", "A"));
    }

    @Test
    void theCounterEndsPingPongAndResetsWhenTheResourceIsNormalAgain() {
        final Sim sim = cluster(2);
        for (int i = 0; i < 2; i++) {
            sim.node(i).maxMonitorFailovers(2);
        }
        final String[] expected = {"server2", "server1", "server2", "server1"};
        for (int i = 0; i < 4; i++) {
            final String at = i % 2 == 0 ? "server1" : "server2";
            assertEquals(OpResult.OK, fail(sim, at, "A", FailureAction.FAILOVER, Destination.PRIORITY));
            assertEquals(expected[i], where(sim, "server1", "A"));
        }
        assertEquals(2, sim.node("server1").memory().monitorFailovers(sim.group("A")));
        final int from = sim.runs().size();
        assertEquals(OpResult.BAD_STATE, fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.PRIORITY));
        assertEquals(List.of(), runsSince(sim, from), "the limit is reached: the group stays");
        assertTrue(sim.log().stream().anyMatch(l -> l.contains("until the counter is reset")));

        sim.node("server1").resourceNormal(sim.group("A"), "m");
        assertEquals(0, sim.node("server1").memory().monitorFailovers(sim.group("A")));
        assertEquals(OpResult.OK, fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.PRIORITY));
        assertEquals("server2", where(sim, "server1", "A"));
    }

    @Test
    void theCounterSurvivesTheStateFileAndResetsAtAGroupStart() {
        final Sim sim = cluster(2);
        fail(sim, "server1", "A", FailureAction.FAILOVER, Destination.PRIORITY);
        final ClusterNode n1 = sim.node("server1");
        final String[] names = {"A", "B", "C"};
        final Map<String, String> saved = n1.memory().toMap(names);
        assertEquals(1, NodeMemory.fromMap(saved, names).monitorFailovers(sim.group("A")));
        assertEquals(1, NodeMemory.fromMap(saved, names).record(sim.group("A")).errorCount());

        final int stop = sim.op("server2", Op.GROUP_STOP, "A", null);
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result("server2", stop));
        final int start = sim.op("server2", Op.GROUP_START, "A", "server1");
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result("server2", start));
        assertEquals(0, sim.node("server1").memory().monitorFailovers(sim.group("A")));
    }

    @Test
    void stopActionStopsTheGroupWhereItRuns() {
        final Sim sim = cluster(2);
        final int from = sim.runs().size();
        assertEquals(OpResult.OK, fail(sim, "server1", "A", FailureAction.STOP, Destination.PRIORITY));
        assertEquals(List.of("server1 stop A START HOME 1 GROUPSTOP"), runsSince(sim, from));
        assertEquals("nowhere", where(sim, "server2", "A"));
        assertEquals(GroupMode.HELD, sim.node("server2").record(sim.group("A")).mode());
    }

    @Test
    void aFailureWhereTheGroupIsNotOnlineChangesNothing() {
        final Sim sim = cluster(2);
        final int from = sim.runs().size();
        assertEquals(OpResult.NOT_RUNNING, fail(sim, "server2", "A", FailureAction.FAILOVER, Destination.PRIORITY));
        assertEquals(List.of(), runsSince(sim, from));
    }

    @Test
    void aFailureWhileTheGroupStartsIsActedOnOnceItIsOnline() {
        final Sim sim = new Sim(SimConfigs.guide(2, false), 7);
        sim.bootAll();
        // run until server1 launches A's start script, then report the failure before the script ends
        for (int i = 0; i < 10_000
            && sim.node("server1").exec(0, sim.group("A")) != armd.cluster.GroupExec.STARTING; i++) {
            sim.run(100_000L);
        }
        assertEquals(armd.cluster.GroupExec.STARTING, sim.node("server1").exec(0, sim.group("A")));
        assertEquals(OpResult.OK, sim.node("server1").resourceFailed(sim.group("A"), "A-ip", FailureAction.FAILOVER,
            Destination.PRIORITY, "address conflict"));
        sim.runMs(SETTLE_MS);
        assertEquals("server2", where(sim, "server1", "A"));
        assertTrue(sim.runs().stream().map(Sim.Run::line)
            .anyMatch(l -> l.equals("server1 stop A START HOME 1 GROUPFAILOVER")));
    }
}
