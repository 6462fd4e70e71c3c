package armd.bench;

import armd.cluster.ClusterNode;
import armd.cluster.PeerSnapshot;
import armd.cluster.PeerStatus;
import armd.cluster.StatePayload;
import armd.sim.Sim;
import armd.sim.SimConfigs;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The state machine's share of one heartbeat in steady state (a settled cluster, every group online): the
 * sender's snapshot and payload encoding, the receiver's decoding, {@code onHeartbeat} and {@code tick}.
 * Every other server heartbeats: each operation is the next peer's heartbeat, round robin, and the clock
 * advances one default interval (10 ms) per round, so the receiver hears all {@code servers - 1} peers every
 * interval and none goes down (checked after every iteration: the benchmark fails if one did). Run with
 * {@code -prof gc}: the steady state must allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ClusterNodeBench {
    @Param({"2", "16"})
    int servers;

    private static final long INTERVAL_NS = 10_000_000L;

    private ClusterNode[] senders;
    private ClusterNode receiver;
    private int next;
    private long stepNs;
    private final PeerSnapshot out = new PeerSnapshot();
    private final PeerSnapshot in = new PeerSnapshot();
    private final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
    private long nowNs;

    @Setup
    public void setup() {
        final Sim sim = new Sim(SimConfigs.guide(servers, false), 1);
        sim.bootAll();
        sim.runMs(5_000);
        receiver = sim.node(1);
        senders = new ClusterNode[servers - 1];
        for (int i = 0, k = 0; i < servers; i++) {
            if (i != 1) {
                senders[k++] = sim.node(i);
            }
        }
        stepNs = INTERVAL_NS / senders.length;
        nowNs = sim.nowNs();
    }

    /** Fails the run when the receiver saw a peer down: then it would not be measuring live servers. */
    @TearDown(Level.Iteration)
    public void everyPeerAlive() {
        for (int s = 0; s < servers; s++) {
            final PeerStatus st = receiver.status(s);
            if (s != 1 && (st == PeerStatus.DOWN || st == PeerStatus.UNKNOWN)) {
                throw new IllegalStateException("server" + (s + 1) + " is " + st + " at the receiver");
            }
        }
    }

    @Benchmark
    public int heartbeatThroughTheStateMachine() {
        nowNs += stepNs;
        final ClusterNode sender = senders[next];
        sender.snapshot(out);
        buf.clear();
        final int len = StatePayload.encode(out, buf);
        buf.flip();
        StatePayload.decode(buf, len, in);
        in.header(sender.self(), 1);
        next = next + 1 == senders.length ? 0 : next + 1;
        receiver.onHeartbeat(in, 0, nowNs);
        receiver.tick(nowNs);
        return len;
    }
}
