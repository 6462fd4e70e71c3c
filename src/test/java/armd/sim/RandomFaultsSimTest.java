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

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Random fault schedules on the deterministic simulation, many of them: 2 to 4 servers, with or without floating
 * addresses and the guardian, on a lossy, reordering, duplicating network; crashes and restarts, heartbeat cuts,
 * whole isolations, one-way cuts, moves, failovers, application deaths, monitor failures and leaves. Checked all
 * along: among servers that have heard each other for a while a group is never online twice; a server that runs
 * a group with an address holds the address; nobody takes a group over while its address still answers. Once the
 * faults stop: every group online exactly once and every script environment one the specification allows.
 *
 * <p>10,000 schedules in the normal build; {@code -Darmd.sim.schedules=1000000} (the nightly profile,
 * {@code mvn -Pnightly test}) runs a million. A failure names its seed; {@code -Darmd.sim.seed=SEED
 * -Darmd.sim.schedules=1} replays exactly that schedule.
 */
class RandomFaultsSimTest {
    private static final int SCHEDULES = Integer.getInteger("armd.sim.schedules", 10_000);
    private static final long FIRST_SEED = Long.getLong("armd.sim.seed", 1L);
    private static final long STEP_MS = 10;
    /** How long two servers must have been connected before a double-online group counts as a violation. */
    private static final long SETTLE_NS = 1_000_000_000L;

    @Test
    void invariantsHoldOverRandomFaultSchedules() {
        for (long i = 0; i < SCHEDULES; i++) {
            final long seed = FIRST_SEED + i;
            try {
                runSchedule(seed);
            } catch (AssertionError e) {
                throw new AssertionError("schedule " + seed + " failed (replay it alone with -Darmd.sim.seed=" + seed
                    + " -Darmd.sim.schedules=1): " + e.getMessage(), e);
            }
        }
    }

    private void runSchedule(final long seed) {
        final int servers = 2 + (int) Long.remainderUnsigned(seed, 3);
        final boolean addresses = (seed & 4) != 0;
        final Sim sim = new Sim(SimConfigs.guide(servers, (seed & 8) != 0, addresses), seed * 7919 + servers);
        sim.loss = 0.05;
        sim.duplicate = 0.02;
        sim.jitterNs = 3_000_000L;
        sim.guardian = (seed & 16) != 0;
        final long[][] connectedSince = new long[servers][servers];
        sim.bootAll();
        sim.runMs(300);
        final String[] names = new String[servers];
        for (int i = 0; i < servers; i++) {
            names[i] = "server" + (i + 1);
        }
        for (int step = 0; step < 150; step++) {
            if (sim.random().nextInt(100) < 4) {
                fault(sim, names, connectedSince);
            }
            sim.runMs(STEP_MS);
            checkSafety(sim, connectedSince);
        }
        // faults stop: heal, bring everyone back, and everything must settle
        sim.healAll();
        for (final String name : names) {
            if (!sim.up(name)) {
                sim.boot(name);
            }
        }
        sim.runMs(1_500);
        for (final String name : names) {
            final ClusterNode n = sim.node(name);
            if (n.state() == ServerState.ISOLATED || n.state() == ServerState.STOPPED) {
                sim.op(name, Op.SERVER_RETURN, null, name);
            }
        }
        sim.runMs(3_000);
        checkLiveness(sim);
        checkEnvironments(sim);
        assertEquals(List.of(), sim.blindTakeovers(), () -> "takeovers while the old holder still answered\n"
            + String.join("\n", sim.log()));
    }

    private void fault(final Sim sim, final String[] names, final long[][] since) {
        final int kind = sim.random().nextInt(11);
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
            case 8 -> {
                if (!a.equals(b)) {
                    sim.isolate(a, b, true);
                }
            }
            case 9 -> {
                if (!a.equals(b)) {
                    sim.oneWay(a, b, true);
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

    private void checkSafety(final Sim sim, final long[][] since) {
        final int n = sim.size();
        final int groups = sim.config().groups().size();
        for (int g = 0; g < groups; g++) {
            final boolean[] holders = sim.holders(g);
            for (int i = 0; i < n; i++) {
                final ClusterNode a = sim.node(i);
                if (a != null && holders != null && a.exec(i, g) == GroupExec.ONLINE && !holders[i]) {
                    fail("group " + sim.config().groups().get(g).name() + " online on server" + (i + 1)
                        + " without its address at " + sim.nowNs() / 1e9 + " s\n" + tail(sim, 60));
                }
                for (int j = i + 1; j < n; j++) {
                    if (since[i][j] < 0 || !sim.connected(i, j) || sim.nowNs() - since[i][j] < SETTLE_NS) {
                        continue;
                    }
                    final ClusterNode b = sim.node(j);
                    if (a.exec(i, g) == GroupExec.ONLINE && b.exec(j, g) == GroupExec.ONLINE) {
                        fail("group " + sim.config().groups().get(g).name() + " online on server" + (i + 1)
                            + " and server" + (j + 1) + " at " + sim.nowNs() / 1e9 + " s\n" + tail(sim, 60));
                    }
                }
            }
        }
    }

    private void checkLiveness(final Sim sim) {
        final int n = sim.size();
        for (int g = 0; g < sim.config().groups().size(); g++) {
            int online = 0;
            for (int s = 0; s < n; s++) {
                final ClusterNode node = sim.node(s);
                assertNotNull(node);
                assertEquals(ServerState.NORMAL, node.state(), "server" + (s + 1) + " not back");
                if (node.exec(s, g) == GroupExec.ONLINE) {
                    online++;
                }
            }
            final var rec = sim.node(0).record(g);
            final String name = sim.config().groups().get(g).name();
            if (rec.mode() == GroupMode.HELD) {
                fail("group " + name + " is held: " + rec + "\n" + tail(sim, 120));
            }
            final int count = online;
            assertEquals(1, count, () -> "group " + name + " online count; record " + rec + "\n" + tail(sim, 80));
        }
    }

    private void checkEnvironments(final Sim sim) {
        for (final Sim.Run r : sim.runs()) {
            final ScriptRun run = r.run();
            final int expectedPriority = sim.config().groups().get(run.group()).priorityOf(sim.id(r.server()));
            assertEquals(expectedPriority, run.priority(), "priority of " + r.line());
            assertEquals(run.priority() == 1, run.home(), "HOME/OTHER of " + r.line());
            if (run.stop()) {
                assertNotNull(run.factor(), "stop without a factor: " + r.line());
                assertTrue(run.event() != ArmsEvent.RECOVER, "a stop shows RECOVER: " + r.line());
            } else {
                assertEquals(null, run.factor(), "start with a factor: " + r.line());
            }
        }
    }

    private static String tail(final Sim sim, final int lines) {
        return String.join("\n", sim.log().subList(Math.max(0, sim.log().size() - lines), sim.log().size()));
    }
}
