package armd.it;

import armd.control.ControlRequest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real agents (one process per server, each in its own network namespace) walking the guide's steps through
 * the control socket; the script runs they record must be transitions.tsv's rows exactly (run numbers in
 * order, rows of one run in any order). Five clusters cover every row, chaining the steps as the guide does.
 */
class ClusterRunIT {
    private static final int T = 90;
    private static StepCheck steps;

    @BeforeAll
    static void load() throws Exception {
        steps = new StepCheck(T);
    }

    @Test
    void steps1To5StartShutdownDownReturn() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("ra", 2, false)) {
            step(c, "1", c::startAll);
            c.awaitSettled(T);
            step(c, "2", () -> c.ok(0, new ControlRequest.ClusterShutdown()));
            final int stopped = c.records().size();
            c.ok(1, new ControlRequest.ClusterStart());
            c.awaitRecords(stopped + 3, T);
            // the fault's rows assume server2 has server1's start records: wait for them to be replicated
            c.awaitSettled(T);
            step(c, "3", () -> c.kill9(0));
            c.start(0);
            c.await(() -> c.logHas(0, "is isolated"), T, "server1 comes back isolated");
            step(c, "4", () -> c.ok(1, new ControlRequest.ServerReturn(Optional.of("server1"))));
            step(c, "5", () -> c.ok(1, new ControlRequest.ClusterShutdown()));
        }
    }

    @Test
    void steps6To14MovesFailoverLeaveStopStart() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("rb", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            c.awaitSettled(T);
            c.kill9(0);
            c.awaitRecords(5, T);
            c.start(0);
            c.await(() -> c.logHas(0, "is isolated"), T, "server1 comes back isolated");
            c.ok(0, new ControlRequest.ServerReturn(Optional.empty()));
            c.awaitRecords(7, T);
            c.awaitSettled(T);
            // two moves at once: both stop scripts run before either start (the gate holds them until both began)
            final int before6 = c.records().size();
            c.gate(true);
            final List<Thread> moves;
            try {
                moves = okAll(c, 1, new ControlRequest.GroupMove("A", Optional.of("server1")),
                    new ControlRequest.GroupMove("C", Optional.of("server1")));
                c.awaitRecords(before6 + 2, T);
            } finally {
                c.gate(false);
            }
            join(moves);
            steps.compare(c, "6", before6);
            c.awaitSettled(T);
            step(c, "8", () -> c.ok(0, new ControlRequest.GroupFailover("C")));
            c.awaitSettled(T);
            step(c, "9", () -> c.ok(1, new ControlRequest.GroupMove("C", Optional.of("server1"))));
            c.awaitSettled(T);
            step(c, "10", () -> c.ok(0, new ControlRequest.ServerLeave(Optional.empty())));
            step(c, "11", () -> c.ok(1, new ControlRequest.GroupStop("B")));
            step(c, "12", () -> c.ok(1, new ControlRequest.GroupStart("B", Optional.empty())));
            step(c, "13", () -> c.ok(1, new ControlRequest.GroupStop("C")));
            step(c, "14", () -> c.ok(1, new ControlRequest.GroupStart("C", Optional.empty())));
        }
    }

    /**
     * Step 3 with the other kind of server failure: server1's link goes down (its agent lives on, cut off).
     * server2's rows are the step's rows exactly; server1, which sees server2 silent too, takes B over on its
     * side (a split brain the guide's step does not show; PartitionIT checks how it resolves).
     */
    @Test
    void step3ByLinkDown() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("rl", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            c.awaitSettled(T);
            final int server2Before = (int) c.records().stream().filter(r -> r.startsWith("2 ")).count();
            c.net().exec(c.namespace(0), "ip", "link", "set", "eth0", "down");
            steps.compareServer(c, 2, "3", server2Before);
        }
    }

    @Test
    void step7AutoReturn() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("rc", 2, true)) {
            c.startAll();
            c.awaitRecords(3, T);
            c.awaitSettled(T);
            c.kill9(0);
            c.awaitRecords(5, T);
            step(c, "7", () -> c.start(0));
        }
    }

    @Test
    void threeServersDownThenMove() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("rd", 3, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            // server1 killed before its start records reached server2 and server3 gave START instead of FAILOVER
            c.awaitSettled(T);
            step(c, "S1a", () -> c.kill9(0));
            c.awaitSettled(T);
            step(c, "S1b", () -> c.ok(2, new ControlRequest.GroupMove("C", Optional.of("server3"))));
        }
    }

    @Test
    void armloadRestartThenFailover() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("re", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            c.awaitSettled(T);
            // what armload asks: watch a real process of group A, restart in place on its death
            final Process app = new ProcessBuilder("sleep", "300").start();
            try {
                c.ok(0, new ControlRequest.Load("A", "app", (int) app.pid(), ControlRequest.LoadAction.RESTART, 0,
                    0, "sleep 300"));
                step(c, "S2a", app::destroyForcibly);
            } finally {
                app.destroyForcibly();
            }
            c.awaitSettled(T);
            final Process app2 = new ProcessBuilder("sleep", "300").start();
            try {
                c.ok(0, new ControlRequest.Load("A", "app", (int) app2.pid(), ControlRequest.LoadAction.FAILOVER, 0,
                    0, "sleep 300"));
                step(c, "S2b", app2::destroyForcibly);
            } finally {
                app2.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Something a step does. */
    private interface Action {
        void run() throws Exception;
    }

    /** Does {@code action}, then waits for the step's rows after what was recorded before it, and compares. */
    private static void step(final AgentCluster c, final String step, final Action action) throws Exception {
        final int before = c.records().size();
        action.run();
        steps.compare(c, step, before);
    }

    private static final List<Throwable> FAILURES = Collections.synchronizedList(new ArrayList<>());

    /** Issues every request at once (as concurrent callers) at server {@code at}; {@link #join} checks them. */
    private static List<Thread> okAll(final AgentCluster c, final int at, final ControlRequest... requests) {
        FAILURES.clear();
        final List<Thread> threads = new ArrayList<>();
        for (final ControlRequest r : requests) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    c.ok(at, r);
                } catch (Throwable t) {
                    FAILURES.add(t);
                }
            }));
        }
        return threads;
    }

    /** Waits for the requests of {@link #okAll}; all must have succeeded. */
    private static void join(final List<Thread> threads) throws InterruptedException {
        for (final Thread t : threads) {
            t.join(T * 1000L);
        }
        if (!FAILURES.isEmpty()) {
            throw new AssertionError(FAILURES.get(0));
        }
    }
}
