package armd.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.action.ScriptLauncher;
import armd.base.AgentLog;
import armd.cluster.NodeMemory;
import armd.cluster.RunOutcome;
import armd.config.ClusterConfig;
import armd.sim.SimConfigs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The agent's loop judges a peer's silence by what it has drained: work on the agent thread that takes longer than
 * the heartbeat timeout (a state file's fsync on a busy disk, an operation) must not make a peer that kept sending
 * look silent. Two agents of the guide's cluster (timeout 100 ms) joined by an in-memory link that delivers the
 * peer's latest payload on every drain, so the peer is never silent from the link's side.
 */
class ClusterAgentLoopTest {
    @Test
    void aBusyAgentThreadDoesNotDeclareALivePeerDown() throws Exception {
        final ClusterConfig config = SimConfigs.guide(2, false);
        final MemoryLink.Slot a = new MemoryLink.Slot();
        final MemoryLink.Slot b = new MemoryLink.Slot();
        final ByteArrayOutputStream log1 = new ByteArrayOutputStream();
        final PrintStream out1 = new PrintStream(log1, true, StandardCharsets.UTF_8);
        final PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        final ScriptLauncher instant = (run, done) -> done.done(RunOutcome.OK, null);
        try (ClusterAgent s1 = new ClusterAgent(config, 0, new MemoryLink(a, b, 1), instant,
                new MemoryLink.NoMemory(3), new NodeMemory(3), new AgentLog("s1", out1));
             ClusterAgent s2 = new ClusterAgent(config, 1, new MemoryLink(b, a, 0), instant,
                new MemoryLink.NoMemory(3), new NodeMemory(3), new AgentLog("s2", quiet))) {
            final Thread t1 = Thread.ofPlatform().name("agent-s1").start(s1::run);
            final Thread t2 = Thread.ofPlatform().name("agent-s2").start(s2::run);
            try {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!s1.status(false).get(30, TimeUnit.SECONDS).matches("(?s).*A +online +on server1.*"
                    + "B +online +on server2.*C +online +on server1.*")) {
                    assertTrue(System.nanoTime() < deadline, "groups online within 60 s: " + s1.status(false).get());
                    Thread.sleep(20);
                }
                // the agent thread busy for five timeouts, then one more task to know the loop went on after it
                final CountDownLatch after = new CountDownLatch(1);
                s1.execute(() -> {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                s1.execute(after::countDown);
                assertTrue(after.await(60, TimeUnit.SECONDS), "the loop ran the task after the busy one");
                final String status = s1.status(false).get(30, TimeUnit.SECONDS);
                final String log = log1.toString(StandardCharsets.UTF_8);
                assertFalse(log.contains("server server2 is down"), log);
                assertTrue(status.matches("(?s).*B +online +on server2.*"), status);
            } finally {
                s1.stop();
                s2.stop();
                t1.join(5_000);
                t2.join(5_000);
            }
        }
    }
}
