package armd.bench;

import armd.base.AgentLog;
import armd.cluster.NodeMemory;
import armd.cluster.RunOutcome;
import armd.agent.ClusterAgent;
import armd.agent.MemoryLink;
import armd.action.ScriptLauncher;
import armd.config.ClusterConfig;
import armd.sim.SimConfigs;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The agent's own heartbeat loop (drain, decode, the state machine's onHeartbeat and tick, encode, compare, poll):
 * two real {@link ClusterAgent}s of the guide's cluster (groups A, B, C online) on their own threads, joined by an
 * in-memory link that delivers the peer's latest payload on every drain and keeps the poll readable, so each loop
 * runs hot. One operation is one iteration of server1's loop (one heartbeat of server2 handled); {@code -prof gc}
 * counts every thread of the JVM, so 0 B/op means neither agent allocates per heartbeat. The UDP transport has
 * its own benchmarks (HeartbeatLoopbackBench, HeartbeatSenderBench).
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.openjdk.jmh.Main AgentLoopBench -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AgentLoopBench {
    private static final long ONLINE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private MemoryLink link1;
    private ClusterAgent s1;
    private ClusterAgent s2;
    private Thread t1;
    private Thread t2;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        final ClusterConfig config = SimConfigs.guide(2, false);
        final MemoryLink.Slot a = new MemoryLink.Slot();
        final MemoryLink.Slot b = new MemoryLink.Slot();
        link1 = new MemoryLink(a, b, 1);
        final MemoryLink link2 = new MemoryLink(b, a, 0);
        final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        final ScriptLauncher instant = (run, done) -> done.done(RunOutcome.OK, null);
        s1 = new ClusterAgent(config, 0, link1, instant, new MemoryLink.NoMemory(3), new NodeMemory(3),
            new AgentLog("s1", quiet));
        s2 = new ClusterAgent(config, 1, link2, instant, new MemoryLink.NoMemory(3), new NodeMemory(3),
            new AgentLog("s2", quiet));
        t1 = Thread.ofPlatform().name("agent-s1").start(s1::run);
        t2 = Thread.ofPlatform().name("agent-s2").start(s2::run);
        final long deadline = System.nanoTime() + ONLINE_TIMEOUT_NS;
        String status = s1.status(false).get(10, TimeUnit.SECONDS);
        while (!status.matches("(?s).*A +online +on server1.*B +online +on server2.*C +online +on server1.*")) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("groups not online within 60 s: " + status);
            }
            Thread.sleep(20);
            status = s1.status(false).get(10, TimeUnit.SECONDS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        s1.stop();
        s2.stop();
        t1.join(5_000);
        t2.join(5_000);
        s1.close();
        s2.close();
    }

    /** Waits for one more iteration of server1's loop. */
    @Benchmark
    public long oneHeartbeatOfServer1() {
        final long want = link1.drains + 1;
        long now = link1.drains;
        while (now < want) {
            Thread.onSpinWait();
            now = link1.drains;
        }
        return now;
    }
}
