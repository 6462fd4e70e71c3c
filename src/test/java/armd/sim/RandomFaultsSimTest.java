package armd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import armd.cluster.ArmsEvent;
import armd.cluster.ClusterNode;
import armd.cluster.GroupExec;
import armd.cluster.GroupMode;
import armd.cluster.Op;
import armd.cluster.ScriptRun;
import armd.cluster.ServerState;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomized fault schedules on the deterministic simulation (lossy, reordering, duplicating network;
 * crashes, restarts, partitions; moves, failovers, application deaths), checking the invariants:
 * among servers that have heard each other for a while a group is never online twice; once the faults
 * stop, every group is online exactly once within a bound; every script environment is one the
 * specification allows. A failing seed replays exactly.
 */
class RandomFaultsSimTest {
    private static final int SEEDS = 150;
    private static final long STEP_MS = 10;
    /** How long two servers must have been connected before a double-online group counts as a violation. */
    private static final long SETTLE_NS = 1_000_000_000L;

    @ParameterizedTest(name = "{0} servers")
    @ValueSource(ints = {2, 3, 4})
    void invariantsHoldUnderRandomFaults(final int servers) {
        for (int seed = 1; seed <= SEEDS; seed++) {
            runSeed(servers, seed);
        }
    }

    private void runSeed(final int servers, final long seed) {
        final Sim sim = new Sim(SimConfigs.guide(servers, (seed & 1) == 0), seed * 7919 + servers);
        sim.loss = 0.05;
        sim.duplicate = 0.02;
        sim.jitterNs = 3_000_000L;
        final long[][] connectedSince = new long[servers][servers];
        sim.bootAll();
        sim.runMs(500);
        final String[] names = new String[servers];
        for (int i = 0; i < servers; i++) {
            names[i] = "server" + (i + 1);
        }
        final String ctx = "seed " + seed + ", " + servers + " servers";
        for (int step = 0; step < 1500; step++) {
            if (sim.random().nextInt(100) < 3) {
                fault(sim, names, connectedSince);
            }
            sim.runMs(STEP_MS);
            checkSafety(sim, connectedSince, ctx);
        }
        // faults stop: heal, bring everyone back, and everything must settle
        sim.healAll();
        for (final String name : names) {
            if (!sim.up(name)) {
                sim.boot(name);
            }
        }
        sim.runMs(3_000);
        for (final String name : names) {
            final ClusterNode n = sim.node(name);
            if (n.state() == ServerState.ISOLATED || n.state() == ServerState.STOPPED) {
                sim.op(name, Op.SERVER_RETURN, null, name);
            }
        }
        sim.runMs(5_000);
        checkLiveness(sim, ctx);
        checkEnvironments(sim, ctx);
    }

    private void fault(final Sim sim, final String[] names, final long[][] since) {
        final int kind = sim.random().nextInt(9);
        final String a = names[sim.random().nextInt(names.length)];
        final String b = names[sim.random().nextInt(names.length)];
        final ClusterNode na = sim.node(a);
        final String group = "ABC".substring(sim.random().nextInt(3)).substring(0, 1);
        switch (kind) {
            case 0 -> {
                if (sim.up(a)) {
                    sim.crash(a);
                } else {
                    sim.boot(a);
                }
            }
            case 1 -> {
                if (!a.equals(b)) {
                    sim.partition(a, b, true);
                }
            }
            case 2 -> sim.healAll();
            case 3 -> {
                if (na != null) {
                    sim.op(a, Op.GROUP_MOVE, group, b);
                }
            }
            case 4 -> {
                if (na != null) {
                    sim.op(a, Op.GROUP_FAILOVER, group, null);
                }
            }
            case 5 -> {
                if (na != null) {
                    sim.applicationDied(a, group, sim.random().nextBoolean());
                }
            }
            case 6 -> {
                if (na != null && (na.state() == ServerState.ISOLATED || na.state() == ServerState.STOPPED)) {
                    sim.op(a, Op.SERVER_RETURN, null, a);
                }
            }
            case 7 -> {
                if (na != null) {
                    na.resourceFailed(sim.group(group), "random", armd.cluster.FailureAction.FAILOVER,
                        sim.random().nextBoolean() ? armd.cluster.Destination.PRIORITY
                            : armd.cluster.Destination.STABLE,
                        "random fault");
                }
            }
            default -> {
                if (na != null && na.state() == ServerState.NORMAL && sim.random().nextInt(4) == 0) {
                    sim.op(a, Op.SERVER_LEAVE, null, a);
                }
            }
        }
        final int n = names.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (!sim.connected(i, j)) {
                    since[i][j] = -1;
                } else if (since[i][j] < 0) {
                    since[i][j] = sim.nowNs();
                }
            }
        }
    }

    private void checkSafety(final Sim sim, final long[][] since, final String ctx) {
        final int n = sim.size();
        final int groups = sim.config().groups().size();
        for (int g = 0; g < groups; g++) {
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (since[i][j] < 0 || !sim.connected(i, j) || sim.nowNs() - since[i][j] < SETTLE_NS) {
                        continue;
                    }
                    final ClusterNode a = sim.node(i);
                    final ClusterNode b = sim.node(j);
                    if (a.exec(i, g) == GroupExec.ONLINE && b.exec(j, g) == GroupExec.ONLINE) {
                        fail(ctx + ": group " + sim.config().groups().get(g).name() + " online on server" + (i + 1)
                            + " and server" + (j + 1) + " at " + sim.nowNs() / 1e9 + " s\n"
                            + String.join("\n", sim.log().subList(Math.max(0, sim.log().size() - 60),
                            sim.log().size())));
                    }
                }
            }
        }
    }

    private void checkLiveness(final Sim sim, final String ctx) {
        final int n = sim.size();
        for (int g = 0; g < sim.config().groups().size(); g++) {
            int online = 0;
            for (int s = 0; s < n; s++) {
                final ClusterNode node = sim.node(s);
                assertNotNull(node);
                assertEquals(ServerState.NORMAL, node.state(), ctx + ": server" + (s + 1) + " not back");
                if (node.exec(s, g) == GroupExec.ONLINE) {
                    online++;
                }
            }
            final var rec = sim.node(0).record(g);
            final String name = sim.config().groups().get(g).name();
            if (rec.mode() == GroupMode.HELD) {
                fail(ctx + ": group " + name + " is held: " + rec);
            }
            assertEquals(1, online, () -> ctx + ": group " + name + " online count; record " + rec + "\n"
                + String.join("\n", sim.log().subList(Math.max(0, sim.log().size() - 80), sim.log().size())));
        }
    }

    private void checkEnvironments(final Sim sim, final String ctx) {
        for (final Sim.Run r : sim.runs()) {
            final ScriptRun run = r.run();
            final int expectedPriority = sim.config().groups().get(run.group()).priorityOf(sim.id(r.server()));
            assertEquals(expectedPriority, run.priority(), ctx + ": priority of " + r.line());
            assertEquals(run.priority() == 1, run.home(), ctx + ": HOME/OTHER of " + r.line());
            if (run.stop()) {
                assertNotNull(run.factor(), ctx + ": stop without a factor: " + r.line());
                assertTrue(run.event() != ArmsEvent.RECOVER, ctx + ": a stop shows RECOVER: " + r.line());
            } else {
                assertEquals(null, run.factor(), ctx + ": start with a factor: " + r.line());
            }
        }
    }
}
