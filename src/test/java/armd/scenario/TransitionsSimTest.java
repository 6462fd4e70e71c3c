package armd.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.Op;
import armd.cluster.OpResult;
import armd.sim.Sim;
import armd.sim.SimConfigs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of transitions.tsv from the deterministic simulation: each step is set up as the guide's
 * walk-through says (not recorded), then its action runs and the script runs it causes must be exactly the
 * step's rows: run numbers in order, rows of one run in any order.
 */
class TransitionsSimTest {
    private static final long SETTLE_MS = 3_000;

    /** A step: how to get there (not recorded) and what happens (recorded). */
    private record Scenario(int servers, boolean autoReturn, Consumer<Sim> setup, Consumer<Sim> action) {
    }

    private static Scenario s(final Consumer<Sim> setup, final Consumer<Sim> action) {
        return new Scenario(2, false, setup, action);
    }

    private static final Map<String, Scenario> SCENARIOS = Map.ofEntries(
        Map.entry("1", s(sim -> { }, sim -> start(sim))),
        Map.entry("2", s(TransitionsSimTest::start, sim -> ok(sim, "server1", Op.CLUSTER_SHUTDOWN, null, null))),
        Map.entry("3", s(TransitionsSimTest::start, sim -> crash(sim, "server1"))),
        Map.entry("4", s(sim -> {
            start(sim);
            crash(sim, "server1");
            restart(sim, "server1");
        }, sim -> ok(sim, "server2", Op.SERVER_RETURN, null, "server1"))),
        Map.entry("5", s(sim -> {
            start(sim);
            crash(sim, "server1");
        }, sim -> ok(sim, "server2", Op.CLUSTER_SHUTDOWN, null, null))),
        Map.entry("6", s(sim -> {
            start(sim);
            crash(sim, "server1");
            restart(sim, "server1");
            ok(sim, "server1", Op.SERVER_RETURN, null, "server1");
        }, sim -> {
            final int a = sim.op("server1", Op.GROUP_MOVE, "A", "server1");
            final int c = sim.op("server1", Op.GROUP_MOVE, "C", "server1");
            sim.runMs(SETTLE_MS);
            assertEquals(OpResult.OK, sim.result("server1", a));
            assertEquals(OpResult.OK, sim.result("server1", c));
        })),
        Map.entry("7", new Scenario(2, true, sim -> {
            start(sim);
            crash(sim, "server1");
        }, sim -> restart(sim, "server1"))),
        Map.entry("8", s(TransitionsSimTest::start, sim -> ok(sim, "server1", Op.GROUP_FAILOVER, "C", null))),
        Map.entry("9", s(sim -> {
            start(sim);
            ok(sim, "server1", Op.GROUP_FAILOVER, "C", null);
        }, sim -> ok(sim, "server1", Op.GROUP_MOVE, "C", "server1"))),
        Map.entry("10", s(TransitionsSimTest::start, sim -> ok(sim, "server1", Op.SERVER_LEAVE, null, "server1"))),
        Map.entry("11", s(sim -> {
            start(sim);
            ok(sim, "server1", Op.SERVER_LEAVE, null, "server1");
        }, sim -> ok(sim, "server2", Op.GROUP_STOP, "B", null))),
        Map.entry("12", s(sim -> {
            start(sim);
            ok(sim, "server1", Op.SERVER_LEAVE, null, "server1");
            ok(sim, "server2", Op.GROUP_STOP, "B", null);
        }, sim -> ok(sim, "server2", Op.GROUP_START, "B", null))),
        Map.entry("13", s(sim -> {
            start(sim);
            ok(sim, "server1", Op.SERVER_LEAVE, null, "server1");
        }, sim -> ok(sim, "server2", Op.GROUP_STOP, "C", null))),
        Map.entry("14", s(sim -> {
            start(sim);
            ok(sim, "server1", Op.SERVER_LEAVE, null, "server1");
            ok(sim, "server2", Op.GROUP_STOP, "C", null);
        }, sim -> ok(sim, "server2", Op.GROUP_START, "C", null))),
        Map.entry("S1a", new Scenario(3, false, TransitionsSimTest::start, sim -> crash(sim, "server1"))),
        Map.entry("S1b", new Scenario(3, false, sim -> {
            start(sim);
            crash(sim, "server1");
        }, sim -> ok(sim, "server2", Op.GROUP_MOVE, "C", "server3"))),
        Map.entry("S2a", s(TransitionsSimTest::start, sim -> {
            assertTrue(sim.applicationDied("server1", "A", false));
            sim.runMs(SETTLE_MS);
        })),
        Map.entry("S2b", s(TransitionsSimTest::start, sim -> {
            assertTrue(sim.applicationDied("server1", "A", true));
            sim.runMs(SETTLE_MS);
        })));

    private static void start(final Sim sim) {
        sim.bootAll();
        sim.runMs(SETTLE_MS);
    }

    private static void crash(final Sim sim, final String server) {
        sim.crash(server);
        sim.runMs(SETTLE_MS);
    }

    private static void restart(final Sim sim, final String server) {
        sim.boot(server);
        sim.runMs(SETTLE_MS);
    }

    private static void ok(final Sim sim, final String at, final Op op, final String group, final String server) {
        final int seq = sim.op(at, op, group, server);
        sim.runMs(SETTLE_MS);
        assertEquals(OpResult.OK, sim.result(at, seq), () -> op + " at " + at + "\n" + String.join("\n", sim.log()));
    }

    static Stream<Arguments> steps() throws IOException {
        return Transitions.load().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "step {0}")
    @MethodSource("steps")
    void everyRowComesOutOfTheSimulation(final String step, final List<Transitions.Row> rows) {
        final Scenario sc = SCENARIOS.get(step);
        assertTrue(sc != null, "no scenario for step " + step);
        final Sim sim = new Sim(SimConfigs.guide(sc.servers, sc.autoReturn), step.hashCode());
        sc.setup.accept(sim);
        final int before = sim.runs().size();
        sc.action.accept(sim);
        final List<Sim.Run> actual = sim.runs().subList(before, sim.runs().size());
        final String context = "step " + step + "\nactual:\n" + lines(actual) + "\nlog:\n"
            + String.join("\n", sim.log());
        assertEquals(rows.size(), actual.size(), () -> "number of script runs; " + context);
        int i = 0;
        int run = 1;
        while (i < rows.size()) {
            final int r = run;
            final List<String> expected = new ArrayList<>();
            for (final Transitions.Row row : rows) {
                if (row.run() == r) {
                    expected.add(resolve(row, sim.runs().subList(0, before)));
                }
            }
            final List<String> got = new ArrayList<>();
            for (int k = 0; k < expected.size(); k++) {
                got.add(actual.get(i + k).line());
            }
            Collections.sort(expected);
            Collections.sort(got);
            assertEquals(expected, got, () -> "run " + r + " of " + context);
            i += expected.size();
            run++;
        }
    }

    /** "=start": the values of the last start run (not RECOVER) of that group on that server before the step. */
    private static String resolve(final Transitions.Row row, final List<Sim.Run> before) {
        if (!row.event().equals("=start")) {
            return row.line();
        }
        for (int k = before.size() - 1; k >= 0; k--) {
            final Sim.Run p = before.get(k);
            if (p.server().equals(row.server()) && p.group().equals(row.group()) && !p.run().stop()
                && p.run().event() != armd.cluster.ArmsEvent.RECOVER) {
                return row.server() + " " + row.script() + " " + row.group() + " " + p.run().event() + " "
                    + (p.run().home() ? "HOME" : "OTHER") + " " + p.run().priority() + " " + row.factor();
            }
        }
        throw new AssertionError("no start run before step " + row.step());
    }

    private static String lines(final List<Sim.Run> runs) {
        final StringBuilder sb = new StringBuilder();
        for (final Sim.Run r : runs) {
            sb.append("  ").append(r.line()).append('\n');
        }
        return sb.toString();
    }

    /**
     * transitions.tsv in the test resources is the table itself (docs/behaviour.md#walk-throughs), not a copy of a
     * file outside the repository: a scenario whose step left the table would silently stop being checked.
     */
    @Test
    void everyScenarioIsAStepOfTheTable() throws IOException {
        assertEquals(new TreeSet<>(Transitions.load().keySet()), new TreeSet<>(SCENARIOS.keySet()),
            "the steps of transitions.tsv and the scenarios here");
    }
}
